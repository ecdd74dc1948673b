/* emocap: audits of archives, sessions and export packages, from the files
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An audit trusts nothing but the studio's public key and the watermark
 * key: every claim a file makes is checked against a signature, a hash or
 * a proof, and every check reports what it looked at and where it failed.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include <emocap/audit.h>
#include <emocap/contract.h>
#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/export.h>
#include <emocap/journal.h>
#include <emocap/json.h>
#include <emocap/keys.h>
#include <emocap/terms.h>
#include <emocap/watermark.h>


#define DEFAULT_WATERMARK_STEP 10

typedef struct {
  const EmocapAuditRequest *request;
  EmocapAuditProgress progress;
  gpointer user_data;
  char *archive;
  EmocapKey *key;             /* NULL: none to check with */
  char *key_problem;
  gboolean have_wm_key;
  guint8 wm_key[EMOCAP_WM_KEY_LEN];
  char *wm_problem;
  json_t *checks;             /* id -> check object, in order */
  json_t *order;
} Audit;

/* ----- the report ----- */

static json_t *
check_get (Audit *a, const char *id, const char *title)
{
  json_t *c = json_object_get (a->checks, id);

  if (c == NULL) {
    c = json_pack ("{s:s, s:s, s:b, s:i, s:[]}", "id", id, "title", title, "ok", 1,
        "checked", 0, "problems");
    json_object_set_new (a->checks, id, c);
    json_array_append_new (a->order, json_string (id));
  }
  return c;
}

static void
checked (json_t *check)
{
  json_object_set_new (check, "checked",
      json_integer (json_integer_value (json_object_get (check, "checked")) + 1));
}

static void problem (json_t *check, const char *where, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
problem (json_t *check, const char *where, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  json_object_set_new (check, "ok", json_false ());
  json_array_append_new (json_object_get (check, "problems"),
      json_pack ("{s:s, s:s}", "where", where, "what", what));
}

#define T_JOURNAL "The session's record (its journal) is complete and unaltered: every " \
  "entry signed by the studio, each chained to the one before, the session closed " \
  "with a signed checkpoint"
#define T_CONSENT "Every take was consented to before its first frame was recorded, " \
  "under the contract on file, for the emotion that was recorded"
#define T_WITHDRAWAL "Nothing was recorded or exported after the actor withdrew consent"
#define T_MEDIA "The recorded files are exactly the ones the journal recorded"
#define T_TAKE_RECORDS "Each take's description (take.json) agrees with the signed journal: " \
  "the take, its status, emotion, consent, files and watermark tag"
#define T_WATERMARK "The invisible watermark in each take's video names that take"
#define T_PURPOSES "No export was made for a purpose the contract does not grant"
#define T_MANIFEST "The package's list of files is signed by the studio, and the package " \
  "holds exactly those files, unaltered"
#define T_PKG_CONTRACT "The package's contract is the one the actor consented to"
#define T_PKG_CONSENT "Each exported take's consent record is signed by the studio and " \
  "is part of the session's signed record"
#define T_TERMS "Every exported take carries the contract's terms, the ban on " \
  "commercial use of the actor's face included, in emocap's, CAWG's and IPTC's " \
  "vocabularies"
#define T_TAGS "Every exported video file carries the terms inside it (Matroska tags)"

/* ----- helpers ----- */

static const char *
str (json_t *o, const char *key)
{
  return json_string_value (json_object_get (o, key));
}

static gint64
seq_of (json_t *entry)
{
  return json_integer_value (json_object_get (entry, "seq"));
}

static void
progress (Audit *a, const char *what, guint done, guint total)
{
  if (a->progress)
    a->progress (what, done, total, a->user_data);
}

static void
load_keys (Audit *a)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *pub = NULL;

  if (a->request->key_path)
    pub = g_strdup (a->request->key_path);
  else if (a->archive)
    pub = g_build_filename (a->archive, "keys", "studio.pub", NULL);
  if (pub == NULL) {
    a->key_problem = g_strdup ("no studio key to check signatures with: pass the studio's "
        "public key (studio.pub) with --key FILE, or the archive with --archive DIR");
  } else {
    a->key = emocap_key_load_public (pub, &error);
    if (a->key == NULL)
      a->key_problem = g_strdup_printf ("cannot load the studio key: %s", error->message);
  }
  g_clear_error (&error);

  if (a->archive) {
    g_autofree char *wm = g_build_filename (a->archive, "keys", "watermark.key", NULL);
    a->have_wm_key = emocap_wm_key_load (wm, a->wm_key, &error);
    if (!a->have_wm_key)
      a->wm_problem = g_strdup_printf ("cannot load the watermark key: %s", error->message);
  } else {
    a->wm_problem = g_strdup ("not checked: the watermark key is in the studio's archive; "
        "pass it with --archive DIR");
  }
}

/* Detects the watermark in @mkv and checks it names @session/@take. */
static void
check_watermark (Audit *a, json_t *check, const char *where, const char *mkv,
    const char *session, const char *take, const char *claimed_tag)
{
  g_autoptr (GError) error = NULL;
  EmocapWmResult result = { 0, };
  g_autofree char *expected = NULL;
  guint step = a->request->watermark_step ? a->request->watermark_step
      : DEFAULT_WATERMARK_STEP;

  checked (check);
  if (!a->have_wm_key) {
    problem (check, where, "%s", a->wm_problem);
    return;
  }
  expected = g_strdup_printf ("%016" G_GINT64_MODIFIER "x",
      emocap_wm_tag (a->wm_key, session, take));
  if (claimed_tag && strcmp (claimed_tag, expected) != 0)
    problem (check, where, "the recorded tag %s is not take %s/%s's (%s)", claimed_tag,
        session, take, expected);
  if (!emocap_wm_detect_file (a->wm_key, mkv, step, NULL, NULL, &result, &error)) {
    problem (check, where, "cannot read the video: %s", error->message);
    return;
  }
  if (!result.found) {
    problem (check, where, "no watermark found (sync %.1f sigma over %u frames)",
        result.sync_z, result.frames);
    return;
  }
  {
    g_autofree char *got = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", result.tag);
    if (strcmp (got, expected) != 0)
      problem (check, where, "the watermark names tag %s, not this take's %s", got, expected);
  }
}

