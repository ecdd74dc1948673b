/* emocap: a take's usage terms in the vocabularies buyers' tools read
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

/* The usage terms as consented (a `scope.usage` object of a consent
 * record, or emocap_contract_usage_json(): "allowed" or "prohibited" per
 * term, `purposes`, maybe `retention_days`) written out three ways
 * (DESIGN.md, "Export and enforcement"):
 *
 *   {"usage": {...every term explicit, a term not stated "prohibited"...},
 *    "cawg.training-mining": {"entries": {"cawg.ai_training": {"use": ...,
 *        "constraint_info": ...}, "cawg.ai_generative_training": ...,
 *        "cawg.data_mining": ..., "cawg.ai_inference": ...}},
 *    "iptc-plus": {"plus:DataMining": "DMI-...", "plus:OtherConstraints": "...",
 *        "plus:ModelReleaseStatus": "MR-..."}}
 *
 * A CAWG use that the contract allows only within its other terms (the
 * face ban above all) is "constrained", with the terms in plain words as
 * its `constraint_info`.  A new reference. */
json_t *emocap_terms_metadata (const json_t *usage);

/* The terms in plain words for a buyer, one paragraph: what the
 * recordings are licensed for, what is permitted and what is not, the face
 * clause first.  This is the Matroska TERMS_OF_USE tag and the IPTC
 * plus:OtherConstraints.  Free with g_free(). */
char *emocap_terms_text (const json_t *usage);

/* The face clause alone, as it appears in the text, or NULL when the
 * terms allow commercial use of the face.  Free with g_free(). */
char *emocap_terms_face_clause (const json_t *usage);

/* Checks that @metadata (from an exported take.json) carries exactly the
 * terms @usage grants, in every vocabulary.  On failure: FALSE and
 * EMOCAP_ERROR_VERIFY naming the first field that differs or is missing,
 * e.g. "usage.commercial_face_use is \"allowed\", the consented terms
 * say \"prohibited\"". */
gboolean emocap_terms_check (const json_t *metadata, const json_t *usage, GError **error);

G_END_DECLS
