/* emocap: export packages that carry, and enforce, the contract's terms
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything an export decides comes from the session's signed journal:
 * which takes were consented to, under which terms, recorded, finished,
 * withdrawn, and the SHA-256 of every media file.  The archived contract
 * must be the one the consents name; the terms written out are the
 * consented ones, derived by terms.c, never taken from an option.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include <emocap/contract.h>
#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/export.h>
#include <emocap/journal.h>
#include <emocap/json.h>
#include <emocap/keys.h>
#include <emocap/terms.h>

#include "storage.h"

/* What the journal says about one take. */
typedef struct {
  const char *id;
  json_t *consent;        /* consent.given, or NULL */
  gint64 consent_seq;
  gint64 started_seq;     /* take.started, 0 if none */
  json_t *finished;       /* take.finished, or NULL */
  const char *ended;      /* type of the entry that ended it, or NULL */
  gint64 withdrawn_seq;   /* consent.withdrawn, 0 if none */
  gboolean refused;
} TakeInfo;

typedef struct {
  const EmocapExportRequest *request;
  EmocapKey *key;
  EmocapJournal *journal;
  char *journal_data;
  gsize journal_len;
  GPtrArray *lines;       /* the journal's lines, without newlines */
  json_t *entries;
  json_t *opened;
  json_t *checkpoint;     /* the last session.closed, or NULL */
  gint64 checkpoint_seq;
  EmocapContract *contract;
  GPtrArray *takes;       /* TakeInfo, in the order they first appear */
  char *tmp;              /* the package being written */
  json_t *files;          /* manifest entries */
} Export;

static gint64
entry_seq (json_t *entry)
{
  return json_integer_value (json_object_get (entry, "seq"));
}

static const char *
entry_str (json_t *entry, const char *key)
{
  return json_string_value (json_object_get (entry, key));
}

static TakeInfo *
take_info (Export *ex, const char *id)
{
  TakeInfo *t;

  for (guint i = 0; i < ex->takes->len; i++) {
    t = g_ptr_array_index (ex->takes, i);
    if (strcmp (t->id, id) == 0)
      return t;
  }
  t = g_new0 (TakeInfo, 1);
  t->id = id;
  g_ptr_array_add (ex->takes, t);
  return t;
}

/* Sorts the journal's entries out by take. */
static void
read_takes (Export *ex)
{
  size_t i;
  json_t *entry;

  json_array_foreach (ex->entries, i, entry) {
    const char *type = entry_str (entry, "type");
    const char *take = entry_str (entry, "take");
    TakeInfo *t;

    if (strcmp (type, EMOCAP_JOURNAL_SESSION_OPENED) == 0 && ex->opened == NULL)
      ex->opened = entry;
    if (strcmp (type, EMOCAP_JOURNAL_SESSION_CLOSED) == 0) {
      ex->checkpoint = entry;
      ex->checkpoint_seq = entry_seq (entry);
    }
    if (take == NULL)
      continue;
    t = take_info (ex, take);
    if (strcmp (type, EMOCAP_JOURNAL_CONSENT_GIVEN) == 0 && t->consent == NULL) {
      t->consent = entry;
      t->consent_seq = entry_seq (entry);
    } else if (strcmp (type, EMOCAP_JOURNAL_CONSENT_REFUSED) == 0) {
      t->refused = TRUE;
    } else if (strcmp (type, EMOCAP_JOURNAL_TAKE_STARTED) == 0 && t->started_seq == 0) {
      t->started_seq = entry_seq (entry);
    } else if (strcmp (type, EMOCAP_JOURNAL_TAKE_FINISHED) == 0) {
      t->finished = entry;
      t->ended = type;
    } else if (strcmp (type, EMOCAP_JOURNAL_TAKE_FAILED) == 0 ||
        strcmp (type, EMOCAP_JOURNAL_TAKE_INTERRUPTED) == 0) {
      t->ended = type;
    } else if (strcmp (type, EMOCAP_JOURNAL_CONSENT_WITHDRAWN) == 0 && t->withdrawn_seq == 0) {
      t->withdrawn_seq = entry_seq (entry);
    }
  }
}

