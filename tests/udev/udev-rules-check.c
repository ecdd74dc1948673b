/* udev-rules-check: a syntax check of udev rules files, for systemd 252
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Debian 12's udevadm has no `udevadm verify` (it came with systemd 253),
 * and udevd itself only logs a bad rule and skips it, so a typo in a rules
 * file shows up as a camera without its name.  This reads a rules file the
 * way udev 252 does and reports, as errors, what udev would reject, ignore
 * or silently reinterpret:
 *
 *   - logical lines: '#' comments, blank lines, '\' continuations (comment
 *     lines inside a continuation are skipped, as udev does), a file that
 *     ends inside a continuation, over-long lines;
 *   - tokens KEY[{ATTR}]OP"VALUE" separated by exactly one comma;
 *   - known keys, whether each takes an {attribute}, and the operators it
 *     takes (match keys == and !=, assignment keys = += -= := as each
 *     allows);
 *   - values in double quotes, with \" inside, or e"..." with C escapes;
 *   - $name / %c substitutions: known names, {…} where required, closed;
 *   - builtins, OPTIONS values, MODE, TEST{mode}, CONST{arch|virt}, ENV
 *     keys udev will not set;
 *   - every GOTO has a LABEL after it in the same file, every LABEL is
 *     used, no rule that only matches.
 *
 * Usage: udev-rules-check FILE...  Errors go to stderr as FILE:LINE: what;
 * exit 0 when every file is clean, 1 when any is not, 2 when a file cannot
 * be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* udev's UDEV_LINE_SIZE: longer logical lines are ignored. */
#define LINE_MAX_BYTES 16384

typedef enum {
  OP_MATCH,         /* == */
  OP_NOMATCH,       /* != */
  OP_ADD,           /* += */
  OP_REMOVE,        /* -= */
  OP_ASSIGN,        /* = */
  OP_ASSIGN_FINAL,  /* := */
  N_OPS
} Op;

static const char *const op_text[N_OPS] = { "==", "!=", "+=", "-=", "=", ":=" };

#define OPS(x) (1u << (x))
#define MATCH_OPS (OPS (OP_MATCH) | OPS (OP_NOMATCH))

typedef enum {
  ATTR_NONE,
  ATTR_OPTIONAL,
  ATTR_REQUIRED,
} AttrUse;

enum {
  FORMAT_ALWAYS = 1 << 0,   /* value is a format string whatever the operator */
  FORMAT_ASSIGN = 1 << 1,   /* ... when assigned */
  NONEMPTY      = 1 << 2,   /* value must not be empty */
  ACTS          = 1 << 3,   /* gives the rule an effect even as a match */
  ATTR_FORMAT   = 1 << 4,   /* the attribute is a format string */
};

typedef struct {
  const char *name;
  AttrUse attr;
  unsigned ops;
  unsigned flags;
} KeySpec;

/* What udev 252 accepts.  Where udev only warns and reinterprets (e.g.
 * "GROUP+=" read as "="), the operator is left out: it is a mistake. */
