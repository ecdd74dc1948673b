/* emocap tests: the emocapwatermark element, frame by frame in a harness
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * MJPEG frames come out changed, still decodable, the same size, with
 * their caps and timestamps; raw frames have their luma changed and their
 * chroma untouched.  Frames that cannot be marked (no key, strength 0,
 * garbage or truncated JPEG) come out byte for byte as they went in,
 * without a mark, counted, and with no error.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <gst/base/gstbasetransform.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <turbojpeg.h>

#include <emocap/watermark-element.h>

static const guint8 test_key[EMOCAP_WM_KEY_LEN] = {
  0x6b, 0x1f, 0x93, 0x02, 0xd4, 0x5e, 0xa7, 0x38, 0xc1, 0x0d, 0x7a, 0xe9, 0x24, 0x86, 0x5b, 0xf0,
  0x13, 0x9c, 0x4e, 0xb2, 0x67, 0x05, 0xda, 0x71, 0x3f, 0xa8, 0xc6, 0x19, 0x8e, 0x52, 0xeb, 0x40,
};

#define TAG_A G_GUINT64_CONSTANT (0x5a17c0ffee000001)
#define TAG_B G_GUINT64_CONSTANT (0x0123456789abcdee)

/* A busy picture, as a face under studio light is: the mark is strongest
 * where the picture has texture. */
static guint8
texture (int x, int y, guint32 *seed)
{
  *seed = *seed * 1103515245u + 12345u;
  return (guint8) (96 + 48 * ((x / 5 + y / 7) % 2) + (x * 3 + y * 2) % 40 + (*seed >> 27));
}

/* A baseline 4:2:0 JPEG of @width x @height, as cameras send. */
static GBytes *
make_jpeg (int width, int height)
{
  tjhandle tj = tjInitCompress ();
  g_autofree guint8 *rgb = g_malloc ((gsize) width * height * 3);
  unsigned char *jpeg = NULL;
  unsigned long len = 0;
  guint32 seed = 7;
  GBytes *bytes;

  g_assert_nonnull (tj);
  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      guint8 *p = rgb + ((gsize) y * width + x) * 3;
      guint8 v = texture (x, y, &seed);
      p[0] = v;
      p[1] = (guint8) (v / 2 + x);
      p[2] = (guint8) (255 - v);
    }
  }
  if (tjCompress2 (tj, rgb, width, 0, height, TJPF_RGB, &jpeg, &len, TJSAMP_420,
          85, 0) != 0)
    g_error ("tjCompress2: %s", tjGetErrorStr2 (tj));
  bytes = g_bytes_new (jpeg, len);
  tjFree (jpeg);
  tjDestroy (tj);
  return bytes;
}

/* The same JPEG without its DHT segments, as UVC cameras send MJPEG: the
 * decoder is meant to use the standard tables. */
static GBytes *
strip_huffman_tables (GBytes *jpeg)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (jpeg, &len);
  GByteArray *out = g_byte_array_new ();
  gsize i = 2;

  g_byte_array_append (out, d, 2);
  while (i + 4 <= len && d[i] == 0xff) {
    guint marker = d[i + 1];
    gsize seg = 2 + ((gsize) d[i + 2] << 8 | d[i + 3]);
    if (marker == 0xda) /* SOS: the rest is entropy-coded data */
      break;
    if (marker != 0xc4)
      g_byte_array_append (out, d + i, seg);
    i += seg;
  }
  g_byte_array_append (out, d + i, len - i);
  return g_byte_array_free_to_bytes (out);
}

/* TRUE if @data decodes as a JPEG of @width x @height. */
static gboolean
jpeg_decodes (const guint8 *data, gsize len, int width, int height)
{
  tjhandle tj = tjInitDecompress ();
  int w = 0, h = 0, subsamp = 0, colorspace = 0;
  gboolean ok = FALSE;

  if (tjDecompressHeader3 (tj, data, len, &w, &h, &subsamp, &colorspace) == 0 &&
      w == width && h == height) {
    g_autofree guint8 *rgb = g_malloc ((gsize) w * h * 3);
    /* tjDecompress2 returns 0 only with no error and no warning. */
    ok = tjDecompress2 (tj, data, len, rgb, w, 0, h, TJPF_RGB, 0) == 0;
    if (!ok)
      g_printerr ("decoding: %s\n", tjGetErrorStr2 (tj));
  }
  tjDestroy (tj);
  return ok;
}

