/* emocap: the session journal, an append-only, hash-chained, signed log
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each line is the canonical JSON of one entry.  The signature covers the
 * entry without `sig`, and `prev` is the SHA-256 of the previous line, so
 * that editing, removing, inserting or reordering lines is detected, and
 * the line a reader is told about is the first one that is wrong.
 *
 * The lines are also the leaves of an RFC 9162 Merkle tree: every
 * `session.closed` is a checkpoint, carrying the size and root of the
 * tree of the lines before it, under the same signature.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/journal.h>
#include <emocap/merkle.h>

#include "storage.h"

/* How much of a string from the file goes into a message. */
#define QUOTE_MAX 64

struct _EmocapJournal {
  char *path;
  int fd;
  EmocapKey key;
  gint64 seq;
  char head[EMOCAP_SHA256_HEX_LEN + 1];
  char *last_at;
  off_t length;
  /* One EmocapMerkleHash per line. */
  GArray *leaves;
  /* Set when a failed append may have left the file in a state we do not
   * know: further appends are refused. */
  gboolean broken;
};

/* What verifying a journal leaves behind: where the next entry chains on. */
typedef struct {
  gint64 seq;
  char head[EMOCAP_SHA256_HEX_LEN + 1];
  char *last_at;
  /* The leaf hash of every line so far. */
  GArray *leaves;
} ChainEnd;

static const char *const entry_types[] = {
  EMOCAP_JOURNAL_SESSION_OPENED,
  EMOCAP_JOURNAL_CONSENT_GIVEN,
  EMOCAP_JOURNAL_CONSENT_REFUSED,
  EMOCAP_JOURNAL_TAKE_STARTED,
  EMOCAP_JOURNAL_TAKE_FINISHED,
  EMOCAP_JOURNAL_TAKE_FAILED,
  EMOCAP_JOURNAL_TAKE_INTERRUPTED,
  EMOCAP_JOURNAL_CONSENT_WITHDRAWN,
  EMOCAP_JOURNAL_EXPORT_CREATED,
  EMOCAP_JOURNAL_SESSION_CLOSED,
  EMOCAP_JOURNAL_SESSION_RESUMED,
};

static const char *const reserved_members[] = { "seq", "at", "type", "prev", "sig" };

static gboolean
is_entry_type (const char *type)
{
  for (gsize i = 0; i < G_N_ELEMENTS (entry_types); i++) {
    if (strcmp (type, entry_types[i]) == 0)
      return TRUE;
  }
  return FALSE;
}

