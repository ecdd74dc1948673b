/* emocap tests: the test camera as plain V4L2 code sees it
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each case runs in a child of this program started with the camera
 * library preloaded and its own EMOCAP_TESTCAM; the child talks to the
 * node with open/ioctl/mmap/poll and asserts on what it gets, and the
 * parent checks the child's exit, its messages and the camera's log.
 * Nothing here depends on the machine's speed: where frames can be late,
 * the checks hold however late they are.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <turbojpeg.h>

#include "testcam-preload.h"

#define N_FILES 5
#define FILE_W 320
#define FILE_H 240

static const char *dir;         /* the case's folder, in the child */

/* ---- helpers of the child ---- */

static int
xioctl (int fd, unsigned long req, void *arg)
{
  int r;
  do
    r = ioctl (fd, req, arg);
  while (r < 0 && errno == EINTR);
  return r;
}

#define assert_ioctl_ok(fd, req, arg) \
  g_assert_cmpint (xioctl ((fd), (req), (arg)), ==, 0)
#define assert_ioctl_fails(fd, req, arg, err) G_STMT_START { \
    g_assert_cmpint (xioctl ((fd), (req), (arg)), ==, -1); \
    g_assert_cmpint (errno, ==, (err)); \
  } G_STMT_END

static char *
path_in (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static GBytes *
file_bytes (unsigned i)
{
  g_autofree char *name = g_strdup_printf ("frames/f%03u.jpg", i);
  g_autofree char *path = path_in (name);
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

typedef struct {
  int fd;
  unsigned n;
  void *map[8];
  size_t len[8];
  uint64_t period_ns;
} Stream;

static void
stream_start (Stream *s, const char *path, uint32_t fourcc, uint32_t w, uint32_t h,
              unsigned nbufs, int flags)
{
  struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
  struct v4l2_requestbuffers rb = { .count = nbufs, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                    .memory = V4L2_MEMORY_MMAP };
  struct v4l2_streamparm parm = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
  int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

  memset (s, 0, sizeof *s);
  s->fd = open (path, O_RDWR | O_CLOEXEC | flags);
  g_assert_cmpint (s->fd, >=, 0);
  fmt.fmt.pix.pixelformat = fourcc;
  fmt.fmt.pix.width = w;
  fmt.fmt.pix.height = h;
  assert_ioctl_ok (s->fd, VIDIOC_S_FMT, &fmt);
  g_assert_cmpuint (fmt.fmt.pix.pixelformat, ==, fourcc);
  g_assert_cmpuint (fmt.fmt.pix.width, ==, w);
  g_assert_cmpuint (fmt.fmt.pix.height, ==, h);
  assert_ioctl_ok (s->fd, VIDIOC_G_PARM, &parm);
  s->period_ns = G_GUINT64_CONSTANT (1000000000) * parm.parm.capture.timeperframe.numerator /
      parm.parm.capture.timeperframe.denominator;
  assert_ioctl_ok (s->fd, VIDIOC_REQBUFS, &rb);
  g_assert_cmpuint (rb.count, ==, nbufs);
  g_assert_true (rb.capabilities & V4L2_BUF_CAP_SUPPORTS_MMAP);
  s->n = rb.count;
  for (unsigned i = 0; i < s->n; i++) {
    struct v4l2_buffer b = { .index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                             .memory = V4L2_MEMORY_MMAP };
    assert_ioctl_ok (s->fd, VIDIOC_QUERYBUF, &b);
    g_assert_cmpuint (b.length, >=, fmt.fmt.pix.sizeimage);
    s->len[i] = b.length;
    s->map[i] = mmap (NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, b.m.offset);
    g_assert_true (s->map[i] != MAP_FAILED);
    assert_ioctl_ok (s->fd, VIDIOC_QBUF, &b);
    g_assert_true (b.flags & V4L2_BUF_FLAG_QUEUED);
  }
  assert_ioctl_ok (s->fd, VIDIOC_STREAMON, &type);
}

/* the next frame, waiting as long as it takes; its bytes copied out and
 * the buffer queued again */
static GBytes *
stream_next (Stream *s, struct v4l2_buffer *out)
{
  struct pollfd p = { s->fd, POLLIN, 0 };
  struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
  GBytes *bytes;
  int r;

  for (;;) {
    r = poll (&p, 1, 60000);
    g_assert_cmpint (r, ==, 1);
    g_assert_true (p.revents & POLLIN);
    if (xioctl (s->fd, VIDIOC_DQBUF, &b) == 0)
      break;
    /* a descriptor opened O_NONBLOCK may find the tick taken */
    g_assert_cmpint (errno, ==, EAGAIN);
  }
  g_assert_cmpuint (b.index, <, s->n);
  g_assert_true (b.flags & V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC);
  g_assert_false (b.flags & V4L2_BUF_FLAG_QUEUED);
  g_assert_cmpuint (b.bytesused, <=, s->len[b.index]);
  bytes = g_bytes_new (s->map[b.index], b.bytesused);
  *out = b;
  assert_ioctl_ok (s->fd, VIDIOC_QBUF, &b);
  return bytes;
}

static void
stream_stop (Stream *s)
{
  int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  struct v4l2_requestbuffers rb = { .count = 0, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                    .memory = V4L2_MEMORY_MMAP };

  assert_ioctl_ok (s->fd, VIDIOC_STREAMOFF, &type);
  for (unsigned i = 0; i < s->n; i++)
    munmap (s->map[i], s->len[i]);
  assert_ioctl_ok (s->fd, VIDIOC_REQBUFS, &rb);
  g_assert_cmpint (close (s->fd), ==, 0);
}

static uint64_t
ts_ns (const struct v4l2_buffer *b)
{
  return (uint64_t) b->timestamp.tv_sec * 1000000000 + (uint64_t) b->timestamp.tv_usec * 1000;
}

/* timestamps are the ticks of the frame clock: d frames apart is d periods
 * (to the microsecond the timestamps are rounded to) */
static void
assert_frames_apart (const struct v4l2_buffer *a, const struct v4l2_buffer *b, uint64_t period)
{
  int64_t want = (int64_t) (b->sequence - a->sequence) * (int64_t) period;
  int64_t got = ts_ns (b) - ts_ns (a);
  g_assert_cmpint (got - want, <=, 2000);
  g_assert_cmpint (want - got, <=, 2000);
}

static bool
jpeg_decodes (GBytes *bytes)
{
  gsize len;
  const unsigned char *data = g_bytes_get_data (bytes, &len);
  tjhandle tj = tjInitDecompress ();
  int w, h, sub, cs;
  bool ok = false;
  unsigned char *pixels;

  g_assert_nonnull (tj);
  if (tjDecompressHeader3 (tj, data, len, &w, &h, &sub, &cs) == 0) {
    pixels = g_malloc ((size_t) w * h * 3);
    /* libjpeg only warns on a truncated stream: a warning counts as a failure */
    ok = tjDecompress2 (tj, data, len, pixels, w, 0, h, TJPF_RGB, 0) == 0 &&
        len >= 2 && data[len - 2] == 0xff && data[len - 1] == 0xd9;
    g_free (pixels);
  }
  tjDestroy (tj);
  return ok;
}

/* ---- the cases, in the child ---- */

static void
child_identity (void)
{
  struct v4l2_capability cap = { 0 };
  struct v4l2_fmtdesc desc = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
  struct v4l2_frmsizeenum fs = { 0 };
  struct v4l2_frmivalenum fi = { 0 };
  struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
  struct v4l2_streamparm parm = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
  struct v4l2_exportbuffer exp = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
  struct v4l2_requestbuffers rb = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                    .memory = V4L2_MEMORY_DMABUF };
  struct v4l2_input in = { 0 };
  struct v4l2_queryctrl qc = { .id = V4L2_CTRL_FLAG_NEXT_CTRL };
  struct stat st;
  char uevent[256] = "";
  FILE *f;
  int fd, input = -1;

  /* the node */
  g_assert_cmpint (stat ("/dev/video42", &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
  g_assert_cmpuint (major (st.st_rdev), ==, 81);
  g_assert_cmpuint (minor (st.st_rdev), ==, 42);
  f = fopen ("/sys/dev/char/81:42/uevent", "r");
  g_assert_nonnull (f);
  g_assert_cmpuint (fread (uevent, 1, sizeof uevent - 1, f), >, 0);
  fclose (f);
  g_assert_cmpstr (uevent, ==, "MAJOR=81\nMINOR=42\nDEVNAME=video42\n");

  fd = open ("/dev/video42", O_RDWR);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (fstat (fd, &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
  g_assert_cmpuint (st.st_rdev, ==, makedev (81, 42));

  assert_ioctl_ok (fd, VIDIOC_QUERYCAP, &cap);
  g_assert_cmpstr ((char *) cap.driver, ==, "uvcvideo");
  g_assert_cmpstr ((char *) cap.card, ==, "Front Cam");
  g_assert_cmpstr ((char *) cap.bus_info, ==, "usb-0000:00:14.0-1");
  g_assert_true (cap.capabilities & V4L2_CAP_DEVICE_CAPS);
  g_assert_cmphex (cap.device_caps & ~V4L2_CAP_EXT_PIX_FORMAT, ==,
                   V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING);

  /* enumerations end with EINVAL */
  for (desc.index = 0; xioctl (fd, VIDIOC_ENUM_FMT, &desc) == 0; desc.index++)
    g_assert_cmpuint (desc.pixelformat, ==, desc.index == 0 ? V4L2_PIX_FMT_MJPEG : V4L2_PIX_FMT_YUYV);
  g_assert_cmpint (errno, ==, EINVAL);
  g_assert_cmpuint (desc.index, ==, 2);

  fs.pixel_format = V4L2_PIX_FMT_YUYV;
  for (fs.index = 0; xioctl (fd, VIDIOC_ENUM_FRAMESIZES, &fs) == 0; fs.index++) {
    g_assert_cmpuint (fs.type, ==, V4L2_FRMSIZE_TYPE_DISCRETE);
    g_assert_cmpuint (fs.discrete.width, ==, fs.index == 0 ? 1280 : 640);
  }
  g_assert_cmpint (errno, ==, EINVAL);
  g_assert_cmpuint (fs.index, ==, 2);

  fi.pixel_format = V4L2_PIX_FMT_MJPEG;
  fi.width = 640;
  fi.height = 360;
  for (fi.index = 0; xioctl (fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi) == 0; fi.index++) {
    static const struct v4l2_fract want[] = { { 1, 30 }, { 1001, 30000 }, { 1, 15 } };
    g_assert_cmpuint (fi.type, ==, V4L2_FRMIVAL_TYPE_DISCRETE);
    g_assert_cmpuint (fi.discrete.numerator, ==, want[fi.index].numerator);
    g_assert_cmpuint (fi.discrete.denominator, ==, want[fi.index].denominator);
  }
  g_assert_cmpint (errno, ==, EINVAL);
  g_assert_cmpuint (fi.index, ==, 3);
  fi.index = 0;
  fi.width = 641;
  assert_ioctl_fails (fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi, EINVAL);

  /* formats: the nearest size; S_FMT sticks */
  fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
  fmt.fmt.pix.width = 700;
  fmt.fmt.pix.height = 400;
  assert_ioctl_ok (fd, VIDIOC_TRY_FMT, &fmt);
  g_assert_cmpuint (fmt.fmt.pix.width, ==, 640);
  g_assert_cmpuint (fmt.fmt.pix.bytesperline, ==, 1280);
  g_assert_cmpuint (fmt.fmt.pix.sizeimage, ==, 640 * 360 * 2);
  assert_ioctl_ok (fd, VIDIOC_G_FMT, &fmt);
  g_assert_cmpuint (fmt.fmt.pix.pixelformat, ==, V4L2_PIX_FMT_MJPEG);
  g_assert_cmpuint (fmt.fmt.pix.width, ==, 1280);
  fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
  fmt.fmt.pix.width = 640;
  fmt.fmt.pix.height = 360;
  assert_ioctl_ok (fd, VIDIOC_S_FMT, &fmt);
  memset (&fmt.fmt, 0, sizeof fmt.fmt);
  assert_ioctl_ok (fd, VIDIOC_G_FMT, &fmt);
  g_assert_cmpuint (fmt.fmt.pix.pixelformat, ==, V4L2_PIX_FMT_YUYV);
  g_assert_cmpuint (fmt.fmt.pix.height, ==, 360);

  /* frame rates */
  assert_ioctl_ok (fd, VIDIOC_G_PARM, &parm);
  g_assert_true (parm.parm.capture.capability & V4L2_CAP_TIMEPERFRAME);
  g_assert_cmpuint (parm.parm.capture.timeperframe.numerator, ==, 1);
  g_assert_cmpuint (parm.parm.capture.timeperframe.denominator, ==, 30);
  parm.parm.capture.timeperframe = (struct v4l2_fract) { 1001, 30000 };
  assert_ioctl_ok (fd, VIDIOC_S_PARM, &parm);
  memset (&parm.parm, 0, sizeof parm.parm);
  assert_ioctl_ok (fd, VIDIOC_G_PARM, &parm);
  g_assert_cmpuint (parm.parm.capture.timeperframe.numerator, ==, 1001);
  g_assert_cmpuint (parm.parm.capture.timeperframe.denominator, ==, 30000);

  /* as uvcvideo: one input, MMAP only, no DMABUF export, no standards */
  assert_ioctl_ok (fd, VIDIOC_ENUMINPUT, &in);
  g_assert_cmpuint (in.type, ==, V4L2_INPUT_TYPE_CAMERA);
  in.index = 1;
  assert_ioctl_fails (fd, VIDIOC_ENUMINPUT, &in, EINVAL);
  assert_ioctl_ok (fd, VIDIOC_G_INPUT, &input);
  g_assert_cmpint (input, ==, 0);
  assert_ioctl_fails (fd, VIDIOC_EXPBUF, &exp, ENOTTY);
  assert_ioctl_fails (fd, VIDIOC_REQBUFS, &rb, EINVAL);
  rb.memory = V4L2_MEMORY_USERPTR;
  assert_ioctl_fails (fd, VIDIOC_REQBUFS, &rb, EINVAL);
  {
    v4l2_std_id std;
    assert_ioctl_fails (fd, VIDIOC_G_STD, &std, ENOTTY);
  }
  g_assert_cmpint (close (fd), ==, 0);

  /* an output node, for listings */
  fd = open ("/dev/video43", O_RDWR);
  g_assert_cmpint (fd, >=, 0);
  assert_ioctl_ok (fd, VIDIOC_QUERYCAP, &cap);
  g_assert_cmpstr ((char *) cap.bus_info, ==, "usb-0000:00:14.0-2");
  g_assert_true (cap.device_caps & V4L2_CAP_VIDEO_OUTPUT);
  g_assert_false (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE);
  desc.index = 0;
  assert_ioctl_fails (fd, VIDIOC_ENUM_FMT, &desc, EINVAL);
  g_assert_cmpint (close (fd), ==, 0);

  /* a camera without controls */
  fd = open ("/dev/video44", O_RDWR);
  g_assert_cmpint (fd, >=, 0);
  assert_ioctl_fails (fd, VIDIOC_QUERYCTRL, &qc, EINVAL);
  g_assert_cmpint (close (fd), ==, 0);

  /* nodes not configured are not there */
  g_assert_cmpint (stat ("/dev/video45", &st), ==, -1);
  g_assert_cmpint (errno, ==, ENOENT);
  g_assert_cmpint (open ("/dev/video45", O_RDWR), ==, -1);
  g_assert_cmpint (errno, ==, ENOENT);
}

static void
child_links (void)
{
  g_autofree char *by_id = path_in ("by-id");
  g_autofree char *link = path_in ("by-id/usb-emocap_Front-video-index0");
  g_autofree char *mid = path_in ("mid");
  g_autofree char *resolved = NULL;
  struct stat st;
  int fd;

  /* link -> ../mid -> /dev/video42 */
  g_assert_cmpint (g_mkdir (by_id, 0755), ==, 0);
  g_assert_cmpint (symlink ("/dev/video42", mid), ==, 0);
  g_assert_cmpint (symlink ("../mid", link), ==, 0);
  g_assert_cmpint (lstat (link, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_cmpint (stat (link, &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
  g_assert_cmpuint (st.st_rdev, ==, makedev (81, 42));
  g_assert_cmpint (access (link, R_OK | W_OK), ==, 0);
  resolved = realpath (link, NULL);
  g_assert_cmpstr (resolved, ==, "/dev/video42");
  fd = open (link, O_RDWR);
  g_assert_cmpint (fd, >=, 0);
  {
    struct v4l2_capability cap;
    assert_ioctl_ok (fd, VIDIOC_QUERYCAP, &cap);
    g_assert_cmpstr ((char *) cap.driver, ==, "uvcvideo");
  }
  close (fd);
  /* a link not followed is a link */
  g_assert_cmpint (open (link, O_RDWR | O_NOFOLLOW), ==, -1);
  /* the node itself, through a path with dots */
  g_assert_cmpint (stat ("/dev/../dev/./video42", &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
}

/* frames of the folder, in order, with their sequence numbers */
static void
child_stream (void)
{
  g_autofree char *log_path = path_in ("log");
  GBytes *files[N_FILES];
  Stream s;
  struct v4l2_buffer prev = { 0 }, b;

  for (unsigned i = 0; i < N_FILES; i++)
    files[i] = file_bytes (i);

  stream_start (&s, "/dev/video42", V4L2_PIX_FMT_MJPEG, FILE_W, FILE_H, 4, 0);
  for (unsigned n = 0; n < 12; n++) {
    g_autoptr (GBytes) frame = stream_next (&s, &b);
    g_assert_true (g_bytes_equal (frame, files[b.sequence % N_FILES]));
    g_assert_true (jpeg_decodes (frame));
    if (n) {
      g_assert_cmpuint (b.sequence, >, prev.sequence);
      assert_frames_apart (&prev, &b, s.period_ns);
    }
    prev = b;
  }
  stream_stop (&s);

  /* again, non-blocking, at the other rate */
  stream_start (&s, "/dev/video42", V4L2_PIX_FMT_MJPEG, FILE_W, FILE_H, 2, O_NONBLOCK);
  for (unsigned n = 0; n < 3; n++) {
    g_autoptr (GBytes) frame = stream_next (&s, &b);
    g_assert_true (g_bytes_equal (frame, files[b.sequence % N_FILES]));
  }
  stream_stop (&s);

  for (unsigned i = 0; i < N_FILES; i++)
    g_bytes_unref (files[i]);
}

static void
child_yuyv (void)
{
  Stream s;
  struct v4l2_buffer b;
  g_autoptr (GBytes) a = NULL;
  g_autoptr (GBytes) c = NULL;

  stream_start (&s, "/dev/video42", V4L2_PIX_FMT_YUYV, 320, 240, 3, 0);
  a = stream_next (&s, &b);
  g_assert_cmpuint (g_bytes_get_size (a), ==, 320 * 240 * 2);
  c = stream_next (&s, &b);
  g_assert_cmpuint (g_bytes_get_size (c), ==, 320 * 240 * 2);
  /* the pattern moves */
  g_assert_false (g_bytes_equal (a, c));
  stream_stop (&s);
}

static int32_t
get_ctrl (int fd, uint32_t id)
{
  struct v4l2_control c = { .id = id };
  assert_ioctl_ok (fd, VIDIOC_G_CTRL, &c);
  return c.value;
}

static int
set_ctrl (int fd, uint32_t id, int32_t value)
{
  struct v4l2_control c = { .id = id, .value = value };
  return xioctl (fd, VIDIOC_S_CTRL, &c) == 0 ? 0 : errno;
}

static bool
ctrl_inactive (int fd, uint32_t id)
{
  struct v4l2_queryctrl q = { .id = id };
  assert_ioctl_ok (fd, VIDIOC_QUERYCTRL, &q);
  return q.flags & V4L2_CTRL_FLAG_INACTIVE;
}

static void
child_controls (void)
{
  static const uint32_t ids[] = {
    V4L2_CID_USER_CLASS, V4L2_CID_BRIGHTNESS, V4L2_CID_AUTO_WHITE_BALANCE,
    V4L2_CID_WHITE_BALANCE_TEMPERATURE, V4L2_CID_CAMERA_CLASS, V4L2_CID_EXPOSURE_AUTO,
    V4L2_CID_EXPOSURE_ABSOLUTE, V4L2_CID_FOCUS_ABSOLUTE, V4L2_CID_FOCUS_AUTO,
  };
  struct v4l2_queryctrl q = { .id = V4L2_CTRL_FLAG_NEXT_CTRL };
  struct v4l2_query_ext_ctrl qe = { .id = V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND };
  struct v4l2_querymenu m = { .id = V4L2_CID_EXPOSURE_AUTO };
  struct v4l2_ext_control xc[2];
  struct v4l2_ext_controls xcs = { .which = V4L2_CTRL_WHICH_CUR_VAL, .controls = xc };
  unsigned n = 0;
  int fd = open ("/dev/video42", O_RDWR), fd2;

  g_assert_cmpint (fd, >=, 0);

  /* enumeration, in id order, ending with EINVAL */
  while (xioctl (fd, VIDIOC_QUERYCTRL, &q) == 0) {
    g_assert_cmpuint (n, <, G_N_ELEMENTS (ids));
    g_assert_cmphex (q.id, ==, ids[n++]);
    q.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
  }
  g_assert_cmpint (errno, ==, EINVAL);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (ids));
  for (n = 0; xioctl (fd, VIDIOC_QUERY_EXT_CTRL, &qe) == 0; n++)
    qe.id |= V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
  g_assert_cmpint (errno, ==, EINVAL);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (ids));

  q = (struct v4l2_queryctrl) { .id = V4L2_CID_EXPOSURE_ABSOLUTE };
  assert_ioctl_ok (fd, VIDIOC_QUERYCTRL, &q);
  g_assert_cmpstr ((char *) q.name, ==, "Exposure Time, Absolute");
  g_assert_cmpint (q.minimum, ==, 3);
  g_assert_cmpint (q.maximum, ==, 2047);
  g_assert_cmpint (q.default_value, ==, 250);

  /* the menu: 1 and 3 */
  for (m.index = 0; m.index < 5; m.index++) {
    int r = xioctl (fd, VIDIOC_QUERYMENU, &m);
    if (m.index == 1 || m.index == 3) {
      g_assert_cmpint (r, ==, 0);
      g_assert_cmpstr ((char *) m.name, ==, m.index == 1 ? "Manual Mode" : "Aperture Priority Mode");
    } else {
      g_assert_cmpint (r, ==, -1);
      g_assert_cmpint (errno, ==, EINVAL);
    }
  }

  /* auto modes on: the manual controls are inactive and refuse */
  g_assert_cmpint (get_ctrl (fd, V4L2_CID_EXPOSURE_AUTO), ==, V4L2_EXPOSURE_APERTURE_PRIORITY);
  g_assert_true (ctrl_inactive (fd, V4L2_CID_EXPOSURE_ABSOLUTE));
  g_assert_true (ctrl_inactive (fd, V4L2_CID_WHITE_BALANCE_TEMPERATURE));
  g_assert_true (ctrl_inactive (fd, V4L2_CID_FOCUS_ABSOLUTE));
  g_assert_false (ctrl_inactive (fd, V4L2_CID_BRIGHTNESS));
  g_assert_cmpint (set_ctrl (fd, V4L2_CID_EXPOSURE_ABSOLUTE, 100), ==, EACCES);
  g_assert_cmpint (get_ctrl (fd, V4L2_CID_EXPOSURE_ABSOLUTE), ==, 250);
  g_assert_cmpint (set_ctrl (fd, V4L2_CID_WHITE_BALANCE_TEMPERATURE, 5000), ==, EACCES);

  /* bad values */
  g_assert_cmpint (set_ctrl (fd, V4L2_CID_EXPOSURE_AUTO, 2), ==, EINVAL);
  g_assert_cmpint (set_ctrl (fd, V4L2_CID_EXPOSURE_AUTO, 4), ==, ERANGE);
  g_assert_cmpint (set_ctrl (fd, V4L2_CID_BRIGHTNESS, 65), ==, ERANGE);
  g_assert_cmpint (set_ctrl (fd, 0x00980999, 1), ==, EINVAL);
  g_assert_cmpint (get_ctrl (fd, V4L2_CID_EXPOSURE_AUTO), ==, V4L2_EXPOSURE_APERTURE_PRIORITY);

  /* manual exposure: the time is active and takes values */
  g_assert_cmpint (set_ctrl (fd, V4L2_CID_EXPOSURE_AUTO, V4L2_EXPOSURE_MANUAL), ==, 0);
  g_assert_false (ctrl_inactive (fd, V4L2_CID_EXPOSURE_ABSOLUTE));
  g_assert_cmpint (set_ctrl (fd, V4L2_CID_EXPOSURE_ABSOLUTE, 2048), ==, ERANGE);
  g_assert_cmpint (set_ctrl (fd, V4L2_CID_EXPOSURE_ABSOLUTE, 100), ==, 0);
  g_assert_cmpint (get_ctrl (fd, V4L2_CID_EXPOSURE_ABSOLUTE), ==, 100);
  g_assert_cmpint (set_ctrl (fd, V4L2_CID_BRIGHTNESS, -10), ==, 0);

  /* several at once, in order and all or none */
  xc[0] = (struct v4l2_ext_control) { .id = V4L2_CID_WHITE_BALANCE_TEMPERATURE, .value = 4500 };
  xc[1] = (struct v4l2_ext_control) { .id = V4L2_CID_AUTO_WHITE_BALANCE, .value = 0 };
  xcs.count = 2;
  assert_ioctl_fails (fd, VIDIOC_S_EXT_CTRLS, &xcs, EACCES);
  g_assert_cmpuint (xcs.error_idx, ==, 0);
  g_assert_cmpint (get_ctrl (fd, V4L2_CID_AUTO_WHITE_BALANCE), ==, 1);
  assert_ioctl_fails (fd, VIDIOC_TRY_EXT_CTRLS, &xcs, EACCES);
  xc[0] = (struct v4l2_ext_control) { .id = V4L2_CID_AUTO_WHITE_BALANCE, .value = 0 };
  xc[1] = (struct v4l2_ext_control) { .id = V4L2_CID_WHITE_BALANCE_TEMPERATURE, .value = 4504 };
  assert_ioctl_ok (fd, VIDIOC_TRY_EXT_CTRLS, &xcs);
  g_assert_cmpint (get_ctrl (fd, V4L2_CID_AUTO_WHITE_BALANCE), ==, 1);
  assert_ioctl_ok (fd, VIDIOC_S_EXT_CTRLS, &xcs);
  g_assert_cmpint (xc[1].value, ==, 4500);   /* to the step */
  g_assert_cmpint (get_ctrl (fd, V4L2_CID_WHITE_BALANCE_TEMPERATURE), ==, 4500);
  xc[0].value = xc[1].value = 0;
  assert_ioctl_ok (fd, VIDIOC_G_EXT_CTRLS, &xcs);
  g_assert_cmpint (xc[0].value, ==, 0);
  g_assert_cmpint (xc[1].value, ==, 4500);
  xcs.which = V4L2_CTRL_WHICH_DEF_VAL;
  assert_ioctl_ok (fd, VIDIOC_G_EXT_CTRLS, &xcs);
  g_assert_cmpint (xc[0].value, ==, 1);
  g_assert_cmpint (xc[1].value, ==, 4600);

  /* auto again: inactive, the stored value still reads */
  g_assert_cmpint (set_ctrl (fd, V4L2_CID_AUTO_WHITE_BALANCE, 1), ==, 0);
  g_assert_true (ctrl_inactive (fd, V4L2_CID_WHITE_BALANCE_TEMPERATURE));
  g_assert_cmpint (get_ctrl (fd, V4L2_CID_WHITE_BALANCE_TEMPERATURE), ==, 4500);

  /* the camera's, not the descriptor's */
  fd2 = open ("/dev/video42", O_RDWR);
  g_assert_cmpint (fd2, >=, 0);
  g_assert_cmpint (get_ctrl (fd2, V4L2_CID_EXPOSURE_ABSOLUTE), ==, 100);
  close (fd);
  close (fd2);
  fd = open ("/dev/video42", O_RDWR);
  g_assert_cmpint (get_ctrl (fd, V4L2_CID_EXPOSURE_AUTO), ==, V4L2_EXPOSURE_MANUAL);
  g_assert_cmpint (get_ctrl (fd, V4L2_CID_BRIGHTNESS), ==, -10);
  close (fd);
}

/* A driver fills the buffers queued, in order, whether or not the
 * application is there to dequeue them; with none queued, frames are lost
 * and the sequence moves on. */
static void
child_queue (void)
{
  Stream s;
  struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
  struct pollfd p;

  stream_start (&s, "/dev/video42", V4L2_PIX_FMT_MJPEG, FILE_W, FILE_H, 4, 0);
  /* six frames come while nobody dequeues: the four buffers hold 0 to 3 */
  g_usleep (6 * s.period_ns / 1000);
  for (unsigned i = 0; i < 4; i++) {
    struct v4l2_buffer prev = b;
    p = (struct pollfd) { s.fd, POLLIN, 0 };
    g_assert_cmpint (poll (&p, 1, 0), ==, 1);
    assert_ioctl_ok (s.fd, VIDIOC_DQBUF, &b);
    g_assert_cmpuint (b.sequence, ==, i);
    /* their times are the frames', not the dequeueing's */
    if (i > 0)
      assert_frames_apart (&prev, &b, s.period_ns);
  }
  /* nothing queued: nothing to dequeue */
  g_assert_cmpint (xioctl (s.fd, VIDIOC_DQBUF, &b), ==, -1);
  g_assert_cmpint (errno, ==, EINVAL);
  /* frames 4 and 5 (and any since) had no buffer */
  for (unsigned i = 0; i < 4; i++) {
    struct v4l2_buffer q = { .index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                             .memory = V4L2_MEMORY_MMAP };
    assert_ioctl_ok (s.fd, VIDIOC_QBUF, &q);
  }
  g_bytes_unref (stream_next (&s, &b));
  g_assert_cmpuint (b.sequence, >=, 6);
  stream_stop (&s);
}

/* gap=3@4: frames 4 to 6 never come */
static void
child_gap (void)
{
  Stream s;
  struct v4l2_buffer b[8];

  stream_start (&s, "/dev/video42", V4L2_PIX_FMT_MJPEG, FILE_W, FILE_H, 4, 0);
  for (unsigned i = 0; i < 8; i++)
    g_bytes_unref (stream_next (&s, &b[i]));
  /* the fifth frame delivered is at least 4 on: 3 dropped, and any the
   * test was too slow for */
  g_assert_cmpuint (b[4].sequence - b[3].sequence, >=, 4);
  g_assert_cmpuint (b[4].sequence, >=, 7);
  for (unsigned i = 1; i < 8; i++)
    assert_frames_apart (&b[i - 1], &b[i], s.period_ns);
  stream_stop (&s);
}

/* corrupt=truncate@1+markers@2+garbage@3 */
static void
child_corrupt (void)
{
  GBytes *files[N_FILES];
  Stream s;
  struct v4l2_buffer b;

  for (unsigned i = 0; i < N_FILES; i++)
    files[i] = file_bytes (i);
  stream_start (&s, "/dev/video42", V4L2_PIX_FMT_MJPEG, FILE_W, FILE_H, 4, 0);
  for (unsigned i = 0; i < 6; i++) {
    g_autoptr (GBytes) frame = stream_next (&s, &b);
    GBytes *file = files[b.sequence % N_FILES];
    gsize len;
    const uint8_t *data = g_bytes_get_data (frame, &len);

    switch (i) {
      case 1:     /* truncate: the first half */
        g_assert_cmpuint (len, ==, g_bytes_get_size (file) / 2);
        g_assert_cmpmem (data, len, g_bytes_get_data (file, NULL), len);
        g_assert_false (jpeg_decodes (frame));
        break;
      case 2:     /* markers: SOI, then nothing a decoder accepts */
        g_assert_cmpuint (len, ==, g_bytes_get_size (file));
        g_assert_true (data[0] == 0xff && data[1] == 0xd8);
        g_assert_false (g_bytes_equal (frame, file));
        g_assert_false (jpeg_decodes (frame));
        break;
      case 3:     /* garbage of the usual size */
        g_assert_cmpuint (len, ==, g_bytes_get_size (file));
        g_assert_false (data[0] == 0xff && data[1] == 0xd8);
        g_assert_false (jpeg_decodes (frame));
        break;
      default:
        g_assert_true (g_bytes_equal (frame, file));
        g_assert_true (jpeg_decodes (frame));
    }
  }
  stream_stop (&s);
  for (unsigned i = 0; i < N_FILES; i++)
    g_bytes_unref (files[i]);
}

/* stall=4@2: after two frames, none for 4 s, then on without a jump */
static void
child_stall (void)
{
  Stream s;
  struct v4l2_buffer b[4];
  struct pollfd p;

  stream_start (&s, "/dev/video42", V4L2_PIX_FMT_MJPEG, FILE_W, FILE_H, 4, 0);
  g_bytes_unref (stream_next (&s, &b[0]));
  g_bytes_unref (stream_next (&s, &b[1]));
  p = (struct pollfd) { s.fd, POLLIN, 0 };
  g_assert_cmpint (poll (&p, 1, 200), ==, 0);
  g_bytes_unref (stream_next (&s, &b[2]));
  g_bytes_unref (stream_next (&s, &b[3]));
  g_assert_cmpuint (ts_ns (&b[2]) - ts_ns (&b[1]), >=, G_GUINT64_CONSTANT (4000000000));
  /* the sequence carries on where it was, unless the test was late */
  g_assert_cmpuint (b[2].sequence, >, b[1].sequence);
  g_assert_cmpint (llabs ((int64_t) (ts_ns (&b[2]) - ts_ns (&b[1])) -
                          (int64_t) (4000000000 + (b[2].sequence - b[1].sequence) * s.period_ns)),
                   <=, 2000);
  stream_stop (&s);
}

/* stall=600@0: no frame for ten minutes from STREAMON on; a descriptor
 * opened O_NONBLOCK gets EAGAIN, poll finds nothing */
static void
child_nonblock (void)
{
  Stream s;
  struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
  struct pollfd p;

  stream_start (&s, "/dev/video42", V4L2_PIX_FMT_MJPEG, FILE_W, FILE_H, 2, O_NONBLOCK);
  assert_ioctl_fails (s.fd, VIDIOC_DQBUF, &b, EAGAIN);
  p = (struct pollfd) { s.fd, POLLIN, 0 };
  g_assert_cmpint (poll (&p, 1, 100), ==, 0);
  assert_ioctl_fails (s.fd, VIDIOC_DQBUF, &b, EAGAIN);
  stream_stop (&s);
}

/* slow=400@2:2: frames 2 and 3 come 400 ms apart */
static void
child_slow (void)
{
  Stream s;
  struct v4l2_buffer b[6];

  stream_start (&s, "/dev/video42", V4L2_PIX_FMT_MJPEG, FILE_W, FILE_H, 4, 0);
  for (unsigned i = 0; i < 6; i++)
    g_bytes_unref (stream_next (&s, &b[i]));
  g_assert_cmpuint (s.period_ns, ==, 1000000000 / 30);
  assert_frames_apart (&b[0], &b[1], s.period_ns);
  if (b[3].sequence - b[1].sequence == 2) {
    /* not late: each a slow interval on */
    assert_frames_apart (&b[1], &b[2], 400000000);
    assert_frames_apart (&b[2], &b[3], 400000000);
  }
  g_assert_cmpuint (ts_ns (&b[3]) - ts_ns (&b[1]), >=, 800000000);
  assert_frames_apart (&b[4], &b[5], s.period_ns);
  stream_stop (&s);
}

static void
assert_unplugged (int fd, void *map, GBytes *last)
{
  struct v4l2_capability cap;
  struct pollfd p = { fd, POLLIN, 0 };
  struct stat st;

  assert_ioctl_fails (fd, VIDIOC_QUERYCAP, &cap, ENODEV);
  g_assert_cmpint (poll (&p, 1, 10000), ==, 1);
  g_assert_cmphex (p.revents & (POLLERR | POLLHUP), ==, POLLERR | POLLHUP);
  g_assert_cmpint (stat ("/dev/video42", &st), ==, -1);
  g_assert_cmpint (errno, ==, ENOENT);
  g_assert_cmpint (open ("/dev/video42", O_RDWR), ==, -1);
  g_assert_cmpint (errno, ==, ENOENT);
  g_assert_null (fopen ("/sys/dev/char/81:42/uevent", "r"));
  /* what was mapped stays readable */
  if (last)
    g_assert_cmpmem (map, 2, g_bytes_get_data (last, NULL), 2);
  /* the other camera is still there */
  g_assert_cmpint (stat ("/dev/video43", &st), ==, 0);
}

/* unplug=3: gone after the third frame */
static void
child_unplug (void)
{
  Stream s;
  struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
  g_autoptr (GBytes) last = NULL;
  int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

  struct pollfd p;

  stream_start (&s, "/dev/video42", V4L2_PIX_FMT_MJPEG, FILE_W, FILE_H, 4, 0);
  g_bytes_unref (stream_next (&s, &b));
  g_bytes_unref (stream_next (&s, &b));
  /* the third is the last: gone as soon as it was delivered */
  p = (struct pollfd) { s.fd, POLLIN, 0 };
  g_assert_cmpint (poll (&p, 1, 60000), ==, 1);
  assert_ioctl_ok (s.fd, VIDIOC_DQBUF, &b);
  last = g_bytes_new (s.map[b.index], b.bytesused);
  assert_ioctl_fails (s.fd, VIDIOC_QBUF, &b, ENODEV);
  assert_ioctl_fails (s.fd, VIDIOC_DQBUF, &b, ENODEV);
  assert_unplugged (s.fd, s.map[b.index], last);
  assert_ioctl_fails (s.fd, VIDIOC_STREAMOFF, &type, ENODEV);
  for (unsigned i = 0; i < s.n; i++)
    munmap (s.map[i], s.len[i]);
  g_assert_cmpint (close (s.fd), ==, 0);
}

/* unplug=file:DIR/unplug, with no stream: stat notices */
static void
child_unplug_file (void)
{
  g_autofree char *trigger = path_in ("unplug");
  struct stat st;
  int fd = open ("/dev/video42", O_RDWR), dup_fd;

  g_assert_cmpint (fd, >=, 0);
  dup_fd = dup (fd);
  g_assert_cmpint (stat ("/dev/video42", &st), ==, 0);
  g_assert_true (g_file_set_contents (trigger, "", 0, NULL));
  g_assert_cmpint (stat ("/dev/video42", &st), ==, -1);
  assert_unplugged (fd, NULL, NULL);
  assert_unplugged (dup_fd, NULL, NULL);
  g_assert_cmpint (close (fd), ==, 0);
  g_assert_cmpint (close (dup_fd), ==, 0);
}

/* descriptors made by dup share the camera; closing the last one ends
 * the stream */
static void
child_dup (void)
{
  Stream s;
  struct v4l2_buffer b;
  struct v4l2_requestbuffers rb = { .count = 2, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                    .memory = V4L2_MEMORY_MMAP };
  struct v4l2_capability cap;
  int fd, fd2, fd3, fd4;

  stream_start (&s, "/dev/video42", V4L2_PIX_FMT_MJPEG, FILE_W, FILE_H, 3, 0);
  fd2 = dup (s.fd);
  fd3 = fcntl (s.fd, F_DUPFD_CLOEXEC, 100);
  g_assert_cmpint (fd3, >=, 100);
  fd4 = open ("/dev/null", O_RDONLY);
  g_assert_cmpint (dup2 (s.fd, fd4), ==, fd4);
  g_assert_cmpint (close (s.fd), ==, 0);
  s.fd = fd2;
  g_bytes_unref (stream_next (&s, &b));
  assert_ioctl_ok (fd3, VIDIOC_QUERYCAP, &cap);
  assert_ioctl_ok (fd4, VIDIOC_QUERYCAP, &cap);

  /* another open is another file: the buffers are not its own */
  fd = open ("/dev/video42", O_RDWR);
  assert_ioctl_fails (fd, VIDIOC_REQBUFS, &rb, EBUSY);

  /* dup2 over the last but one, then close all: buffers freed */
  g_assert_cmpint (dup2 (fd, fd4), ==, fd4);
  g_assert_cmpint (close (fd2), ==, 0);
  for (unsigned i = 0; i < s.n; i++)
    munmap (s.map[i], s.len[i]);
  g_assert_cmpint (close (fd3), ==, 0);
  assert_ioctl_ok (fd, VIDIOC_REQBUFS, &rb);
  g_assert_cmpint (close (fd), ==, 0);
  g_assert_cmpint (close (fd4), ==, 0);
}

/* everything else is libc's */
static void
child_passthrough (void)
{
  g_autofree char *path = path_in ("plain");
  g_autofree char *link = path_in ("plain-link");
  g_autofree char *real = NULL;
  g_autofree char *contents = NULL;
  struct stat st;
  char buf[16] = "";
  int fd, fd2, pipefd[2], avail = -1;
  void *map;
  FILE *f;

  g_assert_true (g_file_set_contents (path, "hello, world", -1, NULL));
  g_assert_cmpint (symlink (path, link), ==, 0);
  g_assert_cmpint (stat (link, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_size, ==, 12);
  g_assert_cmpint (lstat (link, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  real = realpath (link, NULL);
  g_assert_cmpstr (real, ==, path);
  g_assert_cmpint (access (path, R_OK), ==, 0);

  fd = open (path, O_RDONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (fstat (fd, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  fd2 = dup (fd);
  g_assert_cmpint (read (fd2, buf, 5), ==, 5);
  g_assert_cmpstr (buf, ==, "hello");
  map = mmap (NULL, 12, PROT_READ, MAP_PRIVATE, fd, 0);
  g_assert_true (map != MAP_FAILED);
  g_assert_cmpmem (map, 12, "hello, world", 12);
  munmap (map, 12);
  g_assert_cmpint (close (fd), ==, 0);
  g_assert_cmpint (close (fd2), ==, 0);
  g_assert_cmpint (close (fd2), ==, -1);
  g_assert_cmpint (errno, ==, EBADF);

  f = fopen (path, "r");
  g_assert_nonnull (f);
  g_assert_nonnull (fgets (buf, sizeof buf, f));
  g_assert_cmpstr (buf, ==, "hello, world");
  fclose (f);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "hello, world");

  g_assert_cmpint (pipe (pipefd), ==, 0);
  g_assert_cmpint (write (pipefd[1], "abc", 3), ==, 3);
  g_assert_cmpint (ioctl (pipefd[0], FIONREAD, &avail), ==, 0);
  g_assert_cmpint (avail, ==, 3);
  g_assert_cmpint (ioctl (pipefd[0], VIDIOC_QUERYCAP, buf), ==, -1);
  g_assert_cmpint (errno, ==, ENOTTY);
  g_assert_cmpint (fcntl (pipefd[0], F_GETFD), >=, 0);
  close (pipefd[0]);
  close (pipefd[1]);

  g_assert_cmpint (stat ("/dev/null", &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
  g_assert_cmpint (stat ("/nonexistent/video42", &st), ==, -1);
  g_assert_cmpint (errno, ==, ENOENT);
}

/* a camera with a bad option is not there; the good one is */
static void
child_bad_config (void)
{
  struct stat st;

  g_assert_cmpint (stat ("/dev/video42", &st), ==, -1);
  g_assert_cmpint (errno, ==, ENOENT);
  g_assert_cmpint (stat ("/dev/video43", &st), ==, 0);
}

/* ---- the parent ---- */

typedef struct {
  const char *name;
  void (*run) (void);
  const char *config;   /* @DIR@: the case's folder */
  const char *stderr_has;
} Case;

static const Case cases[] = {
  { "identity", child_identity,
    "/dev/video42,name=Front Cam,format=both,rates=30:30000/1001:15;"
    "/dev/video43,kind=output;/dev/video44,controls=none" },
  { "links", child_links, "/dev/video42" },
  { "stream", child_stream, "/dev/video42,frames=@DIR@/frames,rates=30:15" },
  { "yuyv", child_yuyv, "/dev/video42,format=yuyv,sizes=320x240,ring=4" },
  { "controls", child_controls, "/dev/video42" },
  { "queue", child_queue, "/dev/video42,frames=@DIR@/frames" },
  { "gap", child_gap, "/dev/video42,frames=@DIR@/frames,gap=3@4" },
  { "corrupt", child_corrupt,
    "/dev/video42,frames=@DIR@/frames,corrupt=truncate@1+markers@2+garbage@3" },
  { "stall", child_stall, "/dev/video42,frames=@DIR@/frames,stall=4@2" },
  { "nonblock", child_nonblock, "/dev/video42,frames=@DIR@/frames,stall=600@0" },
  { "slow", child_slow, "/dev/video42,frames=@DIR@/frames,slow=400@2:2" },
  { "unplug", child_unplug, "/dev/video42,frames=@DIR@/frames,unplug=3;/dev/video43" },
  { "unplug-file", child_unplug_file, "/dev/video42,unplug=file:@DIR@/unplug;/dev/video43" },
  { "dup", child_dup, "/dev/video42,frames=@DIR@/frames" },
  { "passthrough", child_passthrough, "/dev/video42" },
  { "bad-config", child_bad_config, "/dev/video42,sizes=12x;/dev/video43",
    "emocap-testcam: camera '/dev/video42': option 'sizes': '12x' is not WIDTHxHEIGHT" },
  { "bad-trigger", child_bad_config, "/dev/video42,gap=2@soon;/dev/video43",
    "emocap-testcam: camera '/dev/video42': option 'gap': trigger 'soon'" },
  { "bad-frames", child_bad_config, "/dev/video42,frames=@DIR@/none;/dev/video43",
    "emocap-testcam: camera '/dev/video42': option 'frames': cannot read" },
};

/* N_FILES distinct JPEGs of FILE_W x FILE_H */
static void
write_frames (const char *folder)
{
  g_autofree char *frames = g_build_filename (folder, "frames", NULL);
  tjhandle tj = tjInitCompress ();
  g_autofree uint8_t *rgb = g_malloc (FILE_W * FILE_H * 3);

  g_assert_nonnull (tj);
  g_assert_cmpint (g_mkdir (frames, 0755), ==, 0);
  for (unsigned i = 0; i < N_FILES; i++) {
    g_autofree char *name = g_strdup_printf ("f%03u.jpg", i);
    g_autofree char *path = g_build_filename (frames, name, NULL);
    unsigned char *jpeg = NULL;
    unsigned long size = 0;

    for (unsigned p = 0; p < FILE_W * FILE_H * 3; p++)
      rgb[p] = (p * (i + 3) / 7 + i * 40) & 0xff;
    g_assert_cmpint (tjCompress2 (tj, rgb, FILE_W, 0, FILE_H, TJPF_RGB, &jpeg, &size,
                                  TJSAMP_422, 90, 0), ==, 0);
    g_assert_true (g_file_set_contents (path, (char *) jpeg, size, NULL));
    tjFree (jpeg);
  }
  tjDestroy (tj);
}

static char **
read_log (const char *folder)
{
  g_autofree char *path = g_build_filename (folder, "log", NULL);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_new0 (char *, 1);
  return g_strsplit (g_strchomp (text), "\n", -1);
}

static bool
log_has (char **lines, const char *prefix)
{
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix (*l, prefix))
      return true;
  return false;
}

static void
check_log (const Case *c, char **lines)
{
  if (strcmp (c->name, "controls") == 0) {
    /* each set that took, in order, with v4l2-ctl's names */
    static const char *const want[] = {
      "ctrl /dev/video42 auto_exposure 1",
      "ctrl /dev/video42 exposure_time_absolute 100",
      "ctrl /dev/video42 brightness -10",
      "ctrl /dev/video42 white_balance_automatic 0",
      "ctrl /dev/video42 white_balance_temperature 4500",
      "ctrl /dev/video42 white_balance_automatic 1",
    };
    g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (want));
    for (unsigned i = 0; i < G_N_ELEMENTS (want); i++)
      g_assert_cmpstr (lines[i], ==, want[i]);
  } else if (strcmp (c->name, "stream") == 0) {
    unsigned frames = 0;
    g_assert_true (g_str_has_prefix (lines[0], "streamon /dev/video42 320x240 mjpeg 30"));
    for (char **l = lines; *l; l++) {
      g_auto (GStrv) f = g_strsplit (*l, " ", -1);
      if (strcmp (f[0], "frame") == 0) {
        g_autofree char *want = g_strdup_printf ("f%03u.jpg",
                                                 (unsigned) (g_ascii_strtoull (f[2], NULL, 10) % N_FILES));
        g_assert_cmpuint (g_strv_length (f), ==, 6);
        g_assert_cmpstr (f[5], ==, want);
        frames++;
      }
    }
    g_assert_cmpuint (frames, ==, 15);
    g_assert_true (log_has (lines, "streamoff /dev/video42"));
  } else if (strcmp (c->name, "queue") == 0) {
    g_assert_true (g_strv_contains ((const char *const *) lines, "lost /dev/video42 4"));
    g_assert_true (g_strv_contains ((const char *const *) lines, "lost /dev/video42 5"));
  } else if (strcmp (c->name, "gap") == 0) {
    g_assert_true (log_has (lines, "fault /dev/video42 gap 3 "));
  } else if (strcmp (c->name, "corrupt") == 0) {
    g_assert_true (log_has (lines, "fault /dev/video42 corrupt truncate "));
    g_assert_true (log_has (lines, "fault /dev/video42 corrupt markers "));
    g_assert_true (log_has (lines, "fault /dev/video42 corrupt garbage "));
  } else if (strcmp (c->name, "stall") == 0) {
    g_assert_true (log_has (lines, "fault /dev/video42 stall 4.000 "));
  } else if (strcmp (c->name, "unplug") == 0) {
    g_assert_true (log_has (lines, "fault /dev/video42 unplug 3"));
  }
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *folder = g_dir_make_tmp ("emocap-testcam-XXXXXX", &error);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *preload = testcam_preload_new ();
  g_autofree char *config = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto (GStrv) env = g_get_environ ();
  g_auto (GStrv) lines = NULL;
  char *argv[] = { self, (char *) "--child", (char *) c->name, folder, NULL };
  int status = 0;

  g_assert_no_error (error);
  if (!preload) {
    g_test_skip ("EMOCAP_TESTCAM_LIB is not set");
    return;
  }
  write_frames (folder);
  {
    g_auto (GStrv) parts = g_strsplit (c->config, "@DIR@", -1);
    config = g_strjoinv (folder, parts);
  }
  log_path = g_build_filename (folder, "log", NULL);
  env = g_environ_setenv (env, "LD_PRELOAD", preload, TRUE);
  env = g_environ_setenv (env, "EMOCAP_TESTCAM", config, TRUE);
  env = g_environ_setenv (env, "EMOCAP_TESTCAM_LOG", log_path, TRUE);

  g_assert_true (g_spawn_sync (NULL, argv, env, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("case '%s' failed:\n%s%s", c->name, out, err);
  if (c->stderr_has)
    g_assert_nonnull (strstr (err, c->stderr_has));
  else
    g_assert_cmpstr (err, ==, "");

  lines = read_log (folder);
  check_log (c, lines);

  {
    g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", folder);
    g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
  }
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "--child") == 0) {
    dir = argv[3];
    for (unsigned i = 0; i < G_N_ELEMENTS (cases); i++) {
      if (strcmp (cases[i].name, argv[2]) == 0) {
        cases[i].run ();
        return 0;
      }
    }
    g_error ("no case '%s'", argv[2]);
  }

  g_test_init (&argc, &argv, NULL);
  for (unsigned i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *path = g_strdup_printf ("/testcam/%s", cases[i].name);
    g_test_add_data_func (path, &cases[i], run_case);
  }
  return g_test_run ();
}
