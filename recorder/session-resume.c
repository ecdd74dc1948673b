/* emocap: carrying on a session the recorder did not close
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A recorder killed mid-take leaves a journal that ends at `take.started`
 * and Matroska files that play up to the last cluster written (the muxer
 * writes as it goes; only the index at the end is missing).  Nothing of
 * that is thrown away: the take is journaled as interrupted with its files
 * hashed as they are, and take.json says what the files show.  A line cut
 * off by a crash mid-write never counted (it was not acknowledged): it is
 * set aside, not deleted.
 */
#include <string.h>
#include <sys/stat.h>

#include <gst/app/gstappsink.h>

#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/session.h>

#include "emocap-config.h"
#include "session-private.h"
#include "storage.h"

void
emocap_resume_clear (EmocapResume *resume)
{
  g_clear_pointer (&resume->recovered, g_strfreev);
  g_clear_pointer (&resume->closed_reason, g_free);
  memset (resume, 0, sizeof *resume);
}

static const char *
str (json_t *obj, const char *key)
{
  return json_string_value (json_object_get (obj, key));
}

gboolean
emocap_session_locate (const char *session_dir, char **origin_dir, GError **error)
{
  g_autofree char *path = g_build_filename (session_dir, "journal.jsonl", NULL);
  g_autofree char *text = NULL;
  g_autoptr (json_t) opened = NULL;
  char *nl;

  *origin_dir = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
        "'%s' holds no session journal", session_dir);
    return FALSE;
  }
  if ((nl = strchr (text, '\n')) != NULL)
    *nl = '\0';
  opened = json_loads (text, 0, NULL);
  if (g_strcmp0 (str (opened, "type"), EMOCAP_JOURNAL_SESSION_OPENED) == 0 &&
      str (opened, "script_dir"))
    *origin_dir = g_strdup (str (opened, "script_dir"));
  return TRUE;
}

/* ----- what a take's files hold ----- */

typedef struct {
  GMutex lock;
  guint64 frames;
  guint64 audio_bytes;
  int width, height, fps_n, fps_d, rate, channels;
} Figures;

static GstFlowReturn
count_sample (GstAppSink *sink, gpointer data)
{
  Figures *f = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  const GstStructure *st;

  if (sample == NULL)
    return GST_FLOW_OK;
  st = gst_caps_get_structure (gst_sample_get_caps (sample), 0);
  g_mutex_lock (&f->lock);
  if (g_str_has_prefix (gst_structure_get_name (st), "audio/")) {
    f->audio_bytes += gst_buffer_get_size (gst_sample_get_buffer (sample));
    gst_structure_get_int (st, "rate", &f->rate);
    gst_structure_get_int (st, "channels", &f->channels);
  } else {
    f->frames++;
    gst_structure_get_int (st, "width", &f->width);
    gst_structure_get_int (st, "height", &f->height);
    gst_structure_get_fraction (st, "framerate", &f->fps_n, &f->fps_d);
  }
  g_mutex_unlock (&f->lock);
  return GST_FLOW_OK;
}

