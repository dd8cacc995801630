/* qks-diversity.c: how different a layer's heads are (HDI, centred Gram)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "qks-diversity.h"
#include "qks-parallel.h"
#include "qks-subspace.h"

/* Both measures of SCIENCE.md b.7 need, from the d-dimensional space, only
 * the k × k cross products C_ij = op(W_i)ᵀ op(W_j) of the heads' thin
 * d × k factors: the centred Gram pairs those of W_Q with those of W_K (of
 * W_O with W_V), and the principal angles whiten those of W_Q, W_K and
 * W_V. One pass over the pairs of heads computes each C_ij once, uses it
 * for both and drops it: O(H² k² d) in all, and no d × d matrix.
 *
 * The pass runs in two loops, over the heads (the diagonal blocks, which
 * give the norms and the whitening) and then over the pairs, each shared
 * between threads by qks_parallel_for(), which keeps BLAS single-threaded
 * inside: one pair's products are too small for OpenBLAS's own threads. */

#define MAX_SETS 4
#define MAX_GRAMS 2

/* H factors whose op() is d × k. */
typedef struct
{
  QksMatrix *const *matrices;
  QksTranspose      transpose;
  gsize             dim;
  gsize             width;
} FactorSet;

typedef struct
{
  guint           n_heads;
  guint           n_sets;
  FactorSet       sets[MAX_SETS];

  /* The unnormalised Grams asked for: G_ij = ⟨C^left_ij, C^right_ij⟩_F. */
  guint           n_grams;
  guint           gram_left[MAX_GRAMS];
  guint           gram_right[MAX_GRAMS];
  QksMatrix      *grams[MAX_GRAMS];

  /* The sets whose principal angles are asked for. */
  guint           n_angle_sets;
  guint           angle_sets[MAX_SETS];
  QksHeadAngles  *angles[MAX_SETS];
  QksMatrix     **whiten;         /* n_angle_sets × H: Z_h */
  double         *cross;          /* n_angle_sets × pairs: ‖U_iᵀ U_j‖_F² */
  guint          *pair_i;         /* the heads of pair p */
  guint          *pair_j;

  /* Sets whose heads repeat one matrix (GQA's keys and values): head h
   * stands for its first copy rep[s][h], and the blocks between copies
   * are computed once, into shared[s][a·H + b] for representatives a ≤ b.
   * NULL for a set whose heads are all distinct. */
  guint          *rep[MAX_SETS];
  QksMatrix     **shared[MAX_SETS];
  guint          *shared_pairs;   /* set, a, b triples to compute */

  GError         *errors[QKS_PARALLEL_MAX_THREADS];
} LayerJob;

/* The pairs i < j, row by row. */
static inline gsize
pair_index (guint H,
            guint i,
            guint j)
{
  return (gsize) i * H - (gsize) i * (i + 1) / 2 + (j - i - 1);
}

static gboolean
check_heads (guint     n_heads,
             GError  **error)
{
  /* Diversity compares heads: with one head there is nothing to compare,
   * and the effective-rank % divides by H − 1. */
  if (n_heads < 2)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                   "Head diversity needs at least two heads, not %u", n_heads);
      return FALSE;
    }
  return TRUE;
}

static gboolean
factor_set_init (FactorSet         *set,
                 guint              n_heads,
                 QksMatrix *const  *matrices,
                 QksTranspose       transpose,
                 GError           **error)
{
  for (guint h = 1; h < n_heads; h++)
    if (matrices[h]->rows != matrices[0]->rows || matrices[h]->cols != matrices[0]->cols)
      {
        g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                     "Head %u's matrix is %zu × %zu, head 0's %zu × %zu",
                     h, matrices[h]->rows, matrices[h]->cols,
                     matrices[0]->rows, matrices[0]->cols);
        return FALSE;
      }

  set->matrices = matrices;
  set->transpose = transpose;
  set->dim = transpose == QKS_TRANSPOSE ? matrices[0]->cols : matrices[0]->rows;
  set->width = transpose == QKS_TRANSPOSE ? matrices[0]->rows : matrices[0]->cols;
  return TRUE;
}

/* C_ij = op(W_i)ᵀ op(W_j) */
static QksMatrix *
cross_block (const FactorSet  *set,
             guint             i,
             guint             j,
             GError          **error)
{
  return qks_matrix_multiply (set->matrices[i],
                              set->transpose == QKS_TRANSPOSE ? QKS_NO_TRANSPOSE : QKS_TRANSPOSE,
                              set->matrices[j], set->transpose, error);
}

/* For each head, the first head whose matrix is the same to the bit;
 * NULL when every head's is its own. */
