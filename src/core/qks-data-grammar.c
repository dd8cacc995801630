/* qks-data-grammar.c: English-like prose from a small probabilistic grammar
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-data-grammar.h"
#include "qks-rng.h"

/* The corpus is nonsense with the shape of English: real words in their
 * classes, agreement between subject and verb, "a" or "an" as the next word
 * asks, phrases nested inside each other, and the punctuation and capitals of
 * prose. A byte-level model learns spelling first, then words, then some of
 * the syntax, which is what the demos want to watch.
 *
 * Format: one paragraph of 3–7 sentences per line, sentences separated by one
 * space, each starting with a capital letter and ending with '.', '!' or '?'.
 * Those three characters appear nowhere else, and neither do quotes,
 * apostrophes or digits. Within a class, earlier words of each table are
 * drawn more often (density ∝ 1/√rank), so common words are common. */

/* Streams of the corpus seed, one per purpose, so that changing how words are
 * drawn does not reshuffle the sentence structures and vice versa. The "grm"
 * tag keeps them apart from every other user of the same seed. */
#define STREAM_SHAPE G_GUINT64_CONSTANT (0x67726d0000000001)
#define STREAM_WORDS G_GUINT64_CONSTANT (0x67726d0000000002)

typedef struct
{
  const char *singular;
  const char *plural;
  gboolean    person;   /* takes "who" rather than "that" or "which" */
} Noun;

typedef enum
{
  FRAME_TRANSITIVE   = 1 << 0,   /* the dog found [a key] */
  FRAME_INTRANSITIVE = 1 << 1,   /* the dog slept */
  FRAME_CLAUSE       = 1 << 2,   /* the dog knew [that the cat slept] */
} Frame;

typedef struct
{
  const char *base;
  const char *third;   /* third person singular present */
  const char *past;
  Frame       frames;
} Verb;

#define T FRAME_TRANSITIVE
#define I FRAME_INTRANSITIVE
#define C FRAME_CLAUSE

