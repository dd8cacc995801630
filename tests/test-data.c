/* test-data.c: datasets, their corpora, splits and windows
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_cdf.h>

#include "qks-data.h"
#include "qks-data-grammar.h"

static const QksDatasetKind builtin_kinds[] = {
  QKS_DATASET_GRAMMAR,
  QKS_DATASET_INDUCTION,
  QKS_DATASET_RECALL,
  QKS_DATASET_MODULAR,
};

static QksDataset *
new_builtin (QksDatasetKind kind,
             guint64        seed,
             gsize          n_bytes)
{
  g_autoptr(GError) error = NULL;
  QksDataset *dataset = qks_dataset_new_builtin (kind, seed, n_bytes, 0.1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dataset);
  return dataset;
}

/* The whole corpus, training then validation split, NUL-terminated; built
 * from the two splits so that the test does not assume they are adjacent. */
static char *
corpus_text (QksDataset *dataset,
             gsize      *n_bytes)
{
  gsize n_train, n_validation;
  const guint8 *train = qks_dataset_get_bytes (dataset, QKS_SPLIT_TRAIN, &n_train);
  const guint8 *validation = qks_dataset_get_bytes (dataset, QKS_SPLIT_VALIDATION, &n_validation);
  char *text = g_malloc (n_train + n_validation + 1);

  memcpy (text, train, n_train);
  memcpy (text + n_train, validation, n_validation);
  text[n_train + n_validation] = '\0';
  if (n_bytes != NULL)
    *n_bytes = n_train + n_validation;
  return text;
}

/* The lines that end in '\n'; the corpus is cut at its requested size, so
 * its last line is usually incomplete and is left out. */
static GPtrArray *
complete_lines (const char *text)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  const char *start = text, *end;

  while ((end = strchr (start, '\n')) != NULL)
    {
      g_ptr_array_add (lines, g_strndup (start, (gsize) (end - start)));
      start = end + 1;
    }
  return lines;
}

static gboolean
is_symbol (char c)
{
  return g_ascii_islower (c) || g_ascii_isdigit (c);
}

/* Kinds ------------------------------------------------------------------ */

static void
test_data_kind_names_round_trip (void)
{
  const char *expected[] = { "grammar", "induction", "recall", "modular", "file" };
  QksDatasetKind kind;

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_cmpstr (qks_dataset_kind_to_string ((QksDatasetKind) i), ==, expected[i]);
      g_assert_true (qks_dataset_kind_from_string (expected[i], &kind));
      g_assert_cmpint (kind, ==, i);
    }
  g_assert_false (qks_dataset_kind_from_string ("poetry", &kind));
  g_assert_false (qks_dataset_kind_from_string ("Grammar", &kind));
  g_assert_false (qks_dataset_kind_from_string ("", &kind));
}

/* Built-in corpora ------------------------------------------------------- */

static void
test_data_builtin_is_deterministic (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (builtin_kinds); k++)
    {
      g_autoptr(QksDataset) a = new_builtin (builtin_kinds[k], 1, 50000);
      g_autoptr(QksDataset) b = new_builtin (builtin_kinds[k], 1, 50000);
      g_autoptr(QksDataset) c = new_builtin (builtin_kinds[k], 2, 50000);
      g_autofree char *text_a = corpus_text (a, NULL);
      g_autofree char *text_b = corpus_text (b, NULL);
      g_autofree char *text_c = corpus_text (c, NULL);
      gsize differing = 0;

      g_assert_cmpmem (text_a, 50000, text_b, 50000);
      for (gsize i = 0; i < 50000; i++)
        differing += text_a[i] != text_c[i];
      /* Not merely different somewhere: different corpora through and through. */
      g_assert_cmpuint (differing, >, 50000 / 4);
    }
}

/* Pins the corpora of seed 1 to the bytes they had when the generators were
 * written, so that a platform difference (or an unintended change to a
 * generator) shows up here rather than as irreproducible runs. A deliberate
 * change to a format must update these. */
static void
test_data_builtin_matches_recorded_bytes (void)
{
  const char *expected[] = {
    [QKS_DATASET_GRAMMAR] = "8b8adfec2a8cbb42af92437708538c6e8fafdf83ef9eff558f0b1b1233c39fcf",
    [QKS_DATASET_INDUCTION] = "692e5b99c4e27cea16e0dde9e3eb1f9855c2e3a6c45ff7f62698cf694fcdbe84",
    [QKS_DATASET_RECALL] = "19b27a7ff5a807691ef41419470e2ba7a64dc0a3df187550d517d0c9cc0030a8",
    [QKS_DATASET_MODULAR] = "38f144d27569bc071caefbb6fc0fe40cd31d6bc46fd547ea0a994aaff15f3e02",
  };

  for (guint k = 0; k < G_N_ELEMENTS (builtin_kinds); k++)
    {
      g_autoptr(QksDataset) dataset = new_builtin (builtin_kinds[k], 1, 65536);
      g_autofree char *text = corpus_text (dataset, NULL);
      g_autofree char *digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) text, 65536);

      g_test_message ("%s: %s", qks_dataset_kind_to_string (builtin_kinds[k]), digest);
      g_assert_cmpstr (digest, ==, expected[builtin_kinds[k]]);
    }
}

