/* emocap's own V4L2 code against the test camera: probing, stable names,
 * controls listed, set, refused and read back, and unplugging.
 *
 * The program runs itself again with the test camera preloaded.  Control
 * values live as long as the process, so every test that sets controls
 * has a camera of its own and starts from the camera's defaults.
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <linux/videodev2.h>

#include <emocap/error.h>
#include <emocap/script.h>
#include <emocap/v4l2.h>

#include "testcam-env.h"

/* The folder of this run: the log and the file that unplugs video49. */
static const char *run_dir;

static char *
run_path (const char *name)
{
  return g_build_filename (run_dir, name, NULL);
}

static char *
testcam_config (const char *dir)
{
  return g_strdup_printf (
      "/dev/video42,name=Front Cam,format=both,sizes=1920x1080:1280x720,rates=30:15;"
      "/dev/video43,kind=output;"
      "/dev/video44,controls=none;"
      "/dev/video45;/dev/video46;/dev/video47;/dev/video48;"
      "/dev/video49,unplug=file:%s/unplug;"
      "%s/scan/video7,name=Seven;%s/scan/video8,kind=output;%s/scan/video10,name=Ten",
      dir, dir, dir, dir);
}

/* ---- helpers ---------------------------------------------------------- */

/* {"name": value, ...} as a script's "controls", in that order. */
static GArray *
controls_of (const char *first_name, ...)
{
  GArray *controls = g_array_new (FALSE, TRUE, sizeof (EmocapControl));
  va_list args;

  va_start (args, first_name);
  for (const char *name = first_name; name != NULL; name = va_arg (args, const char *)) {
    EmocapControl c = { g_strdup (name), va_arg (args, gint64) };
    g_array_append_val (controls, c);
  }
  va_end (args);
  return controls;
}

static void
controls_free (GArray *controls)
{
  for (guint i = 0; i < controls->len; i++)
    g_free (g_array_index (controls, EmocapControl, i).name);
  g_array_unref (controls);
}

/* A GArray of EmocapControl that frees their names. */
typedef GArray GArray_controls;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GArray_controls, controls_free)

/* The lines of the test camera's log about @node's controls, as
 * "NAME VALUE" each. */
static char *
control_log (const char *node)
{
  g_autofree char *path = run_path ("testcam.log");
  g_autofree char *text = NULL;
  g_autofree char *prefix = g_strdup_printf ("ctrl %s ", node);
  g_auto (GStrv) lines = NULL;
  GString *out = g_string_new (NULL);

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_string_free (out, FALSE);
  lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l != NULL; l++) {
    if (g_str_has_prefix (*l, prefix))
      g_string_append_printf (out, "%s\n", *l + strlen (prefix));
  }
  return g_string_free (out, FALSE);
}

static const EmocapV4l2Control *
control_named (GPtrArray *controls, const char *name)
{
  for (guint i = 0; i < controls->len; i++) {
    const EmocapV4l2Control *c = controls->pdata[i];
    if (strcmp (c->name, name) == 0)
      return c;
  }
  g_error ("no control '%s'", name);
  return NULL;
}

static void
assert_json_equal (json_t *got, const char *expected_text)
{
  json_error_t jerr;
  json_t *expected = json_loads (expected_text, 0, &jerr);
  g_autofree char *got_text = json_dumps (got, 0);
  g_autofree char *want_text = NULL;

  if (expected == NULL)
    g_error ("expected JSON at %d:%d: %s", jerr.line, jerr.column, jerr.text);
  want_text = json_dumps (expected, 0);
  /* Compared as text: the order (the script's) matters too. */
  g_assert_cmpstr (got_text, ==, want_text);
  json_decref (expected);
}

/* Applies @controls to @node as camera 'front' and returns the error's
 * message, checking nothing was read back. */
static char *
apply_fails (const char *node, GArray *controls)
{
  g_autoptr (GError) error = NULL;
  json_t *readback = NULL;

  g_assert_false (emocap_v4l2_controls_apply (node, "front", controls, &readback, &error));
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE);
  g_assert_null (readback);
  g_test_message ("%s", error->message);
  return g_strdup (error->message);
}

/* ---- probing ---------------------------------------------------------- */