static GstBuffer *
buffer_from_bytes (GBytes *bytes)
{
  GstBuffer *buf = gst_buffer_new_memdup (g_bytes_get_data (bytes, NULL),
      g_bytes_get_size (bytes));

  GST_BUFFER_PTS (buf) = 2 * GST_SECOND;
  GST_BUFFER_DTS (buf) = 2 * GST_SECOND - 5 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  GST_BUFFER_OFFSET (buf) = 60;
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  return buf;
}

static gboolean
buffer_equals_bytes (GstBuffer *buf, GBytes *bytes)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (bytes, &len);

  return gst_buffer_get_size (buf) == len && gst_buffer_memcmp (buf, 0, d, len) == 0;
}

static guint64
counter (GstHarness *h, const char *name)
{
  guint64 v = 0;
  g_object_get (h->element, name, &v, NULL);
  return v;
}

typedef struct {
  GstHarness *h;
  GstBus *bus;
} Rig;

static Rig
rig_new (const char *caps, gboolean with_key)
{
  Rig rig;

  rig.h = gst_harness_new ("emocapwatermark");
  rig.bus = gst_bus_new ();
  gst_element_set_bus (rig.h->element, rig.bus);
  gst_harness_set_caps_str (rig.h, caps, caps);
  if (with_key)
    emocap_watermark_element_set_key (rig.h->element, test_key);
  return rig;
}

static guint
count_messages (Rig *rig, GstMessageType type)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (rig->bus, type))) {
    n++;
    gst_message_unref (msg);
  }
  return n;
}

static void
rig_free (Rig *rig)
{
  g_assert_cmpuint (count_messages (rig, GST_MESSAGE_ERROR), ==, 0);
  gst_element_set_bus (rig->h->element, NULL);
  gst_object_unref (rig->bus);
  gst_harness_teardown (rig->h);
}

#define JPEG_CAPS "image/jpeg, width=(int)320, height=(int)240, framerate=(fraction)30/1, parsed=(boolean)true"

static void
check_passes_timing (GstBuffer *out)
{
  g_assert_cmpuint (GST_BUFFER_PTS (out), ==, 2 * GST_SECOND);
  g_assert_cmpuint (GST_BUFFER_DTS (out), ==, 2 * GST_SECOND - 5 * GST_MSECOND);
  g_assert_cmpuint (GST_BUFFER_DURATION (out), ==, GST_SECOND / 30);
  g_assert_cmpuint (GST_BUFFER_OFFSET (out), ==, 60);
  g_assert_true (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT));
}

static void
test_jpeg_marked (void)
{
  Rig rig = rig_new (JPEG_CAPS, TRUE);
  g_autoptr (GBytes) jpeg = make_jpeg (320, 240);
  g_autoptr (GstCaps) in_caps = gst_caps_from_string (JPEG_CAPS);
  g_autoptr (GstCaps) out_caps = NULL;
  GstBuffer *out;
  GstMapInfo map;
  EmocapWatermarkMeta *meta;

  g_object_set (rig.h->element, "tag", TAG_A, NULL);
  out = gst_harness_push_and_pull (rig.h, buffer_from_bytes (jpeg));
  g_assert_nonnull (out);

  g_assert_false (buffer_equals_bytes (out, jpeg));
  g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
  g_assert_true (jpeg_decodes (map.data, map.size, 320, 240));
  gst_buffer_unmap (out, &map);
  check_passes_timing (out);

  meta = emocap_buffer_get_watermark_meta (out);
  g_assert_nonnull (meta);
  g_assert_cmphex (meta->tag, ==, TAG_A);

  out_caps = gst_pad_get_current_caps (rig.h->sinkpad);
  g_assert_true (gst_caps_is_equal (in_caps, out_caps));

  g_assert_cmpuint (counter (rig.h, "frames-marked"), ==, 1);
  g_assert_cmpuint (counter (rig.h, "frames-unmarked"), ==, 0);
  g_assert_cmpuint (count_messages (&rig, GST_MESSAGE_WARNING), ==, 0);
  gst_buffer_unref (out);
  rig_free (&rig);
}