static const Noun nouns[] = {
  { "man", "men", TRUE }, { "woman", "women", TRUE },
  { "dog", "dogs", FALSE }, { "child", "children", TRUE },
  { "house", "houses", FALSE }, { "cat", "cats", FALSE },
  { "tree", "trees", FALSE }, { "book", "books", FALSE },
  { "friend", "friends", TRUE }, { "river", "rivers", FALSE },
  { "bird", "birds", FALSE }, { "door", "doors", FALSE },
  { "teacher", "teachers", TRUE }, { "boy", "boys", TRUE },
  { "girl", "girls", TRUE }, { "day", "days", FALSE },
  { "road", "roads", FALSE }, { "city", "cities", FALSE },
  { "window", "windows", FALSE }, { "horse", "horses", FALSE },
  { "garden", "gardens", FALSE }, { "king", "kings", TRUE },
  { "letter", "letters", FALSE }, { "stone", "stones", FALSE },
  { "village", "villages", FALSE }, { "night", "nights", FALSE },
  { "box", "boxes", FALSE }, { "doctor", "doctors", TRUE },
  { "table", "tables", FALSE }, { "mouse", "mice", FALSE },
  { "story", "stories", FALSE }, { "song", "songs", FALSE },
  { "farmer", "farmers", TRUE }, { "queen", "queens", TRUE },
  { "fox", "foxes", FALSE }, { "key", "keys", FALSE },
  { "mother", "mothers", TRUE }, { "father", "fathers", TRUE },
  { "apple", "apples", FALSE }, { "star", "stars", FALSE },
  { "cloud", "clouds", FALSE }, { "sheep", "sheep", FALSE },
  { "chair", "chairs", FALSE }, { "boat", "boats", FALSE },
  { "sister", "sisters", TRUE }, { "brother", "brothers", TRUE },
  { "wolf", "wolves", FALSE }, { "fish", "fish", FALSE },
  { "student", "students", TRUE }, { "bridge", "bridges", FALSE },
  { "hill", "hills", FALSE }, { "forest", "forests", FALSE },
  { "baker", "bakers", TRUE }, { "sailor", "sailors", TRUE },
  { "ship", "ships", FALSE }, { "field", "fields", FALSE },
  { "bell", "bells", FALSE }, { "coat", "coats", FALSE },
  { "neighbor", "neighbors", TRUE }, { "rabbit", "rabbits", FALSE },
  { "owl", "owls", FALSE }, { "lamp", "lamps", FALSE },
  { "cup", "cups", FALSE }, { "knife", "knives", FALSE },
  { "leaf", "leaves", FALSE }, { "singer", "singers", TRUE },
  { "painter", "painters", TRUE }, { "soldier", "soldiers", TRUE },
  { "stranger", "strangers", TRUE }, { "bear", "bears", FALSE },
  { "goose", "geese", FALSE }, { "clock", "clocks", FALSE },
  { "mirror", "mirrors", FALSE }, { "map", "maps", FALSE },
  { "candle", "candles", FALSE }, { "wall", "walls", FALSE },
  { "island", "islands", FALSE }, { "tower", "towers", FALSE },
  { "machine", "machines", FALSE }, { "question", "questions", FALSE },
  { "idea", "ideas", FALSE }, { "dream", "dreams", FALSE },
  { "answer", "answers", FALSE }, { "voice", "voices", FALSE },
  { "shadow", "shadows", FALSE }, { "morning", "mornings", FALSE },
  { "storm", "storms", FALSE }, { "flower", "flowers", FALSE },
  { "egg", "eggs", FALSE }, { "orange", "oranges", FALSE },
  { "driver", "drivers", TRUE }, { "writer", "writers", TRUE },
  { "artist", "artists", TRUE }, { "captain", "captains", TRUE },
  { "judge", "judges", TRUE }, { "poet", "poets", TRUE },
  { "nurse", "nurses", TRUE }, { "guard", "guards", TRUE },
  { "pilot", "pilots", TRUE }, { "merchant", "merchants", TRUE },
  { "thief", "thieves", TRUE }, { "wizard", "wizards", TRUE },
  { "hunter", "hunters", TRUE }, { "traveler", "travelers", TRUE },
  { "engineer", "engineers", TRUE }, { "baby", "babies", TRUE },
  { "uncle", "uncles", TRUE }, { "aunt", "aunts", TRUE },
  { "officer", "officers", TRUE }, { "duck", "ducks", FALSE },
  { "cow", "cows", FALSE }, { "frog", "frogs", FALSE },
  { "snake", "snakes", FALSE }, { "bee", "bees", FALSE },
  { "ant", "ants", FALSE }, { "whale", "whales", FALSE },
  { "donkey", "donkeys", FALSE }, { "tiger", "tigers", FALSE },
  { "eagle", "eagles", FALSE }, { "spider", "spiders", FALSE },
  { "lion", "lions", FALSE }, { "monkey", "monkeys", FALSE },
  { "elephant", "elephants", FALSE }, { "turtle", "turtles", FALSE },
  { "umbrella", "umbrellas", FALSE }, { "envelope", "envelopes", FALSE },
  { "engine", "engines", FALSE }, { "ocean", "oceans", FALSE },
  { "oven", "ovens", FALSE }, { "kitchen", "kitchens", FALSE },
  { "school", "schools", FALSE }, { "market", "markets", FALSE },
  { "library", "libraries", FALSE }, { "mountain", "mountains", FALSE },
  { "lake", "lakes", FALSE }, { "basket", "baskets", FALSE },
  { "bottle", "bottles", FALSE }, { "ladder", "ladders", FALSE },
  { "wheel", "wheels", FALSE }, { "blanket", "blankets", FALSE },
  { "pencil", "pencils", FALSE }, { "picture", "pictures", FALSE },
  { "secret", "secrets", FALSE }, { "promise", "promises", FALSE },
  { "journey", "journeys", FALSE }, { "puzzle", "puzzles", FALSE },
  { "church", "churches", FALSE }, { "glass", "glasses", FALSE },
  { "potato", "potatoes", FALSE }, { "dish", "dishes", FALSE },
};

