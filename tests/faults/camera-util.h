/* emocap tests: sessions recorded from the test camera
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include "tests/record/record-util.h"

/* A studio whose emocap processes see the test camera: @cameras is
 * EMOCAP_TESTCAM (may hold "@DIR@", replaced by the studio's folder), the
 * camera's log goes to DIR/camera.log. */
Studio *camera_studio_new (const char *cameras);

/* The studio's DIR/NAME, a file to touch to fire a "file:" fault. */
char *camera_trigger_path (Studio *studio, const char *name);

/* Creates DIR/@name (the trigger fires at the camera's next frame). */
void camera_fire (Studio *studio, const char *name);

/* The camera's log, as written so far. */
char *camera_log (Studio *studio);

/* Waits until @path exists with some bytes in it (a take's file getting
 * its first frame), failing the test after two minutes. */
void wait_for_bytes (const char *path);

/* Reads @fd (a child's stderr) until a line holding @needle arrives;
 * returns that line (free it), or NULL at the end of the stream or after
 * two minutes.  Everything read is appended to @seen. */
char *wait_for_line (int fd, const char *needle, GString *seen);

/* Every video frame of the Matroska file @path, as GBytes, in order. */
GPtrArray *read_video_frames (const char *path);

/* Writes @n distinct JPEG frames of @width x @height, textured like a
 * camera picture, to DIR/@folder/frame-NN.jpg; returns them in order. */
GPtrArray *write_frame_folder (Studio *studio, const char *folder, int n, int width,
    int height);

/* take.json of @take in session @session of the studio's archive. */
json_t *read_take_json (Studio *studio, const char *session, const char *take);

/* The camera object @camera of a take.json. */
json_t *take_camera (json_t *take_json, const char *camera);

/* TRUE if take.json's "flags" hold @flag. */
gboolean take_flagged (json_t *take_json, const char *flag);

/* Runs `emocap verify` on the session; the test fails if it does not pass. */
void check_session_verifies (Studio *studio, const char *session);
