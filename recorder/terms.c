/* emocap: a take's usage terms in the vocabularies buyers' tools read
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One source of truth, the terms as consented; the vocabularies are
 * derived from it, and an audit derives them again and compares, so no
 * vocabulary can say more than the contract granted.
 */
#include <string.h>

#include <emocap/error.h>
#include <emocap/terms.h>

/* The contract's terms, in the order and words a buyer reads them. */
static const struct {
  const char *name;
  const char *allowed;
  const char *prohibited;
} terms[] = {
  { "commercial_face_use", "commercial use of the performer's face",
    "commercial use of the performer's face (in advertising or any commercial product)" },
  { "digital_replica", "making a digital replica of the performer",
    "making a digital replica of the performer" },
  { "ai_training", "training AI models on the performer's expressions and voice",
    "training AI models" },
  { "ai_generative_training", "training generative AI on the recordings",
    "training generative AI (AI that makes new pictures, voices or performances)" },
  { "data_mining", "automated data mining of the recordings",
    "automated data mining of the recordings" },
  { "emotion_reuse", "reuse of the emotions performed (how they look and sound) in "
    "other work", "reuse of the emotions performed in other work" },
};

static gboolean
term_allowed (const json_t *usage, const char *name)
{
  /* Anything but an explicit "allowed" is the safe reading. */
  return g_strcmp0 (json_string_value (json_object_get (usage, name)), "allowed") == 0;
}

char *
emocap_terms_face_clause (const json_t *usage)
{
  g_return_val_if_fail (json_is_object (usage), NULL);

  if (term_allowed (usage, "commercial_face_use"))
    return NULL;
  if (term_allowed (usage, "emotion_reuse"))
    return g_strdup ("The performer's face may not be used commercially: not in "
        "advertising, not in any commercial product. The emotions performed may be "
        "reused; the face may not.");
  return g_strdup ("The performer's face may not be used commercially: not in "
      "advertising, not in any commercial product.");
}

char *
emocap_terms_text (const json_t *usage)
{
  GString *s;
  g_autofree char *face = NULL;
  json_t *purposes, *retention;
  gboolean first;
  gsize i;

  g_return_val_if_fail (json_is_object (usage), NULL);

  s = g_string_new (NULL);
  face = emocap_terms_face_clause (usage);
  if (face)
    g_string_append_printf (s, "%s ", face);

  purposes = json_object_get (usage, "purposes");
  if (json_array_size (purposes) > 0) {
    g_string_append (s, "Licensed only for: ");
    for (i = 0; i < json_array_size (purposes); i++) {
      const char *purpose = json_string_value (json_array_get (purposes, i));
      g_string_append_printf (s, "%s%s", i ? ", " : "", purpose ? purpose : "?");
    }
    g_string_append (s, ". ");
  } else {
    g_string_append (s, "Licensed for no purpose: the recordings may not be used. ");
  }

  first = TRUE;
  for (i = 0; i < G_N_ELEMENTS (terms); i++) {
    if (!term_allowed (usage, terms[i].name))
      continue;
    g_string_append_printf (s, "%s%s", first ? "Permitted: " : "; ", terms[i].allowed);
    first = FALSE;
  }
  if (!first)
    g_string_append (s, ". ");
  first = TRUE;
  for (i = 0; i < G_N_ELEMENTS (terms); i++) {
    if (term_allowed (usage, terms[i].name))
      continue;
    g_string_append_printf (s, "%s%s", first ? "Not permitted: " : "; ",
        terms[i].prohibited);
    first = FALSE;
  }
  if (!first)
    g_string_append (s, ". ");

  retention = json_object_get (usage, "retention_days");
  if (json_is_integer (retention))
    g_string_append_printf (s, "Delete within %" JSON_INTEGER_FORMAT
        " days of the recording. ", json_integer_value (retention));
  g_string_append (s, "A take whose consent is withdrawn may not be used any further.");
  return g_string_free (s, FALSE);
}

/* A CAWG entry: allowed outright only when no term restricts it. */
static json_t *
cawg_entry (gboolean allowed, gboolean restricted, const char *text)
{
  if (!allowed)
    return json_pack ("{s:s}", "use", "notAllowed");
  if (restricted)
    return json_pack ("{s:s, s:s}", "use", "constrained", "constraint_info", text);
  return json_pack ("{s:s}", "use", "allowed");
}