/* Why @t may not be exported, or NULL if it may. */
static char *
why_not (Export *ex, TakeInfo *t)
{
  json_t *scope;
  g_autoptr (json_t) contract_usage = NULL;
  g_autoptr (json_t) consented = NULL;
  g_autoptr (GError) error = NULL;

  if (t->withdrawn_seq > 0)
    return g_strdup_printf ("consent was withdrawn (journal entry %" G_GINT64_FORMAT ")",
        t->withdrawn_seq);
  if (t->consent == NULL)
    return g_strdup (t->refused ? "consent was refused" : "there is no consent.given for it");
  if (t->started_seq == 0 || t->consent_seq > t->started_seq)
    return g_strdup ("its consent does not come before its recording");
  if (t->finished == NULL)
    return g_strdup_printf ("it was not finished (%s)",
        t->ended ? t->ended : "no take.finished in the journal");
  if (ex->checkpoint == NULL ||
      t->consent_seq > json_integer_value (json_object_get (ex->checkpoint, "tree_size")))
    return g_strdup ("its consent is not in a signed checkpoint yet: the session is "
        "still open");

  scope = json_object_get (t->consent, "scope");
  if (!emocap_json_strv_contains (json_object_get (scope, "purposes"), ex->request->purpose))
    return g_strdup_printf ("its consent does not cover the purpose '%s'",
        ex->request->purpose);
  /* The consented terms must be the contract's: never weaker. */
  contract_usage = emocap_contract_usage_json (ex->contract);
  consented = emocap_terms_metadata (json_object_get (scope, "usage"));
  if (!emocap_terms_check (consented, contract_usage, &error))
    return g_strdup_printf ("its consented terms are not the contract's: %s", error->message);
  return NULL;
}

/* ----- the package ----- */

static void
add_file (Export *ex, const char *rel, guint64 bytes, const char *sha256)
{
  json_array_append_new (ex->files, json_pack ("{s:s, s:I, s:s}", "path", rel,
          "bytes", (json_int_t) bytes, "sha256", sha256));
}

/* Writes @json (pretty, sorted) to the package as @rel and lists it. */
static gboolean
write_json (Export *ex, const char *rel, json_t *json, char **sha256_out, GError **error)
{
  g_autofree char *path = g_build_filename (ex->tmp, rel, NULL);
  char *text = json_dumps (json, JSON_INDENT (2) | JSON_SORT_KEYS);
  g_autofree char *data = NULL;
  g_autofree char *sha = NULL;
  gsize len;
  gboolean ok;

  if (text == NULL) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED, "cannot write %s: out of memory",
        rel);
    return FALSE;
  }
  data = g_strconcat (text, "\n", NULL);
  free (text);
  len = strlen (data);
  ok = emocap_write_new_file (path, data, len, error);
  if (ok) {
    sha = emocap_sha256_hex (data, len);
    if (sha256_out)
      *sha256_out = g_strdup (sha);
    else
      add_file (ex, rel, len, sha);
  }
  return ok;
}

/* Copies @src to @dst (0600), checking on the way that its SHA-256 is the
 * one the journal recorded. */
static gboolean
copy_checked (const char *src, const char *dst, const char *want_sha256, GError **error)
{
  crypto_hash_sha256_state state;
  guint8 digest[crypto_hash_sha256_BYTES];
  g_autofree char *got = NULL;
  guint8 buf[1 << 16];
  FILE *in, *out;
  size_t n;
  int fd;

  in = fopen (src, "rb");
  if (in == NULL) {
    int e = errno;
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "cannot read recorded file '%s': %s", src, g_strerror (e));
    return FALSE;
  }
  fd = open (dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  out = fd >= 0 ? fdopen (fd, "wb") : NULL;
  if (out == NULL) {
    int e = errno;
    if (fd >= 0)
      close (fd);
    fclose (in);
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot write '%s': %s", dst,
        g_strerror (e));
    return FALSE;
  }
  crypto_hash_sha256_init (&state);
  while ((n = fread (buf, 1, sizeof buf, in)) > 0) {
    crypto_hash_sha256_update (&state, buf, n);
    if (fwrite (buf, 1, n, out) != n)
      break;
  }
  if (ferror (in) || ferror (out) || fflush (out) != 0 || fsync (fileno (out)) != 0) {
    int e = errno;
    fclose (in);
    fclose (out);
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot copy '%s' to '%s': %s", src,
        dst, g_strerror (e));
    return FALSE;
  }
  fclose (in);
  if (fclose (out) != 0) {
    int e = errno;
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot write '%s': %s", dst,
        g_strerror (e));
    return FALSE;
  }
  crypto_hash_sha256_final (&state, digest);
  got = emocap_hex_encode (digest, sizeof digest);
  if (strcmp (got, want_sha256) != 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "recorded file '%s' is not the one the journal recorded (SHA-256 %.16s..., the "
        "journal says %.16s...): it was changed after recording, and is not exported",
        src, got, want_sha256);
    return FALSE;
  }
  return TRUE;
}

