/* emocap tests: a take that falls short is flagged at once and in take.json
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A camera that loses frames (a replayed recording with a hole in its
 * timestamps, as a camera's sequence gap leaves) and a microphone driven
 * to full scale: the operator is warned while the take records, the take's
 * summary says so, and take.json carries the counts and flags.
 */
#include <string.h>

#include "record-util.h"

static const char script_text[] =
    "{\n"
    "  \"emocap\": 1, \"session\": \"flags\", \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\", \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"cameras\": [ { \"id\": \"front\", \"device\": \"file:gappy.mkv\", \"fps\": 25 } ],\n"
    "  \"audio\": { \"device\": \"emotest\" },\n"
    "  \"takes\": [ { \"emotion\": \"joy\", \"seconds\": 3 } ]\n"
    "}\n";

/* A square wave at full scale: every sample clips. */
static gint16
square_sample (gsize i, gpointer data)
{
  return (i / 50) % 2 ? G_MAXINT16 : G_MININT16;
}

static json_t *
flag_list (json_t *take)
{
  return json_object_get (take, "flags");
}

static gboolean
has_flag (json_t *take, const char *flag)
{
  size_t i;
  json_t *f;

  json_array_foreach (flag_list (take), i, f) {
    if (g_strcmp0 (json_string_value (f), flag) == 0)
      return TRUE;
  }
  return FALSE;
}

static void
test_flags (void)
{
  Studio *studio = studio_new ();
  g_autofree char *script = studio_write_script (studio, "script.json", script_text);
  g_autofree char *consent_path = studio_write_consent (studio, "\"all\"");
  g_autofree char *clip = g_build_filename (studio->dir, "gappy.mkv", NULL);
  g_autofree char *take_path = g_build_filename (studio->archive, "sessions", "flags",
      "takes", "001-joy", "take.json", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (json_t) take = NULL;
  json_t *cam, *audio;
  /* 50 frames at 25 fps with frames 10..19 missing from the timestamps. */
  const char *make_clip[] = { "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
    "testsrc=size=320x240:rate=25", "-frames:v", "50", "-vf",
    "select='not(between(n,10,19))'", "-fps_mode", "passthrough", "-c:v", "mjpeg",
    clip, NULL };
  const char *argv[] = { "record", script, "--archive", studio->archive, "--auto",
    "--consent-file", consent_path, NULL };
  int status, st = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) make_clip, NULL, G_SPAWN_SEARCH_PATH,
          NULL, NULL, NULL, NULL, &st, NULL) && g_spawn_check_wait_status (st, NULL));
  studio_write_wav (studio, square_sample, NULL);
  studio_start_feeder (studio);

  status = studio_run (studio, NULL, &out, &err, argv);
  check (status == 0, "exit %d\n%s%s", status, out, err);

  /* At once, while recording (stderr), and in the take's summary. */
  check (strstr (err, "camera 'front' dropped") != NULL, "no dropped-frames warning:\n%s", err);
  check (strstr (err, "audio clipped") != NULL, "no clipping warning:\n%s", err);
  check (strstr (out, "DROPPED") != NULL && strstr (out, "CLIPPED") != NULL,
      "summary does not flag the take:\n%s", out);
  check (strstr (out, "consider a retake") != NULL, "no retake advice:\n%s", out);

  take = read_json_file (take_path);
  g_assert_nonnull (take);
  cam = json_array_get (json_object_get (take, "cameras"), 0);
  audio = json_object_get (take, "audio");
  check (json_integer_value (json_object_get (cam, "frames_dropped")) >= 10,
      "frames_dropped %" JSON_INTEGER_FORMAT,
      json_integer_value (json_object_get (cam, "frames_dropped")));
  check (json_integer_value (json_object_get (cam, "frames_recorded")) +
      json_integer_value (json_object_get (cam, "frames_dropped")) ==
      json_integer_value (json_object_get (cam, "frames_expected")),
      "recorded + dropped != expected");
  check (json_integer_value (json_object_get (audio, "clipped_samples")) > 48000,
      "clipped_samples %" JSON_INTEGER_FORMAT,
      json_integer_value (json_object_get (audio, "clipped_samples")));
  check (json_real_value (json_object_get (audio, "peak_dbfs")) > -0.01,
      "peak %g dBFS", json_real_value (json_object_get (audio, "peak_dbfs")));
  check (has_flag (take, "frames-dropped") && has_flag (take, "audio-clipped"),
      "take.json flags");
  /* Frames dropped by the camera; the ones it delivered are all marked. */
  check_take_watermark (studio->archive, "flags", "001-joy");
  studio_free (studio);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/record/flags", test_flags);
  return g_test_run ();
}