/* ----- a session ----- */

/* Every file under @rel, as paths relative to @root; a
 * folder that holds nothing is listed too, as "rel/", since the manifest
 * cannot account for it either. */
static void
list_files (const char *root, const char *rel, GPtrArray *out)
{
  g_autofree char *path = rel ? g_build_filename (root, rel, NULL) : g_strdup (root);
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint before = out->len;
  gboolean empty = TRUE;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL) {
    empty = FALSE;
    g_autofree char *child_rel = rel ? g_build_filename (rel, name, NULL) : g_strdup (name);
    g_autofree char *child = g_build_filename (root, child_rel, NULL);
    if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      list_files (root, child_rel, out);
    else
      g_ptr_array_add (out, g_steal_pointer (&child_rel));
  }
  g_dir_close (dir);
  if (empty && rel != NULL && out->len == before)
    g_ptr_array_add (out, g_strconcat (rel, "/", NULL));
}


/* The journal's lines that parse as entries, whatever their chain. */
static json_t *
read_lenient (const char *path)
{
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  json_t *entries;

  if (!g_file_get_contents (path, &data, NULL, NULL))
    return NULL;
  entries = json_array ();
  lines = g_strsplit (data, "\n", -1);
  for (char **l = lines; *l; l++) {
    json_t *e = json_loads (*l, 0, NULL);
    if (json_is_object (e) && json_is_string (json_object_get (e, "type")))
      json_array_append_new (entries, e);
    else
      json_decref (e);
  }
  return entries;
}

/* take.json of a take the journal ended with @ended (its take.started
 * @started, its consent.given @consent): what it says of the take must be
 * what the signed journal says.  It is not signed itself, so a figure the
 * journal does not hold (dropped frames, levels) cannot be checked. */
static void
check_take_json (json_t *check, const char *dir, const char *label, json_t *ended,
    json_t *started, json_t *consent)
{
  const char *take = str (ended, "take");
  const char *type = str (ended, "type");
  const char *status = type + strlen ("take.");
  g_autofree char *rel = g_build_filename ("takes", take, "take.json", NULL);
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *where = g_strdup_printf ("%s/%s", label, rel);
  g_autoptr (json_t) doc = NULL;
  json_error_t jerr;
  json_t *file, *cam;
  size_t i, j;

  checked (check);
  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    /* A take that failed before anything was recorded has none. */
    if (strcmp (type, EMOCAP_JOURNAL_TAKE_FAILED) != 0 ||
        json_array_size (json_object_get (ended, "files")) > 0)
      problem (check, where, "missing: the journal (line %" G_GINT64_FORMAT ") says take %s "
          "was %s", seq_of (ended), take, status);
    return;
  }
  doc = json_load_file (path, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object (doc)) {
    problem (check, where, "not a JSON object (line %d: %s)", jerr.line, jerr.text);
    return;
  }
  if (g_strcmp0 (str (doc, "session"), str (ended, "session")) != 0 ||
      g_strcmp0 (str (doc, "take"), take) != 0)
    problem (check, where, "describes %s/%s, not %s/%s", str (doc, "session"),
        str (doc, "take"), str (ended, "session"), take);
  if (g_strcmp0 (str (doc, "status"), status) != 0)
    problem (check, where, "says status '%s'; the journal (line %" G_GINT64_FORMAT ") says "
        "'%s'", str (doc, "status"), seq_of (ended), status);
  if (consent) {
    const char *emotion = str (json_object_get (consent, "scope"), "emotion");
    if (g_strcmp0 (str (doc, "emotion"), emotion) != 0)
      problem (check, where, "says emotion '%s'; the consent (line %" G_GINT64_FORMAT ") was "
          "given for '%s'", str (doc, "emotion"), seq_of (consent), emotion);
    if (json_integer_value (json_object_get (json_object_get (doc, "consent"), "seq")) !=
        seq_of (consent))
      problem (check, where, "names consent line %" JSON_INTEGER_FORMAT "; the take's "
          "consent.given is line %" G_GINT64_FORMAT,
          json_integer_value (json_object_get (json_object_get (doc, "consent"), "seq")),
          seq_of (consent));
  }
  {
    json_t *jr = json_object_get (doc, "journal");
    if ((started && json_integer_value (json_object_get (jr, "take_started_seq")) !=
            seq_of (started)) ||
        json_integer_value (json_object_get (jr, "take_ended_seq")) != seq_of (ended))
      problem (check, where, "its journal lines are not the take's (take.started line %"
          G_GINT64_FORMAT ", %s line %" G_GINT64_FORMAT ")", started ? seq_of (started) : 0,
          type, seq_of (ended));
  }
  if (str (ended, "watermark_tag") &&
      g_strcmp0 (str (json_object_get (doc, "watermark"), "tag"),
          str (ended, "watermark_tag")) != 0)
    problem (check, where, "says watermark tag %s; the journal (line %" G_GINT64_FORMAT ") "
        "says %s", str (json_object_get (doc, "watermark"), "tag"), seq_of (ended),
        str (ended, "watermark_tag"));
  /* Every file the journal recorded, with its hash, and no other. */
  json_array_foreach (json_object_get (ended, "files"), i, file) {
    g_autofree char *base = g_path_get_basename (str (file, "path") ? str (file, "path") : "");
    json_t *match = NULL;
    json_array_foreach (json_object_get (doc, "cameras"), j, cam)
      if (g_strcmp0 (str (cam, "file"), base) == 0)
        match = cam;
    if (match == NULL)
      problem (check, where, "does not list %s, which the journal recorded", base);
    else if (g_strcmp0 (str (match, "sha256"), str (file, "sha256")) != 0)
      problem (check, where, "gives %s a SHA-256 of %.16s...; the journal recorded %.16s...",
          base, str (match, "sha256"), str (file, "sha256"));
  }
  json_array_foreach (json_object_get (doc, "cameras"), j, cam) {
    gboolean known = FALSE;
    json_array_foreach (json_object_get (ended, "files"), i, file) {
      g_autofree char *base = g_path_get_basename (str (file, "path") ? str (file, "path") : "");
      if (g_strcmp0 (str (cam, "file"), base) == 0)
        known = TRUE;
    }
    if (!known)
      problem (check, where, "lists %s, which the journal did not record",
          str (cam, "file") ? str (cam, "file") : "a file without a name");
  }
}

