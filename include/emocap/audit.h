/* emocap: audits of archives, sessions and export packages, from the files
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

/**
 * EmocapAuditRequest:
 * @path: an archive (holding sessions/), a session folder (holding
 *   journal.jsonl) or an export package (holding manifest.json)
 * @archive: the archive, for its keys/ and, for a package, the session's
 *   journal; NULL: the one @path is in, if any
 * @key_path: the studio's public key (studio.pub) to check signatures
 *   with; NULL: the archive's
 * @watermark_step: check the watermark on every Nth frame (0: a default
 *   that keeps audits fast)
 */
typedef struct {
  const char *path;
  const char *archive;
  const char *key_path;
  guint watermark_step;
} EmocapAuditRequest;

typedef void (*EmocapAuditProgress) (const char *what, guint done, guint total,
    gpointer user_data);

/* Audits @request->path and returns the report:
 *
 *   {"ok": true only if every check holds, "path": ..., "kind":
 *    "archive" | "session" | "package", "checks": [{"id": ..., "title":
 *    what it means in plain words, "ok": ..., "checked": how many things
 *    were looked at, "problems": [{"where": file, take or journal line,
 *    "what": what is wrong}]}]}
 *
 * A check that cannot be made (no key, no archive) fails, saying what it
 * needs: nothing is assumed.  NULL and EMOCAP_ERROR_NOT_FOUND only when
 * @path is none of the three.  gst_init() must have been called. */
json_t *emocap_audit (const EmocapAuditRequest *request, EmocapAuditProgress progress,
    gpointer user_data, GError **error);

/* The report as a page a union representative can read: the verdict and
 * each check in plain words first, the evidence below.  Free with
 * g_free(). */
char *emocap_audit_html (const json_t *report);

G_END_DECLS
