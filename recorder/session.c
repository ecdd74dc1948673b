/* emocap: a recording session in the archive
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The order of events is the point of this file: consent is journaled and
 * on disk before `take.started`, and `take.started` before the first frame;
 * the media are closed and hashed before `take.finished`; take.json comes
 * last and only repeats what the journal already proves.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <gst/gst.h>

#include <sodium.h>

#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/keys.h>
#include <emocap/session.h>
#include <emocap/watermark.h>

#include "emocap-config.h"
#include "session-private.h"
#include "storage.h"

/* Keeps RESERVE_BYTES of the disk for the session's last words.  Best
 * effort: without it the session records all the same. */
void
emocap_session_reserve_space (EmocapSession *session)
{
  int fd;

  g_free (session->reserve);
  session->reserve = g_build_filename (session->dir, RESERVE_NAME, NULL);
  fd = open (session->reserve, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || posix_fallocate (fd, 0, RESERVE_BYTES) != 0) {
    g_warning ("cannot keep %d KiB free in '%s' for the journal if the disk fills up",
        RESERVE_BYTES / 1024, session->dir);
    if (fd >= 0)
      unlink (session->reserve);
    g_clear_pointer (&session->reserve, g_free);
  }
  if (fd >= 0)
    close (fd);
}

/* Gives the reserved space back to the disk; FALSE if there was none. */
gboolean
emocap_session_release_space (EmocapSession *session)
{
  gboolean had = session->reserve != NULL && unlink (session->reserve) == 0;

  g_clear_pointer (&session->reserve, g_free);
  return had;
}

/* emocap_journal_append(), and once more after releasing the reserve
 * when the disk is full. */
json_t *
emocap_session_append (EmocapSession *session, const char *type, json_t *fields, GError **error)
{
  GError *local = NULL;
  json_t *entry = emocap_journal_append (session->journal, type, fields, &local);

  if (entry == NULL && g_error_matches (local, EMOCAP_ERROR, EMOCAP_ERROR_NO_SPACE) &&
      emocap_session_release_space (session)) {
    g_clear_error (&local);
    entry = emocap_journal_append (session->journal, type, fields, &local);
  }
  if (entry == NULL)
    g_propagate_error (error, local);
  return entry;
}

gboolean
emocap_session_write_file (EmocapSession *session, const char *path, const char *data,
    gsize len, GError **error)
{
  GError *local = NULL;

  if (emocap_write_file_atomic (path, data, len, &local))
    return TRUE;
  if (g_error_matches (local, EMOCAP_ERROR, EMOCAP_ERROR_NO_SPACE) && emocap_session_release_space (session)) {
    g_clear_error (&local);
    if (emocap_write_file_atomic (path, data, len, &local))
      return TRUE;
  }
  g_propagate_error (error, local);
  return FALSE;
}

void
emocap_take_init (EmocapTake *take, const EmocapTakePlan *plan, int attempt)
{
  take->plan = plan;
  take->attempt = attempt;
  take->id = attempt > 1 ? emocap_take_retake_id (plan->id, attempt) : g_strdup (plan->id);
}

/* RFC 3339 UTC with microseconds, as the journal writes its `at`. */
static char *
format_utc (gint64 real_time)
{
  g_autoptr (GDateTime) base = g_date_time_new_from_unix_utc (real_time / G_USEC_PER_SEC);
  g_autoptr (GDateTime) t = g_date_time_add (base, real_time % G_USEC_PER_SEC);
  return g_date_time_format (t, "%Y-%m-%dT%H:%M:%S.%fZ");
}

json_t *
emocap_session_cameras_json (const EmocapScript *script, EmocapCapture *capture)
{
  json_t *arr = json_array ();

  for (guint i = 0; i < script->cameras->len; i++) {
    const EmocapCamera *cam = g_ptr_array_index (script->cameras, i);
    int w = cam->width, h = cam->height, fn = cam->fps_n, fd = cam->fps_d;
    g_autofree char *fps = NULL;

    json_t *c, *controls = NULL;

    if (capture) {
      if (!emocap_capture_has_camera (capture, cam->id))
        continue;
      emocap_capture_get_camera_format (capture, cam->id, &w, &h, &fn, &fd);
      controls = emocap_capture_get_camera_controls (capture, cam->id);
    }
    fps = g_strdup_printf ("%d/%d", fn, fd);
    c = json_pack ("{s:s, s:s, s:i, s:i, s:s}",
        "id", cam->id, "device", cam->device, "width", w, "height", h, "fps", fps);
    /* As the camera read them back after they were set. */
    if (controls)
      json_object_set (c, "controls", controls);
    json_array_append_new (arr, c);
  }
  return arr;
}

