/* emocap tests: the test cameras named in EMOCAP_TESTCAM
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   EMOCAP_TESTCAM="/dev/video42,format=both,rates=30:15;/dev/video43,unplug=90"
 *
 * A camera with a bad option is reported on stderr and not created; the
 * others still are.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#include "testcam.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TcCamera *testcam_cameras[TC_MAX_CAMERAS];
unsigned testcam_n_cameras;

static bool __attribute__ ((format (printf, 2, 3)))
fail (const char *path, const char *fmt, ...)
{
  va_list ap;
  char msg[512];

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  fprintf (stderr, "emocap-testcam: camera '%s': %s; camera not created\n", path, msg);
  return false;
}

static bool
parse_uint (const char *s, char **end, uint64_t *out)
{
  if (!isdigit ((unsigned char) *s))
    return false;
  errno = 0;
  *out = strtoull (s, end, 10);
  return errno == 0;
}

static bool
parse_sizes (TcCamera *cam, const char *v)
{
  const char *p = v;

  cam->n_sizes = 0;
  for (;;) {
    uint64_t w, h;
    char *end;

    if (cam->n_sizes == TC_MAX_SIZES)
      return fail (cam->path, "option 'sizes': more than %d sizes", TC_MAX_SIZES);
    if (!parse_uint (p, &end, &w) || *end != 'x' ||
        !parse_uint (end + 1, &end, &h) || (*end != ':' && *end))
      return fail (cam->path, "option 'sizes': '%s' is not WIDTHxHEIGHT[:WIDTHxHEIGHT...]", v);
    if (w < 16 || h < 16 || w > 8192 || h > 8192 || w % 2)
      return fail (cam->path, "option 'sizes': %llux%llu is not a size a camera sends",
                   (unsigned long long) w, (unsigned long long) h);
    cam->sizes[cam->n_sizes++] = (TcSize) { w, h };
    if (!*end)
      return true;
    p = end + 1;
  }
}

static bool
parse_rates (TcCamera *cam, const char *v)
{
  const char *p = v;

  cam->n_rates = 0;
  for (;;) {
    uint64_t num, den = 1;
    char *end;

    if (cam->n_rates == TC_MAX_RATES)
      return fail (cam->path, "option 'rates': more than %d rates", TC_MAX_RATES);
    if (!parse_uint (p, &end, &num))
      goto bad;
    if (*end == '/' && !parse_uint (end + 1, &end, &den))
      goto bad;
    if (*end != ':' && *end)
      goto bad;
    if (num == 0 || den == 0 || num > 1000000 || den > 1000000 || num / den > 1000)
      return fail (cam->path, "option 'rates': %llu/%llu is not a frame rate",
                   (unsigned long long) num, (unsigned long long) den);
    cam->rates[cam->n_rates++] = (TcRate) { num, den };
    if (!*end)
      return true;
    p = end + 1;
  }
bad:
  return fail (cam->path, "option 'rates': '%s' is not RATE[:RATE...] with RATE N or N/D", v);
}

/* "@N" or "@file:PATH" past the value, into the fault */
static bool
parse_trigger (TcCamera *cam, const char *opt, const char *t, TcFault *f)
{
  char *end;

  if (strncmp (t, "file:", 5) == 0) {
    if (!t[5])
      return fail (cam->path, "option '%s': the trigger 'file:' names no file", opt);
    f->at_file = strdup (t + 5);
    return true;
  }
  if (!parse_uint (t, &end, &f->at_frames) || *end)
    return fail (cam->path, "option '%s': trigger '%s' is neither a frame count nor file:PATH",
                 opt, t);
  return true;
}

static bool
add_fault (TcCamera *cam, const char *opt, TcFault *f)
{
  if (cam->n_faults == TC_MAX_FAULTS)
    return fail (cam->path, "option '%s': more than %d faults", opt, TC_MAX_FAULTS);
  cam->faults[cam->n_faults++] = *f;
  return true;
}

