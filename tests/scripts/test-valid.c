/* emocap: session scripts, contracts and consent files that validate
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Asserts on what the rest of emocap relies on: parsed values, defaults,
 * the take plan, resolved paths, the usage terms as exported, and the
 * words an actor is shown.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <emocap/emocap.h>

static char *
valid_path (const char *name, const char *file)
{
  return g_build_filename (TEST_DATA_DIR, "valid", name, file, NULL);
}

static EmocapScript *
load_valid (const char *name)
{
  g_autofree char *path = valid_path (name, "script.json");
  g_autoptr (GError) error = NULL;
  EmocapScript *script = emocap_script_load (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (script);
  return script;
}

static const EmocapTakePlan *
plan_at (const EmocapScript *script, guint i)
{
  return g_ptr_array_index (script->plan, i);
}

static const EmocapCamera *
camera_at (const EmocapScript *script, guint i)
{
  return g_ptr_array_index (script->cameras, i);
}

static void
test_full (void)
{
  g_autoptr (EmocapScript) script = load_valid ("full");
  g_autofree char *path = valid_path ("full", "script.json");
  g_autofree char *contract_path = valid_path ("full", "contract.json");
  g_autofree char *bytes = NULL;
  g_autofree char *sha = NULL;
  gsize len = 0;
  const EmocapCamera *front, *left;
  const EmocapControl *c;
  const EmocapContract *contract;

  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  g_assert_cmpmem (g_bytes_get_data (script->bytes, NULL),
      g_bytes_get_size (script->bytes), bytes, len);
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) bytes, len);
  g_assert_cmpstr (script->sha256, ==, sha);
  g_assert_true (g_path_is_absolute (script->path));
  g_assert_true (g_path_is_absolute (script->dir));
  g_assert_true (g_str_has_suffix (script->path, "/valid/full/script.json"));
  g_assert_true (g_str_has_suffix (script->dir, "/valid/full"));
  g_assert_true (g_str_has_suffix (script->contract_path, "/valid/full/contract.json"));
  g_assert_true (g_path_is_absolute (script->contract_path));

  g_assert_cmpstr (script->session, ==, "nlc-2026-11-22-a");
  g_assert_cmpstr (script->studio, ==, "Northlight Casting");
  g_assert_cmpstr (script->operator_id, ==, "op-jlee");
  g_assert_cmpstr (script->actor_id, ==, "actor-0042");
  g_assert_cmpstr (script->actor_name, ==, "Sam Rivera");
  g_assert_nonnull (script->json);
  g_assert_cmpstr (json_string_value (json_object_get (script->json, "session")),
      ==, "nlc-2026-11-22-a");
  g_assert_cmpuint (script->warnings->len, ==, 0);

  g_assert_cmpuint (script->cameras->len, ==, 2);
  front = camera_at (script, 0);
  g_assert_cmpstr (front->id, ==, "front");
  g_assert_cmpint (front->kind, ==, EMOCAP_SOURCE_V4L2);
  g_assert_cmpstr (front->path, ==, "/dev/v4l/by-id/usb-046d_0825_A1B2-video-index0");
  g_assert_cmpstr (front->device, ==, front->path);
  g_assert_null (front->pattern);
  g_assert_cmpint (front->width, ==, 1920);
  g_assert_cmpint (front->height, ==, 1080);
  g_assert_cmpint (front->fps_n, ==, 30);
  g_assert_cmpint (front->fps_d, ==, 1);
  g_assert_cmpuint (front->controls->len, ==, 4);
  /* script order, as v4l2src applies them */
  c = &g_array_index (front->controls, EmocapControl, 0);
  g_assert_cmpstr (c->name, ==, "auto_exposure");
  g_assert_cmpint (c->value, ==, 1);
  c = &g_array_index (front->controls, EmocapControl, 1);
  g_assert_cmpstr (c->name, ==, "exposure_time_absolute");
  g_assert_cmpint (c->value, ==, 250);
  c = &g_array_index (front->controls, EmocapControl, 3);
  g_assert_cmpstr (c->name, ==, "white_balance_temperature");
  g_assert_cmpint (c->value, ==, 4500);

  left = camera_at (script, 1);
  g_assert_cmpstr (left->id, ==, "left30");
  g_assert_cmpint (left->kind, ==, EMOCAP_SOURCE_TEST);
  g_assert_cmpstr (left->pattern, ==, "ball");
  g_assert_null (left->path);
  g_assert_cmpuint (left->controls->len, ==, 0);
  g_assert_true (emocap_script_get_camera (script, "left30") == left);
  g_assert_null (emocap_script_get_camera (script, "right"));

  g_assert_cmpint (script->audio.kind, ==, EMOCAP_AUDIO_ALSA);
  g_assert_cmpstr (script->audio.device, ==, "default");
  g_assert_null (script->audio.wave);
  g_assert_cmpint (script->audio.rate, ==, 48000);
  g_assert_cmpint (script->audio.channels, ==, 1);

  g_assert_cmpuint (script->takes->len, ==, 3);
  g_assert_cmpuint (script->plan->len, ==, 4);
  g_assert_cmpstr (plan_at (script, 0)->id, ==, "001-joy");
  g_assert_cmpstr (plan_at (script, 1)->id, ==, "002-joy");
  g_assert_cmpstr (plan_at (script, 2)->id, ==, "003-sadness");
  g_assert_cmpstr (plan_at (script, 3)->id, ==, "004-anger");
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (plan_at (script, i)->position, ==, i + 1);
  g_assert_true (plan_at (script, 0)->spec == plan_at (script, 1)->spec);
  g_assert_true (plan_at (script, 0)->spec == g_ptr_array_index (script->takes, 0));
  g_assert_cmpint (plan_at (script, 0)->spec->intensity, ==, EMOCAP_INTENSITY_STRONG);
  g_assert_cmpstr (plan_at (script, 0)->spec->prompt, ==, "You just got the part.");
  g_assert_cmpint (plan_at (script, 0)->spec->seconds, ==, 8);
  g_assert_cmpint (plan_at (script, 0)->spec->repeat, ==, 2);
  g_assert_cmpint (plan_at (script, 2)->spec->intensity, ==, EMOCAP_INTENSITY_NORMAL);
  g_assert_cmpint (plan_at (script, 3)->spec->intensity, ==, EMOCAP_INTENSITY_UNSPECIFIED);
  g_assert_cmpstr (plan_at (script, 3)->spec->prompt, ==, "");

  contract = script->contract;
  g_assert_nonnull (contract);
  g_assert_cmpstr (contract->id, ==, "NLC-2026-0042");
  g_assert_cmpstr (contract->studio, ==, "Northlight Casting");
  g_assert_cmpstr (contract->performer, ==, "actor-0042");
  g_assert_cmpstr (contract->client, ==, "Example AI Lab");
  g_assert_cmpstr (contract->currency, ==, "USD");
  g_assert_cmpfloat (contract->per_hour, ==, 150);
  g_assert_cmpfloat (contract->minimum_hours, ==, 2);
  g_assert_cmpint (contract->ai_training, ==, EMOCAP_TERM_ALLOWED);
  g_assert_cmpint (contract->commercial_face_use, ==, EMOCAP_TERM_PROHIBITED);
  g_assert_cmpint (contract->digital_replica, ==, EMOCAP_TERM_PROHIBITED);
  g_assert_cmpint (contract->retention_days, ==, 1825);
  g_assert_cmpint (contract->withdrawal, ==, EMOCAP_TERM_ALLOWED);
  g_assert_cmpstr (contract->path, ==, script->contract_path);
  {
    g_autofree char *cbytes = NULL;
    g_autofree char *csha = NULL;
    g_assert_true (g_file_get_contents (contract_path, &cbytes, &len, NULL));
    csha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) cbytes, len);
    g_assert_cmpstr (contract->sha256, ==, csha);
  }
}

