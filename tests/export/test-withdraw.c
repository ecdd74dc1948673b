/* emocap tests: `emocap withdraw`, what export and audit make of it, and
 * the actor's consent receipt
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <emocap/digest.h>
#include <emocap/journal.h>
#include <emocap/keys.h>
#include <emocap/withdraw.h>

#include "export-util.h"

static int
withdraw_as (Case *c, const char *take, const char *actor)
{
  return run_emocap_in (c, "withdraw", take, "--actor", actor, "--archive", c->archive, NULL);
}

/* TRUE if the file at @path holds exactly @text (or starts with it). */
static gboolean
file_text_is (const char *path, const char *text, gboolean prefix)
{
  g_autofree char *now = read_text (path);

  return prefix ? g_str_has_prefix (now, text) : g_strcmp0 (now, text) == 0;
}

static json_t *
verified_journal (Case *c)
{
  g_autofree char *keys = g_build_filename (c->archive, "keys", NULL);
  g_autoptr (EmocapKey) key = emocap_key_load_or_create (keys, NULL);
  g_autoptr (GError) error = NULL;
  json_t *entries = NULL;

  g_assert_nonnull (key);
  check (emocap_journal_verify (c->journal, key, &entries, NULL, &error),
      "the journal does not verify: %s", error ? error->message : "");
  return entries;
}

static void
test_withdraw (void)
{
  g_autoptr (Case) c = case_new ();
  g_autoptr (json_t) journal = NULL;
  g_autofree char *before = read_text (c->journal);
  g_autofree char *after = NULL;
  json_t *entry, *consent;
  int i, k;

  withdraw_as (c, SESSION "/001-joy", "actor-0042");
  check (c->status == 0, "exit %d\n%s", c->status, c->err);
  check (strstr (c->out, "consent to take " SESSION "/001-joy withdrawn") != NULL, "%s", c->out);

  journal = verified_journal (c);
  i = journal_find (journal, "consent.withdrawn", "001-joy");
  k = journal_find (journal, "consent.given", "001-joy");
  check (i >= 0, "no consent.withdrawn in the journal");
  check (i == (int) json_array_size (journal) - 1, "the withdrawal is not the last entry");
  entry = json_array_get (journal, i);
  consent = json_array_get (journal, k);
  check (file_text_is (c->journal, before, TRUE), "earlier lines were changed");
  check (json_integer_value (json_object_get (entry, "consent_seq")) ==
      json_integer_value (json_object_get (consent, "seq")), "not the consent it withdraws");
  check (g_strcmp0 (json_string_value (json_object_get (entry, "status")),
          "dpv:ConsentWithdrawn") == 0, "status");
  check (json_equal (json_object_get (entry, "actor"), json_object_get (consent, "actor")),
      "actor");
  check (json_equal (json_object_get (entry, "contract"), json_object_get (consent, "contract")),
      "contract");

  /* again: nothing more written */
  after = read_text (c->journal);
  withdraw_as (c, "001-joy", "actor-0042");
  check (c->status == 0, "exit %d\n%s", c->status, c->err);
  check (strstr (c->out, "already withdrawn") != NULL, "%s", c->out);
  check (file_text_is (c->journal, after, FALSE), "a second withdrawal was written");
}