static const Verb verbs[] = {
  { "see", "sees", "saw", T | C },
  { "find", "finds", "found", T | C },
  { "take", "takes", "took", T },
  { "sleep", "sleeps", "slept", I },
  { "give", "gives", "gave", T },
  { "make", "makes", "made", T },
  { "know", "knows", "knew", T | C },
  { "run", "runs", "ran", I },
  { "want", "wants", "wanted", T },
  { "think", "thinks", "thought", C },
  { "say", "says", "said", C },
  { "walk", "walks", "walked", I },
  { "like", "likes", "liked", T },
  { "love", "loves", "loved", T },
  { "hear", "hears", "heard", T | I | C },
  { "watch", "watches", "watched", T | I },
  { "sing", "sings", "sang", T | I },
  { "follow", "follows", "followed", T | I },
  { "carry", "carries", "carried", T },
  { "laugh", "laughs", "laughed", I },
  { "hold", "holds", "held", T },
  { "open", "opens", "opened", T | I },
  { "wait", "waits", "waited", I },
  { "close", "closes", "closed", T | I },
  { "build", "builds", "built", T },
  { "smile", "smiles", "smiled", I },
  { "read", "reads", "read", T | I },
  { "write", "writes", "wrote", T | I },
  { "dance", "dances", "danced", I },
  { "buy", "buys", "bought", T },
  { "sell", "sells", "sold", T },
  { "bring", "brings", "brought", T },
  { "fall", "falls", "fell", I },
  { "keep", "keeps", "kept", T },
  { "leave", "leaves", "left", T | I },
  { "sit", "sits", "sat", I },
  { "lose", "loses", "lost", T },
  { "meet", "meets", "met", T },
  { "stand", "stands", "stood", I },
  { "visit", "visits", "visited", T },
  { "remember", "remembers", "remembered", T | C },
  { "forget", "forgets", "forgot", T | C },
  { "believe", "believes", "believed", T | C },
  { "cry", "cries", "cried", I },
  { "feel", "feels", "felt", T | C },
  { "notice", "notices", "noticed", T | C },
  { "understand", "understands", "understood", T | C },
  { "swim", "swims", "swam", I },
  { "paint", "paints", "painted", T | I },
  { "push", "pushes", "pushed", T },
  { "pull", "pulls", "pulled", T },
  { "fly", "flies", "flew", I },
  { "touch", "touches", "touched", T },
  { "catch", "catches", "caught", T },
  { "arrive", "arrives", "arrived", I },
  { "throw", "throws", "threw", T },
  { "chase", "chases", "chased", T },
  { "help", "helps", "helped", T | I },
  { "rest", "rests", "rested", I },
  { "call", "calls", "called", T },
  { "teach", "teaches", "taught", T | I },
  { "shine", "shines", "shone", I },
  { "clean", "cleans", "cleaned", T },
  { "cook", "cooks", "cooked", T | I },
  { "grow", "grows", "grew", I },
  { "wash", "washes", "washed", T },
  { "fix", "fixes", "fixed", T },
  { "whisper", "whispers", "whispered", I },
  { "count", "counts", "counted", T | I },
  { "admire", "admires", "admired", T },
  { "listen", "listens", "listened", I },
  { "borrow", "borrows", "borrowed", T },
  { "climb", "climbs", "climbed", T | I },
  { "travel", "travels", "traveled", I },
  { "cross", "crosses", "crossed", T },
  { "draw", "draws", "drew", T | I },
  { "jump", "jumps", "jumped", I },
  { "drop", "drops", "dropped", T },
  { "fill", "fills", "filled", T },
  { "shout", "shouts", "shouted", I },
  { "hide", "hides", "hid", T | I },
  { "lift", "lifts", "lifted", T },
  { "work", "works", "worked", I },
  { "miss", "misses", "missed", T },
  { "move", "moves", "moved", T | I },
  { "play", "plays", "played", I },
  { "need", "needs", "needed", T },
  { "offer", "offers", "offered", T },
  { "glow", "glows", "glowed", I },
  { "pass", "passes", "passed", T },
  { "plant", "plants", "planted", T },
  { "disappear", "disappears", "disappeared", I },
  { "protect", "protects", "protected", T },
  { "reach", "reaches", "reached", T },
  { "wander", "wanders", "wandered", I },
  { "save", "saves", "saved", T },
  { "share", "shares", "shared", T },
  { "tremble", "trembles", "trembled", I },
  { "steal", "steals", "stole", T },
  { "study", "studies", "studied", T | I },
  { "breathe", "breathes", "breathed", I },
  { "trust", "trusts", "trusted", T },
  { "wake", "wakes", "woke", I },
  { "warn", "warns", "warned", T },
  { "wear", "wears", "wore", T },
  { "win", "wins", "won", T | I },
  { "imagine", "imagines", "imagined", T | C },
  { "guess", "guesses", "guessed", C },
  { "hope", "hopes", "hoped", C },
  { "explain", "explains", "explained", T | C },
  { "discover", "discovers", "discovered", T | C },
  { "promise", "promises", "promised", C },
};

#undef T
#undef I
#undef C

static const char * const names[] = {
  "Anna", "Tom", "Maria", "Peter", "Lucy", "James", "Sarah", "David",
  "Emma", "Oliver", "Clara", "Henry", "Alice", "Samuel", "Nora", "Felix",
  "Ruth", "Leo", "Grace", "Victor", "Iris", "Hugo", "Julia", "Oscar",
  "Ella", "Martin", "Rosa", "Daniel", "Eva", "Arthur",
};

/* No word here starts with a vowel letter that sounds like a consonant
 * ("useful") or with a silent h ("honest"), so the first letter decides
 * between "a" and "an". */
