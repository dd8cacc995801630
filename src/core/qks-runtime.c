/* qks-runtime.c: process-wide settings every QK Scope program starts with
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>   /* defines __GLIBC__ on glibc */
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "qks-runtime.h"

/**
 * qks_runtime_init:
 *
 * Call first in main(). The engine and the diagnostics allocate and free
 * matrices of megabytes many times a second; glibc's defaults map each
 * one afresh and give it back at once, so every use pays its pages' faults
 * again (a third of a diagnostic snapshot's time on GPT-2-sized layers).
 * Keeping such blocks in the heap trades a little resident memory for it.
 */
void
qks_runtime_init (void)
{
#ifdef __GLIBC__
  mallopt (M_MMAP_THRESHOLD, 256 * 1024 * 1024);
  mallopt (M_TRIM_THRESHOLD, 512 * 1024 * 1024);
#endif
}
