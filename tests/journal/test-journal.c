/* emocap tests: the session journal
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dlfcn.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include <emocap/digest.h>
#include <emocap/error.h>
#include <emocap/journal.h>
#include <emocap/merkle.h>

#include "test-util.h"

#define SEED "emocap test studio key, seed 001"
#define OTHER_SEED "a different studio's key, seed 2"

typedef struct {
  char *tmp;
  char *path;
  EmocapKey *key;
  EmocapKey *other;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->tmp = test_tmpdir_new ();
  f->path = g_build_filename (f->tmp, "journal.jsonl", NULL);
  f->key = test_key_from_seed (SEED);
  f->other = test_key_from_seed (OTHER_SEED);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  test_tmpdir_free (f->tmp);
  g_free (f->path);
  emocap_key_free (f->key);
  emocap_key_free (f->other);
}

static char *
read_file (const char *path, gsize *len)
{
  g_autoptr (GError) error = NULL;
  char *data = NULL;

  g_file_get_contents (path, &data, len, &error);
  g_assert_no_error (error);
  return data;
}

/* The sample session journal at f->path; its bytes. */
static char *
make_journal (Fixture *f, gsize *len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) journal = emocap_journal_open (f->path, f->key, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (test_journal_fill (journal, f->key), ==, 6);
  g_clear_pointer (&journal, emocap_journal_close);
  return read_file (f->path, len);
}

/* Asserts that verifying @path fails on line @line with a message that
 * is "PATH:LINE: " followed by text starting with @what (if not NULL). */
static void
assert_fails_at (const char *path, const EmocapKey *key, guint line, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s:%u: ", path, line);
  json_t *entries = NULL;
  guint bad_line = 0;

  g_assert_false (emocap_journal_verify (path, key, &entries, &bad_line, &error));
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
  g_test_message ("%s", error->message);
  g_assert_null (entries);
  g_assert_cmpuint (bad_line, ==, line);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  if (what != NULL)
    g_assert_cmpstr (error->message + strlen (prefix), ==, what);
}

static void
assert_lines_fail_at (Fixture *f, GPtrArray *lines, guint line, const char *what)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  data = test_join_lines (lines, &len);
  test_write_file (f->path, data, len);
  assert_fails_at (f->path, f->key, line, what);
}

static gboolean
is_utc_time (const char *s)
{
  return g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
      "\\.[0-9]{6}Z$", s, 0, 0);
}

/* write() and fsync() as the library calls them, counted for the file
 * being watched (this program exports them, so they stand in for libc's). */
static struct {
  dev_t dev;
  ino_t ino;
  gboolean watching;
  guint writes;
  guint fsyncs;
  guint dir_fsyncs;
  off_t size_at_last_fsync;
} io;

static gboolean
is_watched (int fd, struct stat *st)
{
  return io.watching && fstat (fd, st) == 0 && st->st_dev == io.dev && st->st_ino == io.ino;
}

ssize_t
write (int fd, const void *buf, size_t count)
{
  static ssize_t (*real_write) (int, const void *, size_t);
  struct stat st;

  if (real_write == NULL) {
    /* dlsym() returns an object pointer; POSIX allows this conversion. */
    union { void *object; ssize_t (*function) (int, const void *, size_t); } sym;
    sym.object = dlsym (RTLD_NEXT, "write");
    real_write = sym.function;
  }
  if (is_watched (fd, &st))
    io.writes++;
  return real_write (fd, buf, count);
}

int
fsync (int fd)
{
  static int (*real_fsync) (int);
  struct stat st;
  int ret;

  if (real_fsync == NULL) {
    union { void *object; int (*function) (int); } sym;
    sym.object = dlsym (RTLD_NEXT, "fsync");
    real_fsync = sym.function;
  }
  ret = real_fsync (fd);
  if (is_watched (fd, &st)) {
    io.fsyncs++;
    io.size_at_last_fsync = st.st_size;
  } else if (io.watching && fstat (fd, &st) == 0 && S_ISDIR (st.st_mode)) {
    io.dir_fsyncs++;
  }
  return ret;
}

static void
watch (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  memset (&io, 0, sizeof io);
  io.dev = st.st_dev;
  io.ino = st.st_ino;
  io.watching = TRUE;
}

/* Each entry is one write() of the whole line, fsync'd before append
 * returns; a new journal's folder is synced too. */
static void
test_write_and_sync (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) journal = NULL;
  struct stat st;

  /* Only directories are counted before the file exists. */
  io.watching = TRUE;
  io.ino = 0;
  io.dir_fsyncs = 0;
  journal = emocap_journal_open (f->path, f->key, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (io.dir_fsyncs, >=, 1);

  for (int i = 0; i < 3; i++) {
    json_t *fields = json_pack ("{s:s, s:i}", "take", "001-joy", "n", i);
    json_t *entry;

    watch (f->path);
    entry = emocap_journal_append (journal, EMOCAP_JOURNAL_TAKE_STARTED, fields, &error);
    io.watching = FALSE;
    g_assert_no_error (error);
    g_assert_cmpuint (io.writes, ==, 1);
    g_assert_cmpuint (io.fsyncs, >=, 1);
    g_assert_cmpint (g_stat (f->path, &st), ==, 0);
    g_assert_cmpint (io.size_at_last_fsync, ==, st.st_size);
    json_decref (entry);
    json_decref (fields);
  }
}