static void
on_pad_added (GstElement *demux, GstPad *pad, gpointer data)
{
  GstElement *pipeline = GST_ELEMENT (gst_element_get_parent (demux));
  GstElement *sink = gst_element_factory_make ("appsink", NULL);
  GstAppSinkCallbacks callbacks = { .new_sample = count_sample };
  g_autoptr (GstPad) sinkpad = NULL;

  g_object_set (sink, "sync", FALSE, "emit-signals", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, data, NULL);
  gst_bin_add (GST_BIN (pipeline), sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_link (pad, sinkpad);
  gst_element_sync_state_with_parent (sink);
  gst_object_unref (pipeline);
}

/* Demuxes @path to the end, counting frames and sound.  A file cut off
 * mid-cluster ends in an error from the demuxer: what came before counts. */
static void
count_media (const char *path, Figures *f)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *demux = gst_element_factory_make ("matroskademux", NULL);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;

  if (src == NULL || demux == NULL) {
    g_clear_object (&src);
    g_clear_object (&demux);
    return;
  }
  g_object_set (src, "location", path, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, demux, NULL);
  gst_element_link (src, demux);
  g_signal_connect (demux, "pad-added", G_CALLBACK (on_pad_added), f);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

/* ----- a take cut short ----- */

static gint64
parse_time (const char *rfc3339)
{
  g_autoptr (GDateTime) t = rfc3339 ? g_date_time_new_from_iso8601 (rfc3339, NULL) : NULL;

  return t ? g_date_time_to_unix (t) * G_USEC_PER_SEC + g_date_time_get_microsecond (t) :
      g_get_real_time ();
}

static gboolean
recover_take (EmocapSession *session, json_t *started, json_t *consent, GError **error)
{
  const EmocapScript *script = session->script;
  const char *id = str (started, "take");
  json_int_t position = json_integer_value (json_object_get (consent, "position"));
  json_int_t attempt = json_integer_value (json_object_get (consent, "attempt"));
  g_autofree char *dir = g_build_filename (session->dir, "takes", id, NULL);
  g_autofree char *json_path = g_build_filename (dir, "take.json", NULL);
  g_autofree char *tag = NULL;
  g_autofree char *reason = NULL;
  g_autoptr (GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) sizes = g_array_new (FALSE, TRUE, sizeof (guint64));
  g_autoptr (EmocapTakeResult) result = g_new0 (EmocapTakeResult, 1);
  g_autoptr (json_t) fields = NULL;
  g_autoptr (json_t) ended = NULL;
  g_autoptr (json_t) doc = NULL;
  json_t *files = json_array (), *cam_id;
  const EmocapTakePlan *plan;
  EmocapTake take = { 0 };
  gint64 last_write = 0;
  size_t i;

  if (position < 1 || (guint) position > script->plan->len || attempt < 1) {
    json_decref (files);
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "take '%s': its consent names position %" JSON_INTEGER_FORMAT ", which the script "
        "does not have", id, position);
    return FALSE;
  }
  plan = g_ptr_array_index (script->plan, position - 1);
  emocap_take_init (&take, plan, (int) attempt);
  if (g_strcmp0 (take.id, id) != 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "take '%s' is not attempt %" JSON_INTEGER_FORMAT " at position %" JSON_INTEGER_FORMAT
        " of the script ('%s')", id, attempt, position, take.id);
    g_free (take.id);
    json_decref (files);
    return FALSE;
  }

  result->status = EMOCAP_TAKE_INTERRUPTED;
  result->fault = EMOCAP_TAKE_FAULT_RECORDER;
  result->recovered = TRUE;
  result->cameras = g_ptr_array_new_with_free_func (g_free);
  result->cue_time = parse_time (str (started, "at"));

  json_array_foreach (json_object_get (started, "cameras"), i, cam_id) {
    const char *cid = json_string_value (cam_id);
    g_autofree char *name = g_strdup_printf ("%s.mkv", cid ? cid : "");
    g_autofree char *path = g_build_filename (dir, name, NULL);
    g_autofree char *rel = g_build_filename ("takes", id, name, NULL);
    const EmocapCamera *cam = cid ? emocap_script_get_camera (script, cid) : NULL;
    EmocapCameraResult *r;
    Figures f = { 0 };
    struct stat st;
    guint64 size = 0;
    char *hash;

    /* A camera whose file was never created recorded nothing. */
    if (cam == NULL || stat (path, &st) < 0)
      continue;
    last_write = MAX (last_write, (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC +
        st.st_mtim.tv_nsec / 1000);
    if (!(hash = emocap_sha256_file_hex (path, &size, error))) {
      g_free (take.id);
      json_decref (files);
      return FALSE;
    }
    g_mutex_init (&f.lock);
    count_media (path, &f);
    g_mutex_clear (&f.lock);

    r = g_new0 (EmocapCameraResult, 1);
    r->camera = (char *) cam->id;
    r->path = NULL;
    r->width = f.width ? f.width : cam->width;
    r->height = f.height ? f.height : cam->height;
    r->fps_n = f.fps_n > 0 ? f.fps_n : cam->fps_n;
    r->fps_d = f.fps_d > 0 ? f.fps_d : cam->fps_d;
    r->frames_expected = gst_util_uint64_scale_round (plan->spec->seconds, r->fps_n, r->fps_d);
    r->frames_recorded = f.frames;
    r->duration = gst_util_uint64_scale (f.frames, GST_SECOND * (guint64) r->fps_d, r->fps_n);
    if (f.channels > 0) {
      result->has_audio = TRUE;
      result->audio_rate = f.rate;
      result->audio_channels = f.channels;
      r->audio_samples = f.audio_bytes / (2 * (guint64) f.channels);
    }
    g_ptr_array_add (result->cameras, r);
    g_ptr_array_add (hashes, hash);
    g_array_append_val (sizes, size);
    json_array_append_new (files, json_pack ("{s:s, s:s, s:s, s:I}", "camera", cam->id,
            "path", rel, "sha256", hash, "bytes", (json_int_t) size));
  }
  result->end_time = last_write ? last_write : result->cue_time;
  if (result->has_audio)
    result->audio_format = g_strdup ("S16LE");
  result->reason = g_strdup ("emocap record stopped during the take (killed or crashed); "
      "its files are kept as they were left");

  tag = g_strdup_printf ("%016" G_GINT64_MODIFIER "x",
      emocap_session_get_watermark_tag (session, &take));
  fields = json_pack ("{s:s, s:s, s:o, s:s, s:s, s:b}", "session", script->session,
      "take", id, "files", files, "watermark_tag", tag, "reason", result->reason,
      "recovered", TRUE);
  if (!(ended = emocap_session_append (session, EMOCAP_JOURNAL_TAKE_INTERRUPTED, fields,
              error))) {
    g_free (take.id);
    return FALSE;
  }

  /* The path and camera fields take_json reads point into the script. */
  for (guint k = 0; k < result->cameras->len; k++) {
    EmocapCameraResult *r = g_ptr_array_index (result->cameras, k);
    g_autofree char *name = g_strdup_printf ("%s.mkv", r->camera);
    r->path = g_build_filename (dir, name, NULL);
  }
  doc = emocap_session_take_json (session, &take, consent, result, hashes, sizes,
      json_integer_value (json_object_get (started, "seq")),
      json_integer_value (json_object_get (ended, "seq")));
  for (guint k = 0; k < result->cameras->len; k++) {
    EmocapCameraResult *r = g_ptr_array_index (result->cameras, k);
    g_clear_pointer (&r->path, g_free);
    r->camera = NULL;
  }
  g_free (take.id);
  {
    g_autofree char *text = json_dumps (doc, JSON_INDENT (2) | JSON_PRESERVE_ORDER |
        JSON_REAL_PRECISION (10));
    g_autofree char *line = g_strconcat (text, "\n", NULL);
    if (!emocap_mkdir_private (dir, error) ||
        !emocap_session_write_file (session, json_path, line, strlen (line), error))
      return FALSE;
  }
  session->interrupted++;
  return TRUE;
}

