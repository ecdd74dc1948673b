/* emocap tests: the watermark payload (CRC, convolutional code, Viterbi
 * decoder), the watermark key and the tag of a take
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <float.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/watermark.h>

#define TRIALS 200

/* Noise on the coded values (signal ±1) that flips about 11 % of them
 * on hard decision: Q(1 / 0.82) = 0.111. */
#define CHANNEL_SIGMA 0.82

static guint64
random_tag (void)
{
  return (guint64) (guint32) g_test_rand_int () << 32 | (guint32) g_test_rand_int ();
}

/* Box–Muller: one standard normal value. */
static double
random_gaussian (void)
{
  double u1 = 1.0 - g_test_rand_double ();
  double u2 = g_test_rand_double ();

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

static void
modulate (const guint8 coded[EMOCAP_WM_CODED_BITS], float soft[EMOCAP_WM_CODED_BITS])
{
  for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++)
    soft[i] = coded[i] ? 1.f : -1.f;
}

static int
count_differences (const guint8 *a, const guint8 *b, gsize len)
{
  int n = 0;

  for (gsize i = 0; i < len; i++)
    n += a[i] != b[i];
  return n;
}

/* ── CRC and encoder ─────────────────────────────────────────────────── */

static void
test_crc (void)
{
  static const guint8 zeros[8] = { 0 };
  static const guint8 tag[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

  g_assert_cmphex (emocap_wm_crc16 ((const guint8 *) "123456789", 9), ==, 0x29b1);
  g_assert_cmphex (emocap_wm_crc16 (NULL, 0), ==, 0xffff);
  g_assert_cmphex (emocap_wm_crc16 (zeros, sizeof zeros), ==, 0x313e);
  g_assert_cmphex (emocap_wm_crc16 (tag, sizeof tag), ==, 0x986b);
}

static void
test_encode_structure (void)
{
  /* The generators, most significant bit (the current input) first. */
  static const char *const generators[3] = { "1011011", "1111001", "1110101" };
  guint8 coded[EMOCAP_WM_CODED_BITS];
  guint8 a[EMOCAP_WM_CODED_BITS], b[EMOCAP_WM_CODED_BITS];
  guint8 c[EMOCAP_WM_CODED_BITS], abc[EMOCAP_WM_CODED_BITS];
  guint16 crc;

  g_assert_cmpint (EMOCAP_WM_CODED_BITS, ==, 258);

  /* Every value written, and each 0 or 1. */
  memset (coded, 0x55, sizeof coded);
  emocap_wm_encode (G_GUINT64_CONSTANT (0x0123456789abcdef), coded);
  for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++)
    g_assert_cmpuint (coded[i], <=, 1);

  /* A single 1 first: the impulse response is the three generators read
   * from the current input back, interleaved; then zeros until the CRC. */
  emocap_wm_encode (G_GUINT64_CONSTANT (1) << 63, coded);
  for (int t = 0; t < EMOCAP_WM_CODE_K; t++) {
    for (int k = 0; k < 3; k++)
      g_assert_cmpuint (coded[3 * t + k], ==, generators[k][t] - '0');
  }
  for (int i = 3 * EMOCAP_WM_CODE_K; i < 3 * EMOCAP_WM_TAG_BITS; i++)
    g_assert_cmpuint (coded[i], ==, 0);

  /* Tag 0 from state 0 gives zeros; its CRC (0x313e) does not. */
  emocap_wm_encode (0, coded);
  for (int i = 0; i < 3 * EMOCAP_WM_TAG_BITS; i++)
    g_assert_cmpuint (coded[i], ==, 0);
  g_assert_cmpint (count_differences (coded, (guint8[EMOCAP_WM_CODED_BITS]) { 0 },
      EMOCAP_WM_CODED_BITS), >, 0);

  for (int n = 0; n < TRIALS; n++) {
    guint64 ta = random_tag (), tb = random_tag (), tc = random_tag ();
    guint8 bytes[8];

    /* The tag's MSB alone decides the first three values. */
    emocap_wm_encode (ta, a);
    for (int k = 0; k < 3; k++)
      g_assert_cmpuint (a[k], ==, ta >> 63);

    /* In the last step only the CRC's last bit is still in the register,
     * under the generators' last tap, which is 1 in all three. */
    for (int i = 0; i < 8; i++)
      bytes[i] = (guint8) (ta >> (56 - 8 * i));
    crc = emocap_wm_crc16 (bytes, sizeof bytes);
    for (int k = 0; k < 3; k++)
      g_assert_cmpuint (a[EMOCAP_WM_CODED_BITS - 3 + k], ==, crc & 1);

    /* CRC and code are linear over GF(2) up to the CRC's initial value:
     * the codeword map is affine, so any three codewords add up to the
     * codeword of the three tags added up. */
    emocap_wm_encode (tb, b);
    emocap_wm_encode (tc, c);
    emocap_wm_encode (ta ^ tb ^ tc, abc);
    for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++)
      g_assert_cmpuint (a[i] ^ b[i] ^ c[i], ==, abc[i]);
  }
}