static void
test_data_builtin_is_printable_and_exact_size (void)
{
  const gsize sizes[] = { QKS_DATASET_MIN_BYTES, 12345, 200000 };

  for (guint k = 0; k < G_N_ELEMENTS (builtin_kinds); k++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      {
        g_autoptr(QksDataset) dataset = new_builtin (builtin_kinds[k], 7, sizes[s]);
        gsize n;
        g_autofree char *text = corpus_text (dataset, &n);
        gsize n_lines = 0;

        g_assert_cmpuint (n, ==, sizes[s]);
        g_assert_cmpuint (qks_dataset_get_split_size (dataset, QKS_SPLIT_VALIDATION), ==,
                          (gsize) llround (sizes[s] * 0.1));
        for (gsize i = 0; i < n; i++)
          {
            g_assert_true ((text[i] >= ' ' && text[i] <= '~') || text[i] == '\n');
            n_lines += text[i] == '\n';
          }
        g_assert_cmpuint (n_lines, >, 0);
        g_assert_cmpint (qks_dataset_get_kind (dataset), ==, builtin_kinds[k]);
      }
}

static void
test_data_builtin_description (void)
{
  g_autoptr(QksDataset) dataset = new_builtin (QKS_DATASET_GRAMMAR, 1, 2000000);

  /* g_format_size() joins number and unit with a no-break space, and the
   * tests run in the C locale. */
  g_assert_cmpstr (qks_dataset_get_description (dataset), ==, "grammar (seed 1, 2.0\u00a0MB)");
}

static void
test_data_builtin_rejects_bad_arguments (void)
{
  const double bad_fractions[] = { 0.0, -0.1, 0.51, 1.0, NAN, INFINITY };
  g_autoptr(GError) error = NULL;
  QksDataset *dataset;

  dataset = qks_dataset_new_builtin (QKS_DATASET_GRAMMAR, 1, 100, 0.1, &error);
  g_assert_null (dataset);
  g_assert_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "not 100"));
  g_clear_error (&error);

  dataset = qks_dataset_new_builtin (QKS_DATASET_GRAMMAR, 1, QKS_DATASET_MAX_BYTES + 1, 0.1, &error);
  g_assert_null (dataset);
  g_assert_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (bad_fractions); i++)
    {
      dataset = qks_dataset_new_builtin (QKS_DATASET_MODULAR, 1, 10000, bad_fractions[i], &error);
      g_assert_null (dataset);
      g_assert_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "validation fraction"));
      g_clear_error (&error);
    }

  dataset = qks_dataset_new_builtin (QKS_DATASET_FILE, 1, 10000, 0.1, &error);
  g_assert_null (dataset);
  g_assert_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* The edge of the allowed range is allowed. */
  dataset = qks_dataset_new_builtin (QKS_DATASET_MODULAR, 1, 10000, 0.5, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (qks_dataset_get_split_size (dataset, QKS_SPLIT_TRAIN), ==, 5000);
  qks_dataset_unref (dataset);
}

static void
test_data_builtin_generation_is_fast (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (builtin_kinds); k++)
    {
      g_autoptr(QksDataset) dataset = NULL;
      double seconds;

      g_test_timer_start ();
      dataset = new_builtin (builtin_kinds[k], 3, 2 * 1024 * 1024);
      seconds = g_test_timer_elapsed ();
      g_test_message ("%s: 2 MiB in %.3f s", qks_dataset_kind_to_string (builtin_kinds[k]), seconds);
      g_assert_cmpfloat (seconds, <, 1.0);
    }
}

/* Grammar ---------------------------------------------------------------- */

static void
add_word (const char      *word,
          QksGrammarClass  classes,
          gpointer         user_data)
{
  GHashTable *vocabulary = user_data;
  char *key = g_ascii_strdown (word, -1);

  classes |= GPOINTER_TO_UINT (g_hash_table_lookup (vocabulary, key));
  g_hash_table_insert (vocabulary, key, GUINT_TO_POINTER (classes));
}

static GHashTable *
grammar_vocabulary (void)
{
  GHashTable *vocabulary = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  qks_data_grammar_foreach_word (add_word, vocabulary);
  return vocabulary;
}

/* The words of the text in order, lowercased, punctuation dropped. */
static GPtrArray *
grammar_words (const char *text)
{
  g_autoptr(GPtrArray) lines = complete_lines (text);
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < lines->len; i++)
    {
      g_auto(GStrv) tokens = g_strsplit (g_ptr_array_index (lines, i), " ", -1);

      for (guint j = 0; tokens[j] != NULL; j++)
        {
          gsize length = strlen (tokens[j]);

          while (length > 0 && strchr (",.!?", tokens[j][length - 1]) != NULL)
            length--;
          g_ptr_array_add (words, g_ascii_strdown (tokens[j], (gssize) length));
        }
    }
  return words;
}

static char *
grammar_corpus (gsize n_bytes)
{
  g_autoptr(QksDataset) dataset = new_builtin (QKS_DATASET_GRAMMAR, 11, n_bytes);

  return corpus_text (dataset, NULL);
}

static void
test_data_grammar_sentences_are_punctuated (void)
{
  g_autofree char *text = grammar_corpus (200000);
  g_autoptr(GPtrArray) lines = complete_lines (text);
  guint n_sentences = 0, n_questions = 0, n_exclamations = 0, n_commas = 0, n_relatives = 0;

  g_assert_cmpuint (lines->len, >, 100);
  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);
      gsize length = strlen (line);
      gboolean sentence_start = TRUE;
      guint in_line = 0;

      g_assert_cmpuint (length, >, 0);
      g_assert_nonnull (strchr (".!?", line[length - 1]));
      g_assert_null (strstr (line, "  "));
      g_assert_null (strstr (line, " ,"));

      for (gsize j = 0; j < length; j++)
        {
          char c = line[j];

          if (sentence_start)
            {
              g_assert_true (g_ascii_isupper (c));
              sentence_start = FALSE;
              n_sentences++;
              in_line++;
            }
          if (strchr (".!?", c) != NULL)
            {
              /* These end a sentence and appear nowhere else. */
              g_assert_true (j + 1 == length || line[j + 1] == ' ');
              g_assert_true (g_ascii_isalpha (line[j - 1]));
              n_questions += c == '?';
              n_exclamations += c == '!';
              if (j + 1 < length)
                {
                  j++;
                  sentence_start = TRUE;
                }
            }
          else
            g_assert_true (g_ascii_isalpha (c) || c == ' ' || c == ',');
        }
      g_assert_cmpuint (in_line, >=, 3);
      g_assert_cmpuint (in_line, <=, 7);
    }

  /* Varied structure: questions, exclamations, compound sentences,
   * relative clauses all turn up, and plain statements dominate. */
  {
    g_autoptr(GPtrArray) words = grammar_words (text);

    for (guint i = 0; i < words->len; i++)
      {
        const char *word = g_ptr_array_index (words, i);

        n_relatives += strcmp (word, "who") == 0 || strcmp (word, "which") == 0;
      }
    for (const char *p = text; *p != '\0'; p++)
      n_commas += *p == ',';
  }
  g_assert_cmpfloat ((double) n_questions / n_sentences, >, 0.10);
  g_assert_cmpfloat ((double) n_questions / n_sentences, <, 0.35);
  g_assert_cmpfloat ((double) n_exclamations / n_sentences, >, 0.02);
  g_assert_cmpfloat ((double) n_commas / n_sentences, >, 0.15);
  g_assert_cmpfloat ((double) n_relatives / n_sentences, >, 0.03);
}

