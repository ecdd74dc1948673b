/* emocap: the cameras and microphones a session script can name
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Cameras are probed by v4l2.c, node by node; here are what they are made
 * of, the stable names that point at them and their JSON.  Microphones
 * come straight from ALSA's control interface, since the strings a script
 * needs ("plughw:CARD=ID,DEV=N") are ALSA's, not GStreamer's.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <alsa/asoundlib.h>

#include <emocap/devices.h>
#include <emocap/error.h>
#include <emocap/v4l2.h>

/* Below the folder given to emocap_camera_device_set_links(), normally /dev. */
#define BY_ID_SUBDIR      "v4l/by-id"
#define BY_SERIAL_SUBDIR  "emocap/by-serial"
#define BY_PATH_SUBDIR    "emocap/by-path"

/* ---- modes ------------------------------------------------------------ */

void
emocap_camera_mode_free (EmocapCameraMode *mode)
{
  if (mode == NULL)
    return;
  g_free (mode->format);
  g_free (mode->rates);
  g_free (mode);
}

static int
fraction_cmp (EmocapFraction a, EmocapFraction b)
{
  return gst_util_fraction_compare (a.num, a.den, b.num, b.den);
}

/* qsort order for rate lists: fastest first. */
static int
fraction_cmp_desc (const void *a, const void *b)
{
  return fraction_cmp (*(const EmocapFraction *) b, *(const EmocapFraction *) a);
}

/* What a structure's rates add up to: discrete values, a range, or both
 * (a list holding ranges). */
typedef struct {
  GArray *list;             /* of EmocapFraction */
  gboolean have_range;
  EmocapFraction range_min;
  EmocapFraction range_max;
} RateSet;

static void
rate_set_add_range (RateSet *set, EmocapFraction lo, EmocapFraction hi)
{
  if (!set->have_range) {
    set->range_min = lo;
    set->range_max = hi;
    set->have_range = TRUE;
    return;
  }
  if (fraction_cmp (lo, set->range_min) < 0)
    set->range_min = lo;
  if (fraction_cmp (hi, set->range_max) > 0)
    set->range_max = hi;
}

static void
collect_rates (const GValue *value, RateSet *set)
{
  if (GST_VALUE_HOLDS_FRACTION (value)) {
    EmocapFraction f = {
      gst_value_get_fraction_numerator (value),
      gst_value_get_fraction_denominator (value),
    };
    g_array_append_val (set->list, f);
  } else if (GST_VALUE_HOLDS_FRACTION_RANGE (value)) {
    const GValue *lo = gst_value_get_fraction_range_min (value);
    const GValue *hi = gst_value_get_fraction_range_max (value);
    EmocapFraction min = {
      gst_value_get_fraction_numerator (lo), gst_value_get_fraction_denominator (lo),
    };
    EmocapFraction max = {
      gst_value_get_fraction_numerator (hi), gst_value_get_fraction_denominator (hi),
    };
    rate_set_add_range (set, min, max);
  } else if (GST_VALUE_HOLDS_LIST (value) || GST_VALUE_HOLDS_ARRAY (value)) {
    guint n = GST_VALUE_HOLDS_LIST (value) ? gst_value_list_get_size (value)
        : gst_value_array_get_size (value);
    for (guint i = 0; i < n; i++)
      collect_rates (GST_VALUE_HOLDS_LIST (value) ? gst_value_list_get_value (value, i)
          : gst_value_array_get_value (value, i), set);
  }
}

/* Sets @mode's rates from @list (consumed order-wise, not freed) or, when
 * @is_range, from @lo..@hi. */
static void
mode_set_rates (EmocapCameraMode *mode, GArray *list, gboolean is_range,
    EmocapFraction lo, EmocapFraction hi)
{
  g_clear_pointer (&mode->rates, g_free);
  mode->n_rates = 0;
  mode->rate_is_range = is_range;
  mode->min_rate = (EmocapFraction) { 0, 1 };
  mode->max_rate = (EmocapFraction) { 0, 1 };

  if (is_range) {
    mode->min_rate = lo;
    mode->max_rate = hi;
    return;
  }
  if (list == NULL || list->len == 0)
    return;

  g_array_sort (list, fraction_cmp_desc);
  mode->rates = g_new (EmocapFraction, list->len);
  for (guint i = 0; i < list->len; i++) {
    EmocapFraction f = g_array_index (list, EmocapFraction, i);
    if (mode->n_rates > 0 && fraction_cmp (mode->rates[mode->n_rates - 1], f) == 0)
      continue;
    mode->rates[mode->n_rates++] = f;
  }
  mode->max_rate = mode->rates[0];
  mode->min_rate = mode->rates[mode->n_rates - 1];
}