static guint *
find_copies (const FactorSet *set,
             guint            n_heads)
{
  g_autofree guint *rep = g_new (guint, n_heads);
  gboolean any = FALSE;

  for (guint h = 0; h < n_heads; h++)
    {
      rep[h] = h;
      for (guint a = 0; a < h; a++)
        if (rep[a] == a && qks_matrix_equal (set->matrices[a], set->matrices[h]))
          {
            rep[h] = a;
            any = TRUE;
            break;
          }
    }
  return any ? g_steal_pointer (&rep) : NULL;
}

/* C_ij of set @s, from the shared blocks when the set repeats matrices. */
static QksMatrix *
set_block (const LayerJob  *job,
           guint            s,
           guint            i,
           guint            j,
           GError         **error)
{
  guint a, b;

  if (job->rep[s] == NULL)
    return cross_block (&job->sets[s], i, j, error);
  a = job->rep[s][i];
  b = job->rep[s][j];
  /* C_ba = C_abᵀ */
  return a <= b ? qks_matrix_copy (job->shared[s][a * job->n_heads + b])
                : qks_matrix_transpose (job->shared[s][b * job->n_heads + a]);
}

/* The blocks between the representatives of the sets that repeat. */
static void
layer_shared_blocks (gsize    begin,
                     gsize    end,
                     guint    thread,
                     gpointer data)
{
  LayerJob *job = data;
  GError **error = &job->errors[thread];

  for (gsize item = begin; item < end && *error == NULL; item++)
    {
      const guint *triple = job->shared_pairs + 3 * item;

      job->shared[triple[0]][triple[1] * job->n_heads + triple[2]] =
        cross_block (&job->sets[triple[0]], triple[1], triple[2], error);
    }
}

/* Whether the angles of pair (i, j) of angle set @a are a copy of another
 * pair's: its heads repeat other heads' matrices. */
static gboolean
pair_is_copy (const LayerJob *job,
              guint           a,
              guint           i,
              guint           j)
{
  const guint *rep = job->rep[job->angle_sets[a]];

  return rep != NULL && (rep[i] != i || rep[j] != j);
}

static double
frobenius_inner (const QksMatrix *a,
                 const QksMatrix *b)
{
  double sum = 0.0;

  for (gsize e = 0; e < a->rows * a->cols; e++)
    sum += a->data[e] * b->data[e];
  return sum;
}

/* A shared map repeated per head (MQA's W_K and W_V): equal to the bit. */
static gboolean
all_identical (guint             n_heads,
               QksMatrix *const *matrices)
{
  for (guint h = 1; h < n_heads; h++)
    if (matrices[h] != matrices[0] && !qks_matrix_equal (matrices[h], matrices[0]))
      return FALSE;
  return TRUE;
}

/* From a head's Gram C = op(W)ᵀ op(W) = V Λ Vᵀ, the k × r matrix
 * Z = V_r Λ_r^(−1/2) over the eigenvalues λ ≥ tol² λ_max (the singular
 * values s ≥ tol s_max of b.7), largest first. Then U = op(W) Z is an
 * orthonormal basis of the head's subspace: the SVD of W through its
 * normal matrix, which needs no product in d dimensions beyond C. */
static QksMatrix *
whitening (const QksMatrix  *gram,
           guint            *rank,
           GError          **error)
{
  gsize k = gram->rows;
  g_autoptr(QksMatrix) symmetric = qks_matrix_new (k, k);
  g_autoptr(QksMatrix) vectors = NULL;
  g_autofree double *lambda = g_new (double, k);
  double tolerance = QKS_SUBSPACE_RANK_TOLERANCE * QKS_SUBSPACE_RANK_TOLERANCE;
  QksMatrix *z;
  gsize r = 0;

  /* A blocked dgemm makes WᵀW symmetric only to rounding. */
  for (gsize a = 0; a < k; a++)
    for (gsize b = a; b < k; b++)
      {
        double mean = 0.5 * (qks_matrix_get (gram, a, b) + qks_matrix_get (gram, b, a));

        qks_matrix_set (symmetric, a, b, mean);
        qks_matrix_set (symmetric, b, a, mean);
      }

  if (!qks_matrix_symmetric_eigen (symmetric, lambda, &vectors, error))
    return NULL;

  while (r < k && lambda[k - 1] > 0.0 && lambda[k - 1 - r] >= tolerance * lambda[k - 1])
    r++;

  z = qks_matrix_new (k, r);
  for (gsize c = 0; c < r; c++)
    {
      gsize m = k - 1 - c;
      double scale = 1.0 / sqrt (lambda[m]);

      for (gsize a = 0; a < k; a++)
        qks_matrix_set (z, a, c, qks_matrix_get (vectors, a, m) * scale);
    }

  *rank = (guint) r;
  return z;
}

/* Each head's diagonal blocks: G_hh of every Gram, and the whitening of
 * every angle set. */
