/* emocap: how fast the watermark embedder marks 1080p frames
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: bench-wm-speed [--quality Q] [--noise SIGMA] [--subsampling 420|422]
 *                       [--detect-seconds S] [PHOTO.jpg]
 * (or `meson test -C build --benchmark watermark-speed -v`)
 *
 * Five ways of handling the same 1920x1080 frames, timed side by side in
 * one run:
 *
 *   (a) emocap_wm_embed_jpeg on MJPEG frames;
 *   (b) what (a) cannot avoid: libjpeg-turbo reading the frame's DCT
 *       coefficients and writing them out again, done as the embedder
 *       does it (structures reused across frames, memory source and
 *       destination, standard Huffman tables, no optimisation);
 *   (c) what marking in the pixels would cost instead: a TurboJPEG decode
 *       to RGB and re-encode at the frames' own quality and subsampling;
 *   (c') the same through YUV planes, with no colour conversion: the
 *       cheapest way to the pixels and back, for comparison;
 *   (d) emocap_wm_embed_luma on the luma plane of I420 frames.
 *
 * and then (e) emocap_wm_detect_file on a clip of S seconds (default 10)
 * of such frames, marked by (a), in Matroska: GStreamer's decoding and
 * the full scale and offset search, as `emocap detect` runs them.
 *
 * Goals: (a) within 15 % of (b), so the marking itself is nearly free;
 * (c) at least twice (a); (d) at most 2 ms per frame; (e) at most 60 s
 * for a 10 s clip.  (a) cannot be faster than (b), whose entropy decoding
 * and coding it has to do as well, so (c)/(a) is bounded by (c)/(b),
 * which the output prints beside it: the larger the frames, the more of
 * (c) is entropy coding too, and the lower that bound.  Ratios and goals
 * are taken on the medians of wall-clock time per frame, which shrug off
 * the odd frame slowed by other work on the machine; the means are
 * printed as well, and the median CPU time of the thread: well below the
 * wall-clock figure, the machine was busy with something else.
 *
 * The frames are a camera panning and zooming slowly over a photo (a
 * Debian wallpaper unless PHOTO.jpg is given) with some sensor noise,
 * compressed as UVC cameras deliver MJPEG: quality 85, 4:2:2.  With no
 * photo installed a synthetic textured scene stands in, and the output
 * says so.  Methods run in rounds, in a rotating order, each for about a
 * quarter of a second per round, going on through the frames where it
 * left off, until every one has run for at least two seconds and then to
 * the end of its pass, so that every frame counts alike: load from
 * elsewhere on the machine falls on all methods alike.
 *
 * Exit status 0 whatever the figures (they depend on the machine); 1 if
 * a method fails, or if the embedder leaves the frames unchanged.
 */
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <jpeglib.h>
#include <turbojpeg.h>

#include <emocap/watermark.h>

#define WIDTH 1920
#define HEIGHT 1080
#define N_FRAMES 30
#define FPS 30
#define DEFAULT_QUALITY 85
/* RMS sensor noise added to every channel, in 8-bit levels */
#define DEFAULT_NOISE_SIGMA 2.0
#define DEFAULT_DETECT_SECONDS 10

#define MIN_SECONDS 2.0
#define ROUND_SECONDS 0.25

#define GOAL_JPEG_OVER_COEFS 1.15
#define GOAL_PIXELS_OVER_JPEG 2.0
#define GOAL_LUMA_MS 2.0
#define GOAL_DETECT_SECONDS 60.0

#define TAG G_GUINT64_CONSTANT (0x0123456789abcdef)

/* Preferred photos first: natural scenes with both sky and detail. */
static const char *const wallpapers[] = { "EveningGlow", "Path" };
#define WALLPAPER_DIR "/usr/share/wallpapers"

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} BenchJpegError;

typedef struct {
  int width, height;
  guint8 *rgb;
} Image;

typedef struct {
  int quality;
  int subsamp;            /* TJSAMP_422 or TJSAMP_420 */
  double noise_sigma;
  int detect_seconds;
  const char *photo;
} Settings;

static Settings settings = {
  DEFAULT_QUALITY, TJSAMP_422, DEFAULT_NOISE_SIGMA, DEFAULT_DETECT_SECONDS, NULL,
};

typedef struct {
  /* the frames */
  guint8 *jpeg[N_FRAMES];
  gsize jpeg_len[N_FRAMES];
  guint8 *luma[N_FRAMES];
  guint8 *work_luma;

  Image scene;
  guint8 key[EMOCAP_WM_KEY_LEN];
  EmocapWmEmbedder *wm;

  /* (b) */
  struct jpeg_decompress_struct src;
  struct jpeg_compress_struct dst;
  BenchJpegError src_err, dst_err;
  unsigned char *coef_out, *coef_given;
  unsigned long coef_out_len;

  /* (c) */
  tjhandle tj_decode, tj_encode;
  guint8 *rgb, *yuv;
  guint8 *tj_out;
  unsigned long tj_out_size;

  /* the last output of (a) and (b), for the sanity check */
  guint8 *last_out;
  gsize last_out_len;
  gboolean keep_out;
} Bench;

