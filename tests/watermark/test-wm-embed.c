/* emocap tests: the watermark embedder, frame by frame
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the embedder promises of a JPEG frame: only the lowest luma
 * coefficients change, chroma and quantization tables stay as they were;
 * its SSE2 and plain C kernels (EMOCAP_WM_SIMD=0) mark alike, to the
 * bit; a frame of one scan per component, checked after it is read
 * rather than while, is marked as its one-scan twin; a frame with
 * coefficients a baseline JPEG cannot hold is refused, and so is a
 * corrupt one, for its first fault, read no further.  Of raw frames:
 * planar and packed luma get the same mark, whatever the row padding;
 * the pixel and the DCT paths add the same pattern.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <jpeglib.h>
#include <turbojpeg.h>

#include <emocap/error.h>
#include <emocap/watermark.h>

static const guint8 test_key[EMOCAP_WM_KEY_LEN] = {
  0x3c, 0x81, 0x5a, 0xf2, 0x07, 0x9e, 0x64, 0xb1, 0x2d, 0xc8, 0x13, 0x7f, 0xe0, 0x46, 0x9b, 0x55,
  0xa2, 0x38, 0xdd, 0x0c, 0x71, 0xbf, 0x26, 0x8a, 0xf9, 0x44, 0x1e, 0x63, 0xc5, 0x90, 0x0b, 0x7d,
};

#define TAG G_GUINT64_CONSTANT (0x5a17c0ffee00c0de)

static const char *corpus_dir;

/* A camera-like scene: smooth shading, an edge, texture and noise. */
static void
make_rgb (guint8 *rgb, int width, int height)
{
  guint32 seed = 11;

  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      guint8 *p = rgb + ((gsize) y * width + x) * 3;
      double shade = 80 + 60 * sin (x * 0.01 + y * 0.007);
      double weave = x > width / 2 ? 25 * sin (x * 0.8) * sin (y * 0.6) : 0;
      int v;

      seed = seed * 1103515245u + 12345u;
      v = (int) (shade + weave) + (int) (seed >> 28) - 8;
      p[0] = (guint8) CLAMP (v + 20, 0, 255);
      p[1] = (guint8) CLAMP (v, 0, 255);
      p[2] = (guint8) CLAMP (v - 30 + y % 17, 0, 255);
    }
  }
}

static GBytes *
make_jpeg (int width, int height, int subsamp)
{
  tjhandle tj = tjInitCompress ();
  g_autofree guint8 *rgb = g_malloc ((gsize) width * height * 3);
  unsigned char *jpeg = NULL;
  unsigned long len = 0;
  GBytes *bytes;

  g_assert_nonnull (tj);
  make_rgb (rgb, width, height);
  if (tjCompress2 (tj, rgb, width, 0, height, TJPF_RGB, &jpeg, &len, subsamp,
          85, 0) != 0)
    g_error ("tjCompress2: %s", tjGetErrorStr2 (tj));
  bytes = g_bytes_new (jpeg, len);
  tjFree (jpeg);
  tjDestroy (tj);
  return bytes;
}

/* An embedder with the SSE2 kernels (where the machine has them) or the
 * plain C ones. */
static EmocapWmEmbedder *
embedder_new (gboolean simd)
{
  EmocapWmEmbedder *wm;

  if (simd)
    g_unsetenv ("EMOCAP_WM_SIMD");
  else
    g_setenv ("EMOCAP_WM_SIMD", "0", TRUE);
  wm = emocap_wm_embedder_new (test_key);
  g_unsetenv ("EMOCAP_WM_SIMD");
  emocap_wm_embedder_set_tag (wm, TAG);
  return wm;
}

static GBytes *
mark (EmocapWmEmbedder *wm, GBytes *jpeg)
{
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (jpeg, &len);
  guint8 *out = NULL;
  gsize out_len = 0;

  if (!emocap_wm_embed_jpeg (wm, data, len, &out, &out_len, &error))
    g_error ("emocap_wm_embed_jpeg: %s", error->message);
  return g_bytes_new_take (out, out_len);
}

/* ── a JPEG's coefficients ───────────────────────────────────────────── */

static void
test_error_exit (j_common_ptr cinfo)
{
  char message[JMSG_LENGTH_MAX];

  (*cinfo->err->format_message) (cinfo, message);
  g_error ("libjpeg: %s", message);
}

