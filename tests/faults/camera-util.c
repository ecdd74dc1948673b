/* emocap tests: sessions recorded from the test camera
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <turbojpeg.h>

#include "camera-util.h"
#include "tests/testcam/testcam-preload.h"

#define WAIT_US (120 * G_USEC_PER_SEC)

Studio *
camera_studio_new (const char *cameras)
{
  Studio *studio = studio_new ();
  g_autofree char *preload = testcam_preload_new ();
  g_autofree char *log = g_build_filename (studio->dir, "camera.log", NULL);
  g_auto (GStrv) parts = g_strsplit (cameras, "@DIR@", -1);
  g_autofree char *config = g_strjoinv (studio->dir, parts);

  g_assert_nonnull (preload);
  studio_setenv (studio, "LD_PRELOAD", preload);
  studio_setenv (studio, "EMOCAP_TESTCAM", config);
  studio_setenv (studio, "EMOCAP_TESTCAM_LOG", log);
  return studio;
}

char *
camera_trigger_path (Studio *studio, const char *name)
{
  return g_build_filename (studio->dir, name, NULL);
}

void
camera_fire (Studio *studio, const char *name)
{
  g_autofree char *path = camera_trigger_path (studio, name);
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
}

char *
camera_log (Studio *studio)
{
  g_autofree char *path = g_build_filename (studio->dir, "camera.log", NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    text = g_strdup ("");
  return text;
}

void
wait_for_bytes (const char *path)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  struct stat st;

  while (stat (path, &st) < 0 || st.st_size == 0) {
    if (g_get_monotonic_time () > deadline)
      g_error ("%s was not written to within two minutes", path);
    g_usleep (20 * 1000);
  }
}

char *
wait_for_line (int fd, const char *needle, GString *seen)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  gsize scanned = seen->len;

  for (;;) {
    struct pollfd p = { fd, POLLIN, 0 };
    char buf[4096];
    ssize_t n;
    char *nl;

    /* complete lines not looked at yet */
    while ((nl = memchr (seen->str + scanned, '\n', seen->len - scanned)) != NULL) {
      g_autofree char *line = g_strndup (seen->str + scanned, nl - (seen->str + scanned));
      scanned = (gsize) (nl - seen->str) + 1;
      if (strstr (line, needle))
        return g_steal_pointer (&line);
    }
    if (g_get_monotonic_time () > deadline)
      return NULL;
    if (poll (&p, 1, 200) <= 0)
      continue;
    n = read (fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return NULL;
    g_string_append_len (seen, buf, n);
  }
}

static GstFlowReturn
collect_frame (GstAppSink *sink, gpointer data)
{
  GPtrArray *frames = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf = sample ? gst_sample_get_buffer (sample) : NULL;
  GstMapInfo map;

  if (buf && gst_buffer_map (buf, &map, GST_MAP_READ)) {
    g_ptr_array_add (frames, g_bytes_new (map.data, map.size));
    gst_buffer_unmap (buf, &map);
  }
  return GST_FLOW_OK;
}

GPtrArray *
read_video_frames (const char *path)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree char *desc = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  GstAppSinkCallbacks callbacks = { .new_sample = collect_frame };

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  desc = g_strdup_printf ("filesrc location=\"%s\" ! matroskademux ! image/jpeg "
      "! appsink name=frames sync=false", path);
  pipeline = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "frames");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, frames, NULL);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return frames;
}

GPtrArray *
write_frame_folder (Studio *studio, const char *folder, int n, int width, int height)
{
  g_autofree char *dir = g_build_filename (studio->dir, folder, NULL);
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  tjhandle tj = tjInitCompress ();
  guint8 *rgb = g_malloc ((gsize) width * height * 3);
  guint32 x = 0x9e3779b9u;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (int f = 0; f < n; f++) {
    g_autofree char *name = g_strdup_printf ("frame-%02d.jpg", f);
    g_autofree char *path = g_build_filename (dir, name, NULL);
    unsigned char *jpeg = NULL;
    unsigned long len = 0;

    /* soft shapes moving from frame to frame, with a fine grain: busy
     * enough to carry the watermark, different in every frame */
    for (int y = 0; y < height; y++) {
      for (int i = 0; i < width; i++) {
        guint8 *p = rgb + 3 * ((gsize) y * width + i);
        int bands = (int) (96 + 60 * sin ((i + 9 * f) / 23.0) +
            40 * sin ((y + 5 * f) / 17.0));
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[0] = (guint8) CLAMP (bands + (int) (x & 15), 0, 255);
        p[1] = (guint8) CLAMP (bands / 2 + 60 + (int) ((x >> 4) & 15), 0, 255);
        p[2] = (guint8) CLAMP (200 - bands / 2 + (int) ((x >> 8) & 15), 0, 255);
      }
    }
    g_assert_cmpint (tjCompress2 (tj, rgb, width, 0, height, TJPF_RGB, &jpeg, &len,
            TJSAMP_422, 85, 0), ==, 0);
    g_assert_true (g_file_set_contents (path, (const char *) jpeg, (gssize) len, NULL));
    g_ptr_array_add (frames, g_bytes_new (jpeg, len));
    tjFree (jpeg);
  }
  tjDestroy (tj);
  g_free (rgb);
  return frames;
}

json_t *
read_take_json (Studio *studio, const char *session, const char *take)
{
  g_autofree char *path = g_build_filename (studio->archive, "sessions", session, "takes",
      take, "take.json", NULL);
  return read_json_file (path);
}

json_t *
take_camera (json_t *take_json, const char *camera)
{
  size_t i;
  json_t *c;

  json_array_foreach (json_object_get (take_json, "cameras"), i, c) {
    if (g_strcmp0 (json_string_value (json_object_get (c, "id")), camera) == 0)
      return c;
  }
  return NULL;
}

gboolean
take_flagged (json_t *take_json, const char *flag)
{
  size_t i;
  json_t *f;

  json_array_foreach (json_object_get (take_json, "flags"), i, f) {
    if (g_strcmp0 (json_string_value (f), flag) == 0)
      return TRUE;
  }
  return FALSE;
}

void
check_session_verifies (Studio *studio, const char *session)
{
  g_autofree char *dir = g_build_filename (studio->archive, "sessions", session, NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *argv[] = { "verify", dir, NULL };
  int status = studio_run (studio, NULL, &out, &err, argv);

  check (status == 0, "verify of %s exited %d: %s", session, status, err);
}