/* UVC cameras leave the Huffman tables out of their MJPEG frames. */
static void
test_jpeg_without_huffman_tables (void)
{
  Rig rig = rig_new (JPEG_CAPS, TRUE);
  g_autoptr (GBytes) full = make_jpeg (320, 240);
  g_autoptr (GBytes) jpeg = strip_huffman_tables (full);
  GstBuffer *out;
  GstMapInfo map;

  g_assert_cmpuint (g_bytes_get_size (jpeg), <, g_bytes_get_size (full));
  out = gst_harness_push_and_pull (rig.h, buffer_from_bytes (jpeg));
  g_assert_nonnull (emocap_buffer_get_watermark_meta (out));
  g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
  g_assert_true (jpeg_decodes (map.data, map.size, 320, 240));
  gst_buffer_unmap (out, &map);
  g_assert_cmpuint (counter (rig.h, "frames-marked"), ==, 1);
  gst_buffer_unref (out);
  rig_free (&rig);
}

/* What cannot be parsed goes on as it came: unmarked, counted, no error. */
static void
check_passed_unmarked (Rig *rig, GBytes *bytes, guint64 unmarked)
{
  GstBuffer *out = gst_harness_push_and_pull (rig->h, buffer_from_bytes (bytes));

  g_assert_nonnull (out);
  g_assert_true (buffer_equals_bytes (out, bytes));
  g_assert_null (emocap_buffer_get_watermark_meta (out));
  check_passes_timing (out);
  g_assert_cmpuint (counter (rig->h, "frames-unmarked"), ==, unmarked);
  gst_buffer_unref (out);
}

static void
test_jpeg_garbage (void)
{
  Rig rig = rig_new (JPEG_CAPS, TRUE);
  g_autoptr (GBytes) jpeg = make_jpeg (320, 240);
  guint8 noise[4096];
  g_autoptr (GBytes) garbage = NULL;
  g_autoptr (GBytes) truncated = NULL;
  g_autoptr (GBytes) tiny = g_bytes_new_static ("\xff\xd8", 2);
  guint32 seed = 99;

  for (gsize i = 0; i < sizeof noise; i++)
    noise[i] = texture ((int) i, 0, &seed);
  garbage = g_bytes_new (noise, sizeof noise);
  truncated = g_bytes_new_from_bytes (jpeg, 0, g_bytes_get_size (jpeg) / 2);

  check_passed_unmarked (&rig, garbage, 1);
  check_passed_unmarked (&rig, truncated, 2);
  check_passed_unmarked (&rig, tiny, 3);
  g_assert_cmpuint (counter (rig.h, "frames-marked"), ==, 0);

  /* and the next good frame is marked again */
  gst_buffer_unref (gst_harness_push_and_pull (rig.h, buffer_from_bytes (jpeg)));
  g_assert_cmpuint (counter (rig.h, "frames-marked"), ==, 1);
  rig_free (&rig);
}

static void
test_no_key (void)
{
  Rig rig = rig_new (JPEG_CAPS, FALSE);
  g_autoptr (GBytes) jpeg = make_jpeg (320, 240);

  check_passed_unmarked (&rig, jpeg, 1);
  check_passed_unmarked (&rig, jpeg, 2);
  g_assert_cmpuint (counter (rig.h, "frames-marked"), ==, 0);
  /* said once, on the bus, not for every frame */
  g_assert_cmpuint (count_messages (&rig, GST_MESSAGE_WARNING), ==, 1);

  /* a key given while playing applies from the next frame */
  emocap_watermark_element_set_key (rig.h->element, test_key);
  gst_buffer_unref (gst_harness_push_and_pull (rig.h, buffer_from_bytes (jpeg)));
  g_assert_cmpuint (counter (rig.h, "frames-marked"), ==, 1);
  rig_free (&rig);
}