static void
test_probe (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapCameraDevice) camera = emocap_v4l2_probe ("/dev/video42", "/dev", &error);
  const EmocapCameraMode *mode;
  const char *names[] = {
    "brightness", "white_balance_automatic", "white_balance_temperature",
    "auto_exposure", "exposure_time_absolute", "focus_absolute",
    "focus_automatic_continuous",
  };

  g_assert_no_error (error);
  g_assert_nonnull (camera);
  g_assert_cmpstr (camera->name, ==, "Front Cam");
  g_assert_cmpstr (camera->node, ==, "/dev/video42");
  g_assert_cmpstr (camera->driver, ==, "uvcvideo");
  g_assert_true (g_str_has_prefix (camera->bus_info, "usb-0000:00:14.0-"));
  g_assert_null (camera->by_id);
  g_assert_cmpuint (g_strv_length (camera->links), ==, 0);

  /* Two formats, two sizes each, rates fastest first. */
  g_assert_cmpuint (camera->modes->len, ==, 4);
  for (guint i = 0; i < 4; i++) {
    mode = camera->modes->pdata[i];
    g_assert_cmpstr (mode->format, ==, i < 2 ? "MJPG" : "YUY2");
    g_assert_cmpint (mode->width, ==, i % 2 ? 1280 : 1920);
    g_assert_cmpint (mode->height, ==, i % 2 ? 720 : 1080);
    g_assert_cmpint (mode->min_width, ==, mode->width);
    g_assert_false (mode->rate_is_range);
    g_assert_cmpuint (mode->n_rates, ==, 2);
    g_assert_cmpint (mode->rates[0].num, ==, 30);
    g_assert_cmpint (mode->rates[0].den, ==, 1);
    g_assert_cmpint (mode->rates[1].num, ==, 15);
    g_assert_cmpint (mode->rates[1].den, ==, 1);
  }

  /* The controls in the driver's order, without the control classes. */
  g_assert_cmpuint (camera->controls->len, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_cmpstr (((EmocapV4l2Control *) camera->controls->pdata[i])->name, ==, names[i]);
}

static void
test_controls_list (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) controls = emocap_v4l2_controls_list ("/dev/video42", &error);
  const EmocapV4l2Control *ae, *exposure, *wb, *temp, *brightness;

  g_assert_no_error (error);
  ae = control_named (controls, "auto_exposure");
  g_assert_cmpstr (ae->label, ==, "Auto Exposure");
  g_assert_cmpint (ae->type, ==, V4L2_CTRL_TYPE_MENU);
  g_assert_cmpint (ae->value, ==, 3);
  g_assert_cmpint (ae->default_value, ==, 3);
  g_assert_cmpuint (ae->menu->len, ==, 2);
  g_assert_cmpstr (ae->menu->pdata[0], ==, "1: Manual Mode");
  g_assert_cmpstr (ae->menu->pdata[1], ==, "3: Aperture Priority Mode");
  g_assert_false (ae->inactive);

  exposure = control_named (controls, "exposure_time_absolute");
  g_assert_cmpstr (exposure->label, ==, "Exposure Time, Absolute");
  g_assert_cmpint (exposure->minimum, ==, 3);
  g_assert_cmpint (exposure->maximum, ==, 2047);
  g_assert_cmpint (exposure->value, ==, 250);
  g_assert_true (exposure->inactive);
  g_assert_false (exposure->value_unknown);
  g_assert_null (exposure->menu);

  wb = control_named (controls, "white_balance_automatic");
  g_assert_cmpint (wb->type, ==, V4L2_CTRL_TYPE_BOOLEAN);
  g_assert_cmpint (wb->value, ==, 1);
  temp = control_named (controls, "white_balance_temperature");
  g_assert_cmpint (temp->step, ==, 10);
  g_assert_true (temp->inactive);
  brightness = control_named (controls, "brightness");
  g_assert_cmpint (brightness->minimum, ==, -64);
  g_assert_false (brightness->inactive);
  g_assert_false (brightness->read_only);
}

static void
test_no_controls (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) controls = emocap_v4l2_controls_list ("/dev/video44", &error);
  g_autoptr (GArray_controls) wanted = controls_of ("brightness", (gint64) 0, NULL);
  g_autofree char *message = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (controls->len, ==, 0);
  message = apply_fails ("/dev/video44", wanted);
  g_assert_cmpstr (message, ==, "camera 'front': '/dev/video44' has no control 'brightness': "
      "it has no controls at all");
}

