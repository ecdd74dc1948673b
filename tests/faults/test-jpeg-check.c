/* emocap tests: the frame check that keeps a camera's broken frames out
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Whole frames of every kind a camera or an encoder sends pass; each way
 * a frame arrives broken (cut short, garbage, bad markers, bad lengths)
 * is caught and named.
 */
#include <string.h>

#include <glib.h>
#include <turbojpeg.h>

#include "recorder/jpeg-check.h"

static GBytes *
corpus (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("EMOCAP_SOURCE_ROOT"), "tests", "fuzz",
      "corpus", "wm-jpeg", name, NULL);
  char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

/* A frame from TurboJPEG: @flags TJFLAG_PROGRESSIVE, restart intervals
 * are not in the 2.1 API, so those frames come from the corpus. */
static GBytes *
encode (int width, int height, int subsampling, int flags)
{
  tjhandle tj = tjInitCompress ();
  guint8 *pixels = g_malloc ((gsize) width * height * 3);
  unsigned char *jpeg = NULL;
  unsigned long len = 0;
  GBytes *out;

  for (int i = 0; i < width * height * 3; i++)
    pixels[i] = (guint8) (i * 7 + (i / (width * 3)) * 13);
  g_assert_cmpint (tjCompress2 (tj, pixels, width, 0, height, TJPF_RGB, &jpeg, &len,
          subsampling, 85, flags), ==, 0);
  out = g_bytes_new (jpeg, len);
  tjFree (jpeg);
  tjDestroy (tj);
  g_free (pixels);
  return out;
}

static const char *
check (GBytes *frame)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (frame, &len);
  return emocap_jpeg_frame_check (data, len);
}

/* A copy of @frame with @len bytes, the tail changed by @edit. */
static GBytes *
edited (GBytes *frame, gsize len, const guint8 *tail, gsize tail_len)
{
  GByteArray *a = g_byte_array_new ();
  gsize flen = 0;
  const guint8 *data = g_bytes_get_data (frame, &flen);

  g_byte_array_append (a, data, MIN (len, flen));
  if (tail)
    g_byte_array_append (a, tail, tail_len);
  return g_byte_array_free_to_bytes (a);
}

/* Offset of the first marker @m in @frame's headers. */
static gsize
find_marker (GBytes *frame, guint8 m)
{
  gsize len = 0;
  const guint8 *d = g_bytes_get_data (frame, &len);

  for (gsize i = 2; i + 1 < len; i++)
    if (d[i] == 0xFF && d[i + 1] == m)
      return i;
  g_assert_not_reached ();
  return 0;
}

static void
test_whole_frames (void)
{
  const char *files[] = { "frame-420-160x120.jpg", "frame-420-160x120-nodht.jpg",
    "frame-420-97x61.jpg", "frame-422-128x96.jpg", "frame-444-48x32.jpg",
    "frame-gray-64x48.jpg", "dc-out-of-range.jpg" };
  const int subsampling[] = { TJSAMP_420, TJSAMP_422, TJSAMP_444, TJSAMP_GRAY };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autoptr (GBytes) f = corpus (files[i]);
    g_assert_cmpstr (check (f), ==, NULL);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (subsampling); i++) {
    g_autoptr (GBytes) base = encode (1280, 720, subsampling[i], 0);
    g_autoptr (GBytes) prog = encode (321, 241, subsampling[i], TJFLAG_PROGRESSIVE);
    g_assert_cmpstr (check (base), ==, NULL);
    /* several scans, tables between them */
    g_assert_cmpstr (check (prog), ==, NULL);
  }
}

static void
test_padding (void)
{
  g_autoptr (GBytes) f = corpus ("frame-422-128x96.jpg");
  static const guint8 zeros[64] = { 0 };
  static const guint8 junk[] = { 0x00, 0x00, 0x12 };
  g_autoptr (GBytes) padded = edited (f, g_bytes_get_size (f), zeros, sizeof zeros);
  g_autoptr (GBytes) trailing = edited (f, g_bytes_get_size (f), junk, sizeof junk);

  /* cameras pad a frame's buffer with zeros after its end */
  g_assert_cmpstr (check (padded), ==, NULL);
  g_assert_cmpstr (check (trailing), ==, "data after the end-of-image marker");
}

