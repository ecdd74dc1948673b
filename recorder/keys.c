/* emocap: the studio's Ed25519 signing key (libsodium)
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The key pair lives in ARCHIVE/keys as two one-line hex files.  A new pair
 * is written to a temporary file, synced, then link()ed to its final name:
 * link() fails if the name exists, so when two recorders start on a fresh
 * archive at once exactly one key wins and the other process loads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/keys.h>

#include "storage.h"

#define SECRET_KEY_NAME "studio.key"
#define PUBLIC_KEY_NAME "studio.pub"

/* Longer than any well-formed key file, so that a bigger file is refused
 * as malformed rather than read whole. */
#define KEY_FILE_MAX 256

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

/* Reads a key file of at most KEY_FILE_MAX bytes into @buf (NUL-terminated).
 * Returns -1 with @error set, 0 if the file does not exist, 1 if read; the
 * file's mode goes to @mode_out. */
static int
read_key_file (const char *path, const char *what, char buf[KEY_FILE_MAX + 1],
    mode_t *mode_out, GError **error)
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
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot read %s '%s': %s",
        what, path, g_strerror (e));
    return -1;
  }

  if (fstat (fd, &st) < 0) {
    int e = errno;
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot read %s '%s': %s",
        what, path, g_strerror (e));
    goto out;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "%s '%s' is not a regular file",
        what, path);
    goto out;
  }

  while (len < KEY_FILE_MAX + 1) {
    ssize_t n = read (fd, buf + len, KEY_FILE_MAX + 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot read %s '%s': %s",
          what, path, g_strerror (e));
      goto out;
    }
    if (n == 0)
      break;
    len += (gsize) n;
  }
  if (len > KEY_FILE_MAX) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "%s '%s' is malformed: it is far longer than a key", what, path);
    goto out;
  }
  buf[len] = '\0';
  *mode_out = st.st_mode;
  ret = 1;

out:
  close (fd);
  return ret;
}

/* Decodes one line of exactly 2 * @len hex digits (a final newline is
 * optional). */
static gboolean
decode_key_line (char *text, guint8 *out, gsize len)
{
  gsize n = strlen (text);

  if (n > 0 && text[n - 1] == '\n')
    text[n - 1] = '\0';
  return emocap_hex_decode (text, out, len);
}

static char *
key_path (const char *keys_dir, const char *name)
{
  return g_build_filename (keys_dir, name, NULL);
}

/* Writes @text to a new file @path (mode 0600), complete or not at all.
 * Returns 1 if written, 0 if @path already existed (the file was left as it
 * was: another process won the race), -1 on error. */
static int
publish_file (const char *path, const char *text, GError **error)
{
  GError *local = NULL;

  if (emocap_write_new_file (path, text, strlen (text), &local))
    return 1;
  if (g_error_matches (local, EMOCAP_ERROR, EMOCAP_ERROR_EXISTS)) {
    g_error_free (local);
    return 0;
  }
  g_propagate_error (error, local);
  return -1;
}

static gboolean
create_key_pair (const char *keys_dir, const char *secret_path, GError **error)
{
  guint8 pk[crypto_sign_PUBLICKEYBYTES];
  guint8 sk[crypto_sign_SECRETKEYBYTES];
  char *hex = NULL;
  char *line = NULL;
  int r;

  crypto_sign_keypair (pk, sk);
  hex = emocap_hex_encode (sk, sizeof sk);
  line = g_strconcat (hex, "\n", NULL);
  r = publish_file (secret_path, line, error);

  sodium_memzero (sk, sizeof sk);
  sodium_memzero (hex, strlen (hex));
  sodium_memzero (line, strlen (line));
  g_free (hex);
  g_free (line);
  /* r == 0: another process created the key first; it is loaded below. */
  return r >= 0;
}

static EmocapKey *
load_pair (const char *keys_dir, const char *secret_path, const char *public_path,
    GError **error)
{
  g_autoptr (EmocapKey) key = g_new0 (EmocapKey, 1);
  guint8 seed_pk[EMOCAP_PUBLIC_KEY_LEN];
  guint8 seed_sk[EMOCAP_SECRET_KEY_LEN];
  guint8 file_pk[EMOCAP_PUBLIC_KEY_LEN];
  char buf[KEY_FILE_MAX + 1];
  mode_t mode = 0;
  gboolean ok = FALSE;
  int r;

  r = read_key_file (secret_path, "secret key", buf, &mode, error);
  if (r <= 0) {
    if (r == 0)
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
          "secret key '%s' does not exist", secret_path);
    goto out;
  }
  if ((mode & 077) != 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "secret key '%s' is open to group or others (mode %04o); "
        "run 'chmod 600 %s'", secret_path, (unsigned) (mode & 07777), secret_path);
    goto out;
  }
  if (!decode_key_line (buf, key->secret_key, EMOCAP_SECRET_KEY_LEN)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "secret key '%s' is malformed: expected one line of %d hex digits",
        secret_path, 2 * EMOCAP_SECRET_KEY_LEN);
    goto out;
  }
  /* libsodium's secret key is seed || public key: both halves must agree. */
  crypto_sign_seed_keypair (seed_pk, seed_sk, key->secret_key);
  if (sodium_memcmp (seed_sk, key->secret_key, EMOCAP_SECRET_KEY_LEN) != 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "secret key '%s' is damaged: its public half does not match its seed",
        secret_path);
    goto out;
  }
  memcpy (key->public_key, seed_pk, EMOCAP_PUBLIC_KEY_LEN);
  key->has_secret = TRUE;

  r = read_key_file (public_path, "public key", buf, &mode, error);
  if (r < 0)
    goto out;
  if (r == 0) {
    /* Lost, or the process that created the secret key stopped before
     * writing it: it is derived from the secret key, so write it again. */
    g_autofree char *hex = emocap_key_public_hex (key);
    g_autofree char *line = g_strconcat (hex, "\n", NULL);
    if (publish_file (public_path, line, error) < 0)
      goto out;
    r = read_key_file (public_path, "public key", buf, &mode, error);
    if (r <= 0) {
      if (r == 0)
        g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
            "public key '%s' disappeared while it was being created", public_path);
      goto out;
    }
  }
  if (!decode_key_line (buf, file_pk, sizeof file_pk)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "public key '%s' is malformed: expected one line of %d hex digits",
        public_path, 2 * EMOCAP_PUBLIC_KEY_LEN);
    goto out;
  }
  if (memcmp (file_pk, key->public_key, sizeof file_pk) != 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "public key '%s' does not match secret key '%s'", public_path, secret_path);
    goto out;
  }
  ok = TRUE;