char *
emocap_canonical_json (const json_t *json)
{
  g_return_val_if_fail (json != NULL, NULL);

  return json_dumps (json, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

char *
emocap_utc_now (void)
{
  struct timespec ts;
  struct tm tm;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
      tm.tm_sec, ts.tv_nsec / 1000);
}

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ", a real date and time.  This one spelling
 * only, so that comparing two of them as strings compares the times. */
static gboolean
is_utc_time (const char *s)
{
  static const char pattern[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  int year, month, day, hour, minute, second;

  if (strlen (s) != sizeof pattern - 1)
    return FALSE;
  for (gsize i = 0; i < sizeof pattern - 1; i++) {
    if (pattern[i] == 'd' ? !g_ascii_isdigit (s[i]) : s[i] != pattern[i])
      return FALSE;
  }
  year = atoi (s);
  month = atoi (s + 5);
  day = atoi (s + 8);
  hour = atoi (s + 11);
  minute = atoi (s + 14);
  second = atoi (s + 17);
  return g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year) &&
      hour < 24 && minute < 60 && second < 60;
}

static gboolean
is_lower_hex (const char *s, gsize len)
{
  if (strlen (s) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isdigit (s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
      return FALSE;
  }
  return TRUE;
}

/* @s (of @len bytes) made safe to print in a message: valid UTF-8, control
 * characters escaped, cut at QUOTE_MAX characters. */
static char *
quote_text (const char *s, gssize len)
{
  GString *out = g_string_new (NULL);
  const char *p = s;
  const char *end = s + (len < 0 ? (gssize) strlen (s) : len);
  guint n = 0;

  while (p < end) {
    gunichar c = g_utf8_get_char_validated (p, end - p);
    if (n++ == QUOTE_MAX) {
      g_string_append (out, "...");
      break;
    }
    if (c == (gunichar) -1 || c == (gunichar) -2) {
      g_string_append_printf (out, "\\x%02x", (guint8) *p);
      p++;
      continue;
    }
    if (c < 0x20 || c == 0x7f)
      g_string_append_printf (out, "\\x%02x", c);
    else
      g_string_append_unichar (out, c);
    p = g_utf8_next_char (p);
  }
  return g_string_free (out, FALSE);
}

static void G_GNUC_PRINTF (4, 5)
set_line_error (GError **error, const char *name, guint line, const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY, "%s:%u: %s", name, line, msg);
}

/* Real numbers do not survive a round trip through text exactly, so a
 * signed entry holding one might not verify after it is read back. */
static gboolean
has_real (const json_t *json)
{
  const char *key;
  json_t *value;
  size_t i;

  switch (json_typeof (json)) {
    case JSON_REAL:
      return TRUE;
    case JSON_OBJECT:
      json_object_foreach ((json_t *) json, key, value) {
        if (has_real (value))
          return TRUE;
      }
      return FALSE;
    case JSON_ARRAY:
      json_array_foreach (json, i, value) {
        if (has_real (value))
          return TRUE;
      }
      return FALSE;
    default:
      return FALSE;
  }
}

/* A string or key with a NUL in it would be written as \u0000, which the
 * verifier refuses (readers would see the string cut short). */
static gboolean
has_nul (const json_t *json)
{
  const char *key;
  G_GNUC_UNUSED size_t key_len;
  json_t *value;
  size_t i;

  switch (json_typeof (json)) {
    case JSON_STRING:
      return memchr (json_string_value (json), '\0', json_string_length (json)) != NULL;
    case JSON_OBJECT:
#ifdef json_object_keylen_foreach
      /* jansson 2.14 allows keys with a NUL (json_object_setn()). */
      json_object_keylen_foreach ((json_t *) json, key, key_len, value) {
        if (memchr (key, '\0', key_len) != NULL || has_nul (value))
          return TRUE;
      }
#else
      json_object_foreach ((json_t *) json, key, value) {
        if (has_nul (value))
          return TRUE;
      }
#endif
      return FALSE;
    case JSON_ARRAY:
      json_array_foreach (json, i, value) {
        if (has_nul (value))
          return TRUE;
      }
      return FALSE;
    default:
      return FALSE;
  }
}

/* Whether a later line (from @p on) holds the entry @seq: tells lines out
 * of order apart from a line that is missing. */
static gboolean
later_line_has_seq (const char *p, const char *end, gint64 seq)
{
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    json_error_t jerr;
    json_t *entry;
    gboolean found;

    if (nl == NULL)
      return FALSE;
    entry = json_loadb (p, nl - p, JSON_REJECT_DUPLICATES, &jerr);
    found = entry && json_is_integer (json_object_get (entry, "seq")) &&
        json_integer_value (json_object_get (entry, "seq")) == seq;
    json_decref (entry);
    if (found)
      return TRUE;
    p = nl + 1;
  }
  return FALSE;
}

/* The RFC 9162 root of the tree over @leaves, as lower-case hex. */
static char *
root_hex (const GArray *leaves)
{
  EmocapMerkleHash root;

  emocap_merkle_root ((const EmocapMerkleHash *) leaves->data, leaves->len, &root);
  return emocap_hex_encode (root.bytes, sizeof root.bytes);
}

/* A `session.closed` entry on line @lineno: its `tree_size` must be the
 * number of lines before it and its `root` their tree's root. */
static gboolean
verify_checkpoint (const char *name, guint lineno, json_t *entry, const GArray *leaves,
    GError **error)
{
  json_t *size = json_object_get (entry, "tree_size");
  const char *root = json_string_value (json_object_get (entry, "root"));
  g_autofree char *expected = NULL;

  if (!json_is_integer (size) || root == NULL) {
    set_line_error (error, name, lineno,
        "session.closed without its checkpoint ('tree_size' and 'root' of the lines "
        "before it)");
    return FALSE;
  }
  if (json_integer_value (size) != (json_int_t) leaves->len) {
    set_line_error (error, name, lineno,
        "checkpoint 'tree_size' is %" JSON_INTEGER_FORMAT ", but %u lines come before it",
        json_integer_value (size), leaves->len);
    return FALSE;
  }
  expected = root_hex (leaves);
  if (strcmp (root, expected) != 0) {
    g_autofree char *text = quote_text (root, json_string_length (json_object_get (entry, "root")));
    set_line_error (error, name, lineno,
        "checkpoint 'root' is %s, but the Merkle root of lines 1 to %u is %s", text,
        leaves->len, expected);
    return FALSE;
  }
  return TRUE;
}

