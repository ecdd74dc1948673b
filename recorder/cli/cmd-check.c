/* emocap check: validate a session script before the session
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include <emocap/emocap.h>

#include "cli.h"

static char *opt_consent_file;

static const GOptionEntry options[] = {
  { "consent-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_consent_file,
    "Also check a consent file against the script and contract", "FILE" },
  { NULL }
};

static int
run (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapScript) script = NULL;
  g_autoptr (EmocapConsentFile) consent = NULL;
  g_auto (GStrv) terms = NULL;
  int total = 0;

  if (argc != 2)
    return cli_usage (&emocap_cmd_check, argc < 2 ? "no session script given" :
        "more than one session script given");

  if (!(script = emocap_script_load (argv[1], &error)))
    return cli_fail (error);
  if (opt_consent_file &&
      !(consent = emocap_consent_file_load (opt_consent_file, script, &error)))
    return cli_fail (error);

  for (guint i = 0; script->warnings && i < script->warnings->len; i++)
    fprintf (stderr, "emocap: warning: %s\n", (const char *) g_ptr_array_index (script->warnings, i));

  printf ("%s: session '%s', actor %s (%s)\n", argv[1], script->session,
      script->actor_name, script->actor_id);
  printf ("contract %s, sha256 %s\n", script->contract->id, script->contract->sha256);
  terms = emocap_contract_describe (script->contract);
  for (char **t = terms; *t; t++)
    printf ("  %s\n", *t);
  for (guint i = 0; i < script->cameras->len; i++) {
    const EmocapCamera *cam = g_ptr_array_index (script->cameras, i);
    printf ("camera '%s': %s, %dx%d at %d/%d fps\n", cam->id, cam->device,
        cam->width, cam->height, cam->fps_n, cam->fps_d);
  }
  printf ("microphone: %s\n", script->audio.device);
  for (guint i = 0; i < script->plan->len; i++) {
    const EmocapTakePlan *p = g_ptr_array_index (script->plan, i);
    const char *covered = "";
    if (consent)
      covered = emocap_consent_file_covers (consent, p->spec->emotion) ?
          "  (consent file: covered)" : "  (consent file: NOT covered, would be refused)";
    printf ("take %s: %s, %s, %d s%s\n", p->id, p->spec->emotion,
        emocap_intensity_to_string (p->spec->intensity), p->spec->seconds, covered);
    total += p->spec->seconds;
  }
  printf ("%u take%s, %d s of recording; the script is valid\n", script->plan->len,
      script->plan->len == 1 ? "" : "s", total);
  return EMOCAP_EXIT_OK;
}

const EmocapCommand emocap_cmd_check = {
  .name = "check",
  .args = "SCRIPT",
  .summary = "Validate a session script, its contract and a consent file",
  .description =
      "Reads the script and the contract it names exactly as 'emocap record'\n"
      "does, without opening any device or writing anything, and lists the\n"
      "takes it would record.  Errors name the file, line and column.",
  .options = options,
  .run = run,
};
