/* emocap: emocapwatermark, the element that marks every frame
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-emocapwatermark
 *
 * Marks every frame with an invisible watermark: the 64-bit `tag` under
 * the studio's watermark key (see include/emocap/watermark.h).  MJPEG
 * frames are marked in their quantized DCT coefficients, with no decode
 * and re-encode; raw frames in their luma.  A frame that cannot be parsed
 * is passed on as it came, counted in `frames-unmarked`; without a key
 * every frame is.  A JPEG frame libjpeg finds corrupt (cut short, damaged
 * picture data) is also flagged GST_BUFFER_FLAG_CORRUPTED.  Frames the element marked carry an EmocapWatermarkMeta.
 *
 * `tag` and `strength` may change while playing: they apply from the next
 * frame on.  In passthrough (gst_base_transform_set_passthrough(), which an
 * application may switch while playing) frames go on untouched, unmarked
 * and uncounted, at no cost: the recorder does so between takes, whose
 * frames it does not keep.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=90 ! video/x-raw,width=1280,height=720 \
 *     ! jpegenc ! emocapwatermark key-file=emocap-archive/keys/watermark.key \
 *     tag=0x5a17c0ffee000001 ! matroskamux ! filesink location=marked.mkv
 * ]|
 */
#include <string.h>

#include <gst/video/video.h>
#include <sodium.h>

#include <emocap/error.h>

#include "gstemocapwatermark.h"

GST_DEBUG_CATEGORY_STATIC (gst_emocap_watermark_debug);
#define GST_CAT_DEFAULT gst_emocap_watermark_debug

enum
{
  PROP_0,
  PROP_TAG,
  PROP_STRENGTH,
  PROP_KEY_FILE,
  PROP_FRAMES_MARKED,
  PROP_FRAMES_UNMARKED,
};

#define DEFAULT_PROP_TAG 0
#define DEFAULT_PROP_STRENGTH EMOCAP_WM_DEFAULT_STRENGTH
#define DEFAULT_PROP_KEY_FILE NULL

struct _GstEmocapWatermark
{
  GstBaseTransform parent;

  /* Negotiated; read and written by the streaming thread. */
  gboolean jpeg;
  GstVideoInfo info;

  /* Below: under the object lock. */
  guint64 tag;
  double strength;
  char *key_file;
  gboolean key_file_pending;    /* key_file set, not loaded yet */
  guint8 key[EMOCAP_WM_KEY_LEN];
  gboolean have_key;
  gboolean key_changed;         /* the embedder must be made again */
  guint64 frames_marked;
  guint64 frames_unmarked;

  /* Only used by the streaming thread. */
  EmocapWmEmbedder *embedder;
  gboolean warned_no_key;
};

#define CAPS_STR "image/jpeg; " GST_VIDEO_CAPS_MAKE ("{ I420, NV12, YUY2, GRAY8 }")

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (CAPS_STR));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (CAPS_STR));

#define gst_emocap_watermark_parent_class parent_class
G_DEFINE_TYPE (GstEmocapWatermark, gst_emocap_watermark, GST_TYPE_BASE_TRANSFORM)
GST_ELEMENT_REGISTER_DEFINE (emocapwatermark, "emocapwatermark", GST_RANK_NONE,
    GST_TYPE_EMOCAP_WATERMARK)

/* ----- the mark a frame carries ----- */

GType
emocap_watermark_meta_api_get_type (void)
{
  static GType type = 0;
  static const char *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("EmocapWatermarkMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
watermark_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  ((EmocapWatermarkMeta *) meta)->tag = 0;
  return TRUE;
}

static gboolean
watermark_meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
    GQuark type, gpointer data)
{
  EmocapWatermarkMeta *copy;

  if (!GST_META_TRANSFORM_IS_COPY (type))
    return FALSE;
  /* A whole copy of a frame is the frame that was marked; a part of it
   * is not. */
  if (((GstMetaTransformCopy *) data)->region)
    return TRUE;
  copy = (EmocapWatermarkMeta *) gst_buffer_add_meta (dest,
      EMOCAP_WATERMARK_META_INFO, NULL);
  if (copy == NULL)
    return FALSE;
  copy->tag = ((EmocapWatermarkMeta *) meta)->tag;
  return TRUE;
}