static json_t *
audio_json (const EmocapAudio *audio)
{
  if (audio->kind == EMOCAP_AUDIO_NONE)
    return json_pack ("{s:s}", "device", audio->device);
  return json_pack ("{s:s, s:i, s:i, s:s}", "device", audio->device,
      "rate", audio->rate, "channels", audio->channels, "format", "S16LE");
}

static void
remove_new_session (const char *dir)
{
  static const char *const files[] = { "journal.jsonl", "contract.json", "script.json" };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *p = g_build_filename (dir, files[i], NULL);
    unlink (p);
  }
  rmdir (dir);
}

EmocapSession *
emocap_session_create (const char *archive_root, const EmocapScript *script,
    EmocapCapture *capture, GError **error)
{
  g_autoptr (EmocapSession) session = NULL;
  g_autofree char *sessions = NULL, *exports = NULL, *keys = NULL;
  g_autofree char *path = NULL, *pub = NULL;
  g_autoptr (json_t) fields = NULL;
  g_autoptr (json_t) entry = NULL;
  gconstpointer data;
  gsize len;

  g_return_val_if_fail (archive_root != NULL, NULL);
  g_return_val_if_fail (script != NULL, NULL);

  session = g_new0 (EmocapSession, 1);
  session->script = script;
  session->root = g_strdup (archive_root);
  sessions = g_build_filename (archive_root, "sessions", NULL);
  exports = g_build_filename (archive_root, "exports", NULL);
  keys = g_build_filename (archive_root, "keys", NULL);

  if (!emocap_mkdir_private (sessions, error) || !emocap_mkdir_private (exports, error))
    return NULL;
  if (!(session->key = emocap_key_load_or_create (keys, error)))
    return NULL;
  if (!emocap_wm_key_load_or_create (keys, session->wm_key, error))
    return NULL;

  session->dir = g_build_filename (sessions, script->session, NULL);
  if (!emocap_mkdir_new (session->dir, error)) {
    if (error && *error && (*error)->code == EMOCAP_ERROR_EXISTS) {
      g_clear_error (error);
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_EXISTS,
          "session '%s' already exists in '%s': give the script a new \"session\" id",
          script->session, archive_root);
    }
    g_clear_pointer (&session->dir, g_free);
    return NULL;
  }

  /* From here on a failure removes the half-made session. */
  data = g_bytes_get_data (script->bytes, &len);
  path = g_build_filename (session->dir, "script.json", NULL);
  if (!emocap_write_new_file (path, data, len, error))
    goto fail;
  g_free (path);
  data = g_bytes_get_data (script->contract->bytes, &len);
  path = g_build_filename (session->dir, "contract.json", NULL);
  if (!emocap_write_new_file (path, data, len, error))
    goto fail;
  g_free (path);
  path = g_build_filename (session->dir, "journal.jsonl", NULL);
  if (!(session->journal = emocap_journal_open (path, session->key, error)))
    goto fail;

  pub = emocap_key_public_hex (session->key);
  fields = json_pack ("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:s, s:s, s:o, s:s, s:o, s:i}",
      "session", script->session,
      "studio", script->studio,
      "operator", script->operator_id,
      "actor", "id", script->actor_id, "name", script->actor_name,
      "contract", "id", script->contract->id, "sha256", script->contract->sha256,
      "script_sha256", script->sha256,
      "studio_key", pub,
      "recorder", "emocap " EMOCAP_VERSION,
      "cameras", emocap_session_cameras_json (script, capture),
      "script_dir", script->dir,
      "audio", audio_json (&script->audio),
      "takes_planned", (int) script->plan->len);
  if (!(entry = emocap_journal_append (session->journal, EMOCAP_JOURNAL_SESSION_OPENED,
              fields, error)))
    goto fail;

  emocap_session_reserve_space (session);
  return g_steal_pointer (&session);

