/* emocap audit: checks an archive, a session or an export package
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <unistd.h>

#include <gst/gst.h>

#include <emocap/audit.h>
#include <emocap/json.h>

#include "cli.h"

static char *opt_archive = NULL;
static char *opt_key = NULL;
static char *opt_html = NULL;
static gboolean opt_json = FALSE;

static const GOptionEntry options[] = {
  { "archive", 'a', 0, G_OPTION_ARG_FILENAME, &opt_archive,
    "The studio's archive: its keys, and for a package the session's journal "
    "(default: the archive PATH is in)", "DIR" },
  { "key", 'k', 0, G_OPTION_ARG_FILENAME, &opt_key,
    "The studio's public key (studio.pub) to check signatures with; an auditor should "
    "pass a copy obtained separately", "FILE" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print the report as JSON on stdout", NULL },
  { "html", 0, 0, G_OPTION_ARG_FILENAME, &opt_html,
    "Also write the report as a web page for readers who are not engineers", "FILE" },
  { NULL }
};

static void
show_progress (const char *what, guint done, guint total, gpointer user_data)
{
  fprintf (stderr, "\r  %s: %u/%u", what, done + 1, total);
  fflush (stderr);
}

static int
run (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (json_t) report = NULL;
  EmocapAuditRequest request = { 0, };
  gboolean tty = !opt_json && isatty (STDERR_FILENO);
  json_t *check, *p;
  size_t i, j;

  if (argc != 2)
    return cli_usage (&emocap_cmd_audit, argc < 2
        ? "what to audit? give an archive, a session folder or an export package"
        : "audit takes one archive, session or package");
  gst_init (NULL, NULL);
  request.path = argv[1];
  request.archive = opt_archive;
  request.key_path = opt_key;
  report = emocap_audit (&request, tty ? show_progress : NULL, NULL, &error);
  if (tty)
    fprintf (stderr, "\r\033[K");
  if (report == NULL)
    return cli_fail (error);

  if (opt_html) {
    g_autofree char *html = emocap_audit_html (report);
    if (!g_file_set_contents (opt_html, html, -1, &error))
      return cli_failf (EMOCAP_EXIT_ENVIRONMENT, "cannot write '%s': %s", opt_html,
          error->message);
  }

  if (opt_json) {
    char *text = json_dumps (report, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    printf ("%s\n", text);
    free (text);
  } else {
    printf ("audit of %s %s: %s\n", json_string_value (json_object_get (report, "kind")),
        argv[1], json_is_true (json_object_get (report, "ok")) ? "every check holds"
        : "PROBLEMS FOUND");
    json_array_foreach (json_object_get (report, "checks"), i, check) {
      gboolean ok = json_is_true (json_object_get (check, "ok"));
      printf ("  %s %-16s %s (%" JSON_INTEGER_FORMAT " checked)\n", ok ? "pass" : "FAIL",
          json_string_value (json_object_get (check, "id")),
          json_string_value (json_object_get (check, "title")),
          json_integer_value (json_object_get (check, "checked")));
      json_array_foreach (json_object_get (check, "problems"), j, p)
        printf ("       %s: %s\n", json_string_value (json_object_get (p, "where")),
            json_string_value (json_object_get (p, "what")));
    }
  }
  return json_is_true (json_object_get (report, "ok")) ? EMOCAP_EXIT_OK : EMOCAP_EXIT_REFUSED;
}

const EmocapCommand emocap_cmd_audit = {
  .name = "audit",
  .args = "PATH",
  .summary = "Check an archive, a session or an export package, and report per check",
  .description =
      "PATH is an archive, a session folder or an export package.  Each check is\n"
      "reported pass or FAIL with the file, take or journal line at fault: the\n"
      "journal's chain, signatures and checkpoint; consent before every take,\n"
      "covering its emotion, under the contract on file; nothing recorded or\n"
      "exported after a withdrawal; media hashes; the watermark of each take\n"
      "(every 10th frame); for a package, its signed manifest and file list, each\n"
      "take's consent proof, the terms in every vocabulary and in the Matroska\n"
      "tags, and the purpose.  Exit 0 only when every check holds, 3 otherwise.",
  .options = options,
  .run = run,
};
