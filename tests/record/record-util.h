/* emocap tests: a temporary studio — archive, ALSA file microphone, helpers
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include <emocap/json.h>

typedef struct {
  char *dir;         /* temporary folder, removed at the end */
  char *archive;     /* DIR/archive (not created) */
  char *xdg;         /* DIR/xdg: XDG_CONFIG_HOME with alsa/asoundrc */
  char *wav;         /* DIR/voice.wav */
  char *fifo;        /* DIR/mic.fifo, the `emotest` PCM's infile */
  GBytes *pcm;       /* the WAV's samples, S16LE mono 48 kHz */
  GPid feeder;
  char **env;        /* more environment for the emocap program */
  GSpawnChildSetupFunc child_setup;  /* run in the emocap process before exec */
  gpointer child_data;
} Studio;

/* A temporary studio whose ALSA PCM "emotest" (type file, slave null)
 * plays voice.wav, 60 s of deterministic noise, in real time. */
Studio *studio_new (void);
void studio_start_feeder (Studio *studio);

/* Replaces voice.wav (before the feeder starts) with 60 s of @sample. */
typedef gint16 (*EmocapSampleFunc) (gsize index, gpointer data);
void studio_write_wav (Studio *studio, EmocapSampleFunc sample, gpointer data);
void studio_free (Studio *studio);

/* Writes @contents to DIR/@name; returns the path (free it). */
char *studio_write (Studio *studio, const char *name, const char *contents);

/* Writes @script_text to DIR/@name and the contract of DESIGN.md beside
 * it as contract.json; returns the script's path (free it). */
char *studio_write_script (Studio *studio, const char *name, const char *script_text);

/* Writes DIR/consent.json: actor-0042's consent under the studio contract
 * for @emotions (JSON: "\"all\"" or "[\"joy\"]"); returns its path. */
char *studio_write_consent (Studio *studio, const char *emotions);

/* The contract of DESIGN.md, and its SHA-256. */
extern const char studio_contract[];
char *studio_contract_sha256 (void);

/* Runs the emocap program with @argv (NULL-terminated, without "emocap"),
 * XDG_CONFIG_HOME pointing at the studio, @input on stdin (may be NULL);
 * returns its exit status, its stdout and stderr in @out and @err. */
int studio_run (Studio *studio, const char *input, char **out, char **err,
    const char *const *argv);

/* Sets @name to @value in the environment of the emocap programs the
 * studio runs from now on (NULL @value: unsets it). */
void studio_setenv (Studio *studio, const char *name, const char *value);

/* The emocap program's environment: this process's, XDG_CONFIG_HOME
 * pointing at the studio, and what studio_setenv() added. */
char **studio_environ (Studio *studio);

/* Starts the emocap program in the background; returns its pid. */
GPid studio_spawn (Studio *studio, const char *const *argv);

/* The same, with pipes to its stdin, stdout and stderr for those of @in,
 * @out and @err that are not NULL (the others inherit ours; stdin is
 * closed). */
GPid studio_spawn_full (Studio *studio, const char *const *argv, int *in, int *out,
    int *err);
int studio_wait (GPid pid);

/* ffprobe -show_streams -show_format -count_packets, parsed. */
json_t *probe_media (const char *path);

/* Decodes the first audio track of @path to raw S16LE. */
GBytes *decode_audio (const char *path);

/* Decodes the first video track of @path to raw frames of @pix_fmt (as
 * ffmpeg names it: "yuv444p", "gray", ...), one after the other. */
GBytes *decode_video (const char *path, const char *pix_fmt);

/* TRUE if ffmpeg decodes every frame of @path without an error. */
gboolean media_plays (const char *path, char **errors);

/* The journal at @path as an array of entries. */
json_t *read_journal (const char *path);
json_t *read_json_file (const char *path);

/* Index in @journal of the first entry of @type for take @take, or -1. */
int journal_find (json_t *journal, const char *type, const char *take);

/* Checks take @take of @session in the archive at @archive: take.json's
 * "watermark" names the tag emocap_wm_tag() gives under the archive's
 * watermark key, the scheme and its parameters, and every frame of every
 * camera as marked (none unmarked, no "frames-unmarked" flag); the
 * journal's entry ending the take names the same tag; the key itself is
 * nowhere in take.json.  Returns the tag. */
guint64 check_take_watermark (const char *archive, const char *session,
    const char *take);

/* Fails the test with a message. */
#define check(cond, ...) G_STMT_START {                            \
    if (!(cond)) {                                                 \
      g_printerr ("%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      g_printerr (__VA_ARGS__);                                    \
      g_printerr ("\n");                                           \
      g_test_fail ();                                              \
    }                                                              \
  } G_STMT_END