static void
test_strength_zero (void)
{
  Rig rig = rig_new (JPEG_CAPS, TRUE);
  g_autoptr (GBytes) jpeg = make_jpeg (320, 240);
  double strength = -1;

  g_object_get (rig.h->element, "strength", &strength, NULL);
  g_assert_cmpfloat (strength, ==, EMOCAP_WM_DEFAULT_STRENGTH);
  g_object_set (rig.h->element, "strength", 0.0, NULL);
  check_passed_unmarked (&rig, jpeg, 1);
  rig_free (&rig);
}

/* In passthrough (the recorder's state between takes) a frame goes on as
 * it came, not even looked at: neither marked nor counted; switched back
 * while playing, the next frame is marked. */
static void
test_passthrough (void)
{
  Rig rig = rig_new (JPEG_CAPS, TRUE);
  g_autoptr (GBytes) jpeg = make_jpeg (320, 240);
  g_autoptr (GBytes) garbage = g_bytes_new_static ("\xff\xd8\xff\xdb junk", 10);
  GstBaseTransform *trans = GST_BASE_TRANSFORM (rig.h->element);
  GstBuffer *out;

  out = gst_harness_push_and_pull (rig.h, buffer_from_bytes (jpeg));
  g_assert_nonnull (emocap_buffer_get_watermark_meta (out));
  gst_buffer_unref (out);
  g_assert_cmpuint (counter (rig.h, "frames-marked"), ==, 1);

  gst_base_transform_set_passthrough (trans, TRUE);
  for (int i = 0; i < 3; i++) {
    out = gst_harness_push_and_pull (rig.h, buffer_from_bytes (i == 1 ? garbage : jpeg));
    g_assert_true (buffer_equals_bytes (out, i == 1 ? garbage : jpeg));
    g_assert_null (emocap_buffer_get_watermark_meta (out));
    g_assert_false (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_CORRUPTED));
    check_passes_timing (out);
    gst_buffer_unref (out);
  }
  g_assert_cmpuint (counter (rig.h, "frames-marked"), ==, 1);
  g_assert_cmpuint (counter (rig.h, "frames-unmarked"), ==, 0);

  gst_base_transform_set_passthrough (trans, FALSE);
  out = gst_harness_push_and_pull (rig.h, buffer_from_bytes (jpeg));
  g_assert_false (buffer_equals_bytes (out, jpeg));
  g_assert_nonnull (emocap_buffer_get_watermark_meta (out));
  gst_buffer_unref (out);
  g_assert_cmpuint (counter (rig.h, "frames-marked"), ==, 2);
  rig_free (&rig);
}

/* A new tag applies from the next frame, and marks it differently. */
static void
test_tag_change (void)
{
  Rig rig = rig_new (JPEG_CAPS, TRUE);
  g_autoptr (GBytes) jpeg = make_jpeg (320, 240);
  GstBuffer *a, *b;
  GstMapInfo ma, mb;

  g_object_set (rig.h->element, "tag", TAG_A, NULL);
  a = gst_harness_push_and_pull (rig.h, buffer_from_bytes (jpeg));
  g_object_set (rig.h->element, "tag", TAG_B, NULL);
  b = gst_harness_push_and_pull (rig.h, buffer_from_bytes (jpeg));

  g_assert_cmphex (emocap_buffer_get_watermark_meta (a)->tag, ==, TAG_A);
  g_assert_cmphex (emocap_buffer_get_watermark_meta (b)->tag, ==, TAG_B);
  g_assert_true (gst_buffer_map (a, &ma, GST_MAP_READ));
  g_assert_true (gst_buffer_map (b, &mb, GST_MAP_READ));
  g_assert_false (ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0);
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  rig_free (&rig);
}