/* The clock set back: the entry keeps the previous entry's time. */
static void
test_clock_set_back (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) journal = NULL;
  g_autofree char *line = NULL;
  g_autofree char *content = NULL;
  const char *future = "2099-12-31T23:59:59.999999Z";
  json_t *entries = NULL;
  json_t *entry;

  line = test_signed_line (f->key, NULL, 1, future, EMOCAP_JOURNAL_SESSION_OPENED,
      EMOCAP_JOURNAL_GENESIS);
  content = g_strconcat (line, "\n", NULL);
  test_write_file (f->path, content, strlen (content));

  journal = emocap_journal_open (f->path, f->key, &error);
  g_assert_no_error (error);
  entry = emocap_journal_append (journal, EMOCAP_JOURNAL_SESSION_CLOSED, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_string_value (json_object_get (entry, "at")), ==, future);
  /* The checkpoint covers the line that was there before the journal was
   * opened: the root of a one-leaf tree is that leaf's hash. */
  {
    EmocapMerkleHash leaf;
    g_autofree char *hex = NULL;

    emocap_merkle_leaf_hash (line, strlen (line), &leaf);
    hex = emocap_hex_encode (leaf.bytes, sizeof leaf.bytes);
    g_assert_cmpint (json_integer_value (json_object_get (entry, "tree_size")), ==, 1);
    g_assert_cmpstr (json_string_value (json_object_get (entry, "root")), ==, hex);
  }
  json_decref (entry);
  g_assert_true (emocap_journal_verify (f->path, f->key, &entries, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (entries), ==, 2);
  json_decref (entries);
}

static void
test_canonical (Fixture *f, gconstpointer data)
{
  json_error_t jerr;
  json_t *json = json_loads ("{ \"b\": 1, \"a\": [true, null, {\"d\": \"\\u00e9\\n/\", "
      "\"c\": \"x\"}], \"A\": -7 }", 0, &jerr);
  char *bytes;

  g_assert_nonnull (json);
  bytes = emocap_canonical_json (json);
  g_assert_cmpstr (bytes, ==, "{\"A\":-7,\"a\":[true,null,{\"c\":\"x\",\"d\":\"\xc3\xa9\\n/\"}],\"b\":1}");
  free (bytes);
  json_decref (json);
}

/* The time read between two readings of the clock, to the microsecond. */
static void
test_utc_now (Fixture *f, gconstpointer data)
{
  for (int i = 0; i < 5; i++) {
    gint64 before = g_get_real_time ();
    g_autofree char *now = emocap_utc_now ();
    gint64 after = g_get_real_time ();
    g_autoptr (GDateTime) parsed = NULL;
    gint64 usec;

    g_assert_true (is_utc_time (now));
    parsed = g_date_time_new_from_iso8601 (now, NULL);
    g_assert_nonnull (parsed);
    usec = g_date_time_to_unix (parsed) * G_USEC_PER_SEC +
        g_date_time_get_microsecond (parsed);
    g_assert_cmpint (usec, >=, before);
    g_assert_cmpint (usec, <=, after);
    g_usleep (1234);
  }
}

/* Checks the file byte by byte, independently of emocap_journal_verify():
 * what an auditor with only libsodium and a JSON library would do. */
