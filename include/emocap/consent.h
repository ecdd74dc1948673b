/* emocap: consent files and consent records
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include <emocap/script.h>

G_BEGIN_DECLS

/**
 * EmocapConsentFile:
 * A consent given in advance by the actor, for unattended recording
 * (`emocap record --auto --consent-file FILE`):
 *
 *   {"actor": "actor-0042", "contract": "NLC-2026-0042",
 *    "contract_sha256": "<hex>", "emotions": ["joy", "anger"]}
 *
 * or `"emotions": "all"`.
 *
 * @path: absolute path
 * @sha256: hex SHA-256 of the file's bytes (recorded as the method's proof)
 * @actor, @contract, @contract_sha256: as written
 * @all_emotions: `"emotions": "all"`
 * @emotions: otherwise the listed emotions, NULL-terminated
 */
typedef struct {
  char *path;
  char *sha256;
  char *actor;
  char *contract;
  char *contract_sha256;
  gboolean all_emotions;
  char **emotions;
} EmocapConsentFile;

/* Reads and validates a consent file, and checks it against @script: the
 * actor must be the script's actor, the contract id and SHA-256 the
 * contract's, each listed emotion one the script knows.  Errors are
 * EMOCAP_ERROR_INVALID_CONSENT ("PATH:LINE:COLUMN: ...") or
 * EMOCAP_ERROR_IO. */
EmocapConsentFile *emocap_consent_file_load (const char *path,
    const EmocapScript *script, GError **error);

/* Same, from bytes already read; @path is used in messages (and made
 * absolute for @path in the result). */
EmocapConsentFile *emocap_consent_file_load_bytes (const char *path,
    GBytes *bytes, const EmocapScript *script, GError **error);

void emocap_consent_file_free (EmocapConsentFile *consent);

/* TRUE if the consent file covers takes of @emotion. */
gboolean emocap_consent_file_covers (const EmocapConsentFile *consent,
    const char *emotion);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapConsentFile, emocap_consent_file_free)

G_END_DECLS
