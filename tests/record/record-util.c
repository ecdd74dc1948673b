/* emocap tests: a temporary studio — archive, ALSA file microphone, helpers
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include <emocap/watermark.h>

#include "record-util.h"

const char studio_contract[] =
    "{\n"
    "  \"contract\": \"NLC-2026-0042\",\n"
    "  \"parties\": { \"studio\": \"Northlight Casting\", \"performer\": \"actor-0042\", \"client\": \"Example AI Lab\" },\n"
    "  \"compensation\": { \"currency\": \"USD\", \"per_hour\": 150, \"minimum_hours\": 2 },\n"
    "  \"usage\": {\n"
    "    \"ai_training\": \"allowed\",\n"
    "    \"ai_generative_training\": \"allowed\",\n"
    "    \"data_mining\": \"allowed\",\n"
    "    \"emotion_reuse\": \"allowed\",\n"
    "    \"commercial_face_use\": \"prohibited\",\n"
    "    \"digital_replica\": \"prohibited\",\n"
    "    \"purposes\": [\"ai-training\", \"research\"],\n"
    "    \"retention_days\": 1825\n"
    "  },\n"
    "  \"withdrawal\": \"allowed\"\n"
    "}\n";

char *
studio_contract_sha256 (void)
{
  unsigned char d[crypto_hash_sha256_BYTES];
  char hex[2 * sizeof d + 1];

  crypto_hash_sha256 (d, (const unsigned char *) studio_contract, strlen (studio_contract));
  sodium_bin2hex (hex, sizeof hex, d, sizeof d);
  return g_strdup (hex);
}

static void
put_le16 (guint8 *p, guint v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
}

static void
put_le32 (guint8 *p, guint32 v)
{
  put_le16 (p, v & 0xffff);
  put_le16 (p + 2, v >> 16);
}

/* 60 s of noise from a fixed seed: no stretch of it repeats, so a take's
 * sound can be found in it at exactly one place.  About -12 dBFS, never at
 * full scale. */
static gint16
noise_sample (gsize i, gpointer data)
{
  guint32 *x = data;

  *x ^= *x << 13;
  *x ^= *x >> 17;
  *x ^= *x << 5;
  return (gint16) (((gint32) (*x & 0xffff) - 32768) / 4);
}

void
studio_write_wav (Studio *studio, EmocapSampleFunc sample, gpointer data)
{
  const guint rate = 48000, seconds = 60;
  gsize n = (gsize) rate * seconds;
  guint8 *buf = g_malloc (44 + 2 * n);

  memcpy (buf, "RIFF", 4);
  put_le32 (buf + 4, (guint32) (36 + 2 * n));
  memcpy (buf + 8, "WAVEfmt ", 8);
  put_le32 (buf + 16, 16);
  put_le16 (buf + 20, 1);
  put_le16 (buf + 22, 1);
  put_le32 (buf + 24, rate);
  put_le32 (buf + 28, rate * 2);
  put_le16 (buf + 32, 2);
  put_le16 (buf + 34, 16);
  memcpy (buf + 36, "data", 4);
  put_le32 (buf + 40, (guint32) (2 * n));
  for (gsize i = 0; i < n; i++)
    put_le16 (buf + 44 + 2 * i, (guint16) sample (i, data));
  g_assert_true (g_file_set_contents (studio->wav, (char *) buf, 44 + 2 * n, NULL));
  g_clear_pointer (&studio->pcm, g_bytes_unref);
  studio->pcm = g_bytes_new (buf + 44, 2 * n);
  g_free (buf);
}

Studio *
studio_new (void)
{
  Studio *studio = g_new0 (Studio, 1);
  guint32 seed = 0x2545F491u;
  g_autofree char *alsa = NULL, *rc = NULL, *rcpath = NULL;
  GError *error = NULL;

  g_assert_cmpint (sodium_init (), >=, 0);
  studio->dir = g_dir_make_tmp ("emocap-test-XXXXXX", &error);
  g_assert_no_error (error);
  studio->archive = g_build_filename (studio->dir, "archive", NULL);
  studio->xdg = g_build_filename (studio->dir, "xdg", NULL);
  studio->wav = g_build_filename (studio->dir, "voice.wav", NULL);
  studio->fifo = g_build_filename (studio->dir, "mic.fifo", NULL);
  alsa = g_build_filename (studio->xdg, "alsa", NULL);
  g_assert_cmpint (g_mkdir_with_parents (alsa, 0700), ==, 0);
  rc = g_strdup_printf (
      "pcm.emotest {\n"
      "  type file\n"
      "  slave.pcm \"null\"\n"
      "  file \"/dev/null\"\n"
      "  infile \"%s\"\n"
      "  format \"raw\"\n"
      "}\n", studio->fifo);
  rcpath = g_build_filename (alsa, "asoundrc", NULL);
  g_assert_true (g_file_set_contents (rcpath, rc, -1, NULL));
  g_assert_cmpint (mkfifo (studio->fifo, 0600), ==, 0);
  studio_write_wav (studio, noise_sample, &seed);
  return studio;
}

