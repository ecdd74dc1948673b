/* emocap benchmark: journal verification during an audit, against the raw
 * cost of its cryptography
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Writes a synthetic session of N takes (default 1000) through the
 * journal itself: session.opened, then per take consent.given (with the
 * full scope and terms a real one carries), take.started, take.finished
 * (two camera files), and session.closed; every entry really signed.
 * Then times, in alternating rounds on the same bytes:
 *
 *   (a) emocap_journal_verify(), what `emocap audit` runs: parsing,
 *       canonical form, chain, order, times, signatures, checkpoint;
 *   (b) libsodium alone: one SHA-256 of each line and one Ed25519
 *       verification of each entry's signed bytes.
 *
 * and prints entries per second of each and (a)/(b).  Goal: at least 0.5.
 */
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include <emocap/digest.h>
#include <emocap/journal.h>
#include <emocap/keys.h>

static json_t *
consent_fields (guint i)
{
  g_autofree char *take = g_strdup_printf ("%04u-joy", i + 1);
  g_autofree char *record = g_strdup_printf ("bench-1000/%s", take);

  return json_pack ("{s:s, s:s, s:{s:s, s:s}, s:I, s:I, s:s, s:s, s:s, s:{s:s, s:s},"
      " s:{s:s, s:s, s:s, s:I, s:[s, s], s:{s:s, s:s, s:s, s:s, s:s, s:s, s:[s, s], s:I}},"
      " s:s, s:s, s:s, s:s, s:s}",
      "session", "bench-1000", "take", take,
      "actor", "id", "actor-0042", "name", "Sam Rivera",
      "position", (json_int_t) i + 1, "attempt", (json_int_t) 1,
      "record_id", record, "controller", "Northlight Casting", "method", "actor-keypress",
      "contract", "id", "NLC-2026-0042",
      "sha256", "1e03b537587dc0f82c29df3b797edb2ad5ab94401f15b8ebdcb18cf46b23a5ac",
      "scope", "emotion", "joy", "intensity", "strong", "prompt", "You just got the part.",
      "seconds", (json_int_t) 4, "purposes", "ai-training", "research",
      "usage", "ai_training", "allowed", "ai_generative_training", "allowed",
      "data_mining", "allowed", "emotion_reuse", "allowed",
      "commercial_face_use", "prohibited", "digital_replica", "prohibited",
      "purposes", "ai-training", "research", "retention_days", (json_int_t) 1825,
      "witness", "op-jlee", "status", "dpv:ConsentGiven",
      "withdrawal", "emocap withdraw TAKE --actor actor-0042",
      "consent_file_sha256", "d61ea41953aa4d1dbcd95ad30acdb097aaf5c0020b442a9b1a3c1e4210086214",
      "operator", "op-jlee");
}

static json_t *
finished_fields (guint i)
{
  g_autofree char *take = g_strdup_printf ("%04u-joy", i + 1);
  g_autofree char *front = g_strdup_printf ("takes/%s/front.mkv", take);
  g_autofree char *left = g_strdup_printf ("takes/%s/left30.mkv", take);
  g_autofree char *a = emocap_sha256_hex (front, strlen (front));
  g_autofree char *b = emocap_sha256_hex (left, strlen (left));

  return json_pack ("{s:s, s:s, s:[{s:s, s:s, s:s, s:I}, {s:s, s:s, s:s, s:I}], s:s}",
      "session", "bench-1000", "take", take,
      "files", "camera", "front", "path", front, "sha256", a, "bytes", (json_int_t) 4213377,
      "camera", "left30", "path", left, "sha256", b, "bytes", (json_int_t) 1064641,
      "watermark_tag", "5af2ae3077e698a8");
}

static void
append (EmocapJournal *journal, const char *type, json_t *fields)
{
  g_autoptr (GError) error = NULL;
  json_t *entry = emocap_journal_append (journal, type, fields, &error);

  if (entry == NULL)
    g_error ("%s", error->message);
  json_decref (entry);
  json_decref (fields);
}

typedef struct {
  GPtrArray *lines;      /* each line's bytes */
  GPtrArray *signed_bytes;
  GPtrArray *sigs;       /* raw 64-byte signatures */
} Raw;