typedef struct {
  int n_components;
  int width_in_blocks[MAX_COMPONENTS], height_in_blocks[MAX_COMPONENTS];
  JCOEF *coefs[MAX_COMPONENTS];
  UINT16 quant[MAX_COMPONENTS][DCTSIZE2];
} Coefficients;

static void
coefficients_read (GBytes *jpeg, Coefficients *c)
{
  struct jpeg_decompress_struct src;
  struct jpeg_error_mgr err;
  jvirt_barray_ptr *arrays;
  gsize len;
  const guint8 *data = g_bytes_get_data (jpeg, &len);

  memset (c, 0, sizeof *c);
  src.err = jpeg_std_error (&err);
  err.error_exit = test_error_exit;
  jpeg_create_decompress (&src);
  jpeg_mem_src (&src, data, len);
  jpeg_read_header (&src, TRUE);
  arrays = jpeg_read_coefficients (&src);
  g_assert_cmpint (err.num_warnings, ==, 0);
  c->n_components = src.num_components;
  for (int ci = 0; ci < src.num_components; ci++) {
    jpeg_component_info *comp = &src.comp_info[ci];
    int bw = comp->width_in_blocks, bh = comp->height_in_blocks;

    c->width_in_blocks[ci] = bw;
    c->height_in_blocks[ci] = bh;
    c->coefs[ci] = g_new (JCOEF, (gsize) bw * bh * DCTSIZE2);
    for (int by = 0; by < bh; by++) {
      JBLOCKARRAY row = (*src.mem->access_virt_barray) ((j_common_ptr) &src,
          arrays[ci], by, 1, FALSE);
      memcpy (c->coefs[ci] + (gsize) by * bw * DCTSIZE2, row[0],
          sizeof (JBLOCK) * bw);
    }
    memcpy (c->quant[ci], comp->quant_table->quantval, sizeof c->quant[ci]);
  }
  jpeg_finish_decompress (&src);
  jpeg_destroy_decompress (&src);
}

static void
coefficients_clear (Coefficients *c)
{
  for (int ci = 0; ci < c->n_components; ci++)
    g_free (c->coefs[ci]);
}

static void
check_only_low_luma_changed (GBytes *jpeg, GBytes *marked)
{
  Coefficients a, b;
  gsize changed = 0;

  coefficients_read (jpeg, &a);
  coefficients_read (marked, &b);
  g_assert_cmpint (a.n_components, ==, b.n_components);
  for (int ci = 0; ci < a.n_components; ci++) {
    gsize blocks = (gsize) a.width_in_blocks[ci] * a.height_in_blocks[ci];

    g_assert_cmpint (a.width_in_blocks[ci], ==, b.width_in_blocks[ci]);
    g_assert_cmpint (a.height_in_blocks[ci], ==, b.height_in_blocks[ci]);
    g_assert_cmpmem (a.quant[ci], sizeof a.quant[ci], b.quant[ci], sizeof b.quant[ci]);
    if (ci > 0) {
      g_assert_cmpmem (a.coefs[ci], blocks * sizeof (JBLOCK),
          b.coefs[ci], blocks * sizeof (JBLOCK));
      continue;
    }
    for (gsize i = 0; i < blocks * DCTSIZE2; i++) {
      int k = i % DCTSIZE2, u = k % DCTSIZE, v = k / DCTSIZE;

      if (a.coefs[0][i] == b.coefs[0][i])
        continue;
      if (u > 2 || v > 2)
        g_error ("luma coefficient (%d, %d) of block %" G_GSIZE_FORMAT
            " changed", u, v, i / DCTSIZE2);
      changed++;
    }
  }
  /* a mark worth the name changes a good share of the low coefficients */
  g_assert_cmpuint (changed, >, (gsize) a.width_in_blocks[0] * a.height_in_blocks[0]);
  coefficients_clear (&a);
  coefficients_clear (&b);
}

/* ── JPEG frames ─────────────────────────────────────────────────────── */

static const struct {
  int width, height, subsamp;
} frames[] = {
  { 1920, 1080, TJSAMP_422 },
  { 640, 480, TJSAMP_420 },
  { 97, 61, TJSAMP_444 },
  { 64, 48, TJSAMP_GRAY },
};

