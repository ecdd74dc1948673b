/* emocap: an actor's review site, their takes and terms on one page
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * EmocapReviewRequest:
 * @actor: the actor whose takes are shown; no one else's appear
 * @to: the site's folder: new, empty, or an earlier review site (replaced
 *   whole once the new one is complete)
 * @sources: archives (holding sessions/) or session folders,
 *   NULL-terminated; each session is checked against its archive's
 *   studio key before anything of it is shown
 */
typedef struct {
  const char *actor;
  const char *to;
  const char *const *sources;
} EmocapReviewRequest;

/**
 * EmocapReviewResult:
 * @sessions: sessions with takes of the actor
 * @takes: takes shown
 * @withdrawn: of those, takes whose consent was withdrawn
 * @reused: review copies taken over from the earlier site unchanged
 * @warnings: what the actor should know, also shown on the page (a
 *   session that does not verify, a missing file, ...)
 * @index: the page to open (TO/index.html)
 */
typedef struct {
  guint sessions;
  guint takes;
  guint withdrawn;
  guint reused;
  GPtrArray *warnings;
  char *index;
} EmocapReviewResult;

/* Called as the work goes: @what is "SESSION/TAKE", @done of @total takes. */
typedef void (*EmocapReviewProgress) (const char *what, guint done, guint total,
    gpointer user_data);

/* Writes the review site of one actor, a static site that works from
 * file:// with nothing fetched:
 *
 *   TO/index.html                    every take, its terms, consent history,
 *                                    exports, how to withdraw
 *   TO/SESSION/TAKE/thumb-N.jpg      a contact sheet, frames across the take
 *                                    decoded at reduced scale
 *   TO/SESSION/TAKE/review.webm      a small copy with a visible burn-in
 *                                    (name, take, REVIEW COPY) and the
 *                                    take's invisible watermark
 *   TO/SESSION/TAKE/consent-receipt.json   a Kantara-shaped receipt
 *
 * in a folder beside TO, renamed into place at the end.  Refused: TO
 * holding anything but an earlier review site (EMOCAP_ERROR_EXISTS), no
 * take of the actor in the sources (EMOCAP_ERROR_NOT_FOUND). */
EmocapReviewResult *emocap_review (const EmocapReviewRequest *request,
    EmocapReviewProgress progress, gpointer user_data, GError **error);

void emocap_review_result_free (EmocapReviewResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapReviewResult, emocap_review_result_free)

G_END_DECLS
