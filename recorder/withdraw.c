/* emocap: withdrawing consent to a take, and consent receipts
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A withdrawal is one more signed entry in the session's journal, after
 * whatever is there (a closed session included: the checkpoint covers the
 * lines before it, and the chain goes on).  Export reads it and leaves the
 * take out from then on; audit fails any export of the take journaled
 * after it.
 */
#include <string.h>

#include <emocap/contract.h>
#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/journal.h>
#include <emocap/keys.h>
#include <emocap/script.h>
#include <emocap/withdraw.h>

#include "storage.h"

static const char *
entry_str (const json_t *entry, const char *key)
{
  return json_string_value (json_object_get (entry, key));
}

static const char *
entry_actor (const json_t *entry)
{
  return entry_str (json_object_get (entry, "actor"), "id");
}

void
emocap_withdraw_result_free (EmocapWithdrawResult *result)
{
  if (result == NULL)
    return;
  g_free (result->session);
  g_free (result->take);
  json_decref (result->entry);
  g_free (result);
}

/* A session holding a take of the id asked for, with its consent. */
typedef struct {
  char *session;
  json_t *consent;      /* consent.given */
  gboolean other_actor;
} Found;

static void
found_free (gpointer p)
{
  Found *f = p;
  g_free (f->session);
  json_decref (f->consent);
  g_free (f);
}

static gboolean
fail (GError **error, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, int code, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, EMOCAP_ERROR, code, message);
  return FALSE;
}

/* Looks for consent.given to take @take in each session; a journal that
 * does not verify is an error, not a take that is absent. */
static GPtrArray *
find_take (const char *archive, const char *only_session, const char *take,
    const char *actor, const EmocapKey *key, GError **error)
{
  g_autofree char *sessions_dir = g_build_filename (archive, "sessions", NULL);
  g_autoptr (GPtrArray) ids = NULL;
  GPtrArray *found;

  if (only_session) {
    ids = g_ptr_array_new_with_free_func (g_free);
    g_ptr_array_add (ids, g_strdup (only_session));
  } else {
    ids = emocap_archive_session_ids (archive, error);
    if (ids == NULL)
      return NULL;
  }
  found = g_ptr_array_new_with_free_func (found_free);
  for (guint i = 0; i < ids->len; i++) {
    const char *id = g_ptr_array_index (ids, i);
    g_autofree char *journal = g_build_filename (sessions_dir, id, "journal.jsonl", NULL);
    g_autoptr (json_t) entries = NULL;
    g_autoptr (GError) local = NULL;
    size_t j;
    json_t *e;

    if (!g_file_test (journal, G_FILE_TEST_EXISTS))
      continue;
    if (!emocap_journal_verify (journal, key, &entries, NULL, &local)) {
      g_propagate_prefixed_error (error, g_steal_pointer (&local),
          "session '%s' cannot be trusted, so nothing is written to it: ", id);
      g_ptr_array_unref (found);
      return NULL;
    }
    json_array_foreach (entries, j, e) {
      if (g_strcmp0 (entry_str (e, "type"), EMOCAP_JOURNAL_CONSENT_GIVEN) == 0 &&
          g_strcmp0 (entry_str (e, "take"), take) == 0) {
        Found *f = g_new0 (Found, 1);
        f->session = g_strdup (id);
        f->consent = json_incref (e);
        f->other_actor = g_strcmp0 (entry_actor (e), actor) != 0;
        g_ptr_array_add (found, f);
        break;
      }
    }
  }
  return found;
}

