/* emocap: fuzz target for session scripts
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is a script.json in a folder that holds a valid contract.json
 * (the one of tests/scripts/valid/full) and media/clip.mjpeg.
 */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *path = g_build_filename (fuzz_setup (), "input.json", NULL);
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapScript) script = emocap_script_load_bytes (path, bytes,
      &error);

  if (script == NULL) {
    fuzz_check_error (error, EMOCAP_ERROR_INVALID_SCRIPT,
        EMOCAP_ERROR_INVALID_CONTRACT, EMOCAP_ERROR_IO);
    return 0;
  }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (emocap_id_is_valid (script->session));
  FUZZ_CHECK (emocap_id_is_valid (script->operator_id));
  FUZZ_CHECK (emocap_id_is_valid (script->actor_id));
  FUZZ_CHECK (script->contract != NULL);
  fuzz_check_contract (script->contract);
  FUZZ_CHECK (script->contract->performer == NULL
      || strcmp (script->contract->performer, script->actor_id) == 0);
  FUZZ_CHECK (g_path_is_absolute (script->contract_path));
  FUZZ_CHECK (script->cameras->len >= 1 && script->cameras->len <= 16);
  for (guint i = 0; i < script->cameras->len; i++) {
    const EmocapCamera *cam = script->cameras->pdata[i];
    FUZZ_CHECK (emocap_id_is_valid (cam->id));
    FUZZ_CHECK (emocap_script_get_camera (script, cam->id) == cam);
    FUZZ_CHECK (cam->width >= 16 && cam->width <= 8192 && cam->width % 2 == 0);
    FUZZ_CHECK (cam->height >= 16 && cam->height <= 8192 && cam->height % 2 == 0);
    FUZZ_CHECK (cam->fps_n > 0 && (cam->fps_d == 1 || cam->fps_d == 1001));
    FUZZ_CHECK ((cam->kind == EMOCAP_SOURCE_TEST) == (cam->pattern != NULL));
    FUZZ_CHECK (cam->kind == EMOCAP_SOURCE_TEST || g_path_is_absolute (cam->path));
  }
  FUZZ_CHECK (script->audio.rate >= 8000 && script->audio.rate <= 192000);
  FUZZ_CHECK (script->audio.channels >= 1 && script->audio.channels <= 8);
  FUZZ_CHECK (script->takes->len >= 1);
  FUZZ_CHECK (script->plan->len >= script->takes->len && script->plan->len <= 999);
  for (guint i = 0; i < script->plan->len; i++) {
    const EmocapTakePlan *plan = script->plan->pdata[i];
    g_autofree char *retake = emocap_take_retake_id (plan->id, 99);
    FUZZ_CHECK (plan->position == (int) i + 1);
    FUZZ_CHECK (emocap_id_is_valid (plan->id));
    FUZZ_CHECK (emocap_id_is_valid (retake));
    FUZZ_CHECK (plan->spec->seconds >= 1 && plan->spec->seconds <= 600);
    FUZZ_CHECK (g_strv_contains ((const char *const *) script->emotions,
            plan->spec->emotion));
  }
  for (guint i = 0; i < script->warnings->len; i++)
    FUZZ_CHECK (strchr (script->warnings->pdata[i], '\n') == NULL);
  return 0;
}
