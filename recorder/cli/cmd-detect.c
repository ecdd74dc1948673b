/* emocap detect: traces a clip back to its take through the watermark
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gst/gst.h>
#include <jansson.h>
#include <sodium.h>

#include <emocap/contract.h>
#include <emocap/json.h>
#include <emocap/watermark.h>

#include "cli.h"

static char *opt_archive = NULL;
static char *opt_key = NULL;
static gboolean opt_json = FALSE;

static const GOptionEntry options[] = {
  { "archive", 'a', 0, G_OPTION_ARG_FILENAME, &opt_archive,
    "The archive whose watermark key to use and whose takes to name "
    "(default $EMOCAP_ARCHIVE, else ./emocap-archive)", "DIR" },
  { "key", 'k', 0, G_OPTION_ARG_FILENAME, &opt_key,
    "A watermark key file (keys/watermark.key of an archive) to detect "
    "with; the take is then named by its tag only, unless --archive is "
    "given too", "FILE" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
    "Print the result as a JSON object on stdout", NULL },
  { NULL }
};

/* The take of an archive that carries a tag. */
typedef struct {
  char *session_dir;
  json_t *take;       /* its take.json */
  char *take_path;
} TakeMatch;

static void
take_match_clear (TakeMatch *m)
{
  g_free (m->session_dir);
  g_free (m->take_path);
  if (m->take)
    json_decref (m->take);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TakeMatch, take_match_clear)

/* Looks through every take.json of @archive for @tag_hex. */
static gboolean
find_take (const char *archive, const char *tag_hex, TakeMatch *match)
{
  g_autofree char *sessions = g_build_filename (archive, "sessions", NULL);
  g_autoptr (GDir) sdir = g_dir_open (sessions, 0, NULL);
  const char *session;

  while (sdir && (session = g_dir_read_name (sdir))) {
    g_autofree char *session_dir = g_build_filename (sessions, session, NULL);
    g_autofree char *takes = g_build_filename (session_dir, "takes", NULL);
    g_autoptr (GDir) tdir = g_dir_open (takes, 0, NULL);
    const char *take;

    while (tdir && (take = g_dir_read_name (tdir))) {
      g_autofree char *path = g_build_filename (takes, take, "take.json", NULL);
      json_t *doc = json_load_file (path, 0, NULL);
      const char *tag = json_string_value (json_object_get (
              json_object_get (doc, "watermark"), "tag"));

      if (tag && g_ascii_strcasecmp (tag, tag_hex) == 0) {
        match->session_dir = g_steal_pointer (&session_dir);
        match->take_path = g_steal_pointer (&path);
        match->take = doc;
        return TRUE;
      }
      if (doc)
        json_decref (doc);
    }
  }
  return FALSE;
}

static void
show_progress (double fraction, gpointer user_data)
{
  static int last = -1;
  int percent = (int) (fraction * 100);

  if (percent == last)
    return;
  last = percent;
  fprintf (stderr, "\r%s: %3d %%", (const char *) user_data, percent);
  if (percent >= 100)
    fputs ("\r\033[K", stderr);
  fflush (stderr);
}

static const char *
jstr (json_t *obj, const char *key)
{
  const char *s = json_string_value (json_object_get (obj, key));
  return s ? s : "?";
}

