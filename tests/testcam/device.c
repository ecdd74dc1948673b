/* emocap tests: the V4L2 device a test camera answers as
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The ioctls of a uvcvideo capture node, on a descriptor that is a timerfd,
 * so poll and select on the descriptor work as on a camera without being
 * intercepted.  A memfd holds the buffers.  The camera's frames come at
 * the ticks of its frame clock (CLOCK_MONOTONIC), and each goes into the
 * next empty buffer the application queued, as a driver fills them; with
 * no empty buffer queued the frame is lost and the sequence moves on, so
 * frames the application was too slow for show as a gap.  The clock is
 * worked out when the application calls (QBUF, DQBUF); the timer only
 * makes the descriptor readable when a filled buffer waits or the next
 * frame is due.
 *
 * Called with testcam_lock held.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#include "testcam.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/version.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#define NSEC 1000000000ull
#define MENU_MASK(a, b) ((1u << (a)) | (1u << (b)))

/* In the order of their ids, as QUERYCTRL's NEXT_CTRL walks them. */
const TcCtrlInfo testcam_ctrls[TC_NUM_CTRLS] = {
  { V4L2_CID_USER_CLASS, "User Controls", NULL, V4L2_CTRL_TYPE_CTRL_CLASS, 0, 0, 0, 0 },
  { V4L2_CID_BRIGHTNESS, "Brightness", "brightness", V4L2_CTRL_TYPE_INTEGER, -64, 64, 1, 0 },
  { V4L2_CID_AUTO_WHITE_BALANCE, "White Balance, Automatic", "white_balance_automatic",
    V4L2_CTRL_TYPE_BOOLEAN, 0, 1, 1, 1 },
  { V4L2_CID_WHITE_BALANCE_TEMPERATURE, "White Balance Temperature", "white_balance_temperature",
    V4L2_CTRL_TYPE_INTEGER, 2800, 6500, 10, 4600, 0, V4L2_CID_AUTO_WHITE_BALANCE, 0 },
  { V4L2_CID_CAMERA_CLASS, "Camera Controls", NULL, V4L2_CTRL_TYPE_CTRL_CLASS, 0, 0, 0, 0 },
  { V4L2_CID_EXPOSURE_AUTO, "Auto Exposure", "auto_exposure", V4L2_CTRL_TYPE_MENU, 0, 3, 1,
    V4L2_EXPOSURE_APERTURE_PRIORITY,
    MENU_MASK (V4L2_EXPOSURE_MANUAL, V4L2_EXPOSURE_APERTURE_PRIORITY) },
  { V4L2_CID_EXPOSURE_ABSOLUTE, "Exposure Time, Absolute", "exposure_time_absolute",
    V4L2_CTRL_TYPE_INTEGER, 3, 2047, 1, 250, 0, V4L2_CID_EXPOSURE_AUTO, V4L2_EXPOSURE_MANUAL },
  { V4L2_CID_FOCUS_ABSOLUTE, "Focus, Absolute", "focus_absolute", V4L2_CTRL_TYPE_INTEGER,
    0, 250, 5, 0, 0, V4L2_CID_FOCUS_AUTO, 0 },
  { V4L2_CID_FOCUS_AUTO, "Focus, Automatic Continuous", "focus_automatic_continuous",
    V4L2_CTRL_TYPE_BOOLEAN, 0, 1, 1, 1 },
};

static const char *const exposure_menu[4] = {
  [V4L2_EXPOSURE_MANUAL] = "Manual Mode",
  [V4L2_EXPOSURE_APERTURE_PRIORITY] = "Aperture Priority Mode",
};

static int log_fd = -2;

void
testcam_log (const char *fmt, ...)
{
  char line[1024];
  va_list ap;
  int n;

  if (log_fd == -2) {
    const char *path = getenv ("EMOCAP_TESTCAM_LOG");
    log_fd = path && *path ?
        testcam_real.open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
  }
  if (log_fd < 0)
    return;
  va_start (ap, fmt);
  n = vsnprintf (line, sizeof line - 1, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  if ((size_t) n > sizeof line - 2)
    n = sizeof line - 2;
  line[n++] = '\n';
  /* one write a line: with O_APPEND, lines of processes sharing the log
   * do not mix */
  if (write (log_fd, line, n) < 0)
    return;
}

static uint64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * NSEC + ts.tv_nsec;
}

static uint32_t
buf_type (const TcCamera *cam)
{
  return cam->output ? V4L2_BUF_TYPE_VIDEO_OUTPUT : V4L2_BUF_TYPE_VIDEO_CAPTURE;
}

/* the formats in ENUM_FMT's order */
static unsigned
formats (const TcCamera *cam, uint32_t out[2])
{
  unsigned n = 0;
  if (cam->mjpeg)
    out[n++] = V4L2_PIX_FMT_MJPEG;
  if (cam->yuyv)
    out[n++] = V4L2_PIX_FMT_YUYV;
  return n;
}

static bool
has_format (const TcCamera *cam, uint32_t fourcc)
{
  return (fourcc == V4L2_PIX_FMT_MJPEG && cam->mjpeg) ||
      (fourcc == V4L2_PIX_FMT_YUYV && cam->yuyv);
}