EmocapWithdrawResult *
emocap_withdraw (const EmocapWithdrawRequest *req, GError **error)
{
  g_autofree char *keys_dir = NULL, *secret = NULL, *only_session = NULL, *take = NULL;
  g_autofree char *session_dir = NULL, *journal_path = NULL, *contract_path = NULL;
  g_autofree char *record_id = NULL;
  g_autoptr (EmocapKey) key = NULL;
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (EmocapJournal) journal = NULL;
  g_autoptr (EmocapContract) contract = NULL;
  g_autoptr (json_t) entries = NULL;
  g_autoptr (json_t) fields = NULL;
  EmocapWithdrawResult *result;
  const char *slash;
  Found *mine = NULL;
  guint n_mine = 0;
  json_t *consent, *e;
  size_t j;

  g_return_val_if_fail (req != NULL && req->archive && req->take && req->actor, NULL);

  slash = strchr (req->take, '/');
  if (slash) {
    only_session = g_strndup (req->take, slash - req->take);
    take = g_strdup (slash + 1);
  } else {
    take = g_strdup (req->take);
  }
  if ((only_session && !emocap_id_is_valid (only_session)) || !emocap_id_is_valid (take)) {
    fail (error, EMOCAP_ERROR_USAGE, "'%s' is not a take: give it as SESSION/TAKE "
        "(e.g. nlc-2026-11-22-a/003-anger) or as the take's id", req->take);
    return NULL;
  }
  if (!emocap_id_is_valid (req->actor)) {
    fail (error, EMOCAP_ERROR_USAGE, "'%s' is not an actor id", req->actor);
    return NULL;
  }
  if (only_session) {
    g_autofree char *d = g_build_filename (req->archive, "sessions", only_session, NULL);
    if (!g_file_test (d, G_FILE_TEST_IS_DIR)) {
      fail (error, EMOCAP_ERROR_NOT_FOUND, "refused: archive '%s' has no session '%s'",
          req->archive, only_session);
      return NULL;
    }
  }

  keys_dir = g_build_filename (req->archive, "keys", NULL);
  secret = g_build_filename (keys_dir, "studio.key", NULL);
  if (!g_file_test (secret, G_FILE_TEST_EXISTS)) {
    fail (error, EMOCAP_ERROR_NOT_FOUND, "no studio key '%s': a withdrawal is signed into "
        "the session's journal with the key that recorded it; run this on the studio's "
        "archive (--archive DIR)", secret);
    return NULL;
  }
  key = emocap_key_load_or_create (keys_dir, error);
  if (key == NULL)
    return NULL;

  found = find_take (req->archive, only_session, take, req->actor, key, error);
  if (found == NULL)
    return NULL;
  for (guint i = 0; i < found->len; i++) {
    Found *f = g_ptr_array_index (found, i);
    if (!f->other_actor) {
      mine = mine ? mine : f;
      n_mine++;
    }
  }
  if (n_mine == 0) {
    /* Whose take it is stays unsaid: ids are not to be learnt this way. */
    if (found->len > 0)
      fail (error, EMOCAP_ERROR_CONSENT, "refused: take '%s' is not a take of actor '%s'; "
          "only the actor who gave consent to a take may withdraw it", req->take, req->actor);
    else
      fail (error, EMOCAP_ERROR_NOT_FOUND, "refused: no take '%s' with consent given in "
          "archive '%s'; the take ids are in the review page (emocap review) or in each "
          "session's takes/ folder", req->take, req->archive);
    return NULL;
  }
  if (n_mine > 1) {
    g_autoptr (GString) s = g_string_new (NULL);
    for (guint i = 0; i < found->len; i++) {
      Found *f = g_ptr_array_index (found, i);
      if (!f->other_actor)
        g_string_append_printf (s, "%s%s/%s", s->len ? ", " : "", f->session, take);
    }
    fail (error, EMOCAP_ERROR_USAGE, "take '%s' is in %u of your sessions: name one as "
        "SESSION/TAKE: %s", take, n_mine, s->str);
    return NULL;
  }

  session_dir = g_build_filename (req->archive, "sessions", mine->session, NULL);
  contract_path = g_build_filename (session_dir, "contract.json", NULL);
  contract = emocap_contract_load (contract_path, error);
  if (contract == NULL)
    return NULL;
  consent = mine->consent;
  if (g_strcmp0 (entry_str (json_object_get (consent, "contract"), "sha256"),
          contract->sha256) != 0) {
    fail (error, EMOCAP_ERROR_VERIFY, "the archived contract '%s' is not the one consented "
        "to: it was changed after consent; an auditor should see this session", contract_path);
    return NULL;
  }
  if (contract->withdrawal != EMOCAP_TERM_ALLOWED) {
    fail (error, EMOCAP_ERROR_CONSENT, "refused: contract '%s' waives the right to withdraw "
        "consent (\"withdrawal\": \"prohibited\"), so take '%s/%s' cannot be withdrawn here; "
        "the union or the studio can advise", contract->id, mine->session, take);
    return NULL;
  }

  /* Opening locks the journal and verifies it again: nothing can come in
   * between reading it and appending. */
  journal_path = g_build_filename (session_dir, "journal.jsonl", NULL);
  journal = emocap_journal_open (journal_path, key, error);
  if (journal == NULL) {
    if (error && *error && (*error)->code == EMOCAP_ERROR_IO)
      g_prefix_error (error, "session '%s' is busy (being recorded or exported?); try again "
          "when it is done: ", mine->session);
    return NULL;
  }
  if (!emocap_journal_verify (journal_path, key, &entries, NULL, error))
    return NULL;

  result = g_new0 (EmocapWithdrawResult, 1);
  result->session = g_strdup (mine->session);
  result->take = g_strdup (take);
  json_array_foreach (entries, j, e) {
    if (g_strcmp0 (entry_str (e, "type"), EMOCAP_JOURNAL_CONSENT_WITHDRAWN) == 0 &&
        g_strcmp0 (entry_str (e, "take"), take) == 0) {
      result->entry = json_incref (e);
      result->already = TRUE;
      return result;
    }
  }

  record_id = g_strdup_printf ("%s/%s", mine->session, take);
  fields = json_pack ("{s:s, s:s, s:s, s:O, s:O, s:I, s:s, s:s, s:s}",
      "record_id", record_id,
      "session", mine->session,
      "take", take,
      "actor", json_object_get (consent, "actor"),
      "contract", json_object_get (consent, "contract"),
      "consent_seq", json_integer_value (json_object_get (consent, "seq")),
      "method", "actor-command",
      "controller", entry_str (consent, "controller") ? entry_str (consent, "controller") : "",
      "status", "dpv:ConsentWithdrawn");
  if (req->reason && *req->reason)
    json_object_set_new (fields, "reason", json_string (req->reason));
  result->entry = emocap_journal_append (journal, EMOCAP_JOURNAL_CONSENT_WITHDRAWN, fields,
      error);
  if (result->entry == NULL) {
    emocap_withdraw_result_free (result);
    return NULL;
  }
  return result;
}

