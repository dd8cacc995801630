/* qks-json.c: strict JSON for files that come from elsewhere
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "qks-json.h"

/* json-glib 1.6 parses a superset of JSON (comments, single quotes, hex and
 * octal numbers, "var x =" prefixes), silently keeps the last of duplicate
 * keys, turns \u0000 and unpaired surrogates into truncated or invalid
 * UTF-8 strings, and recurses once per nesting level, so a header of a
 * million "[" overflows the stack. Files we did not write (checkpoints,
 * config.json) may be hostile, so a small RFC 8259 scanner checks the text
 * first and json-glib only ever sees what that scanner accepted. */

G_DEFINE_QUARK (qks-json-error-quark, qks_json_error)

typedef struct
{
  const char *text;
  gsize       length;
  gsize       pos;
  guint       max_depth;
} Scanner;

static gboolean scan_value (Scanner     *scanner,
                            guint        depth,
                            const char  *parent_key,
                            GError     **error);

static gboolean G_GNUC_PRINTF (4, 5)
scan_error (Scanner     *scanner,
            GError     **error,
            int          code,
            const char  *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (scanner->pos >= scanner->length)
    g_set_error (error, QKS_JSON_ERROR, code, "%s (at the end of the text)", message);
  else
    g_set_error (error, QKS_JSON_ERROR, code, "%s (at byte %zu)", message, scanner->pos);
  return FALSE;
}

static inline int
peek (Scanner *scanner)
{
  if (scanner->pos >= scanner->length)
    return -1;
  return (guchar) scanner->text[scanner->pos];
}

static void
skip_whitespace (Scanner *scanner)
{
  for (int c = peek (scanner); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peek (scanner))
    scanner->pos++;
}

static gboolean
scan_hex4 (Scanner  *scanner,
           guint32  *unit,
           GError  **error)
{
  *unit = 0;
  for (guint i = 0; i < 4; i++)
    {
      int c = peek (scanner);

      if (!g_ascii_isxdigit (c))
        return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                           "“\\u” must be followed by four hexadecimal digits");
      *unit = (*unit << 4) | (guint32) g_ascii_xdigit_value ((char) c);
      scanner->pos++;
    }
  return TRUE;
}

/* Scans a string, appending its decoded text to @decoded when that is not
 * %NULL (object keys: duplicates are found by what they mean, so "w" and
 * "\u0077" are the same key). */
static gboolean
scan_string (Scanner  *scanner,
             GString  *decoded,
             GError  **error)
{
  gsize start = scanner->pos;

  g_assert (peek (scanner) == '"');
  scanner->pos++;

  for (;;)
    {
      int c = peek (scanner);

      if (c < 0)
        {
          scanner->pos = start;
          return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                             "A string is not closed");
        }

      if (c == '"')
        {
          scanner->pos++;
          return TRUE;
        }

      if (c < 0x20)
        return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                           "Control character U+%04X must be escaped in a string", (guint) c);

      if (c != '\\')
        {
          if (decoded != NULL)
            g_string_append_c (decoded, (char) c);
          scanner->pos++;
          continue;
        }

      scanner->pos++;
      c = peek (scanner);
      switch (c)
        {
        case '"':
        case '\\':
        case '/':
          if (decoded != NULL)
            g_string_append_c (decoded, (char) c);
          scanner->pos++;
          break;

        case 'b': case 'f': case 'n': case 'r': case 't':
          if (decoded != NULL)
            g_string_append_c (decoded, c == 'b' ? '\b' : c == 'f' ? '\f' :
                                        c == 'n' ? '\n' : c == 'r' ? '\r' : '\t');
          scanner->pos++;
          break;

        case 'u':
          {
            guint32 unit, low;
            gunichar code_point;

            scanner->pos++;
            if (!scan_hex4 (scanner, &unit, error))
              return FALSE;

            if (unit >= 0xdc00 && unit <= 0xdfff)
              return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                                 "Unpaired low surrogate \\u%04X in a string", unit);

            if (unit >= 0xd800 && unit <= 0xdbff)
              {
                if (peek (scanner) != '\\' ||
                    scanner->pos + 1 >= scanner->length ||
                    scanner->text[scanner->pos + 1] != 'u')
                  return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                                     "Unpaired high surrogate \\u%04X in a string", unit);
                scanner->pos += 2;
                if (!scan_hex4 (scanner, &low, error))
                  return FALSE;
                if (low < 0xdc00 || low > 0xdfff)
                  return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                                     "High surrogate \\u%04X is followed by \\u%04X, not by a low surrogate",
                                     unit, low);
                code_point = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
              }
            else
              code_point = unit;

            /* GLib strings end at NUL: a name with \u0000 would silently
             * lose its tail, so refuse it rather than misname anything. */
            if (code_point == 0)
              return scan_error (scanner, error, QKS_JSON_ERROR_UNSUPPORTED,
                                 "\\u0000 in a string is not supported");

            if (decoded != NULL)
              g_string_append_unichar (decoded, code_point);
          }
          break;

        default:
          if (c < 0)
            return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                               "A string ends in the middle of an escape");
          if (g_ascii_isgraph (c))
            return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                               "Invalid escape “\\%c” in a string", c);
          return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                             "Invalid escape (backslash followed by byte 0x%02X) in a string",
                             (guint) c);
        }
    }
}

