/* emocap tests: `emocap audit` passes untouched records and names every
 * tampering
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each case: a fresh copy of a recorded session, exported for
 * ai-training, one edit, then the audit must fail and name the problem.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <emocap/digest.h>
#include <emocap/journal.h>
#include <emocap/keys.h>

#include "export-util.h"

/* emocap audit PATH --archive ARCHIVE --json; the report. */
static json_t *
audit (Case *c, const char *path)
{
  json_t *report;

  run_emocap_in (c, "audit", path, "--archive", c->archive, "--json", NULL);
  report = json_loads (c->out, 0, NULL);
  if (report == NULL)
    g_error ("audit of %s printed no JSON (exit %d):\n%s%s", path, c->status, c->out, c->err);
  check ((c->status == 0) == json_is_true (json_object_get (report, "ok")),
      "exit %d but ok is %s", c->status, json_is_true (json_object_get (report, "ok")) ?
      "true" : "false");
  return report;
}

static json_t *
find_check (json_t *report, const char *id)
{
  size_t i;
  json_t *c;

  json_array_foreach (json_object_get (report, "checks"), i, c) {
    if (g_strcmp0 (json_string_value (json_object_get (c, "id")), id) == 0)
      return c;
  }
  return NULL;
}

/* The audit fails, check @id among the failures, with a problem whose
 * place contains @where and whose text contains @what. */
static void
assert_names (Case *c, json_t *report, const char *id, const char *where, const char *what)
{
  json_t *chk = find_check (report, id);
  size_t i;
  json_t *p;
  gboolean found = FALSE;

  check (c->status == 3, "audit exit %d, expected 3", c->status);
  check (chk != NULL && !json_is_true (json_object_get (chk, "ok")), "check '%s' did not fail",
      id);
  if (chk == NULL)
    return;
  json_array_foreach (json_object_get (chk, "problems"), i, p) {
    found |= strstr (json_string_value (json_object_get (p, "where")), where) != NULL &&
        strstr (json_string_value (json_object_get (p, "what")), what) != NULL;
  }
  if (!found) {
    char *text = json_dumps (chk, JSON_INDENT (1));
    check (found, "check '%s' has no problem at '%s' saying '%s':\n%s", id, where, what, text);
    free (text);
  }
}

static void
assert_all_pass (Case *c, json_t *report)
{
  char *text = json_dumps (report, JSON_INDENT (1));

  check (c->status == 0 && json_is_true (json_object_get (report, "ok")),
      "audit did not pass (exit %d):\n%s", c->status, text);
  free (text);
}

/* A case with the session exported for ai-training. */
static Case *
exported_case (void)
{
  Case *c = case_new ();

  export (c, "ai-training", NULL);
  g_assert_cmpint (c->status, ==, 0);
  return c;
}

static GPtrArray *
read_lines (const char *path)
{
  g_autofree char *text = read_text (path);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (char **l = lines; *l; l++) {
    if (**l)
      g_ptr_array_add (out, g_strdup (*l));
  }
  return out;
}

static void
write_lines (const char *path, GPtrArray *lines)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (s, "%s\n", (char *) g_ptr_array_index (lines, i));
  g_assert_true (g_file_set_contents (path, s->str, s->len, NULL));
}

static void
replace_in_file (const char *path, const char *from, const char *to)
{
  g_autofree char *text = read_text (path);
  g_autoptr (GString) s = g_string_new (text);

  g_assert_cmpuint (g_string_replace (s, from, to, 1), ==, 1);
  g_assert_true (g_file_set_contents (path, s->str, s->len, NULL));
}

static void
flip_byte (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  data[len / 2] ^= 0x01;
  g_assert_true (g_file_set_contents (path, data, len, NULL));
}

