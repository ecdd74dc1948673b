/* emocap: an actor's review site
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything on the page comes from journals checked against the studio's
 * key: a take is the actor's when its signed consent names them, and
 * nothing of a session shows unless one of its consents does.  Every
 * string from a script or a journal is escaped on its way into the page.
 *
 * Each take's first camera is read once: its JPEG frames go to a review
 * copy (scaled, burnt in, marked again with the take's own tag, VP8 and
 * Opus in WebM, which browsers play from a file), and a few of them, taken
 * as they pass, become the contact sheet, decoded by TurboJPEG at a
 * reduced scale.
 */
#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <turbojpeg.h>

#include <emocap/contract.h>
#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/journal.h>
#include <emocap/json.h>
#include <emocap/keys.h>
#include <emocap/script.h>
#include <emocap/review.h>
#include <emocap/terms.h>
#include <emocap/watermark.h>
#include <emocap/watermark-element.h>
#include <emocap/withdraw.h>

#include "storage.h"

#define THUMBS 8
#define THUMB_MIN_WIDTH 240
#define REVIEW_WIDTH 640
#define SITE_FILE "site.json"
#define SITE_VERSION 1

typedef struct {
  char *session;
  char *id;
  json_t *consent;          /* consent.given */
  const char *consent_line;
  json_t *started;          /* take.started, or NULL */
  json_t *ended;            /* take.finished / interrupted / failed, or NULL */
  json_t *withdrawn;        /* consent.withdrawn, or NULL */
  GPtrArray *exports;       /* export.created entries holding the take */
  json_t *take_json;        /* takes/TAKE/take.json, or NULL */
  char *media;              /* the first camera's file, or NULL */
  char *media_sha256;
  char *camera;
  char *problem;            /* why there is no review copy, or NULL */
  guint thumbs;
} Take;

typedef struct {
  char *id;
  char *dir;
  char *archive;
  char *journal_data;
  GPtrArray *lines;         /* each line, without its newline */
  json_t *entries;
  json_t *opened;
  EmocapContract *contract; /* the archived contract, NULL if unreadable */
  char *contract_problem;
  GPtrArray *takes;         /* Take */
  GPtrArray *refused;       /* consent.refused entries of the actor */
  gboolean have_wm_key;
  guint8 wm_key[EMOCAP_WM_KEY_LEN];
  char *wm_problem;
} Session;

typedef struct {
  const EmocapReviewRequest *req;
  EmocapReviewResult *result;
  GPtrArray *sessions;      /* Session */
  char *actor_name;
  char *tmp;                /* the site being written */
  json_t *old_site;         /* the earlier site's site.json, or NULL */
  json_t *site;
  tjhandle dec, enc;
} Review;

static const char *
str (const json_t *o, const char *key)
{
  return json_string_value (json_object_get (o, key));
}

static void
take_free (gpointer p)
{
  Take *t = p;

  g_free (t->session);
  g_free (t->id);
  json_decref (t->consent);
  json_decref (t->started);
  json_decref (t->ended);
  json_decref (t->withdrawn);
  g_ptr_array_unref (t->exports);
  json_decref (t->take_json);
  g_free (t->media);
  g_free (t->media_sha256);
  g_free (t->camera);
  g_free (t->problem);
  g_free (t);
}

static void
session_free (gpointer p)
{
  Session *s = p;

  g_free (s->id);
  g_free (s->dir);
  g_free (s->archive);
  g_free (s->journal_data);
  if (s->lines)
    g_ptr_array_unref (s->lines);
  json_decref (s->entries);
  if (s->contract)
    emocap_contract_free (s->contract);
  g_free (s->contract_problem);
  if (s->takes)
    g_ptr_array_unref (s->takes);
  if (s->refused)
    g_ptr_array_unref (s->refused);
  g_free (s->wm_problem);
  memset (s->wm_key, 0, sizeof s->wm_key);
  g_free (s);
}

void
emocap_review_result_free (EmocapReviewResult *result)
{
  if (result == NULL)
    return;
  g_ptr_array_unref (result->warnings);
  g_free (result->index);
  g_free (result);
}

static void
warn (Review *r, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
warn (Review *r, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  g_ptr_array_add (r->result->warnings, g_strdup_vprintf (format, ap));
  va_end (ap);
}

/* ----- finding the actor's takes ----- */

/* The session folders the sources name, each once. */
static GPtrArray *
session_dirs (const char *const *sources, GError **error)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);

  for (const char *const *src = sources; src && *src; src++) {
    g_autofree char *abs = g_canonicalize_filename (*src, NULL);
    g_autofree char *journal = g_build_filename (abs, "journal.jsonl", NULL);
    g_autofree char *sessions = g_build_filename (abs, "sessions", NULL);

    if (g_file_test (journal, G_FILE_TEST_IS_REGULAR)) {
      if (!g_ptr_array_find_with_equal_func (dirs, abs, g_str_equal, NULL))
        g_ptr_array_add (dirs, g_steal_pointer (&abs));
    } else if (g_file_test (sessions, G_FILE_TEST_IS_DIR)) {
      g_autoptr (GPtrArray) ids = emocap_archive_session_ids (abs, error);

      if (ids == NULL) {
        g_ptr_array_unref (dirs);
        return NULL;
      }
      for (guint i = 0; i < ids->len; i++) {
        char *dir = g_build_filename (sessions, (char *) g_ptr_array_index (ids, i), NULL);
        if (g_ptr_array_find_with_equal_func (dirs, dir, g_str_equal, NULL))
          g_free (dir);
        else
          g_ptr_array_add (dirs, dir);
      }
    } else {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
          "'%s' is neither an archive (a folder holding sessions/) nor a session folder "
          "(holding journal.jsonl)", *src);
      g_ptr_array_unref (dirs);
      return NULL;
    }
  }
  return dirs;
}

/* The actor named by the first line of an unverified journal, for
 * deciding whether its failure is this actor's business. */
