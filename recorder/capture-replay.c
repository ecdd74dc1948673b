/* emocap: a recording replayed as a live camera ("file:PATH")
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * filesrc ─ decodebin ─┬─ (image/jpeg) ─────────────────────────────── appsink
 *                      └─ (raw) videoconvert ─ videoscale ─ videorate ─
 *                         capsfilter ─ jpegenc ──────────────────────── appsink
 *
 * The decoding pipeline runs as fast as the appsink lets it; a thread pulls
 * the frames, waits on the capture pipeline's clock until each frame's time
 * has come, and pushes it into the capture pipeline's live appsrc with a
 * running-time timestamp.  At the end of the file it seeks back to the
 * start and goes on, so a short recording loops for as long as a take.
 */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <emocap/error.h>

#include "capture-private.h"

struct _EmocapReplay {
  const EmocapCamera *camera;
  GstElement *appsrc;        /* in the capture pipeline */
  GstElement *decoder;       /* our own pipeline */
  GstElement *sink;
  GstElement *capture;       /* the capture pipeline, for clock and base */

  GThread *thread;
  GMutex lock;
  gboolean stop;
  GstClockID wait_id;
  GError *error;
  gboolean linked;
};

static void
replay_set_error (EmocapReplay *replay, GError *error)
{
  g_mutex_lock (&replay->lock);
  if (replay->error == NULL)
    replay->error = error;
  else
    g_error_free (error);
  g_mutex_unlock (&replay->lock);
}

static GstElement *
add_element (GstBin *bin, const char *factory, GError **error)
{
  GstElement *e = emocap_make_element (factory, NULL, error);
  if (e)
    gst_bin_add (bin, e);
  return e;
}

/* Builds the raw-video tail: convert to the camera's size and rate and
 * encode to MJPEG, so a replayed camera delivers what a real one does. */
static GstElement *
build_raw_tail (EmocapReplay *replay, GError **error)
{
  GstBin *bin = GST_BIN (replay->decoder);
  const EmocapCamera *cam = replay->camera;
  GstElement *convert, *scale, *rate, *filter, *enc;
  g_autoptr (GstCaps) caps = NULL;

  if (!(convert = add_element (bin, "videoconvert", error)) ||
      !(scale = add_element (bin, "videoscale", error)) ||
      !(rate = add_element (bin, "videorate", error)) ||
      !(filter = add_element (bin, "capsfilter", error)) ||
      !(enc = add_element (bin, "jpegenc", error)))
    return NULL;

  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420",
      "width", G_TYPE_INT, cam->width, "height", G_TYPE_INT, cam->height,
      "framerate", GST_TYPE_FRACTION, cam->fps_n, cam->fps_d,
      "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  g_object_set (filter, "caps", caps, NULL);
  /* Replays must not skip or stretch: videorate only fills the camera's
   * rate from the file's. */
  if (!gst_element_link_many (convert, scale, rate, filter, enc, replay->sink, NULL)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "camera '%s': cannot convert '%s' to %dx%d", cam->id, cam->path,
        cam->width, cam->height);
    return NULL;
  }
  for (GstElement *const *e = (GstElement *const[]) { convert, scale, rate, filter, enc, NULL }; *e; e++)
    gst_element_sync_state_with_parent (*e);
  return convert;
}

static void
on_pad_added (GstElement *decodebin, GstPad *pad, gpointer data)
{
  EmocapReplay *replay = data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const GstStructure *s;
  g_autoptr (GError) error = NULL;
  GstElement *head = NULL;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  s = gst_caps_get_structure (caps, 0);

  if (replay->linked || (!g_str_has_prefix (gst_structure_get_name (s), "video/") &&
      !gst_structure_has_name (s, "image/jpeg"))) {
    /* Other streams (sound, a second picture) are not replayed. */
    GstElement *fake = add_element (GST_BIN (replay->decoder), "fakesink", &error);
    if (fake) {
      g_object_set (fake, "sync", FALSE, "async", FALSE, NULL);
      gst_element_sync_state_with_parent (fake);
      head = fake;
    }
  } else if (gst_structure_has_name (s, "image/jpeg")) {
    replay->linked = TRUE;
    head = replay->sink;
  } else if (gst_structure_has_name (s, "video/x-raw")) {
    replay->linked = TRUE;
    head = build_raw_tail (replay, &error);
  } else {
    g_autofree char *str = gst_caps_to_string (caps);
    g_set_error (&error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "camera '%s': cannot decode the video of '%s' (%s): is gstreamer1.0-libav installed?",
        replay->camera->id, replay->camera->path, str);
  }

  if (head) {
    g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (head, "sink");
    if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK && error == NULL)
      g_set_error (&error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
          "camera '%s': cannot replay the video of '%s'", replay->camera->id,
          replay->camera->path);
  }
  if (error)
    replay_set_error (replay, g_steal_pointer (&error));
}

