/* emocap: watermark layout — which cell of the tile carries what
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <sodium.h>

#include <emocap/watermark.h>

/* Every coded bit is spread over this many cells; the cells left over
 * carry the synchronization sequence. */
#define CELLS_PER_BIT 3
#define DATA_CELLS (EMOCAP_WM_CODED_BITS * CELLS_PER_BIT)

G_STATIC_ASSERT (DATA_CELLS < EMOCAP_WM_CELLS);

void
emocap_wm_layout_init (EmocapWmLayout *layout,
    const guint8 key[EMOCAP_WM_KEY_LEN])
{
  static const char context[] = "emocap-watermark-layout-v1";
  guint8 seed[randombytes_SEEDBYTES];
  guint32 random[EMOCAP_WM_CELLS * 2];
  guint16 order[EMOCAP_WM_CELLS];

  g_return_if_fail (layout != NULL && key != NULL);

  if (sodium_init () < 0)
    g_error ("libsodium cannot be initialised");

  /* One key-derived stream decides the placement and every sign. */
  crypto_generichash (seed, sizeof seed, (const guint8 *) context,
      sizeof context, key, EMOCAP_WM_KEY_LEN);
  randombytes_buf_deterministic (random, sizeof random, seed);
  sodium_memzero (seed, sizeof seed);

  /* Fisher–Yates shuffle of the cells; the first DATA_CELLS of the order
   * carry the coded bits, three far-apart cells each. */
  for (guint i = 0; i < EMOCAP_WM_CELLS; i++)
    order[i] = i;
  for (guint i = EMOCAP_WM_CELLS - 1; i > 0; i--) {
    guint j = random[i] % (i + 1);
    guint16 t = order[i];
    order[i] = order[j];
    order[j] = t;
  }

  for (guint i = 0; i < EMOCAP_WM_CELLS; i++) {
    guint cell = order[i];
    gint8 sign = (random[EMOCAP_WM_CELLS + i] >> 7) & 1 ? 1 : -1;

    if (i < DATA_CELLS) {
      layout->sync[cell] = 0;
      layout->bit[cell] = i % EMOCAP_WM_CODED_BITS;
      layout->chip[cell] = sign;
    } else {
      layout->sync[cell] = sign;
      layout->bit[cell] = -1;
      layout->chip[cell] = 0;
    }
  }
}

void
emocap_wm_layout_signs (const EmocapWmLayout *layout,
    const guint8 coded[EMOCAP_WM_CODED_BITS], gint8 signs[EMOCAP_WM_CELLS])
{
  for (guint i = 0; i < EMOCAP_WM_CELLS; i++) {
    if (layout->sync[i])
      signs[i] = layout->sync[i];
    else
      signs[i] = coded[layout->bit[i]] ? layout->chip[i] : -layout->chip[i];
  }
}
