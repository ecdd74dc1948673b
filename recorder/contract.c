/* emocap: contracts (usage terms the actor agreed to)
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two readings are deliberate:
 *  - a usage term the contract does not state is PROHIBITED: a buyer gets
 *    only what the performer explicitly granted;
 *  - an absent `withdrawal` means ALLOWED: withdrawing consent is the
 *    performer's right unless the contract expressly waives it.
 * Both are "the safe reading" from the performer's side.
 */
#include <stdarg.h>
#include <string.h>

#include <emocap/contract.h>
#include <emocap/digest.h>
#include <emocap/error.h>

#include "json-doc.h"

#define TEXT_MAX 200
#define RETENTION_DAYS_MAX 36500
#define MONEY_MAX 1e9

static const char *const contract_fields[] = {
  "contract", "parties", "compensation", "usage", "withdrawal", NULL,
};
static const char *const parties_fields[] = {
  "studio", "performer", "client", NULL,
};
static const char *const compensation_fields[] = {
  "currency", "per_hour", "minimum_hours", NULL,
};
static const char *const usage_fields[] = {
  "ai_training", "ai_generative_training", "data_mining", "emotion_reuse",
  "commercial_face_use", "digital_replica", "purposes", "retention_days",
  NULL,
};
/* Index order of EmocapTerm. */
static const char *const term_names[] = { "prohibited", "allowed", NULL };

static const char *const known_purposes[] = {
  "ai-training", "ai-generative-training", "ai-inference", "data-mining",
  "research", "emotion-recognition", "internal-evaluation",
  "commercial-advertising", "digital-replica", NULL,
};

/* The usage terms, where each lives in the struct, and in plain words. */
typedef struct {
  const char *name;
  gsize offset;
  const char *purpose;      /* the purpose this term governs, if any */
  const char *may;
  const char *may_not;
} TermInfo;

static const TermInfo terms[] = {
  { "ai_training", G_STRUCT_OFFSET (EmocapContract, ai_training),
    "ai-training",
    "train AI models on your expressions and voice",
    "train AI models on your expressions and voice" },
  { "ai_generative_training",
    G_STRUCT_OFFSET (EmocapContract, ai_generative_training),
    "ai-generative-training",
    "train generative AI on your recordings (AI that makes new pictures, voices or performances)",
    "train generative AI on your recordings (AI that makes new pictures, voices or performances)" },
  { "data_mining", G_STRUCT_OFFSET (EmocapContract, data_mining),
    "data-mining",
    "analyse the recordings with automated data mining",
    "analyse the recordings with automated data mining" },
  { "emotion_reuse", G_STRUCT_OFFSET (EmocapContract, emotion_reuse), NULL,
    "reuse the emotions you perform (how they look and sound) in other work",
    "reuse the emotions you perform (how they look and sound) in other work" },
  { "commercial_face_use",
    G_STRUCT_OFFSET (EmocapContract, commercial_face_use), NULL,
    "use your face in advertising or commercial products",
    "use your face in advertising or any commercial product" },
  { "digital_replica", G_STRUCT_OFFSET (EmocapContract, digital_replica),
    "digital-replica",
    "make a digital replica of you",
    "make a digital replica of you" },
};

static EmocapTerm *
term_slot (EmocapContract *c, const TermInfo *t)
{
  return G_STRUCT_MEMBER_P (c, t->offset);
}

static EmocapTerm
term_value (const EmocapContract *c, const TermInfo *t)
{
  return G_STRUCT_MEMBER (EmocapTerm, c, t->offset);
}

const char *
emocap_term_to_string (EmocapTerm term)
{
  return term == EMOCAP_TERM_ALLOWED ? "allowed" : "prohibited";
}

void
emocap_contract_free (EmocapContract *contract)
{
  if (contract == NULL)
    return;
  g_free (contract->path);
  if (contract->bytes)
    g_bytes_unref (contract->bytes);
  g_free (contract->sha256);
  g_free (contract->id);
  g_free (contract->studio);
  g_free (contract->performer);
  g_free (contract->client);
  g_free (contract->currency);
  g_strfreev (contract->purposes);
  if (contract->json)
    json_decref (contract->json);
  g_free (contract);
}

static gboolean
is_currency (const char *s)
{
  return strlen (s) == 3 && g_ascii_isupper (s[0]) && g_ascii_isupper (s[1])
      && g_ascii_isupper (s[2]);
}