static void
test_append_verify (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) journal = NULL;
  g_autoptr (GPtrArray) lines = NULL;
  g_autofree char *content = NULL;
  g_autofree char *prev = g_strdup (EMOCAP_JOURNAL_GENESIS);
  g_autofree char *last_at = g_strdup ("");
  json_t *written = json_array ();
  json_t *entries = NULL;
  struct stat st;
  gsize len = 0;
  static const char *const types[] = {
    "session.opened", "consent.given", "take.started", "take.finished",
    "consent.withdrawn", "session.closed",
  };

  journal = emocap_journal_open (f->path, f->key, &error);
  g_assert_no_error (error);
  g_assert_cmpint (emocap_journal_get_seq (journal), ==, 0);
  g_assert_cmpstr (emocap_journal_get_head (journal), ==, EMOCAP_JOURNAL_GENESIS);
  g_assert_cmpstr (emocap_journal_get_path (journal), ==, f->path);
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);

  {
    /* The caller's fields are neither changed nor taken. */
    json_t *fields = json_pack ("{s:s, s:{s:[i, s]}}", "take", "002-fear",
        "nested", "list", 1, "ça");
    json_t *copy = json_deep_copy (fields);
    json_t *entry = emocap_journal_append (journal, EMOCAP_JOURNAL_SESSION_OPENED,
        fields, &error);
    g_assert_no_error (error);
    g_assert_true (json_equal (fields, copy));
    g_assert_cmpint (fields->refcount, ==, 1);
    g_assert_cmpstr (json_string_value (json_object_get (entry, "take")), ==, "002-fear");
    json_array_append_new (written, entry);
    json_decref (fields);
    json_decref (copy);
  }
  /* The rest through the shared filler, then read back from the file. */
  g_clear_pointer (&journal, emocap_journal_close);
  g_unlink (f->path);
  json_array_clear (written);

  journal = emocap_journal_open (f->path, f->key, &error);
  g_assert_no_error (error);
  test_journal_fill (journal, f->key);
  g_assert_cmpint (emocap_journal_get_seq (journal), ==, 6);

  content = read_file (f->path, &len);
  g_assert_cmpint (len, >, 0);
  g_assert_cmpint (content[len - 1], ==, '\n');
  lines = test_split_lines (content, len);
  g_assert_cmpuint (lines->len, ==, 6);

  for (guint i = 0; i < lines->len; i++) {
    const char *line = g_ptr_array_index (lines, i);
    json_error_t jerr;
    json_t *entry = json_loads (line, 0, &jerr);
    json_t *unsigned_entry;
    char *canonical;
    const char *at;
    guint8 sig[64];

    g_assert_nonnull (entry);
    canonical = emocap_canonical_json (entry);
    g_assert_cmpstr (canonical, ==, line);
    free (canonical);

    g_assert_cmpint (json_integer_value (json_object_get (entry, "seq")), ==, i + 1);
    g_assert_cmpstr (json_string_value (json_object_get (entry, "type")), ==, types[i]);
    g_assert_cmpstr (json_string_value (json_object_get (entry, "prev")), ==, prev);
    at = json_string_value (json_object_get (entry, "at"));
    g_assert_true (is_utc_time (at));
    g_assert_cmpint (strcmp (at, last_at), >=, 0);
    g_free (last_at);
    last_at = g_strdup (at);

    /* sig: Ed25519 over the canonical bytes of the entry without it. */
    g_assert_true (emocap_hex_decode (json_string_value (json_object_get (entry, "sig")),
        sig, sizeof sig));
    unsigned_entry = json_deep_copy (entry);
    json_object_del (unsigned_entry, "sig");
    canonical = json_dumps (unsigned_entry, JSON_COMPACT | JSON_SORT_KEYS);
    g_assert_cmpint (crypto_sign_verify_detached (sig, (const guint8 *) canonical,
        strlen (canonical), f->key->public_key), ==, 0);
    free (canonical);
    json_decref (unsigned_entry);

    g_free (prev);
    prev = emocap_sha256_hex (line, strlen (line));
    json_array_append_new (written, entry);
  }
  g_assert_cmpstr (emocap_journal_get_head (journal), ==, prev);

  /* Members and text come back as given. */
  {
    json_t *opened = json_array_get (written, 0);
    json_t *consent = json_array_get (written, 1);
    g_autofree char *key_hex = emocap_key_public_hex (f->key);
    g_assert_cmpstr (json_string_value (json_object_get (json_object_get (opened, "actor"),
        "name")), ==, "Zoë Ångström 山田");
    g_assert_cmpstr (json_string_value (json_object_get (opened, "studio_key")), ==, key_hex);
    g_assert_cmpstr (json_string_value (json_object_get (json_object_get (consent, "method"),
        "prompt")), ==, "«Oui», d’accord — ✓");
    g_assert_cmpint (json_array_size (json_object_get (json_object_get (consent, "scope"),
        "purposes")), ==, 2);
    /* Non-ASCII is written as UTF-8, not as \u escapes. */
    g_assert_nonnull (strstr (content, "Zoë Ångström 山田"));
  }

  g_assert_true (emocap_journal_verify (f->path, f->key, &entries, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (json_equal (entries, written));
  json_decref (entries);

  /* Only the public key is needed to verify. */
  {
    EmocapKey pub = { 0, };
    memcpy (pub.public_key, f->key->public_key, sizeof pub.public_key);
    g_assert_true (emocap_journal_verify (f->path, &pub, NULL, NULL, &error));
    g_assert_no_error (error);
  }
  json_decref (written);
}

static void
test_append_returns_entry (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) journal = emocap_journal_open (f->path, f->key, &error);
  g_autofree char *content = NULL;
  json_t *fields = json_pack ("{s:s}", "take", "001-joy");
  json_t *entry;
  char *canonical;
  gsize len = 0;

  g_assert_no_error (error);
  entry = emocap_journal_append (journal, EMOCAP_JOURNAL_TAKE_STARTED, fields, &error);
  g_assert_no_error (error);
  content = read_file (f->path, &len);
  canonical = emocap_canonical_json (entry);
  g_assert_cmpuint (len, ==, strlen (canonical) + 1);
  g_assert_cmpmem (content, len - 1, canonical, strlen (canonical));
  g_assert_cmpint (json_integer_value (json_object_get (entry, "seq")), ==, 1);
  g_assert_cmpstr (json_string_value (json_object_get (entry, "prev")), ==,
      EMOCAP_JOURNAL_GENESIS);
  free (canonical);
  json_decref (entry);
  json_decref (fields);
}

