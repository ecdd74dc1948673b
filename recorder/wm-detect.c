/* emocap: watermark detection — accumulate, search scale and offset, decode
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include <sodium.h>

#include <emocap/watermark.h>

#include "wm-private.h"

/*
 * Frames are brought to a working height of at most WORK_HEIGHT, whitened
 * (the picture minus its local mean over about a cell), weighed by the
 * inverse of the local residual level, clipped, and summed: the mark is
 * the same in every frame, the picture moves.
 *
 * The search then tries cell sizes from a picture that shows more than
 * the marked one (letterboxing: a 16:9 picture in a 4:3 frame shows 133 %
 * of its height) to one that shows 29 % of its height (a crop); a plain
 * downscale keeps the cell size relative to the height, so it needs no
 * search at all.  For each size the sum is folded onto one tile of BINS ×
 * BINS cells' worth of bins, as it is and mirrored left to right (a
 * flipped copy is a common edit); every offset of the tile is then a
 * cyclic shift, tried at 1/BINS of a cell in each direction.  The
 * strongest synchronization peak, measured in standard deviations of all
 * the shifts at that size, is decoded.
 */

#define WORK_HEIGHT 540
/* luma levels: residuals below this are sensor noise, not signal */
#define NORM_FLOOR 0.5
#define BINS 4
#define TILE_BINS (EMOCAP_WM_TILE * BINS)
#define MIN_RELATIVE_CELL 0.7
#define MAX_RELATIVE_CELL 3.5
/* how many of the strongest candidates are decoded */
#define DECODE_TRIES 3
/* reported as found only below this false-alarm probability */
#define MAX_FALSE_ALARM 1e-6

struct _EmocapWmDetector {
  EmocapWmLayout layout;
  /* the sync cells, as a list */
  guint n_sync;
  guint8 sync_i[EMOCAP_WM_CELLS], sync_j[EMOCAP_WM_CELLS];
  gint8 sync_s[EMOCAP_WM_CELLS];

  int clip_width, clip_height;  /* of the first frame */
  int width, height;            /* working size */
  double work_scale;            /* working pixels per clip pixel */
  float *sum;                   /* accumulated whitened frames */
  float *work, *work2, *tmp;     /* per-frame scratch */
  guint frames, frames_skipped;
};

typedef struct {
  double z;
  double cell;     /* cell size, working pixels */
  gboolean mirrored;
  int px, py, dx, dy;
} Candidate;

EmocapWmDetector *
emocap_wm_detector_new (const guint8 key[EMOCAP_WM_KEY_LEN])
{
  EmocapWmDetector *det = g_new0 (EmocapWmDetector, 1);

  emocap_wm_layout_init (&det->layout, key);
  for (guint c = 0; c < EMOCAP_WM_CELLS; c++) {
    if (det->layout.sync[c] == 0)
      continue;
    det->sync_i[det->n_sync] = c % EMOCAP_WM_TILE;
    det->sync_j[det->n_sync] = c / EMOCAP_WM_TILE;
    det->sync_s[det->n_sync] = det->layout.sync[c];
    det->n_sync++;
  }
  return det;
}

void
emocap_wm_detector_free (EmocapWmDetector *det)
{
  if (det == NULL)
    return;
  g_free (det->sum);
  g_free (det->work);
  g_free (det->work2);
  g_free (det->tmp);
  sodium_memzero (&det->layout, sizeof det->layout);
  g_free (det);
}

/* ── per frame ───────────────────────────────────────────────────────── */

/* Area-averaging resample of one axis: output sample o covers input
 * [o/scale, (o+1)/scale). */
