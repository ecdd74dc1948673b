/* emocap: fuzz target for consent files
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is checked against the fixed script and contract of
 * tests/scripts/valid/full.
 */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static EmocapScript *fuzz_script;

static void
free_script (void)
{
  g_clear_pointer (&fuzz_script, emocap_script_free);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapConsentFile) consent = NULL;

  if (fuzz_script == NULL) {
    g_autofree char *path = g_build_filename (fuzz_setup (), "script.json", NULL);
    fuzz_script = emocap_script_load (path, &error);
    if (fuzz_script == NULL)
      g_error ("%s", error->message);
    atexit (free_script);
  }

  consent = emocap_consent_file_load_bytes ("consent.json", bytes,
      fuzz_script, &error);
  if (consent == NULL) {
    fuzz_check_error (error, EMOCAP_ERROR_INVALID_CONSENT,
        EMOCAP_ERROR_INVALID_CONSENT, EMOCAP_ERROR_INVALID_CONSENT);
    FUZZ_CHECK (g_str_has_prefix (error->message, "consent.json:"));
    return 0;
  }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (strcmp (consent->actor, fuzz_script->actor_id) == 0);
  FUZZ_CHECK (strcmp (consent->contract, fuzz_script->contract->id) == 0);
  FUZZ_CHECK (strcmp (consent->contract_sha256, fuzz_script->contract->sha256) == 0);
  FUZZ_CHECK (consent->emotions != NULL);
  FUZZ_CHECK (consent->all_emotions || consent->emotions[0] != NULL);
  for (char **e = consent->emotions; *e; e++)
    FUZZ_CHECK (g_strv_contains ((const char *const *) fuzz_script->emotions, *e));
  FUZZ_CHECK (emocap_is_sha256_hex (consent->sha256));
  return 0;
}
