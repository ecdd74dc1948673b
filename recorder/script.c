/* emocap: session scripts
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A script is validated completely before anything is opened or recorded:
 * every field is checked for type, range and form, unknown fields are
 * errors (a typo must not silently fall back to a default), and every
 * error names the file, line and column, and what was expected.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/script.h>

#include "json-doc.h"

#define TEXT_MAX 200
#define PROMPT_MAX 500
#define PATH_TEXT_MAX 4096
#define ALSA_NAME_MAX 128
#define CAMERAS_MAX 16
#define CONTROLS_MAX 64
#define CUSTOM_EMOTIONS_MAX 64
/* "NNN-" + emotion + "-rNN" must stay a valid id (at most 64). */
#define EMOTION_ID_MAX 48
#define REPEAT_MAX 99
#define PLAN_MAX 999
#define SIZE_MIN 16
#define SIZE_MAX_PX 8192
#define FPS_MAX 240

static const char *const builtin_emotions[] = {
  "neutral", "calm", "joy", "sadness", "anger", "fear", "surprise",
  "disgust", "contempt", NULL,
};

static const char *const script_fields[] = {
  "emocap", "session", "studio", "operator", "actor", "contract", "emotions",
  "cameras", "audio", "takes", NULL,
};
static const char *const actor_fields[] = { "id", "name", NULL };
static const char *const camera_fields[] = {
  "id", "device", "width", "height", "fps", "controls", NULL,
};
static const char *const audio_fields[] = {
  "device", "rate", "channels", NULL,
};
static const char *const take_fields[] = {
  "emotion", "intensity", "prompt", "seconds", "repeat", NULL,
};

/* Index order of EmocapIntensity. */
static const char *const intensity_names[] = {
  "unspecified", "low", "normal", "strong", NULL,
};

/* videotestsrc's pattern nicks in GStreamer 1.22, kept here so that the
 * parser does not need GStreamer. */
static const char *const test_patterns[] = {
  "smpte", "snow", "black", "white", "red", "green", "blue", "checkers-1",
  "checkers-2", "checkers-4", "checkers-8", "circular", "blink", "smpte75",
  "zone-plate", "gamut", "chroma-zone-plate", "solid-color", "ball",
  "smpte100", "bar", "pinwheel", "spokes", "gradient", "colors",
  "smpte-rp-219", NULL,
};

/* audiotestsrc's wave nicks in GStreamer 1.22. */
static const char *const test_waves[] = {
  "sine", "square", "saw", "triangle", "silence", "white-noise",
  "pink-noise", "sine-table", "ticks", "gaussian-noise", "red-noise",
  "blue-noise", "violet-noise", NULL,
};

/* The NTSC rates, written as decimals in scripts and meant as n/1001. */
static const struct {
  double written;
  int numerator;
} ntsc_rates[] = {
  { 23.976, 24000 }, { 29.97, 30000 }, { 59.94, 60000 }, { 119.88, 120000 },
};

#define CAMERA_EXPECTED "a camera object {\"id\", \"device\", ...}"
#define FPS_EXPECTED "frames per second: an integer from 1 to 240, or one " \
  "of 23.976, 29.97, 59.94, 119.88"
#define SIZE_EXPECTED "an even number of pixels from 16 to 8192"

/* ---- small public helpers --------------------------------------------- */

const char *const *
emocap_builtin_emotions (void)
{
  return builtin_emotions;
}

gboolean
emocap_id_is_valid (const char *id)
{
  gsize len;

  if (id == NULL)
    return FALSE;
  len = strlen (id);
  if (len < 1 || len > EMOCAP_ID_MAX)
    return FALSE;
  if (id[0] == '.' || id[0] == '-')
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    char c = id[i];
    if (!g_ascii_isalnum (c) && c != '.' && c != '_' && c != '-')
      return FALSE;
  }
  /* "." and ".." start with '.', so they are already refused. */
  return TRUE;
}

const char *
emocap_intensity_to_string (EmocapIntensity intensity)
{
  switch (intensity) {
    case EMOCAP_INTENSITY_LOW:
      return "low";
    case EMOCAP_INTENSITY_NORMAL:
      return "normal";
    case EMOCAP_INTENSITY_STRONG:
      return "strong";
    case EMOCAP_INTENSITY_UNSPECIFIED:
      break;
  }
  return "unspecified";
}

char *
emocap_take_retake_id (const char *take_id, int n)
{
  g_return_val_if_fail (take_id != NULL, NULL);
  g_return_val_if_fail (n >= 2, NULL);

  return g_strdup_printf ("%s-r%d", take_id, n);
}