static void
test_usage_json (void)
{
  g_autoptr (EmocapScript) script = load_valid ("full");
  json_t *usage = emocap_contract_usage_json (script->contract);
  g_autofree char *text = json_dumps (usage, JSON_SORT_KEYS | JSON_COMPACT);

  g_assert_cmpstr (text, ==, "{\"ai_generative_training\":\"allowed\","
      "\"ai_training\":\"allowed\",\"commercial_face_use\":\"prohibited\","
      "\"data_mining\":\"allowed\",\"digital_replica\":\"prohibited\","
      "\"emotion_reuse\":\"allowed\",\"purposes\":[\"ai-training\","
      "\"research\"],\"retention_days\":1825}");
  json_decref (usage);

  g_assert_true (emocap_contract_grants_purpose (script->contract, "ai-training"));
  g_assert_true (emocap_contract_grants_purpose (script->contract, "research"));
  g_assert_false (emocap_contract_grants_purpose (script->contract, "commercial-advertising"));
  g_assert_false (emocap_contract_grants_purpose (script->contract, "ai-train"));
}

static void
test_describe (void)
{
  g_autoptr (EmocapScript) script = load_valid ("full");
  g_auto (GStrv) lines = emocap_contract_describe (script->contract);
  g_autofree char *text = g_strjoinv ("\n", lines);

  g_assert_cmpstr (text, ==,
      "may: train AI models on your expressions and voice\n"
      "may: train generative AI on your recordings (AI that makes new pictures, voices or performances)\n"
      "may: analyse the recordings with automated data mining\n"
      "may: reuse the emotions you perform (how they look and sound) in other work\n"
      "may not: use your face in advertising or any commercial product\n"
      "may not: make a digital replica of you\n"
      "only for: training AI models, research\n"
      "keeps: the recordings for at most 1825 days, then deletes them\n"
      "you may: withdraw your consent to any take at any time; a withdrawn take is never delivered again\n"
      "pays: USD 150.00 per hour, for at least 2 hours");
}