static int
run (int argc, char **argv)
{
  guint8 key[EMOCAP_WM_KEY_LEN];
  g_autoptr (GError) error = NULL;
  g_autofree char *archive = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *tag_hex = NULL;
  g_auto (TakeMatch) match = { 0 };
  g_autoptr (EmocapContract) contract = NULL;
  g_auto (GStrv) terms = NULL;
  g_autoptr (json_t) out = NULL;
  EmocapWmResult result;
  const char *clip;
  gboolean have_match = FALSE;
  gboolean ok;

  if (argc != 2)
    return cli_usage (&emocap_cmd_detect, "give one CLIP to look at");
  clip = argv[1];

  if (opt_key) {
    key_path = g_strdup (opt_key);
  } else {
    archive = cli_archive_path (opt_archive);
    key_path = g_build_filename (archive, "keys", "watermark.key", NULL);
    if (!g_file_test (key_path, G_FILE_TEST_EXISTS))
      return cli_failf (EMOCAP_EXIT_USAGE, "%s: no watermark key in this "
          "archive; give the archive the clip was recorded in with --archive "
          "DIR, or its key with --key FILE", key_path);
  }
  if (opt_archive && !archive)
    archive = g_strdup (opt_archive);
  if (!emocap_wm_key_load (key_path, key, &error))
    return cli_fail (error);

  gst_init (NULL, NULL);
  ok = emocap_wm_detect_file (key, clip, 1,
      !opt_json && isatty (STDERR_FILENO) ? show_progress : NULL,
      (gpointer) clip, &result, &error);
  sodium_memzero (key, sizeof key);
  if (!ok)
    return cli_fail (error);

  if (result.found) {
    tag_hex = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", result.tag);
    if (archive)
      have_match = find_take (archive, tag_hex, &match);
  }
  if (have_match) {
    g_autofree char *contract_path =
        g_build_filename (match.session_dir, "contract.json", NULL);
    /* terms are shown as the archive froze them; a contract that no
     * longer loads is reported, not hidden */
    contract = emocap_contract_load (contract_path, NULL);
    if (contract)
      terms = emocap_contract_describe (contract);
  }

  if (opt_json) {
    GString *bits = g_string_sized_new (EMOCAP_WM_CODED_BITS);
    json_t *channel;

    for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++)
      g_string_append_c (bits, result.channel_bits[i] ? '1' : '0');
    channel = json_string (bits->str);
    g_string_free (bits, TRUE);

    out = json_pack ("{s:s, s:b, s:s?, s:f, s:f, s:f, s:i, s:f, s:f, s:b, s:[f,f], s:o}",
        "clip", clip, "found", result.found, "tag", tag_hex,
        "false_alarm", result.false_alarm, "sync_z", result.sync_z,
        "candidates", result.candidates, "frames", (int) result.frames,
        "cell_px", result.cell_px, "visible_fraction", result.visible_fraction,
        "mirrored", result.mirrored,
        "tile_origin", result.offset_x, result.offset_y,
        "channel_bits", channel);
    if (have_match) {
      json_object_set_new (out, "session", json_incref (json_object_get (match.take, "session")));
      json_object_set_new (out, "take", json_incref (json_object_get (match.take, "take")));
      json_object_set_new (out, "take_json", json_string (match.take_path));
      json_object_set_new (out, "actor", json_incref (json_object_get (match.take, "actor")));
      json_object_set_new (out, "recorded_at", json_incref (json_object_get (match.take, "cue_at")));
      json_object_set_new (out, "contract", json_incref (json_object_get (match.take, "contract")));
      json_object_set_new (out, "usage", json_incref (json_object_get (match.take, "usage")));
      if (terms) {
        json_t *list = json_array ();
        for (char **t = terms; *t; t++)
          json_array_append_new (list, json_string (*t));
        json_object_set_new (out, "terms", list);
      }
    } else if (result.found && archive) {
      json_object_set_new (out, "session", json_null ());
      json_object_set_new (out, "take", json_null ());
    }
    json_dumpf (out, stdout, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    fputc ('\n', stdout);
    return result.found ? EMOCAP_EXIT_OK : EMOCAP_EXIT_REFUSED;
  }

  if (!result.found) {
    printf ("%s: no watermark found\n", clip);
    printf ("  %u frames searched over %.3g scale and offset hypotheses; the "
        "strongest sync was %.1f sigma, which unmarked video reaches by chance\n",
        result.frames, result.candidates, result.sync_z);
    return EMOCAP_EXIT_REFUSED;
  }

  printf ("%s: watermark found\n", clip);
  printf ("  take tag       %s\n", tag_hex);
  printf ("  false alarm    %.1e (the chance that a clip without this mark "
      "scores as high)\n", result.false_alarm);
  printf ("  evidence       %u frames, sync %.1f sigma over %.3g hypotheses\n",
      result.frames, result.sync_z, result.candidates);
  printf ("  picture        %.0f %% of the marked picture's height is shown "
      "(cells of %.1f px)%s\n", 100.0 * result.visible_fraction, result.cell_px,
      result.mirrored ? ", flipped left to right" : "");
  if (!archive) {
    printf ("  give --archive DIR to name the session and take\n");
  } else if (!have_match) {
    printf ("  the mark was made with this archive's key, but no take in %s "
        "carries this tag (deleted, or recorded in another archive with the "
        "same key)\n", archive);
  } else {
    json_t *c = json_object_get (match.take, "contract");
    printf ("  session        %s\n", jstr (match.take, "session"));
    printf ("  take           %s (%s, %s)\n", jstr (match.take, "take"),
        jstr (match.take, "emotion"), jstr (match.take, "status"));
    printf ("  recorded       %s\n", jstr (match.take, "cue_at"));
    printf ("  actor          %s (%s)\n",
        jstr (json_object_get (match.take, "actor"), "name"),
        jstr (json_object_get (match.take, "actor"), "id"));
    printf ("  contract       %s (sha256 %s)\n", jstr (c, "id"), jstr (c, "sha256"));
    if (terms) {
      printf ("  terms the actor consented to:\n");
      for (char **t = terms; *t; t++)
        printf ("    %s\n", *t);
    } else {
      printf ("  terms          the session's contract.json cannot be read; "
          "run 'emocap verify %s'\n", jstr (match.take, "session"));
    }
    printf ("  take record    %s\n", match.take_path);
  }
  return EMOCAP_EXIT_OK;
}

const EmocapCommand emocap_cmd_detect = {
  .name = "detect",
  .args = "CLIP",
  .summary = "Trace a clip back to its take through its watermark",
  .description =
      "Decodes CLIP (any file GStreamer can read: re-encoded, scaled, "
      "cropped or brightened copies included), looks for the invisible "
      "watermark every recorded frame carries, and prints the take's tag "
      "with the probability that an unmarked clip would score as high.  "
      "With the archive, it names the session, take, actor and contract, "
      "and the terms the actor consented to.  Exit 3 when there is no "
      "watermark.",
  .options = options,
  .run = run,
};
