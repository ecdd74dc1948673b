/* emocap tests: helpers shared by the journal and key tests
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include <emocap/digest.h>

#include "test-util.h"

char *
test_tmpdir_new (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("emocap-journal-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL) {
    const char *name;
    while ((name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
          !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
    g_dir_close (dir);
  }
  g_rmdir (path);
}

void
test_tmpdir_free (char *dir)
{
  if (dir == NULL)
    return;
  remove_tree (dir);
  g_free (dir);
}

EmocapKey *
test_key_from_seed (const char *seed)
{
  EmocapKey *key = g_new0 (EmocapKey, 1);

  g_assert_cmpint (strlen (seed), ==, crypto_sign_SEEDBYTES);
  g_assert_cmpint (sodium_init (), >=, 0);
  crypto_sign_seed_keypair (key->public_key, key->secret_key, (const guint8 *) seed);
  key->has_secret = TRUE;
  return key;
}

void
test_write_file (const char *path, const char *data, gsize len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
      &error);
  g_assert_no_error (error);
}
