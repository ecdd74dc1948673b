/* emocap: fuzz target for contracts
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (EmocapContract) contract = emocap_contract_load_bytes (
      "contract.json", bytes, &error);

  if (contract == NULL) {
    fuzz_check_error (error, EMOCAP_ERROR_INVALID_CONTRACT,
        EMOCAP_ERROR_INVALID_CONTRACT, EMOCAP_ERROR_INVALID_CONTRACT);
    FUZZ_CHECK (g_str_has_prefix (error->message, "contract.json:"));
    return 0;
  }
  FUZZ_CHECK (error == NULL);
  fuzz_check_contract (contract);
  return 0;
}