static void
test_probe_not_a_camera (void)
{
  g_autoptr (GError) missing = NULL;
  g_autoptr (GError) output = NULL;
  g_autoptr (EmocapCameraDevice) none = emocap_v4l2_probe ("/dev/video99", "/dev", &missing);
  g_autoptr (EmocapCameraDevice) sink = emocap_v4l2_probe ("/dev/video43", "/dev", &output);

  g_assert_null (none);
  g_assert_error (missing, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE);
  g_assert_cmpstr (missing->message, ==,
      "'/dev/video99' does not exist (is the camera plugged in?)");
  g_assert_null (sink);
  g_assert_error (output, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE);
  g_assert_cmpstr (output->message, ==,
      "'/dev/video43' is not a video capture device: 'emocap test camera' is a video output");
}

static void
test_list_named (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) bad_error = NULL;
  const char *const good[] = { "/dev/video44", "/dev/video42", NULL };
  const char *const bad[] = { "/dev/video42", "/dev/video43", NULL };
  g_autoptr (GPtrArray) cameras = emocap_v4l2_list (good, "/dev", &error);
  g_autoptr (GPtrArray) none = emocap_v4l2_list (bad, "/dev", &bad_error);

  g_assert_no_error (error);
  g_assert_cmpuint (cameras->len, ==, 2);
  /* In the order named. */
  g_assert_cmpstr (((EmocapCameraDevice *) cameras->pdata[0])->node, ==, "/dev/video44");
  g_assert_cmpstr (((EmocapCameraDevice *) cameras->pdata[1])->node, ==, "/dev/video42");
  g_assert_null (none);
  g_assert_error (bad_error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE);
  g_assert_nonnull (strstr (bad_error->message, "'/dev/video43'"));
}

/* A folder playing /dev: its video nodes in numeric order, what is not a
 * capture camera (an output, a plain file) left out. */
static void
test_list_scan (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) cameras = NULL;
  g_autofree char *dev = run_path ("scan");
  const char *files[] = { "video3", "videotape", "video7", "video8", "video10" };

  g_assert_cmpint (g_mkdir_with_parents (dev, 0700), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *path = g_build_filename (dev, files[i], NULL);
    g_assert_true (g_file_set_contents (path, "", 0, NULL));
  }

  cameras = emocap_v4l2_list (NULL, dev, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cameras->len, ==, 2);
  g_assert_cmpstr (((EmocapCameraDevice *) cameras->pdata[0])->name, ==, "Seven");
  g_assert_cmpstr (((EmocapCameraDevice *) cameras->pdata[1])->name, ==, "Ten");
  g_assert_true (g_str_has_suffix (((EmocapCameraDevice *) cameras->pdata[1])->node,
      "/scan/video10"));

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *path = g_build_filename (dev, files[i], NULL);
    g_unlink (path);
  }
  g_rmdir (dev);
}

