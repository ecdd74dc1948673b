/* emocap record: run a scripted session
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The operator's side of a session: cue, consent, countdown, take, and
 * between takes record / retake / skip / quit.  Everything that must hold
 * (order of journal entries, files, hashes) is in the library; this file
 * only talks to the people in the room.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <gst/gst.h>

#include <emocap/emocap.h>

#include "cli.h"

static char *opt_archive;
static gboolean opt_auto;
static char *opt_consent_file;
static int opt_open_timeout = 10;
static char *opt_resume;
static gboolean opt_drop_lost;

static const GOptionEntry options[] = {
  { "archive", 'a', 0, G_OPTION_ARG_FILENAME, &opt_archive,
    "Archive folder (default $EMOCAP_ARCHIVE, else ./emocap-archive)", "DIR" },
  { "auto", 0, 0, G_OPTION_ARG_NONE, &opt_auto,
    "Record every take without operator keys, consent taken from --consent-file", NULL },
  { "consent-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_consent_file,
    "The actor's consent given in advance (with --auto)", "FILE" },
  { "open-timeout", 0, 0, G_OPTION_ARG_INT, &opt_open_timeout,
    "Seconds to wait for every camera and the microphone to deliver (default 10)", "S" },
  { "resume", 0, 0, G_OPTION_ARG_STRING, &opt_resume,
    "Carry on a session that was cut short (a session id or folder), with the script "
    "and contract frozen in it", "SESSION" },
  { "drop-lost-cameras", 0, 0, G_OPTION_ARG_NONE, &opt_drop_lost,
    "With --auto: go on without a camera that is disconnected (default: stop the session)",
    NULL },
  { NULL }
};

/* Set by SIGINT; the handler also asks the capture to end the take. */
static volatile sig_atomic_t interrupted;
static EmocapCapture *signal_capture;

static void
on_sigint (int sig)
{
  interrupted = 1;
  if (signal_capture)
    emocap_capture_interrupt (signal_capture);
}

static void
install_sigint (EmocapCapture *capture)
{
  struct sigaction sa = { 0 };

  signal_capture = capture;
  sa.sa_handler = on_sigint;
  sigemptyset (&sa.sa_mask);
  /* No SA_RESTART: a prompt waiting for a key returns, and we stop. */
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
}

/* ----- the watermark ----- */

/* Every camera's frames go through an emocapwatermark element; the
 * archive's watermark key and each take's tag are given to it. */
static GstElement *
make_watermark (const EmocapCamera *camera, gpointer data)
{
  GPtrArray *marks = data;
  g_autofree char *name = g_strdup_printf ("%s-watermark", camera->id);
  GstElement *mark = gst_element_factory_make ("emocapwatermark", name);

  if (mark)
    g_ptr_array_add (marks, gst_object_ref (mark));
  return mark;
}

static void
set_watermark_key (GPtrArray *marks, const guint8 *key)
{
  for (guint i = 0; i < marks->len; i++)
    emocap_watermark_element_set_key (g_ptr_array_index (marks, i), key);
}

/* From the next frame on, which is before the take's cue. */
static void
set_watermark_tag (GPtrArray *marks, guint64 tag)
{
  for (guint i = 0; i < marks->len; i++)
    g_object_set (g_ptr_array_index (marks, i), "tag", tag, NULL);
}

/* ----- talking to the room ----- */

typedef struct {
  gboolean tty;              /* stdin is a terminal: single keys */
  gboolean progress;         /* stdout is a terminal: live progress */
  struct termios saved;
  gboolean raw;
  const char *take_id;
  gboolean progress_shown;
  /* repeated warnings of one kind and camera are summed over a second */
  GHashTable *warned;            /* "KIND CAMERA" -> Warning */
} Room;

typedef struct {
  gint64 last;                   /* when the last one was printed */
  guint64 held;                  /* counted since, not printed yet */
} Warning;

/* Whether to print a warning of @type for @camera now: the first at once,
 * then at most one a second, *@count growing by those held back. */
static gboolean
warn_now (Room *room, EmocapTakeEventType type, const char *camera, guint64 *count)
{
  g_autofree char *key = g_strdup_printf ("%d %s", (int) type, camera ? camera : "");
  Warning *w = g_hash_table_lookup (room->warned, key);
  gint64 now = g_get_monotonic_time ();

  if (w == NULL) {
    w = g_new0 (Warning, 1);
    g_hash_table_insert (room->warned, g_steal_pointer (&key), w);
  } else if (now - w->last < G_USEC_PER_SEC) {
    w->held += *count;
    return FALSE;
  }
  *count += w->held;
  w->held = 0;
  w->last = now;
  return TRUE;
}