static void
test_key_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("emocap-wm-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "watermark.key", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.key", NULL);
  g_autoptr (GBytes) jpeg = make_jpeg (320, 240);
  GString *hex = g_string_new (NULL);
  Rig rig;

  for (gsize i = 0; i < EMOCAP_WM_KEY_LEN; i++)
    g_string_append_printf (hex, "%02x", test_key[i]);
  g_string_append_c (hex, '\n');
  g_assert_true (g_file_set_contents_full (path, hex->str, hex->len,
          G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  g_string_free (hex, TRUE);

  /* the same frame, the same key and tag, by file or directly: the same
   * bytes */
  {
    Rig direct = rig_new (JPEG_CAPS, TRUE);
    GstBuffer *a, *b;

    rig = rig_new (JPEG_CAPS, FALSE);
    g_object_set (rig.h->element, "key-file", path, "tag", TAG_B, NULL);
    g_object_set (direct.h->element, "tag", TAG_B, NULL);
    a = gst_harness_push_and_pull (rig.h, buffer_from_bytes (jpeg));
    b = gst_harness_push_and_pull (direct.h, buffer_from_bytes (jpeg));
    g_assert_nonnull (emocap_buffer_get_watermark_meta (a));
    g_assert_false (buffer_equals_bytes (a, jpeg));
    g_assert_cmpint (gst_buffer_get_size (a), ==, gst_buffer_get_size (b));
    {
      GstMapInfo mb;
      g_assert_true (gst_buffer_map (b, &mb, GST_MAP_READ));
      g_assert_cmpint (gst_buffer_memcmp (a, 0, mb.data, mb.size), ==, 0);
      gst_buffer_unmap (b, &mb);
    }
    gst_buffer_unref (a);
    gst_buffer_unref (b);
    rig_free (&direct);
    rig_free (&rig);
  }

  /* a key file that cannot be read stops the stream with an error */
  rig = rig_new (JPEG_CAPS, FALSE);
  g_object_set (rig.h->element, "key-file", missing, NULL);
  g_assert_cmpint (gst_harness_push (rig.h, buffer_from_bytes (jpeg)), ==, GST_FLOW_ERROR);
  g_assert_cmpuint (count_messages (&rig, GST_MESSAGE_ERROR), ==, 1);
  rig_free (&rig);

  g_unlink (path);
  g_rmdir (dir);
}

/* Raw frames: the luma changes, the chroma does not. */
static void
check_raw (GstVideoFormat format)
{
  const int width = 160, height = 120;
  GstVideoInfo info;
  g_autoptr (GstCaps) caps = NULL;
  g_autofree char *caps_str = NULL;
  GstBuffer *in, *ref, *out;
  GstVideoFrame fin, fout;
  guint32 seed = 3;
  gsize luma_changed = 0, chroma_changed = 0;
  Rig rig;

  gst_video_info_set_format (&info, format, width, height);
  GST_VIDEO_INFO_FPS_N (&info) = 30;
  GST_VIDEO_INFO_FPS_D (&info) = 1;
  caps = gst_video_info_to_caps (&info);
  caps_str = gst_caps_to_string (caps);
  rig = rig_new (caps_str, TRUE);
  g_object_set (rig.h->element, "tag", TAG_A, NULL);

  in = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  g_assert_true (gst_video_frame_map (&fin, &info, in, GST_MAP_WRITE));
  for (guint c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&fin); c++) {
    guint8 *d = GST_VIDEO_FRAME_COMP_DATA (&fin, c);
    int stride = GST_VIDEO_FRAME_COMP_STRIDE (&fin, c);
    int pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (&fin, c);
    for (int y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&fin, c); y++)
      for (int x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&fin, c); x++)
        d[y * stride + x * pstride] = c == 0 ? texture (x, y, &seed) : (guint8) (100 + 20 * c + x % 9);
  }
  gst_video_frame_unmap (&fin);
  GST_BUFFER_PTS (in) = GST_SECOND;
  ref = gst_buffer_copy_deep (in);

  out = gst_harness_push_and_pull (rig.h, in);
  g_assert_nonnull (out);
  g_assert_nonnull (emocap_buffer_get_watermark_meta (out));
  g_assert_cmpuint (GST_BUFFER_PTS (out), ==, GST_SECOND);

  g_assert_true (gst_video_frame_map (&fin, &info, ref, GST_MAP_READ));
  g_assert_true (gst_video_frame_map (&fout, &info, out, GST_MAP_READ));
  for (guint c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&fin); c++) {
    const guint8 *a = GST_VIDEO_FRAME_COMP_DATA (&fin, c);
    const guint8 *b = GST_VIDEO_FRAME_COMP_DATA (&fout, c);
    int sa = GST_VIDEO_FRAME_COMP_STRIDE (&fin, c), sb = GST_VIDEO_FRAME_COMP_STRIDE (&fout, c);
    int pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (&fin, c);
    for (int y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&fin, c); y++)
      for (int x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&fin, c); x++)
        if (a[y * sa + x * pstride] != b[y * sb + x * pstride]) {
          if (c == 0)
            luma_changed++;
          else
            chroma_changed++;
        }
  }
  gst_video_frame_unmap (&fin);
  gst_video_frame_unmap (&fout);

  g_assert_cmpuint (luma_changed, >, (gsize) width * height / 20);
  g_assert_cmpuint (chroma_changed, ==, 0);
  g_assert_cmpuint (counter (rig.h, "frames-marked"), ==, 1);

  gst_buffer_unref (ref);
  gst_buffer_unref (out);
  rig_free (&rig);
}