static gboolean
journal_names_actor (const char *data, const char *actor)
{
  const char *nl = data ? strchr (data, '\n') : NULL;
  g_autoptr (json_t) first = nl ? json_loadb (data, nl - data, 0, NULL) : NULL;

  return g_strcmp0 (str (json_object_get (first, "actor"), "id"), actor) == 0;
}

static Take *
find_take (Session *s, const char *id)
{
  for (guint i = 0; i < s->takes->len; i++) {
    Take *t = g_ptr_array_index (s->takes, i);
    if (strcmp (t->id, id) == 0)
      return t;
  }
  return NULL;
}

/* Reads one session; NULL (and a warning when it is the actor's) if it
 * cannot be trusted or has nothing of the actor. */
static Session *
read_session (Review *r, const char *dir)
{
  const char *actor = r->req->actor;
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapKey) key = NULL;
  g_autofree char *sessions = g_path_get_dirname (dir);
  g_autofree char *pub = NULL, *journal = NULL, *wm = NULL, *contract = NULL;
  Session *s = g_new0 (Session, 1);
  gsize len = 0;
  size_t i;
  json_t *e;

  s->id = g_path_get_basename (dir);
  s->dir = g_strdup (dir);
  s->archive = g_path_get_dirname (sessions);
  s->takes = g_ptr_array_new_with_free_func (take_free);
  s->refused = g_ptr_array_new_with_free_func ((GDestroyNotify) json_decref);
  journal = g_build_filename (dir, "journal.jsonl", NULL);
  pub = g_build_filename (s->archive, "keys", "studio.pub", NULL);

  if (!g_file_get_contents (journal, &s->journal_data, &len, &error)) {
    g_printerr ("emocap: review: %s\n", error->message);
    session_free (s);
    return NULL;
  }
  if (!emocap_id_is_valid (s->id)) {
    session_free (s);
    return NULL;
  }
  key = emocap_key_load_public (pub, &error);
  if (key == NULL || !emocap_journal_verify_data (journal, s->journal_data, len, key,
          &s->entries, NULL, NULL, &error)) {
    if (journal_names_actor (s->journal_data, actor))
      warn (r, "Session %s is not shown: its records could not be checked against the "
          "studio's key (%s). Ask the studio, or your union, to audit it.", s->id,
          error->message);
    session_free (s);
    return NULL;
  }
  s->lines = g_ptr_array_new_with_free_func (g_free);
  for (const char *p = s->journal_data, *end = p + len; p < end;) {
    const char *nl = memchr (p, '\n', end - p);
    g_ptr_array_add (s->lines, g_strndup (p, nl - p));
    p = nl + 1;
  }

  json_array_foreach (s->entries, i, e) {
    const char *type = str (e, "type");
    const char *take = str (e, "take");
    Take *t;

    if (g_strcmp0 (type, EMOCAP_JOURNAL_SESSION_OPENED) == 0 && s->opened == NULL)
      s->opened = e;
    if (g_strcmp0 (type, EMOCAP_JOURNAL_CONSENT_REFUSED) == 0 &&
        g_strcmp0 (str (json_object_get (e, "actor"), "id"), actor) == 0)
      g_ptr_array_add (s->refused, json_incref (e));
    if (g_strcmp0 (type, EMOCAP_JOURNAL_CONSENT_GIVEN) == 0 && emocap_id_is_valid (take) &&
        g_strcmp0 (str (json_object_get (e, "actor"), "id"), actor) == 0 &&
        find_take (s, take) == NULL) {
      t = g_new0 (Take, 1);
      t->session = g_strdup (s->id);
      t->id = g_strdup (take);
      t->consent = json_incref (e);
      t->consent_line = g_ptr_array_index (s->lines, i);
      t->exports = g_ptr_array_new ();
      g_ptr_array_add (s->takes, t);
      if (r->actor_name == NULL)
        r->actor_name = g_strdup (str (json_object_get (e, "actor"), "name"));
      continue;
    }
    if (g_strcmp0 (type, EMOCAP_JOURNAL_EXPORT_CREATED) == 0) {
      for (guint k = 0; k < s->takes->len; k++) {
        t = g_ptr_array_index (s->takes, k);
        if (emocap_json_strv_contains (json_object_get (e, "takes"), t->id))
          g_ptr_array_add (t->exports, e);
      }
      continue;
    }
    t = take ? find_take (s, take) : NULL;
    if (t == NULL)
      continue;
    if (g_strcmp0 (type, EMOCAP_JOURNAL_TAKE_STARTED) == 0 && t->started == NULL)
      t->started = json_incref (e);
    else if (g_strcmp0 (type, EMOCAP_JOURNAL_TAKE_FINISHED) == 0 ||
        g_strcmp0 (type, EMOCAP_JOURNAL_TAKE_INTERRUPTED) == 0 ||
        g_strcmp0 (type, EMOCAP_JOURNAL_TAKE_FAILED) == 0) {
      json_decref (t->ended);
      t->ended = json_incref (e);
    } else if (g_strcmp0 (type, EMOCAP_JOURNAL_CONSENT_WITHDRAWN) == 0 && t->withdrawn == NULL)
      t->withdrawn = json_incref (e);
  }

  /* A consent the recorder never acted on (the recorder stopped before
   * the take) shows nothing but the consent; that is still the actor's. */
  if (s->takes->len == 0 && s->refused->len == 0) {
    session_free (s);
    return NULL;
  }

  contract = g_build_filename (dir, "contract.json", NULL);
  s->contract = emocap_contract_load (contract, &error);
  if (s->contract == NULL) {
    s->contract_problem = g_strdup_printf ("the contract on file cannot be read: %s",
        error->message);
    g_clear_error (&error);
  } else {
    for (guint k = 0; k < s->takes->len; k++) {
      Take *t = g_ptr_array_index (s->takes, k);
      if (g_strcmp0 (str (json_object_get (t->consent, "contract"), "sha256"),
              s->contract->sha256) != 0 && s->contract_problem == NULL)
        s->contract_problem = g_strdup_printf ("the contract on file (SHA-256 %.16s...) is "
            "not the one you consented to: it was changed afterwards. Your consent stands "
            "for the contract you were shown; ask your union to audit this session.",
            s->contract->sha256);
    }
  }

  wm = g_build_filename (s->archive, "keys", "watermark.key", NULL);
  if (emocap_wm_key_load (wm, s->wm_key, &error))
    s->have_wm_key = TRUE;
  else {
    s->wm_problem = g_strdup (error->message);
    g_clear_error (&error);
  }

  for (guint k = 0; k < s->takes->len; k++) {
    Take *t = g_ptr_array_index (s->takes, k);
    g_autofree char *tj = g_build_filename (dir, "takes", t->id, "take.json", NULL);
    json_t *cam;
    const char *file;

    if (t->started == NULL)
      continue;
    t->take_json = json_load_file (tj, JSON_REJECT_DUPLICATES, NULL);
    cam = json_array_get (json_object_get (t->take_json, "cameras"), 0);
    file = str (cam, "file");
    if (file == NULL || strchr (file, '/') || file[0] == '.') {
      t->problem = g_strdup ("its record (take.json) is missing or names no recording");
      continue;
    }
    t->camera = g_strdup (str (cam, "id"));
    t->media = g_build_filename (dir, "takes", t->id, file, NULL);
    t->media_sha256 = g_strdup (str (cam, "sha256"));
    if (!g_file_test (t->media, G_FILE_TEST_IS_REGULAR)) {
      t->problem = g_strdup_printf ("its recording %s is missing from the archive", file);
      g_clear_pointer (&t->media, g_free);
    }
  }
  return s;
}

