/* emocap tests: what cameras do wrong in the middle of a take
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each fault is fired by the test camera while take 2 records (the test
 * touches a file once that take's file has its first frame), and each
 * must leave a journal that verifies, the takes before it intact and
 * playable, the fault named in take.json and told to the operator while
 * it happens; the recorder never crashes or hangs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <turbojpeg.h>

#include <emocap/digest.h>

#include "camera-util.h"
#include "recorder/jpeg-check.h"

static const char script_head[] =
    "{\n"
    "  \"emocap\": 1,\n"
    "  \"session\": \"faults\",\n"
    "  \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\",\n"
    "  \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"audio\": { \"device\": \"test:sine\", \"rate\": 48000, \"channels\": 1 },\n"
    "  \"takes\": [ { \"emotion\": \"joy\", \"seconds\": 2 },\n"
    "             { \"emotion\": \"anger\", \"seconds\": %d },\n"
    "             { \"emotion\": \"fear\", \"seconds\": 2 } ],\n"
    "  \"cameras\": [ %s ]\n"
    "}\n";

#define CAMERA(id, node) \
  "{ \"id\": \"" id "\", \"device\": \"" node "\", \"width\": 640, \"height\": 360 }"

typedef struct {
  Studio *studio;
  char *script;
  char *consent;
  char *dir;
  GPid pid;
  int in, err;
  GString *stderr_seen;
} Session;

static const char *
str (json_t *obj, const char *key)
{
  return json_string_value (json_object_get (obj, key));
}

static void
session_start (Session *s, const char *cameras, const char *testcam, int take2_seconds,
    gboolean interactive, const char *const *extra)
{
  g_autofree char *text = g_strdup_printf (script_head, take2_seconds, cameras);
  GPtrArray *argv = g_ptr_array_new ();

  s->studio = camera_studio_new (testcam);
  s->script = studio_write_script (s->studio, "script.json", text);
  s->consent = studio_write_consent (s->studio, "\"all\"");
  s->dir = g_build_filename (s->studio->archive, "sessions", "faults", NULL);
  s->stderr_seen = g_string_new (NULL);
  g_ptr_array_add (argv, (gpointer) "record");
  g_ptr_array_add (argv, s->script);
  g_ptr_array_add (argv, (gpointer) "--archive");
  g_ptr_array_add (argv, s->studio->archive);
  if (!interactive) {
    g_ptr_array_add (argv, (gpointer) "--auto");
    g_ptr_array_add (argv, (gpointer) "--consent-file");
    g_ptr_array_add (argv, s->consent);
  }
  for (; extra && *extra; extra++)
    g_ptr_array_add (argv, (gpointer) *extra);
  g_ptr_array_add (argv, NULL);
  s->pid = studio_spawn_full (s->studio, (const char *const *) argv->pdata,
      interactive ? &s->in : NULL, NULL, &s->err);
  g_ptr_array_free (argv, TRUE);
}

/* Waits for take 2's file of @camera to get its first frame, then fires
 * the camera's fault (trigger file @trigger). */
static void
fire_during_take_2 (Session *s, const char *camera, const char *trigger)
{
  g_autofree char *name = g_strdup_printf ("%s.mkv", camera);
  g_autofree char *path = g_build_filename (s->dir, "takes", "002-anger", name, NULL);

  wait_for_bytes (path);
  camera_fire (s->studio, trigger);
}

/* Waits for the recorder to exit (two minutes at most: it must not hang);
 * returns its exit status, with all it wrote on stderr in s->stderr_seen. */
static int
session_end (Session *s)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  int status = 0;
  char buf[4096];
  ssize_t n;

  while ((n = read (s->err, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0)
      g_string_append_len (s->stderr_seen, buf, n);
  }
  while (waitpid (s->pid, &status, WNOHANG) == 0) {
    if (g_get_monotonic_time () > deadline) {
      kill (s->pid, SIGKILL);
      g_error ("emocap record hung");
    }
    g_usleep (20 * 1000);
  }
  close (s->err);
  if (WIFSIGNALED (status))
    g_error ("emocap record crashed: signal %d; stderr:\n%s", WTERMSIG (status),
        s->stderr_seen->str);
  return WEXITSTATUS (status);
}