static void
test_defaults (void)
{
  g_autoptr (EmocapScript) script = load_valid ("defaults");
  const EmocapCamera *cam = camera_at (script, 0);
  const EmocapTakeSpec *take = g_ptr_array_index (script->takes, 0);
  const EmocapContract *contract = script->contract;
  g_auto (GStrv) lines = NULL;
  json_t *usage;
  g_autofree char *text = NULL;

  g_assert_cmpint (cam->width, ==, 1280);
  g_assert_cmpint (cam->height, ==, 720);
  g_assert_cmpint (cam->fps_n, ==, 30);
  g_assert_cmpint (cam->fps_d, ==, 1);
  g_assert_cmpuint (cam->controls->len, ==, 0);
  g_assert_cmpint (cam->kind, ==, EMOCAP_SOURCE_TEST);
  g_assert_cmpstr (cam->pattern, ==, "smpte");

  g_assert_cmpint (script->audio.kind, ==, EMOCAP_AUDIO_NONE);
  g_assert_cmpstr (script->audio.device, ==, "none");
  g_assert_cmpint (script->audio.rate, ==, 48000);
  g_assert_cmpint (script->audio.channels, ==, 1);

  g_assert_cmpint (take->intensity, ==, EMOCAP_INTENSITY_UNSPECIFIED);
  g_assert_cmpstr (take->prompt, ==, "");
  g_assert_cmpint (take->repeat, ==, 1);
  g_assert_cmpuint (script->plan->len, ==, 1);
  g_assert_cmpstr (plan_at (script, 0)->id, ==, "001-neutral");

  /* the contract states no term: every term is prohibited, withdrawal is
   * the performer's right */
  g_assert_cmpstr (contract->id, ==, "MIN-1");
  g_assert_null (contract->studio);
  g_assert_null (contract->performer);
  g_assert_null (contract->currency);
  g_assert_cmpint (contract->ai_training, ==, EMOCAP_TERM_PROHIBITED);
  g_assert_cmpint (contract->ai_generative_training, ==, EMOCAP_TERM_PROHIBITED);
  g_assert_cmpint (contract->data_mining, ==, EMOCAP_TERM_PROHIBITED);
  g_assert_cmpint (contract->emotion_reuse, ==, EMOCAP_TERM_PROHIBITED);
  g_assert_cmpint (contract->commercial_face_use, ==, EMOCAP_TERM_PROHIBITED);
  g_assert_cmpint (contract->digital_replica, ==, EMOCAP_TERM_PROHIBITED);
  g_assert_nonnull (contract->purposes);
  g_assert_null (contract->purposes[0]);
  g_assert_cmpint (contract->retention_days, ==, 0);
  g_assert_cmpint (contract->withdrawal, ==, EMOCAP_TERM_ALLOWED);

  usage = emocap_contract_usage_json (contract);
  text = json_dumps (usage, JSON_SORT_KEYS | JSON_COMPACT);
  json_decref (usage);
  g_assert_cmpstr (text, ==, "{\"ai_generative_training\":\"prohibited\","
      "\"ai_training\":\"prohibited\",\"commercial_face_use\":\"prohibited\","
      "\"data_mining\":\"prohibited\",\"digital_replica\":\"prohibited\","
      "\"emotion_reuse\":\"prohibited\",\"purposes\":[]}");

  lines = emocap_contract_describe (contract);
  g_assert_true (g_strv_contains ((const char *const *) lines,
          "may not: use your face in advertising or any commercial product"));
  g_assert_true (g_strv_contains ((const char *const *) lines,
          "may not: make a digital replica of you"));
  g_assert_false (g_str_has_prefix (lines[0], "may:"));
}

