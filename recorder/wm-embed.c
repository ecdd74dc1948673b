/* emocap: watermark embedding — in raw luma, and in MJPEG's DCT coefficients
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <sodium.h>

#include <emocap/error.h>
#include <emocap/watermark.h>

#include "wm-private.h"

/* SSE2, which every x86-64 has, for the loops over every coefficient of
 * a frame; elsewhere, or with EMOCAP_WM_SIMD=0 in the environment, the
 * same sums in plain C (the tests check that both mark frames alike). */
#ifdef __SSE2__
#define WM_SSE2 1
#include <emmintrin.h>
#endif

/* Fixed point for raw frames, in 16 bits so that a pixel's change is one
 * high-half multiply (which compilers vectorize): the pattern is stored
 * as P × 2^PATTERN_SHIFT, the block gains as luma levels ×
 * 2^GAIN_SHIFT; the high 16 bits of their product carry
 * PATTERN_SHIFT + GAIN_SHIFT - 16 fraction bits. */
#define PATTERN_SHIFT 14
#define GAIN_SHIFT 8
#define PRODUCT_SHIFT (PATTERN_SHIFT + GAIN_SHIFT - 16)
/* Raw rows are handled this many pixels at a time, then one by one. */
#define CHUNK 16

/* The JPEG path changes the lowest DCT coefficients, u and v up to
 * LOW_FREQS - 1: the pattern has next to nothing above them.  Per block,
 * the pattern's share of them is kept as LOW_FREQS rows (v) of
 * LOW_STRIDE entries (u, then zeros), the shape of the coefficient rows
 * of a block in libjpeg's natural (row-major) order. */
#define LOW_FREQS 3
#define LOW_STRIDE 4
#define LOW_SIZE (LOW_FREQS * LOW_STRIDE)

/* Frames larger than this are not cameras' and are passed on unmarked
 * (a forged header could otherwise ask for gigabytes). */
#define MAX_SIDE 8192

/* Dequantized coefficients count towards a block's activity up to this
 * magnitude: it keeps the sums in 16 and 32 bits, and is far beyond what
 * saturates the masking anyway. */
#define ENERGY_CAP 4095

/* What the activity of a luma block is taken from: the AC quantizers
 * (the DC entry 0) and, per coefficient, the largest magnitude that
 * stays within ENERGY_CAP once dequantized. */
typedef struct {
  _Alignas (16) gint16 q[DCTSIZE2];
  _Alignas (16) gint16 cap[DCTSIZE2];
  _Alignas (16) gint16 neg_cap[DCTSIZE2];
} AcWeights;

/* What the embedder knows of the JPEG frame it is marking. */
typedef struct {
  /* the coefficient arrays, as libjpeg requests them and as it returns them */
  jvirt_barray_ptr arrays[MAX_COMPONENTS];
  int n_arrays;
  jvirt_barray_ptr *coefs;
  /* iMCU rows checked while reading, if @early */
  JDIMENSION rows_done;
  gboolean early;
  gboolean bad;
  /* the read was stopped at libjpeg's first warning */
  gboolean corrupt;
  gboolean mark;
  gboolean have_weights;
  AcWeights weights;
  /* iMCU rows marked while writing, and the pattern they get */
  JDIMENSION rows_marked;
  const float *pattern;
} WmFrame;

struct _EmocapWmEmbedder {
  guint8 key[EMOCAP_WM_KEY_LEN];
  EmocapWmLayout layout;
  guint64 tag;
  gboolean have_tag;
  double strength;
  gint8 signs[EMOCAP_WM_CELLS];

  /* The pattern for one picture size, rebuilt when the size or the tag
   * changes: pixels for raw frames, low DCT coefficients per 8x8 block
   * for JPEG frames. */
  int width, height;
  gint16 *pattern;
  int dct_bw, dct_bh, dct_width, dct_height;
  float *dct;
  /* the same divided by the frame's quantizers, which are mostly the
   * same from frame to frame: they were @dct_q_for */
  float *dct_q;
  UINT16 dct_q_for[LOW_FREQS][LOW_FREQS];
  gboolean simd;

  /* per 8x8 block scratch */
  float *activity;
  float *gain;
  gsize blocks_allocated;
  /* per column scratch of raw frames, @width long */
  guint16 *colsum;
  guint32 *colsq;
  gint16 *row_gain;

  /* the decompressor is made afresh for every frame, so that no table of
   * one frame outlives it (a frame without its Huffman tables means the
   * standard ones, not the last frame's; one without its quantization
   * tables is broken); the compressor takes every table from it */
  struct jpeg_decompress_struct src;
  gboolean have_src;
  struct jpeg_compress_struct dst;
  WmJpegError src_err, dst_err;
  struct jpeg_progress_mgr src_progress, dst_progress;
  jvirt_barray_ptr (*request_virt_barray) (j_common_ptr cinfo, int pool_id,
      boolean pre_zero, JDIMENSION blocksperrow, JDIMENSION numrows,
      JDIMENSION maxaccess);
  WmFrame frame;
  /* the output buffer, and the one we gave libjpeg to start with */
  unsigned char *out_buf, *prealloc;
  unsigned long out_len;
};

static jvirt_barray_ptr request_virt_barray (j_common_ptr cinfo, int pool_id,
    boolean pre_zero, JDIMENSION blocksperrow, JDIMENSION numrows,
    JDIMENSION maxaccess);
static void read_progress (j_common_ptr cinfo);
static void write_progress (j_common_ptr cinfo);

void
wm_jpeg_error_exit (j_common_ptr cinfo)
{
  WmJpegError *err = (WmJpegError *) cinfo->err;

  (*cinfo->err->format_message) (cinfo, err->message);
  longjmp (err->jump, 1);
}

