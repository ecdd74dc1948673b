/* emocap tests: the libc calls a test camera stands in for
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Loaded with LD_PRELOAD.  A call on a configured node's path (or on a
 * symbolic link that leads to one), or on a descriptor opened from one, is
 * answered here; every other call goes to the next definition, libc's, as
 * if we were not there.  Built without _FILE_OFFSET_BITS=64, so that open
 * and open64, stat and stat64... are each defined once under its own name.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#include "testcam.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define EXPORT __attribute__ ((visibility ("default")))

pthread_mutex_t testcam_lock = PTHREAD_MUTEX_INITIALIZER;
TcReal testcam_real;

static pthread_once_t real_once = PTHREAD_ONCE_INIT;
static pthread_once_t config_once = PTHREAD_ONCE_INIT;
static time_t load_time;

/* which handle each application descriptor is on */
static TcHandle **fd_handles;
static int n_fd_handles;

static void *
next (const char *name)
{
  void *f = dlsym (RTLD_NEXT, name);
  if (!f) {
    fprintf (stderr, "emocap-testcam: no '%s' under the library\n", name);
    abort ();
  }
  return f;
}

/* dlsym's void * as a function pointer, which ISO C does not convert */
#define NEXT(fp, name) do { \
    void *sym_ = next (name); \
    memcpy (&(fp), &sym_, sizeof (fp)); \
  } while (0)

/* fork() with the lock taken, so a child never starts with the lock held
 * by a thread it does not have, nor with the tables half changed */
static void
fork_prepare (void)
{
  pthread_mutex_lock (&testcam_lock);
}

static void
fork_done (void)
{
  pthread_mutex_unlock (&testcam_lock);
}

static void
init_real (void)
{
  pthread_atfork (fork_prepare, fork_done, fork_done);
  NEXT (testcam_real.open, "open");
  NEXT (testcam_real.openat, "openat");
  NEXT (testcam_real.close, "close");
  NEXT (testcam_real.ioctl, "ioctl");
  NEXT (testcam_real.stat, "stat");
  NEXT (testcam_real.lstat, "lstat");
  NEXT (testcam_real.fstat, "fstat");
  NEXT (testcam_real.fstatat, "fstatat");
  NEXT (testcam_real.dup, "dup");
  NEXT (testcam_real.dup2, "dup2");
  NEXT (testcam_real.dup3, "dup3");
  NEXT (testcam_real.fcntl, "fcntl");
  NEXT (testcam_real.mmap, "mmap");
  NEXT (testcam_real.fopen, "fopen");
  NEXT (testcam_real.readlink, "readlink");
}

static void
init_config (void)
{
  load_time = time (NULL);
  testcam_config_load ();
}

/* The configuration is read once the environment is there: a runtime
 * preloaded ahead of us (ASan's) calls mmap, open... while it starts,
 * before libc has set up environ. */
static inline void
ensure_init (void)
{
  extern char **environ;

  pthread_once (&real_once, init_real);
  if (environ)
    pthread_once (&config_once, init_config);
}

/* ---- descriptors ---- */

static TcHandle *
fd_get (int fd)
{
  return fd >= 0 && fd < n_fd_handles ? fd_handles[fd] : NULL;
}

static void
fd_put (int fd, TcHandle *h)
{
  if (fd >= n_fd_handles) {
    int n = n_fd_handles ? n_fd_handles : 64;
    while (n <= fd)
      n *= 2;
    fd_handles = realloc (fd_handles, n * sizeof *fd_handles);
    memset (fd_handles + n_fd_handles, 0, (n - n_fd_handles) * sizeof *fd_handles);
    n_fd_handles = n;
  }
  fd_handles[fd] = h;
  h->refs++;
}

/* the descriptor is no more (closed, or replaced by dup2) */
static void
fd_drop (int fd)
{
  TcHandle *h = fd_get (fd);

  if (!h)
    return;
  fd_handles[fd] = NULL;
  if (--h->refs == 0)
    testcam_device_release (h);
}