static void
test_data_grammar_words_come_from_the_vocabulary (void)
{
  g_autoptr(GHashTable) vocabulary = grammar_vocabulary ();
  g_autofree char *text = grammar_corpus (200000);
  g_autoptr(GPtrArray) words = grammar_words (text);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_known = 0;

  /* "A few hundred words". */
  g_assert_cmpuint (g_hash_table_size (vocabulary), >, 500);

  for (guint i = 0; i < words->len; i++)
    {
      const char *word = g_ptr_array_index (words, i);

      if (g_hash_table_contains (vocabulary, word))
        {
          n_known++;
          g_hash_table_add (seen, (gpointer) word);
        }
      else
        g_test_message ("not in the vocabulary: “%s”", word);
    }
  g_assert_cmpuint (words->len, >, 30000);
  g_assert_cmpuint (n_known, ==, words->len);
  /* And the text uses most of the vocabulary, not a corner of it. */
  g_assert_cmpuint (g_hash_table_size (seen), >, 9 * g_hash_table_size (vocabulary) / 10);
}

static QksGrammarClass
classes_of (GHashTable *vocabulary,
            const char *word)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (vocabulary, word));
}

/* The word @word can only be of class @klass. */
static gboolean
only (GHashTable      *vocabulary,
      const char      *word,
      QksGrammarClass  klass)
{
  return classes_of (vocabulary, word) == klass;
}

/* The head noun of a noun phrase whose determiner is words[i − 1]: the first
 * word that is not an adjective, or an adjective that is also a noun with
 * no noun after it ("an orange"). */
static const char *
skip_adjectives (GHashTable *vocabulary,
                 GPtrArray  *words,
                 guint       i)
{
  while (i + 1 < words->len &&
         (classes_of (vocabulary, g_ptr_array_index (words, i)) & QKS_GRAMMAR_ADJECTIVE) &&
         (classes_of (vocabulary, g_ptr_array_index (words, i + 1)) &
          (QKS_GRAMMAR_ADJECTIVE | QKS_GRAMMAR_NOUN_SINGULAR | QKS_GRAMMAR_NOUN_PLURAL)))
    i++;
  return i < words->len ? g_ptr_array_index (words, i) : "";
}

static void
test_data_grammar_agrees (void)
{
  g_autoptr(GHashTable) vocabulary = grammar_vocabulary ();
  g_autofree char *text = grammar_corpus (300000);
  g_autoptr(GPtrArray) words = grammar_words (text);
  guint n_singular_subjects = 0, n_plural_subjects = 0, n_articles = 0, n_plural_determiners = 0;

  for (guint i = 1; i + 1 < words->len; i++)
    {
      const char *previous = g_ptr_array_index (words, i - 1);
      const char *word = g_ptr_array_index (words, i);
      const char *next = g_ptr_array_index (words, i + 1);
      gboolean after_do = strcmp (previous, "does") == 0 || strcmp (previous, "did") == 0 ||
                          strcmp (previous, "do") == 0;

      if (strcmp (word, "he") == 0 || strcmp (word, "she") == 0)
        {
          n_singular_subjects++;
          g_assert_cmpstr (next, !=, "are");
          g_assert_cmpstr (next, !=, "were");
          g_assert_cmpstr (next, !=, "am");
          g_assert_cmpstr (next, !=, "do");
          g_assert_cmpstr (previous, !=, "do");
          if (only (vocabulary, next, QKS_GRAMMAR_VERB_BASE))
            g_assert_true (after_do);
          if (after_do)
            g_assert_false (only (vocabulary, next, QKS_GRAMMAR_VERB_THIRD_SINGULAR));
        }
      else if (strcmp (word, "they") == 0 || strcmp (word, "we") == 0)
        {
          n_plural_subjects++;
          g_assert_cmpstr (next, !=, "is");
          g_assert_cmpstr (next, !=, "was");
          g_assert_cmpstr (next, !=, "am");
          g_assert_cmpstr (next, !=, "does");
          g_assert_cmpstr (previous, !=, "does");
          g_assert_false (only (vocabulary, next, QKS_GRAMMAR_VERB_THIRD_SINGULAR));
        }

      if (strcmp (word, "a") == 0 || strcmp (word, "an") == 0)
        {
          gboolean vowel = strchr ("aeiou", next[0]) != NULL;

          n_articles++;
          if (vowel != (strcmp (word, "an") == 0))
            g_error ("“%s %s”", word, next);
        }
      if (only (vocabulary, word, QKS_GRAMMAR_DETERMINER_SINGULAR))
        g_assert_false (only (vocabulary, skip_adjectives (vocabulary, words, i + 1),
                              QKS_GRAMMAR_NOUN_PLURAL));
      if (only (vocabulary, word, QKS_GRAMMAR_DETERMINER_PLURAL))
        {
          n_plural_determiners++;
          g_assert_false (only (vocabulary, skip_adjectives (vocabulary, words, i + 1),
                                QKS_GRAMMAR_NOUN_SINGULAR));
        }
    }

  /* Enough of each case that the checks above meant something. */
  g_test_message ("he/she %u, they/we %u, a/an %u, plural determiners %u",
                  n_singular_subjects, n_plural_subjects, n_articles, n_plural_determiners);
  g_assert_cmpuint (n_singular_subjects, >, 200);
  g_assert_cmpuint (n_plural_subjects, >, 80);
  g_assert_cmpuint (n_articles, >, 1000);
  g_assert_cmpuint (n_plural_determiners, >, 500);
}

typedef enum
{
  NUMBER_UNKNOWN,    /* "sheep", "fish": either */
  NUMBER_SINGULAR,   /* he, she, it, Anna, the dog */
  NUMBER_PLURAL,     /* we, you, they, the dogs */
  NUMBER_FIRST,      /* I */
} Number;

/* The number of the noun phrase that starts at words[*i], read from its
 * head; *i moves past the head. Modifiers after the head are not read. */
static Number
subject_number (GHashTable  *vocabulary,
                GStrv        words,
                guint       *i)
{
  const char *word = words[*i];
  QksGrammarClass classes;

  if (word == NULL)
    return NUMBER_UNKNOWN;
  (*i)++;
  if (strcmp (word, "he") == 0 || strcmp (word, "she") == 0 || strcmp (word, "it") == 0)
    return NUMBER_SINGULAR;
  if (strcmp (word, "we") == 0 || strcmp (word, "you") == 0 || strcmp (word, "they") == 0)
    return NUMBER_PLURAL;
  if (strcmp (word, "i") == 0)
    return NUMBER_FIRST;
  if (classes_of (vocabulary, word) & QKS_GRAMMAR_NAME)
    return NUMBER_SINGULAR;

  if (classes_of (vocabulary, word) & (QKS_GRAMMAR_DETERMINER_SINGULAR | QKS_GRAMMAR_DETERMINER_PLURAL))
    word = words[(*i)++];
  /* Adjectives up to the head; "orange" and "secret" are nouns too, and are
   * the head when no noun follows. */
  while (word != NULL && (classes_of (vocabulary, word) & QKS_GRAMMAR_ADJECTIVE) &&
         words[*i] != NULL &&
         (classes_of (vocabulary, words[*i]) &
          (QKS_GRAMMAR_ADJECTIVE | QKS_GRAMMAR_NOUN_SINGULAR | QKS_GRAMMAR_NOUN_PLURAL)))
    word = words[(*i)++];
  if (word == NULL)
    return NUMBER_UNKNOWN;

  classes = classes_of (vocabulary, word);
  if (!(classes & (QKS_GRAMMAR_NOUN_SINGULAR | QKS_GRAMMAR_NOUN_PLURAL)))
    g_error ("“%s” heads a noun phrase", word);
  if (classes == QKS_GRAMMAR_NOUN_SINGULAR)
    return NUMBER_SINGULAR;
  if (classes == QKS_GRAMMAR_NOUN_PLURAL)
    return NUMBER_PLURAL;
  return NUMBER_UNKNOWN;
}

