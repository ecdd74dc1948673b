/* emocap: SHA-256 digests (libsodium)
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EMOCAP_SHA256_LEN 32
#define EMOCAP_SHA256_HEX_LEN 64

/* Lower-case hex SHA-256 of @len bytes at @data; free with g_free(). */
char *emocap_sha256_hex (const void *data, gsize len);

/* Lower-case hex SHA-256 of the file at @path, read in chunks; its size in
 * @size_out if not NULL.  NULL with EMOCAP_ERROR_IO if it cannot be read. */
char *emocap_sha256_file_hex (const char *path, guint64 *size_out, GError **error);

/* Lower-case hex of @len bytes; free with g_free(). */
char *emocap_hex_encode (const guint8 *bytes, gsize len);

/* Decodes exactly @len bytes of hex (either case) from @hex into @out.
 * FALSE if @hex is not exactly 2 * @len hex digits. */
gboolean emocap_hex_decode (const char *hex, guint8 *out, gsize len);

/* TRUE if @s is exactly 64 lower-case hex digits. */
gboolean emocap_is_sha256_hex (const char *s);

G_END_DECLS
