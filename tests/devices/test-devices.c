/* Tests of the device listing's own logic, on synthetic input: caps to
 * modes, stable-name lookup in a folder of links, control names and
 * pixel format names as the driver gives them, the PCM strings and the
 * JSON forms.
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

#include <linux/videodev2.h>

#include <emocap/devices.h>
#include <emocap/v4l2.h>

/* ---- helpers ---------------------------------------------------------- */

static GPtrArray *
modes_of (const char *caps_text)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string (caps_text);

  g_assert_nonnull (caps);
  return emocap_camera_modes_from_caps (caps);
}

/* "30/1,15/1" or "5/1..30/1": a mode's rates in one string to compare. */
static char *
rates_of (const EmocapCameraMode *mode)
{
  GString *out = g_string_new (NULL);

  if (mode->rate_is_range) {
    g_assert_null (mode->rates);
    g_assert_cmpuint (mode->n_rates, ==, 0);
    g_string_append_printf (out, "%d/%d..%d/%d", mode->min_rate.num, mode->min_rate.den,
        mode->max_rate.num, mode->max_rate.den);
  } else {
    for (guint i = 0; i < mode->n_rates; i++)
      g_string_append_printf (out, "%s%d/%d", i ? "," : "", mode->rates[i].num,
          mode->rates[i].den);
  }
  return g_string_free (out, FALSE);
}

static void
assert_mode (GPtrArray *modes, guint index, const char *format, int width, int height,
    const char *rates)
{
  const EmocapCameraMode *mode;
  g_autofree char *got = NULL;

  g_assert_cmpuint (index, <, modes->len);
  mode = modes->pdata[index];
  got = rates_of (mode);
  g_assert_cmpstr (mode->format, ==, format);
  g_assert_cmpint (mode->width, ==, width);
  g_assert_cmpint (mode->height, ==, height);
  g_assert_cmpstr (got, ==, rates);
}

static void
assert_json_equal (json_t *got, const char *expected_text)
{
  json_error_t jerr;
  json_t *expected = json_loads (expected_text, 0, &jerr);

  if (expected == NULL)
    g_error ("expected JSON at %d:%d: %s", jerr.line, jerr.column, jerr.text);
  if (!json_equal (got, expected)) {
    g_autofree char *got_text = json_dumps (got, JSON_SORT_KEYS);
    g_autofree char *want_text = json_dumps (expected, JSON_SORT_KEYS);
    g_error ("JSON differs:\n got  %s\n want %s", got_text, want_text);
  }
  json_decref (expected);
}

/* ---- caps to modes ---------------------------------------------------- */

static void
test_caps_jpeg_list_and_raw_range (void)
{
  g_autoptr (GPtrArray) modes = modes_of (
      "image/jpeg, width=1920, height=1080, framerate={ 30/1, 15/1 }; "
      "video/x-raw, format=YUY2, width=640, height=480, framerate=[ 5/1, 30/1 ]");
  const EmocapCameraMode *raw;

  g_assert_cmpuint (modes->len, ==, 2);
  assert_mode (modes, 0, "MJPG", 1920, 1080, "30/1,15/1");
  assert_mode (modes, 1, "YUY2", 640, 480, "5/1..30/1");
  raw = modes->pdata[1];
  g_assert_true (raw->rate_is_range);
  g_assert_cmpint (raw->min_width, ==, 640);
  g_assert_cmpint (raw->min_height, ==, 480);
}

static void
test_caps_fixed_rate (void)
{
  g_autoptr (GPtrArray) modes = modes_of (
      "video/x-raw, format=NV12, width=1280, height=720, framerate=10/1");
  const EmocapCameraMode *mode;

  g_assert_cmpuint (modes->len, ==, 1);
  assert_mode (modes, 0, "NV12", 1280, 720, "10/1");
  mode = modes->pdata[0];
  g_assert_false (mode->rate_is_range);
  g_assert_cmpint (mode->min_rate.num, ==, 10);
  g_assert_cmpint (mode->max_rate.num, ==, 10);
}