static void
room_restore (Room *room)
{
  if (room->raw) {
    tcsetattr (STDIN_FILENO, TCSANOW, &room->saved);
    room->raw = FALSE;
  }
}

/* Reads one key (a terminal) or one line (a pipe): its first character,
 * '\n' for an empty line, 0 on end of input or Ctrl-C. */
static int
read_key (Room *room)
{
  char c = 0;

  fflush (stdout);
  if (room->tty) {
    struct termios t = room->saved;
    ssize_t n;
    t.c_lflag &= ~(ICANON | ECHO);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr (STDIN_FILENO, TCSANOW, &t);
    room->raw = TRUE;
    n = read (STDIN_FILENO, &c, 1);
    room_restore (room);
    /* Echo the key (or end the prompt's line after Ctrl-C). */
    if (n == 1 && g_ascii_isgraph (c))
      printf ("%c\n", c);
    else
      printf ("\n");
    return n == 1 && !interrupted ? (c == '\r' ? '\n' : c) : 0;
  } else {
    char line[256];
    if (interrupted || fgets (line, sizeof line, stdin) == NULL)
      return 0;
    return line[0] == '\0' ? '\n' : line[0];
  }
}

/* Waits for one of @keys (lower case); '\n' may be among them. */
static int
ask (Room *room, const char *question, const char *keys)
{
  for (;;) {
    int k;
    printf ("%s ", question);
    k = read_key (room);
    if (k == 0)
      return 0;
    k = g_ascii_tolower (k);
    if (strchr (keys, k))
      return k;
    printf ("  (please press one of the keys shown)\n");
  }
}

static void
print_terms (const EmocapContract *contract, const char *indent)
{
  g_auto (GStrv) lines = emocap_contract_describe (contract);

  for (char **l = lines; *l; l++)
    printf ("%s%s\n", indent, *l);
}

static void
print_session (const EmocapScript *script, EmocapCapture *capture, const char *archive)
{
  printf ("session '%s' at %s, operator %s\n", script->session, script->studio,
      script->operator_id);
  printf ("actor: %s (%s)\n", script->actor_name, script->actor_id);
  printf ("contract: %s (sha256 %s)\n", script->contract->id, script->contract->sha256);
  print_terms (script->contract, "  ");
  for (guint i = 0; i < script->cameras->len; i++) {
    const EmocapCamera *cam = g_ptr_array_index (script->cameras, i);
    int w = 0, h = 0, fn = 0, fd = 1;
    emocap_capture_get_camera_format (capture, cam->id, &w, &h, &fn, &fd);
    printf ("camera '%s': %s, MJPEG %dx%d at %.6g fps\n", cam->id, cam->device, w, h,
        (double) fn / fd);
  }
  if (script->audio.kind == EMOCAP_AUDIO_NONE)
    printf ("microphone: none\n");
  else
    printf ("microphone: %s, %d Hz, %d channel%s\n", script->audio.device,
        script->audio.rate, script->audio.channels, script->audio.channels > 1 ? "s" : "");
  printf ("archive: %s\n\n", archive);
}

static void
print_cue (const EmocapScript *script, const EmocapTake *take)
{
  const EmocapTakeSpec *spec = take->plan->spec;

  printf ("── take %d of %u: %s ──\n", take->plan->position, script->plan->len, take->id);
  printf ("  emotion: %s (%s), %d s\n", spec->emotion,
      emocap_intensity_to_string (spec->intensity), spec->seconds);
  if (spec->prompt && *spec->prompt)
    printf ("  prompt: %s\n", spec->prompt);
  printf ("  terms (contract %s):\n", script->contract->id);
  print_terms (script->contract, "    ");
}

