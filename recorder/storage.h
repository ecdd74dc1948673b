/* emocap: durable, private files in the archive
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The archive holds biometric data: folders 0700, files 0600, and nothing
 * is reported written before it is on disk (fsync of the file and of the
 * folder that names it).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Creates the folder @path (0700) and any missing parents (0700); an
 * existing folder is fine. */
gboolean emocap_mkdir_private (const char *path, GError **error);

/* Creates the folder @path (0700); EMOCAP_ERROR_EXISTS if it exists.  Its
 * parent must exist; the parent is fsync'd. */
gboolean emocap_mkdir_new (const char *path, GError **error);

/* write() of all @len bytes, again after EINTR and short writes; FALSE
 * with errno set on failure. */
gboolean emocap_write_all (int fd, const void *data, gsize len);

/* fsync() of a file or folder. */
gboolean emocap_fsync_path (const char *path, GError **error);

/* fsync() of the folder that holds @path. */
gboolean emocap_fsync_parent (const char *path, GError **error);

/* Writes @len bytes to a new file @path (0600), fsync'd with its folder.
 * EMOCAP_ERROR_EXISTS if @path exists (it is left as it was); @path never
 * appears half-written. */
gboolean emocap_write_new_file (const char *path, const void *data, gsize len,
    GError **error);

/* Replaces @path atomically with @len bytes (0600): a temporary file in the
 * same folder, fsync, rename, fsync of the folder.  Readers see the old or
 * the new content, never a half-written file. */
gboolean emocap_write_file_atomic (const char *path, const void *data,
    gsize len, GError **error);

/* The sessions of the archive at @archive: the names under
 * ARCHIVE/sessions that are ids (emocap_id_is_valid()) and hold a
 * journal.jsonl, sorted.  EMOCAP_ERROR_NOT_FOUND if there is no sessions/
 * folder, EMOCAP_ERROR_IO if it cannot be read. */
GPtrArray *emocap_archive_session_ids (const char *archive, GError **error);

/* Removes @path and everything under it, not following symbolic links;
 * best effort (what cannot be removed stays). */
void emocap_remove_tree (const char *path);

G_END_DECLS