/* Whether the verb word @verb (a form of be or do, or a lexical verb) may
 * follow a subject of @number. Words that say nothing about number pass. */
static gboolean
verb_agrees (GHashTable *vocabulary,
             Number      number,
             const char *verb)
{
  static const struct
  {
    const char *word;
    Number      numbers[2];
  } forms[] = {
    { "is", { NUMBER_SINGULAR, NUMBER_SINGULAR } },
    { "does", { NUMBER_SINGULAR, NUMBER_SINGULAR } },
    { "are", { NUMBER_PLURAL, NUMBER_PLURAL } },
    { "were", { NUMBER_PLURAL, NUMBER_PLURAL } },
    { "do", { NUMBER_PLURAL, NUMBER_FIRST } },
    { "am", { NUMBER_FIRST, NUMBER_FIRST } },
    { "was", { NUMBER_SINGULAR, NUMBER_FIRST } },
  };

  if (number == NUMBER_UNKNOWN || verb == NULL)
    return TRUE;
  for (guint f = 0; f < G_N_ELEMENTS (forms); f++)
    if (strcmp (verb, forms[f].word) == 0)
      return number == forms[f].numbers[0] || number == forms[f].numbers[1];
  if (only (vocabulary, verb, QKS_GRAMMAR_VERB_THIRD_SINGULAR))
    return number == NUMBER_SINGULAR;
  if (only (vocabulary, verb, QKS_GRAMMAR_VERB_BASE))
    return number != NUMBER_SINGULAR;
  return TRUE;
}

static gboolean
is_word (const char *word,
         const char *a,
         const char *b)
{
  return word != NULL && (strcmp (word, a) == 0 || strcmp (word, b) == 0);
}

/* Subject and verb agree wherever the grammar puts them next to each other
 * with the subject first in a sentence or right after the verb of a
 * question: "The dogs sleep.", "Does the dog sleep?", "There are two foxes.",
 * "How quiet the rivers were!". */
static void
test_data_grammar_subjects_agree_with_verbs (void)
{
  g_autoptr(GHashTable) vocabulary = grammar_vocabulary ();
  g_autofree char *text = grammar_corpus (300000);
  g_autoptr(GPtrArray) lines = complete_lines (text);
  g_autoptr(GRegex) boundary = g_regex_new ("(?<=[.!?]) ", 0, 0, NULL);
  guint n_checked[4] = { 0 };

  for (guint l = 0; l < lines->len; l++)
    {
      g_auto(GStrv) sentences = g_regex_split (boundary, g_ptr_array_index (lines, l), 0);

      for (guint s = 0; sentences[s] != NULL; s++)
        {
          gsize length = strlen (sentences[s]);
          char end = sentences[s][length - 1];
          g_autofree char *lower = g_ascii_strdown (sentences[s], (gssize) length - 1);
          g_autofree char *plain = g_strdelimit (g_steal_pointer (&lower), ",", ' ');
          g_auto(GStrv) w = g_strsplit_set (plain, " ", -1);
          g_auto(GStrv) words = NULL;
          g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
          guint i;
          Number number;

          for (guint j = 0; w[j] != NULL; j++)
            if (w[j][0] != '\0')
              g_strv_builder_add (builder, w[j]);
          words = g_strv_builder_end (builder);

          if (end == '?' && (is_word (words[0], "is", "are") || is_word (words[0], "was", "were") ||
                             is_word (words[0], "am", "am") || is_word (words[0], "does", "do")))
            {
              /* "Does the dog sleep?", "Were the foxes happy?" */
              i = 1;
              number = subject_number (vocabulary, words, &i);
              g_assert_true (verb_agrees (vocabulary, number, words[0]));
              n_checked[0] += number != NUMBER_UNKNOWN;
            }
          else if (end == '?' && strcmp (words[0], "who") != 0 && is_word (words[1], "does", "do"))
            {
              /* "Where does the dog sleep?" ("Who does not sleep?" has no
               * subject after the verb.) */
              i = 2;
              number = subject_number (vocabulary, words, &i);
              g_assert_true (verb_agrees (vocabulary, number, words[1]));
              n_checked[1] += number != NUMBER_UNKNOWN;
            }
          else if (strcmp (words[0], "there") == 0)
            {
              /* "There were two foxes in the garden." */
              i = 2;
              number = subject_number (vocabulary, words, &i);
              g_assert_true (verb_agrees (vocabulary, number, words[1]));
              n_checked[2] += number != NUMBER_UNKNOWN;
            }
          else if (end == '!' && strcmp (words[0], "how") == 0)
            {
              /* "How quiet the rivers were!" */
              i = 2;
              number = subject_number (vocabulary, words, &i);
              g_assert_true (verb_agrees (vocabulary, number, words[i]));
              n_checked[2] += number != NUMBER_UNKNOWN;
            }
          else if (end == '.' &&
                   (classes_of (vocabulary, words[0]) &
                    (QKS_GRAMMAR_DETERMINER_SINGULAR | QKS_GRAMMAR_DETERMINER_PLURAL |
                     QKS_GRAMMAR_NOUN_SINGULAR | QKS_GRAMMAR_NOUN_PLURAL |
                     QKS_GRAMMAR_NAME | QKS_GRAMMAR_PRONOUN)))
            {
              /* "The dogs often sleep." A head followed by a modifier ("the
               * dogs of the king") leaves a preposition or relative word
               * next, which says nothing about number. */
              i = 0;
              number = subject_number (vocabulary, words, &i);
              while (words[i] != NULL && only (vocabulary, words[i], QKS_GRAMMAR_ADVERB))
                i++;
              if (!verb_agrees (vocabulary, number, words[i]))
                g_error ("“%s”: %s does not agree", sentences[s], words[i]);
              n_checked[3] += number != NUMBER_UNKNOWN && words[i] != NULL;
            }
        }
    }

  g_test_message ("checked: %u yes/no questions, %u wh-questions, %u existentials "
                  "and exclamations, %u statements",
                  n_checked[0], n_checked[1], n_checked[2], n_checked[3]);
  for (guint c = 0; c < G_N_ELEMENTS (n_checked); c++)
    g_assert_cmpuint (n_checked[c], >, 50);
}