const GstMetaInfo *
emocap_watermark_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) &info)) {
    const GstMetaInfo *mi = gst_meta_register (EMOCAP_WATERMARK_META_API_TYPE,
        "EmocapWatermarkMeta", sizeof (EmocapWatermarkMeta),
        watermark_meta_init, NULL, watermark_meta_transform);
    g_once_init_leave ((GstMetaInfo **) &info, (GstMetaInfo *) mi);
  }
  return info;
}

/* ----- the key ----- */

static void
set_key_locked (GstEmocapWatermark *self, const guint8 key[EMOCAP_WM_KEY_LEN])
{
  memcpy (self->key, key, EMOCAP_WM_KEY_LEN);
  self->have_key = TRUE;
  self->key_changed = TRUE;
}

void
emocap_watermark_element_set_key (GstElement *element,
    const guint8 key[EMOCAP_WM_KEY_LEN])
{
  GstEmocapWatermark *self;

  g_return_if_fail (GST_IS_EMOCAP_WATERMARK (element));
  g_return_if_fail (key != NULL);

  self = GST_EMOCAP_WATERMARK (element);
  GST_OBJECT_LOCK (self);
  set_key_locked (self, key);
  /* The key given last wins over a key file named before. */
  self->key_file_pending = FALSE;
  GST_OBJECT_UNLOCK (self);
}

/* Loads "key-file" if it was set since; FALSE, with an error posted, if
 * it cannot be read. */
static gboolean
load_key_file (GstEmocapWatermark *self)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  guint8 key[EMOCAP_WM_KEY_LEN];

  GST_OBJECT_LOCK (self);
  if (self->key_file_pending) {
    path = g_strdup (self->key_file);
    self->key_file_pending = FALSE;
  }
  GST_OBJECT_UNLOCK (self);
  if (path == NULL)
    return TRUE;

  if (!emocap_wm_key_load (path, key, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not read the watermark key \"%s\".", path),
        ("%s", error->message));
    return FALSE;
  }
  GST_DEBUG_OBJECT (self, "watermark key read from %s", path);
  GST_OBJECT_LOCK (self);
  set_key_locked (self, key);
  GST_OBJECT_UNLOCK (self);
  sodium_memzero (key, sizeof key);
  return TRUE;
}

/* ----- marking, in the streaming thread ----- */

static gboolean
mark_jpeg (GstEmocapWatermark *self, GstBuffer *buf)
{
  g_autoptr (GError) error = NULL;
  GstMapInfo map;
  guint8 *out = NULL;
  gsize out_len = 0;
  gboolean ok;

  if (!gst_buffer_map (buf, &map, GST_MAP_READ)) {
    GST_WARNING_OBJECT (self, "cannot read a frame: passed on unmarked");
    return FALSE;
  }
  ok = emocap_wm_embed_jpeg (self->embedder, map.data, map.size, &out,
      &out_len, &error);
  gst_buffer_unmap (buf, &map);
  if (!ok) {
    GST_WARNING_OBJECT (self, "frame at %" GST_TIME_FORMAT
        " (%" G_GSIZE_FORMAT " bytes) passed on unmarked: %s",
        GST_TIME_ARGS (GST_BUFFER_PTS (buf)), gst_buffer_get_size (buf),
        error->message);
    /* Say so downstream, where a recorder drops it rather than keep a
     * frame the camera damaged. */
    if (g_error_matches (error, EMOCAP_ERROR, EMOCAP_ERROR_INVALID_MEDIA))
      GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_CORRUPTED);
    return FALSE;
  }
  /* Same buffer, so timestamps, flags and metas stay; new bytes. */
  gst_buffer_replace_all_memory (buf,
      gst_memory_new_wrapped (0, out, out_len, 0, out_len, out, g_free));
  return TRUE;
}

