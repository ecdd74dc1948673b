/* emocap tests: `emocap export` as a studio runs it, and its refusals
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One session is recorded (three takes on a test camera, the second one's
 * consent refused), and every case works on a fresh copy of its archive.
 */
#include <string.h>

#include <glib/gstdio.h>

#include <emocap/contract.h>
#include <emocap/digest.h>
#include <emocap/journal.h>
#include <emocap/keys.h>
#include <emocap/terms.h>

#include "export-util.h"

/* A refusal leaves no package and nothing beside it, and no journal
 * entry. */
static void
assert_nothing_written (Case *c, const char *journal_before)
{
  g_autofree char *parent = g_path_get_dirname (c->pkg);
  g_autofree char *journal_after = read_text (c->journal);
  GDir *dir;

  check (!g_file_test (c->pkg, G_FILE_TEST_EXISTS) ||
      (g_file_test (c->pkg, G_FILE_TEST_IS_DIR) && g_rmdir (c->pkg) == 0 &&
          g_mkdir (c->pkg, 0700) == 0), "%s was written", c->pkg);
  dir = g_dir_open (parent, 0, NULL);
  if (dir != NULL) {
    const char *name;
    while ((name = g_dir_read_name (dir)) != NULL)
      check (strcmp (name, "pkg") == 0, "left behind in %s: %s", parent, name);
    g_dir_close (dir);
  }
  check (strcmp (journal_before, journal_after) == 0, "the journal changed");
}

static json_t *
probe_tags (const char *path)
{
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { "ffprobe", "-v", "error", "-show_entries", "format_tags", "-of",
    "json", path, NULL };
  int status = 0;
  json_t *json;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
      &status, &error);
  g_assert_no_error (error);
  json = json_loads (out, 0, NULL);
  g_assert_nonnull (json);
  return json;
}

