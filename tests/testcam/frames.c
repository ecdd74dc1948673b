/* emocap tests: the pictures a test camera sends
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Either the JPEG files of a folder, or a ring of generated frames made
 * once per format and size: a moving pattern with the frame's index in the
 * ring drawn in, YUYV as is or JPEG-encoded 4:2:2 with TurboJPEG.  Serving
 * from the ring costs a copy per frame, so a benchmark of the recorder
 * with several cameras measures the recorder.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#include "testcam.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <turbojpeg.h>

static int
jpg_filter (const struct dirent *d)
{
  size_t n = strlen (d->d_name);
  return d->d_name[0] != '.' && n > 4 && strcmp (d->d_name + n - 4, ".jpg") == 0;
}

static bool
read_all (const char *path, TcFrame *frame)
{
  struct stat st;
  int fd = testcam_real.open (path, O_RDONLY | O_CLOEXEC);
  size_t got = 0;

  if (fd < 0)
    return false;
  if (testcam_real.fstat (fd, &st) < 0 || st.st_size <= 0)
    goto bailout;
  frame->size = st.st_size;
  frame->data = malloc (frame->size);
  while (got < frame->size) {
    ssize_t r = read (fd, (char *) frame->data + got, frame->size - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      goto bailout;
    got += r;
  }
  testcam_real.close (fd);
  return true;

bailout:
  testcam_real.close (fd);
  return false;
}

bool
testcam_files_load (TcCamera *cam)
{
  struct dirent **names = NULL;
  tjhandle tj = NULL;
  bool ok = false;
  int n = scandir (cam->frames_dir, &names, jpg_filter, alphasort);

  if (n < 0) {
    fprintf (stderr, "emocap-testcam: camera '%s': option 'frames': cannot read '%s': %s; "
             "camera not created\n", cam->path, cam->frames_dir, strerror (errno));
    return false;
  }
  if (n == 0) {
    fprintf (stderr, "emocap-testcam: camera '%s': option 'frames': no *.jpg in '%s'; "
             "camera not created\n", cam->path, cam->frames_dir);
    goto bailout;
  }
  tj = tjInitDecompress ();
  if (!tj) {
    fprintf (stderr, "emocap-testcam: %s\n", tjGetErrorStr2 (NULL));
    goto bailout;
  }
  cam->files = calloc (n, sizeof *cam->files);
  for (int i = 0; i < n; i++) {
    TcFrame *f = &cam->files[cam->n_files];
    char path[4096];
    int w, h, sub, cs;

    snprintf (path, sizeof path, "%s/%s", cam->frames_dir, names[i]->d_name);
    if (!read_all (path, f)) {
      fprintf (stderr, "emocap-testcam: camera '%s': option 'frames': cannot read '%s'; "
               "camera not created\n", cam->path, path);
      goto bailout;
    }
    f->source = strdup (names[i]->d_name);
    cam->n_files++;
    if (tjDecompressHeader3 (tj, f->data, f->size, &w, &h, &sub, &cs) < 0) {
      fprintf (stderr, "emocap-testcam: camera '%s': option 'frames': '%s' is not a JPEG: %s; "
               "camera not created\n", cam->path, path, tjGetErrorStr2 (tj));
      goto bailout;
    }
    if (i == 0) {
      cam->files_size = (TcSize) { w, h };
    } else if ((uint32_t) w != cam->files_size.width || (uint32_t) h != cam->files_size.height) {
      fprintf (stderr, "emocap-testcam: camera '%s': option 'frames': '%s' is %dx%d, "
               "the first is %ux%u; camera not created\n", cam->path, path, w, h,
               cam->files_size.width, cam->files_size.height);
      goto bailout;
    }
  }
  ok = true;

bailout:
  if (tj)
    tjDestroy (tj);
  for (int i = 0; i < n; i++)
    free (names[i]);
  free (names);
  /* on failure the camera is freed with what was loaded */
  return ok;
}