static gboolean
mark_raw (GstEmocapWatermark *self, GstBuffer *buf)
{
  GstVideoFrame frame;
  gboolean marked;

  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READWRITE)) {
    GST_WARNING_OBJECT (self, "frame at %" GST_TIME_FORMAT
        " does not match its caps: passed on unmarked",
        GST_TIME_ARGS (GST_BUFFER_PTS (buf)));
    return FALSE;
  }
  /* The luma is component 0 in every format we take; in YUY2 it is every
   * other byte. */
  marked = emocap_wm_embed_luma (self->embedder,
      GST_VIDEO_FRAME_COMP_DATA (&frame, 0),
      GST_VIDEO_FRAME_COMP_WIDTH (&frame, 0),
      GST_VIDEO_FRAME_COMP_HEIGHT (&frame, 0),
      GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0),
      GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0));
  gst_video_frame_unmap (&frame);
  if (!marked)
    GST_WARNING_OBJECT (self, "frame at %" GST_TIME_FORMAT " (%dx%d) passed on "
        "unmarked: smaller than 8 or larger than 8192 pixels on a side",
        GST_TIME_ARGS (GST_BUFFER_PTS (buf)), GST_VIDEO_INFO_WIDTH (&self->info),
        GST_VIDEO_INFO_HEIGHT (&self->info));
  return marked;
}

static GstFlowReturn
gst_emocap_watermark_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstEmocapWatermark *self = GST_EMOCAP_WATERMARK (trans);
  guint8 key[EMOCAP_WM_KEY_LEN];
  gboolean rebuild = FALSE, have_key = FALSE, marked = FALSE;
  guint64 tag;
  double strength;

  if (!load_key_file (self))
    return GST_FLOW_ERROR;

  GST_OBJECT_LOCK (self);
  tag = self->tag;
  strength = self->strength;
  if (self->key_changed) {
    rebuild = TRUE;
    have_key = self->have_key;
    memcpy (key, self->key, sizeof key);
    self->key_changed = FALSE;
  }
  GST_OBJECT_UNLOCK (self);

  if (rebuild) {
    g_clear_pointer (&self->embedder, emocap_wm_embedder_free);
    if (have_key)
      self->embedder = emocap_wm_embedder_new (key);
    sodium_memzero (key, sizeof key);
  }

  if (self->embedder == NULL) {
    if (!self->warned_no_key) {
      self->warned_no_key = TRUE;
      GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
          ("No watermark key: frames are passed on unmarked."),
          ("set \"key-file\" or call emocap_watermark_element_set_key()"));
    }
  } else if (strength > 0) {
    emocap_wm_embedder_set_tag (self->embedder, tag);
    emocap_wm_embedder_set_strength (self->embedder, strength);
    marked = self->jpeg ? mark_jpeg (self, buf) : mark_raw (self, buf);
  }

  if (marked) {
    EmocapWatermarkMeta *meta = emocap_buffer_get_watermark_meta (buf);
    if (meta == NULL)
      meta = (EmocapWatermarkMeta *) gst_buffer_add_meta (buf,
          EMOCAP_WATERMARK_META_INFO, NULL);
    meta->tag = tag;
  }

  GST_OBJECT_LOCK (self);
  if (marked)
    self->frames_marked++;
  else
    self->frames_unmarked++;
  GST_OBJECT_UNLOCK (self);

  return GST_FLOW_OK;
}

/* ----- negotiation and state ----- */

