/* qks-blas.c: which BLAS the program runs on, and its threads
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <dlfcn.h>

#include <cblas.h>

#include "qks-blas.h"

/**
 * qks_blas_get_config:
 *
 * Returns: OpenBLAS's build description (version, DYNAMIC_ARCH, threading).
 */
const char *
qks_blas_get_config (void)
{
  return openblas_get_config ();
}

/**
 * qks_blas_get_core_name:
 *
 * Returns: the CPU kernel set OpenBLAS chose at run time (e.g. "Haswell").
 */
const char *
qks_blas_get_core_name (void)
{
  return openblas_get_corename ();
}

int
qks_blas_get_num_threads (void)
{
  return openblas_get_num_threads ();
}

void
qks_blas_set_num_threads (int threads)
{
  openblas_set_num_threads (MAX (threads, 1));
}

/**
 * qks_blas_get_library_path:
 *
 * Names the shared object that cblas_dgemm resolves to in this process. If
 * GSL's reference CBLAS (libgslcblas) were linked ahead of OpenBLAS, this
 * would name it, which is how the tests catch that mistake.
 *
 * Returns: (transfer full) (nullable): a path, or %NULL if unknown.
 */
char *
qks_blas_get_library_path (void)
{
  Dl_info info;

  if (dladdr ((void *) cblas_dgemm, &info) == 0 || info.dli_fname == NULL)
    return NULL;
  return g_strdup (info.dli_fname);
}

/**
 * qks_blas_get_lapack_library_path:
 *
 * Names the shared object that LAPACK's dgesdd_ resolves to: LAPACKE is only
 * a C wrapper, and the LAPACK behind it must be OpenBLAS's, not the slow
 * reference implementation.
 *
 * Returns: (transfer full) (nullable): a path, or %NULL if unknown.
 */
char *
qks_blas_get_lapack_library_path (void)
{
  Dl_info info;
  void *symbol = dlsym (RTLD_DEFAULT, "dgesdd_");

  if (symbol == NULL || dladdr (symbol, &info) == 0 || info.dli_fname == NULL)
    return NULL;
  return g_strdup (info.dli_fname);
}
