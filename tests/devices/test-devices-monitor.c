/* emocap_camera_devices_list_in() through a real GstDeviceMonitor, with GStreamer
 * cut off from the system's plugins and given two fake device providers
 * instead: one registered as "v4l2deviceprovider", whose cameras must be
 * listed, and another whose look-alike device must not be.
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include <emocap/devices.h>

static char *tmp_root;   /* plays /dev */

/* ---- fake devices and providers --------------------------------------- */

#include "test-device.h"

/* A floating device, as providers hand them over. */
static GstDevice *
make_device (const char *name, const char *klass, const char *node, const char *caps_text)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string (caps_text);
  g_autoptr (GstStructure) props = gst_structure_new ("test-device",
      "device.api", G_TYPE_STRING, "v4l2",
      "device.path", G_TYPE_STRING, node,
      "v4l2.device.driver", G_TYPE_STRING, "uvcvideo", NULL);

  return g_object_new (TEST_TYPE_DEVICE, "display-name", name, "device-class", klass,
      "caps", caps, "properties", props, NULL);
}

static char *
node_path (const char *name)
{
  return g_build_filename (tmp_root, name, NULL);
}

#define FAKE_TYPE_V4L2_PROVIDER (fake_v4l2_provider_get_type ())
G_DECLARE_FINAL_TYPE (FakeV4l2Provider, fake_v4l2_provider, FAKE, V4L2_PROVIDER,
    GstDeviceProvider)

struct _FakeV4l2Provider {
  GstDeviceProvider parent;
};

G_DEFINE_TYPE (FakeV4l2Provider, fake_v4l2_provider, GST_TYPE_DEVICE_PROVIDER)

static gboolean
fake_v4l2_provider_start (GstDeviceProvider *provider)
{
  g_autofree char *video10 = node_path ("video10");
  g_autofree char *video2 = node_path ("video2");

  gst_device_provider_device_add (provider, make_device ("Cam Ten", "Video/Source",
      video10, "video/x-raw, format=YUY2, width=640, height=480, framerate=30/1"));
  gst_device_provider_device_add (provider, make_device ("Cam Two", "Video/Source",
      video2, "image/jpeg, width=1920, height=1080, framerate={ 30/1, 15/1 }"));
  /* A sink the same provider lists: not a camera. */
  gst_device_provider_device_add (provider, make_device ("Loopback", "Video/Sink",
      video2, "video/x-raw"));
  return TRUE;
}

static void
fake_v4l2_provider_class_init (FakeV4l2ProviderClass *klass)
{
  GstDeviceProviderClass *provider_class = GST_DEVICE_PROVIDER_CLASS (klass);

  provider_class->start = fake_v4l2_provider_start;
  gst_device_provider_class_set_static_metadata (provider_class, "Fake v4l2",
      "Source/Sink/Video", "Cameras for tests", "emocap developers");
}

static void
fake_v4l2_provider_init (FakeV4l2Provider *provider)
{
}

#define FAKE_TYPE_OTHER_PROVIDER (fake_other_provider_get_type ())
G_DECLARE_FINAL_TYPE (FakeOtherProvider, fake_other_provider, FAKE, OTHER_PROVIDER,
    GstDeviceProvider)

struct _FakeOtherProvider {
  GstDeviceProvider parent;
};

G_DEFINE_TYPE (FakeOtherProvider, fake_other_provider, GST_TYPE_DEVICE_PROVIDER)

/* Lists a camera the v4l2 provider also has, with v4l2's own properties,
 * as uvch264's provider does. */
static gboolean
fake_other_provider_start (GstDeviceProvider *provider)
{
  g_autofree char *video2 = node_path ("video2");

  gst_device_provider_device_add (provider, make_device ("Cam Two again", "Video/Source",
      video2, "video/x-h264, width=1920, height=1080, framerate=30/1"));
  return TRUE;
}

static void
fake_other_provider_class_init (FakeOtherProviderClass *klass)
{
  GstDeviceProviderClass *provider_class = GST_DEVICE_PROVIDER_CLASS (klass);

  provider_class->start = fake_other_provider_start;
  gst_device_provider_class_set_static_metadata (provider_class, "Fake other",
      "Source/Video", "Duplicates for tests", "emocap developers");
}