static void
test_jpeg_low_coefficients (void)
{
  g_autoptr (EmocapWmEmbedder) wm = embedder_new (TRUE);

  for (gsize i = 0; i < G_N_ELEMENTS (frames); i++) {
    g_autoptr (GBytes) jpeg = make_jpeg (frames[i].width, frames[i].height,
        frames[i].subsamp);
    g_autoptr (GBytes) marked = mark (wm, jpeg);

    check_only_low_luma_changed (jpeg, marked);
  }
}

static void
test_jpeg_simd_and_c (void)
{
  g_autoptr (EmocapWmEmbedder) simd = embedder_new (TRUE);
  g_autoptr (EmocapWmEmbedder) c = embedder_new (FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (frames); i++) {
    g_autoptr (GBytes) jpeg = make_jpeg (frames[i].width, frames[i].height,
        frames[i].subsamp);
    g_autoptr (GBytes) a = mark (simd, jpeg);
    g_autoptr (GBytes) b = mark (c, jpeg);

    g_assert_false (g_bytes_equal (a, jpeg));
    g_assert_true (g_bytes_equal (a, b));
  }
}

/* @jpeg without its segments of marker 0xff @marker before the scan
 * (0xc4: Huffman tables, 0xdb: quantization tables). */
static GBytes *
strip_segments (GBytes *jpeg, guint8 marker)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (jpeg, &len);
  GByteArray *out = g_byte_array_new ();
  gsize i = 2;

  g_byte_array_append (out, d, 2);
  while (i + 4 <= len && d[i] == 0xff && d[i + 1] != 0xda) {
    gsize seg = 2 + ((gsize) d[i + 2] << 8 | d[i + 3]);
    if (d[i + 1] != marker)
      g_byte_array_append (out, d + i, seg);
    i += seg;
  }
  g_byte_array_append (out, d + i, len - i);
  return g_byte_array_free_to_bytes (out);
}

typedef void (*EditFunc) (j_decompress_ptr src, jvirt_barray_ptr *arrays);

/* The same frame as one scan: only the entropy-coded data is laid out
 * differently; @edit, if given, changes the coefficients first, and
 * @optimize gives it Huffman tables of its own rather than the standard
 * ones. */
static GBytes *
rewrite (GBytes *jpeg, EditFunc edit, gboolean optimize)
{
  struct jpeg_decompress_struct src;
  struct jpeg_compress_struct dst;
  struct jpeg_error_mgr src_err, dst_err;
  jvirt_barray_ptr *arrays;
  unsigned char *out = NULL;
  unsigned long out_len = 0;
  gsize len;
  const guint8 *data = g_bytes_get_data (jpeg, &len);
  GBytes *bytes;

  src.err = jpeg_std_error (&src_err);
  src_err.error_exit = test_error_exit;
  jpeg_create_decompress (&src);
  dst.err = jpeg_std_error (&dst_err);
  dst_err.error_exit = test_error_exit;
  jpeg_create_compress (&dst);
  jpeg_mem_src (&src, data, len);
  jpeg_read_header (&src, TRUE);
  arrays = jpeg_read_coefficients (&src);
  if (edit)
    edit (&src, arrays);
  jpeg_mem_dest (&dst, &out, &out_len);
  jpeg_copy_critical_parameters (&src, &dst);
  dst.optimize_coding = optimize;
  jpeg_write_coefficients (&dst, arrays);
  jpeg_finish_compress (&dst);
  jpeg_finish_decompress (&src);
  jpeg_destroy_compress (&dst);
  jpeg_destroy_decompress (&src);
  bytes = g_bytes_new (out, out_len);
  free (out);
  return bytes;
}

/* Every frame stands on its own tables: after a frame with Huffman
 * tables of its own, one without any means the standard tables, and one
 * without quantization tables is refused, not read with the last
 * frame's. */
static void
test_jpeg_tables_per_frame (void)
{
  g_autoptr (EmocapWmEmbedder) wm = embedder_new (TRUE);
  g_autoptr (GBytes) first = make_jpeg (640, 480, TJSAMP_422);
  g_autoptr (GBytes) custom = rewrite (first, NULL, TRUE);
  g_autoptr (GBytes) second = make_jpeg (640, 480, TJSAMP_420);
  g_autoptr (GBytes) no_dht = strip_segments (second, 0xc4);
  g_autoptr (GBytes) no_dqt = strip_segments (second, 0xdb);
  g_autoptr (GBytes) marked = NULL;
  g_autoptr (GBytes) again = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (no_dqt, &len);
  guint8 *out = NULL;
  gsize out_len = 0;

  g_assert_cmpuint (g_bytes_get_size (no_dht), <, g_bytes_get_size (second));
  g_assert_cmpuint (g_bytes_get_size (no_dqt), <, g_bytes_get_size (second));

  g_bytes_unref (mark (wm, custom));
  marked = mark (wm, no_dht);
  check_only_low_luma_changed (second, marked);

  g_bytes_unref (mark (wm, custom));
  g_assert_false (emocap_wm_embed_jpeg (wm, data, len, &out, &out_len, &error));
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA);
  g_assert_null (out);
  g_test_message ("without DQT: %s", error->message);

  /* and the embedder goes on as before */
  again = mark (wm, no_dht);
  g_assert_true (g_bytes_equal (again, marked));
}