/* Rates come out fastest first, once each, whatever order the driver
 * gave; 30000/1001 sorts between 30 and 25. */
static void
test_caps_rates_sorted_unique (void)
{
  g_autoptr (GPtrArray) modes = modes_of (
      "image/jpeg, width=640, height=480, "
      "framerate={ 5/1, 30/1, 15/2, 30000/1001, 25/1, 30/1 }");
  const EmocapCameraMode *mode;

  g_assert_cmpuint (modes->len, ==, 1);
  assert_mode (modes, 0, "MJPG", 640, 480, "30/1,30000/1001,25/1,15/2,5/1");
  mode = modes->pdata[0];
  g_assert_cmpint (mode->max_rate.num, ==, 30);
  g_assert_cmpint (mode->min_rate.num, ==, 5);
}

/* v4l2src lists one structure per size; the same format and size twice
 * (e.g. interlaced and progressive) becomes one mode. */
static void
test_caps_merge_same_size (void)
{
  g_autoptr (GPtrArray) modes = modes_of (
      "video/x-raw, format=YUY2, width=640, height=480, framerate={ 30/1, 15/1 }; "
      "video/x-raw, format=YUY2, width=320, height=240, framerate=30/1; "
      "video/x-raw, format=YUY2, width=640, height=480, framerate={ 20/1, 15/1 }");

  g_assert_cmpuint (modes->len, ==, 2);
  assert_mode (modes, 0, "YUY2", 640, 480, "30/1,20/1,15/1");
  assert_mode (modes, 1, "YUY2", 320, 240, "30/1");
}

static void
test_caps_merge_list_into_range (void)
{
  g_autoptr (GPtrArray) modes = modes_of (
      "video/x-raw, format=GRAY8, width=752, height=480, framerate=[ 1/1, 60/1 ]; "
      "video/x-raw, format=GRAY8, width=752, height=480, framerate={ 90/1, 1/2 }");

  g_assert_cmpuint (modes->len, ==, 1);
  assert_mode (modes, 0, "GRAY8", 752, 480, "1/2..90/1");
}

/* A list of formats is one mode per format. */
static void
test_caps_format_list (void)
{
  g_autoptr (GPtrArray) modes = modes_of (
      "video/x-raw, format={ YUY2, NV12 }, width=800, height=600, framerate=20/1");

  g_assert_cmpuint (modes->len, ==, 2);
  assert_mode (modes, 0, "YUY2", 800, 600, "20/1");
  assert_mode (modes, 1, "NV12", 800, 600, "20/1");
}

/* Drivers with stepwise sizes (capture cards, loopback) give ranges. */
static void
test_caps_size_range (void)
{
  g_autoptr (GPtrArray) modes = modes_of (
      "video/x-raw, format=UYVY, width=[ 32, 1920 ], height=[ 32, 1080 ], "
      "framerate=[ 0/1, 60/1 ]");
  const EmocapCameraMode *mode;

  g_assert_cmpuint (modes->len, ==, 1);
  mode = modes->pdata[0];
  assert_mode (modes, 0, "UYVY", 1920, 1080, "0/1..60/1");
  g_assert_cmpint (mode->min_width, ==, 32);
  g_assert_cmpint (mode->min_height, ==, 32);
}

/* A structure without a rate gives an empty list, not a made-up one. */
static void
test_caps_no_rate (void)
{
  g_autoptr (GPtrArray) modes = modes_of ("image/jpeg, width=320, height=240");
  const EmocapCameraMode *none;

  g_assert_cmpuint (modes->len, ==, 1);
  assert_mode (modes, 0, "MJPG", 320, 240, "");
  none = modes->pdata[0];
  g_assert_false (none->rate_is_range);
  g_assert_null (none->rates);
  g_assert_cmpint (none->max_rate.num, ==, 0);
}

