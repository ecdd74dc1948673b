/* emocap: finding a session named on the command line
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "cli.h"

void
cli_session_clear (CliSession *place)
{
  g_free (place->id);
  g_free (place->folder);
  g_free (place->journal);
  g_free (place->archive);
}

static gboolean
is_session_id (const char *s)
{
  gsize len = strlen (s);

  if (len == 0 || len > 64 || strcmp (s, ".") == 0 || strcmp (s, "..") == 0)
    return FALSE;
  for (const char *p = s; *p; p++) {
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  }
  return TRUE;
}

gboolean
cli_find_session (const char *arg, const char *archive_option, CliSession *place,
    GError **error)
{
  if (!(archive_option && is_session_id (arg)) && g_file_test (arg, G_FILE_TEST_IS_DIR)) {
    /* Messages keep the user's spelling; the id and the archive
     * (ARCHIVE/sessions/SESSION) come from the absolute path. */
    g_autofree char *absolute = g_canonicalize_filename (arg, NULL);
    g_autofree char *sessions = g_path_get_dirname (absolute);
    place->folder = g_strdup (arg);
    place->id = g_path_get_basename (absolute);
    place->archive = archive_option ? g_strdup (archive_option) : g_path_get_dirname (sessions);
  } else if (is_session_id (arg)) {
    g_autofree char *sessions = NULL;
    place->archive = cli_archive_path (archive_option);
    sessions = g_build_filename (place->archive, "sessions", NULL);
    place->id = g_strdup (arg);
    place->folder = g_build_filename (sessions, arg, NULL);
    if (!g_file_test (place->folder, G_FILE_TEST_IS_DIR)) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
          "session '%s' is not in archive '%s' (no folder '%s'); pass the "
          "session's folder, or the archive with --archive DIR", arg, place->archive,
          place->folder);
      return FALSE;
    }
  } else {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
        "'%s' is neither a session folder nor a session id", arg);
    return FALSE;
  }

  place->journal = g_build_filename (place->folder, "journal.jsonl", NULL);
  if (!g_file_test (place->journal, G_FILE_TEST_EXISTS)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
        "session '%s' has no journal: '%s' does not exist", place->id, place->journal);
    return FALSE;
  }
  return TRUE;
}