/* ----- reopening ----- */

static gboolean
same_file_bytes (const char *path, GBytes *bytes)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  return g_file_get_contents (path, &data, &len, NULL) &&
      len == g_bytes_get_size (bytes) &&
      memcmp (data, g_bytes_get_data (bytes, NULL), len) == 0;
}

EmocapSession *
emocap_session_reopen (const char *archive_root, const EmocapScript *script,
    gboolean reopen_closed, EmocapResume *resume, GError **error)
{
  g_autoptr (EmocapSession) session = NULL;
  g_autoptr (json_t) entries = NULL;
  g_autoptr (GHashTable) started = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) ended = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) consents = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) recovered = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *keys = NULL, *journal_path = NULL, *frozen = NULL, *frozen_contract = NULL;
  json_t *entry, *last_consent = NULL;
  gboolean closed = FALSE;
  const char *closed_reason = NULL;
  size_t i;

  g_return_val_if_fail (archive_root != NULL && script != NULL && resume != NULL, NULL);

  memset (resume, 0, sizeof *resume);
  session = g_new0 (EmocapSession, 1);
  session->script = script;
  session->root = g_strdup (archive_root);
  session->dir = g_build_filename (archive_root, "sessions", script->session, NULL);
  journal_path = g_build_filename (session->dir, "journal.jsonl", NULL);
  if (!g_file_test (journal_path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
        "there is no session '%s' in '%s' to resume", script->session, archive_root);
    return NULL;
  }

  /* The takes to come were consented to under this script and contract. */
  frozen = g_build_filename (session->dir, "script.json", NULL);
  frozen_contract = g_build_filename (session->dir, "contract.json", NULL);
  if (!same_file_bytes (frozen, script->bytes) ||
      !same_file_bytes (frozen_contract, script->contract->bytes)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_EXISTS,
        "session '%s' already exists in '%s', recorded under another version of %s: "
        "resume it with 'emocap record --resume %s', which uses the copies frozen in the "
        "session, or give this script a new \"session\" id", script->session, archive_root,
        same_file_bytes (frozen, script->bytes) ? "its contract" : "this script",
        script->session);
    return NULL;
  }

  keys = g_build_filename (archive_root, "keys", NULL);
  if (!(session->key = emocap_key_load_or_create (keys, error)))
    return NULL;
  if (!emocap_wm_key_load_or_create (keys, session->wm_key, error))
    return NULL;

  if (!emocap_journal_cut_torn_tail (journal_path, &resume->torn_bytes, error))
    return NULL;
  if (!(session->journal = emocap_journal_open (journal_path, session->key, error)))
    return NULL;
  /* Read again under the lock the open took: these are the lines the next
   * entry chains onto. */
  if (!emocap_journal_verify (journal_path, session->key, &entries, NULL, error))
    return NULL;
  resume->entries = (guint) json_array_size (entries);

  json_array_foreach (entries, i, entry) {
    const char *type = str (entry, "type");
    const char *take = str (entry, "take");

    if (g_strcmp0 (type, EMOCAP_JOURNAL_SESSION_CLOSED) == 0) {
      closed = TRUE;
      closed_reason = str (entry, "reason");
    } else if (g_strcmp0 (type, EMOCAP_JOURNAL_SESSION_RESUMED) == 0) {
      closed = FALSE;
    } else if (take == NULL) {
      continue;
    } else if (g_strcmp0 (type, EMOCAP_JOURNAL_CONSENT_GIVEN) == 0 ||
        g_strcmp0 (type, EMOCAP_JOURNAL_CONSENT_REFUSED) == 0) {
      g_hash_table_insert (consents, (gpointer) take, entry);
      last_consent = entry;
      if (g_strcmp0 (type, EMOCAP_JOURNAL_CONSENT_REFUSED) == 0)
        session->refused++;
    } else if (g_strcmp0 (type, EMOCAP_JOURNAL_TAKE_STARTED) == 0) {
      g_hash_table_insert (started, (gpointer) take, entry);
    } else if (g_strcmp0 (type, EMOCAP_JOURNAL_TAKE_FINISHED) == 0) {
      g_hash_table_insert (ended, (gpointer) take, entry);
      session->finished++;
    } else if (g_strcmp0 (type, EMOCAP_JOURNAL_TAKE_INTERRUPTED) == 0) {
      g_hash_table_insert (ended, (gpointer) take, entry);
      session->interrupted++;
    } else if (g_strcmp0 (type, EMOCAP_JOURNAL_TAKE_FAILED) == 0) {
      g_hash_table_insert (ended, (gpointer) take, entry);
      session->failed++;
    }
  }

  if (closed) {
    if (g_strcmp0 (closed_reason, "completed") == 0)
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_EXISTS,
          "session '%s' already exists in '%s' and was completed: give the script a new "
          "\"session\" id", script->session, archive_root);
    else if (!reopen_closed)
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_EXISTS,
          "session '%s' already exists in '%s', closed early (%s): carry on with "
          "'emocap record --resume %s', or give the script a new \"session\" id",
          script->session, archive_root, closed_reason ? closed_reason : "no reason given",
          script->session);
    if (!reopen_closed || g_strcmp0 (closed_reason, "completed") == 0)
      return NULL;
    resume->was_closed = TRUE;
    resume->closed_reason = g_strdup (closed_reason);
  }

  /* Takes the recorder never ended, in the order they started. */
  json_array_foreach (entries, i, entry) {
    const char *take = str (entry, "take");
    json_t *consent;

    if (g_strcmp0 (str (entry, "type"), EMOCAP_JOURNAL_TAKE_STARTED) != 0 ||
        g_hash_table_contains (ended, take))
      continue;
    consent = g_hash_table_lookup (consents, take);
    if (consent == NULL || g_strcmp0 (str (consent, "type"), EMOCAP_JOURNAL_CONSENT_GIVEN) != 0) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
          "%s: take '%s' was started without a consent.given: the journal is not one "
          "emocap wrote; run 'emocap audit' on the session", journal_path, take);
      return NULL;
    }
    if (!recover_take (session, entry, consent, error))
      return NULL;
    g_ptr_array_add (recovered, g_strdup (take));
  }
  g_ptr_array_add (recovered, NULL);
  resume->recovered = (char **) g_ptr_array_free (g_steal_pointer (&recovered), FALSE);

  /* Carry on after the last take asked for; a consent given for a take
   * that never started is spent, so that position gets a fresh attempt. */
  resume->position = 1;
  resume->attempt = 1;
  if (last_consent) {
    const char *take = str (last_consent, "take");
    json_int_t position = json_integer_value (json_object_get (last_consent, "position"));
    json_int_t attempt = json_integer_value (json_object_get (last_consent, "attempt"));
    if (g_strcmp0 (str (last_consent, "type"), EMOCAP_JOURNAL_CONSENT_GIVEN) == 0 &&
        !g_hash_table_contains (started, take)) {
      resume->position = (int) position;
      resume->attempt = (int) attempt + 1;
    } else {
      resume->position = (int) position + 1;
    }
  }
  return g_steal_pointer (&session);
}

gboolean
emocap_session_mark_resumed (EmocapSession *session, EmocapCapture *capture,
    const EmocapResume *resume, GError **error)
{
  g_autoptr (json_t) fields = NULL;
  g_autoptr (json_t) entry = NULL;
  json_t *recovered = json_array ();

  for (char **r = resume->recovered; r && *r; r++)
    json_array_append_new (recovered, json_string (*r));
  fields = json_pack ("{s:s, s:s, s:o, s:i, s:I, s:s, s:o}",
      "session", session->script->session,
      "after", resume->was_closed ? "closed early" : "the recorder stopped without closing it",
      "recovered", recovered,
      "position", resume->position,
      "torn_bytes", (json_int_t) resume->torn_bytes,
      "recorder", "emocap " EMOCAP_VERSION,
      "cameras", emocap_session_cameras_json (session->script, capture));
  if (resume->closed_reason)
    json_object_set_new (fields, "closed_reason", json_string (resume->closed_reason));
  if (!(entry = emocap_session_append (session, EMOCAP_JOURNAL_SESSION_RESUMED, fields, error)))
    return FALSE;
  emocap_session_reserve_space (session);
  return TRUE;
}
