/* plot-reference.h: a figure compared with its reference PNG, for the tests
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qks-plot-export.h"

G_BEGIN_DECLS

/* Renders @draw as a PNG at @scale and compares it with
 * tests/reference/NAME.png pixel by pixel, within a tolerance for the
 * anti-aliasing of another build. With QKS_UPDATE_REFERENCES=1 in the
 * environment it writes the reference instead (then commit it); a missing
 * reference fails the test and says so. */
void qks_test_check_reference (const char      *name,
                               QksPlotDrawFunc  draw,
                               gpointer         user_data,
                               double           width,
                               double           height,
                               double           scale);

G_END_DECLS
