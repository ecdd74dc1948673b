/* emocap review: an actor's takes, terms and consents on a page of their own
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include <gst/gst.h>

#include <emocap/review.h>
#include <emocap/watermark-element.h>

#include "cli.h"

static char *opt_actor = NULL;
static char *opt_to = NULL;
static char *opt_archive = NULL;

static const GOptionEntry options[] = {
  { "actor", 0, 0, G_OPTION_ARG_STRING, &opt_actor,
    "The actor whose takes are shown; no one else's appear (required)", "ID" },
  { "to", 't', 0, G_OPTION_ARG_FILENAME, &opt_to,
    "The site's folder: new, empty, or an earlier review site, which is replaced (required)",
    "DIR" },
  { "archive", 'a', 0, G_OPTION_ARG_FILENAME, &opt_archive,
    "The archive, when no ARCHIVE or SESSION is given (default $EMOCAP_ARCHIVE, else "
    "./emocap-archive)", "DIR" },
  { NULL }
};

static void
show_progress (const char *what, guint done, guint total, gpointer user_data)
{
  if (what)
    fprintf (stderr, "review: [%u/%u] %s\n", done + 1, total, what);
}

static int
run (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapReviewResult) result = NULL;
  g_autofree char *archive = NULL;
  g_autoptr (GPtrArray) sources = g_ptr_array_new ();
  EmocapReviewRequest request = { 0, };

  if (opt_actor == NULL || *opt_actor == '\0')
    return cli_usage (&emocap_cmd_review, "--actor is required: whose takes?");
  if (opt_to == NULL || *opt_to == '\0')
    return cli_usage (&emocap_cmd_review, "--to is required: the folder to write the site to");
  if (argc < 2) {
    archive = cli_archive_path (opt_archive);
    g_ptr_array_add (sources, archive);
  }
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (sources, argv[i]);
  g_ptr_array_add (sources, NULL);

  gst_init (NULL, NULL);
  GST_ELEMENT_REGISTER (emocapwatermark, NULL);

  request.actor = opt_actor;
  request.to = opt_to;
  request.sources = (const char *const *) sources->pdata;
  result = emocap_review (&request, show_progress, NULL, &error);
  if (result == NULL)
    return cli_fail (error);

  for (guint i = 0; i < result->warnings->len; i++)
    fprintf (stderr, "emocap: warning: %s\n", (char *) g_ptr_array_index (result->warnings, i));
  printf ("review site for actor %s: %u %s in %u %s (%u withdrawn", opt_actor, result->takes,
      result->takes == 1 ? "take" : "takes", result->sessions,
      result->sessions == 1 ? "session" : "sessions", result->withdrawn);
  if (result->reused)
    printf (", %u review %s kept from the earlier site", result->reused,
        result->reused == 1 ? "copy" : "copies");
  printf (")\nopen %s in a browser\n", result->index);
  return EMOCAP_EXIT_OK;
}

const EmocapCommand emocap_cmd_review = {
  .name = "review",
  .args = "[ARCHIVE or SESSION ...]",
  .summary = "Write an actor's review site: their takes, terms, consents and exports",
  .description =
      "Writes a static site to DIR for one actor, to open from the folder in any\n"
      "browser with nothing fetched: for each of their takes a contact sheet, a\n"
      "small review copy (burnt in with their name, the take and REVIEW COPY, and\n"
      "carrying the take's invisible watermark), what the contract lets the\n"
      "buyer do and not do in plain words, the consent history, every export\n"
      "that included the take, the command to withdraw it, and a consent\n"
      "receipt.  Only takes whose signed consent names the actor appear.\n"
      "Running it again replaces the site, keeping review copies that have not\n"
      "changed.",
  .options = options,
  .run = run,
};