/* Stable names in a folder playing /dev: udev's by-id links and ours. */
static void
test_probe_stable_names (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) link_error = NULL;
  g_autofree char *dev = run_path ("dev");
  g_autofree char *by_id = g_build_filename (dev, "v4l", "by-id", NULL);
  g_autofree char *by_serial = g_build_filename (dev, "emocap", "by-serial", NULL);
  g_autofree char *id_link = g_build_filename (by_id, "usb-Emocap_Front_Cam_A1B2-video-index0", NULL);
  g_autofree char *serial_link = g_build_filename (by_serial, "1d6b_0102_A1B2-if00-index0", NULL);
  g_autofree char *other_link = g_build_filename (by_id, "usb-Emocap_Other-video-index0", NULL);
  g_autoptr (EmocapCameraDevice) camera = NULL;
  g_autoptr (EmocapCameraDevice) through_link = NULL;

  g_assert_cmpint (g_mkdir_with_parents (by_id, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (by_serial, 0700), ==, 0);
  g_assert_cmpint (symlink ("/dev/video42", id_link), ==, 0);
  g_assert_cmpint (symlink ("/dev/video42", serial_link), ==, 0);
  g_assert_cmpint (symlink ("/dev/video44", other_link), ==, 0);

  camera = emocap_v4l2_probe ("/dev/video42", dev, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (camera->by_id, ==, id_link);
  g_assert_cmpuint (g_strv_length (camera->links), ==, 1);
  g_assert_cmpstr (camera->links[0], ==, serial_link);

  /* Named by its stable name, it shows the node it points at. */
  through_link = emocap_v4l2_probe (id_link, dev, &link_error);
  g_assert_no_error (link_error);
  g_assert_cmpstr (through_link->node, ==, "/dev/video42");
  g_assert_cmpstr (through_link->name, ==, "Front Cam");
  g_assert_cmpstr (through_link->by_id, ==, id_link);

  g_unlink (id_link);
  g_unlink (serial_link);
  g_unlink (other_link);
  g_rmdir (by_id);
  g_rmdir (by_serial);
  {
    g_autofree char *v4l = g_build_filename (dev, "v4l", NULL);
    g_autofree char *emocap = g_build_filename (dev, "emocap", NULL);
    g_rmdir (v4l);
    g_rmdir (emocap);
  }
  g_rmdir (dev);
}

/* ---- controls --------------------------------------------------------- */

static void
test_apply_unknown_control (void)
{
  g_autoptr (GArray_controls) wanted = controls_of ("brightness", (gint64) 10,
      "exposure_absolute", (gint64) 500, NULL);
  g_autoptr (GArray_controls) typo = controls_of ("brightnes", (gint64) 10, NULL);
  g_autoptr (GArray_controls) stranger = controls_of ("zoom_absolute", (gint64) 1, NULL);
  g_autofree char *message = apply_fails ("/dev/video45", wanted);
  g_autofree char *typo_message = apply_fails ("/dev/video45", typo);
  g_autofree char *stranger_message = apply_fails ("/dev/video45", stranger);
  g_autofree char *log = control_log ("/dev/video45");

  g_assert_cmpstr (message, ==, "camera 'front': '/dev/video45' has no control "
      "'exposure_absolute' (did you mean 'exposure_time_absolute'?); its controls: "
      "brightness, white_balance_automatic, white_balance_temperature, auto_exposure, "
      "exposure_time_absolute, focus_absolute, focus_automatic_continuous");
  g_assert_true (g_str_has_prefix (typo_message, "camera 'front': '/dev/video45' has no "
      "control 'brightnes' (did you mean 'brightness'?); its controls: brightness, "));
  g_assert_true (g_str_has_prefix (stranger_message, "camera 'front': '/dev/video45' has no "
      "control 'zoom_absolute'; its controls: brightness, "));
  /* Nothing set, not even the good one before it. */
  g_assert_cmpstr (log, ==, "");
}

static void
test_apply_bad_values (void)
{
  static const struct {
    const char *name;
    gint64 value;
    const char *message;
  } cases[] = {
    { "white_balance_temperature", 9000, "camera 'front': control 'white_balance_temperature' "
      "must be 2800 to 6500 in steps of 10, not 9000" },
    { "white_balance_temperature", 4505, "camera 'front': control 'white_balance_temperature' "
      "must be 2800 to 6500 in steps of 10, not 4505 (4500 or 4510 would do)" },
    { "brightness", -65, "camera 'front': control 'brightness' must be -64 to 64, not -65" },
    { "auto_exposure", 2, "camera 'front': control 'auto_exposure' must be one of "
      "1 (Manual Mode), 3 (Aperture Priority Mode), not 2" },
    { "white_balance_automatic", 2, "camera 'front': control 'white_balance_automatic' is "
      "on or off: 1 or 0 (true or false), not 2" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    /* A good one first: nothing is set until all are checked. */
    g_autoptr (GArray_controls) wanted = controls_of ("brightness", (gint64) 5,
        cases[i].name, cases[i].value, NULL);
    g_autofree char *message = apply_fails ("/dev/video46", wanted);

    g_assert_cmpstr (message, ==, cases[i].message);
  }
  {
    g_autofree char *log = control_log ("/dev/video46");
    g_assert_cmpstr (log, ==, "");
  }
}

/* A manual value while its automatic mode is on: the camera refuses it,
 * and the message says what to add, or what to change. */
static void
test_apply_inactive (void)
{
  g_autoptr (GArray_controls) exposure = controls_of ("exposure_time_absolute", (gint64) 500,
      NULL);
  g_autoptr (GArray_controls) still_auto = controls_of ("auto_exposure", (gint64) 3,
      "exposure_time_absolute", (gint64) 500, NULL);
  g_autoptr (GArray_controls) temperature = controls_of ("white_balance_temperature",
      (gint64) 4500, NULL);
  g_autoptr (GArray_controls) focus = controls_of ("focus_absolute", (gint64) 100, NULL);
  g_autofree char *m1 = apply_fails ("/dev/video47", exposure);
  g_autofree char *m2 = apply_fails ("/dev/video47", still_auto);
  g_autofree char *m3 = apply_fails ("/dev/video47", temperature);
  g_autofree char *m4 = apply_fails ("/dev/video47", focus);

  g_assert_cmpstr (m1, ==, "camera 'front': control 'exposure_time_absolute' did not take 500 "
      "(the camera refused it): it is inactive while 'auto_exposure' is 3 (Aperture Priority "
      "Mode); add \"auto_exposure\": 1 (Manual Mode) to the camera's controls");
  g_assert_cmpstr (m2, ==, "camera 'front': control 'exposure_time_absolute' did not take 500 "
      "(the camera refused it): it is inactive while 'auto_exposure' is 3 (Aperture Priority "
      "Mode); change \"auto_exposure\" to 1 (Manual Mode) in the camera's controls");
  g_assert_cmpstr (m3, ==, "camera 'front': control 'white_balance_temperature' did not take "
      "4500 (the camera refused it): it is inactive while 'white_balance_automatic' is 1 (on); "
      "add \"white_balance_automatic\": 0 (off) to the camera's controls");
  g_assert_cmpstr (m4, ==, "camera 'front': control 'focus_absolute' did not take 100 "
      "(the camera refused it): it is inactive while 'focus_automatic_continuous' is 1 (on); "
      "add \"focus_automatic_continuous\": 0 (off) to the camera's controls");
}

/* The manual value first in the script: the automatic mode is still set
 * first, and both read back. */
static void
test_apply_auto_first (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) read_error = NULL;
  g_autoptr (GError) list_error = NULL;
  g_autoptr (GArray_controls) wanted = controls_of ("exposure_time_absolute", (gint64) 500,
      "white_balance_temperature", (gint64) 3200, "auto_exposure", (gint64) 1,
      "white_balance_automatic", (gint64) 0, NULL);
  g_autoptr (GPtrArray) after = NULL;
  g_autofree char *log = NULL;
  json_t *readback = NULL;
  json_t *read = NULL;

  g_assert_true (emocap_v4l2_controls_apply ("/dev/video48", "front", wanted, &readback,
      &error));
  g_assert_no_error (error);
  assert_json_equal (readback, "{\"exposure_time_absolute\": 500, "
      "\"white_balance_temperature\": 3200, \"auto_exposure\": 1, "
      "\"white_balance_automatic\": 0}");

  log = control_log ("/dev/video48");
  g_assert_cmpstr (log, ==,
      "auto_exposure 1\n"
      "white_balance_automatic 0\n"
      "exposure_time_absolute 500\n"
      "white_balance_temperature 3200\n");

  read = emocap_v4l2_controls_read ("/dev/video48", wanted, &read_error);
  g_assert_no_error (read_error);
  assert_json_equal (read, "{\"exposure_time_absolute\": 500, "
      "\"white_balance_temperature\": 3200, \"auto_exposure\": 1, "
      "\"white_balance_automatic\": 0}");

  after = emocap_v4l2_controls_list ("/dev/video48", &list_error);
  g_assert_no_error (list_error);
  g_assert_false (control_named (after, "exposure_time_absolute")->inactive);
  g_assert_true (control_named (after, "focus_absolute")->inactive);

  json_decref (readback);
  json_decref (read);
}

static void
test_apply_nothing (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) none = g_array_new (FALSE, TRUE, sizeof (EmocapControl));
  json_t *readback = NULL;

  /* Nothing to set opens nothing: not even a node that is not there. */
  g_assert_true (emocap_v4l2_controls_apply ("/dev/video99", "front", none, &readback, &error));
  g_assert_no_error (error);
  assert_json_equal (readback, "{}");
  json_decref (readback);
}

