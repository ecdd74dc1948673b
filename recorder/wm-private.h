/* emocap: watermark internals shared by the embedder and the detector
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <setjmp.h>
#include <stdio.h>

#include <glib.h>
#include <jpeglib.h>

G_BEGIN_DECLS

/* Peak bump amplitude, in luma levels, of a block of reference activity
 * at strength 1. */
#define WM_AMPLITUDE 5.0
/* RMS deviation (luma levels) of an 8x8 block that gets the amplitude
 * above.  The amplitude follows the square root of the activity: flatter
 * blocks get less, down to WM_MASK_MIN of it, busier ones more, up to
 * WM_MASK_MAX.  Measured: concentrating the mark in texture (a linear
 * law, 0.15 to 2.5) lost it to x264, whose adaptive quantization spends
 * the fewest bits there, while flat areas carry a faint mark through
 * compression best. */
#define WM_ACTIVITY_REF 6.0
#define WM_MASK_MIN 0.4
#define WM_MASK_MAX 1.4

/* Cell size in pixels for a picture @height pixels high. */
double wm_cell_size (int height);

void wm_block_gains (const float *activity, int bw, int bh, double strength,
    float *gain);

/* libjpeg error manager that longjmp()s, keeps the message, and counts
 * warnings (corrupt data) instead of printing them. */
typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  int warnings;
  char message[JMSG_LENGTH_MAX];
} WmJpegError;

void wm_jpeg_error_init (WmJpegError *err);
void wm_jpeg_error_exit (j_common_ptr cinfo);
void wm_jpeg_emit_message (j_common_ptr cinfo, int level);

G_END_DECLS