/* A flat picture (a backdrop, the black around a synthetic ball) gets the
 * faint mark of flat areas; at 1080p and a DC quantizer of 8 (quality
 * 75) its share of each block's DC is exactly half a step, which must
 * not round away. */
static void
test_jpeg_flat (void)
{
  const int width = 1920, height = 1080;
  tjhandle tj = tjInitCompress ();
  g_autofree guint8 *gray = g_malloc ((gsize) width * height);
  unsigned char *data = NULL;
  unsigned long len = 0;
  g_autoptr (GBytes) jpeg = NULL;
  g_autoptr (GBytes) marked = NULL;
  g_autoptr (EmocapWmEmbedder) wm = embedder_new (TRUE);
  Coefficients a, b;
  gsize blocks, changed = 0;

  memset (gray, 90, (gsize) width * height);
  g_assert_cmpint (tjCompress2 (tj, gray, width, 0, height, TJPF_GRAY, &data,
          &len, TJSAMP_GRAY, 75, 0), ==, 0);
  jpeg = g_bytes_new (data, len);
  tjFree (data);
  tjDestroy (tj);
  marked = mark (wm, jpeg);

  coefficients_read (jpeg, &a);
  coefficients_read (marked, &b);
  g_assert_cmpuint (a.quant[0][0], ==, 8);
  blocks = (gsize) a.width_in_blocks[0] * a.height_in_blocks[0];
  for (gsize i = 0; i < blocks; i++)
    changed += a.coefs[0][i * DCTSIZE2] != b.coefs[0][i * DCTSIZE2];
  g_test_message ("%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " blocks' DC changed",
      changed, blocks);
  g_assert_cmpuint (changed, >, blocks * 9 / 10);
  coefficients_clear (&a);
  coefficients_clear (&b);
}

/* @rgb as a baseline JPEG with one scan per component (libjpeg writes
 * that; cameras send one interleaved scan). */
static GBytes *
make_multiscan_jpeg (const guint8 *rgb, int width, int height)
{
  struct jpeg_compress_struct dst;
  struct jpeg_error_mgr err;
  jpeg_scan_info scans[3];
  unsigned char *out = NULL;
  unsigned long out_len = 0;
  GBytes *bytes;

  dst.err = jpeg_std_error (&err);
  err.error_exit = test_error_exit;
  jpeg_create_compress (&dst);
  jpeg_mem_dest (&dst, &out, &out_len);
  dst.image_width = width;
  dst.image_height = height;
  dst.input_components = 3;
  dst.in_color_space = JCS_RGB;
  jpeg_set_defaults (&dst);
  jpeg_set_quality (&dst, 85, TRUE);
  for (int ci = 0; ci < 3; ci++) {
    scans[ci] = (jpeg_scan_info) {
      .comps_in_scan = 1, .component_index = { ci }, .Ss = 0, .Se = 63,
      .Ah = 0, .Al = 0,
    };
  }
  dst.scan_info = scans;
  dst.num_scans = 3;
  jpeg_start_compress (&dst, TRUE);
  while (dst.next_scanline < dst.image_height) {
    JSAMPROW row = (JSAMPROW) rgb + (gsize) dst.next_scanline * width * 3;
    jpeg_write_scanlines (&dst, &row, 1);
  }
  jpeg_finish_compress (&dst);
  jpeg_destroy_compress (&dst);
  bytes = g_bytes_new (out, out_len);
  free (out);
  return bytes;
}