static gboolean
scan_digits (Scanner     *scanner,
             const char  *what,
             GError     **error)
{
  if (!g_ascii_isdigit (peek (scanner)))
    return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                       "Expected a digit in %s", what);
  while (g_ascii_isdigit (peek (scanner)))
    scanner->pos++;
  return TRUE;
}

static gboolean
scan_number (Scanner  *scanner,
             GError  **error)
{
  gsize start = scanner->pos;
  gsize digits_start;
  gboolean is_integer = TRUE;

  if (peek (scanner) == '-')
    scanner->pos++;

  digits_start = scanner->pos;
  if (peek (scanner) == '0')
    {
      scanner->pos++;
      if (g_ascii_isdigit (peek (scanner)))
        return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                           "A number may not have a leading zero");
    }
  else if (!scan_digits (scanner, "a number", error))
    return FALSE;

  if (peek (scanner) == '.')
    {
      scanner->pos++;
      is_integer = FALSE;
      if (!scan_digits (scanner, "the fraction of a number", error))
        return FALSE;
    }

  if (peek (scanner) == 'e' || peek (scanner) == 'E')
    {
      scanner->pos++;
      is_integer = FALSE;
      if (peek (scanner) == '+' || peek (scanner) == '-')
        scanner->pos++;
      if (!scan_digits (scanner, "the exponent of a number", error))
        return FALSE;
    }

  /* Integers must be exact in json-glib's gint64; its parser negates after
   * reading the magnitude, so −2⁶³ is left out too. */
  if (is_integer)
    {
      guint64 magnitude = 0;

      for (gsize i = digits_start; i < scanner->pos; i++)
        {
          guint digit = (guint) (scanner->text[i] - '0');

          if (magnitude > ((guint64) G_MAXINT64 - digit) / 10)
            {
              gsize n = scanner->pos - start;

              scanner->pos = start;
              return scan_error (scanner, error, QKS_JSON_ERROR_UNSUPPORTED,
                                 "The integer %.*s%s does not fit in 64 bits",
                                 (int) MIN (n, 40), scanner->text + start,
                                 n > 40 ? "…" : "");
            }
          magnitude = magnitude * 10 + digit;
        }
    }

  return TRUE;
}

static gboolean
scan_literal (Scanner     *scanner,
              const char  *literal,
              GError     **error)
{
  gsize n = strlen (literal);

  if (scanner->length - scanner->pos < n ||
      memcmp (scanner->text + scanner->pos, literal, n) != 0)
    return scan_error (scanner, error, QKS_JSON_ERROR_INVALID, "Expected a JSON value");
  scanner->pos += n;
  return TRUE;
}

