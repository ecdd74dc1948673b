/* emocap: the capture pipeline — cameras and microphone, live for a session
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One pipeline on the system's monotonic clock:
 *
 *   v4l2src ─ capsfilter(image/jpeg) ─ jpegparse ─┐
 *   videotestsrc ─ capsfilter ─ jpegenc ─ jpegparse ┼─ queue ─ [filter] ─ appsink   (per camera)
 *   appsrc (file: replay) ─ jpegparse ────────────┘
 *
 *   alsasrc | audiotestsrc ─ audioconvert ─ audioresample ─ capsfilter ─ queue ─ appsink
 *
 * Frames and samples reach us with running-time timestamps.  Between takes
 * they are dropped (the last seconds of audio are kept, so a take can start
 * its sound exactly at its first frame).  During a take each camera's
 * frames from the first one at or after the cue, and the samples covering
 * exactly the same span, go to that camera's take writer.
 *
 * What cameras do wrong is caught on the way: a frame that is not one
 * whole JPEG is dropped before the parser (and one libjpeg finds damaged,
 * flagged by the watermark, before the file), and counted; frames the
 * driver lost show as v4l2src QoS messages and as gaps in the timestamps;
 * a camera that delivers nothing for a second is reported, and one whose
 * device went away is told apart from other errors and can be dropped
 * from the session.
 */
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <gst/base/gstbasetransform.h>

#include <emocap/capture.h>
#include <emocap/error.h>
#include <emocap/v4l2.h>
#include <emocap/watermark-element.h>

#include "capture-private.h"
#include "jpeg-check.h"

GST_DEBUG_CATEGORY_STATIC (capture_debug);
#define GST_CAT_DEFAULT capture_debug

#define AUDIO_HISTORY (3 * GST_SECOND)
#define TAKE_GRACE_MS 5000
#define STALL_MS 1000
/* Corrupt frames remembered per camera between two frames written. */
#define MAX_CORRUPT_PENDING 256

typedef enum {
  REC_IDLE,
  REC_ARMED,        /* waiting for the first frame at or after the cue */
  REC_RECORDING,
  REC_DONE,
} RecState;

typedef struct {
  EmocapCapture *capture;
  const EmocapCamera *camera;
  guint index;
  GstElement *source;
  GstElement *appsink;
  GstElement *filter;           /* the factory's element, or NULL */
  GPtrArray *elements;          /* the branch, source first, for dropping it */
  EmocapReplay *replay;
  json_t *controls;             /* as read back when applied, or NULL */
  gboolean dropped;             /* taken out of the pipeline */

  /* Below: under capture->lock. */
  GstCaps *caps;
  int width, height, fps_n, fps_d;
  GstClockTime period;
  guint64 frames_seen;
  gint64 last_arrival;          /* g_get_monotonic_time() */

  RecState state;
  EmocapTakeWriter *writer;
  GstClockTime start;           /* running time of the first frame */
  GstClockTime prev_pts;
  guint64 frames_expected;
  guint64 frames_written;
  guint64 frames_dropped;       /* from gaps in the timestamps */
  guint64 qos_dropped;          /* from v4l2src's QoS messages */
  guint64 frames_corrupt;
  guint64 frames_marked;
  guint stalls;
  gint64 stall_longest;         /* microseconds */
  gint64 resumed_after;         /* a stall just ended: its length, else 0 */
  GArray *corrupt_pts;          /* GstClockTime of corrupt frames not yet passed */
  gboolean lost;                /* its device went away */
  gboolean video_ended;
  gboolean audio_ended;
  guint64 audio_written;        /* samples per channel */
  gboolean audio_real;          /* a real sample has been written */
  gint64 av_offset;
  gint64 start_latency;

  /* Only read and written by the thread running the take. */
  guint64 dropped_reported;
  guint64 corrupt_reported;
  gboolean stall_reported;
  gboolean lost_reported;
} Branch;

struct _EmocapCapture {
  const EmocapScript *script;
  GstElement *pipeline;
  GstClock *clock;
  GPtrArray *branches;           /* Branch* */
  gboolean has_audio;
  GstElement *audio_sink;
  gboolean started;
  gint interrupt;                /* atomic */

  GMutex lock;
  GCond cond;

  /* Below: under lock. */
  int rate, channels, bpf;
  gboolean audio_seen;
  GQueue history;                /* GstBuffer*, the last AUDIO_HISTORY */
  gboolean take_active;
  GstClockTime cue;
  int take_seconds;
  gboolean check_tag;            /* count only marks of watermark_tag */
  guint64 watermark_tag;
  /* audio figures of the take, over the first camera's samples */
  guint64 stat_samples;
  double stat_sumsq;
  int stat_peak;
  guint64 stat_clipped;
  guint64 audio_dropped;
  guint64 device_dropped;        /* samples the audio source skipped, ever */
};

static void
branch_free (gpointer data)
{
  Branch *b = data;

  emocap_replay_free (b->replay);
  emocap_take_writer_free (b->writer);
  gst_clear_caps (&b->caps);
  g_clear_pointer (&b->elements, g_ptr_array_unref);
  g_clear_pointer (&b->corrupt_pts, g_array_unref);
  json_decref (b->controls);
  g_free (b);
}

/* "camera 'front'" or "microphone 'default'", for messages. */
static void
tag_element (GstElement *element, const char *what)
{
  g_object_set_data_full (G_OBJECT (element), "emocap-device", g_strdup (what), g_free);
}

static const char *
element_device (GstObject *obj)
{
  for (; obj; obj = GST_OBJECT_PARENT (obj)) {
    const char *what = g_object_get_data (G_OBJECT (obj), "emocap-device");
    if (what)
      return what;
  }
  return NULL;
}

static gboolean
add_and_link (GstBin *bin, GstElement **chain, guint n, GError **error)
{
  for (guint i = 0; i < n; i++)
    gst_bin_add (bin, chain[i]);
  for (guint i = 0; i + 1 < n; i++) {
    if (!gst_element_link (chain[i], chain[i + 1])) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
          "cannot link %s to %s", GST_ELEMENT_NAME (chain[i]),
          GST_ELEMENT_NAME (chain[i + 1]));
      return FALSE;
    }
  }
  return TRUE;
}

static GstCaps *
camera_raw_caps (const EmocapCamera *cam, const char *media)
{
  return gst_caps_new_simple (media,
      "width", G_TYPE_INT, cam->width, "height", G_TYPE_INT, cam->height,
      "framerate", GST_TYPE_FRACTION, cam->fps_n, cam->fps_d, NULL);
}

/* Lists what a V4L2 camera offers, for an error message. */
static char *
describe_modes (GstCaps *caps)
{
  GString *s = g_string_new (NULL);
  guint n = gst_caps_get_size (caps);

  for (guint i = 0; i < n && i < 12; i++) {
    const GstStructure *st = gst_caps_get_structure (caps, i);
    int w = 0, h = 0;
    const char *fmt = gst_structure_has_name (st, "image/jpeg") ? "MJPG" :
        gst_structure_get_string (st, "format");
    if (!gst_structure_get_int (st, "width", &w) || !gst_structure_get_int (st, "height", &h))
      continue;
    g_string_append_printf (s, "%s%s %dx%d", s->len ? ", " : "", fmt ? fmt : "?", w, h);
  }
  if (n > 12)
    g_string_append (s, ", ...");
  if (s->len == 0)
    g_string_append (s, "nothing usable");
  return g_string_free (s, FALSE);
}

/* v4l2src opened once to see what the camera offers: MJPEG at the
 * requested size and rate if it has it, else raw frames encoded to MJPEG. */
