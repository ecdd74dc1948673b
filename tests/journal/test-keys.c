/* emocap tests: the studio signing key
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/keys.h>

#include "test-util.h"

typedef struct {
  char *tmp;
  char *keys_dir;
  char *secret_path;
  char *public_path;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->tmp = test_tmpdir_new ();
  /* Two levels that do not exist yet: created on first use. */
  f->keys_dir = g_build_filename (f->tmp, "archive", "keys", NULL);
  f->secret_path = g_build_filename (f->keys_dir, "studio.key", NULL);
  f->public_path = g_build_filename (f->keys_dir, "studio.pub", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  test_tmpdir_free (f->tmp);
  g_free (f->keys_dir);
  g_free (f->secret_path);
  g_free (f->public_path);
}

static mode_t
file_mode (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static char *
read_text (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static gboolean
is_hex_line (const char *text, gsize digits)
{
  if (strlen (text) != digits + 1 || text[digits] != '\n')
    return FALSE;
  for (gsize i = 0; i < digits; i++) {
    if (!g_ascii_isdigit (text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
      return FALSE;
  }
  return TRUE;
}

static void
test_create (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapKey) key = NULL;
  g_autoptr (EmocapKey) again = NULL;
  g_autofree char *secret_text = NULL;
  g_autofree char *public_text = NULL;
  g_autofree char *public_hex = NULL;
  g_autofree char *secret_hex = NULL;
  g_autofree char *sig = NULL;
  g_autofree char *upper = NULL;
  const char msg[] = "consent.given 001-joy";

  key = emocap_key_load_or_create (f->keys_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
  g_assert_true (key->has_secret);

  g_assert_cmpint (file_mode (f->keys_dir), ==, 0700);
  g_assert_cmpint (file_mode (f->secret_path), ==, 0600);
  g_assert_cmpint (file_mode (f->public_path), ==, 0600);

  secret_text = read_text (f->secret_path);
  public_text = read_text (f->public_path);
  g_assert_true (is_hex_line (secret_text, 2 * EMOCAP_SECRET_KEY_LEN));
  g_assert_true (is_hex_line (public_text, 2 * EMOCAP_PUBLIC_KEY_LEN));
  public_hex = emocap_key_public_hex (key);
  g_assert_cmpint (strncmp (public_text, public_hex, 64), ==, 0);
  secret_hex = emocap_hex_encode (key->secret_key, EMOCAP_SECRET_KEY_LEN);
  g_assert_cmpint (strncmp (secret_text, secret_hex, 128), ==, 0);

  /* Loading again gives the same key, and creates nothing new. */
  again = emocap_key_load_or_create (f->keys_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (again->public_key, 32, key->public_key, 32);
  g_assert_cmpmem (again->secret_key, 64, key->secret_key, 64);

  sig = emocap_key_sign_hex (key, msg, strlen (msg));
  g_assert_cmpint (strlen (sig), ==, 128);
  g_assert_true (emocap_key_verify_hex (again, msg, strlen (msg), sig));
  g_assert_false (emocap_key_verify_hex (again, msg, strlen (msg) - 1, sig));
  /* Only the lower-case spelling of a signature verifies. */
  upper = g_ascii_strup (sig, -1);
  g_assert_false (emocap_key_verify_hex (again, msg, strlen (msg), upper));
  g_assert_false (emocap_key_verify_hex (again, msg, strlen (msg), "00"));
}

static void
test_mode_refused (Fixture *f, gconstpointer data)
{
  static const mode_t modes[] = { 0644, 0640, 0604, 0620, 0660 };
  g_autoptr (EmocapKey) key = NULL;
  g_autoptr (GError) error = NULL;

  key = emocap_key_load_or_create (f->keys_dir, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++) {
    g_autoptr (EmocapKey) refused = NULL;
    g_autofree char *mode = g_strdup_printf ("(mode %04o)", (unsigned) modes[i]);
    g_autofree char *fix = g_strdup_printf ("run 'chmod 600 %s'", f->secret_path);
    g_autofree char *quoted = g_strdup_printf ("secret key '%s'", f->secret_path);

    g_assert_cmpint (g_chmod (f->secret_path, modes[i]), ==, 0);
    refused = emocap_key_load_or_create (f->keys_dir, &error);
    g_assert_null (refused);
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO);
    g_assert_nonnull (strstr (error->message, quoted));
    g_assert_nonnull (strstr (error->message, mode));
    g_assert_nonnull (strstr (error->message, fix));
    g_clear_error (&error);
  }

  /* Once fixed, the same key loads. */
  g_assert_cmpint (g_chmod (f->secret_path, 0600), ==, 0);
  {
    g_autoptr (EmocapKey) fixed = emocap_key_load_or_create (f->keys_dir, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (fixed->public_key, 32, key->public_key, 32);
  }
}

static void
test_mismatch (Fixture *f, gconstpointer data)
{
  g_autoptr (EmocapKey) key = NULL;
  g_autoptr (EmocapKey) other = test_key_from_seed ("another studio, another key.....");
  g_autoptr (EmocapKey) refused = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *other_hex = emocap_key_public_hex (other);
  g_autofree char *line = g_strconcat (other_hex, "\n", NULL);

  key = emocap_key_load_or_create (f->keys_dir, &error);
  g_assert_no_error (error);

  test_write_file (f->public_path, line, strlen (line));
  refused = emocap_key_load_or_create (f->keys_dir, &error);
  g_assert_null (refused);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
  g_assert_nonnull (strstr (error->message, "does not match"));
  g_assert_nonnull (strstr (error->message, f->public_path));
}

static void
test_malformed (Fixture *f, gconstpointer data)
{
  g_autoptr (EmocapKey) key = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *secret_text = NULL;
  struct {
    const char *what;
    char *text;
    int code;
    const char *message;
  } cases[4];

  key = emocap_key_load_or_create (f->keys_dir, &error);
  g_assert_no_error (error);
  secret_text = read_text (f->secret_path);

  cases[0].what = "not hex";
  cases[0].text = g_strdup ("this is not a key\n");
  cases[0].code = EMOCAP_ERROR_FAILED;
  cases[0].message = "is malformed";
  cases[1].what = "one digit short";
  cases[1].text = g_strndup (secret_text, 127);
  cases[1].code = EMOCAP_ERROR_FAILED;
  cases[1].message = "is malformed";
  cases[2].what = "two lines";
  cases[2].text = g_strconcat (secret_text, secret_text, NULL);
  cases[2].code = EMOCAP_ERROR_FAILED;
  cases[2].message = "is malformed";
  /* The public half (last 32 bytes) no longer derives from the seed. */
  cases[3].what = "halves disagree";
  cases[3].text = g_strdup (secret_text);
  cases[3].text[127] = cases[3].text[127] == '0' ? '1' : '0';
  cases[3].code = EMOCAP_ERROR_VERIFY;
  cases[3].message = "is damaged";

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (EmocapKey) refused = NULL;

    g_test_message ("case: %s", cases[i].what);
    test_write_file (f->secret_path, cases[i].text, strlen (cases[i].text));
    refused = emocap_key_load_or_create (f->keys_dir, &error);
    g_assert_null (refused);
    g_assert_error (error, EMOCAP_ERROR, cases[i].code);
    g_assert_nonnull (strstr (error->message, cases[i].message));
    g_assert_nonnull (strstr (error->message, f->secret_path));
    g_clear_error (&error);
    g_free (cases[i].text);
  }
}

static void
test_missing_halves (Fixture *f, gconstpointer data)
{
  g_autoptr (EmocapKey) key = NULL;
  g_autoptr (EmocapKey) again = NULL;
  g_autoptr (EmocapKey) refused = NULL;
  g_autoptr (GError) error = NULL;

  key = emocap_key_load_or_create (f->keys_dir, &error);
  g_assert_no_error (error);

  /* A lost public key is derived again from the secret key. */
  g_assert_cmpint (g_unlink (f->public_path), ==, 0);
  again = emocap_key_load_or_create (f->keys_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (again->public_key, 32, key->public_key, 32);
  g_assert_true (g_file_test (f->public_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (file_mode (f->public_path), ==, 0600);

  /* A lost secret key is not silently replaced by a new one. */
  g_assert_cmpint (g_unlink (f->secret_path), ==, 0);
  refused = emocap_key_load_or_create (f->keys_dir, &error);
  g_assert_null (refused);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, f->secret_path));
  g_assert_false (g_file_test (f->secret_path, G_FILE_TEST_EXISTS));
}

static void
test_load_public (Fixture *f, gconstpointer data)
{
  g_autoptr (EmocapKey) key = NULL;
  g_autoptr (EmocapKey) pub = NULL;
  g_autoptr (EmocapKey) refused = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->tmp, "nope.pub", NULL);
  g_autofree char *bad = g_build_filename (f->tmp, "bad.pub", NULL);

  key = emocap_key_load_or_create (f->keys_dir, &error);
  g_assert_no_error (error);

  pub = emocap_key_load_public (f->public_path, &error);
  g_assert_no_error (error);
  g_assert_false (pub->has_secret);
  g_assert_cmpmem (pub->public_key, 32, key->public_key, 32);

  refused = emocap_key_load_public (missing, &error);
  g_assert_null (refused);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* The secret key passed by mistake is named as such. */
  refused = emocap_key_load_public (f->secret_path, &error);
  g_assert_null (refused);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "secret key"));
  g_clear_error (&error);

  test_write_file (bad, "abc\n", 4);
  refused = emocap_key_load_public (bad, &error);
  g_assert_null (refused);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "malformed"));
}

