/* emocap: contracts (usage terms the actor agreed to)
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

/* A usage term.  A term the contract does not state is PROHIBITED: the
 * safe reading always wins. */
typedef enum {
  EMOCAP_TERM_PROHIBITED = 0,
  EMOCAP_TERM_ALLOWED = 1,
} EmocapTerm;

/**
 * EmocapContract:
 * @path: absolute path the contract was read from
 * @bytes: the file's exact bytes (frozen into the archive as they are)
 * @sha256: lower-case hex SHA-256 of @bytes
 * @id: the contract id (`contract`), a valid id
 * @studio, @performer, @client: `parties` (NULL where absent)
 * @currency, @per_hour, @minimum_hours: `compensation` (@currency NULL
 *   where absent)
 * @ai_training ... @digital_replica: `usage` terms
 * @purposes: `usage.purposes`, NULL-terminated, never NULL (maybe empty)
 * @retention_days: `usage.retention_days`, 0 where not stated
 * @withdrawal: `withdrawal`; ALLOWED where the contract does not state it:
 *   withdrawing consent is the performer's right unless the contract
 *   expressly waives it (the safe reading, from the performer's side)
 * @json: the parsed document
 */
typedef struct {
  char *path;
  GBytes *bytes;
  char *sha256;

  char *id;
  char *studio;
  char *performer;
  char *client;

  char *currency;
  double per_hour;
  double minimum_hours;

  EmocapTerm ai_training;
  EmocapTerm ai_generative_training;
  EmocapTerm data_mining;
  EmocapTerm emotion_reuse;
  EmocapTerm commercial_face_use;
  EmocapTerm digital_replica;
  char **purposes;
  int retention_days;

  EmocapTerm withdrawal;

  json_t *json;
} EmocapContract;

/* Reads and validates the contract at @path.  Errors are
 * EMOCAP_ERROR_INVALID_CONTRACT (EMOCAP_ERROR_IO if it cannot be read),
 * with a message "PATH:LINE:COLUMN: what is wrong and what was expected". */
EmocapContract *emocap_contract_load (const char *path, GError **error);

/* Same, from bytes already read; @path is used in messages only. */
EmocapContract *emocap_contract_load_bytes (const char *path, GBytes *bytes,
    GError **error);

void emocap_contract_free (EmocapContract *contract);

/* "allowed" or "prohibited". */
const char *emocap_term_to_string (EmocapTerm term);

/* The usage terms as granted, every term explicit (absent ones written out
 * as "prohibited"): {"ai_training": "allowed", ..., "purposes": [...],
 * "retention_days": N (only if stated)}.  A new reference. */
json_t *emocap_contract_usage_json (const EmocapContract *contract);

/* TRUE if @purpose is in `usage.purposes`. */
gboolean emocap_contract_grants_purpose (const EmocapContract *contract,
    const char *purpose);

/* The terms in plain words, for a performer or an operator to read: what the
 * buyer may do, then what the buyer may not do, one sentence per line, e.g.
 * "may: train AI models on your expressions and voice" and
 * "may not: use your face in advertising or any commercial product".
 * NULL-terminated; free with g_strfreev(). */
char **emocap_contract_describe (const EmocapContract *contract);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapContract, emocap_contract_free)

G_END_DECLS
