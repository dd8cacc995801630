/* qks-spectra-view.h: the Spectra view
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qks-figure-page.h"

G_BEGIN_DECLS

#define QKS_TYPE_SPECTRA_VIEW (qks_spectra_view_get_type ())

G_DECLARE_FINAL_TYPE (QksSpectraView, qks_spectra_view, QKS, SPECTRA_VIEW, QksFigurePage)

GtkWidget *qks_spectra_view_new (void);

G_END_DECLS