/* Checks the entry on line @lineno (@line, @len bytes without its
 * newline) and, if it is right, chains it onto @chain.  The checks on the
 * entry itself come before the signature, and those on its place in the
 * chain after: a line with a good signature but the wrong seq or prev was
 * moved, not edited. */
static json_t *
verify_line (const char *name, guint lineno, const char *line, gsize len,
    const char *rest, const char *end, const EmocapKey *key, ChainEnd *chain,
    GError **error)
{
  json_error_t jerr;
  json_t *entry = NULL;
  json_t *unsigned_entry = NULL;
  char *canonical = NULL;
  char *signed_bytes = NULL;
  gboolean key_named = FALSE;
  gboolean ok = FALSE;
  json_t *value;
  const char *type, *at, *prev, *sig;
  gint64 seq;

  if (len == 0) {
    set_line_error (error, name, lineno, "empty line");
    goto out;
  }
  entry = json_loadb (line, len, JSON_REJECT_DUPLICATES, &jerr);
  if (entry == NULL) {
    g_autofree char *text = quote_text (jerr.text, -1);
    set_line_error (error, name, lineno, "not valid JSON: %s (column %d)", text,
        jerr.column);
    goto out;
  }
  if (!json_is_object (entry)) {
    set_line_error (error, name, lineno, "not a JSON object");
    goto out;
  }
  canonical = emocap_canonical_json (entry);
  if (canonical == NULL || strlen (canonical) != len || memcmp (canonical, line, len) != 0) {
    set_line_error (error, name, lineno,
        "not in canonical form (compact JSON with sorted keys, as the recorder writes it)");
    goto out;
  }

  if (has_real (entry)) {
    set_line_error (error, name, lineno,
        "holds a real number, which the recorder never writes");
    goto out;
  }

  value = json_object_get (entry, "seq");
  if (!json_is_integer (value) || json_integer_value (value) < 1) {
    set_line_error (error, name, lineno, "'seq' is missing or not a positive integer");
    goto out;
  }
  seq = json_integer_value (value);

  type = json_string_value (json_object_get (entry, "type"));
  if (type == NULL) {
    set_line_error (error, name, lineno, "'type' is missing or not a string");
    goto out;
  }
  if (!is_entry_type (type)) {
    g_autofree char *text = quote_text (type, json_string_length (json_object_get (entry, "type")));
    set_line_error (error, name, lineno, "unknown entry type '%s'", text);
    goto out;
  }

  at = json_string_value (json_object_get (entry, "at"));
  if (at == NULL) {
    set_line_error (error, name, lineno, "'at' is missing or not a string");
    goto out;
  }
  if (!is_utc_time (at)) {
    g_autofree char *text = quote_text (at, json_string_length (json_object_get (entry, "at")));
    set_line_error (error, name, lineno,
        "'at' is '%s', not a UTC time such as 2026-11-22T09:00:00.123456Z", text);
    goto out;
  }

  prev = json_string_value (json_object_get (entry, "prev"));
  if (prev == NULL || !is_lower_hex (prev, EMOCAP_SHA256_HEX_LEN)) {
    set_line_error (error, name, lineno,
        "'prev' is missing or not %d lower-case hex digits", EMOCAP_SHA256_HEX_LEN);
    goto out;
  }

  sig = json_string_value (json_object_get (entry, "sig"));
  if (sig == NULL || !is_lower_hex (sig, 2 * EMOCAP_SIGNATURE_LEN)) {
    set_line_error (error, name, lineno,
        "'sig' is missing or not %d lower-case hex digits", 2 * EMOCAP_SIGNATURE_LEN);
    goto out;
  }

  /* Checked before the signature, so that a journal verified with the
   * wrong key says so rather than "edited". */
  if (strcmp (type, EMOCAP_JOURNAL_SESSION_OPENED) == 0 &&
      json_object_get (entry, "studio_key") != NULL) {
    g_autofree char *expected = emocap_key_public_hex (key);
    const char *named = json_string_value (json_object_get (entry, "studio_key"));
    if (named == NULL) {
      set_line_error (error, name, lineno, "'studio_key' is not a string");
      goto out;
    }
    if (strcmp (named, expected) != 0) {
      g_autofree char *prefix = g_strndup (named, 16);
      g_autofree char *text = quote_text (prefix, -1);
      set_line_error (error, name, lineno,
          "signed for a different studio key (the session names %s..., "
          "verifying with %.16s...)", text, expected);
      goto out;
    }
    key_named = TRUE;
  }

  unsigned_entry = json_copy (entry);
  json_object_del (unsigned_entry, "sig");
  signed_bytes = emocap_canonical_json (unsigned_entry);
  if (signed_bytes == NULL ||
      !emocap_key_verify_hex (key, signed_bytes, strlen (signed_bytes), sig)) {
    set_line_error (error, name, lineno, "signature does not match the entry (%s)",
        chain->seq == 0 && !key_named ?
        "edited after signing, or not signed with this studio key?" :
        "edited after signing?");
    goto out;
  }

  if (seq != chain->seq + 1) {
    const char *why;
    if (seq <= chain->seq)
      why = "a line is repeated or out of order";
    else if (later_line_has_seq (rest, end, chain->seq + 1))
      why = "lines are out of order";
    else
      why = "a line is missing before it";
    set_line_error (error, name, lineno, "seq is %" G_GINT64_FORMAT ", expected %"
        G_GINT64_FORMAT " (%s)", seq, chain->seq + 1, why);
    goto out;
  }
  if (strcmp (prev, chain->head) != 0) {
    if (lineno == 1)
      set_line_error (error, name, lineno,
          "prev is not the genesis value (64 zeros) that the first entry must have");
    else
      set_line_error (error, name, lineno,
          "prev is not the SHA-256 of line %u (a line was removed, inserted or reordered)",
          lineno - 1);
    goto out;
  }
  if (chain->last_at != NULL && strcmp (at, chain->last_at) < 0) {
    set_line_error (error, name, lineno, "'at' goes backwards (%s, after %s on line %u)",
        at, chain->last_at, lineno - 1);
    goto out;
  }

  if (strcmp (type, EMOCAP_JOURNAL_SESSION_CLOSED) == 0 &&
      !verify_checkpoint (name, lineno, entry, chain->leaves, error))
    goto out;

  {
    g_autofree char *head = emocap_sha256_hex (line, len);
    EmocapMerkleHash leaf;

    memcpy (chain->head, head, sizeof chain->head);
    emocap_merkle_leaf_hash (line, len, &leaf);
    g_array_append_val (chain->leaves, leaf);
  }
  chain->seq = seq;
  g_free (chain->last_at);
  chain->last_at = g_strdup (at);
  ok = TRUE;

out:
  free (canonical);
  free (signed_bytes);
  json_decref (unsigned_entry);
  if (!ok) {
    json_decref (entry);
    return NULL;
  }
  return entry;
}