static void
layer_heads (gsize    begin,
             gsize    end,
             guint    thread,
             gpointer data)
{
  LayerJob *job = data;
  GError **error = &job->errors[thread];

  for (gsize item = begin; item < end && *error == NULL; item++)
    {
      guint h = (guint) item;
      QksMatrix *blocks[MAX_SETS] = { NULL, };

      for (guint s = 0; s < job->n_sets && *error == NULL; s++)
        blocks[s] = set_block (job, s, h, h, error);

      if (*error == NULL)
        {
          for (guint g = 0; g < job->n_grams; g++)
            qks_matrix_set (job->grams[g], h, h,
                            frobenius_inner (blocks[job->gram_left[g]],
                                             blocks[job->gram_right[g]]));
          for (guint a = 0; a < job->n_angle_sets && *error == NULL; a++)
            job->whiten[a * job->n_heads + h] =
              whitening (blocks[job->angle_sets[a]], &job->angles[a]->ranks[h], error);
        }

      for (guint s = 0; s < job->n_sets; s++)
        qks_matrix_free (blocks[s]);
    }
}

/* The principal angles of one pair from its block: U_iᵀ U_j =
 * Z_iᵀ op(W_i)ᵀ op(W_j) Z_j = Z_iᵀ C_ij Z_j, then Björck–Golub.
 *
 * Working from the normal matrices costs accuracy on ill-conditioned
 * heads: the cosines carry errors of about ε κ_i κ_j, κ = s_max / s_min
 * over the kept directions; that is 1e-12 at κ = 100 and 1e-4 at the 1e6
 * cut-off. It is what lets the angles share the Gram's products: explicit
 * bases from an SVD of each W_h (qks_subspace_basis()) would cost more
 * than the rest of the layer's analysis. */
static void
pair_angles (LayerJob         *job,
             guint             a,
             gsize             p,
             const QksMatrix  *block,
             GError          **error)
{
  QksHeadAngles *self = job->angles[a];
  guint H = job->n_heads, i = job->pair_i[p], j = job->pair_j[p];
  gsize n = self->pair_offsets[p + 1] - self->pair_offsets[p];
  double *angles = self->angles + self->pair_offsets[p];
  double cos2_sum = 0.0, angle_sum = 0.0, omega, mean_angle;

  if (n > 0)
    {
      g_autoptr(QksMatrix) left = NULL;
      g_autoptr(QksMatrix) cosines = NULL;

      if ((left = qks_matrix_multiply (job->whiten[a * H + i], QKS_TRANSPOSE, block,
                                       QKS_NO_TRANSPOSE, error)) == NULL ||
          (cosines = qks_matrix_multiply (left, QKS_NO_TRANSPOSE, job->whiten[a * H + j],
                                          QKS_NO_TRANSPOSE, error)) == NULL ||
          !qks_matrix_svd (cosines, angles, NULL, NULL, error))
        return;
      job->cross[a * (gsize) H * (H - 1) / 2 + p] = frobenius_inner (cosines, cosines);
    }

  for (gsize m = 0; m < n; m++)
    {
      double c = CLAMP (angles[m], 0.0, 1.0);

      cos2_sum += c * c;
      angles[m] = acos (c);
      angle_sum += angles[m];
    }

  /* A head of rank 0 spans nothing: no angles, and it is counted as
   * sharing no direction with any other head. */
  omega = n > 0 ? cos2_sum / (double) n : 0.0;
  mean_angle = n > 0 ? angle_sum / (double) n : G_PI / 2;
  qks_matrix_set (self->overlap, i, j, omega);
  qks_matrix_set (self->overlap, j, i, omega);
  qks_matrix_set (self->mean_angle, i, j, mean_angle);
  qks_matrix_set (self->mean_angle, j, i, mean_angle);
}

static void
layer_pairs (gsize    begin,
             gsize    end,
             guint    thread,
             gpointer data)
{
  LayerJob *job = data;
  GError **error = &job->errors[thread];

  for (gsize p = begin; p < end && *error == NULL; p++)
    {
      guint i = job->pair_i[p], j = job->pair_j[p];
      QksMatrix *blocks[MAX_SETS] = { NULL, };

      for (guint s = 0; s < job->n_sets && *error == NULL; s++)
        blocks[s] = set_block (job, s, i, j, error);

      if (*error == NULL)
        {
          for (guint g = 0; g < job->n_grams; g++)
            {
              double value = frobenius_inner (blocks[job->gram_left[g]],
                                              blocks[job->gram_right[g]]);

              qks_matrix_set (job->grams[g], i, j, value);
              qks_matrix_set (job->grams[g], j, i, value);
            }
          for (guint a = 0; a < job->n_angle_sets && *error == NULL; a++)
            if (!pair_is_copy (job, a, i, j))
              pair_angles (job, a, p, blocks[job->angle_sets[a]], error);
        }

      for (guint s = 0; s < job->n_sets; s++)
        qks_matrix_free (blocks[s]);
    }
}

