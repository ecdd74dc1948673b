/* emocap: export packages that carry, and enforce, the contract's terms
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * EmocapExportRequest:
 * @session_dir: the session's folder (ARCHIVE/sessions/ID)
 * @keys_dir: the archive's keys/ folder, holding the studio key that
 *   signed the session
 * @purpose: what the buyer will use the takes for; the contract and every
 *   take's consent must grant it
 * @client: who receives the package (may be NULL)
 * @to: the package's folder: must not exist, or be empty
 * @takes: the takes to export, NULL-terminated; NULL or empty for every
 *   take that may be exported
 */
typedef struct {
  const char *session_dir;
  const char *keys_dir;
  const char *purpose;
  const char *client;
  const char *to;
  const char *const *takes;
} EmocapExportRequest;

/**
 * EmocapExportResult:
 * @exported: the take ids exported, in recording order
 * @left_out: for each take left out, "TAKE: why"
 * @manifest_sha256: SHA-256 hex of the package's manifest.json
 * @journal_seq: `seq` of the `export.created` entry
 */
typedef struct {
  GPtrArray *exported;
  GPtrArray *left_out;
  char *manifest_sha256;
  gint64 journal_seq;
} EmocapExportResult;

/* Writes the package (DESIGN.md, "Export and enforcement"):
 *
 *   TO/manifest.json          every file with size and SHA-256, the
 *                             contract, the purpose, the client; signed
 *   TO/contract.json          the contract as consented, byte for byte
 *   TO/takes/TAKE/take.json   the terms in every vocabulary, the consent
 *                             entry with its inclusion proof, the signed
 *                             checkpoint
 *   TO/takes/TAKE/CAM.mkv     the recorded media with the terms as
 *                             Matroska tags
 *
 * in a temporary folder beside TO, renamed into place at the end, then
 * appends `export.created` to the session's journal.  Refusals, with
 * nothing left at TO: a purpose the contract or a take's consent does not
 * grant, an archived contract that is not the one consented to, a named
 * take without consent or withdrawn (EMOCAP_ERROR_CONSENT); a journal or
 * media file that fails its check (EMOCAP_ERROR_VERIFY); TO not empty
 * (EMOCAP_ERROR_EXISTS).  Takes left out without being named are listed
 * in the result. */
EmocapExportResult *emocap_export (const EmocapExportRequest *request, GError **error);

void emocap_export_result_free (EmocapExportResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapExportResult, emocap_export_result_free)

/* The Matroska tag names an export writes, beside TERMS_OF_USE. */
#define EMOCAP_EXPORT_TAG_USAGE          "_EMOCAP_USAGE_TERMS"
#define EMOCAP_EXPORT_TAG_FACE           "_EMOCAP_COMMERCIAL_FACE_USE"
#define EMOCAP_EXPORT_TAG_CONSENT        "_EMOCAP_CONSENT_ENTRY"
#define EMOCAP_EXPORT_TAG_JOURNAL_ROOT   "_EMOCAP_JOURNAL_ROOT"
#define EMOCAP_EXPORT_TAG_TAKE_TAG       "_EMOCAP_TAKE_TAG"
#define EMOCAP_EXPORT_TAG_TAKE           "_EMOCAP_TAKE"

/* The global Matroska tags of @mkv (name -> string value), read with
 * mkvextract.  NULL with EMOCAP_ERROR_IO if it cannot be run,
 * EMOCAP_ERROR_INVALID_MEDIA if the file's tags cannot be read. */
GHashTable *emocap_export_read_tags (const char *mkv, GError **error);

/* The tags of the Matroska tags XML (as mkvextract writes it) in the @len
 * bytes at @xml: each Simple's Name and String, the first of a name
 * winning.  NULL with EMOCAP_ERROR_INVALID_MEDIA if it is not XML. */
GHashTable *emocap_export_parse_tags (const char *xml, gsize len, GError **error);

G_END_DECLS
