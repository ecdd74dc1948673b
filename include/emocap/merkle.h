/* emocap: RFC 9162 Merkle trees over a session's journal lines
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <emocap/digest.h>

G_BEGIN_DECLS

/* A SHA-256 hash in a tree: a leaf's or an interior node's. */
typedef struct {
  guint8 bytes[EMOCAP_SHA256_LEN];
} EmocapMerkleHash;

/* The leaf hash of @len bytes at @data: SHA-256(0x00 || data). */
void emocap_merkle_leaf_hash (const void *data, gsize len, EmocapMerkleHash *out);

/* An interior node: SHA-256(0x01 || left || right). */
void emocap_merkle_node_hash (const EmocapMerkleHash *left, const EmocapMerkleHash *right,
    EmocapMerkleHash *out);

/* The root (RFC 9162 MTH) of the tree over the @n leaf hashes at @leaves.
 * The root of the empty tree is SHA-256 of nothing. */
void emocap_merkle_root (const EmocapMerkleHash *leaves, gsize n, EmocapMerkleHash *out);

/* The inclusion proof (RFC 9162 PATH, leaf side first) of leaf @index in
 * the tree over the @n leaf hashes at @leaves: an array of
 * EmocapMerkleHash, at most 64 long.  @index must be below @n. */
GArray *emocap_merkle_inclusion_proof (const EmocapMerkleHash *leaves, gsize n,
    guint64 index);

/* Checks an inclusion proof as RFC 9162 section 2.1.3.2 does: TRUE if
 * the @n_proof hashes at @proof lead from @leaf, leaf @index of a tree of
 * @size leaves, to @root. */
gboolean emocap_merkle_verify_inclusion (const EmocapMerkleHash *leaf, guint64 index,
    guint64 size, const EmocapMerkleHash *proof, gsize n_proof,
    const EmocapMerkleHash *root);

G_END_DECLS
