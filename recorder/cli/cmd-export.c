/* emocap export: a package of takes that carries the contract's terms
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include <emocap/export.h>

#include "cli.h"

static char *opt_archive = NULL;
static char *opt_purpose = NULL;
static char *opt_to = NULL;
static char *opt_client = NULL;
static char **opt_takes = NULL;

static const GOptionEntry options[] = {
  { "purpose", 'p', 0, G_OPTION_ARG_STRING, &opt_purpose,
    "What the takes will be used for; the contract and each take's consent must grant it "
    "(required)", "PURPOSE" },
  { "to", 't', 0, G_OPTION_ARG_FILENAME, &opt_to,
    "The package's folder: new, or empty (required)", "DIR" },
  { "take", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_takes,
    "Export this take (again for more); default every take that may be exported", "ID" },
  { "client", 'c', 0, G_OPTION_ARG_STRING, &opt_client,
    "Who receives the package, written into its manifest and the journal", "NAME" },
  { "archive", 'a', 0, G_OPTION_ARG_FILENAME, &opt_archive,
    "The archive to look SESSION up in (default $EMOCAP_ARCHIVE, else ./emocap-archive)",
    "DIR" },
  { NULL }
};

static int
run (int argc, char **argv)
{
  g_auto (CliSession) place = { NULL, };
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapExportResult) result = NULL;
  g_autofree char *keys = NULL;
  EmocapExportRequest request = { 0, };

  if (argc != 2)
    return cli_usage (&emocap_cmd_export, argc < 2 ? "which session? give its folder or id"
        : "export takes one session (choose its takes with --take)");
  if (opt_purpose == NULL || *opt_purpose == '\0')
    return cli_usage (&emocap_cmd_export,
        "--purpose is required: what will the takes be used for (e.g. ai-training)?");
  if (opt_to == NULL || *opt_to == '\0')
    return cli_usage (&emocap_cmd_export, "--to is required: the folder to write the package to");

  if (!cli_find_session (argv[1], opt_archive, &place, &error))
    return cli_fail (error);
  keys = g_build_filename (place.archive, "keys", NULL);

  request.session_dir = place.folder;
  request.keys_dir = keys;
  request.purpose = opt_purpose;
  request.client = opt_client;
  request.to = opt_to;
  request.takes = (const char *const *) opt_takes;
  result = emocap_export (&request, &error);
  if (result == NULL)
    return cli_fail (error);

  for (guint i = 0; i < result->left_out->len; i++)
    fprintf (stderr, "emocap: left out %s\n", (char *) g_ptr_array_index (result->left_out, i));
  printf ("exported %u %s of session '%s' for '%s' to %s\n", result->exported->len,
      result->exported->len == 1 ? "take" : "takes", place.id, opt_purpose, opt_to);
  for (guint i = 0; i < result->exported->len; i++)
    printf ("  %s\n", (char *) g_ptr_array_index (result->exported, i));
  printf ("manifest SHA-256 %s, journaled as entry %" G_GINT64_FORMAT "\n",
      result->manifest_sha256, result->journal_seq);
  return EMOCAP_EXIT_OK;
}

const EmocapCommand emocap_cmd_export = {
  .name = "export",
  .args = "SESSION",
  .summary = "Export takes in a package that carries, and enforces, the contract's terms",
  .description =
      "Writes the takes of SESSION (a session folder or id) that may be used for\n"
      "PURPOSE to DIR: each take's media with the terms as Matroska tags, a\n"
      "take.json with the terms in emocap's, CAWG's and IPTC/PLUS vocabularies,\n"
      "its consent entry and the proof that the session's signed checkpoint\n"
      "holds it, the contract, and a signed manifest of every file.  The export\n"
      "is journaled.\n"
      "\n"
      "Refused (exit 3, nothing written): a purpose the contract or a take's\n"
      "consent does not grant, a contract changed since consent, a named take\n"
      "without consent or withdrawn.  Without --take, takes that may not be\n"
      "exported are left out and listed.  Needs mkvpropedit (mkvtoolnix).",
  .options = options,
  .run = run,
};
