/* emocap: the session journal, an append-only, hash-chained, signed log
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include <emocap/json.h>
#include <emocap/keys.h>

G_BEGIN_DECLS

/* Entry types (DESIGN.md, "Journal and consent records"). */
#define EMOCAP_JOURNAL_SESSION_OPENED    "session.opened"
#define EMOCAP_JOURNAL_CONSENT_GIVEN     "consent.given"
#define EMOCAP_JOURNAL_CONSENT_REFUSED   "consent.refused"
#define EMOCAP_JOURNAL_TAKE_STARTED      "take.started"
#define EMOCAP_JOURNAL_TAKE_FINISHED     "take.finished"
#define EMOCAP_JOURNAL_TAKE_FAILED       "take.failed"
#define EMOCAP_JOURNAL_TAKE_INTERRUPTED  "take.interrupted"
#define EMOCAP_JOURNAL_CONSENT_WITHDRAWN "consent.withdrawn"
#define EMOCAP_JOURNAL_EXPORT_CREATED    "export.created"
#define EMOCAP_JOURNAL_SESSION_CLOSED    "session.closed"
#define EMOCAP_JOURNAL_SESSION_RESUMED   "session.resumed"

/* `prev` of the first entry: 64 zeros. */
#define EMOCAP_JOURNAL_GENESIS \
  "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct _EmocapJournal EmocapJournal;

/* The canonical bytes of @json: jansson compact with sorted keys and no
 * trailing newline.  Journal signatures and the manifest are computed over
 * these.  Free with free(). */
char *emocap_canonical_json (const json_t *json);

/* Current UTC time as RFC 3339 with microseconds,
 * e.g. "2026-11-22T09:00:00.123456Z"; free with g_free(). */
char *emocap_utc_now (void);

/* Opens the journal at @path for appending, creating it (0600) if missing.
 * Takes an exclusive lock for the life of the object (a second writer gets
 * EMOCAP_ERROR_IO), and verifies the entries already there against @key
 * (EMOCAP_ERROR_VERIFY naming the first bad line), so that the next entry
 * chains onto them.  @key must be able to sign. */
EmocapJournal *emocap_journal_open (const char *path, const EmocapKey *key,
    GError **error);

/* Appends one entry of @type holding the members of @fields (not modified,
 * not stolen; must not contain `seq`, `at`, `type`, `prev` or `sig`).  The
 * line is written in one write() and fsync'd before this returns.  Returns
 * the whole entry as written, including `sig` (a new reference).
 *
 * @type must be one of the types above and @fields a JSON object or NULL
 * (no members of its own).  Real numbers do not round-trip exactly through
 * text, so @fields holding a JSON real anywhere (or a string or key with a
 * NUL in it) is a caller error, like a reserved member: write amounts as
 * integers (cents, milliseconds) or strings.  A `session.closed` entry is
 * a checkpoint: the journal adds `tree_size`, the number of lines before
 * it, and `root`, the hex RFC 9162 Merkle root of those lines (leaf =
 * SHA-256(0x00 || line without its newline)); @fields must not hold
 * either.  If the clock was set back,
 * the entry carries the previous entry's `at`, which never goes backwards.
 * If a write or fsync fails, the line is cut back off and EMOCAP_ERROR_IO
 * returned; when that cannot be guaranteed the journal refuses further
 * appends until it is opened again. */
json_t *emocap_journal_append (EmocapJournal *journal, const char *type,
    json_t *fields, GError **error);

/* `seq` of the last entry, 0 for an empty journal. */
gint64 emocap_journal_get_seq (EmocapJournal *journal);

/* SHA-256 hex of the last line's bytes (the next entry's `prev`). */
const char *emocap_journal_get_head (EmocapJournal *journal);

const char *emocap_journal_get_path (EmocapJournal *journal);