static void
test_raw_i420 (void)
{
  check_raw (GST_VIDEO_FORMAT_I420);
}

static void
test_raw_nv12 (void)
{
  check_raw (GST_VIDEO_FORMAT_NV12);
}

static void
test_raw_yuy2 (void)
{
  check_raw (GST_VIDEO_FORMAT_YUY2);
}

static void
test_raw_gray8 (void)
{
  check_raw (GST_VIDEO_FORMAT_GRAY8);
}

/* A whole copy of a marked frame (what the recorder stores) still
 * carries the mark; a part of it does not. */
static void
test_meta_copies (void)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 100, NULL);
  GstBuffer *copy, *part;
  EmocapWatermarkMeta *meta;

  meta = (EmocapWatermarkMeta *) gst_buffer_add_meta (buf, EMOCAP_WATERMARK_META_INFO, NULL);
  meta->tag = TAG_B;
  copy = gst_buffer_copy (buf);
  part = gst_buffer_copy_region (buf, GST_BUFFER_COPY_ALL, 10, 20);
  g_assert_nonnull (emocap_buffer_get_watermark_meta (copy));
  g_assert_cmphex (emocap_buffer_get_watermark_meta (copy)->tag, ==, TAG_B);
  g_assert_null (emocap_buffer_get_watermark_meta (part));
  gst_buffer_unref (buf);
  gst_buffer_unref (copy);
  gst_buffer_unref (part);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_assert_true (GST_ELEMENT_REGISTER (emocapwatermark, NULL));

  g_test_add_func ("/wm-element/jpeg/marked", test_jpeg_marked);
  g_test_add_func ("/wm-element/jpeg/without-huffman-tables", test_jpeg_without_huffman_tables);
  g_test_add_func ("/wm-element/jpeg/garbage", test_jpeg_garbage);
  g_test_add_func ("/wm-element/no-key", test_no_key);
  g_test_add_func ("/wm-element/strength-zero", test_strength_zero);
  g_test_add_func ("/wm-element/tag-change", test_tag_change);
  g_test_add_func ("/wm-element/passthrough", test_passthrough);
  g_test_add_func ("/wm-element/key-file", test_key_file);
  g_test_add_func ("/wm-element/raw/i420", test_raw_i420);
  g_test_add_func ("/wm-element/raw/nv12", test_raw_nv12);
  g_test_add_func ("/wm-element/raw/yuy2", test_raw_yuy2);
  g_test_add_func ("/wm-element/raw/gray8", test_raw_gray8);
  g_test_add_func ("/wm-element/meta-copies", test_meta_copies);
  return g_test_run ();
}