static gboolean
scan_object (Scanner     *scanner,
             guint        depth,
             const char  *parent_key,
             GError     **error)
{
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert (peek (scanner) == '{');
  scanner->pos++;

  skip_whitespace (scanner);
  if (peek (scanner) == '}')
    {
      scanner->pos++;
      return TRUE;
    }

  for (;;)
    {
      g_autoptr(GString) key = g_string_new (NULL);
      gsize key_start;
      char *owned_key;

      skip_whitespace (scanner);
      if (peek (scanner) != '"')
        return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                           "Expected an object key (a string in double quotes)");

      key_start = scanner->pos;
      if (!scan_string (scanner, key, error))
        return FALSE;

      if (g_hash_table_contains (keys, key->str))
        {
          scanner->pos = key_start;
          if (parent_key == NULL)
            return scan_error (scanner, error, QKS_JSON_ERROR_DUPLICATE_KEY,
                               "Key “%s” appears twice in the top-level object", key->str);
          return scan_error (scanner, error, QKS_JSON_ERROR_DUPLICATE_KEY,
                             "Key “%s” appears twice in the object under “%s”",
                             key->str, parent_key);
        }
      owned_key = g_string_free (g_steal_pointer (&key), FALSE);
      g_hash_table_add (keys, owned_key);

      skip_whitespace (scanner);
      if (peek (scanner) != ':')
        return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                           "Expected “:” after the object key “%s”", owned_key);
      scanner->pos++;

      skip_whitespace (scanner);
      if (!scan_value (scanner, depth, owned_key, error))
        return FALSE;

      skip_whitespace (scanner);
      switch (peek (scanner))
        {
        case ',':
          scanner->pos++;
          break;

        case '}':
          scanner->pos++;
          return TRUE;

        default:
          return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                             "Expected “,” or “}” after the value of “%s”", owned_key);
        }
    }
}

static gboolean
scan_array (Scanner     *scanner,
            guint        depth,
            const char  *parent_key,
            GError     **error)
{
  g_assert (peek (scanner) == '[');
  scanner->pos++;

  skip_whitespace (scanner);
  if (peek (scanner) == ']')
    {
      scanner->pos++;
      return TRUE;
    }

  for (;;)
    {
      skip_whitespace (scanner);
      if (!scan_value (scanner, depth, parent_key, error))
        return FALSE;

      skip_whitespace (scanner);
      switch (peek (scanner))
        {
        case ',':
          scanner->pos++;
          break;

        case ']':
          scanner->pos++;
          return TRUE;

        default:
          return scan_error (scanner, error, QKS_JSON_ERROR_INVALID,
                             "Expected “,” or “]” in an array");
        }
    }
}

/* @depth counts the arrays and objects around the value. */
static gboolean
scan_value (Scanner     *scanner,
            guint        depth,
            const char  *parent_key,
            GError     **error)
{
  int c = peek (scanner);

  if (c == '{' || c == '[')
    {
      if (depth + 1 > scanner->max_depth)
        return scan_error (scanner, error, QKS_JSON_ERROR_UNSUPPORTED,
                           "Arrays and objects are nested more than %u deep",
                           scanner->max_depth);
      if (c == '{')
        return scan_object (scanner, depth + 1, parent_key, error);
      return scan_array (scanner, depth + 1, parent_key, error);
    }

  switch (c)
    {
    case '"':
      return scan_string (scanner, NULL, error);

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return scan_number (scanner, error);

    case 't':
      return scan_literal (scanner, "true", error);

    case 'f':
      return scan_literal (scanner, "false", error);

    case 'n':
      return scan_literal (scanner, "null", error);

    default:
      return scan_error (scanner, error, QKS_JSON_ERROR_INVALID, "Expected a JSON value");
    }
}

/**
 * qks_json_parse_strict:
 * @text: UTF-8 text, not necessarily nul-terminated
 * @length: its length in bytes
 * @max_depth: how deeply arrays and objects may nest (the top-level value
 *   counts as 1); deeper documents are refused rather than parsed recursively
 * @error: a %QKS_JSON_ERROR naming the problem and its byte offset
 *
 * Parses exactly RFC 8259 JSON: one value with optional whitespace around it,
 * no comments, no trailing commas, no single quotes. Beyond the RFC, it also
 * refuses duplicate keys in any object (compared after unescaping), integers
 * that do not fit in a gint64, and \u0000 in strings.
 *
 * Returns: (transfer full): the root node, or %NULL with @error set
 */
