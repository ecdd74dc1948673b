/* emocap tests: helpers shared by the journal and key tests
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <emocap/keys.h>

G_BEGIN_DECLS

/* A new empty folder, removed with everything in it by test_tmpdir_free(). */
char *test_tmpdir_new (void);
void test_tmpdir_free (char *dir);

/* A signing key derived from a 32-byte @seed: the same key every run. */
EmocapKey *test_key_from_seed (const char *seed);

/* Writes @len bytes to @path, failing the test if it cannot. */
void test_write_file (const char *path, const char *data, gsize len);

G_END_DECLS
