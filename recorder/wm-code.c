/* emocap: the watermark payload — CRC-16 and the K=7 rate 1/3 code
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The 64-bit tag and its CRC-16 go through a convolutional encoder with
 * a 7-bit shift register: each input bit enters at the top (bit 6) and
 * the register moves down by one per step, so the most significant bit
 * of each generator polynomial taps the current input, as in most
 * references for this code (and 133, 171, 165 octal as in LTE).  Six zero
 * tail bits bring the encoder back to state 0, which the decoder relies
 * on.  The decoder runs over soft values as the detector measures them:
 * their sign is the bit, their size the confidence.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <emocap/watermark.h>

#define STEPS (EMOCAP_WM_INFO_BITS + EMOCAP_WM_CODE_K - 1)
#define STATES (1 << (EMOCAP_WM_CODE_K - 1))
#define REGISTERS (1 << EMOCAP_WM_CODE_K)

G_STATIC_ASSERT (STEPS * EMOCAP_WM_CODE_RATE == EMOCAP_WM_CODED_BITS);
/* One decision bit per state and step fits a guint64. */
G_STATIC_ASSERT (STATES == 64);

static const guint generators[EMOCAP_WM_CODE_RATE] = { 0133, 0171, 0165 };

/* The three output bits (first polynomial in bit 2) for register @reg. */
static guint
register_outputs (guint reg)
{
  guint out = 0;

  for (guint k = 0; k < EMOCAP_WM_CODE_RATE; k++)
    out = out << 1 | (guint) __builtin_parity (reg & generators[k]);
  return out;
}

guint16
emocap_wm_crc16 (const guint8 *data, gsize len)
{
  guint16 crc = 0xffff;

  g_return_val_if_fail (data != NULL || len == 0, 0);

  for (gsize i = 0; i < len; i++) {
    crc ^= (guint16) (data[i] << 8);
    for (int b = 0; b < 8; b++)
      crc = (crc & 0x8000) ? (guint16) (crc << 1 ^ 0x1021) : (guint16) (crc << 1);
  }
  return crc;
}

static guint16
tag_crc (guint64 tag)
{
  guint8 bytes[8];

  for (int i = 0; i < 8; i++)
    bytes[i] = (guint8) (tag >> (56 - 8 * i));
  return emocap_wm_crc16 (bytes, sizeof bytes);
}

/* Input bit @step of @tag's codeword: tag MSB first, CRC MSB first, tail. */
static guint
info_bit (guint64 tag, guint16 crc, int step)
{
  if (step < EMOCAP_WM_TAG_BITS)
    return (guint) (tag >> (EMOCAP_WM_TAG_BITS - 1 - step)) & 1;
  if (step < EMOCAP_WM_INFO_BITS)
    return (guint) (crc >> (EMOCAP_WM_INFO_BITS - 1 - step)) & 1;
  return 0;
}

void
emocap_wm_encode (guint64 tag, guint8 coded[EMOCAP_WM_CODED_BITS])
{
  guint16 crc = tag_crc (tag);
  guint state = 0;

  g_return_if_fail (coded != NULL);

  for (int t = 0; t < STEPS; t++) {
    guint reg = info_bit (tag, crc, t) << (EMOCAP_WM_CODE_K - 1) | state;
    guint out = register_outputs (reg);

    for (int k = 0; k < EMOCAP_WM_CODE_RATE; k++)
      coded[t * EMOCAP_WM_CODE_RATE + k] = (out >> (EMOCAP_WM_CODE_RATE - 1 - k)) & 1;
    state = reg >> 1;
  }
}