static void
test_export_ai_training (void)
{
  g_autoptr (Case) c = case_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *manifest_path = g_build_filename (c->pkg, "manifest.json", NULL);
  g_autofree char *pub_path = g_build_filename (c->archive, "keys", "studio.pub", NULL);
  g_autofree char *contract_path = g_build_filename (c->session, "contract.json", NULL);
  g_autoptr (EmocapKey) pub = NULL;
  g_autoptr (EmocapContract) contract = NULL;
  g_autoptr (json_t) usage = NULL;
  g_autoptr (json_t) manifest = NULL;
  g_autoptr (json_t) journal = NULL;
  g_autoptr (json_t) unsigned_manifest = NULL;
  g_autofree char *unsigned_bytes = NULL;
  json_t *file, *take_id;
  size_t i;
  int exported;

  export (c, "ai-training", "--client", "Example AI Lab", NULL);
  check (c->status == 0, "exit %d\n%s%s", c->status, c->out, c->err);
  check (strstr (c->err, "left out 002-anger: consent was refused") != NULL,
      "the refused take is not listed:\n%s", c->err);
  check (strstr (c->out, "exported 2 takes") != NULL, "%s", c->out);

  pub = emocap_key_load_public (pub_path, &error);
  g_assert_no_error (error);
  contract = emocap_contract_load (contract_path, &error);
  g_assert_no_error (error);
  usage = emocap_contract_usage_json (contract);

  /* The manifest: signed, every file listed with its size and hash. */
  manifest = read_json_file (manifest_path);
  g_assert_nonnull (manifest);
  unsigned_manifest = json_deep_copy (manifest);
  json_object_del (unsigned_manifest, "sig");
  unsigned_bytes = emocap_canonical_json (unsigned_manifest);
  check (emocap_key_verify_hex (pub, unsigned_bytes, strlen (unsigned_bytes),
          json_string_value (json_object_get (manifest, "sig"))), "manifest signature");
  check (g_strcmp0 (json_string_value (json_object_get (manifest, "purpose")), "ai-training")
      == 0, "manifest purpose");
  check (g_strcmp0 (json_string_value (json_object_get (manifest, "client")), "Example AI Lab")
      == 0, "manifest client");
  check (g_strcmp0 (json_string_value (json_object_get (json_object_get (manifest, "contract"),
              "sha256")), contract->sha256) == 0, "manifest contract hash");
  json_array_foreach (json_object_get (manifest, "files"), i, file) {
    g_autofree char *path = g_build_filename (c->pkg,
        json_string_value (json_object_get (file, "path")), NULL);
    guint64 size = 0;
    g_autofree char *sha = emocap_sha256_file_hex (path, &size, NULL);
    check (sha && strcmp (sha, json_string_value (json_object_get (file, "sha256"))) == 0,
        "hash of %s", path);
    check (size == (guint64) json_integer_value (json_object_get (file, "bytes")),
        "size of %s", path);
  }
  /* 2 takes x (take.json + front.mkv) + contract.json */
  check (json_array_size (json_object_get (manifest, "files")) == 5, "%zu files",
      json_array_size (json_object_get (manifest, "files")));

  json_array_foreach (json_object_get (manifest, "takes"), i, take_id) {
    const char *id = json_string_value (take_id);
    g_autofree char *take_path = g_build_filename (c->pkg, "takes", id, "take.json", NULL);
    g_autofree char *mkv = g_build_filename (c->pkg, "takes", id, "front.mkv", NULL);
    g_autoptr (json_t) take = read_json_file (take_path);
    g_autoptr (json_t) terms = json_pack ("{s:O, s:O, s:O}",
        "usage", json_object_get (take, "usage"),
        "cawg.training-mining", json_object_get (take, "cawg.training-mining"),
        "iptc-plus", json_object_get (take, "iptc-plus"));
    g_autoptr (json_t) tags = probe_tags (mkv);
    json_t *t = json_object_get (json_object_get (tags, "format"), "tags");
    json_t *consent = json_object_get (take, "consent");
    json_t *checkpoint = json_object_get (take, "checkpoint");
    const char *line = json_string_value (json_object_get (consent, "line"));
    g_autofree char *face = emocap_terms_face_clause (usage);
    g_autofree char *errors = NULL;

    /* The terms, face ban first, in every vocabulary and in the media. */
    check (emocap_terms_check (terms, usage, &error), "%s: %s", id,
        error ? error->message : "");
    g_clear_error (&error);
    check (g_strcmp0 (json_string_value (json_object_get (json_object_get (take, "usage"),
                "commercial_face_use")), "prohibited") == 0, "%s: face ban", id);
    check (json_string_value (json_object_get (t, "TERMS_OF_USE")) &&
        strstr (json_string_value (json_object_get (t, "TERMS_OF_USE")), face) != NULL,
        "%s: TERMS_OF_USE tag lacks the face clause", id);
    check (g_strcmp0 (json_string_value (json_object_get (t, "_EMOCAP_COMMERCIAL_FACE_USE")),
            "prohibited") == 0, "%s: _EMOCAP_COMMERCIAL_FACE_USE tag", id);
    check (g_strcmp0 (json_string_value (json_object_get (t, "_EMOCAP_JOURNAL_ROOT")),
            json_string_value (json_object_get (checkpoint, "root"))) == 0,
        "%s: _EMOCAP_JOURNAL_ROOT tag", id);
    check (g_strcmp0 (json_string_value (json_object_get (t, "_EMOCAP_TAKE_TAG")),
            json_string_value (json_object_get (json_object_get (take, "watermark"), "tag")))
        == 0, "%s: _EMOCAP_TAKE_TAG tag", id);
    check (media_plays (mkv, &errors), "%s does not play: %s", mkv, errors);
    /* mediainfo shows them too. */
    {
      g_autofree char *info = NULL;
      const char *mi[] = { "mediainfo", mkv, NULL };
      int status = 0;
      g_assert_true (g_spawn_sync (NULL, (char **) mi, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
              &info, NULL, &status, NULL));
      check (strstr (info, "Terms of use") && strstr (info, face) &&
          strstr (info, "_EMOCAP_COMMERCIAL_FACE_USE") && strstr (info, "_EMOCAP_TAKE_TAG"),
          "%s: mediainfo does not show the terms:\n%s", id, info);
    }

    /* The consent entry is in the signed checkpoint. */
    check (emocap_journal_check_inclusion (line, strlen (line),
            json_object_get (consent, "proof"),
            json_integer_value (json_object_get (checkpoint, "tree_size")),
            json_string_value (json_object_get (checkpoint, "root")), &error),
        "%s: inclusion proof: %s", id, error ? error->message : "");
    g_clear_error (&error);
    check (strstr (line, "\"type\":\"consent.given\"") && strstr (line, id),
        "%s: the consent line is not its consent.given", id);
  }

  /* The export is journaled, and the journal still verifies. */
  check (emocap_journal_verify (c->journal, pub, &journal, NULL, &error), "verify: %s",
      error ? error->message : "");
  exported = journal_find (journal, "export.created", NULL);
  check (exported > 0, "no export.created in the journal");
}

static void
test_refused_purposes (void)
{
  static const struct {
    const char *purpose;
    const char *says;
  } cases[] = {
    { "commercial-advertising", "usage.commercial_face_use is \"prohibited\"" },
    { "digital-replica", "usage.digital_replica is \"prohibited\"" },
    { "resale", "does not grant the purpose 'resale'" },
  };
  g_autoptr (Case) c = case_new ();
  g_autofree char *journal = read_text (c->journal);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    export (c, cases[i].purpose, NULL);
    check (c->status == 3, "%s: exit %d\n%s", cases[i].purpose, c->status, c->err);
    check (strstr (c->err, cases[i].says) != NULL, "%s: %s", cases[i].purpose, c->err);
    check (strstr (c->err, "NLC-2026-0042") != NULL, "%s: contract not named: %s",
        cases[i].purpose, c->err);
    assert_nothing_written (c, journal);
  }
}

