/* qks-data-tasks.h: algorithmic corpora (induction, associative recall, modular addition)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each appends whole lines to @out until it holds at least @n_bytes bytes;
 * equal seeds give equal bytes on every machine. The formats are described
 * in qks-data-tasks.c. */
void qks_data_induction_generate (GString *out,
                                  guint64  seed,
                                  gsize    n_bytes);
void qks_data_recall_generate    (GString *out,
                                  guint64  seed,
                                  gsize    n_bytes);
void qks_data_modular_generate   (GString *out,
                                  guint64  seed,
                                  gsize    n_bytes,
                                  guint    modulus);

G_END_DECLS
