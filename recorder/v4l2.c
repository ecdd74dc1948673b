/* emocap: V4L2 cameras, asked directly — what they offer, their controls
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every public function opens the node, asks what it needs and closes it
 * again, so a camera is never held between calls and an unplugged one is
 * seen at the next call.  Messages are for the operator in front of the
 * rig: they name the camera, the control and what to write instead.
 *
 * Nothing here parses a file or a stream from outside: a driver answers in
 * the kernel's fixed structures, whose strings are bounded and checked
 * here, so it has no fuzz target.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/videodev2.h>

#include <emocap/error.h>
#include <emocap/v4l2.h>

/* Guards against drivers whose enumerations never end. */
#define ENUM_MAX      1024
#define MENU_ITEMS_MAX 256

/* The bit v4l2_fourcc_be() sets: the big-endian form of a format. */
#define FOURCC_BE_FLAG (1U << 31)

/* ---- low level -------------------------------------------------------- */

static int
xioctl (int fd, unsigned long request, void *arg)
{
  int r;

  do
    r = ioctl (fd, request, arg);
  while (r < 0 && errno == EINTR);
  return r;
}

static gboolean
errno_means_gone (int e)
{
  return e == ENODEV || e == ENXIO || e == ENOENT;
}

/* Opens @node for asking; -1 with @error set when it cannot.  @prefix
 * ("camera 'front': " or "") starts the message. */
static int
node_open (const char *node, const char *prefix, GError **error)
{
  int fd;
  int e;

  do
    fd = open (node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd >= 0)
    return fd;

  e = errno;
  switch (e) {
  case ENOENT:
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%s'%s' does not exist (is the camera plugged in?)", prefix, node);
    break;
  case ENODEV:
  case ENXIO:
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%s'%s' has no device behind it (was the camera unplugged?)", prefix, node);
    break;
  case EACCES:
  case EPERM:
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%scannot open '%s': %s (is the user in the 'video' group?)", prefix, node,
        g_strerror (e));
    break;
  default:
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%scannot open '%s': %s", prefix, node, g_strerror (e));
    break;
  }
  return -1;
}

static void
node_close (int fd)
{
  /* Linux releases the descriptor even when close() reports EINTR. */
  if (fd >= 0)
    close (fd);
}

/* A string field of a V4L2 structure: fixed size, not always terminated,
 * not always UTF-8. */
static char *
field_text (const void *field, gsize size)
{
  g_autofree char *raw = g_strndup (field, size);

  g_strchomp (raw);
  if (g_utf8_validate (raw, -1, NULL))
    return g_steal_pointer (&raw);
  return g_utf8_make_valid (raw, -1);
}

static int
querycap (int fd, const char *node, const char *prefix, struct v4l2_capability *cap,
    GError **error)
{
  int e;

  memset (cap, 0, sizeof *cap);
  if (xioctl (fd, VIDIOC_QUERYCAP, cap) == 0)
    return 0;
  e = errno;
  if (e == ENOTTY || e == EINVAL)
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%s'%s' is not a V4L2 device", prefix, node);
  else if (errno_means_gone (e))
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%s'%s' has no device behind it (was the camera unplugged?)", prefix, node);
  else
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%scannot ask '%s' what it is: %s", prefix, node, g_strerror (e));
  return -1;
}

static guint32
device_caps (const struct v4l2_capability *cap)
{
  return (cap->capabilities & V4L2_CAP_DEVICE_CAPS) ? cap->device_caps : cap->capabilities;
}

/* The buffer type to enumerate formats with, or 0 when the node is not a
 * camera: codecs and converters (memory to memory) deliver frames too,
 * but only of what is written into them. */
static guint32
capture_buf_type (guint32 caps)
{
  if (caps & (V4L2_CAP_VIDEO_M2M | V4L2_CAP_VIDEO_M2M_MPLANE))
    return 0;
  if ((caps & V4L2_CAP_VIDEO_CAPTURE) && !(caps & V4L2_CAP_VIDEO_OUTPUT))
    return V4L2_BUF_TYPE_VIDEO_CAPTURE;
  if ((caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE) && !(caps & V4L2_CAP_VIDEO_OUTPUT_MPLANE))
    return V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
  return 0;
}

/* What a node that is not a camera is, for the message that says so. */
static const char *
describe_other_node (guint32 caps)
{
  if (caps & (V4L2_CAP_VIDEO_M2M | V4L2_CAP_VIDEO_M2M_MPLANE) ||
      ((caps & V4L2_CAP_VIDEO_CAPTURE) && (caps & V4L2_CAP_VIDEO_OUTPUT)))
    return "a codec or converter (memory to memory), not a camera";
  if (caps & (V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_VIDEO_OUTPUT_MPLANE))
    return "a video output";
  if (caps & V4L2_CAP_META_CAPTURE)
    return "a metadata node: the camera's pictures come from another /dev/video node";
  if (caps & (V4L2_CAP_VBI_CAPTURE | V4L2_CAP_SLICED_VBI_CAPTURE))
    return "a VBI (teletext and captions) device";
  if (caps & V4L2_CAP_SDR_CAPTURE)
    return "a software-defined radio";
  if (caps & (V4L2_CAP_RADIO | V4L2_CAP_TUNER))
    return "a radio tuner";
  if (caps & V4L2_CAP_TOUCH)
    return "a touch sensor";
  return "something other than a camera";
}

/* ---- pixel formats ---------------------------------------------------- */

