/* qks-training-view.h: the Training view
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qks-figure-page.h"

G_BEGIN_DECLS

#define QKS_TYPE_TRAINING_VIEW (qks_training_view_get_type ())

G_DECLARE_FINAL_TYPE (QksTrainingView, qks_training_view, QKS, TRAINING_VIEW, QksFigurePage)

GtkWidget *qks_training_view_new (void);

G_END_DECLS
