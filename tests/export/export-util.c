/* emocap tests: a recorded session to export and audit, a fresh copy per case
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <emocap/journal.h>
#include <emocap/keys.h>

#include "export-util.h"


static const char script_text[] =
    "{\n"
    "  \"emocap\": 1, \"session\": \"" SESSION "\", \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\", \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"cameras\": [ { \"id\": \"front\", \"device\": \"test:ball\", \"width\": 320, \"height\": 240 } ],\n"
    "  \"audio\": { \"device\": \"test:sine\" },\n"
    "  \"takes\": [ { \"emotion\": \"joy\", \"seconds\": 1 }, { \"emotion\": \"anger\", \"seconds\": 1 },\n"
    "             { \"emotion\": \"joy\", \"seconds\": 1 } ]\n"
    "}\n";

Studio *studio;
static char *pristine;  /* the recorded archive, never touched */

static void
run_cmd (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
      &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

Case *
case_new (void)
{
  Case *c = g_new0 (Case, 1);

  c->dir = g_dir_make_tmp ("emocap-export-XXXXXX", NULL);
  c->archive = g_build_filename (c->dir, "archive", NULL);
  c->session = g_build_filename (c->archive, "sessions", SESSION, NULL);
  c->journal = g_build_filename (c->session, "journal.jsonl", NULL);
  c->pkg = g_build_filename (c->dir, "out", "pkg", NULL);
  {
    const char *argv[] = { "cp", "-a", pristine, c->archive, NULL };
    run_cmd (argv);
  }
  return c;
}

void
case_free (Case *c)
{
  const char *argv[] = { "rm", "-rf", c->dir, NULL };

  run_cmd (argv);
  g_free (c->dir);
  g_free (c->archive);
  g_free (c->session);
  g_free (c->journal);
  g_free (c->pkg);
  g_free (c->out);
  g_free (c->err);
  g_free (c);
}


/* emocap export SESSION --archive A --to PKG ARGS... */
int
export (Case *c, const char *purpose, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (char *) "export");
  g_ptr_array_add (argv, (char *) SESSION);
  g_ptr_array_add (argv, (char *) "--archive");
  g_ptr_array_add (argv, c->archive);
  g_ptr_array_add (argv, (char *) "--to");
  g_ptr_array_add (argv, c->pkg);
  g_ptr_array_add (argv, (char *) "--purpose");
  g_ptr_array_add (argv, (char *) purpose);
  va_start (args, purpose);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_clear_pointer (&c->out, g_free);
  g_clear_pointer (&c->err, g_free);
  c->status = studio_run (studio, NULL, &c->out, &c->err, (const char *const *) argv->pdata);
  return c->status;
}

char *
read_text (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

void
withdraw (Case *c, const char *take)
{
  g_autofree char *which = g_strdup_printf ("%s/%s", SESSION, take);

  run_emocap_in (c, "withdraw", which, "--actor", "actor-0042", "--archive", c->archive,
      "--reason", "test", NULL);
  if (c->status != 0)
    g_error ("emocap withdraw %s: exit %d\n%s%s", which, c->status, c->out, c->err);
}

int
run_emocap_in (Case *c, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;

  va_start (args, c);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_clear_pointer (&c->out, g_free);
  g_clear_pointer (&c->err, g_free);
  c->status = studio_run (studio, NULL, &c->out, &c->err, (const char *const *) argv->pdata);
  return c->status;
}

void
export_util_record (void)
{
  g_autofree char *script = NULL, *consent = NULL, *out = NULL, *err = NULL;
  int status;

  studio = studio_new ();
  script = studio_write_script (studio, "script.json", script_text);
  consent = studio_write_consent (studio, "[\"joy\"]");
  {
    const char *rec[] = { "record", script, "--archive", studio->archive, "--auto",
      "--consent-file", consent, NULL };
    status = studio_run (studio, NULL, &out, &err, rec);
    if (status != 0)
      g_error ("recording the session failed (exit %d):\n%s%s", status, out, err);
  }
  pristine = studio->archive;
}