static void
test_caps_other_media_types (void)
{
  g_autoptr (GPtrArray) modes = modes_of (
      "video/x-h264, stream-format=byte-stream, width=1920, height=1080, framerate=30/1; "
      "video/x-bayer, format=bggr, width=1280, height=960, framerate=30/1; "
      "video/x-sonix, width=352, height=288, framerate=15/1");

  g_assert_cmpuint (modes->len, ==, 3);
  assert_mode (modes, 0, "H264", 1920, 1080, "30/1");
  assert_mode (modes, 1, "bayer:bggr", 1280, 960, "30/1");
  assert_mode (modes, 2, "video/x-sonix", 352, 288, "15/1");
}

static void
test_caps_any_and_empty (void)
{
  g_autoptr (GPtrArray) any = emocap_camera_modes_from_caps (GST_CAPS_ANY);
  g_autoptr (GstCaps) empty_caps = gst_caps_new_empty ();
  g_autoptr (GPtrArray) empty = emocap_camera_modes_from_caps (empty_caps);

  g_assert_cmpuint (any->len, ==, 0);
  g_assert_cmpuint (empty->len, ==, 0);
}

/* ---- stable names ----------------------------------------------------- */

typedef struct {
  char *root;      /* plays /dev */
  char *video0;
  char *video2;
} DevFixture;

static void
touch (const char *path)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "", 0, &error));
  g_assert_no_error (error);
}

static void
link_to (const char *target, const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  if (symlink (target, path) != 0)
    g_error ("symlink %s -> %s: %s", path, target, g_strerror (errno));
}

/* ROOT/video0 and ROOT/video2 with links to them as udev would make:
 * relative, absolute, chained, dangling, and to the other node. */
static void
dev_fixture_set_up (DevFixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *by_id = NULL;
  g_autofree char *by_serial = NULL;
  g_autofree char *by_path = NULL;
  g_autofree char *plain = NULL;

  fx->root = g_dir_make_tmp ("emocap-devices-XXXXXX", &error);
  g_assert_no_error (error);
  fx->video0 = g_build_filename (fx->root, "video0", NULL);
  fx->video2 = g_build_filename (fx->root, "video2", NULL);
  touch (fx->video0);
  touch (fx->video2);

  by_id = g_build_filename (fx->root, "v4l", "by-id", NULL);
  link_to ("../../video0", by_id, "usb-046d_HD_Webcam_A1B2-video-index0");
  link_to (fx->video2, by_id, "usb-046d_HD_Webcam_C3D4-video-index0");
  link_to ("usb-046d_HD_Webcam_A1B2-video-index0", by_id, "zz-chained");
  link_to ("../../video9", by_id, "usb-gone-video-index0");
  plain = g_build_filename (by_id, "not-a-link", NULL);
  touch (plain);

  by_serial = g_build_filename (fx->root, "emocap", "by-serial", NULL);
  link_to ("../../video0", by_serial, "046d_082d_A1B2-if00-index0");
  by_path = g_build_filename (fx->root, "emocap", "by-path", NULL);
  link_to ("../../video0", by_path, "pci-0000:00:14.0-usb-0:2:1.0-index0");
  link_to ("../../video2", by_path, "pci-0000:00:14.0-usb-0:3:1.0-index0");
}

/* Removes @path and, for a folder, what is in it, without following links. */
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
    g_assert_cmpint (g_rmdir (path), ==, 0);
  } else {
    g_assert_cmpint (g_unlink (path), ==, 0);
  }
}

static void
dev_fixture_tear_down (DevFixture *fx, gconstpointer data)
{
  remove_tree (fx->root);
  g_free (fx->root);
  g_free (fx->video0);
  g_free (fx->video2);
}