/* Stop autoplugging at encoded sound: it is never replayed, so it needs no
 * decoder. */
static gboolean
on_autoplug_continue (GstElement *bin, GstPad *pad, GstCaps *caps, gpointer data)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  return !g_str_has_prefix (gst_structure_get_name (s), "audio/") &&
      !g_str_has_prefix (gst_structure_get_name (s), "text/") &&
      !g_str_has_prefix (gst_structure_get_name (s), "subpicture/");
}

EmocapReplay *
emocap_replay_new (const EmocapCamera *camera, GstElement *appsrc,
    GError **error)
{
  EmocapReplay *replay;
  GstElement *src, *decode;
  g_autoptr (GstCaps) stop_caps = NULL;
  g_autofree char *name = g_strdup_printf ("replay-%s", camera->id);

  g_return_val_if_fail (camera->kind == EMOCAP_SOURCE_FILE, NULL);

  replay = g_new0 (EmocapReplay, 1);
  g_mutex_init (&replay->lock);
  replay->camera = camera;
  replay->appsrc = gst_object_ref (appsrc);
  replay->decoder = gst_object_ref_sink (gst_pipeline_new (name));

  if (!(src = add_element (GST_BIN (replay->decoder), "filesrc", error)) ||
      !(decode = add_element (GST_BIN (replay->decoder), "decodebin", error)) ||
      !(replay->sink = add_element (GST_BIN (replay->decoder), "appsink", error))) {
    emocap_replay_free (replay);
    return NULL;
  }
  g_object_set (src, "location", camera->path, NULL);
  /* Stop at MJPEG as well as at raw video: MJPEG is passed through. */
  stop_caps = gst_caps_from_string ("image/jpeg; video/x-raw(ANY); "
      "audio/x-raw(ANY); text/x-raw(ANY); subpicture/x-dvd; subpicture/x-pgs");
  g_object_set (decode, "caps", stop_caps, NULL);
  g_object_set (replay->sink, "sync", FALSE, "max-buffers", 4, "drop", FALSE,
      "emit-signals", FALSE, NULL);
  gst_element_link (src, decode);
  g_signal_connect (decode, "pad-added", G_CALLBACK (on_pad_added), replay);
  g_signal_connect (decode, "autoplug-continue", G_CALLBACK (on_autoplug_continue), replay);
  return replay;
}

static GstClockTime
capture_running_time (EmocapReplay *replay, GstClock *clock)
{
  return gst_clock_get_time (clock) - gst_element_get_base_time (replay->capture);
}

/* Waits until running time @rt on the capture clock; FALSE when stopped. */
static gboolean
wait_until (EmocapReplay *replay, GstClock *clock, GstClockTime rt)
{
  GstClockID id = gst_clock_new_single_shot_id (clock,
      gst_element_get_base_time (replay->capture) + rt);
  gboolean stopped;

  g_mutex_lock (&replay->lock);
  stopped = replay->stop;
  if (!stopped)
    replay->wait_id = id;
  g_mutex_unlock (&replay->lock);

  if (!stopped)
    gst_clock_id_wait (id, NULL);

  g_mutex_lock (&replay->lock);
  replay->wait_id = NULL;
  stopped = replay->stop;
  g_mutex_unlock (&replay->lock);
  gst_clock_id_unref (id);
  return !stopped;
}

static gboolean
replay_stopped (EmocapReplay *replay)
{
  gboolean stop;

  g_mutex_lock (&replay->lock);
  stop = replay->stop;
  g_mutex_unlock (&replay->lock);
  return stop;
}

