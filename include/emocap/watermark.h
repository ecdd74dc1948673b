/* emocap: the invisible watermark — payload, pattern, embedding, detection
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Every frame of a take carries the same mark: 64 bits (the take's tag, a
 * keyed hash of "SESSION/TAKE" under the studio's watermark key) plus a
 * CRC-16, protected by a rate 1/3, constraint length 7 convolutional code
 * (258 coded bits, decoded with a soft-decision Viterbi decoder).
 *
 * The pattern lives in the luma.  The picture is cut into square cells of
 * height/EMOCAP_WM_CELLS_PER_HEIGHT pixels; each cell holds one smooth bump
 * (sin² in x times sin² in y) of sign +1 or -1.  A tile of
 * EMOCAP_WM_TILE × EMOCAP_WM_TILE cells repeats over the picture, so any
 * crop still holds whole tiles.  Three quarters of the cells of a tile
 * carry the coded bits, each spread over three cells with key-derived
 * signs; the remaining 250 carry a key-derived synchronization sequence
 * the detector locks onto.  The bump amplitude follows local picture activity (per 8x8
 * block), so flat skin and backdrops stay clean.
 *
 * MJPEG frames are marked in the quantized DCT coefficients (the nine
 * lowest, u and v up to 2, of each luma block), raw frames in the pixels: the same pattern.
 */

#define EMOCAP_WM_KEY_LEN 32
#define EMOCAP_WM_TAG_BITS 64
#define EMOCAP_WM_CRC_BITS 16
#define EMOCAP_WM_INFO_BITS (EMOCAP_WM_TAG_BITS + EMOCAP_WM_CRC_BITS)
#define EMOCAP_WM_CODE_K 7
#define EMOCAP_WM_CODE_RATE 3
#define EMOCAP_WM_CODED_BITS ((EMOCAP_WM_INFO_BITS + EMOCAP_WM_CODE_K - 1) * EMOCAP_WM_CODE_RATE)
#define EMOCAP_WM_TILE 32
#define EMOCAP_WM_CELLS (EMOCAP_WM_TILE * EMOCAP_WM_TILE)
#define EMOCAP_WM_CELLS_PER_HEIGHT 67.5
#define EMOCAP_WM_DEFAULT_STRENGTH 1.0

/* ── key and tag ─────────────────────────────────────────────────────── */

/* Loads `watermark.key` (32 bytes as one line of hex, mode 0600) from
 * @keys_dir, creating the folder (0700) and the key on first use. */
gboolean emocap_wm_key_load_or_create (const char *keys_dir,
    guint8 key[EMOCAP_WM_KEY_LEN], GError **error);

/* Loads a watermark key file; refuses one readable by group or others. */
gboolean emocap_wm_key_load (const char *path, guint8 key[EMOCAP_WM_KEY_LEN],
    GError **error);

/* The 64-bit tag of take @take_id of @session_id under @key. */
guint64 emocap_wm_tag (const guint8 key[EMOCAP_WM_KEY_LEN],
    const char *session_id, const char *take_id);

/* ── payload code ────────────────────────────────────────────────────── */

/* CRC-16/CCITT-FALSE of @len bytes. */
guint16 emocap_wm_crc16 (const guint8 *data, gsize len);

/* Coded bits (0 or 1) of @tag: tag, CRC-16 of its 8 big-endian bytes, six
 * zero tail bits, through the K=7 rate 1/3 code (polynomials 133, 171,
 * 165 octal). */
void emocap_wm_encode (guint64 tag, guint8 coded[EMOCAP_WM_CODED_BITS]);

/* Soft-decision Viterbi decoding.  @soft[i] > 0 means coded bit i is more
 * likely 1, < 0 more likely 0, its size the confidence.  TRUE with *@tag
 * when the decoded CRC matches. */
gboolean emocap_wm_decode (const float soft[EMOCAP_WM_CODED_BITS], guint64 *tag);

/* ── layout: which cell carries what ─────────────────────────────────── */

typedef struct {
  /* per cell of the tile, row-major: +1/-1 for sync cells, 0 for data */
  gint8 sync[EMOCAP_WM_CELLS];
  /* per data cell: the coded bit it carries, and its chip sign; -1 and 0
   * for sync cells */
  gint16 bit[EMOCAP_WM_CELLS];
  gint8 chip[EMOCAP_WM_CELLS];
} EmocapWmLayout;

void emocap_wm_layout_init (EmocapWmLayout *layout,
    const guint8 key[EMOCAP_WM_KEY_LEN]);

