/* emocap tests: usage terms in emocap's, CAWG's and IPTC/PLUS vocabularies
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <emocap/error.h>
#include <emocap/json.h>
#include <emocap/terms.h>

/* The usual contract: AI training on expressions and voice, emotions
 * reusable, the face banned from commercial use. */
static json_t *
ai_training_usage (void)
{
  return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s, s], s:i}",
      "ai_training", "allowed", "ai_generative_training", "prohibited",
      "data_mining", "prohibited", "emotion_reuse", "allowed",
      "commercial_face_use", "prohibited", "digital_replica", "prohibited",
      "purposes", "ai-training", "research", "retention_days", 1825);
}

static const char *
get_string (const json_t *json, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  const json_t *at = json;

  for (char **p = parts; *p; p++)
    at = json_object_get (at, *p);
  return json_string_value (at);
}

static void
test_face_ban_everywhere (void)
{
  g_autoptr (json_t) usage = ai_training_usage ();
  g_autoptr (json_t) meta = emocap_terms_metadata (usage);
  g_autofree char *face = emocap_terms_face_clause (usage);
  g_autofree char *text = emocap_terms_text (usage);
  const char *info;

  g_assert_nonnull (face);
  g_assert_nonnull (strstr (face, "face may not be used commercially"));
  g_assert_nonnull (strstr (face, "emotions performed may be reused"));
  g_assert_true (g_str_has_prefix (text, face));
  g_assert_nonnull (strstr (text, "Licensed only for: ai-training, research."));
  g_assert_nonnull (strstr (text, "Not permitted: commercial use of the performer's face"));
  g_assert_nonnull (strstr (text, "making a digital replica"));
  g_assert_nonnull (strstr (text, "Delete within 1825 days"));

  /* emocap's own */
  g_assert_cmpstr (get_string (meta, "usage/commercial_face_use"), ==, "prohibited");
  g_assert_cmpstr (get_string (meta, "usage/emotion_reuse"), ==, "allowed");
  g_assert_cmpstr (get_string (meta, "usage/digital_replica"), ==, "prohibited");
  g_assert_cmpint (json_array_size (json_object_get (json_object_get (meta, "usage"),
              "purposes")), ==, 2);
  /* CAWG: training allowed only within the face ban; the rest not allowed */
  g_assert_cmpstr (get_string (meta, "cawg.training-mining/entries/cawg.ai_training/use"),
      ==, "constrained");
  info = get_string (meta, "cawg.training-mining/entries/cawg.ai_training/constraint_info");
  g_assert_nonnull (info);
  g_assert_nonnull (strstr (info, face));
  g_assert_cmpstr (get_string (meta,
          "cawg.training-mining/entries/cawg.ai_generative_training/use"), ==, "notAllowed");
  g_assert_cmpstr (get_string (meta, "cawg.training-mining/entries/cawg.data_mining/use"),
      ==, "notAllowed");
  g_assert_cmpstr (get_string (meta, "cawg.training-mining/entries/cawg.ai_inference/use"),
      ==, "notAllowed");
  /* IPTC/PLUS */
  g_assert_cmpstr (get_string (meta, "iptc-plus/plus:DataMining"), ==,
      "DMI-PROHIBITED-SEECONSTRAINT");
  g_assert_nonnull (strstr (get_string (meta, "iptc-plus/plus:OtherConstraints"), face));
  g_assert_cmpstr (get_string (meta, "iptc-plus/plus:ModelReleaseStatus"), ==, "MR-LMR");

  g_assert_true (emocap_terms_check (meta, usage, NULL));
}

/* A term the consent does not state is prohibited in every vocabulary,
 * and so is anything but the exact word "allowed". */
static void
test_unstated_is_prohibited (void)
{
  g_autoptr (json_t) usage = json_pack ("{s:s, s:s, s:[s]}", "ai_training", "allowed",
      "emotion_reuse", "Allowed", "purposes", "ai-training");
  g_autoptr (json_t) meta = emocap_terms_metadata (usage);
  g_autofree char *face = emocap_terms_face_clause (usage);

  g_assert_cmpstr (get_string (meta, "usage/commercial_face_use"), ==, "prohibited");
  g_assert_cmpstr (get_string (meta, "usage/emotion_reuse"), ==, "prohibited");
  g_assert_nonnull (face);
  g_assert_null (strstr (face, "may be reused"));
  g_assert_cmpstr (get_string (meta, "cawg.training-mining/entries/cawg.ai_training/use"),
      ==, "constrained");
  g_assert_cmpstr (get_string (meta, "iptc-plus/plus:ModelReleaseStatus"), ==, "MR-LMR");
}

