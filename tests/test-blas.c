/* test-blas.c: every matrix product runs in OpenBLAS, not GSL's reference CBLAS
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-blas.h"

static void
test_blas_is_openblas (void)
{
  const char *config = qks_blas_get_config ();

  g_assert_nonnull (config);
  g_assert_nonnull (strstr (config, "OpenBLAS"));
  g_assert_nonnull (qks_blas_get_core_name ());
}

static void
test_blas_symbols_resolve_to_openblas (void)
{
  g_autofree char *blas = qks_blas_get_library_path ();
  g_autofree char *lapack = qks_blas_get_lapack_library_path ();

  g_test_message ("cblas_dgemm from %s, dgesdd_ from %s", blas, lapack);
  g_assert_nonnull (blas);
  g_assert_nonnull (lapack);
  g_assert_null (strstr (blas, "gslcblas"));
  g_assert_nonnull (strstr (blas, "openblas"));
  g_assert_nonnull (strstr (lapack, "openblas"));
}

static void
test_blas_threads_can_be_set (void)
{
  int before = qks_blas_get_num_threads ();

  qks_blas_set_num_threads (1);
  g_assert_cmpint (qks_blas_get_num_threads (), ==, 1);
  qks_blas_set_num_threads (before);
  g_assert_cmpint (qks_blas_get_num_threads (), ==, before);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blas/is-openblas", test_blas_is_openblas);
  g_test_add_func ("/blas/symbols-resolve-to-openblas", test_blas_symbols_resolve_to_openblas);
  g_test_add_func ("/blas/threads-can-be-set", test_blas_threads_can_be_set);

  return g_test_run ();
}