static const KeySpec keys[] = {
  { "ACTION",     ATTR_NONE,     MATCH_OPS, 0 },
  { "DEVPATH",    ATTR_NONE,     MATCH_OPS, 0 },
  { "KERNEL",     ATTR_NONE,     MATCH_OPS, 0 },
  { "SUBSYSTEM",  ATTR_NONE,     MATCH_OPS, 0 },
  { "DRIVER",     ATTR_NONE,     MATCH_OPS, 0 },
  { "KERNELS",    ATTR_NONE,     MATCH_OPS, 0 },
  { "SUBSYSTEMS", ATTR_NONE,     MATCH_OPS, 0 },
  { "DRIVERS",    ATTR_NONE,     MATCH_OPS, 0 },
  { "TAGS",       ATTR_NONE,     MATCH_OPS, 0 },
  { "RESULT",     ATTR_NONE,     MATCH_OPS, 0 },
  { "ATTRS",      ATTR_REQUIRED, MATCH_OPS, ATTR_FORMAT },
  { "CONST",      ATTR_REQUIRED, MATCH_OPS, 0 },
  { "TEST",       ATTR_OPTIONAL, MATCH_OPS, FORMAT_ALWAYS | NONEMPTY },
  { "SYMLINK",    ATTR_NONE,     MATCH_OPS | OPS (OP_ADD) | OPS (OP_ASSIGN) | OPS (OP_ASSIGN_FINAL),
    FORMAT_ASSIGN },
  { "NAME",       ATTR_NONE,     MATCH_OPS | OPS (OP_ASSIGN) | OPS (OP_ASSIGN_FINAL), FORMAT_ASSIGN },
  { "ENV",        ATTR_REQUIRED, MATCH_OPS | OPS (OP_ADD) | OPS (OP_ASSIGN), FORMAT_ASSIGN },
  { "TAG",        ATTR_NONE,     MATCH_OPS | OPS (OP_ADD) | OPS (OP_REMOVE) | OPS (OP_ASSIGN),
    FORMAT_ASSIGN | NONEMPTY },
  { "ATTR",       ATTR_REQUIRED, MATCH_OPS | OPS (OP_ASSIGN), FORMAT_ASSIGN | ATTR_FORMAT },
  { "SYSCTL",     ATTR_REQUIRED, MATCH_OPS | OPS (OP_ASSIGN), FORMAT_ASSIGN | ATTR_FORMAT },
  /* udev reads "PROGRAM=" and "IMPORT{...}=" as "==". */
  { "PROGRAM",    ATTR_NONE,     MATCH_OPS | OPS (OP_ASSIGN), FORMAT_ALWAYS | NONEMPTY | ACTS },
  { "IMPORT",     ATTR_REQUIRED, MATCH_OPS | OPS (OP_ASSIGN), FORMAT_ALWAYS | NONEMPTY | ACTS },
  { "OPTIONS",    ATTR_NONE,     OPS (OP_ADD) | OPS (OP_ASSIGN) | OPS (OP_ASSIGN_FINAL), 0 },
  { "OWNER",      ATTR_NONE,     OPS (OP_ASSIGN) | OPS (OP_ASSIGN_FINAL), FORMAT_ASSIGN | NONEMPTY },
  { "GROUP",      ATTR_NONE,     OPS (OP_ASSIGN) | OPS (OP_ASSIGN_FINAL), FORMAT_ASSIGN | NONEMPTY },
  { "MODE",       ATTR_NONE,     OPS (OP_ASSIGN) | OPS (OP_ASSIGN_FINAL), FORMAT_ASSIGN | NONEMPTY },
  { "SECLABEL",   ATTR_REQUIRED, OPS (OP_ADD) | OPS (OP_ASSIGN), FORMAT_ASSIGN | NONEMPTY },
  { "RUN",        ATTR_OPTIONAL, OPS (OP_ADD) | OPS (OP_ASSIGN) | OPS (OP_ASSIGN_FINAL),
    FORMAT_ASSIGN | NONEMPTY },
  { "GOTO",       ATTR_NONE,     OPS (OP_ASSIGN), 0 },
  { "LABEL",      ATTR_NONE,     OPS (OP_ASSIGN), 0 },
};

/* udev 252's builtins (udevadm test-builtin --help). */
static const char *const builtins[] = {
  "blkid", "btrfs", "hwdb", "input_id", "keyboard", "kmod", "net_id",
  "net_setup_link", "path_id", "uaccess", "usb_id", NULL
};

/* Properties udev keeps to itself: ENV{...}= on them is refused. */
static const char *const readonly_env[] = {
  "ACTION", "DEVLINKS", "DEVNAME", "DEVPATH", "DEVTYPE", "DRIVER", "IFINDEX",
  "MAJOR", "MINOR", "SEQNUM", "SUBSYSTEM", "TAGS", "CURRENT_TAGS",
  "USEC_INITIALIZED", "DISKSEQ", NULL
};

