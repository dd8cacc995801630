/* qks-ops.c: the layers a transformer is built from, each a forward/backward pair
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-fastmath.h"
#include "qks-ops.h"
#include "qks-parallel.h"

/* Matrix products --------------------------------------------------------- */

/* The matrix products are split between threads by qks_parallel_for, each
 * share one single-threaded BLAS call, rather than left to OpenBLAS's own
 * threads: those spin while the rest of a step runs, and a second caller
 * (the diagnostics worker) waits for their lock. Splits are along a
 * dimension that needs no reduction, so results do not depend on them. */
#define MIN_ROWS_PER_THREAD 64

typedef struct
{
  qks_real       *out;
  gsize           ld_out;
  const qks_real *a;
  gsize           ld_a;
  const qks_real *b;
  gsize           ld_b;
  gsize           k;
  gsize           n;
  qks_real        beta;
  gboolean        transpose_a;
  gboolean        transpose_b;
} GemmJob;

/* out[rows] = op(a)[rows] · op(b), rows of the result split between threads. */
static void
gemm_rows (gsize    begin,
           gsize    end,
           guint    thread,
           gpointer data)
{
  const GemmJob *job = data;
  const qks_real *a = job->transpose_a ? job->a + begin : job->a + begin * job->ld_a;

  qks_gemm (CblasRowMajor, job->transpose_a ? CblasTrans : CblasNoTrans,
            job->transpose_b ? CblasTrans : CblasNoTrans,
            (int) (end - begin), (int) job->n, (int) job->k,
            1, a, (int) job->ld_a, job->b, (int) job->ld_b,
            job->beta, job->out + begin * job->ld_out, (int) job->ld_out);
}

static void
parallel_gemm (const GemmJob *job,
               gsize          m)
{
  if (m >= 2 * MIN_ROWS_PER_THREAD)
    qks_parallel_for (m, gemm_rows, (gpointer) job);
  else
    gemm_rows (0, m, 0, (gpointer) job);
}

/**
 * qks_linear_forward:
 *
 * out (n_rows × n_out) = in (n_rows × n_in) · weightᵀ, or += with @accumulate.
 */
void
qks_linear_forward (qks_real       *out,
                    gsize           ld_out,
                    const qks_real *in,
                    gsize           ld_in,
                    const qks_real *weight,
                    gsize           n_rows,
                    gsize           n_in,
                    gsize           n_out,
                    gboolean        accumulate)
{
  GemmJob job = {
    .out = out, .ld_out = ld_out, .a = in, .ld_a = ld_in, .b = weight, .ld_b = n_in,
    .k = n_in, .n = n_out, .beta = accumulate ? 1 : 0, .transpose_a = FALSE, .transpose_b = TRUE,
  };

  if (n_rows == 0 || n_out == 0)
    return;
  if (n_in == 0)
    {
      if (!accumulate)
        for (gsize r = 0; r < n_rows; r++)
          memset (out + r * ld_out, 0, n_out * sizeof (qks_real));
      return;
    }
  parallel_gemm (&job, n_rows);
}

/**
 * qks_linear_backward:
 * @d_in: (nullable): += d_out · weight
 * @d_weight: += d_outᵀ · in
 */
void
qks_linear_backward (qks_real       *d_in,
                     gsize           ld_d_in,
                     qks_real       *d_weight,
                     const qks_real *d_out,
                     gsize           ld_d_out,
                     const qks_real *in,
                     gsize           ld_in,
                     const qks_real *weight,
                     gsize           n_rows,
                     gsize           n_in,
                     gsize           n_out)
{
  /* d_weight's rows are the outputs: split them, each thread summing over
   * every input row. */
  GemmJob weight_job = {
    .out = d_weight, .ld_out = n_in, .a = d_out, .ld_a = ld_d_out, .b = in, .ld_b = ld_in,
    .k = n_rows, .n = n_in, .beta = 1, .transpose_a = TRUE, .transpose_b = FALSE,
  };
  GemmJob input_job = {
    .out = d_in, .ld_out = ld_d_in, .a = d_out, .ld_a = ld_d_out, .b = weight, .ld_b = n_in,
    .k = n_out, .n = n_in, .beta = 1, .transpose_a = FALSE, .transpose_b = FALSE,
  };

  if (n_rows == 0 || n_out == 0 || n_in == 0)
    return;

  parallel_gemm (&weight_job, n_out);
  if (d_in != NULL)
    parallel_gemm (&input_job, n_rows);
}