static void
test_data_grammar_entropy_is_english_like (void)
{
  gsize n;
  g_autoptr(QksDataset) dataset = new_builtin (QKS_DATASET_GRAMMAR, 5, 500000);
  g_autofree char *text = corpus_text (dataset, &n);
  double counts[256] = { 0 }, entropy = 0.0;
  guint n_letters = 0, n_vowels = 0;

  for (gsize i = 0; i < n; i++)
    {
      counts[(guint8) text[i]]++;
      if (g_ascii_isalpha (text[i]))
        {
          n_letters++;
          n_vowels += strchr ("aeiouAEIOU", text[i]) != NULL;
        }
    }
  for (guint c = 0; c < 256; c++)
    if (counts[c] > 0)
      entropy -= counts[c] / n * log2 (counts[c] / n);

  g_test_message ("unigram entropy %.3f bits per byte", entropy);
  g_assert_cmpfloat (entropy, >, 3.5);
  g_assert_cmpfloat (entropy, <, 4.6);
  /* English letters are about 38 % vowels; random letters would be 19 %. */
  g_assert_cmpfloat ((double) n_vowels / n_letters, >, 0.32);
  g_assert_cmpfloat ((double) n_vowels / n_letters, <, 0.44);
  /* And a word is about five letters: spaces are a sixth of the text or so. */
  g_assert_cmpfloat (counts[' '] / n, >, 0.13);
  g_assert_cmpfloat (counts[' '] / n, <, 0.22);
}

/* Modular addition ------------------------------------------------------- */

/* Parses a decimal number without leading zeros; returns the end or NULL. */
static const char *
parse_number (const char *p,
              guint      *value)
{
  const char *start = p;

  *value = 0;
  while (g_ascii_isdigit (*p))
    *value = *value * 10 + (guint) (*p++ - '0');
  if (p == start || (*start == '0' && p - start > 1) || p - start > 3)
    return NULL;
  return p;
}

static void
test_data_modular_lines_add_up (void)
{
  g_autoptr(QksDataset) dataset = new_builtin (QKS_DATASET_MODULAR, 4, 300000);
  g_autofree char *text = corpus_text (dataset, NULL);
  g_autoptr(GPtrArray) lines = complete_lines (text);
  guint a_counts[QKS_DATASET_MODULUS] = { 0 }, wrapped = 0;

  g_assert_cmpuint (lines->len, >, 30000);
  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i), *p;
      guint a, b, c;

      p = parse_number (line, &a);
      g_assert_nonnull (p);
      g_assert_cmpint (*p, ==, '+');
      p = parse_number (p + 1, &b);
      g_assert_nonnull (p);
      g_assert_cmpint (*p, ==, '=');
      p = parse_number (p + 1, &c);
      g_assert_nonnull (p);
      g_assert_cmpint (*p, ==, '\0');

      g_assert_cmpuint (a, <, QKS_DATASET_MODULUS);
      g_assert_cmpuint (b, <, QKS_DATASET_MODULUS);
      g_assert_cmpuint (c, ==, (a + b) % QKS_DATASET_MODULUS);
      a_counts[a]++;
      wrapped += a + b >= QKS_DATASET_MODULUS;
    }

  /* Operands cover the whole range, and about half the sums wrap around. */
  for (guint a = 0; a < QKS_DATASET_MODULUS; a++)
    g_assert_cmpuint (a_counts[a], >, 0);
  g_assert_cmpfloat ((double) wrapped / lines->len, >, 0.45);
  g_assert_cmpfloat ((double) wrapped / lines->len, <, 0.55);
}

/* Associative recall ----------------------------------------------------- */

static gboolean
is_recall_symbol (const char *p)
{
  return g_ascii_islower (p[0]) && g_ascii_isdigit (p[1]);
}

static void
test_data_recall_answers_the_query (void)
{
  g_autoptr(QksDataset) dataset = new_builtin (QKS_DATASET_RECALL, 9, 300000);
  g_autofree char *text = corpus_text (dataset, NULL);
  g_autoptr(GPtrArray) lines = complete_lines (text);
  guint position_counts[10] = { 0 }, pair_counts[11] = { 0 };

  g_assert_cmpuint (lines->len, >, 5000);
  for (guint i = 0; i < lines->len; i++)
    {
      g_auto(GStrv) tokens = g_strsplit (g_ptr_array_index (lines, i), " ", -1);
      guint n_pairs = g_strv_length (tokens) - 1;
      const char *query = tokens[n_pairs];
      gint found = -1;

      g_assert_cmpuint (n_pairs, >=, 3);
      g_assert_cmpuint (n_pairs, <=, 10);
      for (guint j = 0; j < n_pairs; j++)
        {
          g_assert_cmpuint (strlen (tokens[j]), ==, 5);
          g_assert_true (is_recall_symbol (tokens[j]));
          g_assert_cmpint (tokens[j][2], ==, '=');
          g_assert_true (is_recall_symbol (tokens[j] + 3));
          for (guint k = 0; k < j; k++)
            g_assert_false (strncmp (tokens[j], tokens[k], 2) == 0);   /* distinct keys */
        }

      /* "?k3=v7": the value of the earlier pair with key k3. */
      g_assert_cmpuint (strlen (query), ==, 6);
      g_assert_cmpint (query[0], ==, '?');
      for (guint j = 0; j < n_pairs; j++)
        if (strncmp (tokens[j], query + 1, 2) == 0)
          found = (gint) j;
      g_assert_cmpint (found, >=, 0);
      g_assert_cmpstr (query + 1, ==, tokens[found]);

      position_counts[found]++;
      pair_counts[n_pairs]++;
    }

  /* Every position gets queried and every line length occurs. */
  for (guint j = 0; j < 10; j++)
    g_assert_cmpuint (position_counts[j], >, 0);
  for (guint n = 3; n <= 10; n++)
    g_assert_cmpuint (pair_counts[n], >, 0);
}

/* Induction -------------------------------------------------------------- */