static void
test_nothing_allowed (void)
{
  g_autoptr (json_t) usage = json_pack ("{s:[]}", "purposes");
  g_autoptr (json_t) meta = emocap_terms_metadata (usage);
  g_autofree char *text = emocap_terms_text (usage);

  g_assert_cmpstr (get_string (meta, "iptc-plus/plus:DataMining"), ==, "DMI-PROHIBITED");
  g_assert_cmpstr (get_string (meta, "cawg.training-mining/entries/cawg.ai_training/use"),
      ==, "notAllowed");
  g_assert_nonnull (strstr (text, "Licensed for no purpose"));
  g_assert_null (strstr (text, "Permitted:"));
}

static void
test_everything_allowed (void)
{
  g_autoptr (json_t) usage = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}",
      "ai_training", "allowed", "ai_generative_training", "allowed",
      "data_mining", "allowed", "emotion_reuse", "allowed",
      "commercial_face_use", "allowed", "digital_replica", "allowed",
      "purposes", "ai-training");
  g_autoptr (json_t) meta = emocap_terms_metadata (usage);
  g_autofree char *text = emocap_terms_text (usage);

  g_assert_null (emocap_terms_face_clause (usage));
  g_assert_null (strstr (text, "Not permitted"));
  g_assert_cmpstr (get_string (meta, "iptc-plus/plus:DataMining"), ==, "DMI-ALLOWED");
  g_assert_cmpstr (get_string (meta, "iptc-plus/plus:ModelReleaseStatus"), ==, "MR-UMR");
  g_assert_cmpstr (get_string (meta, "cawg.training-mining/entries/cawg.ai_training/use"),
      ==, "allowed");
  /* No term grants inference. */
  g_assert_cmpstr (get_string (meta, "cawg.training-mining/entries/cawg.ai_inference/use"),
      ==, "notAllowed");
}

typedef void (*Edit) (json_t *meta);

static void
face_allowed (json_t *meta)
{
  json_object_set_new (json_object_get (meta, "usage"), "commercial_face_use",
      json_string ("allowed"));
}

static void
face_removed (json_t *meta)
{
  json_object_del (json_object_get (meta, "usage"), "commercial_face_use");
}

static void
cawg_loosened (json_t *meta)
{
  json_t *entry = json_object_get (json_object_get (json_object_get (meta,
              "cawg.training-mining"), "entries"), "cawg.ai_training");
  json_object_set_new (entry, "use", json_string ("allowed"));
  json_object_del (entry, "constraint_info");
}

static void
iptc_text_cut (json_t *meta)
{
  json_object_set_new (json_object_get (meta, "iptc-plus"), "plus:OtherConstraints",
      json_string ("Licensed only for: ai-training, research."));
}

static void
iptc_removed (json_t *meta)
{
  json_object_del (meta, "iptc-plus");
}

static void
purpose_added (json_t *meta)
{
  json_array_append_new (json_object_get (json_object_get (meta, "usage"), "purposes"),
      json_string ("commercial-advertising"));
}

static void
extra_grant (json_t *meta)
{
  json_object_set_new (json_object_get (meta, "usage"), "face_licence",
      json_string ("granted"));
}

static void
test_check_names_what_differs (void)
{
  static const struct {
    Edit edit;
    const char *message;
  } cases[] = {
    { face_allowed, "usage.commercial_face_use is \"allowed\", the consented terms say "
      "\"prohibited\"" },
    { face_removed, "usage.commercial_face_use is missing; the consented terms give "
      "\"prohibited\"" },
    { cawg_loosened, "cawg.training-mining.entries.cawg.ai_training.use is \"allowed\", "
      "the consented terms say \"constrained\"" },
    { iptc_text_cut, "iptc-plus.plus:OtherConstraints is \"Licensed only for: " },
    { iptc_removed, "iptc-plus is missing; " },
    { purpose_added, "usage.purposes is [\"ai-training\",\"research\","
      "\"commercial-advertising\"], the consented terms say [\"ai-training\","
      "\"research\"]" },
    { extra_grant, "usage.face_licence is \"granted\", which the consented terms do not "
      "have" },
  };
  g_autoptr (json_t) usage = ai_training_usage ();

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (json_t) meta = emocap_terms_metadata (usage);
    g_autoptr (GError) error = NULL;

    cases[i].edit (meta);
    g_assert_false (emocap_terms_check (meta, usage, &error));
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
    if (!g_str_has_prefix (error->message, cases[i].message))
      g_error ("case %" G_GSIZE_FORMAT ": '%s' does not start with '%s'", i,
          error->message, cases[i].message);
  }
  {
    g_autoptr (GError) error = NULL;
    g_assert_false (emocap_terms_check (NULL, usage, &error));
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/terms/face-ban-everywhere", test_face_ban_everywhere);
  g_test_add_func ("/terms/unstated-is-prohibited", test_unstated_is_prohibited);
  g_test_add_func ("/terms/nothing-allowed", test_nothing_allowed);
  g_test_add_func ("/terms/everything-allowed", test_everything_allowed);
  g_test_add_func ("/terms/check-names-what-differs", test_check_names_what_differs);
  return g_test_run ();
}
