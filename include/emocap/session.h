/* emocap: a recording session in the archive
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include <emocap/capture.h>
#include <emocap/consent.h>
#include <emocap/journal.h>
#include <emocap/script.h>

G_BEGIN_DECLS

/*
 * ARCHIVE/
 *   keys/studio.key studio.pub watermark.key
 *   sessions/SESSION/
 *     script.json contract.json   frozen copies, byte for byte
 *     journal.jsonl
 *     takes/TAKE/CAMERA.mkv ... take.json
 *   exports/
 */
typedef struct _EmocapSession EmocapSession;

/* How the actor's answer was collected. */
typedef enum {
  EMOCAP_CONSENT_ACTOR_KEYPRESS,  /* the actor pressed y or n at the recorder */
  EMOCAP_CONSENT_PRE_AUTHORIZED,  /* a consent file the actor gave beforehand */
} EmocapConsentMethod;

/* A take to record: a position of the script's plan, and which attempt at
 * it (1 for the first, 2 for the first retake: "003-anger-r2"). */
typedef struct {
  const EmocapTakePlan *plan;
  int attempt;
  char *id;
} EmocapTake;

/* Fills @take for @attempt at @plan. Free @take->id with g_free(). */
void emocap_take_init (EmocapTake *take, const EmocapTakePlan *plan, int attempt);

/* Opens a new session for @script in the archive at @archive_root, creating
 * the archive, its studio key and its watermark key on first use: creates sessions/SESSION
 * (EMOCAP_ERROR_EXISTS if the archive already holds that session), freezes
 * the script and contract, and journals `session.opened`.  @capture, if
 * not NULL, supplies the formats the cameras actually deliver.  On failure
 * nothing of the session is left behind. */
EmocapSession *emocap_session_create (const char *archive_root,
    const EmocapScript *script, EmocapCapture *capture, GError **error);

const char *emocap_session_get_dir (EmocapSession *session);
EmocapJournal *emocap_session_get_journal (EmocapSession *session);

/* The archive's watermark key (keys/watermark.key, created with the
 * studio key on first use), for the emocapwatermark elements. */
const guint8 *emocap_session_get_watermark_key (EmocapSession *session);

/* The watermark tag of @take: emocap_wm_tag() of the session's and the
 * take's ids under the archive's watermark key.  Retakes have their own. */
guint64 emocap_session_get_watermark_tag (EmocapSession *session,
    const EmocapTake *take);

/* Journals the actor's answer for @take (`consent.given` or
 * `consent.refused`, fsync'd) and returns the entry written (a new
 * reference).  @consent_file is the consent file for
 * EMOCAP_CONSENT_PRE_AUTHORIZED, else NULL; @reason says why consent was
 * refused (may be NULL). */
json_t *emocap_session_record_consent (EmocapSession *session,
    const EmocapTake *take, gboolean given, EmocapConsentMethod method,
    const EmocapConsentFile *consent_file, const char *reason, GError **error);

/* Records @take, whose `consent.given` entry is @consent: journals
 * `take.started`, records every camera with the microphone into
 * takes/TAKE/, journals `take.finished` (or `take.interrupted`,
 * `take.failed`) with the SHA-256 of every file and the take's watermark
 * tag, and writes take.json, with how many frames of each camera carry
 * that tag.  The caller sets the tag on the cameras' emocapwatermark
 * elements (emocap_session_get_watermark_tag()) before this is called.
 * Refuses a take without a `consent.given` entry for it
 * (EMOCAP_ERROR_CONSENT). */
EmocapTakeResult *emocap_session_record_take (EmocapSession *session,
    EmocapCapture *capture, const EmocapTake *take, json_t *consent,
    EmocapTakeEventFunc on_event, gpointer user_data, GError **error);

/* Journals `session.closed` with a count of takes by outcome; @reason may
 * be NULL ("completed"). */
gboolean emocap_session_close (EmocapSession *session, const char *reason,
    GError **error);

void emocap_session_free (EmocapSession *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapSession, emocap_session_free)

G_END_DECLS