void
testcam_fds_kill (TcCamera *cam, int dead)
{
  for (int fd = 0; fd < n_fd_handles; fd++) {
    if (fd_handles[fd] && fd_handles[fd]->cam == cam) {
      int fl = testcam_real.fcntl (fd, F_GETFD);
      testcam_real.dup3 (dead, fd, fl >= 0 && (fl & FD_CLOEXEC) ? O_CLOEXEC : 0);
    }
  }
}

/* ---- paths ---- */

/* "/a//b/./c/../d" as "/a/b/d", in place */
static void
normalize (char *p)
{
  char *out = p, *in = p;

  while (*in) {
    while (*in == '/')
      in++;
    if (!*in)
      break;
    if (in[0] == '.' && (in[1] == '/' || !in[1])) {
      in++;
      continue;
    }
    if (in[0] == '.' && in[1] == '.' && (in[2] == '/' || !in[2])) {
      in += 2;
      while (out > p && *--out != '/')
        ;
      continue;
    }
    *out++ = '/';
    while (*in && *in != '/')
      *out++ = *in++;
  }
  if (out == p)
    *out++ = '/';
  *out = '\0';
}

static TcCamera *
match (const char *abs)
{
  char buf[PATH_MAX];

  if (snprintf (buf, sizeof buf, "%s", abs) >= (int) sizeof buf)
    return NULL;
  normalize (buf);
  return testcam_camera_by_path (buf);
}

/* the camera the path names, through symbolic links when `follow` */
static TcCamera *
camera_at (int dirfd, const char *path, bool follow)
{
  char cur[PATH_MAX], target[PATH_MAX];
  TcCamera *cam;

  if (!testcam_n_cameras || !path || !*path)
    return NULL;
  if (path[0] == '/') {
    if (snprintf (cur, sizeof cur, "%s", path) >= (int) sizeof cur)
      return NULL;
  } else {
    char dir[PATH_MAX];
    if (dirfd == AT_FDCWD) {
      if (!getcwd (dir, sizeof dir))
        return NULL;
    } else {
      char proc[64];
      ssize_t n;
      snprintf (proc, sizeof proc, "/proc/self/fd/%d", dirfd);
      n = testcam_real.readlink (proc, dir, sizeof dir - 1);
      if (n < 0)
        return NULL;
      dir[n] = '\0';
    }
    if (snprintf (cur, sizeof cur, "%s/%s", dir, path) >= (int) sizeof cur)
      return NULL;
  }

  for (int hops = 0; hops < 40; hops++) {
    ssize_t n;

    if ((cam = match (cur)))
      return cam;
    if (!follow)
      return NULL;
    n = testcam_real.readlink (cur, target, sizeof target - 1);
    if (n < 0)
      return NULL;
    target[n] = '\0';
    if (target[0] == '/') {
      memcpy (cur, target, n + 1);
    } else {
      char *slash = strrchr (cur, '/');
      slash[1] = '\0';
      if (strlen (cur) + n >= sizeof cur)
        return NULL;
      strcat (cur, target);
    }
  }
  return NULL;
}

/* the camera whose /sys/dev/char/81:N/uevent this is */
static TcCamera *
uevent_camera (const char *path)
{
  unsigned minor;
  int end = 0;

  if (!testcam_n_cameras || strncmp (path, "/sys/dev/char/81:", 17) != 0)
    return NULL;
  if (sscanf (path + 17, "%u/uevent%n", &minor, &end) != 1 || path[17 + end])
    return NULL;
  for (unsigned i = 0; i < testcam_n_cameras; i++)
    if (testcam_cameras[i]->minor == minor && !testcam_cameras[i]->gone)
      return testcam_cameras[i];
  return NULL;
}

/* ---- stat ---- */