/* Seconds since 1970 of an RFC 3339 time, 0 if it does not parse. */
static json_int_t
unix_seconds (const char *rfc3339)
{
  g_autoptr (GDateTime) t = rfc3339 ? g_date_time_new_from_iso8601 (rfc3339, NULL) : NULL;

  return t ? (json_int_t) g_date_time_to_unix (t) : 0;
}

/* A UUID-shaped id from a SHA-256: the same consent always gets the
 * same receipt id. */
static char *
receipt_id (const char *sha)
{
  return g_strdup_printf ("%.8s-%.4s-%.4s-%.4s-%.12s", sha, sha + 8, sha + 12, sha + 16,
      sha + 20);
}

json_t *
emocap_consent_receipt (const json_t *consent, const char *consent_line,
    const json_t *opened, const json_t *withdrawn)
{
  g_autofree char *sha = emocap_sha256_hex (consent_line, strlen (consent_line));
  g_autofree char *id = receipt_id (sha);
  const json_t *scope = json_object_get (consent, "scope");
  const json_t *usage = json_object_get (scope, "usage");
  const char *controller = entry_str (consent, "controller");
  const char *method = entry_str (consent, "method");
  const char *witness = entry_str (consent, "witness");
  g_autofree char *how = NULL;
  json_t *receipt, *purposes, *services, *p, *extra;
  size_t i;

  if (controller == NULL)
    controller = entry_str (opened, "studio");
  if (g_strcmp0 (method, "actor-keypress") == 0)
    how = g_strdup_printf ("given by the actor at the recording, before the take, "
        "witnessed by operator %s", witness ? witness : "(unnamed)");
  else if (g_strcmp0 (method, "pre-authorized") == 0)
    how = g_strdup_printf ("given by the actor beforehand in a signed consent file "
        "(SHA-256 %s), witnessed by operator %s", entry_str (consent, "consent_file_sha256")
        ? entry_str (consent, "consent_file_sha256") : "?", witness ? witness : "(unnamed)");
  else
    how = g_strdup (method ? method : "not recorded");

  purposes = json_array ();
  json_array_foreach (json_object_get (scope, "purposes"), i, p) {
    json_array_append_new (purposes, json_pack ("{s:s, s:[s], s:s, s:[s, s], s:b, s:s, s:b}",
            "purpose", json_string_value (p),
            "purposeCategory", json_string_value (p),
            "consentType", "EXPLICIT",
            "piiCategory", "video of the actor's face and body", "the actor's voice",
            "primaryPurpose", i == 0,
            "termination", "when the actor withdraws consent to the take, or when the "
            "contract's retention period ends",
            "thirdPartyDisclosure", TRUE));
  }
  services = json_pack ("[{s:s, s:o}]", "service", "emotion capture for AI training data",
      "purposes", purposes);

  receipt = json_pack ("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:[{s:s, s:b}], s:s, s:o,"
      " s:b, s:[s, s]}",
      "version", "KI-CR-v1.1.0",
      "jurisdiction", "as stated in the contract",
      "consentTimestamp", unix_seconds (entry_str (consent, "at")),
      "collectionMethod", how,
      "consentReceiptID", id,
      "language", "en",
      "piiPrincipalId", entry_actor (consent) ? entry_actor (consent) : "",
      "piiControllers", "piiController", controller ? controller : "", "onBehalf", FALSE,
      "policyUrl", "contract.json of the session, SHA-256 in emocap.contract",
      "services", services,
      "sensitive", TRUE,
      "spiCat", "biometric data: face", "biometric data: voice");

  extra = json_pack ("{s:s?, s:s?, s:O?, s:O?, s:O?, s:s, s:s}",
      "session", entry_str (consent, "session"),
      "take", entry_str (consent, "take"),
      "contract", json_object_get (consent, "contract"),
      "scope", scope,
      "usage", usage,
      "consent_sha256", sha,
      "consent_record", consent_line);
  json_object_set_new (extra, "journal_seq", json_incref (json_object_get (consent, "seq")));
  json_object_set_new (extra, "studio_key", json_incref (json_object_get (opened, "studio_key")));
  json_object_set_new (extra, "withdrawal_method",
      json_incref (json_object_get (consent, "withdrawal_method")));
  if (withdrawn)
    json_object_set_new (extra, "withdrawn", json_pack ("{s:O, s:O, s:O?}",
            "at", json_object_get (withdrawn, "at"),
            "journal_seq", json_object_get (withdrawn, "seq"),
            "reason", json_object_get (withdrawn, "reason")));
  json_object_set_new (receipt, "emocap", extra);
  return receipt;
}
