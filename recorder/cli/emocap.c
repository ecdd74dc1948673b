/* emocap: command dispatcher
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One table of subcommands; `emocap help` and `emocap CMD -h` are built
 * from it and from each subcommand's option entries.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emocap-config.h"
#include "cli.h"

static const EmocapCommand *const commands[] = {
  &emocap_cmd_record,
  &emocap_cmd_check,
  &emocap_cmd_verify,
  &emocap_cmd_detect,
  &emocap_cmd_devices,
  &emocap_cmd_export,
  &emocap_cmd_audit,
  &emocap_cmd_review,
  &emocap_cmd_withdraw,
};

static const char exit_codes[] =
    "exit codes:\n"
    "  0  ok\n"
    "  1  usage or invalid input (command line, script, contract, consent file)\n"
    "  2  environment (camera, microphone, disk, permissions)\n"
    "  3  refused or failed check (consent, verification, existing session),\n"
    "     or a session stopped by Ctrl-C (closed cleanly, its takes kept)\n";

static const EmocapCommand *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++) {
    if (strcmp (commands[i]->name, name) == 0)
      return commands[i];
  }
  return NULL;
}

static GOptionContext *
command_context (const EmocapCommand *cmd, gboolean *want_help)
{
  GOptionEntry help_entry[] = {
    { "help", 'h', 0, G_OPTION_ARG_NONE, want_help, "Show this help", NULL },
    { NULL }
  };
  g_autofree char *prgname = g_strdup_printf ("emocap %s", cmd->name);
  GOptionContext *ctx;

  /* GOption prints "Usage: PRGNAME [OPTION…] ARGS". */
  g_set_prgname (prgname);
  ctx = g_option_context_new (cmd->args);

  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_set_summary (ctx, cmd->summary);
  if (cmd->description)
    g_option_context_set_description (ctx, cmd->description);
  /* The entries are copied, so the stack array above is fine. */
  g_option_context_add_main_entries (ctx, help_entry, NULL);
  if (cmd->options)
    g_option_context_add_main_entries (ctx, cmd->options, NULL);
  return ctx;
}

static void
print_command_help (const EmocapCommand *cmd, FILE *out)
{
  gboolean dummy = FALSE;
  g_autoptr (GOptionContext) ctx = command_context (cmd, &dummy);
  g_autofree char *text = g_option_context_get_help (ctx, TRUE, NULL);
  const char *body = text;

  /* GOption prints "Usage:\n  PRG CMD ..."; our program name is fixed. */
  if (g_str_has_prefix (body, "Usage:\n"))
    body += strlen ("Usage:\n");
  fprintf (out, "usage:\n%s", body);
}

static void
print_help (FILE *out)
{
  int width = 0;

  fprintf (out, "usage: emocap <command> [<args>]\n\n"
      "emocap %s records scripted emotion-capture sessions: cameras and a\n"
      "microphone, consent before every take in a signed journal, and takes\n"
      "that carry the contract's terms.\n\ncommands:\n", EMOCAP_VERSION);
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    width = MAX (width, (int) strlen (commands[i]->name));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-*s  %s\n", width, commands[i]->name, commands[i]->summary);
  fprintf (out, "  %-*s  %s\n", width, "help", "Show this help, or a command's");
  fprintf (out, "\n'emocap help CMD' or 'emocap CMD -h' shows a command's options.\n"
      "The archive is --archive DIR, else $EMOCAP_ARCHIVE, else ./emocap-archive.\n\n%s",
      exit_codes);
}

int
cli_fail (const GError *error)
{
  fprintf (stderr, "emocap: %s\n", error->message);
  return emocap_error_exit_code (error);
}

int
cli_failf (int code, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "emocap: %s\n", msg);
  return code;
}

int
cli_usage (const EmocapCommand *cmd, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "emocap: %s\nusage: emocap %s%s%s\n"
      "(see 'emocap %s -h')\n", msg, cmd->name, cmd->args ? " " : "",
      cmd->args ? cmd->args : "", cmd->name);
  return EMOCAP_EXIT_USAGE;
}

char *
cli_archive_path (const char *option)
{
  const char *env = g_getenv ("EMOCAP_ARCHIVE");

  if (option && *option)
    return g_strdup (option);
  if (env && *env)
    return g_strdup (env);
  return g_strdup ("emocap-archive");
}

gboolean
cli_stdout_is_tty (void)
{
  return isatty (STDOUT_FILENO);
}

static int
run_help (int argc, char **argv)
{
  const EmocapCommand *cmd;

  if (argc < 2) {
    print_help (stdout);
    return EMOCAP_EXIT_OK;
  }
  cmd = find_command (argv[1]);
  if (cmd == NULL)
    return cli_failf (EMOCAP_EXIT_USAGE, "'%s' is not an emocap command; see 'emocap help'",
        argv[1]);
  print_command_help (cmd, stdout);
  return EMOCAP_EXIT_OK;
}

static int
run_command (const EmocapCommand *cmd, int argc, char **argv)
{
  gboolean want_help = FALSE;
  g_autoptr (GOptionContext) ctx = command_context (cmd, &want_help);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) args = g_new0 (char *, argc + 1);

  /* GOption wants argv[0] to be the program; ours is the subcommand. */
  for (int i = 0; i < argc; i++)
    args[i] = g_strdup (argv[i]);

  if (!g_option_context_parse_strv (ctx, &args, &error))
    return cli_usage (cmd, "%s", error->message);
  if (want_help) {
    print_command_help (cmd, stdout);
    return EMOCAP_EXIT_OK;
  }
  return cmd->run (g_strv_length (args), args);
}

int
main (int argc, char **argv)
{
  const EmocapCommand *cmd;

  setlocale (LC_ALL, "");

  if (argc < 2) {
    print_help (stderr);
    return EMOCAP_EXIT_USAGE;
  }
  if (strcmp (argv[1], "help") == 0 || strcmp (argv[1], "--help") == 0 ||
      strcmp (argv[1], "-h") == 0)
    return run_help (argc - 1, argv + 1);
  if (strcmp (argv[1], "--version") == 0) {
    printf ("emocap %s\n", EMOCAP_VERSION);
    return EMOCAP_EXIT_OK;
  }

  cmd = find_command (argv[1]);
  if (cmd == NULL)
    return cli_failf (EMOCAP_EXIT_USAGE, "'%s' is not an emocap command; see 'emocap help'",
        argv[1]);
  return run_command (cmd, argc - 1, argv + 1);
}