static void
session_free (Session *s)
{
  studio_free (s->studio);
  g_free (s->script);
  g_free (s->consent);
  g_free (s->dir);
  g_string_free (s->stderr_seen, TRUE);
}

/* Take 1 is as it was recorded, and plays. */
static void
check_take_1_intact (Session *s)
{
  g_autofree char *journal_path = g_build_filename (s->dir, "journal.jsonl", NULL);
  g_autoptr (json_t) journal = read_journal (journal_path);
  int i = journal_find (journal, "take.finished", "001-joy");
  size_t k;
  json_t *file;

  check (i >= 0, "take 001-joy did not finish");
  if (i < 0)
    return;
  json_array_foreach (json_object_get (json_array_get (journal, i), "files"), k, file) {
    g_autofree char *path = g_build_filename (s->dir, str (file, "path"), NULL);
    g_autofree char *sha = emocap_sha256_file_hex (path, NULL, NULL);
    g_autofree char *errors = NULL;
    check (g_strcmp0 (sha, str (file, "sha256")) == 0, "%s changed", path);
    check (media_plays (path, &errors), "%s does not play: %s", path, errors);
  }
}

/* The journal has no take.finished (nor any end) for take 2 yet: what the
 * operator was just told, they were told while it recorded. */
static gboolean
take_2_still_recording (Session *s)
{
  g_autofree char *journal_path = g_build_filename (s->dir, "journal.jsonl", NULL);
  g_autoptr (json_t) journal = read_journal (journal_path);

  return journal_find (journal, "take.started", "002-anger") >= 0 &&
      journal_find (journal, "take.finished", "002-anger") < 0 &&
      journal_find (journal, "take.failed", "002-anger") < 0 &&
      journal_find (journal, "take.interrupted", "002-anger") < 0;
}

static void
test_dropped_frames (void)
{
  Session s = { 0 };
  g_autofree char *line = NULL;
  g_autoptr (json_t) doc = NULL;
  json_t *cam;
  int status;

  session_start (&s, CAMERA ("front", "/dev/video42"),
      "/dev/video42,sizes=640x360,gap=4@file:@DIR@/gap", 6, FALSE, NULL);
  fire_during_take_2 (&s, "front", "gap");

  /* at once, while the take records */
  line = wait_for_line (s.err, "camera 'front' dropped", s.stderr_seen);
  check (line != NULL, "the operator was not told of the dropped frames: %s", s.stderr_seen->str);
  check (line && strstr (line, "take '002-anger'") && strstr (line, "dropped 4 frames"),
      "warning: %s", line);
  check (take_2_still_recording (&s), "the warning came after the take");

  status = session_end (&s);
  check (status == 0, "exit %d: %s", status, s.stderr_seen->str);
  doc = read_take_json (s.studio, "faults", "002-anger");
  g_assert_nonnull (doc);
  cam = take_camera (doc, "front");
  check (g_strcmp0 (str (doc, "status"), "finished") == 0, "status %s", str (doc, "status"));
  check (json_integer_value (json_object_get (cam, "frames_dropped")) == 4 &&
      json_integer_value (json_object_get (cam, "frames_dropped_driver")) == 4,
      "frames_dropped %" JSON_INTEGER_FORMAT ", of them reported by the driver %"
      JSON_INTEGER_FORMAT ", expected 4 and 4",
      json_integer_value (json_object_get (cam, "frames_dropped")),
      json_integer_value (json_object_get (cam, "frames_dropped_driver")));
  check (json_integer_value (json_object_get (cam, "frames_recorded")) +
      json_integer_value (json_object_get (cam, "frames_dropped")) ==
      json_integer_value (json_object_get (cam, "frames_expected")),
      "recorded and dropped do not add up to the take");
  check (take_flagged (doc, "frames-dropped"), "take.json not flagged frames-dropped");
  check_take_1_intact (&s);
  check_session_verifies (s.studio, "faults");
  session_free (&s);
}