/* ----- the review copy and the contact sheet ----- */

typedef struct {
  GstClockTime targets[THUMBS];
  guint next;
  GPtrArray *frames;        /* GBytes */
} Tap;

static GstPadProbeReturn
tap_frame (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Tap *tap = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buf);

  if (!GST_CLOCK_TIME_IS_VALID (pts) || tap->next >= THUMBS || pts < tap->targets[tap->next])
    return GST_PAD_PROBE_OK;
  {
    gsize size = gst_buffer_get_size (buf);
    gpointer copy = g_malloc (size);
    gst_buffer_extract (buf, 0, copy, size);
    g_ptr_array_add (tap->frames, g_bytes_new_take (copy, size));
  }
  while (tap->next < THUMBS && pts >= tap->targets[tap->next])
    tap->next++;
  return GST_PAD_PROBE_OK;
}

static gboolean
write_thumb (Review *r, GBytes *jpeg, const char *path, GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (jpeg, &len);
  int w, h, subsamp, colorspace, n = 0, sw, sh;
  tjscalingfactor *factors = tjGetScalingFactors (&n), best = { 1, 1 };
  g_autofree guint8 *rgb = NULL;
  unsigned char *out = NULL;
  unsigned long out_len = 0;
  gboolean ok;

  if (tjDecompressHeader3 (r->dec, data, len, &w, &h, &subsamp, &colorspace) != 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA, "a frame does not read: %s",
        tjGetErrorStr2 (r->dec));
    return FALSE;
  }
  /* the smallest scale libjpeg decodes directly that is still wide enough */
  for (int i = 0; i < n; i++) {
    if (TJSCALED (w, factors[i]) >= MIN (w, THUMB_MIN_WIDTH) &&
        TJSCALED (w, factors[i]) < TJSCALED (w, best))
      best = factors[i];
  }
  sw = TJSCALED (w, best);
  sh = TJSCALED (h, best);
  rgb = g_malloc ((gsize) sw * sh * 3);
  if (tjDecompress2 (r->dec, data, len, rgb, sw, 0, sh, TJPF_RGB, TJFLAG_FASTDCT) != 0 &&
      tjGetErrorCode (r->dec) == TJERR_FATAL) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA, "a frame does not decode: %s",
        tjGetErrorStr2 (r->dec));
    return FALSE;
  }
  if (tjCompress2 (r->enc, rgb, sw, 0, sh, TJPF_RGB, &out, &out_len, TJSAMP_420, 80, 0) != 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED, "a thumbnail does not encode: %s",
        tjGetErrorStr2 (r->enc));
    return FALSE;
  }
  ok = emocap_write_new_file (path, out, out_len, error);
  tjFree (out);
  return ok;
}

static char *
burn_in_text (Review *r, Take *t)
{
  return g_strdup_printf ("%s · %s/%s · REVIEW COPY", r->actor_name ? r->actor_name :
      r->req->actor, t->session, t->id);
}

/* Reads the take's first camera once: the review copy to @dir/review.webm
 * and the contact sheet to @dir/thumb-N.jpg. */