static void
xml_simple (GString *xml, const char *name, const char *value)
{
  g_autofree char *v = g_markup_escape_text (value, -1);

  g_string_append_printf (xml, "    <Simple><Name>%s</Name><String>%s</String></Simple>\n",
      name, v);
}

/* Writes the terms into @mkv as global Matroska tags with mkvpropedit
 * (matroskamux keeps no custom tags). */
static gboolean
tag_media (Export *ex, const char *mkv, TakeInfo *t, const char *root, GError **error)
{
  json_t *usage = json_object_get (json_object_get (t->consent, "scope"), "usage");
  g_autofree char *text = emocap_terms_text (usage);
  g_autoptr (json_t) meta = emocap_terms_metadata (usage);
  char *usage_json = json_dumps (json_object_get (meta, "usage"), JSON_COMPACT | JSON_SORT_KEYS);
  g_autofree char *consent = NULL;
  g_autofree char *take = NULL;
  g_autofree char *xml_path = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GString) xml = g_string_new (NULL);
  g_autoptr (GError) local = NULL;
  const char *tag = entry_str (t->finished, "watermark_tag");
  int status = 0;
  const char *argv[] = { "mkvpropedit", "--quiet", mkv, "--tags", NULL, NULL };

  consent = g_strdup_printf ("%s#%" G_GINT64_FORMAT " %s", entry_str (ex->opened, "session"),
      t->consent_seq, entry_str (t->consent, "record_id") ? entry_str (t->consent, "record_id")
      : t->id);
  take = g_strdup_printf ("%s/%s", entry_str (ex->opened, "session"), t->id);
  g_string_append (xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE Tags SYSTEM \"matroskatags.dtd\">\n<Tags>\n  <Tag>\n"
      "    <Targets><TargetTypeValue>50</TargetTypeValue></Targets>\n");
  xml_simple (xml, "TERMS_OF_USE", text);
  xml_simple (xml, EMOCAP_EXPORT_TAG_USAGE, usage_json ? usage_json : "");
  xml_simple (xml, EMOCAP_EXPORT_TAG_FACE,
      entry_str (json_object_get (meta, "usage"), "commercial_face_use"));
  xml_simple (xml, EMOCAP_EXPORT_TAG_CONSENT, consent);
  xml_simple (xml, EMOCAP_EXPORT_TAG_JOURNAL_ROOT, root);
  xml_simple (xml, EMOCAP_EXPORT_TAG_TAKE, take);
  if (tag)
    xml_simple (xml, EMOCAP_EXPORT_TAG_TAKE_TAG, tag);
  g_string_append (xml, "  </Tag>\n</Tags>\n");
  free (usage_json);

  xml_path = g_strconcat (mkv, ".tags.xml", NULL);
  if (!emocap_write_new_file (xml_path, xml->str, xml->len, error))
    return FALSE;
  argv[4] = g_strconcat ("global:", xml_path, NULL);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
          &status, &local)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "cannot run mkvpropedit to write the terms into '%s': %s (install mkvtoolnix)",
        mkv, local->message);
    g_free ((char *) argv[4]);
    g_unlink (xml_path);
    return FALSE;
  }
  g_free ((char *) argv[4]);
  g_unlink (xml_path);
  if (!g_spawn_check_wait_status (status, NULL)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "mkvpropedit could not write the terms into '%s': %s%s", mkv,
        g_strstrip (out), g_strstrip (err));
    return FALSE;
  }
  return TRUE;
}