static void
check_fresh (const char *fresh,
             gsize       length)
{
  g_assert_cmpuint (length, >=, 12);
  g_assert_true (is_symbol (fresh[0]));
  g_assert_true (is_symbol (fresh[length - 1]));
  for (gsize i = 0; i < length; i++)
    {
      g_assert_true (is_symbol (fresh[i]) || fresh[i] == ' ');
      if (fresh[i] == ' ')
        g_assert_cmpint (fresh[i + 1], !=, ' ');
    }
}

static void
test_data_induction_copies_earlier_segments (void)
{
  g_autoptr(QksDataset) dataset = new_builtin (QKS_DATASET_INDUCTION, 13, 300000);
  g_autofree char *text = corpus_text (dataset, NULL);
  g_autoptr(GPtrArray) lines = complete_lines (text);
  guint length_counts[17] = { 0 }, n_copies_total = 0;

  g_assert_cmpuint (lines->len, >, 1000);
  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);
      const char *p = line, *open;
      guint n_copies = 0;

      /* FRESH ( " [" COPY "] " FRESH )+ */
      while ((open = strstr (p, " [")) != NULL)
        {
          const char *close = strchr (open, ']');
          g_autofree char *copy = NULL;
          gsize copy_length;

          check_fresh (p, (gsize) (open - p));
          g_assert_nonnull (close);
          g_assert_cmpint (close[1], ==, ' ');
          copy = g_strndup (open + 2, (gsize) (close - open - 2));
          copy_length = strlen (copy);
          g_assert_cmpuint (copy_length, >=, 4);
          g_assert_cmpuint (copy_length, <=, 16);
          g_assert_true (is_symbol (copy[0]));
          g_assert_true (is_symbol (copy[copy_length - 1]));
          for (gsize j = 0; j < copy_length; j++)
            g_assert_true (is_symbol (copy[j]) || copy[j] == ' ');

          /* The copy really is a repeat of material earlier in the line,
           * and starts where a word of it starts (some occurrence does:
           * the first may be a chance match inside a word). */
          {
            const char *source = line;
            gboolean at_word_start = FALSE;

            while ((source = g_strstr_len (source, open - source, copy)) != NULL)
              {
                at_word_start |= source == line || source[-1] == ' ' || source[-1] == '[';
                source++;
              }
            g_assert_true (at_word_start);
          }

          length_counts[copy_length]++;
          n_copies++;
          p = close + 2;
        }
      check_fresh (p, strlen (p));
      g_assert_cmpuint (n_copies, >=, 1);
      g_assert_cmpuint (n_copies, <=, 3);
      n_copies_total += n_copies;
    }

  for (guint length = 4; length <= 16; length++)
    g_assert_cmpuint (length_counts[length], >, n_copies_total / 100);
}

/* Sampling --------------------------------------------------------------- */

/* A file of random bytes: every 8-byte string in it occurs once, so a
 * window's first bytes tell where it came from. */
typedef struct
{
  char       *dir;
  char       *path;
  guint8     *bytes;
  gsize       n_bytes;
  GHashTable *offsets;   /* first 8 bytes (guint64) → offset + 1 */
} RandomFile;

static void
random_file_free (RandomFile *file)
{
  g_unlink (file->path);
  g_rmdir (file->dir);
  g_free (file->path);
  g_free (file->dir);
  g_free (file->bytes);
  g_hash_table_unref (file->offsets);
  g_free (file);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RandomFile, random_file_free)

static guint64
prefix_key (const guint8 *p)
{
  guint64 key;

  memcpy (&key, p, sizeof key);
  return key;
}

static RandomFile *
random_file_new (gsize n_bytes)
{
  g_autoptr(GError) error = NULL;
  RandomFile *file = g_new0 (RandomFile, 1);
  QksRng rng;

  file->dir = g_dir_make_tmp ("qks-test-data-XXXXXX", &error);
  g_assert_no_error (error);
  file->path = g_build_filename (file->dir, "random.bin", NULL);
  file->n_bytes = n_bytes;
  file->bytes = g_new (guint8, n_bytes);
  qks_rng_init (&rng, 99);
  for (gsize i = 0; i < n_bytes; i++)
    file->bytes[i] = (guint8) qks_rng_uniform_int (&rng, 256);
  g_file_set_contents (file->path, (const char *) file->bytes, (gssize) n_bytes, &error);
  g_assert_no_error (error);

  file->offsets = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (gsize i = 0; i + 8 <= n_bytes; i++)
    {
      gint64 *key = g_new (gint64, 1);

      *key = (gint64) prefix_key (file->bytes + i);
      g_assert_false (g_hash_table_contains (file->offsets, key));
      g_hash_table_insert (file->offsets, key, GSIZE_TO_POINTER (i + 1));
    }
  return file;
}

/* Where the window whose tokens are @inputs starts in the file; checks that
 * the inputs and targets are the file's bytes from there on. */
static gsize
window_offset (RandomFile *file,
               const int  *inputs,
               const int  *targets,
               guint       seq_len)
{
  guint8 prefix[8];
  gint64 key;
  gsize offset;

  for (guint t = 0; t < 8; t++)
    {
      g_assert_cmpint (inputs[t], >=, 0);
      g_assert_cmpint (inputs[t], <, QKS_DATASET_VOCAB_SIZE);
      prefix[t] = (guint8) inputs[t];
    }
  key = (gint64) prefix_key (prefix);
  offset = GPOINTER_TO_SIZE (g_hash_table_lookup (file->offsets, &key));
  g_assert_cmpuint (offset, >, 0);
  offset--;

  g_assert_cmpuint (offset + seq_len + 1, <=, file->n_bytes);
  for (guint t = 0; t < seq_len; t++)
    {
      g_assert_cmpint (inputs[t], ==, file->bytes[offset + t]);
      g_assert_cmpint (targets[t], ==, file->bytes[offset + t + 1]);
      if (t + 1 < seq_len)
        g_assert_cmpint (targets[t], ==, inputs[t + 1]);
    }
  return offset;
}