static gboolean
render_take (Review *r, Session *s, Take *t, const char *dir, GError **error)
{
  json_t *cam = json_array_get (json_object_get (t->take_json, "cameras"), 0);
  gboolean audio = json_is_object (json_object_get (t->take_json, "audio"));
  double duration = json_number_value (json_object_get (cam, "duration_s"));
  int src_w = json_integer_value (json_object_get (cam, "width"));
  int src_h = json_integer_value (json_object_get (cam, "height"));
  const char *tag_hex = str (json_object_get (t->take_json, "watermark"), "tag");
  g_autofree char *webm = g_build_filename (dir, "review.webm", NULL);
  g_autofree char *launch = NULL, *text = NULL, *markup = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  g_autoptr (GError) local = NULL;
  GstElement *e;
  GstPad *pad;
  Tap tap = { { 0 }, 0, g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref) };
  int w, h;
  guint64 tag;
  gboolean ok = FALSE;

  if (!s->have_wm_key) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND, "the studio's watermark key "
        "cannot be read (%s), and a review copy is never made without the take's mark",
        s->wm_problem);
    goto out;
  }
  if (tag_hex == NULL || strlen (tag_hex) != 16) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY, "its record names no watermark tag");
    goto out;
  }
  tag = g_ascii_strtoull (tag_hex, NULL, 16);
  if (src_w <= 0 || src_h <= 0) {
    src_w = 1280;
    src_h = 720;
  }
  w = MIN (REVIEW_WIDTH, src_w) & ~1;
  h = ((int) ((double) w * src_h / src_w + 0.5)) & ~1;
  for (int i = 0; i < THUMBS; i++)
    tap.targets[i] = (GstClockTime) (MAX (duration, 0.1) * GST_SECOND * (2 * i + 1) / (2 * THUMBS));

  launch = g_strdup_printf (
      "filesrc name=src ! matroskademux name=d "
      "d.video_0 ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 "
      "! image/jpeg ! identity name=tap ! jpegdec ! videoconvert ! videoscale "
      "! video/x-raw,width=%d,height=%d,pixel-aspect-ratio=1/1 "
      "! textoverlay name=burn valignment=bottom halignment=center shaded-background=true "
      "font-desc=\"Sans Bold %d\" ! videoconvert ! video/x-raw,format=I420 "
      "! emocapwatermark name=mark ! vp8enc deadline=1 cpu-used=4 threads=2 "
      "target-bitrate=900000 keyframe-max-dist=30 ! queue ! webmmux name=mux "
      "! filesink name=sink %s",
      w, h, MAX (8, h / 30),
      audio ? "d.audio_0 ! queue max-size-buffers=0 max-size-bytes=0 "
      "max-size-time=3000000000 ! audioconvert ! audioresample ! opusenc bitrate=64000 "
      "! queue ! mux." : "");
  pipeline = gst_parse_launch (launch, &local);
  if (pipeline == NULL) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED, "GStreamer cannot make a review "
        "copy (%s); install gstreamer1.0-plugins-good, -base and gstreamer1.0-x",
        local->message);
    goto out;
  }
  gst_object_ref_sink (pipeline);
  g_clear_error (&local);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_set (e, "location", t->media, NULL);
  gst_object_unref (e);
  e = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (e, "location", webm, NULL);
  gst_object_unref (e);
  text = burn_in_text (r, t);
  markup = g_markup_escape_text (text, -1);   /* textoverlay reads Pango markup */
  e = gst_bin_get_by_name (GST_BIN (pipeline), "burn");
  g_object_set (e, "text", markup, NULL);
  gst_object_unref (e);
  e = gst_bin_get_by_name (GST_BIN (pipeline), "mark");
  emocap_watermark_element_set_key (e, s->wm_key);
  g_object_set (e, "tag", tag, NULL);
  gst_object_unref (e);
  e = gst_bin_get_by_name (GST_BIN (pipeline), "tap");
  pad = gst_element_get_static_pad (e, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, tap_frame, &tap, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);

  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  } else {
    msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  }
  if (msg == NULL || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    if (msg)
      gst_message_parse_error (msg, &local, NULL);
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA, "its recording %s does not "
        "read to the end (%s)", t->media, local ? local->message : "the pipeline did not start");
    gst_element_set_state (pipeline, GST_STATE_NULL);
    goto out;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (g_chmod (webm, 0600) != 0 || !emocap_fsync_path (webm, error)) {
    if (error && *error == NULL)
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot make %s private: %s", webm,
          g_strerror (errno));
    goto out;
  }

  for (guint i = 0; i < tap.frames->len; i++) {
    g_autofree char *name = g_strdup_printf ("thumb-%u.jpg", i + 1);
    g_autofree char *path = g_build_filename (dir, name, NULL);
    if (!write_thumb (r, g_ptr_array_index (tap.frames, i), path, error))
      goto out;
  }
  t->thumbs = tap.frames->len;
  ok = TRUE;
out:
  g_ptr_array_unref (tap.frames);
  return ok;
}

/* Takes the take's review copy and contact sheet over from the earlier
 * site when they were made from the same recording with the same
 * burn-in; TRUE if it did. */
static gboolean
reuse_take (Review *r, Take *t, const char *dir)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", t->session, t->id);
  g_autofree char *text = burn_in_text (r, t);
  json_t *old = json_object_get (json_object_get (r->old_site, "takes"), key);
  json_int_t thumbs = json_integer_value (json_object_get (old, "thumbs"));
  g_autofree char *old_dir = g_build_filename (r->req->to, t->session, t->id, NULL);

  if (old == NULL || t->media_sha256 == NULL ||
      g_strcmp0 (str (old, "source_sha256"), t->media_sha256) != 0 ||
      g_strcmp0 (str (old, "burn_in"), text) != 0 || thumbs < 1 || thumbs > THUMBS)
    return FALSE;
  for (json_int_t i = 0; i <= thumbs; i++) {
    g_autofree char *name = i == 0 ? g_strdup ("review.webm") :
        g_strdup_printf ("thumb-%" JSON_INTEGER_FORMAT ".jpg", i);
    g_autofree char *from = g_build_filename (old_dir, name, NULL);
    g_autofree char *to = g_build_filename (dir, name, NULL);
    if (link (from, to) != 0) {
      /* rendered afresh instead: nothing of the earlier copy may stay */
      for (json_int_t k = 0; k < i; k++) {
        g_autofree char *n = k == 0 ? g_strdup ("review.webm") :
            g_strdup_printf ("thumb-%" JSON_INTEGER_FORMAT ".jpg", k);
        g_autofree char *p = g_build_filename (dir, n, NULL);
        g_unlink (p);
      }
      return FALSE;
    }
  }
  t->thumbs = thumbs;
  return TRUE;
}

static gboolean
write_receipt (Session *s, Take *t, const char *dir, GError **error)
{
  g_autoptr (json_t) receipt = emocap_consent_receipt (t->consent, t->consent_line, s->opened,
      t->withdrawn);
  g_autofree char *path = g_build_filename (dir, "consent-receipt.json", NULL);
  g_autofree char *text = json_dumps (receipt, JSON_INDENT (2) | JSON_ENSURE_ASCII);
  g_autofree char *with_newline = g_strconcat (text, "\n", NULL);

  return emocap_write_new_file (path, with_newline, strlen (with_newline), error);
}

/* ----- the page ----- */

static void
h (GString *out, const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text ? text : "", -1);

  g_string_append (out, escaped);
}