static gboolean
export_take (Export *ex, TakeInfo *t, json_t *manifest_takes, GError **error)
{
  const char *session_id = entry_str (ex->opened, "session");
  json_t *scope = json_object_get (t->consent, "scope");
  json_t *usage = json_object_get (scope, "usage");
  gint64 tree_size = json_integer_value (json_object_get (ex->checkpoint, "tree_size"));
  const char *root = entry_str (ex->checkpoint, "root");
  g_autofree char *folder_rel = g_build_filename ("takes", t->id, NULL);
  g_autofree char *folder = g_build_filename (ex->tmp, folder_rel, NULL);
  g_autofree char *json_rel = g_build_filename (folder_rel, "take.json", NULL);
  g_autoptr (json_t) take = NULL;
  g_autoptr (json_t) meta = NULL;
  json_t *proof, *files, *file;
  size_t i;

  proof = emocap_journal_inclusion_proof (ex->journal_data, ex->journal_len, t->consent_seq,
      tree_size, error);
  if (proof == NULL)
    return FALSE;
  if (!emocap_mkdir_new (folder, error)) {
    json_decref (proof);
    return FALSE;
  }

  files = json_array ();
  json_array_foreach (json_object_get (t->finished, "files"), i, file) {
    const char *rel = entry_str (file, "path");
    const char *sha = entry_str (file, "sha256");
    g_autofree char *src = NULL, *base = NULL, *dst_rel = NULL, *dst = NULL;
    g_autofree char *exported_sha = NULL;
    guint64 size = 0;

    if (rel == NULL || sha == NULL || strstr (rel, "..") != NULL || g_path_is_absolute (rel)) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
          "take.finished of take '%s' names no usable file", t->id);
      goto fail;
    }
    src = g_build_filename (ex->request->session_dir, rel, NULL);
    base = g_path_get_basename (rel);
    dst_rel = g_build_filename (folder_rel, base, NULL);
    dst = g_build_filename (ex->tmp, dst_rel, NULL);
    if (!copy_checked (src, dst, sha, error))
      goto fail;
    if (g_str_has_suffix (dst, ".mkv") &&
        (!tag_media (ex, dst, t, root, error) || !emocap_fsync_path (dst, error)))
      goto fail;
    exported_sha = emocap_sha256_file_hex (dst, &size, error);
    if (exported_sha == NULL)
      goto fail;
    add_file (ex, dst_rel, size, exported_sha);
    json_array_append_new (files, json_pack ("{s:s?, s:s, s:I, s:s, s:s}",
            "camera", entry_str (file, "camera"), "file", base, "bytes", (json_int_t) size,
            "sha256", exported_sha, "recorded_sha256", sha));
  }

  meta = emocap_terms_metadata (usage);
  take = json_pack ("{s:i, s:s, s:s, s:s, s:s?, s:O?, s:s?, s:s?, s:O, s:s, s:s?}",
      "emocap", 1, "type", "emocap.export.take", "session", session_id, "take", t->id,
      "studio", entry_str (ex->opened, "studio"), "actor", json_object_get (t->consent, "actor"),
      "emotion", entry_str (scope, "emotion"), "intensity", entry_str (scope, "intensity"),
      "contract", json_object_get (t->consent, "contract"),
      "purpose", ex->request->purpose, "client", ex->request->client);
  json_object_update (take, meta);
  json_object_set_new (take, "terms_of_use", json_string (
          json_string_value (json_object_get (json_object_get (meta, "iptc-plus"),
                  "plus:OtherConstraints"))));
  json_object_set_new (take, "consent", json_pack ("{s:I, s:s, s:o}",
          "seq", (json_int_t) t->consent_seq,
          "line", (const char *) g_ptr_array_index (ex->lines, t->consent_seq - 1),
          "proof", proof));
  proof = NULL;
  json_object_set_new (take, "checkpoint", json_pack ("{s:I, s:I, s:s, s:s}",
          "seq", (json_int_t) ex->checkpoint_seq, "tree_size", (json_int_t) tree_size,
          "root", root,
          "line", (const char *) g_ptr_array_index (ex->lines, ex->checkpoint_seq - 1)));
  if (entry_str (t->finished, "watermark_tag"))
    json_object_set_new (take, "watermark", json_pack ("{s:s}", "tag",
            entry_str (t->finished, "watermark_tag")));
  json_object_set_new (take, "files", files);
  files = NULL;

  if (!write_json (ex, json_rel, take, NULL, error))
    return FALSE;
  json_array_append_new (manifest_takes, json_string (t->id));
  return TRUE;