/* A frame that is whole, and that a decoder reads. */
static gboolean
frame_is_whole (GBytes *frame)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (frame, &len);
  tjhandle tj = tjInitDecompress ();
  int w = 0, h = 0, sub = 0, cs = 0;
  guint8 *pixels;
  gboolean ok;

  if (emocap_jpeg_frame_check (data, len) != NULL ||
      tjDecompressHeader3 (tj, data, len, &w, &h, &sub, &cs) != 0) {
    tjDestroy (tj);
    return FALSE;
  }
  pixels = g_malloc ((gsize) w * h);
  ok = tjDecompress2 (tj, data, len, pixels, w, 0, h, TJPF_GRAY, 0) == 0;
  g_free (pixels);
  tjDestroy (tj);
  return ok;
}

/* One corrupt frame of each kind, from three cameras at once. */
static void
test_corrupt_frames (void)
{
  Session s = { 0 };
  const char *cams[] = { "front", "left", "right" };
  const char *kinds[] = { "truncate", "garbage", "markers" };
  g_autofree char *line = NULL;
  g_autoptr (json_t) doc = NULL;
  int status;

  session_start (&s,
      CAMERA ("front", "/dev/video42") ", " CAMERA ("left", "/dev/video43") ", "
      CAMERA ("right", "/dev/video44"),
      "/dev/video42,sizes=640x360,corrupt=truncate@file:@DIR@/bad;"
      "/dev/video43,sizes=640x360,corrupt=garbage@file:@DIR@/bad;"
      "/dev/video44,sizes=640x360,corrupt=markers@file:@DIR@/bad", 6, FALSE, NULL);
  fire_during_take_2 (&s, "front", "bad");
  line = wait_for_line (s.err, "corrupt frame", s.stderr_seen);
  check (line && strstr (line, "take '002-anger'") && strstr (line, "dropped, not recorded"),
      "the operator was not told of the corrupt frames: %s", s.stderr_seen->str);
  check (take_2_still_recording (&s), "the warning came after the take");

  status = session_end (&s);
  check (status == 0, "exit %d: %s", status, s.stderr_seen->str);
  doc = read_take_json (s.studio, "faults", "002-anger");
  g_assert_nonnull (doc);
  check (g_strcmp0 (str (doc, "status"), "finished") == 0, "the take did not go on: %s",
      str (doc, "status"));
  check (take_flagged (doc, "frames-corrupt"), "take.json not flagged frames-corrupt");

  for (gsize c = 0; c < G_N_ELEMENTS (cams); c++) {
    json_t *cam = take_camera (doc, cams[c]);
    g_autofree char *name = g_strdup_printf ("%s.mkv", cams[c]);
    g_autofree char *path = g_build_filename (s.dir, "takes", "002-anger", name, NULL);
    g_autoptr (GPtrArray) frames = read_video_frames (path);
    g_autofree char *errors = NULL;
    json_int_t recorded = json_integer_value (json_object_get (cam, "frames_recorded"));

    check (json_integer_value (json_object_get (cam, "frames_corrupt")) == 1,
        "camera %s (%s): frames_corrupt %" JSON_INTEGER_FORMAT ", expected 1", cams[c],
        kinds[c], json_integer_value (json_object_get (cam, "frames_corrupt")));
    /* its hole is not a frame the camera lost */
    check (recorded + 1 + json_integer_value (json_object_get (cam, "frames_dropped")) ==
        json_integer_value (json_object_get (cam, "frames_expected")),
        "camera %s: %" JSON_INTEGER_FORMAT " recorded, 1 corrupt, %" JSON_INTEGER_FORMAT
        " dropped, %" JSON_INTEGER_FORMAT " expected", cams[c], recorded,
        json_integer_value (json_object_get (cam, "frames_dropped")),
        json_integer_value (json_object_get (cam, "frames_expected")));
    /* never stored: every frame in the file is whole and decodes */
    check ((json_int_t) frames->len == recorded, "camera %s: %u frames in the file, %"
        JSON_INTEGER_FORMAT " recorded", cams[c], frames->len, recorded);
    for (guint i = 0; i < frames->len; i++)
      check (frame_is_whole (g_ptr_array_index (frames, i)), "camera %s: stored frame %u is "
          "not a whole JPEG", cams[c], i);
    check (media_plays (path, &errors), "%s does not play: %s", path, errors);
  }
  check_take_1_intact (&s);
  check_session_verifies (s.studio, "faults");
  session_free (&s);
}

