/* emocap: the capture pipeline — cameras and microphone, live for a session
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <gst/gst.h>
#include <jansson.h>

#include <emocap/script.h>

G_BEGIN_DECLS

/*
 * One GStreamer pipeline, on the system's monotonic clock, holds every
 * camera and the microphone of a script; they are opened once and stay
 * live for the whole session.  Each camera delivers MJPEG (as a camera
 * does: V4L2 MJPEG passed through jpegparse, test and file sources encoded
 * to MJPEG) through a per-frame filter slot into the recorder.  A take
 * writes each camera's frames, with the microphone's samples, to
 * DIR/CAMERA.mkv: it starts at the first frame at or after the cue and
 * holds exactly round(seconds * fps) frame periods of video and
 * seconds * rate samples of audio, clipped on the pipeline clock.
 */
typedef struct _EmocapCapture EmocapCapture;

/* Returns the element to put in @camera's branch (a floating reference),
 * or NULL for none; called once per camera while the pipeline is built.
 * A filter that is a GstBaseTransform is put in passthrough once a take's
 * last frame is in, and out of it before the next take's cue: between
 * takes no frame is kept, so a filter that costs (the watermark) leaves
 * the machine to closing and hashing the take's files. */
typedef GstElement *(*EmocapFilterFactory) (const EmocapCamera *camera,
    gpointer user_data);

/* Builds the pipeline for @script's cameras and microphone (nothing is
 * opened yet).  @filter_factory may be NULL.  gst_init() must have been
 * called. */
EmocapCapture *emocap_capture_new (const EmocapScript *script,
    EmocapFilterFactory filter_factory, gpointer user_data, GError **error);

/* Opens the devices and starts the pipeline, then waits up to @timeout_ms
 * for a first frame from every camera and a first buffer of audio.
 * EMOCAP_ERROR_DEVICE naming the camera or microphone at fault. */
gboolean emocap_capture_start (EmocapCapture *capture, guint timeout_ms,
    GError **error);

/* Checks that the pipeline is healthy between takes: no error posted, and
 * every camera delivered a frame in the last @max_silence_ms.
 * EMOCAP_ERROR_DEVICE naming the camera otherwise.  A V4L2 camera whose
 * device went away is "camera 'ID' disconnected", and is then listed by
 * emocap_capture_get_lost_cameras(). */
gboolean emocap_capture_check (EmocapCapture *capture, guint max_silence_ms,
    GError **error);

/* The ids of the cameras found disconnected and not yet dropped, as a new
 * NULL-terminated array (g_strfreev()); empty when there are none. */
char **emocap_capture_get_lost_cameras (EmocapCapture *capture);

/* Takes the disconnected camera @camera_id out of the pipeline: the
 * session goes on with the others, and later takes have no file for it.
 * FALSE (EMOCAP_ERROR_DEVICE) if it is not a lost camera or is the last
 * one left. */
gboolean emocap_capture_drop_camera (EmocapCapture *capture,
    const char *camera_id, GError **error);

/* TRUE if @camera_id is still recorded (not dropped). */
gboolean emocap_capture_has_camera (EmocapCapture *capture,
    const char *camera_id);

/* The controls applied to a V4L2 camera when it was opened, as read back
 * from it (control name to value, script order), or NULL when the script
 * sets none.  Owned by @capture. */
json_t *emocap_capture_get_camera_controls (EmocapCapture *capture,
    const char *camera_id);

/* Width, height and frame rate a camera actually delivers (known once
 * emocap_capture_start() succeeded). */
gboolean emocap_capture_get_camera_format (EmocapCapture *capture,
    const char *camera_id, int *width, int *height, int *fps_n, int *fps_d);

/* Asks the take being recorded to end now (it becomes interrupted, with
 * its files closed and playable).  Only sets a flag: safe from a signal
 * handler. */
void emocap_capture_interrupt (EmocapCapture *capture);

/* The watermark tag the takes recorded from now on must carry: a frame
 * written to a take counts in its camera's frames_marked only when it
 * carries an EmocapWatermarkMeta of @tag (put there by an emocapwatermark
 * element in the filter slot).  Until this is called, a mark of any tag
 * counts. */
void emocap_capture_set_watermark_tag (EmocapCapture *capture, guint64 tag);

void emocap_capture_free (EmocapCapture *capture);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapCapture, emocap_capture_free)

/* What happens during a take, reported to the caller while it records,
 * from the thread that called emocap_capture_record(). */