/* Turns what was collected for one structure into @mode's rates. */
static void
mode_set_rate_set (EmocapCameraMode *mode, RateSet *set)
{
  if (set->have_range) {
    EmocapFraction lo = set->range_min, hi = set->range_max;

    /* GstCaps has no empty or one-value fraction ranges, so this is a
     * real range; discrete rates beside it only widen it. */
    for (guint i = 0; i < set->list->len; i++) {
      EmocapFraction f = g_array_index (set->list, EmocapFraction, i);
      if (fraction_cmp (f, lo) < 0)
        lo = f;
      if (fraction_cmp (f, hi) > 0)
        hi = f;
    }
    mode_set_rates (mode, NULL, TRUE, lo, hi);
  } else {
    mode_set_rates (mode, set->list, FALSE, set->range_min, set->range_max);
  }
}

/* Folds @other's rates into @mode (same format and size). */
static void
mode_merge_rates (EmocapCameraMode *mode, const EmocapCameraMode *other)
{
  RateSet set = { g_array_new (FALSE, FALSE, sizeof (EmocapFraction)), FALSE, {0, 1}, {0, 1} };

  if (mode->rate_is_range)
    rate_set_add_range (&set, mode->min_rate, mode->max_rate);
  else
    g_array_append_vals (set.list, mode->rates, mode->n_rates);
  if (other->rate_is_range)
    rate_set_add_range (&set, other->min_rate, other->max_rate);
  else
    g_array_append_vals (set.list, other->rates, other->n_rates);

  mode_set_rate_set (mode, &set);
  g_array_unref (set.list);
}

typedef struct {
  int min;
  int max;
} IntSpan;

/* Width or height: a fixed value, a range, or a list of either. */
static void
collect_ints (const GValue *value, GArray *spans)
{
  if (G_VALUE_HOLDS_INT (value)) {
    IntSpan s = { g_value_get_int (value), g_value_get_int (value) };
    g_array_append_val (spans, s);
  } else if (GST_VALUE_HOLDS_INT_RANGE (value)) {
    IntSpan s = { gst_value_get_int_range_min (value), gst_value_get_int_range_max (value) };
    g_array_append_val (spans, s);
  } else if (GST_VALUE_HOLDS_LIST (value)) {
    for (guint i = 0; i < gst_value_list_get_size (value); i++)
      collect_ints (gst_value_list_get_value (value, i), spans);
  }
}

static GArray *
structure_spans (const GstStructure *s, const char *field)
{
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (IntSpan));
  const GValue *value = gst_structure_get_value (s, field);

  if (value)
    collect_ints (value, spans);
  if (spans->len == 0) {
    IntSpan unknown = { 0, 0 };
    g_array_append_val (spans, unknown);
  }
  return spans;
}

static void
collect_strings (const GValue *value, GPtrArray *out)
{
  if (G_VALUE_HOLDS_STRING (value)) {
    g_ptr_array_add (out, g_value_dup_string (value));
  } else if (GST_VALUE_HOLDS_LIST (value)) {
    for (guint i = 0; i < gst_value_list_get_size (value); i++)
      collect_strings (gst_value_list_get_value (value, i), out);
  }
}

/* The format names a structure stands for: what a user reads in v4l2-ctl
 * or a camera's data sheet ("MJPG"), or GStreamer's raw format names. */
static GPtrArray *
structure_formats (const GstStructure *s)
{
  static const struct {
    const char *media_type;
    const char *format;
  } fixed[] = {
    { "image/jpeg", "MJPG" },
    { "video/x-h264", "H264" },
    { "video/x-h265", "H265" },
    { "video/x-vp8", "VP8" },
    { "video/x-dv", "DV" },
    { "video/mpegts", "MPEG-TS" },
    { "video/mpeg", "MPEG" },
  };
  const char *media_type = gst_structure_get_name (s);
  GPtrArray *formats = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; i < G_N_ELEMENTS (fixed); i++) {
    if (strcmp (media_type, fixed[i].media_type) == 0) {
      g_ptr_array_add (formats, g_strdup (fixed[i].format));
      return formats;
    }
  }

  if (gst_structure_has_field (s, "format"))
    collect_strings (gst_structure_get_value (s, "format"), formats);

  if (strcmp (media_type, "video/x-bayer") == 0) {
    for (guint i = 0; i < formats->len; i++) {
      char *bayer = g_strconcat ("bayer:", formats->pdata[i], NULL);
      g_free (formats->pdata[i]);
      formats->pdata[i] = bayer;
    }
  }
  if (formats->len == 0)
    g_ptr_array_add (formats, g_strdup (media_type));
  return formats;
}