static gboolean
probe_v4l2 (const EmocapCamera *cam, GstElement *src, gboolean *mjpeg,
    GError **error)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (src, "src");
  g_autoptr (GstCaps) offered = NULL;
  g_autoptr (GstCaps) want_jpeg = camera_raw_caps (cam, "image/jpeg");
  g_autoptr (GstCaps) want_raw = camera_raw_caps (cam, "video/x-raw");
  g_autoptr (GstBus) bus = NULL;

  if (gst_element_set_state (src, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
    g_autoptr (GstMessage) msg = NULL;
    g_autoptr (GError) err = NULL;
    bus = gst_bus_new ();
    gst_element_set_bus (src, bus);
    gst_element_set_state (src, GST_STATE_READY);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (msg)
      gst_message_parse_error (msg, &err, NULL);
    gst_element_set_state (src, GST_STATE_NULL);
    gst_element_set_bus (src, NULL);
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "camera '%s': cannot open '%s': %s", cam->id, cam->path,
        err ? err->message : "unknown error");
    return FALSE;
  }

  offered = gst_pad_query_caps (pad, NULL);
  if (gst_caps_can_intersect (offered, want_jpeg)) {
    *mjpeg = TRUE;
  } else if (gst_caps_can_intersect (offered, want_raw)) {
    *mjpeg = FALSE;
  } else {
    g_autofree char *modes = describe_modes (offered);
    gst_element_set_state (src, GST_STATE_NULL);
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "camera '%s': '%s' does not offer %dx%d at %d/%d fps; it offers %s",
        cam->id, cam->path, cam->width, cam->height, cam->fps_n, cam->fps_d, modes);
    return FALSE;
  }
  gst_element_set_state (src, GST_STATE_NULL);
  return TRUE;
}

static GstFlowReturn on_video_sample (GstAppSink *sink, gpointer data);
static GstFlowReturn on_audio_sample (GstAppSink *sink, gpointer data);
static GstPadProbeReturn check_frame (GstPad *pad, GstPadProbeInfo *info, gpointer data);

static gboolean
build_camera (EmocapCapture *capture, const EmocapCamera *cam, guint index,
    EmocapFilterFactory filter_factory, gpointer user_data, GError **error)
{
  GstBin *bin = GST_BIN (capture->pipeline);
  GstElement *chain[12] = { NULL };
  guint n = 0;
  g_autofree char *what = g_strdup_printf ("camera '%s'", cam->id);
  GstAppSinkCallbacks callbacks = { .new_sample = on_video_sample };
  Branch *b = g_new0 (Branch, 1);
  GstElement *e;

  b->capture = capture;
  b->camera = cam;
  b->index = index;
  b->prev_pts = GST_CLOCK_TIME_NONE;
  b->corrupt_pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  b->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  g_ptr_array_add (capture->branches, b);

#define ADD(factory) G_STMT_START {                                        \
    g_autofree char *ename = g_strdup_printf ("%s-%s", cam->id, factory); \
    if (!(e = emocap_make_element (factory, ename, error)))                \
      goto fail;                                                           \
    chain[n++] = e;                                                        \
  } G_STMT_END

  switch (cam->kind) {
    case EMOCAP_SOURCE_V4L2: {
      struct stat st;
      gboolean mjpeg = TRUE;
      g_autoptr (GstCaps) caps = NULL;

      if (stat (cam->path, &st) < 0 || !S_ISCHR (st.st_mode)) {
        g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
            "camera '%s': '%s' %s (see 'emocap devices')", cam->id, cam->path,
            stat (cam->path, &st) < 0 ? "does not exist" : "is not a video device");
        goto fail;
      }
      /* Our own V4L2 code sets the controls, automatic modes first, and
       * reads them back, so that a name the camera lacks or a value that
       * does not hold stops the session before it starts. */
      if (cam->controls->len > 0 &&
          !emocap_v4l2_controls_apply (cam->path, cam->id, cam->controls, &b->controls, error))
        goto fail;
      ADD ("v4l2src");
      g_object_set (e, "device", cam->path, NULL);
      if (!probe_v4l2 (cam, e, &mjpeg, error)) {
        gst_object_unref (gst_object_ref_sink (e));
        n--;
        goto fail;
      }
      ADD ("capsfilter");
      caps = camera_raw_caps (cam, mjpeg ? "image/jpeg" : "video/x-raw");
      g_object_set (e, "caps", caps, NULL);
      if (!mjpeg)
        ADD ("jpegenc");
      ADD ("jpegparse");
      break;
    }
    case EMOCAP_SOURCE_TEST: {
      g_autoptr (GstCaps) caps = camera_raw_caps (cam, "video/x-raw");
      gst_caps_set_simple (caps, "format", G_TYPE_STRING, "I420",
          "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
      ADD ("videotestsrc");
      gst_util_set_object_arg (G_OBJECT (e), "pattern", cam->pattern);
      g_object_set (e, "is-live", TRUE, NULL);
      ADD ("capsfilter");
      g_object_set (e, "caps", caps, NULL);
      ADD ("jpegenc");
      ADD ("jpegparse");
      break;
    }
    case EMOCAP_SOURCE_FILE:
      ADD ("appsrc");
      g_object_set (e, "is-live", TRUE, "format", GST_FORMAT_TIME,
          "do-timestamp", FALSE, NULL);
      if (!(b->replay = emocap_replay_new (cam, e, error)))
        goto fail;
      ADD ("jpegparse");
      break;
  }
  tag_element (chain[0], what);

  ADD ("queue");
  /* Up to two seconds of frames may wait for the filter and the recorder;
   * a source that outruns that blocks, and a camera then drops frames,
   * which shows as a gap in its timestamps. */
  g_object_set (e, "max-size-buffers", 0, "max-size-bytes", 0,
      "max-size-time", (guint64) 2 * GST_SECOND, NULL);
  if (filter_factory) {
    GstElement *filter = filter_factory (cam, user_data);
    if (filter) {
      chain[n++] = filter;
      b->filter = filter;
    }
  }
  ADD ("appsink");
  b->appsink = e;
  g_object_set (e, "sync", FALSE, "emit-signals", FALSE, "max-buffers", 8,
      "drop", FALSE, "enable-last-sample", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (e), &callbacks, b, NULL);
#undef ADD

  b->source = chain[0];
  if (!add_and_link (bin, chain, n, error))
    return FALSE;
  for (guint i = 0; i < n; i++) {
    g_ptr_array_add (b->elements, gst_object_ref (chain[i]));
    g_object_set_data (G_OBJECT (chain[i]), "emocap-branch", b);
    /* Every frame is checked before the parser sees it. */
    if (g_str_has_suffix (GST_ELEMENT_NAME (chain[i]), "-jpegparse")) {
      g_autoptr (GstPad) pad = gst_element_get_static_pad (chain[i], "sink");
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, check_frame, b, NULL);
    }
  }
  return TRUE;

fail:
  for (guint i = 0; i < n; i++)
    gst_object_unref (gst_object_ref_sink (chain[i]));
  return FALSE;
}

static gboolean
build_audio (EmocapCapture *capture, const EmocapAudio *audio, GError **error)
{
  GstElement *chain[8] = { NULL };
  guint n = 0;
  GstElement *e;
  g_autoptr (GstCaps) caps = NULL;
  g_autofree char *what = g_strdup_printf ("microphone '%s'", audio->device);
  GstAppSinkCallbacks callbacks = { .new_sample = on_audio_sample };

#define ADD(factory, name) G_STMT_START {                     \
    if (!(e = emocap_make_element (factory, name, error)))    \
      goto fail;                                              \
    chain[n++] = e;                                           \
  } G_STMT_END

  if (audio->kind == EMOCAP_AUDIO_ALSA) {
    ADD ("alsasrc", "mic-src");
    g_object_set (e, "device", audio->device, NULL);
  } else {
    ADD ("audiotestsrc", "mic-src");
    gst_util_set_object_arg (G_OBJECT (e), "wave", audio->wave);
    g_object_set (e, "is-live", TRUE, "volume", 0.25,
        "samplesperbuffer", MAX (audio->rate / 100, 1), NULL);
  }
  tag_element (e, what);
  ADD ("audioconvert", "mic-convert");
  ADD ("audioresample", "mic-resample");
  ADD ("capsfilter", "mic-caps");
  caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "S16LE",
      "layout", G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT, audio->rate,
      "channels", G_TYPE_INT, audio->channels, NULL);
  g_object_set (e, "caps", caps, NULL);
  ADD ("queue", "mic-queue");
  ADD ("appsink", "mic-sink");
  capture->audio_sink = e;
  g_object_set (e, "sync", FALSE, "emit-signals", FALSE, "max-buffers", 64,
      "drop", FALSE, "enable-last-sample", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (e), &callbacks, capture, NULL);