static QksHeadAngles *
angles_new (guint H,
            guint width)
{
  QksHeadAngles *self = g_new0 (QksHeadAngles, 1);

  self->n_heads = H;
  self->width = width;
  self->ranks = g_new0 (guint, H);
  self->overlap = qks_matrix_new (H, H);
  self->mean_angle = qks_matrix_new (H, H);
  self->pair_offsets = g_new0 (gsize, (gsize) H * (H - 1) / 2 + 1);
  return self;
}

static gboolean
take_error (LayerJob  *job,
            GError   **error)
{
  gboolean ok = TRUE;

  for (guint t = 0; t < QKS_PARALLEL_MAX_THREADS; t++)
    if (job->errors[t] != NULL)
      {
        if (ok)
          g_propagate_error (error, g_steal_pointer (&job->errors[t]));
        g_clear_error (&job->errors[t]);
        ok = FALSE;
      }
  return ok;
}

/* The pairs of angle set @a whose heads repeat others': the angles of
 * their representatives' pair, or none at all (every cosine 1) between
 * two copies of one matrix. */
static void
copy_repeated_angles (LayerJob *job,
                      guint     a)
{
  QksHeadAngles *self = job->angles[a];
  const guint *rep = job->rep[job->angle_sets[a]];
  guint H = job->n_heads;
  gsize n_pairs = (gsize) H * (H - 1) / 2;

  for (gsize p = 0; p < n_pairs; p++)
    {
      guint i = job->pair_i[p], j = job->pair_j[p];
      guint ri = MIN (rep[i], rep[j]), rj = MAX (rep[i], rep[j]);
      gsize n = self->pair_offsets[p + 1] - self->pair_offsets[p];
      double *angles = self->angles + self->pair_offsets[p];

      if (!pair_is_copy (job, a, i, j))
        continue;
      if (ri == rj)
        {
          memset (angles, 0, n * sizeof (double));
          job->cross[a * n_pairs + p] = (double) n;
          qks_matrix_set (self->overlap, i, j, n > 0 ? 1.0 : 0.0);
          qks_matrix_set (self->mean_angle, i, j, n > 0 ? 0.0 : G_PI / 2);
        }
      else
        {
          gsize q = pair_index (H, ri, rj);

          memcpy (angles, self->angles + self->pair_offsets[q], n * sizeof (double));
          job->cross[a * n_pairs + p] = job->cross[a * n_pairs + q];
          qks_matrix_set (self->overlap, i, j, qks_matrix_get (self->overlap, ri, rj));
          qks_matrix_set (self->mean_angle, i, j, qks_matrix_get (self->mean_angle, ri, rj));
        }
      qks_matrix_set (self->overlap, j, i, qks_matrix_get (self->overlap, i, j));
      qks_matrix_set (self->mean_angle, j, i, qks_matrix_get (self->mean_angle, i, j));
    }
}

/* Finds the sets that repeat matrices and computes the blocks between
 * their representatives, once each. */
static gboolean
compute_shared_blocks (LayerJob  *job,
                       GError   **error)
{
  guint H = job->n_heads;
  g_autoptr(GArray) triples = g_array_new (FALSE, FALSE, sizeof (guint));
  gboolean ok;

  for (guint s = 0; s < job->n_sets; s++)
    {
      if ((job->rep[s] = find_copies (&job->sets[s], H)) == NULL)
        continue;
      job->shared[s] = g_new0 (QksMatrix *, (gsize) H * H);
      for (guint a = 0; a < H; a++)
        for (guint b = a; b < H; b++)
          if (job->rep[s][a] == a && job->rep[s][b] == b)
            {
              guint triple[3] = { s, a, b };

              g_array_append_vals (triples, triple, 3);
            }
    }
  if (triples->len == 0)
    return TRUE;

  job->shared_pairs = (guint *) triples->data;
  qks_parallel_for (triples->len / 3, layer_shared_blocks, job);
  ok = take_error (job, error);
  job->shared_pairs = NULL;
  return ok;
}

static void
free_shared_blocks (LayerJob *job)
{
  for (guint s = 0; s < job->n_sets; s++)
    {
      if (job->shared[s] != NULL)
        for (gsize e = 0; e < (gsize) job->n_heads * job->n_heads; e++)
          qks_matrix_free (job->shared[s][e]);
      g_clear_pointer (&job->shared[s], g_free);
      g_clear_pointer (&job->rep[s], g_free);
    }
}

/* Runs @job, whose sets, Grams and angle sets are filled in: allocates
 * and fills job->grams and job->angles. */