static void
test_jpeg_multiscan (void)
{
  const int width = 320, height = 240;
  g_autofree guint8 *rgb = g_malloc ((gsize) width * height * 3);
  g_autoptr (GBytes) multi = NULL;
  g_autoptr (GBytes) single = NULL;

  make_rgb (rgb, width, height);
  multi = make_multiscan_jpeg (rgb, width, height);
  single = rewrite (multi, NULL, FALSE);
  g_assert_false (g_bytes_equal (multi, single));

  for (int simd = 0; simd <= 1; simd++) {
    g_autoptr (EmocapWmEmbedder) wm = embedder_new (simd);
    g_autoptr (GBytes) a = mark (wm, multi);
    g_autoptr (GBytes) b = mark (wm, single);

    /* both come out as one scan, with the same coefficients */
    g_assert_true (g_bytes_equal (a, b));
    check_only_low_luma_changed (single, a);
  }
}

/* Where the marker @marker (0xFF @marker) is in @data, from @from; the
 * test fails if there is none. */
static gsize
find_marker (const guint8 *data, gsize len, gsize from, guint8 marker)
{
  for (gsize i = from; i + 1 < len; i++) {
    if (data[i] == 0xff && data[i + 1] == marker)
      return i;
  }
  g_error ("no marker 0xff%02x after byte %" G_GSIZE_FORMAT, marker, from);
}

/* A frame of one scan per component whose first scan is cut short, and
 * whose second scan names a component the frame does not have: read to
 * the end, it fails on the second scan's header ("cannot be read"); the
 * embedder must stop at the first fault, the corrupt first scan: a frame
 * whose header claims 8192x8192 from a few bytes of data would otherwise
 * be decoded in full before it is refused. */
static void
test_jpeg_first_fault (void)
{
  const int width = 320, height = 240;
  g_autofree guint8 *rgb = g_malloc ((gsize) width * height * 3);
  g_autoptr (GBytes) multi = NULL;
  g_autoptr (GByteArray) broken = g_byte_array_new ();
  const guint8 *data;
  gsize len, sos1, sos2, scan1_end, cut;

  make_rgb (rgb, width, height);
  multi = make_multiscan_jpeg (rgb, width, height);
  data = g_bytes_get_data (multi, &len);
  sos1 = find_marker (data, len, 2, 0xda);
  sos2 = find_marker (data, len, sos1 + 2, 0xda);
  /* the first scan's data ends at the next marker (a table, or the second
   * scan's header); of it only the first few bytes are kept */
  cut = sos1 + 2 + (data[sos1 + 2] << 8 | data[sos1 + 3]) + 64;
  scan1_end = cut;
  while (!(data[scan1_end] == 0xff && data[scan1_end + 1] != 0 &&
          (data[scan1_end + 1] < 0xd0 || data[scan1_end + 1] > 0xd7)))
    scan1_end++;
  g_assert_cmpuint (scan1_end, <=, sos2);
  g_byte_array_append (broken, data, cut);
  g_byte_array_append (broken, data + scan1_end, len - scan1_end);
  /* the second scan's component: byte 5 of its header */
  broken->data[cut + (sos2 - scan1_end) + 5] = 99;

  for (int simd = 0; simd <= 1; simd++) {
    g_autoptr (EmocapWmEmbedder) wm = embedder_new (simd);

    for (int tagged = 1; tagged >= 0; tagged--) {
      g_autoptr (GError) error = NULL;
      guint8 *out = NULL;
      gsize out_len = 0;

      if (!tagged)
        emocap_wm_embedder_set_strength (wm, 0);
      g_assert_false (emocap_wm_embed_jpeg (wm, broken->data, broken->len, &out,
              &out_len, &error));
      g_assert_null (out);
      g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA);
      g_assert_cmpstr (error->message, ==,
          "JPEG frame is corrupt: Corrupt JPEG data: premature end of data segment");
    }
  }
}

/* Low luma coefficients at the limits of a baseline JPEG, and next to
 * them, in the first blocks. */
static void
edit_to_limits (j_decompress_ptr src, jvirt_barray_ptr *arrays)
{
  static const int values[] = { 1023, -1024, -1023, 1022, -1022, 1021 };
  JBLOCKARRAY row = (*src->mem->access_virt_barray) ((j_common_ptr) src,
      arrays[0], 0, 1, TRUE);

  for (int b = 0; b < 24; b++) {
    for (int v = 0; v < 3; v++) {
      for (int u = 0; u < 3; u++) {
        int value = values[(b + v * 3 + u) % G_N_ELEMENTS (values)];
        /* DC takes -1024 to 1023, AC -1023 to 1023 */
        row[0][b][v * DCTSIZE + u] = (JCOEF) (u == 0 && v == 0 ? value :
            CLAMP (value, -1023, 1023));
      }
    }
  }
}