static void
resample_to_work (EmocapWmDetector *det, const guint8 *luma, int row_stride)
{
  int W = det->clip_width, H = det->clip_height;
  int w = det->width, h = det->height;
  double step = (double) W / w, vstep = (double) H / h;

  if (w == W && h == H) {
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        det->work[(gsize) y * w + x] = luma[(gsize) y * row_stride + x];
    return;
  }

  /* horizontal pass into tmp (H rows of w) */
  for (int y = 0; y < H; y++) {
    const guint8 *row = luma + (gsize) y * row_stride;
    float *out = det->tmp + (gsize) y * w;
    for (int x = 0; x < w; x++) {
      double a = x * step, b = (x + 1) * step;
      int ia = (int) a, ib = MIN ((int) ceil (b), W);
      double acc = 0;
      for (int k = ia; k < ib; k++) {
        double lo = MAX (a, k), hi = MIN (b, k + 1);
        acc += row[k] * (hi - lo);
      }
      out[x] = (float) (acc / step);
    }
  }
  /* vertical pass */
  for (int y = 0; y < h; y++) {
    double a = y * vstep, b = (y + 1) * vstep;
    int ia = (int) a, ib = MIN ((int) ceil (b), H);
    float *out = det->work + (gsize) y * w;
    for (int x = 0; x < w; x++)
      out[x] = 0;
    for (int k = ia; k < ib; k++) {
      float wt = (float) ((MIN (b, k + 1) - MAX (a, k)) / vstep);
      const float *in = det->tmp + (gsize) k * w;
      for (int x = 0; x < w; x++)
        out[x] += wt * in[x];
    }
  }
}

static void box_filter (float *img, float *tmp, int w, int h, int r, gboolean subtract);

static void
box_mean (float *img, float *tmp, int w, int h, int r)
{
  box_filter (img, tmp, w, h, r, FALSE);
}

/* In place: @img minus its box mean over (2r+1)², using @tmp. */
static void
high_pass (float *img, float *tmp, int w, int h, int r)
{
  box_filter (img, tmp, w, h, r, TRUE);
}

static void
box_filter (float *img, float *tmp, int w, int h, int r, gboolean subtract)
{
  double norm = 1.0 / ((2 * r + 1) * (2 * r + 1));

  /* horizontal box sums, edges clamped */
  for (int y = 0; y < h; y++) {
    const float *in = img + (gsize) y * w;
    float *out = tmp + (gsize) y * w;
    double acc = 0;
    for (int k = -r; k <= r; k++)
      acc += in[CLAMP (k, 0, w - 1)];
    for (int x = 0; x < w; x++) {
      out[x] = (float) acc;
      acc += in[MIN (x + r + 1, w - 1)] - in[MAX (x - r, 0)];
    }
  }
  /* vertical box sums of those, subtracted */
  for (int x = 0; x < w; x++) {
    double acc = 0;
    for (int k = -r; k <= r; k++)
      acc += tmp[(gsize) CLAMP (k, 0, h - 1) * w + x];
    for (int y = 0; y < h; y++) {
      if (subtract)
        img[(gsize) y * w + x] -= (float) (acc * norm);
      else
        img[(gsize) y * w + x] = (float) (acc * norm);
      acc += tmp[(gsize) MIN (y + r + 1, h - 1) * w + x] -
          tmp[(gsize) MAX (y - r, 0) * w + x];
    }
  }
}

