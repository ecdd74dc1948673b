/* emocap fuzz target: what an export package holds, as an audit reads it
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An input starting with '<' (or a BOM) is Matroska tags XML, as
 * mkvextract prints it; anything else is a take.json.  Of a take.json the
 * terms, the consent line and its inclusion proof go through the functions
 * audit uses.  Besides not crashing: the vocabularies derived from any
 * usage object must pass their own check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <emocap/export.h>
#include <emocap/journal.h>
#include <emocap/terms.h>

#include "../journal/fuzz-key.h"

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
fuzz_take (json_t *take)
{
  json_t *usage = json_object_get (take, "usage");
  json_t *consent = json_object_get (take, "consent");
  json_t *checkpoint = json_object_get (take, "checkpoint");
  const char *line = json_string_value (json_object_get (consent, "line"));
  const char *root = json_string_value (json_object_get (checkpoint, "root"));
  json_t *size = json_object_get (checkpoint, "tree_size");

  if (json_is_object (usage)) {
    json_t *meta = emocap_terms_metadata (usage);
    char *text = emocap_terms_text (usage);
    char *face = emocap_terms_face_clause (usage);
    GError *error = NULL;

    if (!emocap_terms_check (meta, usage, &error))
      abort ();
    if (!emocap_terms_check (take, usage, &error))
      g_clear_error (&error);
    json_decref (meta);
    g_free (text);
    g_free (face);
  }
  if (line != NULL) {
    GError *error = NULL;
    json_t *entry = NULL;
    size_t len = json_string_length (json_object_get (consent, "line"));

    if (emocap_journal_verify_line (line, len, fuzz_key (), &entry, &error))
      json_decref (entry);
    else
      g_clear_error (&error);
    if (root != NULL && json_is_integer (size)) {
      if (!emocap_journal_check_inclusion (line, len, json_object_get (consent, "proof"),
              json_integer_value (size), root, &error))
        g_clear_error (&error);
    }
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > 0 && (data[0] == '<' || data[0] == 0xef)) {
    GError *error = NULL;
    GHashTable *tags = emocap_export_parse_tags ((const char *) data, size, &error);
    if (tags != NULL)
      g_hash_table_unref (tags);
    else
      g_clear_error (&error);
    return 0;
  }
  {
    json_t *take = json_loadb ((const char *) data, size, JSON_REJECT_DUPLICATES, NULL);
    if (json_is_object (take))
      fuzz_take (take);
    json_decref (take);
  }
  return 0;
}
