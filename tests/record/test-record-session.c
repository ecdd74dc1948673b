/* emocap tests: a recorded three-take session, checked file by file
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two test cameras of different sizes and rates, sound through ALSA's file
 * plugin from a known WAV, consent from a consent file: every file plays,
 * holds MJPEG of the right size and rate and a sound track, lasts the
 * take's length within one frame, its sound is the WAV's samples, the
 * journal verifies, every consent.given comes before its take.started, and
 * every frame carries its take's own watermark tag.
 */
#include <math.h>
#include <string.h>

#include <sodium.h>

#include "record-util.h"

static const char script_text[] =
    "{\n"
    "  \"emocap\": 1,\n"
    "  \"session\": \"test-2026-11-22-a\",\n"
    "  \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\",\n"
    "  \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"cameras\": [\n"
    "    { \"id\": \"front\", \"device\": \"test:ball\", \"width\": 640, \"height\": 360, \"fps\": 30 },\n"
    "    { \"id\": \"side\", \"device\": \"test:smpte\", \"width\": 320, \"height\": 240, \"fps\": 25 }\n"
    "  ],\n"
    "  \"audio\": { \"device\": \"emotest\", \"rate\": 48000, \"channels\": 1 },\n"
    "  \"takes\": [\n"
    "    { \"emotion\": \"joy\", \"intensity\": \"strong\", \"prompt\": \"You just got the part.\", \"seconds\": 2 },\n"
    "    { \"emotion\": \"sadness\", \"intensity\": \"normal\", \"prompt\": \"The call you dreaded.\", \"seconds\": 2 },\n"
    "    { \"emotion\": \"anger\", \"seconds\": 3 }\n"
    "  ]\n"
    "}\n";

static const struct {
  const char *id;
  int seconds;
} takes[] = { { "001-joy", 2 }, { "002-sadness", 2 }, { "003-anger", 3 } };

static const struct {
  const char *id;
  int width, height, fps;
} cameras[] = { { "front", 640, 360, 30 }, { "side", 320, 240, 25 } };

static char *
sha256_of_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  unsigned char d[crypto_hash_sha256_BYTES];
  char hex[2 * sizeof d + 1];

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  crypto_hash_sha256 (d, (unsigned char *) data, len);
  sodium_bin2hex (hex, sizeof hex, d, sizeof d);
  return g_strdup (hex);
}

static json_t *
stream_of (json_t *probe, const char *type)
{
  size_t i;
  json_t *s;

  json_array_foreach (json_object_get (probe, "streams"), i, s) {
    if (g_strcmp0 (json_string_value (json_object_get (s, "codec_type")), type) == 0)
      return s;
  }
  return NULL;
}

static double
jnum (json_t *o, const char *key)
{
  json_t *v = json_object_get (o, key);
  if (json_is_string (v))
    return g_ascii_strtod (json_string_value (v), NULL);
  return json_number_value (v);
}

