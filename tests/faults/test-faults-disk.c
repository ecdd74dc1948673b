/* emocap tests: the disk fills up in the middle of a take
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two ways: the archive on a small tmpfs (ENOSPC, the disk really full:
 * the journal's last entries must still fit) and RLIMIT_FSIZE (EFBIG, the
 * largest file the process may write).  Either way: a clear message, exit
 * 2, the take marked failed with what it recorded, every earlier take and
 * the journal intact, and once there is room the session carries on.
 */
#include <errno.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <emocap/digest.h>

#include "tests/record/record-util.h"

static const char script_text[] =
    "{\n"
    "  \"emocap\": 1,\n"
    "  \"session\": \"full\",\n"
    "  \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\",\n"
    "  \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"cameras\": [ { \"id\": \"front\", \"device\": \"test:smpte\", \"width\": 640, \"height\": 360 } ],\n"
    "  \"audio\": { \"device\": \"test:sine\", \"rate\": 48000, \"channels\": 1 },\n"
    "  \"takes\": [ { \"emotion\": \"joy\", \"seconds\": 1 },\n"
    "             { \"emotion\": \"anger\", \"seconds\": 8 },\n"
    "             { \"emotion\": \"fear\", \"seconds\": 1 } ]\n"
    "}\n";

/* 640x360 colour bars are some 0.9 MB a second with the sound: take 1
 * fits, take 2 does not. */
#define LIMIT_BYTES (3 * 1024 * 1024)

static const char *program;

static const char *
str (json_t *obj, const char *key)
{
  return json_string_value (json_object_get (obj, key));
}

static void
limit_file_size (gpointer data)
{
  struct rlimit rl = { LIMIT_BYTES, LIMIT_BYTES };
  setrlimit (RLIMIT_FSIZE, &rl);
}

/* Records until the disk is full; checks what the operator sees and what
 * is left.  @archive is where the archive goes. */
