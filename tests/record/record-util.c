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

static char **
program_env (Studio *studio)
{
  char **env = g_get_environ ();
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", studio->xdg, TRUE);
  env = g_environ_unsetenv (env, "EMOCAP_ARCHIVE");
  return env;
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
studio_spawn (Studio *studio, const char *const *argv)
{
  g_auto (GStrv) args = program_argv (argv);
  g_auto (GStrv) env = program_env (studio);
  GError *error = NULL;
  GPid pid = 0;
  int in = -1;

  g_spawn_async_with_pipes (studio->dir, args, env, G_SPAWN_DO_NOT_REAP_CHILD,
      NULL, NULL, &pid, &in, NULL, NULL, &error);
  g_assert_no_error (error);
  close (in);
  return pid;
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