/* If the journal at @path ends in an incomplete line (no newline: the
 * machine stopped while the line was being written, so it was never
 * acknowledged), appends those bytes to PATH.torn (0600, fsync'd), for
 * whoever wants to see them, and cuts them off the journal, so that it
 * can be opened again.  Nothing else is touched: complete lines that do
 * not verify are left for emocap_journal_open() to refuse.  *@cut (if not
 * NULL) gets the number of bytes moved, 0 when the journal ended cleanly.
 * EMOCAP_ERROR_IO if another process holds the journal. */
gboolean emocap_journal_cut_torn_tail (const char *path, gsize *cut,
    GError **error);

/* Unlocks and closes. */
void emocap_journal_close (EmocapJournal *journal);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapJournal, emocap_journal_close)

/* Checks every line of the journal at @path (an empty file is a valid
 * journal of zero entries; whether a session may have one is the caller's
 * business): well-formed canonical JSON
 * ending in a newline, `seq` counting up from 1, `prev` the SHA-256 of the
 * previous line (EMOCAP_JOURNAL_GENESIS for the first), a known `type`, an
 * `at` in RFC 3339 UTC with microseconds that never goes backwards, a
 * valid `sig` by @key over the entry's canonical bytes without `sig`, and
 * on every `session.closed` a checkpoint (`tree_size`, `root`) of the
 * lines before it.
 *
 * On failure: FALSE, EMOCAP_ERROR_VERIFY with a message that starts with
 * "PATH:LINE: " and says what is wrong, and *@bad_line (if not NULL) set to
 * the 1-based number of the first bad line.  On success, *@entries (if not
 * NULL) holds the parsed entries in order (a new array). */
gboolean emocap_journal_verify (const char *path, const EmocapKey *key,
    json_t **entries, guint *bad_line, GError **error);

/* Like emocap_journal_verify() on @len bytes at @data, named @name in
 * messages ("NAME:LINE: ...").  On success, *@head (if not NULL) gets the
 * SHA-256 hex of the last line (EMOCAP_JOURNAL_GENESIS for no entries),
 * free with g_free().  (emocap_journal_verify() itself fails with
 * EMOCAP_ERROR_NOT_FOUND for a missing file, EMOCAP_ERROR_IO if it cannot
 * be read.) */
gboolean emocap_journal_verify_data (const char *name, const void *data, gsize len,
    const EmocapKey *key, json_t **entries, char **head, guint *bad_line,
    GError **error);

/* Checks one journal line on its own (@len bytes, without its newline),
 * as it appears in an export package: canonical JSON, a known type, and a
 * valid `sig` by @key.  Its place in the chain is not checked (that is
 * what an inclusion proof is for).  On success the parsed entry in
 * *@entry (if not NULL); on failure EMOCAP_ERROR_VERIFY saying why. */
gboolean emocap_journal_verify_line (const char *line, gsize len, const EmocapKey *key,
    json_t **entry, GError **error);

/* The inclusion proof of entry @seq (1-based) in the Merkle tree of the
 * first @tree_size lines of the journal held in the @len bytes at @data
 * (which the caller has verified), as a JSON object:
 *   {"seq": SEQ, "leaf_index": SEQ - 1, "tree_size": N,
 *    "root": HEX, "hashes": [HEX, ...]}
 * so that one entry can be shown to be in a signed checkpoint without the
 * other lines.  NULL and EMOCAP_ERROR_NOT_FOUND if @seq is not within
 * 1..@tree_size, EMOCAP_ERROR_VERIFY if the journal has fewer lines. */
json_t *emocap_journal_inclusion_proof (const char *data, gsize len, gint64 seq,
    gint64 tree_size, GError **error);

/* Checks that the journal line @line (@len bytes, without its newline) is
 * entry `leaf_index` of the tree whose `tree_size` and `root` (hex) the
 * checkpoint holds, by the proof @proof made by
 * emocap_journal_inclusion_proof().  On failure: FALSE and
 * EMOCAP_ERROR_VERIFY saying what does not hold. */
gboolean emocap_journal_check_inclusion (const char *line, gsize len, const json_t *proof,
    gint64 tree_size, const char *root, GError **error);

G_END_DECLS