static void
test_untouched (void)
{
  g_autoptr (Case) c = exported_case ();
  g_autoptr (json_t) archive = audit (c, c->archive);
  g_autoptr (json_t) session = audit (c, c->session);
  g_autoptr (json_t) package = NULL;
  g_autofree char *html = g_build_filename (c->dir, "report.html", NULL);
  g_autofree char *page = NULL;

  assert_all_pass (c, archive);
  assert_all_pass (c, session);
  package = audit (c, c->pkg);
  assert_all_pass (c, package);
  check (find_check (package, "terms") && find_check (package, "media-tags") &&
      find_check (package, "watermark") && find_check (package, "package-consent"),
      "the package audit lacks checks");
  check (json_integer_value (json_object_get (find_check (package, "watermark"), "checked"))
      == 2, "watermark checked on 2 takes");

  run_emocap_in (c, "audit", c->pkg, "--archive", c->archive, "--html", html, NULL);
  check (c->status == 0, "exit %d", c->status);
  page = read_text (html);
  check (strstr (page, "Everything checked holds") != NULL, "the page has no verdict");
  check (strstr (page, "ban on commercial use of the actor&apos;s face") != NULL ||
      strstr (page, "ban on commercial use of the actor's face") != NULL,
      "the page does not say what the terms check means");
}

static void
test_media_byte (void)
{
  g_autoptr (Case) c = exported_case ();
  g_autofree char *mkv = g_build_filename (c->session, "takes", "003-joy", "front.mkv", NULL);
  g_autofree char *pkg_mkv = g_build_filename (c->pkg, "takes", "001-joy", "front.mkv", NULL);
  g_autoptr (json_t) r1 = NULL, r2 = NULL;

  flip_byte (mkv);
  r1 = audit (c, c->archive);
  assert_names (c, r1, "media", "takes/003-joy/front.mkv", "the file was changed");
  flip_byte (pkg_mkv);
  r2 = audit (c, c->pkg);
  assert_names (c, r2, "manifest", "takes/001-joy/front.mkv", "not the file the manifest lists");
}