static void
check_camera_file (Studio *studio, const char *take_dir, json_t *take_json,
    int seconds, guint c)
{
  g_autofree char *name = g_strdup_printf ("%s.mkv", cameras[c].id);
  g_autofree char *path = g_build_filename (take_dir, name, NULL);
  g_autoptr (json_t) probe = probe_media (path);
  g_autoptr (GBytes) audio = NULL;
  g_autofree char *errors = NULL;
  g_autofree char *rate = g_strdup_printf ("%d/1", cameras[c].fps);
  g_autofree char *hash = NULL;
  json_t *v, *a, *cam = NULL;
  double frame = 1.0 / cameras[c].fps;
  size_t i;
  json_t *x;

  g_assert_nonnull (probe);
  check (media_plays (path, &errors), "%s does not play: %s", path, errors);

  v = stream_of (probe, "video");
  a = stream_of (probe, "audio");
  g_assert_nonnull (v);
  g_assert_nonnull (a);
  check (g_strcmp0 (json_string_value (json_object_get (v, "codec_name")), "mjpeg") == 0,
      "%s: video is %s", path, json_string_value (json_object_get (v, "codec_name")));
  check (json_integer_value (json_object_get (v, "width")) == cameras[c].width &&
      json_integer_value (json_object_get (v, "height")) == cameras[c].height,
      "%s: video size", path);
  check (g_strcmp0 (json_string_value (json_object_get (v, "r_frame_rate")), rate) == 0,
      "%s: frame rate %s", path, json_string_value (json_object_get (v, "r_frame_rate")));
  check (jnum (v, "nb_read_packets") == seconds * cameras[c].fps,
      "%s: %g frames, expected %d", path, jnum (v, "nb_read_packets"), seconds * cameras[c].fps);
  check (fabs (jnum (json_object_get (probe, "format"), "duration") - seconds) <= frame,
      "%s: duration %g, expected %d within one frame", path,
      jnum (json_object_get (probe, "format"), "duration"), seconds);
  check (g_str_has_prefix (json_string_value (json_object_get (a, "codec_name")), "pcm_s16") ||
      g_strcmp0 (json_string_value (json_object_get (a, "codec_name")), "flac") == 0,
      "%s: sound is stored lossy: %s", path, json_string_value (json_object_get (a, "codec_name")));
  check (jnum (a, "sample_rate") == 48000 && json_integer_value (json_object_get (a, "channels")) == 1,
      "%s: sound format", path);

  /* The sound is the WAV's own samples, in one unbroken stretch, exactly
   * as long as the take. */
  audio = decode_audio (path);
  g_assert_nonnull (audio);
  {
    gsize alen, wlen;
    const guint8 *ad = g_bytes_get_data (audio, &alen);
    const guint8 *wd = g_bytes_get_data (studio->pcm, &wlen);
    const guint8 *at;

    check (alen == (gsize) seconds * 48000 * 2, "%s: %zu bytes of sound, expected %d",
        path, alen, seconds * 48000 * 2);
    at = alen >= 4800 ? memmem (wd, wlen, ad, 4800) : NULL;
    check (at != NULL, "%s: the sound is not the WAV's", path);
    if (at)
      check ((gsize) (at - wd) + alen <= wlen && memcmp (at, ad, alen) == 0,
          "%s: the sound is the WAV's at first, then differs", path);
  }

  /* take.json agrees with the file. */
  json_array_foreach (json_object_get (take_json, "cameras"), i, x) {
    if (g_strcmp0 (json_string_value (json_object_get (x, "id")), cameras[c].id) == 0)
      cam = x;
  }
  g_assert_nonnull (cam);
  hash = sha256_of_file (path);
  check (g_strcmp0 (json_string_value (json_object_get (cam, "sha256")), hash) == 0,
      "%s: sha256 in take.json differs", path);
  check (json_integer_value (json_object_get (cam, "frames_recorded")) == jnum (v, "nb_read_packets") &&
      json_integer_value (json_object_get (cam, "frames_expected")) == seconds * cameras[c].fps &&
      json_integer_value (json_object_get (cam, "frames_dropped")) == 0,
      "%s: frame counts in take.json", path);
  check (json_integer_value (json_object_get (cam, "width")) == cameras[c].width &&
      g_strcmp0 (json_string_value (json_object_get (cam, "fps")), rate) == 0,
      "%s: format in take.json", path);
  /* Recording starts within one frame period of the cue. */
  check (jnum (cam, "start_latency_ms") >= 0 && jnum (cam, "start_latency_ms") < frame * 1000,
      "%s: first frame %g ms after the cue", path, jnum (cam, "start_latency_ms"));
}

/* emocap detect finds the take's own tag in its file: the frames carry it
 * from the cue on, under the archive's key. */