fail:
  json_decref (proof);
  json_decref (files);
  return FALSE;
}

/* ----- the whole ----- */

static void
export_clear (Export *ex)
{
  if (ex->tmp != NULL) {
    emocap_remove_tree (ex->tmp);
    g_free (ex->tmp);
  }
  g_clear_pointer (&ex->journal, emocap_journal_close);
  g_clear_pointer (&ex->key, emocap_key_free);
  g_clear_pointer (&ex->contract, emocap_contract_free);
  g_clear_pointer (&ex->lines, g_ptr_array_unref);
  g_clear_pointer (&ex->takes, g_ptr_array_unref);
  json_decref (ex->entries);
  json_decref (ex->files);
  g_free (ex->journal_data);
}

static gboolean
refuse (GError **error, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
refuse (GError **error, int code, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, EMOCAP_ERROR, code, message);
  return FALSE;
}

/* The contract's term that forbids @purpose outright, if one does. */
static const char *
forbidding_term (const EmocapContract *contract, const char *purpose)
{
  if (strcmp (purpose, "commercial-advertising") == 0 &&
      contract->commercial_face_use != EMOCAP_TERM_ALLOWED)
    return "usage.commercial_face_use is \"prohibited\": no commercial use of the actor's "
        "face, in advertising or any commercial product";
  if (strcmp (purpose, "digital-replica") == 0 &&
      contract->digital_replica != EMOCAP_TERM_ALLOWED)
    return "usage.digital_replica is \"prohibited\": no digital replica of the actor";
  return NULL;
}

static gboolean
check_target (const char *to, GError **error)
{
  GDir *dir;
  gboolean empty;

  if (!g_file_test (to, G_FILE_TEST_EXISTS))
    return TRUE;
  dir = g_file_test (to, G_FILE_TEST_IS_DIR) ? g_dir_open (to, 0, NULL) : NULL;
  empty = dir != NULL && g_dir_read_name (dir) == NULL;
  if (dir)
    g_dir_close (dir);
  if (!empty)
    return refuse (error, EMOCAP_ERROR_EXISTS,
        "'%s' exists and is not an empty folder: export to a new folder", to);
  return TRUE;
}