/* Substitutions, in the order udev tries them: "$sysfs" before "$sys". */
static const struct {
  const char *name;
  char letter;
  gboolean needs_attr;
} substitutions[] = {
  { "devnode", 'N', FALSE }, { "tempnode", 'N', FALSE }, { "attr", 's', TRUE },
  { "sysfs", 's', TRUE }, { "env", 'E', TRUE }, { "kernel", 'k', FALSE },
  { "number", 'n', FALSE }, { "driver", 'd', FALSE }, { "devpath", 'p', FALSE },
  { "id", 'b', FALSE }, { "major", 'M', FALSE }, { "minor", 'm', FALSE },
  { "result", 'c', FALSE }, { "parent", 'P', FALSE }, { "name", 'D', FALSE },
  { "links", 'L', FALSE }, { "root", 'r', FALSE }, { "sys", 'S', FALSE },
};

typedef struct {
  const char *file;
  int errors;
  GPtrArray *gotos;    /* of Jump, in file order */
  GPtrArray *labels;   /* of Jump, in file order */
} Checker;

typedef struct {
  char *label;
  int line;
  gboolean used;
} Jump;

static void
jump_free (Jump *jump)
{
  g_free (jump->label);
  g_free (jump);
}

static void report (Checker *ck, int line, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
report (Checker *ck, int line, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "%s:%d: %s\n", ck->file, line, msg);
  ck->errors++;
}

static const KeySpec *
find_key (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++) {
    if (strcmp (keys[i].name, name) == 0)
      return &keys[i];
  }
  return NULL;
}

static gboolean
in_list (const char *const *list, const char *word)
{
  for (; *list; list++) {
    if (strcmp (*list, word) == 0)
      return TRUE;
  }
  return FALSE;
}

/* "'==', '!=' or '='" */
static char *
ops_text (unsigned ops)
{
  GString *out = g_string_new (NULL);
  int n = 0, total = 0;

  for (int op = 0; op < N_OPS; op++)
    total += (ops & OPS (op)) != 0;
  for (int op = 0; op < N_OPS; op++) {
    if (!(ops & OPS (op)))
      continue;
    if (n > 0)
      g_string_append (out, n == total - 1 ? " or " : ", ");
    g_string_append_printf (out, "'%s'", op_text[op]);
    n++;
  }
  return g_string_free (out, FALSE);
}

/* Checks the $name and %c substitutions in @value, where they are
 * expanded; '$$' and '%%' are literal. */
static void
check_format (Checker *ck, int line, const char *key, const char *value)
{
  for (const char *p = value; *p; p++) {
    const char *q = NULL;
    gsize i;

    if (*p != '$' && *p != '%')
      continue;
    if (p[1] == *p) {
      p++;
      continue;
    }
    for (i = 0; i < G_N_ELEMENTS (substitutions); i++) {
      if (*p == '$' && g_str_has_prefix (p + 1, substitutions[i].name)) {
        q = p + 1 + strlen (substitutions[i].name);
        break;
      }
      if (*p == '%' && p[1] == substitutions[i].letter) {
        q = p + 2;
        break;
      }
    }
    if (q == NULL) {
      report (ck, line, "%s value \"%s\": unknown substitution '%.*s' (write '%c%c' for a "
          "literal '%c')", key, value, *p == '$' ? (int) strcspn (p + 1, "{}$%/ ,\"") + 1 : 2,
          p, *p, *p, *p);
      continue;
    }
    if (*q == '{') {
      const char *end = strchr (q + 1, '}');
      if (end == NULL) {
        report (ck, line, "%s value \"%s\": '%.*s' has no closing '}'", key, value,
            (int) (q - p + 1), p);
        return;
      }
      if (end == q + 1) {
        report (ck, line, "%s value \"%s\": empty {} after '%.*s'", key, value,
            (int) (q - p), p);
      } else if (substitutions[i].letter == 'c') {
        /* %c{N} or %c{N+}: the Nth word of PROGRAM's output. */
        const char *d = q + 1;
        while (g_ascii_isdigit (*d))
          d++;
        if (d == q + 1 || (*d == '+' ? d + 1 : d) != end)
          report (ck, line, "%s value \"%s\": '%.*s' wants a number, or a number and '+'",
              key, value, (int) (end - p + 1), p);
      }
      p = end;
    } else {
      if (substitutions[i].needs_attr)
        report (ck, line, "%s value \"%s\": '%.*s' needs a {NAME}", key, value,
            (int) (q - p), p);
      p = q - 1;
    }
  }
}

