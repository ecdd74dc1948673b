/* emocap tests: a take the consent does not cover is refused, and leaves
 * no media
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "record-util.h"

static const char script_text[] =
    "{\n"
    "  \"emocap\": 1, \"session\": \"refusal\", \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\", \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"cameras\": [ { \"id\": \"front\", \"device\": \"test:ball\", \"width\": 320, \"height\": 240 } ],\n"
    "  \"audio\": { \"device\": \"test:sine\" },\n"
    "  \"takes\": [ { \"emotion\": \"joy\", \"seconds\": 1 }, { \"emotion\": \"anger\", \"seconds\": 1 },\n"
    "             { \"emotion\": \"joy\", \"seconds\": 1 } ]\n"
    "}\n";

static void
test_refused (void)
{
  Studio *studio = studio_new ();
  g_autofree char *script = studio_write_script (studio, "script.json", script_text);
  g_autofree char *consent_path = studio_write_consent (studio, "[\"joy\"]");
  g_autofree char *session = g_build_filename (studio->archive, "sessions", "refusal", NULL);
  g_autofree char *journal_path = g_build_filename (session, "journal.jsonl", NULL);
  g_autofree char *refused_dir = g_build_filename (session, "takes", "002-anger", NULL);
  g_autofree char *joy_dir = g_build_filename (session, "takes", "001-joy", NULL);
  g_autofree char *joy3_dir = g_build_filename (session, "takes", "003-joy", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (json_t) journal = NULL;
  const char *argv[] = { "record", script, "--archive", studio->archive, "--auto",
    "--consent-file", consent_path, NULL };
  int status, refused;

  status = studio_run (studio, NULL, &out, &err, argv);
  check (status == 0, "exit %d\n%s%s", status, out, err);
  check (strstr (out, "consent refused") != NULL, "no refusal shown:\n%s", out);

  journal = read_journal (journal_path);
  refused = journal_find (journal, "consent.refused", "002-anger");
  check (refused > 0, "no consent.refused for 002-anger");
  check (journal_find (journal, "consent.given", "002-anger") < 0, "consent.given for 002-anger");
  check (journal_find (journal, "take.started", "002-anger") < 0, "take.started for 002-anger");
  check (!g_file_test (refused_dir, G_FILE_TEST_EXISTS), "%s exists", refused_dir);
  check (g_file_test (joy_dir, G_FILE_TEST_IS_DIR) && g_file_test (joy3_dir, G_FILE_TEST_IS_DIR),
      "the covered takes were not recorded");
  if (refused > 0) {
    json_t *e = json_array_get (journal, refused);
    check (g_strcmp0 (json_string_value (json_object_get (e, "status")), "dpv:ConsentRefused") == 0,
        "status of the refusal");
    check (g_strcmp0 (json_string_value (json_object_get (e, "method")), "pre-authorized") == 0,
        "method of the refusal");
  }
  studio_free (studio);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/record/refused", test_refused);
  return g_test_run ();
}
