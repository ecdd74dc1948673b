/* emocap tests: the operator's keys and the actor's answers
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Record, retake (a new take id, nothing overwritten), skip, and an actor
 * who says no: answered line by line on stdin, as a terminal would.
 */
#include <string.h>

#include "record-util.h"

static const char script_text[] =
    "{\n"
    "  \"emocap\": 1, \"session\": \"keys\", \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\", \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"cameras\": [ { \"id\": \"front\", \"device\": \"test:ball\", \"width\": 320, \"height\": 240 } ],\n"
    "  \"audio\": { \"device\": \"test:sine\" },\n"
    "  \"takes\": [ { \"emotion\": \"joy\", \"seconds\": 1 }, { \"emotion\": \"sadness\", \"seconds\": 1 },\n"
    "             { \"emotion\": \"anger\", \"seconds\": 1 }, { \"emotion\": \"fear\", \"seconds\": 1 } ]\n"
    "}\n";

static void
test_keys (void)
{
  Studio *studio = studio_new ();
  g_autofree char *script = studio_write_script (studio, "script.json", script_text);
  g_autofree char *session = g_build_filename (studio->archive, "sessions", "keys", NULL);
  g_autofree char *journal_path = g_build_filename (session, "journal.jsonl", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (json_t) journal = NULL;
  const char *argv[] = { "record", script, "--archive", studio->archive, NULL };
  /* joy: record, the actor agrees, then retake; the retake: the actor
   * agrees, next.  sadness: skipped.  anger: record, the actor refuses.
   * fear: the operator quits. */
  const char *input =
      "\n" "y\n" "r\n"
      "\n" "x\n" "y\n" "\n"
      "s\n"
      "\n" "n\n"
      "q\n";
  static const char *const present[] = { "001-joy", "001-joy-r2" };
  static const char *const absent[] = { "002-sadness", "003-anger", "004-fear", "001-joy-r3" };
  int status;
  json_t *last;

  status = studio_run (studio, input, &out, &err, argv);
  check (status == 0, "exit %d\n%s%s", status, out, err);

  for (guint i = 0; i < G_N_ELEMENTS (present); i++) {
    g_autofree char *d = g_build_filename (session, "takes", present[i], "front.mkv", NULL);
    check (g_file_test (d, G_FILE_TEST_EXISTS), "%s was not recorded", present[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (absent); i++) {
    g_autofree char *d = g_build_filename (session, "takes", absent[i], NULL);
    check (!g_file_test (d, G_FILE_TEST_EXISTS), "%s exists", absent[i]);
  }

  journal = read_journal (journal_path);
  check (journal_find (journal, "consent.given", "001-joy-r2") > 0, "no consent for the retake");
  check (journal_find (journal, "take.finished", "001-joy-r2") >
      journal_find (journal, "take.finished", "001-joy"), "retake order");
  check (journal_find (journal, "consent.refused", "003-anger") > 0, "no refusal for 003-anger");
  /* A retake is a take of its own: its own watermark tag. */
  check (check_take_watermark (studio->archive, "keys", "001-joy") !=
      check_take_watermark (studio->archive, "keys", "001-joy-r2"),
      "the retake has the first take's tag");
  check (journal_find (journal, "consent.given", "002-sadness") < 0 &&
      journal_find (journal, "consent.refused", "002-sadness") < 0, "skipped take asked");
  {
    json_t *c = json_array_get (journal, journal_find (journal, "consent.given", "001-joy"));
    check (g_strcmp0 (json_string_value (json_object_get (c, "method")), "actor-keypress") == 0,
        "method of interactive consent");
    check (g_strcmp0 (json_string_value (json_object_get (c, "witness")), "op-jlee") == 0,
        "witness");
  }
  last = json_array_get (journal, json_array_size (journal) - 1);
  check (g_strcmp0 (json_string_value (json_object_get (last, "type")), "session.closed") == 0 &&
      g_strcmp0 (json_string_value (json_object_get (last, "reason")), "stopped by the operator") == 0,
      "session not closed by the operator's quit");
  check (strstr (out, "please press one of the keys shown") != NULL,
      "a wrong key was not asked again:\n%s", out);
  studio_free (studio);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/record/keys", test_keys);
  return g_test_run ();
}
