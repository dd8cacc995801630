/* qks-rng.c: seeded, reproducible random numbers
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-rng.h"

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/**
 * qks_rng_init:
 * @rng: the generator to initialise
 * @seed: any value; equal seeds give equal streams on every machine
 */
void
qks_rng_init (QksRng  *rng,
              guint64  seed)
{
  qks_rng_init_stream (rng, seed, 0);
}

/**
 * qks_rng_init_stream:
 * @rng: the generator to initialise
 * @seed: the run's seed
 * @stream: which independent stream of that seed (data, init, dropout, ...)
 *
 * Gives each consumer of randomness its own stream, so that adding a draw to
 * one (say, a new dataset) does not shift the numbers another one sees.
 */
void
qks_rng_init_stream (QksRng  *rng,
                     guint64  seed,
                     guint64  stream)
{
  guint64 sm = seed ^ splitmix64 (&stream);

  for (guint i = 0; i < G_N_ELEMENTS (rng->s); i++)
    rng->s[i] = splitmix64 (&sm);

  /* The all-zero state is the one fixed point of xoshiro; splitmix64 cannot
   * produce four zeros in a row, but guard it rather than rely on that. */
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
    rng->s[0] = 1;

  rng->spare_normal = 0.0;
  rng->has_spare_normal = FALSE;
}

guint64
qks_rng_next_u64 (QksRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);

  return result;
}

/**
 * qks_rng_uniform:
 *
 * Returns: a double uniform on [0, 1), with all 53 bits of mantissa random.
 */
double
qks_rng_uniform (QksRng *rng)
{
  return (double)(qks_rng_next_u64 (rng) >> 11) * 0x1.0p-53;
}

/**
 * qks_rng_uniform_int:
 * @bound: the number of possible values; must be > 0
 *
 * Returns: an integer uniform on [0, @bound), without modulo bias
 *   (Lemire's multiply-and-reject method).
 */
guint64
qks_rng_uniform_int (QksRng  *rng,
                     guint64  bound)
{
  unsigned __int128 m;
  guint64 low;

  g_return_val_if_fail (bound > 0, 0);

  m = (unsigned __int128) qks_rng_next_u64 (rng) * bound;
  low = (guint64) m;
  if (low < bound)
    {
      guint64 threshold = -bound % bound;

      while (low < threshold)
        {
          m = (unsigned __int128) qks_rng_next_u64 (rng) * bound;
          low = (guint64) m;
        }
    }

  return (guint64)(m >> 64);
}

/**
 * qks_rng_normal:
 *
 * Returns: a standard normal deviate (Marsaglia's polar method).
 */
double
qks_rng_normal (QksRng *rng)
{
  double u, v, s, factor;

  if (rng->has_spare_normal)
    {
      rng->has_spare_normal = FALSE;
      return rng->spare_normal;
    }

  do
    {
      u = 2.0 * qks_rng_uniform (rng) - 1.0;
      v = 2.0 * qks_rng_uniform (rng) - 1.0;
      s = u * u + v * v;
    }
  while (s >= 1.0 || s == 0.0);

  factor = sqrt (-2.0 * log (s) / s);
  rng->spare_normal = v * factor;
  rng->has_spare_normal = TRUE;

  return u * factor;
}

void
qks_rng_fill_normal (QksRng *rng,
                     double *out,
                     gsize   n,
                     double  mean,
                     double  stddev)
{
  for (gsize i = 0; i < n; i++)
    out[i] = mean + stddev * qks_rng_normal (rng);
}

void
qks_rng_fill_normal_f32 (QksRng *rng,
                         float  *out,
                         gsize   n,
                         float   mean,
                         float   stddev)
{
  for (gsize i = 0; i < n; i++)
    out[i] = (float)(mean + stddev * qks_rng_normal (rng));
}

/**
 * qks_rng_shuffle_indices:
 *
 * Shuffles @indices in place (Fisher–Yates), every permutation equally likely.
 */
void
qks_rng_shuffle_indices (QksRng *rng,
                         guint  *indices,
                         gsize   n)
{
  for (gsize i = n; i > 1; i--)
    {
      gsize j = (gsize) qks_rng_uniform_int (rng, i);
      guint tmp = indices[i - 1];

      indices[i - 1] = indices[j];
      indices[j] = tmp;
    }
}