static gboolean
verify_chain (const char *name, const char *data, gsize len, const EmocapKey *key,
    ChainEnd *chain, json_t **entries, guint *bad_line, GError **error)
{
  json_t *all = entries ? json_array () : NULL;
  guint lineno = 0;
  const char *p, *end;

  /* An empty GByteArray has no data at all: NULL + 0 is undefined. */
  if (data == NULL)
    data = "";
  p = data;
  end = data + len;

  chain->seq = 0;
  chain->leaves = g_array_new (FALSE, FALSE, sizeof (EmocapMerkleHash));
  memcpy (chain->head, EMOCAP_JOURNAL_GENESIS, sizeof chain->head);
  chain->last_at = NULL;

  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    json_t *entry;

    lineno++;
    if (nl == NULL) {
      set_line_error (error, name, lineno,
          "incomplete last line (no newline): the recorder stopped while writing it");
      goto fail;
    }
    entry = verify_line (name, lineno, p, nl - p, nl + 1, end, key, chain, error);
    if (entry == NULL)
      goto fail;
    if (all)
      json_array_append_new (all, entry);
    else
      json_decref (entry);
    p = nl + 1;
  }

  if (entries)
    *entries = all;
  return TRUE;

fail:
  if (bad_line)
    *bad_line = lineno;
  json_decref (all);
  g_clear_pointer (&chain->last_at, g_free);
  g_clear_pointer (&chain->leaves, g_array_unref);
  return FALSE;
}

