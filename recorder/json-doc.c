/* emocap: JSON documents with positions, and strict field readers
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <emocap/error.h>
#include <emocap/script.h>

#include "json-doc.h"

/* jansson refuses deeper documents too; the locator stops there as well so
 * that its recursion stays bounded whatever the input. */
#define MAX_DEPTH 2048

/* Where one value of the document is, as the locator saw it. */
typedef struct _PosNode PosNode;
struct _PosNode {
  EmocapJsonPos pos;        /* first character of the value */
  EmocapJsonPos key_pos;    /* first character of its key, for members */
  char *key;                /* decoded key for members (NULL if undecodable) */
  char kind;                /* '{', '[' or 0 for anything else */
  GPtrArray *children;      /* PosNode*, for '{' and '[' (not owned) */
};

struct _EmocapJsonDoc {
  char *path;
  int error_code;
  json_t *root;
  GPtrArray *nodes;         /* every PosNode, owned */
  PosNode *root_node;
  GHashTable *containers;   /* json_t* (object/array) -> PosNode* */
};

/* ---- reading files ---------------------------------------------------- */

/* A file that is not there, or not a file, means the input names the wrong
 * thing (@invalid_code, exit 1); one that is there but cannot be read is
 * the machine's problem (EMOCAP_ERROR_IO, exit 2). */
static int
read_error_code (int err, int invalid_code)
{
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case EISDIR:
    case ELOOP:
    case ENAMETOOLONG:
      return invalid_code;
    default:
      return EMOCAP_ERROR_IO;
  }
}

GBytes *
emocap_json_read_file (const char *path, const char *shown, int invalid_code,
    GError **error)
{
  struct stat st;
  g_autofree char *data = NULL;
  gsize got = 0;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  if (shown == NULL)
    shown = path;

  /* O_NONBLOCK: opening a FIFO named by a script must not hang us; it is
   * refused below as not a regular file anyway. */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    int e = errno;
    g_autofree char *q = emocap_json_quote (shown);
    g_set_error (error, EMOCAP_ERROR, read_error_code (e, invalid_code), "cannot read %s: %s",
        q, g_strerror (e));
    return NULL;
  }
  if (fstat (fd, &st) < 0) {
    int e = errno;
    g_autofree char *q = emocap_json_quote (shown);

    close (fd);
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot read %s: %s",
        q, g_strerror (e));
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    g_autofree char *q = emocap_json_quote (shown);

    close (fd);
    g_set_error (error, EMOCAP_ERROR, invalid_code, "cannot read %s: %s",
        q, S_ISDIR (st.st_mode) ? g_strerror (EISDIR) : "not a regular file");
    return NULL;
  }
  if (st.st_size > EMOCAP_JSON_DOC_MAX_SIZE) {
    g_autofree char *q = emocap_json_quote (shown);
    close (fd);
    g_set_error (error, EMOCAP_ERROR, invalid_code,
        "cannot read %s: larger than %d bytes", q, EMOCAP_JSON_DOC_MAX_SIZE);
    return NULL;
  }

  /* One byte more than allowed, to notice a file that grew meanwhile. */
  data = g_malloc ((gsize) st.st_size + 1);
  for (;;) {
    ssize_t n = read (fd, data + got, (gsize) st.st_size + 1 - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      g_autofree char *q = emocap_json_quote (shown);
      close (fd);
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot read %s: %s",
          q, g_strerror (e));
      return NULL;
    }
    if (n == 0)
      break;
    got += (gsize) n;
    if (got > (gsize) st.st_size) {
      g_autofree char *q = emocap_json_quote (shown);
      close (fd);
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
          "cannot read %s: it changed while being read", q);
      return NULL;
    }
  }
  close (fd);
  return g_bytes_new_take (g_steal_pointer (&data), got);
}

/* ---- text helpers ----------------------------------------------------- */

/* Characters that would break a one-line message or deceive a reader of
 * the operator's screen: C0/C1 controls, DEL, line and paragraph
 * separators, and bidi embeddings, overrides and isolates. */
