/* A GStreamer plugin for tests only: a device provider registered under
 * the v4l2 provider's name, listing two synthetic cameras, so that
 * `emocap devices` can be run end to end on a machine without one.  The
 * test points GST_PLUGIN_SYSTEM_PATH at this plugin's folder alone.
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* GST_PLUGIN_DEFINE names the package from this. */
#define PACKAGE "emocap-tests"

#include <gst/gst.h>

#define FAKE_TYPE_DEVICE (fake_device_get_type ())
G_DECLARE_FINAL_TYPE (FakeDevice, fake_device, FAKE, DEVICE, GstDevice)

struct _FakeDevice {
  GstDevice parent;
};

G_DEFINE_TYPE (FakeDevice, fake_device, GST_TYPE_DEVICE)

static void
fake_device_class_init (FakeDeviceClass *klass)
{
}

static void
fake_device_init (FakeDevice *device)
{
}

#define FAKE_TYPE_PROVIDER (fake_provider_get_type ())
G_DECLARE_FINAL_TYPE (FakeProvider, fake_provider, FAKE, PROVIDER, GstDeviceProvider)

struct _FakeProvider {
  GstDeviceProvider parent;
};

G_DEFINE_TYPE (FakeProvider, fake_provider, GST_TYPE_DEVICE_PROVIDER)

static GstDevice *
make_device (const char *name, const char *klass, const char *node, const char *caps_text)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string (caps_text);
  g_autoptr (GstStructure) props = gst_structure_new ("v4l2deviceprovider",
      "device.api", G_TYPE_STRING, "v4l2",
      "device.path", G_TYPE_STRING, node,
      "v4l2.device.driver", G_TYPE_STRING, "uvcvideo",
      "v4l2.device.bus_info", G_TYPE_STRING, "usb-0000:00:14.0-4", NULL);

  return g_object_new (FAKE_TYPE_DEVICE, "display-name", name, "device-class", klass,
      "caps", caps, "properties", props, NULL);
}

static gboolean
fake_provider_start (GstDeviceProvider *provider)
{
  gst_device_provider_device_add (provider, make_device ("Fake Cam Ten", "Video/Source",
      "/dev/emocap-test-video10",
      "video/x-h264, stream-format=byte-stream, width=1920, height=1080, framerate=30/1"));
  gst_device_provider_device_add (provider, make_device ("Fake Cam One", "Video/Source",
      "/dev/emocap-test-video0",
      "image/jpeg, width=1920, height=1080, framerate={ 30/1, 15/1 }; "
      "image/jpeg, width=1280, height=720, framerate={ 15/1, 30/1 }; "
      "video/x-raw, format=YUY2, width=640, height=480, framerate=[ 5/1, 30/1 ]; "
      "video/x-raw, format=YUY2, width=1920, height=1080, framerate=15/2"));
  gst_device_provider_device_add (provider, make_device ("Fake Output", "Video/Sink",
      "/dev/emocap-test-video20", "video/x-raw, format=YUY2, width=640, height=480"));
  return TRUE;
}

static void
fake_provider_class_init (FakeProviderClass *klass)
{
  GstDeviceProviderClass *provider_class = GST_DEVICE_PROVIDER_CLASS (klass);

  provider_class->start = fake_provider_start;
  gst_device_provider_class_set_static_metadata (provider_class, "Fake v4l2",
      "Source/Sink/Video", "Synthetic cameras for emocap's tests", "emocap developers");
}

static void
fake_provider_init (FakeProvider *provider)
{
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return gst_device_provider_register (plugin, "v4l2deviceprovider", GST_RANK_PRIMARY,
      FAKE_TYPE_PROVIDER);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, emocapfakev4l2,
    "Synthetic V4L2 cameras for emocap's tests", plugin_init, "0.1", "LGPL",
    "emocap", "https://example.invalid/emocap")
