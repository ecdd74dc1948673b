/* emocap tests: Ctrl-C in the middle of a take
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The take ends as take.interrupted, its file closed and playable, and the
 * session is closed cleanly with a journal that verifies.
 */
#include <signal.h>
#include <sys/stat.h>

#include "record-util.h"

static const char script_text[] =
    "{\n"
    "  \"emocap\": 1, \"session\": \"ctrl-c\", \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\", \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"cameras\": [ { \"id\": \"front\", \"device\": \"test:ball\", \"width\": 320, \"height\": 240 } ],\n"
    "  \"audio\": { \"device\": \"emotest\" },\n"
    "  \"takes\": [ { \"emotion\": \"joy\", \"seconds\": 60 }, { \"emotion\": \"anger\", \"seconds\": 5 } ]\n"
    "}\n";

static goffset
file_size (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 ? st.st_size : -1;
}

static void
test_sigint (void)
{
  Studio *studio = studio_new ();
  g_autofree char *script = studio_write_script (studio, "script.json", script_text);
  g_autofree char *consent_path = studio_write_consent (studio, "\"all\"");
  g_autofree char *session = g_build_filename (studio->archive, "sessions", "ctrl-c", NULL);
  g_autofree char *journal_path = g_build_filename (session, "journal.jsonl", NULL);
  g_autofree char *mkv = g_build_filename (session, "takes", "001-joy", "front.mkv", NULL);
  g_autofree char *take_json_path = g_build_filename (session, "takes", "001-joy", "take.json", NULL);
  g_autofree char *errors = NULL, *out = NULL, *err = NULL;
  g_autoptr (json_t) journal = NULL;
  g_autoptr (json_t) take_json = NULL;
  g_autoptr (json_t) probe = NULL;
  const char *argv[] = { "record", script, "--archive", studio->archive, "--auto",
    "--consent-file", consent_path, NULL };
  const char *verify[] = { "verify", session, NULL };
  GPid pid;
  int status, i;
  json_t *e;

  studio_start_feeder (studio);
  pid = studio_spawn (studio, argv);

  /* Wait (not for a time: for the take to be under way with frames on
   * disk), then press Ctrl-C. */
  for (i = 0; i < 600; i++) {
    g_autoptr (json_t) j = read_journal (journal_path);
    if (journal_find (j, "take.started", "001-joy") >= 0 && file_size (mkv) > 20000)
      break;
    g_usleep (50 * 1000);
  }
  g_assert_cmpint (i, <, 600);
  kill (pid, SIGINT);
  status = studio_wait (pid);
  check (status == 3, "exit status %d after Ctrl-C", status);

  journal = read_journal (journal_path);
  check (journal_find (journal, "take.interrupted", "001-joy") > 0, "no take.interrupted");
  check (journal_find (journal, "take.finished", "001-joy") < 0, "take.finished after Ctrl-C");
  check (journal_find (journal, "consent.given", "002-anger") < 0, "the session went on");
  e = json_array_get (journal, json_array_size (journal) - 1);
  check (g_strcmp0 (json_string_value (json_object_get (e, "type")), "session.closed") == 0,
      "the session was not closed");
  check (g_strcmp0 (json_string_value (json_object_get (e, "reason")), "interrupted") == 0,
      "session.closed reason");

  take_json = read_json_file (take_json_path);
  g_assert_nonnull (take_json);
  check (g_strcmp0 (json_string_value (json_object_get (take_json, "status")), "interrupted") == 0,
      "take.json status");
  /* What was recorded before Ctrl-C is marked too. */
  check_take_watermark (studio->archive, "ctrl-c", "001-joy");

  check (media_plays (mkv, &errors), "interrupted file does not play: %s", errors);
  probe = probe_media (mkv);
  g_assert_nonnull (probe);
  {
    double d = g_ascii_strtod (json_string_value (json_object_get (
                json_object_get (probe, "format"), "duration")), NULL);
    check (d > 0.1 && d < 60, "interrupted file lasts %g s", d);
  }

  status = studio_run (studio, NULL, &out, &err, verify);
  check (status == 0, "verify after Ctrl-C: %s%s", out, err);
  studio_free (studio);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/record/sigint", test_sigint);
  return g_test_run ();
}