/* ── decoder ─────────────────────────────────────────────────────────── */

static void
test_round_trip (void)
{
  static const float scales[] = { 1.f, 1e30f, 1e-30f, FLT_MAX, FLT_MIN };
  guint8 coded[EMOCAP_WM_CODED_BITS];
  float soft[EMOCAP_WM_CODED_BITS];

  for (int n = 0; n < TRIALS; n++) {
    guint64 tag = random_tag ();
    guint64 got = 0;

    emocap_wm_encode (tag, coded);
    modulate (coded, soft);
    g_assert_true (emocap_wm_decode (soft, &got));
    g_assert_cmphex (got, ==, tag);
  }

  /* Only the signs and the ratios of the values matter. */
  for (gsize s = 0; s < G_N_ELEMENTS (scales); s++) {
    guint64 tag = random_tag ();
    guint64 got = 0;

    emocap_wm_encode (tag, coded);
    modulate (coded, soft);
    for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++)
      soft[i] *= scales[s];
    g_assert_true (emocap_wm_decode (soft, &got));
    g_assert_cmphex (got, ==, tag);
  }

  /* Edge tags. */
  {
    static const guint64 tags[] = {
      0, G_MAXUINT64, G_GUINT64_CONSTANT (1), G_GUINT64_CONSTANT (1) << 63,
      G_GUINT64_CONSTANT (0xaaaaaaaaaaaaaaaa),
    };
    for (gsize i = 0; i < G_N_ELEMENTS (tags); i++) {
      guint64 got = 0;

      emocap_wm_encode (tags[i], coded);
      modulate (coded, soft);
      g_assert_true (emocap_wm_decode (soft, &got));
      g_assert_cmphex (got, ==, tags[i]);
    }
  }
}

typedef struct {
  int trials;
  int decoded;          /* CRC passed with the tag sent */
  int wrong;            /* CRC passed with another tag */
  long channel_errors;  /* coded values of the wrong sign, all trials */
  long corrected;       /* of those, in trials that decoded */
  int max_corrected;    /* most channel errors in one decoded trial */
} ChannelStats;

/* @trials random tags over BPSK with Gaussian noise of deviation @sigma. */
static void
run_channel (double sigma, int trials, ChannelStats *stats)
{
  guint8 coded[EMOCAP_WM_CODED_BITS], received[EMOCAP_WM_CODED_BITS];
  float soft[EMOCAP_WM_CODED_BITS];

  memset (stats, 0, sizeof *stats);
  stats->trials = trials;
  for (int n = 0; n < trials; n++) {
    guint64 tag = random_tag ();
    guint64 got = 0;
    int errors;

    emocap_wm_encode (tag, coded);
    modulate (coded, soft);
    for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++) {
      soft[i] += (float) (sigma * random_gaussian ());
      received[i] = soft[i] > 0.f;
    }
    errors = count_differences (coded, received, EMOCAP_WM_CODED_BITS);
    stats->channel_errors += errors;

    if (!emocap_wm_decode (soft, &got))
      continue;
    if (got != tag) {
      stats->wrong++;
      continue;
    }
    stats->decoded++;
    stats->corrected += errors;
    stats->max_corrected = MAX (stats->max_corrected, errors);
  }
}

