/* emocap tests: `emocap verify` as a user runs it
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Builds a temporary archive (keys/ and sessions/S/journal.jsonl) with the
 * library, then runs the program found in $EMOCAP and checks its exit
 * code, stdout and stderr.
 */
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include <emocap/digest.h>
#include <emocap/journal.h>
#include <emocap/keys.h>
#include <emocap/merkle.h>

#include "test-util.h"

#define SESSION "nlc-2026-11-22-a"

typedef struct {
  char *tmp;
  char *archive;
  char *folder;
  char *journal;
  char *head;
  /* The Merkle root of the five lines before session.closed. */
  char *root;
  char *key_hex;
} Fixture;

typedef struct {
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapKey) key = NULL;
  g_autoptr (EmocapJournal) journal = NULL;
  g_autofree char *keys = NULL;

  f->tmp = test_tmpdir_new ();
  f->archive = g_build_filename (f->tmp, "archive", NULL);
  keys = g_build_filename (f->archive, "keys", NULL);
  f->folder = g_build_filename (f->archive, "sessions", SESSION, NULL);
  f->journal = g_build_filename (f->folder, "journal.jsonl", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->folder, 0700), ==, 0);

  key = emocap_key_load_or_create (keys, &error);
  g_assert_no_error (error);
  f->key_hex = emocap_key_public_hex (key);
  journal = emocap_journal_open (f->journal, key, &error);
  g_assert_no_error (error);
  test_journal_fill (journal, key);
  f->head = g_strdup (emocap_journal_get_head (journal));

  {
    g_autofree char *text = NULL;
    g_autoptr (GPtrArray) lines = NULL;
    EmocapMerkleHash leaves[5], root;
    gsize len = 0;

    g_file_get_contents (f->journal, &text, &len, &error);
    g_assert_no_error (error);
    lines = test_split_lines (text, len);
    g_assert_cmpuint (lines->len, ==, 6);
    for (guint i = 0; i < 5; i++) {
      const char *line = g_ptr_array_index (lines, i);
      emocap_merkle_leaf_hash (line, strlen (line), &leaves[i]);
    }
    emocap_merkle_root (leaves, 5, &root);
    f->root = emocap_hex_encode (root.bytes, sizeof root.bytes);
  }
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  test_tmpdir_free (f->tmp);
  g_free (f->archive);
  g_free (f->folder);
  g_free (f->journal);
  g_free (f->head);
  g_free (f->root);
  g_free (f->key_hex);
}

/* Runs `emocap ARGS...` in @cwd (the temporary folder if NULL), with
 * EMOCAP_ARCHIVE set to @archive_env or unset. */
static void
run_emocap (Fixture *f, Run *run, const char *archive_env, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) envp = g_get_environ ();
  const char *emocap = g_getenv ("EMOCAP");
  const char *arg;
  va_list args;

  g_assert_nonnull (emocap);
  g_ptr_array_add (argv, (gpointer) emocap);
  va_start (args, archive_env);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  envp = g_environ_unsetenv (envp, "EMOCAP_ARCHIVE");
  if (archive_env)
    envp = g_environ_setenv (envp, "EMOCAP_ARCHIVE", archive_env, TRUE);

  g_spawn_sync (f->tmp, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
      &run->out, &run->err, &run->status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (run->status));
  run->status = WEXITSTATUS (run->status);
  g_test_message ("exit %d\nstdout: %s\nstderr: %s", run->status, run->out, run->err);
}

static char *
intact_line (Fixture *f, guint entries)
{
  return g_strdup_printf ("session '%s': %u journal entries, chain and signatures "
      "intact (studio key %.16s...)\n"
      "closed on line 6 with a signed checkpoint of the 5 entries before it, "
      "Merkle root %s\n", SESSION, entries, f->key_hex, f->root);
}

