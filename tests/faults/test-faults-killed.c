/* emocap tests: the recorder killed mid-take, and the session carried on
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * kill -9 leaves no chance to close anything: the journal ends at
 * take.started and the take's file has no index.  The next start on the
 * session (or --resume) must journal that take as interrupted with its
 * files as they were, those files must play up to within a second of the
 * kill, the journal must verify, every earlier take stay intact, and
 * recording carry on from the next take.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <emocap/digest.h>

#include "tests/record/record-util.h"

static const char script_text[] =
    "{\n"
    "  \"emocap\": 1,\n"
    "  \"session\": \"killed\",\n"
    "  \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\",\n"
    "  \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"cameras\": [ { \"id\": \"front\", \"device\": \"test:ball\", \"width\": 320, \"height\": 240 },\n"
    "               { \"id\": \"side\", \"device\": \"test:smpte\", \"width\": 176, \"height\": 144, \"fps\": 25 } ],\n"
    "  \"audio\": { \"device\": \"test:sine\", \"rate\": 48000, \"channels\": 1 },\n"
    "  \"takes\": [ { \"emotion\": \"joy\", \"seconds\": 2 },\n"
    "             { \"emotion\": \"anger\", \"seconds\": 8 },\n"
    "             { \"emotion\": \"fear\", \"seconds\": 2 } ]\n"
    "}\n";

typedef struct {
  Studio *studio;
  char *script;
  char *consent;
  char *session_dir;
  char *journal;
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  fx->studio = studio_new ();
  fx->script = studio_write_script (fx->studio, "script.json", script_text);
  fx->consent = studio_write_consent (fx->studio, "\"all\"");
  fx->session_dir = g_build_filename (fx->studio->archive, "sessions", "killed", NULL);
  fx->journal = g_build_filename (fx->session_dir, "journal.jsonl", NULL);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  studio_free (fx->studio);
  g_free (fx->script);
  g_free (fx->consent);
  g_free (fx->session_dir);
  g_free (fx->journal);
}

static guint64
file_size (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

/* Starts a recording, waits until take 002-anger has been recording for
 * @seconds (its file growing), and kills the recorder with SIGKILL.
 * Returns how long the take had been recording, as seen from here: at
 * least what its files must hold, less a second. */
static double
record_and_kill (Fixture *fx, double seconds)
{
  const char *argv[] = { "record", fx->script, "--archive", fx->studio->archive, "--auto",
    "--consent-file", fx->consent, NULL };
  g_autofree char *front = g_build_filename (fx->session_dir, "takes", "002-anger",
      "front.mkv", NULL);
  GPid pid = studio_spawn (fx->studio, argv);
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  gint64 seen;
  int status = 0;

  /* The file gets bytes once its first frame is written. */
  while (file_size (front) == 0) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_assert_cmpint (waitpid (pid, &status, WNOHANG), ==, 0);
    g_usleep (20 * 1000);
  }
  seen = g_get_monotonic_time ();
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  return (g_get_monotonic_time () - seen) / 1e6;
}

static json_int_t
packets (json_t *probe, const char *codec_type)
{
  size_t i;
  json_t *st;

  json_array_foreach (json_object_get (probe, "streams"), i, st) {
    if (g_strcmp0 (json_string_value (json_object_get (st, "codec_type")), codec_type) == 0)
      return g_ascii_strtoll (json_string_value (json_object_get (st, "nb_read_packets")),
          NULL, 10);
  }
  return -1;
}

static const char *
str (json_t *obj, const char *key)
{
  return json_string_value (json_object_get (obj, key));
}

