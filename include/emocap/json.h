/* emocap: jansson values with GLib's automatic cleanup
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <jansson.h>

/* g_autoptr (json_t) v = ...; drops the reference at the end of scope. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_t, json_decref)

/* TRUE if the JSON array @array (or NULL) holds the string @s. */
static inline gboolean
emocap_json_strv_contains (const json_t *array, const char *s)
{
  for (size_t i = 0; i < json_array_size (array); i++) {
    if (g_strcmp0 (json_string_value (json_array_get (array, i)), s) == 0)
      return TRUE;
  }
  return FALSE;
}