gboolean
emocap_journal_verify_data (const char *name, const void *data, gsize len,
    const EmocapKey *key, json_t **entries, char **head, guint *bad_line,
    GError **error)
{
  ChainEnd chain;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!verify_chain (name, data, len, key, &chain, entries, bad_line, error))
    return FALSE;
  g_free (chain.last_at);
  g_array_unref (chain.leaves);
  if (head)
    *head = g_strdup (chain.head);
  return TRUE;
}

gboolean
emocap_journal_verify (const char *path, const EmocapKey *key, json_t **entries,
    guint *bad_line, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr (GError) local_error = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_file_get_contents (path, &data, &len, &local_error)) {
    if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
          "journal '%s' does not exist", path);
    else
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot read journal '%s': %s",
          path, local_error->message);
    return FALSE;
  }
  return emocap_journal_verify_data (path, data, len, key, entries, NULL, bad_line, error);
}

static gboolean
read_fd (int fd, GByteArray *out)
{
  guint8 buf[1 << 16];
  off_t offset = 0;

  for (;;) {
    ssize_t n = pread (fd, buf, sizeof buf, offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return FALSE;
    if (n == 0)
      return TRUE;
    g_byte_array_append (out, buf, (guint) n);
    offset += n;
  }
}

EmocapJournal *
emocap_journal_open (const char *path, const EmocapKey *key, GError **error)
{
  EmocapJournal *journal = NULL;
  g_autoptr (GByteArray) content = NULL;
  gboolean created = FALSE;
  ChainEnd chain = { 0, };
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (key->has_secret, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = open (path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0)
    created = TRUE;
  else if (errno == EEXIST)
    fd = open (path, O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot open journal '%s': %s",
        path, g_strerror (e));
    return NULL;
  }

  if (flock (fd, LOCK_EX | LOCK_NB) < 0) {
    int e = errno;
    if (e == EWOULDBLOCK)
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
          "journal '%s' is in use by another emocap process", path);
    else
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot lock journal '%s': %s",
          path, g_strerror (e));
    goto fail;
  }
  if (created && !emocap_fsync_parent (path, error))
    goto fail;

  /* Read through the locked descriptor: what is verified is what the next
   * entry chains onto. */
  content = g_byte_array_new ();
  if (!read_fd (fd, content)) {
    int e = errno;
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot read journal '%s': %s",
        path, g_strerror (e));
    goto fail;
  }
  if (!verify_chain (path, (const char *) content->data, content->len, key, &chain,
          NULL, NULL, error))
    goto fail;

  journal = g_new0 (EmocapJournal, 1);
  journal->path = g_strdup (path);
  journal->fd = fd;
  journal->key = *key;
  journal->seq = chain.seq;
  memcpy (journal->head, chain.head, sizeof journal->head);
  journal->last_at = chain.last_at;
  journal->leaves = chain.leaves;
  journal->length = (off_t) content->len;
  return journal;

fail:
  close (fd);
  return NULL;
}

gboolean
emocap_journal_cut_torn_tail (const char *path, gsize *cut, GError **error)
{
  g_autoptr (GByteArray) content = g_byte_array_new ();
  g_autofree char *torn_path = NULL;
  gboolean ok = FALSE;
  const guint8 *nl;
  gsize keep;
  int fd, tfd = -1, e;

  g_return_val_if_fail (path != NULL, FALSE);

  if (cut)
    *cut = 0;
  fd = open (path, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    e = errno;
    g_set_error (error, EMOCAP_ERROR, e == ENOENT ? EMOCAP_ERROR_NOT_FOUND : EMOCAP_ERROR_IO,
        "cannot open journal '%s': %s", path, g_strerror (e));
    return FALSE;
  }
  if (flock (fd, LOCK_EX | LOCK_NB) < 0) {
    e = errno;
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, e == EWOULDBLOCK ?
        "journal '%s' is in use by another emocap process" : "cannot lock journal '%s': %s",
        path, g_strerror (e));
    goto out;
  }
  if (!read_fd (fd, content)) {
    e = errno;
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO, "cannot read journal '%s': %s",
        path, g_strerror (e));
    goto out;
  }
  if (content->len == 0 || content->data[content->len - 1] == '\n') {
    ok = TRUE;
    goto out;
  }

  nl = memrchr (content->data, '\n', content->len);
  keep = nl ? (gsize) (nl - content->data) + 1 : 0;
  torn_path = g_strconcat (path, ".torn", NULL);
  tfd = open (torn_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (tfd < 0 || !emocap_write_all (tfd, content->data + keep, content->len - keep) ||
      fsync (tfd) < 0) {
    e = errno;
    g_set_error (error, EMOCAP_ERROR, emocap_error_code_for_errno (e),
        "cannot keep the torn end of journal '%s' in '%s': %s", path, torn_path,
        g_strerror (e));
    goto out;
  }
  if (ftruncate (fd, (off_t) keep) < 0 || fsync (fd) < 0) {
    e = errno;
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "cannot cut the torn end off journal '%s': %s", path, g_strerror (e));
    goto out;
  }
  if (cut)
    *cut = content->len - keep;
  ok = TRUE;

