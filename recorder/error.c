/* emocap: error domain and exit codes
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>

#include <emocap/error.h>

G_DEFINE_QUARK (emocap-error-quark, emocap_error)

EmocapExit
emocap_error_exit_code (const GError *error)
{
  g_return_val_if_fail (error != NULL, EMOCAP_EXIT_REFUSED);

  if (error->domain == G_OPTION_ERROR)
    return EMOCAP_EXIT_USAGE;
  if (error->domain == G_FILE_ERROR)
    return EMOCAP_EXIT_ENVIRONMENT;
  if (error->domain != EMOCAP_ERROR)
    return EMOCAP_EXIT_REFUSED;

  switch ((EmocapError) error->code) {
    case EMOCAP_ERROR_USAGE:
    case EMOCAP_ERROR_INVALID_SCRIPT:
    case EMOCAP_ERROR_INVALID_CONTRACT:
    case EMOCAP_ERROR_INVALID_CONSENT:
    case EMOCAP_ERROR_INVALID_MEDIA:
      return EMOCAP_EXIT_USAGE;
    case EMOCAP_ERROR_DEVICE:
    case EMOCAP_ERROR_IO:
    case EMOCAP_ERROR_NO_SPACE:
      return EMOCAP_EXIT_ENVIRONMENT;
    case EMOCAP_ERROR_FAILED:
    case EMOCAP_ERROR_CONSENT:
    case EMOCAP_ERROR_EXISTS:
    case EMOCAP_ERROR_VERIFY:
    case EMOCAP_ERROR_NOT_FOUND:
      break;
  }
  return EMOCAP_EXIT_REFUSED;
}

EmocapError
emocap_error_code_for_errno (int errno_value)
{
  return errno_value == ENOSPC || errno_value == EDQUOT || errno_value == EFBIG ?
      EMOCAP_ERROR_NO_SPACE : EMOCAP_ERROR_IO;
}