void
emocap_wm_detector_add_frame (EmocapWmDetector *det, const guint8 *luma,
    int width, int height, int row_stride)
{
  gsize n;
  double mean_abs = 0;
  int radius;

  g_return_if_fail (det != NULL && luma != NULL);

  if (det->frames == 0 && det->frames_skipped == 0) {
    det->clip_width = width;
    det->clip_height = height;
    if (height > WORK_HEIGHT) {
      det->height = WORK_HEIGHT;
      det->width = MAX (1, (int) lrint ((double) width * WORK_HEIGHT / height));
    } else {
      det->width = width;
      det->height = height;
    }
    det->work_scale = (double) det->height / height;
    n = (gsize) det->width * det->height;
    det->sum = g_new0 (float, n);
    det->work = g_new (float, n);
    det->work2 = g_new (float, n);
    det->tmp = g_new (float, (gsize) MAX (height, det->height) * det->width);
  }
  if (width != det->clip_width || height != det->clip_height ||
      det->height < 2 * EMOCAP_WM_CELLS_PER_HEIGHT / 3 || det->width < 16) {
    det->frames_skipped++;
    return;
  }

  n = (gsize) det->width * det->height;
  resample_to_work (det, luma, row_stride);
  radius = MAX (1, (int) lrint (0.5 * det->height / EMOCAP_WM_CELLS_PER_HEIGHT));
  high_pass (det->work, det->tmp, det->width, det->height, radius);

  for (gsize i = 0; i < n; i++)
    mean_abs += fabsf (det->work[i]);
  mean_abs /= n;
  if (mean_abs < 1e-3) {
    /* a flat frame carries nothing */
    det->frames++;
    return;
  }
  /* Each pixel is weighed by the inverse of the residual's local RMS:
   * where the picture is busy it is the louder noise, and the mark is
   * not much stronger there. */
  for (gsize i = 0; i < n; i++)
    det->work2[i] = det->work[i] * det->work[i];
  box_mean (det->work2, det->tmp, det->width, det->height, radius * 2);
  for (gsize i = 0; i < n; i++) {
    double v = det->work[i] / sqrt (det->work2[i] + NORM_FLOOR * NORM_FLOOR);
    det->sum[i] += (float) CLAMP (v, -3.0, 3.0);
  }
  det->frames++;
}

/* ── search ──────────────────────────────────────────────────────────── */

typedef struct {
  float bins[TILE_BINS * TILE_BINS];
  /* cell values for one sub-cell phase, tiled twice so shifts need no
   * wrapping */
  float cells[2 * EMOCAP_WM_TILE][2 * EMOCAP_WM_TILE];
  float scores[EMOCAP_WM_TILE * EMOCAP_WM_TILE];
  float hsum[TILE_BINS][EMOCAP_WM_TILE];
  int *bin_x, *bin_y;
  float weight[BINS];
} Search;

/* @mirrored: as if the picture were flipped left to right. */
static void
fold (const EmocapWmDetector *det, Search *s, double cell, gboolean mirrored)
{
  int w = det->width, h = det->height;
  double per_bin = cell / BINS;

  for (int x = 0; x < w; x++)
    s->bin_x[mirrored ? w - 1 - x : x] =
        (int) floor ((x + 0.5) / per_bin) % TILE_BINS;
  for (int y = 0; y < h; y++)
    s->bin_y[y] = (int) floor ((y + 0.5) / per_bin) % TILE_BINS;

  memset (s->bins, 0, sizeof s->bins);
  for (int y = 0; y < h; y++) {
    float *row = s->bins + s->bin_y[y] * TILE_BINS;
    const float *in = det->sum + (gsize) y * w;
    for (int x = 0; x < w; x++)
      row[s->bin_x[x]] += in[x];
  }
}

/* Cell values for sub-cell phase (@px, @py): each cell's bins weighted
 * by the bump. */
static void
cell_values (Search *s, int px, int py)
{
  for (int y = 0; y < TILE_BINS; y++) {
    const float *row = s->bins + y * TILE_BINS;
    for (int i = 0; i < EMOCAP_WM_TILE; i++) {
      float acc = 0;
      for (int a = 0; a < BINS; a++)
        acc += s->weight[a] * row[(i * BINS + px + a) % TILE_BINS];
      s->hsum[y][i] = acc;
    }
  }
  for (int j = 0; j < EMOCAP_WM_TILE; j++) {
    for (int i = 0; i < EMOCAP_WM_TILE; i++) {
      float acc = 0;
      for (int b = 0; b < BINS; b++)
        acc += s->weight[b] * s->hsum[(j * BINS + py + b) % TILE_BINS][i];
      s->cells[j][i] = s->cells[j + EMOCAP_WM_TILE][i] =
          s->cells[j][i + EMOCAP_WM_TILE] =
          s->cells[j + EMOCAP_WM_TILE][i + EMOCAP_WM_TILE] = acc;
    }
  }
}

