/* emocap: JSON documents with positions, and strict field readers
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Private to the library.  jansson tells where a syntax error is, but not
 * where a value that parsed fine sits in the file; a user who wrote a bad
 * id needs the line and column all the same.  So after jansson has parsed
 * the bytes, a second small scanner reads the same bytes and records where
 * each value and each member's key starts, and the two trees are matched.
 * The scanner trusts nothing: when it and jansson disagree, a position
 * falls back to the enclosing object's.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

/* Files bigger than this are refused before parsing: a script, contract or
 * consent file is a few kilobytes. */
#define EMOCAP_JSON_DOC_MAX_SIZE (1024 * 1024)

typedef struct _EmocapJsonDoc EmocapJsonDoc;

/* A 1-based line and column; columns count UTF-8 characters, as jansson's
 * do. */
typedef struct {
  int line;
  int column;
} EmocapJsonPos;

/* Reads the whole regular file at @path (at most EMOCAP_JSON_DOC_MAX_SIZE
 * bytes).  FIFOs, devices and directories are refused without reading, so
 * a path from a script cannot make us block.  Errors read "cannot read
 * '@shown': REASON", where @shown is the name the user knows the file by;
 * their code is @invalid_code when the file is missing, not a regular file
 * or too large (the input names the wrong thing), EMOCAP_ERROR_IO when it
 * is there but cannot be read. */
GBytes *emocap_json_read_file (const char *path, const char *shown,
    int invalid_code, GError **error);

/* Parses @bytes (an object at the top) with JSON_REJECT_DUPLICATES and
 * locates every value.  @path is used in messages only; @error_code is the
 * EMOCAP_ERROR code for everything wrong in this document. */
EmocapJsonDoc *emocap_json_doc_parse (const char *path, GBytes *bytes,
    int error_code, GError **error);

void emocap_json_doc_free (EmocapJsonDoc *doc);

json_t *emocap_json_doc_root (EmocapJsonDoc *doc);
const char *emocap_json_doc_path (EmocapJsonDoc *doc);
int emocap_json_doc_error_code (EmocapJsonDoc *doc);

/* Where @container (an object or array of this document) starts. */
EmocapJsonPos emocap_json_doc_pos (EmocapJsonDoc *doc, json_t *container);

/* Where the value of member @key of @object starts, or its key when
 * @at_key; the object's own position if the member cannot be found. */
EmocapJsonPos emocap_json_doc_pos_member (EmocapJsonDoc *doc, json_t *object,
    const char *key, gboolean at_key);

/* Where element @index of @array starts; the array's position if there
 * is no such element. */
EmocapJsonPos emocap_json_doc_pos_element (EmocapJsonDoc *doc, json_t *array,
    size_t index);

/* Sets @error to "PATH:LINE:COLUMN: FIELD: MESSAGE" (no "FIELD: " when
 * @field is NULL or empty) with the document's error code, and returns
 * FALSE so callers can `return emocap_json_doc_fail (...)`. */
gboolean emocap_json_doc_fail (EmocapJsonDoc *doc, GError **error,
    EmocapJsonPos pos, const char *field, const char *format, ...)
    G_GNUC_PRINTF (5, 6);

/* The same line, as a string for a warning; free with g_free(). */
char *emocap_json_doc_format (EmocapJsonDoc *doc, EmocapJsonPos pos,
    const char *field, const char *format, ...) G_GNUC_PRINTF (4, 5);

/* For tests and fuzzing: TRUE if every object and array jansson built was
 * matched by the locator, member for member. */
gboolean emocap_json_doc_fully_located (EmocapJsonDoc *doc);

/* Text helpers shared by the parsers. */

/* @s between single quotes, made safe to print on one line: control
 * characters escaped, long values cut.  Free with g_free(). */
char *emocap_json_quote (const char *s);

/* A short description of @value for "got ...": "a list", "an object",
 * "2.5", "'abc'", "true"...  Free with g_free(). */
char *emocap_json_describe (json_t *value);

/* The candidate closest to @word by edit distance, if close enough to be a
 * likely typo; NULL otherwise.  @candidates is NULL-terminated. */
const char *emocap_json_did_you_mean (const char *word,
    const char *const *candidates);

