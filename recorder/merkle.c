/* emocap: RFC 9162 Merkle trees over a session's journal lines
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <sodium.h>

#include <emocap/merkle.h>

void
emocap_merkle_leaf_hash (const void *data, gsize len, EmocapMerkleHash *out)
{
  crypto_hash_sha256_state state;
  static const guint8 prefix = 0x00;

  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (out != NULL);

  crypto_hash_sha256_init (&state);
  crypto_hash_sha256_update (&state, &prefix, 1);
  if (len > 0)
    crypto_hash_sha256_update (&state, data, (unsigned long long) len);
  crypto_hash_sha256_final (&state, out->bytes);
}

void
emocap_merkle_node_hash (const EmocapMerkleHash *left, const EmocapMerkleHash *right,
    EmocapMerkleHash *out)
{
  guint8 buf[1 + 2 * EMOCAP_SHA256_LEN];

  buf[0] = 0x01;
  memcpy (buf + 1, left->bytes, EMOCAP_SHA256_LEN);
  memcpy (buf + 1 + EMOCAP_SHA256_LEN, right->bytes, EMOCAP_SHA256_LEN);
  crypto_hash_sha256 (out->bytes, buf, sizeof buf);
}

/* The tree is built a level at a time from the leaves up: neighbours pair
 * off, and a level's odd last node moves up a level unchanged.  That is
 * the tree RFC 9162 defines top down (the left subtree always the largest
 * power of two below the size), without the recursion. */

void
emocap_merkle_root (const EmocapMerkleHash *leaves, gsize n, EmocapMerkleHash *out)
{
  g_autofree EmocapMerkleHash *level = NULL;

  g_return_if_fail (leaves != NULL || n == 0);
  g_return_if_fail (out != NULL);

  if (n == 0) {
    crypto_hash_sha256 (out->bytes, NULL, 0);
    return;
  }
  level = g_memdup2 (leaves, n * sizeof *leaves);
  while (n > 1) {
    gsize up = 0;

    for (gsize i = 0; i + 1 < n; i += 2)
      emocap_merkle_node_hash (&level[i], &level[i + 1], &level[up++]);
    if (n % 2)
      level[up++] = level[n - 1];
    n = up;
  }
  *out = level[0];
}

GArray *
emocap_merkle_inclusion_proof (const EmocapMerkleHash *leaves, gsize n, guint64 index)
{
  g_autofree EmocapMerkleHash *level = NULL;
  GArray *proof;

  g_return_val_if_fail (leaves != NULL, NULL);
  g_return_val_if_fail (index < n, NULL);

  proof = g_array_new (FALSE, FALSE, sizeof (EmocapMerkleHash));
  level = g_memdup2 (leaves, n * sizeof *leaves);
  while (n > 1) {
    gsize up = 0;

    /* A node that is its level's odd last one has no sibling there. */
    if (index % 2)
      g_array_append_val (proof, level[index - 1]);
    else if (index + 1 < n)
      g_array_append_val (proof, level[index + 1]);
    for (gsize i = 0; i + 1 < n; i += 2)
      emocap_merkle_node_hash (&level[i], &level[i + 1], &level[up++]);
    if (n % 2)
      level[up++] = level[n - 1];
    n = up;
    index /= 2;
  }
  return proof;
}

gboolean
emocap_merkle_verify_inclusion (const EmocapMerkleHash *leaf, guint64 index, guint64 size,
    const EmocapMerkleHash *proof, gsize n_proof, const EmocapMerkleHash *root)
{
  EmocapMerkleHash r;
  guint64 fn = index, sn;

  g_return_val_if_fail (leaf != NULL && root != NULL, FALSE);
  g_return_val_if_fail (proof != NULL || n_proof == 0, FALSE);

  if (index >= size)
    return FALSE;
  sn = size - 1;
  r = *leaf;
  for (gsize i = 0; i < n_proof; i++) {
    if (sn == 0)
      return FALSE;
    if ((fn & 1) || fn == sn) {
      emocap_merkle_node_hash (&proof[i], &r, &r);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      emocap_merkle_node_hash (&r, &proof[i], &r);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && sodium_memcmp (r.bytes, root->bytes, EMOCAP_SHA256_LEN) == 0;
}
