/* emocap: consent files (consent given in advance, for unattended takes)
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A consent file stands in for the actor's keypress, so it is read as
 * strictly as a script and must match the session exactly: the actor, the
 * contract and the very bytes of that contract.  A file that names another
 * contract, or a contract edited since, consents to nothing here.
 */
#include <string.h>

#include <emocap/consent.h>
#include <emocap/digest.h>
#include <emocap/error.h>

#include "json-doc.h"

static const char *const consent_fields[] = {
  "actor", "contract", "contract_sha256", "emotions", NULL,
};

#define EMOTIONS_EXPECTED "the emotions consented to, a list such as " \
  "[\"joy\", \"anger\"], or \"all\""

void
emocap_consent_file_free (EmocapConsentFile *consent)
{
  if (consent == NULL)
    return;
  g_free (consent->path);
  g_free (consent->sha256);
  g_free (consent->actor);
  g_free (consent->contract);
  g_free (consent->contract_sha256);
  g_strfreev (consent->emotions);
  g_free (consent);
}

gboolean
emocap_consent_file_covers (const EmocapConsentFile *consent,
    const char *emotion)
{
  g_return_val_if_fail (consent != NULL, FALSE);
  g_return_val_if_fail (emotion != NULL, FALSE);

  if (consent->all_emotions)
    return TRUE;
  return consent->emotions != NULL
      && g_strv_contains ((const char *const *) consent->emotions, emotion);
}

static gboolean
read_emotions (EmocapConsentFile *consent, EmocapJsonObject *top,
    const EmocapScript *script, GError **error)
{
  g_autoptr (GStrvBuilder) emotions = g_strv_builder_new ();
  const char *const *known = (const char *const *) script->emotions;
  EmocapJsonDoc *doc = top->doc;
  json_t *value = NULL;

  if (!emocap_json_object_get (top, "emotions", TRUE, EMOTIONS_EXPECTED,
          &value, error))
    return FALSE;
  if (json_is_string (value)) {
    g_autofree char *q = NULL;

    if (strcmp (json_string_value (value), "all") == 0) {
      consent->all_emotions = TRUE;
      consent->emotions = g_new0 (char *, 1);
      return TRUE;
    }
    q = emocap_json_quote (json_string_value (value));
    return emocap_json_object_fail (top, error, "emotions", "%s: expected %s",
        q, EMOTIONS_EXPECTED);
  }
  if (!json_is_array (value))
    return emocap_json_object_fail_type (top, error, "emotions",
        EMOTIONS_EXPECTED);
  if (json_array_size (value) == 0)
    return emocap_json_object_fail (top, error, "emotions", "the list is "
        "empty, so it consents to nothing: list emotions or write \"all\"");

  for (size_t i = 0; i < json_array_size (value); i++) {
    json_t *item = json_array_get (value, i);
    g_autofree char *field = g_strdup_printf ("emotions[%zu]", i);
    EmocapJsonPos pos = emocap_json_doc_pos_element (doc, value, i);
    g_autofree char *q = NULL;
    const char *s;

    if (!json_is_string (item)) {
      g_autofree char *got = emocap_json_describe (item);
      return emocap_json_doc_fail (doc, error, pos, field, "expected an "
          "emotion such as \"joy\", got %s", got);
    }
    s = json_string_value (item);
    q = emocap_json_quote (s);
    if (!g_strv_contains (known, s)) {
      const char *suggestion = emocap_json_did_you_mean (s, known);
      g_autofree char *list = NULL;

      if (suggestion)
        return emocap_json_doc_fail (doc, error, pos, field, "unknown "
            "emotion %s (did you mean '%s'?)", q, suggestion);
      list = emocap_json_join (known, ", ");
      return emocap_json_doc_fail (doc, error, pos, field, "unknown emotion "
          "%s: the script knows %s", q, list);
    }
    for (size_t j = 0; j < i; j++) {
      if (strcmp (json_string_value (json_array_get (value, j)), s) == 0)
        return emocap_json_doc_fail (doc, error, pos, field, "duplicate "
            "emotion %s (first at line %d)", q,
            emocap_json_doc_pos_element (doc, value, j).line);
    }
    g_strv_builder_add (emotions, s);
  }
  consent->emotions = g_strv_builder_end (emotions);
  return TRUE;
}