static gboolean
read_parties (EmocapContract *c, EmocapJsonObject *top, GError **error)
{
  g_auto (EmocapJsonObject) p = { 0 };
  const char *s = NULL;

  if (!emocap_json_object_child (top, "parties", FALSE, "an object "
          "{\"studio\", \"performer\", \"client\"}", &p, error))
    return FALSE;
  if (p.object == NULL)
    return TRUE;
  if (!emocap_json_object_check_fields (&p, parties_fields, error))
    return FALSE;
  if (!emocap_json_object_text (&p, "studio", FALSE, TEXT_MAX, FALSE,
          "the studio's name", &s, error))
    return FALSE;
  c->studio = g_strdup (s);
  if (!emocap_json_object_id (&p, "performer", FALSE, "the performer's "
          "actor id, as the script's actor.id", &s, error))
    return FALSE;
  c->performer = g_strdup (s);
  if (!emocap_json_object_text (&p, "client", FALSE, TEXT_MAX, FALSE,
          "the client's name", &s, error))
    return FALSE;
  c->client = g_strdup (s);
  return TRUE;
}

static gboolean
read_compensation (EmocapContract *c, EmocapJsonObject *top, GError **error)
{
  g_auto (EmocapJsonObject) m = { 0 };
  g_autofree char *q = NULL;
  const char *s = NULL;

  if (!emocap_json_object_child (top, "compensation", FALSE, "an object "
          "{\"currency\", \"per_hour\", \"minimum_hours\"}", &m, error))
    return FALSE;
  if (m.object == NULL)
    return TRUE;
  if (!emocap_json_object_check_fields (&m, compensation_fields, error))
    return FALSE;
  if (!emocap_json_object_string (&m, "currency", TRUE, "an ISO 4217 "
          "currency code such as \"USD\"", &s, error))
    return FALSE;
  if (!is_currency (s)) {
    q = emocap_json_quote (s);
    return emocap_json_object_fail (&m, error, "currency", "%s is not a "
        "currency code: expected 3 upper-case letters such as \"USD\"", q);
  }
  c->currency = g_strdup (s);
  if (!emocap_json_object_number (&m, "per_hour", TRUE, 0, MONEY_MAX,
          "the pay per hour, a number from 0", &c->per_hour, error))
    return FALSE;
  if (!emocap_json_object_number (&m, "minimum_hours", FALSE, 0, 10000,
          "the hours paid at least, a number from 0", &c->minimum_hours,
          error))
    return FALSE;
  return TRUE;
}

static gboolean
read_purposes (EmocapContract *c, EmocapJsonObject *usage, GError **error)
{
  g_autoptr (GPtrArray) purposes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *list = emocap_json_join (known_purposes, ", ");
  g_autofree char *expected = g_strdup_printf ("a list of purposes from: %s",
      list);
  g_autofree char *field = emocap_json_object_field (usage, "purposes");
  json_t *value = NULL;
  EmocapJsonDoc *doc = usage->doc;

  if (!emocap_json_object_get (usage, "purposes", FALSE, expected, &value,
          error))
    return FALSE;
  if (value != NULL && !json_is_array (value))
    return emocap_json_object_fail_type (usage, error, "purposes", expected);

  for (size_t i = 0; value != NULL && i < json_array_size (value); i++) {
    json_t *item = json_array_get (value, i);
    g_autofree char *item_field = g_strdup_printf ("%s[%zu]", field, i);
    EmocapJsonPos pos = emocap_json_doc_pos_element (doc, value, i);
    const char *s;
    g_autofree char *q = NULL;
    const char *suggestion;

    if (!json_is_string (item)) {
      g_autofree char *got = emocap_json_describe (item);
      return emocap_json_doc_fail (doc, error, pos, item_field, "expected a "
          "purpose, one of: %s, got %s", list, got);
    }
    s = json_string_value (item);
    q = emocap_json_quote (s);
    if (!g_strv_contains (known_purposes, s)) {
      suggestion = emocap_json_did_you_mean (s, known_purposes);
      if (suggestion)
        return emocap_json_doc_fail (doc, error, pos, item_field,
            "unknown purpose %s (did you mean '%s'?)", q, suggestion);
      return emocap_json_doc_fail (doc, error, pos, item_field,
          "unknown purpose %s: expected one of: %s", q, list);
    }
    for (guint j = 0; j < purposes->len; j++) {
      if (strcmp (purposes->pdata[j], s) == 0)
        return emocap_json_doc_fail (doc, error, pos, item_field,
            "duplicate purpose %s (first at line %d): list each purpose "
            "once", q, emocap_json_doc_pos_element (doc, value, j).line);
    }
    g_ptr_array_add (purposes, g_strdup (s));
  }
  g_ptr_array_add (purposes, NULL);
  c->purposes = (char **) g_ptr_array_free (g_steal_pointer (&purposes), FALSE);
  return TRUE;
}

