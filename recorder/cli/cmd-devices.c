/* emocap devices: the cameras and microphones a script can name
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include <linux/videodev2.h>

#include <emocap/devices.h>
#include <emocap/v4l2.h>

#include "cli.h"

/* Past this column a list of sizes or menu items goes on to the next line. */
#define WRAP_COLUMN 79

static gboolean opt_json = FALSE;

static const GOptionEntry options[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
    "Print {\"cameras\": [...], \"microphones\": [...]} for programs", NULL },
  { NULL }
};

/* 30, 7.5, 29.97: how a person reads a frame rate. */
static char *
rate_text (EmocapFraction rate)
{
  char *text;
  char *end;

  if (rate.den == 0)
    return g_strdup ("?");
  if (rate.num % rate.den == 0)
    return g_strdup_printf ("%d", rate.num / rate.den);
  text = g_strdup_printf ("%.2f", (double) rate.num / rate.den);
  end = text + strlen (text) - 1;
  while (*end == '0')
    *end-- = '\0';
  return text;
}

static char *
rates_text (const EmocapCameraMode *mode)
{
  GString *out = g_string_new (NULL);

  if (mode->rate_is_range) {
    g_autofree char *lo = rate_text (mode->min_rate);
    g_autofree char *hi = rate_text (mode->max_rate);
    g_string_append_printf (out, "%s-%s fps", lo, hi);
  } else if (mode->n_rates == 0) {
    g_string_append (out, "rate not reported");
  } else {
    for (guint i = 0; i < mode->n_rates; i++) {
      g_autofree char *r = rate_text (mode->rates[i]);
      g_string_append_printf (out, "%s%s", i ? ", " : "", r);
    }
    g_string_append (out, " fps");
  }
  return g_string_free (out, FALSE);
}

static char *
size_text (const EmocapCameraMode *mode)
{
  if (mode->width == 0 && mode->height == 0)
    return g_strdup ("size not reported");
  if (mode->min_width != mode->width || mode->min_height != mode->height)
    return g_strdup_printf ("%dx%d-%dx%d", mode->min_width, mode->min_height,
        mode->width, mode->height);
  return g_strdup_printf ("%dx%d", mode->width, mode->height);
}

/* One line per run of sizes that share their frame rates:
 *     MJPG    1920x1080, 1280x720 @ 30, 15 fps
 * wrapped under the first size when it gets long. */
static void
print_sizes_line (GPtrArray *sizes, const char *rates, const char *label, int indent)
{
  int column = printf ("%*s%-*s", 4, "", indent, label);

  for (guint i = 0; i < sizes->len; i++) {
    const char *size = sizes->pdata[i];
    const char *sep = i + 1 < sizes->len ? "," : "";
    int need = (int) strlen (size) + (int) strlen (sep) + 1;

    if (i > 0 && column + need > WRAP_COLUMN) {
      printf ("\n%*s", 4 + indent, "");
      column = 4 + indent;
    } else if (i > 0) {
      column += printf (" ");
    }
    column += printf ("%s%s", size, sep);
  }
  if (column + 3 + (int) strlen (rates) > WRAP_COLUMN)
    printf ("\n%*s@ %s\n", 4 + indent, "", rates);
  else
    printf (" @ %s\n", rates);
}