static void
audit_session (Audit *a, const char *dir, const char *label)
{
  g_autofree char *journal_path = g_build_filename (dir, "journal.jsonl", NULL);
  g_autofree char *contract_path = g_build_filename (dir, "contract.json", NULL);
  g_autofree char *script_path = g_build_filename (dir, "script.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (json_t) entries = NULL;
  g_autoptr (json_t) script = NULL;
  g_autoptr (EmocapContract) contract = NULL;
  json_t *cj = check_get (a, "journal", T_JOURNAL);
  json_t *cc = check_get (a, "consent", T_CONSENT);
  json_t *cw = check_get (a, "withdrawal", T_WITHDRAWAL);
  json_t *cm = check_get (a, "media", T_MEDIA);
  json_t *ctj = check_get (a, "take-records", T_TAKE_RECORDS);
  json_t *cwm = check_get (a, "watermark", T_WATERMARK);
  json_t *cp = check_get (a, "purposes", T_PURPOSES);
  g_autoptr (GHashTable) accounted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  g_autoptr (GPtrArray) present = g_ptr_array_new_with_free_func (g_free);
  json_t *opened = NULL, *entry;
  gboolean closed = FALSE;
  guint bad_line = 0;
  const char *session;
  size_t i, n_finished = 0, done = 0;

  checked (cj);
  if (a->key == NULL) {
    problem (cj, label, "%s", a->key_problem);
    return;
  }
  if (!emocap_journal_verify (journal_path, a->key, &entries, &bad_line, &error)) {
    problem (cj, label, "%s", error->message);
    g_clear_error (&error);
    /* Read on regardless, line by line, so that what the damaged journal
     * claims is checked too (and named). */
    entries = read_lenient (journal_path);
    if (entries == NULL)
      return;
  }
  json_array_foreach (entries, i, entry) {
    const char *type = str (entry, "type");
    if (strcmp (type, EMOCAP_JOURNAL_SESSION_OPENED) == 0 && opened == NULL)
      opened = entry;
    if (strcmp (type, EMOCAP_JOURNAL_SESSION_CLOSED) == 0)
      closed = TRUE;
    if (strcmp (type, EMOCAP_JOURNAL_TAKE_FINISHED) == 0)
      n_finished++;
  }
  if (opened == NULL) {
    problem (cj, label, "no session.opened entry");
    return;
  }
  if (!closed)
    problem (cj, label, "the session was never closed: no signed checkpoint of its record");
  session = str (opened, "session");

  contract = emocap_contract_load (contract_path, &error);
  if (contract == NULL) {
    problem (cc, label, "%s", error->message);
    g_clear_error (&error);
  }
  {
    g_autofree char *data = NULL;
    gsize len = 0;
    if (g_file_get_contents (script_path, &data, &len, NULL)) {
      g_autofree char *sha = emocap_sha256_hex (data, len);
      if (g_strcmp0 (sha, str (opened, "script_sha256")) != 0)
        problem (cc, label, "script.json is not the script the session was opened with "
            "(SHA-256 %.16s..., the journal says %.16s...)", sha, str (opened, "script_sha256"));
      else
        script = json_loadb (data, len, 0, NULL);
    } else {
      problem (cc, label, "cannot read script.json");
    }
  }

  json_array_foreach (entries, i, entry) {
    const char *type = str (entry, "type");
    const char *take = str (entry, "take");
    g_autofree char *where = g_strdup_printf ("%s, journal line %" G_GINT64_FORMAT
        " (%s%s%s)", label, seq_of (entry), type, take ? " " : "", take ? take : "");
    size_t j;
    json_t *other;

    if (strcmp (type, EMOCAP_JOURNAL_TAKE_STARTED) == 0) {
      json_t *consent = NULL;
      checked (cc);
      for (j = 0; j < i; j++) {
        other = json_array_get (entries, j);
        if (g_strcmp0 (str (other, "type"), EMOCAP_JOURNAL_CONSENT_GIVEN) == 0 &&
            g_strcmp0 (str (other, "take"), take) == 0)
          consent = other;
      }
      if (consent == NULL) {
        problem (cc, where, "take %s was recorded without a consent.given before it", take);
      } else {
        json_t *scope = json_object_get (consent, "scope");
        const char *sha = str (json_object_get (consent, "contract"), "sha256");
        json_int_t position = json_integer_value (json_object_get (consent, "position"));
        json_t *planned = json_array_get (json_object_get (script, "takes"), position - 1);

        if (contract && g_strcmp0 (sha, contract->sha256) != 0)
          problem (cc, where, "contract.json was changed after consent: its SHA-256 is "
              "%.16s..., the consent (line %" G_GINT64_FORMAT ") was given to %.16s...",
              contract->sha256, seq_of (consent), sha ? sha : "(none)");
        if (script && planned == NULL)
          problem (cc, where, "the consent names take position %" JSON_INTEGER_FORMAT
              ", which the script does not have", position);
        else if (planned && g_strcmp0 (str (planned, "emotion"), str (scope, "emotion")) != 0)
          problem (cc, where, "the consent covers '%s', the script recorded '%s'",
              str (scope, "emotion"), str (planned, "emotion"));
      }
    }

    if (strcmp (type, EMOCAP_JOURNAL_CONSENT_WITHDRAWN) == 0) {
      checked (cw);
      for (j = i + 1; j < json_array_size (entries); j++) {
        const char *t2;
        other = json_array_get (entries, j);
        t2 = str (other, "type");
        if ((g_strcmp0 (t2, EMOCAP_JOURNAL_TAKE_STARTED) == 0 ||
                g_strcmp0 (t2, EMOCAP_JOURNAL_TAKE_FINISHED) == 0) &&
            g_strcmp0 (str (other, "take"), take) == 0)
          problem (cw, where, "take %s was recorded again (line %" G_GINT64_FORMAT
              ") after its consent was withdrawn", take, seq_of (other));
        if (g_strcmp0 (t2, EMOCAP_JOURNAL_EXPORT_CREATED) == 0 &&
            emocap_json_strv_contains (json_object_get (other, "takes"), take))
          problem (cw, where, "take %s was exported (line %" G_GINT64_FORMAT ", for '%s' to "
              "%s) after its consent was withdrawn", take, seq_of (other),
              str (other, "purpose"), str (other, "to"));
      }
    }

    if (strcmp (type, EMOCAP_JOURNAL_TAKE_FINISHED) == 0 ||
        strcmp (type, EMOCAP_JOURNAL_TAKE_INTERRUPTED) == 0 ||
        strcmp (type, EMOCAP_JOURNAL_TAKE_FAILED) == 0) {
      json_t *file, *started = NULL, *consent = NULL;
      const char *first_mkv = NULL;
      g_autofree char *first_path = NULL;

      for (j = 0; j < i; j++) {
        other = json_array_get (entries, j);
        if (g_strcmp0 (str (other, "take"), take) != 0)
          continue;
        if (g_strcmp0 (str (other, "type"), EMOCAP_JOURNAL_TAKE_STARTED) == 0)
          started = other;
        else if (g_strcmp0 (str (other, "type"), EMOCAP_JOURNAL_CONSENT_GIVEN) == 0)
          consent = other;
      }
      if (take) {
        g_hash_table_add (accounted, g_build_filename ("takes", take, "take.json", NULL));
        check_take_json (ctj, dir, label, entry, started, consent);
      }
      json_array_foreach (json_object_get (entry, "files"), j, file) {
        const char *rel = str (file, "path");
        g_autofree char *path = rel ? g_build_filename (dir, rel, NULL) : NULL;
        g_autofree char *sha = NULL;
        g_autofree char *fwhere = g_strdup_printf ("%s/%s", label, rel ? rel : "?");
        checked (cm);
        if (rel == NULL || strstr (rel, "..") || g_path_is_absolute (rel)) {
          problem (cm, where, "a file entry without a usable path");
          continue;
        }
        g_hash_table_add (accounted, g_strdup (rel));
        sha = emocap_sha256_file_hex (path, NULL, &error);
        if (sha == NULL) {
          problem (cm, fwhere, "%s", error->message);
          g_clear_error (&error);
        } else if (g_strcmp0 (sha, str (file, "sha256")) != 0) {
          problem (cm, fwhere, "its SHA-256 is %.16s..., the journal (line %" G_GINT64_FORMAT
              ") recorded %.16s...: the file was changed", sha, seq_of (entry),
              str (file, "sha256"));
        } else if (first_mkv == NULL && g_str_has_suffix (rel, ".mkv")) {
          first_mkv = rel;
          first_path = g_strdup (path);
        }
      }
      if (first_path && strcmp (type, EMOCAP_JOURNAL_TAKE_FAILED) != 0) {
        g_autofree char *fwhere = g_strdup_printf ("%s/%s", label, first_mkv);
        progress (a, "watermark", (guint) done, (guint) n_finished);
        check_watermark (a, cwm, fwhere, first_path, session, take,
            str (entry, "watermark_tag"));
      }
      done++;
    }

    if (strcmp (type, EMOCAP_JOURNAL_EXPORT_CREATED) == 0) {
      json_t *id;
      checked (cp);
      if (contract && !emocap_contract_grants_purpose (contract, str (entry, "purpose")))
        problem (cp, where, "exported for '%s', which contract %s does not grant",
            str (entry, "purpose"), contract->id);
      json_array_foreach (json_object_get (entry, "takes"), j, id) {
        json_t *consent = NULL;
        size_t k;
        for (k = 0; k < i; k++) {
          other = json_array_get (entries, k);
          if (g_strcmp0 (str (other, "type"), EMOCAP_JOURNAL_CONSENT_GIVEN) == 0 &&
              g_strcmp0 (str (other, "take"), json_string_value (id)) == 0)
            consent = other;
        }
        if (consent == NULL)
          problem (cp, where, "take %s was exported without consent", json_string_value (id));
        else if (!emocap_json_strv_contains (json_object_get (json_object_get (consent, "scope"),
                    "purposes"), str (entry, "purpose")))
          problem (cp, where, "take %s's consent does not cover '%s'", json_string_value (id),
              str (entry, "purpose"));
      }
    }
  }

  /* Nothing in the takes that the journal does not account for. */
  list_files (dir, "takes", present);
  for (guint k = 0; k < present->len; k++) {
    const char *rel = g_ptr_array_index (present, k);
    g_autofree char *fwhere = g_strdup_printf ("%s/%s", label, rel);
    if (!g_hash_table_contains (accounted, rel))
      problem (cm, fwhere, "in the session's folder, but no take in its journal recorded it");
  }
}

/* ----- a package ----- */

static void
audit_package (Audit *a, const char *dir)
{
  g_autofree char *manifest_path = g_build_filename (dir, "manifest.json", NULL);
  g_autofree char *contract_path = g_build_filename (dir, "contract.json", NULL);
  g_autofree char *manifest_sha = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (json_t) manifest = NULL;
  g_autoptr (EmocapContract) contract = NULL;
  g_autoptr (json_t) usage = NULL;
  g_autoptr (json_t) journal = NULL;
  g_autoptr (GPtrArray) present = g_ptr_array_new_with_free_func (g_free);
  json_t *cman = check_get (a, "manifest", T_MANIFEST);
  json_t *ccon = check_get (a, "contract", T_PKG_CONTRACT);
  json_t *ccs = check_get (a, "package-consent", T_PKG_CONSENT);
  json_t *cterms = check_get (a, "terms", T_TERMS);
  json_t *ctags = check_get (a, "media-tags", T_TAGS);
  json_t *cp = check_get (a, "purposes", T_PURPOSES);
  json_t *cw = check_get (a, "withdrawal", T_WITHDRAWAL);
  json_t *cwm = check_get (a, "watermark", T_WATERMARK);
  json_t *file, *id, *export_entry = NULL;
  const char *session, *purpose;
  size_t i;

  checked (cman);
  {
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents (manifest_path, &data, &len, &error)) {
      problem (cman, "manifest.json", "%s", error->message);
      return;
    }
    manifest_sha = emocap_sha256_hex (data, len);
    manifest = json_loadb (data, len, JSON_REJECT_DUPLICATES, NULL);
  }
  if (!json_is_object (manifest)) {
    problem (cman, "manifest.json", "not a JSON object");
    return;
  }
  session = str (manifest, "session");
  purpose = str (manifest, "purpose");
  if (session == NULL || purpose == NULL) {
    problem (cman, "manifest.json", "no session or purpose");
    return;
  }

  /* The signature, then every file against it, then nothing else. */
  if (a->key == NULL) {
    problem (cman, "manifest.json", "%s", a->key_problem);
  } else {
    g_autoptr (json_t) unsigned_manifest = json_deep_copy (manifest);
    char *bytes;
    json_object_del (unsigned_manifest, "sig");
    bytes = emocap_canonical_json (unsigned_manifest);
    if (str (manifest, "sig") == NULL || bytes == NULL ||
        !emocap_key_verify_hex (a->key, bytes, strlen (bytes), str (manifest, "sig")))
      problem (cman, "manifest.json", "its signature is not the studio key's: the manifest "
          "was changed after the export, or signed by someone else");
    free (bytes);
  }
  list_files (dir, NULL, present);
  json_array_foreach (json_object_get (manifest, "files"), i, file) {
    const char *rel = str (file, "path");
    g_autofree char *path = rel ? g_build_filename (dir, rel, NULL) : NULL;
    g_autofree char *sha = NULL;
    guint64 size = 0;
    guint at;

    checked (cman);
    if (rel == NULL || strstr (rel, "..") || g_path_is_absolute (rel)) {
      problem (cman, "manifest.json", "a file entry without a usable path");
      continue;
    }
    if (g_ptr_array_find_with_equal_func (present, rel, g_str_equal, &at))
      g_ptr_array_remove_index (present, at);
    if (g_file_test (path, G_FILE_TEST_IS_SYMLINK)) {
      problem (cman, rel, "a symbolic link, not a file of the package: a package holds its "
          "files itself, so that it can be copied and checked anywhere");
      continue;
    }
    sha = emocap_sha256_file_hex (path, &size, &error);
    if (sha == NULL) {
      problem (cman, rel, "listed in the manifest but missing: %s", error->message);
      g_clear_error (&error);
    } else if (strcmp (sha, str (file, "sha256") ? str (file, "sha256") : "") != 0 ||
        size != (guint64) json_integer_value (json_object_get (file, "bytes"))) {
      problem (cman, rel, "not the file the manifest lists (SHA-256 %.16s..., %" G_GUINT64_FORMAT
          " bytes; the manifest says %.16s..., %" JSON_INTEGER_FORMAT " bytes)", sha, size,
          str (file, "sha256"), json_integer_value (json_object_get (file, "bytes")));
    }
  }
  for (guint k = 0; k < present->len; k++) {
    const char *rel = g_ptr_array_index (present, k);
    if (strcmp (rel, "manifest.json") != 0)
      problem (cman, rel, "in the package but not in its signed manifest");
  }

  /* The contract. */
  checked (ccon);
  contract = emocap_contract_load (contract_path, &error);
  if (contract == NULL) {
    problem (ccon, "contract.json", "%s", error->message);
    g_clear_error (&error);
    return;
  }
  if (g_strcmp0 (contract->sha256, str (json_object_get (manifest, "contract"), "sha256")) != 0)
    problem (ccon, "contract.json", "not the contract the manifest names");
  usage = emocap_contract_usage_json (contract);

  checked (cp);
  if (!emocap_contract_grants_purpose (contract, purpose))
    problem (cp, "manifest.json", "exported for '%s', which contract %s does not grant", purpose,
        contract->id);

  /* The session's journal, when the archive is at hand: was the export
   * journaled, and were its takes still consented to then? */
  if (a->archive && a->key) {
    g_autofree char *jpath = g_build_filename (a->archive, "sessions", session,
        "journal.jsonl", NULL);
    if (!emocap_journal_verify (jpath, a->key, &journal, NULL, &error)) {
      problem (cw, "manifest.json", "cannot check against the session's journal: %s",
          error->message);
      g_clear_error (&error);
    } else {
      json_t *e;
      json_array_foreach (journal, i, e) {
        if (g_strcmp0 (str (e, "type"), EMOCAP_JOURNAL_EXPORT_CREATED) == 0 &&
            g_strcmp0 (str (e, "manifest_sha256"), manifest_sha) == 0)
          export_entry = e;
      }
      if (export_entry == NULL)
        problem (cw, "manifest.json", "session %s's journal has no record of this export",
            session);
    }
  } else {
    problem (cw, "manifest.json", "not checked: withdrawals are in the session's journal; "
        "pass the archive with --archive DIR");
  }

  /* Every take folder is one the manifest lists. */
  {
    g_autofree char *takes_dir = g_build_filename (dir, "takes", NULL);
    g_autoptr (GDir) d = g_dir_open (takes_dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name (d))) {
      if (!emocap_json_strv_contains (json_object_get (manifest, "takes"), name)) {
        g_autofree char *where = g_strdup_printf ("takes/%s", name);
        problem (cman, where, "a take in the package that its signed manifest does not list");
      }
    }
  }

  json_array_foreach (json_object_get (manifest, "takes"), i, id) {
    const char *take_id = json_string_value (id);
    g_autofree char *where = g_strdup_printf ("takes/%s/take.json", take_id ? take_id : "?");
    g_autofree char *take_path = NULL;
    g_autoptr (json_t) take = NULL;
    g_autoptr (json_t) consent = NULL;
    g_autoptr (json_t) closed = NULL;
    g_autoptr (json_t) terms = NULL;
    json_t *cons, *cp_obj, *scope;
    const char *line, *cline, *root;
    gint64 tree_size;
    size_t j;

    if (take_id == NULL || strchr (take_id, '/') || strstr (take_id, "..")) {
      problem (cman, "manifest.json", "a take id that is not one");
      continue;
    }
    take_path = g_build_filename (dir, "takes", take_id, "take.json", NULL);
    take = json_load_file (take_path, JSON_REJECT_DUPLICATES, NULL);
    checked (ccs);
    checked (cterms);
    if (!json_is_object (take)) {
      problem (ccs, where, "missing or not JSON");
      problem (cterms, where, "missing or not JSON");
      continue;
    }

    /* The consent record and the checkpoint holding it. */
    cons = json_object_get (take, "consent");
    cp_obj = json_object_get (take, "checkpoint");
    line = str (cons, "line");
    cline = str (cp_obj, "line");
    root = str (cp_obj, "root");
    tree_size = json_integer_value (json_object_get (cp_obj, "tree_size"));
    if (a->key == NULL) {
      problem (ccs, where, "%s", a->key_problem);
    } else if (line == NULL || cline == NULL || root == NULL) {
      problem (ccs, where, "no consent record or checkpoint");
    } else if (!emocap_journal_verify_line (line, strlen (line), a->key, &consent, &error)) {
      problem (ccs, where, "the consent record: %s", error->message);
      g_clear_error (&error);
    } else if (!emocap_journal_verify_line (cline, strlen (cline), a->key, &closed, &error)) {
      problem (ccs, where, "the checkpoint: %s", error->message);
      g_clear_error (&error);
    } else {
      if (g_strcmp0 (str (consent, "type"), EMOCAP_JOURNAL_CONSENT_GIVEN) != 0 ||
          g_strcmp0 (str (consent, "take"), take_id) != 0 ||
          g_strcmp0 (str (consent, "session"), session) != 0)
        problem (ccs, where, "the consent record is not %s/%s's consent.given", session,
            take_id);
      if (g_strcmp0 (str (closed, "type"), EMOCAP_JOURNAL_SESSION_CLOSED) != 0 ||
          g_strcmp0 (str (closed, "root"), root) != 0 ||
          json_integer_value (json_object_get (closed, "tree_size")) != tree_size ||
          g_strcmp0 (str (closed, "session"), session) != 0)
        problem (ccs, where, "the checkpoint is not a session.closed of %s with this root",
            session);
      if (!emocap_journal_check_inclusion (line, strlen (line), json_object_get (cons, "proof"),
              tree_size, root, &error)) {
        problem (ccs, where, "%s", error->message);
        g_clear_error (&error);
      }
      if (g_strcmp0 (str (json_object_get (consent, "contract"), "sha256"), contract->sha256) != 0)
        problem (ccon, where, "the consent was given to another contract (SHA-256 %.16s...) "
            "than the package's (%.16s...)", str (json_object_get (consent, "contract"), "sha256"),
            contract->sha256);
      scope = json_object_get (consent, "scope");
      if (!emocap_json_strv_contains (json_object_get (scope, "purposes"), purpose))
        problem (cp, where, "the consent does not cover the purpose '%s'", purpose);
      /* The consented terms are the contract's. */
      {
        g_autoptr (json_t) consented = emocap_terms_metadata (json_object_get (scope, "usage"));
        if (!emocap_terms_check (consented, usage, &error)) {
          problem (cterms, where, "the consented terms are not the contract's: %s",
              error->message);
          g_clear_error (&error);
        }
      }
      /* A withdrawal before the export, or any withdrawal at all when
       * the journal has no record of the export to date it. */
      if (journal) {
        json_t *e;
        checked (cw);
        json_array_foreach (journal, j, e) {
          if (g_strcmp0 (str (e, "type"), EMOCAP_JOURNAL_CONSENT_WITHDRAWN) != 0 ||
              g_strcmp0 (str (e, "take"), take_id) != 0)
            continue;
          if (export_entry == NULL)
            problem (cw, where, "consent to take %s was withdrawn (journal line %" G_GINT64_FORMAT
                "), and no journaled export holds this package, so nothing shows it was "
                "made before", take_id, seq_of (e));
          else if (seq_of (e) < seq_of (export_entry))
            problem (cw, where, "consent to take %s was withdrawn (journal line %" G_GINT64_FORMAT
                ") before this export (line %" G_GINT64_FORMAT ")", take_id, seq_of (e),
                seq_of (export_entry));
        }
      }
    }

    /* The terms in every vocabulary. */
    terms = json_object ();
    for (const char *const *k = (const char *const[]) { "usage", "cawg.training-mining",
            "iptc-plus", NULL }; *k; k++) {
      if (json_object_get (take, *k))
        json_object_set (terms, *k, json_object_get (take, *k));
    }
    if (!emocap_terms_check (terms, usage, &error)) {
      problem (cterms, where, "%s", error->message);
      g_clear_error (&error);
    }
    {
      g_autofree char *text = emocap_terms_text (usage);
      if (g_strcmp0 (str (take, "terms_of_use"), text) != 0)
        problem (cterms, where, "terms_of_use is not the contract's terms in plain words");
    }

    /* The media: tags and watermark. */
    json_array_foreach (json_object_get (take, "files"), j, file) {
      const char *name = str (file, "file");
      g_autofree char *rel = NULL, *path = NULL;
      g_autoptr (GHashTable) tags = NULL;
      g_autofree char *text = emocap_terms_text (usage);
      g_autofree char *usage_text = NULL;
      g_autofree char *take_name = g_strdup_printf ("%s/%s", session, take_id);
      const char *tag = str (json_object_get (take, "watermark"), "tag");

      if (name == NULL || strchr (name, '/') || !g_str_has_suffix (name, ".mkv"))
        continue;
      rel = g_build_filename ("takes", take_id, name, NULL);
      path = g_build_filename (dir, rel, NULL);
      checked (ctags);
      tags = emocap_export_read_tags (path, &error);
      if (tags == NULL) {
        problem (ctags, rel, "%s", error->message);
        g_clear_error (&error);
      } else {
        g_autoptr (json_t) meta = emocap_terms_metadata (usage);
        char *u = json_dumps (json_object_get (meta, "usage"), JSON_COMPACT | JSON_SORT_KEYS);
        usage_text = g_strdup (u);
        free (u);
        if (g_strcmp0 (g_hash_table_lookup (tags, "TERMS_OF_USE"), text) != 0)
          problem (ctags, rel, "TERMS_OF_USE is %s the contract's terms",
              g_hash_table_contains (tags, "TERMS_OF_USE") ? "not" : "missing, not");
        if (g_strcmp0 (g_hash_table_lookup (tags, EMOCAP_EXPORT_TAG_FACE),
                contract->commercial_face_use == EMOCAP_TERM_ALLOWED ? "allowed" : "prohibited"))
          problem (ctags, rel, EMOCAP_EXPORT_TAG_FACE " is not the contract's term");
        if (g_strcmp0 (g_hash_table_lookup (tags, EMOCAP_EXPORT_TAG_USAGE), usage_text) != 0)
          problem (ctags, rel, EMOCAP_EXPORT_TAG_USAGE " is not the contract's terms");
        if (g_strcmp0 (g_hash_table_lookup (tags, EMOCAP_EXPORT_TAG_TAKE), take_name) != 0)
          problem (ctags, rel, EMOCAP_EXPORT_TAG_TAKE " does not name %s", take_name);
        if (g_strcmp0 (g_hash_table_lookup (tags, EMOCAP_EXPORT_TAG_JOURNAL_ROOT), root) != 0)
          problem (ctags, rel, EMOCAP_EXPORT_TAG_JOURNAL_ROOT " is not the checkpoint's root");
        if (tag && g_strcmp0 (g_hash_table_lookup (tags, EMOCAP_EXPORT_TAG_TAKE_TAG), tag) != 0)
          problem (ctags, rel, EMOCAP_EXPORT_TAG_TAKE_TAG " is not the take's tag");
      }
      progress (a, "watermark", (guint) i, (guint) json_array_size (json_object_get (manifest,
                  "takes")));
      check_watermark (a, cwm, rel, path, session, take_id, tag);
    }
  }
}