char *
emocap_v4l2_format_name (guint32 fourcc)
{
  /* The names EmocapCameraMode uses: what a camera's data sheet and
   * v4l2-ctl say for compressed streams, GStreamer's names for raw video. */
  static const struct {
    guint32 fourcc;
    const char *name;
  } names[] = {
    { V4L2_PIX_FMT_MJPEG, "MJPG" },
    { V4L2_PIX_FMT_JPEG, "MJPG" },
    { V4L2_PIX_FMT_PJPG, "MJPG" },
    { V4L2_PIX_FMT_H264, "H264" },
    { V4L2_PIX_FMT_H264_NO_SC, "H264" },
    { V4L2_PIX_FMT_HEVC, "H265" },
    { V4L2_PIX_FMT_VP8, "VP8" },
    { V4L2_PIX_FMT_VP9, "VP9" },
    { V4L2_PIX_FMT_H263, "H263" },
    { V4L2_PIX_FMT_MPEG, "MPEG-TS" },
    { V4L2_PIX_FMT_MPEG1, "MPEG" },
    { V4L2_PIX_FMT_MPEG2, "MPEG" },
    { V4L2_PIX_FMT_MPEG4, "MPEG" },
    { V4L2_PIX_FMT_XVID, "MPEG" },
    { V4L2_PIX_FMT_DV, "DV" },
    { V4L2_PIX_FMT_YUYV, "YUY2" },
    { V4L2_PIX_FMT_YVYU, "YVYU" },
    { V4L2_PIX_FMT_UYVY, "UYVY" },
    { V4L2_PIX_FMT_VYUY, "VYUY" },
    { V4L2_PIX_FMT_NV12, "NV12" },
    { V4L2_PIX_FMT_NV12M, "NV12" },
    { V4L2_PIX_FMT_NV21, "NV21" },
    { V4L2_PIX_FMT_NV21M, "NV21" },
    { V4L2_PIX_FMT_NV16, "NV16" },
    { V4L2_PIX_FMT_NV16M, "NV16" },
    { V4L2_PIX_FMT_NV61, "NV61" },
    { V4L2_PIX_FMT_NV61M, "NV61" },
    { V4L2_PIX_FMT_NV24, "NV24" },
    { V4L2_PIX_FMT_YUV420, "I420" },
    { V4L2_PIX_FMT_YUV420M, "I420" },
    { V4L2_PIX_FMT_YVU420, "YV12" },
    { V4L2_PIX_FMT_YVU420M, "YV12" },
    { V4L2_PIX_FMT_YUV422P, "Y42B" },
    { V4L2_PIX_FMT_YUV411P, "Y41B" },
    { V4L2_PIX_FMT_YUV410, "YUV9" },
    { V4L2_PIX_FMT_YVU410, "YVU9" },
    { V4L2_PIX_FMT_GREY, "GRAY8" },
    { V4L2_PIX_FMT_Y16, "GRAY16_LE" },
    { V4L2_PIX_FMT_Y16_BE, "GRAY16_BE" },
    { V4L2_PIX_FMT_RGB24, "RGB" },
    { V4L2_PIX_FMT_BGR24, "BGR" },
    { V4L2_PIX_FMT_RGB565, "RGB16" },
    { V4L2_PIX_FMT_RGB555, "RGB15" },
    { V4L2_PIX_FMT_XRGB555, "RGB15" },
    { V4L2_PIX_FMT_RGB32, "xRGB" },
    { V4L2_PIX_FMT_XRGB32, "xRGB" },
    { V4L2_PIX_FMT_ARGB32, "ARGB" },
    { V4L2_PIX_FMT_BGR32, "BGRx" },
    { V4L2_PIX_FMT_XBGR32, "BGRx" },
    { V4L2_PIX_FMT_ABGR32, "BGRA" },
    { V4L2_PIX_FMT_RGBX32, "RGBx" },
    { V4L2_PIX_FMT_RGBA32, "RGBA" },
    { V4L2_PIX_FMT_BGRX32, "xBGR" },
    { V4L2_PIX_FMT_BGRA32, "ABGR" },
    { V4L2_PIX_FMT_SBGGR8, "bayer:bggr" },
    { V4L2_PIX_FMT_SGBRG8, "bayer:gbrg" },
    { V4L2_PIX_FMT_SGRBG8, "bayer:grbg" },
    { V4L2_PIX_FMT_SRGGB8, "bayer:rggb" },
  };
  char text[5];
  gboolean big_endian = (fourcc & FOURCC_BE_FLAG) != 0;
  int len;

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++) {
    if (names[i].fourcc == fourcc)
      return g_strdup (names[i].name);
  }

  fourcc &= ~(guint32) FOURCC_BE_FLAG;
  for (int i = 0; i < 4; i++) {
    char c = (char) ((fourcc >> (8 * i)) & 0xff);
    text[i] = g_ascii_isprint (c) ? c : '?';
  }
  text[4] = '\0';
  /* "Y10 " is "Y10". */
  for (len = 4; len > 0 && text[len - 1] == ' '; len--)
    text[len - 1] = '\0';
  if (len == 0)
    return g_strdup ("?");
  return big_endian ? g_strconcat (text, "-BE", NULL) : g_strdup (text);
}

/* ---- modes ------------------------------------------------------------ */

static int
fraction_cmp (EmocapFraction a, EmocapFraction b)
{
  gint64 l = (gint64) a.num * b.den;
  gint64 r = (gint64) b.num * a.den;

  return l < r ? -1 : l > r ? 1 : 0;
}

static int
fraction_cmp_desc (gconstpointer a, gconstpointer b)
{
  return fraction_cmp (*(const EmocapFraction *) b, *(const EmocapFraction *) a);
}

/* Frames per second for a frame interval of @interval seconds. */
static EmocapFraction
rate_of_interval (struct v4l2_fract interval)
{
  guint32 a = interval.denominator, b = interval.numerator;

  while (b != 0) {
    guint32 t = a % b;
    a = b;
    b = t;
  }
  if (a == 0 || interval.denominator / a > G_MAXINT || interval.numerator / a > G_MAXINT)
    return (EmocapFraction) { 0, 1 };
  return (EmocapFraction) { (int) (interval.denominator / a), (int) (interval.numerator / a) };
}

/* The rates offered at one size: discrete ones, or a range. */
typedef struct {
  GArray *list;             /* of EmocapFraction */
  gboolean is_range;
  EmocapFraction lo;
  EmocapFraction hi;
} Rates;