static void
hf (GString *out, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
hf (GString *out, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  h (out, text);
}

/* "2026-11-22 09:14 UTC" */
static char *
when (const char *rfc3339)
{
  g_autoptr (GDateTime) t = rfc3339 ? g_date_time_new_from_iso8601 (rfc3339, NULL) : NULL;

  return t ? g_date_time_format (t, "%Y-%m-%d %H:%M UTC") : g_strdup (rfc3339 ? rfc3339 : "?");
}

static const char *
method_words (const char *method)
{
  if (g_strcmp0 (method, "actor-keypress") == 0)
    return "by you, at the recording, before the take";
  if (g_strcmp0 (method, "pre-authorized") == 0)
    return "by you beforehand, in a consent file you signed for the session";
  if (g_strcmp0 (method, "actor-command") == 0)
    return "by you, with emocap withdraw";
  return method ? method : "(not recorded)";
}

static const char *
flag_words (const char *flag)
{
  static const struct { const char *flag, *words; } words[] = {
    { "frames-dropped", "some frames were lost by a camera" },
    { "frames-corrupt", "a camera sent damaged frames, left out" },
    { "camera-stalled", "a camera stopped for a moment" },
    { "audio-clipped", "the sound was too loud in places" },
    { "audio-dropped", "some sound was lost" },
    { "unmarked-frames", "some frames lack the invisible watermark" },
    { "recovered", "the recorder stopped during the take; what it had recorded was kept" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_strcmp0 (flag, words[i].flag) == 0)
      return words[i].words;
  return flag;
}

static void
terms_html (GString *out, Session *s, Take *any)
{
  json_t *consent = any ? any->consent : (json_t *) g_ptr_array_index (s->refused, 0);
  json_t *contract = json_object_get (consent, "contract");
  /* The archived contract's words only while it is the one consented to;
   * otherwise the terms as the consent record holds them. */
  g_auto (GStrv) lines = s->contract && s->contract_problem == NULL ?
      emocap_contract_describe (s->contract) : NULL;
  const struct { const char *prefix, *heading; } groups[] = {
    { "may: ", "The buyer may" },
    { "may not: ", "The buyer may not" },
  };

  g_string_append (out, "<section class=\"terms\"><h3>What these recordings may and may not "
      "be used for</h3>\n");
  if (s->contract_problem) {
    json_t *usage = json_object_get (json_object_get (consent, "scope"), "usage");
    g_autofree char *consented = json_is_object (usage) ? emocap_terms_text (usage) :
        g_strdup ("(the consent record holds no terms)");
    g_string_append (out, "<p class=\"warn\">");
    h (out, s->contract_problem);
    g_string_append (out, "</p>\n<p><b>As you consented:</b> ");
    h (out, consented);
    g_string_append (out, "</p>\n");
  }
  if (lines) {
    for (gsize g = 0; g < G_N_ELEMENTS (groups); g++) {
      g_string_append_printf (out, "<h4>%s</h4>\n<ul class=\"%s\">\n", groups[g].heading,
          g == 0 ? "may" : "maynot");
      for (char **l = lines; *l; l++)
        if (g_str_has_prefix (*l, groups[g].prefix)) {
          g_string_append (out, "<li>");
          h (out, *l + strlen (groups[g].prefix));
          g_string_append (out, "</li>\n");
        }
      g_string_append (out, "</ul>\n");
    }
    g_string_append (out, "<ul class=\"other\">\n");
    for (char **l = lines; *l; l++) {
      if (g_str_has_prefix (*l, "may: ") || g_str_has_prefix (*l, "may not: "))
        continue;
      g_string_append (out, "<li>");
      h (out, *l);
      g_string_append (out, "</li>\n");
    }
    g_string_append (out, "</ul>\n");
  }
  g_string_append (out, "<p class=\"small\">Contract <b>");
  h (out, str (contract, "id"));
  g_string_append (out, "</b>, SHA-256 <code>");
  h (out, str (contract, "sha256"));
  g_string_append (out, "</code> (the contract you consented to; its hash is in every "
      "consent record).</p>\n</section>\n");
}

static void
take_html (GString *out, Review *r, Session *s, Take *t)
{
  json_t *scope = json_object_get (t->consent, "scope");
  json_t *cam = json_array_get (json_object_get (t->take_json, "cameras"), 0);
  json_t *flags = json_object_get (t->take_json, "flags");
  g_autofree char *rel = g_strdup_printf ("%s/%s", t->session, t->id);
  g_autofree char *given = when (str (t->consent, "at"));
  g_autofree char *recorded = when (str (t->started, "at"));
  const char *status = t->ended ? str (t->ended, "type") : NULL;
  size_t i;
  json_t *f;

  g_string_append (out, "<article class=\"take");
  if (t->withdrawn)
    g_string_append (out, " withdrawn");
  g_string_append (out, "\" id=\"");
  h (out, rel);
  g_string_append (out, "\">\n<h3>");
  h (out, t->id);
  g_string_append (out, " <span class=\"emotion\">");
  h (out, str (scope, "emotion"));
  if (g_strcmp0 (str (scope, "intensity"), "unspecified") != 0 && str (scope, "intensity")) {
    g_string_append (out, ", ");
    h (out, str (scope, "intensity"));
  }
  g_string_append (out, "</span>");
  if (t->withdrawn)
    g_string_append (out, " <span class=\"badge\">WITHDRAWN</span>");
  g_string_append (out, "</h3>\n");

  if (t->thumbs > 0) {
    g_string_append (out, "<div class=\"sheet\">\n");
    for (guint k = 1; k <= t->thumbs; k++) {
      g_string_append (out, "<img loading=\"eager\" alt=\"frame ");
      hf (out, "%u of %u of take %s", k, t->thumbs, t->id);
      g_string_append (out, "\" src=\"");
      hf (out, "%s/thumb-%u.jpg", rel, k);
      g_string_append (out, "\">\n");
    }
    g_string_append (out, "</div>\n<video controls preload=\"auto\" src=\"");
    hf (out, "%s/review.webm", rel);
    g_string_append (out, "\"></video>\n");
  } else if (t->started) {
    g_string_append (out, "<p class=\"warn\">No review copy: ");
    h (out, t->problem ? t->problem : "nothing was recorded");
    g_string_append (out, ". Ask the studio.</p>\n");
  }

  g_string_append (out, "<table>\n<tr><th>Prompt</th><td>");
  h (out, str (scope, "prompt") && *str (scope, "prompt") ? str (scope, "prompt") : "(none)");
  g_string_append (out, "</td></tr>\n<tr><th>Recorded</th><td>");
  if (t->started) {
    h (out, recorded);
    if (cam)
      hf (out, ", %.1f s of %" JSON_INTEGER_FORMAT " s asked",
          json_number_value (json_object_get (cam, "duration_s")),
          json_integer_value (json_object_get (scope, "seconds")));
    if (t->camera)
      hf (out, " (camera %s shown)", t->camera);
  } else {
    h (out, "not recorded: the session stopped before this take");
  }
  g_string_append (out, "</td></tr>\n<tr><th>How it went</th><td>");
  if (g_strcmp0 (status, EMOCAP_JOURNAL_TAKE_FINISHED) == 0)
    h (out, "finished");
  else if (g_strcmp0 (status, EMOCAP_JOURNAL_TAKE_INTERRUPTED) == 0)
    hf (out, "cut short: %s", str (t->ended, "reason") ? str (t->ended, "reason") :
        "interrupted");
  else if (g_strcmp0 (status, EMOCAP_JOURNAL_TAKE_FAILED) == 0)
    hf (out, "failed: %s", str (t->ended, "reason") ? str (t->ended, "reason") : "failed");
  else if (t->started)
    h (out, "cut short when the recorder stopped");
  if (json_array_size (flags) > 0) {
    g_string_append (out, "<ul class=\"flags\">");
    json_array_foreach (flags, i, f) {
      g_string_append (out, "<li>");
      h (out, flag_words (json_string_value (f)));
      g_string_append (out, "</li>");
    }
    g_string_append (out, "</ul>");
  } else if (t->take_json) {
    h (out, "; no quality problem noted");
  }
  g_string_append (out, "</td></tr>\n</table>\n");

  g_string_append (out, "<h4>Consent</h4>\n<ul class=\"history\">\n<li>Given ");
  hf (out, "%s, %s, witnessed by %s (journal entry %" JSON_INTEGER_FORMAT ")", given,
      method_words (str (t->consent, "method")), str (t->consent, "witness") ?
      str (t->consent, "witness") : "no one", json_integer_value (json_object_get (t->consent,
              "seq")));
  g_string_append (out, "</li>\n");
  if (t->withdrawn) {
    g_autofree char *at = when (str (t->withdrawn, "at"));
    g_string_append (out, "<li class=\"withdrawn\">Withdrawn ");
    hf (out, "%s, %s", at, method_words (str (t->withdrawn, "method")));
    if (str (t->withdrawn, "reason"))
      hf (out, ": \"%s\"", str (t->withdrawn, "reason"));
    hf (out, " (journal entry %" JSON_INTEGER_FORMAT ")",
        json_integer_value (json_object_get (t->withdrawn, "seq")));
    g_string_append (out, "</li>\n");
  }
  g_string_append (out, "</ul>\n<p class=\"small\"><a href=\"");
  hf (out, "%s/consent-receipt.json", rel);
  g_string_append (out, "\">Your consent receipt</a> (JSON, Kantara Consent Receipt "
      "v1.1; it holds the studio's signed record of your consent).</p>\n");

  g_string_append (out, "<h4>Delivered to</h4>\n");
  if (t->exports->len == 0) {
    g_string_append (out, "<p>No one: this take has not been exported.</p>\n");
  } else {
    g_string_append (out, "<ul class=\"exports\">\n");
    for (guint k = 0; k < t->exports->len; k++) {
      json_t *ex = g_ptr_array_index (t->exports, k);
      g_autofree char *at = when (str (ex, "at"));
      g_string_append (out, "<li>");
      hf (out, "%s: to %s, for %s", at, str (ex, "client") ? str (ex, "client") :
          "an unnamed client", str (ex, "purpose"));
      g_string_append (out, "</li>\n");
    }
    g_string_append (out, "</ul>\n");
  }

  g_string_append (out, "<h4>Taking it back</h4>\n");
  if (t->withdrawn) {
    g_string_append (out, "<p>You withdrew your consent: the take will not be delivered "
        "again. Deliveries made before stay listed above.</p>\n");
  } else if (s->contract && s->contract->withdrawal != EMOCAP_TERM_ALLOWED) {
    g_string_append (out, "<p>This contract waives the right to withdraw consent. Your union "
        "can advise.</p>\n");
  } else {
    g_string_append (out, "<p>To withdraw your consent to this take, run (or ask the studio "
        "to run) this command; add <code>--reason \"...\"</code> if you like:</p>\n"
        "<pre class=\"cmd\">");
    {
      g_autofree char *archive = g_shell_quote (s->archive);
      hf (out, "emocap withdraw %s --actor %s --archive %s", rel, r->req->actor, archive);
    }
    g_string_append (out, "</pre>\n<p class=\"small\">It is journaled and signed; later "
        "exports leave the take out, and an audit fails any that does not.</p>\n");
  }
  g_string_append (out, "</article>\n");
}

static char *
page_html (Review *r)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *generated = g_date_time_format (now, "%Y-%m-%d %H:%M UTC");
  const char *name = r->actor_name ? r->actor_name : r->req->actor;

  g_string_append (out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "img-src 'self'; media-src 'self'; style-src 'unsafe-inline'\">\n<title>");
  hf (out, "Your takes, %s", name);
  g_string_append (out, "</title>\n<style>\n"
      "body{font-family:sans-serif;max-width:62em;margin:1.5em auto;padding:0 1em;"
      "line-height:1.45;color:#222}\n"
      "h1{margin-bottom:.2em}h2{border-bottom:2px solid #ccc;margin-top:2em}\n"
      ".small{font-size:.85em;color:#555}code,pre{word-break:break-all;white-space:pre-wrap}\n"
      ".terms{background:#f4f6fa;padding:.5em 1em;border-radius:.4em}\n"
      ".may li::marker{content:'\\2713  ';color:#1a7f37}"
      ".maynot li::marker{content:'\\2717  ';color:#c62828}\n"
      ".maynot{font-weight:bold}\n"
      ".take{border:1px solid #ccc;border-radius:.4em;padding:.2em 1em 1em;margin:1.5em 0}\n"
      ".take.withdrawn{background:#fbf1f0}\n"
      ".badge{background:#c62828;color:#fff;border-radius:.3em;padding:0 .4em;font-size:.8em}\n"
      ".emotion{font-weight:normal;color:#555}\n"
      ".sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(9em,1fr));gap:.3em}\n"
      ".sheet img{width:100%;height:auto;display:block}\n"
      "video{width:100%;max-width:40em;margin:.6em 0;background:#000}\n"
      "table{border-collapse:collapse}th{text-align:left;padding-right:1em;vertical-align:top}\n"
      ".warn{background:#fff4d6;padding:.4em .8em;border-radius:.3em}\n"
      ".cmd{background:#222;color:#eee;padding:.5em .8em;border-radius:.3em}\n"
      "</style>\n</head>\n<body>\n<h1>");
  hf (out, "Your takes, %s", name);
  g_string_append (out, "</h1>\n<p class=\"small\">");
  hf (out, "Actor %s. %u take%s in %u session%s, %u withdrawn. Made %s from the studio's "
      "signed records, each checked against the studio's key. Everything here is on this "
      "computer; nothing is fetched from the internet.", r->req->actor, r->result->takes,
      r->result->takes == 1 ? "" : "s", r->result->sessions,
      r->result->sessions == 1 ? "" : "s", r->result->withdrawn, generated);
  g_string_append (out, "</p>\n<p>Each take below shows frames from it, a review copy to "
      "play (marked REVIEW COPY and carrying the take's invisible watermark), what the "
      "buyer may and may not do with it, when you gave consent, who it was delivered to, "
      "and how to take it back.</p>\n");
  for (guint i = 0; i < r->result->warnings->len; i++) {
    g_string_append (out, "<p class=\"warn\">");
    h (out, g_ptr_array_index (r->result->warnings, i));
    g_string_append (out, "</p>\n");
  }

  for (guint i = 0; i < r->sessions->len; i++) {
    Session *s = g_ptr_array_index (r->sessions, i);
    g_autofree char *opened = when (str (s->opened, "at"));
    Take *first = s->takes->len ? g_ptr_array_index (s->takes, 0) : NULL;

    g_string_append (out, "<section class=\"session\">\n<h2>");
    hf (out, "Session %s", s->id);
    g_string_append (out, "</h2>\n<p>");
    hf (out, "%s, %s, operator %s.", str (s->opened, "studio") ? str (s->opened, "studio") :
        "(studio not named)", opened, str (s->opened, "operator") ?
        str (s->opened, "operator") : "(not named)");
    g_string_append (out, "</p>\n");
    terms_html (out, s, first);
    if (s->refused->len > 0) {
      g_string_append (out, "<p>You refused consent to ");
      for (guint k = 0; k < s->refused->len; k++) {
        json_t *e = g_ptr_array_index (s->refused, k);
        if (k > 0)
          g_string_append (out, k + 1 == s->refused->len ? " and " : ", ");
        h (out, str (e, "take"));
      }
      g_string_append (out, ": nothing of them was recorded.</p>\n");
    }
    for (guint k = 0; k < s->takes->len; k++)
      take_html (out, r, s, g_ptr_array_index (s->takes, k));
    g_string_append (out, "</section>\n");
  }
  g_string_append (out, "</body>\n</html>\n");
  return g_string_free (out, FALSE);
}

/* ----- the site ----- */

static gboolean
is_review_site_or_empty (const char *to, json_t **old_site, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (to, 0, NULL);
  g_autofree char *site = g_build_filename (to, SITE_FILE, NULL);

  *old_site = NULL;
  if (!g_file_test (to, G_FILE_TEST_EXISTS))
    return TRUE;
  if (d == NULL || g_file_test (to, G_FILE_TEST_IS_SYMLINK)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_EXISTS, "'%s' is not a folder; choose "
        "another place for the review site", to);
    return FALSE;
  }
  if (g_dir_read_name (d) == NULL)
    return TRUE;
  *old_site = json_load_file (site, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object (*old_site) ||
      json_integer_value (json_object_get (*old_site, "emocap_review")) != SITE_VERSION) {
    g_clear_pointer (old_site, json_decref);
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_EXISTS, "'%s' holds files that are not an "
        "emocap review site; choose an empty or new folder (an earlier review site there is "
        "replaced)", to);
    return FALSE;
  }
  return TRUE;
}

