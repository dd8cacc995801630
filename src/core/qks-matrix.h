/* qks-matrix.h: a small dense double-precision matrix with OpenBLAS/LAPACKE helpers
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-rng.h"

G_BEGIN_DECLS

/* Diagnostics work in double precision (SCIENCE.md b.1): spectra of products
 * of trained weights span many orders of magnitude. Training keeps its own
 * flat float buffers and does not use this type. */
typedef struct
{
  gsize   rows;
  gsize   cols;
  double *data;   /* row-major: element (i, j) is data[i * cols + j] */
} QksMatrix;

typedef enum
{
  QKS_NO_TRANSPOSE,
  QKS_TRANSPOSE,
} QksTranspose;

#define QKS_MATRIX_ERROR (qks_matrix_error_quark ())

typedef enum
{
  QKS_MATRIX_ERROR_SHAPE,
  QKS_MATRIX_ERROR_NOT_FINITE,
  QKS_MATRIX_ERROR_NOT_SYMMETRIC,
  QKS_MATRIX_ERROR_NO_CONVERGENCE,
} QksMatrixError;

GQuark     qks_matrix_error_quark            (void);

QksMatrix *qks_matrix_new                    (gsize               rows,
                                              gsize               cols);
QksMatrix *qks_matrix_new_from_data          (gsize               rows,
                                              gsize               cols,
                                              const double       *data);
QksMatrix *qks_matrix_new_identity           (gsize               n);
QksMatrix *qks_matrix_new_gaussian           (gsize               rows,
                                              gsize               cols,
                                              double              stddev,
                                              QksRng             *rng);
QksMatrix *qks_matrix_copy                   (const QksMatrix    *matrix);
void       qks_matrix_free_array             (QksMatrix         **matrices,
                                              gsize               n);
void       qks_matrix_copy_into              (QksMatrix          *dest,
                                              const QksMatrix    *src);
gboolean   qks_matrix_equal                  (const QksMatrix    *a,
                                              const QksMatrix    *b);
QksMatrix *qks_matrix_transpose              (const QksMatrix    *matrix);
void       qks_matrix_free                   (QksMatrix          *matrix);

static inline double
qks_matrix_get (const QksMatrix *matrix,
                gsize            row,
                gsize            col)
{
  return matrix->data[row * matrix->cols + col];
}

static inline void
qks_matrix_set (QksMatrix *matrix,
                gsize      row,
                gsize      col,
                double     value)
{
  matrix->data[row * matrix->cols + col] = value;
}

gboolean   qks_matrix_is_finite              (const QksMatrix    *matrix);
double     qks_matrix_frobenius_norm         (const QksMatrix    *matrix);
double     qks_matrix_max_abs_difference     (const QksMatrix    *a,
                                              const QksMatrix    *b);

QksMatrix *qks_matrix_multiply               (const QksMatrix    *a,
                                              QksTranspose        transpose_a,
                                              const QksMatrix    *b,
                                              QksTranspose        transpose_b,
                                              GError            **error);
double    *qks_matrix_symmetric_eigenvalues  (const QksMatrix    *matrix,
                                              GError            **error);
gboolean   qks_matrix_symmetric_eigen        (const QksMatrix    *matrix,
                                              double             *eigenvalues,
                                              QksMatrix         **eigenvectors,
                                              GError            **error);
gboolean   qks_matrix_svd                    (const QksMatrix    *matrix,
                                              double             *singular_values,
                                              QksMatrix         **u,
                                              QksMatrix         **vt,
                                              GError            **error);
gboolean   qks_matrix_squared_singular_values (const QksMatrix   *matrix,
                                              double             *values,
                                              GError            **error);
gboolean   qks_matrix_squared_singular_values_single (const QksMatrix *matrix,
                                                     double          *values,
                                                     GError         **error);
gboolean   qks_matrix_qr                     (const QksMatrix    *matrix,
                                              QksMatrix         **q,
                                              QksMatrix         **r,
                                              GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksMatrix, qks_matrix_free)

G_END_DECLS
