/* emocap tests: helpers shared by the journal and key tests
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include <emocap/journal.h>
#include <emocap/keys.h>

G_BEGIN_DECLS

/* A new empty folder, removed with everything in it by test_tmpdir_free(). */
char *test_tmpdir_new (void);
void test_tmpdir_free (char *dir);

/* A signing key derived from a 32-byte @seed: the same key every run. */
EmocapKey *test_key_from_seed (const char *seed);

/* Appends the entries of a small session to @journal (session.opened with
 * the studio key, consent, take, withdrawal, close; nested members and
 * non-ASCII text) and returns how many. */
guint test_journal_fill (EmocapJournal *journal, const EmocapKey *key);

/* The lines of @data (without their newlines); a last line without a
 * newline is kept as it is. */
GPtrArray *test_split_lines (const char *data, gsize len);

/* @lines joined, each followed by a newline. */
char *test_join_lines (GPtrArray *lines, gsize *len_out);

/* Writes @len bytes to @path, failing the test if it cannot. */
void test_write_file (const char *path, const char *data, gsize len);

/* One canonical, signed journal line (no newline) built from @fields plus
 * seq, at, type and prev: what the recorder would write.  Used to forge
 * entries with another key or with values the recorder never picks. */
char *test_signed_line (const EmocapKey *key, json_t *fields, gint64 seq,
    const char *at, const char *type, const char *prev);

G_END_DECLS