const EmocapCamera *
emocap_script_get_camera (const EmocapScript *script, const char *id)
{
  g_return_val_if_fail (script != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; script->cameras && i < script->cameras->len; i++) {
    const EmocapCamera *camera = script->cameras->pdata[i];
    if (strcmp (camera->id, id) == 0)
      return camera;
  }
  return NULL;
}

/* ---- freeing ---------------------------------------------------------- */

static void
control_clear (gpointer data)
{
  EmocapControl *control = data;
  g_free (control->name);
}

static void
camera_free (gpointer data)
{
  EmocapCamera *camera = data;

  g_free (camera->id);
  g_free (camera->device);
  g_free (camera->path);
  g_free (camera->pattern);
  if (camera->controls)
    g_array_unref (camera->controls);
  g_free (camera);
}

static void
take_spec_free (gpointer data)
{
  EmocapTakeSpec *spec = data;

  g_free (spec->emotion);
  g_free (spec->prompt);
  g_free (spec);
}

static void
take_plan_free (gpointer data)
{
  EmocapTakePlan *plan = data;

  g_free (plan->id);
  g_free (plan);
}

void
emocap_script_free (EmocapScript *script)
{
  if (script == NULL)
    return;
  g_free (script->path);
  g_free (script->dir);
  if (script->bytes)
    g_bytes_unref (script->bytes);
  g_free (script->sha256);
  g_free (script->session);
  g_free (script->studio);
  g_free (script->operator_id);
  g_free (script->actor_id);
  g_free (script->actor_name);
  g_free (script->contract_path);
  emocap_contract_free (script->contract);
  g_strfreev (script->emotions);
  if (script->cameras)
    g_ptr_array_unref (script->cameras);
  g_free (script->audio.device);
  g_free (script->audio.wave);
  /* the plan points into the takes: free it first */
  if (script->plan)
    g_ptr_array_unref (script->plan);
  if (script->takes)
    g_ptr_array_unref (script->takes);
  if (script->json)
    json_decref (script->json);
  if (script->warnings)
    g_ptr_array_unref (script->warnings);
  g_free (script);
}

/* ---- parsing ---------------------------------------------------------- */

typedef struct {
  EmocapScript *script;
  EmocapJsonDoc *doc;
  const char *shown_dir;    /* the script's folder as the caller gave it */
  const char *contract_shown; /* the contract's path as messages name it */
  const char *contract_file;  /* read this instead of the script's "contract" */
} Parser;

static gboolean
read_version (Parser *p, EmocapJsonObject *top, GError **error)
{
  json_t *value = NULL;
  const char *expected = "the script format version, 1";

  if (!emocap_json_object_get (top, "emocap", TRUE, expected, &value, error))
    return FALSE;
  if (!json_is_integer (value))
    return emocap_json_object_fail_type (top, error, "emocap", expected);
  if (json_integer_value (value) != EMOCAP_SCRIPT_VERSION)
    return emocap_json_object_fail (top, error, "emocap", "unsupported "
        "script version %" JSON_INTEGER_FORMAT "; this emocap reads version %d",
        json_integer_value (value), EMOCAP_SCRIPT_VERSION);
  return TRUE;
}

static gboolean
read_actor (Parser *p, EmocapJsonObject *top, GError **error)
{
  g_auto (EmocapJsonObject) actor = { 0 };
  const char *s = NULL;

  if (!emocap_json_object_child (top, "actor", TRUE, "the actor, "
          "{\"id\": \"actor-0042\", \"name\": \"Sam Rivera\"}", &actor, error))
    return FALSE;
  if (!emocap_json_object_check_fields (&actor, actor_fields, error))
    return FALSE;
  if (!emocap_json_object_id (&actor, "id", TRUE, "the actor's id, such as "
          "\"actor-0042\"", &s, error))
    return FALSE;
  p->script->actor_id = g_strdup (s);
  if (!emocap_json_object_text (&actor, "name", TRUE, TEXT_MAX, FALSE,
          "the actor's name", &s, error))
    return FALSE;
  p->script->actor_name = g_strdup (s);
  return TRUE;
}

