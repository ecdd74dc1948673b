/* emocap tests: recording from a V4L2 camera through v4l2src
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The test camera (tests/testcam) stands in for a UVC camera at
 * /dev/video42.  The frames stored are the camera's own bytes with only
 * the watermark changed: marking the camera's frame with the take's tag
 * gives the stored frame, byte for byte.  The script's controls are set
 * (automatic modes first), read back and written into take.json; a
 * control the camera lacks stops the session before it starts.
 */
#include <string.h>

#include <emocap/watermark.h>

#include "camera-util.h"

static const char script_text[] =
    "{\n"
    "  \"emocap\": 1,\n"
    "  \"session\": \"v4l2\",\n"
    "  \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\",\n"
    "  \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"cameras\": [ { \"id\": \"front\", \"device\": \"%s\", \"width\": 640, \"height\": 360,\n"
    "                 \"fps\": 30, \"controls\": { %s } } ],\n"
    "  \"audio\": { \"device\": \"test:sine\", \"rate\": 48000, \"channels\": 1 },\n"
    "  \"takes\": [ { \"emotion\": \"joy\", \"seconds\": 2 } ]\n"
    "}\n";

/* In script order, manual values before the automatic modes they need
 * off: the recorder must set the modes first all the same. */
static const char controls_text[] =
    "\"exposure_time_absolute\": 500, \"auto_exposure\": 1, "
    "\"white_balance_temperature\": 4500, \"white_balance_automatic\": 0, \"brightness\": -7";

static const char *
str (json_t *obj, const char *key)
{
  return json_string_value (json_object_get (obj, key));
}

static int
log_index (const char *log, const char *line)
{
  const char *p = strstr (log, line);
  return p ? (int) (p - log) : -1;
}

static void
check_controls (json_t *controls, const char *where)
{
  check (json_is_object (controls) && json_object_size (controls) == 5 &&
      json_integer_value (json_object_get (controls, "exposure_time_absolute")) == 500 &&
      json_integer_value (json_object_get (controls, "auto_exposure")) == 1 &&
      json_integer_value (json_object_get (controls, "white_balance_temperature")) == 4500 &&
      json_integer_value (json_object_get (controls, "white_balance_automatic")) == 0 &&
      json_integer_value (json_object_get (controls, "brightness")) == -7,
      "%s: controls read back are not the script's", where);
}

static void
test_bytes_and_controls (void)
{
  Studio *studio = camera_studio_new ("/dev/video42,name=Front Cam,frames=@DIR@/frames");
  g_autoptr (GPtrArray) originals = write_frame_folder (studio, "frames", 7, 640, 360);
  g_autofree char *text = g_strdup_printf (script_text, "/dev/video42", controls_text);
  g_autofree char *script = studio_write_script (studio, "script.json", text);
  g_autofree char *consent = studio_write_consent (studio, "\"all\"");
  g_autofree char *out = NULL, *err = NULL, *log = NULL;
  g_autofree char *mkv = g_build_filename (studio->archive, "sessions", "v4l2", "takes",
      "001-joy", "front.mkv", NULL);
  g_autofree char *journal_path = g_build_filename (studio->archive, "sessions", "v4l2",
      "journal.jsonl", NULL);
  g_autofree char *key_path = g_build_filename (studio->archive, "keys", "watermark.key", NULL);
  const char *argv[] = { "record", script, "--archive", studio->archive, "--auto",
    "--consent-file", consent, NULL };
  g_autoptr (json_t) doc = NULL;
  g_autoptr (json_t) journal = NULL;
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (EmocapWmEmbedder) wm = NULL;
  guint8 key[EMOCAP_WM_KEY_LEN];
  guint64 tag;
  int status, first = -1;

  status = studio_run (studio, NULL, &out, &err, argv);
  check (status == 0, "record exited %d: %s", status, err);
  check (strstr (out, "camera 'front': /dev/video42, MJPEG 640x360 at 30 fps") != NULL, "%s", out);

  /* automatic modes off before the manual values, whatever the order */
  log = camera_log (studio);
  check (log_index (log, "ctrl /dev/video42 auto_exposure 1") >= 0 &&
      log_index (log, "ctrl /dev/video42 auto_exposure 1") <
      log_index (log, "ctrl /dev/video42 exposure_time_absolute 500"),
      "auto_exposure not set before exposure_time_absolute:\n%s", log);
  check (log_index (log, "ctrl /dev/video42 white_balance_automatic 0") >= 0 &&
      log_index (log, "ctrl /dev/video42 white_balance_automatic 0") <
      log_index (log, "ctrl /dev/video42 white_balance_temperature 4500"),
      "white_balance_automatic not set before white_balance_temperature:\n%s", log);

  /* read back, into the journal and take.json */
  journal = read_journal (journal_path);
  check_controls (json_object_get (json_array_get (json_object_get (
                  json_array_get (journal, 0), "cameras"), 0), "controls"), "session.opened");
  doc = read_take_json (studio, "v4l2", "001-joy");
  g_assert_nonnull (doc);
  check_controls (json_object_get (take_camera (doc, "front"), "controls"), "take.json");
  check (json_integer_value (json_object_get (take_camera (doc, "front"), "frames_dropped")) == 0 &&
      json_integer_value (json_object_get (take_camera (doc, "front"), "frames_corrupt")) == 0,
      "a clean camera's take has drops or corrupt frames");

  /* every stored frame is a camera frame, marked, nothing else changed,
   * and they follow each other as the camera sent them */
  g_assert_true (emocap_wm_key_load (key_path, key, NULL));
  tag = g_ascii_strtoull (str (json_object_get (doc, "watermark"), "tag"), NULL, 16);
  wm = emocap_wm_embedder_new (key);
  emocap_wm_embedder_set_tag (wm, tag);
  stored = read_video_frames (mkv);
  check (stored->len == 60, "%u frames stored, 60 expected", stored->len);
  for (guint i = 0; i < stored->len; i++) {
    GBytes *frame = g_ptr_array_index (stored, i);
    int match = -1;
    for (guint k = 0; k < originals->len && match < 0; k++) {
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (originals, k), &len);
      g_autofree guint8 *marked = NULL;
      gsize marked_len = 0;
      g_assert_true (emocap_wm_embed_jpeg (wm, data, len, &marked, &marked_len, NULL));
      if (marked_len == g_bytes_get_size (frame) &&
          memcmp (marked, g_bytes_get_data (frame, NULL), marked_len) == 0)
        match = (int) k;
    }
    check (match >= 0, "stored frame %u is not a camera frame with the take's mark", i);
    if (first < 0)
      first = match;
    check (match < 0 || (guint) match == (first + i) % originals->len,
        "stored frame %u is camera file %d, expected %u", i, match, (first + i) % originals->len);
    /* nor are they the camera's bytes untouched: the mark is in them */
    check (!g_bytes_equal (frame, g_ptr_array_index (originals, match < 0 ? 0 : match)),
        "stored frame %u carries no mark", i);
  }
  check_take_watermark (studio->archive, "v4l2", "001-joy");
  check_session_verifies (studio, "v4l2");
  studio_free (studio);
}

