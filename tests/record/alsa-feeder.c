/* emocap tests: plays a WAV file into a FIFO at its real pace
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: alsa-feeder WAV FIFO
 *
 * ALSA's `file` PCM plugin with a `null` slave reads its `infile` as the
 * captured sound, but the null slave keeps no time: read from a plain file,
 * alsasrc would get the whole file at once and drop most of it.  Reading
 * from a FIFO that this program fills at 48 kHz (or whatever the WAV's
 * rate is) makes the capture run at the pace of a real microphone, with no
 * sound card.  After the WAV's end it goes on with silence; when the
 * reader closes the FIFO it waits for the next one.  SIGTERM ends it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_term (int sig)
{
  (void) sig;
  stop = 1;
}

static uint32_t
le32 (const unsigned char *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

int
main (int argc, char **argv)
{
  FILE *f;
  unsigned char hdr[12], chunk[8];
  unsigned char *data = NULL;
  uint32_t rate = 0, data_len = 0;
  unsigned bytes_per_frame = 0;
  size_t pos = 0, period;
  struct timespec next;
  struct sigaction sa = { 0 };
  int fd = -1;

  if (argc != 3) {
    fprintf (stderr, "usage: alsa-feeder WAV FIFO\n");
    return 2;
  }
  if (!(f = fopen (argv[1], "rb")) || fread (hdr, 1, 12, f) != 12 ||
      memcmp (hdr, "RIFF", 4) || memcmp (hdr + 8, "WAVE", 4)) {
    fprintf (stderr, "alsa-feeder: '%s' is not a WAV file\n", argv[1]);
    return 2;
  }
  while (fread (chunk, 1, 8, f) == 8) {
    uint32_t len = le32 (chunk + 4);
    if (!memcmp (chunk, "fmt ", 4)) {
      unsigned char fmt[16];
      if (len < 16 || fread (fmt, 1, 16, f) != 16)
        return 2;
      rate = le32 (fmt + 4);
      bytes_per_frame = fmt[12] | fmt[13] << 8;
      fseek (f, (long) len - 16, SEEK_CUR);
    } else if (!memcmp (chunk, "data", 4)) {
      data = malloc (len);
      if (data == NULL || fread (data, 1, len, f) != len)
        return 2;
      data_len = len;
      break;
    } else {
      fseek (f, (long) len, SEEK_CUR);
    }
  }
  fclose (f);
  if (rate == 0 || bytes_per_frame == 0 || data == NULL) {
    fprintf (stderr, "alsa-feeder: '%s' has no PCM data\n", argv[1]);
    return 2;
  }

  sa.sa_handler = on_term;
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);

  period = rate / 100 * bytes_per_frame;     /* 10 ms */
  clock_gettime (CLOCK_MONOTONIC, &next);
  while (!stop) {
    unsigned char silence[period];
    const unsigned char *p;
    size_t n;

    if (fd < 0) {
      fd = open (argv[2], O_WRONLY);     /* blocks until a reader opens */
      if (fd < 0) {
        if (errno == EINTR)
          continue;
        perror ("alsa-feeder: open");
        return 1;
      }
      clock_gettime (CLOCK_MONOTONIC, &next);
    }
    if (pos < data_len) {
      p = data + pos;
      n = data_len - pos < period ? data_len - pos : period;
    } else {
      memset (silence, 0, period);
      p = silence;
      n = period;
    }
    while (n > 0 && !stop) {
      ssize_t w = write (fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0) {            /* EPIPE: the reader went away */
        close (fd);
        fd = -1;
        break;
      }
      p += w;
      n -= (size_t) w;
      if (pos < data_len)
        pos += (size_t) w;
    }
    next.tv_nsec += 10 * 1000 * 1000;
    if (next.tv_nsec >= 1000000000) {
      next.tv_nsec -= 1000000000;
      next.tv_sec++;
    }
    clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  if (fd >= 0)
    close (fd);
  free (data);
  return 0;
}