static void
test_jpeg_limits (void)
{
  /* quality 100: every quantizer 1, so the mark moves coefficients most */
  tjhandle tj = tjInitCompress ();
  g_autofree guint8 *rgb = g_malloc (256 * 128 * 3);
  unsigned char *data = NULL;
  unsigned long len = 0;
  g_autoptr (GBytes) jpeg = NULL;
  g_autoptr (GBytes) edited = NULL;
  g_autoptr (EmocapWmEmbedder) simd = embedder_new (TRUE);
  g_autoptr (EmocapWmEmbedder) c = embedder_new (FALSE);
  g_autoptr (GBytes) a = NULL;
  g_autoptr (GBytes) b = NULL;
  Coefficients marked;

  make_rgb (rgb, 256, 128);
  g_assert_cmpint (tjCompress2 (tj, rgb, 256, 0, 128, TJPF_RGB, &data, &len,
          TJSAMP_420, 100, 0), ==, 0);
  jpeg = g_bytes_new (data, len);
  tjFree (data);
  tjDestroy (tj);
  edited = rewrite (jpeg, edit_to_limits, FALSE);

  emocap_wm_embedder_set_strength (simd, 3);
  emocap_wm_embedder_set_strength (c, 3);
  a = mark (simd, edited);
  b = mark (c, edited);
  g_assert_true (g_bytes_equal (a, b));

  /* decodes without a warning, every coefficient within the limits */
  coefficients_read (a, &marked);
  for (gsize i = 0; i < (gsize) marked.width_in_blocks[0] * marked.height_in_blocks[0] * DCTSIZE2; i++) {
    if (i % DCTSIZE2 == 0) {
      g_assert_cmpint (marked.coefs[0][i], >=, -1024);
      g_assert_cmpint (marked.coefs[0][i], <=, 1023);
    } else {
      g_assert_cmpint (ABS (marked.coefs[0][i]), <=, 1023);
    }
  }
  coefficients_clear (&marked);
}

static void
test_jpeg_out_of_range (void)
{
  g_autofree char *path = g_build_filename (corpus_dir, "dc-out-of-range.jpg", NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("%s", error->message);
  for (int simd = 0; simd <= 1; simd++) {
    g_autoptr (EmocapWmEmbedder) wm = embedder_new (simd);
    g_autoptr (GError) refused = NULL;
    guint8 *out = NULL;
    gsize out_len = 0;

    /* with a tag, and without one (checked, not marked) */
    for (int tagged = 1; tagged >= 0; tagged--) {
      if (!tagged)
        emocap_wm_embedder_set_strength (wm, 0);
      g_assert_false (emocap_wm_embed_jpeg (wm, (const guint8 *) data, len,
              &out, &out_len, &refused));
      g_assert_null (out);
      g_assert_nonnull (strstr (refused->message, "out of range"));
      g_clear_error (&refused);
    }
  }
}

/* ── raw frames ──────────────────────────────────────────────────────── */

/* The luma of @rgb (BT.601), @width wide, in rows @row_stride apart,
 * @pixel_stride apart in a row; the bytes in between are @fill. */
static guint8 *
make_luma (const guint8 *rgb, int width, int height, int row_stride,
    int pixel_stride, guint8 fill)
{
  guint8 *luma = g_malloc ((gsize) row_stride * height);

  memset (luma, fill, (gsize) row_stride * height);
  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      const guint8 *p = rgb + ((gsize) y * width + x) * 3;
      luma[(gsize) y * row_stride + (gsize) x * pixel_stride] =
          (guint8) lrint (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]);
    }
  }
  return luma;
}

