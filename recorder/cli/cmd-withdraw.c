/* emocap withdraw: an actor takes a take back
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include <emocap/journal.h>
#include <emocap/withdraw.h>

#include "cli.h"

static char *opt_archive = NULL;
static char *opt_actor = NULL;
static char *opt_reason = NULL;

static const GOptionEntry options[] = {
  { "actor", 0, 0, G_OPTION_ARG_STRING, &opt_actor,
    "Your actor id, as on your review page (required)", "ID" },
  { "reason", 0, 0, G_OPTION_ARG_STRING, &opt_reason,
    "Why, in your words (optional; journaled with the withdrawal)", "TEXT" },
  { "archive", 'a', 0, G_OPTION_ARG_FILENAME, &opt_archive,
    "The archive (default $EMOCAP_ARCHIVE, else ./emocap-archive)", "DIR" },
  { NULL }
};

static int
run (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapWithdrawResult) result = NULL;
  g_autofree char *archive = NULL;
  EmocapWithdrawRequest request = { 0, };

  if (argc != 2)
    return cli_usage (&emocap_cmd_withdraw, argc < 2 ? "which take? give it as SESSION/TAKE "
        "or as the take's id" : "withdraw one take at a time");
  if (opt_actor == NULL || *opt_actor == '\0')
    return cli_usage (&emocap_cmd_withdraw, "--actor is required: your actor id");

  archive = cli_archive_path (opt_archive);
  request.archive = archive;
  request.take = argv[1];
  request.actor = opt_actor;
  request.reason = opt_reason;
  result = emocap_withdraw (&request, &error);
  if (result == NULL)
    return cli_fail (error);

  if (result->already)
    printf ("consent to take %s/%s was already withdrawn on %s (journal entry %"
        JSON_INTEGER_FORMAT "); nothing more to do\n", result->session, result->take,
        json_string_value (json_object_get (result->entry, "at")),
        json_integer_value (json_object_get (result->entry, "seq")));
  else
    printf ("consent to take %s/%s withdrawn on %s (journal entry %" JSON_INTEGER_FORMAT
        ", signed)\n", result->session, result->take,
        json_string_value (json_object_get (result->entry, "at")),
        json_integer_value (json_object_get (result->entry, "seq")));
  printf ("the take is left out of every export from now on; exports made before "
      "stay listed on your review page\n");
  return EMOCAP_EXIT_OK;
}

const EmocapCommand emocap_cmd_withdraw = {
  .name = "withdraw",
  .args = "TAKE",
  .summary = "Withdraw an actor's consent to a take",
  .description =
      "Appends a signed consent.withdrawn entry to the journal of the session\n"
      "holding TAKE (SESSION/TAKE, or the take's id when only one of your\n"
      "sessions has it).  Later exports leave the take out, and an audit fails\n"
      "any export of it made after the withdrawal.  Withdrawing again changes\n"
      "nothing.\n"
      "\n"
      "Refused (exit 3, nothing written): a take that is not yours, a take\n"
      "without consent, a contract that waives withdrawal.",
  .options = options,
  .run = run,
};