static void
fill_stat (const TcCamera *cam, struct stat *st)
{
  memset (st, 0, sizeof *st);
  st->st_dev = makedev (0, 5);
  st->st_ino = cam->ino;
  st->st_mode = S_IFCHR | 0660;
  st->st_nlink = 1;
  st->st_uid = 0;
  st->st_gid = 44;       /* video */
  st->st_rdev = makedev (81, cam->minor);
  st->st_blksize = 4096;
  st->st_atime = st->st_mtime = st->st_ctime = load_time;
}

/* stat of a node: ENOENT once unplugged */
static int
stat_node (TcCamera *cam, struct stat *st)
{
  bool gone;

  pthread_mutex_lock (&testcam_lock);
  testcam_unplug_check_files (cam);
  gone = cam->gone;
  pthread_mutex_unlock (&testcam_lock);
  if (gone) {
    errno = ENOENT;
    return -1;
  }
  fill_stat (cam, st);
  return 0;
}

/* fstat of a descriptor: 1 if it is a camera's */
static int
stat_fd (int fd, struct stat *st)
{
  TcHandle *h;

  pthread_mutex_lock (&testcam_lock);
  h = fd_get (fd);
  if (h)
    fill_stat (h->cam, st);
  pthread_mutex_unlock (&testcam_lock);
  return h != NULL;
}

EXPORT int
stat (const char *path, struct stat *st)
{
  TcCamera *cam;

  ensure_init ();
  if ((cam = camera_at (AT_FDCWD, path, true)))
    return stat_node (cam, st);
  return testcam_real.stat (path, st);
}

EXPORT int
stat64 (const char *path, struct stat64 *st)
{
  return stat (path, (struct stat *) st);
}

EXPORT int
lstat (const char *path, struct stat *st)
{
  TcCamera *cam;

  ensure_init ();
  if ((cam = camera_at (AT_FDCWD, path, false)))
    return stat_node (cam, st);
  return testcam_real.lstat (path, st);
}

EXPORT int
lstat64 (const char *path, struct stat64 *st)
{
  return lstat (path, (struct stat *) st);
}

EXPORT int
fstat (int fd, struct stat *st)
{
  ensure_init ();
  if (testcam_n_cameras && stat_fd (fd, st))
    return 0;
  return testcam_real.fstat (fd, st);
}

EXPORT int
fstat64 (int fd, struct stat64 *st)
{
  return fstat (fd, (struct stat *) st);
}

EXPORT int
fstatat (int dirfd, const char *path, struct stat *st, int flags)
{
  TcCamera *cam;

  ensure_init ();
  if (testcam_n_cameras && (flags & AT_EMPTY_PATH) && !*path && stat_fd (dirfd, st))
    return 0;
  if ((cam = camera_at (dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW))))
    return stat_node (cam, st);
  return testcam_real.fstatat (dirfd, path, st, flags);
}

EXPORT int
fstatat64 (int dirfd, const char *path, struct stat64 *st, int flags)
{
  return fstatat (dirfd, path, (struct stat *) st, flags);
}

/* the entry points of binaries built before glibc 2.33; struct stat is
 * the kernel's on x86-64 whatever the version argument */
int __xstat (int ver, const char *path, struct stat *st);
int __xstat64 (int ver, const char *path, struct stat64 *st);
int __lxstat (int ver, const char *path, struct stat *st);
int __lxstat64 (int ver, const char *path, struct stat64 *st);
int __fxstat (int ver, int fd, struct stat *st);
int __fxstat64 (int ver, int fd, struct stat64 *st);
int __fxstatat (int ver, int dirfd, const char *path, struct stat *st, int flags);
int __fxstatat64 (int ver, int dirfd, const char *path, struct stat64 *st, int flags);

EXPORT int
__xstat (int ver, const char *path, struct stat *st)
{
  return stat (path, st);
}

