/* emocap: V4L2 cameras, asked directly — what they offer, their controls
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GStreamer's device monitor only sees cameras the kernel announced; this
 * talks to a node itself (QUERYCAP, ENUM_FMT, ENUM_FRAMESIZES,
 * ENUM_FRAMEINTERVALS, QUERY_EXT_CTRL or QUERYCTRL, QUERYMENU, G/S_EXT_CTRLS
 * or G/S_CTRL), so any node a script or the command line names can be
 * listed, and its controls set and read back.  Nothing is kept open
 * between calls.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include <emocap/devices.h>
#include <emocap/script.h>

G_BEGIN_DECLS

/* A new #EmocapCameraDevice for the V4L2 node @node (stable names looked
 * up under @dev_dir, normally "/dev", as emocap_camera_device_set_links()
 * does): name, driver and bus from QUERYCAP, modes from ENUM_FMT,
 * ENUM_FRAMESIZES and ENUM_FRAMEINTERVALS, controls as
 * emocap_v4l2_controls_list() gives them.  @node may be a stable name (a
 * symbolic link): the camera's node is then the one it leads to.
 * EMOCAP_ERROR_DEVICE naming @node when it cannot be opened or is not a
 * video capture device. */
EmocapCameraDevice *emocap_v4l2_probe (const char *node, const char *dev_dir,
    GError **error);

/* The V4L2 capture cameras among @nodes (NULL: the /dev/video* nodes of
 * @dev_dir, in numeric order), probed with emocap_v4l2_probe(), as a new
 * array of #EmocapCameraDevice that frees its elements.  A node named in
 * @nodes that is not a capture camera is an error; one found by scanning
 * is left out. */
GPtrArray *emocap_v4l2_list (const char *const *nodes, const char *dev_dir,
    GError **error);

/**
 * EmocapV4l2Control:
 * @id: the V4L2 control id
 * @name: as v4l2-ctl and v4l2src's extra-controls spell it: the driver's
 *   label in lower case, runs of other characters as one '_'
 *   ("Exposure Time, Absolute" is "exposure_time_absolute")
 * @label: the driver's label
 * @type: V4L2_CTRL_TYPE_*
 * @minimum: @maximum: @step: @default_value: as QUERYCTRL gives them
 * @value: the current value
 * @inactive: set while another control (an automatic mode) governs it
 * @read_only: cannot be set
 * @menu: (element-type utf8) for menu controls, "VALUE: LABEL" of each item
 *   the driver lists (for integer menus the label is the item's number);
 *   else %NULL
 * @value_unknown: @value could not be read (a button, a write-only control
 *   such as focus_relative, or the camera did not answer); @value is then
 *   @default_value
 */
typedef struct {
  guint32 id;
  char *name;
  char *label;
  int type;
  gint64 minimum;
  gint64 maximum;
  gint64 step;
  gint64 default_value;
  gint64 value;
  gboolean inactive;
  gboolean read_only;
  GPtrArray *menu;
  gboolean value_unknown;
} EmocapV4l2Control;

void emocap_v4l2_control_free (EmocapV4l2Control *control);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapV4l2Control, emocap_v4l2_control_free)

/* The controls of @node, in the driver's order, as a new array of
 * #EmocapV4l2Control that frees its elements (control classes, disabled
 * controls, and strings and arrays, which a script cannot set, left
 * out). */
GPtrArray *emocap_v4l2_controls_list (const char *node, GError **error);

/* Sets @controls (#EmocapControl, a camera's "controls" in script order)
 * on @node: every name and value is checked first, with nothing set if
 * one is wrong: an unknown name is EMOCAP_ERROR_DEVICE naming @camera_id,
 * the control (and the likely one meant), and listing the controls the
 * camera has; a value the camera does not accept (range, step, menu) or a
 * read-only control names the accepted values.  Automatic modes (controls
 * whose name holds "auto", and the few others such as chroma_agc) are set
 * before the others, so that a manual value lands after its automatic
 * mode is off.  Every control is then read back: a value that did not
 * hold, or one the camera refused as inactive, is an error that names the
 * automatic mode in the way and the value to give it.  On success,
 * *@readback (if not NULL) is a new JSON object, control name to the value
 * read back (null for a button or write-only control), in script order;
 * an empty @controls opens nothing. */
gboolean emocap_v4l2_controls_apply (const char *node, const char *camera_id,
    const GArray *controls, json_t **readback, GError **error);

/* Reads the current value of each of @controls (#EmocapControl; only their
 * names are used) from @node, as a new JSON object name to value (null
 * for a button or write-only control), in script order.
 * EMOCAP_ERROR_DEVICE if the node cannot be read or lacks one of them. */
json_t *emocap_v4l2_controls_read (const char *node, const GArray *controls,
    GError **error);

/* The automatic mode among @controls (as emocap_v4l2_controls_list()
 * gives them) that takes @control over: auto_exposure (or the older
 * exposure_auto) for exposure_time_absolute, white_balance_automatic for
 * white_balance_temperature, focus_automatic_continuous for
 * focus_absolute, gain_automatic for gain, and NAME_automatic, NAME_auto
 * or auto_NAME for others; %NULL when there is none (or @control is an
 * automatic mode itself).  Owned by @controls. */
EmocapV4l2Control *emocap_v4l2_control_find_mode (GPtrArray *controls,
    const EmocapV4l2Control *control);

/* Sets *@value to the value of @mode (an automatic mode) that hands its
 * controls back to the script: 0 for a switch, the "Manual" item of a
 * menu.  FALSE when there is no telling. */
gboolean emocap_v4l2_control_manual_value (const EmocapV4l2Control *mode, gint64 *value);

/* @label (the driver's name of a control) as v4l2-ctl and v4l2src's
 * extra-controls spell it: lower case, every run of other characters one
 * '_', none at either end.  Free with g_free(). */
char *emocap_v4l2_control_name (const char *label);

/* The name EmocapCameraMode uses for the V4L2 pixel format @fourcc: "MJPG"
 * for MJPEG and JPEG, "H264", "H265", GStreamer's names for raw video
 * ("YUY2", "NV12", "I420", "GRAY8"), "bayer:bggr" and the like, else the
 * fourcc itself ("Y10", with "-BE" for big-endian ones).  Free with
 * g_free(). */
char *emocap_v4l2_format_name (guint32 fourcc);

/* {"name", "label", "type" ("integer", "boolean", "menu",
 * "integer_menu", "button", "integer64", "bitmask"), "minimum", "maximum",
 * "step", "default", "value" (null when unknown), "inactive", "read_only"}
 * and, for menus, "menu": [{"value", "label"}, ...]; a new reference. */
json_t *emocap_v4l2_control_to_json (const EmocapV4l2Control *control);

/* TRUE when @node is gone: it no longer exists, or opening it or asking
 * it QUERYCAP fails with ENODEV, ENXIO or ENOENT (the camera was
 * unplugged).  FALSE when it still answers, or fails for any other
 * reason (then the fault lies elsewhere). */
gboolean emocap_v4l2_is_disconnected (const char *node);

G_END_DECLS
