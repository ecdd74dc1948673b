/* emocap: the cameras and microphones a session script can name
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Cameras are V4L2 capture nodes as the driver describes them (read by
 * emocap/v4l2.h), with the stable names that point at them; microphones
 * are ALSA capture PCMs.  Everything here is a snapshot: plain structures
 * the caller owns, nothing kept open.
 */
#pragma once

#include <glib.h>
#include <gst/gst.h>
#include <jansson.h>

G_BEGIN_DECLS

/* A frame rate, as GStreamer writes it: @num / @den frames per second. */
typedef struct {
  int num;
  int den;
} EmocapFraction;

/**
 * EmocapCameraMode:
 * @format: "MJPG" for image/jpeg, the GStreamer format name for raw video
 *   (e.g. "YUY2", "NV12"), "H264"/"H265" for compressed streams, else the
 *   media type
 * @width: @height: the frame size; for a driver that accepts a range of
 *   sizes, the largest
 * @min_width: @min_height: equal to @width and @height unless the size is a
 *   range
 * @rate_is_range: %TRUE if the camera accepts any rate from @min_rate to
 *   @max_rate; then @rates is %NULL
 * @rates: (array length=n_rates): the discrete rates offered, fastest first,
 *   without duplicates; %NULL with @n_rates 0 if the camera names none
 * @min_rate: @max_rate: the slowest and fastest rate (0/1 when none is known)
 */
typedef struct {
  char *format;
  int width;
  int height;
  int min_width;
  int min_height;
  gboolean rate_is_range;
  EmocapFraction *rates;
  guint n_rates;
  EmocapFraction min_rate;
  EmocapFraction max_rate;
} EmocapCameraMode;

/**
 * EmocapCameraDevice:
 * @name: what the driver calls it, e.g. "HD Pro Webcam C920"
 * @node: its device node, e.g. "/dev/video0" (may change between boots)
 * @by_id: the /dev/v4l/by-id/ link that resolves to @node, or %NULL
 * @links: (array zero-terminated=1): the /dev/emocap/ links that resolve to
 *   @node, by-serial/ ones before by-path/ ones, each sorted; empty (not
 *   %NULL) when there are none
 * @driver: the kernel driver, e.g. "uvcvideo", or %NULL
 * @bus_info: where it is plugged in, e.g. "usb-0000:00:14.0-2", or %NULL
 * @modes: (element-type EmocapCameraMode): what it can deliver, in the
 *   order the driver lists it
 * @controls: (element-type EmocapV4l2Control) (nullable): its controls
 *   (emocap/v4l2.h), in the driver's order; %NULL when not asked
 */
typedef struct {
  char *name;
  char *node;
  char *by_id;
  char **links;
  char *driver;
  char *bus_info;
  GPtrArray *modes;
  GPtrArray *controls;
} EmocapCameraDevice;

/**
 * EmocapMicrophone:
 * @card: the ALSA card index (may change between boots; @card_id does not)
 * @card_id: the card's id, e.g. "C920"
 * @card_name: its name, e.g. "HD Pro Webcam C920"
 * @device: the PCM device number on the card
 * @pcm_name: the PCM's name, e.g. "USB Audio"
 * @hw: "hw:CARD=ID,DEV=N": the hardware as is, only its native rates and
 *   sample formats
 * @plughw: "plughw:CARD=ID,DEV=N": the same through ALSA's plug layer,
 *   which converts rate, format and channels; the one to put in a script
 */
typedef struct {
  int card;
  char *card_id;
  char *card_name;
  int device;
  char *pcm_name;
  char *hw;
  char *plughw;
} EmocapMicrophone;

void emocap_camera_mode_free (EmocapCameraMode *mode);
void emocap_camera_device_free (EmocapCameraDevice *camera);
void emocap_microphone_free (EmocapMicrophone *microphone);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapCameraMode, emocap_camera_mode_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapCameraDevice, emocap_camera_device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapMicrophone, emocap_microphone_free)

/* Sets @camera's @by_id and @links from the symbolic links that resolve to
 * its node under @dev_dir (normally "/dev"): DIR/v4l/by-id for @by_id (the
 * first by name), DIR/emocap/by-serial then DIR/emocap/by-path for
 * @links. */
void emocap_camera_device_set_links (EmocapCameraDevice *camera, const char *dev_dir);

/* The modes in @caps (a camera's caps), as a new array of #EmocapCameraMode
 * that frees its elements.  Lists of formats or sizes become one mode each;
 * fixed rates, lists and ranges of rates become a rate list or a
 * min..max range; structures with the same format and size are merged. */
GPtrArray *emocap_camera_modes_from_caps (const GstCaps *caps);

/* The symbolic links directly in @dir that resolve to the same file as
 * @node, sorted by name, as a new %NULL-terminated array (g_strfreev());
 * empty if @dir does not exist or holds none. */
char **emocap_device_links_in (const char *dir, const char *node);

/* The ALSA capture PCMs on this machine, ordered by card and device, as a
 * new array of #EmocapMicrophone that frees its elements.  A card that
 * cannot be opened is left out; if no card could be opened at all, %NULL
 * and EMOCAP_ERROR_DEVICE naming the first failure.  An empty array when
 * there is no sound card. */
GPtrArray *emocap_microphones_list (GError **error);

/* A new #EmocapMicrophone with its PCM strings filled in from @card_id and
 * @device. */
EmocapMicrophone *emocap_microphone_new (int card, const char *card_id,
    const char *card_name, int device, const char *pcm_name);

/* "NUM/DEN" for @rate; free with g_free(). */
char *emocap_fraction_to_string (EmocapFraction rate);

/* JSON forms, new references.  A mode is {"format", "width", "height",
 * "framerates": ["30/1", ...]} plus, only when they apply,
 * "framerate_range": {"min", "max"} (then "framerates" is empty) and
 * "size_range": {"min_width", "min_height", "max_width", "max_height"}.
 * A camera is {"name", "node", "by_id" (or null), "links": [...],
 * "driver", "bus_info" (or null), "modes": [...], "controls": [...]}, a
 * control as emocap_v4l2_control_to_json() gives it.  A microphone is
 * {"card", "card_id", "card_name", "device", "pcm_name", "hw", "plughw",
 * "recommended"}. */
json_t *emocap_camera_mode_to_json (const EmocapCameraMode *mode);
json_t *emocap_camera_device_to_json (const EmocapCameraDevice *camera);
json_t *emocap_microphone_to_json (const EmocapMicrophone *microphone);

/* {"cameras": [...], "microphones": [...]}, both arrays always present;
 * either argument may be %NULL for an empty list. */
json_t *emocap_devices_to_json (const GPtrArray *cameras, const GPtrArray *microphones);

G_END_DECLS