EXPORT int
__xstat64 (int ver, const char *path, struct stat64 *st)
{
  return stat (path, (struct stat *) st);
}

EXPORT int
__lxstat (int ver, const char *path, struct stat *st)
{
  return lstat (path, st);
}

EXPORT int
__lxstat64 (int ver, const char *path, struct stat64 *st)
{
  return lstat (path, (struct stat *) st);
}

EXPORT int
__fxstat (int ver, int fd, struct stat *st)
{
  return fstat (fd, st);
}

EXPORT int
__fxstat64 (int ver, int fd, struct stat64 *st)
{
  return fstat (fd, (struct stat *) st);
}

EXPORT int
__fxstatat (int ver, int dirfd, const char *path, struct stat *st, int flags)
{
  return fstatat (dirfd, path, st, flags);
}

EXPORT int
__fxstatat64 (int ver, int dirfd, const char *path, struct stat64 *st, int flags)
{
  return fstatat (dirfd, path, (struct stat *) st, flags);
}

EXPORT int
statx (int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
  static int (*real_statx) (int, const char *, int, unsigned int, struct statx *);
  TcCamera *cam = NULL;
  struct stat st;
  int r = 0;

  ensure_init ();
  if (!real_statx)
    NEXT (real_statx, "statx");
  if (testcam_n_cameras && (flags & AT_EMPTY_PATH) && !*path)
    r = stat_fd (dirfd, &st);
  if (!r) {
    cam = camera_at (dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW));
    if (!cam)
      return real_statx (dirfd, path, flags, mask, stx);
    if (stat_node (cam, &st) < 0)
      return -1;
  }
  memset (stx, 0, sizeof *stx);
  stx->stx_mask = STATX_BASIC_STATS;
  stx->stx_blksize = st.st_blksize;
  stx->stx_nlink = st.st_nlink;
  stx->stx_uid = st.st_uid;
  stx->stx_gid = st.st_gid;
  stx->stx_mode = st.st_mode;
  stx->stx_ino = st.st_ino;
  stx->stx_atime.tv_sec = stx->stx_mtime.tv_sec = stx->stx_ctime.tv_sec = st.st_mtime;
  stx->stx_rdev_major = major (st.st_rdev);
  stx->stx_rdev_minor = minor (st.st_rdev);
  stx->stx_dev_major = major (st.st_dev);
  stx->stx_dev_minor = minor (st.st_dev);
  return 0;
}

/* ---- access, links ---- */

static int
access_node (TcCamera *cam, int mode)
{
  struct stat st;

  if (stat_node (cam, &st) < 0)
    return -1;
  if (mode & X_OK) {
    errno = EACCES;
    return -1;
  }
  return 0;
}

EXPORT int
access (const char *path, int mode)
{
  static int (*real_access) (const char *, int);
  TcCamera *cam;

  ensure_init ();
  if ((cam = camera_at (AT_FDCWD, path, true)))
    return access_node (cam, mode);
  if (!real_access)
    NEXT (real_access, "access");
  return real_access (path, mode);
}

EXPORT int
faccessat (int dirfd, const char *path, int mode, int flags)
{
  static int (*real_faccessat) (int, const char *, int, int);
  TcCamera *cam;

  ensure_init ();
  if ((cam = camera_at (dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW))))
    return access_node (cam, mode);
  if (!real_faccessat)
    NEXT (real_faccessat, "faccessat");
  return real_faccessat (dirfd, path, mode, flags);
}

EXPORT int
euidaccess (const char *path, int mode)
{
  static int (*real_euidaccess) (const char *, int);
  TcCamera *cam;

  ensure_init ();
  if ((cam = camera_at (AT_FDCWD, path, true)))
    return access_node (cam, mode);
  if (!real_euidaccess)
    NEXT (real_euidaccess, "euidaccess");
  return real_euidaccess (path, mode);
}

EXPORT int
eaccess (const char *path, int mode)
{
  return euidaccess (path, mode);
}