static void
test_cameras (void)
{
  g_autoptr (EmocapScript) script = load_valid ("cameras");
  const EmocapCamera *film = camera_at (script, 0);
  const EmocapCamera *ntsc = camera_at (script, 1);
  const EmocapControl *c;

  g_assert_cmpint (film->fps_n, ==, 24000);
  g_assert_cmpint (film->fps_d, ==, 1001);
  g_assert_cmpint (film->width, ==, 640);
  g_assert_cmpint (film->height, ==, 360);
  g_assert_cmpint (ntsc->fps_n, ==, 30000);
  g_assert_cmpint (ntsc->fps_d, ==, 1001);
  g_assert_cmpint (camera_at (script, 2)->fps_n, ==, 60000);
  g_assert_cmpint (camera_at (script, 2)->fps_d, ==, 1001);
  g_assert_cmpint (camera_at (script, 3)->fps_n, ==, 120000);
  g_assert_cmpint (camera_at (script, 3)->fps_d, ==, 1001);
  g_assert_cmpint (camera_at (script, 4)->fps_n, ==, 1);
  g_assert_cmpint (camera_at (script, 4)->width, ==, 16);
  g_assert_cmpint (camera_at (script, 5)->fps_n, ==, 240);
  g_assert_cmpint (camera_at (script, 5)->height, ==, 8192);

  /* booleans become 0 and 1, in script order */
  g_assert_cmpuint (ntsc->controls->len, ==, 3);
  c = &g_array_index (ntsc->controls, EmocapControl, 1);
  g_assert_cmpstr (c->name, ==, "white_balance_automatic");
  g_assert_cmpint (c->value, ==, 0);
  c = &g_array_index (ntsc->controls, EmocapControl, 2);
  g_assert_cmpstr (c->name, ==, "focus_automatic_continuous");
  g_assert_cmpint (c->value, ==, 1);

  /* controls on a test camera: kept, but the operator is warned */
  g_assert_cmpuint (film->controls->len, ==, 1);
  g_assert_cmpuint (script->warnings->len, ==, 1);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (script->warnings, 0),
          "/valid/cameras/script.json:10:19: cameras[0].controls: ignored: "
          "'test:ball' is not a V4L2 device, so it has no controls"));

  g_assert_cmpint (script->audio.kind, ==, EMOCAP_AUDIO_TEST);
  g_assert_cmpstr (script->audio.wave, ==, "pink-noise");
  g_assert_cmpint (script->audio.rate, ==, 8000);
  g_assert_cmpint (script->audio.channels, ==, 8);

  g_assert_cmpuint (script->plan->len, ==, 99);
  g_assert_cmpstr (plan_at (script, 98)->id, ==, "099-calm");
  g_assert_cmpint (plan_at (script, 98)->spec->seconds, ==, 600);
  g_assert_cmpint (plan_at (script, 98)->spec->intensity, ==, EMOCAP_INTENSITY_LOW);

  g_assert_cmpint (script->contract->emotion_reuse, ==, EMOCAP_TERM_ALLOWED);
  g_assert_cmpint (script->contract->ai_training, ==, EMOCAP_TERM_PROHIBITED);
  g_assert_cmpint (script->contract->withdrawal, ==, EMOCAP_TERM_PROHIBITED);
}