static void
rates_clear (Rates *rates)
{
  g_clear_pointer (&rates->list, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Rates, rates_clear)

static void
rates_init (Rates *rates)
{
  rates->list = g_array_new (FALSE, FALSE, sizeof (EmocapFraction));
  rates->is_range = FALSE;
  rates->lo = rates->hi = (EmocapFraction) { 0, 1 };
}

/* A range that holds one rate is that rate. */
static void
rates_set_range (Rates *rates, EmocapFraction lo, EmocapFraction hi)
{
  if (fraction_cmp (lo, hi) > 0) {
    EmocapFraction t = lo;
    lo = hi;
    hi = t;
  }
  if (fraction_cmp (lo, hi) == 0) {
    g_array_append_val (rates->list, lo);
    return;
  }
  rates->is_range = TRUE;
  rates->lo = lo;
  rates->hi = hi;
}

static void
probe_rates (int fd, guint32 fourcc, guint32 width, guint32 height, Rates *rates)
{
  for (guint32 i = 0; i < ENUM_MAX; i++) {
    struct v4l2_frmivalenum iv;

    memset (&iv, 0, sizeof iv);
    iv.index = i;
    iv.pixel_format = fourcc;
    iv.width = width;
    iv.height = height;
    if (xioctl (fd, VIDIOC_ENUM_FRAMEINTERVALS, &iv) < 0)
      return;

    if (iv.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
      EmocapFraction rate = rate_of_interval (iv.discrete);
      if (rate.num > 0)
        g_array_append_val (rates->list, rate);
    } else {
      /* Stepwise and continuous come as one answer at index 0; the
       * longest interval is the slowest rate. */
      EmocapFraction slowest = rate_of_interval (iv.stepwise.max);
      EmocapFraction fastest = rate_of_interval (iv.stepwise.min);
      if (slowest.num > 0 && fastest.num > 0)
        rates_set_range (rates, slowest, fastest);
      return;
    }
  }
}

/* Sets @mode's rates from @rates, fastest first and without duplicates. */
static void
mode_take_rates (EmocapCameraMode *mode, Rates *rates)
{
  g_clear_pointer (&mode->rates, g_free);
  mode->n_rates = 0;
  mode->rate_is_range = rates->is_range;
  mode->min_rate = mode->max_rate = (EmocapFraction) { 0, 1 };

  if (rates->is_range) {
    EmocapFraction lo = rates->lo, hi = rates->hi;

    /* Discrete rates beside a range only widen it. */
    for (guint i = 0; i < rates->list->len; i++) {
      EmocapFraction f = g_array_index (rates->list, EmocapFraction, i);
      if (fraction_cmp (f, lo) < 0)
        lo = f;
      if (fraction_cmp (f, hi) > 0)
        hi = f;
    }
    mode->min_rate = lo;
    mode->max_rate = hi;
    return;
  }
  if (rates->list->len == 0)
    return;

  g_array_sort (rates->list, fraction_cmp_desc);
  mode->rates = g_new (EmocapFraction, rates->list->len);
  for (guint i = 0; i < rates->list->len; i++) {
    EmocapFraction f = g_array_index (rates->list, EmocapFraction, i);
    if (mode->n_rates > 0 && fraction_cmp (mode->rates[mode->n_rates - 1], f) == 0)
      continue;
    mode->rates[mode->n_rates++] = f;
  }
  mode->max_rate = mode->rates[0];
  mode->min_rate = mode->rates[mode->n_rates - 1];
}

/* Adds a mode, or folds its rates into the one with the same format and
 * size (two fourccs with one name, such as MJPEG and JPEG). */
static void
modes_add (GPtrArray *modes, const char *format, int width, int height,
    int min_width, int min_height, Rates *rates)
{
  EmocapCameraMode *mode = NULL;

  for (guint i = 0; i < modes->len; i++) {
    EmocapCameraMode *m = modes->pdata[i];
    if (strcmp (m->format, format) == 0 && m->width == width && m->height == height &&
        m->min_width == min_width && m->min_height == min_height) {
      mode = m;
      break;
    }
  }

  if (mode == NULL) {
    mode = g_new0 (EmocapCameraMode, 1);
    mode->format = g_strdup (format);
    mode->width = width;
    mode->height = height;
    mode->min_width = min_width;
    mode->min_height = min_height;
    g_ptr_array_add (modes, mode);
  } else if (mode->rate_is_range) {
    if (rates->is_range) {
      if (fraction_cmp (mode->min_rate, rates->lo) < 0)
        rates->lo = mode->min_rate;
      if (fraction_cmp (mode->max_rate, rates->hi) > 0)
        rates->hi = mode->max_rate;
    } else {
      rates_set_range (rates, mode->min_rate, mode->max_rate);
    }
  } else {
    g_array_append_vals (rates->list, mode->rates, mode->n_rates);
  }
  mode_take_rates (mode, rates);
}

static void
probe_format (int fd, guint32 fourcc, GPtrArray *modes)
{
  g_autofree char *format = emocap_v4l2_format_name (fourcc);
  guint32 i;

  for (i = 0; i < ENUM_MAX; i++) {
    struct v4l2_frmsizeenum fs;
    g_auto (Rates) rates = { 0 };

    memset (&fs, 0, sizeof fs);
    fs.index = i;
    fs.pixel_format = fourcc;
    if (xioctl (fd, VIDIOC_ENUM_FRAMESIZES, &fs) < 0)
      break;

    rates_init (&rates);
    if (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
      probe_rates (fd, fourcc, fs.discrete.width, fs.discrete.height, &rates);
      modes_add (modes, format, (int) fs.discrete.width, (int) fs.discrete.height,
          (int) fs.discrete.width, (int) fs.discrete.height, &rates);
    } else {
      /* Stepwise and continuous: one answer; rates as at the largest size,
       * the size a mode stands for. */
      probe_rates (fd, fourcc, fs.stepwise.max_width, fs.stepwise.max_height, &rates);
      modes_add (modes, format, (int) fs.stepwise.max_width, (int) fs.stepwise.max_height,
          (int) fs.stepwise.min_width, (int) fs.stepwise.min_height, &rates);
      i++;
      break;
    }
  }

  /* A driver that does not list its sizes: the format is still there. */
  if (i == 0) {
    g_auto (Rates) none = { 0 };
    rates_init (&none);
    modes_add (modes, format, 0, 0, 0, 0, &none);
  }
}

static GPtrArray *
probe_modes (int fd, guint32 buf_type)
{
  GPtrArray *modes = g_ptr_array_new_with_free_func ((GDestroyNotify) emocap_camera_mode_free);

  for (guint32 i = 0; i < ENUM_MAX; i++) {
    struct v4l2_fmtdesc fmt;

    memset (&fmt, 0, sizeof fmt);
    fmt.index = i;
    fmt.type = buf_type;
    if (xioctl (fd, VIDIOC_ENUM_FMT, &fmt) < 0)
      break;
    probe_format (fd, fmt.pixelformat, modes);
  }
  return modes;
}

/* ---- controls: names, listing ----------------------------------------- */

char *
emocap_v4l2_control_name (const char *label)
{
  GString *name;
  gboolean pending = FALSE;

  g_return_val_if_fail (label != NULL, NULL);

  name = g_string_new (NULL);
  for (const char *p = label; *p != '\0'; p++) {
    if (g_ascii_isalnum (*p)) {
      if (pending && name->len > 0)
        g_string_append_c (name, '_');
      pending = FALSE;
      g_string_append_c (name, g_ascii_tolower (*p));
    } else {
      pending = TRUE;
    }
  }
  return g_string_free (name, FALSE);
}

void
emocap_v4l2_control_free (EmocapV4l2Control *control)
{
  if (control == NULL)
    return;
  g_free (control->name);
  g_free (control->label);
  if (control->menu)
    g_ptr_array_unref (control->menu);
  g_free (control);
}

static gboolean
control_type_has_value (int type)
{
  return type == V4L2_CTRL_TYPE_INTEGER || type == V4L2_CTRL_TYPE_BOOLEAN ||
      type == V4L2_CTRL_TYPE_MENU || type == V4L2_CTRL_TYPE_INTEGER_MENU ||
      type == V4L2_CTRL_TYPE_INTEGER64 || type == V4L2_CTRL_TYPE_BITMASK;
}

static gboolean
control_is_menu (const EmocapV4l2Control *control)
{
  return control->type == V4L2_CTRL_TYPE_MENU || control->type == V4L2_CTRL_TYPE_INTEGER_MENU;
}

/* The label of menu item @value, or NULL. */
static const char *
control_menu_label (const EmocapV4l2Control *control, gint64 value)
{
  for (guint i = 0; control->menu != NULL && i < control->menu->len; i++) {
    const char *item = control->menu->pdata[i];
    char *end = NULL;
    gint64 v = g_ascii_strtoll (item, &end, 10);

    if (end != item && v == value && g_str_has_prefix (end, ": "))
      return end + 2;
  }
  return NULL;
}

/* The current value of @control, read with G_EXT_CTRLS or else G_CTRL;
 * 0 or an errno. */
static int
control_get (int fd, const EmocapV4l2Control *control, gint64 *value)
{
  struct v4l2_ext_control ext;
  struct v4l2_ext_controls ext_list;
  struct v4l2_control ctrl;
  int e;

  memset (&ext, 0, sizeof ext);
  memset (&ext_list, 0, sizeof ext_list);
  ext.id = control->id;
  ext_list.which = V4L2_CTRL_WHICH_CUR_VAL;
  ext_list.count = 1;
  ext_list.controls = &ext;
  if (xioctl (fd, VIDIOC_G_EXT_CTRLS, &ext_list) == 0) {
    *value = control->type == V4L2_CTRL_TYPE_INTEGER64 ? ext.value64 : ext.value;
    return 0;
  }
  e = errno;
  if (control->type == V4L2_CTRL_TYPE_INTEGER64 || (e != ENOTTY && e != EINVAL))
    return e;

  memset (&ctrl, 0, sizeof ctrl);
  ctrl.id = control->id;
  if (xioctl (fd, VIDIOC_G_CTRL, &ctrl) < 0)
    return errno;
  *value = ctrl.value;
  return 0;
}

/* Sets @control with S_EXT_CTRLS, or else S_CTRL; 0 or an errno. */
static int
control_set (int fd, const EmocapV4l2Control *control, gint64 value)
{
  struct v4l2_ext_control ext;
  struct v4l2_ext_controls ext_list;
  struct v4l2_control ctrl;
  int e;

  memset (&ext, 0, sizeof ext);
  memset (&ext_list, 0, sizeof ext_list);
  ext.id = control->id;
  if (control->type == V4L2_CTRL_TYPE_INTEGER64)
    ext.value64 = value;
  else
    ext.value = (gint32) value;
  ext_list.which = V4L2_CTRL_WHICH_CUR_VAL;
  ext_list.count = 1;
  ext_list.controls = &ext;
  if (xioctl (fd, VIDIOC_S_EXT_CTRLS, &ext_list) == 0)
    return 0;
  e = errno;
  if (control->type == V4L2_CTRL_TYPE_INTEGER64 || (e != ENOTTY && e != EINVAL))
    return e;

  memset (&ctrl, 0, sizeof ctrl);
  ctrl.id = control->id;
  ctrl.value = (gint32) value;
  if (xioctl (fd, VIDIOC_S_CTRL, &ctrl) < 0)
    return errno;
  return 0;
}

/* The control after @id in the driver's list, in *@q, through
 * QUERY_EXT_CTRL or, where a driver lacks it, QUERYCTRL (*@use_ext says
 * which); FALSE past the last one. */
static gboolean
query_next (int fd, guint32 id, gboolean *use_ext, struct v4l2_query_ext_ctrl *q)
{
  struct v4l2_queryctrl qc;

  if (*use_ext) {
    memset (q, 0, sizeof *q);
    q->id = id | V4L2_CTRL_FLAG_NEXT_CTRL;
    if (xioctl (fd, VIDIOC_QUERY_EXT_CTRL, q) == 0)
      return TRUE;
    /* EINVAL at the very start may be a driver without the ioctl as
     * well as one without controls: QUERYCTRL tells them apart. */
    if (errno != ENOTTY && !(errno == EINVAL && id == 0))
      return FALSE;
    *use_ext = FALSE;
  }

  memset (&qc, 0, sizeof qc);
  qc.id = id | V4L2_CTRL_FLAG_NEXT_CTRL;
  if (xioctl (fd, VIDIOC_QUERYCTRL, &qc) < 0)
    return FALSE;
  memset (q, 0, sizeof *q);
  q->id = qc.id;
  q->type = qc.type;
  memcpy (q->name, qc.name, MIN (sizeof q->name, sizeof qc.name));
  q->minimum = qc.minimum;
  q->maximum = qc.maximum;
  q->step = (guint64) MAX (qc.step, 0);
  q->default_value = qc.default_value;
  q->flags = qc.flags;
  return TRUE;
}

static GPtrArray *
menu_items (int fd, const struct v4l2_query_ext_ctrl *q)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_free);

  for (gint64 i = MAX (q->minimum, 0); i <= q->maximum && items->len < MENU_ITEMS_MAX; i++) {
    struct v4l2_querymenu item;

    memset (&item, 0, sizeof item);
    item.id = q->id;
    item.index = (guint32) i;
    /* Menus may have holes: items the driver leaves out. */
    if (xioctl (fd, VIDIOC_QUERYMENU, &item) < 0)
      continue;
    if (q->type == V4L2_CTRL_TYPE_MENU) {
      g_autofree char *label = field_text (item.name, sizeof item.name);
      g_ptr_array_add (items, g_strdup_printf ("%" G_GINT64_FORMAT ": %s", i, label));
    } else {
      g_ptr_array_add (items, g_strdup_printf ("%" G_GINT64_FORMAT ": %" G_GINT64_FORMAT,
          i, (gint64) item.value));
    }
  }
  return items;
}

