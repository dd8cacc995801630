/* fuzz-target.h: what a libFuzzer target of QK Scope defines, and what it shares
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* A target is one file, fuzz-NAME.c, listed in tests/fuzz/meson.build with
 * the core sources it needs. It defines two functions:
 *
 * - LLVMFuzzerTestOneInput(), which hands the bytes to the reader under test
 *   and checks what every input must give: a result that keeps its promises,
 *   or a GError of the reader's domain. A failed g_assert aborts, which
 *   libFuzzer reports as a crash and saves with the input.
 *
 * - qks_fuzz_make_seeds(), the inputs the fuzzer starts from and the tokens
 *   of the format (a libFuzzer dictionary). They are made when the fuzzer is
 *   run (tests/fuzz/run-fuzzer.py), by the code under test where it can
 *   write the format, so the repository holds no binary inputs and the seeds
 *   follow the format as it changes.
 *
 * fuzz-target.c supplies LLVMFuzzerInitialize(): it makes GLib's criticals
 * and warnings fatal (a g_return_if_fail() that fires on some input is a bug
 * too) and writes the seeds when asked. */

typedef struct _QksFuzzSeeds QksFuzzSeeds;

int   LLVMFuzzerTestOneInput  (const uint8_t  *data,
                               size_t          size);
int   LLVMFuzzerInitialize    (int            *argc,
                               char         ***argv);

void  qks_fuzz_make_seeds     (QksFuzzSeeds   *seeds);

void  qks_fuzz_add_seed       (QksFuzzSeeds   *seeds,
                               const char     *name,
                               GBytes         *bytes);
void  qks_fuzz_add_seed_text  (QksFuzzSeeds   *seeds,
                               const char     *name,
                               const char     *text);
void  qks_fuzz_add_token      (QksFuzzSeeds   *seeds,
                               const char     *token);

void  qks_fuzz_assert_error   (const GError   *error,
                               GQuark          domain);

G_END_DECLS