/* Sync correlation for every cyclic shift of the cells. */
static void
sync_scores (const EmocapWmDetector *det, Search *s)
{
  memset (s->scores, 0, sizeof s->scores);
  for (guint k = 0; k < det->n_sync; k++) {
    int i = det->sync_i[k], j = det->sync_j[k];
    float sign = det->sync_s[k];
    for (int dy = 0; dy < EMOCAP_WM_TILE; dy++) {
      const float *row = &s->cells[j + dy][i];
      float *out = s->scores + dy * EMOCAP_WM_TILE;
      for (int dx = 0; dx < EMOCAP_WM_TILE; dx++)
        out[dx] += sign * row[dx];
    }
  }
}

static void
keep_best (Candidate *best, const Candidate *c)
{
  for (int k = 0; k < DECODE_TRIES; k++) {
    if (c->z > best[k].z) {
      memmove (&best[k + 1], &best[k], (DECODE_TRIES - 1 - k) * sizeof *best);
      best[k] = *c;
      return;
    }
  }
}

/* Soft values of the coded bits at candidate @c (cells already computed
 * for its phase). */
static void
soft_bits (const EmocapWmDetector *det, const Search *s, const Candidate *c,
    float soft[EMOCAP_WM_CODED_BITS])
{
  double sumsq = 0;

  memset (soft, 0, sizeof (float) * EMOCAP_WM_CODED_BITS);
  for (int cell = 0; cell < EMOCAP_WM_CELLS; cell++) {
    int i = cell % EMOCAP_WM_TILE, j = cell / EMOCAP_WM_TILE;
    int bit = det->layout.bit[cell];
    if (bit < 0)
      continue;
    soft[bit] += det->layout.chip[cell] * s->cells[j + c->dy][i + c->dx];
  }
  for (int k = 0; k < EMOCAP_WM_CODED_BITS; k++)
    sumsq += soft[k] * soft[k];
  if (sumsq > 0) {
    float norm = (float) (1.0 / sqrt (sumsq / EMOCAP_WM_CODED_BITS));
    for (int k = 0; k < EMOCAP_WM_CODED_BITS; k++)
      soft[k] *= norm;
  }
}

/* The next cell size to try after @cell: the tile then drifts by under
 * 0.4 cell across the whole picture. */
static double
scale_step (const EmocapWmDetector *det, double cell)
{
  return 0.4 * cell * cell / MAX (det->width, det->height);
}

/* Tries every offset at one cell size, one way round; returns how many
 * it tried. */
static double
search_scale (const EmocapWmDetector *det, Search *s, double cell,
    gboolean mirrored, Candidate *best)
{
  fold (det, s, cell, mirrored);
  for (int py = 0; py < BINS; py++) {
    for (int px = 0; px < BINS; px++) {
      double sum = 0, sumsq = 0;
      int arg = 0;
      double mean, sd;
      Candidate c;

      cell_values (s, px, py);
      sync_scores (det, s);
      for (int k = 0; k < EMOCAP_WM_TILE * EMOCAP_WM_TILE; k++) {
        sum += s->scores[k];
        sumsq += (double) s->scores[k] * s->scores[k];
        if (s->scores[k] > s->scores[arg])
          arg = k;
      }
      mean = sum / (EMOCAP_WM_TILE * EMOCAP_WM_TILE);
      sd = sqrt (MAX (1e-30, sumsq / (EMOCAP_WM_TILE * EMOCAP_WM_TILE) - mean * mean));
      c = (Candidate) {
        .z = (s->scores[arg] - mean) / sd,
        .cell = cell, .mirrored = mirrored, .px = px, .py = py,
        .dx = arg % EMOCAP_WM_TILE, .dy = arg / EMOCAP_WM_TILE,
      };
      keep_best (best, &c);
    }
  }
  return (double) BINS * BINS * EMOCAP_WM_TILE * EMOCAP_WM_TILE;
}

/* Probability that a standard normal exceeds @z. */
static double
tail (double z)
{
  return 0.5 * erfc (z / M_SQRT2);
}