/* Reads what may have changed since the list was made: the value and
 * whether another control has made it inactive. */
static void
control_refresh (int fd, EmocapV4l2Control *control)
{
  struct v4l2_query_ext_ctrl q;
  struct v4l2_queryctrl qc;

  memset (&q, 0, sizeof q);
  q.id = control->id;
  if (xioctl (fd, VIDIOC_QUERY_EXT_CTRL, &q) == 0) {
    control->inactive = (q.flags & V4L2_CTRL_FLAG_INACTIVE) != 0;
  } else {
    memset (&qc, 0, sizeof qc);
    qc.id = control->id;
    if (xioctl (fd, VIDIOC_QUERYCTRL, &qc) == 0)
      control->inactive = (qc.flags & V4L2_CTRL_FLAG_INACTIVE) != 0;
  }
  if (!control->value_unknown && control_get (fd, control, &control->value) != 0) {
    control->value_unknown = TRUE;
    control->value = control->default_value;
  }
}

static GPtrArray *
controls_list_fd (int fd)
{
  GPtrArray *controls = g_ptr_array_new_with_free_func ((GDestroyNotify) emocap_v4l2_control_free);
  gboolean use_ext = TRUE;
  guint32 id = 0;
  struct v4l2_query_ext_ctrl q;

  for (guint n = 0; n < ENUM_MAX && query_next (fd, id, &use_ext, &q); n++) {
    EmocapV4l2Control *control;
    g_autofree char *label = NULL;

    /* A driver that answers with the same control again would never end. */
    if (q.id <= id && n > 0)
      break;
    id = q.id;
    if (q.type == V4L2_CTRL_TYPE_CTRL_CLASS || (q.flags & V4L2_CTRL_FLAG_DISABLED))
      continue;
    /* Strings, arrays and compound controls take no number in a script. */
    if (q.type == V4L2_CTRL_TYPE_STRING || q.type >= V4L2_CTRL_COMPOUND_TYPES ||
        q.nr_of_dims > 0)
      continue;

    label = field_text (q.name, sizeof q.name);
    control = g_new0 (EmocapV4l2Control, 1);
    control->id = q.id;
    control->name = emocap_v4l2_control_name (label);
    control->label = g_steal_pointer (&label);
    control->type = (int) q.type;
    control->minimum = q.minimum;
    control->maximum = q.maximum;
    control->step = (gint64) MIN (q.step, (guint64) G_MAXINT64);
    control->default_value = q.default_value;
    control->inactive = (q.flags & V4L2_CTRL_FLAG_INACTIVE) != 0;
    control->read_only = (q.flags & V4L2_CTRL_FLAG_READ_ONLY) != 0;
    if (control_is_menu (control))
      control->menu = menu_items (fd, &q);
    control->value = control->default_value;
    control->value_unknown = !control_type_has_value (control->type) ||
        (q.flags & V4L2_CTRL_FLAG_WRITE_ONLY) != 0;
    if (!control->value_unknown && control_get (fd, control, &control->value) != 0) {
      control->value_unknown = TRUE;
      control->value = control->default_value;
    }
    g_ptr_array_add (controls, control);
  }
  return controls;
}

