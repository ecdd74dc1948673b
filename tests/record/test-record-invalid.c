/* emocap tests: `emocap record` refuses every invalid script fixture and
 * creates nothing in the archive
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs over tests/scripts/invalid/\*: in each case's folder, `emocap record
 * script.json` (with --auto --consent-file consent.json where the case has
 * one) must exit 1 (2 for a file that cannot be read), print "emocap: " and the case's expected error, and
 * leave no archive behind.  `emocap check` must say the same.
 */
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "record-util.h"

static int
run_in (const char *cwd, const char *const *argv, char **err)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
      G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  GError *error = NULL;

  g_subprocess_launcher_set_cwd (launcher, cwd);
  g_subprocess_launcher_unsetenv (launcher, "EMOCAP_ARCHIVE");
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, "", NULL, NULL, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (proc);
}

static void
test_invalid (void)
{
  const char *src = g_getenv ("EMOCAP_SOURCE_ROOT");
  const char *exe = g_getenv ("EMOCAP");
  g_autofree char *cases = g_build_filename (src, "tests", "scripts", "invalid", NULL);
  g_autoptr (GDir) dir = g_dir_open (cases, 0, NULL);
  g_autofree char *tmp = g_dir_make_tmp ("emocap-invalid-XXXXXX", NULL);
  g_autofree char *archive = g_build_filename (tmp, "archive", NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir))) {
    g_autofree char *case_dir = g_build_filename (cases, name, NULL);
    g_autofree char *expected_path = g_build_filename (case_dir, "error", NULL);
    g_autofree char *consent = g_build_filename (case_dir, "consent.json", NULL);
    g_autofree char *code_path = g_build_filename (case_dir, "code", NULL);
    g_autofree char *code = NULL;
    g_autofree char *expected = NULL, *want = NULL, *err = NULL, *err2 = NULL;
    gboolean has_consent = g_file_test (consent, G_FILE_TEST_EXISTS);
    const char *record[] = { exe, "record", "script.json", "--archive", archive,
      has_consent ? "--auto" : NULL, "--consent-file", "consent.json", NULL };
    const char *check_argv[] = { exe, "check", "script.json",
      has_consent ? "--consent-file" : NULL, "consent.json", NULL };
    int status, want_status = 1;

    if (!g_file_get_contents (expected_path, &expected, NULL, NULL))
      continue;
    /* A file that cannot be read is the environment's fault (exit 2). */
    if (g_file_get_contents (code_path, &code, NULL, NULL) &&
        g_str_equal (g_strstrip (code), "io"))
      want_status = 2;
    want = g_strdup_printf ("emocap: %s\n", g_strchomp (expected));
    n++;

    status = run_in (case_dir, record, &err);
    check (status == want_status, "%s: record exited %d", name, status);
    check (g_strcmp0 (err, want) == 0, "%s: record said\n  %s  expected\n  %s", name, err, want);
    check (!g_file_test (archive, G_FILE_TEST_EXISTS), "%s: the archive was created", name);

    status = run_in (case_dir, check_argv, &err2);
    check (status == want_status, "%s: check exited %d", name, status);
    check (g_strcmp0 (err2, want) == 0, "%s: check said\n  %s  expected\n  %s", name, err2, want);
  }
  check (n >= 25, "only %u invalid cases", n);
  g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/record/invalid-scripts", test_invalid);
  return g_test_run ();
}
