/* emocap: internals shared by the capture pipeline's parts
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <emocap/script.h>

G_BEGIN_DECLS

/* gst_element_factory_make() with an error that says which Debian package
 * holds a missing element. */
GstElement *emocap_make_element (const char *factory, const char *name,
    GError **error);

/* A take's Matroska file for one camera: MJPEG frames as they arrive plus,
 * optionally, the microphone's samples, muxed and written to @path. */
typedef struct _EmocapTakeWriter EmocapTakeWriter;

/* Creates @path (0600, refusing to overwrite anything) and starts a
 * pipeline that muxes what is pushed into it.  @audio_caps NULL for none. */
EmocapTakeWriter *emocap_take_writer_new (const char *path,
    GstCaps *video_caps, GstCaps *audio_caps, GError **error);

/* Take ownership of @buffer (timestamps relative to the take's start). */
void emocap_take_writer_push_video (EmocapTakeWriter *writer, GstBuffer *buffer);
void emocap_take_writer_push_audio (EmocapTakeWriter *writer, GstBuffer *buffer);
void emocap_take_writer_end_video (EmocapTakeWriter *writer);
void emocap_take_writer_end_audio (EmocapTakeWriter *writer);

/* The first error the writing pipeline posted so far (a full disk is
 * EMOCAP_ERROR_NO_SPACE), or NULL; does not wait.  Owned by @writer. */
const GError *emocap_take_writer_check (EmocapTakeWriter *writer);

/* Waits until the muxer has written everything (both streams ended),
 * stops the pipeline and makes the file durable (fsync of the file and its
 * folder); after a write error, makes durable what was written and returns
 * that error. */
gboolean emocap_take_writer_finish (EmocapTakeWriter *writer,
    guint timeout_ms, GError **error);

const char *emocap_take_writer_get_path (EmocapTakeWriter *writer);

void emocap_take_writer_free (EmocapTakeWriter *writer);

/* A recording replayed as a live camera ("file:PATH"): decoded in a
 * pipeline of its own and fed at its real pace, looping, into @appsrc of
 * the capture pipeline.  MJPEG passes through; anything else is encoded to
 * MJPEG at the camera's size and rate. */
typedef struct _EmocapReplay EmocapReplay;

EmocapReplay *emocap_replay_new (const EmocapCamera *camera,
    GstElement *appsrc, GError **error);

/* Starts decoding and feeding, timed against @pipeline's clock and base
 * time (the pipeline must be PLAYING). */
gboolean emocap_replay_start (EmocapReplay *replay, GstElement *pipeline,
    GError **error);

/* The first error the replay met (a copy), or NULL. */
GError *emocap_replay_get_error (EmocapReplay *replay);

void emocap_replay_free (EmocapReplay *replay);

G_END_DECLS