static gboolean
layer_job_run (LayerJob  *job,
               GError   **error)
{
  guint H = job->n_heads;
  gsize n_pairs = (gsize) H * (H - 1) / 2;
  g_autofree QksMatrix **whiten = g_new0 (QksMatrix *, MAX ((gsize) job->n_angle_sets * H, 1));
  g_autofree double *cross = g_new0 (double, MAX (job->n_angle_sets * n_pairs, 1));
  g_autofree guint *pair_i = g_new (guint, n_pairs);
  g_autofree guint *pair_j = g_new (guint, n_pairs);
  gboolean ok;

  for (guint g = 0; g < job->n_grams; g++)
    {
      const FactorSet *left = &job->sets[job->gram_left[g]];
      const FactorSet *right = &job->sets[job->gram_right[g]];

      if (left->dim != right->dim || left->width != right->width)
        {
          g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                       "A form's factors are %zu × %zu and %zu × %zu",
                       left->dim, left->width, right->dim, right->width);
          return FALSE;
        }
      job->grams[g] = qks_matrix_new (H, H);
    }

  for (guint i = 0; i < H; i++)
    for (guint j = i + 1; j < H; j++)
      {
        pair_i[pair_index (H, i, j)] = i;
        pair_j[pair_index (H, i, j)] = j;
      }
  job->whiten = whiten;
  job->cross = cross;
  job->pair_i = pair_i;
  job->pair_j = pair_j;
  for (guint a = 0; a < job->n_angle_sets; a++)
    job->angles[a] = angles_new (H, (guint) job->sets[job->angle_sets[a]].width);

  ok = compute_shared_blocks (job, error);
  if (ok)
    {
      qks_parallel_for (H, layer_heads, job);
      ok = take_error (job, error);
    }

  if (ok)
    {
      for (guint a = 0; a < job->n_angle_sets; a++)
        {
          QksHeadAngles *self = job->angles[a];

          for (gsize p = 0; p < n_pairs; p++)
            self->pair_offsets[p + 1] = self->pair_offsets[p] +
                                        MIN (self->ranks[pair_i[p]], self->ranks[pair_j[p]]);
          self->angles = g_new0 (double, MAX (self->pair_offsets[n_pairs], 1));
          for (guint h = 0; h < H; h++)
            qks_matrix_set (self->overlap, h, h, self->ranks[h] > 0 ? 1.0 : 0.0);
        }

      qks_parallel_for (n_pairs, layer_pairs, job);
      ok = take_error (job, error);
    }
  for (guint a = 0; ok && a < job->n_angle_sets; a++)
    if (job->rep[job->angle_sets[a]] != NULL)
      copy_repeated_angles (job, a);

  free_shared_blocks (job);
  for (gsize m = 0; m < (gsize) job->n_angle_sets * H; m++)
    qks_matrix_free (whiten[m]);
  job->whiten = NULL;
  job->cross = NULL;
  job->pair_i = job->pair_j = NULL;

  if (!ok)
    {
      for (guint g = 0; g < job->n_grams; g++)
        g_clear_pointer (&job->grams[g], qks_matrix_free);
      for (guint a = 0; a < job->n_angle_sets; a++)
        g_clear_pointer (&job->angles[a], qks_head_angles_free);
      return FALSE;
    }

  for (guint a = 0; a < job->n_angle_sets; a++)
    {
      QksHeadAngles *self = job->angles[a];
      double overlap_sum = 0.0, cross_sum = 0.0;

      for (gsize p = 0; p < n_pairs; p++)
        {
          overlap_sum += qks_matrix_get (self->overlap, pair_i[p], pair_j[p]);
          cross_sum += cross[a * n_pairs + p];
        }
      self->hdi = 1.0 - overlap_sum / (double) n_pairs;
      /* The diagonal blocks of 𝒢 are I by construction, so ‖𝒢 − I‖_F² is
       * the sum over the blocks off the diagonal, twice the pairs'. It
       * equals the HDI when every head has full rank k. */
      self->hdi_spectral = 1.0 - cross_sum / ((double) n_pairs * self->width);
    }
  return TRUE;
}

/**
 * qks_head_angles_new:
 * @spans: @n_heads matrices, all of one shape; head h's subspace is the
 *   column space of op(@spans[h]) (d × k)
 * @transpose: %QKS_TRANSPOSE for a head's k × d weights
 *
 * SCIENCE.md b.7: the principal angles between every pair of the heads'
 * subspaces, their mean cos² overlaps ω_ij and the HDI. Directions with
 * s < 1e-6 s_max are dropped from each head's basis, so ω_ij is the mean
 * over the min(r_i, r_j) angles of the pair. The result is marked shared
 * by construction when all @spans are equal to the bit, as a map shared by
 * every head and repeated per head is.
 *
 * Returns: (transfer full): the angles, or %NULL with @error set.
 */