static void
test_links_resolve (DevFixture *fx, gconstpointer data)
{
  g_autofree char *by_id = g_build_filename (fx->root, "v4l", "by-id", NULL);
  g_auto (GStrv) links0 = emocap_device_links_in (by_id, fx->video0);
  g_auto (GStrv) links2 = emocap_device_links_in (by_id, fx->video2);
  g_autofree char *want0 = g_build_filename (by_id, "usb-046d_HD_Webcam_A1B2-video-index0", NULL);
  g_autofree char *want0b = g_build_filename (by_id, "zz-chained", NULL);
  g_autofree char *want2 = g_build_filename (by_id, "usb-046d_HD_Webcam_C3D4-video-index0", NULL);

  g_assert_cmpuint (g_strv_length (links0), ==, 2);
  g_assert_cmpstr (links0[0], ==, want0);
  g_assert_cmpstr (links0[1], ==, want0b);
  g_assert_cmpuint (g_strv_length (links2), ==, 1);
  g_assert_cmpstr (links2[0], ==, want2);
}

/* The node may itself be given by a link. */
static void
test_links_node_through_link (DevFixture *fx, gconstpointer data)
{
  g_autofree char *by_id = g_build_filename (fx->root, "v4l", "by-id", NULL);
  g_autofree char *node = g_build_filename (by_id, "zz-chained", NULL);
  g_auto (GStrv) links = emocap_device_links_in (by_id, node);

  g_assert_cmpuint (g_strv_length (links), ==, 2);
}

static void
test_links_none (DevFixture *fx, gconstpointer data)
{
  g_autofree char *by_id = g_build_filename (fx->root, "v4l", "by-id", NULL);
  g_autofree char *missing_dir = g_build_filename (fx->root, "no-such-dir", NULL);
  g_autofree char *video9 = g_build_filename (fx->root, "video9", NULL);
  g_autofree char *video5 = g_build_filename (fx->root, "video5", NULL);
  g_auto (GStrv) none_dir = emocap_device_links_in (missing_dir, fx->video0);
  g_auto (GStrv) dangling = emocap_device_links_in (by_id, video9);
  g_auto (GStrv) unknown = NULL;

  touch (video5);
  unknown = emocap_device_links_in (by_id, video5);
  g_assert_nonnull (none_dir);
  g_assert_cmpuint (g_strv_length (none_dir), ==, 0);
  g_assert_cmpuint (g_strv_length (dangling), ==, 0);
  g_assert_cmpuint (g_strv_length (unknown), ==, 0);
}

/* ---- stable names of a camera ----------------------------------------- */

static EmocapCameraDevice *
camera_at (const char *node)
{
  EmocapCameraDevice *camera = g_new0 (EmocapCameraDevice, 1);

  camera->node = g_strdup (node);
  return camera;
}

static void
test_camera_links (DevFixture *fx, gconstpointer data)
{
  g_autoptr (EmocapCameraDevice) camera = camera_at (fx->video0);
  g_autofree char *by_id = g_build_filename (fx->root, "v4l", "by-id",
      "usb-046d_HD_Webcam_A1B2-video-index0", NULL);
  g_autofree char *serial = g_build_filename (fx->root, "emocap", "by-serial",
      "046d_082d_A1B2-if00-index0", NULL);
  g_autofree char *path = g_build_filename (fx->root, "emocap", "by-path",
      "pci-0000:00:14.0-usb-0:2:1.0-index0", NULL);

  emocap_camera_device_set_links (camera, fx->root);
  /* The first by name: the chained link sorts after it. */
  g_assert_cmpstr (camera->by_id, ==, by_id);
  g_assert_cmpuint (g_strv_length (camera->links), ==, 2);
  g_assert_cmpstr (camera->links[0], ==, serial);
  g_assert_cmpstr (camera->links[1], ==, path);
}

static void
test_camera_without_stable_name (DevFixture *fx, gconstpointer data)
{
  g_autofree char *video7 = g_build_filename (fx->root, "video7", NULL);
  g_autoptr (EmocapCameraDevice) camera = camera_at (video7);

  touch (video7);
  emocap_camera_device_set_links (camera, fx->root);
  g_assert_null (camera->by_id);
  g_assert_nonnull (camera->links);
  g_assert_null (camera->links[0]);
}

