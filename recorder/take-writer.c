/* emocap: one camera's Matroska file for one take
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * appsrc (MJPEG) ─┐
 *                 ├─ matroskamux ─ filesink
 * appsrc (PCM) ───┘
 *
 * The capture pipeline stays live for the whole session; each take gets a
 * small non-live pipeline of its own, so that closing a file (EOS, the
 * muxer rewriting its header) never disturbs the cameras.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gst/app/gstappsrc.h>

#include <emocap/error.h>

#include "capture-private.h"
#include "emocap-config.h"
#include "storage.h"

struct _EmocapTakeWriter {
  char *path;
  GstElement *pipeline;
  GstElement *video_src;
  GstElement *audio_src;
  gboolean video_ended;
  gboolean audio_ended;
  GError *error;           /* the first error the pipeline posted */
  gboolean eos;
};

static const struct {
  const char *factory;
  const char *package;
} element_packages[] = {
  { "appsrc", "gstreamer1.0-plugins-base" },
  { "appsink", "gstreamer1.0-plugins-base" },
  { "videotestsrc", "gstreamer1.0-plugins-base" },
  { "audiotestsrc", "gstreamer1.0-plugins-base" },
  { "videoconvert", "gstreamer1.0-plugins-base" },
  { "videoscale", "gstreamer1.0-plugins-base" },
  { "videorate", "gstreamer1.0-plugins-base" },
  { "audioconvert", "gstreamer1.0-plugins-base" },
  { "audioresample", "gstreamer1.0-plugins-base" },
  { "decodebin", "gstreamer1.0-plugins-base" },
  { "alsasrc", "gstreamer1.0-alsa" },
  { "v4l2src", "gstreamer1.0-plugins-good" },
  { "jpegenc", "gstreamer1.0-plugins-good" },
  { "matroskamux", "gstreamer1.0-plugins-good" },
  { "jpegparse", "gstreamer1.0-plugins-bad" },
};

GstElement *
emocap_make_element (const char *factory, const char *name, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, name);
  const char *package = "a GStreamer plugin package";

  if (element)
    return element;
  for (gsize i = 0; i < G_N_ELEMENTS (element_packages); i++) {
    if (g_str_equal (element_packages[i].factory, factory))
      package = element_packages[i].package;
  }
  g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
      "GStreamer element '%s' is missing: install %s (apt-get install %s)",
      factory, package, package);
  return NULL;
}

static GstElement *
make_appsrc (const char *name, GstCaps *caps, GError **error)
{
  GstElement *src = emocap_make_element ("appsrc", name, error);

  if (src == NULL)
    return NULL;
  /* Unbounded queue: the capture threads must never block on a disk that
   * is momentarily slow; the muxer catches up. */
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME,
      "is-live", FALSE, "block", FALSE, "max-bytes", (guint64) 0, NULL);
  return src;
}

/* appsrc's template is ANY, so name the muxer's pad to link to. */
static gboolean
link_to_mux (GstElement *src, GstElement *mux, const char *pad_template)
{
  g_autoptr (GstPad) srcpad = gst_element_get_static_pad (src, "src");
  g_autoptr (GstPad) sinkpad = gst_element_request_pad_simple (mux, pad_template);

  return sinkpad != NULL && gst_pad_link (srcpad, sinkpad) == GST_PAD_LINK_OK;
}

EmocapTakeWriter *
emocap_take_writer_new (const char *path, GstCaps *video_caps,
    GstCaps *audio_caps, GError **error)
{
  g_autoptr (GstElement) pipeline = NULL;
  GstElement *mux, *sink, *vsrc, *asrc = NULL;
  g_autofree char *name = NULL;
  EmocapTakeWriter *writer;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (GST_IS_CAPS (video_caps), NULL);

  /* Never overwrite: a take's file is created here, once, private. */
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    int e = errno;
    g_set_error (error, EMOCAP_ERROR, e == EEXIST ? EMOCAP_ERROR_EXISTS : EMOCAP_ERROR_IO,
        "cannot create '%s': %s", path, g_strerror (e));
    return NULL;
  }
  close (fd);

  name = g_path_get_basename (path);
  pipeline = gst_object_ref_sink (gst_pipeline_new (name));
  if (!(vsrc = make_appsrc ("video", video_caps, error)))
    return NULL;
  gst_bin_add (GST_BIN (pipeline), vsrc);
  if (!(mux = emocap_make_element ("matroskamux", "mux", error)))
    return NULL;
  gst_bin_add (GST_BIN (pipeline), mux);
  if (!(sink = emocap_make_element ("filesink", "sink", error)))
    return NULL;
  gst_bin_add (GST_BIN (pipeline), sink);
  g_object_set (mux, "writing-app", "emocap " EMOCAP_VERSION, NULL);
  g_object_set (sink, "location", path, "sync", FALSE, "async", FALSE, NULL);

  if (!link_to_mux (vsrc, mux, "video_%u") || !gst_element_link (mux, sink))
    goto link_failed;
  if (audio_caps) {
    if (!(asrc = make_appsrc ("audio", audio_caps, error)))
      return NULL;
    gst_bin_add (GST_BIN (pipeline), asrc);
    if (!link_to_mux (asrc, mux, "audio_%u"))
      goto link_failed;
  }

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "cannot start writing '%s'", path);
    return NULL;
  }

  writer = g_new0 (EmocapTakeWriter, 1);
  writer->path = g_strdup (path);
  writer->pipeline = g_steal_pointer (&pipeline);
  writer->video_src = vsrc;
  writer->audio_src = asrc;
  writer->audio_ended = asrc == NULL;
  return writer;

