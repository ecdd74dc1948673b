/* emocap: runs the invalid-script fixtures
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: test-scripts-invalid [--expect-mismatch] DIR
 *
 * Every folder DIR/NNN-name/ is one case: `script.json` (the entry point),
 * maybe `contract.json` and `consent.json`, and `error`, the exact message
 * the user must see.  The runner changes into the folder, loads
 * "script.json" (then "consent.json", if there is one, against it) and
 * requires that loading fails with exactly that message, and with the
 * error code named in `code` (script, contract, consent or io) or, without
 * that file, the one the message's file name implies.
 *
 * With --expect-mismatch every case must be caught as NOT matching: that
 * is how the suite checks that this runner can fail at all.
 */
#include <string.h>
#include <unistd.h>

#include <emocap/emocap.h>

static gboolean
read_trimmed (const char *path, char **out)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  g_strchomp (text);
  *out = g_steal_pointer (&text);
  return TRUE;
}

static int
expected_code (const char *message, const char *code_name)
{
  static const struct { const char *name; int code; } codes[] = {
    { "script", EMOCAP_ERROR_INVALID_SCRIPT },
    { "contract", EMOCAP_ERROR_INVALID_CONTRACT },
    { "consent", EMOCAP_ERROR_INVALID_CONSENT },
    { "io", EMOCAP_ERROR_IO },
  };

  if (code_name) {
    for (gsize i = 0; i < G_N_ELEMENTS (codes); i++) {
      if (strcmp (codes[i].name, code_name) == 0)
        return codes[i].code;
    }
    return -1;
  }
  if (g_str_has_prefix (message, "contract.json:"))
    return EMOCAP_ERROR_INVALID_CONTRACT;
  if (g_str_has_prefix (message, "consent.json:"))
    return EMOCAP_ERROR_INVALID_CONSENT;
  return EMOCAP_ERROR_INVALID_SCRIPT;
}

/* Runs one case in the current folder; returns NULL if it behaved as
 * expected, else what went wrong. */
static char *
run_case (void)
{
  g_autofree char *expected = NULL;
  g_autofree char *code_name = NULL;
  g_autoptr (EmocapScript) script = NULL;
  g_autoptr (EmocapConsentFile) consent = NULL;
  g_autoptr (GError) error = NULL;
  int code;

  if (!read_trimmed ("error", &expected))
    return g_strdup ("no 'error' file");
  if (strchr (expected, '\n'))
    return g_strdup ("'error' holds more than one line");
  if (g_file_test ("code", G_FILE_TEST_EXISTS)) {
    if (!read_trimmed ("code", &code_name))
      return g_strdup ("cannot read 'code'");
  }
  code = expected_code (expected, code_name);
  if (code < 0)
    return g_strdup_printf ("unknown code '%s' in 'code'", code_name);

  script = emocap_script_load ("script.json", &error);
  if (script && g_file_test ("consent.json", G_FILE_TEST_EXISTS))
    consent = emocap_consent_file_load ("consent.json", script, &error);
  else if (script)
    return g_strdup ("script.json loaded, but should have failed");
  if (consent)
    return g_strdup ("consent.json loaded, but should have failed");

  if (error == NULL)
    return g_strdup ("failed without an error");
  if (error->domain != EMOCAP_ERROR)
    return g_strdup_printf ("error in domain %s, expected emocap-error-quark",
        g_quark_to_string (error->domain));
  if (strcmp (error->message, expected) != 0)
    return g_strdup_printf ("wrong message\n#   expected: %s\n#   got:      %s",
        expected, error->message);
  if (error->code != code)
    return g_strdup_printf ("error code %d, expected %d", error->code, code);
  return NULL;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *top = NULL;
  g_autofree char *here = g_get_current_dir ();
  gboolean expect_mismatch = FALSE;
  const char *name;
  int passed = 0, failed = 0;

  if (argc == 3 && strcmp (argv[1], "--expect-mismatch") == 0) {
    expect_mismatch = TRUE;
    argv++;
    argc--;
  }
  if (argc != 2) {
    g_printerr ("usage: %s [--expect-mismatch] DIR\n", argv[0]);
    return 2;
  }
  top = g_canonicalize_filename (argv[1], here);
  dir = g_dir_open (top, 0, &error);
  if (dir == NULL) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *path = g_build_filename (top, name, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR))
      g_ptr_array_add (cases, g_strdup (name));
  }
  g_ptr_array_sort (cases, compare_names);

  g_print ("1..%u\n", cases->len);
  for (guint i = 0; i < cases->len; i++) {
    const char *c = cases->pdata[i];
    g_autofree char *path = g_build_filename (top, c, NULL);
    g_autofree char *problem = NULL;
    gboolean ok;

    if (chdir (path) < 0) {
      g_print ("not ok %u - %s: cannot enter the folder\n", i + 1, c);
      failed++;
      continue;
    }
    problem = run_case ();
    if (chdir (here) < 0)
      g_error ("cannot return to %s", here);

    ok = expect_mismatch ? problem != NULL : problem == NULL;
    if (ok) {
      g_print ("ok %u - %s%s%s\n", i + 1, c, problem ? " # mismatch seen: " : "",
          problem ? problem : "");
      passed++;
    } else {
      g_print ("not ok %u - %s: %s\n", i + 1, c,
          problem ? problem : "matched, but a mismatch was expected");
      failed++;
    }
  }
  g_print ("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