static const char * const adjectives[] = {
  "small", "old", "big", "young", "little", "red", "quiet", "happy",
  "dark", "green", "strange", "bright", "tall", "sad", "blue", "cold",
  "gentle", "brave", "empty", "clever", "tired", "hungry", "warm", "heavy",
  "short", "busy", "curious", "ancient", "silent", "wild", "lucky", "proud",
  "simple", "narrow", "golden", "wooden", "broken", "hidden", "distant",
  "careful", "lonely", "noisy", "polite", "quick", "slow", "soft", "sharp",
  "rich", "poor", "strong", "weak", "kind", "gray", "yellow", "white",
  "black", "clean", "dirty", "famous", "sleepy", "foolish", "patient",
  "nervous", "cheerful", "orange", "secret", "round", "huge", "tiny",
  "enormous", "invisible", "angry", "calm",
};

/* After the verb phrase: "the dog slept quietly". */
static const char * const manner_adverbs[] = {
  "quickly", "slowly", "quietly", "again", "carefully", "together", "softly",
  "loudly", "happily", "alone", "sadly", "gladly", "eagerly", "gently",
  "badly", "well", "early", "late", "outside", "away",
};

/* Between subject and finite verb: "the dog often slept". */
static const char * const frequency_adverbs[] = {
  "often", "always", "never", "sometimes", "rarely", "usually", "seldom",
};

/* First in the sentence, followed by a comma. */
static const char * const sentence_adverbs[] = {
  "then", "later", "suddenly", "soon", "meanwhile", "sometimes",
  "afterwards", "perhaps", "once", "today", "yesterday", "finally",
  "luckily", "sadly",
};

static const char * const prepositions[] = {
  "in", "on", "with", "near", "under", "behind", "from", "to", "into",
  "over", "through", "beside", "across", "without", "around", "along",
  "toward", "past", "after", "before", "inside", "above", "below", "by",
  "among", "beyond", "against",
};

static const char * const coordinators[] = { "and", "but", "so", "yet", "or" };

static const char * const subordinators[] = {
  "because", "when", "while", "although", "before", "after", "if", "until",
  "since", "unless",
};

/* "a" stands for "a" or "an", whichever the next word asks for. */
static const char * const singular_determiners[] = {
  "this", "that", "every", "my", "his", "her", "their", "one", "each",
  "your", "our", "no", "another",
};

static const char * const plural_determiners[] = {
  "some", "these", "those", "many", "my", "two", "their", "his", "her",
  "several", "all", "three", "few", "your", "our", "no", "most", "both",
};

static const char * const modals[] = {
  "can", "will", "must", "should", "might", "could", "would", "may",
};

static const char * const wh_adverbs[] = { "where", "when", "why", "how" };

/* Words that only the code below writes, each with its classes. */
static const struct
{
  const char      *word;
  QksGrammarClass  classes;
} function_words[] = {
  { "the", QKS_GRAMMAR_DETERMINER_SINGULAR | QKS_GRAMMAR_DETERMINER_PLURAL },
  { "a", QKS_GRAMMAR_DETERMINER_SINGULAR },
  { "an", QKS_GRAMMAR_DETERMINER_SINGULAR },
  { "I", QKS_GRAMMAR_PRONOUN }, { "you", QKS_GRAMMAR_PRONOUN },
  { "he", QKS_GRAMMAR_PRONOUN }, { "she", QKS_GRAMMAR_PRONOUN },
  { "it", QKS_GRAMMAR_PRONOUN }, { "we", QKS_GRAMMAR_PRONOUN },
  { "they", QKS_GRAMMAR_PRONOUN }, { "me", QKS_GRAMMAR_PRONOUN },
  { "him", QKS_GRAMMAR_PRONOUN }, { "her", QKS_GRAMMAR_PRONOUN },
  { "us", QKS_GRAMMAR_PRONOUN }, { "them", QKS_GRAMMAR_PRONOUN },
  { "am", QKS_GRAMMAR_FUNCTION }, { "is", QKS_GRAMMAR_FUNCTION },
  { "are", QKS_GRAMMAR_FUNCTION }, { "was", QKS_GRAMMAR_FUNCTION },
  { "were", QKS_GRAMMAR_FUNCTION }, { "be", QKS_GRAMMAR_FUNCTION },
  { "do", QKS_GRAMMAR_FUNCTION }, { "does", QKS_GRAMMAR_FUNCTION },
  { "did", QKS_GRAMMAR_FUNCTION }, { "not", QKS_GRAMMAR_FUNCTION },
  { "there", QKS_GRAMMAR_FUNCTION }, { "that", QKS_GRAMMAR_FUNCTION },
  { "who", QKS_GRAMMAR_FUNCTION }, { "which", QKS_GRAMMAR_FUNCTION },
  { "what", QKS_GRAMMAR_FUNCTION }, { "of", QKS_GRAMMAR_PREPOSITION },
};