/* A purpose granted while the term governing it is prohibited leaves the
 * buyer unable to tell what was agreed: refuse it rather than guess. */
static gboolean
check_contradictions (EmocapContract *c, EmocapJsonObject *usage,
    GError **error)
{
  json_t *purposes = json_object_get (usage->object, "purposes");
  g_autofree char *field = emocap_json_object_field (usage, "purposes");

  for (size_t i = 0; c->purposes[i]; i++) {
    for (gsize t = 0; t < G_N_ELEMENTS (terms); t++) {
      g_autofree char *item_field = NULL;
      gboolean stated;

      if (terms[t].purpose == NULL
          || strcmp (terms[t].purpose, c->purposes[i]) != 0
          || term_value (c, &terms[t]) == EMOCAP_TERM_ALLOWED)
        continue;
      item_field = g_strdup_printf ("%s[%zu]", field, i);
      stated = json_object_get (usage->object, terms[t].name) != NULL;
      return emocap_json_doc_fail (usage->doc, error,
          emocap_json_doc_pos_element (usage->doc, purposes, i), item_field,
          "'%s' is granted but usage.%s is %s: a contract cannot grant a "
          "purpose it prohibits; allow the term or remove the purpose",
          c->purposes[i], terms[t].name,
          stated ? "prohibited" : "not stated, which means prohibited");
    }
  }
  return TRUE;
}

static gboolean
read_usage (EmocapContract *c, EmocapJsonObject *top, GError **error)
{
  g_auto (EmocapJsonObject) u = { 0 };
  gint64 days = 0;

  if (!emocap_json_object_child (top, "usage", TRUE, "an object with the "
          "usage terms, e.g. {\"ai_training\": \"allowed\", "
          "\"commercial_face_use\": \"prohibited\"}", &u, error))
    return FALSE;
  if (!emocap_json_object_check_fields (&u, usage_fields, error))
    return FALSE;
  for (gsize t = 0; t < G_N_ELEMENTS (terms); t++) {
    int v = EMOCAP_TERM_PROHIBITED;   /* absent: the safe reading */
    if (!emocap_json_object_enum (&u, terms[t].name, FALSE, "term",
            term_names, &v, error))
      return FALSE;
    *term_slot (c, &terms[t]) = (EmocapTerm) v;
  }
  if (!read_purposes (c, &u, error))
    return FALSE;
  if (!emocap_json_object_int (&u, "retention_days", FALSE, 1,
          RETENTION_DAYS_MAX, "a number of days from 1 to 36500", &days,
          error))
    return FALSE;
  c->retention_days = (int) days;
  return check_contradictions (c, &u, error);
}

static EmocapContract *
parse_contract (const char *shown, const char *abs_path, GBytes *bytes,
    GError **error)
{
  g_autoptr (EmocapContract) c = g_new0 (EmocapContract, 1);
  g_autoptr (EmocapJsonDoc) doc = NULL;
  g_auto (EmocapJsonObject) top = { 0 };
  const char *s = NULL;
  int withdrawal = EMOCAP_TERM_ALLOWED;  /* absent: the performer's right */
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);

  c->path = g_strdup (abs_path);
  c->bytes = g_bytes_ref (bytes);
  c->sha256 = emocap_sha256_hex (data ? data : "", len);

  doc = emocap_json_doc_parse (shown, bytes, EMOCAP_ERROR_INVALID_CONTRACT,
      error);
  if (doc == NULL)
    return NULL;
  emocap_json_object_init (&top, doc, emocap_json_doc_root (doc), "");
  if (!emocap_json_object_check_fields (&top, contract_fields, error))
    return NULL;
  if (!emocap_json_object_id (&top, "contract", TRUE, "the contract's id, "
          "such as \"NLC-2026-0042\"", &s, error))
    return NULL;
  c->id = g_strdup (s);
  if (!read_parties (c, &top, error)
      || !read_compensation (c, &top, error)
      || !read_usage (c, &top, error))
    return NULL;
  if (!emocap_json_object_enum (&top, "withdrawal", FALSE, "withdrawal term",
          term_names, &withdrawal, error))
    return NULL;
  c->withdrawal = (EmocapTerm) withdrawal;
  c->json = json_incref (emocap_json_doc_root (doc));
  return g_steal_pointer (&c);
}

EmocapContract *
emocap_contract_load_bytes (const char *path, GBytes *bytes, GError **error)
{
  g_autofree char *abs_path = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  abs_path = g_canonicalize_filename (path, NULL);
  return parse_contract (path, abs_path, bytes, error);
}

EmocapContract *
emocap_contract_load (const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = emocap_json_read_file (path, path, EMOCAP_ERROR_INVALID_CONTRACT, error);
  if (bytes == NULL)
    return NULL;
  return emocap_contract_load_bytes (path, bytes, error);
}

