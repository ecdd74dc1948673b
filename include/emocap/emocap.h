/* emocap: scripted emotion-capture recording with provable consent
 *
 * Copyright (C) 2026 emocap developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <emocap/error.h>
#include <emocap/json.h>
#include <emocap/digest.h>
#include <emocap/keys.h>
#include <emocap/journal.h>
#include <emocap/contract.h>
#include <emocap/script.h>
#include <emocap/consent.h>
#include <emocap/capture.h>
#include <emocap/session.h>
#include <emocap/devices.h>
#include <emocap/watermark.h>
#include <emocap/watermark-element.h>