static void
test_stall (void)
{
  Session s = { 0 };
  g_autofree char *line = NULL, *log = NULL, *resumed = NULL;
  g_autoptr (json_t) doc = NULL;
  const char *fault, *nothing;
  json_t *cam;
  guint64 next_seq = 0;
  double told_after = 99;
  int status;

  session_start (&s, CAMERA ("front", "/dev/video42"),
      "/dev/video42,sizes=640x360,stall=3@file:@DIR@/stall", 8, FALSE, NULL);
  fire_during_take_2 (&s, "front", "stall");

  line = wait_for_line (s.err, "camera 'front' stopped delivering frames", s.stderr_seen);
  check (line != NULL, "the operator was not told of the stall: %s", s.stderr_seen->str);
  /* told while the camera was still silent: no frame after the stall yet */
  log = camera_log (s.studio);
  fault = strstr (log, "fault /dev/video42 stall 3");
  check (fault != NULL, "the stall did not fire:\n%s", log);
  /* "fault CAMERA stall SECONDS NEXT_SEQ" */
  check (fault && sscanf (fault, "fault %*s stall %*s %" G_GUINT64_FORMAT, &next_seq) == 1,
      "no sequence number in the camera's stall line");
  {
    g_autofree char *after = g_strdup_printf ("frame /dev/video42 %" G_GUINT64_FORMAT " ",
        next_seq);
    check (strstr (log, after) == NULL, "the operator was told only after the camera came back");
  }
  /* within 2 seconds of the last frame */
  nothing = line ? strstr (line, "nothing for ") : NULL;
  if (nothing)
    told_after = g_ascii_strtod (nothing + strlen ("nothing for "), NULL);
  check (told_after <= 2.0, "told %.1f s after the last frame: %s", told_after, line);

  resumed = wait_for_line (s.err, "camera 'front' delivers again", s.stderr_seen);
  check (resumed != NULL, "not told the camera came back");

  status = session_end (&s);
  check (status == 0, "exit %d: %s", status, s.stderr_seen->str);
  doc = read_take_json (s.studio, "faults", "002-anger");
  g_assert_nonnull (doc);
  cam = take_camera (doc, "front");
  check (take_flagged (doc, "camera-stalled"), "take.json not flagged camera-stalled");
  check (json_integer_value (json_object_get (cam, "stalls")) == 1 &&
      json_real_value (json_object_get (cam, "stall_longest_s")) >= 2.9,
      "stalls %" JSON_INTEGER_FORMAT ", longest %.3f s, expected 1 of 3 s",
      json_integer_value (json_object_get (cam, "stalls")),
      json_real_value (json_object_get (cam, "stall_longest_s")));
  check (json_integer_value (json_object_get (cam, "frames_dropped")) >= 85,
      "the stall's three seconds are not counted as missing frames: %" JSON_INTEGER_FORMAT,
      json_integer_value (json_object_get (cam, "frames_dropped")));
  check_take_1_intact (&s);
  check_session_verifies (s.studio, "faults");
  session_free (&s);
}

/* Unplugged in take 2: the take is kept as interrupted with playable
 * files, the operator told "disconnected", and then goes on without it
 * (@answer 'c') or stops (@answer 'q'). */
