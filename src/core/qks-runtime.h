/* qks-runtime.h: process-wide settings every QK Scope program starts with
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void qks_runtime_init (void);

G_END_DECLS
