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

/* Fixed point: the pattern is stored as P × 2^PATTERN_SHIFT, the block
 * gains as luma levels × 2^GAIN_SHIFT. */
#define PATTERN_SHIFT 12
#define GAIN_SHIFT 8

/* The lowest DCT coefficients, u and v up to 2, in libjpeg's natural
 * (row-major) order: the pattern has next to nothing above them. */
static const guint8 low_coefs[WM_LOW_COEFS] = { 0, 1, 2, 8, 9, 10, 16, 17, 18 };

/* Frames larger than this are not cameras' and are passed on unmarked
 * (a forged header could otherwise ask for gigabytes). */
#define MAX_SIDE 8192

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

  /* per 8x8 block scratch */
  float *activity;
  float *gain;
  gsize blocks_allocated;

  struct jpeg_decompress_struct src;
  struct jpeg_compress_struct dst;
  WmJpegError src_err, dst_err;
  unsigned char *out_buf;
  unsigned long out_len;
};

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
  emocap_wm_embedder_set_tag (wm, 0);
  wm->have_tag = FALSE;

  wm_jpeg_error_init (&wm->src_err);
  wm->src.err = &wm->src_err.pub;
  jpeg_create_decompress (&wm->src);
  wm_jpeg_error_init (&wm->dst_err);
  wm->dst.err = &wm->dst_err.pub;
  jpeg_create_compress (&wm->dst);
  return wm;
}

void
emocap_wm_embedder_free (EmocapWmEmbedder *wm)
{
  if (wm == NULL)
    return;
  jpeg_destroy_decompress (&wm->src);
  jpeg_destroy_compress (&wm->dst);
  sodium_memzero (wm->key, sizeof wm->key);
  g_free (wm->pattern);
  g_free (wm->dct);
  g_free (wm->activity);
  g_free (wm->gain);
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

/* One smooth bump per cell: sin²(π·u) across it, 0 on its edges. */
static inline float
bump (double u)
{
  double s = sin (G_PI * (u - floor (u)));
  return (float) (s * s);
}

/* The pattern's value at the centre of pixel (@x, @y), in [-1, 1]. */
static inline float
pattern_at (const gint8 *signs, double cell, int x, int y)
{
  double u = (x + 0.5) / cell, v = (y + 0.5) / cell;
  int i = (int) floor (u), j = (int) floor (v);
  int ti = ((i % EMOCAP_WM_TILE) + EMOCAP_WM_TILE) % EMOCAP_WM_TILE;
  int tj = ((j % EMOCAP_WM_TILE) + EMOCAP_WM_TILE) % EMOCAP_WM_TILE;

  return signs[tj * EMOCAP_WM_TILE + ti] * bump (u) * bump (v);
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
  double cell = wm_cell_size (height);

  if (wm->width == width && wm->height == height)
    return;
  g_free (wm->pattern);
  wm->pattern = g_new (gint16, (gsize) width * height);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      wm->pattern[(gsize) y * width + x] = (gint16)
          lrintf (pattern_at (wm->signs, cell, x, y) * (1 << PATTERN_SHIFT));
  wm->width = width;
  wm->height = height;
}

/* The low DCT coefficients of the pattern in every 8x8 block of a
 * @bw × @bh block plane over a @width × @height picture, unquantized, in
 * JPEG's (orthonormal) scaling. */
static void
ensure_dct_pattern (EmocapWmEmbedder *wm, int bw, int bh, int width, int height)
{
  double cell = wm_cell_size (height);
  float basis[3][8];

  if (wm->dct_bw == bw && wm->dct_bh == bh && wm->dct_width == width &&
      wm->dct_height == height)
    return;

  for (int u = 0; u < 3; u++)
    for (int x = 0; x < 8; x++)
      basis[u][x] = (float) ((u == 0 ? M_SQRT1_2 : 1.0) / 2.0 *
          cos ((2 * x + 1) * u * G_PI / 16.0));

  g_free (wm->dct);
  wm->dct = g_new (float, (gsize) bw * bh * WM_LOW_COEFS);
  for (int by = 0; by < bh; by++) {
    for (int bx = 0; bx < bw; bx++) {
      float block[8][8];
      float *out = wm->dct + ((gsize) by * bw + bx) * WM_LOW_COEFS;

      for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++)
          block[y][x] = pattern_at (wm->signs, cell, bx * 8 + x, by * 8 + y);
      for (int k = 0; k < WM_LOW_COEFS; k++) {
        int v = low_coefs[k] / 8, u = low_coefs[k] % 8;
        float sum = 0;

        for (int y = 0; y < 8; y++)
          for (int x = 0; x < 8; x++)
            sum += block[y][x] * basis[v][y] * basis[u][x];
        out[k] = sum;
      }
    }
  }
  wm->dct_bw = bw;
  wm->dct_bh = bh;
  wm->dct_width = width;
  wm->dct_height = height;
}