static void
test_apply_missing_node (void)
{
  g_autoptr (GArray_controls) wanted = controls_of ("brightness", (gint64) 1, NULL);
  g_autofree char *message = apply_fails ("/dev/video99", wanted);

  g_assert_cmpstr (message, ==,
      "camera 'front': '/dev/video99' does not exist (is the camera plugged in?)");
}

static void
test_read_unknown (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray_controls) wanted = controls_of ("gain", (gint64) 0, NULL);
  json_t *read = emocap_v4l2_controls_read ("/dev/video42", wanted, &error);

  g_assert_null (read);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE);
  g_assert_true (g_str_has_prefix (error->message, "'/dev/video42' has no control 'gain'"));
}

/* ---- unplugging ------------------------------------------------------- */

static void
test_disconnected (void)
{
  g_autofree char *trigger = run_path ("unplug");

  g_assert_false (emocap_v4l2_is_disconnected ("/dev/video42"));
  g_assert_true (emocap_v4l2_is_disconnected ("/dev/video99"));

  g_assert_false (emocap_v4l2_is_disconnected ("/dev/video49"));
  g_assert_true (g_file_set_contents (trigger, "", 0, NULL));
  g_assert_true (emocap_v4l2_is_disconnected ("/dev/video49"));
  g_unlink (trigger);
}