typedef enum {
  EMOCAP_TAKE_EVENT_STARTED,         /* first frame of every camera written */
  EMOCAP_TAKE_EVENT_PROGRESS,        /* @seconds recorded so far */
  EMOCAP_TAKE_EVENT_FRAMES_DROPPED,  /* @camera lost @count frames */
  EMOCAP_TAKE_EVENT_AUDIO_CLIPPED,   /* @count samples at full scale */
  EMOCAP_TAKE_EVENT_AUDIO_DROPPED,   /* @count samples lost or filled */
  EMOCAP_TAKE_EVENT_CAMERA_STALLED,  /* @camera delivered nothing for @seconds */
  EMOCAP_TAKE_EVENT_CAMERA_RESUMED,  /* @camera delivers again after @seconds */
  EMOCAP_TAKE_EVENT_FRAMES_CORRUPT,  /* @camera sent @count corrupt frames (dropped) */
  EMOCAP_TAKE_EVENT_CAMERA_LOST,     /* @camera is disconnected */
  EMOCAP_TAKE_EVENT_WRITE_FAILED,    /* a file cannot be written (@camera's) */
} EmocapTakeEventType;

typedef struct {
  EmocapTakeEventType type;
  const char *camera;
  guint64 count;
  double seconds;
} EmocapTakeEvent;

typedef void (*EmocapTakeEventFunc) (const EmocapTakeEvent *event,
    gpointer user_data);

typedef enum {
  EMOCAP_TAKE_FINISHED,
  EMOCAP_TAKE_INTERRUPTED,
  EMOCAP_TAKE_FAILED,
} EmocapTakeStatus;

/* What ended a take early. */
typedef enum {
  EMOCAP_TAKE_FAULT_NONE,
  EMOCAP_TAKE_FAULT_OPERATOR,       /* interrupted by the operator */
  EMOCAP_TAKE_FAULT_CAMERA_LOST,    /* a camera was disconnected */
  EMOCAP_TAKE_FAULT_DEVICE,         /* a camera or the microphone failed */
  EMOCAP_TAKE_FAULT_NO_SPACE,       /* the disk is full */
  EMOCAP_TAKE_FAULT_WRITE,          /* a file could not be written */
  EMOCAP_TAKE_FAULT_RECORDER,       /* the recorder itself stopped (killed, crashed) */
} EmocapTakeFault;

/* One camera's file and figures. */
typedef struct {
  char *camera;
  char *path;              /* DIR/CAMERA.mkv */
  int width;
  int height;
  int fps_n;
  int fps_d;
  guint64 frames_expected;
  guint64 frames_recorded;
  guint64 frames_dropped;  /* gaps in the camera's timestamps, QoS */
  guint64 frames_dropped_qos; /* of those, reported by the driver (v4l2src QoS) */
  guint64 frames_corrupt;  /* corrupt frames from the camera, dropped */
  guint64 frames_marked;   /* written carrying the take's watermark */
  guint stalls;            /* times it delivered nothing for over a second */
  double stall_longest_s;  /* the longest of those gaps */
  gboolean lost;           /* disconnected during the take */
  json_t *controls;        /* V4L2 controls read back at the cue, or NULL */
  gint64 start_latency_ns; /* first frame's time minus the cue's */
  gint64 av_offset_ns;     /* first real audio sample minus first frame */
  guint64 audio_samples;   /* per channel, written to the file */
  GstClockTime duration;   /* of the video written */
} EmocapCameraResult;

typedef struct {
  EmocapTakeStatus status;
  EmocapTakeFault fault;
  char *reason;            /* why it was interrupted or failed, else NULL */
  gboolean recovered;      /* counted from the files after the recorder
                            * stopped: marks, drops, latencies and levels
                            * are not known */
  GPtrArray *cameras;      /* EmocapCameraResult*, script order */
  gboolean has_audio;
  char *audio_format;      /* e.g. "S16LE" */
  int audio_rate;
  int audio_channels;
  double audio_peak_dbfs;  /* -inf for silence */
  double audio_rms_dbfs;
  guint64 audio_clipped;   /* samples at full scale */
  guint64 audio_dropped;   /* samples the device or the timing lost */
  gint64 cue_time;         /* wall clock, g_get_real_time() */
  gint64 end_time;
} EmocapTakeResult;

/* Records one take of @seconds into @dir (which must exist), blocking until
 * every file is closed.  Returns the result (also for an interrupted or
 * failed take, whose files are closed and playable), or NULL with an error
 * when nothing could be recorded at all. */
EmocapTakeResult *emocap_capture_record (EmocapCapture *capture,
    const char *dir, int seconds, EmocapTakeEventFunc on_event,
    gpointer user_data, GError **error);

void emocap_take_result_free (EmocapTakeResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapTakeResult, emocap_take_result_free)

G_END_DECLS