static void
edit_byte (const char *path, guint line, const char *find, char to)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  char *p;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  p = data;
  for (guint i = 1; i < line; i++)
    p = strchr (p, '\n') + 1;
  p = strstr (p, find);
  g_assert_nonnull (p);
  p[strlen (find)] = to;
  test_write_file (path, data, len);
}

static void
test_folder_intact (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0, };
  g_autofree char *expected = intact_line (f, 6);

  run_emocap (f, &run, NULL, "verify", f->folder, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, expected);
  g_assert_cmpstr (run.err, ==, "");

  /* A relative folder with a trailing slash is the same session. */
  {
    g_auto (Run) rel = { 0, };
    run_emocap (f, &rel, NULL, "verify", "archive/sessions/" SESSION "/", NULL);
    g_assert_cmpint (rel.status, ==, 0);
    g_assert_cmpstr (rel.out, ==, expected);
  }
}

static void
test_folder_edited (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0, };
  g_auto (Run) json_run = { 0, };
  g_autofree char *expected = g_strdup_printf ("emocap: %s:3: signature does not match "
      "the entry (edited after signing?)\n", f->journal);
  json_error_t jerr;
  json_t *result;

  edit_byte (f->journal, 3, "\"take\":\"00", '2');
  run_emocap (f, &run, NULL, "verify", f->folder, NULL);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpstr (run.err, ==, expected);

  run_emocap (f, &json_run, NULL, "verify", "--json", f->folder, NULL);
  g_assert_cmpint (json_run.status, ==, 3);
  result = json_loads (json_run.out, 0, &jerr);
  g_assert_nonnull (result);
  g_assert_true (json_is_false (json_object_get (result, "ok")));
  g_assert_cmpstr (json_string_value (json_object_get (result, "session")), ==, SESSION);
  g_assert_cmpint (json_integer_value (json_object_get (result, "line")), ==, 3);
  /* The message as on stderr, without "emocap: " and the newline. */
  {
    g_autofree char *message = g_strndup (expected + strlen ("emocap: "),
        strlen (expected) - strlen ("emocap: ") - 1);
    g_assert_cmpstr (json_string_value (json_object_get (result, "message")), ==, message);
  }
  g_assert_cmpstr (json_string_value (json_object_get (result, "key")), ==, f->key_hex);
  json_decref (result);
}

static void
test_session_id (Fixture *f, gconstpointer data)
{
  g_autofree char *expected = intact_line (f, 6);

  {
    g_auto (Run) run = { 0, };
    run_emocap (f, &run, NULL, "verify", SESSION, "--archive", f->archive, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, expected);
  }
  {
    g_auto (Run) run = { 0, };
    run_emocap (f, &run, f->archive, "verify", SESSION, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, expected);
  }
  /* ./emocap-archive when neither is given. */
  {
    g_auto (Run) run = { 0, };
    g_autofree char *link = g_build_filename (f->tmp, "emocap-archive", NULL);
    g_assert_cmpint (symlink (f->archive, link), ==, 0);
    run_emocap (f, &run, NULL, "verify", SESSION, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, expected);
  }
}

static void
test_json (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0, };
  json_error_t jerr;
  json_t *result;

  run_emocap (f, &run, NULL, "verify", "--json", f->folder, NULL);
  g_assert_cmpint (run.status, ==, 0);
  result = json_loads (run.out, 0, &jerr);
  if (result == NULL)
    g_error ("--json output is not JSON: %s: %s", jerr.text, run.out);
  g_assert_true (json_is_true (json_object_get (result, "ok")));
  g_assert_cmpstr (json_string_value (json_object_get (result, "session")), ==, SESSION);
  g_assert_cmpint (json_integer_value (json_object_get (result, "entries")), ==, 6);
  g_assert_cmpstr (json_string_value (json_object_get (result, "head")), ==, f->head);
  g_assert_cmpstr (json_string_value (json_object_get (result, "key")), ==, f->key_hex);
  g_assert_null (json_object_get (result, "line"));
  {
    json_t *checkpoint = json_object_get (result, "checkpoint");
    g_assert_cmpint (json_integer_value (json_object_get (checkpoint, "seq")), ==, 6);
    g_assert_cmpint (json_integer_value (json_object_get (checkpoint, "tree_size")), ==, 5);
    g_assert_cmpstr (json_string_value (json_object_get (checkpoint, "root")), ==, f->root);
  }
  json_decref (result);
}