fail:
  g_clear_pointer (&session->journal, emocap_journal_close);
  remove_new_session (session->dir);
  return NULL;
}

const char *
emocap_session_get_dir (EmocapSession *session)
{
  return session->dir;
}

EmocapJournal *
emocap_session_get_journal (EmocapSession *session)
{
  return session->journal;
}

const guint8 *
emocap_session_get_watermark_key (EmocapSession *session)
{
  return session->wm_key;
}

guint64
emocap_session_get_watermark_tag (EmocapSession *session, const EmocapTake *take)
{
  return emocap_wm_tag (session->wm_key, session->script->session, take->id);
}

/* A tag as take.json and the journal write it: 16 lower-case hex digits. */
static char *
format_tag (guint64 tag)
{
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x", tag);
}

static const char *
method_name (EmocapConsentMethod method)
{
  return method == EMOCAP_CONSENT_PRE_AUTHORIZED ? "pre-authorized" : "actor-keypress";
}

json_t *
emocap_session_record_consent (EmocapSession *session, const EmocapTake *take,
    gboolean given, EmocapConsentMethod method,
    const EmocapConsentFile *consent_file, const char *reason, GError **error)
{
  const EmocapScript *script = session->script;
  const EmocapContract *contract = script->contract;
  const EmocapTakeSpec *spec = take->plan->spec;
  g_autoptr (json_t) fields = NULL;
  g_autoptr (json_t) purposes = json_array ();
  g_autofree char *record_id = g_strdup_printf ("%s/%s", script->session, take->id);
  g_autofree char *withdraw = NULL;
  json_t *entry;

  g_return_val_if_fail (method != EMOCAP_CONSENT_PRE_AUTHORIZED || consent_file != NULL, NULL);

  for (char **p = contract->purposes; *p; p++)
    json_array_append_new (purposes, json_string (*p));

  /* ISO/IEC TS 27560: record id, principal, controller, purposes,
   * collection method, event time (`at`), withdrawal method. */
  fields = json_pack ("{s:s, s:s, s:s, s:i, s:i, s:{s:s, s:s}, s:s, s:{s:s, s:s},"
      " s:{s:s, s:s, s:s, s:i, s:O, s:o}, s:s, s:s, s:s}",
      "record_id", record_id,
      "session", script->session,
      "take", take->id,
      "position", take->plan->position,
      "attempt", take->attempt,
      "actor", "id", script->actor_id, "name", script->actor_name,
      "controller", script->studio,
      "contract", "id", contract->id, "sha256", contract->sha256,
      "scope", "emotion", spec->emotion,
      "intensity", emocap_intensity_to_string (spec->intensity),
      "prompt", spec->prompt,
      "seconds", spec->seconds,
      "purposes", purposes,
      "usage", emocap_contract_usage_json (contract),
      "method", method_name (method),
      "witness", script->operator_id,
      "status", given ? "dpv:ConsentGiven" : "dpv:ConsentRefused");
  if (consent_file)
    json_object_set_new (fields, "consent_file_sha256", json_string (consent_file->sha256));
  if (contract->withdrawal == EMOCAP_TERM_ALLOWED) {
    withdraw = g_strdup_printf ("emocap withdraw %s/%s --actor %s", script->session, take->id,
        script->actor_id);
    json_object_set_new (fields, "withdrawal_method", json_string (withdraw));
  }
  if (!given && reason)
    json_object_set_new (fields, "reason", json_string (reason));

  entry = emocap_session_append (session,
      given ? EMOCAP_JOURNAL_CONSENT_GIVEN : EMOCAP_JOURNAL_CONSENT_REFUSED, fields, error);
  if (entry && !given)
    session->refused++;
  return entry;
}

static json_t *
files_json (const EmocapScript *script, const EmocapTake *take,
    EmocapTakeResult *result, GPtrArray *hashes, GArray *sizes)
{
  json_t *arr = json_array ();

  for (guint i = 0; i < result->cameras->len; i++) {
    EmocapCameraResult *cr = g_ptr_array_index (result->cameras, i);
    g_autofree char *name = g_path_get_basename (cr->path);
    g_autofree char *rel = g_build_filename ("takes", take->id, name, NULL);
    json_array_append_new (arr, json_pack ("{s:s, s:s, s:s, s:I}",
            "camera", cr->camera, "path", rel,
            "sha256", (const char *) g_ptr_array_index (hashes, i),
            "bytes", (json_int_t) g_array_index (sizes, guint64, i)));
  }
  return arr;
}

