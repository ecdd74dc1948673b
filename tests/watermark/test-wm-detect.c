/* emocap tests: the watermark end to end — embed, attack, detect
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Short clips of natural-looking content (a 1/f "plasma" picture, the
 * spectrum of photographs, panned with a little sensor noise) are marked
 * through the MJPEG path and the raw path, then attacked with ffmpeg
 * (x264 CRF 28, a 50 % downscale, a mirror image, a 4:3 letterbox) and
 * detected through
 * emocap_wm_detect_file(), as `emocap detect` does.
 */
#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <turbojpeg.h>

#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/watermark.h>

#define WIDTH 1920
#define HEIGHT 1080
#define FRAMES 45
#define PLASMA_W (WIDTH + 2 * FRAMES)
#define PLASMA_H (HEIGHT + FRAMES)

static const guint64 TAG = G_GUINT64_CONSTANT (0x5eed0fc0ffee1234);

typedef struct {
  char *dir;
  guint8 key[EMOCAP_WM_KEY_LEN];
  guint8 other_key[EMOCAP_WM_KEY_LEN];
  float *plasma;
  char *unmarked;   /* MJPEG clips */
  char *marked;
  char *raw_marked; /* marked through the raw path, stored lossless */
} Fixture;

static Fixture fx;

/* A picture with a 1/f amplitude spectrum, from random-phase waves. */
static void
make_plasma (GRand *rand)
{
  fx.plasma = g_new0 (float, PLASMA_W * PLASMA_H);
  for (int k = 0; k < 60; k++) {
    double f = 1.0 / 400 * pow (2.0, g_rand_double_range (rand, 0, 6.5));
    double a = g_rand_double_range (rand, 0, G_PI);
    double fx_ = f * cos (a), fy = f * sin (a);
    double phase = g_rand_double_range (rand, 0, 2 * G_PI);
    double amp = 9.0 / (f * 400);
    for (int y = 0; y < PLASMA_H; y++)
      for (int x = 0; x < PLASMA_W; x++)
        fx.plasma[y * PLASMA_W + x] +=
            (float) (amp * sin (2 * G_PI * (fx_ * x + fy * y) + phase));
  }
}

/* Frame @n: the plasma panned by two pixels right and one down a frame,
 * plus noise, as 4:2:0 I420 (chroma flat). */
static void
make_frame (GRand *rand, int n, guint8 *i420)
{
  guint8 *y = i420;
  for (int r = 0; r < HEIGHT; r++)
    for (int c = 0; c < WIDTH; c++) {
      double v = 120 + fx.plasma[(r + n) * PLASMA_W + c + 2 * n] +
          g_rand_double_range (rand, -2.5, 2.5);
      y[r * WIDTH + c] = (guint8) CLAMP (lrint (v), 16, 235);
    }
  memset (i420 + WIDTH * HEIGHT, 128, WIDTH * HEIGHT / 2);
}

static void
run_or_fail (const char *const *argv)
{
  g_autofree char *err = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
      G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
}

/* Writes frames as JPEG files and wraps them, untouched, into Matroska. */
static char *
mux_jpegs (const char *name, const char *pattern)
{
  char *out = g_build_filename (fx.dir, name, NULL);
  const char *argv[] = { "ffmpeg", "-loglevel", "error", "-y", "-framerate",
    "30", "-i", pattern, "-c:v", "copy", out, NULL };
  run_or_fail (argv);
  return out;
}

static char *
attack (const char *in, const char *name, const char *filter)
{
  char *out = g_build_filename (fx.dir, name, NULL);
  const char *argv[] = { "ffmpeg", "-loglevel", "error", "-y", "-i", in,
    "-vf", filter, "-c:v", "libx264", "-crf", "28",
    "-pix_fmt", "yuv420p", out, NULL };
  run_or_fail (argv);
  return out;
}