static void
print_modes (const EmocapCameraDevice *camera, int indent)
{
  g_autoptr (GPtrArray) formats = g_ptr_array_new ();

  for (guint i = 0; i < camera->modes->len; i++) {
    const EmocapCameraMode *mode = camera->modes->pdata[i];
    if (!g_ptr_array_find_with_equal_func (formats, mode->format, g_str_equal, NULL))
      g_ptr_array_add (formats, mode->format);
  }
  if (formats->len == 0) {
    printf ("    %-*s%s\n", indent, "modes", "none reported");
    return;
  }

  for (guint f = 0; f < formats->len; f++) {
    const char *format = formats->pdata[f];
    g_autoptr (GPtrArray) sizes = g_ptr_array_new_with_free_func (g_free);
    g_autofree char *rates = NULL;
    gboolean first_line = TRUE;

    for (guint i = 0; i <= camera->modes->len; i++) {
      const EmocapCameraMode *mode = i < camera->modes->len ? camera->modes->pdata[i] : NULL;
      g_autofree char *these_rates = NULL;

      if (mode != NULL && strcmp (mode->format, format) != 0)
        continue;
      if (mode != NULL)
        these_rates = rates_text (mode);
      /* Flush the run when the rates change or at the end. */
      if (sizes->len > 0 && (mode == NULL || strcmp (these_rates, rates) != 0)) {
        print_sizes_line (sizes, rates, first_line ? format : "", indent);
        first_line = FALSE;
        g_ptr_array_set_size (sizes, 0);
      }
      if (mode == NULL)
        break;
      g_ptr_array_add (sizes, size_text (mode));
      g_free (rates);
      rates = g_steal_pointer (&these_rates);
    }
  }
}

/* Prints @text from @column on, breaking after a ", " where the line would
 * pass WRAP_COLUMN and going on under @column, then @mark (may be NULL),
 * on a line of its own under @column if it does not fit. */
static void
print_wrapped (const char *text, const char *mark, int column)
{
  g_auto (GStrv) items = g_strsplit (text, ", ", -1);
  int at = column;

  for (char **item = items; *item != NULL; item++) {
    const char *sep = item[1] != NULL ? "," : "";
    int need = (int) strlen (*item) + (int) strlen (sep) + 1;

    if (item != items && at + need > WRAP_COLUMN) {
      printf ("\n%*s", column, "");
      at = column;
    } else if (item != items) {
      at += printf (" ");
    }
    at += printf ("%s%s", *item, sep);
  }
  if (mark != NULL && at + 2 + (int) strlen (mark) > WRAP_COLUMN)
    printf ("\n%*s%s", column, "", mark);
  else if (mark != NULL)
    printf ("  %s", mark);
  printf ("\n");
}

/* What a control takes: "3 to 2047", "0 or 1", "1 (Manual Mode), ...". */
static char *
control_takes (const EmocapV4l2Control *control)
{
  GString *out = g_string_new (NULL);

  switch (control->type) {
  case V4L2_CTRL_TYPE_BOOLEAN:
    g_string_append (out, "0 or 1");
    break;
  case V4L2_CTRL_TYPE_MENU:
  case V4L2_CTRL_TYPE_INTEGER_MENU:
    for (guint i = 0; control->menu != NULL && i < control->menu->len; i++) {
      const char *item = control->menu->pdata[i];
      const char *label = strstr (item, ": ");

      if (label != NULL)
        g_string_append_printf (out, "%s%.*s (%s)", i ? ", " : "", (int) (label - item), item,
            label + 2);
    }
    if (out->len == 0)
      g_string_append (out, "a menu without items");
    break;
  case V4L2_CTRL_TYPE_BUTTON:
    g_string_append (out, "a button: setting it presses it");
    break;
  case V4L2_CTRL_TYPE_BITMASK:
    g_string_append_printf (out, "bits within 0x%" G_GINT64_MODIFIER "x", control->maximum);
    break;
  default:
    g_string_append_printf (out, "%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
        control->minimum, control->maximum);
    if (control->step > 1)
      g_string_append_printf (out, " in steps of %" G_GINT64_FORMAT, control->step);
    break;
  }
  return g_string_free (out, FALSE);
}

/* "(inactive until auto_exposure = 1)": what a script must add to set it. */
static char *
control_mark (GPtrArray *controls, const EmocapV4l2Control *control)
{
  EmocapV4l2Control *mode;
  gint64 manual = 0;

  if (control->read_only)
    return g_strdup ("(read-only)");
  if (!control->inactive)
    return NULL;
  mode = emocap_v4l2_control_find_mode (controls, control);
  if (mode != NULL && emocap_v4l2_control_manual_value (mode, &manual))
    return g_strdup_printf ("(inactive until %s = %" G_GINT64_FORMAT ")", mode->name, manual);
  if (mode != NULL)
    return g_strdup_printf ("(inactive while %s is on)", mode->name);
  return g_strdup ("(inactive)");
}