static void
unplugged (const char *answer)
{
  Session s = { 0 };
  gboolean go_on = answer[0] == 'c';
  g_autofree char *keys = NULL, *line = NULL, *verify_out = NULL, *verify_err = NULL;
  g_autoptr (json_t) doc = NULL;
  g_autoptr (json_t) journal = NULL;
  g_autofree char *journal_path = NULL;
  json_t *side;
  int status, i_int;

  session_start (&s, CAMERA ("front", "/dev/video42") ", " CAMERA ("side", "/dev/video43"),
      "/dev/video42,sizes=640x360;/dev/video43,sizes=640x360,unplug=file:@DIR@/unplug",
      6, TRUE, NULL);
  /* take 1: record, consent, next; take 2: record, consent, then the
   * question; take 3: record, consent, next */
  keys = g_strdup_printf ("\ny\n\n\ny\n%s\n%s", answer, go_on ? "\n\ny\n\n" : "");
  g_assert_cmpint (write (s.in, keys, strlen (keys)), ==, (gssize) strlen (keys));
  close (s.in);
  fire_during_take_2 (&s, "side", "unplug");

  line = wait_for_line (s.err, "camera 'side' disconnected", s.stderr_seen);
  check (line != NULL, "the operator was not told: %s", s.stderr_seen->str);
  status = session_end (&s);
  check (strstr (s.stderr_seen->str, "Failed to allocate") == NULL &&
      strstr (s.stderr_seen->str, "No such device") == NULL,
      "v4l2src's words reached the operator: %s", s.stderr_seen->str);

  journal_path = g_build_filename (s.dir, "journal.jsonl", NULL);
  journal = read_journal (journal_path);
  i_int = journal_find (journal, "take.interrupted", "002-anger");
  check (i_int >= 0, "take 2 not journaled as interrupted");
  doc = read_take_json (s.studio, "faults", "002-anger");
  g_assert_nonnull (doc);
  side = take_camera (doc, "side");
  check (g_strcmp0 (str (doc, "status"), "interrupted") == 0 &&
      g_strcmp0 (str (doc, "fault"), "camera-disconnected") == 0 &&
      strstr (str (doc, "reason"), "camera 'side' disconnected"),
      "take.json: status %s, fault %s, reason %s", str (doc, "status"), str (doc, "fault"),
      str (doc, "reason"));
  check (json_is_true (json_object_get (side, "disconnected")) &&
      take_flagged (doc, "camera-disconnected"), "take.json does not name the camera");
  for (const char *const *cam = (const char *const[]) { "front", "side", NULL }; *cam; cam++) {
    g_autofree char *name = g_strdup_printf ("%s.mkv", *cam);
    g_autofree char *path = g_build_filename (s.dir, "takes", "002-anger", name, NULL);
    g_autofree char *errors = NULL;
    check (media_plays (path, &errors), "%s does not play: %s", path, errors);
  }
  check_take_1_intact (&s);
  check_session_verifies (s.studio, "faults");

  if (go_on) {
    g_autofree char *side3 = g_build_filename (s.dir, "takes", "003-fear", "side.mkv", NULL);
    g_autofree char *front3 = g_build_filename (s.dir, "takes", "003-fear", "front.mkv", NULL);
    int i3 = journal_find (journal, "take.started", "003-fear");
    json_t *cams = i3 >= 0 ? json_object_get (json_array_get (journal, i3), "cameras") : NULL;
    check (status == 0, "exit %d after going on without the camera: %s", status,
        s.stderr_seen->str);
    check (journal_find (journal, "take.finished", "003-fear") > i_int, "take 3 not recorded");
    check (json_array_size (cams) == 1 &&
        g_strcmp0 (json_string_value (json_array_get (cams, 0)), "front") == 0,
        "take 3 was not recorded with the front camera alone");
    check (g_file_test (front3, G_FILE_TEST_EXISTS) && !g_file_test (side3, G_FILE_TEST_EXISTS),
        "take 3's files");
  } else {
    int i_closed = journal_find (journal, "session.closed", NULL);
    check (status == 2, "exit %d after stopping for a lost camera: %s", status,
        s.stderr_seen->str);
    check (i_closed > i_int && g_strcmp0 (str (json_array_get (journal, i_closed), "reason"),
            "camera disconnected") == 0, "the session was not closed for the camera");
    check (journal_find (journal, "consent.given", "003-fear") < 0, "went on after 'q'");
  }
  session_free (&s);
}

static void
test_unplug_go_on (void)
{
  unplugged ("c");
}

static void
test_unplug_stop (void)
{
  unplugged ("q");
}

/* Unplugged while the operator is between takes: found as the next take
 * is about to start, before any consent is asked for it. */