static void
fixture_setup (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261122);
  g_autoptr (EmocapWmEmbedder) wm = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *i420 = g_malloc (WIDTH * HEIGHT * 3 / 2);
  g_autofree char *jdir = NULL, *mdir = NULL, *rdir = NULL;
  tjhandle tj = tjInitCompress ();

  fx.dir = g_dir_make_tmp ("emocap-wm-XXXXXX", &error);
  g_assert_no_error (error);
  for (int i = 0; i < EMOCAP_WM_KEY_LEN; i++) {
    fx.key[i] = (guint8) g_rand_int (rand);
    fx.other_key[i] = (guint8) g_rand_int (rand);
  }
  make_plasma (rand);
  {
    /* kept beside the clips, for trying `emocap detect --key` on them */
    g_autofree char *hex = emocap_hex_encode (fx.key, EMOCAP_WM_KEY_LEN);
    g_autofree char *line = g_strconcat (hex, "\n", NULL);
    g_autofree char *path = g_build_filename (fx.dir, "watermark.key", NULL);
    g_assert_true (g_file_set_contents_full (path, line, -1,
            G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  }

  jdir = g_build_filename (fx.dir, "src", NULL);
  mdir = g_build_filename (fx.dir, "marked", NULL);
  rdir = g_build_filename (fx.dir, "raw", NULL);
  g_mkdir (jdir, 0700);
  g_mkdir (mdir, 0700);
  g_mkdir (rdir, 0700);

  wm = emocap_wm_embedder_new (fx.key);
  emocap_wm_embedder_set_tag (wm, TAG);

  for (int n = 0; n < FRAMES; n++) {
    unsigned char *jpeg = NULL;
    unsigned long jpeg_len = 0;
    g_autofree guint8 *marked = NULL;
    gsize marked_len;
    g_autofree char *name = g_strdup_printf ("f%03d.jpg", n);
    g_autofree char *pgm_name = g_strdup_printf ("f%03d.pgm", n);
    g_autofree char *src_path = g_build_filename (jdir, name, NULL);
    g_autofree char *mark_path = g_build_filename (mdir, name, NULL);
    g_autofree char *raw_path = g_build_filename (rdir, pgm_name, NULL);
    g_autofree char *header = g_strdup_printf ("P5\n%d %d\n255\n", WIDTH, HEIGHT);
    GString *pgm;

    make_frame (rand, n, i420);
    /* MJPEG as a camera sends it, at quality 85 */
    g_assert_cmpint (tjCompressFromYUV (tj, i420, WIDTH, 1, HEIGHT, TJSAMP_420,
            &jpeg, &jpeg_len, 85, 0), ==, 0);
    g_assert_true (g_file_set_contents (src_path, (char *) jpeg, jpeg_len, NULL));
    g_assert_true (emocap_wm_embed_jpeg (wm, jpeg, jpeg_len, &marked,
            &marked_len, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_set_contents (mark_path, (char *) marked, marked_len, NULL));
    tjFree (jpeg);

    /* the raw path on the same frame, kept lossless */
    emocap_wm_embed_luma (wm, i420, WIDTH, HEIGHT, WIDTH, 1);
    pgm = g_string_new (header);
    g_string_append_len (pgm, (char *) i420, WIDTH * HEIGHT);
    g_assert_true (g_file_set_contents (raw_path, pgm->str, pgm->len, NULL));
    g_string_free (pgm, TRUE);
  }
  tjDestroy (tj);

  {
    g_autofree char *p1 = g_build_filename (jdir, "f%03d.jpg", NULL);
    g_autofree char *p2 = g_build_filename (mdir, "f%03d.jpg", NULL);
    g_autofree char *p3 = g_build_filename (rdir, "f%03d.pgm", NULL);
    g_autofree char *out = g_build_filename (fx.dir, "raw.mkv", NULL);
    const char *argv[] = { "ffmpeg", "-loglevel", "error", "-y", "-framerate",
      "30", "-i", p3, "-c:v", "ffv1", out, NULL };
    fx.unmarked = mux_jpegs ("unmarked.mkv", p1);
    fx.marked = mux_jpegs ("marked.mkv", p2);
    run_or_fail (argv);
    fx.raw_marked = g_steal_pointer (&out);
  }
}

static void
detect (const guint8 *key, const char *clip, EmocapWmResult *r)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (emocap_wm_detect_file (key, clip, 1, NULL, NULL, r, &error));
  g_assert_no_error (error);
  g_test_message ("%s: found %d, sync %.2f sigma, false alarm %.2g, cell %.2f px, "
      "%.0f %% of the height", clip, r->found, r->sync_z, r->false_alarm,
      r->cell_px, 100 * r->visible_fraction);
}

static int
channel_errors (const EmocapWmResult *r)
{
  guint8 coded[EMOCAP_WM_CODED_BITS];
  int errors = 0;

  emocap_wm_encode (TAG, coded);
  for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++)
    errors += coded[i] != r->channel_bits[i];
  return errors;
}