/* A control the camera lacks is found before anything is opened or
 * written, named, with the camera's own list. */
static void
test_unknown_control (void)
{
  Studio *studio = camera_studio_new ("/dev/video42");
  g_autofree char *text = g_strdup_printf (script_text, "/dev/video42",
      "\"auto_exposure\": 1, \"exposure_absolute\": 300");
  g_autofree char *script = studio_write_script (studio, "script.json", text);
  g_autofree char *consent = studio_write_consent (studio, "\"all\"");
  g_autofree char *out = NULL, *err = NULL, *log = NULL;
  const char *argv[] = { "record", script, "--archive", studio->archive, "--auto",
    "--consent-file", consent, NULL };
  int status = studio_run (studio, NULL, &out, &err, argv);

  check (status == 2, "exit %d for a control the camera lacks: %s", status, err);
  check (strstr (err, "camera 'front'") && strstr (err, "no control 'exposure_absolute'") &&
      strstr (err, "did you mean 'exposure_time_absolute'") &&
      strstr (err, "auto_exposure, exposure_time_absolute"),
      "the message does not name the control and list the camera's: %s", err);
  check (!g_file_test (studio->archive, G_FILE_TEST_EXISTS), "an archive was created");
  log = camera_log (studio);
  check (strstr (log, "ctrl ") == NULL, "a control was set all the same:\n%s", log);
  check (strstr (log, "streamon") == NULL, "the camera was started all the same");
  studio_free (studio);
}

/* A manual value while its automatic mode stays on cannot hold: said
 * before the session starts, with the fix. */
static void
test_inactive_control (void)
{
  Studio *studio = camera_studio_new ("/dev/video42");
  g_autofree char *text = g_strdup_printf (script_text, "/dev/video42",
      "\"white_balance_temperature\": 4500");
  g_autofree char *script = studio_write_script (studio, "script.json", text);
  g_autofree char *consent = studio_write_consent (studio, "\"all\"");
  g_autofree char *out = NULL, *err = NULL;
  const char *argv[] = { "record", script, "--archive", studio->archive, "--auto",
    "--consent-file", consent, NULL };
  int status = studio_run (studio, NULL, &out, &err, argv);

  check (status == 2, "exit %d for an inactive control: %s", status, err);
  check (strstr (err, "white_balance_temperature") && strstr (err, "white_balance_automatic"),
      "the message does not say which automatic mode to turn off: %s", err);
  check (!g_file_test (studio->archive, G_FILE_TEST_EXISTS), "an archive was created");
  studio_free (studio);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/v4l2/record/bytes-and-controls", test_bytes_and_controls);
  g_test_add_func ("/v4l2/record/unknown-control", test_unknown_control);
  g_test_add_func ("/v4l2/record/inactive-control", test_inactive_control);
  return g_test_run ();
}