int
main (int argc, char **argv)
{
  guint takes = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 1000;
  g_autofree char *dir = g_dir_make_tmp ("emocap-bench-audit-XXXXXX", NULL);
  g_autofree char *keys = g_build_filename (dir, "keys", NULL);
  g_autofree char *path = g_build_filename (dir, "journal.jsonl", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapKey) key = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  Raw raw = { 0, };
  double best_a = G_MAXDOUBLE, best_b = G_MAXDOUBLE, sum_a = 0, sum_b = 0;
  const int rounds = 7;
  guint n;
  volatile guint8 sink = 0;

  if (sodium_init () < 0 || takes == 0)
    return 1;
  key = emocap_key_load_or_create (keys, &error);
  g_assert_no_error (error);

  {
    g_autoptr (EmocapJournal) journal = emocap_journal_open (path, key, &error);
    g_autofree char *key_hex = emocap_key_public_hex (key);
    g_assert_no_error (error);
    append (journal, EMOCAP_JOURNAL_SESSION_OPENED, json_pack ("{s:s, s:s, s:s, s:s}",
            "session", "bench-1000", "studio", "Northlight Casting", "operator", "op-jlee",
            "studio_key", key_hex));
    for (guint i = 0; i < takes; i++) {
      g_autofree char *take = g_strdup_printf ("%04u-joy", i + 1);
      append (journal, EMOCAP_JOURNAL_CONSENT_GIVEN, consent_fields (i));
      append (journal, EMOCAP_JOURNAL_TAKE_STARTED, json_pack ("{s:s, s:s, s:[s, s], s:I}",
              "session", "bench-1000", "take", take, "cameras", "front", "left30",
              "consent_seq", (json_int_t) emocap_journal_get_seq (journal)));
      append (journal, EMOCAP_JOURNAL_TAKE_FINISHED, finished_fields (i));
    }
    append (journal, EMOCAP_JOURNAL_SESSION_CLOSED, json_pack ("{s:s}", "reason", "completed"));
  }
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));

  /* What (b) works on, prepared outside the timing: the bytes each
   * signature covers. */
  raw.lines = g_ptr_array_new_with_free_func (g_free);
  raw.signed_bytes = g_ptr_array_new_with_free_func (g_free);
  raw.sigs = g_ptr_array_new_with_free_func (g_free);
  for (const char *p = data, *end = data + len; p < end;) {
    const char *nl = memchr (p, '\n', end - p);
    json_t *entry = json_loadb (p, nl - p, 0, NULL);
    guint8 *sig = g_malloc (crypto_sign_BYTES);
    char *bytes;
    g_assert_true (emocap_hex_decode (json_string_value (json_object_get (entry, "sig")), sig,
            crypto_sign_BYTES));
    json_object_del (entry, "sig");
    bytes = emocap_canonical_json (entry);
    g_ptr_array_add (raw.lines, g_strndup (p, nl - p));
    g_ptr_array_add (raw.signed_bytes, g_strdup (bytes));
    g_ptr_array_add (raw.sigs, sig);
    free (bytes);
    json_decref (entry);
    p = nl + 1;
  }
  n = raw.lines->len;

  for (int r = 0; r < rounds; r++) {
    gint64 t0, t1, t2;
    json_t *entries = NULL;

    t0 = g_get_monotonic_time ();
    if (!emocap_journal_verify (path, key, &entries, NULL, &error))
      g_error ("%s", error->message);
    json_decref (entries);
    t1 = g_get_monotonic_time ();
    for (guint i = 0; i < n; i++) {
      const char *line = g_ptr_array_index (raw.lines, i);
      const char *bytes = g_ptr_array_index (raw.signed_bytes, i);
      guint8 digest[crypto_hash_sha256_BYTES];
      crypto_hash_sha256 (digest, (const guint8 *) line, strlen (line));
      sink ^= digest[0];
      if (crypto_sign_verify_detached (g_ptr_array_index (raw.sigs, i), (const guint8 *) bytes,
              strlen (bytes), key->public_key) != 0)
        g_error ("entry %u does not verify", i + 1);
    }
    t2 = g_get_monotonic_time ();
    best_a = MIN (best_a, (t1 - t0) / 1e6);
    best_b = MIN (best_b, (t2 - t1) / 1e6);
    sum_a += (t1 - t0) / 1e6;
    sum_b += (t2 - t1) / 1e6;
  }

  printf ("journal verification of a synthetic session: %u takes, %u entries, %.1f MiB "
      "(%.0f bytes per entry)\n", takes, n, len / 1048576.0, (double) len / n);
  printf ("%d rounds, (a) and (b) alternating on the same bytes; best round (mean)\n", rounds);
  printf ("(a) emocap_journal_verify (audit)      %9.0f entries/s  (%.0f)\n", n / best_a,
      n * rounds / sum_a);
  printf ("(b) libsodium SHA-256 + Ed25519 alone  %9.0f entries/s  (%.0f)\n", n / best_b,
      n * rounds / sum_b);
  printf ("(a)/(b) = %.2f (means: %.2f)   goal >= 0.50   %s\n", best_b / best_a, sum_b / sum_a,
      best_b / best_a >= 0.5 ? "PASS" : "MISS");

  g_ptr_array_unref (raw.lines);
  g_ptr_array_unref (raw.signed_bytes);
  g_ptr_array_unref (raw.sigs);
  g_unlink (path);
  {
    g_autofree char *s = g_build_filename (keys, "studio.key", NULL);
    g_autofree char *p = g_build_filename (keys, "studio.pub", NULL);
    g_unlink (s);
    g_unlink (p);
    g_rmdir (keys);
    g_rmdir (dir);
  }
  (void) sink;
  return 0;
}