static void
test_raw_strides (void)
{
  /* widths that do not fill the vectorized chunks of 16, nor blocks */
  static const int widths[] = { 1920, 1923, 97 };
  g_autoptr (EmocapWmEmbedder) wm = embedder_new (TRUE);

  for (gsize i = 0; i < G_N_ELEMENTS (widths); i++) {
    int width = widths[i], height = 75;
    g_autofree guint8 *rgb = g_malloc ((gsize) width * height * 3);
    g_autofree guint8 *planar = NULL, *padded = NULL, *packed = NULL;
    gsize changed = 0;

    make_rgb (rgb, width, height);
    planar = make_luma (rgb, width, height, width, 1, 0);
    padded = make_luma (rgb, width, height, width + 37, 1, 0xa5);
    packed = make_luma (rgb, width, height, width * 2 + 6, 2, 0x80);

    emocap_wm_embed_luma (wm, padded, width, height, width + 37, 1);
    emocap_wm_embed_luma (wm, packed, width, height, width * 2 + 6, 2);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        guint8 a = padded[(gsize) y * (width + 37) + x];
        guint8 b = packed[(gsize) y * (width * 2 + 6) + (gsize) x * 2];

        if (a != b)
          g_error ("width %d: pixel (%d, %d) marked %u planar, %u packed",
              width, x, y, a, b);
        changed += a != planar[(gsize) y * width + x];
      }
      /* padding and chroma untouched */
      for (int x = width; x < width + 37; x++)
        g_assert_cmpuint (padded[(gsize) y * (width + 37) + x], ==, 0xa5);
      for (int x = 0; x < width; x++)
        g_assert_cmpuint (packed[(gsize) y * (width * 2 + 6) + (gsize) x * 2 + 1], ==, 0x80);
    }
    g_assert_cmpuint (changed, >, (gsize) width * height / 4);
  }
}

/* The pixel and DCT paths mark one pattern: the change each makes to
 * the same picture agrees, but for what quantization leaves of it. */
static void
test_raw_and_jpeg_agree (void)
{
  const int width = 640, height = 480;
  g_autoptr (EmocapWmEmbedder) wm = embedder_new (TRUE);
  g_autoptr (GBytes) jpeg = make_jpeg (width, height, TJSAMP_420);
  g_autoptr (GBytes) marked = mark (wm, jpeg);
  g_autofree guint8 *before = g_malloc ((gsize) width * height);
  g_autofree guint8 *after = g_malloc ((gsize) width * height);
  g_autofree guint8 *raw = NULL;
  tjhandle tj = tjInitDecompress ();
  double sab = 0, saa = 0, sbb = 0;
  gsize len;
  const guint8 *data;

  data = g_bytes_get_data (jpeg, &len);
  g_assert_cmpint (tjDecompress2 (tj, data, len, before, width, 0, height,
          TJPF_GRAY, 0), ==, 0);
  data = g_bytes_get_data (marked, &len);
  g_assert_cmpint (tjDecompress2 (tj, data, len, after, width, 0, height,
          TJPF_GRAY, 0), ==, 0);
  tjDestroy (tj);

  raw = g_memdup2 (before, (gsize) width * height);
  emocap_wm_embed_luma (wm, raw, width, height, width, 1);
  for (gsize i = 0; i < (gsize) width * height; i++) {
    double a = (double) after[i] - before[i], b = (double) raw[i] - before[i];
    sab += a * b;
    saa += a * a;
    sbb += b * b;
  }
  g_assert_cmpfloat (saa, >, 0);
  g_assert_cmpfloat (sbb, >, 0);
  g_test_message ("correlation of the two marks: %.3f", sab / sqrt (saa * sbb));
  g_assert_cmpfloat (sab / sqrt (saa * sbb), >, 0.8);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc != 2)
    g_error ("usage: test-wm-embed CORPUS_DIR");
  corpus_dir = argv[1];

  g_test_add_func ("/watermark/embed/jpeg/low-coefficients", test_jpeg_low_coefficients);
  g_test_add_func ("/watermark/embed/jpeg/simd-and-c", test_jpeg_simd_and_c);
  g_test_add_func ("/watermark/embed/jpeg/flat", test_jpeg_flat);
  g_test_add_func ("/watermark/embed/jpeg/tables-per-frame", test_jpeg_tables_per_frame);
  g_test_add_func ("/watermark/embed/jpeg/multiscan", test_jpeg_multiscan);
  g_test_add_func ("/watermark/embed/jpeg/limits", test_jpeg_limits);
  g_test_add_func ("/watermark/embed/jpeg/out-of-range", test_jpeg_out_of_range);
  g_test_add_func ("/watermark/embed/jpeg/first-fault", test_jpeg_first_fault);
  g_test_add_func ("/watermark/embed/raw/strides", test_raw_strides);
  g_test_add_func ("/watermark/embed/raw/jpeg-agree", test_raw_and_jpeg_agree);
  return g_test_run ();
}
