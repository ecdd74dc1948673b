/* emocap: SHA-256 digests (libsodium)
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <emocap/digest.h>
#include <emocap/error.h>

char *
emocap_hex_encode (const guint8 *bytes, gsize len)
{
  static const char digits[] = "0123456789abcdef";
  char *hex = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++) {
    hex[2 * i] = digits[bytes[i] >> 4];
    hex[2 * i + 1] = digits[bytes[i] & 0xf];
  }
  hex[len * 2] = '\0';
  return hex;
}

gboolean
emocap_hex_decode (const char *hex, guint8 *out, gsize len)
{
  g_return_val_if_fail (hex != NULL, FALSE);

  if (strlen (hex) != len * 2)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    int hi = g_ascii_xdigit_value (hex[2 * i]);
    int lo = g_ascii_xdigit_value (hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return FALSE;
    out[i] = (guint8) (hi << 4 | lo);
  }
  return TRUE;
}

gboolean
emocap_is_sha256_hex (const char *s)
{
  if (s == NULL || strlen (s) != EMOCAP_SHA256_HEX_LEN)
    return FALSE;
  for (const char *p = s; *p; p++) {
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  }
  return TRUE;
}

char *
emocap_sha256_hex (const void *data, gsize len)
{
  guint8 digest[crypto_hash_sha256_BYTES];

  crypto_hash_sha256 (digest, data, len);
  return emocap_hex_encode (digest, sizeof digest);
}

char *
emocap_sha256_file_hex (const char *path, guint64 *size_out, GError **error)
{
  crypto_hash_sha256_state state;
  guint8 digest[crypto_hash_sha256_BYTES];
  guint8 buf[1 << 16];
  guint64 total = 0;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot read '%s': %s",
        path, g_strerror (e));
    return NULL;
  }

  crypto_hash_sha256_init (&state);
  for (;;) {
    ssize_t n = read (fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      close (fd);
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot read '%s': %s",
          path, g_strerror (e));
      return NULL;
    }
    if (n == 0)
      break;
    crypto_hash_sha256_update (&state, buf, (unsigned long long) n);
    total += (guint64) n;
  }
  close (fd);
  crypto_hash_sha256_final (&state, digest);

  if (size_out)
    *size_out = total;
  return emocap_hex_encode (digest, sizeof digest);
}