void
wm_jpeg_emit_message (j_common_ptr cinfo, int level)
{
  WmJpegError *err = (WmJpegError *) cinfo->err;

  /* A warning means corrupt data libjpeg would paper over: the frame
   * is not what the camera meant to send, so it is not ours to mark. */
  if (level < 0 && err->warnings++ == 0)
    (*cinfo->err->format_message) (cinfo, err->message);
}

static void
output_nothing (j_common_ptr cinfo)
{
}

void
wm_jpeg_error_init (WmJpegError *err)
{
  jpeg_std_error (&err->pub);
  err->pub.error_exit = wm_jpeg_error_exit;
  err->pub.emit_message = wm_jpeg_emit_message;
  err->pub.output_message = output_nothing;
  err->warnings = 0;
  err->message[0] = '\0';
}

EmocapWmEmbedder *
emocap_wm_embedder_new (const guint8 key[EMOCAP_WM_KEY_LEN])
{
  EmocapWmEmbedder *wm = g_new0 (EmocapWmEmbedder, 1);

  memcpy (wm->key, key, EMOCAP_WM_KEY_LEN);
  emocap_wm_layout_init (&wm->layout, key);
  wm->strength = EMOCAP_WM_DEFAULT_STRENGTH;
#ifdef WM_SSE2
  wm->simd = g_strcmp0 (g_getenv ("EMOCAP_WM_SIMD"), "0") != 0;
#endif
  emocap_wm_embedder_set_tag (wm, 0);
  wm->have_tag = FALSE;

  wm->src_progress.progress_monitor = read_progress;
  wm_jpeg_error_init (&wm->dst_err);
  wm->dst.err = &wm->dst_err.pub;
  jpeg_create_compress (&wm->dst);
  wm->dst.client_data = wm;
  wm->dst_progress.progress_monitor = write_progress;
  return wm;
}

void
emocap_wm_embedder_free (EmocapWmEmbedder *wm)
{
  if (wm == NULL)
    return;
  jpeg_destroy_compress (&wm->dst);
  sodium_memzero (wm->key, sizeof wm->key);
  g_free (wm->pattern);
  g_free (wm->dct);
  g_free (wm->dct_q);
  g_free (wm->activity);
  g_free (wm->gain);
  g_free (wm->colsum);
  g_free (wm->colsq);
  g_free (wm->row_gain);
  g_free (wm);
}

void
emocap_wm_embedder_set_tag (EmocapWmEmbedder *wm, guint64 tag)
{
  guint8 coded[EMOCAP_WM_CODED_BITS];

  g_return_if_fail (wm != NULL);

  if (wm->have_tag && wm->tag == tag)
    return;
  emocap_wm_encode (tag, coded);
  emocap_wm_layout_signs (&wm->layout, coded, wm->signs);
  wm->tag = tag;
  wm->have_tag = TRUE;
  /* the cached patterns belong to the old tag */
  wm->width = wm->height = 0;
  wm->dct_bw = wm->dct_bh = 0;
}

void
emocap_wm_embedder_set_strength (EmocapWmEmbedder *wm, double strength)
{
  g_return_if_fail (wm != NULL);
  wm->strength = CLAMP (strength, 0.0, 10.0);
}

/* ── the pattern ─────────────────────────────────────────────────────── */

double
wm_cell_size (int height)
{
  return height / EMOCAP_WM_CELLS_PER_HEIGHT;
}

/* The pattern along one axis, for @n pixels from 0: the bump's value at
 * each pixel's centre (sin²(π·u) across a cell, 0 on its edges) and the
 * tile column, or row, of its cell.  The pattern at (x, y) is the sign
 * of cell (tile_x[x], tile_y[y]) times bump_x[x] × bump_y[y]. */
static void
axis_profile (double cell, int n, float *bump, guint8 *tile_index)
{
  for (int x = 0; x < n; x++) {
    double u = (x + 0.5) / cell;
    double s = sin (G_PI * (u - floor (u)));
    long i = (long) floor (u);

    bump[x] = (float) (s * s);
    tile_index[x] = (guint8) (((i % EMOCAP_WM_TILE) + EMOCAP_WM_TILE) % EMOCAP_WM_TILE);
  }
}

typedef struct {
  float *bump_x, *bump_y;
  guint8 *tile_x, *tile_y;
} Profiles;

static void
profiles_init (Profiles *p, double cell, int nx, int ny)
{
  p->bump_x = g_new (float, nx);
  p->bump_y = g_new (float, ny);
  p->tile_x = g_new (guint8, nx);
  p->tile_y = g_new (guint8, ny);
  axis_profile (cell, nx, p->bump_x, p->tile_x);
  axis_profile (cell, ny, p->bump_y, p->tile_y);
}

static void
profiles_clear (Profiles *p)
{
  g_free (p->bump_x);
  g_free (p->bump_y);
  g_free (p->tile_x);
  g_free (p->tile_y);
}

static void
ensure_blocks (EmocapWmEmbedder *wm, gsize blocks)
{
  if (wm->blocks_allocated >= blocks)
    return;
  g_free (wm->activity);
  g_free (wm->gain);
  wm->activity = g_new (float, blocks);
  wm->gain = g_new (float, blocks);
  wm->blocks_allocated = blocks;
}

static void
ensure_pixel_pattern (EmocapWmEmbedder *wm, int width, int height)
{
  Profiles p;

  if (wm->width == width && wm->height == height)
    return;
  g_free (wm->pattern);
  wm->pattern = g_new (gint16, (gsize) width * height);
  g_free (wm->colsum);
  g_free (wm->colsq);
  g_free (wm->row_gain);
  wm->colsum = g_new (guint16, width);
  wm->colsq = g_new (guint32, width);
  wm->row_gain = g_new (gint16, width);

  profiles_init (&p, wm_cell_size (height), width, height);
  for (int y = 0; y < height; y++) {
    const gint8 *signs = wm->signs + p.tile_y[y] * EMOCAP_WM_TILE;
    gint16 *out = wm->pattern + (gsize) y * width;
    float by = p.bump_y[y] * (1 << PATTERN_SHIFT);

    for (int x = 0; x < width; x++)
      out[x] = (gint16) lrintf (signs[p.tile_x[x]] * p.bump_x[x] * by);
  }
  profiles_clear (&p);
  wm->width = width;
  wm->height = height;
}