static void
test_refused (void)
{
  g_autoptr (Case) c = case_new ();
  g_autofree char *before = read_text (c->journal);
  struct {
    const char *take, *actor, *says;
    int status;
  } cases[] = {
    /* another actor's take: refused without saying whose it is */
    { SESSION "/001-joy", "actor-0099", "is not a take of actor 'actor-0099'", 3 },
    { "001-joy", "actor-0099", "is not a take of actor 'actor-0099'", 3 },
    { SESSION "/009-fear", "actor-0042", "no take '" SESSION "/009-fear'", 3 },
    { "009-fear", "actor-0042", "no take '009-fear'", 3 },
    /* 002-anger's consent was refused: nothing to withdraw */
    { SESSION "/002-anger", "actor-0042", "no take '" SESSION "/002-anger' with consent", 3 },
    { "no-such-session/001-joy", "actor-0042", "has no session 'no-such-session'", 3 },
    { "../x/001-joy", "actor-0042", "is not a take", 1 },
    { SESSION "/001-joy", "../actor", "is not an actor id", 1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    withdraw_as (c, cases[i].take, cases[i].actor);
    check (c->status == cases[i].status, "%s as %s: exit %d, expected %d\n%s",
        cases[i].take, cases[i].actor, c->status, cases[i].status, c->err);
    check (strstr (c->err, cases[i].says) != NULL, "%s as %s: %s", cases[i].take,
        cases[i].actor, c->err);
    check ((strstr (c->err, "Sam Rivera") == NULL && strstr (c->err, "actor-0042") == NULL) ||
        strcmp (cases[i].actor, "actor-0042") == 0, "the refusal names the take's actor: %s",
        c->err);
    check (file_text_is (c->journal, before, FALSE), "%s as %s: the journal changed",
        cases[i].take, cases[i].actor);
  }
}

/* withdraw, then export leaves the take out and audit passes; the package
 * edited to carry the take again fails. */
static void
test_export_and_audit (void)
{
  g_autoptr (Case) c = case_new ();
  g_autofree char *early = g_build_filename (c->dir, "early", NULL);
  g_autofree char *early_take = g_build_filename (early, "takes", "001-joy", NULL);
  g_autofree char *late_take = g_build_filename (c->pkg, "takes", "001-joy", NULL);
  g_autofree char *manifest_path = g_build_filename (c->pkg, "manifest.json", NULL);
  g_autofree char *early_manifest_path = g_build_filename (early, "manifest.json", NULL);
  g_autoptr (json_t) manifest = NULL, early_manifest = NULL;
  json_t *f, *files;
  size_t i;

  /* a package made before the withdrawal holds the take */
  run_emocap_in (c, "export", SESSION, "--archive", c->archive, "--to", early,
      "--purpose", "ai-training", NULL);
  check (c->status == 0, "exit %d\n%s", c->status, c->err);
  check (g_file_test (early_take, G_FILE_TEST_IS_DIR), "001-joy not in the early package");

  withdraw (c, "001-joy");
  export (c, "ai-training", NULL);
  check (c->status == 0, "exit %d\n%s", c->status, c->err);
  check (strstr (c->err, "left out 001-joy: consent was withdrawn") != NULL, "%s", c->err);
  check (!g_file_test (late_take, G_FILE_TEST_EXISTS), "the withdrawn take was exported");

  run_emocap_in (c, "audit", c->pkg, "--archive", c->archive, NULL);
  check (c->status == 0, "audit of the package: exit %d\n%s%s", c->status, c->out, c->err);
  run_emocap_in (c, "audit", c->archive, NULL);
  check (c->status == 0, "audit of the archive: exit %d\n%s%s", c->status, c->out, c->err);

  /* the take put back into the later package, its files listed in the
   * manifest as they were in the early one */
  {
    const char *argv[] = { "cp", "-a", early_take, late_take, NULL };
    int status;
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
        &status, NULL);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  manifest = read_json_file (manifest_path);
  early_manifest = read_json_file (early_manifest_path);
  files = json_object_get (manifest, "files");
  json_array_foreach (json_object_get (early_manifest, "files"), i, f) {
    if (g_str_has_prefix (json_string_value (json_object_get (f, "path")), "takes/001-joy/"))
      json_array_append (files, f);
  }
  g_assert_cmpint (json_dump_file (manifest, manifest_path, JSON_INDENT (2)), ==, 0);

  /* the take's folder alone, then listed among the takes too */
  run_emocap_in (c, "audit", c->pkg, "--archive", c->archive, NULL);
  check (c->status == 3, "the edited package passed audit: exit %d\n%s", c->status, c->out);
  check (strstr (c->out, "takes/001-joy: a take in the package that its signed manifest does "
          "not list") != NULL, "the audit does not name the take:\n%s", c->out);
  json_array_append_new (json_object_get (manifest, "takes"), json_string ("001-joy"));
  g_assert_cmpint (json_dump_file (manifest, manifest_path, JSON_INDENT (2)), ==, 0);
  run_emocap_in (c, "audit", c->pkg, "--archive", c->archive, NULL);
  check (c->status == 3, "the edited package passed audit: exit %d\n%s", c->status, c->out);
  check (strstr (c->out, "takes/001-joy/take.json: consent to take 001-joy was withdrawn") != NULL,
      "the audit does not name the withdrawn take:\n%s", c->out);
}

/* The receipt of a consent: Kantara's fields, the signed line inside. */
static void
test_receipt (void)
{
  g_autoptr (Case) c = case_new ();
  g_autoptr (json_t) journal = NULL, receipt = NULL, withdrawn_receipt = NULL;
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = read_text (c->journal);
  g_auto (GStrv) split = g_strsplit (text, "\n", -1);
  g_autofree char *sha = NULL;
  json_t *consent, *opened, *extra;
  int k;

  journal = verified_journal (c);
  k = journal_find (journal, "consent.given", "003-joy");
  g_assert_cmpint (k, >=, 0);
  consent = json_array_get (journal, k);
  opened = json_array_get (journal, 0);
  receipt = emocap_consent_receipt (consent, split[k], opened, NULL);

  for (const char *const *f = (const char *const[]) { "version", "jurisdiction",
          "consentTimestamp", "collectionMethod", "consentReceiptID", "piiPrincipalId",
          "piiControllers", "services", "sensitive", "spiCat", NULL }; *f; f++)
    check (json_object_get (receipt, *f) != NULL, "the receipt has no %s", *f);
  check (g_strcmp0 (json_string_value (json_object_get (receipt, "version")),
          "KI-CR-v1.1.0") == 0, "version");
  check (g_strcmp0 (json_string_value (json_object_get (receipt, "piiPrincipalId")),
          "actor-0042") == 0, "principal");
  check (json_is_true (json_object_get (receipt, "sensitive")), "not sensitive");
  check (json_integer_value (json_object_get (receipt, "consentTimestamp")) > 1700000000,
      "timestamp");
  check (g_strcmp0 (json_string_value (json_object_get (json_array_get (json_object_get (
                      receipt, "piiControllers"), 0), "piiController")),
          "Northlight Casting") == 0, "controller");
  check (json_array_size (json_object_get (json_array_get (json_object_get (receipt,
                  "services"), 0), "purposes")) == 2, "the contract's two purposes");
  extra = json_object_get (receipt, "emocap");
  sha = emocap_sha256_hex (split[k], strlen (split[k]));
  check (g_strcmp0 (json_string_value (json_object_get (extra, "consent_sha256")), sha) == 0,
      "consent hash");
  check (g_str_has_prefix (json_string_value (json_object_get (receipt, "consentReceiptID")),
          (char[9]) { sha[0], sha[1], sha[2], sha[3], sha[4], sha[5], sha[6], sha[7], 0 }),
      "the receipt id is not the consent's");
  check (g_strcmp0 (json_string_value (json_object_get (extra, "consent_record")), split[k]) == 0,
      "the signed line is not carried whole");
  check (g_strcmp0 (json_string_value (json_object_get (json_object_get (extra, "usage"),
                  "commercial_face_use")), "prohibited") == 0, "the face ban");
  check (json_object_get (extra, "withdrawn") == NULL, "withdrawn before it was");

  withdraw (c, "003-joy");
  json_decref (journal);
  journal = verified_journal (c);
  withdrawn_receipt = emocap_consent_receipt (consent, split[k], opened,
      json_array_get (journal, journal_find (journal, "consent.withdrawn", "003-joy")));
  check (json_object_get (json_object_get (withdrawn_receipt, "emocap"), "withdrawn") != NULL,
      "the withdrawal is not on the receipt");
  check (g_strcmp0 (json_string_value (json_object_get (withdrawn_receipt,
                  "consentReceiptID")), json_string_value (json_object_get (receipt,
                  "consentReceiptID"))) == 0, "the receipt id changed");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  export_util_record ();
  g_test_add_func ("/withdraw/journaled", test_withdraw);
  g_test_add_func ("/withdraw/refused", test_refused);
  g_test_add_func ("/withdraw/export-and-audit", test_export_and_audit);
  g_test_add_func ("/withdraw/receipt", test_receipt);
  return g_test_run ();
}