static void
on_take_event (const EmocapTakeEvent *ev, gpointer data)
{
  Room *room = data;
  EmocapTakeEvent summed = *ev;

  switch (ev->type) {
    case EMOCAP_TAKE_EVENT_PROGRESS:
      if (room->progress) {
        printf ("\r  recording %s  %.1f s ", room->take_id, ev->seconds);
        fflush (stdout);
        room->progress_shown = TRUE;
      }
      return;
    case EMOCAP_TAKE_EVENT_STARTED:
      /* a new take: its first warnings are told at once */
      g_hash_table_remove_all (room->warned);
      return;
    case EMOCAP_TAKE_EVENT_FRAMES_DROPPED:
    case EMOCAP_TAKE_EVENT_FRAMES_CORRUPT:
    case EMOCAP_TAKE_EVENT_AUDIO_CLIPPED:
    case EMOCAP_TAKE_EVENT_AUDIO_DROPPED:
      if (!warn_now (room, ev->type, ev->camera, &summed.count))
        return;
      ev = &summed;
      break;
    default:
      break;
  }
  if (room->progress_shown) {
    printf ("\n");
    room->progress_shown = FALSE;
  }
  switch (ev->type) {
    case EMOCAP_TAKE_EVENT_FRAMES_DROPPED:
      fprintf (stderr, "emocap: warning: take '%s': camera '%s' dropped %" G_GUINT64_FORMAT
          " frame%s\n", room->take_id, ev->camera, ev->count, ev->count == 1 ? "" : "s");
      break;
    case EMOCAP_TAKE_EVENT_AUDIO_CLIPPED:
      fprintf (stderr, "emocap: warning: take '%s': audio clipped (%" G_GUINT64_FORMAT
          " samples at full scale): lower the microphone gain\n", room->take_id, ev->count);
      break;
    case EMOCAP_TAKE_EVENT_AUDIO_DROPPED:
      fprintf (stderr, "emocap: warning: take '%s': %" G_GUINT64_FORMAT
          " audio samples lost\n", room->take_id, ev->count);
      break;
    case EMOCAP_TAKE_EVENT_CAMERA_STALLED:
      fprintf (stderr, "emocap: warning: take '%s': camera '%s' stopped delivering frames "
          "(nothing for %.1f s): check its cable and power\n",
          room->take_id, ev->camera, ev->seconds);
      break;
    case EMOCAP_TAKE_EVENT_CAMERA_RESUMED:
      fprintf (stderr, "emocap: warning: take '%s': camera '%s' delivers again after "
          "%.1f s without frames\n", room->take_id, ev->camera, ev->seconds);
      break;
    case EMOCAP_TAKE_EVENT_FRAMES_CORRUPT:
      fprintf (stderr, "emocap: warning: take '%s': camera '%s' sent %" G_GUINT64_FORMAT
          " corrupt frame%s: dropped, not recorded\n", room->take_id, ev->camera, ev->count,
          ev->count == 1 ? "" : "s");
      break;
    case EMOCAP_TAKE_EVENT_CAMERA_LOST:
      fprintf (stderr, "emocap: take '%s': camera '%s' disconnected\n", room->take_id,
          ev->camera);
      break;
    default:
      break;
  }
}

static void
print_result (Room *room, const EmocapTakeResult *r)
{
  static const char *const status[] = { "recorded", "INTERRUPTED", "FAILED" };
  gboolean flagged = FALSE;

  if (room->progress_shown) {
    printf ("\n");
    room->progress_shown = FALSE;
  }
  printf ("  %s %s%s%s\n", status[r->status], room->take_id,
      r->reason ? ": " : "", r->reason ? r->reason : "");
  for (guint i = 0; i < r->cameras->len; i++) {
    const EmocapCameraResult *c = g_ptr_array_index (r->cameras, i);
    printf ("    %s: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " frames, %.3f s",
        c->camera, c->frames_recorded, c->frames_expected, (double) c->duration / GST_SECOND);
    if (c->frames_dropped) {
      printf (", %" G_GUINT64_FORMAT " DROPPED", c->frames_dropped);
      flagged = TRUE;
    }
    if (c->frames_corrupt) {
      printf (", %" G_GUINT64_FORMAT " CORRUPT (dropped)", c->frames_corrupt);
      flagged = TRUE;
    }
    if (c->stalls) {
      printf (", STALLED %u time%s (longest %.1f s)", c->stalls, c->stalls == 1 ? "" : "s",
          c->stall_longest_s);
      flagged = TRUE;
    }
    if (c->lost)
      printf (", DISCONNECTED");
    if (c->frames_marked < c->frames_recorded) {
      printf (", %" G_GUINT64_FORMAT " without watermark",
          c->frames_recorded - c->frames_marked);
      flagged = TRUE;
    }
    printf ("\n");
  }
  if (r->has_audio) {
    printf ("    audio: peak %.1f dBFS, rms %.1f dBFS", r->audio_peak_dbfs, r->audio_rms_dbfs);
    if (r->audio_clipped) {
      printf (", %" G_GUINT64_FORMAT " CLIPPED samples", r->audio_clipped);
      flagged = TRUE;
    }
    if (r->audio_dropped) {
      printf (", %" G_GUINT64_FORMAT " samples LOST", r->audio_dropped);
      flagged = TRUE;
    }
    printf ("\n");
  }
  if (flagged && r->status == EMOCAP_TAKE_FINISHED)
    printf ("  ! this take has quality problems: consider a retake while the actor is here\n");
}

