/* emocap: durable, private files in the archive
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <emocap/error.h>
#include <emocap/script.h>

#include "storage.h"

static gboolean
set_io_error (GError **error, int err, const char *what, const char *path)
{
  g_set_error (error, EMOCAP_ERROR,
      err == EEXIST ? EMOCAP_ERROR_EXISTS : emocap_error_code_for_errno (err),
      "cannot %s '%s': %s", what, path, g_strerror (err));
  return FALSE;
}

gboolean
emocap_fsync_path (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  int r;

  if (fd < 0)
    return set_io_error (error, errno, "open", path);
  do {
    r = fsync (fd);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    int e = errno;
    close (fd);
    /* Some filesystems cannot fsync a folder; the data is still written. */
    if (e == EINVAL)
      return TRUE;
    return set_io_error (error, e, "sync", path);
  }
  close (fd);
  return TRUE;
}

gboolean
emocap_fsync_parent (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  return emocap_fsync_path (dir, error);
}

gboolean
emocap_mkdir_private (const char *path, GError **error)
{
  struct stat st;

  g_return_val_if_fail (path != NULL, FALSE);

  if (stat (path, &st) == 0) {
    if (!S_ISDIR (st.st_mode)) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
          "'%s' exists but is not a folder", path);
      return FALSE;
    }
    return TRUE;
  }
  if (g_mkdir_with_parents (path, 0700) < 0)
    return set_io_error (error, errno, "create folder", path);
  return emocap_fsync_parent (path, error);
}

gboolean
emocap_mkdir_new (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);

  if (mkdir (path, 0700) < 0)
    return set_io_error (error, errno, "create folder", path);
  return emocap_fsync_parent (path, error);
}

gboolean
emocap_write_all (int fd, const void *data, gsize len)
{
  const char *p = data;

  while (len > 0) {
    ssize_t n = write (fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return FALSE;
    p += n;
    len -= (gsize) n;
  }
  return TRUE;
}

static gboolean
write_and_sync (int fd, const void *data, gsize len)
{
  int r;

  if (!emocap_write_all (fd, data, len))
    return FALSE;
  do {
    r = fsync (fd);
  } while (r < 0 && errno == EINTR);
  return r == 0;
}

gboolean
emocap_write_new_file (const char *path, const void *data, gsize len,
    GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.tmp-XXXXXX", path);
  int fd, e;

  g_return_val_if_fail (path != NULL, FALSE);

  /* Written in full and synced under a temporary name, then linked into
   * place: @path is either absent or complete, and link() refuses to
   * replace a file another process created meanwhile. */
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_io_error (error, errno, "create", tmp);
  if (!write_and_sync (fd, data, len)) {
    e = errno;
    close (fd);
    unlink (tmp);
    return set_io_error (error, e, "write", tmp);
  }
  close (fd);
  if (link (tmp, path) < 0) {
    e = errno;
    unlink (tmp);
    return set_io_error (error, e, "create", path);
  }
  unlink (tmp);
  return emocap_fsync_parent (path, error);
}

gboolean
emocap_write_file_atomic (const char *path, const void *data, gsize len,
    GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.tmp-XXXXXX", path);
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_io_error (error, errno, "create", tmp);
  if (!write_and_sync (fd, data, len)) {
    int e = errno;
    close (fd);
    unlink (tmp);
    return set_io_error (error, e, "write", tmp);
  }
  close (fd);
  if (rename (tmp, path) < 0) {
    int e = errno;
    unlink (tmp);
    return set_io_error (error, e, "replace", path);
  }
  return emocap_fsync_parent (path, error);
}

void
emocap_remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL && !g_file_test (path, G_FILE_TEST_IS_SYMLINK)) {
    while ((name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        emocap_remove_tree (child);
      else
        g_unlink (child);
    }
  }
  if (dir != NULL)
    g_dir_close (dir);
  if (g_rmdir (path) != 0)
    g_unlink (path);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
emocap_archive_session_ids (const char *archive, GError **error)
{
  g_autofree char *sessions = g_build_filename (archive, "sessions", NULL);
  g_autoptr (GError) local = NULL;
  g_autoptr (GDir) dir = NULL;
  GPtrArray *ids;
  const char *name;

  if (!g_file_test (sessions, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND, "'%s' holds no sessions/ "
        "folder: is it an emocap archive?", archive);
    return NULL;
  }
  dir = g_dir_open (sessions, 0, &local);
  if (dir == NULL) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "%s", local->message);
    return NULL;
  }
  ids = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir))) {
    g_autofree char *journal = g_build_filename (sessions, name, "journal.jsonl", NULL);
    if (emocap_id_is_valid (name) && g_file_test (journal, G_FILE_TEST_IS_REGULAR))
      g_ptr_array_add (ids, g_strdup (name));
  }
  g_ptr_array_sort (ids, compare_strings);
  return ids;
}
