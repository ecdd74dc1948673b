/* emocap: the command-line program, shared between subcommands
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include <emocap/error.h>

/**
 * EmocapCommand:
 * @name: the subcommand, e.g. "record"
 * @args: its positional arguments, e.g. "SCRIPT" (NULL for none)
 * @summary: one line for `emocap help`
 * @description: a paragraph for `emocap CMD -h` (may be NULL)
 * @options: its options, NULL-terminated (may be NULL); the storage they
 *   point to lives in the subcommand's file
 * @run: runs it with the positional arguments left after option parsing
 *   (argv[0] is the subcommand name); returns an #EmocapExit
 */
typedef struct {
  const char *name;
  const char *args;
  const char *summary;
  const char *description;
  const GOptionEntry *options;
  int (*run) (int argc, char **argv);
} EmocapCommand;

extern const EmocapCommand emocap_cmd_audit;
extern const EmocapCommand emocap_cmd_check;
extern const EmocapCommand emocap_cmd_detect;
extern const EmocapCommand emocap_cmd_devices;
extern const EmocapCommand emocap_cmd_export;
extern const EmocapCommand emocap_cmd_record;
extern const EmocapCommand emocap_cmd_review;
extern const EmocapCommand emocap_cmd_verify;
extern const EmocapCommand emocap_cmd_withdraw;

/* Prints "emocap: MESSAGE" on stderr and returns the exit code for @error. */
int cli_fail (const GError *error);

/* Prints "emocap: FORMAT..." on stderr and returns @code. */
int cli_failf (int code, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Prints a usage error for @cmd ("emocap: MESSAGE" and the synopsis) and
 * returns EMOCAP_EXIT_USAGE. */
int cli_usage (const EmocapCommand *cmd, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* The archive folder: @option if given, else $EMOCAP_ARCHIVE, else
 * ./emocap-archive.  Free with g_free(). */
char *cli_archive_path (const char *option);

/* TRUE if stdout is a terminal (progress shown) and FALSE when piped. */
gboolean cli_stdout_is_tty (void);

/* Where a session named on the command line is: @folder as the user spelt
 * it, its @id, its journal, and the @archive it belongs to. */
typedef struct {
  char *id;
  char *folder;
  char *journal;
  char *archive;
} CliSession;

void cli_session_clear (CliSession *place);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliSession, cli_session_clear)

/* @arg is a session folder when it names one (unless @archive_option is
 * given and @arg is a valid id), else a session id looked up in the
 * archive (cli_archive_path()).  EMOCAP_ERROR_NOT_FOUND when there is no
 * such session or it has no journal. */
gboolean cli_find_session (const char *arg, const char *archive_option, CliSession *place,
    GError **error);
