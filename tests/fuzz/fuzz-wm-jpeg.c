/* emocap fuzz target: arbitrary bytes as an MJPEG frame to watermark
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A camera can send anything, and every frame goes through the recorder's
 * frame check, then the embedder.  Besides not crashing: a frame it
 * refuses is refused with an error; a frame it marks comes out as a JPEG
 * of the same size that decodes without a warning and that the frame
 * check takes as whole; a frame without a start-of-image marker is never
 * marked; the SSE2 and the plain C kernels (EMOCAP_WM_SIMD=0) agree on
 * every frame, to the bit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include <emocap/error.h>
#include <emocap/watermark.h>

#include "recorder/jpeg-check.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const guint8 fuzz_key[EMOCAP_WM_KEY_LEN] = {
  0x52, 0x0c, 0x9e, 0x71, 0xb3, 0x48, 0x06, 0xdd, 0x2a, 0xf5, 0x63, 0x1b, 0x8c, 0x97, 0x40, 0xe2,
  0x3d, 0x74, 0xa9, 0x15, 0xce, 0x6f, 0x02, 0xb8, 0x59, 0x91, 0xe7, 0x2c, 0x46, 0xfa, 0x0b, 0x83,
};

/* Pictures larger than this are decoded only as far as their header: the
 * full decode would cost more than the embedding it checks. */
#define MAX_DECODE_PIXELS (2048 * 2048)

/* The embedder with SSE2 kernels (where there are any), or in plain C. */
static EmocapWmEmbedder *
fuzz_embedder (gboolean simd)
{
  static EmocapWmEmbedder *wm[2];

  if (wm[simd] == NULL) {
    if (!simd)
      g_setenv ("EMOCAP_WM_SIMD", "0", TRUE);
    wm[simd] = emocap_wm_embedder_new (fuzz_key);
    g_unsetenv ("EMOCAP_WM_SIMD");
    emocap_wm_embedder_set_tag (wm[simd], G_GUINT64_CONSTANT (0x5a17c0ffee000001));
  }
  return wm[simd];
}

static void
check_marked (const uint8_t *in, size_t in_len, const guint8 *out, gsize out_len)
{
  tjhandle tj = tjInitDecompress ();
  int w = 0, h = 0, sub = 0, cs = 0, ow = 0, oh = 0, osub = 0, ocs = 0;

  if (tj == NULL)
    abort ();
  if (out == NULL || out_len < 4 || out[0] != 0xff || out[1] != 0xd8)
    abort ();
  /* The input's header was read, so TurboJPEG reads it too; the output
   * has the same size and sampling. */
  if (tjDecompressHeader3 (tj, in, in_len, &w, &h, &sub, &cs) != 0 ||
      tjDecompressHeader3 (tj, out, out_len, &ow, &oh, &osub, &ocs) != 0 ||
      w != ow || h != oh || sub != osub)
    abort ();
  if ((gsize) ow * oh <= MAX_DECODE_PIXELS) {
    guint8 *pixels = g_malloc ((gsize) ow * oh);
    if (tjDecompress2 (tj, out, out_len, pixels, ow, 0, oh, TJPF_GRAY, 0) != 0)
      abort ();
    g_free (pixels);
  }
  tjDestroy (tj);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL, *c_error = NULL;
  guint8 *out = NULL, *c_out = NULL;
  gsize out_len = 0, c_out_len = 0;
  gboolean ok, c_ok;

  /* Its verdict is only required not to crash here. */
  (void) emocap_jpeg_frame_check (data, size);

  ok = emocap_wm_embed_jpeg (fuzz_embedder (TRUE), data, size, &out, &out_len, &error);
  c_ok = emocap_wm_embed_jpeg (fuzz_embedder (FALSE), data, size, &c_out,
      &c_out_len, &c_error);
  if (ok != c_ok || out_len != c_out_len ||
      (ok && memcmp (out, c_out, out_len) != 0))
    abort ();
  if (ok) {
    if (error != NULL)
      abort ();
    check_marked (data, size, out, out_len);
    /* What the embedder writes, the recorder must take as a whole frame;
     * and nothing that does not start like a JPEG is ever marked. */
    if (emocap_jpeg_frame_check (out, out_len) != NULL)
      abort ();
    if (size < 2 || data[0] != 0xff || data[1] != 0xd8)
      abort ();
  } else {
    if (error == NULL || error->domain != EMOCAP_ERROR || out != NULL)
      abort ();
    g_error_free (error);
    g_error_free (c_error);
  }
  g_free (out);
  g_free (c_out);
  return 0;
}