/* A 3-2-1 countdown the actor can see; FALSE if Ctrl-C was pressed. */
static gboolean
countdown (void)
{
  for (int i = 3; i > 0 && !interrupted; i--) {
    printf ("  %d…\n", i);
    fflush (stdout);
    g_usleep (G_USEC_PER_SEC);
  }
  if (interrupted)
    return FALSE;
  printf ("  ACTION\n");
  fflush (stdout);
  return TRUE;
}

typedef enum { NEXT, RETAKE, QUIT, FAIL } Step;

/* A camera was unplugged: the take it broke is kept (interrupted, its
 * files closed), and the operator goes on without it or stops.  TRUE to
 * go on. */
static gboolean
go_on_without_lost_cameras (Room *room, EmocapCapture *capture)
{
  g_auto (GStrv) lost = emocap_capture_get_lost_cameras (capture);
  g_autofree char *names = NULL;
  int k;

  if (lost[0] == NULL)
    return FALSE;
  {
    GString *s = g_string_new (NULL);
    for (char **l = lost; *l; l++)
      g_string_append_printf (s, "%s'%s'", s->len ? ", " : "", *l);
    names = g_string_free (s, FALSE);
  }
  fprintf (stderr, "emocap: camera %s disconnected: plug it back in and resume the session "
      "later, or go on without it\n", names);
  if (opt_auto) {
    if (!opt_drop_lost)
      return FALSE;
    printf ("  going on without camera %s (--drop-lost-cameras)\n", names);
  } else {
    g_autofree char *q = g_strdup_printf ("  operator: [c] continue without camera %s  [q] stop ?",
        names);
    k = ask (room, q, "cq");
    if (k != 'c')
      return FALSE;
  }
  for (char **l = lost; *l; l++) {
    g_autoptr (GError) error = NULL;
    if (!emocap_capture_drop_camera (capture, *l, &error)) {
      cli_fail (error);
      return FALSE;
    }
    printf ("  camera '%s' left out of the takes to come\n", *l);
  }
  return TRUE;
}

/* Where the script comes from: the file named, or the session's frozen
 * copy for --resume. */
static EmocapScript *
load_script (int argc, char **argv, char **archive, GError **error)
{
  g_auto (CliSession) place = { 0 };
  g_autofree char *origin = NULL;

  if (opt_resume == NULL) {
    *archive = cli_archive_path (opt_archive);
    return emocap_script_load (argv[1], error);
  }
  if (!cli_find_session (opt_resume, opt_archive, &place, error) ||
      !emocap_session_locate (place.folder, &origin, error))
    return NULL;
  *archive = g_strdup (place.archive);
  return emocap_script_load_frozen (place.folder, origin, error);
}

static void
print_resume (const EmocapScript *script, const EmocapResume *resume)
{
  printf ("session '%s' resumed: journal verified (%u entries)", script->session,
      resume->entries);
  if (resume->was_closed)
    printf (", closed early before (%s)", resume->closed_reason ? resume->closed_reason : "?");
  printf ("\n");
  if (resume->torn_bytes)
    printf ("  the journal's last line was cut off mid-write (%zu bytes, never acknowledged): "
        "set aside in journal.jsonl.torn\n", resume->torn_bytes);
  for (char **r = resume->recovered; r && *r; r++)
    printf ("  take %s was cut short when the recorder stopped: journaled as interrupted, "
        "its files kept as they were\n", *r);
  if ((guint) resume->position <= script->plan->len) {
    const EmocapTakePlan *plan = g_ptr_array_index (script->plan, resume->position - 1);
    printf ("  carrying on from take %d of %u (%s)\n", resume->position, script->plan->len,
        plan->id);
  } else {
    printf ("  every take of the script has been dealt with\n");
  }
}

