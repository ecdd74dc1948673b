/* emocap: a session's internals, shared by its creation and its resumption
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <emocap/keys.h>
#include <emocap/session.h>
#include <emocap/watermark.h>

G_BEGIN_DECLS

/* Room kept free on the archive's disk for what a session must still
 * write when the disk fills up mid-take: the take's end in the journal,
 * its take.json, and session.closed. */
#define RESERVE_NAME ".space-reserve"
#define RESERVE_BYTES (256 * 1024)

struct _EmocapSession {
  const EmocapScript *script;
  char *root;
  char *dir;
  char *reserve;
  EmocapKey *key;
  guint8 wm_key[EMOCAP_WM_KEY_LEN];
  EmocapJournal *journal;
  guint finished, interrupted, failed, refused;
};

/* Keeps RESERVE_BYTES free in the session's folder (best effort). */
void emocap_session_reserve_space (EmocapSession *session);

/* Gives the reserved space back to the disk; FALSE if there was none. */
gboolean emocap_session_release_space (EmocapSession *session);

/* emocap_journal_append() on the session's journal, tried once more after
 * releasing the reserve when the disk is full. */
json_t *emocap_session_append (EmocapSession *session, const char *type,
    json_t *fields, GError **error);

/* emocap_write_file_atomic(), with the same second chance. */
gboolean emocap_session_write_file (EmocapSession *session, const char *path,
    const char *data, gsize len, GError **error);

/* The cameras of @script as the session records them (with @capture, only
 * those still recorded, in the format they deliver, and their controls). */
json_t *emocap_session_cameras_json (const EmocapScript *script, EmocapCapture *capture);

/* take.json of @take: its plan, consent, files and figures. */
json_t *emocap_session_take_json (EmocapSession *session, const EmocapTake *take,
    json_t *consent, EmocapTakeResult *result, GPtrArray *hashes, GArray *sizes,
    gint64 started_seq, gint64 ended_seq);

G_END_DECLS