static void
test_key_option (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *other_dir = g_build_filename (f->tmp, "other", "keys", NULL);
  g_autofree char *other_pub = g_build_filename (other_dir, "studio.pub", NULL);
  g_autofree char *own_pub = g_build_filename (f->archive, "keys", "studio.pub", NULL);
  g_autofree char *copy_pub = g_build_filename (f->tmp, "handed-out.pub", NULL);
  g_autofree char *pub_text = NULL;
  g_autoptr (EmocapKey) other = NULL;
  gsize len = 0;

  other = emocap_key_load_or_create (other_dir, &error);
  g_assert_no_error (error);

  /* Another studio's key: refused on line 1. */
  {
    g_auto (Run) run = { 0, };
    g_autofree char *prefix = g_strdup_printf ("emocap: %s:1: signed for a different "
        "studio key", f->journal);
    run_emocap (f, &run, NULL, "verify", "--key", other_pub, f->folder, NULL);
    g_assert_cmpint (run.status, ==, 3);
    g_assert_true (g_str_has_prefix (run.err, prefix));
  }
  /* A copy of the right key, from outside the archive. */
  g_file_get_contents (own_pub, &pub_text, &len, &error);
  g_assert_no_error (error);
  test_write_file (copy_pub, pub_text, len);
  g_assert_cmpint (g_unlink (own_pub), ==, 0);
  {
    g_auto (Run) run = { 0, };
    g_autofree char *expected = intact_line (f, 6);
    run_emocap (f, &run, NULL, "verify", "-k", copy_pub, f->folder, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, expected);
  }
  /* Without --key, the missing key is named, and what to pass. */
  {
    g_auto (Run) run = { 0, };
    run_emocap (f, &run, NULL, "verify", f->folder, NULL);
    g_assert_cmpint (run.status, ==, 3);
    g_assert_nonnull (strstr (run.err, own_pub));
    g_assert_nonnull (strstr (run.err, "--key FILE"));
    g_assert_cmpstr (run.out, ==, "");
  }
  /* --archive names where the key is, also for a session folder. */
  {
    g_auto (Run) run = { 0, };
    g_autofree char *copy_keys = g_build_filename (f->tmp, "copy", "keys", NULL);
    g_autofree char *copy_archive = g_build_filename (f->tmp, "copy", NULL);
    g_autofree char *moved_pub = g_build_filename (copy_keys, "studio.pub", NULL);
    g_autofree char *expected = intact_line (f, 6);
    g_assert_cmpint (g_mkdir_with_parents (copy_keys, 0700), ==, 0);
    test_write_file (moved_pub, pub_text, len);
    run_emocap (f, &run, NULL, "verify", "--archive", copy_archive, f->folder, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, expected);
  }
  /* A --key that does not exist. */
  {
    g_auto (Run) run = { 0, };
    run_emocap (f, &run, NULL, "verify", "--key", "nope.pub", f->folder, NULL);
    g_assert_cmpint (run.status, ==, 3);
    g_assert_cmpstr (run.err, ==, "emocap: public key 'nope.pub' does not exist\n");
  }
}