/* 5x7 digits, one byte a row, the low 5 bits from the left */
static const uint8_t digits[10][7] = {
  { 0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e },
  { 0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e },
  { 0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f },
  { 0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e },
  { 0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02 },
  { 0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e },
  { 0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e },
  { 0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 },
  { 0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e },
  { 0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c },
};

static inline uint32_t
hash3 (uint32_t x, uint32_t y, uint32_t z)
{
  uint32_t h = x * 0x9e3779b1u ^ y * 0x85ebca77u ^ z * 0xc2b2ae3du;
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  return h;
}

static inline uint8_t
clamp8 (int v)
{
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/* Planar 4:2:2 picture of frame `index` of `n`: colour bands drifting to
 * the right, a bright square crossing, the index in a black box. */
static void
draw (uint8_t *y_plane, uint8_t *u_plane, uint8_t *v_plane,
      uint32_t w, uint32_t h, unsigned index, unsigned n, int noise)
{
  static const uint8_t band_u[8] = { 128, 44, 156, 72, 184, 100, 212, 128 };
  static const uint8_t band_v[8] = { 128, 21, 148, 201, 60, 230, 110, 128 };
  uint32_t shift = (uint64_t) w * index / n;
  uint32_t sq = h / 5;
  uint32_t sq_x = (uint64_t) (w - sq) * index / n, sq_y = (h - sq) / 2;
  uint32_t scale = h / 80 ? h / 80 : 1;
  uint32_t box_w = scale * (6 * 4 + 1), box_h = scale * 9;
  char label[16];

  snprintf (label, sizeof label, "%04u", index % 10000);

  for (uint32_t y = 0; y < h; y++) {
    uint8_t *yr = y_plane + (size_t) y * w;
    uint8_t *ur = u_plane + (size_t) y * (w / 2);
    uint8_t *vr = v_plane + (size_t) y * (w / 2);
    for (uint32_t x = 0; x < w; x++) {
      uint32_t xs = (x + shift) % w;
      int luma = 40 + (int) (170 * xs / w) + (int) ((y * 32 / h) & 1) * 12;
      if (x >= sq_x && x < sq_x + sq && y >= sq_y && y < sq_y + sq)
        luma = 235;
      if (x < box_w && y < box_h) {
        uint32_t cx = x / scale, cy = y / scale;
        luma = 16;
        if (cx >= 1 && cy >= 1 && cy < 8 && (cx - 1) % 6 < 5) {
          unsigned d = (cx - 1) / 6;
          if (d < 4 && digits[label[d] - '0'][cy - 1] & (0x10 >> ((cx - 1) % 6)))
            luma = 235;
        }
      } else if (noise) {
        luma += (int) (hash3 (x, y, index) % (2 * noise + 1)) - noise;
      }
      yr[x] = clamp8 (luma);
    }
    for (uint32_t x = 0; x < w / 2; x++) {
      unsigned band = ((2 * x + shift) % w) * 8 / w;
      bool grey = (2 * x < box_w && y < box_h) ||
          (2 * x >= sq_x && 2 * x < sq_x + sq && y >= sq_y && y < sq_y + sq);
      ur[x] = grey ? 128 : band_u[band];
      vr[x] = grey ? 128 : band_v[band];
    }
  }
}

static void
ring_free (TcRing *ring)
{
  for (unsigned i = 0; i < ring->n; i++) {
    free (ring->frames[i].data);
    free (ring->frames[i].source);
  }
  free (ring->frames);
  free (ring);
}

/* Rings made so far, shared by cameras that ask for the same frames and
 * kept for the process's life: a camera going back to a format finds its
 * frames made.  Under testcam_lock. */
typedef struct RingEntry {
  TcRing *ring;
  struct RingEntry *next;
} RingEntry;

static RingEntry *rings;

static const TcRing *
ring_find (const TcRing *key)
{
  for (RingEntry *e = rings; e; e = e->next) {
    const TcRing *r = e->ring;
    if (r->fourcc == key->fourcc && r->width == key->width && r->height == key->height &&
        r->n == key->n && r->noise == key->noise &&
        (r->fourcc != V4L2_PIX_FMT_MJPEG || r->quality == key->quality))
      return r;
  }
  return NULL;
}

static TcRing *
ring_make (const TcRing *key, const char *camera)
{
  uint32_t w = key->width, h = key->height;
  TcRing *ring = calloc (1, sizeof *ring);
  uint8_t *planes = malloc ((size_t) w * h * 2);
  tjhandle tj = NULL;
  bool ok = false;

  *ring = *key;
  ring->n = 0;
  if (key->fourcc == V4L2_PIX_FMT_MJPEG && !(tj = tjInitCompress ())) {
    fprintf (stderr, "emocap-testcam: %s\n", tjGetErrorStr2 (NULL));
    goto bailout;
  }
  ring->frames = calloc (key->n, sizeof *ring->frames);
  for (unsigned i = 0; i < key->n; i++) {
    TcFrame *f = &ring->frames[i];
    uint8_t *yp = planes, *up = planes + (size_t) w * h, *vp = up + (size_t) w * h / 2;
    char source[32];

    draw (yp, up, vp, w, h, i, key->n, key->noise);
    if (key->fourcc == V4L2_PIX_FMT_YUYV) {
      uint8_t *out = malloc ((size_t) w * h * 2);
      for (uint32_t y = 0; y < h; y++) {
        uint8_t *o = out + (size_t) y * w * 2;
        const uint8_t *yr = yp + (size_t) y * w;
        const uint8_t *ur = up + (size_t) y * (w / 2), *vr = vp + (size_t) y * (w / 2);
        for (uint32_t x = 0; x < w / 2; x++) {
          o[4 * x] = yr[2 * x];
          o[4 * x + 1] = ur[x];
          o[4 * x + 2] = yr[2 * x + 1];
          o[4 * x + 3] = vr[x];
        }
      }
      f->data = out;
      f->size = (size_t) w * h * 2;
    } else {
      const unsigned char *src[3] = { yp, up, vp };
      int strides[3] = { w, w / 2, w / 2 };
      unsigned char *jpeg = NULL;
      unsigned long size = 0;
      if (tjCompressFromYUVPlanes (tj, src, w, strides, h, TJSAMP_422, &jpeg, &size,
                                   key->quality, TJFLAG_FASTDCT) < 0) {
        fprintf (stderr, "emocap-testcam: camera '%s': encoding a frame: %s\n",
                 camera, tjGetErrorStr2 (tj));
        tjFree (jpeg);
        goto bailout;
      }
      f->data = malloc (size);
      memcpy (f->data, jpeg, size);
      f->size = size;
      tjFree (jpeg);
    }
    snprintf (source, sizeof source, "gen:%u", i);
    f->source = strdup (source);
    ring->n++;
  }
  ok = true;

bailout:
  if (tj)
    tjDestroy (tj);
  free (planes);
  if (!ok) {
    ring_free (ring);
    return NULL;
  }
  return ring;
}

/* Called with testcam_lock held, which it releases while it makes the
 * frames (half a second for 1080p): other cameras keep streaming
 * meanwhile.  The caller checks its state again afterwards. */
bool
testcam_ring_prepare (TcCamera *cam)
{
  TcRing key = {
    .fourcc = cam->fourcc, .width = cam->width, .height = cam->height,
    .quality = cam->quality, .noise = cam->noise, .n = cam->ring_len,
  };
  const TcRing *found;
  TcRing *made;

  if (cam->fourcc == V4L2_PIX_FMT_MJPEG && cam->n_files)
    return true;
  if ((found = ring_find (&key))) {
    cam->ring = found;
    return true;
  }

  pthread_mutex_unlock (&testcam_lock);
  made = ring_make (&key, cam->path);
  pthread_mutex_lock (&testcam_lock);
  if (!made)
    return false;
  if ((found = ring_find (&key))) {
    /* another camera made the same meanwhile */
    ring_free (made);
  } else {
    RingEntry *e = calloc (1, sizeof *e);
    e->ring = made;
    e->next = rings;
    rings = e;
    found = made;
  }
  if (cam->fourcc == key.fourcc && cam->width == key.width && cam->height == key.height)
    cam->ring = found;
  return true;
}
