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
#include <jansson.h>

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
run_emocap (Run *run, const char *const *args)
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

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
      &run->out, &run->err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  run->status = WEXITSTATUS (wait_status);
  g_test_message ("stdout:\n%s\nstderr:\n%s", run->out, run->err);
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/devices/cli/listing", test_listing);
  g_test_add_func ("/devices/cli/json-shape", test_json_shape);
  g_test_add_func ("/devices/cli/help", test_help);
  g_test_add_func ("/devices/cli/in-command-list", test_in_command_list);
  g_test_add_func ("/devices/cli/usage-errors", test_usage_errors);

  return g_test_run ();
}