static void
test_reopen (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) journal = NULL;
  g_autofree char *before = NULL;
  g_autofree char *head = NULL;
  g_autofree char *after = NULL;
  json_t *entries = NULL;
  json_t *entry;
  gsize before_len = 0, after_len = 0;

  before = make_journal (f, &before_len);

  journal = emocap_journal_open (f->path, f->key, &error);
  g_assert_no_error (error);
  g_assert_cmpint (emocap_journal_get_seq (journal), ==, 6);
  head = g_strdup (emocap_journal_get_head (journal));
  g_assert_cmpstr (head, !=, EMOCAP_JOURNAL_GENESIS);

  {
    json_t *fields = json_pack ("{s:s}", "export", "exp-1");
    entry = emocap_journal_append (journal, EMOCAP_JOURNAL_EXPORT_CREATED, fields, &error);
    json_decref (fields);
  }
  g_assert_no_error (error);
  g_assert_cmpint (json_integer_value (json_object_get (entry, "seq")), ==, 7);
  g_assert_cmpstr (json_string_value (json_object_get (entry, "prev")), ==, head);
  json_decref (entry);
  g_clear_pointer (&journal, emocap_journal_close);

  /* What was there is untouched; one line was added. */
  after = read_file (f->path, &after_len);
  g_assert_cmpuint (after_len, >, before_len);
  g_assert_cmpmem (after, before_len, before, before_len);
  g_assert_true (emocap_journal_verify (f->path, f->key, &entries, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (entries), ==, 7);
  json_decref (entries);
}

static void
test_empty (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) journal = NULL;
  g_autofree char *head = NULL;
  json_t *entries = NULL;
  json_t *entry;

  test_write_file (f->path, "", 0);
  g_assert_true (emocap_journal_verify (f->path, f->key, &entries, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (entries), ==, 0);
  json_decref (entries);
  g_assert_true (emocap_journal_verify_data ("mem", "", 0, f->key, NULL, &head, NULL,
      &error));
  g_assert_cmpstr (head, ==, EMOCAP_JOURNAL_GENESIS);

  journal = emocap_journal_open (f->path, f->key, &error);
  g_assert_no_error (error);
  g_assert_cmpint (emocap_journal_get_seq (journal), ==, 0);
  entry = emocap_journal_append (journal, EMOCAP_JOURNAL_SESSION_OPENED, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_integer_value (json_object_get (entry, "seq")), ==, 1);
  json_decref (entry);
}

static void
test_missing (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (emocap_journal_verify (f->path, f->key, NULL, NULL, &error));
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, f->path));
}

/* Every single-byte change anywhere in the file is caught, on the line
 * that holds the byte. */
static void
test_tamper_every_byte (Fixture *f, gconstpointer data)
{
  static const char replacements[] = "0a9fF\"\n {}:,\\x\xc3";
  g_autofree char *content = NULL;
  g_autofree char *copy = NULL;
  gsize len = 0;
  guint line = 1;
  guint checked = 0;

  content = make_journal (f, &len);
  copy = g_malloc (len);

  for (gsize p = 0; p < len; p++) {
    guint8 values[2 + sizeof replacements];
    gsize n = 0;

    values[n++] = (guint8) content[p] ^ 0x01;
    values[n++] = (guint8) content[p] ^ 0x80;
    /* The other replacements on a stride, to keep the test quick. */
    if (p % 5 == 0) {
      for (gsize r = 0; r < sizeof replacements - 1; r++)
        values[n++] = (guint8) replacements[r];
    }

    for (gsize v = 0; v < n; v++) {
      g_autoptr (GError) error = NULL;
      g_autofree char *prefix = g_strdup_printf ("mem:%u: ", line);
      guint bad_line = 0;

      if (values[v] == (guint8) content[p])
        continue;
      memcpy (copy, content, len);
      copy[p] = (char) values[v];
      if (emocap_journal_verify_data ("mem", copy, len, f->key, NULL, NULL, &bad_line,
              &error))
        g_error ("byte %" G_GSIZE_FORMAT " (line %u) changed from 0x%02x to 0x%02x "
            "was not detected", p, line, (guint8) content[p], values[v]);
      g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
      if (bad_line != line || !g_str_has_prefix (error->message, prefix))
        g_error ("byte %" G_GSIZE_FORMAT " on line %u changed to 0x%02x: reported as "
            "line %u: %s", p, line, values[v], bad_line, error->message);
      checked++;
    }
    if (content[p] == '\n')
      line++;
  }
  g_test_message ("%u one-byte changes detected", checked);
  g_assert_cmpuint (line, ==, 7);
}

