/* emocap tests: a recorded session to export and audit, a fresh copy per case
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "../record/record-util.h"

#define SESSION "export-test"

/* The studio, and its archive holding SESSION: three 1 s takes on a test
 * camera (001-joy, 002-anger, 003-joy), 002-anger's consent refused. */
extern Studio *studio;

/* Records the session; call once from main(). */
void export_util_record (void);

typedef struct {
  char *dir;
  char *archive;   /* a copy of the recorded archive */
  char *session;
  char *journal;
  char *pkg;       /* DIR/out/pkg, not created */
  int status;
  char *out, *err;
} Case;

Case *case_new (void);
void case_free (Case *c);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Case, case_free)

/* emocap export SESSION --archive ARCHIVE --to PKG --purpose PURPOSE
 * [ARG ...] (NULL-terminated); the exit status, also in c->status. */
int export (Case *c, const char *purpose, ...) G_GNUC_NULL_TERMINATED;

/* emocap ARG ... (NULL-terminated) in the studio; the exit status. */
int run_emocap_in (Case *c, ...) G_GNUC_NULL_TERMINATED;

char *read_text (const char *path);

/* emocap withdraw SESSION/TAKE --actor actor-0042: a signed consent.withdrawn
 * for @take in the session's journal. */
void withdraw (Case *c, const char *take);