static void
record_until_full (Studio *studio, const char *archive, const char *expect_message)
{
  g_autofree char *script = studio_write_script (studio, "script.json", script_text);
  g_autofree char *consent = studio_write_consent (studio, "\"all\"");
  g_autofree char *dir = g_build_filename (archive, "sessions", "full", NULL);
  g_autofree char *journal_path = g_build_filename (dir, "journal.jsonl", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (json_t) journal = NULL;
  const char *argv[] = { "record", script, "--archive", archive, "--auto",
    "--consent-file", consent, NULL };
  const char *verify[] = { "verify", dir, NULL };
  int status, i_failed, i_closed;
  json_t *failed, *file;
  size_t i;

  status = studio_run (studio, NULL, &out, &err, argv);
  check (status == 2, "exit %d on a full disk (expected 2): %s", status, err);
  check (strstr (err, expect_message) != NULL, "no '%s' in: %s", expect_message, err);
  check (strstr (err, "take '002-anger' is marked failed, every earlier take and the journal "
          "are intact") != NULL, "%s", err);
  check (strstr (err, "emocap record --resume full") != NULL, "no way on given: %s", err);

  journal = read_journal (journal_path);
  i_failed = journal_find (journal, "take.failed", "002-anger");
  i_closed = journal_find (journal, "session.closed", NULL);
  check (i_failed >= 0 && i_closed > i_failed, "take.failed at %d, session.closed at %d",
      i_failed, i_closed);
  check (g_strcmp0 (str (json_array_get (journal, i_closed), "reason"), "disk full") == 0,
      "closed for '%s'", str (json_array_get (journal, i_closed), "reason"));
  check (journal_find (journal, "consent.given", "003-fear") < 0, "went on after a full disk");
  if (i_failed < 0)
    return;

  /* what the take did record is kept, hashed, and plays */
  failed = json_array_get (journal, i_failed);
  check (json_array_size (json_object_get (failed, "files")) == 1, "take.failed lists no file");
  json_array_foreach (json_object_get (failed, "files"), i, file) {
    g_autofree char *path = g_build_filename (dir, str (file, "path"), NULL);
    g_autofree char *sha = emocap_sha256_file_hex (path, NULL, NULL);
    g_autoptr (json_t) probe = probe_media (path);
    check (g_strcmp0 (sha, str (file, "sha256")) == 0, "%s: not the file journaled", path);
    check (probe != NULL && json_array_size (json_object_get (probe, "streams")) > 0,
        "%s: not readable", path);
  }
  {
    g_autofree char *json_path = g_build_filename (dir, "takes", "002-anger", "take.json", NULL);
    g_autoptr (json_t) doc = read_json_file (json_path);
    gboolean flagged = FALSE;
    json_t *f;
    check (doc != NULL, "no take.json for the failed take");
    check (g_strcmp0 (str (doc, "status"), "failed") == 0 &&
        g_strcmp0 (str (doc, "fault"), "disk-full") == 0, "take.json: status %s, fault %s",
        str (doc, "status"), str (doc, "fault"));
    json_array_foreach (json_object_get (doc, "flags"), i, f)
      flagged |= g_strcmp0 (json_string_value (f), "disk-full") == 0;
    check (flagged, "take.json not flagged disk-full");
  }

  /* the take before is intact */
  {
    json_t *done = json_array_get (journal, journal_find (journal, "take.finished", "001-joy"));
    json_array_foreach (json_object_get (done, "files"), i, file) {
      g_autofree char *path = g_build_filename (dir, str (file, "path"), NULL);
      g_autofree char *sha = emocap_sha256_file_hex (path, NULL, NULL);
      g_autofree char *errors = NULL;
      check (g_strcmp0 (sha, str (file, "sha256")) == 0, "%s changed", path);
      check (media_plays (path, &errors), "%s does not play: %s", path, errors);
    }
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  check (studio_run (studio, NULL, &out, &err, verify) == 0, "verify: %s", err);
}

/* With room again, the session carries on from the next take. */
static void
carry_on (Studio *studio, const char *archive)
{
  g_autofree char *consent = g_build_filename (studio->dir, "consent.json", NULL);
  g_autofree char *dir = g_build_filename (archive, "sessions", "full", NULL);
  g_autofree char *journal_path = g_build_filename (dir, "journal.jsonl", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (json_t) journal = NULL;
  const char *argv[] = { "record", "--resume", "full", "--archive", archive, "--auto",
    "--consent-file", consent, NULL };
  const char *audit[] = { "audit", dir, "--archive", archive, NULL };
  int status = studio_run (studio, NULL, &out, &err, argv);

  check (status == 0, "resume exited %d: %s", status, err);
  journal = read_journal (journal_path);
  check (journal_find (journal, "take.finished", "003-fear") >
      journal_find (journal, "session.resumed", NULL), "003-fear not recorded after resuming");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  check (studio_run (studio, NULL, &out, &err, audit) == 0, "audit: %s%s", out, err);
}

static void
test_file_size_limit (void)
{
  Studio *studio = studio_new ();

  studio->child_setup = limit_file_size;
  record_until_full (studio, studio->archive, "reached the largest file this process may write");
  studio->child_setup = NULL;
  carry_on (studio, studio->archive);
  studio_free (studio);
}

/* In a mount namespace of our own: as root directly, else as the root of
 * a new user namespace (unshare -rm). */
static void
test_full_tmpfs (void)
{
  Studio *studio = NULL;
  g_autofree char *mnt = NULL, *archive = NULL;

  if (g_getenv ("EMOCAP_TEST_IN_NAMESPACE") == NULL && unshare (CLONE_NEWNS) < 0) {
    g_autofree char *self = g_canonicalize_filename (program, NULL);
    const char *argv[] = { "unshare", "-rm", self, "-p", "/faults/disk/tmpfs", NULL };
    g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "EMOCAP_TEST_IN_NAMESPACE", "1", TRUE);
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr (GError) error = NULL;
    int status = 0;

    g_test_message ("cannot make a mount namespace (%s): trying a user namespace",
        g_strerror (errno));
    g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
        &status, &error);
    g_assert_no_error (error);
    g_printerr ("%s%s", out, err);
    check (g_spawn_check_wait_status (status, NULL), "the test in a user namespace failed "
        "(unshare -rm: is it allowed here?)");
    return;
  }
  if (g_getenv ("EMOCAP_TEST_IN_NAMESPACE"))
    g_assert_cmpint (unshare (CLONE_NEWNS), ==, 0);
  /* nothing mounted here is seen outside */
  g_assert_cmpint (mount ("none", "/", "none", MS_REC | MS_PRIVATE, NULL), ==, 0);

  studio = studio_new ();
  mnt = g_build_filename (studio->dir, "disk", NULL);
  archive = g_build_filename (mnt, "archive", NULL);
  g_assert_cmpint (g_mkdir (mnt, 0700), ==, 0);
  g_assert_cmpint (mount ("tmpfs", mnt, "tmpfs", 0, "size=4m,mode=0700"), ==, 0);

  record_until_full (studio, archive, "disk full: cannot write 'front.mkv'");

  /* the operator frees space */
  g_assert_cmpint (mount ("tmpfs", mnt, "tmpfs", MS_REMOUNT, "size=64m,mode=0700"), ==, 0);
  carry_on (studio, archive);

  g_assert_cmpint (umount2 (mnt, MNT_DETACH), ==, 0);
  studio_free (studio);
}

int
main (int argc, char **argv)
{
  program = argv[0];
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/faults/disk/file-size-limit", test_file_size_limit);
  g_test_add_func ("/faults/disk/tmpfs", test_full_tmpfs);
  return g_test_run ();
}