/* Normalisation and nonlinearity ------------------------------------------ */

typedef struct
{
  qks_real       *out;
  qks_real       *rstd;
  qks_real       *d_in;
  qks_real       *d_gain_parts;    /* one dim-long row per thread */
  const qks_real *in;
  const qks_real *d_out;
  const qks_real *gain;
  gsize           dim;
} RmsNormJob;

static void
rmsnorm_forward_rows (gsize    begin,
                      gsize    end,
                      guint    thread,
                      gpointer data)
{
  const RmsNormJob *job = data;
  gsize dim = job->dim;

  for (gsize r = begin; r < end; r++)
    {
      const qks_real *x = job->in + r * dim;
      qks_real *y = job->out + r * dim;
      double sum_sq = 0.0;
      qks_real s;

      for (gsize i = 0; i < dim; i++)
        sum_sq += (double) x[i] * x[i];
      s = (qks_real) (1.0 / sqrt (sum_sq / (double) dim + QKS_RMSNORM_EPS));
      job->rstd[r] = s;
      for (gsize i = 0; i < dim; i++)
        y[i] = job->gain[i] * x[i] * s;
    }
}

/**
 * qks_rmsnorm_forward:
 * @rstd: (out): 1/sqrt(mean(x²) + ε) per row, kept for the backward pass
 *
 * out = gain ⊙ x / sqrt(mean(x²) + ε), SCIENCE.md a.0.
 */
void
qks_rmsnorm_forward (qks_real       *out,
                     qks_real       *rstd,
                     const qks_real *in,
                     const qks_real *gain,
                     gsize           n_rows,
                     gsize           dim)
{
  RmsNormJob job = { .out = out, .rstd = rstd, .in = in, .gain = gain, .dim = dim };

  qks_parallel_for (n_rows, rmsnorm_forward_rows, &job);
}

static void
rmsnorm_backward_rows (gsize    begin,
                       gsize    end,
                       guint    thread,
                       gpointer data)
{
  const RmsNormJob *job = data;
  gsize dim = job->dim;
  qks_real *d_gain = job->d_gain_parts + thread * dim;

  for (gsize r = begin; r < end; r++)
    {
      const qks_real *x = job->in + r * dim;
      const qks_real *dy = job->d_out + r * dim;
      qks_real *dx = job->d_in + r * dim;
      qks_real s = job->rstd[r];
      double dot = 0.0;
      qks_real correction;

      /* y_i = g_i x_i s(x), ∂s/∂x_j = −s³ x_j / dim */
      for (gsize i = 0; i < dim; i++)
        {
          dot += (double) job->gain[i] * dy[i] * x[i];
          d_gain[i] += dy[i] * x[i] * s;
        }
      correction = (qks_real) (dot * s * s * s / (double) dim);
      for (gsize i = 0; i < dim; i++)
        dx[i] += job->gain[i] * dy[i] * s - x[i] * correction;
    }
}

void
qks_rmsnorm_backward (qks_real       *d_in,
                      qks_real       *d_gain,
                      const qks_real *d_out,
                      const qks_real *in,
                      const qks_real *gain,
                      const qks_real *rstd,
                      gsize           n_rows,
                      gsize           dim)
{
  guint threads = qks_parallel_get_threads ();
  g_autofree qks_real *parts = g_new0 (qks_real, threads * dim);
  RmsNormJob job = {
    .d_in = d_in, .d_gain_parts = parts, .d_out = d_out, .in = in, .gain = gain,
    .rstd = (qks_real *) rstd, .dim = dim,
  };

  qks_parallel_for (n_rows, rmsnorm_backward_rows, &job);
  /* Summed in thread order: the same result for the same thread count. */
  for (guint t = 0; t < threads; t++)
    for (gsize i = 0; i < dim; i++)
      d_gain[i] += parts[t * dim + i];
}

#define GELU_SCALE 0.7978845608028654   /* sqrt(2/π) */
#define GELU_CUBIC 0.044715

/* GELU, tanh approximation (SCIENCE.md a.0: GELU_tanh). */
static QKS_VECTOR_CLONES void
gelu_forward_kernel (qks_real       *out,
                     const qks_real *in,
                     gsize           n)
{
  for (gsize i = 0; i < n; i++)
    {
      qks_real x = in[i];
      qks_real u = (qks_real) GELU_SCALE * (x + (qks_real) GELU_CUBIC * x * x * x);

      out[i] = (qks_real) 0.5 * x * (1 + qks_fast_tanh (u));
    }
}