/* ---- running under the test camera ------------------------------------ */

/* Runs this program again with the test camera preloaded, in a folder of
 * its own; returns its exit status. */
static int
rerun_under_testcam (char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("emocap-v4l2-XXXXXX", &error);
  g_autofree char *config = NULL;
  g_autofree char *log = NULL;
  g_auto (GStrv) envp = g_get_environ ();
  int status = 0;

  g_assert_no_error (error);
  config = testcam_config (dir);
  log = g_build_filename (dir, "testcam.log", NULL);
  envp = testcam_environ (envp, config, log);
  envp = g_environ_setenv (envp, "EMOCAP_TEST_RUN_DIR", dir, TRUE);

  if (!g_spawn_sync (NULL, argv, envp, G_SPAWN_CHILD_INHERITS_STDIN |
          G_SPAWN_FILE_AND_ARGV_ZERO, NULL, NULL, NULL, NULL, &status, &error))
    g_error ("cannot run %s again: %s", argv[0], error->message);

  g_unlink (log);
  g_rmdir (dir);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 1;
}

int
main (int argc, char **argv)
{
  run_dir = g_getenv ("EMOCAP_TEST_RUN_DIR");
  if (run_dir == NULL) {
    g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
    g_autoptr (GPtrArray) args = g_ptr_array_new ();

    g_ptr_array_add (args, self);
    for (int i = 0; i < argc; i++)
      g_ptr_array_add (args, argv[i]);
    g_ptr_array_add (args, NULL);
    return rerun_under_testcam ((char **) args->pdata);
  }

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/devices/v4l2/probe", test_probe);
  g_test_add_func ("/devices/v4l2/controls-list", test_controls_list);
  g_test_add_func ("/devices/v4l2/no-controls", test_no_controls);
  g_test_add_func ("/devices/v4l2/probe-not-a-camera", test_probe_not_a_camera);
  g_test_add_func ("/devices/v4l2/list-named", test_list_named);
  g_test_add_func ("/devices/v4l2/list-scan", test_list_scan);
  g_test_add_func ("/devices/v4l2/probe-stable-names", test_probe_stable_names);
  g_test_add_func ("/devices/v4l2/apply-unknown-control", test_apply_unknown_control);
  g_test_add_func ("/devices/v4l2/apply-bad-values", test_apply_bad_values);
  g_test_add_func ("/devices/v4l2/apply-inactive", test_apply_inactive);
  g_test_add_func ("/devices/v4l2/apply-auto-first", test_apply_auto_first);
  g_test_add_func ("/devices/v4l2/apply-nothing", test_apply_nothing);
  g_test_add_func ("/devices/v4l2/apply-missing-node", test_apply_missing_node);
  g_test_add_func ("/devices/v4l2/read-unknown", test_read_unknown);
  g_test_add_func ("/devices/v4l2/disconnected", test_disconnected);

  return g_test_run ();
}