void
studio_start_feeder (Studio *studio)
{
  const char *build = g_getenv ("EMOCAP_BUILD_ROOT");
  g_autofree char *feeder = g_build_filename (build, "tests", "record", "alsa-feeder", NULL);
  const char *argv[] = { feeder, studio->wav, studio->fifo, NULL };
  GError *error = NULL;

  g_assert_nonnull (build);
  g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
      &studio->feeder, &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir) {
    while ((name = g_dir_read_name (dir))) {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
    g_dir_close (dir);
  }
  g_rmdir (path);
}

void
studio_free (Studio *studio)
{
  if (studio->feeder) {
    kill (studio->feeder, SIGTERM);
    /* The feeder may be blocked opening the FIFO: open it to release it. */
    {
      int fd = open (studio->fifo, O_RDONLY | O_NONBLOCK);
      if (fd >= 0)
        close (fd);
    }
    waitpid (studio->feeder, NULL, 0);
  }
  if (g_getenv ("EMOCAP_KEEP_TMP"))
    g_printerr ("kept %s\n", studio->dir);
  else
    remove_tree (studio->dir);
  g_bytes_unref (studio->pcm);
  g_strfreev (studio->env);
  g_free (studio->dir);
  g_free (studio->archive);
  g_free (studio->xdg);
  g_free (studio->wav);
  g_free (studio->fifo);
  g_free (studio);
}

char *
studio_write (Studio *studio, const char *name, const char *contents)
{
  char *path = g_build_filename (studio->dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_mkdir_with_parents (parent, 0700);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

char *
studio_write_script (Studio *studio, const char *name, const char *script_text)
{
  char *path = studio_write (studio, name, script_text);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *contract = g_build_filename (dir, "contract.json", NULL);

  g_assert_true (g_file_set_contents (contract, studio_contract, -1, NULL));
  return path;
}

char *
studio_write_consent (Studio *studio, const char *emotions)
{
  g_autofree char *sha = studio_contract_sha256 ();
  g_autofree char *text = g_strdup_printf (
      "{\"actor\": \"actor-0042\", \"contract\": \"NLC-2026-0042\", "
      "\"contract_sha256\": \"%s\", \"emotions\": %s}\n", sha, emotions);

  return studio_write (studio, "consent.json", text);
}

static char **
program_argv (const char *const *argv)
{
  GPtrArray *a = g_ptr_array_new ();
  const char *exe = g_getenv ("EMOCAP");

  g_assert_nonnull (exe);
  g_ptr_array_add (a, g_strdup (exe));
  for (; *argv; argv++)
    g_ptr_array_add (a, g_strdup (*argv));
  g_ptr_array_add (a, NULL);
  return (char **) g_ptr_array_free (a, FALSE);
}

void
studio_setenv (Studio *studio, const char *name, const char *value)
{
  if (studio->env == NULL)
    studio->env = g_new0 (char *, 1);
  if (value)
    studio->env = g_environ_setenv (studio->env, name, value, TRUE);
  else
    studio->env = g_environ_unsetenv (studio->env, name);
}

char **
studio_environ (Studio *studio)
{
  char **env = g_get_environ ();
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", studio->xdg, TRUE);
  env = g_environ_unsetenv (env, "EMOCAP_ARCHIVE");
  for (char **e = studio->env; e && *e; e++) {
    g_autofree char *name = g_strndup (*e, strcspn (*e, "="));
    env = g_environ_setenv (env, name, *e + strlen (name) + 1, TRUE);
  }
  return env;
}

static char **
program_env (Studio *studio)
{
  return studio_environ (studio);
}

int
studio_run (Studio *studio, const char *input, char **out, char **err,
    const char *const *argv)
{
  g_auto (GStrv) args = program_argv (argv);
  g_auto (GStrv) env = program_env (studio);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  GError *error = NULL;
  char *o = NULL, *e = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, env);
  if (studio->child_setup)
    g_subprocess_launcher_set_child_setup (launcher, studio->child_setup,
        studio->child_data, NULL);
  g_subprocess_launcher_set_cwd (launcher, studio->dir);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) args, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input ? input : "", NULL, &o, &e, &error);
  g_assert_no_error (error);
  if (out)
    *out = o;
  else
    g_free (o);
  if (err)
    *err = e;
  else
    g_free (e);
  return g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