static QKS_VECTOR_CLONES void
gelu_backward_kernel (qks_real       *d_in,
                      const qks_real *d_out,
                      const qks_real *in,
                      gsize           n)
{
  for (gsize i = 0; i < n; i++)
    {
      qks_real x = in[i];
      qks_real u = (qks_real) GELU_SCALE * (x + (qks_real) GELU_CUBIC * x * x * x);
      qks_real t = qks_fast_tanh (u);
      qks_real du = (qks_real) GELU_SCALE * (1 + 3 * (qks_real) GELU_CUBIC * x * x);
      qks_real grad = (qks_real) 0.5 * (1 + t) + (qks_real) 0.5 * x * (1 - t * t) * du;

      d_in[i] += grad * d_out[i];
    }
}

typedef struct
{
  qks_real       *out;
  const qks_real *in;
  const qks_real *d_out;
} GeluJob;

/* Elementwise work is split in chunks of this many elements. */
#define CHUNK 4096

static void
gelu_forward_chunks (gsize    begin,
                     gsize    end,
                     guint    thread,
                     gpointer data)
{
  const GeluJob *job = data;

  gelu_forward_kernel (job->out + begin * CHUNK, job->in + begin * CHUNK, (end - begin) * CHUNK);
}

static void
gelu_backward_chunks (gsize    begin,
                      gsize    end,
                      guint    thread,
                      gpointer data)
{
  const GeluJob *job = data;

  gelu_backward_kernel (job->out + begin * CHUNK, job->d_out + begin * CHUNK,
                        job->in + begin * CHUNK, (end - begin) * CHUNK);
}

void
qks_gelu_forward (qks_real       *out,
                  const qks_real *in,
                  gsize           n)
{
  GeluJob job = { .out = out, .in = in };
  gsize whole = n / CHUNK;

  qks_parallel_for (whole, gelu_forward_chunks, &job);
  gelu_forward_kernel (out + whole * CHUNK, in + whole * CHUNK, n - whole * CHUNK);
}

void
qks_gelu_backward (qks_real       *d_in,
                   const qks_real *d_out,
                   const qks_real *in,
                   gsize           n)
{
  GeluJob job = { .out = d_in, .in = in, .d_out = d_out };
  gsize whole = n / CHUNK;

  qks_parallel_for (whole, gelu_backward_chunks, &job);
  gelu_backward_kernel (d_in + whole * CHUNK, d_out + whole * CHUNK, in + whole * CHUNK, n - whole * CHUNK);
}

/* Rotary position embedding ----------------------------------------------- */

void
qks_rope_init (QksRope *rope,
               guint    dim,
               guint    max_len,
               double   base)
{
  guint half = dim / 2;

  g_return_if_fail (dim % 2 == 0);

  rope->dim = dim;
  rope->max_len = max_len;
  rope->cos = g_new (qks_real, MAX ((gsize) max_len * half, 1));
  rope->sin = g_new (qks_real, MAX ((gsize) max_len * half, 1));

  /* In double, then rounded: the angle t·θ reaches thousands of radians. */
  for (guint t = 0; t < max_len; t++)
    for (guint i = 0; i < half; i++)
      {
        double theta = pow (base, -2.0 * i / (double) dim);

        rope->cos[(gsize) t * half + i] = (qks_real) cos (t * theta);
        rope->sin[(gsize) t * half + i] = (qks_real) sin (t * theta);
      }
}

void
qks_rope_clear (QksRope *rope)
{
  g_clear_pointer (&rope->cos, g_free);
  g_clear_pointer (&rope->sin, g_free);
}

/**
 * qks_rope_rotate:
 * @x: rows of @ld elements; row r is at position r mod @seq_len
 * @n_vectors: vectors of rope->dim elements in each row, @vector_stride apart
 * @inverse: rotate by −tθ instead (the transpose: the backward pass)
 *
 * Rotates each pair (y_i, y_{i+m/2}) by the angle tθ_i, in place: the
 * half-split pairing of Hugging Face LLaMA (SCIENCE.md a.0).
 */