static gboolean
gst_emocap_watermark_set_caps (GstBaseTransform *trans, GstCaps *incaps,
    GstCaps *outcaps)
{
  GstEmocapWatermark *self = GST_EMOCAP_WATERMARK (trans);

  if (gst_structure_has_name (gst_caps_get_structure (incaps, 0), "image/jpeg")) {
    self->jpeg = TRUE;
    return TRUE;
  }
  self->jpeg = FALSE;
  if (!gst_video_info_from_caps (&self->info, incaps)) {
    g_autofree char *text = gst_caps_to_string (incaps);
    GST_ERROR_OBJECT (self, "cannot use caps %s", text);
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_emocap_watermark_start (GstBaseTransform *trans)
{
  GstEmocapWatermark *self = GST_EMOCAP_WATERMARK (trans);

  GST_OBJECT_LOCK (self);
  self->frames_marked = 0;
  self->frames_unmarked = 0;
  GST_OBJECT_UNLOCK (self);
  self->warned_no_key = FALSE;

  /* A key file that cannot be read is found before the first frame. */
  return load_key_file (self);
}

static gboolean
gst_emocap_watermark_stop (GstBaseTransform *trans)
{
  GstEmocapWatermark *self = GST_EMOCAP_WATERMARK (trans);

  g_clear_pointer (&self->embedder, emocap_wm_embedder_free);
  GST_OBJECT_LOCK (self);
  self->key_changed = self->have_key;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static void
gst_emocap_watermark_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstEmocapWatermark *self = GST_EMOCAP_WATERMARK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_TAG:
      self->tag = g_value_get_uint64 (value);
      break;
    case PROP_STRENGTH:
      self->strength = g_value_get_double (value);
      break;
    case PROP_KEY_FILE:
      g_free (self->key_file);
      self->key_file = g_value_dup_string (value);
      self->key_file_pending = self->key_file != NULL && *self->key_file;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_emocap_watermark_get_property (GObject *object, guint prop_id,
    GValue *value, GParamSpec *pspec)
{
  GstEmocapWatermark *self = GST_EMOCAP_WATERMARK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_TAG:
      g_value_set_uint64 (value, self->tag);
      break;
    case PROP_STRENGTH:
      g_value_set_double (value, self->strength);
      break;
    case PROP_KEY_FILE:
      g_value_set_string (value, self->key_file);
      break;
    case PROP_FRAMES_MARKED:
      g_value_set_uint64 (value, self->frames_marked);
      break;
    case PROP_FRAMES_UNMARKED:
      g_value_set_uint64 (value, self->frames_unmarked);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_emocap_watermark_finalize (GObject *object)
{
  GstEmocapWatermark *self = GST_EMOCAP_WATERMARK (object);

  g_clear_pointer (&self->embedder, emocap_wm_embedder_free);
  sodium_memzero (self->key, sizeof self->key);
  g_free (self->key_file);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_emocap_watermark_class_init (GstEmocapWatermarkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_emocap_watermark_debug, "emocapwatermark", 0,
      "emocap watermark");

  gobject_class->set_property = gst_emocap_watermark_set_property;
  gobject_class->get_property = gst_emocap_watermark_get_property;
  gobject_class->finalize = gst_emocap_watermark_finalize;

  g_object_class_install_property (gobject_class, PROP_TAG,
      g_param_spec_uint64 ("tag", "Tag",
          "The 64-bit tag to embed (the take's, a keyed hash of its id)",
          0, G_MAXUINT64, DEFAULT_PROP_TAG,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_STRENGTH,
      g_param_spec_double ("strength", "Strength",
          "Strength of the mark (1 is the tuned default, 0 leaves frames "
          "untouched and unmarked)",
          0.0, 10.0, DEFAULT_PROP_STRENGTH,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_KEY_FILE,
      g_param_spec_string ("key-file", "Key file",
          "The studio's watermark key (ARCHIVE/keys/watermark.key)",
          DEFAULT_PROP_KEY_FILE,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_FRAMES_MARKED,
      g_param_spec_uint64 ("frames-marked", "Frames marked",
          "Frames marked since the element started",
          0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_FRAMES_UNMARKED,
      g_param_spec_uint64 ("frames-unmarked", "Frames unmarked",
          "Frames passed on unmarked since the element started (no key, "
          "strength 0, or a frame that could not be parsed)",
          0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "emocap watermark", "Filter/Effect/Video",
      "Marks every frame (MJPEG or raw) with an invisible watermark naming "
      "the take", "emocap developers");

  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_emocap_watermark_set_caps);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_emocap_watermark_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_emocap_watermark_stop);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_emocap_watermark_transform_ip);
  /* passthrough means not marking: not even a look at the frame */
  trans_class->transform_ip_on_passthrough = FALSE;
}

static void
gst_emocap_watermark_init (GstEmocapWatermark *self)
{
  self->strength = DEFAULT_PROP_STRENGTH;
  self->tag = DEFAULT_PROP_TAG;
  /* Every frame is written to or replaced, never handed on untouched
   * without a look: counting and the meta need it. */
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