typedef enum
{
  AGREE_THIRD_SINGULAR,   /* he, the dog, Anna: sees, is, was, does */
  AGREE_PLURAL,           /* we, you, they, the dogs: see, are, were, do */
  AGREE_FIRST_SINGULAR,   /* I: see, am, was, do */
} Agreement;

typedef enum
{
  FORM_FINITE,   /* carries tense and agreement: "sees", "saw" */
  FORM_BASE,     /* after do, did or a modal: "see" */
} VerbForm;

typedef struct
{
  QksRng   shape;            /* which construction, how long */
  QksRng   words;            /* which word of a class */
  GString *text;
  gsize    sentence_start;   /* where the current sentence begins in text */
  gboolean past;             /* the tense of the current paragraph */
} Grammar;

/* Nesting below this depth stops adding optional phrases, so every
 * sentence is finite and most are of a readable length. */
#define MAX_DEPTH 2

static void clause      (Grammar  *g,
                         guint     depth);
static void verb_phrase (Grammar  *g,
                         guint     depth,
                         Agreement agreement,
                         VerbForm  form);

static gboolean
chance (Grammar *g,
        double   probability)
{
  return qks_rng_uniform (&g->shape) < probability;
}

static guint
between (Grammar *g,
         guint    low,
         guint    high)
{
  return low + (guint) qks_rng_uniform_int (&g->shape, high - low + 1);
}

/* A rank in [0, n) with density ∝ 1/√rank: the table's first words are the
 * common ones, and still every word turns up. */
static gsize
pick_rank (Grammar *g,
           gsize    n)
{
  double u = qks_rng_uniform (&g->words);

  return MIN ((gsize) ((double) n * u * u), n - 1);
}

#define PICK(g, table) ((table)[pick_rank ((g), G_N_ELEMENTS (table))])

static void
emit (Grammar    *g,
      const char *word)
{
  if (g->text->len > g->sentence_start)
    g_string_append_c (g->text, ' ');
  g_string_append (g->text, word);
}

/* Writes @word in front of what was written from @at on; questions need
 * this because their first word agrees with a subject written after it. */
static void
emit_before (Grammar    *g,
             gsize       at,
             const char *word)
{
  g_autofree char *spaced = NULL;

  if (at > g->sentence_start)
    {
      /* The text from @at starts with the space that emit() put there. */
      spaced = g_strconcat (" ", word, NULL);
    }
  else
    spaced = g_strconcat (word, " ", NULL);
  g_string_insert (g->text, (gssize) at, spaced);
}

static void
emit_article (Grammar    *g,
              const char *next_word)
{
  emit (g, strchr ("aeiou", next_word[0]) != NULL ? "an" : "a");
}

static const char *
be_form (Grammar   *g,
         Agreement  agreement)
{
  if (g->past)
    return agreement == AGREE_PLURAL ? "were" : "was";
  switch (agreement)
    {
    case AGREE_THIRD_SINGULAR:
      return "is";
    case AGREE_FIRST_SINGULAR:
      return "am";
    case AGREE_PLURAL:
    default:
      return "are";
    }
}

static const char *
do_form (Grammar   *g,
         Agreement  agreement)
{
  if (g->past)
    return "did";
  return agreement == AGREE_THIRD_SINGULAR ? "does" : "do";
}

static const char *
verb_form (Grammar    *g,
           const Verb *verb,
           Agreement   agreement,
           VerbForm    form)
{
  if (form == FORM_BASE)
    return verb->base;
  if (g->past)
    return verb->past;
  return agreement == AGREE_THIRD_SINGULAR ? verb->third : verb->base;
}

static Agreement
pronoun (Grammar  *g,
         gboolean  subject)
{
  static const struct
  {
    const char *subject;
    const char *object;
    Agreement   agreement;
  } pronouns[] = {
    { "he", "him", AGREE_THIRD_SINGULAR },
    { "she", "her", AGREE_THIRD_SINGULAR },
    { "they", "them", AGREE_PLURAL },
    { "it", "it", AGREE_THIRD_SINGULAR },
    { "we", "us", AGREE_PLURAL },
    { "I", "me", AGREE_FIRST_SINGULAR },
    { "you", "you", AGREE_PLURAL },
  };
  gsize i = pick_rank (g, G_N_ELEMENTS (pronouns));

  emit (g, subject ? pronouns[i].subject : pronouns[i].object);
  return pronouns[i].agreement;
}

static void
noun_phrase_modifier (Grammar   *g,
                      guint      depth,
                      Agreement  agreement,
                      gboolean   person);

/* "the small dog", "an old house", "foxes", "these three"... without
 * modifiers; returns the agreement and whether the head is a person. */