/* The value of an e"..." string: C escapes. */
static gboolean
check_escapes (Checker *ck, int line, const char *key, const char *raw)
{
  for (const char *p = raw; *p; p++) {
    if (*p != '\\')
      continue;
    p++;
    if (strchr ("abfnrtv\\\"'", *p) && *p != '\0')
      continue;
    if (*p == 'x' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2])) {
      p += 2;
      continue;
    }
    if (*p >= '0' && *p <= '3' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7') {
      p += 2;
      continue;
    }
    report (ck, line, "%s value: bad escape '\\%c' in e\"...\"", key, *p ? *p : ' ');
    return FALSE;
  }
  return TRUE;
}

static gboolean
is_octal_mode (const char *text)
{
  char *end = NULL;
  unsigned long mode;

  if (*text == '\0' || strspn (text, "01234567") != strlen (text))
    return FALSE;
  mode = strtoul (text, &end, 8);
  return *end == '\0' && mode <= 07777;
}

static gboolean
is_log_level (const char *text)
{
  static const char *const levels[] = {
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", "reset", NULL
  };
  return in_list (levels, text) || (strlen (text) == 1 && text[0] >= '0' && text[0] <= '7');
}

static void
check_options (Checker *ck, int line, const char *value)
{
  static const char *const plain[] = {
    "string_escape=none", "string_escape=replace", "db_persist", "watch", "nowatch", NULL
  };
  const char *arg;

  if (in_list (plain, value))
    return;
  if ((arg = g_str_has_prefix (value, "static_node=") ? value + strlen ("static_node=") : NULL)) {
    if (*arg == '\0')
      report (ck, line, "OPTIONS \"static_node=\" names no node");
    return;
  }
  if (g_str_has_prefix (value, "link_priority=")) {
    char *end = NULL;
    arg = value + strlen ("link_priority=");
    (void) strtol (arg, &end, 10);
    if (*arg == '\0' || *end != '\0')
      report (ck, line, "OPTIONS \"%s\": link_priority wants an integer", value);
    return;
  }
  if (g_str_has_prefix (value, "log_level=")) {
    if (!is_log_level (value + strlen ("log_level=")))
      report (ck, line, "OPTIONS \"%s\": not a log level", value);
    return;
  }
  report (ck, line, "unknown OPTIONS value \"%s\"", value);
}

/* The first word of a builtin command line, e.g. "path_id" of
 * "path_id --foo". */
static char *
first_word (const char *value)
{
  value += strspn (value, " \t");
  return g_strndup (value, strcspn (value, " \t"));
}

typedef struct {
  gboolean acts;        /* assigns, imports, runs, jumps or labels */
  gboolean has_goto;
  gboolean has_label;
} RuleState;