static gboolean
run_export (Export *ex, EmocapExportResult *result, GError **error)
{
  const EmocapExportRequest *req = ex->request;
  g_autofree char *journal_path = g_build_filename (req->session_dir, "journal.jsonl", NULL);
  g_autofree char *contract_path = g_build_filename (req->session_dir, "contract.json", NULL);
  g_autofree char *secret = g_build_filename (req->keys_dir, "studio.key", NULL);
  g_autofree char *to_abs = NULL, *parent = NULL, *base = NULL, *tmpl = NULL;
  g_autofree char *manifest_sha = NULL, *sig = NULL, *unsigned_bytes = NULL;
  g_autofree char *now = NULL, *key_hex = NULL;
  g_autoptr (json_t) manifest = NULL;
  g_autoptr (json_t) fields = NULL;
  json_t *manifest_takes, *left_out, *entry;
  GPtrArray *chosen;
  gboolean ok = FALSE;

  if (!check_target (req->to, error))
    return FALSE;
  if (!g_file_test (secret, G_FILE_TEST_EXISTS))
    return refuse (error, EMOCAP_ERROR_NOT_FOUND,
        "no studio key '%s': a package is signed with the key that recorded the session",
        secret);
  ex->key = emocap_key_load_or_create (req->keys_dir, error);
  if (ex->key == NULL)
    return FALSE;

  /* Opening verifies the whole journal and holds its lock until the
   * export is journaled: nothing can be appended in between. */
  ex->journal = emocap_journal_open (journal_path, ex->key, error);
  if (ex->journal == NULL)
    return FALSE;
  if (!g_file_get_contents (journal_path, &ex->journal_data, &ex->journal_len, error))
    return FALSE;
  if (!emocap_journal_verify_data (journal_path, ex->journal_data, ex->journal_len, ex->key,
          &ex->entries, NULL, NULL, error))
    return FALSE;
  ex->lines = g_ptr_array_new_with_free_func (g_free);
  for (const char *p = ex->journal_data, *end = p + ex->journal_len; p < end;) {
    const char *nl = memchr (p, '\n', end - p);
    g_ptr_array_add (ex->lines, g_strndup (p, nl - p));
    p = nl + 1;
  }
  ex->takes = g_ptr_array_new_with_free_func (g_free);
  read_takes (ex);
  if (ex->opened == NULL)
    return refuse (error, EMOCAP_ERROR_VERIFY, "%s: no session.opened entry", journal_path);

  ex->contract = emocap_contract_load (contract_path, error);
  if (ex->contract == NULL)
    return FALSE;
  for (guint i = 0; i < ex->takes->len; i++) {
    TakeInfo *t = g_ptr_array_index (ex->takes, i);
    const char *sha = t->consent ?
        entry_str (json_object_get (t->consent, "contract"), "sha256") : NULL;
    if (sha != NULL && strcmp (sha, ex->contract->sha256) != 0)
      return refuse (error, EMOCAP_ERROR_VERIFY,
          "the archived contract '%s' is not the one consented to (its SHA-256 is "
          "%.16s..., consent entry %" G_GINT64_FORMAT " for take '%s' names %.16s...): it "
          "was changed after consent, and nothing is exported", contract_path,
          ex->contract->sha256, t->consent_seq, t->id, sha);
  }

  if (!emocap_contract_grants_purpose (ex->contract, req->purpose)) {
    g_autofree char *granted = ex->contract->purposes[0] ?
        g_strjoinv (", ", ex->contract->purposes) : g_strdup ("none");
    const char *term = forbidding_term (ex->contract, req->purpose);
    return refuse (error, EMOCAP_ERROR_CONSENT,
        "refused: contract '%s' does not grant the purpose '%s' (usage.purposes: %s)%s%s",
        ex->contract->id, req->purpose, granted, term ? "; " : "", term ? term : "");
  }

  /* The takes: named ones must all be exportable; otherwise every take
   * that may be, the others listed. */
  chosen = g_ptr_array_new ();
  if (req->takes && req->takes[0]) {
    for (const char *const *id = req->takes; *id; id++) {
      TakeInfo *t = NULL;
      g_autofree char *why = NULL;
      for (guint i = 0; i < ex->takes->len && t == NULL; i++) {
        TakeInfo *c = g_ptr_array_index (ex->takes, i);
        if (strcmp (c->id, *id) == 0)
          t = c;
      }
      if (t == NULL) {
        g_ptr_array_unref (chosen);
        return refuse (error, EMOCAP_ERROR_NOT_FOUND,
            "refused: session '%s' has no take '%s'", entry_str (ex->opened, "session"), *id);
      }
      why = why_not (ex, t);
      if (why != NULL) {
        g_ptr_array_unref (chosen);
        return refuse (error, EMOCAP_ERROR_CONSENT, "refused: take '%s' cannot be exported: %s",
            *id, why);
      }
      if (!g_ptr_array_find (chosen, t, NULL))
        g_ptr_array_add (chosen, t);
    }
  } else {
    for (guint i = 0; i < ex->takes->len; i++) {
      TakeInfo *t = g_ptr_array_index (ex->takes, i);
      char *why = why_not (ex, t);
      if (why == NULL)
        g_ptr_array_add (chosen, t);
      else
        g_ptr_array_add (result->left_out, g_strdup_printf ("%s: %s", t->id, why));
      g_free (why);
    }
  }
  if (chosen->len == 0) {
    g_ptr_array_unref (chosen);
    return refuse (error, EMOCAP_ERROR_CONSENT,
        "refused: no take of session '%s' may be exported for '%s'%s%s",
        entry_str (ex->opened, "session"), req->purpose,
        result->left_out->len ? "; " : "",
        result->left_out->len ? (const char *) g_ptr_array_index (result->left_out, 0) : "");
  }

  /* Write the package beside its destination, so that the rename at the
   * end cannot cross file systems. */
  to_abs = g_canonicalize_filename (req->to, NULL);
  parent = g_path_get_dirname (to_abs);
  base = g_path_get_basename (to_abs);
  if (!emocap_mkdir_private (parent, error)) {
    g_ptr_array_unref (chosen);
    return FALSE;
  }
  tmpl = g_strdup_printf ("%s/.%s.part-XXXXXX", parent, base);
  if (g_mkdtemp_full (tmpl, 0700) == NULL) {
    int e = errno;
    g_ptr_array_unref (chosen);
    return refuse (error, EMOCAP_ERROR_IO, "cannot create a folder beside '%s': %s", to_abs,
        g_strerror (e));
  }
  ex->tmp = g_steal_pointer (&tmpl);
  ex->files = json_array ();

  {
    g_autofree char *takes_dir = g_build_filename (ex->tmp, "takes", NULL);
    g_autofree char *contract_sha = NULL;
    gsize len;
    const void *data = g_bytes_get_data (ex->contract->bytes, &len);
    g_autofree char *dst = g_build_filename (ex->tmp, "contract.json", NULL);

    if (!emocap_mkdir_new (takes_dir, error) ||
        !emocap_write_new_file (dst, data, len, error)) {
      g_ptr_array_unref (chosen);
      return FALSE;
    }
    add_file (ex, "contract.json", len, ex->contract->sha256);
  }

  manifest_takes = json_array ();
  for (guint i = 0; i < chosen->len; i++) {
    if (!export_take (ex, g_ptr_array_index (chosen, i), manifest_takes, error)) {
      json_decref (manifest_takes);
      g_ptr_array_unref (chosen);
      return FALSE;
    }
    g_ptr_array_add (result->exported, g_strdup (((TakeInfo *) g_ptr_array_index (chosen, i))->id));
  }
  g_ptr_array_unref (chosen);

  left_out = json_array ();
  for (guint i = 0; i < result->left_out->len; i++)
    json_array_append_new (left_out, json_string (g_ptr_array_index (result->left_out, i)));
  now = emocap_utc_now ();
  key_hex = emocap_key_public_hex (ex->key);
  manifest = json_pack ("{s:i, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:{s:s, s:s, s:s},"
      " s:{s:I, s:s}, s:o, s:o, s:O}",
      "emocap", 1, "type", "emocap.export", "created_at", now,
      "session", entry_str (ex->opened, "session"), "purpose", req->purpose,
      "client", req->client, "studio", entry_str (ex->opened, "studio"),
      "studio_key", key_hex,
      "contract", "id", ex->contract->id, "sha256", ex->contract->sha256,
      "file", "contract.json",
      "checkpoint", "tree_size",
      json_integer_value (json_object_get (ex->checkpoint, "tree_size")),
      "root", entry_str (ex->checkpoint, "root"),
      "takes", manifest_takes, "left_out", left_out, "files", ex->files);
  unsigned_bytes = emocap_canonical_json (manifest);
  sig = emocap_key_sign_hex (ex->key, unsigned_bytes, strlen (unsigned_bytes));
  json_object_set_new (manifest, "sig", json_string (sig));
  if (!write_json (ex, "manifest.json", manifest, &manifest_sha, error))
    return FALSE;
  if (!emocap_fsync_path (ex->tmp, error))
    return FALSE;

  /* Into place, then journaled; if the journal cannot take it, the
   * package goes again: no export exists that the journal does not
   * know. */
  if (g_file_test (to_abs, G_FILE_TEST_IS_DIR))
    g_rmdir (to_abs);
  if (g_rename (ex->tmp, to_abs) < 0) {
    int e = errno;
    return refuse (error, EMOCAP_ERROR_IO, "cannot move the package into '%s': %s", to_abs,
        g_strerror (e));
  }
  g_free (ex->tmp);
  ex->tmp = g_strdup (to_abs);
  if (!emocap_fsync_parent (to_abs, error))
    return FALSE;

  fields = json_pack ("{s:s, s:s, s:s?, s:s, s:O, s:O, s:s}",
      "session", entry_str (ex->opened, "session"), "purpose", req->purpose,
      "client", req->client, "to", to_abs, "takes", manifest_takes,
      "left_out", left_out, "manifest_sha256", manifest_sha);
  entry = emocap_journal_append (ex->journal, EMOCAP_JOURNAL_EXPORT_CREATED, fields, error);
  if (entry == NULL)
    return FALSE;
  result->journal_seq = entry_seq (entry);
  json_decref (entry);
  g_clear_pointer (&ex->tmp, g_free);
  result->manifest_sha256 = g_steal_pointer (&manifest_sha);
  ok = TRUE;
  return ok;
}