static EmocapConsentFile *
parse_consent (const char *path, GBytes *bytes, const EmocapScript *script,
    GError **error)
{
  g_autoptr (EmocapConsentFile) consent = g_new0 (EmocapConsentFile, 1);
  g_autoptr (EmocapJsonDoc) doc = NULL;
  g_auto (EmocapJsonObject) top = { 0 };
  const EmocapContract *contract = script->contract;
  const char *actor = NULL, *contract_id = NULL, *hash = NULL;
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);

  consent->path = g_canonicalize_filename (path, NULL);
  consent->sha256 = emocap_sha256_hex (data ? data : "", len);

  doc = emocap_json_doc_parse (path, bytes, EMOCAP_ERROR_INVALID_CONSENT,
      error);
  if (doc == NULL)
    return NULL;
  emocap_json_object_init (&top, doc, emocap_json_doc_root (doc), "");
  if (!emocap_json_object_check_fields (&top, consent_fields, error))
    return NULL;

  if (!emocap_json_object_id (&top, "actor", TRUE, "the actor's id, as the "
          "script's actor.id", &actor, error)
      || !emocap_json_object_id (&top, "contract", TRUE, "the contract's id, "
          "as in the contract file", &contract_id, error)
      || !emocap_json_object_string (&top, "contract_sha256", TRUE, "the "
          "contract file's SHA-256, 64 lower-case hex digits", &hash, error))
    return NULL;
  if (!emocap_is_sha256_hex (hash)) {
    g_autofree char *q = emocap_json_quote (hash);
    emocap_json_object_fail (&top, error, "contract_sha256", "%s is "
        "not a SHA-256: expected 64 lower-case hex digits (sha256sum "
        "CONTRACT)", q);
    return NULL;
  }
  consent->actor = g_strdup (actor);
  consent->contract = g_strdup (contract_id);
  consent->contract_sha256 = g_strdup (hash);
  if (!read_emotions (consent, &top, script, error))
    return NULL;

  if (strcmp (actor, script->actor_id) != 0) {
    emocap_json_object_fail (&top, error, "actor", "consent of '%s' cannot "
        "cover a session of actor '%s': only the actor recorded can consent",
        actor, script->actor_id);
    return NULL;
  }
  if (strcmp (contract_id, contract->id) != 0) {
    emocap_json_object_fail (&top, error, "contract", "consent under "
        "contract '%s' does not cover this session, which is under contract "
        "'%s'", contract_id, contract->id);
    return NULL;
  }
  if (strcmp (hash, contract->sha256) != 0) {
    emocap_json_object_fail (&top, error, "contract_sha256", "does not "
        "match contract '%s' (SHA-256 %s): the contract file may have been "
        "edited after consent was given; consent must be given again to the "
        "contract as it is", contract->id, contract->sha256);
    return NULL;
  }
  return g_steal_pointer (&consent);
}

EmocapConsentFile *
emocap_consent_file_load_bytes (const char *path, GBytes *bytes,
    const EmocapScript *script, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (script != NULL, NULL);
  g_return_val_if_fail (script->contract != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return parse_consent (path, bytes, script, error);
}

EmocapConsentFile *
emocap_consent_file_load (const char *path, const EmocapScript *script,
    GError **error)
{
  g_autoptr (GBytes) bytes = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (script != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = emocap_json_read_file (path, path, EMOCAP_ERROR_INVALID_CONSENT, error);
  if (bytes == NULL)
    return NULL;
  return emocap_consent_file_load_bytes (path, bytes, script, error);
}