JsonNode *
qks_json_parse_strict (const char  *text,
                       gsize        length,
                       guint        max_depth,
                       GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  Scanner scanner = { text, length, 0, max_depth };
  const char *end;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (length <= G_MAXSSIZE, NULL);

  if (!g_utf8_validate_len (text, length, &end))
    {
      scanner.pos = (gsize) (end - text);
      if (*end == '\0')
        scan_error (&scanner, error, QKS_JSON_ERROR_INVALID, "The text holds a NUL byte");
      else
        scan_error (&scanner, error, QKS_JSON_ERROR_INVALID, "The text is not valid UTF-8");
      return NULL;
    }

  skip_whitespace (&scanner);
  if (scanner.pos >= length)
    {
      g_set_error (error, QKS_JSON_ERROR, QKS_JSON_ERROR_INVALID,
                   "The text is empty: it holds no JSON value");
      return NULL;
    }

  if (!scan_value (&scanner, 0, NULL, error))
    return NULL;

  skip_whitespace (&scanner);
  if (scanner.pos < length)
    {
      scan_error (&scanner, error, QKS_JSON_ERROR_INVALID, "Unexpected text after the JSON value");
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, (gssize) length, &local_error))
    {
      g_set_error (error, QKS_JSON_ERROR, QKS_JSON_ERROR_INVALID,
                   "json-glib refused the text: %s", local_error->message);
      return NULL;
    }

  return json_parser_steal_root (parser);
}

/* Writing ------------------------------------------------------------------ */

/* json-glib 1.6 writes 1e-08 as "1e-08.0", which no parser accepts, and
 * prints 0.1 with seventeen digits. This writer prints the shortest text
 * that reads back to the same double. */
static void
append_double (GString *out,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      /* JSON has no NaN or infinity. */
      g_string_append (out, "null");
      return;
    }
  for (int digits = 15; digits <= 17; digits++)
    {
      g_ascii_formatd (buffer, sizeof buffer, digits == 15 ? "%.15g" : digits == 16 ? "%.16g" : "%.17g", value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  g_string_append (out, buffer);
  if (strpbrk (buffer, ".eE") == NULL)
    g_string_append (out, ".0");
}

static void
append_string (GString    *out,
               const char *text)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    switch (*p)
      {
      case '"':  g_string_append (out, "\\\""); break;
      case '\\': g_string_append (out, "\\\\"); break;
      case '\n': g_string_append (out, "\\n"); break;
      case '\r': g_string_append (out, "\\r"); break;
      case '\t': g_string_append (out, "\\t"); break;
      default:
        if (*p < 0x20)
          g_string_append_printf (out, "\\u%04x", *p);
        else
          g_string_append_c (out, (char) *p);
      }
  g_string_append_c (out, '"');
}

static void
append_indent (GString  *out,
               gboolean  pretty,
               guint     depth)
{
  if (!pretty)
    return;
  g_string_append_c (out, '\n');
  for (guint i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

static void
append_node (GString  *out,
             JsonNode *node,
             gboolean  pretty,
             guint     depth)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) members = json_object_get_members (object);
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        for (GList *l = members; l != NULL; l = l->next, first = FALSE)
          {
            if (!first)
              g_string_append_c (out, ',');
            append_indent (out, pretty, depth + 1);
            append_string (out, l->data);
            g_string_append (out, pretty ? ": " : ":");
            append_node (out, json_object_get_member (object, l->data), pretty, depth + 1);
          }
        if (!first)
          append_indent (out, pretty, depth);
        g_string_append_c (out, '}');
        break;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append (out, pretty ? ", " : ",");
            append_node (out, json_array_get_element (array, i), pretty, depth + 1);
          }
        g_string_append_c (out, ']');
        break;
      }

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          append_double (out, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          append_string (out, json_node_get_string (node));
          break;
        default:
          g_string_append (out, "null");
          break;
        }
      break;

    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

/**
 * qks_json_to_string:
 * @pretty: indent by two spaces, one member per line
 *
 * Returns: (transfer full): @node as JSON text that any parser reads back
 *   to the same values (doubles included), members in insertion order.
 */
char *
qks_json_to_string (JsonNode *node,
                    gboolean  pretty)
{
  GString *out = g_string_new (NULL);

  append_node (out, node, pretty, 0);
  return g_string_free (out, FALSE);
}