/* Named places, on files: inside sig, prev, a value and a key. */
static void
test_tamper_named (Fixture *f, gconstpointer data)
{
  g_autofree char *content = NULL;
  gsize len = 0;
  struct {
    guint line;
    const char *find;  /* the byte after this text is changed */
    const char *message;
  } cases[] = {
    { 2, "\"sig\":\"", "signature does not match the entry (edited after signing?)" },
    { 4, "\"prev\":\"", "signature does not match the entry (edited after signing?)" },
    { 3, "\"take\":\"001-", "signature does not match the entry (edited after signing?)" },
    { 3, "\"ca", "signature does not match the entry (edited after signing?)" },
    { 1, "\"stu", "signature does not match the entry (edited after signing?)" },
    { 5, "\"reason\":\"", "signature does not match the entry (edited after signing?)" },
    { 6, "\"seq\":", NULL },
    { 1, "\"sig\":\"", "signature does not match the entry (edited after signing?)" },
  };

  content = make_journal (f, &len);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GPtrArray) lines = test_split_lines (content, len);
    char *line = g_ptr_array_index (lines, cases[i].line - 1);
    char *at = strstr (line, cases[i].find);

    g_assert_nonnull (at);
    at += strlen (cases[i].find);
    /* Another hex digit, or another letter: still well-formed JSON. */
    *at = *at == '0' ? '1' : *at == 'a' ? 'b' : *at == 'u' ? 'v' : *at == '6' ? '7' : '0';
    g_test_message ("line %u after %s", cases[i].line, cases[i].find);
    assert_lines_fail_at (f, lines, cases[i].line, cases[i].message);
  }
}

static void
test_tamper_lines (Fixture *f, gconstpointer data)
{
  g_autofree char *content = NULL;
  gsize len = 0;

  content = make_journal (f, &len);

  /* First line deleted. */
  {
    g_autoptr (GPtrArray) lines = test_split_lines (content, len);
    g_ptr_array_remove_index (lines, 0);
    assert_lines_fail_at (f, lines, 1, "seq is 2, expected 1 (a line is missing before it)");
  }
  /* A middle line deleted. */
  {
    g_autoptr (GPtrArray) lines = test_split_lines (content, len);
    g_ptr_array_remove_index (lines, 2);
    assert_lines_fail_at (f, lines, 3, "seq is 4, expected 3 (a line is missing before it)");
  }
  /* Two lines swapped. */
  {
    g_autoptr (GPtrArray) lines = test_split_lines (content, len);
    gpointer third = lines->pdata[2];
    lines->pdata[2] = lines->pdata[3];
    lines->pdata[3] = third;
    assert_lines_fail_at (f, lines, 3, "seq is 4, expected 3 (lines are out of order)");
  }
  /* A copy of line 2 inserted after line 4. */
  {
    g_autoptr (GPtrArray) lines = test_split_lines (content, len);
    g_ptr_array_insert (lines, 4, g_strdup (g_ptr_array_index (lines, 1)));
    assert_lines_fail_at (f, lines, 5,
        "seq is 2, expected 5 (a line is repeated or out of order)");
  }
  /* A new line inserted as line 3: right seq and prev, but it cannot be
   * signed without the studio key. */
  {
    g_autoptr (GPtrArray) lines = test_split_lines (content, len);
    g_autofree char *prev = emocap_sha256_hex (lines->pdata[1], strlen (lines->pdata[1]));
    json_t *fields = json_pack ("{s:s}", "take", "009-joy");
    char *forged = test_signed_line (f->other, fields, 3, "2026-11-22T09:00:00.000000Z",
        EMOCAP_JOURNAL_CONSENT_GIVEN, prev);
    json_decref (fields);
    g_ptr_array_insert (lines, 2, forged);
    assert_lines_fail_at (f, lines, 3,
        "signature does not match the entry (edited after signing?)");
  }
  /* A line appended with a forged signature. */
  {
    g_autoptr (GPtrArray) lines = test_split_lines (content, len);
    g_autofree char *prev = emocap_sha256_hex (lines->pdata[5], strlen (lines->pdata[5]));
    json_t *fields = json_pack ("{s:s, s:s}", "export", "exp-9", "purpose", "commercial");
    char *forged = test_signed_line (f->other, fields, 7, "2099-01-01T00:00:00.000000Z",
        EMOCAP_JOURNAL_EXPORT_CREATED, prev);
    json_decref (fields);
    g_ptr_array_add (lines, forged);
    assert_lines_fail_at (f, lines, 7,
        "signature does not match the entry (edited after signing?)");
  }
  /* The last line deleted: the chain alone cannot tell (the session's
   * closing checkpoint is what does). */
  {
    g_autoptr (GPtrArray) lines = test_split_lines (content, len);
    g_autoptr (GError) error = NULL;
    g_autofree char *joined = NULL;
    gsize joined_len = 0;
    g_ptr_array_remove_index (lines, 5);
    joined = test_join_lines (lines, &joined_len);
    test_write_file (f->path, joined, joined_len);
    g_assert_true (emocap_journal_verify (f->path, f->key, NULL, NULL, &error));
    g_assert_no_error (error);
  }
}