out:
  if (tfd >= 0)
    close (tfd);
  close (fd);
  return ok;
}

static gboolean
has_reserved_member (const json_t *fields)
{
  for (gsize i = 0; i < G_N_ELEMENTS (reserved_members); i++) {
    if (json_object_get (fields, reserved_members[i]) != NULL)
      return TRUE;
  }
  return FALSE;
}

/* Writes all of @len bytes at the end of the journal; on failure, cuts the
 * file back to where it was so that no torn line stays. */
static gboolean
write_line (EmocapJournal *journal, const char *line, gsize len, GError **error)
{
  gsize done = 0;
  int e;

  while (done < len) {
    ssize_t n = write (journal->fd, line + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      goto fail;
    done += (gsize) n;
  }
  if (fsync (journal->fd) < 0)
    goto fail;
  return TRUE;

fail:
  e = errno;
  /* After a failed fsync the page cache may not match the disk any more:
   * cut the line and stop writing to this journal either way. */
  if (ftruncate (journal->fd, journal->length) < 0 || done == len)
    journal->broken = TRUE;
  g_set_error (error, EMOCAP_ERROR, emocap_error_code_for_errno (e),
      "cannot write journal '%s': %s", journal->path, g_strerror (e));
  return FALSE;
}

json_t *
emocap_journal_append (EmocapJournal *journal, const char *type, json_t *fields,
    GError **error)
{
  g_autofree char *at = NULL;
  g_autofree char *sig = NULL;
  g_autofree char *head = NULL;
  json_t *entry = NULL;
  char *unsigned_bytes = NULL;
  char *canonical = NULL;
  char *line = NULL;
  gsize len;

  g_return_val_if_fail (journal != NULL, NULL);
  g_return_val_if_fail (type != NULL && is_entry_type (type), NULL);
  g_return_val_if_fail (fields == NULL || json_is_object (fields), NULL);
  g_return_val_if_fail (fields == NULL || !has_reserved_member (fields), NULL);
  g_return_val_if_fail (fields == NULL || !has_real (fields), NULL);
  g_return_val_if_fail (fields == NULL || !has_nul (fields), NULL);
  g_return_val_if_fail (fields == NULL || strcmp (type, EMOCAP_JOURNAL_SESSION_CLOSED) != 0 ||
      (json_object_get (fields, "tree_size") == NULL &&
          json_object_get (fields, "root") == NULL), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (journal->broken) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO,
        "journal '%s' could not be written earlier; open it again to go on", journal->path);
    return NULL;
  }

  /* The verifier refuses time going backwards: if the clock was set back,
   * the entry keeps the previous entry's time. */
  at = emocap_utc_now ();
  if (journal->last_at != NULL && strcmp (at, journal->last_at) < 0) {
    g_free (at);
    at = g_strdup (journal->last_at);
  }

  entry = fields ? json_deep_copy (fields) : json_object ();
  if (entry == NULL)
    goto oom;
  if (strcmp (type, EMOCAP_JOURNAL_SESSION_CLOSED) == 0) {
    g_autofree char *root = root_hex (journal->leaves);

    if (json_object_set_new (entry, "tree_size", json_integer (journal->leaves->len)) < 0 ||
        json_object_set_new (entry, "root", json_string (root)) < 0)
      goto oom;
  }
  if (json_object_set_new (entry, "seq", json_integer (journal->seq + 1)) < 0 ||
      json_object_set_new (entry, "at", json_string (at)) < 0 ||
      json_object_set_new (entry, "type", json_string (type)) < 0 ||
      json_object_set_new (entry, "prev", json_string (journal->head)) < 0)
    goto oom;

  unsigned_bytes = emocap_canonical_json (entry);
  if (unsigned_bytes == NULL)
    goto oom;
  sig = emocap_key_sign_hex (&journal->key, unsigned_bytes, strlen (unsigned_bytes));
  if (sig == NULL || json_object_set_new (entry, "sig", json_string (sig)) < 0)
    goto oom;

  canonical = emocap_canonical_json (entry);
  if (canonical == NULL)
    goto oom;
  len = strlen (canonical);
  line = g_malloc (len + 1);
  memcpy (line, canonical, len);
  line[len] = '\n';

  if (!write_line (journal, line, len + 1, error))
    goto fail;

  head = emocap_sha256_hex (canonical, len);
  memcpy (journal->head, head, sizeof journal->head);
  {
    EmocapMerkleHash leaf;

    emocap_merkle_leaf_hash (canonical, len, &leaf);
    g_array_append_val (journal->leaves, leaf);
  }
  journal->seq++;
  journal->length += (off_t) (len + 1);
  g_free (journal->last_at);
  journal->last_at = g_steal_pointer (&at);

  free (unsigned_bytes);
  free (canonical);
  g_free (line);
  return entry;

oom:
  g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_FAILED,
      "cannot build a journal entry for '%s': out of memory", journal->path);
