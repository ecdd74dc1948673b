/* `emocap devices` as a user runs it: on this machine, and on nodes named
 * on the command line that the test camera (tests/testcam) answers for.
 *
 * The test machines have no camera and no sound card, and the listing must
 * say so and still succeed.  Where hardware is present the "none found"
 * lines are not expected, but the output must agree with the JSON.
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glob.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>

#include "testcam-env.h"

/* Three nodes: a camera with two formats, an output, a camera without
 * controls. */
#define TESTCAM_CONFIG \
  "/dev/video42,name=Front Cam,format=both,sizes=1920x1080:1280x720,rates=30:15;" \
  "/dev/video43,kind=output;" \
  "/dev/video44,controls=none"

typedef struct {
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
run_emocap_env (Run *run, const char *const *args, char **envp)
{
  const char *emocap = g_getenv ("EMOCAP");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int wait_status = 0;

  if (emocap == NULL)
    g_error ("EMOCAP is not set: run this through 'meson test'");
  g_ptr_array_add (argv, (char *) emocap);
  for (; *args; args++)
    g_ptr_array_add (argv, (char *) *args);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
      &run->out, &run->err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  run->status = WEXITSTATUS (wait_status);
  g_test_message ("stdout:\n%s\nstderr:\n%s", run->out, run->err);
}

static void
run_emocap (Run *run, const char *const *args)
{
  run_emocap_env (run, args, NULL);
}

static gboolean
any_file (const char *pattern)
{
  glob_t g = { 0 };
  gboolean found = glob (pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0;

  globfree (&g);
  return found;
}

/* What the kernel shows: V4L2 nodes, ALSA capture PCMs. */
static gboolean
machine_has_cameras (void)
{
  return any_file ("/dev/video*");
}

static gboolean
machine_has_microphones (void)
{
  return any_file ("/dev/snd/pcmC*D*c");
}

static json_t *
devices_json (void)
{
  g_auto (Run) run = { 0 };
  json_error_t jerr;
  json_t *json;

  run_emocap (&run, (const char *[]) { "devices", "--json", NULL });
  g_assert_cmpint (run.status, ==, 0);
  json = json_loads (run.out, 0, &jerr);
  if (json == NULL)
    g_error ("'emocap devices --json' printed no JSON: line %d, column %d: %s",
        jerr.line, jerr.column, jerr.text);
  return json;
}

static void
test_listing (void)
{
  g_auto (Run) run = { 0 };
  json_t *json = devices_json ();
  size_t n_cameras = json_array_size (json_object_get (json, "cameras"));
  size_t n_mics = json_array_size (json_object_get (json, "microphones"));

  run_emocap (&run, (const char *[]) { "devices", NULL });
  g_assert_cmpint (run.status, ==, 0);

  if (!machine_has_cameras ())
    g_assert_cmpuint (n_cameras, ==, 0);
  if (n_cameras == 0) {
    g_assert_nonnull (strstr (run.out, "no V4L2 cameras found\n"));
    /* The hint goes with the diagnostics, and points at what to check. */
    g_assert_null (strstr (run.out, "hint:"));
    g_assert_nonnull (strstr (run.err, "ls -l /dev/video*"));
    g_assert_nonnull (strstr (run.err, "'video' group"));
  } else {
    g_assert_null (strstr (run.out, "no V4L2 cameras found"));
    g_assert_true (g_str_has_prefix (run.out, "cameras:\n"));
  }

  if (!machine_has_microphones ())
    g_assert_cmpuint (n_mics, ==, 0);
  if (n_mics == 0) {
    g_assert_nonnull (strstr (run.out, "no ALSA capture devices found\n"));
  } else {
    g_assert_null (strstr (run.out, "no ALSA capture devices found"));
    g_assert_nonnull (strstr (run.out, "plughw:CARD="));
  }
  json_decref (json);
}

static void
test_json_shape (void)
{
  g_auto (Run) run = { 0 };
  json_t *json = devices_json ();
  json_t *cameras = json_object_get (json, "cameras");
  json_t *mics = json_object_get (json, "microphones");

  g_assert_true (json_is_object (json));
  g_assert_cmpuint (json_object_size (json), ==, 2);
  g_assert_true (json_is_array (cameras));
  g_assert_true (json_is_array (mics));
  if (!machine_has_cameras ())
    g_assert_cmpuint (json_array_size (cameras), ==, 0);
  if (!machine_has_microphones ())
    g_assert_cmpuint (json_array_size (mics), ==, 0);
  for (size_t i = 0; i < json_array_size (cameras); i++) {
    json_t *cam = json_array_get (cameras, i);
    g_assert_true (json_is_string (json_object_get (cam, "node")));
    g_assert_true (json_is_array (json_object_get (cam, "modes")));
  }
  json_decref (json);

  /* Nothing but the JSON: no hints for a program to trip over. */
  run_emocap (&run, (const char *[]) { "devices", "--json", NULL });
  g_assert_cmpstr (run.err, ==, "");
}

static void
test_help (void)
{
  g_auto (Run) run = { 0 };

  run_emocap (&run, (const char *[]) { "devices", "-h", NULL });
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "usage:\n  emocap devices"));
  g_assert_nonnull (strstr (run.out, "[NODE ...]"));
  g_assert_nonnull (strstr (run.out, "--json"));
  g_assert_nonnull (strstr (run.out, "controls"));
  g_assert_nonnull (strstr (run.out, "/dev/v4l/by-id/"));
  g_assert_nonnull (strstr (run.out, "/dev/emocap/"));
  g_assert_nonnull (strstr (run.out, "plughw:CARD="));
}