/* The low DCT coefficients of the pattern in every 8x8 block of a
 * @bw × @bh block plane over a @width × @height picture, unquantized, in
 * JPEG's (orthonormal) scaling. */
static void
ensure_dct_pattern (EmocapWmEmbedder *wm, int bw, int bh, int width, int height)
{
  float basis[LOW_FREQS][8];
  Profiles p;

  if (wm->dct_bw == bw && wm->dct_bh == bh && wm->dct_width == width &&
      wm->dct_height == height)
    return;

  for (int u = 0; u < LOW_FREQS; u++)
    for (int x = 0; x < 8; x++)
      basis[u][x] = (float) ((u == 0 ? M_SQRT1_2 : 1.0) / 2.0 *
          cos ((2 * x + 1) * u * G_PI / 16.0));

  g_free (wm->dct);
  g_free (wm->dct_q);
  wm->dct = g_new0 (float, (gsize) bw * bh * LOW_SIZE);
  wm->dct_q = g_new0 (float, (gsize) bw * bh * LOW_SIZE);
  memset (wm->dct_q_for, 0, sizeof wm->dct_q_for);
  profiles_init (&p, wm_cell_size (height), bw * 8, bh * 8);
  for (int by = 0; by < bh; by++) {
    for (int bx = 0; bx < bw; bx++) {
      /* the rows' horizontal transforms first, then the vertical ones */
      float rows[8][LOW_FREQS];
      float *out = wm->dct + ((gsize) by * bw + bx) * LOW_SIZE;

      for (int y = 0; y < 8; y++) {
        const gint8 *signs = wm->signs + p.tile_y[by * 8 + y] * EMOCAP_WM_TILE;
        float by_y = p.bump_y[by * 8 + y];

        for (int u = 0; u < LOW_FREQS; u++) {
          float sum = 0;
          for (int x = 0; x < 8; x++)
            sum += signs[p.tile_x[bx * 8 + x]] * p.bump_x[bx * 8 + x] * basis[u][x];
          rows[y][u] = sum * by_y;
        }
      }
      for (int v = 0; v < LOW_FREQS; v++) {
        for (int u = 0; u < LOW_FREQS; u++) {
          float sum = 0;

          for (int y = 0; y < 8; y++)
            sum += rows[y][u] * basis[v][y];
          out[v * LOW_STRIDE + u] = sum;
        }
      }
    }
  }
  profiles_clear (&p);
  wm->dct_bw = bw;
  wm->dct_bh = bh;
  wm->dct_width = width;
  wm->dct_height = height;
}

/* ── masking ─────────────────────────────────────────────────────────── */

/* The bump amplitude of a block, relative to the nominal one, from its
 * activity and the mean activity of its neighbourhood. */
static inline float
block_mask (float activity, float neighbourhood)
{
  float m = sqrtf ((0.5f * activity + 0.5f * neighbourhood) *
      (float) (1.0 / WM_ACTIVITY_REF));

  /* MIN and MAX, which compile to branch-free code, as a CLAMP of
   * floats does not */
  return MIN (MAX (m, (float) WM_MASK_MIN), (float) WM_MASK_MAX);
}

/* From each block's activity (RMS deviation from its mean, in luma
 * levels) to the bump amplitude it gets.  Activity is smoothed with the
 * block's neighbours so the amplitude does not jump from block to block,
 * and the frame's total is capped so a busy frame is not marked harder
 * than a uniform mark of the nominal amplitude would be. */
void
wm_block_gains (const float *activity, int bw, int bh, double strength,
    float *gain)
{
  /* a row's vertical sums of three */
  float sums[MAX_SIDE / 8];
  double energy = 0;
  double norm;

  g_return_if_fail (bw >= 1 && bw <= MAX_SIDE / 8 && bh >= 1);

  for (int by = 0; by < bh; by++) {
    const float *a = activity + (gsize) by * bw;
    float *g = gain + (gsize) by * bw;
    int ny = (by > 0) + 1 + (by + 1 < bh);
    float inv_edge = 1.0f / (ny * (bw > 1 ? 2 : 1)), inv_inner = 1.0f / (ny * 3);

    for (int bx = 0; bx < bw; bx++)
      sums[bx] = a[bx] + (by > 0 ? a[bx - bw] : 0) + (by + 1 < bh ? a[bx + bw] : 0);

    if (bw == 1) {
      g[0] = block_mask (a[0], sums[0] * inv_edge);
    } else {
      g[0] = block_mask (a[0], (sums[0] + sums[1]) * inv_edge);
      for (int bx = 1; bx < bw - 1; bx++)
        g[bx] = block_mask (a[bx], (sums[bx - 1] + sums[bx] + sums[bx + 1]) * inv_inner);
      g[bw - 1] = block_mask (a[bw - 1], (sums[bw - 2] + sums[bw - 1]) * inv_edge);
    }
  }
  for (gsize i = 0; i < (gsize) bw * bh; i++)
    energy += gain[i] * gain[i];

  norm = strength * WM_AMPLITUDE;
  energy /= (double) bw * bh;
  if (energy > 1.0)
    norm /= sqrt (energy);
  for (gsize i = 0; i < (gsize) bw * bh; i++)
    gain[i] = (float) (gain[i] * norm);
}

/* ── raw frames ──────────────────────────────────────────────────────── */

/* Adds one row of contiguous pixels into the column sums, CHUNK at a
 * time (a loop compilers vectorize); returns how many it added. */
