/* emocap: session scripts
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include <emocap/contract.h>

G_BEGIN_DECLS

#define EMOCAP_SCRIPT_VERSION 1
#define EMOCAP_ID_MAX 64
#define EMOCAP_SECONDS_MIN 1
#define EMOCAP_SECONDS_MAX 600

/* Where a camera's pictures come from. */
typedef enum {
  EMOCAP_SOURCE_V4L2,   /* a V4L2 device node: "/dev/..." */
  EMOCAP_SOURCE_TEST,   /* "test:PATTERN": a generated picture */
  EMOCAP_SOURCE_FILE,   /* "file:PATH": a recording replayed as a camera */
} EmocapSourceKind;

/* A V4L2 control to set, in the script's order: `name` as v4l2src's
 * extra-controls spells it (e.g. "exposure_time_absolute"). */
typedef struct {
  char *name;
  gint64 value;
} EmocapControl;

/**
 * EmocapCamera:
 * @id: a valid id, unique in the script
 * @device: the device string as written in the script
 * @kind: what @device names
 * @path: the V4L2 node, or the absolute path of the file to replay
 *   (relative paths resolved against the script's folder); NULL for test
 * @pattern: the videotestsrc pattern nick for test sources, else NULL
 * @width, @height: requested size (default 1280x720)
 * @fps_n, @fps_d: requested frame rate as a fraction (default 30/1)
 * @controls: #EmocapControl, in script order (maybe empty)
 */
typedef struct {
  char *id;
  char *device;
  EmocapSourceKind kind;
  char *path;
  char *pattern;
  int width;
  int height;
  int fps_n;
  int fps_d;
  GArray *controls;
} EmocapCamera;

typedef enum {
  EMOCAP_AUDIO_NONE,    /* "none" */
  EMOCAP_AUDIO_ALSA,    /* any other name: an ALSA PCM */
  EMOCAP_AUDIO_TEST,    /* "test:sine" */
} EmocapAudioKind;

/**
 * EmocapAudio:
 * @kind: what @device names
 * @device: as written in the script; for ALSA the PCM name
 * @wave: for test audio, the audiotestsrc wave nick ("sine")
 * @rate: sample rate (default 48000, 8000..192000)
 * @channels: channel count (default 1, 1..8)
 */
typedef struct {
  EmocapAudioKind kind;
  char *device;
  char *wave;
  int rate;
  int channels;
} EmocapAudio;

typedef enum {
  EMOCAP_INTENSITY_UNSPECIFIED,
  EMOCAP_INTENSITY_LOW,
  EMOCAP_INTENSITY_NORMAL,
  EMOCAP_INTENSITY_STRONG,
} EmocapIntensity;

/* One entry of `takes`, as written (before `repeat` is expanded). */
typedef struct {
  char *emotion;
  EmocapIntensity intensity;
  char *prompt;          /* "" when absent */
  int seconds;
  int repeat;            /* default 1 */
} EmocapTakeSpec;

/* One take to record, `repeat` expanded: position counts from 1 over the
 * whole session; id is "%03d-EMOTION", e.g. "003-anger". */
typedef struct {
  int position;
  char *id;
  const EmocapTakeSpec *spec;   /* owned by the script */
} EmocapTakePlan;

/**
 * EmocapScript:
 * @path: absolute path of the script file
 * @dir: its folder, against which relative paths are resolved
 * @bytes: the file's exact bytes (frozen into the archive as they are)
 * @sha256: lower-case hex SHA-256 of @bytes
 * @session, @studio, @operator_id, @actor_id, @actor_name: as written
 * @contract_path: absolute path of the contract
 * @contract: the contract, loaded and validated with the script
 * @emotions: every emotion this script may use: the built-in vocabulary
 *   followed by the script's own `emotions`; NULL-terminated
 * @cameras: #EmocapCamera*, at least one
 * @audio: the microphone
 * @takes: #EmocapTakeSpec*, at least one
 * @plan: #EmocapTakePlan*, `takes` with `repeat` expanded
 * @json: the parsed document
 * @warnings: char*, things that do not stop the script but that the
 *   operator should see (e.g. controls on a test camera), each formatted
 *   like an error: "PATH:LINE:COLUMN: FIELD: ..."; maybe empty
 */
typedef struct {
  char *path;
  char *dir;
  GBytes *bytes;
  char *sha256;

  char *session;
  char *studio;
  char *operator_id;
  char *actor_id;
  char *actor_name;

  char *contract_path;
  EmocapContract *contract;

  char **emotions;
  GPtrArray *cameras;
  EmocapAudio audio;
  GPtrArray *takes;
  GPtrArray *plan;

  json_t *json;

  GPtrArray *warnings;
} EmocapScript;

/* The built-in emotions (RAVDESS, CREMA-D and MEAD): neutral, calm, joy,
 * sadness, anger, fear, surprise, disgust, contempt.  NULL-terminated. */
const char *const *emocap_builtin_emotions (void);

/* TRUE if @id matches [A-Za-z0-9._-]{1,64}, is not "." or "..", and does
 * not start with '.' or '-', so it can name a file inside the archive. */
gboolean emocap_id_is_valid (const char *id);

/* Reads and validates the script at @path and the contract it names.
 * Errors: EMOCAP_ERROR_INVALID_SCRIPT (or _INVALID_CONTRACT for the
 * contract, EMOCAP_ERROR_IO for a file that cannot be read), with a message
 * "PATH:LINE:COLUMN: what is wrong and what was expected".  Nothing is
 * opened or created besides reading the two files. */
EmocapScript *emocap_script_load (const char *path, GError **error);

/* Same, from the bytes of a script said to be at @path: @path gives the
 * folder the contract and files are resolved against, and is used in
 * messages.  For callers that already hold the bytes, and for fuzzing. */
EmocapScript *emocap_script_load_bytes (const char *path, GBytes *bytes,
    GError **error);

/* The script frozen into a session's folder @session_dir (script.json),
 * with the contract frozen beside it (contract.json) whatever the script
 * names: what the session was recorded under.  Relative paths in it
 * ("file:" cameras) are resolved against @origin_dir, the folder the
 * script was first loaded from (NULL: @session_dir). */
EmocapScript *emocap_script_load_frozen (const char *session_dir,
    const char *origin_dir, GError **error);

void emocap_script_free (EmocapScript *script);

/* Looks up a camera by id; NULL if there is none. */
const EmocapCamera *emocap_script_get_camera (const EmocapScript *script,
    const char *id);

/* "low", "normal", "strong" or "unspecified". */
const char *emocap_intensity_to_string (EmocapIntensity intensity);

/* The id of retake number @n (n >= 2) of @take_id: "003-anger-r2".
 * Free with g_free(). */
char *emocap_take_retake_id (const char *take_id, int n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapScript, emocap_script_free)

G_END_DECLS