static gpointer
replay_thread (gpointer data)
{
  EmocapReplay *replay = data;
  g_autoptr (GstClock) clock = gst_element_get_clock (replay->capture);
  GstClockTime start = GST_CLOCK_TIME_NONE;   /* running time of frame 0 */
  GstClockTime loop_offset = 0;               /* length of the loops so far */
  GstClockTime loop_first = GST_CLOCK_TIME_NONE;
  GstClockTime loop_length = 0;
  GstClockTime fallback = gst_util_uint64_scale (GST_SECOND,
      replay->camera->fps_d, replay->camera->fps_n);
  guint64 frames_this_loop = 0;
  gboolean caps_set = FALSE;

  while (!replay_stopped (replay)) {
    g_autoptr (GstSample) sample = gst_app_sink_pull_sample (GST_APP_SINK (replay->sink));
    GstBuffer *in, *out;
    GstClockTime pts, dur, rt;

    if (sample == NULL) {
      if (replay_stopped (replay) || !gst_app_sink_is_eos (GST_APP_SINK (replay->sink)))
        break;
      if (frames_this_loop == 0) {
        replay_set_error (replay, g_error_new (EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
                "camera '%s': '%s' holds no video frames", replay->camera->id,
                replay->camera->path));
        break;
      }
      /* Loop: the next pass starts where this one ended. */
      loop_offset += loop_length;
      loop_first = GST_CLOCK_TIME_NONE;
      loop_length = 0;
      frames_this_loop = 0;
      if (!gst_element_seek_simple (replay->decoder, GST_FORMAT_TIME,
              GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT, 0)) {
        /* Not seekable (e.g. a bare stream): start it again. */
        gst_element_set_state (replay->decoder, GST_STATE_READY);
        gst_element_set_state (replay->decoder, GST_STATE_PLAYING);
      }
      continue;
    }

    in = gst_sample_get_buffer (sample);
    pts = GST_BUFFER_PTS (in);
    if (!GST_CLOCK_TIME_IS_VALID (pts))
      pts = GST_CLOCK_TIME_IS_VALID (loop_first) ? loop_first + loop_length : 0;
    if (!GST_CLOCK_TIME_IS_VALID (loop_first))
      loop_first = pts;
    if (pts < loop_first)
      pts = loop_first;
    dur = GST_BUFFER_DURATION_IS_VALID (in) ? GST_BUFFER_DURATION (in) : fallback;

    if (!caps_set) {
      gst_app_src_set_caps (GST_APP_SRC (replay->appsrc), gst_sample_get_caps (sample));
      caps_set = TRUE;
    }
    if (!GST_CLOCK_TIME_IS_VALID (start))
      start = capture_running_time (replay, clock);

    rt = start + loop_offset + (pts - loop_first);
    if (!wait_until (replay, clock, rt))
      break;

    out = gst_buffer_copy (in);
    GST_BUFFER_PTS (out) = rt;
    GST_BUFFER_DTS (out) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (out) = dur;
    if (gst_app_src_push_buffer (GST_APP_SRC (replay->appsrc), out) != GST_FLOW_OK)
      break;

    frames_this_loop++;
    loop_length = MAX (loop_length, pts - loop_first + dur);
  }
  return NULL;
}

static gboolean
check_decoder_bus (EmocapReplay *replay)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (replay->decoder);
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR))) {
    g_autoptr (GError) err = NULL;
    gst_message_parse_error (msg, &err, NULL);
    replay_set_error (replay, g_error_new (EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
            "camera '%s': cannot replay '%s': %s", replay->camera->id,
            replay->camera->path, err->message));
    gst_message_unref (msg);
  }
  return TRUE;
}

gboolean
emocap_replay_start (EmocapReplay *replay, GstElement *pipeline, GError **error)
{
  replay->capture = gst_object_ref (pipeline);

  if (gst_element_set_state (replay->decoder, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    GError *err = emocap_replay_get_error (replay);
    check_decoder_bus (replay);
    if (err == NULL)
      err = emocap_replay_get_error (replay);
    if (err == NULL)
      err = g_error_new (EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
          "camera '%s': cannot replay '%s'", replay->camera->id, replay->camera->path);
    g_propagate_error (error, err);
    return FALSE;
  }
  replay->thread = g_thread_new ("emocap-replay", replay_thread, replay);
  return TRUE;
}

GError *
emocap_replay_get_error (EmocapReplay *replay)
{
  GError *copy = NULL;

  check_decoder_bus (replay);
  g_mutex_lock (&replay->lock);
  if (replay->error)
    copy = g_error_copy (replay->error);
  g_mutex_unlock (&replay->lock);
  return copy;
}

void
emocap_replay_free (EmocapReplay *replay)
{
  if (replay == NULL)
    return;

  g_mutex_lock (&replay->lock);
  replay->stop = TRUE;
  if (replay->wait_id)
    gst_clock_id_unschedule (replay->wait_id);
  g_mutex_unlock (&replay->lock);

  /* Unblocks a pull in progress (it returns NULL when flushing). */
  gst_element_set_state (replay->decoder, GST_STATE_NULL);
  if (replay->thread)
    g_thread_join (replay->thread);

  gst_object_unref (replay->decoder);
  gst_object_unref (replay->appsrc);
  if (replay->capture)
    gst_object_unref (replay->capture);
  g_clear_error (&replay->error);
  g_mutex_clear (&replay->lock);
  g_free (replay);
}