fail:
  free (unsigned_bytes);
  free (canonical);
  g_free (line);
  json_decref (entry);
  return NULL;
}

gint64
emocap_journal_get_seq (EmocapJournal *journal)
{
  g_return_val_if_fail (journal != NULL, 0);

  return journal->seq;
}

const char *
emocap_journal_get_head (EmocapJournal *journal)
{
  g_return_val_if_fail (journal != NULL, NULL);

  return journal->head;
}

const char *
emocap_journal_get_path (EmocapJournal *journal)
{
  g_return_val_if_fail (journal != NULL, NULL);

  return journal->path;
}

void
emocap_journal_close (EmocapJournal *journal)
{
  if (journal == NULL)
    return;
  /* Closing the descriptor releases the lock. */
  close (journal->fd);
  sodium_memzero (&journal->key, sizeof journal->key);
  g_free (journal->last_at);
  g_array_unref (journal->leaves);
  g_free (journal->path);
  g_free (journal);
}

json_t *
emocap_journal_inclusion_proof (const char *data, gsize len, gint64 seq, gint64 tree_size,
    GError **error)
{
  g_autoptr (GArray) leaves = g_array_new (FALSE, FALSE, sizeof (EmocapMerkleHash));
  g_autoptr (GArray) path = NULL;
  g_autofree char *root = NULL;
  const char *p = data, *end = data + len;
  json_t *hashes, *proof;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (tree_size < 1 || seq < 1 || seq > tree_size) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND,
        "no inclusion proof of entry %" G_GINT64_FORMAT " in a tree of %" G_GINT64_FORMAT
        " entries", seq, tree_size);
    return NULL;
  }
  while (p < end && (gint64) leaves->len < tree_size) {
    const char *nl = memchr (p, '\n', end - p);
    EmocapMerkleHash leaf;

    if (nl == NULL)
      break;
    emocap_merkle_leaf_hash (p, nl - p, &leaf);
    g_array_append_val (leaves, leaf);
    p = nl + 1;
  }
  if ((gint64) leaves->len < tree_size) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "the journal has %u complete lines, not the %" G_GINT64_FORMAT
        " of the checkpoint", leaves->len, tree_size);
    return NULL;
  }

  path = emocap_merkle_inclusion_proof ((EmocapMerkleHash *) leaves->data, leaves->len,
      (guint64) seq - 1);
  root = root_hex (leaves);
  hashes = json_array ();
  for (guint i = 0; i < path->len; i++) {
    EmocapMerkleHash *h = &g_array_index (path, EmocapMerkleHash, i);
    char *hex = emocap_hex_encode (h->bytes, sizeof h->bytes);

    json_array_append_new (hashes, json_string (hex));
    g_free (hex);
  }
  proof = json_pack ("{s:I, s:I, s:I, s:s, s:o}", "seq", (json_int_t) seq,
      "leaf_index", (json_int_t) seq - 1, "tree_size", (json_int_t) tree_size,
      "root", root, "hashes", hashes);
  return proof;
}