static void
fake_other_provider_init (FakeOtherProvider *provider)
{
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return gst_device_provider_register (plugin, "v4l2deviceprovider", GST_RANK_PRIMARY,
          FAKE_TYPE_V4L2_PROVIDER) &&
      gst_device_provider_register (plugin, "fakeotherprovider", GST_RANK_PRIMARY,
          FAKE_TYPE_OTHER_PROVIDER);
}

/* ---- tests ------------------------------------------------------------ */

static void
assert_listing (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) cameras = emocap_camera_devices_list_in (tmp_root, &error);
  g_autofree char *video2 = node_path ("video2");
  g_autofree char *video10 = node_path ("video10");
  g_autofree char *by_id = g_build_filename (tmp_root, "v4l", "by-id",
      "usb-Fake_Cam_Two_0001-video-index0", NULL);
  const EmocapCameraDevice *two;
  const EmocapCameraDevice *ten;
  const EmocapCameraMode *mode;

  g_assert_no_error (error);
  g_assert_nonnull (cameras);
  /* Cam Two, Cam Ten: by node, video2 before video10; no sink, no
   * duplicate from the other provider. */
  g_assert_cmpuint (cameras->len, ==, 2);
  two = cameras->pdata[0];
  ten = cameras->pdata[1];
  g_assert_cmpstr (two->name, ==, "Cam Two");
  g_assert_cmpstr (two->node, ==, video2);
  g_assert_cmpstr (two->by_id, ==, by_id);
  g_assert_cmpuint (two->modes->len, ==, 1);
  mode = two->modes->pdata[0];
  g_assert_cmpstr (mode->format, ==, "MJPG");
  g_assert_cmpuint (mode->n_rates, ==, 2);
  g_assert_cmpstr (ten->name, ==, "Cam Ten");
  g_assert_cmpstr (ten->node, ==, video10);
  g_assert_null (ten->by_id);
}

static void
test_monitor_lists_v4l2_cameras (void)
{
  assert_listing ();
}

/* The providers are started and stopped each time: a second listing sees
 * the same, and nothing is left parented from the first. */
static void
test_monitor_twice (void)
{
  assert_listing ();
  assert_listing ();
}

static void
remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode)) {
    g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
    g_rmdir (path);
  } else {
    g_unlink (path);
  }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *plugins = NULL;
  g_autofree char *registry = NULL;
  g_autofree char *by_id = NULL;
  g_autofree char *link = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  tmp_root = g_dir_make_tmp ("emocap-monitor-XXXXXX", &error);
  g_assert_no_error (error);

  /* Before gst_init(): no system plugin may answer for "Video/Source",
   * and the registry cache is ours alone. */
  plugins = g_build_filename (tmp_root, "no-plugins", NULL);
  registry = g_build_filename (tmp_root, "registry.bin", NULL);
  g_assert_cmpint (g_mkdir (plugins, 0700), ==, 0);
  g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", plugins, TRUE);
  g_setenv ("GST_PLUGIN_SYSTEM_PATH", plugins, TRUE);
  g_setenv ("GST_PLUGIN_PATH_1_0", plugins, TRUE);
  g_setenv ("GST_PLUGIN_PATH", plugins, TRUE);
  g_setenv ("GST_REGISTRY_1_0", registry, TRUE);
  g_setenv ("GST_REGISTRY", registry, TRUE);
  gst_init (&argc, &argv);
  g_assert_true (gst_plugin_register_static (GST_VERSION_MAJOR, GST_VERSION_MINOR,
      "emocaptest", "Fake device providers for tests", plugin_init, "0.1", "LGPL",
      "emocap", "emocap", "https://example.invalid/emocap"));

  for (const char *const *n = (const char *const[]) { "video2", "video10", NULL }; *n; n++) {
    g_autofree char *path = node_path (*n);
    g_assert_true (g_file_set_contents (path, "", 0, NULL));
  }
  by_id = g_build_filename (tmp_root, "v4l", "by-id", NULL);
  g_assert_cmpint (g_mkdir_with_parents (by_id, 0700), ==, 0);
  link = g_build_filename (by_id, "usb-Fake_Cam_Two_0001-video-index0", NULL);
  g_assert_cmpint (symlink ("../../video2", link), ==, 0);

  g_test_add_func ("/devices/monitor/lists-v4l2-cameras", test_monitor_lists_v4l2_cameras);
  g_test_add_func ("/devices/monitor/twice", test_monitor_twice);
  status = g_test_run ();

  remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