static unsigned
sizes_of (const TcCamera *cam, uint32_t fourcc, const TcSize **sizes)
{
  if (fourcc == V4L2_PIX_FMT_MJPEG && cam->n_files) {
    *sizes = &cam->files_size;
    return 1;
  }
  *sizes = cam->sizes;
  return cam->n_sizes;
}

static bool
has_size (const TcCamera *cam, uint32_t fourcc, uint32_t w, uint32_t h)
{
  const TcSize *sizes;
  unsigned n = sizes_of (cam, fourcc, &sizes);
  for (unsigned i = 0; i < n; i++)
    if (sizes[i].width == w && sizes[i].height == h)
      return true;
  return false;
}

static size_t
size_image (const TcCamera *cam, uint32_t fourcc, uint32_t w, uint32_t h)
{
  size_t size = (size_t) w * h * 2;
  if (fourcc == V4L2_PIX_FMT_MJPEG)
    for (unsigned i = 0; i < cam->n_files; i++)
      if (cam->files[i].size > size)
        size = cam->files[i].size;
  return size;
}

/* as uvcvideo: the supported format, else the first; the size that
 * overlaps the request the most */
static void
fit_format (const TcCamera *cam, struct v4l2_pix_format *pix)
{
  uint32_t list[2];
  const TcSize *sizes;
  unsigned n;
  uint64_t best = UINT64_MAX;
  uint32_t w = pix->width, h = pix->height;

  if (!has_format (cam, pix->pixelformat)) {
    formats (cam, list);
    pix->pixelformat = list[0];
  }
  n = sizes_of (cam, pix->pixelformat, &sizes);
  for (unsigned i = 0; i < n; i++) {
    uint64_t rw = sizes[i].width, rh = sizes[i].height;
    uint64_t common = (uint64_t) (w < rw ? w : rw) * (h < rh ? h : rh);
    uint64_t d = (uint64_t) w * h + rw * rh - 2 * common;
    if (d < best) {
      best = d;
      pix->width = rw;
      pix->height = rh;
    }
  }
  pix->field = V4L2_FIELD_NONE;
  pix->bytesperline = pix->pixelformat == V4L2_PIX_FMT_YUYV ? pix->width * 2 : 0;
  pix->sizeimage = size_image (cam, pix->pixelformat, pix->width, pix->height);
  pix->colorspace = V4L2_COLORSPACE_SRGB;
  pix->priv = V4L2_PIX_FMT_PRIV_MAGIC;
  pix->flags = 0;
  pix->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
  pix->quantization = V4L2_QUANTIZATION_DEFAULT;
  pix->xfer_func = V4L2_XFER_FUNC_DEFAULT;
}

void
testcam_device_init (TcCamera *cam)
{
  uint32_t list[2];
  const TcSize *sizes;

  for (unsigned i = 0; i < TC_NUM_CTRLS; i++)
    cam->ctrl_values[i] = testcam_ctrls[i].def;
  formats (cam, list);
  cam->fourcc = list[0];
  sizes_of (cam, cam->fourcc, &sizes);
  cam->width = sizes[0].width;
  cam->height = sizes[0].height;
  cam->rate = 0;
}

/* ---- controls ---- */

static int
ctrl_index (const TcCamera *cam, uint32_t id)
{
  if (!cam->controls)
    return -1;
  for (int i = 0; i < TC_NUM_CTRLS; i++)
    if (testcam_ctrls[i].id == id)
      return i;
  return -1;
}

static bool
ctrl_inactive (const TcCamera *cam, const int32_t *values, int i)
{
  const TcCtrlInfo *c = &testcam_ctrls[i];
  int m;

  if (!c->master)
    return false;
  m = ctrl_index (cam, c->master);
  return m >= 0 && values[m] != c->manual_value;
}

static uint32_t
ctrl_flags (const TcCamera *cam, int i)
{
  if (testcam_ctrls[i].type == V4L2_CTRL_TYPE_CTRL_CLASS)
    return V4L2_CTRL_FLAG_READ_ONLY | V4L2_CTRL_FLAG_WRITE_ONLY;
  return ctrl_inactive (cam, cam->ctrl_values, i) ? V4L2_CTRL_FLAG_INACTIVE : 0;
}

/* the control's index for QUERYCTRL's id, walking with NEXT_CTRL */
static int
ctrl_query (const TcCamera *cam, uint32_t id)
{
  uint32_t next = id & (V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND);

  if (!cam->controls)
    return -1;
  if (!next)
    return ctrl_index (cam, id);
  if (!(next & V4L2_CTRL_FLAG_NEXT_CTRL))
    return -1;            /* only compound controls: we have none */
  id &= ~(V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND);
  for (int i = 0; i < TC_NUM_CTRLS; i++)
    if (testcam_ctrls[i].id > id)
      return i;
  return -1;
}

/* Checks setting control i to *value given the values so far; rounds the
 * value to the step.  Inactive controls refuse with EACCES: that is the
 * answer a recorder that sets a manual value under an auto mode gets. */