static Agreement
bare_noun_phrase (Grammar  *g,
                  gboolean  plural,
                  gboolean *person)
{
  const Noun *noun = &PICK (g, nouns);
  const char *head = plural ? noun->plural : noun->singular;
  const char *adjective = NULL, *second_adjective = NULL;
  double r = qks_rng_uniform (&g->shape);

  if (chance (g, 0.35))
    adjective = PICK (g, adjectives);
  if (adjective != NULL && chance (g, 0.12))
    second_adjective = PICK (g, adjectives);

  if (plural)
    {
      if (r < 0.40)
        emit (g, "the");
      else if (r >= 0.60)
        emit (g, PICK (g, plural_determiners));
    }
  else
    {
      if (r < 0.45)
        emit (g, "the");
      else if (r < 0.75)
        emit_article (g, adjective != NULL ? adjective : head);
      else
        emit (g, PICK (g, singular_determiners));
    }
  if (adjective != NULL)
    emit (g, adjective);
  if (second_adjective != NULL && strcmp (second_adjective, adjective) != 0)
    emit (g, second_adjective);
  emit (g, head);

  *person = noun->person;
  return plural ? AGREE_PLURAL : AGREE_THIRD_SINGULAR;
}

static Agreement
noun_phrase (Grammar  *g,
             guint     depth,
             gboolean  subject)
{
  double r = qks_rng_uniform (&g->shape);
  Agreement agreement;
  gboolean person;

  if (r < 0.10)
    {
      emit (g, PICK (g, names));
      return AGREE_THIRD_SINGULAR;
    }
  if (r < 0.22)
    return pronoun (g, subject);

  agreement = bare_noun_phrase (g, chance (g, 0.35), &person);
  if (depth < MAX_DEPTH)
    noun_phrase_modifier (g, depth, agreement, person);
  return agreement;
}

static void
prepositional_phrase (Grammar *g,
                      guint    depth)
{
  emit (g, PICK (g, prepositions));
  noun_phrase (g, depth + 1, FALSE);
}

/* A transitive verb whose object went to the front: "the book that the
 * girl read", "what did the boys see". */
static void
object_gap_verb (Grammar   *g,
                 Agreement  agreement,
                 VerbForm   form)
{
  const Verb *verb;

  do
    verb = &PICK (g, verbs);
  while (!(verb->frames & FRAME_TRANSITIVE));
  emit (g, verb_form (g, verb, agreement, form));
}

/* "of the king", "in the garden", "that sleeps", "who the dog saw". */
static void
noun_phrase_modifier (Grammar   *g,
                      guint      depth,
                      Agreement  agreement,
                      gboolean   person)
{
  double r = qks_rng_uniform (&g->shape);

  if (r < 0.12)
    prepositional_phrase (g, depth);
  else if (r < 0.19)
    {
      /* Not a pronoun: "the door of him" is not English. */
      gboolean inner_person;

      emit (g, "of");
      if (chance (g, 0.15))
        emit (g, PICK (g, names));
      else
        bare_noun_phrase (g, chance (g, 0.35), &inner_person);
    }
  else if (r < 0.27)
    {
      /* Subject relative: the verb agrees with the head noun. */
      emit (g, person ? "who" : chance (g, 0.7) ? "that" : "which");
      verb_phrase (g, depth + 1, agreement, FORM_FINITE);
    }
  else if (r < 0.32)
    {
      /* Object relative: the verb agrees with the relative clause's own subject. */
      Agreement inner;

      emit (g, person ? "who" : chance (g, 0.7) ? "that" : "which");
      inner = noun_phrase (g, depth + 1, TRUE);
      object_gap_verb (g, inner, FORM_FINITE);
    }
}

static void
predicate (Grammar *g,
           guint    depth)
{
  if (chance (g, 0.6))
    {
      const char *adjective = PICK (g, adjectives);
      const char *other = PICK (g, adjectives);

      emit (g, adjective);
      if (chance (g, 0.2) && strcmp (adjective, other) != 0)
        {
          emit (g, "and");
          emit (g, other);
        }
    }
  else
    prepositional_phrase (g, depth);
}

/* The main verb and what follows it. */
static void
main_verb (Grammar   *g,
           guint      depth,
           Agreement  agreement,
           VerbForm   form)
{
  gboolean clause_allowed = depth < 1;
  const Verb *verb;

  /* Verbs that only take a clause ("think", "say") wait for a shallower
   * phrase. */
  do
    verb = &PICK (g, verbs);
  while (verb->frames == FRAME_CLAUSE && !clause_allowed);

  emit (g, verb_form (g, verb, agreement, form));

  if ((verb->frames & FRAME_CLAUSE) && clause_allowed &&
      (verb->frames == FRAME_CLAUSE || chance (g, 0.4)))
    {
      if (chance (g, 0.7))
        emit (g, "that");
      clause (g, depth + 1);
      return;
    }
  if ((verb->frames & FRAME_TRANSITIVE) &&
      (!(verb->frames & FRAME_INTRANSITIVE) || chance (g, 0.6)))
    noun_phrase (g, depth + 1, FALSE);

  if (depth < MAX_DEPTH && chance (g, 0.25))
    prepositional_phrase (g, depth);
  if (chance (g, 0.15))
    emit (g, PICK (g, manner_adverbs));
}