void
qks_rope_rotate (const QksRope *rope,
                 qks_real      *x,
                 gsize          ld,
                 gsize          n_rows,
                 guint          seq_len,
                 guint          n_vectors,
                 gsize          vector_stride,
                 gboolean       inverse)
{
  guint half = rope->dim / 2;

  g_return_if_fail (seq_len <= rope->max_len);

  for (gsize r = 0; r < n_rows; r++)
    {
      gsize t = r % seq_len;
      const qks_real *c = rope->cos + t * half;
      const qks_real *s = rope->sin + t * half;

      for (guint h = 0; h < n_vectors; h++)
        {
          qks_real *y = x + r * ld + h * vector_stride;

          for (guint i = 0; i < half; i++)
            {
              qks_real a = y[i], b = y[i + half];
              qks_real sn = inverse ? -s[i] : s[i];

              y[i] = a * c[i] - b * sn;
              y[i + half] = a * sn + b * c[i];
            }
        }
    }
}

/* Causal attention --------------------------------------------------------- */

/* Rows are processed in blocks of ATTN_BLOCK: block i only needs the keys
 * up to its last row, which skips most of the masked upper triangle of
 * Q Kᵀ, P V and their gradients. The (batch, head) pairs are independent
 * and shared between threads by qks_parallel_for(). */
#define ATTN_BLOCK 64

typedef struct
{
  qks_real       *out;
  qks_real       *probs;
  const qks_real *q;
  const qks_real *k;
  const qks_real *v;
  qks_real       *grad_q;
  qks_real       *grad_k;
  qks_real       *grad_v;
  qks_real       *scratch;
  const qks_real *d_out;
  guint           n_heads;
  gsize           T;
  guint           d_qk;
  guint           d_v;
  qks_real        scale;
} AttentionJob;

static void
attention_forward_pairs (gsize    begin,
                         gsize    end,
                         guint    thread,
                         gpointer data)
{
  const AttentionJob *job = data;
  gsize T = job->T;
  gsize ld_qk = (gsize) job->n_heads * job->d_qk, ld_v = (gsize) job->n_heads * job->d_v;

  for (gsize pair = begin; pair < end; pair++)
    {
      gsize b = pair / job->n_heads, h = pair % job->n_heads;
      const qks_real *q_bh = job->q + b * T * ld_qk + h * job->d_qk;
      const qks_real *k_bh = job->k + b * T * ld_qk + h * job->d_qk;
      const qks_real *v_bh = job->v + b * T * ld_v + h * job->d_v;
      qks_real *out_bh = job->out + b * T * ld_v + h * job->d_v;
      qks_real *p = job->probs + pair * T * T;

      /* S = scale · Q Kᵀ, only up to each block's last key */
      for (gsize i0 = 0; i0 < T; i0 += ATTN_BLOCK)
        {
          gsize rows = MIN (ATTN_BLOCK, T - i0), cols = i0 + rows;

          qks_gemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, (int) cols, (int) job->d_qk,
                    job->scale, q_bh + i0 * ld_qk, (int) ld_qk, k_bh, (int) ld_qk,
                    0, p + i0 * T, (int) T);
        }

      for (gsize i = 0; i < T; i++)
        {
          qks_real *row = p + i * T;
          qks_real max = row[0], sum = 0;

          for (gsize j = 1; j <= i; j++)
            max = MAX (max, row[j]);
          for (gsize j = 0; j <= i; j++)
            {
              row[j] = qks_exp (row[j] - max);
              sum += row[j];
            }
          for (gsize j = 0; j <= i; j++)
            row[j] /= sum;
          for (gsize j = i + 1; j < T; j++)
            row[j] = 0;
        }

      /* O = P V */
      for (gsize i0 = 0; i0 < T; i0 += ATTN_BLOCK)
        {
          gsize rows = MIN (ATTN_BLOCK, T - i0), cols = i0 + rows;

          qks_gemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) rows, (int) job->d_v, (int) cols,
                    1, p + i0 * T, (int) T, v_bh, (int) ld_v, 0, out_bh + i0 * ld_v, (int) ld_v);
        }
    }
}

/**
 * qks_attention_forward:
 * @out: (batch·seq_len) × (n_heads·d_v), overwritten
 * @probs: (out): batch × n_heads × seq_len × seq_len attention weights, zero
 *   above the diagonal, kept for the backward pass
 * @q: (batch·seq_len) × (n_heads·d_qk): head h at column h·d_qk
 * @k: same layout as @q
 * @v: (batch·seq_len) × (n_heads·d_v)
 * @scale: multiplies qᵀk before the softmax (1/sqrt(d_qk))
 *
 * Exact causal softmax attention.
 */