static void
test_custom_emotions (void)
{
  g_autoptr (EmocapScript) script = load_valid ("custom-emotions");
  const char *const *builtin = emocap_builtin_emotions ();
  guint n = g_strv_length ((char **) builtin);

  g_assert_cmpuint (n, ==, 9);
  g_assert_cmpuint (g_strv_length (script->emotions), ==, n + 3);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (script->emotions[i], ==, builtin[i]);
  g_assert_cmpstr (script->emotions[n], ==, "awe");
  g_assert_cmpstr (script->emotions[n + 2], ==, "Schadenfreude");

  g_assert_cmpuint (script->plan->len, ==, 4);
  g_assert_cmpstr (plan_at (script, 0)->id, ==, "001-awe");
  g_assert_cmpstr (plan_at (script, 1)->id, ==, "002-awe");
  g_assert_cmpstr (plan_at (script, 2)->id, ==, "003-joy");
  g_assert_cmpstr (plan_at (script, 3)->id, ==, "004-Schadenfreude");
  g_assert_true (emocap_id_is_valid (plan_at (script, 3)->id));

  g_assert_cmpint (script->audio.kind, ==, EMOCAP_AUDIO_ALSA);
  g_assert_cmpstr (script->audio.device, ==, "hw:1,0");
}

static void
test_relative_paths (void)
{
  g_autoptr (EmocapScript) script = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *here = g_get_current_dir ();
  g_autofree char *top = g_build_filename (TEST_DATA_DIR, "valid", "relative", NULL);
  g_autofree char *contract = g_build_filename (top, "terms", "contract.json", NULL);
  g_autofree char *clip = g_build_filename (top, "media", "clip.mjpeg", NULL);
  g_autofree char *canon_contract = g_canonicalize_filename (contract, NULL);
  g_autofree char *canon_clip = g_canonicalize_filename (clip, NULL);
  const EmocapCamera *cam;

  /* from another folder, by a relative path */
  g_assert_cmpint (chdir (top), ==, 0);
  script = emocap_script_load ("session/script.json", &error);
  g_assert_cmpint (chdir (here), ==, 0);
  g_assert_no_error (error);

  g_assert_cmpstr (script->contract_path, ==, canon_contract);
  g_assert_cmpstr (script->contract->path, ==, canon_contract);
  cam = camera_at (script, 0);
  g_assert_cmpint (cam->kind, ==, EMOCAP_SOURCE_FILE);
  g_assert_cmpstr (cam->device, ==, "file:../media/clip.mjpeg");
  g_assert_cmpstr (cam->path, ==, canon_clip);
  g_assert_true (g_str_has_suffix (script->dir, "/valid/relative/session"));
}

/* Writes @files (name, text pairs) into a new temporary folder. */
static char *
make_dir (const char *const *files)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("emocap-scripts-XXXXXX", &error);

  g_assert_no_error (error);
  for (guint i = 0; files[i]; i += 2) {
    g_autofree char *path = g_build_filename (dir, files[i], NULL);
    g_autofree char *parent = g_path_get_dirname (path);
    g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
    g_assert_true (g_file_set_contents (path, files[i + 1], -1, NULL));
  }
  return dir;
}

static void
remove_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL) {
    g_autofree char *path = g_build_filename (dir, name, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
      remove_dir (path);
    else
      g_unlink (path);
  }
  g_rmdir (dir);
}

#define MINIMAL_SCRIPT(contract) \
  "{\"emocap\": 1, \"session\": \"s\", \"studio\": \"S\", \"operator\": \"o\",\n" \
  " \"actor\": {\"id\": \"a\", \"name\": \"A\"}, \"contract\": \"" contract "\",\n" \
  " \"cameras\": [{\"id\": \"c\", \"device\": \"test:ball\"}],\n" \
  " \"audio\": {\"device\": \"none\"}, \"takes\": [{\"emotion\": \"joy\", \"seconds\": 1}]}\n"

/* Messages name the contract as the user would reach it from where they
 * are: the script's folder as given, joined with the contract's path. */
static void
test_contract_message_path (void)
{
  static const char *const files[] = {
    "sub/script.json", MINIMAL_SCRIPT ("terms/contract.json"),
    "sub/terms/contract.json", "{\"contract\": \"x\", \"usage\": {\"ai_training\": \"yes\"}}",
    NULL,
  };
  g_autofree char *dir = make_dir (files);
  g_autofree char *here = g_get_current_dir ();
  g_autoptr (EmocapScript) script = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (chdir (dir), ==, 0);
  script = emocap_script_load ("sub/script.json", &error);
  g_assert_cmpint (chdir (here), ==, 0);
  g_assert_null (script);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_CONTRACT);
  g_assert_cmpstr (error->message, ==, "sub/terms/contract.json:1:44: "
      "usage.ai_training: unknown term 'yes': expected one of: prohibited, "
      "allowed");

  remove_dir (dir);
}

