/* emocap tests: every camera branch has a per-frame filter slot
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The filter factory is asked once per camera; the element it returns sees
 * every frame before the recorder, and what it does to a frame is what the
 * take's file holds (here: a marker byte sequence appended to each JPEG
 * after its end, which decoders ignore and the file keeps).  With
 * emocapwatermark in the slot, a take's frames count as marked when they
 * carry that take's tag.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

#include <emocap/emocap.h>

#include "record-util.h"

static const char script_text[] =
    "{\n"
    "  \"emocap\": 1, \"session\": \"filter\", \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\", \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"cameras\": [ { \"id\": \"a\", \"device\": \"test:ball\", \"width\": 320, \"height\": 240 },\n"
    "                 { \"id\": \"b\", \"device\": \"test:smpte\", \"width\": 160, \"height\": 120, \"fps\": 25 } ],\n"
    "  \"audio\": { \"device\": \"none\" },\n"
    "  \"takes\": [ { \"emotion\": \"joy\", \"seconds\": 1 } ]\n"
    "}\n";

static const char marker[] = "EMOCAP-FILTER";

typedef struct {
  guint made;
  gint frames;
} FilterLog;

static void
on_handoff (GstElement *identity, GstBuffer *buffer, gpointer data)
{
  FilterLog *log = data;
  /* identity hands off a writable buffer when "signal-handoffs" is set and
   * it is not in place-only mode; append the marker after the JPEG. */
  gst_buffer_append_memory (buffer, gst_memory_new_wrapped (GST_MEMORY_FLAG_READONLY,
          (gpointer) marker, sizeof marker - 1, 0, sizeof marker - 1, NULL, NULL));
  g_atomic_int_inc (&log->frames);
}

static GstElement *
make_filter (const EmocapCamera *camera, gpointer data)
{
  FilterLog *log = data;
  GstElement *identity = gst_element_factory_make ("identity", NULL);

  log->made++;
  g_object_set (identity, "signal-handoffs", TRUE, NULL);
  g_signal_connect (identity, "handoff", G_CALLBACK (on_handoff), log);
  return identity;
}

