/* qks-fastmath.h: exp and tanh for float, accurate to a few ulps and vectorisable
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdint.h>
#include <string.h>

#include "qks-real.h"

/* glibc's tanhf and expf are scalar calls with branches: in the GELU they
 * took a third of a training step. These are branch-free, so the compiler
 * vectorises the loops around them. The double build (gradient checks)
 * keeps libm's functions. */

/* Hot elementwise loops get an AVX2 clone beside the baseline x86-64
 * one, chosen at load time; OpenBLAS dispatches its kernels the same way.
 * Not under ThreadSanitizer, whose instrumented resolvers run before it is
 * set up and crash the program at load. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) && \
    !defined(__SANITIZE_THREAD__)
# define QKS_VECTOR_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
# define QKS_VECTOR_CLONES
#endif

#ifdef QKS_REAL_DOUBLE

# define qks_fast_exp  exp
# define qks_fast_tanh tanh

#else

/* e^x for x in [−87, 88]: 2^n · e^r with |r| ≤ ln2/2 and a degree-6
 * polynomial for e^r (relative error < 2e-7). Inputs are clamped, so −inf
 * gives ~0 and large values stay finite. */
static inline float
qks_fast_exp (float x)
{
  const float log2e = 1.44269504088896341f;
  const float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
  float n, r, p;
  int32_t bits;
  float scale;

  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  /* Round to nearest by adding and subtracting 1.5·2^23: no libm call. */
  n = (x * log2e + 12582912.0f) - 12582912.0f;
  r = x - n * ln2_hi - n * ln2_lo;
  p = 1.0f + r * (1.0f + r * (0.5f + r * (1.6666667e-1f + r * (4.1666668e-2f +
      r * (8.3333338e-3f + r * 1.3888889e-3f)))));
  bits = ((int32_t) n + 127) << 23;
  memcpy (&scale, &bits, sizeof scale);
  return p * scale;
}

/* tanh(x) = sign(x) (1 − 2/(e^{2|x|} + 1)); absolute error < 3e-7. */
static inline float
qks_fast_tanh (float x)
{
  float a = __builtin_fabsf (x);
  float t = 1.0f - 2.0f / (qks_fast_exp (2.0f * a) + 1.0f);

  return __builtin_copysignf (t, x);
}

#endif