static void
verb_phrase (Grammar   *g,
             guint      depth,
             Agreement  agreement,
             VerbForm   form)
{
  double r = qks_rng_uniform (&g->shape);

  if (form == FORM_BASE)
    {
      main_verb (g, depth, agreement, FORM_BASE);
      return;
    }

  if (r < 0.12)
    {
      emit (g, be_form (g, agreement));
      if (chance (g, 0.15))
        emit (g, "not");
      predicate (g, depth);
    }
  else if (r < 0.22)
    {
      emit (g, PICK (g, modals));
      if (chance (g, 0.1))
        emit (g, "not");
      if (chance (g, 0.15))
        {
          emit (g, "be");
          predicate (g, depth);
        }
      else
        main_verb (g, depth, agreement, FORM_BASE);
    }
  else if (r < 0.29)
    {
      emit (g, do_form (g, agreement));
      emit (g, "not");
      main_verb (g, depth, agreement, FORM_BASE);
    }
  else
    {
      if (chance (g, 0.1))
        emit (g, PICK (g, frequency_adverbs));
      main_verb (g, depth, agreement, FORM_FINITE);
    }
}

static void
clause (Grammar *g,
        guint    depth)
{
  Agreement agreement = noun_phrase (g, depth, TRUE);

  verb_phrase (g, depth, agreement, FORM_FINITE);
}

/* "Does the dog sleep?", "Were the foxes happy?" */
static void
yes_no_question (Grammar *g)
{
  gsize at = g->text->len;
  Agreement agreement = noun_phrase (g, 1, TRUE);

  if (chance (g, 0.3))
    {
      emit_before (g, at, be_form (g, agreement));
      predicate (g, 1);
    }
  else
    {
      emit_before (g, at, do_form (g, agreement));
      verb_phrase (g, 1, agreement, FORM_BASE);
    }
  g_string_append_c (g->text, '?');
}

/* "Where did Anna find the key?", "Who saw the fox?", "What did the boys see?" */
static void
wh_question (Grammar *g)
{
  double r = qks_rng_uniform (&g->shape);
  Agreement agreement;
  gsize at;

  if (r < 0.25)
    {
      emit (g, "who");
      verb_phrase (g, 1, AGREE_THIRD_SINGULAR, FORM_FINITE);
    }
  else if (r < 0.45)
    {
      emit (g, "what");
      at = g->text->len;
      agreement = noun_phrase (g, 1, TRUE);
      emit_before (g, at, do_form (g, agreement));
      object_gap_verb (g, agreement, FORM_BASE);
    }
  else
    {
      emit (g, PICK (g, wh_adverbs));
      at = g->text->len;
      agreement = noun_phrase (g, 1, TRUE);
      emit_before (g, at, do_form (g, agreement));
      verb_phrase (g, 1, agreement, FORM_BASE);
    }
  g_string_append_c (g->text, '?');
}

/* "What a strange day!", "How quiet the rivers were!" */
static void
exclamation (Grammar *g)
{
  const Noun *noun = &PICK (g, nouns);
  const char *adjective = PICK (g, adjectives);
  gboolean plural = chance (g, 0.35);

  if (chance (g, 0.5))
    {
      emit (g, "what");
      if (!plural)
        emit_article (g, adjective);
      emit (g, adjective);
      emit (g, plural ? noun->plural : noun->singular);
    }
  else
    {
      emit (g, "how");
      emit (g, adjective);
      emit (g, "the");
      emit (g, plural ? noun->plural : noun->singular);
      emit (g, be_form (g, plural ? AGREE_PLURAL : AGREE_THIRD_SINGULAR));
    }
  g_string_append_c (g->text, '!');
}

/* "There were two foxes in the garden." */
static void
existential (Grammar *g)
{
  gboolean person;
  Agreement agreement;
  gsize at;

  emit (g, "there");
  at = g->text->len;
  agreement = bare_noun_phrase (g, chance (g, 0.4), &person);
  emit_before (g, at, be_form (g, agreement));
  if (chance (g, 0.7))
    prepositional_phrase (g, 1);
  else
    noun_phrase_modifier (g, 1, agreement, person);
  g_string_append_c (g->text, '.');
}

