/* emocap: the emocapwatermark GStreamer element, as programs use it
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <emocap/watermark.h>

G_BEGIN_DECLS

/*
 * emocapwatermark marks every frame that goes through it with its "tag"
 * under its key: MJPEG (image/jpeg) in the DCT coefficients, raw I420,
 * NV12, YUY2 and GRAY8 in the luma.  It is part of libemocap: a program
 * registers it for itself with GST_ELEMENT_REGISTER (emocapwatermark,
 * NULL), and the "emocap" GStreamer plugin registers the very same type
 * for gst-launch-1.0 and every other GStreamer program.
 *
 * A frame it marked carries an EmocapWatermarkMeta naming the tag; a frame
 * without one went out unmarked (no key yet, strength 0, or a frame that
 * could not be parsed, which is passed on as it came).  So a frame counts
 * as marked only when the element says so, never by default.
 */

GST_ELEMENT_REGISTER_DECLARE (emocapwatermark)

/* Gives @element (an emocapwatermark) its key directly, instead of through
 * its "key-file"; it marks with it from the next frame on. */
void emocap_watermark_element_set_key (GstElement *element,
    const guint8 key[EMOCAP_WM_KEY_LEN]);

/* The mark a frame carries. */
typedef struct {
  GstMeta meta;
  guint64 tag;
} EmocapWatermarkMeta;

GType emocap_watermark_meta_api_get_type (void);
#define EMOCAP_WATERMARK_META_API_TYPE (emocap_watermark_meta_api_get_type ())

const GstMetaInfo *emocap_watermark_meta_get_info (void);
#define EMOCAP_WATERMARK_META_INFO (emocap_watermark_meta_get_info ())

/* The mark @buffer carries, or NULL if it went out unmarked. */
#define emocap_buffer_get_watermark_meta(buffer) \
  ((EmocapWatermarkMeta *) gst_buffer_get_meta ((buffer), EMOCAP_WATERMARK_META_API_TYPE))

G_END_DECLS
