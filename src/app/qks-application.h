/* qks-application.h
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define QKS_TYPE_APPLICATION (qks_application_get_type ())

G_DECLARE_FINAL_TYPE (QksApplication, qks_application, QKS, APPLICATION, AdwApplication)

QksApplication *qks_application_new          (void);
GSettings      *qks_application_get_settings (QksApplication *self);

G_END_DECLS