/* ----- the whole ----- */

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static gboolean
is_dir_with (const char *dir, const char *name)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  return g_file_test (p, G_FILE_TEST_EXISTS);
}

json_t *
emocap_audit (const EmocapAuditRequest *request, EmocapAuditProgress progress_func,
    gpointer user_data, GError **error)
{
  Audit a = { 0, };
  const char *path;
  const char *kind;
  json_t *report, *list, *id;
  gboolean ok = TRUE;
  size_t i;

  g_return_val_if_fail (request != NULL && request->path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = request->path;
  a.request = request;
  a.progress = progress_func;
  a.user_data = user_data;
  a.checks = json_object ();
  a.order = json_array ();

  if (is_dir_with (path, "manifest.json")) {
    kind = "package";
    a.archive = g_strdup (request->archive);
  } else if (is_dir_with (path, "journal.jsonl")) {
    kind = "session";
    if (request->archive) {
      a.archive = g_strdup (request->archive);
    } else {
      g_autofree char *abs = g_canonicalize_filename (path, NULL);
      g_autofree char *sessions = g_path_get_dirname (abs);
      a.archive = g_path_get_dirname (sessions);
    }
  } else if (is_dir_with (path, "sessions")) {
    kind = "archive";
    a.archive = g_strdup (request->archive ? request->archive : path);
  } else {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
        "'%s' is not an archive (no sessions/), a session (no journal.jsonl) or an export "
        "package (no manifest.json)", path);
    json_decref (a.checks);
    json_decref (a.order);
    return NULL;
  }
  load_keys (&a);

  if (strcmp (kind, "package") == 0) {
    audit_package (&a, path);
  } else if (strcmp (kind, "session") == 0) {
    g_autofree char *abs = g_canonicalize_filename (path, NULL);
    g_autofree char *label = g_path_get_basename (abs);
    audit_session (&a, path, label);
  } else {
    g_autofree char *sessions = g_build_filename (path, "sessions", NULL);
    g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
    GDir *dir = g_dir_open (sessions, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name (dir)) != NULL)
      g_ptr_array_add (names, g_strdup (name));
    if (dir)
      g_dir_close (dir);
    g_ptr_array_sort (names, compare_names);
    for (guint k = 0; k < names->len; k++) {
      const char *n = g_ptr_array_index (names, k);
      g_autofree char *sdir = g_build_filename (sessions, n, NULL);
      progress (&a, "sessions", k, names->len);
      if (is_dir_with (sdir, "journal.jsonl"))
        audit_session (&a, sdir, n);
    }
  }

  list = json_array ();
  json_array_foreach (a.order, i, id) {
    json_t *c = json_object_get (a.checks, json_string_value (id));
    ok &= json_is_true (json_object_get (c, "ok"));
    json_array_append (list, c);
  }
  report = json_pack ("{s:b, s:s, s:s, s:o}", "ok", ok, "path", path, "kind", kind,
      "checks", list);

  json_decref (a.checks);
  json_decref (a.order);
  g_free (a.archive);
  g_free (a.key_problem);
  g_free (a.wm_problem);
  emocap_key_free (a.key);
  sodium_memzero (a.wm_key, sizeof a.wm_key);
  return report;
}