static void
test_other_key (Fixture *f, gconstpointer data)
{
  g_autofree char *content = NULL;
  g_autofree char *other_hex = emocap_key_public_hex (f->other);
  g_autofree char *key_hex = emocap_key_public_hex (f->key);
  g_autofree char *message = NULL;
  gsize len = 0;

  content = make_journal (f, &len);
  message = g_strdup_printf ("signed for a different studio key (the session names "
      "%.16s..., verifying with %.16s...)", key_hex, other_hex);
  assert_fails_at (f->path, f->other, 1, message);

  /* Without studio_key in session.opened, the signature says it. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (EmocapJournal) journal = NULL;
    json_t *entry;

    g_unlink (f->path);
    journal = emocap_journal_open (f->path, f->key, &error);
    g_assert_no_error (error);
    entry = emocap_journal_append (journal, EMOCAP_JOURNAL_SESSION_OPENED, NULL, &error);
    g_assert_no_error (error);
    json_decref (entry);
    assert_fails_at (f->path, f->other, 1, "signature does not match the entry "
        "(edited after signing, or not signed with this studio key?)");
  }
}

static void
test_torn_last_line (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) journal = NULL;
  g_autofree char *content = NULL;
  g_autofree char *after = NULL;
  gsize len = 0;
  gsize after_len = 0;
  const char *message =
      "incomplete last line (no newline): the recorder stopped while writing it";

  content = make_journal (f, &len);

  /* The last line cut halfway. */
  {
    const char *last = g_strrstr_len (content, len - 1, "\n") + 1;
    gsize cut = (gsize) (last - content) + (len - (gsize) (last - content)) / 2;
    test_write_file (f->path, content, cut);
    assert_fails_at (f->path, f->key, 6, message);
  }
  /* Only the newline missing. */
  test_write_file (f->path, content, len - 1);
  assert_fails_at (f->path, f->key, 6, message);
  /* A seventh line begun. */
  {
    g_autofree char *torn = g_strconcat (content, "{\"at\":\"2026", NULL);
    test_write_file (f->path, torn, strlen (torn));
    assert_fails_at (f->path, f->key, 7, message);
  }

  /* Opening for append refuses it too, and leaves it as it is. */
  journal = emocap_journal_open (f->path, f->key, &error);
  g_assert_null (journal);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
  g_assert_nonnull (strstr (error->message, ":7: incomplete last line"));
  after = read_file (f->path, &after_len);
  g_assert_cmpuint (after_len, ==, len + strlen ("{\"at\":\"2026"));
}

/* What --resume does with a torn last line: sets it aside, whole, and
 * leaves the complete lines as they were, to be verified and chained on. */
static void
test_cut_torn_tail (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) journal = NULL;
  g_autofree char *content = NULL, *after = NULL, *kept = NULL;
  g_autofree char *torn_path = g_strconcat (f->path, ".torn", NULL);
  static const char torn[] = "{\"at\":\"2026-11-22T09:";
  gsize len = 0, after_len = 0, kept_len = 0, cut = 99;

  content = make_journal (f, &len);

  /* A clean end: nothing to cut, nothing set aside. */
  g_assert_true (emocap_journal_cut_torn_tail (f->path, &cut, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cut, ==, 0);
  g_assert_false (g_file_test (torn_path, G_FILE_TEST_EXISTS));

  /* A line begun and not finished. */
  {
    g_autofree char *with = g_strconcat (content, torn, NULL);
    test_write_file (f->path, with, strlen (with));
  }
  g_assert_true (emocap_journal_cut_torn_tail (f->path, &cut, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cut, ==, strlen (torn));
  after = read_file (f->path, &after_len);
  g_assert_cmpmem (after, after_len, content, len);
  kept = read_file (torn_path, &kept_len);
  g_assert_cmpmem (kept, kept_len, torn, strlen (torn));
  journal = emocap_journal_open (f->path, f->key, &error);
  g_assert_no_error (error);
  g_assert_cmpint (emocap_journal_get_seq (journal), ==, 6);

  /* Not while another process writes the journal. */
  g_assert_false (emocap_journal_cut_torn_tail (f->path, &cut, &error));
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "in use by another emocap process"));
  g_clear_error (&error);
  g_clear_pointer (&journal, emocap_journal_close);

  /* A journal that is only a torn first line keeps nothing of it. */
  test_write_file (f->path, torn, strlen (torn));
  g_assert_true (emocap_journal_cut_torn_tail (f->path, &cut, &error));
  g_assert_cmpuint (cut, ==, strlen (torn));
  g_free (after);
  after = read_file (f->path, &after_len);
  g_assert_cmpuint (after_len, ==, 0);
  g_free (kept);
  kept = read_file (torn_path, &kept_len);
  g_assert_cmpuint (kept_len, ==, 2 * strlen (torn));
}