static void
sentence (Grammar *g)
{
  double r = qks_rng_uniform (&g->shape);

  if (g->text->len > 0 && g->text->str[g->text->len - 1] != '\n')
    g_string_append_c (g->text, ' ');
  g->sentence_start = g->text->len;

  if (r < 0.33)
    {
      clause (g, 0);
      g_string_append_c (g->text, chance (g, 0.04) ? '!' : '.');
    }
  else if (r < 0.47)
    {
      clause (g, 0);
      g_string_append_c (g->text, ',');
      emit (g, PICK (g, coordinators));
      clause (g, 0);
      g_string_append_c (g->text, '.');
    }
  else if (r < 0.56)
    {
      emit (g, PICK (g, subordinators));
      clause (g, 1);
      g_string_append_c (g->text, ',');
      clause (g, 0);
      g_string_append_c (g->text, '.');
    }
  else if (r < 0.64)
    {
      clause (g, 0);
      emit (g, PICK (g, subordinators));
      clause (g, 1);
      g_string_append_c (g->text, '.');
    }
  else if (r < 0.71)
    {
      emit (g, PICK (g, sentence_adverbs));
      g_string_append_c (g->text, ',');
      clause (g, 0);
      g_string_append_c (g->text, '.');
    }
  else if (r < 0.77)
    existential (g);
  else if (r < 0.87)
    yes_no_question (g);
  else if (r < 0.95)
    wh_question (g);
  else
    exclamation (g);

  g->text->str[g->sentence_start] = g_ascii_toupper (g->text->str[g->sentence_start]);
}

static void
paragraph (Grammar *g)
{
  guint n_sentences = between (g, 3, 7);

  g->past = chance (g, 0.55);
  for (guint i = 0; i < n_sentences; i++)
    sentence (g);
  g_string_append_c (g->text, '\n');
}

/**
 * qks_data_grammar_generate:
 * @out: the corpus so far; whole paragraphs are appended
 * @seed: equal seeds give equal text on every machine
 * @n_bytes: stop once @out holds at least this many bytes
 */
void
qks_data_grammar_generate (GString *out,
                           guint64  seed,
                           gsize    n_bytes)
{
  Grammar g = { .text = out };

  qks_rng_init_stream (&g.shape, seed, STREAM_SHAPE);
  qks_rng_init_stream (&g.words, seed, STREAM_WORDS);
  while (out->len < n_bytes)
    paragraph (&g);
}

/**
 * qks_data_grammar_foreach_word:
 *
 * Calls @func once for every (word, class) of the vocabulary, so that a test
 * or a view can tell a vocabulary word from a misspelling. A word may come
 * more than once with different classes; names keep their capital.
 */
void
qks_data_grammar_foreach_word (QksGrammarWordFunc func,
                               gpointer           user_data)
{
#define EACH(table, classes) \
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++) \
    func ((table)[i], (classes), user_data)

  for (gsize i = 0; i < G_N_ELEMENTS (nouns); i++)
    {
      func (nouns[i].singular, QKS_GRAMMAR_NOUN_SINGULAR, user_data);
      func (nouns[i].plural, QKS_GRAMMAR_NOUN_PLURAL, user_data);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (verbs); i++)
    {
      func (verbs[i].base, QKS_GRAMMAR_VERB_BASE, user_data);
      func (verbs[i].third, QKS_GRAMMAR_VERB_THIRD_SINGULAR, user_data);
      func (verbs[i].past, QKS_GRAMMAR_VERB_PAST, user_data);
    }
  EACH (names, QKS_GRAMMAR_NAME);
  EACH (adjectives, QKS_GRAMMAR_ADJECTIVE);
  EACH (manner_adverbs, QKS_GRAMMAR_ADVERB);
  EACH (frequency_adverbs, QKS_GRAMMAR_ADVERB);
  EACH (sentence_adverbs, QKS_GRAMMAR_ADVERB);
  EACH (prepositions, QKS_GRAMMAR_PREPOSITION);
  EACH (coordinators, QKS_GRAMMAR_CONJUNCTION);
  EACH (subordinators, QKS_GRAMMAR_CONJUNCTION);
  EACH (singular_determiners, QKS_GRAMMAR_DETERMINER_SINGULAR);
  EACH (plural_determiners, QKS_GRAMMAR_DETERMINER_PLURAL);
  EACH (modals, QKS_GRAMMAR_FUNCTION);
  EACH (wh_adverbs, QKS_GRAMMAR_FUNCTION);
  for (gsize i = 0; i < G_N_ELEMENTS (function_words); i++)
    func (function_words[i].word, function_words[i].classes, user_data);

#undef EACH
}