link_failed:
  g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
      "cannot mux these streams into '%s'", path);
  return NULL;
}

void
emocap_take_writer_push_video (EmocapTakeWriter *writer, GstBuffer *buffer)
{
  g_return_if_fail (writer != NULL && !writer->video_ended);
  gst_app_src_push_buffer (GST_APP_SRC (writer->video_src), buffer);
}

void
emocap_take_writer_push_audio (EmocapTakeWriter *writer, GstBuffer *buffer)
{
  g_return_if_fail (writer != NULL && writer->audio_src != NULL && !writer->audio_ended);
  gst_app_src_push_buffer (GST_APP_SRC (writer->audio_src), buffer);
}

void
emocap_take_writer_end_video (EmocapTakeWriter *writer)
{
  if (writer->video_ended)
    return;
  writer->video_ended = TRUE;
  gst_app_src_end_of_stream (GST_APP_SRC (writer->video_src));
}

void
emocap_take_writer_end_audio (EmocapTakeWriter *writer)
{
  if (writer->audio_ended)
    return;
  writer->audio_ended = TRUE;
  gst_app_src_end_of_stream (GST_APP_SRC (writer->audio_src));
}

const char *
emocap_take_writer_get_path (EmocapTakeWriter *writer)
{
  return writer->path;
}

/* The error a writing pipeline posted, as the person at the recorder
 * needs it: a full disk said as such. */
static GError *
writer_error (EmocapTakeWriter *writer, GstMessage *msg)
{
  g_autoptr (GError) err = NULL;
  g_autofree char *debug = NULL;
  g_autofree char *name = g_path_get_basename (writer->path);

  gst_message_parse_error (msg, &err, &debug);
  if (g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT) ||
      (debug && strstr (debug, g_strerror (ENOSPC))))
    return g_error_new (EMOCAP_ERROR, EMOCAP_ERROR_NO_SPACE,
        "disk full: cannot write '%s' (%s)", name, writer->path);
  if (debug && strstr (debug, g_strerror (EDQUOT)))
    return g_error_new (EMOCAP_ERROR, EMOCAP_ERROR_NO_SPACE,
        "disk quota exceeded: cannot write '%s' (%s)", name, writer->path);
  if (debug && strstr (debug, g_strerror (EFBIG)))
    return g_error_new (EMOCAP_ERROR, EMOCAP_ERROR_NO_SPACE,
        "'%s' reached the largest file this process may write (%s): %s", name,
        writer->path, g_strerror (EFBIG));
  return g_error_new (EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot write '%s' (%s): %s%s%s",
      name, writer->path, err->message, debug ? ": " : "", debug ? debug : "");
}

/* Reads what the writing pipeline posted, without waiting. */
static void
writer_poll (EmocapTakeWriter *writer, GstClockTime timeout)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (writer->pipeline);
  GstMessage *msg;

  while (!writer->eos && writer->error == NULL &&
      (msg = gst_bus_timed_pop_filtered (bus, timeout,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR)) != NULL) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      writer->error = writer_error (writer, msg);
    else
      writer->eos = TRUE;
    gst_message_unref (msg);
  }
}

const GError *
emocap_take_writer_check (EmocapTakeWriter *writer)
{
  g_return_val_if_fail (writer != NULL, NULL);

  writer_poll (writer, 0);
  return writer->error;
}

gboolean
emocap_take_writer_finish (EmocapTakeWriter *writer, guint timeout_ms,
    GError **error)
{
  gboolean ok = FALSE;

  emocap_take_writer_end_video (writer);
  if (writer->audio_src)
    emocap_take_writer_end_audio (writer);

  writer_poll (writer, timeout_ms * GST_MSECOND);
  if (writer->error) {
    g_propagate_error (error, g_error_copy (writer->error));
  } else if (!writer->eos) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "'%s' was not closed within %u s", writer->path, timeout_ms / 1000);
  } else {
    ok = TRUE;
  }

  gst_element_set_state (writer->pipeline, GST_STATE_NULL);
  /* What reached the disk stays playable: make it durable, even after a
   * failure (then the first error is the one to tell). */
  if (!emocap_fsync_path (writer->path, ok ? error : NULL))
    return FALSE;
  return ok;
}

void
emocap_take_writer_free (EmocapTakeWriter *writer)
{
  if (writer == NULL)
    return;
  gst_element_set_state (writer->pipeline, GST_STATE_NULL);
  gst_object_unref (writer->pipeline);
  g_clear_error (&writer->error);
  g_free (writer->path);
  g_free (writer);
}