/* Each child loads or creates the key once the parent lets them all go,
 * and sends back the public key it got. */
static void
test_concurrent (Fixture *f, gconstpointer data)
{
  enum { ROUNDS = 25, CHILDREN = 4 };

  for (int round = 0; round < ROUNDS; round++) {
    g_autofree char *dir = g_strdup_printf ("%s/round-%d/keys", f->tmp, round);
    char got[CHILDREN][65];
    pid_t pids[CHILDREN];
    int results[CHILDREN][2];
    int go[2];
    GDir *listing;
    const char *name;
    int files = 0;

    g_assert_cmpint (pipe (go), ==, 0);
    for (int c = 0; c < CHILDREN; c++) {
      g_assert_cmpint (pipe (results[c]), ==, 0);
      pids[c] = fork ();
      g_assert_cmpint (pids[c], >=, 0);
      if (pids[c] == 0) {
        EmocapKey *key;
        char byte;
        char *hex;

        close (go[1]);
        /* Blocks until the parent closes its end. */
        if (read (go[0], &byte, 1) < 0)
          _exit (2);
        key = emocap_key_load_or_create (dir, NULL);
        if (key == NULL)
          _exit (1);
        hex = emocap_key_public_hex (key);
        emocap_key_free (key);
        if (write (results[c][1], hex, 64) != 64)
          _exit (2);
        g_free (hex);
        _exit (0);
      }
      close (results[c][1]);
    }
    close (go[0]);
    close (go[1]);

    for (int c = 0; c < CHILDREN; c++) {
      int status = 0;
      gsize len = 0;

      while (len < 64) {
        ssize_t n = read (results[c][0], got[c] + len, 64 - len);
        if (n <= 0)
          break;
        len += (gsize) n;
      }
      got[c][len] = '\0';
      close (results[c][0]);
      g_assert_cmpint (waitpid (pids[c], &status, 0), ==, pids[c]);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
      g_assert_cmpint (len, ==, 64);
    }
    for (int c = 1; c < CHILDREN; c++)
      g_assert_cmpstr (got[c], ==, got[0]);

    {
      g_autoptr (GError) error = NULL;
      g_autoptr (EmocapKey) key = emocap_key_load_or_create (dir, &error);
      g_autofree char *hex = NULL;
      g_assert_no_error (error);
      hex = emocap_key_public_hex (key);
      g_assert_cmpstr (hex, ==, got[0]);
    }

    /* One key pair and no temporary files left. */
    listing = g_dir_open (dir, 0, NULL);
    g_assert_nonnull (listing);
    while ((name = g_dir_read_name (listing)) != NULL) {
      g_assert_true (strcmp (name, "studio.key") == 0 || strcmp (name, "studio.pub") == 0);
      files++;
    }
    g_dir_close (listing);
    g_assert_cmpint (files, ==, 2);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/keys/create", test_create);
  ADD ("/keys/mode-refused", test_mode_refused);
  ADD ("/keys/mismatch", test_mismatch);
  ADD ("/keys/malformed", test_malformed);
  ADD ("/keys/missing-halves", test_missing_halves);
  ADD ("/keys/load-public", test_load_public);
  ADD ("/keys/concurrent", test_concurrent);
#undef ADD

  return g_test_run ();
}