out:
  sodium_memzero (buf, sizeof buf);
  sodium_memzero (seed_sk, sizeof seed_sk);
  return ok ? g_steal_pointer (&key) : NULL;
}

EmocapKey *
emocap_key_load_or_create (const char *keys_dir, GError **error)
{
  g_autofree char *secret_path = NULL;
  g_autofree char *public_path = NULL;

  g_return_val_if_fail (keys_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ensure_sodium (error))
    return NULL;

  if (g_mkdir_with_parents (keys_dir, 0700) < 0) {
    int e = errno;
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot create folder '%s': %s",
        keys_dir, g_strerror (e));
    return NULL;
  }

  secret_path = key_path (keys_dir, SECRET_KEY_NAME);
  public_path = key_path (keys_dir, PUBLIC_KEY_NAME);

  if (!g_file_test (secret_path, G_FILE_TEST_EXISTS)) {
    /* A public key without its secret key means the studio key was lost:
     * making a new one would silently orphan every journal signed so far. */
    if (g_file_test (public_path, G_FILE_TEST_EXISTS)) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
          "secret key '%s' is missing but public key '%s' exists; restore the "
          "secret key, or move '%s' away to start a new studio key",
          secret_path, public_path, public_path);
      return NULL;
    }
    if (!create_key_pair (keys_dir, secret_path, error))
      return NULL;
  }
  return load_pair (keys_dir, secret_path, public_path, error);
}

EmocapKey *
emocap_key_load_public (const char *path, GError **error)
{
  g_autoptr (EmocapKey) key = NULL;
  char buf[KEY_FILE_MAX + 1];
  mode_t mode = 0;
  gsize len;
  int r;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ensure_sodium (error))
    return NULL;

  r = read_key_file (path, "public key", buf, &mode, error);
  if (r < 0)
    return NULL;
  if (r == 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
        "public key '%s' does not exist", path);
    return NULL;
  }

  key = g_new0 (EmocapKey, 1);
  len = strlen (buf);
  if (len >= 2 * EMOCAP_SECRET_KEY_LEN && len <= 2 * EMOCAP_SECRET_KEY_LEN + 1) {
    sodium_memzero (buf, sizeof buf);
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "'%s' looks like a secret key, not a public key; pass the studio.pub file",
        path);
    return NULL;
  }
  if (!decode_key_line (buf, key->public_key, EMOCAP_PUBLIC_KEY_LEN)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "public key '%s' is malformed: expected one line of %d hex digits",
        path, 2 * EMOCAP_PUBLIC_KEY_LEN);
    return NULL;
  }
  if (!crypto_core_ed25519_is_valid_point (key->public_key)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
        "public key '%s' is not a usable Ed25519 public key", path);
    return NULL;
  }
  return g_steal_pointer (&key);
}

char *
emocap_key_public_hex (const EmocapKey *key)
{
  g_return_val_if_fail (key != NULL, NULL);

  return emocap_hex_encode (key->public_key, EMOCAP_PUBLIC_KEY_LEN);
}

char *
emocap_key_sign_hex (const EmocapKey *key, const void *data, gsize len)
{
  guint8 sig[EMOCAP_SIGNATURE_LEN];

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (key->has_secret, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (sodium_init () < 0)
    return NULL;
  crypto_sign_detached (sig, NULL, data, len, key->secret_key);
  return emocap_hex_encode (sig, sizeof sig);
}

static gboolean
is_lower_hex (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isdigit (s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
      return FALSE;
  }
  return s[len] == '\0';
}

gboolean
emocap_key_verify_hex (const EmocapKey *key, const void *data, gsize len,
    const char *sig_hex)
{
  guint8 sig[EMOCAP_SIGNATURE_LEN];

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (sig_hex != NULL, FALSE);

  if (sodium_init () < 0)
    return FALSE;
  /* Only the lower-case spelling is a signature: otherwise a signed line
   * could be changed (a digit's case) and still verify. */
  if (strnlen (sig_hex, 2 * sizeof sig + 1) != 2 * sizeof sig ||
      !is_lower_hex (sig_hex, 2 * sizeof sig))
    return FALSE;
  if (!emocap_hex_decode (sig_hex, sig, sizeof sig))
    return FALSE;
  return crypto_sign_verify_detached (sig, data, len, key->public_key) == 0;
}

void
emocap_key_free (EmocapKey *key)
{
  if (key == NULL)
    return;
  sodium_memzero (key, sizeof *key);
  g_free (key);
}
