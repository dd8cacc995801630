/* qks-combo-row.h: combo rows that show their chosen item whole
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void qks_combo_row_show_whole_value (AdwComboRow *row);

G_END_DECLS