static void
check_detected (Studio *studio, const char *take_dir, const char *take, const char *camera,
    guint64 tag)
{
  g_autofree char *name = g_strdup_printf ("%s.mkv", camera);
  g_autofree char *path = g_build_filename (take_dir, name, NULL);
  g_autofree char *tag_hex = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", tag);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (json_t) result = NULL;
  const char *argv[] = { "detect", "--archive", studio->archive, "--json", path, NULL };
  int status;

  status = studio_run (studio, NULL, &out, &err, argv);
  check (status == 0, "detect %s: exit %d\n%s%s", path, status, out, err);
  result = json_loads (out ? out : "", 0, NULL);
  check (json_is_true (json_object_get (result, "found")) &&
      g_strcmp0 (json_string_value (json_object_get (result, "tag")), tag_hex) == 0 &&
      g_strcmp0 (json_string_value (json_object_get (result, "take")), take) == 0,
      "detect %s: expected take %s, tag %s:\n%s", path, take, tag_hex, out);
}

static void
test_session (void)
{
  Studio *studio = studio_new ();
  g_autofree char *script = studio_write_script (studio, "session/script.json", script_text);
  g_autofree char *consent_path = studio_write_consent (studio, "\"all\"");
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *session_dir = g_build_filename (studio->archive, "sessions",
      "test-2026-11-22-a", NULL);
  g_autofree char *journal_path = g_build_filename (session_dir, "journal.jsonl", NULL);
  g_autoptr (json_t) journal = NULL;
  const char *argv[] = { "record", script, "--archive", studio->archive, "--auto",
    "--consent-file", consent_path, NULL };
  const char *verify[] = { "verify", session_dir, NULL };
  guint64 tags[G_N_ELEMENTS (takes)];
  int status;

  studio_start_feeder (studio);
  status = studio_run (studio, NULL, &out, &err, argv);
  if (status != 0)
    g_printerr ("stdout:\n%s\nstderr:\n%s\n", out, err);
  g_assert_cmpint (status, ==, 0);

  journal = read_journal (journal_path);
  g_assert_cmpint (json_array_size (journal), ==, 1 + 3 * 3 + 1);
  g_assert_cmpint (journal_find (journal, "session.opened", NULL), ==, 0);
  g_assert_cmpint (journal_find (journal, "session.closed", NULL), ==, 10);

  for (guint t = 0; t < G_N_ELEMENTS (takes); t++) {
    g_autofree char *dir = g_build_filename (session_dir, "takes", takes[t].id, NULL);
    g_autofree char *json_path = g_build_filename (dir, "take.json", NULL);
    g_autoptr (json_t) take_json = read_json_file (json_path);
    int given = journal_find (journal, "consent.given", takes[t].id);
    int started = journal_find (journal, "take.started", takes[t].id);
    int finished = journal_find (journal, "take.finished", takes[t].id);

    g_assert_nonnull (take_json);
    check (given >= 0 && started > given && finished > started,
        "take %s: consent.given at %d, take.started at %d, take.finished at %d",
        takes[t].id, given, started, finished);
    check (g_strcmp0 (json_string_value (json_object_get (take_json, "status")), "finished") == 0,
        "take %s: status", takes[t].id);
    check (json_integer_value (json_object_get (json_object_get (take_json, "consent"), "seq")) ==
        json_integer_value (json_object_get (json_array_get (journal, given), "seq")),
        "take %s: take.json names another consent entry", takes[t].id);
    /* take.finished carries the SHA-256 of every file. */
    check (json_array_size (json_object_get (json_array_get (journal, finished), "files")) == 2,
        "take %s: files in take.finished", takes[t].id);
    for (guint c = 0; c < G_N_ELEMENTS (cameras); c++)
      check_camera_file (studio, dir, take_json, takes[t].seconds, c);

    tags[t] = check_take_watermark (studio->archive, "test-2026-11-22-a", takes[t].id);
    for (guint u = 0; u < t; u++)
      check (tags[u] != tags[t], "takes %s and %s have the same tag", takes[u].id, takes[t].id);
    check_detected (studio, dir, takes[t].id, cameras[t % G_N_ELEMENTS (cameras)].id, tags[t]);
  }

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = studio_run (studio, NULL, &out, &err, verify);
  check (status == 0, "verify: %s%s", out, err);

  studio_free (studio);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/record/session", test_session);
  return g_test_run ();
}