static void
test_journal_edits (void)
{
  static const struct {
    const char *edit;
    const char *what;
  } cases[] = {
    { "edited", "journal.jsonl:3: signature does not match" },
    { "deleted", "journal.jsonl:3: seq is 4, expected 3" },
    { "swapped", "journal.jsonl:3: seq is 4, expected 3" },
    { "forged", "signature does not match" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (Case) c = exported_case ();
    g_autoptr (GPtrArray) lines = read_lines (c->journal);
    g_autoptr (json_t) report = NULL;
    const char *edit = cases[i].edit;

    if (strcmp (edit, "edited") == 0) {
      char *line = g_ptr_array_index (lines, 2);
      char *at = strstr (line, "\"seconds\":1");
      g_assert_nonnull (at);
      at[10] = '2';
    } else if (strcmp (edit, "deleted") == 0) {
      g_ptr_array_remove_index (lines, 2);
    } else if (strcmp (edit, "swapped") == 0) {
      gpointer t = lines->pdata[2];
      lines->pdata[2] = lines->pdata[3];
      lines->pdata[3] = t;
    } else {
      /* A withdrawal-free export record, signed with a key of our own. */
      g_autofree char *keys = g_build_filename (c->dir, "forger", NULL);
      g_autoptr (EmocapKey) forger = emocap_key_load_or_create (keys, NULL);
      const char *last = g_ptr_array_index (lines, lines->len - 1);
      g_autofree char *prev = emocap_sha256_hex (last, strlen (last));
      g_autoptr (json_t) entry = json_pack ("{s:I, s:s, s:s, s:s, s:s, s:s}",
          "seq", (json_int_t) lines->len + 1, "at", "2030-01-01T00:00:00.000000Z",
          "type", "export.created", "prev", prev, "session", SESSION,
          "purpose", "commercial-advertising");
      char *bytes = emocap_canonical_json (entry);
      g_autofree char *sig = emocap_key_sign_hex (forger, bytes, strlen (bytes));
      free (bytes);
      json_object_set_new (entry, "sig", json_string (sig));
      g_ptr_array_add (lines, emocap_canonical_json (entry));
    }
    write_lines (c->journal, lines);
    report = audit (c, c->archive);
    assert_names (c, report, "journal", SESSION, cases[i].what);
  }
}

static void
test_consent_moved (void)
{
  g_autoptr (Case) c = exported_case ();
  g_autoptr (GPtrArray) lines = read_lines (c->journal);
  g_autoptr (json_t) report = NULL;
  gpointer t;

  /* Lines 2 and 3: consent.given and take.started of 001-joy. */
  g_assert_nonnull (strstr (g_ptr_array_index (lines, 1), "\"type\":\"consent.given\""));
  g_assert_nonnull (strstr (g_ptr_array_index (lines, 2), "\"type\":\"take.started\""));
  t = lines->pdata[1];
  lines->pdata[1] = lines->pdata[2];
  lines->pdata[2] = t;
  write_lines (c->journal, lines);
  report = audit (c, c->session);
  assert_names (c, report, "journal", SESSION, "journal.jsonl:2:");
  assert_names (c, report, "consent", "001-joy",
      "take 001-joy was recorded without a consent.given before it");
}

static void
test_terms_edited (void)
{
  static const struct {
    const char *from, *to, *what;
  } cases[] = {
    { "\"commercial_face_use\": \"prohibited\"", "\"commercial_face_use\": \"allowed\"",
      "usage.commercial_face_use is \"allowed\", the consented terms say \"prohibited\"" },
    { "\"commercial_face_use\": \"prohibited\",", "",
      "usage.commercial_face_use is missing" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (Case) c = exported_case ();
    g_autofree char *take = g_build_filename (c->pkg, "takes", "003-joy", "take.json", NULL);
    g_autoptr (json_t) report = NULL;

    replace_in_file (take, cases[i].from, cases[i].to);
    report = audit (c, c->pkg);
    assert_names (c, report, "terms", "takes/003-joy/take.json", cases[i].what);
    assert_names (c, report, "manifest", "takes/003-joy/take.json",
        "not the file the manifest lists");
  }
}

static void
test_terms_tag_changed (void)
{
  g_autoptr (Case) c = exported_case ();
  g_autofree char *mkv = g_build_filename (c->pkg, "takes", "001-joy", "front.mkv", NULL);
  g_autofree char *xml = g_build_filename (c->dir, "tags.xml", NULL);
  g_autoptr (json_t) report = NULL;
  const char *argv[] = { "mkvpropedit", "--quiet", mkv, "--tags", NULL, NULL };
  g_autofree char *arg = g_strconcat ("global:", xml, NULL);
  int status = 0;

  g_assert_true (g_file_set_contents (xml, "<?xml version=\"1.0\"?>\n<Tags><Tag><Targets/>"
          "<Simple><Name>TERMS_OF_USE</Name><String>Free for any use.</String></Simple>"
          "</Tag></Tags>\n", -1, NULL));
  argv[4] = arg;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
          NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  report = audit (c, c->pkg);
  assert_names (c, report, "media-tags", "takes/001-joy/front.mkv",
      "TERMS_OF_USE is not the contract's terms");
}

static void
test_manifest_entries (void)
{
  for (int added = 0; added < 2; added++) {
    g_autoptr (Case) c = exported_case ();
    g_autofree char *path = g_build_filename (c->pkg, "manifest.json", NULL);
    g_autoptr (json_t) manifest = json_load_file (path, 0, NULL);
    json_t *files = json_object_get (manifest, "files");
    g_autoptr (json_t) report = NULL;

    if (added)
      json_array_append_new (files, json_pack ("{s:s, s:i, s:s}", "path", "takes/extra.mkv",
              "bytes", 1, "sha256", EMOCAP_JOURNAL_GENESIS));
    else
      json_array_remove (files, 1);
    g_assert_cmpint (json_dump_file (manifest, path, JSON_INDENT (2) | JSON_SORT_KEYS), ==, 0);
    report = audit (c, c->pkg);
    assert_names (c, report, "manifest", "manifest.json", "its signature is not the studio key's");
    if (added)
      assert_names (c, report, "manifest", "takes/extra.mkv", "listed in the manifest but missing");
    else
      assert_names (c, report, "manifest", "takes/001-joy/front.mkv",
          "in the package but not in its signed manifest");
  }
}

/* A studio that exported a take after its consent was withdrawn. */
static void
test_export_after_withdrawal (void)
{
  g_autoptr (Case) c = exported_case ();
  g_autoptr (GPtrArray) lines = read_lines (c->journal);
  g_autoptr (json_t) original = json_loads (g_ptr_array_index (lines, lines->len - 1), 0, NULL);
  g_autofree char *keys = g_build_filename (c->archive, "keys", NULL);
  g_autoptr (EmocapKey) key = emocap_key_load_or_create (keys, NULL);
  g_autoptr (json_t) r1 = NULL, r2 = NULL;

  g_assert_cmpstr (json_string_value (json_object_get (original, "type")), ==, "export.created");
  withdraw (c, "001-joy");
  {
    g_autoptr (EmocapJournal) journal = emocap_journal_open (c->journal, key, NULL);
    g_autoptr (json_t) fields = json_deep_copy (original);
    for (const char *const *k = (const char *const[]) { "seq", "at", "type", "prev", "sig",
            NULL }; *k; k++)
      json_object_del (fields, *k);
    json_decref (emocap_journal_append (journal, "export.created", fields, NULL));
  }
  r1 = audit (c, c->archive);
  assert_names (c, r1, "withdrawal", "consent.withdrawn 001-joy",
      "take 001-joy was exported");
  r2 = audit (c, c->pkg);
  assert_names (c, r2, "withdrawal", "takes/001-joy/take.json",
      "consent to take 001-joy was withdrawn");
}

static void
test_contract_edited (void)
{
  g_autoptr (Case) c = exported_case ();
  g_autofree char *session_contract = g_build_filename (c->session, "contract.json", NULL);
  g_autofree char *pkg_contract = g_build_filename (c->pkg, "contract.json", NULL);
  g_autoptr (json_t) r1 = NULL, r2 = NULL;

  replace_in_file (session_contract, "\"digital_replica\": \"prohibited\"",
      "\"digital_replica\": \"allowed\"");
  r1 = audit (c, c->session);
  assert_names (c, r1, "consent", "001-joy", "contract.json was changed after consent");
  replace_in_file (pkg_contract, "\"digital_replica\": \"prohibited\"",
      "\"digital_replica\": \"allowed\"");
  r2 = audit (c, c->pkg);
  assert_names (c, r2, "manifest", "contract.json", "not the file the manifest lists");
  assert_names (c, r2, "contract", "contract.json", "not the contract the manifest names");
}

/* What the session folder holds beside the journal: take.json must agree
 * with it, and nothing may be in the takes that no take recorded. */
static void
test_session_files (void)
{
  {
    g_autoptr (Case) c = exported_case ();
    g_autofree char *take = g_build_filename (c->session, "takes", "001-joy", "take.json", NULL);
    g_autoptr (json_t) r = NULL;
    replace_in_file (take, "\"emotion\": \"joy\"", "\"emotion\": \"anger\"");
    r = audit (c, c->archive);
    assert_names (c, r, "take-records", "takes/001-joy/take.json", "says emotion 'anger'");
  }
  {
    g_autoptr (Case) c = exported_case ();
    g_autofree char *take = g_build_filename (c->session, "takes", "003-joy", "take.json", NULL);
    g_autoptr (json_t) r = NULL;
    g_assert_cmpint (g_unlink (take), ==, 0);
    r = audit (c, c->archive);
    assert_names (c, r, "take-records", "takes/003-joy/take.json", "missing");
  }
  {
    /* Footage of the refused take, slipped in beside the others. */
    g_autoptr (Case) c = exported_case ();
    g_autofree char *src = g_build_filename (c->session, "takes", "001-joy", "front.mkv", NULL);
    g_autofree char *dir = g_build_filename (c->session, "takes", "002-anger", NULL);
    g_autofree char *dst = g_build_filename (dir, "front.mkv", NULL);
    g_autofree char *bytes = NULL;
    gsize len = 0;
    g_autoptr (json_t) r = NULL;
    g_assert_true (g_file_get_contents (src, &bytes, &len, NULL));
    g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
    g_assert_true (g_file_set_contents (dst, bytes, (gssize) len, NULL));
    r = audit (c, c->archive);
    assert_names (c, r, "media", "takes/002-anger/front.mkv", "no take in its journal");
  }
}

/* Tampering of kinds not listed in the issue still fails. */
static void
test_other_tampering (void)
{
  {
    g_autoptr (Case) c = exported_case ();
    g_autofree char *extra = g_build_filename (c->pkg, "takes", "003-joy", "bonus.mkv", NULL);
    g_autoptr (json_t) r = NULL;
    g_assert_true (g_file_set_contents (extra, "x", 1, NULL));
    r = audit (c, c->pkg);
    assert_names (c, r, "manifest", "takes/003-joy/bonus.mkv", "not in its signed manifest");
  }
  {
    /* A folder with nothing in it is no file, but the manifest does not
     * account for it either. */
    g_autoptr (Case) c = exported_case ();
    g_autofree char *extra = g_build_filename (c->pkg, "takes", "004-joy", NULL);
    g_autoptr (json_t) r = NULL;
    g_assert_cmpint (g_mkdir (extra, 0700), ==, 0);
    r = audit (c, c->pkg);
    assert_names (c, r, "manifest", "takes/004-joy/", "not in its signed manifest");
  }
  {
    /* A listed file replaced by a link to the same bytes elsewhere. */
    g_autoptr (Case) c = exported_case ();
    g_autofree char *media = g_build_filename (c->pkg, "takes", "003-joy", "front.mkv", NULL);
    g_autofree char *away = g_strconcat (c->pkg, "-front.mkv", NULL);
    g_autoptr (json_t) r = NULL;
    g_assert_cmpint (g_rename (media, away), ==, 0);
    g_assert_cmpint (symlink (away, media), ==, 0);
    r = audit (c, c->pkg);
    assert_names (c, r, "manifest", "takes/003-joy/front.mkv", "a symbolic link");
  }
  {
    g_autoptr (Case) c = exported_case ();
    g_autofree char *take = g_build_filename (c->pkg, "takes", "003-joy", "take.json", NULL);
    g_autoptr (json_t) r = NULL;
    replace_in_file (take, "\"purpose\": \"ai-training\"", "\"purpose\": \"research\"");
    r = audit (c, c->pkg);
    assert_names (c, r, "manifest", "takes/003-joy/take.json", "not the file the manifest lists");
  }
  {
    g_autoptr (Case) c = exported_case ();
    g_autofree char *take = g_build_filename (c->pkg, "takes", "003-joy", "take.json", NULL);
    g_autoptr (json_t) r = NULL;
    /* The consent line of another take, with its valid signature. */
    g_autofree char *other = g_build_filename (c->pkg, "takes", "001-joy", "take.json", NULL);
    g_autoptr (json_t) a = json_load_file (take, 0, NULL);
    g_autoptr (json_t) b = json_load_file (other, 0, NULL);
    json_object_set (json_object_get (a, "consent"), "line",
        json_object_get (json_object_get (b, "consent"), "line"));
    g_assert_cmpint (json_dump_file (a, take, JSON_INDENT (2) | JSON_SORT_KEYS), ==, 0);
    r = audit (c, c->pkg);
    assert_names (c, r, "package-consent", "takes/003-joy/take.json",
        "is not export-test/003-joy's consent.given");
  }
}

int
main (int argc, char **argv)
{
  int result;

  g_test_init (&argc, &argv, NULL);
  export_util_record ();

  g_test_add_func ("/audit/untouched", test_untouched);
  g_test_add_func ("/audit/media-byte", test_media_byte);
  g_test_add_func ("/audit/journal-edits", test_journal_edits);
  g_test_add_func ("/audit/consent-moved", test_consent_moved);
  g_test_add_func ("/audit/terms-edited", test_terms_edited);
  g_test_add_func ("/audit/terms-tag-changed", test_terms_tag_changed);
  g_test_add_func ("/audit/manifest-entries", test_manifest_entries);
  g_test_add_func ("/audit/export-after-withdrawal", test_export_after_withdrawal);
  g_test_add_func ("/audit/contract-edited", test_contract_edited);
  g_test_add_func ("/audit/session-files", test_session_files);
  g_test_add_func ("/audit/other-tampering", test_other_tampering);
  result = g_test_run ();
  studio_free (studio);
  return result;
}
