/* emocap tests: the fixed studio key of the journal corpus and fuzz target
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The corpus under tests/journal/corpus/ is signed with the key derived
 * from this seed (make-journal-corpus writes it again, byte for byte).
 */
#pragma once

#define FUZZ_KEY_SEED "emocap-journal-fuzz-fixed-seed-1"
#define FUZZ_OTHER_KEY_SEED "emocap-journal-fuzz-other-seed-2"