#undef ADD

  capture->rate = audio->rate;
  capture->channels = audio->channels;
  capture->bpf = 2 * audio->channels;
  return add_and_link (GST_BIN (capture->pipeline), chain, n, error);

fail:
  for (guint i = 0; i < n; i++)
    gst_object_unref (gst_object_ref_sink (chain[i]));
  return FALSE;
}

EmocapCapture *
emocap_capture_new (const EmocapScript *script, EmocapFilterFactory filter_factory,
    gpointer user_data, GError **error)
{
  g_autoptr (EmocapCapture) capture = NULL;

  g_return_val_if_fail (script != NULL, NULL);
  g_return_val_if_fail (gst_is_initialized (), NULL);

  if (capture_debug == NULL)
    GST_DEBUG_CATEGORY_INIT (capture_debug, "emocap-capture", 0, "emocap capture");

  capture = g_new0 (EmocapCapture, 1);
  capture->script = script;
  g_mutex_init (&capture->lock);
  g_cond_init (&capture->cond);
  g_queue_init (&capture->history);
  capture->branches = g_ptr_array_new_with_free_func (branch_free);
  capture->pipeline = gst_object_ref_sink (gst_pipeline_new ("emocap-capture"));
  /* One clock for every camera and the microphone: the monotonic system
   * clock, rather than whichever the audio device would provide. */
  capture->clock = gst_system_clock_obtain ();
  gst_pipeline_use_clock (GST_PIPELINE (capture->pipeline), capture->clock);

  for (guint i = 0; i < script->cameras->len; i++) {
    if (!build_camera (capture, g_ptr_array_index (script->cameras, i), i,
            filter_factory, user_data, error))
      return NULL;
  }
  if (script->audio.kind != EMOCAP_AUDIO_NONE) {
    capture->has_audio = TRUE;
    if (!build_audio (capture, &script->audio, error))
      return NULL;
  }
  return g_steal_pointer (&capture);
}

static GstClockTime
running_time_now (EmocapCapture *capture)
{
  return gst_clock_get_time (capture->clock) -
      gst_element_get_base_time (capture->pipeline);
}

/* ----- recording, in the streaming threads ----- */

/* A corrupt frame from @b's camera at @pts, dropped (under capture->lock):
 * counted in the take it falls in, and remembered so that the hole it
 * leaves in the timestamps is not counted as a frame the camera lost. */
static void
note_corrupt_locked (Branch *b, GstClockTime pts)
{
  EmocapCapture *capture = b->capture;

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return;
  if (capture->take_active && pts >= capture->cue && !b->video_ended &&
      (b->state != REC_RECORDING ||
          pts < b->start + (GstClockTime) capture->take_seconds * GST_SECOND))
    b->frames_corrupt++;
  if (b->corrupt_pts->len >= MAX_CORRUPT_PENDING)
    g_array_remove_index (b->corrupt_pts, 0);
  g_array_append_val (b->corrupt_pts, pts);
}

/* How many corrupt frames fell between @from and @to (exclusive); forgets
 * those up to @to. */
static guint
take_corrupt_between (Branch *b, GstClockTime from, GstClockTime to)
{
  guint n = 0, keep = 0;

  for (guint i = 0; i < b->corrupt_pts->len; i++) {
    GstClockTime t = g_array_index (b->corrupt_pts, GstClockTime, i);
    if (t > from && t < to)
      n++;
    if (t > to)
      g_array_index (b->corrupt_pts, GstClockTime, keep++) = t;
  }
  g_array_set_size (b->corrupt_pts, keep);
  return n;
}

/* Before the parser: a frame that is not one whole JPEG never goes further.
 * A V4L2 camera's frame is copied out of the driver's buffer here, so the
 * buffer goes back to the camera at once: the camera then never waits on
 * the watermark, and a moment's delay in marking (the queue after the
 * parser holds two seconds) loses no frame. */
static GstPadProbeReturn
check_frame (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Branch *b = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  const char *why;
  GstMapInfo map;

  if (buf == NULL || !gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  why = emocap_jpeg_frame_check (map.data, map.size);
  if (why == NULL && b->camera->kind == EMOCAP_SOURCE_V4L2) {
    GstBuffer *copy = gst_buffer_new_memdup (map.data, map.size);
    gst_buffer_copy_into (copy, buf, GST_BUFFER_COPY_METADATA, 0, -1);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
    GST_PAD_PROBE_INFO_DATA (info) = copy;
    return GST_PAD_PROBE_OK;
  }
  gst_buffer_unmap (buf, &map);
  if (why == NULL)
    return GST_PAD_PROBE_OK;

  GST_INFO ("camera '%s': corrupt frame at %" GST_TIME_FORMAT " (%" G_GSIZE_FORMAT
      " bytes) dropped: %s", b->camera->id, GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
      gst_buffer_get_size (buf), why);
  g_mutex_lock (&b->capture->lock);
  note_corrupt_locked (b, GST_BUFFER_PTS (buf));
  g_mutex_unlock (&b->capture->lock);
  return GST_PAD_PROBE_DROP;
}

static void
audio_stats_add (EmocapCapture *capture, const gint16 *samples, gsize n)
{
  for (gsize i = 0; i < n; i++) {
    int v = samples[i];
    int a = v < 0 ? -v : v;
    capture->stat_sumsq += (double) v * v;
    if (a > capture->stat_peak)
      capture->stat_peak = a;
    if (v >= G_MAXINT16 || v <= G_MININT16)
      capture->stat_clipped++;
  }
  capture->stat_samples += n;
}

static void
push_audio (Branch *b, GstBuffer *buf, gsize first, gsize count, gboolean silence)
{
  EmocapCapture *capture = b->capture;
  GstBuffer *out;

  if (silence) {
    out = gst_buffer_new_allocate (NULL, count * capture->bpf, NULL);
    gst_buffer_memset (out, 0, 0, count * capture->bpf);
  } else {
    out = gst_buffer_copy_region (buf, GST_BUFFER_COPY_MEMORY,
        first * capture->bpf, count * capture->bpf);
  }
  GST_BUFFER_PTS (out) = gst_util_uint64_scale_int (b->audio_written, GST_SECOND, capture->rate);
  GST_BUFFER_DURATION (out) = gst_util_uint64_scale_int (count, GST_SECOND, capture->rate);
  GST_BUFFER_OFFSET (out) = b->audio_written;
  GST_BUFFER_OFFSET_END (out) = b->audio_written + count;

  if (b->index == 0) {
    GstMapInfo map;
    if (!silence && gst_buffer_map (out, &map, GST_MAP_READ)) {
      audio_stats_add (capture, (const gint16 *) map.data, map.size / 2);
      gst_buffer_unmap (out, &map);
    } else if (silence) {
      capture->stat_samples += count * capture->channels;
      capture->audio_dropped += count;
    }
  }
  b->audio_written += count;
  emocap_take_writer_push_audio (b->writer, out);
}

/* Writes the part of @buf that falls in @b's take, sample-exact: the take
 * spans [start, start + seconds) on the pipeline clock. */
static void
feed_audio (Branch *b, GstBuffer *buf)
{
  EmocapCapture *capture = b->capture;
  guint64 total = (guint64) capture->take_seconds * capture->rate;
  gsize n = gst_buffer_get_size (buf) / capture->bpf;
  GstClockTime pts = GST_BUFFER_PTS (buf);
  gint64 rel, skip;
  gsize count;

  if (b->audio_ended || !GST_CLOCK_TIME_IS_VALID (pts) || n == 0)
    return;

  /* Where this buffer's first sample lies, in samples from the start. */
  rel = (gint64) gst_util_uint64_scale_int_round (
      pts > b->start ? pts - b->start : b->start - pts, capture->rate, GST_SECOND);
  if (pts < b->start)
    rel = -rel;

  if (b->audio_written > 0 && !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT)) {
    /* The samples follow on from the last ones.  Their timestamps may
     * wobble by tens of milliseconds (alsasrc slaving its clock to the
     * pipeline's), the samples themselves do not: keep them all. */
    rel = (gint64) b->audio_written;
  } else if (rel > (gint64) b->audio_written) {
    /* Samples missing before this buffer (the device lost some, or the
     * take started before the sound did): silence keeps the sound in step
     * with the pictures, and is counted. */
    guint64 gap = MIN ((guint64) rel - b->audio_written, total - b->audio_written);
    GST_INFO ("camera '%s': %" G_GUINT64_FORMAT " samples missing before %"
        GST_TIME_FORMAT, b->camera->id, gap, GST_TIME_ARGS (pts));
    if (gap > 0)
      push_audio (b, NULL, 0, gap, TRUE);
  }

  /* Before the take's start, or (after a discontinuity) already written. */
  skip = (gint64) b->audio_written - rel;
  if (b->audio_written > 0 && skip > 0)
    GST_INFO ("camera '%s': %" G_GINT64_FORMAT " samples overlap at %" GST_TIME_FORMAT,
        b->camera->id, skip, GST_TIME_ARGS (pts));
  if (skip < 0 || (guint64) skip >= n || b->audio_written >= total)
    goto check_end;
  count = MIN (n - (gsize) skip, total - b->audio_written);
  if (!b->audio_real) {
    b->audio_real = TRUE;
    b->av_offset = (gint64) gst_util_uint64_scale_int (b->audio_written, GST_SECOND, capture->rate);
  }
  push_audio (b, buf, (gsize) skip, count, FALSE);

check_end:
  if (b->audio_written >= total) {
    b->audio_ended = TRUE;
    emocap_take_writer_end_audio (b->writer);
  }
}