GPtrArray *
emocap_v4l2_controls_list (const char *node, GError **error)
{
  struct v4l2_capability cap;
  GPtrArray *controls = NULL;
  int fd;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = node_open (node, "", error);
  if (fd < 0)
    goto bailout;
  if (querycap (fd, node, "", &cap, error) < 0)
    goto bailout;
  controls = controls_list_fd (fd);

bailout:
  node_close (fd);
  return controls;
}

static EmocapV4l2Control *
find_control (GPtrArray *table, const char *name)
{
  for (guint i = 0; i < table->len; i++) {
    EmocapV4l2Control *c = table->pdata[i];
    if (strcmp (c->name, name) == 0)
      return c;
  }
  return NULL;
}

/* ---- controls: suggestions -------------------------------------------- */

/* Names that changed in Linux 5.x (v4l2-ctl in an older guide, a script
 * from an older machine) in both directions. */
static const char *const renamed_controls[][2] = {
  { "exposure_auto", "auto_exposure" },
  { "exposure_absolute", "exposure_time_absolute" },
  { "exposure_auto_priority", "exposure_dynamic_framerate" },
  { "white_balance_temperature_auto", "white_balance_automatic" },
  { "focus_auto", "focus_automatic_continuous" },
  { "auto_white_balance", "white_balance_automatic" },
  { "autogain", "gain_automatic" },
};

static guint
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *row = g_new (guint, lb + 1);

  for (gsize j = 0; j <= lb; j++)
    row[j] = (guint) j;
  for (gsize i = 1; i <= la; i++) {
    guint diag = row[0];
    row[0] = (guint) i;
    for (gsize j = 1; j <= lb; j++) {
      guint up = row[j];
      guint best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
      best = MIN (best, up + 1);
      best = MIN (best, row[j - 1] + 1);
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

/* Whether every '_'-separated word of @few is a word of @many. */
static gboolean
words_within (const char *few, const char *many)
{
  g_auto (GStrv) a = g_strsplit (few, "_", -1);
  g_auto (GStrv) b = g_strsplit (many, "_", -1);

  for (char **w = a; *w != NULL; w++) {
    if (**w != '\0' && !g_strv_contains ((const char *const *) b, *w))
      return FALSE;
  }
  return TRUE;
}

/* The control of @table that @name most likely meant, or NULL. */
static const char *
suggest_control (GPtrArray *table, const char *name)
{
  const char *best = NULL;
  guint best_score = G_MAXUINT;

  for (gsize i = 0; i < G_N_ELEMENTS (renamed_controls); i++) {
    for (int side = 0; side < 2; side++) {
      if (strcmp (name, renamed_controls[i][side]) == 0 &&
          find_control (table, renamed_controls[i][1 - side]) != NULL)
        return renamed_controls[i][1 - side];
    }
  }

  /* "exposure_absolute" for "exposure_time_absolute": the same words,
   * some left out; the closest such name wins. */
  for (guint i = 0; i < table->len; i++) {
    const EmocapV4l2Control *c = table->pdata[i];
    guint d = edit_distance (name, c->name);
    if ((words_within (name, c->name) || words_within (c->name, name)) && d < best_score) {
      best = c->name;
      best_score = d;
    }
  }
  if (best != NULL)
    return best;

  /* Typing slips. */
  for (guint i = 0; i < table->len; i++) {
    const EmocapV4l2Control *c = table->pdata[i];
    guint d = edit_distance (name, c->name);
    if (d <= MAX (2, strlen (name) / 4) && d < best_score) {
      best = c->name;
      best_score = d;
    }
  }
  return best;
}

static char *
control_names (GPtrArray *table)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < table->len; i++) {
    const EmocapV4l2Control *c = table->pdata[i];
    g_string_append_printf (out, "%s%s", i ? ", " : "", c->name);
  }
  if (table->len == 0)
    g_string_append (out, "none");
  return g_string_free (out, FALSE);
}

static void
set_unknown_control_error (GError **error, const char *prefix, const char *node,
    GPtrArray *table, const char *name)
{
  const char *guess = suggest_control (table, name);
  g_autofree char *names = control_names (table);
  g_autofree char *hint = guess ? g_strdup_printf (" (did you mean '%s'?)", guess) : g_strdup ("");

  if (table->len == 0)
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%s'%s' has no control '%s': it has no controls at all", prefix, node, name);
  else
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%s'%s' has no control '%s'%s; its controls: %s", prefix, node, name, hint, names);
}

/* ---- controls: what governs what -------------------------------------- */

/* The automatic modes that take a manual control over, by the manual
 * control's name or the start of it. */
static const struct {
  const char *manual;        /* a name, or a prefix ending in '_' */
  const char *automatic[5];
} governors[] = {
  { "exposure_", { "auto_exposure", "exposure_auto", NULL } },
  { "iris_", { "auto_exposure", "exposure_auto", NULL } },
  { "white_balance_", { "white_balance_automatic", "white_balance_temperature_auto",
                        "white_balance_component_auto", "auto_white_balance", NULL } },
  { "red_balance", { "white_balance_automatic", "white_balance_temperature_auto",
                     "auto_white_balance", NULL } },
  { "blue_balance", { "white_balance_automatic", "white_balance_temperature_auto",
                      "auto_white_balance", NULL } },
  { "focus_", { "focus_automatic_continuous", "focus_auto", "auto_focus", NULL } },
  { "gain", { "gain_automatic", "gain_auto", "autogain", "auto_gain", NULL } },
  { "hue", { "hue_automatic", "hue_auto", "auto_hue", NULL } },
  { "brightness", { "brightness_automatic", "brightness_auto", "auto_brightness", NULL } },
  { "contrast", { "contrast_automatic", "contrast_auto", "auto_contrast", NULL } },
  { "chroma_gain", { "chroma_agc", NULL } },
};