static void
test_open_refuses_tampered (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) journal = NULL;
  g_autofree char *content = NULL;
  g_autofree char *after = NULL;
  g_autofree char *prefix = NULL;
  gsize len = 0, after_len = 0;
  char *p;

  content = make_journal (f, &len);
  p = strstr (content, "001-joy");
  g_assert_nonnull (p);
  p[4] = 'J';
  test_write_file (f->path, content, len);

  journal = emocap_journal_open (f->path, f->key, &error);
  g_assert_null (journal);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
  prefix = g_strdup_printf ("%s:2: signature does not match", f->path);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  after = read_file (f->path, &after_len);
  g_assert_cmpmem (after, after_len, content, len);
}

static void
test_second_writer (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) first = NULL;
  g_autoptr (EmocapJournal) second = NULL;
  g_autofree char *message = g_strdup_printf (
      "journal '%s' is in use by another emocap process", f->path);
  int status = 0;
  pid_t pid;

  first = emocap_journal_open (f->path, f->key, &error);
  g_assert_no_error (error);

  second = emocap_journal_open (f->path, f->key, &error);
  g_assert_null (second);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_IO);
  g_assert_cmpstr (error->message, ==, message);
  g_clear_error (&error);

  /* Another process is refused the same way. */
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0) {
    GError *child_error = NULL;
    EmocapJournal *j = emocap_journal_open (f->path, f->key, &child_error);
    int code = j == NULL && child_error->code == EMOCAP_ERROR_IO &&
        strcmp (child_error->message, message) == 0 ? 0 : 1;
    /* Frees what the child has, so that valgrind sees no leak; the
     * parent's lock stays, held by its own descriptor. */
    g_clear_error (&child_error);
    emocap_journal_close (j);
    g_clear_pointer (&first, emocap_journal_close);
    g_clear_pointer (&message, g_free);
    _exit (code);
  }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  /* Verifying needs no lock. */
  g_assert_true (emocap_journal_verify (f->path, f->key, NULL, NULL, &error));
  g_assert_no_error (error);

  g_clear_pointer (&first, emocap_journal_close);
  second = emocap_journal_open (f->path, f->key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);
}

static void
test_misuse_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) journal = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len = 0, after_len = 0;
  struct {
    const char *what;
    const char *type;
    json_t *fields;
    const char *assertion;
  } cases[] = {
    { "a real", EMOCAP_JOURNAL_TAKE_FINISHED,
      json_pack ("{s:s, s:f}", "take", "001-joy", "fps", 29.97), "*has_real*" },
    { "a nested real", EMOCAP_JOURNAL_TAKE_FINISHED,
      json_pack ("{s:{s:[i, f]}}", "quality", "peaks", 1, 0.5), "*has_real*" },
    { "a reserved member", EMOCAP_JOURNAL_TAKE_FINISHED,
      json_pack ("{s:i}", "seq", 99), "*has_reserved_member*" },
    { "a NUL in a string", EMOCAP_JOURNAL_TAKE_FINISHED,
      json_pack ("{s:s#}", "take", "a\0b", (int) 3), "*has_nul*" },
    { "an unknown type", "take.deleted", json_object (), "*is_entry_type*" },
  };

  before = make_journal (f, &before_len);
  journal = emocap_journal_open (f->path, f->key, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    json_t *entry;

    g_test_message ("fields with %s", cases[i].what);
    g_assert_nonnull (cases[i].fields);
    g_test_expect_message ("emocap", G_LOG_LEVEL_CRITICAL, cases[i].assertion);
    entry = emocap_journal_append (journal, cases[i].type, cases[i].fields, &error);
    g_test_assert_expected_messages ();
    g_assert_null (entry);
    g_assert_no_error (error);
    json_decref (cases[i].fields);
  }

  g_assert_cmpint (emocap_journal_get_seq (journal), ==, 6);
  after = read_file (f->path, &after_len);
  g_assert_cmpmem (after, after_len, before, before_len);
}

/* A write that fails halfway leaves no torn line, and the journal goes on
 * from where it was. */
static void
test_failed_write (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapJournal) journal = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len = 0, after_len = 0;
  struct rlimit saved, limited;
  json_t *fields = json_pack ("{s:s, s:s}", "take", "002-fear",
      "reason", "camera 'front' stopped");
  json_t *entries = NULL;
  json_t *entry;

  before = make_journal (f, &before_len);
  journal = emocap_journal_open (f->path, f->key, &error);
  g_assert_no_error (error);

  /* The file may grow by 40 bytes only: the write stops partway. */
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  limited = saved;
  limited.rlim_cur = before_len + 40;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limited), ==, 0);
  entry = emocap_journal_append (journal, EMOCAP_JOURNAL_TAKE_FAILED, fields, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, SIG_DFL);

  /* the file reached the size this process may write: the disk is full
   * as far as the recorder can tell, said so */
  g_assert_null (entry);
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, f->path));
  g_clear_error (&error);
  after = read_file (f->path, &after_len);
  g_assert_cmpmem (after, after_len, before, before_len);
  g_assert_cmpint (emocap_journal_get_seq (journal), ==, 6);

  entry = emocap_journal_append (journal, EMOCAP_JOURNAL_TAKE_FAILED, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_integer_value (json_object_get (entry, "seq")), ==, 7);
  json_decref (entry);
  g_assert_true (emocap_journal_verify (f->path, f->key, &entries, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (entries), ==, 7);
  json_decref (entries);
  json_decref (fields);
}