/* One line a control, as a script's "controls" names it:
 *       exposure_time_absolute = 250  3 to 2047  (inactive until auto_exposure = 1) */
static void
print_controls (const EmocapCameraDevice *camera, int indent)
{
  g_autoptr (GPtrArray) lefts = NULL;
  int width = 0;

  if (camera->controls == NULL)
    return;
  if (camera->controls->len == 0) {
    printf ("    %-*s%s\n", indent, "controls", "none");
    return;
  }

  lefts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < camera->controls->len; i++) {
    const EmocapV4l2Control *control = camera->controls->pdata[i];
    char *left = control->value_unknown ? g_strdup (control->name)
        : g_strdup_printf ("%s = %" G_GINT64_FORMAT, control->name, control->value);

    width = MAX (width, (int) strlen (left));
    g_ptr_array_add (lefts, left);
  }

  printf ("    controls\n");
  for (guint i = 0; i < camera->controls->len; i++) {
    g_autofree char *takes = control_takes (camera->controls->pdata[i]);
    g_autofree char *mark = control_mark (camera->controls, camera->controls->pdata[i]);

    printf ("      %-*s  ", width, (const char *) lefts->pdata[i]);
    print_wrapped (takes, mark, 6 + width + 2);
  }
}

static void
print_cameras (GPtrArray *cameras, gboolean scanned)
{
  const int indent = 9;

  if (cameras->len == 0 && !scanned)
    return;
  if (cameras->len == 0) {
    printf ("no V4L2 cameras found\n");
    fprintf (stderr, "hint: a camera the kernel has taken shows up as /dev/video*: "
        "check 'ls -l /dev/video*',\n"
        "hint: that you are in the 'video' group ('id -nG'), and 'dmesg' "
        "after plugging it in\n");
    return;
  }

  printf ("cameras:\n");
  for (guint i = 0; i < cameras->len; i++) {
    const EmocapCameraDevice *camera = cameras->pdata[i];

    if (i > 0)
      printf ("\n");
    printf ("  %s", camera->name ? camera->name : "(unnamed)");
    if (camera->driver && camera->bus_info)
      printf ("  (%s at %s)", camera->driver, camera->bus_info);
    printf ("\n");
    printf ("    %-*s%s  (may change at the next boot: not for scripts)\n",
        indent, "node", camera->node);
    if (camera->by_id)
      printf ("    %-*s%s\n", indent, "by-id", camera->by_id);
    for (char **l = camera->links; l && *l; l++)
      printf ("    %-*s%s\n", indent, "emocap", *l);
    if (camera->by_id == NULL && (camera->links == NULL || camera->links[0] == NULL))
      printf ("    %-*s%s\n", indent, "stable",
          "none: install emocap's udev rules, or use /dev/v4l/by-path/");
    print_modes (camera, indent);
    print_controls (camera, indent);
  }
}

static void
print_microphones (GPtrArray *microphones)
{
  if (microphones->len == 0) {
    printf ("no ALSA capture devices found\n");
    fprintf (stderr, "hint: a sound card shows up in 'cat /proc/asound/cards' and "
        "'arecord -l';\n"
        "hint: check that you are in the 'audio' group ('id -nG')\n");
    return;
  }

  printf ("microphones:\n");
  for (guint i = 0; i < microphones->len; i++) {
    const EmocapMicrophone *mic = microphones->pdata[i];
    int width = (int) MAX (strlen (mic->plughw), strlen (mic->hw)) + 3;

    if (i > 0)
      printf ("\n");
    printf ("  %s: %s  (card %d '%s', device %d)\n", mic->card_name, mic->pcm_name,
        mic->card, mic->card_id, mic->device);
    printf ("    %-*s%s\n", width, mic->plughw, "use this one: converts rate and format");
    printf ("    %-*s%s\n", width, mic->hw, "the hardware as is: native rates and formats only");
  }
}

