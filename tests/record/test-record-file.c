/* emocap tests: recordings replayed as cameras ("file:PATH")
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An MJPEG recording passes through frame for frame, looping when shorter
 * than the take, each frame watermarked (so no longer byte for byte, but
 * the same picture); an H.264 recording is encoded to MJPEG at the size
 * and rate the script asks for.
 */
#include <string.h>

#include "record-util.h"

static const char script_text[] =
    "{\n"
    "  \"emocap\": 1, \"session\": \"replay\", \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\", \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"cameras\": [\n"
    "    { \"id\": \"mjpeg\", \"device\": \"file:clips/short-mjpeg.mkv\" },\n"
    "    { \"id\": \"h264\", \"device\": \"file:clips/h264.mp4\", \"width\": 320, \"height\": 240, \"fps\": 30 }\n"
    "  ],\n"
    "  \"audio\": { \"device\": \"none\" },\n"
    "  \"takes\": [ { \"emotion\": \"neutral\", \"seconds\": 2 } ]\n"
    "}\n";

static gboolean
tool (const char *const *argv)
{
  g_autofree char *err = NULL;
  int st = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
          NULL, NULL, NULL, &err, &st, NULL) || !g_spawn_check_wait_status (st, NULL)) {
    g_printerr ("%s failed: %s\n", argv[0], err);
    return FALSE;
  }
  return TRUE;
}

/* MD5 of every video packet, in order. */
static GPtrArray *
packet_hashes (const char *path)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_packets",
    "-show_data_hash", "md5", "-of", "csv=p=0", "-show_entries", "packet=data_hash", path, NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *hashes = g_ptr_array_new_with_free_func (g_free);

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
          &out, NULL, NULL, NULL));
  lines = g_strsplit (out, "\n", -1);
  for (char **l = lines; *l; l++) {
    if (**l)
      g_ptr_array_add (hashes, g_strdup (g_strstrip (*l)));
  }
  return hashes;
}

/* Frames decoded to planar 4:4:4, luma then chroma: the watermark is in
 * the luma alone and leaves the chroma's coded data as it was, so a marked
 * frame's chroma is its source frame's, exactly, and its luma is not. */
#define WIDTH 352
#define HEIGHT 288
#define PLANE (WIDTH * HEIGHT)
#define FRAME (3 * PLANE)

static int
source_of (const guint8 *src, guint n_src, const guint8 *rec)
{
  for (guint j = 0; j < n_src; j++) {
    const guint8 *s = src + (gsize) j * FRAME;
    if (memcmp (s + PLANE, rec + PLANE, 2 * PLANE) == 0)
      return memcmp (s, rec, PLANE) != 0 ? (int) j : -2;
  }
  return -1;
}