typedef gboolean (*MethodFunc) (Bench *b, int frame);

typedef struct {
  const char *name;
  void (*prepare) (Bench *b, int frame);  /* untimed, before each frame */
  MethodFunc run;
  int per_round;         /* frames per round */
  int next;              /* the frame it goes on with */
  GArray *ms;            /* wall-clock time of every frame handled */
  GArray *cpu_ms;        /* and the thread's CPU time */
  double seconds;
} Method;

static double
clock_seconds (clockid_t clock)
{
  struct timespec ts;

  clock_gettime (clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double
now (void)
{
  return clock_seconds (CLOCK_MONOTONIC);
}

/* ── the scene ───────────────────────────────────────────────────────── */


static gboolean
load_jpeg_photo (const char *path, Image *img)
{
  g_autofree char *data = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  tjhandle tj = NULL;
  int width, height, subsamp, colorspace;
  gboolean ok = FALSE;

  if (!g_file_get_contents (path, &data, &len, &error)) {
    fprintf (stderr, "bench-wm-speed: cannot read '%s': %s\n", path, error->message);
    return FALSE;
  }
  tj = tjInitDecompress ();
  if (tj == NULL) {
    fprintf (stderr, "bench-wm-speed: %s\n", tjGetErrorStr2 (NULL));
    return FALSE;
  }
  if (tjDecompressHeader3 (tj, (const guint8 *) data, len, &width, &height,
          &subsamp, &colorspace) < 0) {
    fprintf (stderr, "bench-wm-speed: '%s': %s\n", path, tjGetErrorStr2 (tj));
    goto bailout;
  }
  img->width = width;
  img->height = height;
  img->rgb = g_malloc ((gsize) width * height * 3);
  if (tjDecompress2 (tj, (const guint8 *) data, len, img->rgb, width, 0,
          height, TJPF_RGB, 0) < 0) {
    fprintf (stderr, "bench-wm-speed: '%s': %s\n", path, tjGetErrorStr2 (tj));
    g_clear_pointer (&img->rgb, g_free);
    goto bailout;
  }
  ok = TRUE;

bailout:
  tjDestroy (tj);
  return ok;
}

/* The largest "WxH.jpg" of a wallpaper, or NULL. */
static char *
find_wallpaper_image (const char *dir_path)
{
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autofree char *best = NULL;
  long best_area = 0;
  const char *name;

  if (dir == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL) {
    int w = 0, h = 0;

    if (!g_str_has_suffix (name, ".jpg") ||
        sscanf (name, "%dx%d.jpg", &w, &h) != 2)
      continue;
    if ((long) w * h > best_area) {
      best_area = (long) w * h;
      g_free (best);
      best = g_build_filename (dir_path, name, NULL);
    }
  }
  return g_steal_pointer (&best);
}

static char *
find_photo (void)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  for (gsize i = 0; i < G_N_ELEMENTS (wallpapers); i++) {
    g_autofree char *images = g_build_filename (WALLPAPER_DIR, wallpapers[i],
        "contents", "images", NULL);
    char *path = find_wallpaper_image (images);
    if (path != NULL)
      return path;
  }
  dir = g_dir_open (WALLPAPER_DIR, 0, NULL);
  if (dir == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *images = g_build_filename (WALLPAPER_DIR, name,
        "contents", "images", NULL);
    char *path = find_wallpaper_image (images);
    if (path != NULL)
      return path;
  }
  return NULL;
}

/* A stand-in scene: soft shading, a few figures with sharp edges, fine
 * and coarse texture, in 2560x1440. */
static void
make_synthetic_scene (Image *img)
{
  img->width = 2560;
  img->height = 1440;
  img->rgb = g_malloc ((gsize) img->width * img->height * 3);

  for (int y = 0; y < img->height; y++) {
    for (int x = 0; x < img->width; x++) {
      double u = (double) x / img->width, v = (double) y / img->height;
      double shade = 0.35 + 0.25 * v + 0.1 * sin (3.1 * u + 1.3 * v);
      double r = shade, g = shade * 0.9, bl = shade * 0.8;
      double du = u - 0.45, dv = v - 0.5;
      double weave = 0.06 * sin (x * 0.9) * sin (y * 0.7);
      double grain = 0.03 * sin (x * 0.13 + 2.0 * sin (y * 0.021));

      /* a face-sized ellipse with skin tones, smooth inside */
      if (du * du / 0.02 + dv * dv / 0.06 < 1) {
        r = 0.8 - 0.2 * dv;
        g = 0.6 - 0.2 * dv;
        bl = 0.5 - 0.15 * dv;
      } else if (v > 0.7) {
        /* cloth: woven texture */
        r += weave;
        g += weave;
        bl += weave + 0.1;
      } else {
        r += grain;
        g += grain;
        bl += grain;
      }
      if (u > 0.75 && u < 0.9 && v > 0.15 && v < 0.6)
        r = g = bl = 0.15 + 0.02 * ((x / 16 + y / 16) & 1);

      guint8 *p = img->rgb + ((gsize) y * img->width + x) * 3;
      p[0] = (guint8) CLAMP (lrint (r * 255), 0, 255);
      p[1] = (guint8) CLAMP (lrint (g * 255), 0, 255);
      p[2] = (guint8) CLAMP (lrint (bl * 255), 0, 255);
    }
  }
}

/* xorshift64*: fast, repeatable noise */
static guint64
next_random (guint64 *state)
{
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * G_GUINT64_CONSTANT (2685821657736338717);
}

/* The pan at @t (0 to 1 over one pass): a window over the scene, its
 * size and place drifting smoothly from frame to frame, resampled
 * bilinearly to WIDTH x HEIGHT RGB, plus noise. */
static void
render_frame (const Image *scene, double t, guint64 *rng, guint8 *rgb)
{
  double fit = MIN ((double) scene->width / WIDTH, (double) scene->height / HEIGHT);
  double scale = fit * (0.8 + 0.08 * sin (2 * G_PI * t * 1.5));
  double win_w = WIDTH * scale, win_h = HEIGHT * scale;
  double cx = scene->width / 2.0 + (scene->width - win_w) / 2.0 * 0.8 * sin (2 * G_PI * t);
  double cy = scene->height / 2.0 + (scene->height - win_h) / 2.0 * 0.8 * sin (2 * G_PI * t * 2 + 1);
  double x0 = cx - win_w / 2, y0 = cy - win_h / 2;
  /* noise: the sum of two uniform bytes has a standard deviation of 104.5 */
  const int noise_q = (int) lrint (settings.noise_sigma / 104.5 * 256);
  int *col = g_new (int, WIDTH), *colf = g_new (int, WIDTH);
  int *noise = g_new (int, WIDTH * 3);

  G_STATIC_ASSERT (WIDTH * 3 % 4 == 0);

  for (int x = 0; x < WIDTH; x++) {
    double sx = CLAMP (x0 + (x + 0.5) * scale - 0.5, 0, scene->width - 1.001);
    col[x] = (int) sx;
    colf[x] = (int) ((sx - col[x]) * 256);
  }
  for (int y = 0; y < HEIGHT; y++) {
    double sy = CLAMP (y0 + (y + 0.5) * scale - 0.5, 0, scene->height - 1.001);
    int row = (int) sy, fy = (int) ((sy - row) * 256);
    const guint8 *s0 = scene->rgb + (gsize) row * scene->width * 3;
    const guint8 *s1 = s0 + (gsize) scene->width * 3;
    guint8 *d = rgb + (gsize) y * WIDTH * 3;

    for (int k = 0; k < WIDTH * 3; k += 4) {
      guint64 bits = next_random (rng);

      for (int j = 0; j < 4; j++, bits >>= 16) {
        int n = (int) (bits & 0xff) + (int) ((bits >> 8) & 0xff) - 255;
        noise[k + j] = (n * noise_q + (n < 0 ? -128 : 128)) / 256;
      }
    }
    for (int x = 0; x < WIDTH; x++) {
      const guint8 *a = s0 + col[x] * 3, *b = s1 + col[x] * 3;
      int fx = colf[x];

      for (int c = 0; c < 3; c++) {
        int top = a[c] * (256 - fx) + a[c + 3] * fx;
        int bottom = b[c] * (256 - fx) + b[c + 3] * fx;
        int v = ((top * (256 - fy) + bottom * fy + (1 << 15)) >> 16) + noise[x * 3 + c];

        d[x * 3 + c] = (guint8) CLAMP (v, 0, 255);
      }
    }
  }
  g_free (col);
  g_free (colf);
  g_free (noise);
}

/* A rendered frame as the camera would send it, in *@jpeg (tjFree). */
static gboolean
compress_frame (tjhandle tj, const guint8 *rgb, unsigned char **jpeg,
    unsigned long *len)
{
  *jpeg = NULL;
  *len = 0;
  if (tjCompress2 (tj, rgb, WIDTH, 0, HEIGHT, TJPF_RGB, jpeg, len,
          settings.subsamp, settings.quality, 0) < 0) {
    fprintf (stderr, "bench-wm-speed: cannot compress a frame: %s\n",
        tjGetErrorStr2 (tj));
    tjFree (*jpeg);
    *jpeg = NULL;
    return FALSE;
  }
  return TRUE;
}

static gboolean
make_frames (Bench *b, const char *photo_arg, GString *about)
{
  g_autofree char *photo = NULL;
  g_autofree guint8 *rgb = g_malloc ((gsize) WIDTH * HEIGHT * 3);
  g_autofree guint8 *yuv = NULL;
  guint64 rng = G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  tjhandle tj = NULL;
  gsize total = 0;
  gboolean ok = FALSE;

  photo = photo_arg ? g_strdup (photo_arg) : find_photo ();
  if (photo != NULL) {
    if (!load_jpeg_photo (photo, &b->scene))
      return FALSE;
    g_string_append_printf (about, "from '%s' (%dx%d)", photo,
        b->scene.width, b->scene.height);
  } else {
    make_synthetic_scene (&b->scene);
    g_string_append (about, "from a SYNTHETIC textured scene: no wallpaper "
        "photo is installed, so the figures say less about real footage");
  }

  tj = tjInitCompress ();
  if (tj == NULL) {
    fprintf (stderr, "bench-wm-speed: %s\n", tjGetErrorStr2 (NULL));
    goto bailout;
  }
  yuv = g_malloc (tjBufSizeYUV2 (WIDTH, 1, HEIGHT, TJSAMP_420));
  for (int i = 0; i < N_FRAMES; i++) {
    unsigned char *jpeg = NULL;
    unsigned long len = 0;

    render_frame (&b->scene, (double) i / N_FRAMES, &rng, rgb);
    if (!compress_frame (tj, rgb, &jpeg, &len))
      goto bailout;
    b->jpeg[i] = g_memdup2 (jpeg, len);
    b->jpeg_len[i] = len;
    total += len;
    tjFree (jpeg);

    /* I420 with rows unpadded: the luma plane comes first */
    if (tjEncodeYUV3 (tj, rgb, WIDTH, 0, HEIGHT, TJPF_RGB, yuv, 1,
            TJSAMP_420, 0) < 0) {
      fprintf (stderr, "bench-wm-speed: cannot convert a frame to I420: %s\n",
          tjGetErrorStr2 (tj));
      goto bailout;
    }
    b->luma[i] = g_memdup2 (yuv, (gsize) WIDTH * HEIGHT);
  }
  g_string_append_printf (about, ", panned and zoomed, noise %.1f levels RMS;\n"
      "MJPEG quality %d %s, %" G_GSIZE_FORMAT " KiB per frame on average",
      settings.noise_sigma, settings.quality,
      settings.subsamp == TJSAMP_420 ? "4:2:0" : "4:2:2",
      total / N_FRAMES / 1024);
  ok = TRUE;

bailout:
  if (tj != NULL)
    tjDestroy (tj);
  return ok;
}

/* ── the methods ─────────────────────────────────────────────────────── */

static void
keep_output (Bench *b, const guint8 *data, gsize len)
{
  g_free (b->last_out);
  b->last_out = g_memdup2 (data, len);
  b->last_out_len = len;
}

static gboolean
run_embed_jpeg (Bench *b, int i)
{
  g_autoptr (GError) error = NULL;
  guint8 *out = NULL;
  gsize out_len = 0;

  if (!emocap_wm_embed_jpeg (b->wm, b->jpeg[i], b->jpeg_len[i], &out,
          &out_len, &error)) {
    fprintf (stderr, "bench-wm-speed: emocap_wm_embed_jpeg: %s\n", error->message);
    return FALSE;
  }
  if (b->keep_out)
    keep_output (b, out, out_len);
  g_free (out);
  return TRUE;
}

static void
bench_jpeg_error_exit (j_common_ptr cinfo)
{
  BenchJpegError *err = (BenchJpegError *) cinfo->err;

  (*cinfo->err->format_message) (cinfo, err->message);
  longjmp (err->jump, 1);
}

static gboolean
run_coefficients (Bench *b, int i)
{
  jvirt_barray_ptr *coefs;

  b->coef_out = b->coef_given = NULL;
  b->coef_out_len = 0;
  if (setjmp (b->src_err.jump)) {
    fprintf (stderr, "bench-wm-speed: libjpeg read: %s\n", b->src_err.message);
    goto fail;
  }
  if (setjmp (b->dst_err.jump)) {
    fprintf (stderr, "bench-wm-speed: libjpeg write: %s\n", b->dst_err.message);
    goto fail;
  }
  jpeg_mem_src (&b->src, b->jpeg[i], b->jpeg_len[i]);
  jpeg_read_header (&b->src, TRUE);
  coefs = jpeg_read_coefficients (&b->src);
  /* the output buffer as the embedder sizes it, so that both allocate
   * alike */
  b->coef_out_len = b->jpeg_len[i] + b->jpeg_len[i] / 4 + 4096;
  b->coef_out = b->coef_given = malloc (b->coef_out_len);
  if (b->coef_out == NULL) {
    fprintf (stderr, "bench-wm-speed: out of memory\n");
    goto fail;
  }
  jpeg_mem_dest (&b->dst, &b->coef_out, &b->coef_out_len);
  jpeg_copy_critical_parameters (&b->src, &b->dst);
  b->dst.optimize_coding = FALSE;
  jpeg_write_coefficients (&b->dst, coefs);
  jpeg_finish_compress (&b->dst);
  jpeg_finish_decompress (&b->src);
  if (b->keep_out)
    keep_output (b, b->coef_out, b->coef_out_len);
  if (b->coef_out != b->coef_given)
    free (b->coef_given);
  free (b->coef_out);
  b->coef_out = b->coef_given = NULL;
  return TRUE;

fail:
  jpeg_abort_decompress (&b->src);
  jpeg_abort_compress (&b->dst);
  if (b->coef_out != b->coef_given)
    free (b->coef_given);
  free (b->coef_out);
  b->coef_out = b->coef_given = NULL;
  return FALSE;
}

static gboolean
run_turbojpeg (Bench *b, int i)
{
  unsigned long size = b->tj_out_size;

  if (tjDecompress2 (b->tj_decode, b->jpeg[i], b->jpeg_len[i], b->rgb, WIDTH,
          0, HEIGHT, TJPF_RGB, 0) < 0) {
    fprintf (stderr, "bench-wm-speed: tjDecompress2: %s\n",
        tjGetErrorStr2 (b->tj_decode));
    return FALSE;
  }
  if (tjCompress2 (b->tj_encode, b->rgb, WIDTH, 0, HEIGHT, TJPF_RGB,
          &b->tj_out, &size, settings.subsamp, settings.quality,
          TJFLAG_NOREALLOC) < 0) {
    fprintf (stderr, "bench-wm-speed: tjCompress2: %s\n",
        tjGetErrorStr2 (b->tj_encode));
    return FALSE;
  }
  return TRUE;
}

/* (c') the cheapest pixel route: to YUV planes and back, no colour
 * conversion */
static gboolean
run_turbojpeg_yuv (Bench *b, int i)
{
  unsigned long size = b->tj_out_size;

  if (tjDecompressToYUV2 (b->tj_decode, b->jpeg[i], b->jpeg_len[i], b->yuv,
          WIDTH, 1, HEIGHT, 0) < 0) {
    fprintf (stderr, "bench-wm-speed: tjDecompressToYUV2: %s\n",
        tjGetErrorStr2 (b->tj_decode));
    return FALSE;
  }
  if (tjCompressFromYUV (b->tj_encode, b->yuv, WIDTH, 1, HEIGHT,
          settings.subsamp, &b->tj_out, &size, settings.quality,
          TJFLAG_NOREALLOC) < 0) {
    fprintf (stderr, "bench-wm-speed: tjCompressFromYUV: %s\n",
        tjGetErrorStr2 (b->tj_encode));
    return FALSE;
  }
  return TRUE;
}

static void
prepare_luma (Bench *b, int i)
{
  memcpy (b->work_luma, b->luma[i], (gsize) WIDTH * HEIGHT);
}

static gboolean
run_embed_luma (Bench *b, int i)
{
  emocap_wm_embed_luma (b->wm, b->work_luma, WIDTH, HEIGHT, WIDTH, 1);
  return TRUE;
}

static gboolean
bench_init (Bench *b)
{
  for (int i = 0; i < EMOCAP_WM_KEY_LEN; i++)
    b->key[i] = (guint8) (i * 37 + 11);
  b->wm = emocap_wm_embedder_new (b->key);
  emocap_wm_embedder_set_tag (b->wm, TAG);
  b->work_luma = g_malloc ((gsize) WIDTH * HEIGHT);

  b->src.err = jpeg_std_error (&b->src_err.pub);
  b->src_err.pub.error_exit = bench_jpeg_error_exit;
  jpeg_create_decompress (&b->src);
  b->dst.err = jpeg_std_error (&b->dst_err.pub);
  b->dst_err.pub.error_exit = bench_jpeg_error_exit;
  jpeg_create_compress (&b->dst);

  b->tj_decode = tjInitDecompress ();
  b->tj_encode = tjInitCompress ();
  if (b->tj_decode == NULL || b->tj_encode == NULL) {
    fprintf (stderr, "bench-wm-speed: %s\n", tjGetErrorStr2 (NULL));
    return FALSE;
  }
  b->rgb = g_malloc ((gsize) WIDTH * HEIGHT * 3);
  b->yuv = g_malloc (tjBufSizeYUV2 (WIDTH, 1, HEIGHT, settings.subsamp));
  b->tj_out_size = tjBufSize (WIDTH, HEIGHT, settings.subsamp);
  b->tj_out = tjAlloc ((int) b->tj_out_size);
  return b->tj_out != NULL;
}

static void
bench_clear (Bench *b)
{
  for (int i = 0; i < N_FRAMES; i++) {
    g_free (b->jpeg[i]);
    g_free (b->luma[i]);
  }
  g_free (b->work_luma);
  g_free (b->last_out);
  emocap_wm_embedder_free (b->wm);
  jpeg_destroy_decompress (&b->src);
  jpeg_destroy_compress (&b->dst);
  if (b->tj_decode != NULL)
    tjDestroy (b->tj_decode);
  if (b->tj_encode != NULL)
    tjDestroy (b->tj_encode);
  tjFree (b->tj_out);
  g_free (b->rgb);
  g_free (b->yuv);
  g_free (b->scene.rgb);
}

/* ── timing ──────────────────────────────────────────────────────────── */

/* @count frames, going on from where the method left off; with @record,
 * every frame's times are kept.  Returns the seconds spent in the method,
 * or -1 on failure. */
static double
run_frames (Bench *b, Method *m, int count, gboolean record)
{
  double spent = 0;

  for (int n = 0; n < count; n++) {
    int i = m->next;
    double t0, c0, dt, ms;

    m->next = (m->next + 1) % N_FRAMES;
    if (m->prepare)
      m->prepare (b, i);
    c0 = clock_seconds (CLOCK_THREAD_CPUTIME_ID);
    t0 = now ();
    if (!m->run (b, i))
      return -1;
    dt = now () - t0;
    spent += dt;
    if (record) {
      ms = dt * 1e3;
      g_array_append_val (m->ms, ms);
      ms = (clock_seconds (CLOCK_THREAD_CPUTIME_ID) - c0) * 1e3;
      g_array_append_val (m->cpu_ms, ms);
      m->seconds += dt;
    }
  }
  return spent;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *samples)
{
  double *v = (double *) (void *) samples->data;
  guint n = samples->len;

  qsort (v, n, sizeof *v, compare_doubles);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double
mean (GArray *samples)
{
  double sum = 0;

  for (guint i = 0; i < samples->len; i++)
    sum += g_array_index (samples, double, i);
  return sum / samples->len;
}

static void
print_load (const char *when)
{
  g_autofree char *text = NULL;

  if (g_file_get_contents ("/proc/loadavg", &text, NULL, NULL)) {
    g_auto (GStrv) fields = g_strsplit (text, " ", 4);
    if (g_strv_length (fields) >= 3)
      printf ("load average %s: %s %s %s (%ld CPUs online)\n", when, fields[0],
          fields[1], fields[2], sysconf (_SC_NPROCESSORS_ONLN));
  }
}

static const char *
verdict (gboolean ok)
{
  return ok ? "PASS" : "MISS";
}

/* ── (e) detection ───────────────────────────────────────────────────── */

/* Writes @seconds of the pan, one pass over the clip, each frame marked
 * by the embedder, as MJPEG in Matroska at @path. */
static gboolean
write_marked_clip (Bench *b, const char *path, int seconds)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new ("clip");
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  g_autofree guint8 *rgb = g_malloc ((gsize) WIDTH * HEIGHT * 3);
  GstElement *src, *mux, *sink;
  guint64 rng = G_GUINT64_CONSTANT (0x2545f4914f6cdd1d);
  tjhandle tj = tjInitCompress ();
  int n = seconds * FPS;
  gboolean ok = FALSE;

  src = gst_element_factory_make ("appsrc", NULL);
  mux = gst_element_factory_make ("matroskamux", NULL);
  sink = gst_element_factory_make ("filesink", NULL);
  if (tj == NULL || src == NULL || mux == NULL || sink == NULL) {
    fprintf (stderr, "bench-wm-speed: %s\n", tj == NULL ? tjGetErrorStr2 (NULL) :
        "appsrc, matroskamux or filesink is missing (GStreamer's base and good plugins)");
    goto bailout;
  }
  caps = gst_caps_new_simple ("image/jpeg", "width", G_TYPE_INT, WIDTH,
      "height", G_TYPE_INT, HEIGHT, "framerate", GST_TYPE_FRACTION, FPS, 1,
      "parsed", G_TYPE_BOOLEAN, TRUE, NULL);
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, "block", TRUE, NULL);
  g_object_set (sink, "location", path, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, mux, sink, NULL);
  if (!gst_element_link_many (src, mux, sink, NULL) ||
      gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    fprintf (stderr, "bench-wm-speed: cannot start writing '%s'\n", path);
    goto bailout;
  }

  for (int i = 0; i < n; i++) {
    g_autoptr (GError) error = NULL;
    unsigned char *jpeg = NULL;
    unsigned long len = 0;
    guint8 *out = NULL;
    gsize out_len = 0;
    GstBuffer *buf;

    render_frame (&b->scene, (double) i / n, &rng, rgb);
    if (!compress_frame (tj, rgb, &jpeg, &len))
      goto bailout;
    ok = emocap_wm_embed_jpeg (b->wm, jpeg, len, &out, &out_len, &error);
    tjFree (jpeg);
    if (!ok) {
      fprintf (stderr, "bench-wm-speed: emocap_wm_embed_jpeg: %s\n", error->message);
      goto bailout;
    }
    buf = gst_buffer_new_wrapped (out, out_len);
    GST_BUFFER_PTS (buf) = gst_util_uint64_scale (i, GST_SECOND, FPS);
    GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (1, GST_SECOND, FPS);
    if (gst_app_src_push_buffer (GST_APP_SRC (src), buf) != GST_FLOW_OK) {
      fprintf (stderr, "bench-wm-speed: cannot write '%s'\n", path);
      ok = FALSE;
      goto bailout;
    }
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  if (!ok)
    fprintf (stderr, "bench-wm-speed: writing '%s' failed\n", path);

bailout:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (tj != NULL)
    tjDestroy (tj);
  return ok;
}

/* Seconds of CPU time the whole process has used, every thread. */
static double
process_cpu_seconds (void)
{
  return clock_seconds (CLOCK_PROCESS_CPUTIME_ID);
}

/* (e): times emocap_wm_detect_file on a marked clip; FALSE if it cannot
 * be made or the detector does not name its tag. */
static gboolean
bench_detect (Bench *b, int seconds)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bench-wm-speed-XXXXXX", &error);
  g_autofree char *path = NULL;
  EmocapWmResult result;
  double t0, c0, wall, cpu;
  gboolean ok = FALSE;
  GStatBuf st;

  if (dir == NULL) {
    fprintf (stderr, "bench-wm-speed: %s\n", error->message);
    return FALSE;
  }
  path = g_build_filename (dir, "clip.mkv", NULL);
  printf ("\n(e) writing a %d s clip of %d marked frames for emocap_wm_detect_file ...\n",
      seconds, seconds * FPS);
  fflush (stdout);
  if (!write_marked_clip (b, path, seconds))
    goto out;

  t0 = now ();
  c0 = process_cpu_seconds ();
  if (!emocap_wm_detect_file (b->key, path, 1, NULL, NULL, &result, &error)) {
    fprintf (stderr, "bench-wm-speed: %s\n", error->message);
    goto out;
  }
  wall = now () - t0;
  cpu = process_cpu_seconds () - c0;
  if (g_stat (path, &st) != 0)
    st.st_size = 0;

  printf ("(e) emocap_wm_detect_file, %u frames of %dx%d MJPEG (%.1f MB), "
      "decoding and full search:\n"
      "    %.2f s wall, %.2f s CPU in all threads, %.3g candidates tried, "
      "sync %.1f sigma, false alarm %.1e\n",
      result.frames, WIDTH, HEIGHT, st.st_size / 1e6, wall, cpu,
      result.candidates, result.sync_z, result.false_alarm);
  if (!result.found || result.tag != TAG) {
    fprintf (stderr, "bench-wm-speed: the detector did not find the clip's tag\n");
    goto out;
  }
  printf ("(e) = %.2f s for %d s of video   goal <= %.0f s for 10 s   %s\n",
      wall, seconds, GOAL_DETECT_SECONDS,
      verdict (wall * 10.0 / seconds <= GOAL_DETECT_SECONDS));
  ok = TRUE;

out:
  if (path != NULL)
    g_unlink (path);
  g_rmdir (dir);
  return ok;
}

