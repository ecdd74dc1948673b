/* emocap tests: RFC 9162 Merkle trees and inclusion proofs
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <sodium.h>

#include <emocap/digest.h>
#include <emocap/merkle.h>

/* The library builds its trees bottom up; the reference here is the RFC's
 * own top-down definition, written as the RFC writes it (section 2.1.1:
 * MTH, 2.1.3.1: PATH), so that the two are independent. */

static gsize
largest_power_of_two_below (gsize n)
{
  gsize k = 1;

  while (k << 1 < n)
    k <<= 1;
  return k;
}

static void
reference_mth (const EmocapMerkleHash *leaves, gsize n, EmocapMerkleHash *out)
{
  EmocapMerkleHash left, right;
  gsize k;

  if (n == 0) {
    crypto_hash_sha256 (out->bytes, NULL, 0);
    return;
  }
  if (n == 1) {
    *out = leaves[0];
    return;
  }
  k = largest_power_of_two_below (n);
  reference_mth (leaves, k, &left);
  reference_mth (leaves + k, n - k, &right);
  emocap_merkle_node_hash (&left, &right, out);
}

/* PATH(m, D[n]), appended to @path. */
static void
reference_path (const EmocapMerkleHash *leaves, gsize n, gsize m, GArray *path)
{
  EmocapMerkleHash other;
  gsize k;

  if (n == 1)
    return;
  k = largest_power_of_two_below (n);
  if (m < k) {
    reference_path (leaves, k, m, path);
    reference_mth (leaves + k, n - k, &other);
  } else {
    reference_path (leaves + k, n - k, m - k, path);
    reference_mth (leaves, k, &other);
  }
  g_array_append_val (path, other);
}

static void
from_hex (const char *hex, EmocapMerkleHash *out)
{
  g_assert_true (emocap_hex_decode (hex, out->bytes, sizeof out->bytes));
}

static void
assert_hash_hex (const EmocapMerkleHash *hash, const char *hex)
{
  g_autofree char *got = emocap_hex_encode (hash->bytes, sizeof hash->bytes);

  g_assert_cmpstr (got, ==, hex);
}

/* The leaves and tree heads of Certificate Transparency's reference
 * implementation, which RFC 9162 trees share. */