static int
run (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapScript) script = NULL;
  g_autoptr (EmocapConsentFile) consent_file = NULL;
  g_autoptr (GPtrArray) marks = g_ptr_array_new_with_free_func (gst_object_unref);
  g_autoptr (EmocapCapture) capture = NULL;
  g_autoptr (EmocapSession) session = NULL;
  g_autofree char *archive = NULL;
  g_autofree char *existing = NULL;
  g_auto (EmocapResume) resume = { 0 };
  gboolean resuming;
  const char *stop_reason = NULL;
  int exit_code = EMOCAP_EXIT_OK;
  guint recorded = 0, refused = 0, skipped = 0, bad = 0;
  Room room = { 0 };
  g_autoptr (GHashTable) warned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);

  if (opt_resume && argc > 1)
    return cli_usage (&emocap_cmd_record, "--resume SESSION records the session's own "
        "frozen script: give no script with it");
  if (!opt_resume && argc != 2)
    return cli_usage (&emocap_cmd_record, argc < 2 ? "no session script given" :
        "more than one session script given");
  if (opt_auto && opt_consent_file == NULL)
    return cli_usage (&emocap_cmd_record,
        "--auto needs --consent-file: without the actor at the keyboard, consent "
        "must come from the consent file they gave");
  if (opt_consent_file && !opt_auto)
    return cli_usage (&emocap_cmd_record,
        "--consent-file is only used with --auto; interactively the actor answers each take");
  if (opt_drop_lost && !opt_auto)
    return cli_usage (&emocap_cmd_record,
        "--drop-lost-cameras is for --auto; interactively the operator is asked");
  if (opt_open_timeout < 1)
    return cli_usage (&emocap_cmd_record, "--open-timeout must be at least 1 second");

  /* A file grown past the size this process may write must fail the
   * write (EFBIG), not kill the recorder mid-take. */
  signal (SIGXFSZ, SIG_IGN);

  /* Everything is validated before any device is opened or anything is
   * written. */
  if (!(script = load_script (argc, argv, &archive, &error)))
    return cli_fail (error);
  for (guint i = 0; script->warnings && i < script->warnings->len; i++)
    fprintf (stderr, "emocap: warning: %s\n", (const char *) g_ptr_array_index (script->warnings, i));
  if (opt_auto && !(consent_file = emocap_consent_file_load (opt_consent_file, script, &error)))
    return cli_fail (error);

  gst_init (NULL, NULL);
  GST_ELEMENT_REGISTER (emocapwatermark, NULL);

  /* A session that exists was cut short (or is refused): what it left is
   * put in order before any device is opened, so that it holds even if
   * the cameras do not come back. */
  existing = g_build_filename (archive, "sessions", script->session, "journal.jsonl", NULL);
  resuming = opt_resume != NULL || g_file_test (existing, G_FILE_TEST_EXISTS);
  if (resuming) {
    if (!(session = emocap_session_reopen (archive, script, opt_resume != NULL, &resume, &error)))
      return cli_fail (error);
    print_resume (script, &resume);
    if ((guint) resume.position > script->plan->len) {
      if (!emocap_session_close (session, NULL, &error))
        return cli_fail (error);
      printf ("session '%s' completed\n", script->session);
      return EMOCAP_EXIT_OK;
    }
  }

  if (!(capture = emocap_capture_new (script, make_watermark, marks, &error)) ||
      !emocap_capture_start (capture, (guint) opt_open_timeout * 1000, &error)) {
    if (resuming)
      fprintf (stderr, "emocap: session '%s' is kept as it is: resume it with "
          "'emocap record --resume %s' once the devices work\n", script->session,
          script->session);
    return cli_fail (error);
  }

  if (resuming) {
    if (!emocap_session_mark_resumed (session, capture, &resume, &error))
      return cli_fail (error);
  } else if (!(session = emocap_session_create (archive, script, capture, &error))) {
    return cli_fail (error);
  }
  set_watermark_key (marks, emocap_session_get_watermark_key (session));

  room.warned = warned;
  room.tty = !opt_auto && isatty (STDIN_FILENO);
  room.progress = cli_stdout_is_tty ();
  if (room.tty)
    tcgetattr (STDIN_FILENO, &room.saved);
  install_sigint (capture);
  print_session (script, capture, emocap_session_get_dir (session));

  for (guint pos = resuming ? (guint) resume.position - 1 : 0;
       pos < script->plan->len && stop_reason == NULL; pos++) {
    const EmocapTakePlan *plan = g_ptr_array_index (script->plan, pos);
    Step step = RETAKE;
    int first_attempt = resuming && pos == (guint) resume.position - 1 ? resume.attempt : 1;

    for (int attempt = first_attempt; step == RETAKE; attempt++) {
      EmocapTake take;
      g_autoptr (json_t) consent = NULL;
      g_autoptr (EmocapTakeResult) result = NULL;
      gboolean given;
      const char *reason = NULL;

      emocap_take_init (&take, plan, attempt);
      room.take_id = take.id;
      step = NEXT;

      if (interrupted) {
        stop_reason = "interrupted";
        g_free (take.id);
        break;
      }

      if (!emocap_capture_check (capture, 2000, &error)) {
        g_auto (GStrv) lost = emocap_capture_get_lost_cameras (capture);
        if (lost[0] == NULL || !go_on_without_lost_cameras (&room, capture)) {
          stop_reason = lost[0] ? "camera disconnected" : "device failure";
          exit_code = cli_fail (error);
          g_clear_error (&error);
          g_free (take.id);
          break;
        }
        g_clear_error (&error);
      }

      print_cue (script, &take);
      if (!opt_auto) {
        int k = ask (&room, "  operator: [enter] record  [s] skip  [q] quit ?", "\nsq");
        if (k == 's') {
          printf ("  skipped %s\n\n", take.id);
          skipped++;
          g_free (take.id);
          break;
        }
        if (k == 'q' || k == 0) {
          stop_reason = interrupted ? "interrupted" : "stopped by the operator";
          g_free (take.id);
          break;
        }
      }

      /* Consent for this take, under these terms, before anything else. */
      if (opt_auto) {
        given = emocap_consent_file_covers (consent_file, plan->spec->emotion);
        if (!given)
          reason = "not covered by the consent file";
      } else {
        int k;
        printf ("  %s, do you consent to take %s (%s) under these terms?\n",
            script->actor_name, take.id, plan->spec->emotion);
        k = ask (&room, "  actor: [y] yes  [n] no ?", "yn");
        if (k == 0) {
          stop_reason = "interrupted";
          g_free (take.id);
          break;
        }
        given = k == 'y';
        if (!given)
          reason = "refused by the actor";
      }
      consent = emocap_session_record_consent (session, &take, given,
          opt_auto ? EMOCAP_CONSENT_PRE_AUTHORIZED : EMOCAP_CONSENT_ACTOR_KEYPRESS,
          consent_file, reason, &error);
      if (consent == NULL) {
        stop_reason = g_error_matches (error, EMOCAP_ERROR, EMOCAP_ERROR_NO_SPACE) ?
            "disk full" : "journal failure";
        exit_code = cli_fail (error);
        g_clear_error (&error);
        g_free (take.id);
        break;
      }
      if (!given) {
        printf ("  consent refused (%s): %s not recorded\n\n", reason, take.id);
        refused++;
        g_free (take.id);
        break;
      }
      printf ("  consent given (%s, journal entry %" JSON_INTEGER_FORMAT ")\n",
          opt_auto ? "pre-authorized" : "actor", json_integer_value (json_object_get (consent, "seq")));
      set_watermark_tag (marks, emocap_session_get_watermark_tag (session, &take));

      if (!opt_auto && !countdown ()) {
        stop_reason = "interrupted";
        g_free (take.id);
        break;
      }

      result = emocap_session_record_take (session, capture, &take, consent,
          on_take_event, &room, &error);
      if (result == NULL) {
        stop_reason = g_error_matches (error, EMOCAP_ERROR, EMOCAP_ERROR_NO_SPACE) ?
            "disk full" : "recording failure";
        exit_code = cli_fail (error);
        g_clear_error (&error);
        g_free (take.id);
        break;
      }
      print_result (&room, result);
      switch (result->status == EMOCAP_TAKE_FINISHED ? EMOCAP_TAKE_FAULT_NONE : result->fault) {
        case EMOCAP_TAKE_FAULT_NONE:
          recorded++;
          break;
        case EMOCAP_TAKE_FAULT_CAMERA_LOST:
          bad++;
          printf ("  %s is kept as interrupted: its files are closed and play up to the "
              "disconnection\n", take.id);
          if (!go_on_without_lost_cameras (&room, capture)) {
            stop_reason = "camera disconnected";
            exit_code = EMOCAP_EXIT_ENVIRONMENT;
          }
          break;
        case EMOCAP_TAKE_FAULT_NO_SPACE:
          bad++;
          fprintf (stderr, "emocap: take '%s': %s\n", take.id, result->reason);
          fprintf (stderr, "emocap: the disk of '%s' is full: take '%s' is marked failed, "
              "every earlier take and the journal are intact; free some space and carry on "
              "with 'emocap record --resume %s'\n", archive, take.id, script->session);
          stop_reason = "disk full";
          exit_code = EMOCAP_EXIT_ENVIRONMENT;
          break;
        case EMOCAP_TAKE_FAULT_OPERATOR:
          bad++;
          stop_reason = "interrupted";
          exit_code = EMOCAP_EXIT_REFUSED;
          break;
        default:
          bad++;
          if (interrupted) {
            stop_reason = "interrupted";
            exit_code = EMOCAP_EXIT_REFUSED;
          } else {
            exit_code = EMOCAP_EXIT_ENVIRONMENT;
          }
          break;
      }

      if (stop_reason == NULL && !opt_auto) {
        int k = ask (&room, "  operator: [enter] next  [r] retake  [q] quit ?", "\nrq");
        if (k == 'r')
          step = RETAKE;
        else if (k == 'q' || k == 0)
          stop_reason = interrupted ? "interrupted" : "stopped by the operator";
      }
      printf ("\n");
      g_free (take.id);
    }
  }

  room_restore (&room);
  signal_capture = NULL;
  if (interrupted && exit_code == EMOCAP_EXIT_OK)
    exit_code = EMOCAP_EXIT_REFUSED;
  if (!emocap_session_close (session, stop_reason, &error)) {
    exit_code = cli_fail (error);
    g_clear_error (&error);
  }
  printf ("session '%s' %s: %u take%s recorded, %u refused, %u skipped%s%s\n",
      script->session, stop_reason ? stop_reason : "completed", recorded,
      recorded == 1 ? "" : "s", refused, skipped,
      bad ? ", " : "", bad ? "some interrupted or failed" : "");
  printf ("journal: %s/journal.jsonl\n", emocap_session_get_dir (session));
  return exit_code;
}