/* ----- the page ----- */

static void
html_text (GString *out, const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text ? text : "", -1);

  g_string_append (out, escaped);
}

char *
emocap_audit_html (const json_t *report)
{
  GString *out = g_string_new (NULL);
  json_t *checks = json_object_get (report, "checks");
  gboolean ok = json_is_true (json_object_get (report, "ok"));
  guint failed = 0;
  size_t i, j;
  json_t *c, *p;

  json_array_foreach (checks, i, c) {
    if (!json_is_true (json_object_get (c, "ok")))
      failed++;
  }

  g_string_append (out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>emocap audit</title>\n<style>\n"
      "body{font-family:sans-serif;max-width:50em;margin:2em auto;padding:0 1em;line-height:1.5}\n"
      ".verdict{font-size:1.4em;padding:.6em 1em;border-radius:.3em}\n"
      ".pass{background:#e3f4e1}.fail{background:#fbe3e1}\n"
      "li{margin:.4em 0}.mark{font-weight:bold}\n"
      "table{border-collapse:collapse;width:100%;font-size:.9em}\n"
      "td,th{border:1px solid #ccc;padding:.3em;text-align:left;vertical-align:top}\n"
      "code{word-break:break-all}\n</style>\n</head>\n<body>\n<h1>Audit of ");
  html_text (out, json_string_value (json_object_get (report, "path")));
  g_string_append (out, "</h1>\n");
  if (ok)
    g_string_append (out, "<p class=\"verdict pass\">Everything checked holds: the records "
        "are complete and unaltered, and the actor's terms were kept.</p>\n");
  else
    g_string_append_printf (out, "<p class=\"verdict fail\">%u of %zu checks found a "
        "problem. The details are below.</p>\n", failed, json_array_size (checks));

  g_string_append (out, "<h2>What was checked</h2>\n<ul>\n");
  json_array_foreach (checks, i, c) {
    gboolean c_ok = json_is_true (json_object_get (c, "ok"));
    g_string_append_printf (out, "<li><span class=\"mark\">%s</span> ",
        c_ok ? "Holds:" : "Problem:");
    html_text (out, json_string_value (json_object_get (c, "title")));
    g_string_append_printf (out, " (%" JSON_INTEGER_FORMAT " item%s looked at)</li>\n",
        json_integer_value (json_object_get (c, "checked")),
        json_integer_value (json_object_get (c, "checked")) == 1 ? "" : "s");
  }
  g_string_append (out, "</ul>\n");

  if (!ok) {
    g_string_append (out, "<h2>Evidence</h2>\n<table>\n<tr><th>Check</th><th>Where</th>"
        "<th>What is wrong</th></tr>\n");
    json_array_foreach (checks, i, c) {
      json_array_foreach (json_object_get (c, "problems"), j, p) {
        g_string_append (out, "<tr><td>");
        html_text (out, json_string_value (json_object_get (c, "id")));
        g_string_append (out, "</td><td><code>");
        html_text (out, json_string_value (json_object_get (p, "where")));
        g_string_append (out, "</code></td><td>");
        html_text (out, json_string_value (json_object_get (p, "what")));
        g_string_append (out, "</td></tr>\n");
      }
    }
    g_string_append (out, "</table>\n");
  }
  g_string_append_printf (out, "<p>Audited as %s by emocap. Every check uses only the "
      "files and the studio's keys: signatures, SHA-256 hashes and Merkle proofs.</p>\n"
      "</body>\n</html>\n", json_string_value (json_object_get (report, "kind")));
  return g_string_free (out, FALSE);
}