QksHeadAngles *
qks_head_angles_new (guint              n_heads,
                     QksMatrix *const  *spans,
                     QksTranspose       transpose,
                     GError           **error)
{
  LayerJob job = { .n_heads = n_heads, .n_sets = 1, .n_angle_sets = 1 };

  if (!check_heads (n_heads, error) ||
      !factor_set_init (&job.sets[0], n_heads, spans, transpose, error) ||
      !layer_job_run (&job, error))
    return NULL;

  job.angles[0]->shared_by_construction = all_identical (n_heads, spans);
  return job.angles[0];
}

static QksMatrix **
subspace_spans (const QksAttnHeads *heads,
                QksHeadSubspace     subspace)
{
  switch (subspace)
    {
    case QKS_HEAD_SUBSPACE_Q:
      return heads->w_q;
    case QKS_HEAD_SUBSPACE_K:
      return heads->w_k;
    case QKS_HEAD_SUBSPACE_V:
      return heads->w_v;
    case QKS_HEAD_SUBSPACE_N_KINDS:
    default:
      g_return_val_if_reached (NULL);
    }
}

/* f.6: when every head's keys factor through one shared map or latent,
 * their K subspaces overlap whatever training does. */
static gboolean
shared_by_construction (const QksAttnHeads *heads,
                        QksHeadSubspace     subspace)
{
  return (subspace == QKS_HEAD_SUBSPACE_K && heads->shared_key_width > 0) ||
         all_identical (heads->n_heads, subspace_spans (heads, subspace));
}

/**
 * qks_head_angles_new_for_heads:
 *
 * The HDI of @heads on the column spaces of W_Q,hᵀ, W_K,hᵀ or W_V,hᵀ. The
 * K result is marked shared by construction when the variant shares its
 * keys (shared_key_width > 0: MQA, MLA), any result when the heads'
 * matrices are equal to the bit (MQA's repeated W_V too): a value to show
 * but not to read as a finding (SCIENCE.md f.6).
 *
 * Returns: (transfer full): the angles, or %NULL with @error set.
 */
QksHeadAngles *
qks_head_angles_new_for_heads (const QksAttnHeads  *heads,
                               QksHeadSubspace      subspace,
                               GError             **error)
{
  QksHeadAngles *self;

  g_return_val_if_fail (subspace < QKS_HEAD_SUBSPACE_N_KINDS, NULL);

  self = qks_head_angles_new (heads->n_heads, subspace_spans (heads, subspace),
                              QKS_TRANSPOSE, error);
  if (self != NULL)
    self->shared_by_construction = shared_by_construction (heads, subspace);
  return self;
}

/**
 * qks_head_angles_get_pair:
 * @n_angles: (out): min(r_i, r_j)
 *
 * Returns: (transfer none): the principal angles of heads @i ≠ @j in
 *   ascending order (the same for (i, j) as for (j, i)).
 */
const double *
qks_head_angles_get_pair (const QksHeadAngles *self,
                          guint                i,
                          guint                j,
                          guint               *n_angles)
{
  gsize p;

  g_return_val_if_fail (i != j && i < self->n_heads && j < self->n_heads, NULL);

  p = pair_index (self->n_heads, MIN (i, j), MAX (i, j));
  *n_angles = (guint) (self->pair_offsets[p + 1] - self->pair_offsets[p]);
  return self->angles + self->pair_offsets[p];
}

void
qks_head_angles_free (QksHeadAngles *self)
{
  if (self == NULL)
    return;
  g_free (self->ranks);
  qks_matrix_free (self->overlap);
  qks_matrix_free (self->mean_angle);
  g_free (self->angles);
  g_free (self->pair_offsets);
  g_free (self);
}

/**
 * qks_head_gram_new_from_gram:
 * @gram: the H × H symmetric matrix of ⟨B_i, B_j⟩_F, unnormalised
 *
 * Steps 1 and 3–5 of SCIENCE.md b.7 on the Gram of the heads' forms.
 * Normalising divides by ‖B_i‖ ‖B_j‖ (a zero form stays zero). Eigenvalues
 * of J G J below its rounding noise are set to 0, μ_H among them, so that
 * identical heads give Σ μ = 0, and then the diversity is 0: effective
 * rank 0 %, k₉₀ = k₉₅ = 0 and every cumulative fraction 1.
 *
 * The shared fraction is φ = (1/H²) Σ_ij G_ij (normalised), or
 * Σ_ij G_ij / (H tr G) (unnormalised: the share of the heads' mean energy
 * ‖B_h‖² held by their mean form).
 *
 * Returns: (transfer full): the diversity, or %NULL with @error set.
 */