static int
ctrl_check (const TcCamera *cam, const int32_t *values, int i, int32_t *value)
{
  const TcCtrlInfo *c = &testcam_ctrls[i];
  int64_t v = *value;

  if (c->type == V4L2_CTRL_TYPE_CTRL_CLASS)
    return EACCES;
  if (ctrl_inactive (cam, values, i))
    return EACCES;
  if (v < c->min || v > c->max)
    return ERANGE;
  if (c->type == V4L2_CTRL_TYPE_MENU && !(c->menu_mask & (1u << v)))
    return EINVAL;
  if (c->type == V4L2_CTRL_TYPE_INTEGER && c->step > 1) {
    v = c->min + (v - c->min + c->step / 2) / c->step * c->step;
    if (v > c->max)
      v -= c->step;
  }
  *value = v;
  return 0;
}

static void
ctrl_log (const TcCamera *cam, int i, int32_t value)
{
  testcam_log ("ctrl %s %s %d", cam->path, testcam_ctrls[i].key, value);
}

static int
ioctl_queryctrl (TcCamera *cam, struct v4l2_queryctrl *q)
{
  int i = ctrl_query (cam, q->id);
  const TcCtrlInfo *c;

  if (i < 0)
    return EINVAL;
  c = &testcam_ctrls[i];
  memset (q, 0, sizeof *q);
  q->id = c->id;
  q->type = c->type;
  snprintf ((char *) q->name, sizeof q->name, "%s", c->name);
  q->minimum = c->min;
  q->maximum = c->max;
  q->step = c->step;
  q->default_value = c->def;
  q->flags = ctrl_flags (cam, i);
  return 0;
}

static int
ioctl_query_ext_ctrl (TcCamera *cam, struct v4l2_query_ext_ctrl *q)
{
  int i = ctrl_query (cam, q->id);
  const TcCtrlInfo *c;

  if (i < 0)
    return EINVAL;
  c = &testcam_ctrls[i];
  memset (q, 0, sizeof *q);
  q->id = c->id;
  q->type = c->type;
  snprintf (q->name, sizeof q->name, "%s", c->name);
  q->minimum = c->min;
  q->maximum = c->max;
  q->step = c->step;
  q->default_value = c->def;
  q->flags = ctrl_flags (cam, i);
  if (c->type != V4L2_CTRL_TYPE_CTRL_CLASS) {
    q->elem_size = sizeof (int32_t);
    q->elems = 1;
  }
  return 0;
}

static int
ioctl_querymenu (TcCamera *cam, struct v4l2_querymenu *m)
{
  int i = ctrl_index (cam, m->id);

  if (i < 0 || testcam_ctrls[i].type != V4L2_CTRL_TYPE_MENU || m->index > 3 ||
      !(testcam_ctrls[i].menu_mask & (1u << m->index)))
    return EINVAL;
  memset (m->name, 0, sizeof m->name);
  snprintf ((char *) m->name, sizeof m->name, "%s", exposure_menu[m->index]);
  m->reserved = 0;
  return 0;
}

static int
ioctl_g_ctrl (TcCamera *cam, struct v4l2_control *c)
{
  int i = ctrl_index (cam, c->id);

  if (i < 0)
    return EINVAL;
  if (testcam_ctrls[i].type == V4L2_CTRL_TYPE_CTRL_CLASS)
    return EACCES;
  c->value = cam->ctrl_values[i];
  return 0;
}

static int
ioctl_s_ctrl (TcCamera *cam, struct v4l2_control *c)
{
  int i = ctrl_index (cam, c->id);
  int32_t v = c->value;
  int err;

  if (i < 0)
    return EINVAL;
  err = ctrl_check (cam, cam->ctrl_values, i, &v);
  if (err)
    return err;
  cam->ctrl_values[i] = v;
  c->value = v;
  ctrl_log (cam, i, v);
  return 0;
}

/* G, S and TRY of a set of controls.  S applies them in order, each checked
 * against the values before it in the set, and all or none. */
static int
ioctl_ext_ctrls (TcCamera *cam, unsigned long req, struct v4l2_ext_controls *ec)
{
  int32_t values[TC_NUM_CTRLS];
  int idx[64];
  uint32_t which = ec->which;

  if (ec->count > 64)
    return EINVAL;
  if (ec->count && !ec->controls)
    return EFAULT;
  if (which == V4L2_CTRL_WHICH_REQUEST_VAL)
    return EINVAL;
  if (which == V4L2_CTRL_WHICH_DEF_VAL && req != VIDIOC_G_EXT_CTRLS)
    return EINVAL;
  memcpy (values, cam->ctrl_values, sizeof values);
  for (uint32_t n = 0; n < ec->count; n++) {
    struct v4l2_ext_control *x = &ec->controls[n];
    int i = ctrl_index (cam, x->id);
    int32_t v;
    int err;

    ec->error_idx = n;
    if (i < 0)
      return EINVAL;
    if (which != V4L2_CTRL_WHICH_CUR_VAL && which != V4L2_CTRL_WHICH_DEF_VAL &&
        V4L2_CTRL_ID2WHICH (x->id) != which)
      return EINVAL;
    if (testcam_ctrls[i].type == V4L2_CTRL_TYPE_CTRL_CLASS)
      return EACCES;
    idx[n] = i;
    if (req == VIDIOC_G_EXT_CTRLS) {
      x->value = which == V4L2_CTRL_WHICH_DEF_VAL ? testcam_ctrls[i].def : values[i];
      continue;
    }
    v = x->value;
    err = ctrl_check (cam, values, i, &v);
    if (err)
      return err;
    x->value = values[i] = v;
  }
  ec->error_idx = 0;
  if (req == VIDIOC_S_EXT_CTRLS) {
    memcpy (cam->ctrl_values, values, sizeof values);
    for (uint32_t n = 0; n < ec->count; n++)
      ctrl_log (cam, idx[n], ec->controls[n].value);
  }
  return 0;
}