void
qks_attention_forward (qks_real       *out,
                       qks_real       *probs,
                       const qks_real *q,
                       const qks_real *k,
                       const qks_real *v,
                       guint           batch,
                       guint           seq_len,
                       guint           n_heads,
                       guint           d_qk,
                       guint           d_v,
                       double          scale)
{
  AttentionJob job = {
    .out = out, .probs = probs, .q = q, .k = k, .v = v,
    .n_heads = n_heads, .T = seq_len, .d_qk = d_qk, .d_v = d_v, .scale = (qks_real) scale,
  };

  qks_parallel_for ((gsize) batch * n_heads, attention_forward_pairs, &job);
}

static void
attention_backward_pairs (gsize    begin,
                          gsize    end,
                          guint    thread,
                          gpointer data)
{
  const AttentionJob *job = data;
  gsize T = job->T;
  gsize ld_qk = (gsize) job->n_heads * job->d_qk, ld_v = (gsize) job->n_heads * job->d_v;
  qks_real *d_s = job->scratch + (gsize) thread * T * T;

  for (gsize pair = begin; pair < end; pair++)
    {
      gsize b = pair / job->n_heads, h = pair % job->n_heads;
      gsize qk_at = b * T * ld_qk + h * job->d_qk, v_at = b * T * ld_v + h * job->d_v;
      const qks_real *p = job->probs + pair * T * T;

      for (gsize i0 = 0; i0 < T; i0 += ATTN_BLOCK)
        {
          gsize rows = MIN (ATTN_BLOCK, T - i0), cols = i0 + rows;

          /* dP = dO Vᵀ, up to each block's last key */
          qks_gemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, (int) cols, (int) job->d_v,
                    1, job->d_out + v_at + i0 * ld_v, (int) ld_v, job->v + v_at, (int) ld_v,
                    0, d_s + i0 * T, (int) T);
          /* dV_j = Σ_{i ≥ j} P_ij dO_i: the keys of this block from the rows at and below it */
          qks_gemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) rows, (int) job->d_v, (int) (T - i0),
                    1, p + i0 * T + i0, (int) T, job->d_out + v_at + i0 * ld_v, (int) ld_v,
                    0, job->grad_v + v_at + i0 * ld_v, (int) ld_v);
        }

      /* Softmax: dS_ij = P_ij (dP_ij − Σ_k P_ik dP_ik), zero above the diagonal. */
      for (gsize i = 0; i < T; i++)
        {
          const qks_real *p_row = p + i * T;
          qks_real *row = d_s + i * T;
          qks_real dot = 0;

          for (gsize j = 0; j <= i; j++)
            dot += p_row[j] * row[j];
          for (gsize j = 0; j <= i; j++)
            row[j] = p_row[j] * (row[j] - dot);
          for (gsize j = i + 1; j < T; j++)
            row[j] = 0;
        }

      for (gsize i0 = 0; i0 < T; i0 += ATTN_BLOCK)
        {
          gsize rows = MIN (ATTN_BLOCK, T - i0), cols = i0 + rows;

          /* dQ = scale · dS K */
          qks_gemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) rows, (int) job->d_qk, (int) cols,
                    job->scale, d_s + i0 * T, (int) T, job->k + qk_at, (int) ld_qk,
                    0, job->grad_q + qk_at + i0 * ld_qk, (int) ld_qk);
          /* dK = scale · dSᵀ Q, from the rows at and below the block */
          qks_gemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) rows, (int) job->d_qk, (int) (T - i0),
                    job->scale, d_s + i0 * T + i0, (int) T, job->q + qk_at + i0 * ld_qk, (int) ld_qk,
                    0, job->grad_k + qk_at + i0 * ld_qk, (int) ld_qk);
        }
    }
}

/**
 * qks_attention_backward:
 * @grad_q: (out): overwritten, layout of @q
 * @grad_k: (out): overwritten, layout of @k
 * @grad_v: (out): overwritten, layout of @v
 * @scratch: qks_attention_scratch_size() elements
 */
