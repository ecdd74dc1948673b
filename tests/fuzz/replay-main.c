/* emocap: replays a fuzz target's corpus without libFuzzer
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: TARGET FILE-OR-DIR...  Every file is passed once to
 * LLVMFuzzerTestOneInput; the run fails if none was found.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
replay_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &data, &len, &error)) {
    fprintf (stderr, "%s\n", error->message);
    return -1;
  }
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  return 1;
}

static int
replay (const char *path)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;
  int n = 0;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return replay_file (path);

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    return -1;
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *child = g_build_filename (path, name, NULL);
    int r = replay (child);
    if (r < 0)
      return r;
    n += r;
  }
  return n;
}

int
main (int argc, char **argv)
{
  int total = 0;

  for (int i = 1; i < argc; i++) {
    int r = replay (argv[i]);
    if (r < 0)
      return 1;
    total += r;
  }
  printf ("replayed %d inputs\n", total);
  return total > 0 ? 0 : 1;
}