static void
test_load_bytes (void)
{
  static const char *const files[] = {
    "contract.json", "{\"contract\": \"c-1\", \"usage\": {}}", NULL,
  };
  g_autofree char *dir = make_dir (files);
  g_autofree char *path = g_build_filename (dir, "not-written.json", NULL);
  g_autoptr (GBytes) bytes = g_bytes_new_static (MINIMAL_SCRIPT ("contract.json"),
      strlen (MINIMAL_SCRIPT ("contract.json")));
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapScript) script = emocap_script_load_bytes (path, bytes, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (script->path, ==, path);
  g_assert_cmpstr (script->dir, ==, dir);
  g_assert_cmpstr (script->contract->id, ==, "c-1");
  g_assert_true (g_bytes_equal (script->bytes, bytes));
  remove_dir (dir);
}

static void
expect_script_error (const char *text, const char *message)
{
  static const char *const files[] = {
    "contract.json", "{\"contract\": \"c-1\", \"usage\": {}}", NULL,
  };
  g_autofree char *dir = make_dir (files);
  g_autofree char *here = g_get_current_dir ();
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapScript) script = NULL;

  g_assert_cmpint (chdir (dir), ==, 0);
  script = emocap_script_load_bytes ("script.json", bytes, &error);
  g_assert_cmpint (chdir (here), ==, 0);
  g_assert_null (script);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_SCRIPT);
  g_assert_cmpstr (error->message, ==, message);
  remove_dir (dir);
}

/* Columns count characters, not bytes: 2-, 3- and 4-byte UTF-8 before the
 * error on the same line, and a syntax error after them. */
static void
test_utf8_columns (void)
{
  expect_script_error ("{\"emocap\": 1, \"studio\": \"é山😀\", \"session\": \"a b\"}",
      "script.json:1:43: session: 'a b' is not a valid id: use 1 to 64 "
      "characters from A-Z a-z 0-9 . _ - (not starting with '.' or '-')");
  expect_script_error ("{\"emocap\": 1,\n  \"studio\": \"é山😀\", x}",
      "script.json:2:20: invalid JSON: string or '}' expected near 'x'");
  expect_script_error ("{\"emocap\": 1, \"st\\u00fcdio\": \"x\"}",
      "script.json:1:15: unknown field 'stüdio' (did you mean 'studio'?)");
}