/* ---- buffers and the frame clock ---- */

static void
timer_arm (TcHandle *h, uint64_t first_ns, uint64_t period_ns)
{
  struct itimerspec its = {
    .it_value = { first_ns / NSEC, first_ns % NSEC },
    .it_interval = { period_ns / NSEC, period_ns % NSEC },
  };
  if (!first_ns)
    its.it_value = (struct timespec) { 0, 0 };
  timerfd_settime (h->timerfd, first_ns ? TFD_TIMER_ABSTIME : 0, &its, NULL);
}

/* clears the timer's expirations, without waiting */
static void
timer_take (TcHandle *h)
{
  struct pollfd p = { h->timerfd, POLLIN, 0 };
  uint64_t ticks = 0;

  if (poll (&p, 1, 0) == 1 && (p.revents & POLLIN) &&
      read (h->timerfd, &ticks, sizeof ticks) != sizeof ticks)
    ticks = 0;
}

static uint64_t
rate_period_ns (const TcCamera *cam)
{
  const TcRate *r = &cam->rates[cam->rate];
  return (NSEC * r->den + r->num / 2) / r->num;
}

/* The frames whose time has come since the last look, each into the next
 * empty queued buffer, or lost when there is none. */
static void
capture_due (TcCamera *cam, TcHandle *h)
{
  uint64_t now = now_ns ();

  timer_take (h);
  while (cam->streaming && cam->next_tick_ns <= now) {
    if (cam->q_len > cam->n_ready) {
      cam->ready_seq[cam->n_ready] = cam->seq_next;
      cam->ready_ns[cam->n_ready] = cam->next_tick_ns;
      cam->n_ready++;
    } else {
      testcam_log ("lost %s %u", cam->path, cam->seq_next);
    }
    cam->seq_next++;
    cam->next_tick_ns += cam->period_ns;
    if (cam->slow_left && --cam->slow_left == 0) {
      /* back to the frame rate from the last slow frame on */
      cam->next_tick_ns += rate_period_ns (cam) - cam->period_ns;
      cam->period_ns = rate_period_ns (cam);
    }
  }
}

/* The descriptor is readable now when a filled buffer waits, else at the
 * next frame. */
static void
timer_rearm (TcCamera *cam, TcHandle *h)
{
  if (!cam->streaming)
    timer_arm (h, 0, 0);
  else if (cam->n_ready > 0)
    timer_arm (h, now_ns (), 0);
  else
    timer_arm (h, cam->next_tick_ns, cam->period_ns);
}

static void
buffers_free (TcCamera *cam)
{
  if (cam->mem)
    munmap (cam->mem, cam->buf_size * cam->n_buffers);
  if (cam->memfd >= 0)
    testcam_real.close (cam->memfd);
  cam->mem = NULL;
  cam->memfd = -1;
  cam->n_buffers = 0;
  cam->q_head = cam->q_len = 0;
  memset (cam->queued, 0, sizeof cam->queued);
  cam->owner = NULL;
}

static void
stream_stop (TcCamera *cam)
{
  if (cam->owner)
    timer_arm (cam->owner, 0, 0);
  if (cam->streaming)
    testcam_log ("streamoff %s", cam->path);
  cam->streaming = false;
  cam->q_head = cam->q_len = 0;
  cam->n_ready = 0;
  memset (cam->queued, 0, sizeof cam->queued);
}

/* The dead end of a socket pair whose peer went with data unread: it
 * polls POLLERR|POLLHUP, as an unplugged camera's node does. */
static int
dead_fd (void)
{
  static int fd = -1;
  int sv[2];

  if (fd >= 0)
    return fd;
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return -1;
  if (write (sv[0], "x", 1) != 1) {
    testcam_real.close (sv[0]);
    testcam_real.close (sv[1]);
    return -1;
  }
  testcam_real.close (sv[1]);
  fd = sv[0];
  return fd;
}

static void
unplug (TcCamera *cam)
{
  int fd = dead_fd ();

  if (cam->gone)
    return;
  testcam_log ("fault %s unplug %llu", cam->path, (unsigned long long) cam->delivered);
  if (cam->streaming) {
    timer_arm (cam->owner, 0, 0);
    cam->streaming = false;
  }
  cam->gone = true;
  if (fd >= 0)
    testcam_fds_kill (cam, fd);
}

static bool
trigger_met (const TcCamera *cam, const TcFault *f)
{
  struct stat st;

  if (f->fired)
    return false;
  if (f->at_file)
    return testcam_real.stat (f->at_file, &st) == 0;
  return cam->delivered >= f->at_frames;
}

void
testcam_unplug_check_files (TcCamera *cam)
{
  for (unsigned i = 0; i < cam->n_faults; i++) {
    TcFault *f = &cam->faults[i];
    if (f->kind == TC_FAULT_UNPLUG && f->at_file && trigger_met (cam, f)) {
      f->fired = true;
      unplug (cam);
    }
  }
}

