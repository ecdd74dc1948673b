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