static int
run (int argc, char **argv)
{
  g_autoptr (GError) camera_error = NULL;
  g_autoptr (GError) microphone_error = NULL;
  g_autoptr (GPtrArray) cameras = NULL;
  g_autoptr (GPtrArray) microphones = NULL;
  g_autoptr (GPtrArray) node_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  gboolean scanned = argc <= 1;
  int status = EMOCAP_EXIT_OK;

  if (scanned) {
    cameras = emocap_v4l2_list (NULL, "/dev", &camera_error);
  } else {
    /* Every node named is probed, so one typo does not hide the others. */
    cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) emocap_camera_device_free);
    for (int i = 1; i < argc; i++) {
      GError *node_error = NULL;
      EmocapCameraDevice *camera = emocap_v4l2_probe (argv[i], "/dev", &node_error);

      if (camera != NULL)
        g_ptr_array_add (cameras, camera);
      else
        g_ptr_array_add (node_errors, node_error);
    }
  }
  microphones = emocap_microphones_list (&microphone_error);

  if (opt_json) {
    g_autofree char *text = NULL;
    json_t *json;

    /* Half a list would read as "no such device": say nothing instead. */
    if (camera_error)
      return cli_fail (camera_error);
    if (microphone_error)
      return cli_fail (microphone_error);
    json = emocap_devices_to_json (cameras, microphones);
    text = json_dumps (json, JSON_INDENT (2));
    json_decref (json);
    if (text == NULL)
      return cli_failf (EMOCAP_EXIT_REFUSED, "cannot write the device list as JSON");
    printf ("%s\n", text);
  } else {
    if (cameras)
      print_cameras (cameras, scanned);
    if (cameras && (cameras->len > 0 || scanned))
      printf ("\n");
    if (microphones)
      print_microphones (microphones);
    if (camera_error)
      return cli_fail (camera_error);
    if (microphone_error)
      return cli_fail (microphone_error);
  }

  /* After the list, so they are the last thing on the screen. */
  fflush (stdout);
  for (guint i = 0; i < node_errors->len; i++)
    status = cli_fail (node_errors->pdata[i]);
  return status;
}

const EmocapCommand emocap_cmd_devices = {
  .name = "devices",
  .args = "[NODE ...]",
  .summary = "List the cameras and microphones a session script can use",
  .description =
      "Lists the V4L2 cameras, asking each node itself: the formats, sizes and\n"
      "frame rates it offers, and its controls as a script's \"controls\" names\n"
      "them (name = value now, what it takes, and \"(inactive until MODE = N)\"\n"
      "while an automatic mode governs it); then the ALSA capture devices.\n"
      "With no NODE the /dev/video* nodes are scanned and those that are not\n"
      "cameras left out; each NODE named (e.g. /dev/video2 or a /dev/v4l/by-id/\n"
      "link) must be a video capture device, or it is an error (exit 2) after\n"
      "the list.\n"
      "\n"
      "In a script, name a camera by a stable path, never by /dev/videoN, whose\n"
      "number can change at the next boot or replug:\n"
      "  /dev/v4l/by-id/...         made by udev for USB cameras (two of one\n"
      "                             model without serial numbers share one)\n"
      "  /dev/emocap/by-serial/...  made by emocap's udev rules, for cameras\n"
      "                             that report a serial number\n"
      "  /dev/emocap/by-path/...    the same for cameras without one: follows\n"
      "                             the USB port, so keep each camera in its port\n"
      "Name a microphone by its plughw:CARD=ID,DEV=N string: ALSA's plug layer\n"
      "converts to the rate and format the script asks for, and the card id\n"
      "does not change between boots as the card number can.\n"
      "\n"
      "With none of a kind this says so and exits 0.  --json prints\n"
      "{\"cameras\": [...], \"microphones\": [...]}, both arrays always present;\n"
      "each camera has its \"modes\" and \"controls\".",
  .options = options,
  .run = run,
};