/* Every entry of a closed session has a proof of inclusion in its
 * checkpoint, which holds for that line alone and for no other, edited,
 * or differently placed line, nor against another root. */
static void
test_inclusion_proofs (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *bytes = NULL;
  g_autoptr (GPtrArray) lines = NULL;
  json_t *entries = NULL, *closed;
  const char *root;
  gint64 size;
  gsize len = 0;

  bytes = make_journal (f, &len);
  g_assert_true (emocap_journal_verify (f->path, f->key, &entries, NULL, &error));
  closed = json_array_get (entries, 5);
  g_assert_cmpstr (json_string_value (json_object_get (closed, "type")), ==,
      EMOCAP_JOURNAL_SESSION_CLOSED);
  size = json_integer_value (json_object_get (closed, "tree_size"));
  root = json_string_value (json_object_get (closed, "root"));
  g_assert_cmpint (size, ==, 5);
  lines = test_split_lines (bytes, len);

  for (gint64 seq = 1; seq <= size; seq++) {
    g_autoptr (json_t) proof = emocap_journal_inclusion_proof (bytes, len, seq, size, &error);
    const char *line = g_ptr_array_index (lines, seq - 1);
    const char *other = g_ptr_array_index (lines, seq % size);
    g_autofree char *edited = g_strdup (line);
    g_autoptr (json_t) moved = NULL;
    json_t *hash0;

    g_assert_no_error (error);
    g_assert_cmpint (json_integer_value (json_object_get (proof, "leaf_index")), ==, seq - 1);
    g_assert_cmpstr (json_string_value (json_object_get (proof, "root")), ==, root);
    g_assert_true (emocap_journal_check_inclusion (line, strlen (line), proof, size, root,
            &error));
    g_assert_no_error (error);

    g_assert_false (emocap_journal_check_inclusion (other, strlen (other), proof, size,
            root, &error));
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
    g_clear_error (&error);

    edited[strlen (edited) / 2] ^= 1;
    g_assert_false (emocap_journal_check_inclusion (edited, strlen (edited), proof, size,
            root, &error));
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
    g_clear_error (&error);

    moved = json_deep_copy (proof);
    json_object_set_new (moved, "leaf_index", json_integer (seq % size));
    g_assert_false (emocap_journal_check_inclusion (line, strlen (line), moved, size, root,
            &error));
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
    g_clear_error (&error);

    hash0 = json_array_get (json_object_get (moved, "hashes"), 0);
    json_object_set_new (moved, "leaf_index", json_integer (seq - 1));
    json_string_set (hash0, EMOCAP_JOURNAL_GENESIS);
    g_assert_false (emocap_journal_check_inclusion (line, strlen (line), moved, size, root,
            &error));
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
    g_clear_error (&error);

    g_assert_false (emocap_journal_check_inclusion (line, strlen (line), proof, size,
            EMOCAP_JOURNAL_GENESIS, &error));
    g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
    g_clear_error (&error);
  }

  g_assert_null (emocap_journal_inclusion_proof (bytes, len, 6, size, &error));
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (emocap_journal_inclusion_proof (bytes, len, 1, 7, &error));
  g_assert_error (error, EMOCAP_ERROR, EMOCAP_ERROR_VERIFY);
  g_clear_error (&error);
  json_decref (entries);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/journal/canonical", test_canonical);
  ADD ("/journal/utc-now", test_utc_now);
  ADD ("/journal/append-verify", test_append_verify);
  ADD ("/journal/append-returns-entry", test_append_returns_entry);
  ADD ("/journal/reopen", test_reopen);
  ADD ("/journal/empty", test_empty);
  ADD ("/journal/missing", test_missing);
  ADD ("/journal/tamper/every-byte", test_tamper_every_byte);
  ADD ("/journal/tamper/named", test_tamper_named);
  ADD ("/journal/tamper/lines", test_tamper_lines);
  ADD ("/journal/tamper/other-key", test_other_key);
  ADD ("/journal/tamper/torn-last-line", test_torn_last_line);
  ADD ("/journal/torn-tail-set-aside", test_cut_torn_tail);
  ADD ("/journal/open-refuses-tampered", test_open_refuses_tampered);
  ADD ("/journal/second-writer", test_second_writer);
  ADD ("/journal/misuse-refused", test_misuse_refused);
  ADD ("/journal/failed-write", test_failed_write);
  ADD ("/journal/write-and-sync", test_write_and_sync);
  ADD ("/journal/clock-set-back", test_clock_set_back);
  ADD ("/journal/inclusion-proofs", test_inclusion_proofs);
#undef ADD

  return g_test_run ();
}