/* Sign (+1/-1) of every cell of the tile for @coded bits. */
void emocap_wm_layout_signs (const EmocapWmLayout *layout,
    const guint8 coded[EMOCAP_WM_CODED_BITS], gint8 signs[EMOCAP_WM_CELLS]);

/* ── embedding ───────────────────────────────────────────────────────── */

typedef struct _EmocapWmEmbedder EmocapWmEmbedder;

EmocapWmEmbedder *emocap_wm_embedder_new (const guint8 key[EMOCAP_WM_KEY_LEN]);
void emocap_wm_embedder_free (EmocapWmEmbedder *wm);

/* The tag to embed from the next frame on, and the strength (1.0 is the
 * tuned default; 0 leaves frames untouched). */
void emocap_wm_embedder_set_tag (EmocapWmEmbedder *wm, guint64 tag);
void emocap_wm_embedder_set_strength (EmocapWmEmbedder *wm, double strength);

/* Marks a luma plane in place: @pixel_stride is 1 for planar formats
 * (I420, NV12, GRAY8) and 2 for packed 4:2:2 (YUY2: pass the first Y).
 * FALSE, the plane untouched, when there is nothing to mark with (no
 * tag, strength 0) or the picture is smaller than 8 or larger than 8192
 * pixels on a side. */
gboolean emocap_wm_embed_luma (EmocapWmEmbedder *wm, guint8 *luma, int width,
    int height, int row_stride, int pixel_stride);

/* Marks a baseline JPEG in the DCT domain (no decode, no requantization
 * of untouched coefficients, standard Huffman tables; frames without
 * Huffman tables, as UVC cameras send, are read with the standard ones).
 * Returns a new JPEG in *@out (g_free), or FALSE with @error:
 * EMOCAP_ERROR_INVALID_MEDIA when @jpeg is not a whole JPEG libjpeg reads
 * without a warning (a corrupt frame), EMOCAP_ERROR_FAILED when it is one
 * of a kind that cannot be marked (progressive, arithmetic-coded, not
 * 8-bit YCbCr or grey, under 8 or over 8192 pixels on a side). */
gboolean emocap_wm_embed_jpeg (EmocapWmEmbedder *wm, const guint8 *jpeg,
    gsize len, guint8 **out, gsize *out_len, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapWmEmbedder, emocap_wm_embedder_free)

/* ── detection ───────────────────────────────────────────────────────── */

typedef struct _EmocapWmDetector EmocapWmDetector;

typedef struct {
  gboolean found;           /* a tag decoded, its CRC checked, sync strong */
  guint64 tag;
  double sync_z;            /* sync correlation over its null, in sigmas */
  double false_alarm;       /* probability an unmarked clip scores this */
  double candidates;        /* scale × offset hypotheses tried */
  double cell_px;           /* cell size found, in clip pixels */
  double offset_x, offset_y;/* tile origin found, in clip pixels */
  double visible_fraction;  /* clip height / marked picture height */
  gboolean mirrored;        /* the clip is the marked picture flipped left
                             * to right (offset_x then counts in the
                             * flipped picture) */
  guint frames;
  /* hard decisions on the coded bits at the best synchronization */
  guint8 channel_bits[EMOCAP_WM_CODED_BITS];
} EmocapWmResult;

EmocapWmDetector *emocap_wm_detector_new (const guint8 key[EMOCAP_WM_KEY_LEN]);
void emocap_wm_detector_free (EmocapWmDetector *det);

/* Adds one decoded frame's luma. */
void emocap_wm_detector_add_frame (EmocapWmDetector *det, const guint8 *luma,
    int width, int height, int row_stride);

typedef void (*EmocapWmProgress) (double fraction, gpointer user_data);

/* Searches scale and offset over the evidence gathered and decodes. */
void emocap_wm_detector_run (EmocapWmDetector *det, EmocapWmResult *result,
    EmocapWmProgress progress, gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapWmDetector, emocap_wm_detector_free)

/* Decodes the video of any file GStreamer can read, every @frame_step-th
 * frame into a detector (1: all of them), and searches it.  @progress goes
 * from 0 to 1 over decoding and search.  FALSE with EMOCAP_ERROR_IO or
 * EMOCAP_ERROR_INVALID_MEDIA, naming @path, when it cannot be decoded.
 * gst_init() must have been called. */
gboolean emocap_wm_detect_file (const guint8 key[EMOCAP_WM_KEY_LEN],
    const char *path, guint frame_step, EmocapWmProgress progress,
    gpointer user_data, EmocapWmResult *result, GError **error);

G_END_DECLS