static void
branch_begin (Branch *b, GstClockTime pts)
{
  EmocapCapture *capture = b->capture;

  b->state = REC_RECORDING;
  b->start = pts;
  b->start_latency = (gint64) (pts - capture->cue);
  take_corrupt_between (b, 0, capture->cue);
  if (capture->has_audio) {
    /* The sound of the first frame may already have arrived. */
    for (GList *l = capture->history.head; l && !b->audio_ended; l = l->next) {
      GstBuffer *a = l->data;
      if (GST_BUFFER_PTS (a) + GST_BUFFER_DURATION (a) > b->start)
        feed_audio (b, a);
    }
  }
}

static void
branch_end_video (Branch *b)
{
  if (!b->video_ended) {
    b->video_ended = TRUE;
    emocap_take_writer_end_video (b->writer);
  }
}

static void
set_format (Branch *b, GstCaps *caps)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);

  b->caps = gst_caps_ref (caps);
  gst_structure_get_int (s, "width", &b->width);
  gst_structure_get_int (s, "height", &b->height);
  if (!gst_structure_get_fraction (s, "framerate", &b->fps_n, &b->fps_d) ||
      b->fps_n <= 0 || b->fps_d <= 0) {
    /* A replayed file of unknown rate: the script's. */
    b->fps_n = b->camera->fps_n;
    b->fps_d = b->camera->fps_d;
  }
  b->period = gst_util_uint64_scale_int (GST_SECOND, b->fps_d, b->fps_n);
}

/* Whether @buf carries the take's watermark (under capture->lock). */
static gboolean
frame_is_marked (EmocapCapture *capture, GstBuffer *buf)
{
  EmocapWatermarkMeta *meta = emocap_buffer_get_watermark_meta (buf);

  return meta != NULL && (!capture->check_tag || meta->tag == capture->watermark_tag);
}

static GstFlowReturn
on_video_sample (GstAppSink *sink, gpointer data)
{
  Branch *b = data;
  EmocapCapture *capture = b->capture;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf;
  GstClockTime pts, end;

  if (sample == NULL)
    return GST_FLOW_OK;
  buf = gst_sample_get_buffer (sample);
  pts = GST_BUFFER_PTS (buf);

  g_mutex_lock (&capture->lock);
  if (b->caps == NULL)
    set_format (b, gst_sample_get_caps (sample));

  /* Damaged inside its picture data: libjpeg said so while marking it. */
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_CORRUPTED)) {
    GST_INFO ("camera '%s': corrupt frame at %" GST_TIME_FORMAT " dropped",
        b->camera->id, GST_TIME_ARGS (pts));
    note_corrupt_locked (b, pts);
    goto out;
  }

  {
    gint64 now = g_get_monotonic_time ();
    if (b->last_arrival > 0 && now - b->last_arrival > STALL_MS * 1000)
      b->resumed_after = now - b->last_arrival;
    b->frames_seen++;
    b->last_arrival = now;
  }

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    goto out;

  if (b->state == REC_ARMED && pts >= capture->cue)
    branch_begin (b, pts);

  if (b->state == REC_RECORDING && !b->video_ended) {
    end = b->start + (GstClockTime) capture->take_seconds * GST_SECOND;
    if (pts + b->period / 2 >= end) {
      branch_end_video (b);
    } else {
      GstBuffer *out = gst_buffer_copy (buf);
      if (GST_CLOCK_TIME_IS_VALID (b->prev_pts) && pts > b->prev_pts + b->period + b->period / 2) {
        guint64 missing = (pts - b->prev_pts + b->period / 2) / b->period - 1;
        guint corrupt = take_corrupt_between (b, b->prev_pts, pts);
        if (missing > corrupt)
          b->frames_dropped += missing - corrupt;
        if (pts - b->prev_pts > STALL_MS * GST_MSECOND) {
          gint64 gap = (gint64) (pts - b->prev_pts) / 1000;
          b->stalls++;
          b->stall_longest = MAX (b->stall_longest, gap);
        }
      } else {
        take_corrupt_between (b, 0, pts);
      }
      b->prev_pts = pts;
      GST_BUFFER_PTS (out) = pts - b->start;
      GST_BUFFER_DTS (out) = GST_CLOCK_TIME_NONE;
      GST_BUFFER_DURATION (out) = b->period;
      if (frame_is_marked (capture, out))
        b->frames_marked++;
      emocap_take_writer_push_video (b->writer, out);
      b->frames_written++;
      if (b->frames_written >= b->frames_expected)
        branch_end_video (b);
    }
  }

out:
  g_cond_broadcast (&capture->cond);
  g_mutex_unlock (&capture->lock);
  return GST_FLOW_OK;
}