QksHeadGram *
qks_head_gram_new_from_gram (const QksMatrix     *gram,
                             QksHeadGramScaling   scaling,
                             GError             **error)
{
  g_autoptr(QksHeadGram) self = NULL;
  g_autofree double *row_mean = NULL;
  g_autofree double *ascending = NULL;
  guint H = (guint) gram->rows;
  double grand_mean = 0.0, trace = 0.0, sum = 0.0, noise, entropy = 0.0, cumulative = 0.0;

  if (gram->rows != gram->cols)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                   "A Gram matrix is square, not %zu × %zu", gram->rows, gram->cols);
      return NULL;
    }
  if (!check_heads (H, error))
    return NULL;

  self = g_new0 (QksHeadGram, 1);
  self->n_heads = H;
  self->scaling = scaling;
  self->norms = g_new (double, H);
  self->gram = qks_matrix_new (H, H);
  self->centred = qks_matrix_new (H, H);
  self->eigenvalues = g_new (double, H);
  self->variance_explained = g_new (double, H);

  for (guint h = 0; h < H; h++)
    self->norms[h] = sqrt (MAX (qks_matrix_get (gram, h, h), 0.0));

  for (guint i = 0; i < H; i++)
    for (guint j = i; j < H; j++)
      {
        double g = 0.5 * (qks_matrix_get (gram, i, j) + qks_matrix_get (gram, j, i));

        if (scaling == QKS_HEAD_GRAM_NORMALISED)
          {
            double scale = self->norms[i] * self->norms[j];

            g = scale > 0.0 ? (i == j ? 1.0 : g / scale) : 0.0;
          }
        qks_matrix_set (self->gram, i, j, g);
        qks_matrix_set (self->gram, j, i, g);
      }

  /* J G J without forming J: subtract the row and column means and add
   * back the grand mean. */
  row_mean = g_new0 (double, H);
  for (guint i = 0; i < H; i++)
    {
      for (guint j = 0; j < H; j++)
        row_mean[i] += qks_matrix_get (self->gram, i, j);
      sum += row_mean[i];
      row_mean[i] /= H;
      trace += qks_matrix_get (self->gram, i, i);
    }
  grand_mean = sum / ((double) H * H);
  for (guint i = 0; i < H; i++)
    for (guint j = 0; j < H; j++)
      qks_matrix_set (self->centred, i, j,
                      qks_matrix_get (self->gram, i, j) - row_mean[i] - row_mean[j] + grand_mean);

  ascending = qks_matrix_symmetric_eigenvalues (self->centred, error);
  if (ascending == NULL)
    return NULL;

  /* J G J is positive semi-definite with 1 in its kernel: what the
   * eigensolver returns below a few ulps of the trace is rounding. */
  noise = 64.0 * H * DBL_EPSILON * MAX (trace, 0.0);
  self->total_variance = 0.0;
  for (guint m = 0; m < H; m++)
    {
      double mu = ascending[H - 1 - m];

      self->eigenvalues[m] = mu > noise ? mu : 0.0;
      self->total_variance += self->eigenvalues[m];
    }

  self->k90 = self->k95 = 0;
  for (guint m = 0; m < H; m++)
    {
      double p;

      if (self->total_variance <= 0.0)
        {
          self->variance_explained[m] = 1.0;
          continue;
        }

      p = self->eigenvalues[m] / self->total_variance;
      if (p > 0.0)
        entropy -= p * log (p);
      cumulative += p;
      self->variance_explained[m] = MIN (cumulative, 1.0);

      /* The slack keeps a sum that should be exactly 0.9 from missing it
       * by an ulp. */
      if (self->k90 == 0 && cumulative >= 0.90 - 1e-12)
        self->k90 = m + 1;
      if (self->k95 == 0 && cumulative >= 0.95 - 1e-12)
        self->k95 = m + 1;
    }

  self->effective_rank_percent =
    self->total_variance > 0.0 ? 100.0 * exp (entropy) / (H - 1) : 0.0;
  self->k90_percent = 100.0 * self->k90 / (H - 1);
  self->k95_percent = 100.0 * self->k95 / (H - 1);

  if (scaling == QKS_HEAD_GRAM_NORMALISED)
    self->shared_fraction = sum / ((double) H * H);
  else
    self->shared_fraction = trace > 0.0 ? sum / (H * trace) : 0.0;

  return g_steal_pointer (&self);
}

/**
 * qks_head_gram_new:
 *
 * SCIENCE.md b.7 on the forms B_h = L_h R_hᵀ given by @factors, with
 * G_ij = ⟨L_i R_iᵀ, L_j R_jᵀ⟩_F = tr(R_i L_iᵀ L_j R_jᵀ) = ⟨L_iᵀ L_j, R_iᵀ R_j⟩_F
 * (for QK the spec's tr((W^Q_i W^Qᵀ_j)(W^K_j W^Kᵀ_i))) from k × k
 * products: O(H² k² d), no d × d matrix. The QK forms are
 * gauge-invariant: (W_Q, W_K) → (A W_Q, A^(−T) W_K) leaves every B_h, and
 * so G, unchanged.
 *
 * Returns: (transfer full): the diversity, or %NULL with @error set.
 */
