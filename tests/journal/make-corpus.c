/* emocap tests: writes the journal corpus (valid and damaged journals)
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: make-journal-corpus DIR.  Writes DIR/NAME.jsonl for every case;
 * the expected verdicts (DIR/NAME.expected) are written by hand.  Every
 * time and key is fixed, so the output is the same on every run.
 */
#include <string.h>

#include <emocap/digest.h>
#include <emocap/merkle.h>

#include "fuzz-key.h"
#include "test-util.h"

static EmocapKey *key;
static EmocapKey *other;
static const char *out_dir;

static const char *const times[] = {
  "2026-11-22T09:00:00.000001Z",
  "2026-11-22T09:00:05.250000Z",
  "2026-11-22T09:00:07.000000Z",
  "2026-11-22T09:00:15.031337Z",
  "2026-11-22T10:12:00.999999Z",
  "2026-11-22T10:30:00.000000Z",
  "2026-11-22T10:30:01.000000Z",
};

static json_t *
fields_for (int i, const EmocapKey *signer)
{
  g_autofree char *key_hex = emocap_key_public_hex (signer);

  switch (i) {
    case 0:
      return json_pack ("{s:s, s:s, s:{s:s, s:s}, s:s}", "session", "nlc-2026-11-22-a",
          "studio", "Northlight Casting", "actor", "id", "actor-0042",
          "name", "Zoë Ångström 山田", "studio_key", key_hex);
    case 1:
      return json_pack ("{s:s, s:{s:s, s:[s, s]}, s:{s:s}, s:s, s:s}",
          "take", "001-joy", "scope", "emotion", "joy", "purposes", "ai-training",
          "research", "method", "type", "actor-keypress", "witness", "op-jlee",
          "status", "ConsentGiven");
    case 2:
      return json_pack ("{s:s, s:[s, s]}", "take", "001-joy", "cameras", "front", "left30");
    case 3:
      return json_pack ("{s:s, s:{s:i, s:i}}", "take", "001-joy", "frames",
          "expected", 240, "recorded", 240);
    case 4:
      return json_pack ("{s:s, s:s}", "take", "001-joy", "reason", "«non»\nmerci");
    default:
      return json_object ();
  }
}

static const char *const types[] = {
  "session.opened", "consent.given", "take.started", "take.finished",
  "consent.withdrawn", "session.closed", "export.created",
};

/* The checkpoint of `session.closed` after @n of @lines: `tree_size` @n
 * and `root` the tree of those lines, with @size_delta added to the
 * size. */
static json_t *
checkpoint_fields (GPtrArray *lines, guint n, int size_delta)
{
  g_autofree EmocapMerkleHash *leaves = g_new (EmocapMerkleHash, n + 1);
  g_autofree char *hex = NULL;
  EmocapMerkleHash root;

  for (guint i = 0; i < n; i++) {
    const char *line = g_ptr_array_index (lines, i);
    emocap_merkle_leaf_hash (line, strlen (line), &leaves[i]);
  }
  emocap_merkle_root (leaves, n, &root);
  hex = emocap_hex_encode (root.bytes, sizeof root.bytes);
  return json_pack ("{s:I, s:s}", "tree_size", (json_int_t) n + size_delta, "root", hex);
}

/* The six lines of a good journal signed by @signer, the last a
 * checkpoint. */
static GPtrArray *
good_lines (const EmocapKey *signer)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *prev = g_strdup (EMOCAP_JOURNAL_GENESIS);

  for (int i = 0; i < 6; i++) {
    json_t *fields = i == 5 ? checkpoint_fields (lines, 5, 0) : fields_for (i, signer);
    char *line = test_signed_line (signer, fields, i + 1, times[i], types[i], prev);
    json_decref (fields);
    g_free (prev);
    prev = emocap_sha256_hex (line, strlen (line));
    g_ptr_array_add (lines, line);
  }
  return lines;
}

static char *
hash_of (GPtrArray *lines, guint index)
{
  const char *line = g_ptr_array_index (lines, index);
  return emocap_sha256_hex (line, strlen (line));
}

