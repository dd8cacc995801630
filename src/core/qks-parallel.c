/* qks-parallel.c: a parallel loop over independent items, BLAS-aware
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-blas.h"
#include "qks-parallel.h"

/* Attention works on many small (batch, head) blocks: OpenBLAS's own
 * threads gain little on one small product, so these loops split the
 * blocks between threads instead and run BLAS single-threaded inside.
 * The two levels never nest (SCIENCE.md f.7): while a loop runs, OpenBLAS
 * is set to one thread, and it gets its threads back afterwards. Nor do
 * loops: one started inside another's share runs on that share's thread.
 *
 * The workers are created once and wait on a condition variable. */

typedef struct
{
  GMutex           mutex;
  GCond            work_ready;
  GCond            work_done;
  GThread         *threads[QKS_PARALLEL_MAX_THREADS];
  guint            n_workers;       /* threads besides the caller */
  guint            n_threads;       /* wanted, caller included */
  guint64          generation;      /* bumped for each loop */
  guint            pending;         /* workers yet to finish this loop */
  QksParallelFunc  func;
  gpointer         user_data;
  gsize            n_items;
  guint            n_active;        /* threads that take part in this loop */
} Pool;

static Pool pool = { .n_threads = 0 };
static GMutex call_mutex;           /* one loop at a time in the process */
static GPrivate serial_here;        /* set: loops on this thread run on it alone */
static GPrivate in_share;           /* set while this thread runs a loop's share */

static void
run_share (guint thread)
{
  gsize begin = pool.n_items * thread / pool.n_active;
  gsize end = pool.n_items * (thread + 1) / pool.n_active;

  if (begin < end)
    {
      g_private_set (&in_share, GINT_TO_POINTER (1));
      pool.func (begin, end, thread, pool.user_data);
      g_private_set (&in_share, NULL);
    }
}

static gpointer
worker (gpointer data)
{
  guint thread = GPOINTER_TO_UINT (data);
  guint64 seen = 0;

  g_mutex_lock (&pool.mutex);
  for (;;)
    {
      while (pool.generation == seen)
        g_cond_wait (&pool.work_ready, &pool.mutex);
      seen = pool.generation;
      if (thread >= pool.n_active)
        continue;
      g_mutex_unlock (&pool.mutex);

      run_share (thread);

      g_mutex_lock (&pool.mutex);
      if (--pool.pending == 0)
        g_cond_signal (&pool.work_done);
    }
  return NULL;
}

/**
 * qks_parallel_set_threads:
 * @n_threads: threads for parallel loops, the caller's included; 0 means
 *   one per processor
 */
void
qks_parallel_set_threads (guint n_threads)
{
  g_mutex_lock (&call_mutex);
  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  pool.n_threads = CLAMP (n_threads, 1, QKS_PARALLEL_MAX_THREADS);
  g_mutex_unlock (&call_mutex);
}

guint
qks_parallel_get_threads (void)
{
  if (pool.n_threads == 0)
    qks_parallel_set_threads (0);
  return pool.n_threads;
}

/**
 * qks_parallel_for:
 *
 * Calls @func on contiguous shares of [0, @n_items), one per thread, and
 * returns when all are done. BLAS calls inside @func run single-threaded,
 * and so does a loop that @func starts: on the thread that started it.
 * Shares depend only on @n_items and the thread count, so results are
 * reproducible for a given thread count.
 */
void
qks_parallel_for (gsize           n_items,
                  QksParallelFunc func,
                  gpointer        user_data)
{
  guint n_active = (guint) MIN (qks_parallel_get_threads (), MAX (n_items, 1));
  int blas_threads;

  if (g_private_get (&serial_here) != NULL || g_private_get (&in_share) != NULL)
    n_active = 1;
  if (n_active <= 1)
    {
      if (n_items > 0)
        func (0, n_items, 0, user_data);
      return;
    }

  g_mutex_lock (&call_mutex);
  blas_threads = qks_blas_get_num_threads ();
  qks_blas_set_num_threads (1);

  g_mutex_lock (&pool.mutex);
  while (pool.n_workers + 1 < n_active)
    {
      guint index = ++pool.n_workers;

      pool.threads[index] = g_thread_new ("qks-worker", worker, GUINT_TO_POINTER (index));
    }
  pool.func = func;
  pool.user_data = user_data;
  pool.n_items = n_items;
  pool.n_active = n_active;
  pool.pending = n_active - 1;
  pool.generation++;
  g_cond_broadcast (&pool.work_ready);
  g_mutex_unlock (&pool.mutex);

  run_share (0);

  g_mutex_lock (&pool.mutex);
  while (pool.pending > 0)
    g_cond_wait (&pool.work_done, &pool.mutex);
  g_mutex_unlock (&pool.mutex);

  qks_blas_set_num_threads (blas_threads);
  g_mutex_unlock (&call_mutex);
}

/**
 * qks_parallel_run_serially_here:
 *
 * Makes every qks_parallel_for() called on this thread run on it alone:
 * for background work (diagnostics during training) that must neither
 * take the cores nor wait for the loop lock that training holds.
 */
void
qks_parallel_run_serially_here (void)
{
  g_private_set (&serial_here, GINT_TO_POINTER (1));
}