static double
coded_ber (const ChannelStats *stats)
{
  return (double) stats->channel_errors / ((double) stats->trials * EMOCAP_WM_CODED_BITS);
}

static void
print_channel (double sigma, const ChannelStats *stats)
{
  double es_n0 = 1.0 / (2.0 * sigma * sigma);
  /* Energy per tag bit: 258 coded values carry 64 of them. */
  double eb_n0 = es_n0 * EMOCAP_WM_CODED_BITS / EMOCAP_WM_TAG_BITS;

  g_test_message ("sigma %.2f: Es/N0 %.2f dB, Eb/N0 %.2f dB per tag bit; "
      "coded BER %.2f %%; decoded %d/%d (%.1f %%), wrong tag %d; "
      "channel errors corrected %ld/%ld (%.1f %%), up to %d in one codeword",
      sigma, 10 * log10 (es_n0), 10 * log10 (eb_n0), 100 * coded_ber (stats),
      stats->decoded, stats->trials, 100.0 * stats->decoded / stats->trials,
      stats->wrong, stats->corrected, stats->channel_errors,
      100.0 * stats->corrected / MAX (stats->channel_errors, 1),
      stats->max_corrected);
}

static void
test_noisy (void)
{
  ChannelStats stats;

  run_channel (CHANNEL_SIGMA, TRIALS, &stats);
  print_channel (CHANNEL_SIGMA, &stats);

  /* The channel is as bad as intended: 11 % ± 1.4 % is about 10 sigmas
   * of the estimate over 51600 values. */
  g_assert_cmpfloat (coded_ber (&stats), >=, 0.097);
  g_assert_cmpfloat (coded_ber (&stats), <=, 0.125);
  g_assert_cmpint (stats.decoded, >=, TRIALS * 95 / 100);
  g_assert_cmpint (stats.wrong, ==, 0);

  /* Some 29 wrong values per codeword, nearly all of them put right. */
  g_assert_cmpfloat ((double) stats.channel_errors / TRIALS, >=, 20.0);
  g_assert_cmpfloat ((double) stats.corrected / stats.channel_errors, >=, 0.95);
  g_assert_cmpint (stats.max_corrected, >=, 35);
}

static void
test_noisier (void)
{
  ChannelStats stats;

  /* 16 % of the values wrong: most codewords still decode, and the CRC
   * keeps out the ones that do not. */
  run_channel (1.0, TRIALS, &stats);
  print_channel (1.0, &stats);
  g_assert_cmpfloat (coded_ber (&stats), >=, 0.14);
  g_assert_cmpint (stats.decoded, >=, TRIALS / 2);
  g_assert_cmpint (stats.wrong, ==, 0);
}

/* Sets @count values chosen at random, all different, to 0. */
static void
erase (float soft[EMOCAP_WM_CODED_BITS], int count)
{
  int order[EMOCAP_WM_CODED_BITS];

  for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++)
    order[i] = i;
  for (int i = 0; i < count; i++) {
    int j = g_test_rand_int_range (i, EMOCAP_WM_CODED_BITS);
    int swap = order[i];

    order[i] = order[j];
    order[j] = swap;
    soft[order[i]] = 0.f;
  }
}

static void
test_erasures (void)
{
  static const int percents[] = { 5, 10, 20 };
  guint8 coded[EMOCAP_WM_CODED_BITS];
  float soft[EMOCAP_WM_CODED_BITS];

  for (gsize p = 0; p < G_N_ELEMENTS (percents); p++) {
    int count = EMOCAP_WM_CODED_BITS * percents[p] / 100;
    int decoded = 0;

    for (int n = 0; n < TRIALS; n++) {
      guint64 tag = random_tag ();
      guint64 got = 0;

      emocap_wm_encode (tag, coded);
      modulate (coded, soft);
      erase (soft, count);
      if (emocap_wm_decode (soft, &got)) {
        g_assert_cmphex (got, ==, tag);
        decoded++;
      }
    }
    g_test_message ("%d %% erased (%d values): decoded %d/%d", percents[p],
        count, decoded, TRIALS);
    g_assert_cmpint (decoded, ==, TRIALS);
  }
}