static gboolean
read_emotions (Parser *p, EmocapJsonObject *top, GError **error)
{
  g_autoptr (GStrvBuilder) all = g_strv_builder_new ();
  const char *expected = "a list of the extra emotions this script uses, "
      "such as [\"awe\", \"pride\"]";
  json_t *list = NULL;

  g_strv_builder_addv (all, (const char **) builtin_emotions);
  if (!emocap_json_object_get (top, "emotions", FALSE, expected, &list, error))
    return FALSE;
  if (list != NULL && !json_is_array (list))
    return emocap_json_object_fail_type (top, error, "emotions", expected);
  if (list != NULL && json_array_size (list) > CUSTOM_EMOTIONS_MAX)
    return emocap_json_object_fail (top, error, "emotions", "%zu emotions: "
        "at most %d", json_array_size (list), CUSTOM_EMOTIONS_MAX);

  for (size_t i = 0; list != NULL && i < json_array_size (list); i++) {
    json_t *item = json_array_get (list, i);
    g_autofree char *field = g_strdup_printf ("emotions[%zu]", i);
    EmocapJsonPos pos = emocap_json_doc_pos_element (p->doc, list, i);
    g_autofree char *q = NULL;
    const char *s;

    if (!json_is_string (item)) {
      g_autofree char *got = emocap_json_describe (item);
      return emocap_json_doc_fail (p->doc, error, pos, field, "expected an "
          "emotion id such as \"awe\", got %s", got);
    }
    s = json_string_value (item);
    q = emocap_json_quote (s);
    if (!emocap_id_is_valid (s) || strlen (s) > EMOTION_ID_MAX)
      return emocap_json_doc_fail (p->doc, error, pos, field, "%s is not a "
          "valid emotion id: use 1 to %d characters from A-Z a-z 0-9 . _ - "
          "(not starting with '.' or '-')", q, EMOTION_ID_MAX);
    for (int b = 0; builtin_emotions[b]; b++) {
      if (g_ascii_strcasecmp (builtin_emotions[b], s) == 0)
        return emocap_json_doc_fail (p->doc, error, pos, field, "%s is "
            "already a built-in emotion ('%s'): declare only extra ones", q,
            builtin_emotions[b]);
    }
    for (size_t j = 0; j < i; j++) {
      if (g_ascii_strcasecmp (json_string_value (json_array_get (list, j)), s) == 0)
        return emocap_json_doc_fail (p->doc, error, pos, field, "duplicate "
            "emotion %s (first at line %d)", q,
            emocap_json_doc_pos_element (p->doc, list, j).line);
    }
    g_strv_builder_add (all, s);
  }
  p->script->emotions = g_strv_builder_end (all);
  return TRUE;
}

