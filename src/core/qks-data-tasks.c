/* qks-data-tasks.c: algorithmic corpora (induction, associative recall, modular addition)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-data-tasks.h"
#include "qks-rng.h"

/* Streams of the corpus seed, one per purpose: the symbols a line is made of
 * are drawn apart from its layout, so the two can change independently. The
 * high bytes tag the task ("ind", "rcl", "mod") and keep these apart from
 * every other user of the same seed. */
#define INDUCTION_STREAM_LAYOUT  G_GUINT64_CONSTANT (0x696e640000000001)
#define INDUCTION_STREAM_SYMBOLS G_GUINT64_CONSTANT (0x696e640000000002)
#define RECALL_STREAM_LAYOUT     G_GUINT64_CONSTANT (0x72636c0000000001)
#define RECALL_STREAM_SYMBOLS    G_GUINT64_CONSTANT (0x72636c0000000002)
#define MODULAR_STREAM_OPERANDS  G_GUINT64_CONSTANT (0x6d6f640000000001)

static const char symbols[] = "abcdefghijklmnopqrstuvwxyz0123456789";
#define N_SYMBOLS (G_N_ELEMENTS (symbols) - 1)

static guint
between (QksRng *rng,
         guint   low,
         guint   high)
{
  return low + (guint) qks_rng_uniform_int (rng, high - low + 1);
}

/* Induction --------------------------------------------------------------
 *
 * Each line is
 *
 *     FRESH ( " [" COPY "] " FRESH ){1,3} "\n"
 *
 * FRESH is a block of words of 1–5 symbols from [a-z0-9] separated by single
 * spaces, each symbol drawn uniformly and afresh, at least 12–24 bytes long
 * (the target is drawn per block). COPY is 4–16 bytes copied verbatim from
 * one earlier FRESH block of the same line, chosen uniformly: it starts where
 * a word starts and does not end in a space. For example
 *
 *     q3 7kd ma0x 2f pz9 [7kd ma0x] w8 u1b3 k0 [u1b3 k0] 5nn
 *
 * Fresh symbols carry log2(36) bits each and cannot be predicted; inside a
 * copy every symbol after the first can be, by finding the earlier occurrence
 * of the symbols just seen and reading on: the induction-head mechanism. The
 * brackets say that a copy starts, not where from; every source lies within
 * about 170 bytes, so it fits in the context of the small presets. */

#define INDUCTION_MIN_COPY 4
#define INDUCTION_MAX_COPY 16

typedef struct
{
  gsize start;   /* offset in the line */
  gsize end;
} Block;

static void
induction_fresh_block (GString *line,
                       QksRng  *layout,
                       QksRng  *symbol_rng,
                       GArray  *blocks)
{
  Block block = { .start = line->len };
  guint target = between (layout, 12, 24);

  while (line->len - block.start < target)
    {
      guint word_length = between (layout, 1, 5);

      if (line->len > block.start)
        g_string_append_c (line, ' ');
      for (guint i = 0; i < word_length; i++)
        g_string_append_c (line, symbols[qks_rng_uniform_int (symbol_rng, N_SYMBOLS)]);
    }
  block.end = line->len;
  g_array_append_val (blocks, block);
}

static void
induction_copy (GString *line,
                QksRng  *layout,
                GArray  *blocks)
{
  const Block *source = &g_array_index (blocks, Block, qks_rng_uniform_int (layout, blocks->len));
  gsize length = between (layout, INDUCTION_MIN_COPY, INDUCTION_MAX_COPY);
  gsize starts[32], n_starts = 0, start;
  char copy[INDUCTION_MAX_COPY];

  length = MIN (length, source->end - source->start);

  /* Word starts from which @length bytes still fit in the block; the first
   * word always qualifies since a block is at least 12 bytes long. */
  for (gsize i = source->start; i + length <= source->end && n_starts < G_N_ELEMENTS (starts); i++)
    if (i == source->start || line->str[i - 1] == ' ')
      starts[n_starts++] = i;
  start = starts[qks_rng_uniform_int (layout, n_starts)];

  /* A block never ends in a space, so a copy ending in one can grow by a
   * symbol; shrink it instead while that keeps the minimum length. */
  if (line->str[start + length - 1] == ' ')
    {
      if (length > INDUCTION_MIN_COPY)
        length--;
      else
        length++;
    }

  /* Through a buffer: appending may move the string that holds the source. */
  memcpy (copy, line->str + start, length);
  g_string_append (line, " [");
  g_string_append_len (line, copy, (gssize) length);
  g_string_append (line, "] ");
}