static gboolean
governor_name_matches (const char *pattern, const char *name)
{
  if (g_str_has_suffix (pattern, "_"))
    return g_str_has_prefix (name, pattern);
  return strcmp (pattern, name) == 0;
}

/* An automatic mode: set before the manual values it lets through. */
static gboolean
is_automatic_mode (const char *name)
{
  if (strstr (name, "auto") != NULL)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (governors); i++) {
    for (const char *const *a = governors[i].automatic; *a != NULL; a++) {
      if (strcmp (*a, name) == 0)
        return TRUE;
    }
  }
  return FALSE;
}

EmocapV4l2Control *
emocap_v4l2_control_find_mode (GPtrArray *table, const EmocapV4l2Control *control)
{
  g_auto (GStrv) words = NULL;
  static const char *const forms[][2] = {
    { "", "_automatic" }, { "", "_auto" }, { "auto_", "" }, { "", "_automatic_continuous" },
  };

  g_return_val_if_fail (table != NULL, NULL);
  g_return_val_if_fail (control != NULL, NULL);

  if (is_automatic_mode (control->name))
    return NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (governors); i++) {
    if (!governor_name_matches (governors[i].manual, control->name))
      continue;
    for (const char *const *a = governors[i].automatic; *a != NULL; a++) {
      EmocapV4l2Control *found = find_control (table, *a);
      if (found != NULL)
        return found;
    }
  }

  /* Any other: "NAME_automatic", "NAME_auto", "auto_NAME", for the whole
   * name and then shorter starts of it ("zoom_absolute", "zoom"). */
  words = g_strsplit (control->name, "_", -1);
  for (guint n = g_strv_length (words); n > 0; n--) {
    g_autofree char *start = NULL;
    char *cut = words[n];

    words[n] = NULL;
    start = g_strjoinv ("_", words);
    words[n] = cut;
    for (gsize f = 0; f < G_N_ELEMENTS (forms); f++) {
      g_autofree char *candidate = g_strconcat (forms[f][0], start, forms[f][1], NULL);
      EmocapV4l2Control *found = find_control (table, candidate);

      if (found != NULL && found != control)
        return found;
    }
  }
  return NULL;
}

gboolean
emocap_v4l2_control_manual_value (const EmocapV4l2Control *mode, gint64 *value)
{
  g_return_val_if_fail (mode != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (mode->type == V4L2_CTRL_TYPE_BOOLEAN) {
    *value = 0;
    return TRUE;
  }
  for (guint i = 0; control_is_menu (mode) && i < mode->menu->len; i++) {
    const char *item = mode->menu->pdata[i];
    g_autofree char *lower = g_ascii_strdown (item, -1);

    if (strstr (lower, "manual") != NULL) {
      *value = g_ascii_strtoll (item, NULL, 10);
      return TRUE;
    }
  }
  return FALSE;
}

/* "3 (Aperture Priority Mode)", "1 (on)", or "250". */
static char *
value_text (const EmocapV4l2Control *control, gint64 value)
{
  const char *label = NULL;

  if (control->type == V4L2_CTRL_TYPE_BOOLEAN)
    label = value ? "on" : "off";
  else if (control->type == V4L2_CTRL_TYPE_MENU)
    label = control_menu_label (control, value);
  if (label != NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT " (%s)", value, label);
  return g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

static gboolean
script_has (const GArray *controls, const char *name)
{
  for (guint i = 0; i < controls->len; i++) {
    if (strcmp (g_array_index (controls, EmocapControl, i).name, name) == 0)
      return TRUE;
  }
  return FALSE;
}

/* Why @control did not take its value, and what to write in the script,
 * when an automatic mode is the reason; NULL when it is not. */
static char *
inactive_reason (int fd, GPtrArray *table, EmocapV4l2Control *control,
    const GArray *script)
{
  EmocapV4l2Control *mode = emocap_v4l2_control_find_mode (table, control);
  g_autofree char *mode_now = NULL;
  g_autofree char *manual_text = NULL;
  GString *autos;
  g_autofree char *names = NULL;
  gint64 manual = 0;
  gboolean know_manual;

  control_refresh (fd, control);
  if (mode != NULL)
    control_refresh (fd, mode);
  know_manual = mode != NULL && emocap_v4l2_control_manual_value (mode, &manual);

  if (mode != NULL && !mode->value_unknown && !(know_manual && mode->value == manual)) {
    mode_now = value_text (mode, mode->value);
    if (know_manual) {
      manual_text = value_text (mode, manual);
      if (script_has (script, mode->name))
        return g_strdup_printf ("it is inactive while '%s' is %s; change \"%s\" to %s "
            "in the camera's controls", mode->name, mode_now, mode->name, manual_text);
      return g_strdup_printf ("it is inactive while '%s' is %s; add \"%s\": %s to the "
          "camera's controls", mode->name, mode_now, mode->name, manual_text);
    }
    return g_strdup_printf ("it is inactive while '%s' is %s; set '%s' to its manual "
        "mode in the camera's controls", mode->name, mode_now, mode->name);
  }
  if (!control->inactive)
    return NULL;

  /* Inactive, and no mode we know of is the reason: name the candidates. */
  autos = g_string_new (NULL);
  for (guint i = 0; i < table->len; i++) {
    const EmocapV4l2Control *c = table->pdata[i];
    if (is_automatic_mode (c->name) && !c->read_only)
      g_string_append_printf (autos, "%s'%s'", autos->len ? ", " : "", c->name);
  }
  if (autos->len == 0) {
    g_string_free (autos, TRUE);
    return g_strdup ("it is inactive: the camera ignores it in its present mode");
  }
  names = g_string_free (autos, FALSE);
  return g_strdup_printf ("it is inactive: an automatic mode governs it (the camera "
      "has %s); turn that off in the camera's controls", names);
}

/* ---- controls: checking values ---------------------------------------- */

/* FALSE, with the message, when @control cannot take @value. */
static gboolean
check_value (const EmocapV4l2Control *control, gint64 value, const char *prefix,
    GError **error)
{
  if (control->read_only) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%scontrol '%s' is read-only: it reports the camera's state and cannot be "
        "set; take it out of the camera's controls", prefix, control->name);
    return FALSE;
  }

  switch (control->type) {
  case V4L2_CTRL_TYPE_BOOLEAN:
    if (value != 0 && value != 1) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
          "%scontrol '%s' is on or off: 1 or 0 (true or false), not %" G_GINT64_FORMAT,
          prefix, control->name, value);
      return FALSE;
    }
    return TRUE;

  case V4L2_CTRL_TYPE_MENU:
  case V4L2_CTRL_TYPE_INTEGER_MENU:
    if (value < control->minimum || value > control->maximum ||
        control_menu_label (control, value) == NULL) {
      GString *items = g_string_new (NULL);

      for (guint i = 0; control->menu != NULL && i < control->menu->len; i++) {
        const char *item = control->menu->pdata[i];
        char *end = NULL;
        gint64 v = g_ascii_strtoll (item, &end, 10);
        const char *label = g_str_has_prefix (end, ": ") ? end + 2 : "";

        g_string_append_printf (items, "%s%" G_GINT64_FORMAT " (%s)", i ? ", " : "", v, label);
      }
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
          "%scontrol '%s' must be one of %s, not %" G_GINT64_FORMAT, prefix,
          control->name, items->len ? items->str : "(the camera lists none)", value);
      g_string_free (items, TRUE);
      return FALSE;
    }
    return TRUE;

  case V4L2_CTRL_TYPE_BITMASK:
    if (value < 0 || ((guint64) value & ~(guint64) control->maximum) != 0) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
          "%scontrol '%s' is a set of bits within 0x%" G_GINT64_MODIFIER "x, not %"
          G_GINT64_FORMAT, prefix, control->name, control->maximum, value);
      return FALSE;
    }
    return TRUE;

  case V4L2_CTRL_TYPE_BUTTON:
    return TRUE;

  default:
    break;
  }

  /* Integers: the range, and the step from the minimum. */
  if (value < control->minimum || value > control->maximum ||
      (control->step > 1 && (value - control->minimum) % control->step != 0)) {
    g_autofree char *steps = control->step > 1
        ? g_strdup_printf (" in steps of %" G_GINT64_FORMAT, control->step) : g_strdup ("");
    g_autofree char *nearest = NULL;

    if (value >= control->minimum && value <= control->maximum) {
      gint64 below = value - (value - control->minimum) % control->step;
      gint64 above = below + control->step;
      nearest = above <= control->maximum
          ? g_strdup_printf (" (%" G_GINT64_FORMAT " or %" G_GINT64_FORMAT " would do)",
              below, above)
          : g_strdup_printf (" (%" G_GINT64_FORMAT " would do)", below);
    }
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%scontrol '%s' must be %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT "%s, not %"
        G_GINT64_FORMAT "%s", prefix, control->name, control->minimum, control->maximum,
        steps, value, nearest ? nearest : "");
    return FALSE;
  }
  return TRUE;
}

