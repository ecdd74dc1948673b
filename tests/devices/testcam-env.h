/* emocap tests: running under the test camera (tests/testcam)
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The test camera is a library preloaded into a process: EMOCAP_TESTCAM_LIB
 * names it, EMOCAP_TESTCAM says which nodes it answers for, and
 * EMOCAP_TESTCAM_LOG where it writes what was done to them.  Included by
 * one test program each.
 */
#pragma once

#include <link.h>
#include <string.h>

#include <glib.h>

/* The AddressSanitizer runtime this program was loaded with, if any: a
 * sanitized program wants it before any other preloaded library. */
static int
testcam_find_asan (struct dl_phdr_info *info, size_t size, void *data)
{
  char **found = data;
  const char *base = strrchr (info->dlpi_name, '/');

  base = base ? base + 1 : info->dlpi_name;
  if (g_str_has_prefix (base, "libasan.so")) {
    *found = g_strdup (info->dlpi_name);
    return 1;
  }
  return 0;
}

static const char *
testcam_lib (void)
{
  const char *lib = g_getenv ("EMOCAP_TESTCAM_LIB");

  if (lib == NULL || *lib == '\0')
    g_error ("EMOCAP_TESTCAM_LIB is not set: run this through 'meson test'");
  if (!g_file_test (lib, G_FILE_TEST_EXISTS))
    g_error ("EMOCAP_TESTCAM_LIB names '%s', which does not exist", lib);
  return lib;
}

/* @envp with the test camera preloaded, answering for @config, logging to
 * @log (NULL: no log). */
static char **
testcam_environ (char **envp, const char *config, const char *log)
{
  g_autofree char *asan = NULL;
  g_autofree char *preload = NULL;

  dl_iterate_phdr (testcam_find_asan, &asan);
  preload = asan ? g_strdup_printf ("%s %s", asan, testcam_lib ()) : g_strdup (testcam_lib ());
  envp = g_environ_setenv (envp, "LD_PRELOAD", preload, TRUE);
  envp = g_environ_setenv (envp, "EMOCAP_TESTCAM", config, TRUE);
  if (log != NULL)
    envp = g_environ_setenv (envp, "EMOCAP_TESTCAM_LOG", log, TRUE);
  else
    envp = g_environ_unsetenv (envp, "EMOCAP_TESTCAM_LOG");
  return envp;
}