static gboolean
build_take (Review *r, Session *s, Take *t, GError **error)
{
  g_autofree char *dir = g_build_filename (r->tmp, t->session, t->id, NULL);
  g_autofree char *key = g_strdup_printf ("%s/%s", t->session, t->id);
  g_autoptr (GError) local = NULL;

  if (!emocap_mkdir_private (dir, error))
    return FALSE;
  if (!write_receipt (s, t, dir, error))
    return FALSE;
  if (t->media == NULL)
    return TRUE;
  if (reuse_take (r, t, dir)) {
    r->result->reused++;
  } else if (!render_take (r, s, t, dir, &local)) {
    /* a clear note on the page rather than no page at all */
    g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name (d))) {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (g_str_has_prefix (name, "thumb-") || strcmp (name, "review.webm") == 0)
        g_unlink (p);
    }
    t->problem = g_strdup (local->message);
    t->thumbs = 0;
    warn (r, "Take %s/%s has no review copy: %s.", t->session, t->id, local->message);
    return TRUE;
  }
  {
    g_autofree char *text = burn_in_text (r, t);
    json_object_set_new (json_object_get (r->site, "takes"), key, json_pack ("{s:s, s:s, s:i}",
            "source_sha256", t->media_sha256 ? t->media_sha256 : "", "burn_in", text,
            "thumbs", (int) t->thumbs));
  }
  return TRUE;
}