static json_t *
real_or_null (double v)
{
  return isfinite (v) ? json_real (round (v * 100) / 100) : json_null ();
}

/* What a detector needs to know besides the key: the scheme and its
 * parameters, the tag, and how many frames carry it. */
static json_t *
watermark_json (guint64 tag, guint64 marked, guint64 unmarked)
{
  g_autofree char *hex = format_tag (tag);
  g_autofree char *code = g_strdup_printf ("conv K=%d r=1/%d + CRC-%d",
      EMOCAP_WM_CODE_K, EMOCAP_WM_CODE_RATE, EMOCAP_WM_CRC_BITS);

  return json_pack ("{s:s, s:s, s:f, s:i, s:s, s:f, s:I, s:I}",
      "tag", hex,
      "scheme", "emocap-wm-1",
      "cells_per_height", EMOCAP_WM_CELLS_PER_HEIGHT,
      "tile", EMOCAP_WM_TILE,
      "code", code,
      "strength", EMOCAP_WM_DEFAULT_STRENGTH,
      "frames_marked", (json_int_t) marked,
      "frames_unmarked", (json_int_t) unmarked);
}

static const char *const fault_names[] = {
  [EMOCAP_TAKE_FAULT_NONE] = NULL,
  [EMOCAP_TAKE_FAULT_OPERATOR] = "operator",
  [EMOCAP_TAKE_FAULT_CAMERA_LOST] = "camera-disconnected",
  [EMOCAP_TAKE_FAULT_DEVICE] = "device-failed",
  [EMOCAP_TAKE_FAULT_NO_SPACE] = "disk-full",
  [EMOCAP_TAKE_FAULT_WRITE] = "write-failed",
  [EMOCAP_TAKE_FAULT_RECORDER] = "recorder-stopped",
};

/* A take recovered from its files after the recorder stopped: what only
 * the running recorder knew is null, not a guess. */
static void
forget_unknown_figures (json_t *doc)
{
  static const char *const per_camera[] = {
    "frames_dropped", "frames_dropped_driver", "frames_corrupt", "frames_marked",
    "frames_unmarked", "stalls", "stall_longest_s", "start_latency_ms", "av_offset_ms",
    "disconnected",
  };
  static const char *const per_audio[] = {
    "peak_dbfs", "rms_dbfs", "clipped_samples", "dropped_samples",
  };
  json_t *cam, *audio = json_object_get (doc, "audio");
  size_t i;

  json_array_foreach (json_object_get (doc, "cameras"), i, cam) {
    for (gsize k = 0; k < G_N_ELEMENTS (per_camera); k++)
      json_object_set_new (cam, per_camera[k], json_null ());
  }
  for (gsize k = 0; json_is_object (audio) && k < G_N_ELEMENTS (per_audio); k++)
    json_object_set_new (audio, per_audio[k], json_null ());
  json_object_set_new (json_object_get (doc, "watermark"), "frames_marked", json_null ());
  json_object_set_new (json_object_get (doc, "watermark"), "frames_unmarked", json_null ());
  json_array_clear (json_object_get (doc, "flags"));
  json_array_append_new (json_object_get (doc, "flags"), json_string ("recovered"));
}

static void
add_flag (json_t *flags, const char *flag)
{
  size_t i;
  json_t *f;

  json_array_foreach (flags, i, f) {
    if (g_strcmp0 (json_string_value (f), flag) == 0)
      return;
  }
  json_array_append_new (flags, json_string (flag));
}