gboolean
emocap_journal_check_inclusion (const char *line, gsize len, const json_t *proof,
    gint64 tree_size, const char *root, GError **error)
{
  json_t *index = json_object_get (proof, "leaf_index");
  json_t *hashes = json_object_get (proof, "hashes");
  json_t *size = json_object_get (proof, "tree_size");
  const char *proof_root = json_string_value (json_object_get (proof, "root"));
  g_autofree EmocapMerkleHash *path = NULL;
  EmocapMerkleHash leaf, want;
  gsize n;

  g_return_val_if_fail (line != NULL || len == 0, FALSE);
  g_return_val_if_fail (root != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!json_is_object (proof) || !json_is_integer (index) || json_integer_value (index) < 0 ||
      !json_is_array (hashes) || json_array_size (hashes) > 64) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "the inclusion proof is not an object with 'leaf_index' and at most 64 'hashes'");
    return FALSE;
  }
  if ((size != NULL && (!json_is_integer (size) || json_integer_value (size) != tree_size)) ||
      (proof_root != NULL && strcmp (proof_root, root) != 0)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "the inclusion proof is for another tree than the checkpoint's (%" G_GINT64_FORMAT
        " entries, root %.16s...)", tree_size, root);
    return FALSE;
  }
  if (!emocap_hex_decode (root, want.bytes, sizeof want.bytes)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "the checkpoint's root is not %d hex digits", EMOCAP_SHA256_HEX_LEN);
    return FALSE;
  }
  n = json_array_size (hashes);
  path = g_new (EmocapMerkleHash, MAX (n, 1));
  for (gsize i = 0; i < n; i++) {
    const char *hex = json_string_value (json_array_get (hashes, i));
    if (hex == NULL || !emocap_hex_decode (hex, path[i].bytes, sizeof path[i].bytes)) {
      g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
          "hash %" G_GSIZE_FORMAT " of the inclusion proof is not %d hex digits", i + 1,
          EMOCAP_SHA256_HEX_LEN);
      return FALSE;
    }
  }
  emocap_merkle_leaf_hash (line, len, &leaf);
  if (tree_size < 1 ||
      !emocap_merkle_verify_inclusion (&leaf, (guint64) json_integer_value (index),
          (guint64) tree_size, path, n, &want)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "the entry is not entry %" JSON_INTEGER_FORMAT " of the checkpointed journal "
        "(%" G_GINT64_FORMAT " entries, root %.16s...): the proof does not lead to the "
        "root", json_integer_value (index) + 1, tree_size, root);
    return FALSE;
  }
  return TRUE;
}

gboolean
emocap_journal_verify_line (const char *line, gsize len, const EmocapKey *key,
    json_t **entry_out, GError **error)
{
  g_autoptr (json_t) entry = NULL;
  g_autoptr (json_t) unsigned_entry = NULL;
  g_autofree char *canonical = NULL, *signed_bytes = NULL;
  const char *sig, *type;
  json_error_t jerr;

  g_return_val_if_fail (line != NULL || len == 0, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  entry = json_loadb (line ? line : "", len, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object (entry)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY, "not a journal entry (%s)",
        entry ? "not an object" : jerr.text);
    return FALSE;
  }
  {
    char *c = emocap_canonical_json (entry);
    canonical = g_strdup (c);
    free (c);
  }
  if (canonical == NULL || strlen (canonical) != len || memcmp (canonical, line, len) != 0) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "not the journal's bytes (not in canonical form): edited");
    return FALSE;
  }
  type = json_string_value (json_object_get (entry, "type"));
  if (type == NULL || !is_entry_type (type)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY, "no known entry type");
    return FALSE;
  }
  sig = json_string_value (json_object_get (entry, "sig"));
  unsigned_entry = json_copy (entry);
  json_object_del (unsigned_entry, "sig");
  {
    char *c = emocap_canonical_json (unsigned_entry);
    signed_bytes = g_strdup (c);
    free (c);
  }
  if (sig == NULL || signed_bytes == NULL ||
      !emocap_key_verify_hex (key, signed_bytes, strlen (signed_bytes), sig)) {
    g_set_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY,
        "its signature is not the studio key's: edited after signing, or forged");
    return FALSE;
  }
  if (entry_out)
    *entry_out = g_steal_pointer (&entry);
  return TRUE;
}
