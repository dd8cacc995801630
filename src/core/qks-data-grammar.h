/* qks-data-grammar.h: English-like prose from a small probabilistic grammar
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a word of the vocabulary can be; a word in several classes ("the",
 * "orange", "watches") carries several bits. */
typedef enum
{
  QKS_GRAMMAR_DETERMINER_SINGULAR = 1 << 0,
  QKS_GRAMMAR_DETERMINER_PLURAL   = 1 << 1,
  QKS_GRAMMAR_NOUN_SINGULAR       = 1 << 2,
  QKS_GRAMMAR_NOUN_PLURAL         = 1 << 3,
  QKS_GRAMMAR_NAME                = 1 << 4,
  QKS_GRAMMAR_PRONOUN             = 1 << 5,
  QKS_GRAMMAR_VERB_BASE           = 1 << 6,
  QKS_GRAMMAR_VERB_THIRD_SINGULAR = 1 << 7,
  QKS_GRAMMAR_VERB_PAST           = 1 << 8,
  QKS_GRAMMAR_ADJECTIVE           = 1 << 9,
  QKS_GRAMMAR_ADVERB              = 1 << 10,
  QKS_GRAMMAR_PREPOSITION         = 1 << 11,
  QKS_GRAMMAR_CONJUNCTION         = 1 << 12,
  /* be, do, modals, "not", "there", question and relative words */
  QKS_GRAMMAR_FUNCTION            = 1 << 13,
} QksGrammarClass;

typedef void (*QksGrammarWordFunc) (const char      *word,
                                    QksGrammarClass  classes,
                                    gpointer         user_data);

void qks_data_grammar_generate     (GString            *out,
                                    guint64             seed,
                                    gsize               n_bytes);
void qks_data_grammar_foreach_word (QksGrammarWordFunc  func,
                                    gpointer            user_data);

G_END_DECLS