static int
sum_columns (const guint8 *restrict p, guint16 *restrict colsum,
    guint32 *restrict colsq, int width)
{
  int x = 0;

  for (; x + CHUNK <= width; x += CHUNK) {
    for (int k = 0; k < CHUNK; k++) {
      guint16 v = p[x + k];
      colsum[x + k] += v;
      colsq[x + k] += (guint16) (v * v);
    }
  }
  return x;
}

/* The pattern's change of one pixel: the high half of pattern × gain,
 * rounded to whole levels. */
static inline gint16
pattern_step (gint16 pattern, gint16 gain)
{
  gint16 d = (gint16) ((pattern * gain) >> 16);
  return (gint16) ((d + (1 << (PRODUCT_SHIFT - 1))) >> PRODUCT_SHIFT);
}

/* Adds the pattern to one row of contiguous pixels, CHUNK at a time;
 * returns how many it changed. */
static int
add_pattern_row (guint8 *restrict p, const gint16 *restrict pattern,
    const gint16 *restrict gain, int width)
{
  int x = 0;

  for (; x + CHUNK <= width; x += CHUNK) {
    for (int k = 0; k < CHUNK; k++) {
      gint16 v = (gint16) (p[x + k] + pattern_step (pattern[x + k], gain[x + k]));
      p[x + k] = (guint8) CLAMP (v, 0, 255);
    }
  }
  return x;
}

/* Every block's activity: its pixels' RMS deviation from their mean.  The
 * sums are gathered per column over a row of blocks, CHUNK columns at a
 * time where the pixels are contiguous (a loop compilers vectorize), then
 * added up per block. */
static G_ALWAYS_INLINE inline void
luma_activity (EmocapWmEmbedder *wm, const guint8 *luma, int width,
    int height, int row_stride, int pixel_stride)
{
  int bw = (width + 7) / 8, bh = (height + 7) / 8;
  guint16 *colsum = wm->colsum;
  guint32 *colsq = wm->colsq;

  for (int by = 0; by < bh; by++) {
    int y0 = by * 8, y1 = MIN (y0 + 8, height);

    memset (colsum, 0, sizeof *colsum * width);
    memset (colsq, 0, sizeof *colsq * width);
    for (int y = y0; y < y1; y++) {
      const guint8 *p = luma + (gsize) y * row_stride;
      int x = 0;

      if (pixel_stride == 1)
        x = sum_columns (p, colsum, colsq, width);
      for (; x < width; x++) {
        guint v = p[(gsize) x * pixel_stride];
        colsum[x] += v;
        colsq[x] += v * v;
      }
    }
    for (int bx = 0; bx < bw; bx++) {
      int x0 = bx * 8, x1 = MIN (x0 + 8, width);
      guint32 sum = 0, sumsq = 0;
      float n = (float) ((y1 - y0) * (x1 - x0));
      float mean;

      for (int x = x0; x < x1; x++) {
        sum += colsum[x];
        sumsq += colsq[x];
      }
      mean = sum / n;
      wm->activity[by * bw + bx] = sqrtf (MAX (0.0f, sumsq / n - mean * mean));
    }
  }
}

/* Adds the pattern, each block's share scaled by its gain. */
static G_ALWAYS_INLINE inline void
luma_add_pattern (EmocapWmEmbedder *wm, guint8 *luma, int width, int height,
    int row_stride, int pixel_stride)
{
  int bw = (width + 7) / 8, bh = (height + 7) / 8;
  gint16 *row_gain = wm->row_gain;

  for (int by = 0; by < bh; by++) {
    int y0 = by * 8, y1 = MIN (y0 + 8, height);

    for (int bx = 0; bx < bw; bx++) {
      gint16 g = (gint16) MIN (32767L,
          lrintf (wm->gain[by * bw + bx] * (1 << GAIN_SHIFT)));
      for (int x = bx * 8; x < MIN (bx * 8 + 8, width); x++)
        row_gain[x] = g;
    }

    for (int y = y0; y < y1; y++) {
      guint8 *p = luma + (gsize) y * row_stride;
      const gint16 *pat = wm->pattern + (gsize) y * width;
      int x = 0;

      if (pixel_stride == 1)
        x = add_pattern_row (p, pat, row_gain, width);
      for (; x < width; x++) {
        guint8 *px = p + (gsize) x * pixel_stride;
        int v = *px + pattern_step (pat[x], row_gain[x]);
        *px = (guint8) CLAMP (v, 0, 255);
      }
    }
  }
}

gboolean
emocap_wm_embed_luma (EmocapWmEmbedder *wm, guint8 *luma, int width,
    int height, int row_stride, int pixel_stride)
{
  int bw = (width + 7) / 8, bh = (height + 7) / 8;

  g_return_val_if_fail (wm != NULL && luma != NULL, FALSE);

  if (!wm->have_tag || wm->strength <= 0 || width < 8 || height < 8 ||
      width > MAX_SIDE || height > MAX_SIDE)
    return FALSE;

  ensure_pixel_pattern (wm, width, height);
  ensure_blocks (wm, (gsize) bw * bh);

  /* the planar formats get loops of their own, in which the pixels are
   * known to be contiguous */
  if (pixel_stride == 1)
    luma_activity (wm, luma, width, height, row_stride, 1);
  else
    luma_activity (wm, luma, width, height, row_stride, pixel_stride);

  wm_block_gains (wm->activity, bw, bh, wm->strength, wm->gain);

  if (pixel_stride == 1)
    luma_add_pattern (wm, luma, width, height, row_stride, 1);
  else
    luma_add_pattern (wm, luma, width, height, row_stride, pixel_stride);
  return TRUE;
}

/* ── JPEG frames ─────────────────────────────────────────────────────── */