static void
test_unplug_between_takes (void)
{
  Session s = { 0 };
  g_autofree char *json1 = NULL, *journal_path = NULL, *line = NULL;
  g_autoptr (json_t) journal = NULL;
  static const char take_1[] = "\ny\n";
  static const char rest[] = "\nc\n\ny\n\n\ny\n\n";
  int status, i_lost;

  session_start (&s, CAMERA ("front", "/dev/video42") ", " CAMERA ("side", "/dev/video43"),
      "/dev/video42,sizes=640x360;/dev/video43,sizes=640x360,unplug=file:@DIR@/unplug",
      2, TRUE, NULL);
  g_assert_cmpint (write (s.in, take_1, strlen (take_1)), ==, (gssize) strlen (take_1));
  json1 = g_build_filename (s.dir, "takes", "001-joy", "take.json", NULL);
  wait_for_bytes (json1);
  camera_fire (s.studio, "unplug");
  /* the camera notices at its next frame */
  for (gint64 until = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;;) {
    g_autofree char *log = camera_log (s.studio);
    if (strstr (log, "fault /dev/video43 unplug"))
      break;
    g_assert_cmpint (g_get_monotonic_time (), <, until);
    g_usleep (20 * 1000);
  }
  g_assert_cmpint (write (s.in, rest, strlen (rest)), ==, (gssize) strlen (rest));
  close (s.in);
  line = wait_for_line (s.err, "camera 'side' disconnected", s.stderr_seen);
  check (line != NULL, "the operator was not told: %s", s.stderr_seen->str);
  status = session_end (&s);
  check (status == 0, "exit %d: %s", status, s.stderr_seen->str);

  journal_path = g_build_filename (s.dir, "journal.jsonl", NULL);
  journal = read_journal (journal_path);
  i_lost = journal_find (journal, "take.finished", "001-joy");
  check (i_lost >= 0 && journal_find (journal, "take.finished", "002-anger") > i_lost &&
      journal_find (journal, "take.finished", "003-fear") > i_lost,
      "takes 2 and 3 were not recorded without the camera");
  check (journal_find (journal, "take.interrupted", NULL) < 0, "a take was interrupted");
  {
    int i2 = journal_find (journal, "take.started", "002-anger");
    json_t *cams = json_object_get (json_array_get (journal, i2), "cameras");
    check (json_array_size (cams) == 1, "take 2 recorded %zu cameras", json_array_size (cams));
  }
  check_take_1_intact (&s);
  check_session_verifies (s.studio, "faults");
  session_free (&s);
}

/* Unattended, with --drop-lost-cameras: goes on by itself. */
static void
test_unplug_auto (void)
{
  Session s = { 0 };
  const char *extra[] = { "--drop-lost-cameras", NULL };
  g_autofree char *journal_path = NULL;
  g_autoptr (json_t) journal = NULL;
  int status;

  session_start (&s, CAMERA ("front", "/dev/video42") ", " CAMERA ("side", "/dev/video43"),
      "/dev/video42,sizes=640x360;/dev/video43,sizes=640x360,unplug=file:@DIR@/unplug",
      6, FALSE, extra);
  fire_during_take_2 (&s, "side", "unplug");
  status = session_end (&s);
  check (status == 0, "exit %d: %s", status, s.stderr_seen->str);
  check (strstr (s.stderr_seen->str, "camera 'side' disconnected") != NULL, "%s",
      s.stderr_seen->str);
  journal_path = g_build_filename (s.dir, "journal.jsonl", NULL);
  journal = read_journal (journal_path);
  check (journal_find (journal, "take.interrupted", "002-anger") >= 0 &&
      journal_find (journal, "take.finished", "003-fear") >= 0,
      "not interrupted and then on to take 3");
  check_session_verifies (s.studio, "faults");
  session_free (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/faults/camera/dropped-frames", test_dropped_frames);
  g_test_add_func ("/faults/camera/corrupt-frames", test_corrupt_frames);
  g_test_add_func ("/faults/camera/stall", test_stall);
  g_test_add_func ("/faults/camera/unplug-go-on", test_unplug_go_on);
  g_test_add_func ("/faults/camera/unplug-stop", test_unplug_stop);
  g_test_add_func ("/faults/camera/unplug-unattended", test_unplug_auto);
  g_test_add_func ("/faults/camera/unplug-between-takes", test_unplug_between_takes);
  return g_test_run ();
}