/* Faults whose trigger is met take effect from the next frame on. */
static void
faults_check (TcCamera *cam, TcHandle *h)
{
  for (unsigned i = 0; i < cam->n_faults && !cam->gone; i++) {
    TcFault *f = &cam->faults[i];

    if (!trigger_met (cam, f))
      continue;
    f->fired = true;
    switch (f->kind) {
      case TC_FAULT_GAP:
        testcam_log ("fault %s gap %llu %u", cam->path, (unsigned long long) f->amount,
                     cam->seq_next);
        cam->next_tick_ns += f->amount * cam->period_ns;
        cam->seq_next += f->amount;
        break;
      case TC_FAULT_CORRUPT:
        cam->corrupt_next = f->amount;
        break;
      case TC_FAULT_STALL:
        testcam_log ("fault %s stall %llu.%03llu %u", cam->path,
                     (unsigned long long) f->amount / 1000,
                     (unsigned long long) f->amount % 1000, cam->seq_next);
        cam->next_tick_ns += f->amount * 1000000;
        break;
      case TC_FAULT_SLOW:
        testcam_log ("fault %s slow %llu %llu %u", cam->path, (unsigned long long) f->amount,
                     (unsigned long long) f->count, cam->seq_next);
        cam->next_tick_ns += f->amount * 1000000 - cam->period_ns;
        cam->period_ns = f->amount * 1000000;
        cam->slow_left = f->count;
        break;
      case TC_FAULT_UNPLUG:
        unplug (cam);
        break;
    }
  }
}

static void
corrupt (TcCamera *cam, uint8_t *data, uint32_t *size)
{
  static const char *const names[] = { "truncate", "markers", "garbage" };

  testcam_log ("fault %s corrupt %s %u", cam->path, names[cam->corrupt_next], cam->seq_next - 1);
  switch (cam->corrupt_next) {
    case TC_CORRUPT_TRUNCATE:
      *size /= 2;
      /* and no EOI, should the cut fall just past one */
      if (*size >= 2 && data[*size - 2] == 0xff && data[*size - 1] == 0xd9)
        *size -= 1;
      break;
    case TC_CORRUPT_MARKERS:
      /* SOI stays; SOF and SOS say they are 2 bytes long, and an undefined
       * marker (0xff 0x01 is TEM, 0xff 0x4f none) follows SOI */
      for (uint32_t i = 2; i + 3 < *size; i++) {
        if (data[i] != 0xff)
          continue;
        if ((data[i + 1] >= 0xc0 && data[i + 1] <= 0xc3) || data[i + 1] == 0xda) {
          data[i + 2] = 0;
          data[i + 3] = 2;
          if (data[i + 1] == 0xda)
            break;
        }
      }
      if (*size > 4) {
        data[2] = 0xff;
        data[3] = 0x4f;
      }
      break;
    case TC_CORRUPT_GARBAGE: {
      uint32_t x = 0x2545f491u ^ cam->seq_next;
      for (uint32_t i = 0; i < *size; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = x;
      }
      if (data[0] == 0xff)
        data[0] = 0;
      break;
    }
  }
  cam->corrupt_next = -1;
}

static int
ioctl_reqbufs (TcCamera *cam, TcHandle *h, struct v4l2_requestbuffers *rb)
{
  struct v4l2_pix_format pix = { .width = cam->width, .height = cam->height,
                                 .pixelformat = cam->fourcc };
  uint32_t count;
  size_t page = sysconf (_SC_PAGESIZE);

  if (rb->type != buf_type (cam) || cam->output)
    return EINVAL;
  if (rb->memory != V4L2_MEMORY_MMAP)
    return EINVAL;
  if (cam->streaming || (cam->owner && cam->owner != h))
    return EBUSY;
  buffers_free (cam);
  rb->capabilities = V4L2_BUF_CAP_SUPPORTS_MMAP;
  memset (rb->reserved, 0, sizeof rb->reserved);
  if (rb->count == 0)
    return 0;

  count = rb->count > TC_MAX_BUFFERS ? TC_MAX_BUFFERS : rb->count;
  fit_format (cam, &pix);
  cam->buf_size = (pix.sizeimage + page - 1) / page * page;
  cam->memfd = memfd_create ("emocap-testcam", MFD_CLOEXEC);
  if (cam->memfd < 0 || ftruncate (cam->memfd, cam->buf_size * count) < 0)
    goto nomem;
  cam->mem = testcam_real.mmap (NULL, cam->buf_size * count, PROT_READ | PROT_WRITE,
                                MAP_SHARED, cam->memfd, 0);
  if (cam->mem == MAP_FAILED) {
    cam->mem = NULL;
    goto nomem;
  }
  cam->n_buffers = count;
  for (uint32_t i = 0; i < count; i++) {
    struct v4l2_buffer *b = &cam->bufs[i];
    memset (b, 0, sizeof *b);
    b->index = i;
    b->type = rb->type;
    b->memory = V4L2_MEMORY_MMAP;
    b->m.offset = i * cam->buf_size;
    b->length = pix.sizeimage;
    b->field = V4L2_FIELD_NONE;
  }
  cam->owner = h;
  rb->count = count;
  return 0;

nomem:
  buffers_free (cam);
  return ENOMEM;
}