static void
check_token (Checker *ck, int line, RuleState *rule, const char *key, const char *attr,
    Op op, const char *value)
{
  const KeySpec *spec = find_key (key);
  gboolean is_match = op == OP_MATCH || op == OP_NOMATCH;

  if (spec == NULL) {
    report (ck, line, "unknown key '%s'", key);
    return;
  }
  if (attr == NULL && spec->attr == ATTR_REQUIRED) {
    report (ck, line, "%s needs an {attribute}, as in %s{NAME}", key, key);
    return;
  }
  if (attr != NULL && spec->attr == ATTR_NONE) {
    report (ck, line, "%s takes no {attribute}", key);
    return;
  }
  if (attr != NULL && *attr == '\0') {
    report (ck, line, "%s has an empty {attribute}", key);
    return;
  }
  if (!(spec->ops & OPS (op))) {
    g_autofree char *allowed = ops_text (spec->ops);
    report (ck, line, "%s takes %s, not '%s'", key, allowed, op_text[op]);
    return;
  }

  if (!is_match || (spec->flags & ACTS))
    rule->acts = TRUE;
  if ((spec->flags & NONEMPTY) && (!is_match || (spec->flags & FORMAT_ALWAYS)) && *value == '\0')
    report (ck, line, "%s has an empty value", key);
  if ((spec->flags & FORMAT_ALWAYS) || ((spec->flags & FORMAT_ASSIGN) && !is_match))
    check_format (ck, line, key, value);
  if ((spec->flags & ATTR_FORMAT) && attr != NULL)
    check_format (ck, line, key, attr);

  if (strcmp (key, "SUBSYSTEM") == 0 && (strcmp (value, "bus") == 0 || strcmp (value, "class") == 0)) {
    report (ck, line, "SUBSYSTEM==\"%s\" must be written SUBSYSTEM==\"subsystem\"", value);
  } else if (strcmp (key, "CONST") == 0 && strcmp (attr, "arch") != 0 && strcmp (attr, "virt") != 0) {
    report (ck, line, "CONST{%s}: only CONST{arch} and CONST{virt} exist", attr);
  } else if (strcmp (key, "TEST") == 0 && attr != NULL && !is_octal_mode (attr)) {
    report (ck, line, "TEST{%s}: the attribute is an octal mode such as TEST{0644}", attr);
  } else if (strcmp (key, "ENV") == 0 && !is_match && in_list (readonly_env, attr)) {
    report (ck, line, "ENV{%s} cannot be set: udev manages it", attr);
  } else if (strcmp (key, "NAME") == 0 && !is_match && (*value == '\0' || strcmp (value, "%k") == 0)) {
    report (ck, line, "NAME=\"%s\" has no effect", value);
  } else if (strcmp (key, "MODE") == 0 && strpbrk (value, "$%") == NULL && !is_octal_mode (value)) {
    report (ck, line, "MODE=\"%s\" is not an octal mode such as \"0660\"", value);
  } else if (strcmp (key, "OPTIONS") == 0) {
    check_options (ck, line, value);
  } else if (strcmp (key, "IMPORT") == 0) {
    static const char *const kinds[] = { "program", "builtin", "file", "db", "cmdline", "parent", NULL };
    if (!in_list (kinds, attr)) {
      report (ck, line, "IMPORT{%s}: not one of program, builtin, file, db, cmdline, parent", attr);
    } else if (strcmp (attr, "builtin") == 0) {
      g_autofree char *word = first_word (value);
      if (!in_list (builtins, word))
        report (ck, line, "IMPORT{builtin}: unknown builtin '%s'", word);
    }
  } else if (strcmp (key, "RUN") == 0 && attr != NULL) {
    if (strcmp (attr, "builtin") == 0) {
      g_autofree char *word = first_word (value);
      if (!in_list (builtins, word))
        report (ck, line, "RUN{builtin}: unknown builtin '%s'", word);
    } else if (strcmp (attr, "program") != 0) {
      report (ck, line, "RUN{%s}: only RUN{program} and RUN{builtin} exist", attr);
    }
  } else if (strcmp (key, "GOTO") == 0 || strcmp (key, "LABEL") == 0) {
    gboolean is_goto = key[0] == 'G';
    gboolean *seen = is_goto ? &rule->has_goto : &rule->has_label;
    Jump *jump;

    if (*seen) {
      report (ck, line, "more than one %s in a rule", key);
      return;
    }
    *seen = TRUE;
    jump = g_new0 (Jump, 1);
    jump->label = g_strdup (value);
    jump->line = line;
    g_ptr_array_add (is_goto ? ck->gotos : ck->labels, jump);
  }
}