/* ---- controls: setting and reading ------------------------------------ */

typedef struct {
  const EmocapControl *wanted;
  EmocapV4l2Control *control;
} Pending;

static void
set_failed_error (GError **error, int fd, const char *prefix, const char *node,
    GPtrArray *table, Pending *p, const GArray *script, int e)
{
  g_autofree char *wanted = value_text (p->control, p->wanted->value);
  g_autofree char *reason = NULL;

  if (errno_means_gone (e)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%s'%s' went away while setting '%s' (was the camera unplugged?)", prefix, node,
        p->control->name);
    return;
  }
  if (e == EACCES || e == EPERM) {
    reason = inactive_reason (fd, table, p->control, script);
    if (reason != NULL) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
          "%scontrol '%s' did not take %s (the camera refused it): %s", prefix,
          p->control->name, wanted, reason);
      return;
    }
  }
  if (e == EBUSY) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "%scontrol '%s' cannot be set to %s while '%s' is busy (is another program "
        "using the camera?)", prefix, p->control->name, wanted, node);
    return;
  }
  g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
      "%scontrol '%s' could not be set to %s: %s", prefix, p->control->name, wanted,
      g_strerror (e));
}

gboolean
emocap_v4l2_controls_apply (const char *node, const char *camera_id,
    const GArray *controls, json_t **readback, GError **error)
{
  g_autoptr (GPtrArray) table = NULL;
  g_autofree char *prefix = NULL;
  g_autofree Pending *pending = NULL;
  struct v4l2_capability cap;
  json_t *values = NULL;
  gboolean ok = FALSE;
  guint n = 0;
  int fd = -1;

  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (camera_id != NULL, FALSE);
  g_return_val_if_fail (controls != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (readback)
    *readback = NULL;
  prefix = g_strdup_printf ("camera '%s': ", camera_id);
  values = json_object ();
  if (controls->len == 0)
    goto done;

  fd = node_open (node, prefix, error);
  if (fd < 0)
    goto bailout;
  if (querycap (fd, node, prefix, &cap, error) < 0)
    goto bailout;
  table = controls_list_fd (fd);

  /* Every name and value first: nothing is set from a list with a
   * mistake in it. */
  pending = g_new0 (Pending, controls->len);
  for (guint i = 0; i < controls->len; i++) {
    const EmocapControl *wanted = &g_array_index (controls, EmocapControl, i);
    EmocapV4l2Control *control = find_control (table, wanted->name);

    if (control == NULL) {
      set_unknown_control_error (error, prefix, node, table, wanted->name);
      goto bailout;
    }
    if (!check_value (control, wanted->value, prefix, error))
      goto bailout;
  }

  /* Automatic modes first, then the values they govern; each group in
   * script order. */
  for (int pass = 0; pass < 2; pass++) {
    for (guint i = 0; i < controls->len; i++) {
      const EmocapControl *wanted = &g_array_index (controls, EmocapControl, i);
      if (is_automatic_mode (wanted->name) == (pass == 0)) {
        pending[n].wanted = wanted;
        pending[n].control = find_control (table, wanted->name);
        n++;
      }
    }
  }

  for (guint i = 0; i < n; i++) {
    int e = control_set (fd, pending[i].control, pending[i].wanted->value);
    if (e != 0) {
      set_failed_error (error, fd, prefix, node, table, &pending[i], controls, e);
      goto bailout;
    }
  }

  /* Read back, in script order: a driver may accept a value and ignore
   * it while an automatic mode is on, or round it. */
  for (guint i = 0; i < controls->len; i++) {
    const EmocapControl *wanted = &g_array_index (controls, EmocapControl, i);
    EmocapV4l2Control *control = find_control (table, wanted->name);
    gint64 got = 0;
    int e;

    if (!control_type_has_value (control->type) || control->value_unknown) {
      json_object_set_new (values, wanted->name, json_null ());
      continue;
    }
    e = control_get (fd, control, &got);
    if (e != 0) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
          "%scontrol '%s' was set but cannot be read back: %s", prefix, wanted->name,
          g_strerror (e));
      goto bailout;
    }
    if (got != wanted->value) {
      g_autofree char *reason = inactive_reason (fd, table, control, controls);
      g_autofree char *want_text = value_text (control, wanted->value);
      g_autofree char *got_text = value_text (control, got);

      if (reason == NULL)
        reason = g_strdup_printf ("the camera keeps %" G_GINT64_FORMAT " instead; write that "
            "in the camera's controls", got);
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
          "%scontrol '%s' did not hold %s (read back %s): %s", prefix, wanted->name,
          want_text, got_text, reason);
      goto bailout;
    }
    json_object_set_new (values, wanted->name, json_integer (got));
  }

done:
  if (readback)
    *readback = g_steal_pointer (&values);
  ok = TRUE;

bailout:
  node_close (fd);
  json_decref (values);
  return ok;
}

