/* emocap: an actor's takes, their withdrawal, and consent receipts
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

/**
 * EmocapWithdrawRequest:
 * @archive: the archive (holding keys/ and sessions/)
 * @take: "SESSION/TAKE", or a take id alone when only one of the actor's
 *   sessions has a take of that id
 * @actor: the actor withdrawing; only the take's own actor may
 * @reason: the actor's words (may be NULL)
 */
typedef struct {
  const char *archive;
  const char *take;
  const char *actor;
  const char *reason;
} EmocapWithdrawRequest;

/**
 * EmocapWithdrawResult:
 * @session: the session the take is in
 * @take: the take id
 * @entry: the `consent.withdrawn` entry (the one found when @already)
 * @already: consent to the take had been withdrawn before; nothing was
 *   written
 */
typedef struct {
  char *session;
  char *take;
  json_t *entry;
  gboolean already;
} EmocapWithdrawResult;

/* Appends a signed `consent.withdrawn` to the take's session journal (the
 * journal verified and locked first), naming the consent it withdraws.
 * Refused, with nothing written: a take no session has, or one whose
 * consent was never given (EMOCAP_ERROR_NOT_FOUND); another actor's take,
 * or a contract that waives withdrawal (EMOCAP_ERROR_CONSENT); a take id
 * that several of the actor's sessions have (EMOCAP_ERROR_USAGE, listing
 * them as SESSION/TAKE); a journal that does not verify
 * (EMOCAP_ERROR_VERIFY); a session being recorded (EMOCAP_ERROR_IO). */
EmocapWithdrawResult *emocap_withdraw (const EmocapWithdrawRequest *request, GError **error);

void emocap_withdraw_result_free (EmocapWithdrawResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapWithdrawResult, emocap_withdraw_result_free)

/* A consent receipt for the actor, shaped as a Kantara Initiative Consent
 * Receipt v1.1 (version, jurisdiction, consentTimestamp, collectionMethod,
 * consentReceiptID, language, piiPrincipalId, piiControllers, policyUrl,
 * services with their purposes, sensitive, spiCat), from a verified
 * journal's `consent.given` entry @consent, the line's exact bytes
 * @consent_line (whose SHA-256 names the receipt, and which is carried
 * whole so the receipt can be checked against the studio's key), the
 * `session.opened` entry @opened (the studio) and the
 * `consent.withdrawn` entry @withdrawn or NULL.  A new reference. */
json_t *emocap_consent_receipt (const json_t *consent, const char *consent_line,
    const json_t *opened, const json_t *withdrawn);

G_END_DECLS