/* Reads one token at *@pos: KEY[{ATTR}] OP "VALUE".  Returns FALSE (after
 * reporting) when the rest of the rule cannot be read. */
static gboolean
parse_token (Checker *ck, int line, char **pos, RuleState *rule)
{
  char *p = *pos;
  char *key = p;
  char *key_end;
  char *attr = NULL;
  char *value;
  gboolean escaped = FALSE;
  Op op;

  while (*p && !strchr (" \t={", *p) && !(strchr ("+-!:", *p) && p[1] == '='))
    p++;
  key_end = p;
  if (*p == '{') {
    attr = p + 1;
    p = strchr (attr, '}');
    if (p == NULL) {
      report (ck, line, "'%.*s{' has no closing '}'", (int) (key_end - key), key);
      return FALSE;
    }
    *p++ = '\0';
  }
  p += strspn (p, " \t");

  if (strncmp (p, "==", 2) == 0) op = OP_MATCH;
  else if (strncmp (p, "!=", 2) == 0) op = OP_NOMATCH;
  else if (strncmp (p, "+=", 2) == 0) op = OP_ADD;
  else if (strncmp (p, "-=", 2) == 0) op = OP_REMOVE;
  else if (strncmp (p, ":=", 2) == 0) op = OP_ASSIGN_FINAL;
  else if (*p == '=') op = OP_ASSIGN;
  else {
    char saved = *key_end;
    *key_end = '\0';
    if (*key == '\0')
      report (ck, line, "expected a key at '%.20s'", p);
    else
      report (ck, line, "'%s' is not followed by an operator (==, !=, =, +=, -=, :=)", key);
    *key_end = saved;
    return FALSE;
  }
  *key_end = '\0';
  p += op == OP_ASSIGN ? 1 : 2;
  p += strspn (p, " \t");

  if (*p == 'i' && p[1] == '"') {
    report (ck, line, "%s: the i\"...\" prefix needs systemd 256; udev 252 rejects it", key);
    return FALSE;
  }
  if (*p == 'e' && p[1] == '"') {
    escaped = TRUE;
    p++;
  }
  if (*p != '"') {
    report (ck, line, "%s%s: the value must be in double quotes", key, op_text[op]);
    return FALSE;
  }
  value = ++p;
  {
    char *out = value;
    for (;;) {
      if (*p == '\0') {
        report (ck, line, "%s%s: the value has no closing '\"'", key, op_text[op]);
        return FALSE;
      }
      if (*p == '"')
        break;
      /* \" is a quote inside the value; in e"..." every escape pair is
       * kept whole for check_escapes(). */
      if (*p == '\\' && p[1] == '"') {
        if (escaped)
          *out++ = '\\';
        *out++ = '"';
        p += 2;
        continue;
      }
      if (escaped && *p == '\\' && p[1] != '\0')
        *out++ = *p++;
      *out++ = *p++;
    }
    *out = '\0';
    p++;
  }
  if (*p != '\0' && !strchr (" \t,", *p)) {
    report (ck, line, "%s%s\"%s\": expected ',' after the value, not '%c'", key, op_text[op],
        value, *p);
    return FALSE;
  }

  if (!escaped || check_escapes (ck, line, key, value))
    check_token (ck, line, rule, key, attr, op, value);
  else
    rule->acts = TRUE;   /* one error for the token, not a second for the rule */
  *pos = p;
  return TRUE;
}

