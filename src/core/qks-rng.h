/* qks-rng.h: seeded, reproducible random numbers
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* xoshiro256** (Blackman & Vigna): small state, fast, and every seed gives a
 * well-mixed stream through splitmix64. The whole state is a plain value, so a
 * trainer can copy it into a checkpoint and resume the exact same stream. */
typedef struct
{
  guint64 s[4];
  /* Gaussians come in pairs from the polar method: the spare is kept so that
   * a stream of normals does not depend on how it is chunked. */
  double   spare_normal;
  gboolean has_spare_normal;
} QksRng;

void     qks_rng_init                  (QksRng   *rng,
                                        guint64   seed);
void     qks_rng_init_stream           (QksRng   *rng,
                                        guint64   seed,
                                        guint64   stream);
guint64  qks_rng_next_u64              (QksRng   *rng);
double   qks_rng_uniform               (QksRng   *rng);
guint64  qks_rng_uniform_int           (QksRng   *rng,
                                        guint64   bound);
double   qks_rng_normal                (QksRng   *rng);
void     qks_rng_fill_normal_f32       (QksRng   *rng,
                                        float    *out,
                                        gsize     n,
                                        float     mean,
                                        float     stddev);
void     qks_rng_fill_normal           (QksRng   *rng,
                                        double   *out,
                                        gsize     n,
                                        double    mean,
                                        double    stddev);
void     qks_rng_shuffle_indices       (QksRng   *rng,
                                        guint    *indices,
                                        gsize     n);

G_END_DECLS
