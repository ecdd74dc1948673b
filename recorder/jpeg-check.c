/* emocap: is this camera frame one whole JPEG?
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Cameras do send broken frames: cut short when USB packets are lost,
 * with garbage where the headers should be.  A broken frame must not
 * reach the parser or the muxer (jpegparse would join a frame without its
 * end to the next one), so each one is walked marker by marker first:
 * cheap, as the entropy-coded data is only scanned for 0xFF bytes.
 */
#include <string.h>

#include "jpeg-check.h"

/* Markers a frame may carry before or between scans.  Reserved ones
 * (0x02-0xBF, JPG 0xC8, JPGn 0xF0-0xFD) and those that cannot stand
 * there (SOI, EOI, RSTn, TEM) make the frame corrupt. */
static gboolean
is_segment_marker (guint8 m)
{
  return (m >= 0xC0 && m <= 0xCF && m != 0xC8) || m == 0xDA || m == 0xDB ||
      m == 0xDC || m == 0xDD || m == 0xDE || m == 0xDF ||
      (m >= 0xE0 && m <= 0xEF) || m == 0xFE;
}

static gboolean
is_sof (guint8 m)
{
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static guint
be16 (const guint8 *p)
{
  return (guint) p[0] << 8 | p[1];
}

const char *
emocap_jpeg_frame_check (const guint8 *data, gsize len)
{
  gboolean have_sof = FALSE, have_dqt = FALSE;
  guint components = 0;
  gsize pos = 2;

  if (data == NULL || len < 4)
    return "too short to be a JPEG frame";
  if (data[0] != 0xFF || data[1] != 0xD8)
    return "does not start with a JPEG start-of-image marker";

  for (;;) {
    guint8 m;
    guint seg;

    /* Any number of 0xFF fill bytes may come before a marker. */
    if (pos >= len || data[pos] != 0xFF)
      return pos >= len ? "cut short in its headers" : "bytes where a JPEG marker should be";
    while (pos < len && data[pos] == 0xFF)
      pos++;
    if (pos >= len)
      return "cut short in its headers";
    m = data[pos++];
    if (m == 0xD9)
      return "ends before its picture data";
    if (!is_segment_marker (m))
      return "an undefined or misplaced JPEG marker in its headers";
    if (pos + 2 > len)
      return "cut short in its headers";
    seg = be16 (data + pos);
    if (seg < 2 || pos + seg > len)
      return seg < 2 ? "a JPEG segment with an impossible length" : "cut short in its headers";

    if (is_sof (m)) {
      guint n;
      if (have_sof)
        return "two frame headers";
      if (seg < 8)
        return "a frame header with an impossible length";
      n = data[pos + 7];
      if (data[pos + 2] != 8 && data[pos + 2] != 12)
        return "a frame header with an impossible sample precision";
      if (be16 (data + pos + 3) == 0 || be16 (data + pos + 5) == 0)
        return "a frame header without a picture size";
      if (n == 0 || n > 4 || seg != 8 + 3 * n)
        return "a frame header whose length does not match its components";
      have_sof = TRUE;
      components = n;
    } else if (m == 0xDB) {
      have_dqt = TRUE;
    } else if (m == 0xDA) {
      guint ns;
      gsize p;

      if (!have_sof)
        return "picture data before the frame header";
      if (!have_dqt)
        return "picture data without quantization tables";
      if (seg < 6)
        return "a scan header with an impossible length";
      ns = data[pos + 2];
      if (ns == 0 || ns > components || seg != 6 + 2 * ns)
        return "a scan header whose length does not match its components";

      /* Entropy-coded data: 0xFF only as 0xFF00 (a stuffed byte), a
       * restart marker, fill before a marker, or the next marker. */
      p = pos + seg;
      for (;;) {
        const guint8 *ff = memchr (data + p, 0xFF, len - p);
        guint8 next;

        if (ff == NULL)
          return "cut short: no end-of-image marker";
        p = (gsize) (ff - data);
        while (p + 1 < len && data[p + 1] == 0xFF)
          p++;
        if (p + 1 >= len)
          return "cut short: no end-of-image marker";
        next = data[p + 1];
        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
          p += 2;
          continue;
        }
        if (next == 0xD9) {
          /* Some cameras pad the frame after its end with zeros. */
          for (gsize q = p + 2; q < len; q++) {
            if (data[q] != 0x00)
              return "data after the end-of-image marker";
          }
          return NULL;
        }
        /* Another segment: a further scan (progressive) or tables. */
        if (!is_segment_marker (next))
          return "an undefined JPEG marker in its picture data";
        break;
      }
      pos = p;
      continue;
    }
    pos += seg;
  }
}