/* `emocap help` lists it with its summary. */
static void
test_in_command_list (void)
{
  g_auto (Run) run = { 0 };

  run_emocap (&run, (const char *[]) { "help", NULL });
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_regex_match_simple (
      "^  devices +List the cameras and microphones a session script can use$", run.out,
      G_REGEX_MULTILINE, 0));
}

static void
test_usage_errors (void)
{
  g_auto (Run) unknown = { 0 };

  run_emocap (&unknown, (const char *[]) { "devices", "--xml", NULL });
  g_assert_cmpint (unknown.status, ==, 1);
  g_assert_cmpstr (unknown.out, ==, "");
  g_assert_nonnull (strstr (unknown.err, "emocap: Unknown option --xml"));
  g_assert_nonnull (strstr (unknown.err, "usage: emocap devices [NODE ...]"));
}

/* ---- under the test camera ------------------------------------------- */

static void
run_testcam (Run *run, const char *const *args)
{
  g_auto (GStrv) envp = testcam_environ (g_get_environ (), TESTCAM_CONFIG, NULL);

  run_emocap_env (run, args, envp);
}

static json_t *
parse_json (const char *text)
{
  json_error_t jerr;
  json_t *json = json_loads (text, 0, &jerr);

  if (json == NULL)
    g_error ("no JSON: line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
  return json;
}

static const char front_cam_text[] =
    "cameras:\n"
    "  Front Cam  (uvcvideo at usb-0000:00:14.0-1)\n"
    "    node     /dev/video42  (may change at the next boot: not for scripts)\n"
    "    stable   none: install emocap's udev rules, or use /dev/v4l/by-path/\n"
    "    MJPG     1920x1080, 1280x720 @ 30, 15 fps\n"
    "    YUY2     1920x1080, 1280x720 @ 30, 15 fps\n"
    "    controls\n"
    "      brightness = 0                    -64 to 64\n"
    "      white_balance_automatic = 1       0 or 1\n"
    "      white_balance_temperature = 4600  2800 to 6500 in steps of 10\n"
    "                                        (inactive until white_balance_automatic = 0)\n"
    "      auto_exposure = 3                 1 (Manual Mode),\n"
    "                                        3 (Aperture Priority Mode)\n"
    "      exposure_time_absolute = 250      3 to 2047\n"
    "                                        (inactive until auto_exposure = 1)\n"
    "      focus_absolute = 0                0 to 250 in steps of 5\n"
    "                                        (inactive until focus_automatic_continuous = 0)\n"
    "      focus_automatic_continuous = 1    0 or 1\n";

static const char plain_cam_text[] =
    "  emocap test camera  (uvcvideo at usb-0000:00:14.0-3)\n"
    "    node     /dev/video44  (may change at the next boot: not for scripts)\n"
    "    stable   none: install emocap's udev rules, or use /dev/v4l/by-path/\n"
    "    MJPG     1280x720, 640x360 @ 30, 15 fps\n"
    "    controls none\n";

/* Nodes named on the command line, in that order: formats, sizes, rates
 * and controls, with what each control takes and what holds it back. */
static void
test_named_nodes (void)
{
  g_auto (Run) run = { 0 };
  g_autofree char *both = g_strdup_printf ("%s\n%s\n", front_cam_text, plain_cam_text);

  run_testcam (&run, (const char *[]) { "devices", "/dev/video42", "/dev/video44", NULL });
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, both));
  /* Named nodes: no hint about finding cameras. */
  g_assert_null (strstr (run.err, "/dev/video*"));
  g_assert_null (strstr (run.err, "emocap:"));
}

