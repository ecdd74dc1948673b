/* emocap verify: checks a session's journal chain and signatures
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <emocap/digest.h>
#include <emocap/journal.h>
#include <emocap/keys.h>

#include "cli.h"

static char *opt_archive = NULL;
static char *opt_key = NULL;
static gboolean opt_json = FALSE;

static const GOptionEntry options[] = {
  { "archive", 'a', 0, G_OPTION_ARG_FILENAME, &opt_archive,
    "The archive to look SESSION up in (default $EMOCAP_ARCHIVE, else ./emocap-archive)",
    "DIR" },
  { "key", 'k', 0, G_OPTION_ARG_FILENAME, &opt_key,
    "The studio's public key (a studio.pub file) to verify with", "FILE" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
    "Print the result as a JSON object on stdout", NULL },
  { NULL }
};

/* The key that should have signed the session: --key, else the archive's
 * keys/studio.pub. */
static char *
key_path_for (const CliSession *place)
{
  if (opt_key)
    return g_strdup (opt_key);
  if (opt_archive)
    return g_build_filename (opt_archive, "keys", "studio.pub", NULL);
  return g_build_filename (place->archive, "keys", "studio.pub", NULL);
}

static EmocapKey *
load_key (const CliSession *place, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *key_path = key_path_for (place);
  EmocapKey *key;

  key = emocap_key_load_public (key_path, &local_error);
  if (key != NULL)
    return key;
  if (!opt_key && g_error_matches (local_error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
        "no studio key to verify session '%s' with: '%s' does not exist; pass the "
        "studio's public key with --key FILE", place->id, key_path);
    return NULL;
  }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

static void
print_json (json_t *result)
{
  char *text = json_dumps (result, JSON_INDENT (2) | JSON_PRESERVE_ORDER);

  if (text != NULL)
    printf ("%s\n", text);
  free (text);
}

static int
fail (const char *session, const char *journal, const char *key_hex, guint line,
    const GError *error)
{
  if (opt_json) {
    json_t *result = json_object ();
    json_object_set_new (result, "ok", json_false ());
    json_object_set_new (result, "session", json_string (session));
    if (journal)
      json_object_set_new (result, "journal", json_string (journal));
    if (key_hex)
      json_object_set_new (result, "key", json_string (key_hex));
    if (line > 0)
      json_object_set_new (result, "line", json_integer (line));
    json_object_set_new (result, "message", json_string (error->message));
    print_json (result);
    json_decref (result);
  }
  return cli_fail (error);
}

static int
run (int argc, char **argv)
{
  g_auto (CliSession) place = { NULL, };
  g_autoptr (EmocapKey) key = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *key_hex = NULL;
  g_autofree char *data = NULL;
  g_autofree char *head = NULL;
  json_t *entries = NULL;
  g_autoptr (json_t) checkpoint = NULL;
  guint bad_line = 0;
  gsize n_entries;
  gsize len = 0;

  if (argc != 2)
    return cli_usage (&emocap_cmd_verify, argc < 2 ? "which session? give its folder or id"
        : "verify takes one session");

  if (!cli_find_session (argv[1], opt_archive, &place, &error))
    return fail (argv[1], NULL, NULL, 0, error);
  key = load_key (&place, &error);
  if (key == NULL)
    return fail (place.id, place.journal, NULL, 0, error);
  key_hex = emocap_key_public_hex (key);

  if (!g_file_get_contents (place.journal, &data, &len, &error)) {
    g_autoptr (GError) io_error = g_error_new (EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "cannot read journal '%s': %s", place.journal, error->message);
    return fail (place.id, place.journal, key_hex, 0, io_error);
  }
  if (!emocap_journal_verify_data (place.journal, data, len, key, &entries, &head,
          &bad_line, &error))
    return fail (place.id, place.journal, key_hex, bad_line, error);

  n_entries = json_array_size (entries);
  /* The last checkpoint: what `session.closed` signed last. */
  for (gsize i = n_entries; i > 0; i--) {
    json_t *entry = json_array_get (entries, i - 1);
    if (g_strcmp0 (json_string_value (json_object_get (entry, "type")),
            EMOCAP_JOURNAL_SESSION_CLOSED) == 0) {
      checkpoint = json_pack ("{s:O, s:O, s:O}", "seq", json_object_get (entry, "seq"),
          "tree_size", json_object_get (entry, "tree_size"),
          "root", json_object_get (entry, "root"));
      break;
    }
  }
  json_decref (entries);
  /* Every session journal starts with session.opened: an empty one means
   * the session was lost or emptied. */
  if (n_entries == 0) {
    g_autoptr (GError) empty = g_error_new (EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "session '%s': journal '%s' has no entries", place.id, place.journal);
    return fail (place.id, place.journal, key_hex, 0, empty);
  }

  if (opt_json) {
    json_t *result = json_object ();
    json_object_set_new (result, "ok", json_true ());
    json_object_set_new (result, "session", json_string (place.id));
    json_object_set_new (result, "journal", json_string (place.journal));
    json_object_set_new (result, "entries", json_integer ((json_int_t) n_entries));
    json_object_set_new (result, "head", json_string (head));
    json_object_set_new (result, "key", json_string (key_hex));
    json_object_set (result, "checkpoint", checkpoint ? checkpoint : json_null ());
    print_json (result);
    json_decref (result);
  } else {
    printf ("session '%s': %" G_GSIZE_FORMAT " journal %s, chain and signatures intact "
        "(studio key %.16s...)\n", place.id, n_entries,
        n_entries == 1 ? "entry" : "entries", key_hex);
    if (checkpoint)
      printf ("closed on line %" JSON_INTEGER_FORMAT " with a signed checkpoint of the %"
          JSON_INTEGER_FORMAT " entries before it, Merkle root %s\n",
          json_integer_value (json_object_get (checkpoint, "seq")),
          json_integer_value (json_object_get (checkpoint, "tree_size")),
          json_string_value (json_object_get (checkpoint, "root")));
    else
      printf ("not closed: no checkpoint yet (still recording, or the recorder was "
          "stopped before it could close the session)\n");
  }
  return EMOCAP_EXIT_OK;
}

const EmocapCommand emocap_cmd_verify = {
  .name = "verify",
  .args = "SESSION",
  .summary = "Check a session's journal: chain, order and studio signatures",
  .description =
      "SESSION is a session folder (one holding journal.jsonl), or a session id\n"
      "looked up in the archive's sessions/ folder.  Every line of the journal\n"
      "must be signed by the studio key, chained by SHA-256 to the line before\n"
      "it, numbered in order and dated forwards, and every session.closed must\n"
      "hold the checkpoint (size and RFC 9162 Merkle root) of the lines before\n"
      "it; the first line that is not is reported as JOURNAL:LINE with what is\n"
      "wrong.\n"
      "\n"
      "The key is --key FILE (the studio.pub the studio handed out), else the\n"
      "archive's keys/studio.pub (for a session folder without --archive, the\n"
      "archive two folders up).  An auditor should pass --key with a copy obtained separately: a\n"
      "key taken from the archive proves only that the archive agrees with\n"
      "itself.\n"
      "\n"
      "Exit status: 0 intact, 1 usage, 2 the journal cannot be read, 3 a check\n"
      "failed or the session or key does not exist.",
  .options = options,
  .run = run,
};