static void
test_consent (void)
{
  g_autoptr (EmocapScript) script = load_valid ("full");
  g_autofree char *path = valid_path ("full", "consent.json");
  g_autofree char *all_path = valid_path ("full", "consent-all.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapConsentFile) consent = NULL;
  g_autoptr (EmocapConsentFile) all = NULL;
  g_autofree char *sha = NULL;

  consent = emocap_consent_file_load (path, script, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (consent->actor, ==, "actor-0042");
  g_assert_cmpstr (consent->contract, ==, "NLC-2026-0042");
  g_assert_cmpstr (consent->contract_sha256, ==, script->contract->sha256);
  g_assert_false (consent->all_emotions);
  g_assert_cmpuint (g_strv_length (consent->emotions), ==, 2);
  g_assert_true (emocap_consent_file_covers (consent, "joy"));
  g_assert_true (emocap_consent_file_covers (consent, "anger"));
  g_assert_false (emocap_consent_file_covers (consent, "sadness"));
  g_assert_true (g_path_is_absolute (consent->path));
  sha = emocap_sha256_file_hex (path, NULL, NULL);
  g_assert_cmpstr (consent->sha256, ==, sha);

  all = emocap_consent_file_load (all_path, script, &error);
  g_assert_no_error (error);
  g_assert_true (all->all_emotions);
  g_assert_nonnull (all->emotions);
  g_assert_true (emocap_consent_file_covers (all, "sadness"));
}

static void
test_ids (void)
{
  g_autofree char *max = g_strnfill (64, 'a');
  g_autofree char *over = g_strnfill (65, 'a');

  g_assert_true (emocap_id_is_valid ("a"));
  g_assert_true (emocap_id_is_valid ("actor-0042"));
  g_assert_true (emocap_id_is_valid ("A.b_c-9"));
  g_assert_true (emocap_id_is_valid ("x."));
  g_assert_true (emocap_id_is_valid ("a..b"));
  g_assert_true (emocap_id_is_valid ("_x"));
  g_assert_true (emocap_id_is_valid ("0"));
  g_assert_true (emocap_id_is_valid (max));
  g_assert_false (emocap_id_is_valid (over));
  g_assert_false (emocap_id_is_valid (NULL));
  g_assert_false (emocap_id_is_valid (""));
  g_assert_false (emocap_id_is_valid ("."));
  g_assert_false (emocap_id_is_valid (".."));
  g_assert_false (emocap_id_is_valid (".hidden"));
  g_assert_false (emocap_id_is_valid ("-rf"));
  g_assert_false (emocap_id_is_valid ("a/b"));
  g_assert_false (emocap_id_is_valid ("../../etc"));
  g_assert_false (emocap_id_is_valid ("a b"));
  g_assert_false (emocap_id_is_valid ("a\\b"));
  g_assert_false (emocap_id_is_valid ("zoë"));
  g_assert_false (emocap_id_is_valid ("a\nb"));
}

static void
test_retake_id (void)
{
  g_autofree char *r2 = emocap_take_retake_id ("003-anger", 2);
  g_autofree char *r10 = emocap_take_retake_id ("003-anger", 10);

  g_assert_cmpstr (r2, ==, "003-anger-r2");
  g_assert_cmpstr (r10, ==, "003-anger-r10");
  g_assert_cmpstr (emocap_intensity_to_string (EMOCAP_INTENSITY_LOW), ==, "low");
  g_assert_cmpstr (emocap_intensity_to_string (EMOCAP_INTENSITY_NORMAL), ==, "normal");
  g_assert_cmpstr (emocap_intensity_to_string (EMOCAP_INTENSITY_STRONG), ==, "strong");
  g_assert_cmpstr (emocap_intensity_to_string (EMOCAP_INTENSITY_UNSPECIFIED), ==, "unspecified");
  g_assert_cmpstr (emocap_term_to_string (EMOCAP_TERM_ALLOWED), ==, "allowed");
  g_assert_cmpstr (emocap_term_to_string (EMOCAP_TERM_PROHIBITED), ==, "prohibited");
}

static void
test_missing_script (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapScript) script = emocap_script_load ("/nonexistent/script.json", &error);

  g_assert_null (script);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_SCRIPT);
  g_assert_cmpstr (error->message, ==, "cannot read '/nonexistent/script.json': "
      "No such file or directory");
}

static void
test_contract_load (void)
{
  g_autofree char *path = valid_path ("full", "contract.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapContract) contract = emocap_contract_load (path, &error);
  g_autofree char *sha = emocap_sha256_file_hex (path, NULL, NULL);

  g_assert_no_error (error);
  g_assert_cmpstr (contract->sha256, ==, sha);
  g_assert_true (g_path_is_absolute (contract->path));
  g_assert_nonnull (contract->json);
  g_assert_nonnull (contract->bytes);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/scripts/full", test_full);
  g_test_add_func ("/scripts/defaults", test_defaults);
  g_test_add_func ("/scripts/cameras", test_cameras);
  g_test_add_func ("/scripts/custom-emotions", test_custom_emotions);
  g_test_add_func ("/scripts/relative-paths", test_relative_paths);
  g_test_add_func ("/scripts/contract-message-path", test_contract_message_path);
  g_test_add_func ("/scripts/load-bytes", test_load_bytes);
  g_test_add_func ("/scripts/utf8-columns", test_utf8_columns);
  g_test_add_func ("/scripts/missing-script", test_missing_script);
  g_test_add_func ("/scripts/ids", test_ids);
  g_test_add_func ("/scripts/retake-id", test_retake_id);
  g_test_add_func ("/contract/load", test_contract_load);
  g_test_add_func ("/contract/usage-json", test_usage_json);
  g_test_add_func ("/contract/describe", test_describe);
  g_test_add_func ("/consent/valid", test_consent);

  return g_test_run ();
}
