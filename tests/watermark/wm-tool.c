/* emocap: watermark helper for benchmark scripts and trials by hand
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * wm-tool codeword TAGHEX
 *     prints the coded bits of the tag (emocap_wm_encode) as one line of
 *     EMOCAP_WM_CODED_BITS '0' and '1' characters
 * wm-tool mark KEYFILE TAGHEX IN.jpg OUT.jpg
 *     marks one baseline JPEG as the recorder marks MJPEG frames
 *
 * TAGHEX is the 64-bit tag in hex, 1 to 16 digits.  Exit codes as the
 * emocap program's: 1 usage or invalid input, 2 files, 3 a refused frame.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <emocap/error.h>
#include <emocap/watermark.h>

static const char usage[] =
    "usage: wm-tool codeword TAGHEX\n"
    "   or: wm-tool mark KEYFILE TAGHEX IN.jpg OUT.jpg\n";

static gboolean
parse_tag (const char *text, guint64 *tag)
{
  gsize len = strlen (text);
  guint64 value = 0;

  if (len == 0 || len > 16)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    int digit = g_ascii_xdigit_value (text[i]);
    if (digit < 0)
      return FALSE;
    value = value << 4 | (guint64) digit;
  }
  *tag = value;
  return TRUE;
}

static int
run_codeword (const char *tag_text)
{
  guint8 coded[EMOCAP_WM_CODED_BITS];
  char line[EMOCAP_WM_CODED_BITS + 2];
  guint64 tag = 0;

  if (!parse_tag (tag_text, &tag)) {
    fprintf (stderr, "wm-tool: '%s' is not a tag (1 to 16 hex digits)\n", tag_text);
    return EMOCAP_EXIT_USAGE;
  }
  emocap_wm_encode (tag, coded);
  for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++)
    line[i] = coded[i] ? '1' : '0';
  line[EMOCAP_WM_CODED_BITS] = '\n';
  line[EMOCAP_WM_CODED_BITS + 1] = '\0';
  if (fputs (line, stdout) == EOF || fflush (stdout) != 0) {
    fprintf (stderr, "wm-tool: cannot write to standard output\n");
    return EMOCAP_EXIT_ENVIRONMENT;
  }
  return EMOCAP_EXIT_OK;
}

static int
run_mark (const char *key_path, const char *tag_text, const char *in_path,
    const char *out_path)
{
  guint8 key[EMOCAP_WM_KEY_LEN];
  g_autoptr (EmocapWmEmbedder) wm = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *in = NULL;
  g_autofree guint8 *out = NULL;
  gsize in_len = 0, out_len = 0;
  guint64 tag = 0;

  if (!parse_tag (tag_text, &tag)) {
    fprintf (stderr, "wm-tool: '%s' is not a tag (1 to 16 hex digits)\n", tag_text);
    return EMOCAP_EXIT_USAGE;
  }
  if (!emocap_wm_key_load (key_path, key, &error)) {
    fprintf (stderr, "wm-tool: %s\n", error->message);
    return emocap_error_exit_code (error);
  }
  if (!g_file_get_contents (in_path, &in, &in_len, &error)) {
    fprintf (stderr, "wm-tool: cannot read '%s': %s\n", in_path, error->message);
    return EMOCAP_EXIT_ENVIRONMENT;
  }

  wm = emocap_wm_embedder_new (key);
  sodium_memzero (key, sizeof key);
  emocap_wm_embedder_set_tag (wm, tag);
  if (!emocap_wm_embed_jpeg (wm, (const guint8 *) in, in_len, &out, &out_len,
          &error)) {
    fprintf (stderr, "wm-tool: '%s': %s\n", in_path, error->message);
    return EMOCAP_EXIT_REFUSED;
  }
  if (!g_file_set_contents (out_path, (const char *) out, (gssize) out_len,
          &error)) {
    fprintf (stderr, "wm-tool: cannot write '%s': %s\n", out_path, error->message);
    return EMOCAP_EXIT_ENVIRONMENT;
  }
  return EMOCAP_EXIT_OK;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "codeword") == 0)
    return run_codeword (argv[2]);
  if (argc == 6 && strcmp (argv[1], "mark") == 0)
    return run_mark (argv[2], argv[3], argv[4], argv[5]);
  fputs (usage, stderr);
  return EMOCAP_EXIT_USAGE;
}