/* a node is no link: EINVAL, as for a real device file */
EXPORT ssize_t
readlink (const char *path, char *buf, size_t size)
{
  TcCamera *cam;
  struct stat st;

  ensure_init ();
  if ((cam = camera_at (AT_FDCWD, path, false))) {
    if (stat_node (cam, &st) == 0)
      errno = EINVAL;
    return -1;
  }
  return testcam_real.readlink (path, buf, size);
}

EXPORT ssize_t
readlinkat (int dirfd, const char *path, char *buf, size_t size)
{
  static ssize_t (*real_readlinkat) (int, const char *, char *, size_t);
  TcCamera *cam;
  struct stat st;

  ensure_init ();
  if ((cam = camera_at (dirfd, path, false))) {
    if (stat_node (cam, &st) == 0)
      errno = EINVAL;
    return -1;
  }
  if (!real_readlinkat)
    NEXT (real_readlinkat, "readlinkat");
  return real_readlinkat (dirfd, path, buf, size);
}

EXPORT char *
realpath (const char *path, char *resolved)
{
  static char *(*real_realpath) (const char *, char *);
  TcCamera *cam;
  struct stat st;

  ensure_init ();
  if ((cam = camera_at (AT_FDCWD, path, true))) {
    if (stat_node (cam, &st) < 0)
      return NULL;
    if (resolved) {
      snprintf (resolved, PATH_MAX, "%s", cam->path);
      return resolved;
    }
    return strdup (cam->path);
  }
  if (!real_realpath)
    NEXT (real_realpath, "realpath");
  return real_realpath (path, resolved);
}

EXPORT char *
canonicalize_file_name (const char *path)
{
  return realpath (path, NULL);
}

/* ---- open, close, dup ---- */

static int
open_node (TcCamera *cam, int flags)
{
  TcHandle *h;
  int fd, priv;

  pthread_mutex_lock (&testcam_lock);
  testcam_unplug_check_files (cam);
  if (cam->gone) {
    errno = ENOENT;
    goto fail;
  }
  if ((flags & O_CREAT) && (flags & O_EXCL)) {
    errno = EEXIST;
    goto fail;
  }
  if (flags & O_DIRECTORY) {
    errno = ENOTDIR;
    goto fail;
  }
  fd = timerfd_create (CLOCK_MONOTONIC, ((flags & O_CLOEXEC) ? TFD_CLOEXEC : 0) |
                       ((flags & O_NONBLOCK) ? TFD_NONBLOCK : 0));
  if (fd < 0)
    goto fail;
  /* our own descriptor of the timer, out of the application's way */
  priv = testcam_real.fcntl (fd, F_DUPFD_CLOEXEC, 256);
  if (priv < 0)
    priv = testcam_real.fcntl (fd, F_DUPFD_CLOEXEC, 0);
  if (priv < 0) {
    testcam_real.close (fd);
    goto fail;
  }
  h = calloc (1, sizeof *h);
  h->cam = cam;
  h->timerfd = priv;
  h->open_flags = flags;
  cam->n_open++;
  fd_put (fd, h);
  pthread_mutex_unlock (&testcam_lock);
  return fd;

fail:
  pthread_mutex_unlock (&testcam_lock);
  return -1;
}

/* /sys/dev/char/81:N/uevent as a file of its own */
static int
open_uevent (TcCamera *cam)
{
  int fd = memfd_create ("uevent", MFD_CLOEXEC);
  size_t n = strlen (cam->uevent);

  if (fd < 0)
    return -1;
  if (write (fd, cam->uevent, n) != (ssize_t) n || lseek (fd, 0, SEEK_SET) < 0) {
    testcam_real.close (fd);
    errno = EIO;
    return -1;
  }
  return fd;
}