static int
check_buf (TcCamera *cam, TcHandle *h, const struct v4l2_buffer *b)
{
  if (b->type != buf_type (cam))
    return EINVAL;
  if (cam->owner != h && cam->owner)
    return EBUSY;
  if (b->index >= cam->n_buffers)
    return EINVAL;
  return 0;
}

static void
fill_buf (TcCamera *cam, struct v4l2_buffer *b, unsigned i)
{
  *b = cam->bufs[i];
  b->flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC | V4L2_BUF_FLAG_TSTAMP_SRC_SOE;
  if (cam->queued[i])
    b->flags |= V4L2_BUF_FLAG_QUEUED;
}

static int
ioctl_dqbuf (TcCamera *cam, TcHandle *h, struct v4l2_buffer *b)
{
  uint64_t ts;
  uint32_t seq, bytes;
  unsigned i;
  const TcFrame *frame;
  uint8_t *dst;

  if (b->type != buf_type (cam) || b->memory != V4L2_MEMORY_MMAP)
    return EINVAL;

  for (;;) {
    struct pollfd p = { h->timerfd, POLLIN, 0 };
    int fl;

    if (cam->gone)
      return ENODEV;
    if (!cam->streaming || cam->owner != h || cam->q_len == 0)
      return EINVAL;
    capture_due (cam, h);
    if (cam->n_ready > 0)
      break;
    timer_rearm (cam, h);
    fl = testcam_real.fcntl (h->timerfd, F_GETFL);
    if (fl < 0 || (fl & O_NONBLOCK))
      return EAGAIN;
    /* a blocking DQBUF: wait for a tick without the lock, checking now and
     * then whether the stream went away */
    h->refs++;
    pthread_mutex_unlock (&testcam_lock);
    poll (&p, 1, 100);
    pthread_mutex_lock (&testcam_lock);
    if (--h->refs == 0) {
      /* closed meanwhile */
      testcam_device_release (h);
      return EBADF;
    }
  }

  /* the oldest filled buffer: the head of the queue */
  seq = cam->ready_seq[0];
  ts = cam->ready_ns[0];
  cam->n_ready--;
  memmove (cam->ready_seq, cam->ready_seq + 1, cam->n_ready * sizeof cam->ready_seq[0]);
  memmove (cam->ready_ns, cam->ready_ns + 1, cam->n_ready * sizeof cam->ready_ns[0]);
  i = cam->queue[cam->q_head];
  cam->q_head = (cam->q_head + 1) % TC_MAX_BUFFERS;
  cam->q_len--;
  cam->queued[i] = false;

  if (cam->fourcc == V4L2_PIX_FMT_MJPEG && cam->n_files)
    frame = &cam->files[seq % cam->n_files];
  else
    frame = &cam->ring->frames[seq % cam->ring->n];
  dst = cam->mem + cam->bufs[i].m.offset;
  bytes = frame->size > cam->bufs[i].length ? cam->bufs[i].length : frame->size;
  memcpy (dst, frame->data, bytes);
  if (cam->corrupt_next >= 0 && cam->fourcc == V4L2_PIX_FMT_MJPEG)
    corrupt (cam, dst, &bytes);
  cam->corrupt_next = -1;

  fill_buf (cam, b, i);
  b->bytesused = bytes;
  b->sequence = seq;
  b->timestamp.tv_sec = ts / NSEC;
  b->timestamp.tv_usec = ts % NSEC / 1000;
  cam->delivered++;
  testcam_log ("frame %s %u %llu %u %s", cam->path, seq,
               (unsigned long long) b->timestamp.tv_sec * NSEC +
               (unsigned long long) b->timestamp.tv_usec * 1000, bytes, frame->source);
  faults_check (cam, h);
  if (!cam->gone)
    timer_rearm (cam, h);
  return 0;
}

static int
ioctl_streamon (TcCamera *cam, TcHandle *h, const int *type)
{
  const TcRate *r;
  const char *fmt;
  bool ok;

  if (*type != (int) buf_type (cam) || cam->output || cam->n_buffers == 0)
    return EINVAL;
  if (cam->owner != h)
    return EBUSY;
  if (cam->streaming)
    return 0;
  /* the frames may be made with the lock released: keep the handle, and
   * look again afterwards */
  h->refs++;
  ok = testcam_ring_prepare (cam);
  if (--h->refs == 0) {
    testcam_device_release (h);
    return EBADF;
  }
  if (!ok)
    return ENOMEM;
  if (cam->gone)
    return ENODEV;
  if (cam->owner != h || cam->n_buffers == 0)
    return EINVAL;
  if (cam->streaming)
    return 0;
  if (cam->fourcc == V4L2_PIX_FMT_YUYV || !cam->n_files) {
    if (!cam->ring || cam->ring->fourcc != cam->fourcc || cam->ring->width != cam->width ||
        cam->ring->height != cam->height)
      return EINVAL;
  }
  r = &cam->rates[cam->rate];
  cam->period_ns = rate_period_ns (cam);
  cam->next_tick_ns = now_ns () + cam->period_ns;
  cam->seq_next = 0;
  cam->slow_left = 0;
  cam->corrupt_next = -1;
  cam->n_ready = 0;
  cam->streaming = true;
  timer_take (h);
  timer_rearm (cam, h);
  /* in the words of the configuration: format=mjpeg, rates=30000/1001 */
  fmt = cam->fourcc == V4L2_PIX_FMT_MJPEG ? "mjpeg" : "yuyv";
  if (r->den == 1)
    testcam_log ("streamon %s %ux%u %s %u", cam->path, cam->width, cam->height, fmt, r->num);
  else
    testcam_log ("streamon %s %ux%u %s %u/%u", cam->path, cam->width, cam->height, fmt,
                 r->num, r->den);
  faults_check (cam, h);
  return 0;
}

