/* qks-real.h: the floating-point type of the training engine
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <math.h>

#include <cblas.h>

/* The engine trains in float32 through cblas_sgemm. The same sources are
 * compiled a second time with QKS_REAL_DOUBLE for the gradient-check test
 * only, so that finite differences there are accurate to ~1e-8 and test
 * exactly the code that trains. */
#ifdef QKS_REAL_DOUBLE
typedef double qks_real;
# define qks_gemm  cblas_dgemm
# define qks_exp   exp
# define qks_log   log
# define qks_sqrt  sqrt
# define qks_tanh  tanh
# define qks_fabs  fabs
# define QKS_REAL_NAME "f64"
#else
typedef float qks_real;
# define qks_gemm  cblas_sgemm
# define qks_exp   expf
# define qks_log   logf
# define qks_sqrt  sqrtf
# define qks_tanh  tanhf
# define qks_fabs  fabsf
# define QKS_REAL_NAME "f32"
#endif