static void
test_non_finite (void)
{
  guint8 coded[EMOCAP_WM_CODED_BITS];
  float soft[EMOCAP_WM_CODED_BITS];
  guint64 tag = random_tag ();
  guint64 got = 0;

  /* Values that are not numbers are erasures, not votes. */
  emocap_wm_encode (tag, coded);
  modulate (coded, soft);
  for (int i = 0; i < 30; i++) {
    int at = 7 * i + 3;
    soft[at] = i % 3 == 0 ? NAN : i % 3 == 1 ? INFINITY : -INFINITY;
  }
  g_assert_true (emocap_wm_decode (soft, &got));
  g_assert_cmphex (got, ==, tag);

  /* Full-scale values that agree with the codeword do not wipe out the
   * ordinary ones... */
  modulate (coded, soft);
  for (int i = 100; i < 103; i++)
    soft[i] = coded[i] ? FLT_MAX : -FLT_MAX;
  g_assert_true (emocap_wm_decode (soft, &got));
  g_assert_cmphex (got, ==, tag);

  /* ...and a few wild ones that disagree do not outvote them. */
  modulate (coded, soft);
  for (int i = 30; i < EMOCAP_WM_CODED_BITS; i += 100)
    soft[i] = coded[i] ? -1e30f : 1e30f;
  g_assert_true (emocap_wm_decode (soft, &got));
  g_assert_cmphex (got, ==, tag);

  /* Nothing to go on: no tag. */
  for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++)
    soft[i] = NAN;
  g_assert_false (emocap_wm_decode (soft, &got));
  memset (soft, 0, sizeof soft);
  g_assert_false (emocap_wm_decode (soft, &got));
}

static void
test_noise_only (void)
{
  enum { NOISE_TRIALS = 2000 };
  float soft[EMOCAP_WM_CODED_BITS];
  int passes = 0;

  for (int n = 0; n < NOISE_TRIALS; n++) {
    guint64 got = 0;

    for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++)
      soft[i] = (float) random_gaussian ();
    passes += emocap_wm_decode (soft, &got);
  }
  g_test_message ("noise only: %d of %d passed the CRC (%.3f expected)", passes,
      NOISE_TRIALS, NOISE_TRIALS / 65536.0);
  /* A 16-bit check passes 2^-16 of them: 0.03 expected, and 4 or more
   * once in 30 million runs.  An 8-bit check (7.8 expected) fails this
   * in 95 % of runs, an unchecked decoder always. */
  g_assert_cmpint (passes, <=, 3);
}

/* ── key and tag ─────────────────────────────────────────────────────── */