static int
do_openat (int dirfd, const char *path, int flags, mode_t mode)
{
  TcCamera *cam;

  ensure_init ();
  if ((cam = camera_at (dirfd, path, !(flags & O_NOFOLLOW))))
    return open_node (cam, flags);
  if (path && (cam = uevent_camera (path)) && !(flags & (O_WRONLY | O_RDWR)))
    return open_uevent (cam);
  return testcam_real.openat (dirfd, path, flags, mode);
}

static mode_t
mode_arg (int flags, va_list ap)
{
  return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE ? va_arg (ap, mode_t) : 0;
}

EXPORT int
open (const char *path, int flags, ...)
{
  va_list ap;
  mode_t mode;

  va_start (ap, flags);
  mode = mode_arg (flags, ap);
  va_end (ap);
  return do_openat (AT_FDCWD, path, flags, mode);
}

EXPORT int
open64 (const char *path, int flags, ...)
{
  va_list ap;
  mode_t mode;

  va_start (ap, flags);
  mode = mode_arg (flags, ap);
  va_end (ap);
  return do_openat (AT_FDCWD, path, flags, mode);
}

EXPORT int
openat (int dirfd, const char *path, int flags, ...)
{
  va_list ap;
  mode_t mode;

  va_start (ap, flags);
  mode = mode_arg (flags, ap);
  va_end (ap);
  return do_openat (dirfd, path, flags, mode);
}

EXPORT int
openat64 (int dirfd, const char *path, int flags, ...)
{
  va_list ap;
  mode_t mode;

  va_start (ap, flags);
  mode = mode_arg (flags, ap);
  va_end (ap);
  return do_openat (dirfd, path, flags, mode);
}

/* what _FORTIFY_SOURCE builds call */
int __open_2 (const char *path, int flags);
int __open64_2 (const char *path, int flags);
int __openat_2 (int dirfd, const char *path, int flags);
int __openat64_2 (int dirfd, const char *path, int flags);

EXPORT int
__open_2 (const char *path, int flags)
{
  return do_openat (AT_FDCWD, path, flags, 0);
}

EXPORT int
__open64_2 (const char *path, int flags)
{
  return do_openat (AT_FDCWD, path, flags, 0);
}

EXPORT int
__openat_2 (int dirfd, const char *path, int flags)
{
  return do_openat (dirfd, path, flags, 0);
}

EXPORT int
__openat64_2 (int dirfd, const char *path, int flags)
{
  return do_openat (dirfd, path, flags, 0);
}

EXPORT FILE *
fopen (const char *path, const char *mode)
{
  TcCamera *cam;

  ensure_init ();
  if ((cam = uevent_camera (path)) && mode[0] == 'r' && !strchr (mode, '+')) {
    /* a stream on a descriptor: libstdc++'s ifstream reads the descriptor */
    int fd = open_uevent (cam);
    FILE *f = fd >= 0 ? fdopen (fd, "r") : NULL;
    if (!f && fd >= 0)
      testcam_real.close (fd);
    return f;
  }
  if (camera_at (AT_FDCWD, path, true)) {
    /* a stdio stream on a video node is of no use; say so as the kernel
     * would for a read() on a node without READWRITE */
    errno = EINVAL;
    return NULL;
  }
  return testcam_real.fopen (path, mode);
}

EXPORT FILE *
fopen64 (const char *path, const char *mode)
{
  return fopen (path, mode);
}

EXPORT int
close (int fd)
{
  ensure_init ();
  if (testcam_n_cameras) {
    pthread_mutex_lock (&testcam_lock);
    fd_drop (fd);
    pthread_mutex_unlock (&testcam_lock);
  }
  return testcam_real.close (fd);
}

/* a new descriptor `nfd` made from `fd`: on the same handle */
static int
dup_done (int fd, int nfd)
{
  TcHandle *h;

  if (nfd < 0 || !testcam_n_cameras)
    return nfd;
  pthread_mutex_lock (&testcam_lock);
  h = fd_get (fd);
  if (h && nfd != fd)
    fd_put (nfd, h);
  pthread_mutex_unlock (&testcam_lock);
  return nfd;
}