/* ---- what the driver says, as a script names it ----------------------- */

static void
test_control_names (void)
{
  static const char *const cases[][2] = {
    { "Exposure Time, Absolute", "exposure_time_absolute" },
    { "Auto Exposure", "auto_exposure" },
    { "White Balance, Automatic", "white_balance_automatic" },
    { "White Balance Temperature", "white_balance_temperature" },
    { "Focus, Automatic Continuous", "focus_automatic_continuous" },
    { "Power Line Frequency", "power_line_frequency" },
    { "  Gain  ", "gain" },
    { "Pan (Absolute)", "pan_absolute" },
    { "LED1 Mode", "led1_mode" },
    { "--", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = emocap_v4l2_control_name (cases[i][0]);
    g_assert_cmpstr (name, ==, cases[i][1]);
  }
}

static void
test_format_names (void)
{
  static const struct {
    guint32 fourcc;
    const char *name;
  } cases[] = {
    { V4L2_PIX_FMT_MJPEG, "MJPG" },
    { V4L2_PIX_FMT_JPEG, "MJPG" },
    { V4L2_PIX_FMT_YUYV, "YUY2" },
    { V4L2_PIX_FMT_NV12, "NV12" },
    { V4L2_PIX_FMT_YUV420, "I420" },
    { V4L2_PIX_FMT_H264, "H264" },
    { V4L2_PIX_FMT_HEVC, "H265" },
    { V4L2_PIX_FMT_GREY, "GRAY8" },
    { V4L2_PIX_FMT_SBGGR8, "bayer:bggr" },
    { V4L2_PIX_FMT_Y10, "Y10" },
    { v4l2_fourcc ('Z', '1', '6', ' '), "Z16" },
    { v4l2_fourcc_be ('A', 'B', 'C', 'D'), "ABCD-BE" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = emocap_v4l2_format_name (cases[i].fourcc);
    g_assert_cmpstr (name, ==, cases[i].name);
  }
}

/* ---- microphones ------------------------------------------------------ */

static void
test_microphone_pcm_strings (void)
{
  g_autoptr (EmocapMicrophone) mic = emocap_microphone_new (1, "C920",
      "HD Pro Webcam C920", 0, "USB Audio");

  g_assert_cmpstr (mic->hw, ==, "hw:CARD=C920,DEV=0");
  g_assert_cmpstr (mic->plughw, ==, "plughw:CARD=C920,DEV=0");
  g_assert_cmpint (mic->card, ==, 1);
  g_assert_cmpint (mic->device, ==, 0);
}

/* This machine has no sound card; with one, the list is still well formed. */
static void
test_microphones_list (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) mics = emocap_microphones_list (&error);

  g_assert_no_error (error);
  g_assert_nonnull (mics);
  for (guint i = 0; i < mics->len; i++) {
    const EmocapMicrophone *mic = mics->pdata[i];
    g_assert_true (g_str_has_prefix (mic->plughw, "plughw:CARD="));
    g_assert_true (g_str_has_prefix (mic->hw, "hw:CARD="));
  }
}

/* ---- JSON ------------------------------------------------------------- */

static void
test_json_empty (void)
{
  json_t *json = emocap_devices_to_json (NULL, NULL);
  g_autoptr (GPtrArray) none = g_ptr_array_new ();
  json_t *json2 = emocap_devices_to_json (none, none);

  assert_json_equal (json, "{\"cameras\": [], \"microphones\": []}");
  assert_json_equal (json2, "{\"cameras\": [], \"microphones\": []}");
  json_decref (json);
  json_decref (json2);
}

static void
test_json_modes (void)
{
  g_autoptr (GPtrArray) modes = modes_of (
      "image/jpeg, width=1920, height=1080, framerate={ 30/1, 15/1 }; "
      "video/x-raw, format=YUY2, width=640, height=480, framerate=[ 5/1, 30/1 ]; "
      "video/x-raw, format=UYVY, width=[ 32, 1920 ], height=[ 32, 1080 ], framerate=25/1");
  json_t *jpeg = emocap_camera_mode_to_json (modes->pdata[0]);
  json_t *raw = emocap_camera_mode_to_json (modes->pdata[1]);
  json_t *stepwise = emocap_camera_mode_to_json (modes->pdata[2]);

  assert_json_equal (jpeg, "{\"format\": \"MJPG\", \"width\": 1920, \"height\": 1080,"
      " \"framerates\": [\"30/1\", \"15/1\"]}");
  assert_json_equal (raw, "{\"format\": \"YUY2\", \"width\": 640, \"height\": 480,"
      " \"framerates\": [], \"framerate_range\": {\"min\": \"5/1\", \"max\": \"30/1\"}}");
  assert_json_equal (stepwise, "{\"format\": \"UYVY\", \"width\": 1920, \"height\": 1080,"
      " \"framerates\": [\"25/1\"], \"size_range\": {\"min_width\": 32, \"min_height\": 32,"
      " \"max_width\": 1920, \"max_height\": 1080}}");
  json_decref (jpeg);
  json_decref (raw);
  json_decref (stepwise);
}

static EmocapV4l2Control *
make_menu_control (void)
{
  EmocapV4l2Control *c = g_new0 (EmocapV4l2Control, 1);

  c->id = V4L2_CID_EXPOSURE_AUTO;
  c->name = g_strdup ("auto_exposure");
  c->label = g_strdup ("Auto Exposure");
  c->type = V4L2_CTRL_TYPE_MENU;
  c->maximum = 3;
  c->step = 1;
  c->default_value = 3;
  c->value = 1;
  c->menu = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (c->menu, g_strdup ("1: Manual Mode"));
  g_ptr_array_add (c->menu, g_strdup ("3: Aperture Priority Mode"));
  return c;
}

/* A value that cannot be read is null, not its default passed off as it. */
static EmocapV4l2Control *
make_write_only_control (void)
{
  EmocapV4l2Control *c = g_new0 (EmocapV4l2Control, 1);

  c->id = V4L2_CID_FOCUS_RELATIVE;
  c->name = g_strdup ("focus_relative");
  c->label = g_strdup ("Focus, Relative");
  c->type = V4L2_CTRL_TYPE_INTEGER;
  c->minimum = -127;
  c->maximum = 127;
  c->step = 1;
  c->inactive = TRUE;
  c->value_unknown = TRUE;
  return c;
}

static void
test_json_camera_and_microphone (void)
{
  g_autoptr (GPtrArray) cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) emocap_camera_device_free);
  g_autoptr (GPtrArray) mics = g_ptr_array_new_with_free_func ((GDestroyNotify) emocap_microphone_free);
  EmocapCameraDevice *camera = g_new0 (EmocapCameraDevice, 1);
  const char *links[] = { "/dev/emocap/by-serial/046d_082d_A1B2-if00-index0", NULL };
  json_t *json;

  /* A name from firmware that is not UTF-8 still gives valid JSON. */
  camera->name = g_strdup ("Cam\xff");
  camera->node = g_strdup ("/dev/video0");
  camera->links = g_strdupv ((char **) links);
  camera->modes = modes_of ("image/jpeg, width=640, height=480, framerate=30/1");
  camera->controls = g_ptr_array_new_with_free_func ((GDestroyNotify) emocap_v4l2_control_free);
  g_ptr_array_add (camera->controls, make_menu_control ());
  g_ptr_array_add (camera->controls, make_write_only_control ());
  g_ptr_array_add (cameras, camera);
  g_ptr_array_add (mics, emocap_microphone_new (2, "Device", "USB Audio Device", 0, "USB Audio"));

  json = emocap_devices_to_json (cameras, mics);
  assert_json_equal (json,
      "{\"cameras\": [{\"name\": \"Cam\xef\xbf\xbd\", \"node\": \"/dev/video0\", \"by_id\": null,"
      "   \"links\": [\"/dev/emocap/by-serial/046d_082d_A1B2-if00-index0\"],"
      "   \"driver\": null, \"bus_info\": null,"
      "   \"modes\": [{\"format\": \"MJPG\", \"width\": 640, \"height\": 480,"
      "                \"framerates\": [\"30/1\"]}],"
      "   \"controls\": [{\"name\": \"auto_exposure\", \"label\": \"Auto Exposure\","
      "                   \"type\": \"menu\", \"minimum\": 0, \"maximum\": 3, \"step\": 1,"
      "                   \"default\": 3, \"value\": 1, \"inactive\": false,"
      "                   \"read_only\": false,"
      "                   \"menu\": [{\"value\": 1, \"label\": \"Manual Mode\"},"
      "                            {\"value\": 3, \"label\": \"Aperture Priority Mode\"}]},"
      "                  {\"name\": \"focus_relative\", \"label\": \"Focus, Relative\","
      "                   \"type\": \"integer\", \"minimum\": -127, \"maximum\": 127,"
      "                   \"step\": 1, \"default\": 0, \"value\": null,"
      "                   \"inactive\": true, \"read_only\": false}]}],"
      " \"microphones\": [{\"card\": 2, \"card_id\": \"Device\", \"card_name\": \"USB Audio Device\","
      "   \"device\": 0, \"pcm_name\": \"USB Audio\", \"hw\": \"hw:CARD=Device,DEV=0\","
      "   \"plughw\": \"plughw:CARD=Device,DEV=0\", \"recommended\": \"plughw:CARD=Device,DEV=0\"}]}");
  json_decref (json);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/devices/caps/jpeg-list-raw-range", test_caps_jpeg_list_and_raw_range);
  g_test_add_func ("/devices/caps/fixed-rate", test_caps_fixed_rate);
  g_test_add_func ("/devices/caps/rates-sorted-unique", test_caps_rates_sorted_unique);
  g_test_add_func ("/devices/caps/merge-same-size", test_caps_merge_same_size);
  g_test_add_func ("/devices/caps/merge-list-into-range", test_caps_merge_list_into_range);
  g_test_add_func ("/devices/caps/format-list", test_caps_format_list);
  g_test_add_func ("/devices/caps/size-range", test_caps_size_range);
  g_test_add_func ("/devices/caps/no-rate", test_caps_no_rate);
  g_test_add_func ("/devices/caps/other-media-types", test_caps_other_media_types);
  g_test_add_func ("/devices/caps/any-and-empty", test_caps_any_and_empty);
  g_test_add ("/devices/links/resolve", DevFixture, NULL, dev_fixture_set_up,
      test_links_resolve, dev_fixture_tear_down);
  g_test_add ("/devices/links/node-through-link", DevFixture, NULL, dev_fixture_set_up,
      test_links_node_through_link, dev_fixture_tear_down);
  g_test_add ("/devices/links/none", DevFixture, NULL, dev_fixture_set_up,
      test_links_none, dev_fixture_tear_down);
  g_test_add ("/devices/camera/links", DevFixture, NULL, dev_fixture_set_up,
      test_camera_links, dev_fixture_tear_down);
  g_test_add ("/devices/camera/without-stable-name", DevFixture, NULL, dev_fixture_set_up,
      test_camera_without_stable_name, dev_fixture_tear_down);
  g_test_add_func ("/devices/v4l2/control-names", test_control_names);
  g_test_add_func ("/devices/v4l2/format-names", test_format_names);
  g_test_add_func ("/devices/microphone/pcm-strings", test_microphone_pcm_strings);
  g_test_add_func ("/devices/microphone/list", test_microphones_list);
  g_test_add_func ("/devices/json/empty", test_json_empty);
  g_test_add_func ("/devices/json/modes", test_json_modes);
  g_test_add_func ("/devices/json/camera-and-microphone", test_json_camera_and_microphone);

  return g_test_run ();
}
