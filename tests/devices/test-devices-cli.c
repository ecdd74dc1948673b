/* `emocap devices` as a user runs it, on this machine.
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

#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>

/* The folder holding the fake v4l2 plugin (tests/devices/fake-v4l2-plugin.c),
 * from the command line. */
static const char *fake_plugin_dir;

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
  g_assert_nonnull (strstr (run.out, "--json"));
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
  g_assert_nonnull (strstr (run.out,
      "  devices  List the cameras and microphones a session script can use\n"));
}

static void
test_usage_errors (void)
{
  g_auto (Run) extra = { 0 };
  g_auto (Run) unknown = { 0 };

  run_emocap (&extra, (const char *[]) { "devices", "video0", NULL });
  g_assert_cmpint (extra.status, ==, 1);
  g_assert_cmpstr (extra.out, ==, "");
  g_assert_nonnull (strstr (extra.err, "emocap: unexpected argument 'video0'"));

  run_emocap (&unknown, (const char *[]) { "devices", "--xml", NULL });
  g_assert_cmpint (unknown.status, ==, 1);
  g_assert_cmpstr (unknown.out, ==, "");
}

/* The listing a user reads, with cameras: GStreamer sees only the fake
 * plugin, registered as the v4l2 provider, and a registry of its own. */
static void
test_fake_cameras (void)
{
  g_auto (Run) run = { 0 };
  g_auto (Run) json_run = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *registry = NULL;
  g_auto (GStrv) envp = g_get_environ ();
  json_error_t jerr;
  json_t *json;
  json_t *cameras;
  const char *one, *ten;

  if (fake_plugin_dir == NULL) {
    g_test_skip ("no folder with the fake v4l2 plugin given");
    return;
  }
  tmp = g_dir_make_tmp ("emocap-cli-XXXXXX", &error);
  g_assert_no_error (error);
  registry = g_build_filename (tmp, "registry.bin", NULL);
  for (const char *const *v = (const char *const[]) { "GST_PLUGIN_SYSTEM_PATH_1_0",
           "GST_PLUGIN_SYSTEM_PATH", "GST_PLUGIN_PATH_1_0", "GST_PLUGIN_PATH", NULL }; *v; v++)
    envp = g_environ_setenv (envp, *v, fake_plugin_dir, TRUE);
  envp = g_environ_setenv (envp, "GST_REGISTRY_1_0", registry, TRUE);
  envp = g_environ_setenv (envp, "GST_REGISTRY", registry, TRUE);
  /* Scan in-process: a sanitizer build's plugin cannot load into the
   * uninstrumented gst-plugin-scanner. */
  envp = g_environ_setenv (envp, "GST_REGISTRY_FORK", "no", TRUE);

  run_emocap_env (&run, (const char *[]) { "devices", NULL }, envp);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "cameras:\n  Fake Cam One  (uvcvideo at usb-0000:00:14.0-4)\n"));
  /* Sizes that share their rates on one line, rates fastest first,
   * a range as min-max, 15/2 as 7.5; the sink is not a camera. */
  one = strstr (run.out,
      "  Fake Cam One  (uvcvideo at usb-0000:00:14.0-4)\n"
      "    node     /dev/emocap-test-video0  (may change at the next boot: not for scripts)\n"
      "    stable   none: install emocap's udev rules, or use /dev/v4l/by-path/\n"
      "    MJPG     1920x1080, 1280x720 @ 30, 15 fps\n"
      "    YUY2     640x480 @ 5-30 fps\n"
      "             1920x1080 @ 7.5 fps\n"
      "\n");
  ten = strstr (run.out,
      "  Fake Cam Ten  (uvcvideo at usb-0000:00:14.0-4)\n"
      "    node     /dev/emocap-test-video10  (may change at the next boot: not for scripts)\n"
      "    stable   none: install emocap's udev rules, or use /dev/v4l/by-path/\n"
      "    H264     1920x1080 @ 30 fps\n");
  g_assert_nonnull (one);
  g_assert_nonnull (ten);
  g_assert_true (one < ten);
  g_assert_null (strstr (run.out, "Fake Output"));
  g_assert_null (strstr (run.out, "no V4L2 cameras found"));
  g_assert_null (strstr (run.err, "/dev/video*"));

  run_emocap_env (&json_run, (const char *[]) { "devices", "--json", NULL }, envp);
  g_assert_cmpint (json_run.status, ==, 0);
  json = json_loads (json_run.out, 0, &jerr);
  if (json == NULL)
    g_error ("no JSON: line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
  cameras = json_object_get (json, "cameras");
  g_assert_cmpuint (json_array_size (cameras), ==, 2);
  g_assert_cmpstr (json_string_value (json_object_get (json_array_get (cameras, 0), "node")),
      ==, "/dev/emocap-test-video0");
  g_assert_cmpuint (json_array_size (json_object_get (json_array_get (cameras, 0), "modes")),
      ==, 4);
  g_assert_true (json_is_null (json_object_get (json_array_get (cameras, 0), "by_id")));
  json_decref (json);

  g_unlink (registry);
  g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc > 1)
    fake_plugin_dir = argv[1];

  g_test_add_func ("/devices/cli/listing", test_listing);
  g_test_add_func ("/devices/cli/json-shape", test_json_shape);
  g_test_add_func ("/devices/cli/help", test_help);
  g_test_add_func ("/devices/cli/in-command-list", test_in_command_list);
  g_test_add_func ("/devices/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/devices/cli/fake-cameras", test_fake_cameras);

  return g_test_run ();
}