EXPORT int
dup (int fd)
{
  ensure_init ();
  return dup_done (fd, testcam_real.dup (fd));
}

static int
dup_over (int fd, int nfd, int flags, bool dup2)
{
  int r;

  ensure_init ();
  if (!testcam_n_cameras)
    return dup2 ? testcam_real.dup2 (fd, nfd) : testcam_real.dup3 (fd, nfd, flags);
  pthread_mutex_lock (&testcam_lock);
  r = dup2 ? testcam_real.dup2 (fd, nfd) : testcam_real.dup3 (fd, nfd, flags);
  if (r >= 0 && fd != nfd) {
    TcHandle *h = fd_get (fd);
    fd_drop (nfd);
    if (h)
      fd_put (nfd, h);
  }
  pthread_mutex_unlock (&testcam_lock);
  return r;
}

EXPORT int
dup2 (int fd, int nfd)
{
  return dup_over (fd, nfd, 0, true);
}

EXPORT int
dup3 (int fd, int nfd, int flags)
{
  return dup_over (fd, nfd, flags, false);
}

static int
do_fcntl (int fd, int cmd, void *arg)
{
  ensure_init ();
  if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
    return dup_done (fd, testcam_real.fcntl (fd, cmd, arg));
  return testcam_real.fcntl (fd, cmd, arg);
}

EXPORT int
fcntl (int fd, int cmd, ...)
{
  va_list ap;
  void *arg;

  va_start (ap, cmd);
  arg = va_arg (ap, void *);
  va_end (ap);
  return do_fcntl (fd, cmd, arg);
}

EXPORT int
fcntl64 (int fd, int cmd, ...)
{
  va_list ap;
  void *arg;

  va_start (ap, cmd);
  arg = va_arg (ap, void *);
  va_end (ap);
  return do_fcntl (fd, cmd, arg);
}

/* ---- ioctl, mmap ---- */

EXPORT int
ioctl (int fd, unsigned long req, ...)
{
  va_list ap;
  void *arg;
  TcHandle *h;
  int err;

  va_start (ap, req);
  arg = va_arg (ap, void *);
  va_end (ap);

  ensure_init ();
  if (!testcam_n_cameras)
    return testcam_real.ioctl (fd, req, arg);
  pthread_mutex_lock (&testcam_lock);
  h = fd_get (fd);
  if (!h) {
    pthread_mutex_unlock (&testcam_lock);
    return testcam_real.ioctl (fd, req, arg);
  }
  err = testcam_device_ioctl (h, fd, req, arg);
  pthread_mutex_unlock (&testcam_lock);
  if (err) {
    errno = err;
    return -1;
  }
  return 0;
}

EXPORT void *
mmap (void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
  TcHandle *h;
  void *p;

  ensure_init ();
  if (!testcam_n_cameras || fd < 0)
    return testcam_real.mmap (addr, len, prot, flags, fd, off);
  pthread_mutex_lock (&testcam_lock);
  h = fd_get (fd);
  if (!h) {
    pthread_mutex_unlock (&testcam_lock);
    return testcam_real.mmap (addr, len, prot, flags, fd, off);
  }
  if (h->cam->gone) {
    errno = ENODEV;
    p = MAP_FAILED;
  } else if (h->cam->memfd < 0 || off < 0 ||
             (size_t) off + len > h->cam->buf_size * h->cam->n_buffers) {
    errno = EINVAL;
    p = MAP_FAILED;
  } else {
    p = testcam_real.mmap (addr, len, prot, flags, h->cam->memfd, off);
  }
  pthread_mutex_unlock (&testcam_lock);
  return p;
}

EXPORT void *
mmap64 (void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
  return mmap (addr, len, prot, flags, fd, off);
}