static void
test_replay (void)
{
  Studio *studio = studio_new ();
  g_autofree char *script = studio_write_script (studio, "script.json", script_text);
  g_autofree char *consent_path = studio_write_consent (studio, "\"all\"");
  g_autofree char *clips = g_build_filename (studio->dir, "clips", NULL);
  g_autofree char *mjpeg = g_build_filename (clips, "short-mjpeg.mkv", NULL);
  g_autofree char *h264 = g_build_filename (clips, "h264.mp4", NULL);
  g_autofree char *take = g_build_filename (studio->archive, "sessions", "replay", "takes",
      "001-neutral", NULL);
  g_autofree char *out_mjpeg = g_build_filename (take, "mjpeg.mkv", NULL);
  g_autofree char *out_h264 = g_build_filename (take, "h264.mkv", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GPtrArray) src_hashes = NULL;
  g_autoptr (GPtrArray) rec_hashes = NULL;
  g_autoptr (GBytes) src_yuv = NULL;
  g_autoptr (GBytes) rec_yuv = NULL;
  g_autoptr (json_t) p1 = NULL;
  g_autoptr (json_t) p2 = NULL;
  const char *make_mjpeg[] = { "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
    "testsrc=size=352x288:rate=25", "-frames:v", "15", "-c:v", "mjpeg", "-q:v", "4",
    mjpeg, NULL };
  const char *make_h264[] = { "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
    "testsrc=size=400x300:rate=24:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
    h264, NULL };
  const char *argv[] = { "record", script, "--archive", studio->archive, "--auto",
    "--consent-file", consent_path, NULL };
  json_t *v1, *v2;
  int status;

  g_mkdir_with_parents (clips, 0700);
  g_assert_true (tool (make_mjpeg));
  g_assert_true (tool (make_h264));

  status = studio_run (studio, NULL, &out, &err, argv);
  check (status == 0, "exit %d\n%s%s", status, out, err);

  /* MJPEG: the file's own frames, in order, looping: 2 s at 25 fps is 50
   * frames out of a 15-frame recording.  Each is watermarked, so none is
   * the file's byte for byte, and each is still its picture. */
  src_hashes = packet_hashes (mjpeg);
  rec_hashes = packet_hashes (out_mjpeg);
  g_assert_cmpuint (src_hashes->len, ==, 15);
  check (rec_hashes->len == 50, "%u frames replayed, expected 50", rec_hashes->len);
  for (guint i = 0; i < rec_hashes->len; i++)
    for (guint j = 0; j < src_hashes->len; j++)
      check (!g_str_equal (g_ptr_array_index (rec_hashes, i), g_ptr_array_index (src_hashes, j)),
          "frame %u is the recording's frame %u unmarked", i, j);
  src_yuv = decode_video (mjpeg, "yuv444p");
  rec_yuv = decode_video (out_mjpeg, "yuv444p");
  g_assert_nonnull (src_yuv);
  g_assert_nonnull (rec_yuv);
  g_assert_cmpuint (g_bytes_get_size (src_yuv), ==, 15 * FRAME);
  g_assert_cmpuint (g_bytes_get_size (rec_yuv), ==, rec_hashes->len * FRAME);
  /* The take starts at the cue, wherever the loop is then. */
  {
    const guint8 *s = g_bytes_get_data (src_yuv, NULL);
    const guint8 *r = g_bytes_get_data (rec_yuv, NULL);
    int first = rec_hashes->len ? source_of (s, 15, r) : -1;

    for (guint j = 1; j < 15; j++)
      g_assert_cmpint (source_of (s, j, s + (gsize) j * FRAME), ==, -1);
    check (first >= 0, "the first frame is %s", first == -2 ?
        "the recording's unmarked" : "none of the recording's");
    for (guint i = 1; i < rec_hashes->len && first >= 0; i++)
      check (source_of (s, 15, r + (gsize) i * FRAME) == (int) ((first + i) % 15),
          "frame %u is not the recording's frame %u, marked", i, (first + i) % 15);
  }
  check_take_watermark (studio->archive, "replay", "001-neutral");
  p1 = probe_media (out_mjpeg);
  v1 = json_array_get (json_object_get (p1, "streams"), 0);
  check (json_integer_value (json_object_get (v1, "width")) == WIDTH &&
      g_strcmp0 (json_string_value (json_object_get (v1, "r_frame_rate")), "25/1") == 0,
      "passed-through MJPEG changed format");
  check (json_array_size (json_object_get (p1, "streams")) == 1, "a sound track with audio none");

  /* H.264: encoded to MJPEG at the script's size and rate. */
  p2 = probe_media (out_h264);
  v2 = json_array_get (json_object_get (p2, "streams"), 0);
  check (g_strcmp0 (json_string_value (json_object_get (v2, "codec_name")), "mjpeg") == 0 &&
      json_integer_value (json_object_get (v2, "width")) == 320 &&
      json_integer_value (json_object_get (v2, "height")) == 240 &&
      g_strcmp0 (json_string_value (json_object_get (v2, "r_frame_rate")), "30/1") == 0,
      "H.264 replay not converted to MJPEG 320x240 at 30 fps");
  check (g_strcmp0 (json_string_value (json_object_get (v2, "nb_read_packets")), "60") == 0,
      "H.264 replay: %s frames, expected 60",
      json_string_value (json_object_get (v2, "nb_read_packets")));
  studio_free (studio);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/record/file", test_replay);
  return g_test_run ();
}