static void
test_filter_slot (void)
{
  Studio *studio = studio_new ();
  g_autofree char *path = studio_write_script (studio, "script.json", script_text);
  g_autofree char *take_dir = g_build_filename (studio->dir, "take", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapScript) script = NULL;
  g_autoptr (EmocapCapture) capture = NULL;
  g_autoptr (EmocapTakeResult) result = NULL;
  FilterLog log = { 0 };

  script = emocap_script_load (path, &error);
  g_assert_no_error (error);
  capture = emocap_capture_new (script, make_filter, &log, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (log.made, ==, 2);
  g_assert_true (emocap_capture_start (capture, 10000, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_mkdir (take_dir, 0700), ==, 0);
  result = emocap_capture_record (capture, take_dir, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpint (result->status, ==, EMOCAP_TAKE_FINISHED);
  check (g_atomic_int_get (&log.frames) >= 30 + 25, "the filter saw %d frames",
      g_atomic_int_get (&log.frames));

  for (guint i = 0; i < result->cameras->len; i++) {
    EmocapCameraResult *cr = g_ptr_array_index (result->cameras, i);
    g_autofree char *data = NULL;
    gsize len = 0;
    guint found = 0;
    const char *p;

    g_assert_true (g_file_get_contents (cr->path, &data, &len, NULL));
    for (p = data; (p = memmem (p, len - (p - data), marker, sizeof marker - 1)); p++)
      found++;
    check (found == cr->frames_recorded, "%s: %u filtered frames in the file, %"
        G_GUINT64_FORMAT " recorded", cr->camera, found, cr->frames_recorded);
  }
  studio_free (studio);
}

#define TEST_TAG G_GUINT64_CONSTANT (0x00c0ffee5a17a6e5)

/* One small, slow camera: marking must keep up under valgrind too. */
static const char watermark_script_text[] =
    "{\n"
    "  \"emocap\": 1, \"session\": \"marks\", \"studio\": \"Northlight Casting\",\n"
    "  \"operator\": \"op-jlee\", \"actor\": { \"id\": \"actor-0042\", \"name\": \"Sam Rivera\" },\n"
    "  \"contract\": \"contract.json\",\n"
    "  \"cameras\": [ { \"id\": \"a\", \"device\": \"test:ball\", \"width\": 160, \"height\": 120, \"fps\": 10 } ],\n"
    "  \"audio\": { \"device\": \"none\" },\n"
    "  \"takes\": [ { \"emotion\": \"joy\", \"seconds\": 1 } ]\n"
    "}\n";

static GstElement *
make_watermark (const EmocapCamera *camera, gpointer data)
{
  GPtrArray *marks = data;
  GstElement *mark = gst_element_factory_make ("emocapwatermark", NULL);

  g_ptr_array_add (marks, gst_object_ref (mark));
  return mark;
}

/* A take's frames count as marked when they carry the take's tag: not
 * another take's, and not when no key was given. */
static void
test_watermark_count (void)
{
  static const guint8 key[EMOCAP_WM_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  Studio *studio = studio_new ();
  g_autofree char *path = studio_write_script (studio, "script.json", watermark_script_text);
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapScript) script = NULL;
  g_autoptr (GPtrArray) marks = g_ptr_array_new_with_free_func (gst_object_unref);
  g_autoptr (EmocapCapture) capture = NULL;
  static const struct {
    const char *dir;
    gboolean key;
    guint64 expected;
    gboolean all_marked;
  } takes[] = {
    { "no-key", FALSE, TEST_TAG, FALSE },
    { "marked", TRUE, TEST_TAG, TRUE },
    { "other-tag", TRUE, TEST_TAG + 1, FALSE },
  };

  g_assert_true (GST_ELEMENT_REGISTER (emocapwatermark, NULL));
  script = emocap_script_load (path, &error);
  g_assert_no_error (error);
  capture = emocap_capture_new (script, make_watermark, marks, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (marks->len, ==, 1);
  g_assert_true (emocap_capture_start (capture, 10000, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < marks->len; i++)
    g_object_set (g_ptr_array_index (marks, i), "tag", TEST_TAG, NULL);

  for (guint t = 0; t < G_N_ELEMENTS (takes); t++) {
    g_autofree char *dir = g_build_filename (studio->dir, takes[t].dir, NULL);
    g_autoptr (EmocapTakeResult) result = NULL;

    if (takes[t].key) {
      for (guint i = 0; i < marks->len; i++)
        emocap_watermark_element_set_key (g_ptr_array_index (marks, i), key);
    }
    emocap_capture_set_watermark_tag (capture, takes[t].expected);
    g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
    result = emocap_capture_record (capture, dir, 1, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, EMOCAP_TAKE_FINISHED);

    /* Between takes no frame is kept, so none is marked: the watermark is
     * in passthrough from the take's last frame to the next cue (a frame
     * it was marking when the take ended may still count). */
    for (guint i = 0; i < marks->len; i++) {
      GstElement *mark = g_ptr_array_index (marks, i);
      guint64 before = 0, after = 0;

      g_assert_true (gst_base_transform_is_passthrough (GST_BASE_TRANSFORM (mark)));
      g_object_get (mark, "frames-marked", &before, NULL);
      g_usleep (G_USEC_PER_SEC / 2);
      g_object_get (mark, "frames-marked", &after, NULL);
      check (after <= before + 1, "take %s: %" G_GUINT64_FORMAT " frames marked after it ended",
          takes[t].dir, after - before);
    }
    for (guint i = 0; i < result->cameras->len; i++) {
      EmocapCameraResult *cr = g_ptr_array_index (result->cameras, i);
      check (cr->frames_recorded > 0 &&
          cr->frames_marked == (takes[t].all_marked ? cr->frames_recorded : 0),
          "take %s, camera %s: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " frames marked",
          takes[t].dir, cr->camera, cr->frames_marked, cr->frames_recorded);
    }
  }
  studio_free (studio);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/capture/filter-slot", test_filter_slot);
  g_test_add_func ("/capture/watermark-count", test_watermark_count);
  return g_test_run ();
}