const EmocapCommand emocap_cmd_record = {
  .name = "record",
  .args = "SCRIPT | --resume SESSION",
  .summary = "Record a scripted session: cue, consent and every take",
  .description =
      "Reads the session script and its contract, opens every camera and the\n"
      "microphone once for the whole session, and for each take: shows the cue\n"
      "and the terms, asks the actor's consent (y/n) and journals it, counts\n"
      "down, and records every camera with the sound to\n"
      "ARCHIVE/sessions/SESSION/takes/TAKE/CAMERA.mkv, every frame watermarked\n"
      "with the take's tag (under ARCHIVE/keys/watermark.key).  Between takes the\n"
      "operator records, retakes, skips or quits; Ctrl-C during a take ends it\n"
      "as interrupted, its files closed and playable, and closes the session.\n"
      "\n"
      "A camera that sends corrupt frames, drops frames or stalls is reported at\n"
      "once and the take flagged in take.json.  A camera unplugged mid-take ends\n"
      "the take as interrupted (its files play up to that moment); the operator\n"
      "goes on without it or stops.  A full disk ends the take as failed and\n"
      "stops the session, every earlier take intact.\n"
      "\n"
      "A session the recorder did not close (killed, crashed, power cut) is\n"
      "carried on by recording its script again, or with --resume SESSION: the\n"
      "take that was cut short is journaled as interrupted with its files as\n"
      "they were, the journal verified, and recording goes on from the next\n"
      "take.  --resume also carries on a session closed early (stopped, disk\n"
      "full), with the script and contract frozen in it.\n"
      "\n"
      "With --auto the takes are recorded one after another and consent comes\n"
      "from the consent file the actor signed beforehand:\n"
      "  {\"actor\": \"actor-0042\", \"contract\": \"NLC-2026-0042\",\n"
      "   \"contract_sha256\": \"<hex>\", \"emotions\": [\"joy\", \"anger\"]}\n"
      "A take it does not cover is refused and journaled as refused.",
  .options = options,
  .run = run,
};