static json_t *
find_control (json_t *camera, const char *name)
{
  json_t *controls = json_object_get (camera, "controls");

  for (size_t i = 0; i < json_array_size (controls); i++) {
    json_t *c = json_array_get (controls, i);
    if (g_strcmp0 (json_string_value (json_object_get (c, "name")), name) == 0)
      return c;
  }
  g_error ("no control '%s' in the JSON", name);
  return NULL;
}

static void
test_named_nodes_json (void)
{
  g_auto (Run) run = { 0 };
  json_t *json;
  json_t *cameras;
  json_t *front;
  json_t *plain;
  json_t *modes;
  json_t *ae;
  json_t *exposure;
  json_t *menu;

  run_testcam (&run, (const char *[]) { "devices", "--json", "/dev/video42", "/dev/video44",
      NULL });
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  json = parse_json (run.out);
  cameras = json_object_get (json, "cameras");
  g_assert_cmpuint (json_array_size (cameras), ==, 2);
  g_assert_true (json_is_array (json_object_get (json, "microphones")));

  front = json_array_get (cameras, 0);
  g_assert_cmpstr (json_string_value (json_object_get (front, "name")), ==, "Front Cam");
  g_assert_cmpstr (json_string_value (json_object_get (front, "node")), ==, "/dev/video42");
  g_assert_cmpstr (json_string_value (json_object_get (front, "driver")), ==, "uvcvideo");
  g_assert_cmpstr (json_string_value (json_object_get (front, "bus_info")), ==,
      "usb-0000:00:14.0-1");
  g_assert_true (json_is_null (json_object_get (front, "by_id")));

  modes = json_object_get (front, "modes");
  g_assert_cmpuint (json_array_size (modes), ==, 4);
  for (size_t i = 0; i < 4; i++) {
    json_t *mode = json_array_get (modes, i);
    json_t *rates = json_object_get (mode, "framerates");

    g_assert_cmpstr (json_string_value (json_object_get (mode, "format")), ==,
        i < 2 ? "MJPG" : "YUY2");
    g_assert_cmpint (json_integer_value (json_object_get (mode, "width")), ==,
        i % 2 ? 1280 : 1920);
    g_assert_cmpint (json_integer_value (json_object_get (mode, "height")), ==,
        i % 2 ? 720 : 1080);
    g_assert_cmpuint (json_array_size (rates), ==, 2);
    g_assert_cmpstr (json_string_value (json_array_get (rates, 0)), ==, "30/1");
    g_assert_cmpstr (json_string_value (json_array_get (rates, 1)), ==, "15/1");
    g_assert_null (json_object_get (mode, "framerate_range"));
  }

  g_assert_cmpuint (json_array_size (json_object_get (front, "controls")), ==, 7);
  ae = find_control (front, "auto_exposure");
  g_assert_cmpstr (json_string_value (json_object_get (ae, "type")), ==, "menu");
  g_assert_cmpint (json_integer_value (json_object_get (ae, "value")), ==, 3);
  g_assert_cmpint (json_integer_value (json_object_get (ae, "default")), ==, 3);
  menu = json_object_get (ae, "menu");
  g_assert_cmpuint (json_array_size (menu), ==, 2);
  g_assert_cmpint (json_integer_value (json_object_get (json_array_get (menu, 0), "value")),
      ==, 1);
  g_assert_cmpstr (json_string_value (json_object_get (json_array_get (menu, 0), "label")),
      ==, "Manual Mode");
  exposure = find_control (front, "exposure_time_absolute");
  g_assert_cmpstr (json_string_value (json_object_get (exposure, "label")), ==,
      "Exposure Time, Absolute");
  g_assert_cmpint (json_integer_value (json_object_get (exposure, "minimum")), ==, 3);
  g_assert_cmpint (json_integer_value (json_object_get (exposure, "maximum")), ==, 2047);
  g_assert_cmpint (json_integer_value (json_object_get (exposure, "value")), ==, 250);
  g_assert_true (json_is_true (json_object_get (exposure, "inactive")));
  g_assert_true (json_is_false (json_object_get (exposure, "read_only")));
  g_assert_null (json_object_get (exposure, "menu"));
  g_assert_true (json_is_false (json_object_get (find_control (front, "brightness"),
      "inactive")));

  plain = json_array_get (cameras, 1);
  g_assert_cmpstr (json_string_value (json_object_get (plain, "node")), ==, "/dev/video44");
  g_assert_cmpuint (json_array_size (json_object_get (plain, "controls")), ==, 0);
  g_assert_cmpuint (json_array_size (json_object_get (plain, "modes")), ==, 2);
  json_decref (json);
}