static GstFlowReturn
on_audio_sample (GstAppSink *sink, gpointer data)
{
  EmocapCapture *capture = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf;

  if (sample == NULL)
    return GST_FLOW_OK;
  buf = gst_sample_get_buffer (sample);
  if (!GST_CLOCK_TIME_IS_VALID (GST_BUFFER_PTS (buf)))
    return GST_FLOW_OK;

  g_mutex_lock (&capture->lock);
  capture->audio_seen = TRUE;
  if (!GST_BUFFER_DURATION_IS_VALID (buf)) {
    buf = gst_buffer_make_writable (gst_buffer_ref (buf));
    GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (
        gst_buffer_get_size (buf) / capture->bpf, GST_SECOND, capture->rate);
  } else {
    gst_buffer_ref (buf);
  }
  g_queue_push_tail (&capture->history, buf);
  while (capture->history.length > 1) {
    GstBuffer *old = g_queue_peek_head (&capture->history);
    if (GST_BUFFER_PTS (old) + AUDIO_HISTORY >= GST_BUFFER_PTS (buf))
      break;
    gst_buffer_unref (g_queue_pop_head (&capture->history));
  }

  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (b->state == REC_RECORDING)
      feed_audio (b, buf);
  }
  g_cond_broadcast (&capture->cond);
  g_mutex_unlock (&capture->lock);
  return GST_FLOW_OK;
}

/* ----- control, in the caller's thread ----- */

/* Turns an error message on the capture bus into a GError naming the
 * device. */
static GError *
bus_error (GstMessage *msg)
{
  g_autoptr (GError) err = NULL;
  g_autofree char *debug = NULL;
  const char *what = element_device (GST_MESSAGE_SRC (msg));

  gst_message_parse_error (msg, &err, &debug);
  return g_error_new (EMOCAP_ERROR, EMOCAP_ERROR_DEVICE, "%s: %s",
      what ? what : GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message);
}

/* The camera branch @obj belongs to, or NULL. */
static Branch *
branch_of (GstObject *obj)
{
  for (; obj; obj = GST_OBJECT_PARENT (obj)) {
    Branch *b = g_object_get_data (G_OBJECT (obj), "emocap-branch");
    if (b)
      return b;
  }
  return NULL;
}

/* v4l2src reports frames the driver lost (gaps in its sequence numbers)
 * only as a QoS message: the timestamp of the frame after the gap, and
 * the gap's length.  Counted in the take they fall in. */
static void
count_qos (EmocapCapture *capture, GstMessage *msg)
{
  Branch *b = branch_of (GST_MESSAGE_SRC (msg));
  gboolean live = FALSE;
  guint64 running_time = GST_CLOCK_TIME_NONE, stream_time, timestamp;
  guint64 duration = GST_CLOCK_TIME_NONE, lost;

  if (b == NULL || b->camera->kind != EMOCAP_SOURCE_V4L2)
    return;
  gst_message_parse_qos (msg, &live, &running_time, &stream_time, &timestamp, &duration);
  /* v4l2src leaves running_time unset and gives the frame's timestamp,
   * which is a running time already. */
  if (!GST_CLOCK_TIME_IS_VALID (running_time))
    running_time = timestamp;
  g_mutex_lock (&capture->lock);
  if (b->period > 0 && GST_CLOCK_TIME_IS_VALID (duration) &&
      GST_CLOCK_TIME_IS_VALID (running_time)) {
    lost = (duration + b->period / 2) / b->period;
    GST_INFO ("camera '%s': the driver lost %" G_GUINT64_FORMAT " frames before %"
        GST_TIME_FORMAT, b->camera->id, lost, GST_TIME_ARGS (running_time));
    if (capture->take_active && (b->state == REC_RECORDING || b->state == REC_DONE) &&
        running_time >= b->start &&
        running_time < b->start + (GstClockTime) capture->take_seconds * GST_SECOND)
      b->qos_dropped += lost;
  }
  g_mutex_unlock (&capture->lock);
}

/* An error from a V4L2 camera: was it unplugged?  v4l2src cannot tell
 * (after the device goes, it says "Failed to allocate a buffer", as when
 * memory runs out), so ask the device itself.  TRUE if it is gone; the
 * branch is then marked lost, once. */
static gboolean
camera_is_lost (EmocapCapture *capture, Branch *b)
{
  gboolean lost;

  g_mutex_lock (&capture->lock);
  lost = b->lost;
  g_mutex_unlock (&capture->lock);
  if (lost)
    return TRUE;
  if (b->camera->kind != EMOCAP_SOURCE_V4L2 || !emocap_v4l2_is_disconnected (b->camera->path))
    return FALSE;
  g_mutex_lock (&capture->lock);
  b->lost = TRUE;
  g_cond_broadcast (&capture->cond);
  g_mutex_unlock (&capture->lock);
  return TRUE;
}

static GError *
lost_error (Branch *b)
{
  return g_error_new (EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
      "camera '%s' disconnected ('%s' is gone)", b->camera->id, b->camera->path);
}

/* Reads what the pipeline posted; the first error is returned. */
static GError *
poll_bus (EmocapCapture *capture)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (capture->pipeline);
  GstMessage *msg;
  GError *first = NULL;

  while ((msg = gst_bus_pop (bus))) {
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR: {
        Branch *b = branch_of (GST_MESSAGE_SRC (msg));
        if (b && b->dropped)
          break;
        if (b && camera_is_lost (capture, b)) {
          if (first == NULL)
            first = lost_error (b);
          break;
        }
        if (first == NULL)
          first = bus_error (msg);
        break;
      }
      case GST_MESSAGE_QOS:
        count_qos (capture, msg);
        break;
      case GST_MESSAGE_WARNING: {
        g_autoptr (GError) err = NULL;
        g_autofree char *debug = NULL;
        const char *p;
        gst_message_parse_warning (msg, &err, &debug);
        /* GstAudioBaseSrc: "Dropped N samples. This is most likely
         * because downstream can't keep up..." */
        if (debug && (p = strstr (debug, "Dropped ")) != NULL) {
          guint64 n = g_ascii_strtoull (p + strlen ("Dropped "), NULL, 10);
          g_mutex_lock (&capture->lock);
          capture->device_dropped += n;
          if (capture->take_active)
            capture->audio_dropped += n;
          g_mutex_unlock (&capture->lock);
        }
        break;
      }
      default:
        break;
    }
    gst_message_unref (msg);
  }

  for (guint i = 0; i < capture->branches->len && first == NULL; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (b->replay && !b->dropped)
      first = emocap_replay_get_error (b->replay);
  }
  return first;
}

/* A microphone with no clock of its own (an ALSA `file` PCM reading a
 * plain file through a `null` slave) delivers sound as fast as it can
 * be read; alsasrc then skips most of it, and every take's sound would be
 * scraps.  Half a second tells: a real device loses nothing. */
static gboolean
check_audio_pace (EmocapCapture *capture, GError **error)
{
  gint64 until = g_get_monotonic_time () + 500 * G_TIME_SPAN_MILLISECOND;
  guint64 dropped = 0;
  GError *err = NULL;

  if (!capture->has_audio || capture->script->audio.kind != EMOCAP_AUDIO_ALSA)
    return TRUE;
  while (g_get_monotonic_time () < until) {
    if ((err = poll_bus (capture)) != NULL) {
      g_propagate_error (error, err);
      return FALSE;
    }
    g_usleep (20 * 1000);
  }
  g_mutex_lock (&capture->lock);
  dropped = capture->device_dropped;
  g_mutex_unlock (&capture->lock);

  if (dropped > (guint64) capture->rate / 4) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "microphone '%s' delivers sound faster than real time (%.1f s of it "
        "skipped in 0.5 s): it has no clock, like an ALSA file PCM reading a "
        "plain file through a null slave; feed that file through a FIFO at "
        "its real pace (see README, \"ALSA without a sound card\") or use test:sine",
        capture->script->audio.device, (double) dropped / capture->rate);
    return FALSE;
  }
  return TRUE;
}