/* What a baseline JPEG of 8-bit samples holds: AC coefficients of 10
 * bits; DC coefficients within what 8-bit samples give at a quantizer of
 * 1, so that the difference of two neighbours, which is what is coded,
 * stays within its 11 bits.  Corrupt entropy data can decode, without a
 * warning, to coefficients beyond; written back they would make a
 * broken stream (libjpeg-turbo's SIMD entropy coder does not check), so
 * such a frame is not marked, and the mark never takes a coefficient
 * beyond. */
#define DC_MIN (-1024)
#define DC_MAX 1023
#define AC_LIMIT 1023


static void
ac_weights_init (AcWeights *w, const JQUANT_TBL *qtbl)
{
  w->q[0] = w->cap[0] = w->neg_cap[0] = 0;
  for (int k = 1; k < DCTSIZE2; k++) {
    int q = MAX (qtbl->quantval[k], 1);
    w->q[k] = (gint16) q;
    w->cap[k] = (gint16) (ENERGY_CAP / q);
    w->neg_cap[k] = (gint16) -w->cap[k];
  }
}

/* The kernels that visit every coefficient of a frame, in plain C and in
 * SSE2; both give the same results to the bit.
 *
 * row_out_of_range: whether a coefficient of @n blocks is out of range.
 * row_activity: the activity of each of @n luma blocks, their pixels'
 *   RMS deviation in luma levels (the orthonormal DCT keeps energy: the
 *   AC energy is the variance × 64); TRUE if a coefficient is out of
 *   range.
 * row_mark: adds gain × pattern, rounded, to the low coefficients of @n
 *   blocks, within the limits.  Halves round away from zero: in a flat
 *   area the pattern's share of a block's DC is often exactly half a
 *   quantization step (a quarter of a bump, at the flat areas' gain),
 *   which rounding to even would drop in every block. */

static inline gboolean
block_out_of_range_c (const JCOEF *c)
{
  gboolean out = c[0] < DC_MIN || c[0] > DC_MAX;

  for (int k = 1; k < DCTSIZE2; k++)
    out |= c[k] < -AC_LIMIT || c[k] > AC_LIMIT;
  return out;
}

static gboolean
row_out_of_range_c (JBLOCKROW blocks, int n)
{
  gboolean out = FALSE;

  for (int b = 0; b < n; b++)
    out |= block_out_of_range_c (blocks[b]);
  return out;
}

static gboolean
row_activity_c (JBLOCKROW blocks, int n, const AcWeights *w, float *activity)
{
  gboolean out = FALSE;

  for (int b = 0; b < n; b++) {
    const JCOEF *c = blocks[b];
    gint32 energy = 0;

    out |= block_out_of_range_c (c);
    for (int k = 0; k < DCTSIZE2; k++) {
      int f = CLAMP (c[k], w->neg_cap[k], w->cap[k]) * w->q[k];
      energy += f * f;
    }
    activity[b] = sqrtf ((float) energy) / 8.0f;
  }
  return out;
}

static void
row_mark_c (JBLOCKROW blocks, int n, const float *pattern, const float *gain)
{
  for (int b = 0; b < n; b++) {
    JCOEF *c = blocks[b];
    const float *d = pattern + (gsize) b * LOW_SIZE;

    for (int v = 0; v < LOW_FREQS; v++) {
      for (int u = 0; u < LOW_FREQS; u++) {
        int lo = u == 0 && v == 0 ? DC_MIN : -AC_LIMIT;
        int hi = u == 0 && v == 0 ? DC_MAX : AC_LIMIT;
        float x = CLAMP (gain[b] * d[v * LOW_STRIDE + u], -1e6f, 1e6f);
        int delta = CLAMP ((int) (x + (x < 0 ? -0.5f : 0.5f)), -32768, 32767);

        c[v * DCTSIZE + u] = (JCOEF) CLAMP (c[v * DCTSIZE + u] + delta, lo, hi);
      }
    }
  }
}

#ifdef WM_SSE2

/* The coefficients' limits, for the first row of a block (DC and AC) and
 * for the others. */
#define SSE2_LIMITS \
  const __m128i hi0 = _mm_setr_epi16 (DC_MAX, AC_LIMIT, AC_LIMIT, \
      AC_LIMIT, AC_LIMIT, AC_LIMIT, AC_LIMIT, AC_LIMIT); \
  const __m128i lo0 = _mm_setr_epi16 (DC_MIN, -AC_LIMIT, -AC_LIMIT, \
      -AC_LIMIT, -AC_LIMIT, -AC_LIMIT, -AC_LIMIT, -AC_LIMIT); \
  const __m128i hi = _mm_set1_epi16 (AC_LIMIT); \
  const __m128i lo = _mm_set1_epi16 (-AC_LIMIT)

/* Lanes set where the extremes seen pass the limits. */
static inline gboolean
extremes_out_of_range_sse2 (__m128i max0, __m128i min0, __m128i max, __m128i min)
{
  SSE2_LIMITS;
  __m128i out = _mm_or_si128 (
      _mm_or_si128 (_mm_cmpgt_epi16 (max0, hi0), _mm_cmplt_epi16 (min0, lo0)),
      _mm_or_si128 (_mm_cmpgt_epi16 (max, hi), _mm_cmplt_epi16 (min, lo)));

  return _mm_movemask_epi8 (out) != 0;
}

static gboolean
row_out_of_range_sse2 (JBLOCKROW blocks, int n)
{
  __m128i max0 = _mm_set1_epi16 (G_MININT16), min0 = _mm_set1_epi16 (G_MAXINT16);
  __m128i max = max0, min = min0;

  for (int b = 0; b < n; b++) {
    const __m128i *c = (const __m128i *) blocks[b];
    __m128i v = _mm_loadu_si128 (c);

    max0 = _mm_max_epi16 (max0, v);
    min0 = _mm_min_epi16 (min0, v);
#pragma GCC unroll 8
    for (int r = 1; r < DCTSIZE; r++) {
      v = _mm_loadu_si128 (c + r);
      max = _mm_max_epi16 (max, v);
      min = _mm_min_epi16 (min, v);
    }
  }
  return extremes_out_of_range_sse2 (max0, min0, max, min);
}

