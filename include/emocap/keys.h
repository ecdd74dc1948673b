/* emocap: the studio's Ed25519 signing key (libsodium)
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EMOCAP_PUBLIC_KEY_LEN 32
#define EMOCAP_SECRET_KEY_LEN 64
#define EMOCAP_SIGNATURE_LEN 64

/**
 * EmocapKey:
 * @public_key: Ed25519 public key
 * @secret_key: Ed25519 secret key (libsodium layout), only if @has_secret
 * @has_secret: whether this key can sign
 *
 * On disk, `keys/studio.key` holds the secret key and `keys/studio.pub`
 * the public key, each as one line of lower-case hex; the secret key file
 * is mode 0600 and its folder 0700.
 */
typedef struct {
  guint8 public_key[EMOCAP_PUBLIC_KEY_LEN];
  guint8 secret_key[EMOCAP_SECRET_KEY_LEN];
  gboolean has_secret;
} EmocapKey;

/* Loads `studio.key` and `studio.pub` from @keys_dir, creating the folder
 * (0700) and a new key pair (key 0600) on first use.  Refuses a secret key
 * file readable by group or others, and a pair that does not match. */
EmocapKey *emocap_key_load_or_create (const char *keys_dir, GError **error);

/* Loads a public key only (a `studio.pub` file: one line of hex). */
EmocapKey *emocap_key_load_public (const char *path, GError **error);

/* Lower-case hex of the public key; free with g_free(). */
char *emocap_key_public_hex (const EmocapKey *key);

/* Detached Ed25519 signature of @data, as lower-case hex; free with g_free().
 * The key must have its secret part. */
char *emocap_key_sign_hex (const EmocapKey *key, const void *data, gsize len);

/* TRUE if @sig_hex is a valid signature of @data by @key. */
gboolean emocap_key_verify_hex (const EmocapKey *key, const void *data, gsize len,
    const char *sig_hex);

/* Wipes the secret part and frees @key. */
void emocap_key_free (EmocapKey *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapKey, emocap_key_free)

G_END_DECLS