static gboolean
is_unsafe_char (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029
      || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

#define QUOTE_MAX_CHARS 60

char *
emocap_json_quote (const char *s)
{
  g_autofree char *valid = NULL;
  GString *out;
  int n = 0;

  if (s == NULL)
    return g_strdup ("(null)");
  valid = g_utf8_make_valid (s, -1);
  out = g_string_new ("'");
  for (const char *p = valid; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (n++ >= QUOTE_MAX_CHARS) {
      g_string_append (out, "...");
      break;
    }
    if (c == '\'' || c == '\\')
      g_string_append_printf (out, "\\%c", (char) c);
    else if (c == '\n')
      g_string_append (out, "\\n");
    else if (c == '\t')
      g_string_append (out, "\\t");
    else if (c == '\r')
      g_string_append (out, "\\r");
    else if (is_unsafe_char (c))
      g_string_append_printf (out, "\\u%04X", c);
    else
      g_string_append_len (out, p, g_utf8_next_char (p) - p);
  }
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}

/* jansson's own messages quote raw input ("near '...'"): make them one
 * line of valid UTF-8. */
static char *
sanitize_line (const char *s)
{
  g_autofree char *valid = g_utf8_make_valid (s, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (is_unsafe_char (c))
      g_string_append_printf (out, "\\u%04X", c);
    else
      g_string_append_len (out, p, g_utf8_next_char (p) - p);
  }
  return g_string_free (out, FALSE);
}

char *
emocap_json_describe (json_t *value)
{
  switch (json_typeof (value)) {
    case JSON_OBJECT:
      return g_strdup ("an object");
    case JSON_ARRAY:
      return g_strdup ("a list");
    case JSON_STRING:
      return emocap_json_quote (json_string_value (value));
    case JSON_INTEGER:
      return g_strdup_printf ("%" JSON_INTEGER_FORMAT, json_integer_value (value));
    case JSON_REAL: {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd (buf, sizeof buf, "%.10g", json_real_value (value));
      /* "30.0", not "30": the user wrote a real, and that is the problem */
      if (strpbrk (buf, ".eEn") == NULL)
        return g_strdup_printf ("%s.0", buf);
      return g_strdup (buf);
    }
    case JSON_TRUE:
      return g_strdup ("true");
    case JSON_FALSE:
      return g_strdup ("false");
    case JSON_NULL:
      return g_strdup ("null");
  }
  return g_strdup ("an unknown value");
}

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions, so "fsp" is one edit from "fps"), ignoring ASCII case. */
static gsize
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree gsize *d = g_new (gsize, (la + 1) * (lb + 1));

#define D(i, j) d[(i) * (lb + 1) + (j)]
  for (gsize i = 0; i <= la; i++)
    D (i, 0) = i;
  for (gsize j = 0; j <= lb; j++)
    D (0, j) = j;
  for (gsize i = 1; i <= la; i++) {
    for (gsize j = 1; j <= lb; j++) {
      gsize cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;
      gsize best = MIN (D (i - 1, j) + 1, D (i, j - 1) + 1);
      best = MIN (best, D (i - 1, j - 1) + cost);
      if (i > 1 && j > 1
          && g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 2])
          && g_ascii_tolower (a[i - 2]) == g_ascii_tolower (b[j - 1]))
        best = MIN (best, D (i - 2, j - 2) + 1);
      D (i, j) = best;
    }
  }
  return D (la, lb);
#undef D
}

const char *
emocap_json_did_you_mean (const char *word, const char *const *candidates)
{
  const char *best = NULL;
  gsize best_d = G_MAXSIZE;

  g_return_val_if_fail (word != NULL, NULL);
  g_return_val_if_fail (candidates != NULL, NULL);

  /* Long words are not typos of our short names; also bounds the work. */
  if (strlen (word) > 64)
    return NULL;
  for (const char *const *c = candidates; *c; c++) {
    gsize len = strlen (*c);
    gsize limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    gsize d = edit_distance (word, *c);

    if (d <= limit && d < len && d < best_d) {
      best = *c;
      best_d = d;
    }
  }
  return best;
}

char *
emocap_json_join (const char *const *names, const char *separator)
{
  return g_strjoinv (separator, (char **) names);
}

