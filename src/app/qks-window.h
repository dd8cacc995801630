/* qks-window.h
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qks-application.h"

G_BEGIN_DECLS

#define QKS_TYPE_WINDOW (qks_window_get_type ())

G_DECLARE_FINAL_TYPE (QksWindow, qks_window, QKS, WINDOW, AdwApplicationWindow)

QksWindow *qks_window_new (QksApplication *application);

G_END_DECLS