gboolean
emocap_capture_start (EmocapCapture *capture, guint timeout_ms, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  GError *err = NULL;

  g_return_val_if_fail (capture != NULL && !capture->started, FALSE);

  if (gst_element_set_state (capture->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    err = poll_bus (capture);
    if (err == NULL)
      err = g_error_new (EMOCAP_ERROR, EMOCAP_ERROR_DEVICE, "cannot start the cameras and microphone");
    g_propagate_error (error, err);
    gst_element_set_state (capture->pipeline, GST_STATE_NULL);
    return FALSE;
  }
  capture->started = TRUE;

  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (b->replay && !emocap_replay_start (b->replay, capture->pipeline, error))
      return FALSE;
  }

  /* Every camera and the microphone must deliver before the session is
   * opened: better to find a dead camera now than at the first cue. */
  g_mutex_lock (&capture->lock);
  for (;;) {
    const char *missing = NULL;
    for (guint i = 0; i < capture->branches->len && !missing; i++) {
      Branch *b = g_ptr_array_index (capture->branches, i);
      if (b->caps == NULL)
        missing = b->camera->id;
    }
    if (missing == NULL && (!capture->has_audio || capture->audio_seen))
      break;
    g_mutex_unlock (&capture->lock);
    if ((err = poll_bus (capture)) != NULL) {
      g_propagate_error (error, err);
      return FALSE;
    }
    g_mutex_lock (&capture->lock);
    if (g_get_monotonic_time () >= deadline) {
      g_mutex_unlock (&capture->lock);
      if (missing)
        g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
            "camera '%s' delivered no frame within %u s", missing, timeout_ms / 1000);
      else
        g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
            "microphone '%s' delivered no sound within %u s",
            capture->script->audio.device, timeout_ms / 1000);
      return FALSE;
    }
    g_cond_wait_until (&capture->cond, &capture->lock,
        MIN (deadline, g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND));
  }
  g_mutex_unlock (&capture->lock);

  return check_audio_pace (capture, error);
}

gboolean
emocap_capture_check (EmocapCapture *capture, guint max_silence_ms, GError **error)
{
  GError *err = poll_bus (capture);
  gint64 now = g_get_monotonic_time ();

  /* A camera found gone stays an error until it is dropped. */
  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (!b->dropped && camera_is_lost (capture, b)) {
      g_clear_error (&err);
      g_propagate_error (error, lost_error (b));
      return FALSE;
    }
  }
  if (err) {
    g_propagate_error (error, err);
    return FALSE;
  }
  g_mutex_lock (&capture->lock);
  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (b->dropped)
      continue;
    if (now - b->last_arrival > (gint64) max_silence_ms * 1000) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
          "camera '%s' stopped delivering frames (nothing for %.1f s)",
          b->camera->id, (now - b->last_arrival) / 1e6);
      g_mutex_unlock (&capture->lock);
      return FALSE;
    }
  }
  g_mutex_unlock (&capture->lock);
  return TRUE;
}

gboolean
emocap_capture_get_camera_format (EmocapCapture *capture, const char *camera_id,
    int *width, int *height, int *fps_n, int *fps_d)
{
  gboolean found = FALSE;

  g_mutex_lock (&capture->lock);
  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (g_str_equal (b->camera->id, camera_id) && b->caps) {
      *width = b->width;
      *height = b->height;
      *fps_n = b->fps_n;
      *fps_d = b->fps_d;
      found = TRUE;
    }
  }
  g_mutex_unlock (&capture->lock);
  return found;
}

char **
emocap_capture_get_lost_cameras (EmocapCapture *capture)
{
  GPtrArray *ids = g_ptr_array_new ();

  g_return_val_if_fail (capture != NULL, NULL);

  g_mutex_lock (&capture->lock);
  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (b->lost && !b->dropped)
      g_ptr_array_add (ids, g_strdup (b->camera->id));
  }
  g_mutex_unlock (&capture->lock);
  g_ptr_array_add (ids, NULL);
  return (char **) g_ptr_array_free (ids, FALSE);
}

gboolean
emocap_capture_drop_camera (EmocapCapture *capture, const char *camera_id, GError **error)
{
  Branch *lost = NULL;
  guint active = 0;

  g_return_val_if_fail (capture != NULL && camera_id != NULL, FALSE);

  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (b->dropped)
      continue;
    active++;
    if (g_str_equal (b->camera->id, camera_id))
      lost = b;
  }
  if (lost == NULL || !lost->lost) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "camera '%s' is not a disconnected camera of this session", camera_id);
    return FALSE;
  }
  if (active < 2) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "camera '%s' was the only camera left: there is nothing to record without it",
        camera_id);
    return FALSE;
  }

  /* The rest of the pipeline plays on: only this branch stops. */
  for (guint i = 0; i < lost->elements->len; i++) {
    GstElement *e = g_ptr_array_index (lost->elements, i);
    gst_element_set_locked_state (e, TRUE);
    gst_element_set_state (e, GST_STATE_NULL);
  }
  for (guint i = 0; i < lost->elements->len; i++)
    gst_bin_remove (GST_BIN (capture->pipeline), g_ptr_array_index (lost->elements, i));
  g_clear_pointer (&lost->replay, emocap_replay_free);
  lost->filter = NULL;

  g_mutex_lock (&capture->lock);
  lost->dropped = TRUE;
  g_mutex_unlock (&capture->lock);
  return TRUE;
}

gboolean
emocap_capture_has_camera (EmocapCapture *capture, const char *camera_id)
{
  g_return_val_if_fail (capture != NULL && camera_id != NULL, FALSE);

  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (!b->dropped && g_str_equal (b->camera->id, camera_id))
      return TRUE;
  }
  return FALSE;
}

json_t *
emocap_capture_get_camera_controls (EmocapCapture *capture, const char *camera_id)
{
  g_return_val_if_fail (capture != NULL && camera_id != NULL, NULL);

  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (g_str_equal (b->camera->id, camera_id))
      return b->controls;
  }
  return NULL;
}

void
emocap_capture_interrupt (EmocapCapture *capture)
{
  g_atomic_int_set (&capture->interrupt, 1);
}

void
emocap_capture_set_watermark_tag (EmocapCapture *capture, guint64 tag)
{
  g_return_if_fail (capture != NULL);

  g_mutex_lock (&capture->lock);
  capture->check_tag = TRUE;
  capture->watermark_tag = tag;
  g_mutex_unlock (&capture->lock);
}

/* Filters work only for takes: see EmocapFilterFactory. */
static void
filters_passthrough (EmocapCapture *capture, gboolean passthrough)
{
  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (b->filter != NULL && GST_IS_BASE_TRANSFORM (b->filter))
      gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (b->filter), passthrough);
  }
}

/* TRUE once emocap_capture_interrupt() was called; clears the flag. */
static gboolean
take_interrupt (EmocapCapture *capture)
{
  return g_atomic_int_compare_and_exchange (&capture->interrupt, 1, 0);
}

static void
emit (EmocapTakeEventFunc on_event, gpointer user_data, EmocapTakeEventType type,
    const char *camera, guint64 count, double seconds)
{
  EmocapTakeEvent ev = { type, camera, count, seconds };
  if (on_event)
    on_event (&ev, user_data);
}

static double
dbfs (double v)
{
  return v > 0 ? 20.0 * log10 (v) : -INFINITY;
}

static void
camera_result_free (gpointer data)
{
  EmocapCameraResult *r = data;
  g_free (r->camera);
  g_free (r->path);
  json_decref (r->controls);
  g_free (r);
}

void
emocap_take_result_free (EmocapTakeResult *result)
{
  if (result == NULL)
    return;
  g_ptr_array_unref (result->cameras);
  g_free (result->reason);
  g_free (result->audio_format);
  g_free (result);
}

/* The branches a take records: every camera not dropped. */
static gboolean
active (Branch *b)
{
  return !b->dropped;
}

