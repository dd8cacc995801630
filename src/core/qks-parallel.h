/* qks-parallel.h: a parallel loop over independent items, BLAS-aware
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QKS_PARALLEL_MAX_THREADS 16

/* func handles items [begin, end) on thread number thread (< n_threads). */
typedef void (*QksParallelFunc) (gsize    begin,
                                 gsize    end,
                                 guint    thread,
                                 gpointer user_data);

void  qks_parallel_set_threads (guint           n_threads);
guint qks_parallel_get_threads (void);
void  qks_parallel_run_serially_here (void);
void  qks_parallel_for         (gsize           n_items,
                                QksParallelFunc func,
                                gpointer        user_data);

G_END_DECLS
