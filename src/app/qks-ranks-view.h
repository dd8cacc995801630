/* qks-ranks-view.h: the Ranks view
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qks-figure-page.h"

G_BEGIN_DECLS

#define QKS_TYPE_RANKS_VIEW (qks_ranks_view_get_type ())

G_DECLARE_FINAL_TYPE (QksRanksView, qks_ranks_view, QKS, RANKS_VIEW, QksFigurePage)

GtkWidget *qks_ranks_view_new (void);

G_END_DECLS