/* Ends every stream still open (interrupt, failure). */
static void
end_all_locked (EmocapCapture *capture)
{
  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (b->writer == NULL)
      continue;
    branch_end_video (b);
    if (capture->has_audio && !b->audio_ended) {
      b->audio_ended = TRUE;
      emocap_take_writer_end_audio (b->writer);
    }
    b->state = REC_DONE;
  }
}

static gboolean
all_done_locked (EmocapCapture *capture)
{
  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (b->writer == NULL)
      continue;
    if (!b->video_ended || (capture->has_audio && !b->audio_ended))
      return FALSE;
  }
  return TRUE;
}

/* Ends the take early, unless something ended it already: the first
 * cause is the one reported. */
static void
take_fail (EmocapTakeResult *result, EmocapTakeStatus status, EmocapTakeFault fault,
    const char *reason)
{
  if (result->status != EMOCAP_TAKE_FINISHED)
    return;
  result->status = status;
  result->fault = fault;
  result->reason = g_strdup (reason);
}

static EmocapTakeFault
fault_of_error (const GError *error)
{
  return g_error_matches (error, EMOCAP_ERROR, EMOCAP_ERROR_NO_SPACE) ?
      EMOCAP_TAKE_FAULT_NO_SPACE : EMOCAP_TAKE_FAULT_WRITE;
}

/* What the camera controls are as the take starts: NULL when the script
 * sets none or they cannot be read (the device is in use by the stream;
 * reading is a second open of it, which V4L2 allows). */
static json_t *
read_controls (Branch *b)
{
  g_autoptr (GError) error = NULL;
  json_t *values;

  if (b->camera->kind != EMOCAP_SOURCE_V4L2 || b->camera->controls->len == 0)
    return NULL;
  values = emocap_v4l2_controls_read (b->camera->path, b->camera->controls, &error);
  if (values == NULL)
    GST_WARNING ("camera '%s': cannot read its controls back: %s", b->camera->id,
        error->message);
  return values;
}

