/* qks-blas.h: which BLAS the program runs on, and its threads
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *qks_blas_get_config      (void);
const char *qks_blas_get_core_name   (void);
int         qks_blas_get_num_threads (void);
void        qks_blas_set_num_threads (int threads);
char       *qks_blas_get_library_path (void);
char       *qks_blas_get_lapack_library_path (void);

G_END_DECLS