static EmocapCameraMode *
find_mode (GPtrArray *modes, const EmocapCameraMode *like)
{
  for (guint i = 0; i < modes->len; i++) {
    EmocapCameraMode *m = modes->pdata[i];
    if (strcmp (m->format, like->format) == 0 && m->width == like->width &&
        m->height == like->height && m->min_width == like->min_width &&
        m->min_height == like->min_height)
      return m;
  }
  return NULL;
}

GPtrArray *
emocap_camera_modes_from_caps (const GstCaps *caps)
{
  GPtrArray *modes = g_ptr_array_new_with_free_func ((GDestroyNotify) emocap_camera_mode_free);

  g_return_val_if_fail (GST_IS_CAPS (caps), modes);

  if (gst_caps_is_any (caps))
    return modes;

  for (guint i = 0; i < gst_caps_get_size (caps); i++) {
    const GstStructure *s = gst_caps_get_structure (caps, i);
    g_autoptr (GPtrArray) formats = structure_formats (s);
    g_autoptr (GArray) widths = structure_spans (s, "width");
    g_autoptr (GArray) heights = structure_spans (s, "height");
    const GValue *rate_value = gst_structure_get_value (s, "framerate");

    for (guint f = 0; f < formats->len; f++) {
      for (guint w = 0; w < widths->len; w++) {
        for (guint h = 0; h < heights->len; h++) {
          IntSpan ws = g_array_index (widths, IntSpan, w);
          IntSpan hs = g_array_index (heights, IntSpan, h);
          RateSet set = { g_array_new (FALSE, FALSE, sizeof (EmocapFraction)), FALSE,
                          { 0, 1 }, { 0, 1 } };
          g_autoptr (EmocapCameraMode) mode = g_new0 (EmocapCameraMode, 1);
          EmocapCameraMode *existing;

          mode->format = g_strdup (formats->pdata[f]);
          mode->width = ws.max;
          mode->min_width = ws.min;
          mode->height = hs.max;
          mode->min_height = hs.min;
          if (rate_value)
            collect_rates (rate_value, &set);
          mode_set_rate_set (mode, &set);
          g_array_unref (set.list);

          existing = find_mode (modes, mode);
          if (existing)
            mode_merge_rates (existing, mode);
          else
            g_ptr_array_add (modes, g_steal_pointer (&mode));
        }
      }
    }
  }
  return modes;
}

char *
emocap_fraction_to_string (EmocapFraction rate)
{
  return g_strdup_printf ("%d/%d", rate.num, rate.den);
}

/* ---- stable names ----------------------------------------------------- */

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char **
emocap_device_links_in (const char *dir, const char *node)
{
  g_autoptr (GPtrArray) links = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) folder = NULL;
  g_autofree char *target = NULL;
  const char *name;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (node != NULL, NULL);

  /* realpath() memory is malloc()'s, which g_free() accepts. */
  target = realpath (node, NULL);
  folder = g_dir_open (dir, 0, NULL);
  if (target != NULL && folder != NULL) {
    while ((name = g_dir_read_name (folder)) != NULL) {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *resolved = NULL;

      if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      resolved = realpath (path, NULL);
      if (resolved != NULL && strcmp (resolved, target) == 0)
        g_ptr_array_add (links, g_steal_pointer (&path));
    }
  }

  g_ptr_array_sort (links, compare_strings);
  g_ptr_array_add (links, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&links), FALSE);
}

/* ---- cameras ---------------------------------------------------------- */

void
emocap_camera_device_free (EmocapCameraDevice *camera)
{
  if (camera == NULL)
    return;
  g_free (camera->name);
  g_free (camera->node);
  g_free (camera->by_id);
  g_strfreev (camera->links);
  g_free (camera->driver);
  g_free (camera->bus_info);
  if (camera->modes)
    g_ptr_array_unref (camera->modes);
  if (camera->controls)
    g_ptr_array_unref (camera->controls);
  g_free (camera);
}

static char **
camera_links_for (const char *dev_dir, const char *node)
{
  static const char *const subdirs[] = { BY_SERIAL_SUBDIR, BY_PATH_SUBDIR };
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (subdirs); i++) {
    g_autofree char *dir = g_build_filename (dev_dir, subdirs[i], NULL);
    g_auto (GStrv) found = emocap_device_links_in (dir, node);
    g_strv_builder_addv (builder, (const char **) found);
  }
  return g_strv_builder_end (builder);
}

