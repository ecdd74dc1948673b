/* emocap: shared set-up for the script, contract and consent fuzz targets
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The targets parse outside input; besides not crashing, what they parse
 * must hold what the rest of emocap relies on, and every error must be one
 * printable line.  A broken promise aborts, so the fuzzer reports it.
 */
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <emocap/emocap.h>

#define FUZZ_CHECK(cond) \
  do { \
    if (!(cond)) { \
      g_printerr ("%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond); \
      abort (); \
    } \
  } while (0)

static char *fuzz_dir;

static inline void
fuzz_remove_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL) {
    g_autofree char *path = g_build_filename (dir, name, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR)
        && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
      fuzz_remove_dir (path);
    else
      g_unlink (path);
  }
  g_rmdir (dir);
}

static inline void
fuzz_cleanup (void)
{
  if (fuzz_dir)
    fuzz_remove_dir (fuzz_dir);
  g_clear_pointer (&fuzz_dir, g_free);
}

static inline void
fuzz_copy (const char *from_name, const char *to_name)
{
  g_autofree char *from = g_build_filename (TEST_DATA_DIR, "valid", "full",
      from_name, NULL);
  g_autofree char *to = g_build_filename (fuzz_dir, to_name, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (from, &text, &len, NULL)
      || !g_file_set_contents (to, text, (gssize) len, NULL))
    g_error ("cannot copy %s to %s", from, to);
}

/* A folder holding the valid contract (and script) of valid/full/, and a
 * small file for "file:" cameras; removed at exit. */
static inline const char *
fuzz_setup (void)
{
  g_autofree char *media = NULL;
  g_autofree char *clip = NULL;

  if (fuzz_dir)
    return fuzz_dir;
  fuzz_dir = g_dir_make_tmp ("emocap-fuzz-XXXXXX", NULL);
  if (fuzz_dir == NULL)
    g_error ("cannot make a temporary folder");
  atexit (fuzz_cleanup);
  fuzz_copy ("contract.json", "contract.json");
  fuzz_copy ("script.json", "script.json");
  media = g_build_filename (fuzz_dir, "media", NULL);
  g_mkdir (media, 0700);
  clip = g_build_filename (media, "clip.mjpeg", NULL);
  g_file_set_contents (clip, "\xff\xd8\xff\xd9", 4, NULL);
  return fuzz_dir;
}

/* An error is one line of valid UTF-8 in our domain, "WHERE: what". */
static inline void
fuzz_check_error (const GError *error, int code_a, int code_b, int code_c)
{
  FUZZ_CHECK (error != NULL);
  FUZZ_CHECK (error->domain == EMOCAP_ERROR);
  FUZZ_CHECK (error->code == code_a || error->code == code_b
      || error->code == code_c);
  FUZZ_CHECK (error->message[0] != '\0');
  FUZZ_CHECK (strchr (error->message, '\n') == NULL);
  FUZZ_CHECK (strchr (error->message, '\r') == NULL);
  FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
  FUZZ_CHECK (strstr (error->message, ": ") != NULL);
}

static inline void
fuzz_check_contract (const EmocapContract *c)
{
  json_t *usage;

  FUZZ_CHECK (emocap_id_is_valid (c->id));
  FUZZ_CHECK (emocap_is_sha256_hex (c->sha256));
  FUZZ_CHECK (c->purposes != NULL);
  FUZZ_CHECK (c->retention_days >= 0 && c->retention_days <= 36500);
  FUZZ_CHECK (c->performer == NULL || emocap_id_is_valid (c->performer));
  FUZZ_CHECK (c->per_hour >= 0 && c->minimum_hours >= 0);
  /* no purpose granted against its own prohibited term */
  if (emocap_contract_grants_purpose (c, "ai-training"))
    FUZZ_CHECK (c->ai_training == EMOCAP_TERM_ALLOWED);
  if (emocap_contract_grants_purpose (c, "digital-replica"))
    FUZZ_CHECK (c->digital_replica == EMOCAP_TERM_ALLOWED);
  usage = emocap_contract_usage_json (c);
  FUZZ_CHECK (json_is_string (json_object_get (usage, "commercial_face_use")));
  json_decref (usage);
  g_strfreev (emocap_contract_describe (c));
}