/* ── masking ─────────────────────────────────────────────────────────── */

/* From each block's activity (RMS deviation from its mean, in luma
 * levels) to the bump amplitude it gets.  Activity is smoothed with the
 * block's neighbours so the amplitude does not jump from block to block,
 * and the frame's total is capped so a busy frame is not marked harder
 * than a uniform mark of the nominal amplitude would be. */
void
wm_block_gains (const float *activity, int bw, int bh, double strength,
    float *gain)
{
  double energy = 0;
  double norm;

  for (int by = 0; by < bh; by++) {
    for (int bx = 0; bx < bw; bx++) {
      double sum = 0;
      int n = 0;
      double a, m;

      for (int dy = -1; dy <= 1; dy++) {
        int y = by + dy;
        if (y < 0 || y >= bh)
          continue;
        for (int dx = -1; dx <= 1; dx++) {
          int x = bx + dx;
          if (x < 0 || x >= bw)
            continue;
          sum += activity[y * bw + x];
          n++;
        }
      }
      a = 0.5 * activity[by * bw + bx] + 0.5 * sum / n;
      m = CLAMP (sqrt (a / WM_ACTIVITY_REF), WM_MASK_MIN, WM_MASK_MAX);
      gain[by * bw + bx] = (float) m;
      energy += m * m;
    }
  }

  norm = strength * WM_AMPLITUDE;
  energy /= (double) bw * bh;
  if (energy > 1.0)
    norm /= sqrt (energy);
  for (int i = 0; i < bw * bh; i++)
    gain[i] = (float) (gain[i] * norm);
}

/* ── raw frames ──────────────────────────────────────────────────────── */

void
emocap_wm_embed_luma (EmocapWmEmbedder *wm, guint8 *luma, int width,
    int height, int row_stride, int pixel_stride)
{
  int bw = (width + 7) / 8, bh = (height + 7) / 8;

  g_return_if_fail (wm != NULL && luma != NULL);

  if (!wm->have_tag || wm->strength <= 0 || width < 8 || height < 8 ||
      width > MAX_SIDE || height > MAX_SIDE)
    return;

  ensure_pixel_pattern (wm, width, height);
  ensure_blocks (wm, (gsize) bw * bh);

  for (int by = 0; by < bh; by++) {
    int y0 = by * 8, y1 = MIN (y0 + 8, height);
    for (int bx = 0; bx < bw; bx++) {
      int x0 = bx * 8, x1 = MIN (x0 + 8, width);
      guint32 sum = 0, sumsq = 0;
      int n = (y1 - y0) * (x1 - x0);
      double mean;

      for (int y = y0; y < y1; y++) {
        const guint8 *p = luma + (gsize) y * row_stride + (gsize) x0 * pixel_stride;
        for (int x = x0; x < x1; x++, p += pixel_stride) {
          sum += *p;
          sumsq += *p * *p;
        }
      }
      mean = (double) sum / n;
      wm->activity[by * bw + bx] =
          (float) sqrt (MAX (0.0, (double) sumsq / n - mean * mean));
    }
  }

  wm_block_gains (wm->activity, bw, bh, wm->strength, wm->gain);

  for (int by = 0; by < bh; by++) {
    int y0 = by * 8, y1 = MIN (y0 + 8, height);
    for (int bx = 0; bx < bw; bx++) {
      int x0 = bx * 8, x1 = MIN (x0 + 8, width);
      gint32 g = (gint32) lrintf (wm->gain[by * bw + bx] * (1 << GAIN_SHIFT));
      const gint32 round = 1 << (PATTERN_SHIFT + GAIN_SHIFT - 1);

      for (int y = y0; y < y1; y++) {
        guint8 *p = luma + (gsize) y * row_stride + (gsize) x0 * pixel_stride;
        const gint16 *pat = wm->pattern + (gsize) y * width + x0;
        for (int x = x0; x < x1; x++, p += pixel_stride, pat++) {
          int v = *p + ((*pat * g + round) >> (PATTERN_SHIFT + GAIN_SHIFT));
          *p = (guint8) CLAMP (v, 0, 255);
        }
      }
    }
  }
}

/* ── JPEG frames ─────────────────────────────────────────────────────── */

/* Corrupt entropy data can decode, without a warning, to coefficients a
 * baseline JPEG cannot hold; written back they would make a broken
 * stream, so such a frame is not marked. */