void
emocap_camera_device_set_links (EmocapCameraDevice *camera, const char *dev_dir)
{
  g_autofree char *by_id_dir = NULL;
  g_auto (GStrv) by_id = NULL;

  g_return_if_fail (camera != NULL && camera->node != NULL);
  g_return_if_fail (dev_dir != NULL);

  by_id_dir = g_build_filename (dev_dir, BY_ID_SUBDIR, NULL);
  by_id = emocap_device_links_in (by_id_dir, camera->node);
  g_free (camera->by_id);
  camera->by_id = g_strdup (by_id[0]);
  g_strfreev (camera->links);
  camera->links = camera_links_for (dev_dir, camera->node);
}

/* ---- microphones ------------------------------------------------------ */

void
emocap_microphone_free (EmocapMicrophone *microphone)
{
  if (microphone == NULL)
    return;
  g_free (microphone->card_id);
  g_free (microphone->card_name);
  g_free (microphone->pcm_name);
  g_free (microphone->hw);
  g_free (microphone->plughw);
  g_free (microphone);
}

EmocapMicrophone *
emocap_microphone_new (int card, const char *card_id, const char *card_name,
    int device, const char *pcm_name)
{
  EmocapMicrophone *mic;

  g_return_val_if_fail (card_id != NULL && *card_id != '\0', NULL);
  g_return_val_if_fail (device >= 0, NULL);

  mic = g_new0 (EmocapMicrophone, 1);
  mic->card = card;
  mic->card_id = g_strdup (card_id);
  mic->card_name = g_strdup (card_name ? card_name : card_id);
  mic->device = device;
  mic->pcm_name = g_strdup (pcm_name ? pcm_name : "");
  /* By id, not index: the index follows the order cards were found in at
   * boot, the id stays with the card. */
  mic->hw = g_strdup_printf ("hw:CARD=%s,DEV=%d", card_id, device);
  mic->plughw = g_strdup_printf ("plughw:CARD=%s,DEV=%d", card_id, device);
  return mic;
}

static char *
describe_alsa_failure (const char *what, int err)
{
  const char *hint = "";

  if (err == -EACCES || err == -EPERM)
    hint = " (is the user in the 'audio' group?)";
  return g_strdup_printf ("%s: %s%s", what, snd_strerror (err), hint);
}

GPtrArray *
emocap_microphones_list (GError **error)
{
  g_autoptr (GPtrArray) microphones = NULL;
  g_autofree char *first_failure = NULL;
  snd_ctl_card_info_t *card_info = NULL;
  snd_pcm_info_t *pcm_info = NULL;
  snd_ctl_t *ctl = NULL;
  GPtrArray *result = NULL;
  int card = -1;
  int err;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  microphones = g_ptr_array_new_with_free_func ((GDestroyNotify) emocap_microphone_free);
  if ((err = snd_ctl_card_info_malloc (&card_info)) < 0 ||
      (err = snd_pcm_info_malloc (&pcm_info)) < 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "cannot list sound cards: %s", snd_strerror (err));
    goto bailout;
  }

  for (;;) {
    g_autofree char *ctl_name = NULL;
    int device = -1;

    if ((err = snd_card_next (&card)) < 0) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
          "cannot list sound cards: %s", snd_strerror (err));
      goto bailout;
    }
    if (card < 0)
      break;

    ctl_name = g_strdup_printf ("hw:%d", card);
    if ((err = snd_ctl_open (&ctl, ctl_name, 0)) < 0 ||
        (err = snd_ctl_card_info (ctl, card_info)) < 0) {
      if (first_failure == NULL) {
        g_autofree char *what = g_strdup_printf ("cannot open sound card '%s'", ctl_name);
        first_failure = describe_alsa_failure (what, err);
      }
      g_debug ("sound card '%s' left out: %s", ctl_name, snd_strerror (err));
      if (ctl != NULL) {
        snd_ctl_close (ctl);
        ctl = NULL;
      }
      continue;
    }

    while (snd_ctl_pcm_next_device (ctl, &device) == 0 && device >= 0) {
      snd_pcm_info_set_device (pcm_info, device);
      snd_pcm_info_set_subdevice (pcm_info, 0);
      snd_pcm_info_set_stream (pcm_info, SND_PCM_STREAM_CAPTURE);
      /* -ENOENT: this device plays only. */
      if (snd_ctl_pcm_info (ctl, pcm_info) < 0)
        continue;
      g_ptr_array_add (microphones, emocap_microphone_new (card,
          snd_ctl_card_info_get_id (card_info), snd_ctl_card_info_get_name (card_info),
          device, snd_pcm_info_get_name (pcm_info)));
    }
    snd_ctl_close (ctl);
    ctl = NULL;
  }

  if (microphones->len == 0 && first_failure != NULL) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE, "%s", first_failure);
    goto bailout;
  }
  result = g_steal_pointer (&microphones);

