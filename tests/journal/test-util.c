/* emocap tests: helpers shared by the journal and key tests
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include <emocap/digest.h>

#include "test-util.h"

char *
test_tmpdir_new (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("emocap-journal-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL) {
    const char *name;
    while ((name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
          !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
    g_dir_close (dir);
  }
  g_rmdir (path);
}

void
test_tmpdir_free (char *dir)
{
  if (dir == NULL)
    return;
  remove_tree (dir);
  g_free (dir);
}

EmocapKey *
test_key_from_seed (const char *seed)
{
  EmocapKey *key = g_new0 (EmocapKey, 1);

  g_assert_cmpint (strlen (seed), ==, crypto_sign_SEEDBYTES);
  g_assert_cmpint (sodium_init (), >=, 0);
  crypto_sign_seed_keypair (key->public_key, key->secret_key, (const guint8 *) seed);
  key->has_secret = TRUE;
  return key;
}

static json_t *
pack (const char *format, ...)
{
  json_error_t jerr;
  va_list args;
  json_t *json;

  va_start (args, format);
  json = json_vpack_ex (&jerr, 0, format, args);
  va_end (args);
  if (json == NULL)
    g_error ("json_pack: %s", jerr.text);
  return json;
}

static void
append (EmocapJournal *journal, const char *type, json_t *fields)
{
  g_autoptr (GError) error = NULL;
  json_t *entry = emocap_journal_append (journal, type, fields, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entry);
  json_decref (entry);
  json_decref (fields);
}

guint
test_journal_fill (EmocapJournal *journal, const EmocapKey *key)
{
  g_autofree char *key_hex = emocap_key_public_hex (key);

  append (journal, EMOCAP_JOURNAL_SESSION_OPENED,
      pack ("{s:s, s:s, s:s, s:{s:s, s:s}, s:s}", "session", "nlc-2026-11-22-a",
          "studio", "Northlight Casting", "operator", "op-jlee",
          "actor", "id", "actor-0042", "name", "Zoë Ångström 山田",
          "studio_key", key_hex));
  append (journal, EMOCAP_JOURNAL_CONSENT_GIVEN,
      pack ("{s:s, s:s, s:s, s:{s:s, s:s, s:[s, s], s:{s:s, s:s}}, "
          "s:{s:s, s:s}, s:s, s:s, s:b, s:n, s:I}",
          "session", "nlc-2026-11-22-a", "take", "001-joy", "actor", "actor-0042",
          "scope", "emotion", "joy", "intensity", "strong",
          "purposes", "ai-training", "research",
          "usage", "commercial_face_use", "prohibited", "emotion_reuse", "allowed",
          "method", "type", "actor-keypress", "prompt", "«Oui», d’accord — ✓",
          "witness", "op-jlee", "status", "ConsentGiven",
          "minor", 0, "note", "retention_days", (json_int_t) 1825));
  append (journal, EMOCAP_JOURNAL_TAKE_STARTED,
      pack ("{s:s, s:[s, s]}", "take", "001-joy", "cameras", "front", "left30"));
  append (journal, EMOCAP_JOURNAL_TAKE_FINISHED,
      pack ("{s:s, s:{s:I, s:I, s:I}, s:s}", "take", "001-joy",
          "frames", "expected", (json_int_t) 240, "recorded", (json_int_t) 240,
          "dropped", (json_int_t) 0, "audio_peak_dbfs_x100", "-312"));
  append (journal, EMOCAP_JOURNAL_CONSENT_WITHDRAWN,
      pack ("{s:s, s:s, s:s}", "take", "001-joy", "status", "ConsentWithdrawn",
          "reason", "changed my mind\nsecond line\ttab \"quoted\" \\ back"));
  append (journal, EMOCAP_JOURNAL_SESSION_CLOSED, NULL);
  return 6;
}

GPtrArray *
test_split_lines (const char *data, gsize len)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  const char *p = data;
  const char *end = data + len;

  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    if (nl == NULL) {
      g_ptr_array_add (lines, g_strndup (p, end - p));
      break;
    }
    g_ptr_array_add (lines, g_strndup (p, nl - p));
    p = nl + 1;
  }
  return lines;
}

char *
test_join_lines (GPtrArray *lines, gsize *len_out)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < lines->len; i++) {
    g_string_append (out, g_ptr_array_index (lines, i));
    g_string_append_c (out, '\n');
  }
  *len_out = out->len;
  return g_string_free (out, FALSE);
}

void
test_write_file (const char *path, const char *data, gsize len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
      &error);
  g_assert_no_error (error);
}

char *
test_signed_line (const EmocapKey *key, json_t *fields, gint64 seq, const char *at,
    const char *type, const char *prev)
{
  json_t *entry = fields ? json_deep_copy (fields) : json_object ();
  g_autofree char *sig = NULL;
  char *bytes;
  char *line;

  json_object_set_new (entry, "seq", json_integer (seq));
  json_object_set_new (entry, "at", json_string (at));
  json_object_set_new (entry, "type", json_string (type));
  json_object_set_new (entry, "prev", json_string (prev));
  bytes = emocap_canonical_json (entry);
  sig = emocap_key_sign_hex (key, bytes, strlen (bytes));
  free (bytes);
  json_object_set_new (entry, "sig", json_string (sig));
  bytes = emocap_canonical_json (entry);
  line = g_strdup (bytes);
  free (bytes);
  json_decref (entry);
  return line;
}