static void
test_data_sample_batch_is_uniform_over_training_windows (void)
{
  g_autoptr(RandomFile) file = random_file_new (2000);
  g_autoptr(GError) error = NULL;
  g_autoptr(QksDataset) dataset = qks_dataset_new_from_file (file->path, 0.25, &error);
  const guint batch = 16, seq_len = 8;
  gsize n_train = 1500, n_starts = n_train - seq_len;
  g_autofree guint *counts = g_new0 (guint, n_starts);
  g_autofree int *inputs = g_new (int, batch * seq_len);
  g_autofree int *targets = g_new (int, batch * seq_len);
  guint n_batches = (guint) (20 * n_starts / batch);
  double expected, chi_squared = 0.0;
  QksRng rng;

  g_assert_no_error (error);
  g_assert_cmpuint (qks_dataset_get_split_size (dataset, QKS_SPLIT_TRAIN), ==, n_train);
  g_assert_true (qks_dataset_check_window (dataset, seq_len, &error));
  g_assert_no_error (error);

  qks_rng_init (&rng, 2026);
  for (guint i = 0; i < n_batches; i++)
    {
      qks_dataset_sample_batch (dataset, &rng, batch, seq_len, inputs, targets);
      for (guint b = 0; b < batch; b++)
        {
          gsize offset = window_offset (file, inputs + b * seq_len, targets + b * seq_len, seq_len);

          /* Inside the training split, targets included: never a byte of
           * the validation split. */
          g_assert_cmpuint (offset + seq_len + 1, <=, n_train);
          counts[offset]++;
        }
    }

  /* Every start is reached (the first and the last included), about equally
   * often: χ² with n_starts − 1 degrees of freedom. */
  expected = (double) n_batches * batch / n_starts;
  for (gsize o = 0; o < n_starts; o++)
    {
      g_assert_cmpuint (counts[o], >, 0);
      chi_squared += (counts[o] - expected) * (counts[o] - expected) / expected;
    }
  g_assert_cmpfloat (gsl_cdf_chisq_Q (chi_squared, (double) n_starts - 1), >, 1e-4);
}

static void
test_data_sample_batch_is_deterministic (void)
{
  g_autoptr(QksDataset) dataset = new_builtin (QKS_DATASET_GRAMMAR, 1, 20000);
  int inputs_a[4 * 32], targets_a[4 * 32], inputs_b[4 * 32], targets_b[4 * 32];
  QksRng a, b;

  qks_rng_init_stream (&a, 5, 1);
  b = a;
  qks_dataset_sample_batch (dataset, &a, 4, 32, inputs_a, targets_a);
  qks_dataset_sample_batch (dataset, &b, 4, 32, inputs_b, targets_b);
  g_assert_cmpmem (inputs_a, sizeof inputs_a, inputs_b, sizeof inputs_b);
  g_assert_cmpmem (targets_a, sizeof targets_a, targets_b, sizeof targets_b);

  /* The stream moved on: the next batch is another one. */
  qks_dataset_sample_batch (dataset, &b, 4, 32, inputs_b, targets_b);
  g_assert_false (memcmp (inputs_a, inputs_b, sizeof inputs_a) == 0);
}

static void
test_data_validation_batches_tile_the_split (void)
{
  g_autoptr(RandomFile) file = random_file_new (2000);
  g_autoptr(GError) error = NULL;
  g_autoptr(QksDataset) dataset = qks_dataset_new_from_file (file->path, 0.25, &error);
  /* 500 validation bytes hold 49 windows of 10 tokens, not 50: the last
   * window's last target would be the byte after the file. */
  const guint batch = 5, seq_len = 10;
  const gsize n_train = 1500, n_windows = 49;
  guint n_batches;
  g_autofree gsize *slots = NULL;
  int inputs[5 * 10], targets[5 * 10], again_inputs[5 * 10], again_targets[5 * 10];

  g_assert_no_error (error);
  n_batches = qks_dataset_count_validation_batches (dataset, batch, seq_len);
  g_assert_cmpuint (n_batches, ==, 10);
  slots = g_new (gsize, n_batches * batch);

  for (guint i = 0; i < n_batches; i++)
    {
      qks_dataset_get_validation_batch (dataset, i, batch, seq_len, inputs, targets);

      /* The same batch every time it is asked for, and again one period on. */
      qks_dataset_get_validation_batch (dataset, i, batch, seq_len, again_inputs, again_targets);
      g_assert_cmpmem (inputs, sizeof inputs, again_inputs, sizeof again_inputs);
      g_assert_cmpmem (targets, sizeof targets, again_targets, sizeof again_targets);
      qks_dataset_get_validation_batch (dataset, i + n_batches, batch, seq_len, again_inputs, again_targets);
      g_assert_cmpmem (inputs, sizeof inputs, again_inputs, sizeof again_inputs);

      for (guint b = 0; b < batch; b++)
        {
          gsize offset = window_offset (file, inputs + b * seq_len, targets + b * seq_len, seq_len);

          g_assert_cmpuint (offset, >=, n_train);
          g_assert_cmpuint (offset + seq_len + 1, <=, file->n_bytes);
          slots[i * batch + b] = offset;
        }
    }

  /* Consecutive, non-overlapping windows in order: distinct until every
   * window has been used once; then the last batch wraps to the first. */
  for (gsize s = 0; s < (gsize) n_batches * batch; s++)
    {
      if (s < n_windows)
        g_assert_cmpuint (slots[s], ==, n_train + s * seq_len);
      else
        g_assert_cmpuint (slots[s], ==, slots[s - n_windows]);
    }

  /* A window longer than the split fits nowhere. */
  g_assert_cmpuint (qks_dataset_count_validation_batches (dataset, batch, 500), ==, 0);
  g_assert_cmpuint (qks_dataset_count_validation_batches (dataset, batch, 499), ==, 1);
}

/* Files ------------------------------------------------------------------ */

typedef struct
{
  char *dir;
} TempDir;

static void
temp_dir_free (TempDir *temp)
{
  g_autoptr(GDir) dir = g_dir_open (temp->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (temp->dir, name, NULL);

      if (g_rmdir (path) != 0)
        g_unlink (path);
    }
  g_rmdir (temp->dir);
  g_free (temp->dir);
  g_free (temp);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TempDir, temp_dir_free)

static TempDir *
temp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  TempDir *temp = g_new0 (TempDir, 1);

  temp->dir = g_dir_make_tmp ("qks-test-data-XXXXXX", &error);
  g_assert_no_error (error);
  return temp;
}