static gboolean
row_activity_sse2 (JBLOCKROW blocks, int n, const AcWeights *w, float *activity)
{
  const __m128i *q = (const __m128i *) w->q;
  const __m128i *cap = (const __m128i *) w->cap;
  const __m128i *neg_cap = (const __m128i *) w->neg_cap;
  __m128i max0 = _mm_set1_epi16 (G_MININT16), min0 = _mm_set1_epi16 (G_MAXINT16);
  __m128i max = max0, min = min0;

  for (int b = 0; b < n; b++) {
    const __m128i *c = (const __m128i *) blocks[b];
    __m128i v = _mm_loadu_si128 (c);
    __m128i f, energy;

    max0 = _mm_max_epi16 (max0, v);
    min0 = _mm_min_epi16 (min0, v);
    f = _mm_mullo_epi16 (_mm_max_epi16 (_mm_min_epi16 (v, cap[0]), neg_cap[0]), q[0]);
    energy = _mm_madd_epi16 (f, f);
#pragma GCC unroll 8
    for (int r = 1; r < DCTSIZE; r++) {
      v = _mm_loadu_si128 (c + r);
      max = _mm_max_epi16 (max, v);
      min = _mm_min_epi16 (min, v);
      f = _mm_mullo_epi16 (_mm_max_epi16 (_mm_min_epi16 (v, cap[r]), neg_cap[r]), q[r]);
      energy = _mm_add_epi32 (energy, _mm_madd_epi16 (f, f));
    }
    energy = _mm_add_epi32 (energy, _mm_shuffle_epi32 (energy, _MM_SHUFFLE (1, 0, 3, 2)));
    energy = _mm_add_epi32 (energy, _mm_shuffle_epi32 (energy, _MM_SHUFFLE (2, 3, 0, 1)));
    activity[b] = sqrtf ((float) _mm_cvtsi128_si32 (energy)) / 8.0f;
  }
  return extremes_out_of_range_sse2 (max0, min0, max, min);
}

static void
row_mark_sse2 (JBLOCKROW blocks, int n, const float *pattern, const float *gain)
{
  SSE2_LIMITS;
  const __m128i zero = _mm_setzero_si128 ();
  const __m128 sign = _mm_set1_ps (-0.0f), half = _mm_set1_ps (0.5f);

  for (int b = 0; b < n; b++) {
    __m128i *c = (__m128i *) blocks[b];
    const float *d = pattern + (gsize) b * LOW_SIZE;
    __m128 g = _mm_set1_ps (gain[b]);

#pragma GCC unroll 3
    for (int r = 0; r < LOW_FREQS; r++) {
      /* x ± 0.5, truncated: halves away from zero; lanes past LOW_FREQS
       * add 0 */
      __m128 x = _mm_mul_ps (g, _mm_loadu_ps (d + r * LOW_STRIDE));
      __m128i delta = _mm_packs_epi32 (_mm_cvttps_epi32 (_mm_add_ps (x,
                  _mm_or_ps (half, _mm_and_ps (x, sign)))), zero);
      __m128i v = _mm_adds_epi16 (_mm_loadu_si128 (c + r), delta);

      v = r == 0 ? _mm_min_epi16 (_mm_max_epi16 (v, lo0), hi0) :
          _mm_min_epi16 (_mm_max_epi16 (v, lo), hi);
      _mm_storeu_si128 (c + r, v);
    }
  }
}

#endif /* WM_SSE2 */

static gboolean
row_out_of_range (EmocapWmEmbedder *wm, JBLOCKROW blocks, int n)
{
#ifdef WM_SSE2
  if (wm->simd)
    return row_out_of_range_sse2 (blocks, n);
#endif
  return row_out_of_range_c (blocks, n);
}

/* The pattern's low coefficients divided by the frame's quantizers, as
 * they were last time unless the quantizers changed. */
static const float *
ensure_quantized_pattern (EmocapWmEmbedder *wm, const JQUANT_TBL *qtbl,
    gsize blocks)
{
  float inv_q[LOW_SIZE] = { 0 };
  gboolean same = TRUE;

  for (int v = 0; v < LOW_FREQS; v++) {
    for (int u = 0; u < LOW_FREQS; u++) {
      UINT16 q = MAX (qtbl->quantval[v * DCTSIZE + u], 1);
      same = same && wm->dct_q_for[v][u] == q;
      wm->dct_q_for[v][u] = q;
      inv_q[v * LOW_STRIDE + u] = 1.0f / q;
    }
  }
  if (!same) {
    for (gsize i = 0; i < blocks * LOW_SIZE; i++)
      wm->dct_q[i] = wm->dct[i] * inv_q[i % LOW_SIZE];
  }
  return wm->dct_q;
}

/* ── a frame's coefficients, row by row ─────────────────────────────── */

/* The coefficients are checked, and the luma's activity measured, while
 * libjpeg reads the frame: its progress monitor is called before each
 * iMCU row is decoded, when the rows before it have just been written
 * and are still in the cache.  The luma is marked while libjpeg writes
 * the frame, just before each row is encoded.  Reading the arrays
 * during jpeg_read_coefficients() needs them before it returns them:
 * the embedder's memory manager keeps what request_virt_barray() hands
 * out.  A frame of more than one scan is checked after it is read. */

/* After jpeg_read_header(): readies the embedder for the frame. */
static void
frame_start (EmocapWmEmbedder *wm, j_decompress_ptr src, gboolean mark)
{
  WmFrame *f = &wm->frame;
  jpeg_component_info *luma = &src->comp_info[0];
  int bw = luma->width_in_blocks, bh = luma->height_in_blocks;

  if (mark)
    ensure_blocks (wm, (gsize) bw * bh);

  f->n_arrays = 0;
  f->rows_done = 0;
  f->early = TRUE;
  f->bad = FALSE;
  f->mark = mark;
  f->have_weights = FALSE;
  f->rows_marked = 0;
}