json_t *
emocap_session_take_json (EmocapSession *session, const EmocapTake *take, json_t *consent,
    EmocapTakeResult *result, GPtrArray *hashes, GArray *sizes,
    gint64 started_seq, gint64 ended_seq)
{
  const EmocapScript *script = session->script;
  const EmocapTakeSpec *spec = take->plan->spec;
  static const char *const status_names[] = { "finished", "interrupted", "failed" };
  g_autofree char *cue = format_utc (result->cue_time);
  g_autofree char *end = format_utc (result->end_time);
  json_t *cams = json_array ();
  json_t *flags = json_array ();
  json_t *doc;
  guint64 marked = 0, unmarked = 0;

  for (guint i = 0; i < result->cameras->len; i++) {
    EmocapCameraResult *cr = g_ptr_array_index (result->cameras, i);
    const EmocapCamera *cam = emocap_script_get_camera (script, cr->camera);
    g_autofree char *name = g_path_get_basename (cr->path);
    g_autofree char *fps = g_strdup_printf ("%d/%d", cr->fps_n, cr->fps_d);
    json_t *c = json_pack ("{s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:i, s:s,"
        " s:I, s:I, s:I, s:o, s:o, s:o}",
        "id", cr->camera, "device", cam ? cam->device : "",
        "file", name,
        "sha256", (const char *) g_ptr_array_index (hashes, i),
        "bytes", (json_int_t) g_array_index (sizes, guint64, i),
        "video", "MJPEG", "width", cr->width, "height", cr->height, "fps", fps,
        "frames_expected", (json_int_t) cr->frames_expected,
        "frames_recorded", (json_int_t) cr->frames_recorded,
        "frames_dropped", (json_int_t) cr->frames_dropped,
        "duration_s", json_real ((double) cr->duration / GST_SECOND),
        "start_latency_ms", json_real (round (cr->start_latency_ns / 1e4) / 100),
        "av_offset_ms", result->has_audio ?
            json_real (round (cr->av_offset_ns / 1e4) / 100) : json_null ());
    if (result->has_audio)
      json_object_set_new (c, "audio_samples", json_integer ((json_int_t) cr->audio_samples));
    json_object_set_new (c, "frames_marked", json_integer ((json_int_t) cr->frames_marked));
    json_object_set_new (c, "frames_unmarked",
        json_integer ((json_int_t) (cr->frames_recorded - cr->frames_marked)));
    /* What the camera got wrong: frames the driver reported lost (part of
     * frames_dropped), corrupt frames dropped, gaps of over a second. */
    json_object_set_new (c, "frames_dropped_driver",
        json_integer ((json_int_t) cr->frames_dropped_qos));
    json_object_set_new (c, "frames_corrupt", json_integer ((json_int_t) cr->frames_corrupt));
    json_object_set_new (c, "stalls", json_integer (cr->stalls));
    json_object_set_new (c, "stall_longest_s", json_real (round (cr->stall_longest_s * 1000) / 1000));
    json_object_set_new (c, "disconnected", json_boolean (cr->lost));
    if (cr->controls)
      json_object_set (c, "controls", cr->controls);
    json_array_append_new (cams, c);
    if (cr->frames_dropped > 0)
      add_flag (flags, "frames-dropped");
    if (cr->frames_corrupt > 0)
      add_flag (flags, "frames-corrupt");
    if (cr->stalls > 0)
      add_flag (flags, "camera-stalled");
    if (cr->lost)
      add_flag (flags, "camera-disconnected");
    marked += cr->frames_marked;
    unmarked += cr->frames_recorded - cr->frames_marked;
  }
  if (unmarked > 0)
    json_array_append_new (flags, json_string ("frames-unmarked"));
  if (result->fault == EMOCAP_TAKE_FAULT_NO_SPACE)
    json_array_append_new (flags, json_string ("disk-full"));
  else if (result->fault == EMOCAP_TAKE_FAULT_WRITE)
    json_array_append_new (flags, json_string ("write-failed"));
  else if (result->fault == EMOCAP_TAKE_FAULT_DEVICE)
    json_array_append_new (flags, json_string ("device-failed"));
  if (result->audio_clipped > 0)
    json_array_append_new (flags, json_string ("audio-clipped"));
  if (result->audio_dropped > 0)
    json_array_append_new (flags, json_string ("audio-dropped"));

  doc = json_pack ("{s:i, s:s, s:s, s:i, s:i, s:s?, s:s, s:s?,"
      " s:s, s:s, s:s, s:i,"
      " s:{s:s, s:s}, s:s, s:s, s:{s:s, s:s}, s:o,"
      " s:{s:I, s:s, s:s, s:O},"
      " s:s, s:s, s:{s:I, s:I}, s:o, s:o}",
      "emocap", 1,
      "session", script->session,
      "take", take->id,
      "position", take->plan->position,
      "attempt", take->attempt,
      "retake_of", take->attempt > 1 ? take->plan->id : NULL,
      "status", status_names[result->status],
      "reason", result->reason,
      "emotion", spec->emotion,
      "intensity", emocap_intensity_to_string (spec->intensity),
      "prompt", spec->prompt,
      "seconds", spec->seconds,
      "actor", "id", script->actor_id, "name", script->actor_name,
      "operator", script->operator_id,
      "studio", script->studio,
      "contract", "id", script->contract->id, "sha256", script->contract->sha256,
      "usage", emocap_contract_usage_json (script->contract),
      "consent", "seq", json_integer_value (json_object_get (consent, "seq")),
      "at", json_string_value (json_object_get (consent, "at")),
      "method", json_string_value (json_object_get (consent, "method")),
      "status", json_object_get (consent, "status"),
      "cue_at", cue,
      "ended_at", end,
      "journal", "take_started_seq", (json_int_t) started_seq,
      "take_ended_seq", (json_int_t) ended_seq,
      "cameras", cams,
      "flags", flags);

  if (result->has_audio) {
    json_object_set_new (doc, "audio", json_pack ("{s:s, s:s, s:i, s:i, s:o, s:o, s:I, s:I}",
            "device", script->audio.device, "format", result->audio_format,
            "rate", result->audio_rate, "channels", result->audio_channels,
            "peak_dbfs", real_or_null (result->audio_peak_dbfs),
            "rms_dbfs", real_or_null (result->audio_rms_dbfs),
            "clipped_samples", (json_int_t) result->audio_clipped,
            "dropped_samples", (json_int_t) result->audio_dropped));
  } else {
    json_object_set_new (doc, "audio", json_null ());
  }
  json_object_set_new (doc, "watermark", watermark_json (
          emocap_session_get_watermark_tag (session, take), marked, unmarked));
  json_object_set_new (doc, "fault", result->fault == EMOCAP_TAKE_FAULT_NONE ? json_null () :
      json_string (fault_names[result->fault]));
  if (result->recovered)
    forget_unknown_figures (doc);
  return doc;
}