EmocapTakeResult *
emocap_capture_record (EmocapCapture *capture, const char *dir, int seconds,
    EmocapTakeEventFunc on_event, gpointer user_data, GError **error)
{
  g_autoptr (EmocapTakeResult) result = NULL;
  g_autoptr (GstCaps) audio_caps = NULL;
  g_autoptr (GPtrArray) controls = g_ptr_array_new_with_free_func ((GDestroyNotify) json_decref);
  gint64 deadline, next_progress;
  guint64 clipped_reported = 0, audio_dropped_reported = 0;
  gboolean started_reported = FALSE;

  g_return_val_if_fail (capture != NULL && capture->started, NULL);
  g_return_val_if_fail (dir != NULL && seconds > 0, NULL);

  if (!emocap_capture_check (capture, 2000, error))
    return NULL;

  if (capture->has_audio)
    audio_caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "S16LE",
        "layout", G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT, capture->rate,
        "channels", G_TYPE_INT, capture->channels, NULL);

  /* Writers first, so the cue is not delayed by opening files. */
  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    g_autofree char *name = g_strdup_printf ("%s.mkv", b->camera->id);
    g_autofree char *path = g_build_filename (dir, name, NULL);
    GstCaps *caps;

    g_ptr_array_add (controls, NULL);
    if (!active (b))
      continue;
    g_mutex_lock (&capture->lock);
    caps = gst_caps_ref (b->caps);
    g_mutex_unlock (&capture->lock);
    b->writer = emocap_take_writer_new (path, caps, audio_caps, error);
    gst_caps_unref (caps);
    if (b->writer == NULL) {
      for (guint j = 0; j < i; j++) {
        Branch *o = g_ptr_array_index (capture->branches, j);
        g_clear_pointer (&o->writer, emocap_take_writer_free);
      }
      return NULL;
    }
    controls->pdata[i] = read_controls (b);
  }

  result = g_new0 (EmocapTakeResult, 1);
  result->cameras = g_ptr_array_new_with_free_func (camera_result_free);
  result->has_audio = capture->has_audio;

  /* Before the cue, so that every frame from the cue on is filtered. */
  filters_passthrough (capture, FALSE);

  /* The cue: from here on, the first frame of each camera starts its take. */
  g_mutex_lock (&capture->lock);
  capture->take_active = TRUE;
  capture->take_seconds = seconds;
  capture->stat_samples = 0;
  capture->stat_sumsq = 0;
  capture->stat_peak = 0;
  capture->stat_clipped = 0;
  capture->audio_dropped = 0;
  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    if (!active (b))
      continue;
    b->state = REC_ARMED;
    b->prev_pts = GST_CLOCK_TIME_NONE;
    b->frames_expected = gst_util_uint64_scale_round (seconds, b->fps_n, b->fps_d);
    b->frames_written = b->frames_dropped = b->frames_marked = b->audio_written = 0;
    b->qos_dropped = b->frames_corrupt = 0;
    b->stalls = 0;
    b->stall_longest = 0;
    b->resumed_after = 0;
    b->video_ended = FALSE;
    b->audio_ended = !capture->has_audio;
    b->audio_real = FALSE;
    b->av_offset = 0;
    b->start_latency = 0;
    b->dropped_reported = 0;
    b->corrupt_reported = 0;
    b->stall_reported = FALSE;
    b->lost_reported = FALSE;
  }
  result->cue_time = g_get_real_time ();
  capture->cue = running_time_now (capture);
  g_mutex_unlock (&capture->lock);

  deadline = g_get_monotonic_time () + ((gint64) seconds * 1000 + TAKE_GRACE_MS) * 1000;
  next_progress = g_get_monotonic_time () + 250 * G_TIME_SPAN_MILLISECOND;

  for (;;) {
    g_autoptr (GError) failure = NULL;
    gint64 now;
    gboolean done;

    if ((failure = poll_bus (capture)) != NULL) {
      gboolean lost = FALSE;
      for (guint i = 0; i < capture->branches->len; i++) {
        Branch *b = g_ptr_array_index (capture->branches, i);
        lost |= b->writer && b->lost;
      }
      if (lost)
        take_fail (result, EMOCAP_TAKE_INTERRUPTED, EMOCAP_TAKE_FAULT_CAMERA_LOST,
            failure->message);
      else
        take_fail (result, EMOCAP_TAKE_FAILED, EMOCAP_TAKE_FAULT_DEVICE, failure->message);
    }
    if (take_interrupt (capture))
      take_fail (result, EMOCAP_TAKE_INTERRUPTED, EMOCAP_TAKE_FAULT_OPERATOR,
          "interrupted by the operator");
    for (guint i = 0; i < capture->branches->len; i++) {
      Branch *b = g_ptr_array_index (capture->branches, i);
      const GError *werr = b->writer ? emocap_take_writer_check (b->writer) : NULL;
      if (werr && result->status == EMOCAP_TAKE_FINISHED) {
        take_fail (result, EMOCAP_TAKE_FAILED, fault_of_error (werr), werr->message);
        emit (on_event, user_data, EMOCAP_TAKE_EVENT_WRITE_FAILED, b->camera->id, 0, 0);
      }
    }

    g_mutex_lock (&capture->lock);
    if (result->status != EMOCAP_TAKE_FINISHED)
      end_all_locked (capture);
    now = g_get_monotonic_time ();
    if (now >= deadline && !all_done_locked (capture)) {
      GString *who = g_string_new (NULL);
      for (guint i = 0; i < capture->branches->len; i++) {
        Branch *b = g_ptr_array_index (capture->branches, i);
        if (b->writer == NULL)
          continue;
        if (!b->video_ended)
          g_string_append_printf (who, "%scamera '%s'", who->len ? ", " : "", b->camera->id);
        else if (capture->has_audio && !b->audio_ended && who->len == 0)
          g_string_append_printf (who, "microphone '%s'", capture->script->audio.device);
      }
      g_string_append (who, " stopped delivering");
      take_fail (result, EMOCAP_TAKE_FAILED, EMOCAP_TAKE_FAULT_DEVICE, who->str);
      g_string_free (who, TRUE);
      end_all_locked (capture);
    }
    done = all_done_locked (capture);

    /* Report what happened since the last look. */
    {
      guint64 clipped = capture->stat_clipped, adrop = capture->audio_dropped;
      double progress = 0;
      gboolean all_started = TRUE;
      g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (EmocapTakeEvent));

      for (guint i = 0; i < capture->branches->len; i++) {
        Branch *b = g_ptr_array_index (capture->branches, i);
        guint64 dropped = MAX (b->frames_dropped, b->qos_dropped);
        EmocapTakeEvent ev = { 0, b->camera->id, 0, 0 };

        if (b->writer == NULL)
          continue;
        if (dropped > b->dropped_reported) {
          ev.type = EMOCAP_TAKE_EVENT_FRAMES_DROPPED;
          ev.count = dropped - b->dropped_reported;
          g_array_append_val (events, ev);
          b->dropped_reported = dropped;
        }
        if (b->frames_corrupt > b->corrupt_reported) {
          ev.type = EMOCAP_TAKE_EVENT_FRAMES_CORRUPT;
          ev.count = b->frames_corrupt - b->corrupt_reported;
          g_array_append_val (events, ev);
          b->corrupt_reported = b->frames_corrupt;
        }
        if (b->lost && !b->lost_reported) {
          b->lost_reported = TRUE;
          ev.type = EMOCAP_TAKE_EVENT_CAMERA_LOST;
          ev.count = 0;
          g_array_append_val (events, ev);
        }
        if (b->state == REC_ARMED || b->state == REC_IDLE)
          all_started = FALSE;
        if (b->stall_reported && b->resumed_after > 0) {
          ev.type = EMOCAP_TAKE_EVENT_CAMERA_RESUMED;
          ev.count = 0;
          ev.seconds = b->resumed_after / 1e6;
          g_array_append_val (events, ev);
          b->stall_reported = FALSE;
        }
        b->resumed_after = 0;
        if (!b->video_ended && !b->lost && !b->stall_reported &&
            now - b->last_arrival > STALL_MS * 1000) {
          b->stall_reported = TRUE;
          ev.type = EMOCAP_TAKE_EVENT_CAMERA_STALLED;
          ev.count = 0;
          ev.seconds = (now - b->last_arrival) / 1e6;
          g_array_append_val (events, ev);
        }
        progress = MAX (progress, b->frames_written * (double) b->fps_d / b->fps_n);
      }
      g_mutex_unlock (&capture->lock);

      if (all_started && !started_reported) {
        started_reported = TRUE;
        emit (on_event, user_data, EMOCAP_TAKE_EVENT_STARTED, NULL, 0, 0);
      }
      for (guint i = 0; i < events->len; i++) {
        const EmocapTakeEvent *ev = &g_array_index (events, EmocapTakeEvent, i);
        emit (on_event, user_data, ev->type, ev->camera, ev->count, ev->seconds);
      }
      if (clipped > clipped_reported) {
        emit (on_event, user_data, EMOCAP_TAKE_EVENT_AUDIO_CLIPPED, NULL,
            clipped - clipped_reported, 0);
        clipped_reported = clipped;
      }
      if (adrop > audio_dropped_reported) {
        emit (on_event, user_data, EMOCAP_TAKE_EVENT_AUDIO_DROPPED, NULL,
            adrop - audio_dropped_reported, 0);
        audio_dropped_reported = adrop;
      }
      if (now >= next_progress || done) {
        emit (on_event, user_data, EMOCAP_TAKE_EVENT_PROGRESS, NULL, 0, progress);
        next_progress = now + 250 * G_TIME_SPAN_MILLISECOND;
      }
    }
    if (done)
      break;

    g_mutex_lock (&capture->lock);
    g_cond_wait_until (&capture->cond, &capture->lock,
        g_get_monotonic_time () + 50 * G_TIME_SPAN_MILLISECOND);
    g_mutex_unlock (&capture->lock);
  }

  /* QoS messages of the take's last frames may still be on the bus. */
  {
    GError *late = poll_bus (capture);
    if (late) {
      GST_WARNING ("after the take: %s", late->message);
      g_error_free (late);
    }
  }

  /* Every frame of the take is in (or never will be). */
  filters_passthrough (capture, TRUE);

  g_mutex_lock (&capture->lock);
  capture->take_active = FALSE;
  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    EmocapCameraResult *r;
    guint64 shortfall = 0;

    if (b->writer == NULL)
      continue;
    r = g_new0 (EmocapCameraResult, 1);
    b->state = REC_IDLE;
    r->camera = g_strdup (b->camera->id);
    r->path = g_strdup (emocap_take_writer_get_path (b->writer));
    r->width = b->width;
    r->height = b->height;
    r->fps_n = b->fps_n;
    r->fps_d = b->fps_d;
    r->frames_expected = b->frames_expected;
    r->frames_recorded = b->frames_written;
    r->frames_marked = b->frames_marked;
    r->frames_corrupt = b->frames_corrupt;
    r->frames_dropped_qos = b->qos_dropped;
    /* A finished take short of frames lost them somewhere: at its very
     * end, where no later frame shows the gap. */
    if (result->status == EMOCAP_TAKE_FINISHED &&
        b->frames_expected > b->frames_written + b->frames_corrupt)
      shortfall = b->frames_expected - b->frames_written - b->frames_corrupt;
    r->frames_dropped = MAX (MAX (b->frames_dropped, b->qos_dropped), shortfall);
    r->stalls = b->stalls;
    r->stall_longest_s = b->stall_longest / 1e6;
    r->lost = b->lost;
    r->controls = g_steal_pointer (&controls->pdata[i]);
    r->start_latency_ns = b->start_latency;
    r->av_offset_ns = b->av_offset;
    r->audio_samples = b->audio_written;
    r->duration = b->frames_written * b->period;
    g_ptr_array_add (result->cameras, r);
  }
  if (capture->has_audio) {
    result->audio_format = g_strdup ("S16LE");
    result->audio_rate = capture->rate;
    result->audio_channels = capture->channels;
    result->audio_peak_dbfs = dbfs (capture->stat_peak / 32768.0);
    result->audio_rms_dbfs = capture->stat_samples ?
        dbfs (sqrt (capture->stat_sumsq / capture->stat_samples) / 32768.0) : -INFINITY;
    result->audio_clipped = capture->stat_clipped;
    result->audio_dropped = capture->audio_dropped;
  }
  g_mutex_unlock (&capture->lock);

  /* Close every file, even after a failure: what was recorded stays
   * playable. */
  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    g_autoptr (GError) werr = NULL;

    if (b->writer == NULL)
      continue;
    if (!emocap_take_writer_finish (b->writer, 30000, &werr))
      take_fail (result, EMOCAP_TAKE_FAILED, fault_of_error (werr), werr->message);
    g_clear_pointer (&b->writer, emocap_take_writer_free);
  }
  result->end_time = g_get_real_time ();
  return g_steal_pointer (&result);
}

void
emocap_capture_free (EmocapCapture *capture)
{
  if (capture == NULL)
    return;

  /* Replays feed the pipeline: stop them first. */
  for (guint i = 0; i < capture->branches->len; i++) {
    Branch *b = g_ptr_array_index (capture->branches, i);
    g_clear_pointer (&b->replay, emocap_replay_free);
  }
  gst_element_set_state (capture->pipeline, GST_STATE_NULL);
  g_ptr_array_unref (capture->branches);
  g_queue_clear_full (&capture->history, (GDestroyNotify) gst_buffer_unref);
  gst_object_unref (capture->pipeline);
  gst_object_unref (capture->clock);
  g_mutex_clear (&capture->lock);
  g_cond_clear (&capture->cond);
  g_free (capture);
}