static jvirt_barray_ptr
request_virt_barray (j_common_ptr cinfo, int pool_id, boolean pre_zero,
    JDIMENSION blocksperrow, JDIMENSION numrows, JDIMENSION maxaccess)
{
  EmocapWmEmbedder *wm = cinfo->client_data;
  jvirt_barray_ptr array = wm->request_virt_barray (cinfo, pool_id, pre_zero,
      blocksperrow, numrows, maxaccess);

  if (wm->frame.n_arrays < MAX_COMPONENTS)
    wm->frame.arrays[wm->frame.n_arrays] = array;
  wm->frame.n_arrays++;
  return array;
}

/* Block rows [*@first, *@end) of component @ci in iMCU row @r. */
static void
block_rows (j_decompress_ptr src, int ci, JDIMENSION r, JDIMENSION *first,
    JDIMENSION *end)
{
  jpeg_component_info *comp = &src->comp_info[ci];

  *first = r * comp->v_samp_factor;
  *end = MIN (*first + comp->v_samp_factor, comp->height_in_blocks);
}

/* Checks iMCU rows [@from, @to) of every component, and measures the
 * luma's activity if the frame is to be marked. */
static void
check_rows (EmocapWmEmbedder *wm, j_decompress_ptr src,
    jvirt_barray_ptr *arrays, JDIMENSION from, JDIMENSION to)
{
  WmFrame *f = &wm->frame;
  jpeg_component_info *luma = &src->comp_info[0];

  if (f->mark && !f->have_weights) {
    ac_weights_init (&f->weights, luma->quant_table);
    f->have_weights = TRUE;
  }
  for (JDIMENSION r = from; r < to && !f->bad; r++) {
    for (int ci = 0; ci < src->num_components; ci++) {
      jpeg_component_info *comp = &src->comp_info[ci];
      JDIMENSION first, end;

      block_rows (src, ci, r, &first, &end);
      for (JDIMENSION by = first; by < end; by++) {
        JBLOCKARRAY row = (*src->mem->access_virt_barray) ((j_common_ptr) src,
            arrays[ci], by, 1, FALSE);

        if (ci > 0 || !f->mark)
          f->bad |= row_out_of_range (wm, row[0], comp->width_in_blocks);
#ifdef WM_SSE2
        else if (wm->simd)
          f->bad |= row_activity_sse2 (row[0], comp->width_in_blocks,
              &f->weights, wm->activity + (gsize) by * comp->width_in_blocks);
#endif
        else
          f->bad |= row_activity_c (row[0], comp->width_in_blocks,
              &f->weights, wm->activity + (gsize) by * comp->width_in_blocks);
      }
    }
  }
}

/* libjpeg's progress monitor while it reads a frame. */
static void
read_progress (j_common_ptr cinfo)
{
  j_decompress_ptr src = (j_decompress_ptr) cinfo;
  EmocapWmEmbedder *wm = cinfo->client_data;
  WmFrame *f = &wm->frame;

  /* A warning refuses the frame (wm_jpeg_emit_message): stop at once
   * rather than decode the rest of it, which a broken header can make as
   * large as MAX_SIDE squared from a few hundred bytes. */
  if (wm->src_err.warnings) {
    f->corrupt = TRUE;
    longjmp (wm->src_err.jump, 1);
  }
  if (!f->early)
    return;
  if (src->input_scan_number > 1 || src->comps_in_scan != src->num_components ||
      f->n_arrays != src->num_components) {
    f->early = FALSE;
    return;
  }
  if (src->input_iMCU_row > f->rows_done) {
    check_rows (wm, src, f->arrays, f->rows_done, src->input_iMCU_row);
    f->rows_done = src->input_iMCU_row;
  }
}

/* libjpeg's progress monitor while it writes a frame: marks the luma
 * of iMCU row pass_counter, about to be encoded, and any before it. */
static void
write_progress (j_common_ptr cinfo)
{
  EmocapWmEmbedder *wm = cinfo->client_data;
  WmFrame *f = &wm->frame;
  j_decompress_ptr src = &wm->src;
  jpeg_component_info *luma = &src->comp_info[0];
  int bw = luma->width_in_blocks;
  JDIMENSION to = MIN ((JDIMENSION) cinfo->progress->pass_counter + 1,
      src->total_iMCU_rows);

  for (JDIMENSION r = f->rows_marked; r < to; r++) {
    JDIMENSION first, end;

    block_rows (src, 0, r, &first, &end);
    for (JDIMENSION by = first; by < end; by++) {
      JBLOCKARRAY row = (*src->mem->access_virt_barray) ((j_common_ptr) src,
          f->coefs[0], by, 1, TRUE);
      const float *pattern = f->pattern + (gsize) by * bw * LOW_SIZE;
      const float *gain = wm->gain + (gsize) by * bw;

#ifdef WM_SSE2
      if (wm->simd)
        row_mark_sse2 (row[0], bw, pattern, gain);
      else
#endif
        row_mark_c (row[0], bw, pattern, gain);
    }
  }
  f->rows_marked = MAX (f->rows_marked, to);
}

/* After jpeg_read_coefficients(): checks what was not checked while
 * reading, and readies the marking.  FALSE when a coefficient is out of
 * range. */