static int
compare_floats (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

/* The size beyond which a value counts no more: SOFT_LIMIT times the
 * median size of the values that are not erasures, 0 if all are.  A few
 * wild values (a glitch, a saturated cell) would otherwise outvote all
 * the others, and in float arithmetic even wipe them out; the values of
 * any ordinary noisy channel stay well below it. */
#define SOFT_LIMIT 8.f

static float
soft_limit (const float in[EMOCAP_WM_CODED_BITS])
{
  float sizes[EMOCAP_WM_CODED_BITS];
  int n = 0;

  for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++) {
    if (in[i] != 0.f)
      sizes[n++] = fabsf (in[i]);
  }
  if (n == 0)
    return 0.f;
  qsort (sizes, (size_t) n, sizeof sizes[0], compare_floats);
  /* Not above the largest: then the values are used exactly as given. */
  return MIN (SOFT_LIMIT * sizes[n / 2], sizes[n - 1]);
}

gboolean
emocap_wm_decode (const float soft[EMOCAP_WM_CODED_BITS], guint64 *tag)
{
  guint8 outputs[REGISTERS];
  float in[EMOCAP_WM_CODED_BITS];
  float metric[STATES], next[STATES];
  guint64 decisions[STEPS];
  float scale = 0.f;
  guint64 decoded = 0;
  guint16 crc = 0;
  guint state = 0;

  g_return_val_if_fail (soft != NULL, FALSE);
  g_return_val_if_fail (tag != NULL, FALSE);

  /* Non-finite values say nothing about their bit: erasures. */
  for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++)
    in[i] = isfinite (soft[i]) ? soft[i] : 0.f;
  scale = soft_limit (in);
  if (scale == 0.f)
    return FALSE;
  /* The limit scaled to 1 (the metric is linear: scaling changes no
   * decision) and values capped there, so path metrics stay small. */
  for (int i = 0; i < EMOCAP_WM_CODED_BITS; i++)
    in[i] = CLAMP (in[i] / scale, -1.f, 1.f);

  for (guint reg = 0; reg < REGISTERS; reg++)
    outputs[reg] = (guint8) register_outputs (reg);

  /* The encoder starts in state 0: the others are out of reach of any
   * path (a metric is at most EMOCAP_WM_CODED_BITS in size). */
  for (int s = 0; s < STATES; s++)
    metric[s] = s == 0 ? 0.f : -1e9f;

  for (int t = 0; t < STEPS; t++) {
    const float *r = in + t * EMOCAP_WM_CODE_RATE;
    float branch[1 << EMOCAP_WM_CODE_RATE];
    guint64 chosen = 0;

    /* Correlation of the three received values with each output triple. */
    for (guint out = 0; out < G_N_ELEMENTS (branch); out++)
      branch[out] = ((out & 4) ? r[0] : -r[0]) + ((out & 2) ? r[1] : -r[1]) +
          ((out & 1) ? r[2] : -r[2]);

    /* State @s (the last six inputs, newest in bit 5) is reached from the
     * register (s << 1 | oldest), that is from state (register & 63). */
    for (guint s = 0; s < STATES; s++) {
      guint reg0 = s << 1;
      guint reg1 = reg0 | 1;
      float m0 = metric[reg0 & (STATES - 1)] + branch[outputs[reg0]];
      float m1 = metric[reg1 & (STATES - 1)] + branch[outputs[reg1]];

      if (m1 > m0) {
        next[s] = m1;
        chosen |= G_GUINT64_CONSTANT (1) << s;
      } else {
        next[s] = m0;
      }
    }
    decisions[t] = chosen;
    memcpy (metric, next, sizeof metric);
  }

  /* The tail brings the encoder back to state 0: trace back from there. */
  for (int t = STEPS - 1; t >= 0; t--) {
    guint bit = state >> (EMOCAP_WM_CODE_K - 2);
    guint oldest = (guint) (decisions[t] >> state) & 1;

    if (t < EMOCAP_WM_TAG_BITS)
      decoded |= (guint64) bit << (EMOCAP_WM_TAG_BITS - 1 - t);
    else if (t < EMOCAP_WM_INFO_BITS)
      crc |= (guint16) (bit << (EMOCAP_WM_INFO_BITS - 1 - t));
    state = (state << 1 | oldest) & (STATES - 1);
  }

  if (crc != tag_crc (decoded))
    return FALSE;
  *tag = decoded;
  return TRUE;
}