static char *
write_file (TempDir    *temp,
            const char *name,
            const void *contents,
            gsize       length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (temp->dir, name, NULL);

  g_file_set_contents (path, contents, (gssize) length, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_data_file_round_trips (void)
{
  g_autoptr(TempDir) temp = temp_dir_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QksDataset) dataset = NULL;
  guint8 contents[1000];
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  gsize n;

  /* Every byte value, the high ones included: tokens are unsigned. */
  for (guint i = 0; i < sizeof contents; i++)
    contents[i] = (guint8) (i * 7 + i / 256);
  path = write_file (temp, "all bytes.bin", contents, sizeof contents);

  dataset = qks_dataset_new_from_file (path, 0.2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qks_dataset_get_kind (dataset), ==, QKS_DATASET_FILE);
  g_assert_cmpstr (qks_dataset_get_description (dataset), ==, "all bytes.bin");
  g_assert_cmpuint (qks_dataset_get_split_size (dataset, QKS_SPLIT_TRAIN), ==, 800);
  g_assert_cmpuint (qks_dataset_get_split_size (dataset, QKS_SPLIT_VALIDATION), ==, 200);
  text = corpus_text (dataset, &n);
  g_assert_cmpmem (text, n, contents, sizeof contents);

  /* The last of the file is the validation split. */
  {
    int inputs[10], targets[10];

    qks_dataset_get_validation_batch (dataset, 0, 1, 10, inputs, targets);
    for (guint t = 0; t < 10; t++)
      {
        g_assert_cmpint (inputs[t], ==, contents[800 + t]);
        g_assert_cmpint (targets[t], ==, contents[801 + t]);
      }
  }
}

static void
test_data_file_errors_name_the_file (void)
{
  g_autoptr(TempDir) temp = temp_dir_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QksDataset) dataset = NULL;
  g_autofree char *missing = g_build_filename (temp->dir, "missing.txt", NULL);
  g_autofree char *empty = write_file (temp, "empty.txt", "", 0);
  g_autofree char *small = NULL;
  g_autofree char *folder = g_build_filename (temp->dir, "folder.txt", NULL);
  char notes[400];

  g_assert_null (qks_dataset_new_from_file (missing, 0.1, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "missing.txt"));
  g_clear_error (&error);

  g_assert_null (qks_dataset_new_from_file (empty, 0.1, &error));
  g_assert_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "“empty.txt”"));
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  g_assert_null (qks_dataset_new_from_file (folder, 0.1, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
  g_assert_nonnull (strstr (error->message, "“folder.txt”"));
  g_clear_error (&error);

  /* 400 bytes: 360 to train on, 40 to validate; a 128-token window needs 129. */
  memset (notes, 'x', sizeof notes);
  small = write_file (temp, "notes.txt", notes, sizeof notes);
  dataset = qks_dataset_new_from_file (small, 0.1, &error);
  g_assert_no_error (error);
  g_assert_false (qks_dataset_check_window (dataset, 128, &error));
  g_assert_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_TOO_SMALL);
  g_assert_cmpstr (error->message, ==,
                   "The validation split of “notes.txt” holds 40 bytes, "
                   "fewer than the 129 a window of 128 tokens needs");
  g_clear_error (&error);

  /* Windows that fit pass; the training split is checked too. */
  g_assert_true (qks_dataset_check_window (dataset, 39, &error));
  g_assert_no_error (error);
  g_assert_false (qks_dataset_check_window (dataset, 0, &error));
  g_assert_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_clear_pointer (&dataset, qks_dataset_unref);

  dataset = qks_dataset_new_from_file (small, 0.5, &error);
  g_assert_no_error (error);
  g_assert_false (qks_dataset_check_window (dataset, 200, &error));
  g_assert_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_TOO_SMALL);
  g_assert_nonnull (strstr (error->message, "The training split of “notes.txt” holds 200 bytes"));
  g_clear_error (&error);
}

static void
test_data_builtin_check_window (void)
{
  g_autoptr(QksDataset) dataset = new_builtin (QKS_DATASET_RECALL, 1, 10000);
  g_autoptr(GError) error = NULL;

  g_assert_true (qks_dataset_check_window (dataset, 999, &error));
  g_assert_no_error (error);
  g_assert_false (qks_dataset_check_window (dataset, 1000, &error));
  g_assert_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_TOO_SMALL);
  g_assert_cmpstr (error->message, ==,
                   "The validation split of the recall corpus holds 1000 bytes, "
                   "fewer than the 1001 a window of 1000 tokens needs");
}

static void
test_data_is_refcounted_boxed (void)
{
  QksDataset *dataset = new_builtin (QKS_DATASET_MODULAR, 1, 5000);
  QksDataset *copy = g_boxed_copy (QKS_TYPE_DATASET, dataset);

  g_assert_true (copy == dataset);
  g_boxed_free (QKS_TYPE_DATASET, copy);
  g_assert_cmpuint (qks_dataset_get_split_size (dataset, QKS_SPLIT_TRAIN), ==, 4500);
  qks_dataset_unref (dataset);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/data/kind-names-round-trip", test_data_kind_names_round_trip);
  g_test_add_func ("/data/builtin/is-deterministic", test_data_builtin_is_deterministic);
  g_test_add_func ("/data/builtin/matches-recorded-bytes", test_data_builtin_matches_recorded_bytes);
  g_test_add_func ("/data/builtin/is-printable-and-exact-size", test_data_builtin_is_printable_and_exact_size);
  g_test_add_func ("/data/builtin/description", test_data_builtin_description);
  g_test_add_func ("/data/builtin/rejects-bad-arguments", test_data_builtin_rejects_bad_arguments);
  g_test_add_func ("/data/builtin/generation-is-fast", test_data_builtin_generation_is_fast);
  g_test_add_func ("/data/builtin/check-window", test_data_builtin_check_window);
  g_test_add_func ("/data/grammar/sentences-are-punctuated", test_data_grammar_sentences_are_punctuated);
  g_test_add_func ("/data/grammar/words-come-from-the-vocabulary", test_data_grammar_words_come_from_the_vocabulary);
  g_test_add_func ("/data/grammar/agrees", test_data_grammar_agrees);
  g_test_add_func ("/data/grammar/subjects-agree-with-verbs", test_data_grammar_subjects_agree_with_verbs);
  g_test_add_func ("/data/grammar/entropy-is-english-like", test_data_grammar_entropy_is_english_like);
  g_test_add_func ("/data/modular/lines-add-up", test_data_modular_lines_add_up);
  g_test_add_func ("/data/recall/answers-the-query", test_data_recall_answers_the_query);
  g_test_add_func ("/data/induction/copies-earlier-segments", test_data_induction_copies_earlier_segments);
  g_test_add_func ("/data/sample-batch/is-uniform-over-training-windows", test_data_sample_batch_is_uniform_over_training_windows);
  g_test_add_func ("/data/sample-batch/is-deterministic", test_data_sample_batch_is_deterministic);
  g_test_add_func ("/data/validation/batches-tile-the-split", test_data_validation_batches_tile_the_split);
  g_test_add_func ("/data/file/round-trips", test_data_file_round_trips);
  g_test_add_func ("/data/file/errors-name-the-file", test_data_file_errors_name_the_file);
  g_test_add_func ("/data/is-refcounted-boxed", test_data_is_refcounted_boxed);

  return g_test_run ();
}
