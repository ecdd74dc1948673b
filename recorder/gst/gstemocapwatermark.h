/* emocap: emocapwatermark, the element that marks every frame
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/base/gstbasetransform.h>

#include <emocap/watermark-element.h>

G_BEGIN_DECLS

#define GST_TYPE_EMOCAP_WATERMARK (gst_emocap_watermark_get_type ())
G_DECLARE_FINAL_TYPE (GstEmocapWatermark, gst_emocap_watermark,
    GST, EMOCAP_WATERMARK, GstBaseTransform)

G_END_DECLS
