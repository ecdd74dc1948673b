/* emocap: watermark detection on a clip — decode any file GStreamer reads
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <emocap/error.h>
#include <emocap/watermark.h>

/* Share of the progress bar decoding takes; the search gets the rest. */
#define DECODE_SHARE 0.6

typedef struct {
  EmocapWmProgress progress;
  gpointer user_data;
} SearchProgress;

static void
on_pad_added (GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  GstElement *convert = user_data;
  g_autoptr (GstPad) sink = gst_element_get_static_pad (convert, "sink");
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const GstStructure *s;

  if (gst_pad_is_linked (sink) || caps == NULL || gst_caps_is_empty (caps))
    return;
  s = gst_caps_get_structure (caps, 0);
  if (g_str_has_prefix (gst_structure_get_name (s), "video/"))
    gst_pad_link (pad, sink);
}

static void
on_search_progress (double fraction, gpointer user_data)
{
  SearchProgress *sp = user_data;

  sp->progress (DECODE_SHARE + (1.0 - DECODE_SHARE) * fraction, sp->user_data);
}

/* The first error on @bus, as a GError naming @path. */
static void
set_bus_error (GstBus *bus, const char *path, GError **error)
{
  g_autoptr (GstMessage) msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  g_autoptr (GError) gerr = NULL;

  if (msg) {
    gst_message_parse_error (msg, &gerr, NULL);
    g_set_error (error, EMOCAP_ERROR,
        g_error_matches (gerr, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND) ||
        g_error_matches (gerr, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ) ?
        EMOCAP_ERROR_IO : EMOCAP_ERROR_INVALID_MEDIA,
        "%s: cannot be decoded: %s", path, gerr->message);
  } else {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "%s: has no video that can be decoded", path);
  }
}

gboolean
emocap_wm_detect_file (const guint8 key[EMOCAP_WM_KEY_LEN], const char *path,
    guint frame_step, EmocapWmProgress progress, gpointer user_data,
    EmocapWmResult *result, GError **error)
{
  g_autoptr (EmocapWmDetector) det = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstBus) bus = NULL;
  GstElement *src, *decode, *convert, *filter, *sink;
  g_autoptr (GstCaps) gray = NULL;
  gint64 duration = -1;
  guint64 index = 0;
  gboolean ok = TRUE;
  SearchProgress sp = { progress, user_data };

  g_return_val_if_fail (key != NULL && path != NULL && result != NULL, FALSE);

  memset (result, 0, sizeof *result);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "%s: no such file", path);
    return FALSE;
  }

  pipeline = gst_object_ref_sink (gst_pipeline_new ("emocap-detect"));
  src = gst_element_factory_make ("filesrc", NULL);
  decode = gst_element_factory_make ("decodebin", NULL);
  convert = gst_element_factory_make ("videoconvert", NULL);
  filter = gst_element_factory_make ("capsfilter", NULL);
  sink = gst_element_factory_make ("appsink", NULL);
  if (!src || !decode || !convert || !filter || !sink) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "GStreamer's base plugins are missing (filesrc, decodebin, "
        "videoconvert, appsink): install gstreamer1.0-plugins-base");
    return FALSE;
  }
  g_object_set (src, "location", path, NULL);
  gray = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "GRAY8", NULL);
  g_object_set (filter, "caps", gray, NULL);
  g_object_set (sink, "sync", FALSE, "max-buffers", 4, "drop", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, decode, convert, filter, sink, NULL);
  gst_element_link (src, decode);
  gst_element_link_many (convert, filter, sink, NULL);
  g_signal_connect (decode, "pad-added", G_CALLBACK (on_pad_added), convert);

  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    set_bus_error (bus, path, error);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    return FALSE;
  }

  det = emocap_wm_detector_new (key);
  for (;;) {
    g_autoptr (GstSample) sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
    GstVideoInfo info;
    GstVideoFrame frame;
    GstBuffer *buffer;

    if (sample == NULL) {
      if (!gst_app_sink_is_eos (GST_APP_SINK (sink)) || index == 0) {
        set_bus_error (bus, path, error);
        ok = FALSE;
      }
      break;
    }
    buffer = gst_sample_get_buffer (sample);
    if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample)))
      continue;
    if (duration < 0 &&
        !gst_element_query_duration (pipeline, GST_FORMAT_TIME, &duration))
      duration = 0;
    if (index++ % MAX (frame_step, 1) == 0 &&
        gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ)) {
      emocap_wm_detector_add_frame (det, GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
          GST_VIDEO_FRAME_WIDTH (&frame), GST_VIDEO_FRAME_HEIGHT (&frame),
          GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0));
      gst_video_frame_unmap (&frame);
    }
    if (progress && duration > 0 && GST_BUFFER_PTS_IS_VALID (buffer))
      progress (DECODE_SHARE * MIN (1.0,
              (double) GST_BUFFER_PTS (buffer) / duration), user_data);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (!ok)
    return FALSE;

  emocap_wm_detector_run (det, result, progress ? on_search_progress : NULL, &sp);
  return TRUE;
}
