/* qks-heads-view.h: the Heads view
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qks-figure-page.h"

G_BEGIN_DECLS

#define QKS_TYPE_HEADS_VIEW (qks_heads_view_get_type ())

G_DECLARE_FINAL_TYPE (QksHeadsView, qks_heads_view, QKS, HEADS_VIEW, QksFigurePage)

GtkWidget *qks_heads_view_new (void);

G_END_DECLS