static void
test_cut_short (void)
{
  g_autoptr (GBytes) f = corpus ("frame-420-160x120.jpg");
  gsize len = g_bytes_get_size (f);
  gsize sos = find_marker (f, 0xDA);

  /* every cut, from the first byte to the last, is caught */
  for (gsize cut = 0; cut < len; cut++) {
    g_autoptr (GBytes) part = edited (f, cut, NULL, 0);
    const char *why = check (part);
    if (why == NULL)
      g_error ("a frame cut to %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes passed", cut, len);
    if (cut > sos + 16)
      g_assert_cmpstr (why, ==, "cut short: no end-of-image marker");
  }
  {
    g_autoptr (GBytes) half = corpus ("truncated-half.jpg");
    g_autoptr (GBytes) head = corpus ("truncated-header.jpg");
    g_autoptr (GBytes) scan = corpus ("truncated-nodht-scan.jpg");
    g_assert_nonnull (check (half));
    g_assert_nonnull (check (head));
    g_assert_nonnull (check (scan));
  }
}

static void
test_garbage (void)
{
  g_autoptr (GBytes) garbage = corpus ("garbage.bin");
  g_autoptr (GBytes) soi = corpus ("soi-garbage.jpg");
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  guint8 noise[4096];

  g_assert_cmpstr (check (garbage), ==, "does not start with a JPEG start-of-image marker");
  g_assert_nonnull (check (soi));
  g_assert_cmpstr (emocap_jpeg_frame_check (NULL, 0), ==, "too short to be a JPEG frame");

  /* random bytes after a start-of-image marker never pass */
  for (int round = 0; round < 2000; round++) {
    gsize n = 2 + g_rand_int_range (rand, 0, sizeof noise - 2);
    for (gsize i = 0; i < n; i++)
      noise[i] = (guint8) g_rand_int (rand);
    noise[0] = 0xFF;
    noise[1] = 0xD8;
    g_assert_nonnull (emocap_jpeg_frame_check (noise, n));
  }
}

static void
test_bad_markers (void)
{
  g_autoptr (GBytes) f = corpus ("frame-420-160x120.jpg");
  gsize len = 0;
  const guint8 *d = g_bytes_get_data (f, &len);
  gsize sof = find_marker (f, 0xC0), sos = find_marker (f, 0xDA), dqt = find_marker (f, 0xDB);
  guint8 *c;

  /* an undefined marker where a segment should start */
  c = g_memdup2 (d, len);
  c[sof + 1] = 0x02;
  g_assert_cmpstr (emocap_jpeg_frame_check (c, len), ==,
      "an undefined or misplaced JPEG marker in its headers");
  g_free (c);

  /* a frame header whose length is off by one */
  c = g_memdup2 (d, len);
  c[sof + 3]++;
  g_assert_nonnull (emocap_jpeg_frame_check (c, len));
  g_free (c);

  /* a scan header claiming more components than the frame has */
  c = g_memdup2 (d, len);
  c[sos + 4] = 4;
  g_assert_cmpstr (emocap_jpeg_frame_check (c, len), ==,
      "a scan header whose length does not match its components");
  g_free (c);

  /* a segment running past the end of the frame */
  c = g_memdup2 (d, len);
  c[dqt + 2] = 0xFF;
  g_assert_cmpstr (emocap_jpeg_frame_check (c, len), ==, "cut short in its headers");
  g_free (c);

  /* no quantization tables: the marker turned into a comment */
  c = g_memdup2 (d, len);
  for (gsize i = 2; i + 1 < sos; i++)
    if (c[i] == 0xFF && c[i + 1] == 0xDB)
      c[i + 1] = 0xFE;
  g_assert_cmpstr (emocap_jpeg_frame_check (c, len), ==,
      "picture data without quantization tables");
  g_free (c);

  /* a stray marker inside the picture data */
  c = g_memdup2 (d, len);
  c[(sos + len) / 2] = 0xFF;
  c[(sos + len) / 2 + 1] = 0x05;
  g_assert_cmpstr (emocap_jpeg_frame_check (c, len), ==,
      "an undefined JPEG marker in its picture data");
  g_free (c);

  /* the end marker before any picture */
  c = g_memdup2 (d, len);
  c[sof + 1] = 0xD9;
  g_assert_cmpstr (emocap_jpeg_frame_check (c, len), ==, "ends before its picture data");
  g_free (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/jpeg-check/whole", test_whole_frames);
  g_test_add_func ("/jpeg-check/padding", test_padding);
  g_test_add_func ("/jpeg-check/cut-short", test_cut_short);
  g_test_add_func ("/jpeg-check/garbage", test_garbage);
  g_test_add_func ("/jpeg-check/bad-markers", test_bad_markers);
  return g_test_run ();
}