static void
test_not_found (Fixture *f, gconstpointer data)
{
  /* An unknown session id. */
  {
    g_auto (Run) run = { 0, };
    run_emocap (f, &run, NULL, "verify", "--archive", f->archive, "nlc-2026-99-z", NULL);
    g_assert_cmpint (run.status, ==, 3);
    g_assert_true (g_str_has_prefix (run.err, "emocap: session 'nlc-2026-99-z' is not in "
        "archive '"));
    g_assert_nonnull (strstr (run.err, "--archive DIR"));
    g_assert_cmpstr (run.out, ==, "");
  }
  /* --json still answers with JSON. */
  {
    g_auto (Run) run = { 0, };
    json_error_t jerr;
    json_t *result;
    run_emocap (f, &run, NULL, "verify", "--json", "--archive", f->archive,
        "nlc-2026-99-z", NULL);
    g_assert_cmpint (run.status, ==, 3);
    result = json_loads (run.out, 0, &jerr);
    g_assert_nonnull (result);
    g_assert_true (json_is_false (json_object_get (result, "ok")));
    g_assert_nonnull (strstr (json_string_value (json_object_get (result, "message")),
        "nlc-2026-99-z"));
    json_decref (result);
  }
  /* Neither a folder nor an id. */
  {
    g_auto (Run) run = { 0, };
    run_emocap (f, &run, NULL, "verify", "no/such/folder", NULL);
    g_assert_cmpint (run.status, ==, 3);
    g_assert_cmpstr (run.err, ==,
        "emocap: 'no/such/folder' is neither a session folder nor a session id\n");
  }
  /* A folder without a journal. */
  {
    g_auto (Run) run = { 0, };
    g_autofree char *expected = g_strdup_printf ("emocap: session '" SESSION "' has no "
        "journal: '%s' does not exist\n", f->journal);
    g_assert_cmpint (g_unlink (f->journal), ==, 0);
    run_emocap (f, &run, NULL, "verify", f->folder, NULL);
    g_assert_cmpint (run.status, ==, 3);
    g_assert_cmpstr (run.err, ==, expected);
  }
  /* An empty journal. */
  {
    g_auto (Run) run = { 0, };
    g_autofree char *expected = g_strdup_printf ("emocap: session '" SESSION "': journal "
        "'%s' has no entries\n", f->journal);
    test_write_file (f->journal, "", 0);
    run_emocap (f, &run, NULL, "verify", f->folder, NULL);
    g_assert_cmpint (run.status, ==, 3);
    g_assert_cmpstr (run.err, ==, expected);
  }
}

static void
test_usage (Fixture *f, gconstpointer data)
{
  {
    g_auto (Run) run = { 0, };
    run_emocap (f, &run, NULL, "verify", NULL);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_true (g_str_has_prefix (run.err, "emocap: which session?"));
    g_assert_nonnull (strstr (run.err, "usage: emocap verify SESSION"));
  }
  {
    g_auto (Run) run = { 0, };
    run_emocap (f, &run, NULL, "verify", "a", "b", NULL);
    g_assert_cmpint (run.status, ==, 1);
  }
  {
    g_auto (Run) run = { 0, };
    run_emocap (f, &run, NULL, "verify", "--frobnicate", SESSION, NULL);
    g_assert_cmpint (run.status, ==, 1);
  }
  {
    g_auto (Run) run = { 0, };
    run_emocap (f, &run, NULL, "verify", "-h", NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "emocap verify [OPTION"));
    g_assert_nonnull (strstr (run.out, "SESSION"));
    g_assert_nonnull (strstr (run.out, "--key=FILE"));
    g_assert_nonnull (strstr (run.out, "--archive=DIR"));
    g_assert_nonnull (strstr (run.out, "--json"));
    g_assert_nonnull (strstr (run.out, "studio.pub"));
  }
  {
    g_auto (Run) run = { 0, };
    run_emocap (f, &run, NULL, "help", NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_regex_match_simple ("^  verify +Check a session's journal", run.out,
        G_REGEX_MULTILINE, 0));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/verify-cli/folder-intact", test_folder_intact);
  ADD ("/verify-cli/folder-edited", test_folder_edited);
  ADD ("/verify-cli/session-id", test_session_id);
  ADD ("/verify-cli/json", test_json);
  ADD ("/verify-cli/key-option", test_key_option);
  ADD ("/verify-cli/not-found", test_not_found);
  ADD ("/verify-cli/usage", test_usage);
#undef ADD

  return g_test_run ();
}