/* "a, b, c" from a NULL-terminated list.  Free with g_free(). */
char *emocap_json_join (const char *const *names, const char *separator);

/**
 * EmocapJsonObject:
 * An object being read, and what to call it in messages.
 * @doc: its document
 * @object: the object
 * @field: its path, "" at the top level, e.g. "cameras[1]"
 */
typedef struct {
  EmocapJsonDoc *doc;
  json_t *object;
  char *field;
} EmocapJsonObject;

/* Starts reading @object (which must be a JSON object) as @field. */
void emocap_json_object_init (EmocapJsonObject *o, EmocapJsonDoc *doc,
    json_t *object, const char *field);
void emocap_json_object_clear (EmocapJsonObject *o);

/* Reads member @key, which must be an object, into @child (to be cleared
 * by the caller).  FALSE with an error if it is missing (when @required)
 * or not an object; TRUE with child->object NULL if absent and optional. */
gboolean emocap_json_object_child (EmocapJsonObject *o, const char *key,
    gboolean required, const char *expected, EmocapJsonObject *child,
    GError **error);

/* "FIELD.key" (or "key" at the top).  Free with g_free(). */
char *emocap_json_object_field (const EmocapJsonObject *o, const char *key);

/* Errors on the first member not in @known: "unknown field 'x' (did you
 * mean 'y'?)", or the list of known fields. */
gboolean emocap_json_object_check_fields (const EmocapJsonObject *o,
    const char *const *known, GError **error);

/* Member @key in *@out, NULL if absent; FALSE with an error "missing field
 * 'key': expected EXPECTED" if it is absent and @required. */
gboolean emocap_json_object_get (const EmocapJsonObject *o, const char *key,
    gboolean required, const char *expected, json_t **out, GError **error);

/* An error at member @key's value: "FIELD.key: MESSAGE". */
gboolean emocap_json_object_fail (const EmocapJsonObject *o, GError **error,
    const char *key, const char *format, ...) G_GNUC_PRINTF (4, 5);

/* An error at member @key's value: "FIELD.key: expected EXPECTED, got
 * DESCRIPTION". */
gboolean emocap_json_object_fail_type (const EmocapJsonObject *o,
    GError **error, const char *key, const char *expected);

/* A string member, unchecked beyond its type.  Absent: *out = NULL, TRUE
 * unless @required. */
gboolean emocap_json_object_string (const EmocapJsonObject *o,
    const char *key, gboolean required, const char *expected,
    const char **out, GError **error);

/* A string member that must be a valid id (emocap_id_is_valid()). */
gboolean emocap_json_object_id (const EmocapJsonObject *o, const char *key,
    gboolean required, const char *expected, const char **out,
    GError **error);

/* A string member of free text: at most @max_chars characters, no control
 * characters, not empty unless @allow_empty. */
gboolean emocap_json_object_text (const EmocapJsonObject *o, const char *key,
    gboolean required, int max_chars, gboolean allow_empty,
    const char *expected, const char **out, GError **error);

/* An integer member in [@min, @max] (reals are refused); @out untouched
 * when absent and optional. */
gboolean emocap_json_object_int (const EmocapJsonObject *o, const char *key,
    gboolean required, gint64 min, gint64 max, const char *expected,
    gint64 *out, GError **error);

/* A number member (integer or real), finite, in [@min, @max]. */
gboolean emocap_json_object_number (const EmocapJsonObject *o,
    const char *key, gboolean required, double min, double max,
    const char *expected, double *out, GError **error);

/* A string member that must be one of @names: *out is its index.
 * @what names the kind of value in "unknown WHAT 'x'". */
gboolean emocap_json_object_enum (const EmocapJsonObject *o, const char *key,
    gboolean required, const char *what, const char *const *names, int *out,
    GError **error);

/* TRUE if @s is non-empty text of at most @max_chars characters with no
 * control, line-separator or bidi-override characters; otherwise FALSE and
 * a reason in @why (static). */
gboolean emocap_json_text_is_valid (const char *s, int max_chars,
    gboolean allow_empty, const char **why);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmocapJsonDoc, emocap_json_doc_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EmocapJsonObject, emocap_json_object_clear)

G_END_DECLS