static void
test_clean (void)
{
  EmocapWmResult r;

  detect (fx.key, fx.marked, &r);
  g_assert_true (r.found);
  g_assert_cmphex (r.tag, ==, TAG);
  g_assert_cmpfloat (r.false_alarm, <=, 1e-6);
  g_assert_cmpuint (r.frames, ==, FRAMES);
  g_assert_cmpfloat (fabs (r.visible_fraction - 1.0), <, 0.02);
  g_test_message ("channel errors before decoding: %d of %d",
      channel_errors (&r), EMOCAP_WM_CODED_BITS);
}

static void
test_raw_path (void)
{
  EmocapWmResult r;

  detect (fx.key, fx.raw_marked, &r);
  g_assert_true (r.found);
  g_assert_cmphex (r.tag, ==, TAG);
}

static void
test_x264 (void)
{
  g_autofree char *clip = attack (fx.marked, "x264.mkv", "null");
  EmocapWmResult r;

  detect (fx.key, clip, &r);
  g_test_message ("channel errors before decoding: %d of %d",
      channel_errors (&r), EMOCAP_WM_CODED_BITS);
  g_assert_true (r.found);
  g_assert_cmphex (r.tag, ==, TAG);
}

static void
test_half_size (void)
{
  g_autofree char *clip = attack (fx.marked, "half.mkv", "scale=iw/2:ih/2");
  EmocapWmResult r;

  detect (fx.key, clip, &r);
  g_test_message ("channel errors before decoding: %d of %d",
      channel_errors (&r), EMOCAP_WM_CODED_BITS);
  g_assert_true (r.found);
  g_assert_cmphex (r.tag, ==, TAG);
}

/* Flipped left to right, and letterboxed into 4:3 (the marked picture
 * is then 75 % of the clip's height), each through x264 CRF 28. */
static void
test_mirrored (void)
{
  g_autofree char *clip = attack (fx.marked, "mirrored.mkv", "hflip");
  EmocapWmResult r;

  detect (fx.key, clip, &r);
  g_assert_true (r.found);
  g_assert_cmphex (r.tag, ==, TAG);
  g_assert_true (r.mirrored);
}

static void
test_letterboxed (void)
{
  g_autofree char *clip = attack (fx.marked, "letterboxed.mkv",
      "scale=1440:810,pad=1440:1080:0:135:black");
  EmocapWmResult r;

  detect (fx.key, clip, &r);
  g_assert_true (r.found);
  g_assert_cmphex (r.tag, ==, TAG);
  g_assert_false (r.mirrored);
  g_assert_cmpfloat (fabs (r.visible_fraction - 1080.0 / 810), <, 0.03);
}

static void
test_wrong_key (void)
{
  EmocapWmResult r;

  detect (fx.other_key, fx.marked, &r);
  g_assert_false (r.found);
  g_assert_cmpfloat (r.false_alarm, >, 1e-6);
}

static void
test_unmarked (void)
{
  EmocapWmResult r;

  detect (fx.key, fx.unmarked, &r);
  g_assert_false (r.found);
}

static void
test_not_a_clip (void)
{
  g_autofree char *path = g_build_filename (fx.dir, "notes.txt", NULL);
  g_autoptr (GError) error = NULL;
  EmocapWmResult r;

  g_assert_true (g_file_set_contents (path, "not a video\n", -1, NULL));
  g_assert_false (emocap_wm_detect_file (fx.key, path, 1, NULL, NULL, &r, &error));
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_assert_false (emocap_wm_detect_file (fx.key, "/nonexistent/clip.mkv", 1,
          NULL, NULL, &r, &error));
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO);
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d))) {
    g_autofree char *path = g_build_filename (dir, name, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR))
      remove_tree (path);
    else
      g_unlink (path);
  }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  fixture_setup ();

  g_test_add_func ("/watermark/detect/clean", test_clean);
  g_test_add_func ("/watermark/detect/raw-path", test_raw_path);
  g_test_add_func ("/watermark/detect/x264-crf28", test_x264);
  g_test_add_func ("/watermark/detect/half-size", test_half_size);
  g_test_add_func ("/watermark/detect/mirrored", test_mirrored);
  g_test_add_func ("/watermark/detect/letterboxed", test_letterboxed);
  g_test_add_func ("/watermark/detect/wrong-key", test_wrong_key);
  g_test_add_func ("/watermark/detect/unmarked", test_unmarked);
  g_test_add_func ("/watermark/detect/not-a-clip", test_not_a_clip);
  ret = g_test_run ();

  if (!g_getenv ("WM_KEEP")) remove_tree (fx.dir);
  g_free (fx.dir);
  g_free (fx.plasma);
  g_free (fx.unmarked);
  g_free (fx.marked);
  g_free (fx.raw_marked);
  gst_deinit ();
  return ret;
}