void
emocap_wm_detector_run (EmocapWmDetector *det, EmocapWmResult *result,
    EmocapWmProgress progress, gpointer user_data)
{
  g_autofree Search *s = NULL;
  Candidate best[DECODE_TRIES + 1];
  double cell1, cell, cell_max, candidates = 0;
  int n_scales = 0, scale_index = 0;

  g_return_if_fail (det != NULL && result != NULL);

  memset (result, 0, sizeof *result);
  result->frames = det->frames;
  result->false_alarm = 1.0;
  if (det->frames == 0)
    return;

  s = g_new0 (Search, 1);
  s->bin_x = g_new (int, det->width);
  s->bin_y = g_new (int, det->height);
  for (int a = 0; a < BINS; a++) {
    double t = sin (G_PI * (a + 0.5) / BINS);
    s->weight[a] = (float) (t * t);
  }
  for (int k = 0; k <= DECODE_TRIES; k++)
    best[k] = (Candidate) { .z = -G_MAXDOUBLE };

  /* Cell sizes: consecutive ones differ by so little that the tile
   * drifts by under 0.4 cell across the whole picture. */
  cell1 = det->height / EMOCAP_WM_CELLS_PER_HEIGHT;
  cell_max = MAX_RELATIVE_CELL * cell1;
  for (cell = MIN_RELATIVE_CELL * cell1; cell <= cell_max;
       cell += scale_step (det, cell))
    n_scales++;

  for (cell = MIN_RELATIVE_CELL * cell1; cell <= cell_max;
       cell += scale_step (det, cell)) {
    candidates += search_scale (det, s, cell, FALSE, best);
    candidates += search_scale (det, s, cell, TRUE, best);
    if (progress)
      progress ((double) ++scale_index / n_scales, user_data);
  }

  /* Each of the strongest is refined on a four times finer scale grid. */
  for (int k = 0; k < DECODE_TRIES && best[k].z > -G_MAXDOUBLE; k++) {
    Candidate fine[DECODE_TRIES + 1];
    double step = scale_step (det, best[k].cell) / 4;

    for (int f = 0; f <= DECODE_TRIES; f++)
      fine[f] = best[k];
    for (int f = -3; f <= 3; f++)
      if (f != 0)
        candidates += search_scale (det, s, best[k].cell + f * step,
            best[k].mirrored, fine);
    best[k] = fine[0];
  }

  result->candidates = candidates;
  for (int k = 0; k < DECODE_TRIES && best[k].z > -G_MAXDOUBLE; k++) {
    const Candidate *c = &best[k];
    float soft[EMOCAP_WM_CODED_BITS];
    guint64 tag = 0;
    double fa;
    gboolean decoded;

    fold (det, s, c->cell, c->mirrored);
    cell_values (s, c->px, c->py);
    soft_bits (det, s, c, soft);
    decoded = emocap_wm_decode (soft, &tag);
    /* a CRC alone is weak after thousands of hypotheses: the sync peak
     * must be unlikely by itself too */
    fa = MIN (1.0, candidates * tail (c->z)) * DECODE_TRIES /
        (double) (1 << EMOCAP_WM_CRC_BITS);
    if (k > 0 && !(decoded && fa <= MAX_FALSE_ALARM))
      continue;

    result->sync_z = c->z;
    result->false_alarm = fa;
    result->cell_px = c->cell / det->work_scale;
    result->offset_x = fmod ((c->dx + (double) c->px / BINS) * c->cell,
        EMOCAP_WM_TILE * c->cell) / det->work_scale;
    result->offset_y = fmod ((c->dy + (double) c->py / BINS) * c->cell,
        EMOCAP_WM_TILE * c->cell) / det->work_scale;
    result->visible_fraction = cell1 / c->cell;
    result->mirrored = c->mirrored;
    for (int b = 0; b < EMOCAP_WM_CODED_BITS; b++)
      result->channel_bits[b] = soft[b] > 0;
    if (decoded && fa <= MAX_FALSE_ALARM) {
      result->found = TRUE;
      result->tag = tag;
      break;
    }
  }
  g_free (s->bin_x);
  g_free (s->bin_y);
}