/* The file @rel of the session hashes as the journal entry @entry says. */
static void
check_file_as_journaled (Fixture *fx, json_t *entry, const char *rel)
{
  size_t i;
  json_t *file;
  gboolean found = FALSE;

  json_array_foreach (json_object_get (entry, "files"), i, file) {
    if (g_strcmp0 (str (file, "path"), rel) == 0) {
      g_autofree char *path = g_build_filename (fx->session_dir, rel, NULL);
      g_autofree char *sha = emocap_sha256_file_hex (path, NULL, NULL);
      found = TRUE;
      check (g_strcmp0 (sha, str (file, "sha256")) == 0, "%s: SHA-256 %s, journaled %s",
          rel, sha, str (file, "sha256"));
    }
  }
  check (found, "%s is not in journal line %" JSON_INTEGER_FORMAT, rel,
      json_integer_value (json_object_get (entry, "seq")));
}

/* What must hold after the killed take was recovered and the session
 * carried on: @recorded_s is how long take 002-anger had recorded. */
static void
check_carried_on (Fixture *fx, double recorded_s)
{
  g_autoptr (json_t) journal = read_journal (fx->journal);
  g_autofree char *out = NULL, *err = NULL;
  const char *verify[] = { "verify", fx->session_dir, NULL };
  const char *audit[] = { "audit", fx->session_dir, "--archive", fx->studio->archive, NULL };
  int i_int, i_resumed, i_fear, i_closed;
  json_t *entry;

  /* the killed take: interrupted, its files as they were */
  i_int = journal_find (journal, "take.interrupted", "002-anger");
  check (i_int >= 0, "no take.interrupted for 002-anger");
  if (i_int < 0)
    return;
  entry = json_array_get (journal, i_int);
  check (json_is_true (json_object_get (entry, "recovered")), "take.interrupted not marked recovered");
  check (journal_find (journal, "take.finished", "002-anger") < 0, "002-anger also finished");
  check_file_as_journaled (fx, entry, "takes/002-anger/front.mkv");
  check_file_as_journaled (fx, entry, "takes/002-anger/side.mkv");

  /* then the session went on with the next take, and closed */
  i_resumed = journal_find (journal, "session.resumed", NULL);
  i_fear = journal_find (journal, "take.finished", "003-fear");
  i_closed = journal_find (journal, "session.closed", NULL);
  check (i_resumed > i_int && i_fear > i_resumed && i_closed > i_fear,
      "order: interrupted %d, resumed %d, 003-fear finished %d, closed %d", i_int, i_resumed,
      i_fear, i_closed);
  check (journal_find (journal, "consent.given", "002-anger-r2") < 0, "the killed take was retaken");

  /* the earlier take is untouched */
  entry = json_array_get (journal, journal_find (journal, "take.finished", "001-joy"));
  check_file_as_journaled (fx, entry, "takes/001-joy/front.mkv");
  check_file_as_journaled (fx, entry, "takes/001-joy/side.mkv");

  for (const char *const *cam = (const char *const[]) { "front", "side", NULL }; *cam; cam++) {
    g_autofree char *name = g_strdup_printf ("%s.mkv", *cam);
    g_autofree char *path = g_build_filename (fx->session_dir, "takes", "002-anger", name, NULL);
    g_autofree char *errors = NULL;
    g_autoptr (json_t) probe = probe_media (path);
    double fps = g_str_equal (*cam, "front") ? 30 : 25;
    json_int_t frames = packets (probe, "video");
    g_autofree char *json_path = g_build_filename (fx->session_dir, "takes", "002-anger",
        "take.json", NULL);
    g_autoptr (json_t) doc = read_json_file (json_path);
    json_t *cam_json = NULL, *c;
    size_t i;

    check (media_plays (path, &errors), "%s does not play: %s", path, errors);
    /* up to within a second of the kill */
    check (frames / fps >= recorded_s - 1.0, "%s holds %" JSON_INTEGER_FORMAT " frames (%.2f s); "
        "the take had recorded %.2f s when it was killed", name, frames, frames / fps, recorded_s);
    check (packets (probe, "audio") > 0, "%s has no sound", name);

    g_assert_nonnull (doc);
    check (g_strcmp0 (str (doc, "status"), "interrupted") == 0, "take.json status %s",
        str (doc, "status"));
    check (g_strcmp0 (str (doc, "fault"), "recorder-stopped") == 0, "take.json fault %s",
        str (doc, "fault"));
    json_array_foreach (json_object_get (doc, "cameras"), i, c)
      if (g_strcmp0 (str (c, "id"), *cam) == 0)
        cam_json = c;
    check (cam_json && json_integer_value (json_object_get (cam_json, "frames_recorded")) == frames,
        "take.json counts %" JSON_INTEGER_FORMAT " frames of %s, the file holds %"
        JSON_INTEGER_FORMAT, json_integer_value (json_object_get (cam_json, "frames_recorded")),
        *cam, frames);
    /* what only the running recorder knew is not made up */
    check (cam_json && json_is_null (json_object_get (cam_json, "frames_marked")),
        "take.json claims marked frames for a recovered take");
  }

  check (studio_run (fx->studio, NULL, &out, &err, verify) == 0, "verify: %s", err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  check (studio_run (fx->studio, NULL, &out, &err, audit) == 0, "audit: %s%s", out, err);
  check_take_watermark (fx->studio->archive, "killed", "001-joy");
}

/* `emocap record --resume SESSION`, as the operator is told to. */
static void
test_resume_option (Fixture *fx, gconstpointer data)
{
  const char *argv[] = { "record", "--resume", "killed", "--archive", fx->studio->archive,
    "--auto", "--consent-file", fx->consent, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (json_t) journal = NULL;
  double recorded = record_and_kill (fx, 3.0);
  json_t *last;
  int status;

  journal = read_journal (fx->journal);
  last = json_array_get (journal, json_array_size (journal) - 1);
  check (g_strcmp0 (str (last, "type"), "take.started") == 0 &&
      g_strcmp0 (str (last, "take"), "002-anger") == 0,
      "the kill left the journal at %s %s", str (last, "type"), str (last, "take"));

  status = studio_run (fx->studio, NULL, &out, &err, argv);
  check (status == 0, "resume exited %d: %s", status, err);
  check (strstr (out, "take 002-anger was cut short when the recorder stopped") != NULL,
      "the operator is not told about the killed take: %s", out);
  check (strstr (out, "carrying on from take 3 of 3 (003-fear)") != NULL, "%s", out);
  check (strstr (out, "journal verified") != NULL, "%s", out);
  check_carried_on (fx, recorded);
}

/* The next start of the same script finds the session cut short. */
static void
test_next_start (Fixture *fx, gconstpointer data)
{
  const char *argv[] = { "record", fx->script, "--archive", fx->studio->archive, "--auto",
    "--consent-file", fx->consent, NULL };
  g_autofree char *out = NULL, *err = NULL;
  double recorded = record_and_kill (fx, 2.0);
  int status = studio_run (fx->studio, NULL, &out, &err, argv);

  check (status == 0, "second start exited %d: %s", status, err);
  check (strstr (out, "session 'killed' resumed") != NULL, "%s", out);
  check_carried_on (fx, recorded);

  /* and once completed, a third start is refused, changing nothing */
  {
    g_autofree char *before = NULL, *after = NULL, *o = NULL, *e = NULL;
    g_assert_true (g_file_get_contents (fx->journal, &before, NULL, NULL));
    status = studio_run (fx->studio, NULL, &o, &e, argv);
    check (status == 3 && strstr (e, "already exists") && strstr (e, "completed"),
        "a completed session recorded again: exit %d, %s", status, e);
    g_assert_true (g_file_get_contents (fx->journal, &after, NULL, NULL));
    check (g_str_equal (before, after), "the completed session's journal changed");
  }
}

/* Power lost in the middle of writing a journal line: that line was never
 * acknowledged, so it is set aside and the journal verifies. */
static void
test_torn_line (Fixture *fx, gconstpointer data)
{
  const char *argv[] = { "record", "--resume", "killed", "--archive", fx->studio->archive,
    "--auto", "--consent-file", fx->consent, NULL };
  static const char torn[] = "{\"at\":\"2026-12-02T10:00:00.000000Z\",\"prev\":\"ab";
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *torn_path = g_strconcat (fx->journal, ".torn", NULL);
  g_autofree char *kept = NULL;
  double recorded = record_and_kill (fx, 2.0);
  FILE *f = fopen (fx->journal, "a");
  int status;

  g_assert_nonnull (f);
  fputs (torn, f);
  fclose (f);

  status = studio_run (fx->studio, NULL, &out, &err, argv);
  check (status == 0, "resume after a torn line exited %d: %s", status, err);
  check (strstr (out, "cut off mid-write") != NULL, "%s", out);
  check (g_file_get_contents (torn_path, &kept, NULL, NULL) && g_str_equal (kept, torn),
      "the torn line was not kept aside in %s", torn_path);
  check_carried_on (fx, recorded);
}

/* Killed after the actor consented and before the take started (during
 * the countdown): nothing was recorded under that consent, so the take is
 * asked again as a new attempt, and the spent consent stays in the
 * journal as it was. */
static void
test_killed_before_take (Fixture *fx, gconstpointer data)
{
  const char *first[] = { "record", fx->script, "--archive", fx->studio->archive, NULL };
  const char *again[] = { "record", "--resume", "killed", "--archive", fx->studio->archive,
    "--auto", "--consent-file", fx->consent, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (json_t) journal = NULL;
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  static const char keys[] = "\ny\n";
  int in = -1, status = 0;
  GPid pid = studio_spawn_full (fx->studio, first, &in, NULL, NULL);

  g_assert_cmpint (write (in, keys, strlen (keys)), ==, (gssize) strlen (keys));
  /* the consent is on disk before the countdown starts */
  for (;;) {
    g_autoptr (json_t) j = read_journal (fx->journal);
    if (journal_find (j, "consent.given", "001-joy") >= 0)
      break;
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_assert_cmpint (waitpid (pid, &status, WNOHANG), ==, 0);
    g_usleep (10 * 1000);
  }
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  close (in);

  journal = read_journal (fx->journal);
  check (journal_find (journal, "take.started", "001-joy") < 0,
      "the take had started: the kill came too late for this test");

  status = studio_run (fx->studio, NULL, &out, &err, again);
  check (status == 0, "resume exited %d: %s", status, err);
  check (strstr (out, "carrying on from take 1 of 3 (001-joy)") != NULL, "%s", out);
  g_clear_pointer (&journal, json_decref);
  journal = read_journal (fx->journal);
  check (journal_find (journal, "take.finished", "001-joy-r2") >= 0,
      "the take was not asked again as 001-joy-r2");
  check (journal_find (journal, "take.started", "001-joy") < 0,
      "something was recorded under the spent consent");
  check (journal_find (journal, "take.finished", "003-fear") >= 0, "the session did not go on");
  {
    g_autofree char *o = NULL, *e = NULL;
    const char *verify[] = { "verify", fx->session_dir, NULL };
    const char *audit[] = { "audit", fx->session_dir, "--archive", fx->studio->archive, NULL };
    check (studio_run (fx->studio, NULL, &o, &e, verify) == 0, "verify: %s", e);
    g_clear_pointer (&o, g_free);
    g_clear_pointer (&e, g_free);
    check (studio_run (fx->studio, NULL, &o, &e, audit) == 0, "audit: %s%s", o, e);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/faults/killed/resume-option", Fixture, NULL, fixture_set_up,
      test_resume_option, fixture_tear_down);
  g_test_add ("/faults/killed/next-start", Fixture, NULL, fixture_set_up,
      test_next_start, fixture_tear_down);
  g_test_add ("/faults/killed/torn-journal-line", Fixture, NULL, fixture_set_up,
      test_torn_line, fixture_tear_down);
  g_test_add ("/faults/killed/before-the-take", Fixture, NULL, fixture_set_up,
      test_killed_before_take, fixture_tear_down);
  return g_test_run ();
}
