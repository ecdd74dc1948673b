/* emocap tests: a UVC camera that is not there
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The library's parts share these types: config.c reads EMOCAP_TESTCAM,
 * frames.c makes the pictures, device.c answers the ioctls and runs the
 * frame clock, interpose.c stands in for the libc calls.  Everything is
 * guarded by one mutex, testcam_lock.  Plain libc only: the library sits
 * under any program, GStreamer's or not.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <linux/videodev2.h>

#define TC_MAX_CAMERAS 16
#define TC_MAX_SIZES 16
#define TC_MAX_RATES 16
#define TC_MAX_FAULTS 16
#define TC_MAX_BUFFERS 32
#define TC_NUM_CTRLS 9

typedef struct {
  uint32_t width;
  uint32_t height;
} TcSize;

typedef struct {
  /* a frame rate num/den; the frame interval is den/num */
  uint32_t num;
  uint32_t den;
} TcRate;

typedef enum {
  TC_FAULT_GAP,
  TC_FAULT_CORRUPT,
  TC_FAULT_STALL,
  TC_FAULT_UNPLUG,
  TC_FAULT_SLOW,
} TcFaultKind;

typedef enum {
  TC_CORRUPT_TRUNCATE,
  TC_CORRUPT_MARKERS,
  TC_CORRUPT_GARBAGE,
} TcCorruptKind;

typedef struct {
  TcFaultKind kind;
  /* trigger: after `at_frames` frames delivered, or the first frame after
   * `at_file` exists */
  uint64_t at_frames;
  char *at_file;
  bool fired;
  /* gap: frames; corrupt: TcCorruptKind; stall: ms; slow: ms */
  uint64_t amount;
  /* slow: how many frames */
  uint64_t count;
} TcFault;

typedef struct {
  uint32_t id;
  const char *name;      /* as uvcvideo names it */
  const char *key;       /* as v4l2-ctl names it */
  uint32_t type;         /* V4L2_CTRL_TYPE_* */
  int32_t min, max, step, def;
  uint32_t menu_mask;    /* menus: the indices that exist */
  uint32_t master;       /* the auto control that makes this inactive */
  int32_t manual_value;  /* the master's value in which this is active */
} TcCtrlInfo;

typedef struct {
  void *data;
  size_t size;
  char *source;          /* for the log: file name or gen:INDEX */
} TcFrame;

typedef struct {
  uint32_t fourcc;
  uint32_t width, height;
  int quality, noise;
  unsigned n;
  TcFrame *frames;
} TcRing;

typedef struct TcHandle TcHandle;

typedef struct {
  /* configuration */
  char *path;
  char *name;
  bool output;
  bool mjpeg, yuyv;
  TcSize sizes[TC_MAX_SIZES];
  unsigned n_sizes;
  TcRate rates[TC_MAX_RATES];
  unsigned n_rates;
  char *frames_dir;
  TcFrame *files;        /* the folder's frames, in name order */
  unsigned n_files;
  TcSize files_size;
  int quality;
  unsigned ring_len;
  int noise;
  bool controls;
  TcFault faults[TC_MAX_FAULTS];
  unsigned n_faults;

  /* identity */
  unsigned index;
  unsigned minor;
  char uevent[128];
  ino_t ino;

  /* state */
  bool gone;
  int32_t ctrl_values[TC_NUM_CTRLS];
  uint32_t fourcc;
  uint32_t width, height;
  unsigned rate;         /* index into rates */
  unsigned n_open;       /* handles open */

  /* buffers and streaming */
  TcHandle *owner;       /* the handle that made the buffers */
  unsigned n_buffers;
  size_t buf_size;       /* page aligned */
  int memfd;
  uint8_t *mem;
  struct v4l2_buffer bufs[TC_MAX_BUFFERS];
  bool queued[TC_MAX_BUFFERS];
  unsigned queue[TC_MAX_BUFFERS];  /* FIFO of queued indices */
  unsigned q_head, q_len;
  bool streaming;
  const TcRing *ring;     /* the generated frames being served */

  /* the frame clock: ticks of the timer are frames */
  uint64_t period_ns;    /* current tick interval */
  uint64_t next_tick_ns; /* CLOCK_MONOTONIC time of the next unread tick */
  uint32_t seq_next;     /* sequence number of that tick */
  uint64_t slow_left;    /* frames still to come at the slow interval */
  int corrupt_next;      /* -1 or the TcCorruptKind of the next frame */
  /* frames captured into queued buffers and not dequeued yet, oldest
   * first (the head of the queue holds the first): a driver's done list */
  unsigned n_ready;
  uint32_t ready_seq[TC_MAX_BUFFERS];
  uint64_t ready_ns[TC_MAX_BUFFERS];
  uint64_t delivered;    /* frames delivered since the library loaded */
} TcCamera;

struct TcHandle {
  TcCamera *cam;
  int timerfd;           /* private descriptor of the timer */
  unsigned refs;         /* descriptors of the application on it */
  int open_flags;
};

extern pthread_mutex_t testcam_lock;
extern TcCamera *testcam_cameras[TC_MAX_CAMERAS];
extern unsigned testcam_n_cameras;
extern const TcCtrlInfo testcam_ctrls[TC_NUM_CTRLS];

/* the libc functions under ours */
typedef struct {
  int (*open) (const char *, int, ...);
  int (*openat) (int, const char *, int, ...);
  int (*close) (int);
  int (*ioctl) (int, unsigned long, ...);
  int (*stat) (const char *, struct stat *);
  int (*lstat) (const char *, struct stat *);
  int (*fstat) (int, struct stat *);
  int (*fstatat) (int, const char *, struct stat *, int);
  int (*dup) (int);
  int (*dup2) (int, int);
  int (*dup3) (int, int, int);
  int (*fcntl) (int, int, ...);
  void *(*mmap) (void *, size_t, int, int, int, off_t);
  void *(*fopen) (const char *, const char *);
  ssize_t (*readlink) (const char *, char *, size_t);
} TcReal;

extern TcReal testcam_real;

/* config.c */
void testcam_config_load (void);
TcCamera *testcam_camera_by_path (const char *path);

/* frames.c: the ring for the camera's format and size, made if needed
 * (with the lock released meanwhile: see the function) */
bool testcam_ring_prepare (TcCamera *cam);
bool testcam_files_load (TcCamera *cam);

/* device.c */
int testcam_device_ioctl (TcHandle *h, int fd, unsigned long req, void *arg);
void testcam_device_release (TcHandle *h);
void testcam_device_init (TcCamera *cam);
void testcam_unplug_check_files (TcCamera *cam);
void testcam_log (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* interpose.c: puts `dead` in place of every application descriptor of
 * the camera */
void testcam_fds_kill (TcCamera *cam, int dead);