/* ---- the rest of the node ---- */

static int
ioctl_querycap (TcCamera *cam, struct v4l2_capability *cap)
{
  memset (cap, 0, sizeof *cap);
  snprintf ((char *) cap->driver, sizeof cap->driver, "uvcvideo");
  snprintf ((char *) cap->card, sizeof cap->card, "%s", cam->name);
  snprintf ((char *) cap->bus_info, sizeof cap->bus_info, "usb-0000:00:14.0-%u", cam->index + 1);
  cap->version = LINUX_VERSION_CODE;
  cap->device_caps = (cam->output ? V4L2_CAP_VIDEO_OUTPUT : V4L2_CAP_VIDEO_CAPTURE) |
      V4L2_CAP_STREAMING | V4L2_CAP_EXT_PIX_FORMAT;
  cap->capabilities = cap->device_caps | V4L2_CAP_DEVICE_CAPS;
  return 0;
}

static int
ioctl_fmt (TcCamera *cam, unsigned long req, struct v4l2_format *fmt)
{
  struct v4l2_pix_format *pix = &fmt->fmt.pix;

  if (fmt->type != buf_type (cam))
    return EINVAL;
  if (req == VIDIOC_G_FMT) {
    memset (pix, 0, sizeof *pix);
    pix->width = cam->width;
    pix->height = cam->height;
    pix->pixelformat = cam->fourcc;
    fit_format (cam, pix);
    return 0;
  }
  if (req == VIDIOC_S_FMT && (cam->streaming || cam->n_buffers))
    return EBUSY;
  fit_format (cam, pix);
  if (req == VIDIOC_S_FMT) {
    cam->fourcc = pix->pixelformat;
    cam->width = pix->width;
    cam->height = pix->height;
  }
  return 0;
}

static int
ioctl_parm (TcCamera *cam, unsigned long req, struct v4l2_streamparm *parm)
{
  struct v4l2_fract *tpf;

  if (parm->type != buf_type (cam))
    return EINVAL;
  tpf = cam->output ? &parm->parm.output.timeperframe : &parm->parm.capture.timeperframe;
  if (req == VIDIOC_S_PARM) {
    double want, best = 1e30;
    if (cam->streaming)
      return EBUSY;
    if (tpf->numerator && tpf->denominator) {
      want = (double) tpf->denominator / tpf->numerator;
      for (unsigned i = 0; i < cam->n_rates; i++) {
        double d = (double) cam->rates[i].num / cam->rates[i].den - want;
        if (d < 0)
          d = -d;
        if (d < best) {
          best = d;
          cam->rate = i;
        }
      }
    }
  }
  memset (&parm->parm, 0, sizeof parm->parm);
  tpf = cam->output ? &parm->parm.output.timeperframe : &parm->parm.capture.timeperframe;
  if (cam->output)
    parm->parm.output.capability = V4L2_CAP_TIMEPERFRAME;
  else
    parm->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
  tpf->numerator = cam->rates[cam->rate].den;
  tpf->denominator = cam->rates[cam->rate].num;
  return 0;
}

static int
ioctl_enum_fmt (TcCamera *cam, struct v4l2_fmtdesc *d)
{
  uint32_t list[2];
  unsigned n = formats (cam, list);
  uint32_t index = d->index, type = d->type;

  if (type != buf_type (cam) || index >= n)
    return EINVAL;
  memset (d, 0, sizeof *d);
  d->index = index;
  d->type = type;
  d->pixelformat = list[index];
  if (list[index] == V4L2_PIX_FMT_MJPEG) {
    d->flags = V4L2_FMT_FLAG_COMPRESSED;
    snprintf ((char *) d->description, sizeof d->description, "Motion-JPEG");
  } else {
    snprintf ((char *) d->description, sizeof d->description, "YUYV 4:2:2");
  }
  return 0;
}

static int
ioctl_enum_framesizes (TcCamera *cam, struct v4l2_frmsizeenum *fs)
{
  const TcSize *sizes;
  unsigned n;

  if (!has_format (cam, fs->pixel_format))
    return EINVAL;
  n = sizes_of (cam, fs->pixel_format, &sizes);
  if (fs->index >= n)
    return EINVAL;
  fs->type = V4L2_FRMSIZE_TYPE_DISCRETE;
  fs->discrete.width = sizes[fs->index].width;
  fs->discrete.height = sizes[fs->index].height;
  memset (fs->reserved, 0, sizeof fs->reserved);
  return 0;
}

static int
ioctl_enum_frameintervals (TcCamera *cam, struct v4l2_frmivalenum *fi)
{
  if (!has_format (cam, fi->pixel_format) ||
      !has_size (cam, fi->pixel_format, fi->width, fi->height) || fi->index >= cam->n_rates)
    return EINVAL;
  fi->type = V4L2_FRMIVAL_TYPE_DISCRETE;
  fi->discrete.numerator = cam->rates[fi->index].den;
  fi->discrete.denominator = cam->rates[fi->index].num;
  memset (fi->reserved, 0, sizeof fi->reserved);
  return 0;
}

