/* emocap: error domain and exit codes
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EMOCAP_ERROR (emocap_error_quark ())

/**
 * EmocapError:
 * @EMOCAP_ERROR_FAILED: anything not covered below (exit 3)
 * @EMOCAP_ERROR_USAGE: bad command line (exit 1)
 * @EMOCAP_ERROR_INVALID_SCRIPT: a session script does not validate (exit 1)
 * @EMOCAP_ERROR_INVALID_CONTRACT: a contract does not validate (exit 1)
 * @EMOCAP_ERROR_INVALID_CONSENT: a consent file does not validate or does
 *   not match the script and contract (exit 1)
 * @EMOCAP_ERROR_DEVICE: a camera or microphone cannot be opened, delivers
 *   nothing, or fails while recording (exit 2)
 * @EMOCAP_ERROR_IO: disk, permissions, a file that cannot be read or
 *   written (exit 2)
 * @EMOCAP_ERROR_CONSENT: consent refused or not covering a take (exit 3)
 * @EMOCAP_ERROR_EXISTS: the thing to create already exists (exit 3)
 * @EMOCAP_ERROR_VERIFY: a journal, signature or hash check failed (exit 3)
 * @EMOCAP_ERROR_NOT_FOUND: a session, take or key that does not exist (exit 3)
 * @EMOCAP_ERROR_INVALID_MEDIA: a frame or clip that cannot be read (exit 1)
 * @EMOCAP_ERROR_NO_SPACE: the disk is full, or a file reached the size the
 *   process may write (ENOSPC, EDQUOT, EFBIG) (exit 2)
 */
typedef enum {
  EMOCAP_ERROR_FAILED,
  EMOCAP_ERROR_USAGE,
  EMOCAP_ERROR_INVALID_SCRIPT,
  EMOCAP_ERROR_INVALID_CONTRACT,
  EMOCAP_ERROR_INVALID_CONSENT,
  EMOCAP_ERROR_DEVICE,
  EMOCAP_ERROR_IO,
  EMOCAP_ERROR_CONSENT,
  EMOCAP_ERROR_EXISTS,
  EMOCAP_ERROR_VERIFY,
  EMOCAP_ERROR_NOT_FOUND,
  EMOCAP_ERROR_INVALID_MEDIA,
  EMOCAP_ERROR_NO_SPACE,
} EmocapError;

/* EMOCAP_ERROR_NO_SPACE for @errno_value ENOSPC, EDQUOT or EFBIG, else
 * EMOCAP_ERROR_IO: the code for a failed write. */
EmocapError emocap_error_code_for_errno (int errno_value);

/* Exit codes of the emocap program, documented in `emocap help`. */
typedef enum {
  EMOCAP_EXIT_OK = 0,
  EMOCAP_EXIT_USAGE = 1,        /* usage or invalid input */
  EMOCAP_EXIT_ENVIRONMENT = 2,  /* device, disk, permissions */
  EMOCAP_EXIT_REFUSED = 3,      /* refused or failed check */
} EmocapExit;

GQuark emocap_error_quark (void);

/* The exit code the program uses for @error (any domain). */
EmocapExit emocap_error_exit_code (const GError *error);

G_END_DECLS
