/* emocap: the studio's watermark key and the tag of each take (libsodium)
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The key is 32 random bytes in ARCHIVE/keys/watermark.key, one line of
 * hex.  It is created as studio.key is: written in full under a temporary
 * name and linked into place, so when two recorders start on a fresh
 * archive at once exactly one key wins and the other process loads it.
 * Anyone holding the key can find the tag in a clip, and forge or strip
 * it: the file is as private as the studio's signing key.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/watermark.h>

#include "storage.h"

#define KEY_NAME "watermark.key"
#define KEY_HEX_LEN (2 * EMOCAP_WM_KEY_LEN)

/* Longer than any well-formed key file, so that a bigger file is refused
 * as malformed rather than read whole. */
#define KEY_FILE_MAX 256

/* Bumped if the tag ever changes: a detector must know which it reads. */
static const char tag_context[] = "emocap-watermark-tag-v1";

static gboolean
ensure_sodium (GError **error)
{
  if (sodium_init () < 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "cannot initialise libsodium");
    return FALSE;
  }
  return TRUE;
}

/* Reads the key file @path, of at most KEY_FILE_MAX bytes, into @buf
 * (NUL-terminated) and its length into @len_out.  Returns -1 with @error
 * set, 0 if the file does not exist, 1 if read. */
static int
read_key_file (const char *path, char buf[KEY_FILE_MAX + 1], gsize *len_out,
    GError **error)
{
  struct stat st;
  gsize len = 0;
  int ret = -1;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT)
      return 0;
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "cannot read watermark key '%s': %s", path, g_strerror (e));
    return -1;
  }

  if (fstat (fd, &st) < 0) {
    int e = errno;
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "cannot read watermark key '%s': %s", path, g_strerror (e));
    goto out;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "watermark key '%s' is not a regular file", path);
    goto out;
  }
  /* Checked before reading: a key others could read is no secret. */
  if ((st.st_mode & 077) != 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "watermark key '%s' is open to group or others (mode %04o); "
        "run 'chmod 600 %s'", path, (unsigned) (st.st_mode & 07777), path);
    goto out;
  }

  while (len < KEY_FILE_MAX + 1) {
    ssize_t n = read (fd, buf + len, KEY_FILE_MAX + 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
          "cannot read watermark key '%s': %s", path, g_strerror (e));
      goto out;
    }
    if (n == 0)
      break;
    len += (gsize) n;
  }
  if (len > KEY_FILE_MAX) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "watermark key '%s' is malformed: it is far longer than a key", path);
    goto out;
  }
  buf[len] = '\0';
  *len_out = len;
  ret = 1;

out:
  close (fd);
  return ret;
}

/* Decodes the one line of hex in @text (@len bytes, changed in place),
 * saying in @error what is wrong with it otherwise. */
static gboolean
parse_key (const char *path, char *text, gsize len,
    guint8 key[EMOCAP_WM_KEY_LEN], GError **error)
{
  const char *newline = memchr (text, '\n', len);
  gsize digits = newline != NULL ? (gsize) (newline - text) : len;

  if (newline != NULL && digits + 1 != len) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "watermark key '%s' is malformed: expected one line of %d hex digits, "
        "found more after it", path, KEY_HEX_LEN);
    return FALSE;
  }
  for (gsize i = 0; i < digits; i++) {
    if (!g_ascii_isxdigit (text[i])) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
          "watermark key '%s' is malformed: character %" G_GSIZE_FORMAT
          " is not a hex digit", path, i + 1);
      return FALSE;
    }
  }
  if (digits != KEY_HEX_LEN) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "watermark key '%s' is malformed: %" G_GSIZE_FORMAT " hex digits, "
        "expected %d", path, digits, KEY_HEX_LEN);
    return FALSE;
  }
  text[digits] = '\0';
  return emocap_hex_decode (text, key, EMOCAP_WM_KEY_LEN);
}

static gboolean
load_key (const char *path, guint8 key[EMOCAP_WM_KEY_LEN], GError **error)
{
  char buf[KEY_FILE_MAX + 1];
  gsize len = 0;
  gboolean ok = FALSE;
  int r;

  r = read_key_file (path, buf, &len, error);
  if (r <= 0) {
    if (r == 0)
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
          "watermark key '%s' does not exist", path);
    goto out;
  }
  ok = parse_key (path, buf, len, key, error);

out:
  sodium_memzero (buf, sizeof buf);
  return ok;
}

static gboolean
create_key (const char *path, GError **error)
{
  guint8 key[EMOCAP_WM_KEY_LEN];
  GError *local = NULL;
  char *hex = NULL;
  char *line = NULL;
  gboolean ok;

  randombytes_buf (key, sizeof key);
  hex = emocap_hex_encode (key, sizeof key);
  line = g_strconcat (hex, "\n", NULL);
  ok = emocap_write_new_file (path, line, strlen (line), &local);
  /* EXISTS: another process created the key first; it is loaded next. */
  if (!ok && g_error_matches (local, EMOCAP_ERROR, EMOCAP_ERROR_EXISTS)) {
    g_clear_error (&local);
    ok = TRUE;
  }
  if (local != NULL)
    g_propagate_error (error, local);

  sodium_memzero (key, sizeof key);
  sodium_memzero (hex, strlen (hex));
  sodium_memzero (line, strlen (line));
  g_free (hex);
  g_free (line);
  return ok;
}

gboolean
emocap_wm_key_load_or_create (const char *keys_dir,
    guint8 key[EMOCAP_WM_KEY_LEN], GError **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (keys_dir != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ensure_sodium (error))
    return FALSE;
  if (!emocap_mkdir_private (keys_dir, error))
    return FALSE;

  path = g_build_filename (keys_dir, KEY_NAME, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS) && !create_key (path, error))
    return FALSE;
  return load_key (path, key, error);
}

gboolean
emocap_wm_key_load (const char *path, guint8 key[EMOCAP_WM_KEY_LEN],
    GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ensure_sodium (error))
    return FALSE;
  return load_key (path, key, error);
}

guint64
emocap_wm_tag (const guint8 key[EMOCAP_WM_KEY_LEN], const char *session_id,
    const char *take_id)
{
  crypto_generichash_state state;
  guint8 out[8];
  guint64 tag = 0;

  g_return_val_if_fail (key != NULL, 0);
  g_return_val_if_fail (session_id != NULL, 0);
  g_return_val_if_fail (take_id != NULL, 0);

  /* Not reached in practice: the key was loaded after sodium_init(). */
  if (sodium_init () < 0) {
    g_critical ("cannot initialise libsodium");
    return 0;
  }

  /* The context's NUL and the '/' keep (session, take) pairs apart; the
   * recorder's ids hold no '/'. */
  crypto_generichash_init (&state, key, EMOCAP_WM_KEY_LEN, sizeof out);
  crypto_generichash_update (&state, (const guint8 *) tag_context, sizeof tag_context);
  crypto_generichash_update (&state, (const guint8 *) session_id, strlen (session_id));
  crypto_generichash_update (&state, (const guint8 *) "/", 1);
  crypto_generichash_update (&state, (const guint8 *) take_id, strlen (take_id));
  crypto_generichash_final (&state, out, sizeof out);
  sodium_memzero (&state, sizeof state);

  for (gsize i = 0; i < sizeof out; i++)
    tag = tag << 8 | out[i];
  return tag;
}