QksHeadGram *
qks_head_gram_new (const QksHeadFactors  *factors,
                   QksHeadGramScaling     scaling,
                   GError               **error)
{
  LayerJob job = {
    .n_heads = factors->n_heads, .n_sets = 2,
    .n_grams = 1, .gram_left = { 0 }, .gram_right = { 1 },
  };
  g_autoptr(QksMatrix) gram = NULL;

  if (!check_heads (factors->n_heads, error) ||
      !factor_set_init (&job.sets[0], factors->n_heads, factors->left,
                        factors->transpose_left, error) ||
      !factor_set_init (&job.sets[1], factors->n_heads, factors->right,
                        factors->transpose_right, error) ||
      !layer_job_run (&job, error))
    return NULL;

  gram = job.grams[0];
  return qks_head_gram_new_from_gram (gram, scaling, error);
}

void
qks_head_gram_free (QksHeadGram *self)
{
  if (self == NULL)
    return;
  g_free (self->norms);
  qks_matrix_free (self->gram);
  qks_matrix_free (self->centred);
  g_free (self->eigenvalues);
  g_free (self->variance_explained);
  g_free (self);
}

/**
 * qks_head_diversity_new:
 *
 * Everything SCIENCE.md b.7 computes for one layer: the centred Gram of
 * the QK forms (MLA: their content part) and of the OV forms, and the HDI
 * on the Q, K and V subspaces, from one pass over the pairs of heads. Its
 * loops run through qks_parallel_for(), one such loop at a time in the
 * process.
 *
 * Returns: (transfer full): the diversity, or %NULL with @error set.
 */
QksHeadDiversity *
qks_head_diversity_new (const QksAttnHeads  *heads,
                        QksHeadGramScaling   scaling,
                        GError             **error)
{
  /* The angle sets come first, in the order of QksHeadSubspace. */
  enum
  {
    SET_Q = QKS_HEAD_SUBSPACE_Q,
    SET_K = QKS_HEAD_SUBSPACE_K,
    SET_V = QKS_HEAD_SUBSPACE_V,
    SET_O = QKS_HEAD_SUBSPACE_N_KINDS,
  };
  g_autoptr(QksHeadDiversity) self = NULL;
  g_autoptr(QksMatrix) gram_qk = NULL;
  g_autoptr(QksMatrix) gram_ov = NULL;
  guint H = heads->n_heads;
  /* B^QK_h = W_Q,hᵀ W_K,h and B^OV_h = W_O,h W_V,h = W_O,h (W_V,hᵀ)ᵀ */
  LayerJob job = {
    .n_heads = H, .n_sets = 4,
    .n_grams = 2, .gram_left = { SET_Q, SET_O }, .gram_right = { SET_K, SET_V },
    .n_angle_sets = 3, .angle_sets = { SET_Q, SET_K, SET_V },
  };

  if (!check_heads (H, error) ||
      !factor_set_init (&job.sets[SET_Q], H, heads->w_q, QKS_TRANSPOSE, error) ||
      !factor_set_init (&job.sets[SET_K], H, heads->w_k, QKS_TRANSPOSE, error) ||
      !factor_set_init (&job.sets[SET_V], H, heads->w_v, QKS_TRANSPOSE, error) ||
      !factor_set_init (&job.sets[SET_O], H, heads->w_o, QKS_NO_TRANSPOSE, error) ||
      !layer_job_run (&job, error))
    return NULL;

  self = g_new0 (QksHeadDiversity, 1);
  for (guint s = 0; s < QKS_HEAD_SUBSPACE_N_KINDS; s++)
    {
      self->subspaces[s] = job.angles[s];
      self->subspaces[s]->shared_by_construction = shared_by_construction (heads, s);
    }
  gram_qk = job.grams[0];
  gram_ov = job.grams[1];
  if ((self->qk = qks_head_gram_new_from_gram (gram_qk, scaling, error)) == NULL ||
      (self->ov = qks_head_gram_new_from_gram (gram_ov, scaling, error)) == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

void
qks_head_diversity_free (QksHeadDiversity *self)
{
  if (self == NULL)
    return;
  qks_head_gram_free (self->qk);
  qks_head_gram_free (self->ov);
  for (guint s = 0; s < QKS_HEAD_SUBSPACE_N_KINDS; s++)
    qks_head_angles_free (self->subspaces[s]);
  g_free (self);
}
