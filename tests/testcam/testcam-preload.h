/* emocap tests: LD_PRELOAD for a program that should see the test camera
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The value to give LD_PRELOAD so a child sees the test camera: the
 * library in EMOCAP_TESTCAM_LIB, after the ASan runtime when this program
 * runs under AddressSanitizer (its children, built alike, would refuse to
 * start with another library ahead of the runtime).  Header-only, for any
 * test program.
 */
#pragma once

#include <dlfcn.h>
#include <glib.h>

/* a newly allocated LD_PRELOAD value, or NULL when EMOCAP_TESTCAM_LIB is
 * not set */
static inline char *
testcam_preload_new (void)
{
  const char *lib = g_getenv ("EMOCAP_TESTCAM_LIB");
  void *asan_init;
  Dl_info info;

  if (!lib || !*lib)
    return NULL;
  asan_init = dlsym (RTLD_DEFAULT, "__asan_init");
  if (asan_init && dladdr (asan_init, &info) && info.dli_fname &&
      g_strstr_len (info.dli_fname, -1, "libasan"))
    return g_strconcat (info.dli_fname, ":", lib, NULL);
  return g_strdup (lib);
}