GPid
studio_spawn_full (Studio *studio, const char *const *argv, int *in, int *out, int *err)
{
  g_auto (GStrv) args = program_argv (argv);
  g_auto (GStrv) env = program_env (studio);
  GError *error = NULL;
  GPid pid = 0;
  int in_fd = -1;

  g_spawn_async_with_pipes (studio->dir, args, env, G_SPAWN_DO_NOT_REAP_CHILD,
      studio->child_setup, studio->child_data, &pid, &in_fd, out, err, &error);
  g_assert_no_error (error);
  if (in)
    *in = in_fd;
  else
    close (in_fd);
  return pid;
}

GPid
studio_spawn (Studio *studio, const char *const *argv)
{
  return studio_spawn_full (studio, argv, NULL, NULL, NULL);
}

int
studio_wait (GPid pid)
{
  int status = 0;

  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static char *
run_tool (const char *const *argv, int *status)
{
  g_autofree char *err = NULL;
  char *out = NULL;
  GError *error = NULL;
  int st = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
      &out, &err, &st, &error);
  g_assert_no_error (error);
  if (status)
    *status = st;
  if (err && *err && status == NULL)
    g_printerr ("%s: %s", argv[0], err);
  return out;
}

json_t *
probe_media (const char *path)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-print_format", "json",
    "-show_streams", "-show_format", "-count_packets", path, NULL };
  g_autofree char *out = run_tool (argv, NULL);
  json_error_t jerr;
  json_t *j = json_loads (out ? out : "", 0, &jerr);

  if (j == NULL)
    g_printerr ("ffprobe of %s gave no JSON: %s\n", path, jerr.text);
  return j;
}

GBytes *
decode_audio (const char *path)
{
  g_autofree char *raw = g_strconcat (path, ".s16", NULL);
  const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-i", path, "-map", "0:a:0",
    "-f", "s16le", "-acodec", "pcm_s16le", raw, NULL };
  g_autofree char *out = NULL;
  char *data = NULL;
  gsize len = 0;
  int status = 0;

  out = run_tool (argv, &status);
  if (status != 0 || !g_file_get_contents (raw, &data, &len, NULL))
    return NULL;
  g_unlink (raw);
  return g_bytes_new_take (data, len);
}

GBytes *
decode_video (const char *path, const char *pix_fmt)
{
  g_autofree char *raw = g_strconcat (path, ".raw", NULL);
  const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-i", path, "-map", "0:v:0",
    "-f", "rawvideo", "-pix_fmt", pix_fmt, raw, NULL };
  g_autofree char *out = NULL;
  char *data = NULL;
  gsize len = 0;
  int status = 0;

  out = run_tool (argv, &status);
  if (status != 0 || !g_file_get_contents (raw, &data, &len, NULL))
    return NULL;
  g_unlink (raw);
  return g_bytes_new_take (data, len);
}

gboolean
media_plays (const char *path, char **errors)
{
  const char *argv[] = { "ffmpeg", "-v", "error", "-xerror", "-i", path, "-f", "null", "-", NULL };
  g_autofree char *out = NULL;
  char *err = NULL;
  GError *error = NULL;
  int st = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
      &out, &err, &st, &error);
  g_assert_no_error (error);
  if (errors)
    *errors = err;
  else
    g_free (err);
  return g_spawn_check_wait_status (st, NULL) && (err == NULL || *err == '\0');
}

json_t *
read_journal (const char *path)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  json_t *arr = json_array ();

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return arr;
  lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++) {
    json_error_t jerr;
    json_t *e;
    if (**l == '\0')
      continue;
    e = json_loads (*l, 0, &jerr);
    if (e)
      json_array_append_new (arr, e);
  }
  return arr;
}

json_t *
read_json_file (const char *path)
{
  json_error_t jerr;
  json_t *j = json_load_file (path, 0, &jerr);

  if (j == NULL)
    g_printerr ("%s: %s\n", path, jerr.text);
  return j;
}

int
journal_find (json_t *journal, const char *type, const char *take)
{
  size_t i;
  json_t *e;

  json_array_foreach (journal, i, e) {
    const char *t = json_string_value (json_object_get (e, "type"));
    const char *k = json_string_value (json_object_get (e, "take"));
    if (g_strcmp0 (t, type) == 0 && (take == NULL || g_strcmp0 (k, take) == 0))
      return (int) i;
  }
  return -1;
}

