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

/**
 * EmocapResume:
 * @position: the plan position (from 1) to carry on from; past the end of
 *   the plan when every take has been dealt with
 * @attempt: the attempt to make there: 1, or the next one when consent
 *   for it was given but nothing was recorded
 * @recovered: the takes found cut short (started, never ended), now
 *   journaled as interrupted with their files as they were left
 * @torn_bytes: bytes of an incomplete last journal line, set aside in
 *   journal.jsonl.torn
 * @was_closed: the session had been closed (early), for @closed_reason
 * @entries: journal entries verified
 *
 * Where a session stopped, as emocap_session_reopen() found it.
 */
typedef struct {
  int position;
  int attempt;
  char **recovered;
  gsize torn_bytes;
  gboolean was_closed;
  char *closed_reason;
  guint entries;
} EmocapResume;

void emocap_resume_clear (EmocapResume *resume);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EmocapResume, emocap_resume_clear)

/* Opens the existing session of @script in the archive at @archive_root
 * to carry on recording it, before any device is opened: sets aside a
 * torn last journal line, verifies the journal, journals every take
 * found cut short (`take.started` with no end: the recorder was killed)
 * as `take.interrupted` with the SHA-256 of its files as they are and
 * writes its take.json (counted from the files), and says in @resume where
 * to carry on.  @script must be the session's own (its frozen script and
 * contract, byte for byte): EMOCAP_ERROR_EXISTS otherwise.  A closed
 * session is refused with EMOCAP_ERROR_EXISTS, unless @reopen_closed and
 * it was closed before completing.  EMOCAP_ERROR_NOT_FOUND when there is
 * no such session; EMOCAP_ERROR_VERIFY when its journal does not verify. */
EmocapSession *emocap_session_reopen (const char *archive_root,
    const EmocapScript *script, gboolean reopen_closed, EmocapResume *resume,
    GError **error);

/* Journals `session.resumed`, with the cameras as @capture now delivers
 * them, once the devices of a reopened session are live. */
gboolean emocap_session_mark_resumed (EmocapSession *session, EmocapCapture *capture,
    const EmocapResume *resume, GError **error);

/* The folder the script of the session in @session_dir was first loaded
 * from, as its `session.opened` entry records it (*@origin_dir NULL if it
 * does not), for emocap_script_load_frozen().  The journal is only read
 * here, not verified.  EMOCAP_ERROR_NOT_FOUND when @session_dir holds no
 * journal. */
gboolean emocap_session_locate (const char *session_dir, char **origin_dir,
    GError **error);

/* Journals `session.closed` with a count of takes by outcome; @reason may
 * be NULL ("completed"). */
gboolean emocap_session_close (EmocapSession *session, const char *reason,
    GError **error);

void emocap_session_free (EmocapSession *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapSession, emocap_session_free)

G_END_DECLS