static gboolean
check_text (const char *s, int max_chars, gboolean allow_empty,
    const char **why, gunichar *bad)
{
  glong n;

  *bad = 0;
  if (!g_utf8_validate (s, -1, NULL)) {
    *why = "is not valid UTF-8";
    return FALSE;
  }
  if (!allow_empty && s[0] == '\0') {
    *why = "is empty";
    return FALSE;
  }
  n = g_utf8_strlen (s, -1);
  if (n > max_chars) {
    *why = "is too long";
    return FALSE;
  }
  for (const char *p = s; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (is_unsafe_char (c)) {
      *bad = c;
      *why = "contains a control character";
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
emocap_json_text_is_valid (const char *s, int max_chars, gboolean allow_empty,
    const char **why)
{
  const char *w = NULL;
  gunichar bad;
  gboolean ok;

  g_return_val_if_fail (s != NULL, FALSE);
  ok = check_text (s, max_chars, allow_empty, &w, &bad);
  if (why)
    *why = w;
  return ok;
}

/* ---- the locator ------------------------------------------------------ */

typedef struct {
  const guchar *data;
  gsize len;
  gsize off;
  int line;
  int column;               /* characters read so far on this line */
  GPtrArray *nodes;         /* where new nodes go */

  /* Duplicate search, only when jansson reported one. */
  gboolean find_duplicates;
  GString *field;           /* path of the object being scanned */
  char *dup_key;
  char *dup_field;
  EmocapJsonPos dup_pos;
  EmocapJsonPos dup_first;
} Scanner;

static EmocapJsonPos
scanner_pos (const Scanner *s)
{
  return (EmocapJsonPos) { s->line, s->column + 1 };
}

static int
scanner_peek (const Scanner *s)
{
  return s->off < s->len ? s->data[s->off] : -1;
}

/* Counts lines and columns as jansson does: a newline starts a line, and
 * every byte that is not a UTF-8 continuation byte is one column. */
static void
scanner_advance (Scanner *s)
{
  guchar c;

  if (s->off >= s->len)
    return;
  c = s->data[s->off++];
  if (c == '\n') {
    s->line++;
    s->column = 0;
  } else if ((c & 0xc0) != 0x80) {
    s->column++;
  }
}

static void
scanner_skip_ws (Scanner *s)
{
  for (;;) {
    int c = scanner_peek (s);
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      return;
    scanner_advance (s);
  }
}

static int
hex4 (Scanner *s)
{
  int v = 0;

  for (int i = 0; i < 4; i++) {
    int c = scanner_peek (s);
    int d = c < 0 ? -1 : g_ascii_xdigit_value ((char) c);
    if (d < 0)
      return -1;
    v = v * 16 + d;
    scanner_advance (s);
  }
  return v;
}

/* Reads a string token; its decoded text goes to @out (if not NULL), and
 * *@decoded turns FALSE for text jansson would not have accepted as a key. */
static gboolean
scan_string (Scanner *s, GString *out, gboolean *decoded)
{
  scanner_advance (s);          /* the opening quote */
  for (;;) {
    int c = scanner_peek (s);

    if (c < 0 || c < 0x20)
      return FALSE;
    if (c == '"') {
      scanner_advance (s);
      return TRUE;
    }
    if (c != '\\') {
      if (out)
        g_string_append_c (out, (char) c);
      scanner_advance (s);
      continue;
    }
    scanner_advance (s);
    c = scanner_peek (s);
    if (c < 0)
      return FALSE;
    if (c == 'u') {
      int cp;
      char utf8[8];
      gint n;

      scanner_advance (s);
      cp = hex4 (s);
      if (cp < 0)
        return FALSE;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        int lo;
        if (scanner_peek (s) != '\\')
          return FALSE;
        scanner_advance (s);
        if (scanner_peek (s) != 'u')
          return FALSE;
        scanner_advance (s);
        lo = hex4 (s);
        if (lo < 0xdc00 || lo > 0xdfff)
          return FALSE;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        return FALSE;
      }
      if (cp == 0) {
        *decoded = FALSE;
        continue;
      }
      n = g_unichar_to_utf8 ((gunichar) cp, utf8);
      if (out)
        g_string_append_len (out, utf8, n);
      continue;
    }
    switch (c) {
      case '"': case '\\': case '/':
        break;
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 't': c = '\t'; break;
      default:
        return FALSE;
    }
    if (out)
      g_string_append_c (out, (char) c);
    scanner_advance (s);
  }
}

static gboolean scan_value (Scanner *s, PosNode *node, int depth);

static PosNode *
node_new (Scanner *s)
{
  PosNode *n = g_new0 (PosNode, 1);
  g_ptr_array_add (s->nodes, n);
  return n;
}

static gboolean
is_simple_key (const char *key)
{
  for (const char *p = key; *p; p++) {
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  }
  return key[0] != '\0';
}

static gboolean
scan_object (Scanner *s, PosNode *node, int depth)
{
  g_autoptr (GHashTable) seen = NULL;

  node->kind = '{';
  node->children = g_ptr_array_new ();
  if (s->find_duplicates)
    seen = g_hash_table_new (g_str_hash, g_str_equal);
  scanner_advance (s);
  scanner_skip_ws (s);
  if (scanner_peek (s) == '}') {
    scanner_advance (s);
    return TRUE;
  }
  for (;;) {
    g_autoptr (GString) key = g_string_new (NULL);
    gboolean decoded = TRUE;
    PosNode *child;
    gsize field_len = s->field ? s->field->len : 0;

    scanner_skip_ws (s);
    if (scanner_peek (s) != '"')
      return FALSE;
    child = node_new (s);
    child->key_pos = scanner_pos (s);
    if (!scan_string (s, key, &decoded))
      return FALSE;
    /* A key with a NUL byte cannot be compared as a C string. */
    if (decoded && memchr (key->str, '\0', key->len) == NULL)
      child->key = g_strdup (key->str);
    g_ptr_array_add (node->children, child);

    if (seen && child->key) {
      PosNode *first = g_hash_table_lookup (seen, child->key);
      if (first) {
        s->dup_key = g_strdup (child->key);
        s->dup_field = g_strdup (s->field->str);
        s->dup_pos = child->key_pos;
        s->dup_first = first->key_pos;
        return FALSE;
      }
      g_hash_table_insert (seen, child->key, child);
    }

    scanner_skip_ws (s);
    if (scanner_peek (s) != ':')
      return FALSE;
    scanner_advance (s);
    if (s->field) {
      if (child->key && is_simple_key (child->key))
        g_string_append_printf (s->field, "%s%s", field_len ? "." : "", child->key);
      else
        g_string_append_printf (s->field, "%s?", field_len ? "." : "");
    }
    if (!scan_value (s, child, depth + 1))
      return FALSE;
    if (s->field)
      g_string_truncate (s->field, field_len);
    scanner_skip_ws (s);
    if (scanner_peek (s) == ',') {
      scanner_advance (s);
      continue;
    }
    if (scanner_peek (s) == '}') {
      scanner_advance (s);
      return TRUE;
    }
    return FALSE;
  }
}

static gboolean
scan_array (Scanner *s, PosNode *node, int depth)
{
  node->kind = '[';
  node->children = g_ptr_array_new ();
  scanner_advance (s);
  scanner_skip_ws (s);
  if (scanner_peek (s) == ']') {
    scanner_advance (s);
    return TRUE;
  }
  for (;;) {
    PosNode *child = node_new (s);
    gsize field_len = s->field ? s->field->len : 0;

    g_ptr_array_add (node->children, child);
    if (s->field)
      g_string_append_printf (s->field, "[%u]", node->children->len - 1);
    if (!scan_value (s, child, depth + 1))
      return FALSE;
    if (s->field)
      g_string_truncate (s->field, field_len);
    scanner_skip_ws (s);
    if (scanner_peek (s) == ',') {
      scanner_advance (s);
      continue;
    }
    if (scanner_peek (s) == ']') {
      scanner_advance (s);
      return TRUE;
    }
    return FALSE;
  }
}

static gboolean
scan_value (Scanner *s, PosNode *node, int depth)
{
  int c;
  gsize start;

  if (depth > MAX_DEPTH)
    return FALSE;
  scanner_skip_ws (s);
  node->pos = scanner_pos (s);
  c = scanner_peek (s);
  if (c == '{')
    return scan_object (s, node, depth);
  if (c == '[')
    return scan_array (s, node, depth);
  if (c == '"') {
    gboolean decoded = TRUE;
    return scan_string (s, NULL, &decoded);
  }
  /* numbers, true, false, null: their exact form is jansson's business */
  start = s->off;
  while ((c = scanner_peek (s)) >= 0
      && (g_ascii_isalnum (c) || c == '-' || c == '+' || c == '.'))
    scanner_advance (s);
  return s->off > start;
}

/* Matches the locator's tree with jansson's, container by container. */
static void
link_nodes (EmocapJsonDoc *doc, json_t *value, PosNode *node)
{
  if (json_is_object (value) && node->kind == '{') {
    g_hash_table_insert (doc->containers, value, node);
    for (guint i = 0; i < node->children->len; i++) {
      PosNode *child = node->children->pdata[i];
      json_t *member;

      if (child->key == NULL)
        continue;
      member = json_object_get (value, child->key);
      if (member && (json_is_object (member) || json_is_array (member)))
        link_nodes (doc, member, child);
    }
  } else if (json_is_array (value) && node->kind == '[') {
    gsize n = MIN (json_array_size (value), (gsize) node->children->len);

    g_hash_table_insert (doc->containers, value, node);
    for (gsize i = 0; i < n; i++) {
      json_t *element = json_array_get (value, i);
      if (json_is_object (element) || json_is_array (element))
        link_nodes (doc, element, node->children->pdata[i]);
    }
  }
}

static void
pos_node_free (gpointer data)
{
  PosNode *n = data;

  g_free (n->key);
  if (n->children)
    g_ptr_array_unref (n->children);
  g_free (n);
}

/* ---- documents -------------------------------------------------------- */

static gboolean
fail_at (const char *path, int code, GError **error, EmocapJsonPos pos,
    const char *field, const char *message)
{
  if (field && field[0])
    g_set_error (error, EMOCAP_ERROR, code, "%s:%d:%d: %s: %s", path,
        pos.line, pos.column, field, message);
  else
    g_set_error (error, EMOCAP_ERROR, code, "%s:%d:%d: %s", path,
        pos.line, pos.column, message);
  return FALSE;
}

/* jansson refused a duplicate key; find it ourselves to say which and
 * where the first one was. */
static gboolean
explain_duplicate (const char *path, int code, const guchar *data, gsize len,
    GError **error)
{
  g_autoptr (GPtrArray) nodes = g_ptr_array_new_with_free_func (pos_node_free);
  g_autoptr (GString) field = g_string_new (NULL);
  Scanner s = {
    .data = data, .len = len, .line = 1, .nodes = nodes,
    .find_duplicates = TRUE, .field = field,
  };
  PosNode *root = node_new (&s);
  g_autofree char *q = NULL;
  g_autofree char *message = NULL;
  g_autofree char *dup_field = NULL;
  g_autofree char *dup_key = NULL;

  scan_value (&s, root, 0);
  if (s.dup_key == NULL)
    return TRUE;
  dup_key = s.dup_key;
  dup_field = s.dup_field;
  /* a deeply nested path would drown the message: keep its innermost end */
  if (strlen (dup_field) > 80) {
    char *tail = g_strdup_printf ("...%s", dup_field + strlen (dup_field) - 77);
    g_free (dup_field);
    dup_field = tail;
  }
  q = emocap_json_quote (dup_key);
  message = g_strdup_printf ("duplicate field %s (first at line %d): give "
      "each field once", q, s.dup_first.line);
  return fail_at (path, code, error, s.dup_pos, dup_field, message);
}

EmocapJsonDoc *
emocap_json_doc_parse (const char *path, GBytes *bytes, int error_code,
    GError **error)
{
  g_autoptr (EmocapJsonDoc) doc = NULL;
  json_error_t jerr;
  const guchar *data;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &len);
  if (data == NULL)
    data = (const guchar *) "";
  if (len > EMOCAP_JSON_DOC_MAX_SIZE) {
    g_autofree char *message = g_strdup_printf ("the file is larger than %d "
        "bytes: this is not a file emocap wrote or expects",
        EMOCAP_JSON_DOC_MAX_SIZE);
    fail_at (path, error_code, error, (EmocapJsonPos) { 1, 1 }, NULL, message);
    return NULL;
  }

  /* JSON text cannot hold a NUL byte, but jansson 2.14 skips one that
   * follows a number or literal ("2\0}" parses as "2}"): refuse it here,
   * so that what is validated is exactly what a reader of the file sees. */
  {
    const guchar *nul = memchr (data, '\0', len);
    if (nul) {
      Scanner s = { .data = data, .len = (gsize) (nul - data), .line = 1 };
      while (s.off < s.len)
        scanner_advance (&s);
      fail_at (path, error_code, error, scanner_pos (&s), NULL,
          "invalid JSON: a NUL byte, which JSON text cannot contain (is this "
          "a binary file?)");
      return NULL;
    }
  }

  doc = g_new0 (EmocapJsonDoc, 1);
  doc->path = g_strdup (path);
  doc->error_code = error_code;
  doc->nodes = g_ptr_array_new_with_free_func (pos_node_free);
  doc->containers = g_hash_table_new (NULL, NULL);

  doc->root = json_loadb ((const char *) data, len, JSON_REJECT_DUPLICATES, &jerr);
  if (doc->root == NULL) {
    g_autofree char *text = NULL;
    g_autofree char *message = NULL;
    EmocapJsonPos pos = { MAX (jerr.line, 1), MAX (jerr.column, 1) };

    if (json_error_code (&jerr) == json_error_duplicate_key
        && !explain_duplicate (path, error_code, data, len, error))
      return NULL;
    text = sanitize_line (jerr.text);
    message = g_strdup_printf ("invalid JSON: %s", text);
    fail_at (path, error_code, error, pos, NULL, message);
    return NULL;
  }

  {
    Scanner s = { .data = data, .len = len, .line = 1, .nodes = doc->nodes };
    doc->root_node = node_new (&s);
    /* A scan that stops early leaves the rest unlocated: lookups then fall
     * back to enclosing positions. */
    scan_value (&s, doc->root_node, 0);
    link_nodes (doc, doc->root, doc->root_node);
  }

  if (!json_is_object (doc->root)) {
    g_autofree char *got = emocap_json_describe (doc->root);
    g_autofree char *message = g_strdup_printf ("expected a JSON object "
        "{ ... } at the top, got %s", got);
    fail_at (path, error_code, error, emocap_json_doc_pos (doc, doc->root),
        NULL, message);
    return NULL;
  }
  return g_steal_pointer (&doc);
}

void
emocap_json_doc_free (EmocapJsonDoc *doc)
{
  if (doc == NULL)
    return;
  g_free (doc->path);
  if (doc->root)
    json_decref (doc->root);
  g_hash_table_unref (doc->containers);
  g_ptr_array_unref (doc->nodes);
  g_free (doc);
}

json_t *
emocap_json_doc_root (EmocapJsonDoc *doc)
{
  g_return_val_if_fail (doc != NULL, NULL);
  return doc->root;
}

const char *
emocap_json_doc_path (EmocapJsonDoc *doc)
{
  g_return_val_if_fail (doc != NULL, NULL);
  return doc->path;
}

int
emocap_json_doc_error_code (EmocapJsonDoc *doc)
{
  g_return_val_if_fail (doc != NULL, EMOCAP_ERROR_FAILED);
  return doc->error_code;
}

static EmocapJsonPos
fallback_pos (EmocapJsonDoc *doc)
{
  if (doc->root_node && doc->root_node->pos.line > 0)
    return doc->root_node->pos;
  return (EmocapJsonPos) { 1, 1 };
}

EmocapJsonPos
emocap_json_doc_pos (EmocapJsonDoc *doc, json_t *container)
{
  PosNode *n;

  g_return_val_if_fail (doc != NULL, ((EmocapJsonPos) { 1, 1 }));
  n = g_hash_table_lookup (doc->containers, container);
  return n ? n->pos : fallback_pos (doc);
}

EmocapJsonPos
emocap_json_doc_pos_member (EmocapJsonDoc *doc, json_t *object,
    const char *key, gboolean at_key)
{
  PosNode *n;

  g_return_val_if_fail (doc != NULL, ((EmocapJsonPos) { 1, 1 }));
  g_return_val_if_fail (key != NULL, ((EmocapJsonPos) { 1, 1 }));

  n = g_hash_table_lookup (doc->containers, object);
  if (n == NULL)
    return fallback_pos (doc);
  if (n->kind == '{') {
    for (guint i = 0; i < n->children->len; i++) {
      PosNode *child = n->children->pdata[i];
      if (child->key && strcmp (child->key, key) == 0)
        return at_key ? child->key_pos : child->pos;
    }
  }
  return n->pos;
}

EmocapJsonPos
emocap_json_doc_pos_element (EmocapJsonDoc *doc, json_t *array, size_t index)
{
  PosNode *n;

  g_return_val_if_fail (doc != NULL, ((EmocapJsonPos) { 1, 1 }));
  n = g_hash_table_lookup (doc->containers, array);
  if (n == NULL)
    return fallback_pos (doc);
  if (n->kind == '[' && index < n->children->len)
    return ((PosNode *) n->children->pdata[index])->pos;
  return n->pos;
}

static gboolean
check_located (EmocapJsonDoc *doc, json_t *value)
{
  PosNode *n;

  if (!json_is_object (value) && !json_is_array (value))
    return TRUE;
  n = g_hash_table_lookup (doc->containers, value);
  if (n == NULL)
    return FALSE;
  if (json_is_array (value)) {
    if (n->children->len != json_array_size (value))
      return FALSE;
    for (size_t i = 0; i < json_array_size (value); i++) {
      if (!check_located (doc, json_array_get (value, i)))
        return FALSE;
    }
    return TRUE;
  }
  if (n->children->len != json_object_size (value))
    return FALSE;
  for (guint i = 0; i < n->children->len; i++) {
    PosNode *child = n->children->pdata[i];
    json_t *member;

    if (child->key == NULL)
      return FALSE;
    member = json_object_get (value, child->key);
    if (member == NULL || !check_located (doc, member))
      return FALSE;
  }
  return TRUE;
}

gboolean
emocap_json_doc_fully_located (EmocapJsonDoc *doc)
{
  g_return_val_if_fail (doc != NULL, FALSE);
  return check_located (doc, doc->root);
}

gboolean
emocap_json_doc_fail (EmocapJsonDoc *doc, GError **error, EmocapJsonPos pos,
    const char *field, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  g_return_val_if_fail (doc != NULL, FALSE);
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  return fail_at (doc->path, doc->error_code, error, pos, field, message);
}

char *
emocap_json_doc_format (EmocapJsonDoc *doc, EmocapJsonPos pos,
    const char *field, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  g_return_val_if_fail (doc != NULL, NULL);
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (field && field[0])
    return g_strdup_printf ("%s:%d:%d: %s: %s", doc->path, pos.line,
        pos.column, field, message);
  return g_strdup_printf ("%s:%d:%d: %s", doc->path, pos.line, pos.column,
      message);
}

/* ---- reading objects -------------------------------------------------- */

void
emocap_json_object_init (EmocapJsonObject *o, EmocapJsonDoc *doc,
    json_t *object, const char *field)
{
  g_return_if_fail (o != NULL);
  o->doc = doc;
  o->object = object;
  o->field = g_strdup (field ? field : "");
}

void
emocap_json_object_clear (EmocapJsonObject *o)
{
  g_clear_pointer (&o->field, g_free);
  o->object = NULL;
}

char *
emocap_json_object_field (const EmocapJsonObject *o, const char *key)
{
  if (o->field[0])
    return g_strdup_printf ("%s.%s", o->field, key);
  return g_strdup (key);
}

static EmocapJsonPos
member_pos (const EmocapJsonObject *o, const char *key)
{
  return emocap_json_doc_pos_member (o->doc, o->object, key, FALSE);
}

gboolean
emocap_json_object_fail (const EmocapJsonObject *o, GError **error,
    const char *key, const char *format, ...)
{
  g_autofree char *message = NULL;
  g_autofree char *field = emocap_json_object_field (o, key);
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  return fail_at (o->doc->path, o->doc->error_code, error,
      member_pos (o, key), field, message);
}

gboolean
emocap_json_object_fail_type (const EmocapJsonObject *o, GError **error,
    const char *key, const char *expected)
{
  g_autofree char *got = emocap_json_describe (json_object_get (o->object, key));
  return emocap_json_object_fail (o, error, key, "expected %s, got %s",
      expected, got);
}

gboolean
emocap_json_object_check_fields (const EmocapJsonObject *o,
    const char *const *known, GError **error)
{
  const char *key;
  json_t *value;

  json_object_foreach (o->object, key, value) {
    const char *suggestion;
    g_autofree char *q = NULL;
    EmocapJsonPos pos;

    if (g_strv_contains (known, key))
      continue;
    q = emocap_json_quote (key);
    pos = emocap_json_doc_pos_member (o->doc, o->object, key, TRUE);
    suggestion = emocap_json_did_you_mean (key, known);
    if (suggestion)
      return emocap_json_doc_fail (o->doc, error, pos, o->field,
          "unknown field %s (did you mean '%s'?)", q, suggestion);
    else {
      g_autofree char *list = emocap_json_join (known, ", ");
      return emocap_json_doc_fail (o->doc, error, pos, o->field,
          "unknown field %s: expected one of: %s", q, list);
    }
  }
  return TRUE;
}

gboolean
emocap_json_object_get (const EmocapJsonObject *o, const char *key,
    gboolean required, const char *expected, json_t **out, GError **error)
{
  json_t *value = json_object_get (o->object, key);

  *out = value;
  if (value == NULL && required)
    return emocap_json_doc_fail (o->doc, error,
        emocap_json_doc_pos (o->doc, o->object), o->field,
        "missing field '%s': expected %s", key, expected);
  return TRUE;
}

gboolean
emocap_json_object_child (EmocapJsonObject *o, const char *key,
    gboolean required, const char *expected, EmocapJsonObject *child,
    GError **error)
{
  json_t *value = NULL;
  g_autofree char *field = NULL;

  child->doc = o->doc;
  child->object = NULL;
  child->field = NULL;
  if (!emocap_json_object_get (o, key, required, expected, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;
  if (!json_is_object (value))
    return emocap_json_object_fail_type (o, error, key, expected);
  field = emocap_json_object_field (o, key);
  emocap_json_object_init (child, o->doc, value, field);
  return TRUE;
}

gboolean
emocap_json_object_string (const EmocapJsonObject *o, const char *key,
    gboolean required, const char *expected, const char **out,
    GError **error)
{
  json_t *value = NULL;

  *out = NULL;
  if (!emocap_json_object_get (o, key, required, expected, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;
  if (!json_is_string (value))
    return emocap_json_object_fail_type (o, error, key, expected);
  *out = json_string_value (value);
  return TRUE;
}

gboolean
emocap_json_object_id (const EmocapJsonObject *o, const char *key,
    gboolean required, const char *expected, const char **out,
    GError **error)
{
  const char *s = NULL;
  g_autofree char *q = NULL;

  *out = NULL;
  if (!emocap_json_object_string (o, key, required, expected, &s, error))
    return FALSE;
  if (s == NULL || emocap_id_is_valid (s)) {
    *out = s;
    return TRUE;
  }
  q = emocap_json_quote (s);
  return emocap_json_object_fail (o, error, key, "%s is not a valid id: use "
      "1 to 64 characters from A-Z a-z 0-9 . _ - (not starting with '.' or "
      "'-')", q);
}

gboolean
emocap_json_object_text (const EmocapJsonObject *o, const char *key,
    gboolean required, int max_chars, gboolean allow_empty,
    const char *expected, const char **out, GError **error)
{
  const char *s = NULL;
  const char *why = NULL;
  gunichar bad = 0;

  *out = NULL;
  if (!emocap_json_object_string (o, key, required, expected, &s, error))
    return FALSE;
  if (s == NULL)
    return TRUE;
  if (!check_text (s, max_chars, allow_empty, &why, &bad)) {
    g_autofree char *q = emocap_json_quote (s);

    if (bad)
      return emocap_json_object_fail (o, error, key, "%s contains a control "
          "character (U+%04X): expected %s, as plain text on one line", q,
          bad, expected);
    if (s[0] == '\0')
      return emocap_json_object_fail (o, error, key, "is empty: expected %s",
          expected);
    if (strcmp (why, "is too long") == 0)
      return emocap_json_object_fail (o, error, key, "is %ld characters "
          "long: at most %d", g_utf8_strlen (s, -1), max_chars);
    return emocap_json_object_fail (o, error, key, "%s %s: expected %s", q,
        why, expected);
  }
  *out = s;
  return TRUE;
}

gboolean
emocap_json_object_int (const EmocapJsonObject *o, const char *key,
    gboolean required, gint64 min, gint64 max, const char *expected,
    gint64 *out, GError **error)
{
  json_t *value = NULL;
  json_int_t v;

  if (!emocap_json_object_get (o, key, required, expected, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;
  if (!json_is_integer (value))
    return emocap_json_object_fail_type (o, error, key, expected);
  v = json_integer_value (value);
  if (v < min || v > max)
    return emocap_json_object_fail_type (o, error, key, expected);
  *out = v;
  return TRUE;
}

gboolean
emocap_json_object_number (const EmocapJsonObject *o, const char *key,
    gboolean required, double min, double max, const char *expected,
    double *out, GError **error)
{
  json_t *value = NULL;
  double v;

  if (!emocap_json_object_get (o, key, required, expected, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;
  if (!json_is_number (value))
    return emocap_json_object_fail_type (o, error, key, expected);
  v = json_number_value (value);
  if (!isfinite (v) || v < min || v > max)
    return emocap_json_object_fail_type (o, error, key, expected);
  *out = v;
  return TRUE;
}

gboolean
emocap_json_object_enum (const EmocapJsonObject *o, const char *key,
    gboolean required, const char *what, const char *const *names, int *out,
    GError **error)
{
  g_autofree char *list = emocap_json_join (names, ", ");
  g_autofree char *expected = g_strdup_printf ("one of: %s", list);
  g_autofree char *q = NULL;
  const char *s = NULL;
  const char *suggestion;

  if (!emocap_json_object_string (o, key, required, expected, &s, error))
    return FALSE;
  if (s == NULL)
    return TRUE;
  for (int i = 0; names[i]; i++) {
    if (strcmp (names[i], s) == 0) {
      *out = i;
      return TRUE;
    }
  }
  q = emocap_json_quote (s);
  suggestion = emocap_json_did_you_mean (s, names);
  if (suggestion)
    return emocap_json_object_fail (o, error, key, "unknown %s %s (did you "
        "mean '%s'?)", what, q, suggestion);
  return emocap_json_object_fail (o, error, key, "unknown %s %s: expected %s",
      what, q, expected);
}
