/* emocap tests: the emocap plugin, as GStreamer's own programs load it
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: test-wm-plugin PLUGIN [--preload LIB]...
 *
 * With GST_PLUGIN_PATH naming the plugin's folder, gst-inspect-1.0 shows
 * emocapwatermark from that very file, and gst-launch-1.0 marks frames
 * with it: with a key file the output differs from the same pipeline at
 * strength 0, which is byte for byte the pipeline without the element.
 */
#include <string.h>

#include <glib/gstdio.h>

static char *plugin_path;
static char *preload;
static char *tmp;

static char **
gst_environ (void)
{
  g_autofree char *plugin_dir = g_path_get_dirname (plugin_path);
  g_autofree char *registry = g_build_filename (tmp, "registry.bin", NULL);
  char **envp = g_get_environ ();

  envp = g_environ_setenv (envp, "GST_PLUGIN_PATH_1_0", plugin_dir, TRUE);
  envp = g_environ_setenv (envp, "GST_PLUGIN_PATH", plugin_dir, TRUE);
  envp = g_environ_setenv (envp, "GST_REGISTRY_1_0", registry, TRUE);
  envp = g_environ_setenv (envp, "GST_REGISTRY", registry, TRUE);
  envp = g_environ_setenv (envp, "GST_REGISTRY_UPDATE", "yes", TRUE);
  if (preload) {
    /* gst-plugin-scanner would load the plugin without the runtimes */
    envp = g_environ_setenv (envp, "LD_PRELOAD", preload, TRUE);
    envp = g_environ_setenv (envp, "GST_REGISTRY_FORK", "no", TRUE);
    /* GStreamer's own programs are not ours to check for leaks */
    envp = g_environ_setenv (envp, "ASAN_OPTIONS", "detect_leaks=0", TRUE);
  }
  return envp;
}

static int
run (const char *const *argv, char **out)
{
  g_auto (GStrv) envp = gst_environ ();
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  if (!g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL,
          out, &err, &status, &error))
    g_error ("%s: %s", argv[0], error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    g_printerr ("%s failed:\n%s\n%s\n", argv[0], out ? *out : "", err);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

static void
test_inspect (void)
{
  const char *argv[] = { "gst-inspect-1.0", "emocapwatermark", NULL };
  const char *plugin_argv[] = { "gst-inspect-1.0", "emocap", NULL };
  g_autofree char *out = NULL, *plugin_out = NULL;
  g_autofree char *filename = NULL;
  static const char *const expected[] = {
    "Factory Details", "emocap watermark", "image/jpeg", "video/x-raw",
    "I420", "NV12", "YUY2", "GRAY8",
    "tag ", "strength ", "key-file ", "frames-marked ", "frames-unmarked ",
  };

  g_assert_cmpint (run (argv, &out), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++) {
    if (strstr (out, expected[i]) == NULL)
      g_error ("gst-inspect-1.0 emocapwatermark does not show '%s':\n%s", expected[i], out);
  }
  /* the plugin from the build, not one installed elsewhere */
  filename = g_strdup_printf ("Filename                 %s\n", plugin_path);
  if (strstr (out, filename) == NULL)
    g_error ("not loaded from %s:\n%s", plugin_path, out);

  g_assert_cmpint (run (plugin_argv, &plugin_out), ==, 0);
  g_assert_nonnull (strstr (plugin_out, "emocapwatermark: emocap watermark"));
}

static GBytes *
launch (const char *element)
{
  g_autofree char *out_path = g_build_filename (tmp, "out.mjpeg", NULL);
  g_autofree char *location = g_strdup_printf ("location=%s", out_path);
  g_autofree char *contents = NULL;
  g_auto (GStrv) element_argv = g_strsplit (element, " ", -1);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  gsize len = 0;

  for (const char *const *a = (const char *const[]) { "gst-launch-1.0", "-q",
           "videotestsrc", "pattern=ball", "num-buffers=5", "!",
           "video/x-raw,width=320,height=240,framerate=30/1", "!", "jpegenc", "!", NULL }; *a; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  for (char **a = element_argv; *element && *a; a++)
    g_ptr_array_add (argv, *a);
  if (*element)
    g_ptr_array_add (argv, "!");
  g_ptr_array_add (argv, "filesink");
  g_ptr_array_add (argv, location);
  g_ptr_array_add (argv, NULL);

  g_assert_cmpint (run ((const char *const *) argv->pdata, NULL), ==, 0);
  g_assert_true (g_file_get_contents (out_path, &contents, &len, NULL));
  g_unlink (out_path);
  return g_bytes_new_take (g_steal_pointer (&contents), len);
}

static void
test_launch (void)
{
  g_autofree char *key_path = g_build_filename (tmp, "watermark.key", NULL);
  g_autofree char *marked_args = NULL, *zero_args = NULL;
  g_autoptr (GBytes) plain = NULL, marked = NULL, zero = NULL;

  g_assert_true (g_file_set_contents_full (key_path,
          "3f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\n", -1,
          G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  marked_args = g_strdup_printf ("emocapwatermark key-file=%s tag=0x5a17c0ffee000001", key_path);
  zero_args = g_strdup_printf ("emocapwatermark key-file=%s strength=0", key_path);

  plain = launch ("");
  marked = launch (marked_args);
  zero = launch (zero_args);
  g_assert_cmpuint (g_bytes_get_size (plain), >, 0);
  g_assert_false (g_bytes_equal (plain, marked));
  g_assert_true (g_bytes_equal (plain, zero));
  g_unlink (key_path);
}

int
main (int argc, char **argv)
{
  GString *libs = g_string_new (NULL);
  int status;

  g_test_init (&argc, &argv, NULL);
  for (int i = 1; i < argc; i++) {
    if (g_str_equal (argv[i], "--preload") && i + 1 < argc)
      g_string_append_printf (libs, "%s%s", libs->len ? " " : "", argv[++i]);
    else
      plugin_path = argv[i];
  }
  if (plugin_path == NULL || !g_file_test (plugin_path, G_FILE_TEST_IS_REGULAR)) {
    g_printerr ("usage: test-wm-plugin PLUGIN [--preload LIB]...\n");
    return 1;
  }
  preload = libs->len ? g_string_free (libs, FALSE) : (g_string_free (libs, TRUE), NULL);
  tmp = g_dir_make_tmp ("emocap-wm-plugin-XXXXXX", NULL);

  g_test_add_func ("/wm-plugin/inspect", test_inspect);
  g_test_add_func ("/wm-plugin/launch", test_launch);
  status = g_test_run ();

  {
    g_autofree char *registry = g_build_filename (tmp, "registry.bin", NULL);
    g_unlink (registry);
    g_rmdir (tmp);
  }
  g_free (tmp);
  g_free (preload);
  return status;
}