json_t *
emocap_terms_metadata (const json_t *usage)
{
  g_autofree char *text = NULL;
  json_t *own, *entries, *value;
  gboolean restricted = FALSE, any_use, all_use;
  const char *key;
  const char *mining;

  g_return_val_if_fail (json_is_object (usage), NULL);

  /* emocap's own: every term explicit, and what else the scope says. */
  own = json_object ();
  json_object_foreach ((json_t *) usage, key, value) {
    gboolean is_term = FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS (terms); i++)
      is_term |= strcmp (key, terms[i].name) == 0;
    if (!is_term)
      json_object_set_new (own, key, json_deep_copy (value));
  }
  for (gsize i = 0; i < G_N_ELEMENTS (terms); i++) {
    gboolean allowed = term_allowed (usage, terms[i].name);
    json_object_set_new (own, terms[i].name, json_string (allowed ? "allowed" : "prohibited"));
    restricted |= !allowed;
  }
  if (json_object_get (own, "purposes") == NULL)
    json_object_set_new (own, "purposes", json_array ());

  text = emocap_terms_text (usage);
  entries = json_object ();
  json_object_set_new (entries, "cawg.ai_training",
      cawg_entry (term_allowed (usage, "ai_training"), restricted, text));
  json_object_set_new (entries, "cawg.ai_generative_training",
      cawg_entry (term_allowed (usage, "ai_generative_training"), restricted, text));
  json_object_set_new (entries, "cawg.data_mining",
      cawg_entry (term_allowed (usage, "data_mining"), restricted, text));
  /* The contract has no term for inference: not stated is not granted. */
  json_object_set_new (entries, "cawg.ai_inference",
      cawg_entry (term_allowed (usage, "ai_inference"), restricted, text));

  any_use = term_allowed (usage, "ai_training") ||
      term_allowed (usage, "ai_generative_training") || term_allowed (usage, "data_mining");
  all_use = term_allowed (usage, "ai_training") &&
      term_allowed (usage, "ai_generative_training") && term_allowed (usage, "data_mining");
  if (!any_use)
    mining = "DMI-PROHIBITED";
  else if (all_use && !restricted)
    mining = "DMI-ALLOWED";
  else
    mining = "DMI-PROHIBITED-SEECONSTRAINT";

  return json_pack ("{s:o, s:{s:o}, s:{s:s, s:s, s:s}}",
      "usage", own,
      "cawg.training-mining", "entries", entries,
      "iptc-plus", "plus:DataMining", mining, "plus:OtherConstraints", text,
      "plus:ModelReleaseStatus", restricted ? "MR-LMR" : "MR-UMR");
}

/* The first place where @got differs from @want, as a dotted path into
 * @path; FALSE if they are equal. */
static gboolean
first_difference (const json_t *got, const json_t *want, GString *path, char **got_text,
    char **want_text)
{
  if (json_is_object (want) && json_is_object (got)) {
    const char *key;
    json_t *value;
    gsize len = path->len;

    json_object_foreach ((json_t *) want, key, value) {
      g_string_append_printf (path, "%s%s", len ? "." : "", key);
      if (first_difference (json_object_get (got, key), value, path, got_text, want_text))
        return TRUE;
      g_string_truncate (path, len);
    }
    json_object_foreach ((json_t *) got, key, value) {
      if (json_object_get (want, key) == NULL) {
        g_string_append_printf (path, "%s%s", len ? "." : "", key);
        *got_text = json_dumps (value, JSON_ENCODE_ANY | JSON_COMPACT);
        *want_text = NULL;
        return TRUE;
      }
    }
    return FALSE;
  }
  if (json_equal ((json_t *) got, (json_t *) want))
    return FALSE;
  *got_text = got ? json_dumps (got, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
  *want_text = json_dumps (want, JSON_ENCODE_ANY | JSON_COMPACT);
  return TRUE;
}

gboolean
emocap_terms_check (const json_t *metadata, const json_t *usage, GError **error)
{
  g_autoptr (GString) path = g_string_new (NULL);
  json_t *want;
  char *got_text = NULL, *want_text = NULL;
  gboolean differs;

  g_return_val_if_fail (json_is_object (usage), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!json_is_object (metadata)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY, "no usage terms at all");
    return FALSE;
  }
  want = emocap_terms_metadata (usage);
  differs = first_difference (metadata, want, path, &got_text, &want_text);
  json_decref (want);
  if (!differs)
    return TRUE;

  if (got_text == NULL)
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "%s is missing; the consented terms give %s", path->str, want_text);
  else if (want_text == NULL)
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "%s is %s, which the consented terms do not have", path->str, got_text);
  else
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "%s is %s, the consented terms say %s", path->str, got_text, want_text);
  free (got_text);
  free (want_text);
  return FALSE;
}