static void
check_rule (Checker *ck, int line, char *text)
{
  RuleState rule = { FALSE, FALSE, FALSE };
  char *p = text;
  int n_tokens = 0;

  for (;;) {
    char *sep = p;
    int commas = 0;

    while (*p && strchr (" \t,", *p)) {
      commas += *p == ',';
      p++;
    }
    if (*p == '\0') {
      if (commas > 0)
        report (ck, line, "stray ',' at the end of the rule");
      break;
    }
    if (n_tokens == 0 && commas > 0)
      report (ck, line, "stray ',' at the start of the rule");
    else if (n_tokens > 0 && commas == 0)
      report (ck, line, "missing ',' before '%.*s'", (int) strcspn (p, " \t={+-!:"), p);
    else if (commas > 1)
      report (ck, line, "%d commas between tokens at '%.*s'", commas, (int) (p - sep), sep);

    if (!parse_token (ck, line, &p, &rule))
      return;
    n_tokens++;
  }

  if (n_tokens > 0 && !rule.acts)
    report (ck, line, "the rule only matches and never acts, so udev ignores it");
}

static void
resolve_jumps (Checker *ck)
{
  for (guint g = 0; g < ck->gotos->len; g++) {
    Jump *go = ck->gotos->pdata[g];
    gboolean found = FALSE;

    /* udev jumps forward only, to the first matching label. */
    for (guint l = 0; l < ck->labels->len && !found; l++) {
      Jump *label = ck->labels->pdata[l];
      if (label->line > go->line && strcmp (label->label, go->label) == 0) {
        label->used = TRUE;
        found = TRUE;
      }
    }
    if (!found)
      report (ck, go->line, "GOTO=\"%s\" has no LABEL=\"%s\" after it in this file",
          go->label, go->label);
  }
  for (guint l = 0; l < ck->labels->len; l++) {
    Jump *label = ck->labels->pdata[l];
    if (!label->used)
      report (ck, label->line, "LABEL=\"%s\" is not the target of any GOTO", label->label);
  }
}

static int
check_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GString) rule = g_string_new (NULL);
  Checker ck = { path, 0, NULL, NULL };
  int rule_line = 0;
  gboolean in_continuation = FALSE;
  int n_rules = 0;

  if (!g_file_get_contents (path, &contents, NULL, &error)) {
    fprintf (stderr, "udev-rules-check: %s\n", error->message);
    return 2;
  }
  ck.gotos = g_ptr_array_new_with_free_func ((GDestroyNotify) jump_free);
  ck.labels = g_ptr_array_new_with_free_func ((GDestroyNotify) jump_free);

  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++) {
    char *text = lines[i] + strspn (lines[i], " \t");
    gsize len;

    /* The piece after the last newline is no line at all. */
    if (lines[i + 1] == NULL && lines[i][0] == '\0')
      break;
    if (text[0] == '#')
      continue;
    if (!in_continuation) {
      g_string_truncate (rule, 0);
      rule_line = i + 1;
    }
    g_string_append (rule, text);
    len = rule->len;
    if (len > 0 && rule->str[len - 1] == '\\') {
      g_string_truncate (rule, len - 1);
      in_continuation = TRUE;
      continue;
    }
    in_continuation = FALSE;
    if (rule->len >= LINE_MAX_BYTES) {
      report (&ck, rule_line, "the rule is %zu bytes long; udev ignores rules of %d or more",
          rule->len, LINE_MAX_BYTES);
      continue;
    }
    while (rule->len > 0 && strchr (" \t\r", rule->str[rule->len - 1]))
      g_string_truncate (rule, rule->len - 1);
    if (rule->len == 0)
      continue;
    n_rules++;
    check_rule (&ck, rule_line, rule->str);
  }
  if (in_continuation)
    report (&ck, rule_line, "the file ends inside a continuation line (a last '\\')");

  resolve_jumps (&ck);
  g_ptr_array_unref (ck.gotos);
  g_ptr_array_unref (ck.labels);

  if (ck.errors > 0) {
    fprintf (stderr, "%s: %d error%s\n", path, ck.errors, ck.errors == 1 ? "" : "s");
    return 1;
  }
  printf ("%s: %d rules, ok\n", path, n_rules);
  return 0;
}

int
main (int argc, char **argv)
{
  int status = 0;

  if (argc < 2) {
    fprintf (stderr, "usage: udev-rules-check FILE...\n");
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    int file_status = check_file (argv[i]);
    status = MAX (status, file_status);
  }
  return status;
}