bailout:
  if (ctl != NULL)
    snd_ctl_close (ctl);
  if (pcm_info != NULL)
    snd_pcm_info_free (pcm_info);
  if (card_info != NULL)
    snd_ctl_card_info_free (card_info);
  return result;
}

/* ---- JSON ------------------------------------------------------------- */

/* Device names come from drivers and firmware: not always UTF-8, which
 * json_string() refuses. */
static json_t *
json_text (const char *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    return json_null ();
  if (g_utf8_validate (text, -1, NULL))
    return json_string (text);
  valid = g_utf8_make_valid (text, -1);
  return json_string (valid);
}

static json_t *
json_fraction (EmocapFraction rate)
{
  g_autofree char *text = emocap_fraction_to_string (rate);
  return json_string (text);
}

json_t *
emocap_camera_mode_to_json (const EmocapCameraMode *mode)
{
  json_t *json;
  json_t *rates;

  g_return_val_if_fail (mode != NULL, NULL);

  rates = json_array ();
  for (guint i = 0; i < mode->n_rates; i++)
    json_array_append_new (rates, json_fraction (mode->rates[i]));

  json = json_pack ("{s:o, s:i, s:i, s:o}",
      "format", json_text (mode->format),
      "width", mode->width,
      "height", mode->height,
      "framerates", rates);
  if (mode->rate_is_range)
    json_object_set_new (json, "framerate_range", json_pack ("{s:o, s:o}",
        "min", json_fraction (mode->min_rate), "max", json_fraction (mode->max_rate)));
  if (mode->min_width != mode->width || mode->min_height != mode->height)
    json_object_set_new (json, "size_range", json_pack ("{s:i, s:i, s:i, s:i}",
        "min_width", mode->min_width, "min_height", mode->min_height,
        "max_width", mode->width, "max_height", mode->height));
  return json;
}

json_t *
emocap_camera_device_to_json (const EmocapCameraDevice *camera)
{
  json_t *links;
  json_t *modes;
  json_t *controls;

  g_return_val_if_fail (camera != NULL, NULL);

  links = json_array ();
  for (char **l = camera->links; l != NULL && *l != NULL; l++)
    json_array_append_new (links, json_text (*l));
  modes = json_array ();
  for (guint i = 0; camera->modes != NULL && i < camera->modes->len; i++)
    json_array_append_new (modes, emocap_camera_mode_to_json (camera->modes->pdata[i]));
  controls = json_array ();
  for (guint i = 0; camera->controls != NULL && i < camera->controls->len; i++)
    json_array_append_new (controls, emocap_v4l2_control_to_json (camera->controls->pdata[i]));

  return json_pack ("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
      "name", json_text (camera->name),
      "node", json_text (camera->node),
      "by_id", json_text (camera->by_id),
      "links", links,
      "driver", json_text (camera->driver),
      "bus_info", json_text (camera->bus_info),
      "modes", modes,
      "controls", controls);
}

json_t *
emocap_microphone_to_json (const EmocapMicrophone *microphone)
{
  g_return_val_if_fail (microphone != NULL, NULL);

  return json_pack ("{s:i, s:o, s:o, s:i, s:o, s:o, s:o, s:o}",
      "card", microphone->card,
      "card_id", json_text (microphone->card_id),
      "card_name", json_text (microphone->card_name),
      "device", microphone->device,
      "pcm_name", json_text (microphone->pcm_name),
      "hw", json_text (microphone->hw),
      "plughw", json_text (microphone->plughw),
      "recommended", json_text (microphone->plughw));
}

json_t *
emocap_devices_to_json (const GPtrArray *cameras, const GPtrArray *microphones)
{
  json_t *cams = json_array ();
  json_t *mics = json_array ();

  for (guint i = 0; cameras != NULL && i < cameras->len; i++)
    json_array_append_new (cams, emocap_camera_device_to_json (cameras->pdata[i]));
  for (guint i = 0; microphones != NULL && i < microphones->len; i++)
    json_array_append_new (mics, emocap_microphone_to_json (microphones->pdata[i]));

  return json_pack ("{s:o, s:o}", "cameras", cams, "microphones", mics);
}