/* A missing node and an output among the nodes named: the others are
 * listed, then each bad one is named, and the exit code is 2. */
static void
test_bad_nodes (void)
{
  g_auto (Run) run = { 0 };
  g_auto (Run) json_run = { 0 };
  const char *const args[] = { "devices", "/dev/video99", "/dev/video42", "/dev/video43", NULL };
  const char *const json_args[] = { "devices", "--json", "/dev/video99", "/dev/video42",
      "/dev/video43", NULL };
  const char *missing = "emocap: '/dev/video99' does not exist (is the camera plugged in?)\n";
  const char *output = "emocap: '/dev/video43' is not a video capture device: "
      "'emocap test camera' is a video output\n";
  g_autofree char *both = g_strconcat (missing, output, NULL);
  json_t *json;

  run_testcam (&run, args);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_true (g_str_has_prefix (run.out, front_cam_text));
  g_assert_null (strstr (run.out, "video43"));
  g_assert_null (strstr (run.out, "video99"));
  g_assert_true (g_str_has_suffix (run.err, both));

  run_testcam (&json_run, json_args);
  g_assert_cmpint (json_run.status, ==, 2);
  g_assert_cmpstr (json_run.err, ==, both);
  json = parse_json (json_run.out);
  g_assert_cmpuint (json_array_size (json_object_get (json, "cameras")), ==, 1);
  g_assert_cmpstr (json_string_value (json_object_get (json_array_get (
      json_object_get (json, "cameras"), 0), "node")), ==, "/dev/video42");
  json_decref (json);
}

/* Only a missing node named: no camera listed, no "none found" either. */
static void
test_only_bad_node (void)
{
  g_auto (Run) run = { 0 };

  run_testcam (&run, (const char *[]) { "devices", "/dev/video99", NULL });
  g_assert_cmpint (run.status, ==, 2);
  g_assert_null (strstr (run.out, "cameras"));
  g_assert_null (strstr (run.out, "no V4L2 cameras found"));
  g_assert_true (g_str_has_suffix (run.err,
      "emocap: '/dev/video99' does not exist (is the camera plugged in?)\n"));
}

/* A camera named by a stable name (a link in a folder of its own, as
 * /dev/v4l/by-id holds them) is shown as the node it points at. */
static void
test_stable_name (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("emocap-devices-cli-XXXXXX", &error);
  g_autofree char *link = NULL;
  g_auto (Run) run = { 0 };

  g_assert_no_error (error);
  link = g_build_filename (dir, "usb-Emocap_Front_Cam_A1B2-video-index0", NULL);
  g_assert_cmpint (symlink ("/dev/video42", link), ==, 0);

  run_testcam (&run, (const char *[]) { "devices", link, NULL });
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out,
      "cameras:\n"
      "  Front Cam  (uvcvideo at usb-0000:00:14.0-1)\n"
      "    node     /dev/video42  (may change at the next boot: not for scripts)\n"));

  g_unlink (link);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/devices/cli/listing", test_listing);
  g_test_add_func ("/devices/cli/json-shape", test_json_shape);
  g_test_add_func ("/devices/cli/help", test_help);
  g_test_add_func ("/devices/cli/in-command-list", test_in_command_list);
  g_test_add_func ("/devices/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/devices/cli/named-nodes", test_named_nodes);
  g_test_add_func ("/devices/cli/named-nodes-json", test_named_nodes_json);
  g_test_add_func ("/devices/cli/bad-nodes", test_bad_nodes);
  g_test_add_func ("/devices/cli/only-bad-node", test_only_bad_node);
  g_test_add_func ("/devices/cli/stable-name", test_stable_name);

  return g_test_run ();
}
