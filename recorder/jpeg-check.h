/* emocap: is this camera frame one whole JPEG?
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Checks the structure of one camera frame: a start-of-image marker
 * first, well-formed segments with lengths inside the frame, a frame
 * header, quantization tables and a scan header that agree, picture data
 * with no stray markers, and an end-of-image marker (followed by nothing
 * but zero padding).  NULL when the frame is whole, else what is wrong, in
 * a few words (a static string).  It does not decode the picture: damage
 * inside the entropy-coded data only shows when it is decoded. */
const char *emocap_jpeg_frame_check (const guint8 *data, gsize len);

G_END_DECLS