/* A named take without consent is refused, not left out. */
static void
test_refused_take (void)
{
  g_autoptr (Case) c = case_new ();
  g_autofree char *journal = read_text (c->journal);

  export (c, "ai-training", "--take", "001-joy", "--take", "002-anger", NULL);
  check (c->status == 3, "exit %d\n%s", c->status, c->err);
  check (strstr (c->err, "take '002-anger' cannot be exported: consent was refused"), "%s",
      c->err);
  assert_nothing_written (c, journal);

  export (c, "ai-training", "--take", "009-joy", NULL);
  check (c->status == 3, "exit %d\n%s", c->status, c->err);
  check (strstr (c->err, "has no take '009-joy'"), "%s", c->err);
  assert_nothing_written (c, journal);
}


static void
test_withdrawn (void)
{
  g_autoptr (Case) c = case_new ();
  g_autofree char *journal = NULL;
  g_autofree char *withdrawn = g_build_filename (c->pkg, "takes", "001-joy", NULL);
  g_autofree char *kept = g_build_filename (c->pkg, "takes", "003-joy", NULL);

  withdraw (c, "001-joy");
  journal = read_text (c->journal);
  export (c, "ai-training", "--take", "001-joy", NULL);
  check (c->status == 3, "exit %d\n%s", c->status, c->err);
  check (strstr (c->err, "take '001-joy' cannot be exported: consent was withdrawn"), "%s",
      c->err);
  assert_nothing_written (c, journal);

  export (c, "ai-training", NULL);
  check (c->status == 0, "exit %d\n%s", c->status, c->err);
  check (strstr (c->err, "left out 001-joy: consent was withdrawn"), "%s", c->err);
  check (!g_file_test (withdrawn, G_FILE_TEST_EXISTS), "withdrawn take exported");
  check (g_file_test (kept, G_FILE_TEST_IS_DIR), "003-joy not exported");
}

static void
test_contract_edited (void)
{
  g_autoptr (Case) c = case_new ();
  g_autofree char *journal = read_text (c->journal);
  g_autofree char *path = g_build_filename (c->session, "contract.json", NULL);
  g_autofree char *text = read_text (path);
  g_autoptr (GString) edited = g_string_new (text);

  /* A valid contract, with the face ban lifted. */
  g_assert_cmpuint (g_string_replace (edited, "\"commercial_face_use\": \"prohibited\"",
          "\"commercial_face_use\": \"allowed\"", 1), ==, 1);
  g_assert_true (g_file_set_contents (path, edited->str, -1, NULL));
  export (c, "ai-training", NULL);
  check (c->status == 3, "exit %d\n%s", c->status, c->err);
  check (strstr (c->err, "changed after consent"), "%s", c->err);
  assert_nothing_written (c, journal);
}

static void
test_media_changed (void)
{
  g_autoptr (Case) c = case_new ();
  g_autofree char *journal = read_text (c->journal);
  g_autofree char *path = g_build_filename (c->session, "takes", "003-joy", "front.mkv", NULL);
  gsize len = 0;
  g_autofree char *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  data[len / 2] ^= 0x20;
  g_assert_true (g_file_set_contents (path, data, len, NULL));
  export (c, "ai-training", NULL);
  check (c->status == 3, "exit %d\n%s", c->status, c->err);
  check (strstr (c->err, "is not the one the journal recorded"), "%s", c->err);
  assert_nothing_written (c, journal);
}

static void
test_target_not_empty (void)
{
  g_autoptr (Case) c = case_new ();
  g_autofree char *journal = read_text (c->journal);
  g_autofree char *other = g_build_filename (c->pkg, "notes.txt", NULL);
  g_autofree char *parent = g_path_get_dirname (c->pkg);

  g_assert_cmpint (g_mkdir_with_parents (c->pkg, 0700), ==, 0);
  g_assert_true (g_file_set_contents (other, "mine\n", -1, NULL));
  export (c, "ai-training", NULL);
  check (c->status == 3, "exit %d\n%s", c->status, c->err);
  check (strstr (c->err, "is not an empty folder"), "%s", c->err);
  check (g_file_test (other, G_FILE_TEST_EXISTS), "the folder's file was touched");
  {
    g_autofree char *after = read_text (c->journal);

    check (strcmp (journal, after) == 0, "journal changed");
  }
  g_unlink (other);
  /* An empty folder is fine. */
  export (c, "ai-training", NULL);
  check (c->status == 0, "exit %d\n%s", c->status, c->err);
}

int
main (int argc, char **argv)
{
  int result;

  g_test_init (&argc, &argv, NULL);
  export_util_record ();

  g_test_add_func ("/export/ai-training", test_export_ai_training);
  g_test_add_func ("/export/refused-purposes", test_refused_purposes);
  g_test_add_func ("/export/refused-take", test_refused_take);
  g_test_add_func ("/export/withdrawn", test_withdrawn);
  g_test_add_func ("/export/contract-edited", test_contract_edited);
  g_test_add_func ("/export/media-changed", test_media_changed);
  g_test_add_func ("/export/target-not-empty", test_target_not_empty);
  result = g_test_run ();
  studio_free (studio);
  return result;
}