static gboolean
frame_read (EmocapWmEmbedder *wm, j_decompress_ptr src, jvirt_barray_ptr *coefs)
{
  WmFrame *f = &wm->frame;
  jpeg_component_info *luma = &src->comp_info[0];
  int bw = luma->width_in_blocks, bh = luma->height_in_blocks;

  if (luma->quant_table == NULL)
    return FALSE;
  if (!f->early)
    f->rows_done = 0;
  check_rows (wm, src, coefs, f->rows_done, src->total_iMCU_rows);
  if (f->bad)
    return FALSE;

  f->coefs = coefs;
  if (f->mark) {
    /* only now: the pattern for a new size takes longer to make than a
     * frame to mark, and a frame that does not read needs none */
    ensure_dct_pattern (wm, bw, bh, src->image_width, src->image_height);
    wm_block_gains (wm->activity, bw, bh, wm->strength, wm->gain);
    f->pattern = ensure_quantized_pattern (wm, luma->quant_table,
        (gsize) bw * bh);
  }
  return TRUE;
}

gboolean
emocap_wm_embed_jpeg (EmocapWmEmbedder *wm, const guint8 *jpeg, gsize len,
    guint8 **out, gsize *out_len, GError **error)
{
  struct jpeg_decompress_struct *src = &wm->src;
  struct jpeg_compress_struct *dst = &wm->dst;
  jvirt_barray_ptr *coefs;

  g_return_val_if_fail (wm != NULL && out != NULL && out_len != NULL, FALSE);

  *out = NULL;
  *out_len = 0;

  if (jpeg == NULL || len < 4 || len > G_MAXUINT32) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "not a JPEG frame (%" G_GSIZE_FORMAT " bytes)", len);
    return FALSE;
  }

  /* UVC cameras leave the Huffman tables out and mean the standard ones:
   * libjpeg-turbo's decoder falls back on those by itself, and the
   * encoder always writes the standard tables out. */
  wm->out_buf = wm->prealloc = NULL;
  wm->out_len = 0;
  wm_jpeg_error_init (&wm->src_err);
  wm->dst_err.warnings = 0;
  wm->frame.corrupt = FALSE;
  if (setjmp (wm->src_err.jump)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        wm->frame.corrupt ? "JPEG frame is corrupt: %s" : "JPEG frame cannot be read: %s",
        wm->src_err.message);
    goto fail;
  }
  if (setjmp (wm->dst_err.jump)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "JPEG frame cannot be written: %s", wm->dst_err.message);
    goto fail;
  }

  src->err = &wm->src_err.pub;
  jpeg_create_decompress (src);
  wm->have_src = TRUE;
  src->client_data = wm;
  wm->request_virt_barray = src->mem->request_virt_barray;
  src->mem->request_virt_barray = request_virt_barray;
  src->progress = &wm->src_progress;

  jpeg_mem_src (src, jpeg, (unsigned long) len);
  jpeg_read_header (src, TRUE);

  if (src->image_width > MAX_SIDE || src->image_height > MAX_SIDE ||
      src->image_width < 8 || src->image_height < 8 ||
      src->progressive_mode || src->arith_code ||
      src->data_precision != 8 ||
      !(src->jpeg_color_space == JCS_YCbCr ||
        src->jpeg_color_space == JCS_GRAYSCALE) ||
      src->comp_info[0].h_samp_factor != src->max_h_samp_factor ||
      src->comp_info[0].v_samp_factor != src->max_v_samp_factor) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "JPEG frame of a kind cameras do not send (%ux%u, %s)",
        src->image_width, src->image_height,
        src->progressive_mode ? "progressive" :
        src->arith_code ? "arithmetic coding" : "not baseline YCbCr");
    goto fail;
  }
  if (wm->src_err.warnings) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "JPEG frame is corrupt: %s", wm->src_err.message);
    goto fail;
  }

  frame_start (wm, src, wm->have_tag && wm->strength > 0);
  coefs = jpeg_read_coefficients (src);
  if (wm->src_err.warnings) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "JPEG frame is corrupt: %s", wm->src_err.message);
    goto fail;
  }

  if (!frame_read (wm, src, coefs)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "JPEG frame is corrupt: coefficients out of range");
    goto fail;
  }

  /* Room for the whole frame from the start, as the marked frame is
   * about as large as the camera's; libjpeg grows a buffer that proves
   * too small into one of its own, and leaves ours to us.  The buffer
   * pointers live in @wm, not on this stack frame, so they are still
   * right after a longjmp(). */
  wm->out_len = len + len / 4 + 4096;
  wm->out_buf = wm->prealloc = malloc (wm->out_len);
  if (wm->out_buf == NULL) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "no memory for a marked frame of %" G_GSIZE_FORMAT " bytes", len);
    goto fail;
  }
  jpeg_mem_dest (dst, &wm->out_buf, &wm->out_len);
  jpeg_copy_critical_parameters (src, dst);
  dst->optimize_coding = FALSE;
  dst->progress = wm->frame.mark ? &wm->dst_progress : NULL;
  jpeg_write_coefficients (dst, coefs);
  jpeg_finish_compress (dst);
  if (wm->frame.mark && wm->frame.rows_marked != src->total_iMCU_rows) {
    /* not what libjpeg's jpeg_finish_compress() does: the frame went out
     * with rows unmarked */
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "JPEG frame marked in %u of its %u rows", wm->frame.rows_marked,
        src->total_iMCU_rows);
    goto fail;
  }

  jpeg_destroy_decompress (src);
  wm->have_src = FALSE;
  if (wm->out_buf != wm->prealloc)
    free (wm->prealloc);
  *out = wm->out_buf;
  *out_len = wm->out_len;
  wm->out_buf = wm->prealloc = NULL;
  return TRUE;

fail:
  if (wm->have_src)
    jpeg_destroy_decompress (src);
  wm->have_src = FALSE;
  jpeg_abort_compress (dst);
  /* jpeg_mem_dest's buffer comes from malloc(), like g_malloc()'s */
  if (wm->out_buf != wm->prealloc)
    free (wm->out_buf);
  free (wm->prealloc);
  wm->out_buf = wm->prealloc = NULL;
  return FALSE;
}