guint64
check_take_watermark (const char *archive, const char *session, const char *take)
{
  g_autofree char *key_path = g_build_filename (archive, "keys", "watermark.key", NULL);
  g_autofree char *session_dir = g_build_filename (archive, "sessions", session, NULL);
  g_autofree char *journal_path = g_build_filename (session_dir, "journal.jsonl", NULL);
  g_autofree char *json_path = g_build_filename (session_dir, "takes", take, "take.json", NULL);
  g_autofree char *json_text = NULL;
  g_autofree char *tag_hex = NULL;
  g_autoptr (json_t) doc = read_json_file (json_path);
  g_autoptr (json_t) journal = read_journal (journal_path);
  g_autoptr (GError) error = NULL;
  guint8 key[EMOCAP_WM_KEY_LEN];
  char key_hex[2 * EMOCAP_WM_KEY_LEN + 1];
  json_t *wm, *cam, *end = NULL;
  guint64 tag, recorded = 0, marked = 0;
  size_t i;
  int e;

  g_assert_nonnull (doc);
  g_assert_nonnull (journal);
  if (!emocap_wm_key_load (key_path, key, &error))
    g_error ("%s", error->message);
  tag = emocap_wm_tag (key, session, take);
  tag_hex = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", tag);

  wm = json_object_get (doc, "watermark");
  check (json_is_object (wm), "take %s: no watermark in take.json", take);
  check (g_strcmp0 (json_string_value (json_object_get (wm, "tag")), tag_hex) == 0,
      "take %s: watermark tag %s, expected %s", take,
      json_string_value (json_object_get (wm, "tag")), tag_hex);
  check (g_strcmp0 (json_string_value (json_object_get (wm, "scheme")), "emocap-wm-1") == 0 &&
      json_real_value (json_object_get (wm, "cells_per_height")) == 67.5 &&
      json_integer_value (json_object_get (wm, "tile")) == 32 &&
      g_strcmp0 (json_string_value (json_object_get (wm, "code")), "conv K=7 r=1/3 + CRC-16") == 0 &&
      json_real_value (json_object_get (wm, "strength")) == 1.0,
      "take %s: watermark scheme and parameters", take);

  json_array_foreach (json_object_get (doc, "cameras"), i, cam) {
    json_int_t r = json_integer_value (json_object_get (cam, "frames_recorded"));
    check (r > 0 && json_integer_value (json_object_get (cam, "frames_marked")) == r &&
        json_is_integer (json_object_get (cam, "frames_unmarked")) &&
        json_integer_value (json_object_get (cam, "frames_unmarked")) == 0,
        "take %s: camera %s: %" JSON_INTEGER_FORMAT " frames recorded, %" JSON_INTEGER_FORMAT
        " marked, %" JSON_INTEGER_FORMAT " unmarked", take,
        json_string_value (json_object_get (cam, "id")), r,
        json_integer_value (json_object_get (cam, "frames_marked")),
        json_integer_value (json_object_get (cam, "frames_unmarked")));
    recorded += r;
    marked += json_integer_value (json_object_get (cam, "frames_marked"));
  }
  check (json_integer_value (json_object_get (wm, "frames_marked")) == (json_int_t) recorded &&
      (guint64) json_integer_value (json_object_get (wm, "frames_marked")) == marked &&
      json_is_integer (json_object_get (wm, "frames_unmarked")) &&
      json_integer_value (json_object_get (wm, "frames_unmarked")) == 0,
      "take %s: watermark frames_marked %" JSON_INTEGER_FORMAT ", unmarked %" JSON_INTEGER_FORMAT
      ", recorded %" G_GUINT64_FORMAT, take,
      json_integer_value (json_object_get (wm, "frames_marked")),
      json_integer_value (json_object_get (wm, "frames_unmarked")), recorded);

  json_array_foreach (json_object_get (doc, "flags"), i, cam) {
    check (g_strcmp0 (json_string_value (cam), "frames-unmarked") != 0,
        "take %s: flagged frames-unmarked", take);
  }

  /* The journal's entry ending the take names the tag. */
  for (const char *const *t = (const char *const[]) { "take.finished", "take.interrupted",
           "take.failed", NULL }; *t && end == NULL; t++) {
    if ((e = journal_find (journal, *t, take)) >= 0)
      end = json_array_get (journal, e);
  }
  check (end != NULL && g_strcmp0 (json_string_value (json_object_get (end, "watermark_tag")),
          tag_hex) == 0, "take %s: the journal does not name the tag %s", take, tag_hex);

  /* Whoever holds the key can strip or forge the mark: it stays in keys/. */
  g_assert_true (g_file_get_contents (json_path, &json_text, NULL, NULL));
  sodium_bin2hex (key_hex, sizeof key_hex, key, sizeof key);
  check (strstr (json_text, key_hex) == NULL, "take %s: take.json holds the watermark key", take);
  sodium_memzero (key, sizeof key);
  return tag;
}