static const struct {
  const char *data;
  gsize len;
} ct_leaves[] = {
  { "", 0 },
  { "\x00", 1 },
  { "\x10", 1 },
  { "\x20\x21", 2 },
  { "\x30\x31", 2 },
  { "\x40\x41\x42\x43", 4 },
  { "\x50\x51\x52\x53\x54\x55\x56\x57", 8 },
  { "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16 },
};

static const char *const ct_roots[] = {
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static const struct {
  guint64 index;
  const char *path[3];
} ct_proofs[] = {
  { 0, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
         "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
         "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
  { 5, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
         "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

static void
test_ct_vectors (void)
{
  EmocapMerkleHash leaves[G_N_ELEMENTS (ct_leaves)], root;

  for (gsize i = 0; i < G_N_ELEMENTS (ct_leaves); i++)
    emocap_merkle_leaf_hash (ct_leaves[i].data, ct_leaves[i].len, &leaves[i]);
  for (gsize n = 0; n <= G_N_ELEMENTS (ct_leaves); n++) {
    emocap_merkle_root (leaves, n, &root);
    assert_hash_hex (&root, ct_roots[n]);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (ct_proofs); i++) {
    g_autoptr (GArray) proof = emocap_merkle_inclusion_proof (leaves, 8, ct_proofs[i].index);

    g_assert_cmpuint (proof->len, ==, 3);
    for (guint j = 0; j < proof->len; j++)
      assert_hash_hex (&g_array_index (proof, EmocapMerkleHash, j), ct_proofs[i].path[j]);
    g_assert_true (emocap_merkle_verify_inclusion (&leaves[ct_proofs[i].index],
            ct_proofs[i].index, 8, (EmocapMerkleHash *) proof->data, proof->len, &root));
  }
}

/* Every tree of 1 to 64 leaves, every leaf: the root and the proof equal
 * the RFC's definitions, the proof verifies, and no altered proof,
 * index, leaf or root does. */
static void
test_every_size (void)
{
  enum { MAX = 64 };
  EmocapMerkleHash leaves[MAX];

  for (guint i = 0; i < MAX; i++) {
    char line[64];
    int len = g_snprintf (line, sizeof line, "{\"seq\":%u}", i + 1);

    emocap_merkle_leaf_hash (line, (gsize) len, &leaves[i]);
  }

  for (gsize n = 1; n <= MAX; n++) {
    EmocapMerkleHash root, expected_root;

    emocap_merkle_root (leaves, n, &root);
    reference_mth (leaves, n, &expected_root);
    g_assert_cmpmem (root.bytes, sizeof root.bytes, expected_root.bytes,
        sizeof expected_root.bytes);

    for (gsize m = 0; m < n; m++) {
      g_autoptr (GArray) proof = emocap_merkle_inclusion_proof (leaves, n, m);
      g_autoptr (GArray) expected = g_array_new (FALSE, FALSE, sizeof (EmocapMerkleHash));
      EmocapMerkleHash *p = (EmocapMerkleHash *) proof->data;
      EmocapMerkleHash other_root;

      reference_path (leaves, n, m, expected);
      g_assert_cmpuint (proof->len, ==, expected->len);
      g_assert_cmpmem (proof->data, proof->len * sizeof *p, expected->data,
          expected->len * sizeof *p);
      g_assert_true (emocap_merkle_verify_inclusion (&leaves[m], m, n, p, proof->len,
              &root));

      /* Another leaf, another index, an index beyond the size.  (A
       * different size can lead to the same root for some leaves: the
       * size is bound by the signed checkpoint that holds both.) */
      g_assert_false (emocap_merkle_verify_inclusion (&leaves[(m + 1) % MAX], m, n, p,
              proof->len, &root));
      if (n > 1)
        g_assert_false (emocap_merkle_verify_inclusion (&leaves[m], (m + 1) % n, n, p,
                proof->len, &root));
      g_assert_false (emocap_merkle_verify_inclusion (&leaves[m], m + n, n, p, proof->len,
              &root));
      /* Another root: that of one leaf more (one fewer for the largest
       * tree, which has no leaf beyond it). */
      emocap_merkle_root (leaves, n < MAX ? n + 1 : n - 1, &other_root);
      g_assert_false (emocap_merkle_verify_inclusion (&leaves[m], m, n, p, proof->len,
              &other_root));
      /* A proof one hash short, or one too long. */
      if (proof->len > 0)
        g_assert_false (emocap_merkle_verify_inclusion (&leaves[m], m, n, p,
                proof->len - 1, &root));
      {
        g_autoptr (GArray) longer = g_array_copy (proof);

        g_array_append_val (longer, leaves[0]);
        g_assert_false (emocap_merkle_verify_inclusion (&leaves[m], m, n,
                (EmocapMerkleHash *) longer->data, longer->len, &root));
      }
      /* Any one bit of any hash of the proof flipped. */
      for (guint j = 0; j < proof->len; j++) {
        for (guint bit = 0; bit < 8 * EMOCAP_SHA256_LEN; bit += 37) {
          p[j].bytes[bit / 8] ^= (guint8) (1u << (bit % 8));
          g_assert_false (emocap_merkle_verify_inclusion (&leaves[m], m, n, p,
                  proof->len, &root));
          p[j].bytes[bit / 8] ^= (guint8) (1u << (bit % 8));
        }
      }
    }
  }
}

/* Leaf and node hashes cannot be mistaken for each other: a leaf whose
 * bytes are two hashes side by side is not the node over them. */
static void
test_domain_separation (void)
{
  EmocapMerkleHash a, b, node, leaf;
  guint8 both[2 * EMOCAP_SHA256_LEN];

  from_hex (ct_roots[1], &a);
  from_hex (ct_roots[2], &b);
  emocap_merkle_node_hash (&a, &b, &node);
  memcpy (both, a.bytes, sizeof a.bytes);
  memcpy (both + sizeof a.bytes, b.bytes, sizeof b.bytes);
  emocap_merkle_leaf_hash (both, sizeof both, &leaf);
  g_assert_false (memcmp (leaf.bytes, node.bytes, sizeof leaf.bytes) == 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/merkle/ct-vectors", test_ct_vectors);
  g_test_add_func ("/merkle/every-size", test_every_size);
  g_test_add_func ("/merkle/domain-separation", test_domain_separation);
  return g_test_run ();
}
