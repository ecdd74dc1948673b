/* emocap: the "emocap" GStreamer plugin
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The element itself is in libemocap, where the recorder uses it too; the
 * plugin only makes it known to every GStreamer program:
 *
 *   GST_PLUGIN_PATH=build/recorder/gst gst-inspect-1.0 emocapwatermark
 */
/* GST_PLUGIN_DEFINE names the package from this. */
#define PACKAGE "emocap"

#include <gst/gst.h>

#include <emocap/watermark-element.h>

#include "emocap-config.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  return GST_ELEMENT_REGISTER (emocapwatermark, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, emocap,
    "Invisible watermark naming the take, on every frame of emocap's cameras",
    plugin_init, EMOCAP_VERSION, "LGPL", "emocap", "Unknown package origin")