json_t *
emocap_contract_usage_json (const EmocapContract *contract)
{
  json_t *usage;
  json_t *purposes;

  g_return_val_if_fail (contract != NULL, NULL);

  usage = json_object ();
  for (gsize t = 0; t < G_N_ELEMENTS (terms); t++)
    json_object_set_new (usage, terms[t].name,
        json_string (emocap_term_to_string (term_value (contract, &terms[t]))));
  purposes = json_array ();
  for (char **p = contract->purposes; p && *p; p++)
    json_array_append_new (purposes, json_string (*p));
  json_object_set_new (usage, "purposes", purposes);
  if (contract->retention_days > 0)
    json_object_set_new (usage, "retention_days",
        json_integer (contract->retention_days));
  return usage;
}

gboolean
emocap_contract_grants_purpose (const EmocapContract *contract,
    const char *purpose)
{
  g_return_val_if_fail (contract != NULL, FALSE);
  g_return_val_if_fail (purpose != NULL, FALSE);

  return contract->purposes != NULL
      && g_strv_contains ((const char *const *) contract->purposes, purpose);
}

static const char *
purpose_words (const char *purpose)
{
  static const struct { const char *id, *words; } words[] = {
    { "ai-training", "training AI models" },
    { "ai-generative-training", "training generative AI" },
    { "ai-inference", "running AI systems on the recordings" },
    { "data-mining", "data mining" },
    { "research", "research" },
    { "emotion-recognition", "teaching systems to recognise emotions" },
    { "internal-evaluation", "internal evaluation" },
    { "commercial-advertising", "advertising" },
    { "digital-replica", "making a digital replica" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (words); i++) {
    if (strcmp (words[i].id, purpose) == 0)
      return words[i].words;
  }
  return purpose;
}

static void builder_add_printf (GStrvBuilder *builder, const char *format,
    ...) G_GNUC_PRINTF (2, 3);

static void
builder_add_printf (GStrvBuilder *builder, const char *format, ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_strv_builder_add (builder, line);
}

char **
emocap_contract_describe (const EmocapContract *contract)
{
  g_autoptr (GStrvBuilder) lines = g_strv_builder_new ();

  g_return_val_if_fail (contract != NULL, NULL);

  for (gsize t = 0; t < G_N_ELEMENTS (terms); t++) {
    if (term_value (contract, &terms[t]) == EMOCAP_TERM_ALLOWED)
      builder_add_printf (lines, "may: %s", terms[t].may);
  }
  for (gsize t = 0; t < G_N_ELEMENTS (terms); t++) {
    if (term_value (contract, &terms[t]) != EMOCAP_TERM_ALLOWED)
      builder_add_printf (lines, "may not: %s",
              terms[t].may_not);
  }

  if (contract->purposes && contract->purposes[0]) {
    GString *s = g_string_new ("only for: ");
    for (char **p = contract->purposes; *p; p++)
      g_string_append_printf (s, "%s%s", p == contract->purposes ? "" : ", ",
          purpose_words (*p));
    g_strv_builder_add (lines, s->str);
    g_string_free (s, TRUE);
  } else {
    g_strv_builder_add (lines, "only for: no purpose is granted, so the "
        "recordings may not be delivered to anyone");
  }

  if (contract->retention_days > 0)
    builder_add_printf (lines, "keeps: the recordings for "
            "at most %d days, then deletes them", contract->retention_days);
  else
    g_strv_builder_add (lines, "keeps: the contract sets no limit on how long "
        "the recordings are kept");

  if (contract->withdrawal == EMOCAP_TERM_ALLOWED)
    g_strv_builder_add (lines, "you may: withdraw your consent to any take at "
        "any time; a withdrawn take is never delivered again");
  else
    g_strv_builder_add (lines, "you may not: withdraw your consent once a "
        "take is recorded (this contract waives that right)");

  /* g_ascii_formatd: the same digits whatever the program's locale */
  if (contract->currency) {
    char pay[G_ASCII_DTOSTR_BUF_SIZE];
    char hours[G_ASCII_DTOSTR_BUF_SIZE];

    g_ascii_formatd (pay, sizeof pay, "%.2f", contract->per_hour);
    g_ascii_formatd (hours, sizeof hours, "%g", contract->minimum_hours);
    if (contract->minimum_hours > 0)
      builder_add_printf (lines, "pays: %s %s per hour, "
              "for at least %s hours", contract->currency, pay, hours);
    else
      builder_add_printf (lines, "pays: %s %s per hour",
              contract->currency, pay);
  }

  return g_strv_builder_end (lines);
}
