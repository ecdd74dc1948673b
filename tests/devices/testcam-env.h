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

#include <glib.h>

#include "../testcam/testcam-preload.h"

/* @envp with the test camera preloaded (after the ASan runtime when this
 * program runs under ASan), answering for @config, logging to @log
 * (NULL: no log). */
static char **
testcam_environ (char **envp, const char *config, const char *log)
{
  g_autofree char *preload = testcam_preload_new ();

  if (preload == NULL)
    g_error ("EMOCAP_TESTCAM_LIB is not set: run this through 'meson test'");
  envp = g_environ_setenv (envp, "LD_PRELOAD", preload, TRUE);
  envp = g_environ_setenv (envp, "EMOCAP_TESTCAM", config, TRUE);
  if (log != NULL)
    envp = g_environ_setenv (envp, "EMOCAP_TESTCAM_LOG", log, TRUE);
  else
    envp = g_environ_unsetenv (envp, "EMOCAP_TESTCAM_LOG");
  return envp;
}