json_t *
emocap_v4l2_controls_read (const char *node, const GArray *controls, GError **error)
{
  g_autoptr (GPtrArray) table = NULL;
  struct v4l2_capability cap;
  json_t *values = NULL;
  json_t *result = NULL;
  int fd = -1;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (controls != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = node_open (node, "", error);
  if (fd < 0)
    goto bailout;
  if (querycap (fd, node, "", &cap, error) < 0)
    goto bailout;
  table = controls_list_fd (fd);

  values = json_object ();
  for (guint i = 0; i < controls->len; i++) {
    const EmocapControl *wanted = &g_array_index (controls, EmocapControl, i);
    EmocapV4l2Control *control = find_control (table, wanted->name);
    gint64 got = 0;
    int e;

    if (control == NULL) {
      set_unknown_control_error (error, "", node, table, wanted->name);
      goto bailout;
    }
    if (control->value_unknown) {
      json_object_set_new (values, wanted->name, json_null ());
      continue;
    }
    e = control_get (fd, control, &got);
    if (e != 0) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
          "cannot read control '%s' of '%s': %s", wanted->name, node, g_strerror (e));
      goto bailout;
    }
    json_object_set_new (values, wanted->name, json_integer (got));
  }
  result = g_steal_pointer (&values);

bailout:
  node_close (fd);
  json_decref (values);
  return result;
}

/* ---- controls: JSON --------------------------------------------------- */

static const char *
control_type_name (int type)
{
  switch (type) {
  case V4L2_CTRL_TYPE_INTEGER: return "integer";
  case V4L2_CTRL_TYPE_BOOLEAN: return "boolean";
  case V4L2_CTRL_TYPE_MENU: return "menu";
  case V4L2_CTRL_TYPE_INTEGER_MENU: return "integer_menu";
  case V4L2_CTRL_TYPE_BUTTON: return "button";
  case V4L2_CTRL_TYPE_INTEGER64: return "integer64";
  case V4L2_CTRL_TYPE_BITMASK: return "bitmask";
  default: return "other";
  }
}

json_t *
emocap_v4l2_control_to_json (const EmocapV4l2Control *control)
{
  json_t *json;

  g_return_val_if_fail (control != NULL, NULL);

  json = json_pack ("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:b, s:b}",
      "name", control->name,
      "label", control->label,
      "type", control_type_name (control->type),
      "minimum", (json_int_t) control->minimum,
      "maximum", (json_int_t) control->maximum,
      "step", (json_int_t) control->step,
      "default", (json_int_t) control->default_value,
      "value", control->value_unknown ? json_null () : json_integer (control->value),
      "inactive", control->inactive,
      "read_only", control->read_only);
  if (control_is_menu (control)) {
    json_t *items = json_array ();

    for (guint i = 0; control->menu != NULL && i < control->menu->len; i++) {
      const char *item = control->menu->pdata[i];
      char *end = NULL;
      gint64 v = g_ascii_strtoll (item, &end, 10);

      json_array_append_new (items, json_pack ("{s:I, s:s}", "value", (json_int_t) v,
          "label", g_str_has_prefix (end, ": ") ? end + 2 : ""));
    }
    json_object_set_new (json, "menu", items);
  }
  return json;
}

/* ---- cameras ---------------------------------------------------------- */

EmocapCameraDevice *
emocap_v4l2_probe (const char *node, const char *dev_dir, GError **error)
{
  struct v4l2_capability cap;
  EmocapCameraDevice *camera = NULL;
  guint32 caps;
  guint32 buf_type;
  int fd;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (dev_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = node_open (node, "", error);
  if (fd < 0)
    goto bailout;
  if (querycap (fd, node, "", &cap, error) < 0)
    goto bailout;

  caps = device_caps (&cap);
  buf_type = capture_buf_type (caps);
  if (buf_type == 0) {
    g_autofree char *card = field_text (cap.card, sizeof cap.card);
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_DEVICE,
        "'%s' is not a video capture device: '%s' is %s", node, card,
        describe_other_node (caps));
    goto bailout;
  }

  camera = g_new0 (EmocapCameraDevice, 1);
  camera->name = field_text (cap.card, sizeof cap.card);
  /* A stable name given is shown as the node it points at, with the
   * stable names beside it. */
  camera->node = realpath (node, NULL);
  if (camera->node == NULL)
    camera->node = g_strdup (node);
  camera->driver = field_text (cap.driver, sizeof cap.driver);
  camera->bus_info = field_text (cap.bus_info, sizeof cap.bus_info);
  if (camera->bus_info[0] == '\0')
    g_clear_pointer (&camera->bus_info, g_free);
  camera->modes = probe_modes (fd, buf_type);
  camera->controls = controls_list_fd (fd);
  emocap_camera_device_set_links (camera, dev_dir);

bailout:
  node_close (fd);
  return camera;
}

/* "video3" and the like, the names the kernel gives V4L2 nodes. */
static gboolean
is_video_node_name (const char *name)
{
  if (!g_str_has_prefix (name, "video") || name[5] == '\0')
    return FALSE;
  for (const char *p = name + 5; *p != '\0'; p++) {
    if (!g_ascii_isdigit (*p))
      return FALSE;
  }
  return TRUE;
}

static int
compare_versions (gconstpointer a, gconstpointer b)
{
  return strverscmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
emocap_v4l2_list (const char *const *nodes, const char *dev_dir, GError **error)
{
  g_autoptr (GPtrArray) cameras = NULL;
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *name;

  g_return_val_if_fail (dev_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) emocap_camera_device_free);
  if (nodes != NULL) {
    for (const char *const *n = nodes; *n != NULL; n++) {
      EmocapCameraDevice *camera = emocap_v4l2_probe (*n, dev_dir, error);
      if (camera == NULL)
        return NULL;
      g_ptr_array_add (cameras, camera);
    }
    return g_steal_pointer (&cameras);
  }

  found = g_ptr_array_new_with_free_func (g_free);
  dir = g_dir_open (dev_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    if (is_video_node_name (name))
      g_ptr_array_add (found, g_build_filename (dev_dir, name, NULL));
  }
  g_ptr_array_sort (found, compare_versions);

  for (guint i = 0; i < found->len; i++) {
    g_autoptr (GError) skipped = NULL;
    EmocapCameraDevice *camera = emocap_v4l2_probe (found->pdata[i], dev_dir, &skipped);

    if (camera != NULL)
      g_ptr_array_add (cameras, camera);
    else
      g_debug ("%s", skipped->message);
  }
  return g_steal_pointer (&cameras);
}

/* ---- unplugging ------------------------------------------------------- */

gboolean
emocap_v4l2_is_disconnected (const char *node)
{
  struct v4l2_capability cap;
  gboolean gone = FALSE;
  int fd;

  g_return_val_if_fail (node != NULL, FALSE);

  do
    fd = open (node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    gone = errno_means_gone (errno);
    goto bailout;
  }
  memset (&cap, 0, sizeof cap);
  if (xioctl (fd, VIDIOC_QUERYCAP, &cap) < 0)
    gone = errno_means_gone (errno);

bailout:
  node_close (fd);
  return gone;
}