EmocapExportResult *
emocap_export (const EmocapExportRequest *request, GError **error)
{
  Export ex = { 0, };
  EmocapExportResult *result;

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (request->session_dir && request->keys_dir && request->purpose &&
      request->to, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ex.request = request;
  result = g_new0 (EmocapExportResult, 1);
  result->exported = g_ptr_array_new_with_free_func (g_free);
  result->left_out = g_ptr_array_new_with_free_func (g_free);
  if (!run_export (&ex, result, error)) {
    export_clear (&ex);
    emocap_export_result_free (result);
    return NULL;
  }
  export_clear (&ex);
  return result;
}

void
emocap_export_result_free (EmocapExportResult *result)
{
  if (result == NULL)
    return;
  g_ptr_array_unref (result->exported);
  g_ptr_array_unref (result->left_out);
  g_free (result->manifest_sha256);
  g_free (result);
}

/* ----- reading the tags back ----- */

typedef struct {
  GHashTable *tags;
  GString *text;
  char *name;
  gboolean in_name, in_string;
} TagParser;

static void
tags_start (GMarkupParseContext *ctx, const char *element, const char **names,
    const char **values, gpointer data, GError **error)
{
  TagParser *p = data;

  if (strcmp (element, "Simple") == 0)
    g_clear_pointer (&p->name, g_free);
  p->in_name = strcmp (element, "Name") == 0;
  p->in_string = strcmp (element, "String") == 0;
  g_string_truncate (p->text, 0);
}

static void
tags_end (GMarkupParseContext *ctx, const char *element, gpointer data, GError **error)
{
  TagParser *p = data;

  if (p->in_name && strcmp (element, "Name") == 0) {
    g_free (p->name);
    p->name = g_strdup (p->text->str);
  } else if (p->in_string && strcmp (element, "String") == 0 && p->name != NULL) {
    /* The first of a name wins: a second one cannot override it. */
    if (!g_hash_table_contains (p->tags, p->name))
      g_hash_table_insert (p->tags, g_strdup (p->name), g_strdup (p->text->str));
  }
  p->in_name = p->in_string = FALSE;
}

static void
tags_text (GMarkupParseContext *ctx, const char *text, gsize len, gpointer data,
    GError **error)
{
  TagParser *p = data;

  if (p->in_name || p->in_string)
    g_string_append_len (p->text, text, len);
}

GHashTable *
emocap_export_parse_tags (const char *xml, gsize len, GError **error)
{
  static const GMarkupParser parser = { tags_start, tags_end, tags_text, NULL, NULL };
  g_autoptr (GError) local = NULL;
  GMarkupParseContext *ctx;
  TagParser p = { 0, };

  g_return_val_if_fail (xml != NULL || len == 0, NULL);

  if (len >= 3 && memcmp (xml, "\xef\xbb\xbf", 3) == 0) {
    xml += 3;
    len -= 3;
  }
  p.tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  p.text = g_string_new (NULL);
  ctx = g_markup_parse_context_new (&parser, 0, &p, NULL);
  if (len > 0 && (!g_markup_parse_context_parse (ctx, xml, (gssize) len, &local) ||
          !g_markup_parse_context_end_parse (ctx, &local))) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "the Matroska tags cannot be read: %s", local->message);
    g_clear_pointer (&p.tags, g_hash_table_unref);
  }
  g_markup_parse_context_free (ctx);
  g_string_free (p.text, TRUE);
  g_free (p.name);
  return p.tags;
}

GHashTable *
emocap_export_read_tags (const char *mkv, GError **error)
{
  const char *argv[] = { "mkvextract", mkv, "tags", "-", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) local = NULL;
  gsize out_len;
  GHashTable *tags;
  int status = 0;

  g_return_val_if_fail (mkv != NULL, NULL);

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
          &status, &local)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "cannot run mkvextract to read the tags of '%s': %s (install mkvtoolnix)", mkv,
        local->message);
    return NULL;
  }
  if (!g_spawn_check_wait_status (status, NULL)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA,
        "cannot read the Matroska tags of '%s': %s%s", mkv, g_strstrip (out), g_strstrip (err));
    return NULL;
  }
  out_len = strlen (out);
  tags = emocap_export_parse_tags (out, out_len, &local);
  if (tags == NULL)
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA, "'%s': %s", mkv,
        local->message);
  return tags;
}