int
testcam_device_ioctl (TcHandle *h, int fd, unsigned long req, void *arg)
{
  TcCamera *cam = h->cam;
  int i;

  testcam_unplug_check_files (cam);
  if (cam->gone)
    return ENODEV;
  if (!arg && _IOC_SIZE (req))
    return EFAULT;

  switch (req) {
    case VIDIOC_QUERYCAP:
      return ioctl_querycap (cam, arg);
    case VIDIOC_ENUM_FMT:
      return ioctl_enum_fmt (cam, arg);
    case VIDIOC_G_FMT:
    case VIDIOC_S_FMT:
    case VIDIOC_TRY_FMT:
      return ioctl_fmt (cam, req, arg);
    case VIDIOC_G_PARM:
    case VIDIOC_S_PARM:
      return ioctl_parm (cam, req, arg);
    case VIDIOC_ENUM_FRAMESIZES:
      return ioctl_enum_framesizes (cam, arg);
    case VIDIOC_ENUM_FRAMEINTERVALS:
      return ioctl_enum_frameintervals (cam, arg);
    case VIDIOC_ENUMINPUT: {
      struct v4l2_input *in = arg;
      uint32_t index = in->index;
      if (cam->output || index != 0)
        return EINVAL;
      memset (in, 0, sizeof *in);
      snprintf ((char *) in->name, sizeof in->name, "Camera 1");
      in->type = V4L2_INPUT_TYPE_CAMERA;
      return 0;
    }
    case VIDIOC_G_INPUT:
      if (cam->output)
        return ENOTTY;
      *(int *) arg = 0;
      return 0;
    case VIDIOC_S_INPUT:
      if (cam->output)
        return ENOTTY;
      return *(int *) arg == 0 ? 0 : EINVAL;
    case VIDIOC_G_PRIORITY:
      *(uint32_t *) arg = V4L2_PRIORITY_DEFAULT;
      return 0;
    case VIDIOC_S_PRIORITY:
      return *(uint32_t *) arg <= V4L2_PRIORITY_RECORD ? 0 : EINVAL;
    case VIDIOC_QUERYCTRL:
      return ioctl_queryctrl (cam, arg);
    case VIDIOC_QUERY_EXT_CTRL:
      return ioctl_query_ext_ctrl (cam, arg);
    case VIDIOC_QUERYMENU:
      return ioctl_querymenu (cam, arg);
    case VIDIOC_G_CTRL:
      return ioctl_g_ctrl (cam, arg);
    case VIDIOC_S_CTRL:
      return ioctl_s_ctrl (cam, arg);
    case VIDIOC_G_EXT_CTRLS:
    case VIDIOC_S_EXT_CTRLS:
    case VIDIOC_TRY_EXT_CTRLS:
      return ioctl_ext_ctrls (cam, req, arg);
    case VIDIOC_SUBSCRIBE_EVENT:
      /* control events are accepted, as uvcvideo does; none ever comes */
      return ((struct v4l2_event_subscription *) arg)->type == V4L2_EVENT_CTRL ? 0 : EINVAL;
    case VIDIOC_UNSUBSCRIBE_EVENT:
      return 0;
    case VIDIOC_DQEVENT:
      return ENOENT;
    case VIDIOC_REQBUFS:
      return ioctl_reqbufs (cam, h, arg);
    case VIDIOC_QUERYBUF: {
      struct v4l2_buffer *b = arg;
      int err = check_buf (cam, h, b);
      if (err)
        return err;
      fill_buf (cam, b, b->index);
      return 0;
    }
    case VIDIOC_QBUF: {
      struct v4l2_buffer *b = arg;
      int err = check_buf (cam, h, b);
      if (err)
        return err;
      if (b->memory != V4L2_MEMORY_MMAP || cam->queued[b->index])
        return EINVAL;
      /* frames due before this buffer came cannot have gone into it */
      if (cam->streaming && cam->owner == h && !cam->gone) {
        capture_due (cam, h);
        timer_rearm (cam, h);
      }
      i = b->index;
      cam->queued[i] = true;
      cam->queue[(cam->q_head + cam->q_len) % TC_MAX_BUFFERS] = i;
      cam->q_len++;
      fill_buf (cam, b, i);
      return 0;
    }
    case VIDIOC_DQBUF:
      return ioctl_dqbuf (cam, h, arg);
    case VIDIOC_STREAMON:
      return ioctl_streamon (cam, h, arg);
    case VIDIOC_STREAMOFF:
      if (*(int *) arg != (int) buf_type (cam))
        return EINVAL;
      if (cam->owner && cam->owner != h)
        return EBUSY;
      stream_stop (cam);
      return 0;
    default:
      /* EXPBUF, CREATE_BUFS, selection, cropping, standards, timings...:
       * not this camera's; ENOTTY also keeps v4l2src on MMAP */
      return ENOTTY;
  }
}

void
testcam_device_release (TcHandle *h)
{
  TcCamera *cam = h->cam;

  if (cam->owner == h) {
    stream_stop (cam);
    buffers_free (cam);
  }
  cam->n_open--;
  testcam_real.close (h->timerfd);
  free (h);
}
