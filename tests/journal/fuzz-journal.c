/* emocap fuzz target: arbitrary bytes as a journal file
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Besides not crashing, the verifier must keep its promises: what it
 * accepts is exactly the canonical lines of the entries it returns, with
 * the head it reports; what it refuses, it refuses as EMOCAP_ERROR_VERIFY
 * naming a line that exists, in a message that is safe to print.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/journal.h>

#include "fuzz-key.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const EmocapKey *
fuzz_key (void)
{
  static EmocapKey key;
  static gboolean ready = FALSE;

  if (!ready) {
    if (sodium_init () < 0)
      abort ();
    crypto_sign_seed_keypair (key.public_key, key.secret_key,
        (const guint8 *) FUZZ_KEY_SEED);
    ready = TRUE;
  }
  return &key;
}

static void
check_accepted (const uint8_t *data, size_t size, json_t *entries, const char *head)
{
  GString *again = g_string_new (NULL);
  size_t last_start = 0;
  size_t last_len = 0;
  size_t i;
  json_t *entry;

  json_array_foreach (entries, i, entry) {
    char *line = emocap_canonical_json (entry);
    if (line == NULL)
      abort ();
    last_start = again->len;
    last_len = strlen (line);
    g_string_append (again, line);
    g_string_append_c (again, '\n');
    free (line);
  }
  if (again->len != size || memcmp (again->str, data, size) != 0)
    abort ();
  if (json_array_size (entries) == 0) {
    if (strcmp (head, EMOCAP_JOURNAL_GENESIS) != 0)
      abort ();
  } else {
    char *expected = emocap_sha256_hex (again->str + last_start, last_len);
    if (strcmp (head, expected) != 0)
      abort ();
    g_free (expected);
  }
  g_string_free (again, TRUE);
}

static void
check_refused (const uint8_t *data, size_t size, guint bad_line, const GError *error)
{
  guint lines = 1;
  char *prefix;

  for (size_t i = 0; i + 1 < size; i++) {
    if (data[i] == '\n')
      lines++;
  }
  if (!g_error_matches (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY))
    abort ();
  if (bad_line < 1 || bad_line > lines)
    abort ();
  prefix = g_strdup_printf ("fuzz:%u: ", bad_line);
  if (!g_str_has_prefix (error->message, prefix))
    abort ();
  g_free (prefix);
  if (!g_utf8_validate (error->message, -1, NULL))
    abort ();
  for (const char *p = error->message; *p; p++) {
    if ((guint8) *p < 0x20 || *p == 0x7f)
      abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  json_t *entries = NULL;
  char *head = NULL;
  guint bad_line = 0;

  if (emocap_journal_verify_data ("fuzz", data, size, fuzz_key (), &entries, &head,
          &bad_line, &error)) {
    check_accepted (data, size, entries, head);
    json_decref (entries);
    g_free (head);
  } else {
    if (entries != NULL || head != NULL)
      abort ();
    check_refused (data, size, bad_line, error);
    g_error_free (error);
  }
  return 0;
}