/* A file to replay: it must be there now, not fail mid-session. */
static gboolean
check_readable_file (const char *path, const char **why)
{
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

  if (fd < 0) {
    *why = g_strerror (errno);
    return FALSE;
  }
  if (fstat (fd, &st) < 0) {
    *why = g_strerror (errno);
    close (fd);
    return FALSE;
  }
  close (fd);
  if (!S_ISREG (st.st_mode)) {
    *why = S_ISDIR (st.st_mode) ? g_strerror (EISDIR) : "not a regular file";
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_device (Parser *p, EmocapJsonObject *cam, EmocapCamera *camera,
    GError **error)
{
  const char *device = NULL;
  g_autofree char *q = NULL;

  if (!emocap_json_object_text (cam, "device", TRUE, PATH_TEXT_MAX, FALSE,
          "a V4L2 device path (\"/dev/v4l/by-id/...\"), \"test:PATTERN\" or "
          "\"file:PATH\"", &device, error))
    return FALSE;
  camera->device = g_strdup (device);
  q = emocap_json_quote (device);

  if (device[0] == '/') {
    camera->kind = EMOCAP_SOURCE_V4L2;
    camera->path = g_strdup (device);
    return TRUE;
  }
  if (g_str_has_prefix (device, "test:")) {
    const char *pattern = device + 5;
    const char *suggestion;
    g_autofree char *qp = emocap_json_quote (pattern);
    g_autofree char *list = NULL;

    if (g_strv_contains (test_patterns, pattern)) {
      camera->kind = EMOCAP_SOURCE_TEST;
      camera->pattern = g_strdup (pattern);
      return TRUE;
    }
    suggestion = emocap_json_did_you_mean (pattern, test_patterns);
    if (suggestion)
      return emocap_json_object_fail (cam, error, "device", "unknown test "
          "pattern %s (did you mean 'test:%s'?)", qp, suggestion);
    list = emocap_json_join (test_patterns, ", ");
    return emocap_json_object_fail (cam, error, "device", "unknown test "
        "pattern %s: expected one of: %s", qp, list);
  }
  if (g_str_has_prefix (device, "file:")) {
    const char *rel = device + 5;
    g_autofree char *qr = emocap_json_quote (rel);
    const char *why = NULL;

    if (rel[0] == '\0')
      return emocap_json_object_fail (cam, error, "device", "%s names no "
          "file: expected \"file:PATH\", a recording to replay (relative to "
          "the script's folder)", q);
    camera->kind = EMOCAP_SOURCE_FILE;
    camera->path = g_canonicalize_filename (rel, p->script->dir);
    if (!check_readable_file (camera->path, &why))
      return emocap_json_object_fail (cam, error, "device", "cannot read "
          "%s: %s", qr, why);
    return TRUE;
  }
  return emocap_json_object_fail (cam, error, "device", "unknown device "
      "scheme in %s: use a V4L2 device path such as "
      "\"/dev/v4l/by-id/...\", \"test:PATTERN\" or \"file:PATH\"", q);
}

static gboolean
is_control_name (const char *s)
{
  gsize len = strlen (s);

  if (len < 1 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_islower (s[i]) && !g_ascii_isdigit (s[i]) && s[i] != '_')
      return FALSE;
  }
  return TRUE;
}

static gboolean
read_controls (Parser *p, EmocapJsonObject *cam, EmocapCamera *camera,
    GError **error)
{
  g_autofree char *field = emocap_json_object_field (cam, "controls");
  const char *expected = "an object of V4L2 controls, such as "
      "{\"auto_exposure\": 1, \"exposure_time_absolute\": 250}";
  json_t *controls = NULL;
  const char *name;
  json_t *value;

  camera->controls = g_array_new (FALSE, TRUE, sizeof (EmocapControl));
  g_array_set_clear_func (camera->controls, control_clear);
  if (!emocap_json_object_get (cam, "controls", FALSE, expected, &controls,
          error))
    return FALSE;
  if (controls == NULL)
    return TRUE;
  if (!json_is_object (controls))
    return emocap_json_object_fail_type (cam, error, "controls", expected);
  if (json_object_size (controls) > CONTROLS_MAX)
    return emocap_json_object_fail (cam, error, "controls", "%zu controls: "
        "at most %d", json_object_size (controls), CONTROLS_MAX);

  json_object_foreach (controls, name, value) {
    EmocapControl control = { 0 };
    g_autofree char *q = emocap_json_quote (name);
    g_autofree char *cfield = NULL;

    if (!is_control_name (name))
      return emocap_json_doc_fail (p->doc, error,
          emocap_json_doc_pos_member (p->doc, controls, name, TRUE), field,
          "%s is not a V4L2 control name: use 1 to 64 characters from a-z "
          "0-9 _ as v4l2-ctl lists them, e.g. 'exposure_time_absolute'", q);
    cfield = g_strdup_printf ("%s.%s", field, name);
    if (json_is_integer (value))
      control.value = json_integer_value (value);
    else if (json_is_boolean (value))
      control.value = json_is_true (value) ? 1 : 0;
    else {
      g_autofree char *got = emocap_json_describe (value);
      return emocap_json_doc_fail (p->doc, error,
          emocap_json_doc_pos_member (p->doc, controls, name, FALSE), cfield,
          "expected an integer or true/false, got %s", got);
    }
    control.name = g_strdup (name);
    g_array_append_val (camera->controls, control);
  }

  /* Not an error: the same script may switch a camera to a test source
   * for a rehearsal; but the operator should know the controls do nothing. */
  if (camera->kind != EMOCAP_SOURCE_V4L2 && camera->controls->len > 0) {
    g_autofree char *q = emocap_json_quote (camera->device);
    g_ptr_array_add (p->script->warnings, emocap_json_doc_format (p->doc,
            emocap_json_doc_pos_member (p->doc, cam->object, "controls", FALSE),
            field, "ignored: %s is not a V4L2 device, so it has no controls",
            q));
  }
  return TRUE;
}

static gboolean
read_fps (Parser *p, EmocapJsonObject *cam, EmocapCamera *camera,
    GError **error)
{
  json_t *value = json_object_get (cam->object, "fps");

  camera->fps_n = 30;
  camera->fps_d = 1;
  if (value == NULL)
    return TRUE;
  if (json_is_integer (value)) {
    json_int_t v = json_integer_value (value);
    if (v < 1 || v > FPS_MAX)
      return emocap_json_object_fail_type (cam, error, "fps", FPS_EXPECTED);
    camera->fps_n = (int) v;
    return TRUE;
  }
  if (json_is_real (value)) {
    double v = json_real_value (value);
    for (gsize i = 0; i < G_N_ELEMENTS (ntsc_rates); i++) {
      if (fabs (v - ntsc_rates[i].written) < 1e-9) {
        camera->fps_n = ntsc_rates[i].numerator;
        camera->fps_d = 1001;
        return TRUE;
      }
    }
  }
  return emocap_json_object_fail_type (cam, error, "fps", FPS_EXPECTED);
}

static gboolean
read_size (EmocapJsonObject *cam, const char *key, int *out, GError **error)
{
  gint64 v = *out;

  if (!emocap_json_object_int (cam, key, FALSE, SIZE_MIN, SIZE_MAX_PX,
          SIZE_EXPECTED, &v, error))
    return FALSE;
  if (v % 2 != 0)
    return emocap_json_object_fail (cam, error, key, "%" G_GINT64_FORMAT
        " is odd: expected %s", v, SIZE_EXPECTED);
  *out = (int) v;
  return TRUE;
}

static gboolean
read_camera (Parser *p, json_t *list, size_t index, GError **error)
{
  g_autofree char *field = g_strdup_printf ("cameras[%zu]", index);
  json_t *value = json_array_get (list, index);
  g_auto (EmocapJsonObject) cam = { 0 };
  EmocapCamera *camera;
  const char *id = NULL;
  gboolean has_w, has_h;

  if (!json_is_object (value)) {
    g_autofree char *got = emocap_json_describe (value);
    return emocap_json_doc_fail (p->doc, error,
        emocap_json_doc_pos_element (p->doc, list, index), field,
        "expected %s, got %s", CAMERA_EXPECTED, got);
  }
  emocap_json_object_init (&cam, p->doc, value, field);
  if (!emocap_json_object_check_fields (&cam, camera_fields, error))
    return FALSE;
  if (!emocap_json_object_id (&cam, "id", TRUE, "the camera's id, such as "
          "\"front\"", &id, error))
    return FALSE;
  for (guint i = 0; i < p->script->cameras->len; i++) {
    EmocapCamera *other = p->script->cameras->pdata[i];
    if (strcmp (other->id, id) == 0) {
      json_t *first = json_array_get (list, i);
      return emocap_json_object_fail (&cam, error, "id", "duplicate camera "
          "id '%s' (first at line %d)", id, emocap_json_doc_pos_member (p->doc,
              first, "id", FALSE).line);
    }
  }

  camera = g_new0 (EmocapCamera, 1);
  g_ptr_array_add (p->script->cameras, camera);
  camera->id = g_strdup (id);
  camera->width = 1280;
  camera->height = 720;

  if (!read_device (p, &cam, camera, error))
    return FALSE;
  has_w = json_object_get (value, "width") != NULL;
  has_h = json_object_get (value, "height") != NULL;
  if (has_w != has_h)
    return emocap_json_object_fail (&cam, error, has_w ? "width" : "height",
        "'%s' given without '%s': give both or neither (default 1280x720)",
        has_w ? "width" : "height", has_w ? "height" : "width");
  if (!read_size (&cam, "width", &camera->width, error)
      || !read_size (&cam, "height", &camera->height, error))
    return FALSE;
  if (!read_fps (p, &cam, camera, error))
    return FALSE;
  return read_controls (p, &cam, camera, error);
}

static gboolean
read_cameras (Parser *p, EmocapJsonObject *top, GError **error)
{
  const char *expected = "a list of at least one camera";
  json_t *list = NULL;

  p->script->cameras = g_ptr_array_new_with_free_func (camera_free);
  if (!emocap_json_object_get (top, "cameras", TRUE, expected, &list, error))
    return FALSE;
  if (!json_is_array (list))
    return emocap_json_object_fail_type (top, error, "cameras", expected);
  if (json_array_size (list) == 0)
    return emocap_json_object_fail (top, error, "cameras", "the list is "
        "empty: expected at least one camera, e.g. "
        "{\"id\": \"front\", \"device\": \"test:ball\"}");
  if (json_array_size (list) > CAMERAS_MAX)
    return emocap_json_object_fail (top, error, "cameras", "%zu cameras: at "
        "most %d", json_array_size (list), CAMERAS_MAX);
  for (size_t i = 0; i < json_array_size (list); i++) {
    if (!read_camera (p, list, i, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
is_alsa_name (const char *s)
{
  if (s[0] == '\0' || strlen (s) > ALSA_NAME_MAX)
    return FALSE;
  for (const char *c = s; *c; c++) {
    if (g_ascii_isspace (*c) || g_ascii_iscntrl (*c) || (guchar) *c >= 0x80)
      return FALSE;
  }
  return TRUE;
}

static gboolean
read_audio (Parser *p, EmocapJsonObject *top, GError **error)
{
  g_auto (EmocapJsonObject) audio = { 0 };
  EmocapAudio *a = &p->script->audio;
  const char *device = NULL;
  g_autofree char *q = NULL;
  gint64 rate = 48000, channels = 1;

  a->rate = 48000;
  a->channels = 1;
  if (!emocap_json_object_child (top, "audio", TRUE, "the microphone, e.g. "
          "{\"device\": \"default\"} or {\"device\": \"none\"}", &audio,
          error))
    return FALSE;
  if (!emocap_json_object_check_fields (&audio, audio_fields, error))
    return FALSE;
  if (!emocap_json_object_string (&audio, "device", TRUE, "an ALSA PCM name "
          "(\"default\", \"hw:1,0\"), \"test:WAVE\" or \"none\"", &device,
          error))
    return FALSE;
  q = emocap_json_quote (device);
  if (strcmp (device, "none") == 0) {
    a->kind = EMOCAP_AUDIO_NONE;
  } else if (g_str_has_prefix (device, "test:")) {
    const char *wave = device + 5;
    const char *suggestion = emocap_json_did_you_mean (wave, test_waves);
    g_autofree char *qw = emocap_json_quote (wave);
    g_autofree char *list = NULL;

    if (!g_strv_contains (test_waves, wave)) {
      if (suggestion)
        return emocap_json_object_fail (&audio, error, "device", "unknown "
            "test wave %s (did you mean 'test:%s'?)", qw, suggestion);
      list = emocap_json_join (test_waves, ", ");
      return emocap_json_object_fail (&audio, error, "device", "unknown test "
          "wave %s: expected one of: %s", qw, list);
    }
    a->kind = EMOCAP_AUDIO_TEST;
    a->wave = g_strdup (wave);
  } else if (g_str_has_prefix (device, "file:")) {
    return emocap_json_object_fail (&audio, error, "device", "%s: audio "
        "cannot be read from a file this way; define an ALSA PCM of type "
        "file (or a test source, \"test:sine\") and give its name", q);
  } else if (is_alsa_name (device)) {
    a->kind = EMOCAP_AUDIO_ALSA;
  } else {
    return emocap_json_object_fail (&audio, error, "device", "%s is not an "
        "ALSA PCM name: expected a name of 1 to %d characters without spaces "
        "(\"default\", \"hw:1,0\", \"plughw:CARD=USB,DEV=0\"), "
        "\"test:WAVE\" or \"none\"", q, ALSA_NAME_MAX);
  }
  a->device = g_strdup (device);

  if (!emocap_json_object_int (&audio, "rate", FALSE, 8000, 192000,
          "a sample rate from 8000 to 192000", &rate, error)
      || !emocap_json_object_int (&audio, "channels", FALSE, 1, 8,
          "a channel count from 1 to 8", &channels, error))
    return FALSE;
  a->rate = (int) rate;
  a->channels = (int) channels;
  return TRUE;
}

static gboolean
read_emotion (Parser *p, EmocapJsonObject *take, EmocapTakeSpec *spec,
    GError **error)
{
  const char *emotion = NULL;
  const char *suggestion;
  g_autofree char *q = NULL;
  g_autofree char *list = NULL;

  if (!emocap_json_object_string (take, "emotion", TRUE, "an emotion such "
          "as \"joy\"", &emotion, error))
    return FALSE;
  if (g_strv_contains ((const char *const *) p->script->emotions, emotion)) {
    spec->emotion = g_strdup (emotion);
    return TRUE;
  }
  q = emocap_json_quote (emotion);
  suggestion = emocap_json_did_you_mean (emotion,
      (const char *const *) p->script->emotions);
  if (suggestion)
    return emocap_json_object_fail (take, error, "emotion", "unknown emotion "
        "%s (did you mean '%s'?)", q, suggestion);
  list = emocap_json_join ((const char *const *) p->script->emotions, ", ");
  return emocap_json_object_fail (take, error, "emotion", "unknown emotion "
      "%s: use one of %s, or declare it in 'emotions'", q, list);
}

static gboolean
read_take (Parser *p, json_t *list, size_t index, GError **error)
{
  g_autofree char *field = g_strdup_printf ("takes[%zu]", index);
  json_t *value = json_array_get (list, index);
  g_auto (EmocapJsonObject) take = { 0 };
  EmocapTakeSpec *spec;
  const char *prompt = NULL;
  int intensity = EMOCAP_INTENSITY_UNSPECIFIED;
  gint64 seconds = 0, repeat = 1;

  if (!json_is_object (value)) {
    g_autofree char *got = emocap_json_describe (value);
    return emocap_json_doc_fail (p->doc, error,
        emocap_json_doc_pos_element (p->doc, list, index), field,
        "expected a take object {\"emotion\", \"seconds\", ...}, got %s", got);
  }
  emocap_json_object_init (&take, p->doc, value, field);
  if (!emocap_json_object_check_fields (&take, take_fields, error))
    return FALSE;

  spec = g_new0 (EmocapTakeSpec, 1);
  g_ptr_array_add (p->script->takes, spec);
  if (!read_emotion (p, &take, spec, error))
    return FALSE;
  if (!emocap_json_object_enum (&take, "intensity", FALSE, "intensity",
          intensity_names, &intensity, error))
    return FALSE;
  spec->intensity = (EmocapIntensity) intensity;
  if (!emocap_json_object_text (&take, "prompt", FALSE, PROMPT_MAX, TRUE,
          "the cue shown to the actor", &prompt, error))
    return FALSE;
  spec->prompt = g_strdup (prompt ? prompt : "");
  if (!emocap_json_object_int (&take, "seconds", TRUE, EMOCAP_SECONDS_MIN,
          EMOCAP_SECONDS_MAX, "the take's length in seconds, an integer from "
          "1 to 600", &seconds, error))
    return FALSE;
  spec->seconds = (int) seconds;
  if (!emocap_json_object_int (&take, "repeat", FALSE, 1, REPEAT_MAX,
          "how many times to record the take, an integer from 1 to 99",
          &repeat, error))
    return FALSE;
  spec->repeat = (int) repeat;

  if (p->script->plan->len + (guint) repeat > PLAN_MAX)
    return emocap_json_object_fail (&take, error,
        json_object_get (value, "repeat") ? "repeat" : "emotion",
        "the session would have more than %d takes: split it into several "
        "scripts", PLAN_MAX);
  for (gint64 r = 0; r < repeat; r++) {
    EmocapTakePlan *plan = g_new0 (EmocapTakePlan, 1);
    plan->position = (int) p->script->plan->len + 1;
    plan->id = g_strdup_printf ("%03d-%s", plan->position, spec->emotion);
    plan->spec = spec;
    g_ptr_array_add (p->script->plan, plan);
  }
  return TRUE;
}

static gboolean
read_takes (Parser *p, EmocapJsonObject *top, GError **error)
{
  const char *expected = "a list of at least one take";
  json_t *list = NULL;

  p->script->takes = g_ptr_array_new_with_free_func (take_spec_free);
  p->script->plan = g_ptr_array_new_with_free_func (take_plan_free);
  if (!emocap_json_object_get (top, "takes", TRUE, expected, &list, error))
    return FALSE;
  if (!json_is_array (list))
    return emocap_json_object_fail_type (top, error, "takes", expected);
  if (json_array_size (list) == 0)
    return emocap_json_object_fail (top, error, "takes", "the list is empty: "
        "expected at least one take, e.g. {\"emotion\": \"joy\", "
        "\"seconds\": 8}");
  for (size_t i = 0; i < json_array_size (list); i++) {
    if (!read_take (p, list, i, error))
      return FALSE;
  }
  return TRUE;
}

/* The contract is read from the script's folder; its own errors point
 * into it, with its path as the user would write it from where they are. */
static gboolean
read_contract (Parser *p, EmocapJsonObject *top, const char *rel,
    GError **error)
{
  EmocapScript *script = p->script;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) local = NULL;

  script->contract_path = p->contract_file ? g_strdup (p->contract_file) :
      g_canonicalize_filename (rel, script->dir);

  bytes = emocap_json_read_file (script->contract_path, p->contract_file ? p->contract_file : rel,
      EMOCAP_ERROR_INVALID_SCRIPT, &local);
  if (bytes == NULL) {
    g_autofree char *message = emocap_json_doc_format (p->doc,
        emocap_json_doc_pos_member (p->doc, top->object, "contract", FALSE),
        "contract", "%s", local->message);
    g_set_error_literal (error, EMOCAP_ERROR, local->code, message);
    return FALSE;
  }
  script->contract = emocap_contract_load_bytes (p->contract_shown, bytes,
      error);
  if (script->contract == NULL)
    return FALSE;
  g_free (script->contract->path);
  script->contract->path = g_strdup (script->contract_path);
  return TRUE;
}

/* The contract binds one performer: recording someone else under it would
 * attach terms they never agreed to. */
static gboolean
check_performer (Parser *p, EmocapJsonObject *top, GError **error)
{
  const char *contract_shown = p->contract_shown;
  EmocapContract *contract = p->script->contract;
  g_autoptr (EmocapJsonDoc) cdoc = NULL;
  EmocapJsonPos cpos = { 1, 1 };
  json_t *parties;
  json_t *actor = json_object_get (top->object, "actor");

  if (contract->performer == NULL
      || strcmp (contract->performer, p->script->actor_id) == 0)
    return TRUE;
  /* parse again only to say where the performer is written */
  cdoc = emocap_json_doc_parse (contract_shown, contract->bytes,
      EMOCAP_ERROR_INVALID_CONTRACT, NULL);
  if (cdoc) {
    parties = json_object_get (emocap_json_doc_root (cdoc), "parties");
    cpos = emocap_json_doc_pos_member (cdoc, parties, "performer", FALSE);
  }
  return emocap_json_doc_fail (p->doc, error,
      emocap_json_doc_pos_member (p->doc, actor, "id", FALSE), "actor.id",
      "'%s' is not the contract's performer '%s' (%s:%d:%d): the contract "
      "must be the one this actor signed", p->script->actor_id,
      contract->performer, contract_shown, cpos.line, cpos.column);
}

static EmocapScript *
parse_script (const char *path, GBytes *bytes, const char *contract_file, GError **error)
{
  g_autoptr (EmocapScript) script = g_new0 (EmocapScript, 1);
  g_autoptr (EmocapJsonDoc) doc = NULL;
  g_auto (EmocapJsonObject) top = { 0 };
  g_autofree char *shown_dir = g_path_get_dirname (path);
  g_autofree char *contract_shown = NULL;
  Parser p = { script, NULL, shown_dir, NULL, contract_file };
  const char *s = NULL;
  const char *contract_rel = NULL;
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);

  script->path = g_canonicalize_filename (path, NULL);
  script->dir = g_path_get_dirname (script->path);
  script->bytes = g_bytes_ref (bytes);
  script->sha256 = emocap_sha256_hex (data ? data : "", len);
  script->warnings = g_ptr_array_new_with_free_func (g_free);

  doc = emocap_json_doc_parse (path, bytes, EMOCAP_ERROR_INVALID_SCRIPT,
      error);
  if (doc == NULL)
    return NULL;
  p.doc = doc;
  emocap_json_object_init (&top, doc, emocap_json_doc_root (doc), "");

  /* The version first: a newer script's fields are not typos. */
  if (!read_version (&p, &top, error))
    return NULL;
  if (!emocap_json_object_check_fields (&top, script_fields, error))
    return NULL;

  if (!emocap_json_object_id (&top, "session", TRUE, "the session's id, "
          "such as \"nlc-2026-11-22-a\"", &s, error))
    return NULL;
  script->session = g_strdup (s);
  if (!emocap_json_object_text (&top, "studio", TRUE, TEXT_MAX, FALSE,
          "the studio's name", &s, error))
    return NULL;
  script->studio = g_strdup (s);
  if (!emocap_json_object_id (&top, "operator", TRUE, "the operator's id, "
          "such as \"op-jlee\"", &s, error))
    return NULL;
  script->operator_id = g_strdup (s);
  if (!read_actor (&p, &top, error))
    return NULL;
  if (!emocap_json_object_text (&top, "contract", TRUE, PATH_TEXT_MAX, FALSE,
          "the contract's file, relative to the script's folder, such as "
          "\"contract.json\"", &contract_rel, error))
    return NULL;
  if (!read_emotions (&p, &top, error)
      || !read_cameras (&p, &top, error)
      || !read_audio (&p, &top, error)
      || !read_takes (&p, &top, error))
    return NULL;

  /* "contract.json" for a script loaded as "script.json", so messages name
   * a file the user can open from where they are */
  if (contract_file)
    contract_shown = g_strdup (contract_file);
  else if (g_path_is_absolute (contract_rel) || strcmp (shown_dir, ".") == 0)
    contract_shown = g_strdup (contract_rel);
  else
    contract_shown = g_build_filename (shown_dir, contract_rel, NULL);
  p.contract_shown = contract_shown;
  if (!read_contract (&p, &top, contract_rel, error)
      || !check_performer (&p, &top, error))
    return NULL;

  script->json = json_incref (emocap_json_doc_root (doc));
  return g_steal_pointer (&script);
}

EmocapScript *
emocap_script_load_bytes (const char *path, GBytes *bytes, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return parse_script (path, bytes, NULL, error);
}

EmocapScript *
emocap_script_load (const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = emocap_json_read_file (path, path, EMOCAP_ERROR_INVALID_SCRIPT, error);
  if (bytes == NULL)
    return NULL;
  return parse_script (path, bytes, NULL, error);
}

EmocapScript *
emocap_script_load_frozen (const char *session_dir, const char *origin_dir, GError **error)
{
  g_autofree char *frozen = NULL, *contract = NULL, *as_if = NULL;
  g_autoptr (GBytes) bytes = NULL;

  g_return_val_if_fail (session_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  frozen = g_build_filename (session_dir, "script.json", NULL);
  contract = g_build_filename (session_dir, "contract.json", NULL);
  bytes = emocap_json_read_file (frozen, frozen, EMOCAP_ERROR_INVALID_SCRIPT, error);
  if (bytes == NULL)
    return NULL;
  as_if = g_build_filename (origin_dir ? origin_dir : session_dir, "script.json", NULL);
  return parse_script (as_if, bytes, contract, error);
}
