/* emocap tests: the journal corpus, each file with its expected verdict
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: test-journal-corpus DIR.  For every DIR/NAME.jsonl, DIR/NAME.expected
 * holds either "ok N" (it verifies, with N entries) or "LINE: MESSAGE", the
 * error emocap_journal_verify() must give after "PATH:".  Folders (fuzz/,
 * inputs the fuzzer found) are left to the fuzz-journal replay.
 */
#include <string.h>

#include <emocap/error.h>
#include <emocap/journal.h>

#include "fuzz-key.h"
#include "test-util.h"

static const char *corpus_dir;
static EmocapKey *key;

static char *
read_expected (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  g_strchomp (text);
  return text;
}

static void
test_case (gconstpointer data)
{
  const char *name = data;
  g_autofree char *file = g_strconcat (name, ".jsonl", NULL);
  g_autofree char *expected_file = g_strconcat (name, ".expected", NULL);
  g_autofree char *path = g_build_filename (corpus_dir, file, NULL);
  g_autofree char *expected_path = g_build_filename (corpus_dir, expected_file, NULL);
  g_autofree char *expected = read_expected (expected_path);
  g_autoptr (GError) error = NULL;
  json_t *entries = NULL;
  guint bad_line = 0;
  gboolean ok;

  ok = emocap_journal_verify (path, key, &entries, &bad_line, &error);

  if (g_str_has_prefix (expected, "ok ")) {
    if (!ok)
      g_error ("%s should verify, got: %s", file, error->message);
    g_assert_cmpuint (json_array_size (entries), ==,
        g_ascii_strtoull (expected + 3, NULL, 10));
    json_decref (entries);
  } else {
    g_autofree char *want = g_strdup_printf ("%s:%s", path, expected);
    if (ok)
      g_error ("%s should fail with '%s', but it verifies", file, expected);
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
    g_assert_cmpstr (error->message, ==, want);
    g_assert_cmpuint (bad_line, ==, g_ascii_strtoull (expected, NULL, 10));
  }
}

int
main (int argc, char **argv)
{
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;
  int ret;

  g_test_init (&argc, &argv, NULL);
  if (argc != 2) {
    g_printerr ("usage: %s CORPUS-DIR\n", argv[0]);
    return 1;
  }
  corpus_dir = argv[1];
  key = test_key_from_seed (FUZZ_KEY_SEED);

  dir = g_dir_open (corpus_dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL) {
    g_autofree char *child = g_build_filename (corpus_dir, entry, NULL);
    /* fuzz/: inputs the fuzzer found, replayed by fuzz-journal only. */
    if (g_file_test (child, G_FILE_TEST_IS_DIR))
      continue;
    if (g_str_has_suffix (entry, ".jsonl"))
      g_ptr_array_add (names, g_strndup (entry, strlen (entry) - strlen (".jsonl")));
    else if (!g_str_has_suffix (entry, ".expected"))
      g_error ("%s/%s: neither a journal nor an expected verdict", corpus_dir, entry);
  }
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  /* A corpus that went missing must not pass as zero cases. */
  g_assert_cmpuint (names->len, >=, 20);

  for (guint i = 0; i < names->len; i++) {
    const char *name = g_ptr_array_index (names, i);
    g_autofree char *test_path = g_strconcat ("/journal-corpus/", name, NULL);
    g_test_add_data_func (test_path, name, test_case);
  }
  ret = g_test_run ();
  emocap_key_free (key);
  return ret;
}
