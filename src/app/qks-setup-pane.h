/* qks-setup-pane.h: the rows where a user sets up a training run
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qks-diag.h"
#include "qks-trainer.h"

G_BEGIN_DECLS

#define QKS_TYPE_SETUP_PANE (qks_setup_pane_get_type ())

G_DECLARE_FINAL_TYPE (QksSetupPane, qks_setup_pane, QKS, SETUP_PANE, GtkWidget)

QksSetupPane *qks_setup_pane_new         (void);
gboolean      qks_setup_pane_get_valid   (QksSetupPane          *self);
const char   *qks_setup_pane_get_problem (QksSetupPane          *self);
gboolean      qks_setup_pane_get_config  (QksSetupPane          *self,
                                          QksTrainConfig        *config,
                                          QksDiagOptions        *options,
                                          GError               **error);
void          qks_setup_pane_set_config  (QksSetupPane          *self,
                                          const QksTrainConfig  *config,
                                          const QksDiagOptions  *options);

G_END_DECLS