void
qks_attention_backward (qks_real       *grad_q,
                        qks_real       *grad_k,
                        qks_real       *grad_v,
                        qks_real       *scratch,
                        const qks_real *d_out,
                        const qks_real *probs,
                        const qks_real *q,
                        const qks_real *k,
                        const qks_real *v,
                        guint           batch,
                        guint           seq_len,
                        guint           n_heads,
                        guint           d_qk,
                        guint           d_v,
                        double          scale)
{
  AttentionJob job = {
    .probs = (qks_real *) probs, .q = q, .k = k, .v = v,
    .grad_q = grad_q, .grad_k = grad_k, .grad_v = grad_v, .scratch = scratch, .d_out = d_out,
    .n_heads = n_heads, .T = seq_len, .d_qk = d_qk, .d_v = d_v, .scale = (qks_real) scale,
  };

  qks_parallel_for ((gsize) batch * n_heads, attention_backward_pairs, &job);
}

/**
 * qks_attention_scratch_size:
 *
 * Returns: the scratch elements qks_attention_backward() needs: one
 *   seq_len × seq_len block per thread.
 */
gsize
qks_attention_scratch_size (guint seq_len)
{
  return (gsize) QKS_PARALLEL_MAX_THREADS * seq_len * seq_len;
}

/* Embedding and loss ------------------------------------------------------- */

void
qks_embedding_forward (qks_real       *out,
                       const int      *tokens,
                       const qks_real *table,
                       gsize           n,
                       gsize           dim)
{
  for (gsize i = 0; i < n; i++)
    memcpy (out + i * dim, table + (gsize) tokens[i] * dim, dim * sizeof (qks_real));
}

void
qks_embedding_backward (qks_real       *d_table,
                        const int      *tokens,
                        const qks_real *d_out,
                        gsize           n,
                        gsize           dim)
{
  for (gsize i = 0; i < n; i++)
    {
      qks_real *row = d_table + (gsize) tokens[i] * dim;

      for (gsize j = 0; j < dim; j++)
        row[j] += d_out[i * dim + j];
    }
}

typedef struct
{
  qks_real  *probs;
  const int *targets;
  gsize      vocab;
  double     totals[QKS_PARALLEL_MAX_THREADS];
} CrossEntropyJob;

static void
cross_entropy_rows (gsize    begin,
                    gsize    end,
                    guint    thread,
                    gpointer data)
{
  CrossEntropyJob *job = data;
  gsize vocab = job->vocab;
  double total = 0.0;

  for (gsize i = begin; i < end; i++)
    {
      qks_real *row = job->probs + i * vocab;
      qks_real max = row[0];
      double sum = 0.0, target_logit;

      for (gsize j = 1; j < vocab; j++)
        max = MAX (max, row[j]);
      /* −log p = log Σ exp(z − max) − (z_target − max), from the logits
       * rather than from the rounded probability. */
      target_logit = (double) row[job->targets[i]] - max;
      for (gsize j = 0; j < vocab; j++)
        {
          row[j] = qks_exp (row[j] - max);
          sum += row[j];
        }
      for (gsize j = 0; j < vocab; j++)
        row[j] = (qks_real) (row[j] / sum);

      total += log (sum) - target_logit;
    }
  job->totals[thread] = total;
}

/**
 * qks_cross_entropy_forward:
 * @probs: n × vocab logits on entry, softmax probabilities on return
 *
 * Returns: the mean over the n rows of −log p(target).
 */
double
qks_cross_entropy_forward (qks_real  *probs,
                           const int *targets,
                           gsize      n,
                           gsize      vocab)
{
  CrossEntropyJob job = { .probs = probs, .targets = targets, .vocab = vocab };
  double total = 0.0;

  qks_parallel_for (n, cross_entropy_rows, &job);
  for (guint t = 0; t < QKS_PARALLEL_MAX_THREADS; t++)
    total += job.totals[t];
  return total / (double) n;
}

/**
 * qks_cross_entropy_backward:
 * @d_logits: (out): (p − onehot)/n, overwritten; may be @probs itself
 */
void
qks_cross_entropy_backward (qks_real       *d_logits,
                            const qks_real *probs,
                            const int      *targets,
                            gsize           n,
                            gsize           vocab)
{
  qks_real inv_n = (qks_real) (1.0 / (double) n);

  for (gsize i = 0; i < n; i++)
    {
      for (gsize j = 0; j < vocab; j++)
        d_logits[i * vocab + j] = probs[i * vocab + j] * inv_n;
      d_logits[i * vocab + (gsize) targets[i]] -= inv_n;
    }
}
