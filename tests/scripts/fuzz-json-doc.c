/* emocap: fuzz target for the JSON position locator
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Whatever jansson accepts, the locator must find every object, array and
 * member jansson built, at a position inside the input; and the message
 * helpers must turn any text into one safe line.
 */
#include "fuzz-common.h"

#include "json-doc.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
count_lines (const uint8_t *data, size_t size)
{
  int n = 1;
  for (size_t i = 0; i < size; i++)
    n += data[i] == '\n';
  return n;
}

static void
check_positions (EmocapJsonDoc *doc, json_t *value, int lines)
{
  EmocapJsonPos pos = emocap_json_doc_pos (doc, value);

  FUZZ_CHECK (pos.line >= 1 && pos.line <= lines && pos.column >= 1);
  if (json_is_object (value)) {
    const char *key;
    json_t *member;
    json_object_foreach (value, key, member) {
      EmocapJsonPos k = emocap_json_doc_pos_member (doc, value, key, TRUE);
      EmocapJsonPos v = emocap_json_doc_pos_member (doc, value, key, FALSE);
      FUZZ_CHECK (k.line >= 1 && k.column >= 1);
      /* a value comes after its key */
      FUZZ_CHECK (v.line > k.line || (v.line == k.line && v.column > k.column));
      check_positions (doc, member, lines);
    }
  } else if (json_is_array (value)) {
    for (size_t i = 0; i < json_array_size (value); i++) {
      EmocapJsonPos e = emocap_json_doc_pos_element (doc, value, i);
      FUZZ_CHECK (e.line >= pos.line && e.line <= lines);
      check_positions (doc, json_array_get (value, i), lines);
    }
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const words[] = { "operator", "fps", "id", "seconds", NULL };
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJsonDoc) doc = emocap_json_doc_parse ("doc.json", bytes,
      EMOCAP_ERROR_INVALID_SCRIPT, &error);
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autofree char *quoted = emocap_json_quote (text);

  FUZZ_CHECK (strchr (quoted, '\n') == NULL);
  FUZZ_CHECK (g_utf8_validate (quoted, -1, NULL));
  emocap_json_did_you_mean (text, words);
  emocap_json_text_is_valid (text, 200, FALSE, NULL);

  if (doc == NULL) {
    fuzz_check_error (error, EMOCAP_ERROR_INVALID_SCRIPT,
        EMOCAP_ERROR_INVALID_SCRIPT, EMOCAP_ERROR_INVALID_SCRIPT);
    FUZZ_CHECK (g_str_has_prefix (error->message, "doc.json:"));
    return 0;
  }
  FUZZ_CHECK (emocap_json_doc_fully_located (doc));
  check_positions (doc, emocap_json_doc_root (doc), count_lines (data, size));
  return 0;
}