/* gap=COUNT@T+..., corrupt=KIND@T+..., stall=S@T, slow=MS@T:COUNT, unplug=T */
static bool
parse_fault (TcCamera *cam, const char *key, char *v)
{
  char *save = NULL;

  if (strcmp (key, "unplug") == 0) {
    TcFault f = { .kind = TC_FAULT_UNPLUG };
    if (!parse_trigger (cam, key, v, &f))
      return false;
    return add_fault (cam, key, &f);
  }

  for (char *item = strtok_r (v, "+", &save); item; item = strtok_r (NULL, "+", &save)) {
    TcFault f = { 0 };
    char *at = strchr (item, '@');
    char *end;

    if (!at)
      return fail (cam->path, "option '%s': '%s' has no @TRIGGER", key, item);
    *at = '\0';
    if (strcmp (key, "gap") == 0) {
      f.kind = TC_FAULT_GAP;
      if (!parse_uint (item, &end, &f.amount) || *end || f.amount == 0)
        return fail (cam->path, "option 'gap': '%s' is not a number of frames", item);
    } else if (strcmp (key, "corrupt") == 0) {
      f.kind = TC_FAULT_CORRUPT;
      if (strcmp (item, "truncate") == 0)
        f.amount = TC_CORRUPT_TRUNCATE;
      else if (strcmp (item, "markers") == 0)
        f.amount = TC_CORRUPT_MARKERS;
      else if (strcmp (item, "garbage") == 0)
        f.amount = TC_CORRUPT_GARBAGE;
      else
        return fail (cam->path, "option 'corrupt': '%s' is not truncate, markers or garbage", item);
    } else if (strcmp (key, "stall") == 0) {
      char *dot;
      uint64_t s, ms = 0;
      f.kind = TC_FAULT_STALL;
      if (!parse_uint (item, &dot, &s))
        return fail (cam->path, "option 'stall': '%s' is not a number of seconds", item);
      if (*dot == '.') {
        /* up to milliseconds */
        char frac[4] = "000";
        const char *d = dot + 1;
        for (int i = 0; i < 3 && isdigit ((unsigned char) d[i]); i++)
          frac[i] = d[i];
        while (isdigit ((unsigned char) *d))
          d++;
        dot = (char *) d;
        ms = strtoull (frac, NULL, 10);
      }
      if (*dot || (s == 0 && ms == 0) || s > 3600)
        return fail (cam->path, "option 'stall': '%s' is not a number of seconds", item);
      f.amount = s * 1000 + ms;
    } else {
      char *colon;
      f.kind = TC_FAULT_SLOW;
      f.count = 1;
      if (!parse_uint (item, &end, &f.amount) || *end || f.amount == 0 || f.amount > 600000)
        return fail (cam->path, "option 'slow': '%s' is not a number of milliseconds", item);
      /* the last colon, unless it is file:'s own */
      colon = strrchr (at + 1, ':');
      if (colon && strncmp (at + 1, "file:", 5) == 0 && colon == at + 5)
        colon = NULL;
      if (colon) {
        *colon = '\0';
        if (!parse_uint (colon + 1, &end, &f.count) || *end || f.count == 0)
          return fail (cam->path, "option 'slow': '%s' is not a number of frames", colon + 1);
      }
    }
    if (!parse_trigger (cam, key, at + 1, &f) || !add_fault (cam, key, &f))
      return false;
  }
  return true;
}

static bool
parse_option (TcCamera *cam, char *opt)
{
  char *v = strchr (opt, '=');
  uint64_t n;
  char *end;

  if (!v)
    return fail (cam->path, "option '%s' is not KEY=VALUE", opt);
  *v++ = '\0';

  if (strcmp (opt, "name") == 0) {
    free (cam->name);
    cam->name = strdup (v);
  } else if (strcmp (opt, "kind") == 0) {
    if (strcmp (v, "capture") == 0)
      cam->output = false;
    else if (strcmp (v, "output") == 0)
      cam->output = true;
    else
      return fail (cam->path, "option 'kind': '%s' is not capture or output", v);
  } else if (strcmp (opt, "format") == 0) {
    cam->mjpeg = strcmp (v, "mjpeg") == 0 || strcmp (v, "both") == 0;
    cam->yuyv = strcmp (v, "yuyv") == 0 || strcmp (v, "both") == 0;
    if (!cam->mjpeg && !cam->yuyv)
      return fail (cam->path, "option 'format': '%s' is not mjpeg, yuyv or both", v);
  } else if (strcmp (opt, "sizes") == 0) {
    return parse_sizes (cam, v);
  } else if (strcmp (opt, "rates") == 0) {
    return parse_rates (cam, v);
  } else if (strcmp (opt, "frames") == 0) {
    free (cam->frames_dir);
    cam->frames_dir = strdup (v);
  } else if (strcmp (opt, "quality") == 0) {
    if (!parse_uint (v, &end, &n) || *end || n < 1 || n > 100)
      return fail (cam->path, "option 'quality': '%s' is not 1 to 100", v);
    cam->quality = n;
  } else if (strcmp (opt, "ring") == 0) {
    if (!parse_uint (v, &end, &n) || *end || n < 1 || n > 1000)
      return fail (cam->path, "option 'ring': '%s' is not 1 to 1000 frames", v);
    cam->ring_len = n;
  } else if (strcmp (opt, "noise") == 0) {
    if (!parse_uint (v, &end, &n) || *end || n > 127)
      return fail (cam->path, "option 'noise': '%s' is not 0 to 127", v);
    cam->noise = n;
  } else if (strcmp (opt, "controls") == 0) {
    if (strcmp (v, "none") == 0)
      cam->controls = false;
    else if (strcmp (v, "uvc") == 0)
      cam->controls = true;
    else
      return fail (cam->path, "option 'controls': '%s' is not none or uvc", v);
  } else if (strcmp (opt, "gap") == 0 || strcmp (opt, "corrupt") == 0 ||
             strcmp (opt, "stall") == 0 || strcmp (opt, "slow") == 0 ||
             strcmp (opt, "unplug") == 0) {
    return parse_fault (cam, opt, v);
  } else {
    return fail (cam->path, "unknown option '%s'", opt);
  }
  return true;
}

