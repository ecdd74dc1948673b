/* emocap tests: a GstDevice we can make without hardware
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included by one test program each; the type is defined in each.
 */
#pragma once

#include <gst/gst.h>

#define TEST_TYPE_DEVICE (test_device_get_type ())
G_DECLARE_FINAL_TYPE (TestDevice, test_device, TEST, DEVICE, GstDevice)

struct _TestDevice {
  GstDevice parent;
};

G_DEFINE_TYPE (TestDevice, test_device, GST_TYPE_DEVICE)

static void
test_device_class_init (TestDeviceClass *klass)
{
}

static void
test_device_init (TestDevice *device)
{
}