void
qks_data_induction_generate (GString *out,
                             guint64  seed,
                             gsize    n_bytes)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GArray) blocks = g_array_new (FALSE, FALSE, sizeof (Block));
  QksRng layout, symbol_rng;

  qks_rng_init_stream (&layout, seed, INDUCTION_STREAM_LAYOUT);
  qks_rng_init_stream (&symbol_rng, seed, INDUCTION_STREAM_SYMBOLS);

  while (out->len < n_bytes)
    {
      guint n_copies = between (&layout, 1, 3);

      g_string_truncate (line, 0);
      g_array_set_size (blocks, 0);
      induction_fresh_block (line, &layout, &symbol_rng, blocks);
      for (guint i = 0; i < n_copies; i++)
        {
          induction_copy (line, &layout, blocks);
          induction_fresh_block (line, &layout, &symbol_rng, blocks);
        }
      g_string_append_c (line, '\n');
      g_string_append_len (out, line->str, (gssize) line->len);
    }
}

/* Associative recall -----------------------------------------------------
 *
 * Each line is
 *
 *     KEY "=" VALUE ( " " KEY "=" VALUE ){2,9} " ?" KEY "=" VALUE "\n"
 *
 * KEY and VALUE are each a lowercase letter followed by a digit. The 3–10
 * keys before the query are distinct within the line (so each has one
 * value); values are drawn independently and may repeat. The query names
 * one of those keys, chosen uniformly, and is followed by its value:
 *
 *     k3=v7 a9=q1 m2=x5 ?a9=q1
 *
 * Everything but the query's value is random; the value can be predicted
 * only by looking back to the pair with the queried key. */

#define RECALL_N_KEYS (26 * 10)

static void
recall_symbol (GString *line,
               guint    index)
{
  g_string_append_c (line, (char) ('a' + index / 10));
  g_string_append_c (line, (char) ('0' + index % 10));
}

void
qks_data_recall_generate (GString *out,
                          guint64  seed,
                          gsize    n_bytes)
{
  QksRng layout, symbol_rng;

  qks_rng_init_stream (&layout, seed, RECALL_STREAM_LAYOUT);
  qks_rng_init_stream (&symbol_rng, seed, RECALL_STREAM_SYMBOLS);

  while (out->len < n_bytes)
    {
      guint n_pairs = between (&layout, 3, 10);
      guint keys[10], values[10];
      guint query;

      for (guint i = 0; i < n_pairs; i++)
        {
          gboolean repeated;

          /* Rejection keeps the keys distinct: at most 9 of 260 are taken. */
          do
            {
              keys[i] = (guint) qks_rng_uniform_int (&symbol_rng, RECALL_N_KEYS);
              repeated = FALSE;
              for (guint j = 0; j < i; j++)
                repeated |= keys[j] == keys[i];
            }
          while (repeated);
          values[i] = (guint) qks_rng_uniform_int (&symbol_rng, RECALL_N_KEYS);

          if (i > 0)
            g_string_append_c (out, ' ');
          recall_symbol (out, keys[i]);
          g_string_append_c (out, '=');
          recall_symbol (out, values[i]);
        }

      query = (guint) qks_rng_uniform_int (&layout, n_pairs);
      g_string_append (out, " ?");
      recall_symbol (out, keys[query]);
      g_string_append_c (out, '=');
      recall_symbol (out, values[query]);
      g_string_append_c (out, '\n');
    }
}

/* Modular addition -------------------------------------------------------
 *
 * Each line is "a+b=c\n" in plain decimal (no leading zeros), with a and b
 * uniform on [0, modulus) and c = (a + b) mod modulus:
 *
 *     23+45=68
 *     80+51=34
 *
 * Only c is predictable; the interesting question is how a model learns to
 * compute it (the grokking setting of Power et al., 2022). */

void
qks_data_modular_generate (GString *out,
                           guint64  seed,
                           gsize    n_bytes,
                           guint    modulus)
{
  QksRng operands;

  g_return_if_fail (modulus > 0);

  qks_rng_init_stream (&operands, seed, MODULAR_STREAM_OPERANDS);
  while (out->len < n_bytes)
    {
      guint a = (guint) qks_rng_uniform_int (&operands, modulus);
      guint b = (guint) qks_rng_uniform_int (&operands, modulus);

      g_string_append_printf (out, "%u+%u=%u\n", a, b, (a + b) % modulus);
    }
}