int
main (int argc, char **argv)
{
  Method methods[] = {
    { "(a) emocap_wm_embed_jpeg", NULL, run_embed_jpeg, 0, 0, NULL, NULL, 0 },
    { "(b) libjpeg coefficients read + write", NULL, run_coefficients, 0, 0, NULL, NULL, 0 },
    { "(c) TurboJPEG decode + re-encode", NULL, run_turbojpeg, 0, 0, NULL, NULL, 0 },
    { "(d) emocap_wm_embed_luma, I420", prepare_luma, run_embed_luma, 0, 0, NULL, NULL, 0 },
    { "(c') TurboJPEG via YUV planes", NULL, run_turbojpeg_yuv, 0, 0, NULL, NULL, 0 },
  };
  const int n_methods = G_N_ELEMENTS (methods);
  Bench b = { 0 };
  g_autoptr (GString) about = g_string_new (NULL);
  g_autofree guint8 *coef_out = NULL;
  gsize coef_out_len = 0;
  double med[G_N_ELEMENTS (methods)], avg[G_N_ELEMENTS (methods)];
  double ratio_coefs, ratio_pixels;
  int rounds = 0;
  int status = 1;

  g_autoptr (GOptionContext) context = g_option_context_new ("[PHOTO.jpg]");
  g_autoptr (GError) error = NULL;
  int subsampling = 422;
  GOptionEntry entries[] = {
    { "quality", 0, 0, G_OPTION_ARG_INT, &settings.quality,
      "JPEG quality of the frames (default 85)", "Q" },
    { "noise", 0, 0, G_OPTION_ARG_DOUBLE, &settings.noise_sigma,
      "sensor noise, RMS levels per channel (default 2.0)", "SIGMA" },
    { "subsampling", 0, 0, G_OPTION_ARG_INT, &subsampling,
      "chroma subsampling, 422 or 420 (default 422)", "N" },
    { "detect-seconds", 0, 0, G_OPTION_ARG_INT, &settings.detect_seconds,
      "length of the clip (e) detects in (default 10; 0: no detection)", "S" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Times the watermark embedder on "
      "1080p frames beside libjpeg-turbo, and the detector on a clip.");
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "bench-wm-speed: %s\n", error->message);
    return 1;
  }
  if (argc > 2 || settings.quality < 1 || settings.quality > 100 ||
      settings.noise_sigma < 0 || settings.noise_sigma > 50 ||
      (subsampling != 422 && subsampling != 420) ||
      settings.detect_seconds < 0 || settings.detect_seconds > 600) {
    fprintf (stderr, "bench-wm-speed: quality is 1 to 100, noise 0 to 50, "
        "subsampling 422 or 420, detect-seconds 0 to 600, and one photo at most\n");
    return 1;
  }
  settings.subsamp = subsampling == 420 ? TJSAMP_420 : TJSAMP_422;
  settings.photo = argc == 2 ? argv[1] : NULL;
  gst_init (NULL, NULL);

  printf ("watermark speed, %dx%d\n", WIDTH, HEIGHT);
  print_load ("at start");
  if (!bench_init (&b) || !make_frames (&b, settings.photo, about))
    goto out;
  printf ("%d frames %s\n", N_FRAMES, about->str);

  /* The marked frame must differ from a plain rewrite, or (a) measures
   * nothing. */
  b.keep_out = TRUE;
  if (!run_coefficients (&b, 0))
    goto out;
  coef_out = g_steal_pointer (&b.last_out);
  coef_out_len = b.last_out_len;
  if (!run_embed_jpeg (&b, 0))
    goto out;
  b.keep_out = FALSE;
  if (b.last_out_len == coef_out_len &&
      memcmp (b.last_out, coef_out, coef_out_len) == 0) {
    fprintf (stderr, "bench-wm-speed: the embedder left the frame unchanged\n");
    goto out;
  }

  /* A warm-up pass over the frames, then one that times a frame of each
   * method, for its share of a round. */
  for (int k = 0; k < n_methods; k++) {
    if (run_frames (&b, &methods[k], N_FRAMES, FALSE) < 0)
      goto out;
  }
  for (int k = 0; k < n_methods; k++) {
    double spent = run_frames (&b, &methods[k], N_FRAMES, FALSE);

    if (spent < 0)
      goto out;
    methods[k].per_round = MAX (1, (int) lrint (ROUND_SECONDS / (spent / N_FRAMES)));
    methods[k].ms = g_array_new (FALSE, FALSE, sizeof (double));
    methods[k].cpu_ms = g_array_new (FALSE, FALSE, sizeof (double));
  }

  for (;;) {
    gboolean done = TRUE;

    for (int k = 0; k < n_methods; k++)
      done = done && methods[k].seconds >= MIN_SECONDS;
    if (done)
      break;
    for (int j = 0; j < n_methods; j++) {
      Method *m = &methods[(rounds + j) % n_methods];

      if (run_frames (&b, m, m->per_round, TRUE) < 0)
        goto out;
    }
    rounds++;
  }
  for (int j = 0; j < n_methods; j++) {
    Method *m = &methods[(rounds + j) % n_methods];

    if (m->next != 0 && run_frames (&b, m, N_FRAMES - m->next, TRUE) < 0)
      goto out;
  }

  printf ("%d rounds, methods interleaved in a rotating order; every frame "
      "timed as often as the others\n\n", rounds);
  printf ("%-40s %7s %10s %10s %10s %8s\n", "method", "frames", "median ms",
      "mean ms", "median cpu", "seconds");
  for (int k = 0; k < n_methods; k++) {
    med[k] = median (methods[k].ms);
    avg[k] = mean (methods[k].ms);
    printf ("%-40s %7u %10.3f %10.3f %10.3f %8.2f\n", methods[k].name,
        methods[k].ms->len, med[k], avg[k], median (methods[k].cpu_ms),
        methods[k].seconds);
  }

  ratio_coefs = med[0] / med[1];
  ratio_pixels = med[2] / med[0];
  printf ("\n(a)/(b) = %.3f (means: %.3f)   goal <= %.2f   %s\n", ratio_coefs,
      avg[0] / avg[1], GOAL_JPEG_OVER_COEFS,
      verdict (ratio_coefs <= GOAL_JPEG_OVER_COEFS));
  printf ("(c)/(a) = %.3f (means: %.3f)   goal >= %.2f   %s\n", ratio_pixels,
      avg[2] / avg[0], GOAL_PIXELS_OVER_JPEG,
      verdict (ratio_pixels >= GOAL_PIXELS_OVER_JPEG));
  printf ("  bound: (c)/(b) = %.3f, what (c)/(a) would be if marking cost "
      "nothing beyond the coefficient read + write\n", med[2] / med[1]);
  printf ("  (c')/(a) = %.3f: decoding to YUV planes and encoding from them, "
      "the cheapest pixel route\n", med[4] / med[0]);
  printf ("(d) = %.3f ms (mean: %.3f ms)   goal <= %.2f ms   %s\n", med[3],
      avg[3], GOAL_LUMA_MS, verdict (med[3] <= GOAL_LUMA_MS));
  if (settings.detect_seconds > 0 && !bench_detect (&b, settings.detect_seconds))
    goto out;
  print_load ("at end");
  status = 0;

out:
  for (int k = 0; k < n_methods; k++) {
    if (methods[k].ms != NULL)
      g_array_unref (methods[k].ms);
    if (methods[k].cpu_ms != NULL)
      g_array_unref (methods[k].cpu_ms);
  }
  bench_clear (&b);
  return status;
}