static gboolean
swap_into_place (Review *r, GError **error)
{
  const char *to = r->req->to;
  g_autofree char *old = NULL;

  if (g_file_test (to, G_FILE_TEST_EXISTS)) {
    g_autofree char *parent = g_path_get_dirname (to);
    g_autofree char *base = g_path_get_basename (to);
    char *tmpl = g_strdup_printf ("%s/.%s.old-XXXXXX", parent, base);
    old = g_mkdtemp_full (tmpl, 0700);  /* tmpl itself, filled in */
    if (old == NULL)
      g_free (tmpl);
    if (old == NULL || g_rmdir (old) != 0 || g_rename (to, old) != 0) {
      int e = errno;
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot move the earlier site '%s' "
          "aside: %s", to, g_strerror (e));
      return FALSE;
    }
  }
  if (g_rename (r->tmp, to) != 0) {
    int e = errno;
    if (old)
      g_rename (old, to);
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot put the site in place at '%s': "
        "%s", to, g_strerror (e));
    return FALSE;
  }
  g_clear_pointer (&r->tmp, g_free);
  if (old)
    emocap_remove_tree (old);
  return emocap_fsync_parent (to, error);
}

EmocapReviewResult *
emocap_review (const EmocapReviewRequest *req, EmocapReviewProgress progress,
    gpointer user_data, GError **error)
{
  Review r = { 0, };
  g_autoptr (GPtrArray) dirs = NULL;
  g_autofree char *page = NULL, *site_text = NULL, *index = NULL, *site_path = NULL;
  g_autofree char *parent = NULL, *base = NULL;
  char *tmpl;
  EmocapReviewResult *result = NULL;
  guint total = 0, done = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (req && req->actor && req->to, NULL);

  if (!emocap_id_is_valid (req->actor)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_USAGE, "'%s' is not an actor id",
        req->actor);
    return NULL;
  }
  if (req->sources == NULL || req->sources[0] == NULL) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_USAGE, "no archive or session to read");
    return NULL;
  }
  r.req = req;
  r.result = g_new0 (EmocapReviewResult, 1);
  r.result->warnings = g_ptr_array_new_with_free_func (g_free);
  r.sessions = g_ptr_array_new_with_free_func (session_free);
  r.site = json_pack ("{s:i, s:s, s:{}}", "emocap_review", SITE_VERSION, "actor", req->actor,
      "takes");

  if (!is_review_site_or_empty (req->to, &r.old_site, error))
    goto out;
  dirs = session_dirs (req->sources, error);
  if (dirs == NULL)
    goto out;
  for (guint i = 0; i < dirs->len; i++) {
    Session *s = read_session (&r, g_ptr_array_index (dirs, i));
    if (s == NULL)
      continue;
    g_ptr_array_add (r.sessions, s);
    r.result->sessions++;
    for (guint k = 0; k < s->takes->len; k++) {
      Take *t = g_ptr_array_index (s->takes, k);
      r.result->takes++;
      if (t->withdrawn)
        r.result->withdrawn++;
    }
  }
  if (r.result->takes == 0 && r.result->warnings->len == 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND, "no take with a consent of "
        "actor '%s' in %s%s; check the actor id (it is in every consent record)", req->actor,
        req->sources[0], req->sources[1] ? " and the other sources" : "");
    goto out;
  }

  parent = g_path_get_dirname (req->to);
  base = g_path_get_basename (req->to);
  if (!emocap_mkdir_private (parent, error))
    goto out;
  tmpl = g_strdup_printf ("%s/.%s.new-XXXXXX", parent, base);
  r.tmp = g_mkdtemp_full (tmpl, 0700);  /* tmpl itself, filled in */
  if (r.tmp == NULL) {
    int e = errno;
    g_free (tmpl);
    g_set_error (error, EMOCAP_ERROR, emocap_error_code_for_errno (e), "cannot create a "
        "folder beside '%s': %s", req->to, g_strerror (e));
    goto out;
  }
  r.dec = tjInitDecompress ();
  r.enc = tjInitCompress ();

  for (guint i = 0; i < r.sessions->len; i++) {
    Session *s = g_ptr_array_index (r.sessions, i);
    total += s->takes->len;
  }
  for (guint i = 0; i < r.sessions->len; i++) {
    Session *s = g_ptr_array_index (r.sessions, i);
    for (guint k = 0; k < s->takes->len; k++) {
      Take *t = g_ptr_array_index (s->takes, k);
      g_autofree char *what = g_strdup_printf ("%s/%s", t->session, t->id);
      if (progress)
        progress (what, done, total, user_data);
      if (!build_take (&r, s, t, error))
        goto out;
      done++;
    }
  }
  if (progress)
    progress (NULL, done, total, user_data);

  page = page_html (&r);
  index = g_build_filename (r.tmp, "index.html", NULL);
  if (!emocap_write_new_file (index, page, strlen (page), error))
    goto out;
  site_text = json_dumps (r.site, JSON_INDENT (2) | JSON_SORT_KEYS);
  site_path = g_build_filename (r.tmp, SITE_FILE, NULL);
  if (!emocap_write_new_file (site_path, site_text, strlen (site_text), error))
    goto out;
  if (!swap_into_place (&r, error))
    goto out;

  r.result->index = g_build_filename (req->to, "index.html", NULL);
  ok = TRUE;
out:
  if (r.tmp)
    emocap_remove_tree (r.tmp);
  g_free (r.tmp);
  if (r.dec)
    tjDestroy (r.dec);
  if (r.enc)
    tjDestroy (r.enc);
  json_decref (r.old_site);
  json_decref (r.site);
  g_ptr_array_unref (r.sessions);
  g_free (r.actor_name);
  result = r.result;
  if (!ok) {
    emocap_review_result_free (result);
    result = NULL;
  }
  return result;
}