static gboolean
coefficients_in_range (j_decompress_ptr src, jvirt_barray_ptr *coefs)
{
  for (int ci = 0; ci < src->num_components; ci++) {
    jpeg_component_info *comp = &src->comp_info[ci];
    for (JDIMENSION by = 0; by < comp->height_in_blocks; by++) {
      JBLOCKARRAY row = (*src->mem->access_virt_barray) ((j_common_ptr) src,
          coefs[ci], by, 1, FALSE);
      for (JDIMENSION bx = 0; bx < comp->width_in_blocks; bx++) {
        const JCOEF *c = row[0][bx];
        if (c[0] < -2047 || c[0] > 2047)
          return FALSE;
        for (int k = 1; k < DCTSIZE2; k++)
          if (c[k] < -1023 || c[k] > 1023)
            return FALSE;
      }
    }
  }
  return TRUE;
}

/* Marks the luma coefficients of a decompressor that has read them. */
static void
embed_coefficients (EmocapWmEmbedder *wm, j_decompress_ptr src,
    jvirt_barray_ptr *coefs)
{
  jpeg_component_info *comp = &src->comp_info[0];
  JQUANT_TBL *qtbl = comp->quant_table;
  int bw = comp->width_in_blocks, bh = comp->height_in_blocks;
  float inv_q[WM_LOW_COEFS];

  ensure_dct_pattern (wm, bw, bh, src->image_width, src->image_height);
  ensure_blocks (wm, (gsize) bw * bh);

  for (int k = 0; k < WM_LOW_COEFS; k++)
    inv_q[k] = 1.0f / MAX (qtbl->quantval[low_coefs[k]], 1);

  for (int by = 0; by < bh; by++) {
    JBLOCKARRAY row = (*src->mem->access_virt_barray) ((j_common_ptr) src,
        coefs[0], by, 1, FALSE);
    for (int bx = 0; bx < bw; bx++) {
      const JCOEF *c = row[0][bx];
      double ac = 0;

      for (int k = 1; k < DCTSIZE2; k++) {
        double f = (double) c[k] * qtbl->quantval[k];
        ac += f * f;
      }
      /* orthonormal DCT: the AC energy is the block's variance × 64 */
      wm->activity[by * bw + bx] = (float) (sqrt (ac) / 8.0);
    }
  }

  wm_block_gains (wm->activity, bw, bh, wm->strength, wm->gain);

  for (int by = 0; by < bh; by++) {
    JBLOCKARRAY row = (*src->mem->access_virt_barray) ((j_common_ptr) src,
        coefs[0], by, 1, TRUE);
    for (int bx = 0; bx < bw; bx++) {
      JCOEF *c = row[0][bx];
      const float *d = wm->dct + ((gsize) by * bw + bx) * WM_LOW_COEFS;
      float g = wm->gain[by * bw + bx];

      for (int k = 0; k < WM_LOW_COEFS; k++) {
        int delta = (int) lrintf (g * d[k] * inv_q[k]);
        int limit = k == 0 ? 2047 : 1023;

        if (delta != 0)
          c[low_coefs[k]] = (JCOEF) CLAMP (c[low_coefs[k]] + delta, -limit, limit);
      }
    }
  }
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
  wm->out_buf = NULL;
  wm->out_len = 0;
  wm->src_err.warnings = 0;
  wm->dst_err.warnings = 0;
  if (setjmp (wm->src_err.jump)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "JPEG frame cannot be read: %s", wm->src_err.message);
    goto fail;
  }
  if (setjmp (wm->dst_err.jump)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "JPEG frame cannot be written: %s", wm->dst_err.message);
    goto fail;
  }

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
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "JPEG frame of a kind cameras do not send (%ux%u, %s)",
        src->image_width, src->image_height,
        src->progressive_mode ? "progressive" :
        src->arith_code ? "arithmetic coding" : "not baseline YCbCr");
    goto fail;
  }

  coefs = jpeg_read_coefficients (src);
  if (wm->src_err.warnings) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "JPEG frame is corrupt: %s", wm->src_err.message);
    goto fail;
  }

  if (!coefficients_in_range (src, coefs)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "JPEG frame is corrupt: coefficients out of range");
    goto fail;
  }

  if (wm->have_tag && wm->strength > 0)
    embed_coefficients (wm, src, coefs);

  /* the buffer pointers live in @wm, not on this stack frame, so they
   * are still right after a longjmp() */
  jpeg_mem_dest (dst, &wm->out_buf, &wm->out_len);
  jpeg_copy_critical_parameters (src, dst);
  dst->optimize_coding = FALSE;
  jpeg_write_coefficients (dst, coefs);
  jpeg_finish_compress (dst);
  jpeg_finish_decompress (src);

  *out = wm->out_buf;
  *out_len = wm->out_len;
  wm->out_buf = NULL;
  return TRUE;

fail:
  jpeg_abort_decompress (src);
  jpeg_abort_compress (dst);
  /* jpeg_mem_dest's buffer comes from malloc(), like g_malloc()'s */
  free (wm->out_buf);
  wm->out_buf = NULL;
  return FALSE;
}