EmocapTakeResult *
emocap_session_record_take (EmocapSession *session, EmocapCapture *capture,
    const EmocapTake *take, json_t *consent, EmocapTakeEventFunc on_event,
    gpointer user_data, GError **error)
{
  static const char *const end_types[] = {
    EMOCAP_JOURNAL_TAKE_FINISHED, EMOCAP_JOURNAL_TAKE_INTERRUPTED, EMOCAP_JOURNAL_TAKE_FAILED
  };
  const EmocapScript *script = session->script;
  g_autofree char *takes = g_build_filename (session->dir, "takes", NULL);
  g_autofree char *dir = g_build_filename (takes, take->id, NULL);
  g_autofree char *json_path = g_build_filename (dir, "take.json", NULL);
  g_autoptr (EmocapTakeResult) result = NULL;
  g_autoptr (json_t) started = NULL;
  g_autoptr (json_t) ended = NULL;
  g_autoptr (json_t) fields = NULL;
  g_autoptr (json_t) doc = NULL;
  g_autoptr (GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) sizes = g_array_new (FALSE, TRUE, sizeof (guint64));
  g_autofree char *text = NULL;
  g_autofree char *tag = format_tag (emocap_session_get_watermark_tag (session, take));
  json_t *cam_ids;
  const char *type, *ctake;

  g_return_val_if_fail (session != NULL && capture != NULL && take != NULL, NULL);

  /* No frame without a consent.given for this very take. */
  type = json_string_value (json_object_get (consent, "type"));
  ctake = json_string_value (json_object_get (consent, "take"));
  if (g_strcmp0 (type, EMOCAP_JOURNAL_CONSENT_GIVEN) != 0 || g_strcmp0 (ctake, take->id) != 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_CONSENT,
        "take '%s' has no consent.given entry: not recorded", take->id);
    return NULL;
  }

  if (!emocap_mkdir_private (takes, error) || !emocap_mkdir_new (dir, error))
    return NULL;

  cam_ids = json_array ();
  for (guint i = 0; i < script->cameras->len; i++) {
    const EmocapCamera *cam = g_ptr_array_index (script->cameras, i);
    if (emocap_capture_has_camera (capture, cam->id))
      json_array_append_new (cam_ids, json_string (cam->id));
  }
  fields = json_pack ("{s:s, s:s, s:I, s:i, s:o}",
      "session", script->session, "take", take->id,
      "consent_seq", json_integer_value (json_object_get (consent, "seq")),
      "seconds", take->plan->spec->seconds, "cameras", cam_ids);
  if (!(started = emocap_session_append (session, EMOCAP_JOURNAL_TAKE_STARTED, fields, error)))
    return NULL;

  emocap_capture_set_watermark_tag (capture, emocap_session_get_watermark_tag (session, take));
  result = emocap_capture_record (capture, dir, take->plan->spec->seconds,
      on_event, user_data, error);
  if (result == NULL) {
    /* Nothing could be recorded: say so in the journal, then report. */
    g_autoptr (json_t) failed = json_pack ("{s:s, s:s, s:s, s:[]}",
        "session", script->session, "take", take->id,
        "reason", error && *error ? (*error)->message : "recording failed", "files");
    g_autoptr (json_t) e = emocap_session_append (session, EMOCAP_JOURNAL_TAKE_FAILED, failed, NULL);
    session->failed++;
    return NULL;
  }

  for (guint i = 0; i < result->cameras->len; i++) {
    EmocapCameraResult *cr = g_ptr_array_index (result->cameras, i);
    guint64 size = 0;
    char *hash = emocap_sha256_file_hex (cr->path, &size, error);
    if (hash == NULL)
      return NULL;
    g_ptr_array_add (hashes, hash);
    g_array_append_val (sizes, size);
  }

  json_decref (fields);
  fields = json_pack ("{s:s, s:s, s:o, s:s}", "session", script->session, "take", take->id,
      "files", files_json (script, take, result, hashes, sizes), "watermark_tag", tag);
  if (result->reason)
    json_object_set_new (fields, "reason", json_string (result->reason));
  if (!(ended = emocap_session_append (session, end_types[result->status], fields, error)))
    return NULL;

  doc = emocap_session_take_json (session, take, consent, result, hashes, sizes,
      json_integer_value (json_object_get (started, "seq")),
      json_integer_value (json_object_get (ended, "seq")));
  text = json_dumps (doc, JSON_INDENT (2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (10));
  if (text == NULL) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED, "cannot write take.json");
    return NULL;
  }
  {
    g_autofree char *line = g_strconcat (text, "\n", NULL);
    free (text);
    text = NULL;
    if (!emocap_session_write_file (session, json_path, line, strlen (line), error))
      return NULL;
  }

  switch (result->status) {
    case EMOCAP_TAKE_FINISHED: session->finished++; break;
    case EMOCAP_TAKE_INTERRUPTED: session->interrupted++; break;
    case EMOCAP_TAKE_FAILED: session->failed++; break;
  }
  return g_steal_pointer (&result);
}

gboolean
emocap_session_close (EmocapSession *session, const char *reason, GError **error)
{
  g_autoptr (json_t) fields = NULL;
  g_autoptr (json_t) entry = NULL;

  fields = json_pack ("{s:s, s:s, s:{s:i, s:i, s:i, s:i}}",
      "session", session->script->session,
      "reason", reason ? reason : "completed",
      "takes", "finished", session->finished, "interrupted", session->interrupted,
      "failed", session->failed, "refused", session->refused);
  entry = emocap_session_append (session, EMOCAP_JOURNAL_SESSION_CLOSED, fields, error);
  if (entry != NULL)
    emocap_session_release_space (session);
  return entry != NULL;
}

void
emocap_session_free (EmocapSession *session)
{
  if (session == NULL)
    return;
  g_clear_pointer (&session->journal, emocap_journal_close);
  g_clear_pointer (&session->key, emocap_key_free);
  sodium_memzero (session->wm_key, sizeof session->wm_key);
  g_free (session->root);
  g_free (session->dir);
  g_free (session->reserve);
  g_free (session);
}