static void
camera_free (TcCamera *cam)
{
  for (unsigned i = 0; i < cam->n_faults; i++)
    free (cam->faults[i].at_file);
  for (unsigned i = 0; i < cam->n_files; i++) {
    free (cam->files[i].data);
    free (cam->files[i].source);
  }
  free (cam->files);
  free (cam->frames_dir);
  free (cam->name);
  free (cam->path);
  free (cam);
}

/* videoN names minor N, as udev would; other paths get minors from 200 */
static unsigned
pick_minor (const char *path)
{
  const char *base = strrchr (path, '/');
  char *end;
  unsigned long n;

  base = base ? base + 1 : path;
  if (strncmp (base, "video", 5) == 0 && isdigit ((unsigned char) base[5])) {
    n = strtoul (base + 5, &end, 10);
    if (!*end && n < 200)
      goto check;
  }
  n = 200;
check:
  for (;;) {
    bool taken = false;
    for (unsigned i = 0; i < testcam_n_cameras; i++)
      taken |= testcam_cameras[i]->minor == n;
    if (!taken)
      return n;
    n = n < 200 ? 200 : n + 1;
  }
}

static void
parse_camera (char *spec, unsigned index)
{
  char *save = NULL;
  char *path = strtok_r (spec, ",", &save);
  TcCamera *cam;

  if (!path)
    return;
  if (path[0] != '/') {
    fail (path, "the path must be absolute");
    return;
  }
  if (testcam_n_cameras == TC_MAX_CAMERAS) {
    fail (path, "more than %d cameras", TC_MAX_CAMERAS);
    return;
  }
  if (testcam_camera_by_path (path)) {
    fail (path, "the path is given twice");
    return;
  }

  cam = calloc (1, sizeof *cam);
  cam->path = strdup (path);
  cam->name = strdup ("emocap test camera");
  cam->mjpeg = true;
  cam->sizes[0] = (TcSize) { 1280, 720 };
  cam->sizes[1] = (TcSize) { 640, 360 };
  cam->n_sizes = 2;
  cam->rates[0] = (TcRate) { 30, 1 };
  cam->rates[1] = (TcRate) { 15, 1 };
  cam->n_rates = 2;
  cam->quality = 85;
  cam->ring_len = 30;
  cam->controls = true;
  cam->memfd = -1;
  cam->corrupt_next = -1;

  for (char *opt = strtok_r (NULL, ",", &save); opt; opt = strtok_r (NULL, ",", &save)) {
    if (!parse_option (cam, opt)) {
      camera_free (cam);
      return;
    }
  }
  if (cam->frames_dir && !testcam_files_load (cam)) {
    camera_free (cam);
    return;
  }

  cam->index = index;
  cam->minor = pick_minor (cam->path);
  cam->ino = 4000 + cam->minor;
  {
    const char *base = strrchr (cam->path, '/') + 1;
    char devname[64];
    if (strncmp (base, "video", 5) == 0 && cam->minor < 200)
      snprintf (devname, sizeof devname, "%s", base);
    else
      snprintf (devname, sizeof devname, "video%u", cam->minor);
    snprintf (cam->uevent, sizeof cam->uevent, "MAJOR=81\nMINOR=%u\nDEVNAME=%s\n",
              cam->minor, devname);
  }
  testcam_device_init (cam);
  testcam_cameras[testcam_n_cameras++] = cam;
}

void
testcam_config_load (void)
{
  const char *env = getenv ("EMOCAP_TESTCAM");
  char *copy, *save = NULL;
  unsigned index = 0;

  if (!env || !*env)
    return;
  copy = strdup (env);
  for (char *spec = strtok_r (copy, ";", &save); spec; spec = strtok_r (NULL, ";", &save)) {
    /* options are split later with their own strtok_r state */
    char *own = strdup (spec);
    parse_camera (own, index++);
    free (own);
  }
  free (copy);
}

TcCamera *
testcam_camera_by_path (const char *path)
{
  for (unsigned i = 0; i < testcam_n_cameras; i++)
    if (strcmp (testcam_cameras[i]->path, path) == 0)
      return testcam_cameras[i];
  return NULL;
}