typedef struct {
  char *tmp;
  char *keys_dir;
  char *key_path;
} Fixture;

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL) {
    const char *name;
    while ((name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
          !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
    g_dir_close (dir);
  }
  g_rmdir (path);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->tmp = g_dir_make_tmp ("emocap-watermark-XXXXXX", &error);
  g_assert_no_error (error);
  /* Two levels that do not exist yet: created on first use. */
  f->keys_dir = g_build_filename (f->tmp, "archive", "keys", NULL);
  f->key_path = g_build_filename (f->keys_dir, "watermark.key", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->keys_dir);
  g_free (f->key_path);
}

static mode_t
file_mode (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
write_key_text (const char *path, const char *text, gsize len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents_full (path, text, (gssize) len,
      G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
  g_assert_no_error (error);
}

static void
test_key_create (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *hex = NULL;
  guint8 key[EMOCAP_WM_KEY_LEN], again[EMOCAP_WM_KEY_LEN], loaded[EMOCAP_WM_KEY_LEN];
  guint8 zeros[EMOCAP_WM_KEY_LEN] = { 0 };
  gsize len = 0;

  g_assert_true (emocap_wm_key_load_or_create (f->keys_dir, key, &error));
  g_assert_no_error (error);
  g_assert_cmpint (file_mode (f->tmp), ==, 0700);
  g_assert_cmpint (file_mode (f->keys_dir), ==, 0700);
  g_assert_cmpint (file_mode (f->key_path), ==, 0600);
  g_assert_true (memcmp (key, zeros, sizeof key) != 0);

  /* One line of lower-case hex: the key. */
  g_assert_true (g_file_get_contents (f->key_path, &text, &len, &error));
  g_assert_no_error (error);
  hex = emocap_hex_encode (key, sizeof key);
  g_assert_cmpuint (len, ==, 2 * EMOCAP_WM_KEY_LEN + 1);
  g_assert_cmpint (strncmp (text, hex, 2 * EMOCAP_WM_KEY_LEN), ==, 0);
  g_assert_cmpint (text[2 * EMOCAP_WM_KEY_LEN], ==, '\n');

  /* Loading again gives the same key and replaces nothing. */
  g_assert_true (emocap_wm_key_load_or_create (f->keys_dir, again, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (again, sizeof again, key, sizeof key);
  g_assert_true (emocap_wm_key_load (f->key_path, loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (loaded, sizeof loaded, key, sizeof key);

  /* Upper-case hex, as an editor may leave it, is the same key. */
  {
    g_autofree char *upper = g_ascii_strup (text, -1);
    write_key_text (f->key_path, upper, strlen (upper));
    g_assert_true (emocap_wm_key_load (f->key_path, loaded, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (loaded, sizeof loaded, key, sizeof key);
  }
}

static void
test_key_other_archive (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *other_dir = g_build_filename (f->tmp, "other", "keys", NULL);
  guint8 key[EMOCAP_WM_KEY_LEN], other[EMOCAP_WM_KEY_LEN];

  g_assert_true (emocap_wm_key_load_or_create (f->keys_dir, key, &error));
  g_assert_no_error (error);
  g_assert_true (emocap_wm_key_load_or_create (other_dir, other, &error));
  g_assert_no_error (error);
  g_assert_true (memcmp (key, other, sizeof key) != 0);
}

static void
test_key_mode_refused (Fixture *f, gconstpointer data)
{
  static const mode_t modes[] = { 0644, 0640, 0604, 0620, 0660, 0602 };
  g_autoptr (GError) error = NULL;
  g_autofree char *fix = g_strdup_printf ("run 'chmod 600 %s'", f->key_path);
  g_autofree char *quoted = g_strdup_printf ("watermark key '%s'", f->key_path);
  guint8 key[EMOCAP_WM_KEY_LEN], refused[EMOCAP_WM_KEY_LEN], fixed[EMOCAP_WM_KEY_LEN];

  g_assert_true (emocap_wm_key_load_or_create (f->keys_dir, key, &error));
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++) {
    g_autofree char *mode = g_strdup_printf ("(mode %04o)", (unsigned) modes[i]);

    g_assert_cmpint (g_chmod (f->key_path, modes[i]), ==, 0);
    g_assert_false (emocap_wm_key_load_or_create (f->keys_dir, refused, &error));
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO);
    g_assert_nonnull (strstr (error->message, quoted));
    g_assert_nonnull (strstr (error->message, mode));
    g_assert_nonnull (strstr (error->message, fix));
    g_clear_error (&error);

    /* Neither does `emocap detect --key` take it. */
    g_assert_false (emocap_wm_key_load (f->key_path, refused, &error));
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO);
    g_assert_nonnull (strstr (error->message, fix));
    g_clear_error (&error);
  }

  /* Once fixed, the same key loads. */
  g_assert_cmpint (g_chmod (f->key_path, 0600), ==, 0);
  g_assert_true (emocap_wm_key_load_or_create (f->keys_dir, fixed, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (fixed, sizeof fixed, key, sizeof key);
}

static void
test_key_malformed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *padded = NULL;
  guint8 key[EMOCAP_WM_KEY_LEN], refused[EMOCAP_WM_KEY_LEN];
  struct {
    const char *what;
    char *text;
    const char *message;
  } cases[7];

  g_assert_true (emocap_wm_key_load_or_create (f->keys_dir, key, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (f->key_path, &text, NULL, &error));
  g_assert_no_error (error);

  cases[0].what = "not hex";
  cases[0].text = g_strdup ("this is not a watermark key\n");
  cases[0].message = "character 1 is not a hex digit";
  cases[1].what = "one digit short";
  cases[1].text = g_strconcat ("", text + 1, NULL);
  cases[1].message = "63 hex digits, expected 64";
  cases[2].what = "one digit more";
  cases[2].text = g_strconcat ("0", text, NULL);
  cases[2].message = "65 hex digits, expected 64";
  cases[3].what = "two lines";
  cases[3].text = g_strconcat (text, text, NULL);
  cases[3].message = "found more after it";
  cases[4].what = "empty";
  cases[4].text = g_strdup ("");
  cases[4].message = "0 hex digits, expected 64";
  cases[5].what = "CRLF";
  cases[5].text = g_strndup (text, 2 * EMOCAP_WM_KEY_LEN + 2);
  cases[5].text[2 * EMOCAP_WM_KEY_LEN] = '\r';
  cases[5].text[2 * EMOCAP_WM_KEY_LEN + 1] = '\n';
  cases[5].message = "character 65 is not a hex digit";
  /* Far too long: refused before it is read whole. */
  padded = g_strnfill (4096, 'a');
  cases[6].what = "huge";
  cases[6].text = g_strdup (padded);
  cases[6].message = "far longer than a key";

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_test_message ("case: %s", cases[i].what);
    write_key_text (f->key_path, cases[i].text, strlen (cases[i].text));
    g_assert_false (emocap_wm_key_load_or_create (f->keys_dir, refused, &error));
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "is malformed"));
    g_assert_nonnull (strstr (error->message, cases[i].message));
    g_assert_nonnull (strstr (error->message, f->key_path));
    g_clear_error (&error);
    g_assert_false (emocap_wm_key_load (f->key_path, refused, &error));
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED);
    g_clear_error (&error);
    g_free (cases[i].text);
  }

  /* A malformed key is reported, never silently replaced. */
  {
    g_autofree char *now = NULL;
    g_assert_true (g_file_get_contents (f->key_path, &now, NULL, &error));
    g_assert_cmpstr (now, ==, padded);
  }
}

static void
test_key_missing (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->tmp, "nope.key", NULL);
  guint8 key[EMOCAP_WM_KEY_LEN];

  g_assert_false (emocap_wm_key_load (missing, key, &error));
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* Loading alone creates nothing. */
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));

  /* A folder where the key should be. */
  g_assert_cmpint (g_mkdir_with_parents (f->key_path, 0700), ==, 0);
  g_assert_false (emocap_wm_key_load (f->key_path, key, &error));
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
}

/* Each child loads or creates the key once the parent lets them all go,
 * and sends back the key it got. */
static void
test_key_concurrent (Fixture *f, gconstpointer data)
{
  enum { ROUNDS = 20, CHILDREN = 4 };

  for (int round = 0; round < ROUNDS; round++) {
    g_autofree char *dir = g_strdup_printf ("%s/round-%d/keys", f->tmp, round);
    guint8 got[CHILDREN][EMOCAP_WM_KEY_LEN];
    pid_t pids[CHILDREN];
    int results[CHILDREN][2];
    int go[2];
    GDir *listing;
    const char *name;
    int files = 0;

    g_assert_cmpint (pipe (go), ==, 0);
    for (int c = 0; c < CHILDREN; c++) {
      g_assert_cmpint (pipe (results[c]), ==, 0);
      pids[c] = fork ();
      g_assert_cmpint (pids[c], >=, 0);
      if (pids[c] == 0) {
        guint8 key[EMOCAP_WM_KEY_LEN];
        char byte;

        close (go[1]);
        /* Blocks until the parent closes its end. */
        if (read (go[0], &byte, 1) < 0)
          _exit (2);
        if (!emocap_wm_key_load_or_create (dir, key, NULL))
          _exit (1);
        if (write (results[c][1], key, sizeof key) != sizeof key)
          _exit (2);
        _exit (0);
      }
      close (results[c][1]);
    }
    close (go[0]);
    close (go[1]);

    for (int c = 0; c < CHILDREN; c++) {
      int status = 0;
      gsize len = 0;

      while (len < EMOCAP_WM_KEY_LEN) {
        ssize_t n = read (results[c][0], got[c] + len, EMOCAP_WM_KEY_LEN - len);
        if (n <= 0)
          break;
        len += (gsize) n;
      }
      close (results[c][0]);
      g_assert_cmpint (waitpid (pids[c], &status, 0), ==, pids[c]);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
      g_assert_cmpuint (len, ==, EMOCAP_WM_KEY_LEN);
    }
    for (int c = 1; c < CHILDREN; c++)
      g_assert_cmpmem (got[c], EMOCAP_WM_KEY_LEN, got[0], EMOCAP_WM_KEY_LEN);

    {
      g_autoptr (GError) error = NULL;
      guint8 key[EMOCAP_WM_KEY_LEN];
      g_assert_true (emocap_wm_key_load_or_create (dir, key, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (key, sizeof key, got[0], EMOCAP_WM_KEY_LEN);
    }

    /* One key and no temporary files left. */
    listing = g_dir_open (dir, 0, NULL);
    g_assert_nonnull (listing);
    while ((name = g_dir_read_name (listing)) != NULL) {
      g_assert_cmpstr (name, ==, "watermark.key");
      files++;
    }
    g_dir_close (listing);
    g_assert_cmpint (files, ==, 1);
  }
}

static void
test_tag (void)
{
  guint8 key[EMOCAP_WM_KEY_LEN], other[EMOCAP_WM_KEY_LEN];
  guint64 tag;

  for (int i = 0; i < EMOCAP_WM_KEY_LEN; i++)
    key[i] = (guint8) i;
  memcpy (other, key, sizeof other);
  other[31] ^= 1;

  /* BLAKE2b-64 keyed with @key over "emocap-watermark-tag-v1\0S/T",
   * big-endian: known answers, so the tag of a take never changes. */
  tag = emocap_wm_tag (key, "2026-03-14-studio-a", "001-joy-r01");
  g_assert_cmphex (tag, ==, G_GUINT64_CONSTANT (0x98f3483c66120fa4));
  g_assert_cmphex (emocap_wm_tag (key, "S", "T"), ==,
      G_GUINT64_CONSTANT (0x57ce92c089d6577d));
  g_assert_cmphex (emocap_wm_tag (key, "2026-03-14-studio-a", "001-joy-r01"), ==, tag);

  /* Per session, per take, per key. */
  g_assert_cmphex (emocap_wm_tag (key, "2026-03-14-studio-b", "001-joy-r01"), !=, tag);
  g_assert_cmphex (emocap_wm_tag (key, "2026-03-14-studio-a", "001-joy-r02"), !=, tag);
  g_assert_cmphex (emocap_wm_tag (key, "2026-03-14-studio-a", "002-joy-r01"), !=, tag);
  g_assert_cmphex (emocap_wm_tag (other, "2026-03-14-studio-a", "001-joy-r01"), !=, tag);
  g_assert_cmphex (emocap_wm_tag (key, "001-joy-r01", "2026-03-14-studio-a"), !=, tag);

  /* Many takes of one session: all different. */
  {
    g_autoptr (GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal,
        g_free, NULL);
    for (int t = 0; t < 1000; t++) {
      g_autofree char *take = g_strdup_printf ("%03d-joy-r01", t);
      gint64 *value = g_new (gint64, 1);

      *value = (gint64) emocap_wm_tag (key, "2026-03-14-studio-a", take);
      g_assert_false (g_hash_table_contains (seen, value));
      g_hash_table_add (seen, value);
    }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/watermark/code/crc", test_crc);
  g_test_add_func ("/watermark/code/encode-structure", test_encode_structure);
  g_test_add_func ("/watermark/code/round-trip", test_round_trip);
  g_test_add_func ("/watermark/code/noisy", test_noisy);
  g_test_add_func ("/watermark/code/noisier", test_noisier);
  g_test_add_func ("/watermark/code/erasures", test_erasures);
  g_test_add_func ("/watermark/code/non-finite", test_non_finite);
  g_test_add_func ("/watermark/code/noise-only", test_noise_only);
  g_test_add_func ("/watermark/tag", test_tag);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/watermark/key/create", test_key_create);
  ADD ("/watermark/key/other-archive", test_key_other_archive);
  ADD ("/watermark/key/mode-refused", test_key_mode_refused);
  ADD ("/watermark/key/malformed", test_key_malformed);
  ADD ("/watermark/key/missing", test_key_missing);
  ADD ("/watermark/key/concurrent", test_key_concurrent);
#undef ADD

  return g_test_run ();
}