static void
write_case (const char *name, const char *data, gsize len)
{
  g_autofree char *file = g_strconcat (name, ".jsonl", NULL);
  g_autofree char *path = g_build_filename (out_dir, file, NULL);

  test_write_file (path, data, len);
}

static void
write_lines (const char *name, GPtrArray *lines)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  data = test_join_lines (lines, &len);
  write_case (name, data, len);
}

/* Replaces line @index (0-based) with a newly signed entry. */
static void
resign (GPtrArray *lines, guint index, const EmocapKey *signer, json_t *fields,
    gint64 seq, const char *at, const char *type, const char *prev)
{
  g_free (lines->pdata[index]);
  lines->pdata[index] = test_signed_line (signer, fields, seq, at, type, prev);
  json_decref (fields);
}

static void
replace_in_line (GPtrArray *lines, guint index, const char *from, const char *to)
{
  char *line = g_ptr_array_index (lines, index);
  char *at = strstr (line, from);
  GString *out;

  g_assert_nonnull (at);
  out = g_string_new_len (line, at - line);
  g_string_append (out, to);
  g_string_append (out, at + strlen (from));
  g_free (line);
  lines->pdata[index] = g_string_free (out, FALSE);
}

int
main (int argc, char **argv)
{
  if (argc != 2) {
    g_printerr ("usage: %s DIR\n", argv[0]);
    return 1;
  }
  out_dir = argv[1];
  key = test_key_from_seed (FUZZ_KEY_SEED);
  other = test_key_from_seed (FUZZ_OTHER_KEY_SEED);

  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    write_lines ("valid-session", lines);
    g_ptr_array_set_size (lines, 1);
    write_lines ("valid-single", lines);
    write_case ("valid-empty", "", 0);
  }
  {
    /* Two entries in the same microsecond: time does not go backwards. */
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_autofree char *prev = hash_of (lines, 0);
    g_ptr_array_set_size (lines, 2);
    resign (lines, 1, key, fields_for (1, key), 2, times[0], types[1], prev);
    write_lines ("valid-same-time", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    char *sig = strstr (lines->pdata[2], "\"sig\":\"") + 7;
    *sig = *sig == 'a' ? 'b' : 'a';
    write_lines ("bad-sig-byte", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    replace_in_line (lines, 1, "\"joy\"", "\"joi\"");
    write_lines ("bad-value-edit", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_ptr_array_remove_index (lines, 0);
    write_lines ("bad-deleted-first", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_ptr_array_remove_index (lines, 2);
    write_lines ("bad-deleted-middle", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    gpointer third = lines->pdata[2];
    lines->pdata[2] = lines->pdata[3];
    lines->pdata[3] = third;
    write_lines ("bad-swapped", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_ptr_array_set_size (lines, 3);
    g_ptr_array_add (lines, g_strdup (lines->pdata[2]));
    write_lines ("bad-repeated", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_autofree char *prev = hash_of (lines, 5);
    g_ptr_array_add (lines, NULL);
    resign (lines, 6, other, json_pack ("{s:s}", "purpose", "commercial"), 7, times[6],
        types[6], prev);
    write_lines ("bad-forged-append", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (other);
    write_lines ("bad-other-key", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_autofree char *data = NULL;
    gsize len = 0;
    data = test_join_lines (lines, &len);
    write_case ("bad-torn", data, len - 40);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_free (lines->pdata[1]);
    lines->pdata[1] = g_strdup ("{\"seq\":2,\"type\":consent.given}");
    write_lines ("bad-not-json", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    replace_in_line (lines, 1, "\"seq\":2", "\"seq\": 2");
    write_lines ("bad-not-canonical", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    char *line = lines->pdata[0];
    lines->pdata[0] = g_strconcat (line, "\r", NULL);
    g_free (line);
    write_lines ("bad-crlf", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_ptr_array_insert (lines, 1, g_strdup (""));
    write_lines ("bad-empty-line", lines);
  }
  write_case ("bad-array", "[1,2,3]\n", 8);
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    replace_in_line (lines, 0, "\"seq\":1", "\"seq\":1,\"seq\":1");
    write_lines ("bad-duplicate-key", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_autofree char *prev = hash_of (lines, 1);
    g_ptr_array_set_size (lines, 3);
    resign (lines, 2, key, fields_for (2, key), 3, times[2], "take.deleted", prev);
    write_lines ("bad-unknown-type", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_ptr_array_set_size (lines, 1);
    resign (lines, 0, key, fields_for (0, key), 1, "2026-11-22T09:00:00Z", types[0],
        EMOCAP_JOURNAL_GENESIS);
    write_lines ("bad-at-format", lines);
    resign (lines, 0, key, fields_for (0, key), 1, "2026-02-30T09:00:00.000000Z",
        types[0], EMOCAP_JOURNAL_GENESIS);
    write_lines ("bad-at-date", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_autofree char *prev = hash_of (lines, 1);
    g_ptr_array_set_size (lines, 3);
    resign (lines, 2, key, fields_for (2, key), 3, "2026-11-22T09:00:05.249999Z",
        types[2], prev);
    write_lines ("bad-at-backwards", lines);
  }
  {
    /* Signed, right seq, but chained onto line 1 instead of line 2. */
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_autofree char *prev = hash_of (lines, 0);
    g_ptr_array_set_size (lines, 3);
    resign (lines, 2, key, fields_for (2, key), 3, times[2], types[2], prev);
    write_lines ("bad-prev", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_autofree char *prev = hash_of (lines, 0);
    g_ptr_array_set_size (lines, 1);
    resign (lines, 0, key, fields_for (0, key), 1, times[0], types[0], prev);
    write_lines ("bad-genesis", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_ptr_array_set_size (lines, 1);
    resign (lines, 0, key, fields_for (0, key), 0, times[0], types[0],
        EMOCAP_JOURNAL_GENESIS);
    write_lines ("bad-seq-zero", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    char *sig = strstr (lines->pdata[5], "\"sig\":\"") + 7;
    for (char *p = sig; *p != '"'; p++)
      *p = g_ascii_toupper (*p);
    write_lines ("bad-sig-upper", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_autofree char *prev = hash_of (lines, 0);
    g_ptr_array_set_size (lines, 2);
    resign (lines, 1, key, json_pack ("{s:s, s:f}", "take", "001-joy", "fps", 29.97), 2,
        times[1], types[1], prev);
    write_lines ("bad-real", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    replace_in_line (lines, 1, "001-joy", "001\\u0000joy");
    write_lines ("bad-nul", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    replace_in_line (lines, 1, "001-joy", "001\xff" "joy");
    write_lines ("bad-utf8", lines);
  }
  {
    g_autoptr (GPtrArray) lines = good_lines (key);
    json_t *fields = fields_for (0, key);
    json_object_set_new (fields, "studio_key", json_integer (7));
    g_ptr_array_set_size (lines, 1);
    resign (lines, 0, key, fields, 1, times[0], types[0], EMOCAP_JOURNAL_GENESIS);
    write_lines ("bad-studio-key-type", lines);
  }
  {
    /* session.closed signed, but without its checkpoint, with the wrong
     * size, or with the root of a journal whose line 2 said otherwise. */
    g_autoptr (GPtrArray) lines = good_lines (key);
    g_autoptr (GPtrArray) edited = good_lines (key);
    g_autofree char *prev = hash_of (lines, 4);

    resign (lines, 5, key, json_object (), 6, times[5], types[5], prev);
    write_lines ("bad-checkpoint-missing", lines);
    resign (lines, 5, key, checkpoint_fields (lines, 5, 1), 6, times[5], types[5], prev);
    write_lines ("bad-checkpoint-size", lines);
    replace_in_line (edited, 1, "\"joy\"", "\"joi\"");
    resign (lines, 5, key, checkpoint_fields (edited, 5, 0), 6, times[5], types[5], prev);
    write_lines ("bad-checkpoint-root", lines);
  }

  emocap_key_free (key);
  emocap_key_free (other);
  return 0;
}
