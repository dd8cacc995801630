/* qks-diag-choices.h: the diagnostics' choices as the setup pane and the
 * preferences show them, and their defaults in GSettings
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qks-diag.h"

G_BEGIN_DECLS

/* Items in enum order, so that a combo row's "selected" is the enum value. */
GtkStringList *qks_diag_choices_new_null_list        (void);
GtkStringList *qks_diag_choices_new_estimator_list   (void);
const char    *qks_diag_choices_get_null_summary      (QksDiagNull        null_law);
const char    *qks_diag_choices_get_estimator_summary (QksSigmaEstimator  estimator);

void           qks_diag_choices_setup_interval_spin   (GtkSpinButton     *spin);

void           qks_diag_choices_get_defaults          (GSettings         *settings,
                                                       guint             *diag_every,
                                                       QksDiagNull       *null_law,
                                                       QksSigmaEstimator *estimator);
void           qks_diag_choices_bind_null             (GSettings         *settings,
                                                       AdwComboRow       *row);
void           qks_diag_choices_bind_estimator        (GSettings         *settings,
                                                       AdwComboRow       *row);

G_END_DECLS
