/* qks-preferences-window.h: the application's preferences
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define QKS_TYPE_PREFERENCES_WINDOW (qks_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (QksPreferencesWindow, qks_preferences_window, QKS, PREFERENCES_WINDOW, AdwPreferencesWindow)

QksPreferencesWindow *qks_preferences_window_new (GtkWindow *transient_for);

G_END_DECLS
