/* test-json.c: strict JSON for files that come from elsewhere
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-json.h"

static JsonNode *
parse (const char  *text,
       GError     **error)
{
  return qks_json_parse_strict (text, strlen (text), 16, error);
}

static void
assert_refused (const char   *text,
                QksJsonError  code,
                const char   *in_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = parse (text, &error);

  if (root != NULL)
    g_error ("accepted %s", text);
  g_assert_error (error, QKS_JSON_ERROR, (int) code);
  if (strstr (error->message, in_message) == NULL)
    g_error ("the message for %s is “%s”, without “%s”", text, error->message, in_message);
}

static void
test_json_accepts_standard_documents (void)
{
  const char *documents[] = {
    "{}",
    "[]",
    " \t\r\n{ \"a\" : [ 1 , -2 , 3.5e-1 , 0 , -0 , 1E+2 , true , false , null ] } \n  ",
    "\"just a string\"",
    "12",
    "{\"a\":{\"b\":{\"c\":[[]]}}}",
    "{\"escapes\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}",
    "{\"\\u00e9\":1,\"é\u0301\":2}",
    "[9223372036854775807,-9223372036854775807]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = parse (documents[i], &error);

      g_assert_no_error (error);
      g_assert_nonnull (root);
    }
}

static void
test_json_values_reach_json_glib_intact (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = parse ("{\"n\":[9223372036854775807,-5,2.5,1E+2],"
                                    "\"s\":\"a\\\"b\\u00e9\\ud83d\\ude00/\\t\"}", &error);
  JsonObject *object;
  JsonArray *n;

  g_assert_no_error (error);
  object = json_node_get_object (root);
  n = json_object_get_array_member (object, "n");
  g_assert_cmpint (json_array_get_int_element (n, 0), ==, G_MAXINT64);
  g_assert_cmpint (json_array_get_int_element (n, 1), ==, -5);
  g_assert_cmpfloat (json_array_get_double_element (n, 2), ==, 2.5);
  g_assert_cmpfloat (json_array_get_double_element (n, 3), ==, 100.0);
  g_assert_cmpstr (json_object_get_string_member (object, "s"), ==, "a\"b\u00e9\U0001F600/\t");
}

static void
test_json_refuses_extensions_of_json_glib (void)
{
  /* json-glib 1.6 would accept every one of these. */
  assert_refused ("{\"a\":1,}", QKS_JSON_ERROR_INVALID, "key");
  assert_refused ("[1,]", QKS_JSON_ERROR_INVALID, "value");
  assert_refused ("{\"a\":1 /* comment */}", QKS_JSON_ERROR_INVALID, "byte 7");
  assert_refused ("{\"a\":1} // comment", QKS_JSON_ERROR_INVALID, "after the JSON value");
  assert_refused ("{'a':1}", QKS_JSON_ERROR_INVALID, "key");
  assert_refused ("{\"a\":'x'}", QKS_JSON_ERROR_INVALID, "value");
  assert_refused ("{\"a\":0x10}", QKS_JSON_ERROR_INVALID, "byte 6");
  assert_refused ("{\"a\":010}", QKS_JSON_ERROR_INVALID, "leading zero");
  assert_refused ("{\"a\":+1}", QKS_JSON_ERROR_INVALID, "value");
  assert_refused ("{\"a\":.5}", QKS_JSON_ERROR_INVALID, "value");
  assert_refused ("{\"a\":1.}", QKS_JSON_ERROR_INVALID, "fraction");
  assert_refused ("{\"a\":1e}", QKS_JSON_ERROR_INVALID, "exponent");
  assert_refused ("{\"a\":-}", QKS_JSON_ERROR_INVALID, "digit");
  assert_refused ("{\"a\":NaN}", QKS_JSON_ERROR_INVALID, "value");
  assert_refused ("{\"a\":tru}", QKS_JSON_ERROR_INVALID, "value");
  assert_refused ("{a:1}", QKS_JSON_ERROR_INVALID, "key");
  assert_refused ("var x = {}", QKS_JSON_ERROR_INVALID, "value");
  assert_refused ("{\"a\" 1}", QKS_JSON_ERROR_INVALID, "“:”");
  assert_refused ("{\"a\":1 \"b\":2}", QKS_JSON_ERROR_INVALID, "“,” or “}”");
  assert_refused ("[1 2]", QKS_JSON_ERROR_INVALID, "“,” or “]”");
  assert_refused ("{} {}", QKS_JSON_ERROR_INVALID, "after the JSON value");
  assert_refused ("\xef\xbb\xbf{}", QKS_JSON_ERROR_INVALID, "value");
  assert_refused ("", QKS_JSON_ERROR_INVALID, "empty");
  assert_refused ("   ", QKS_JSON_ERROR_INVALID, "empty");
  assert_refused ("{", QKS_JSON_ERROR_INVALID, "end of the text");
  assert_refused ("{\"a\":[1,2", QKS_JSON_ERROR_INVALID, "end of the text");
}

static void
test_json_refuses_bad_strings (void)
{
  assert_refused ("{\"a\":\"open}", QKS_JSON_ERROR_INVALID, "not closed");
  assert_refused ("{\"a\":\"tab\there\"}", QKS_JSON_ERROR_INVALID, "U+0009");
  assert_refused ("{\"a\":\"\\x41\"}", QKS_JSON_ERROR_INVALID, "“\\x”");
  assert_refused ("{\"a\":\"\\0\"}", QKS_JSON_ERROR_INVALID, "“\\0”");
  assert_refused ("{\"a\":\"\\u12g4\"}", QKS_JSON_ERROR_INVALID, "four hexadecimal");
  assert_refused ("{\"a\":\"\\u12\"}", QKS_JSON_ERROR_INVALID, "four hexadecimal");
  assert_refused ("{\"a\":\"\\ud800\"}", QKS_JSON_ERROR_INVALID, "Unpaired high surrogate \\uD800");
  assert_refused ("{\"a\":\"\\ud800x\"}", QKS_JSON_ERROR_INVALID, "Unpaired high surrogate");
  assert_refused ("{\"a\":\"\\udc00\"}", QKS_JSON_ERROR_INVALID, "Unpaired low surrogate \\uDC00");
  assert_refused ("{\"a\":\"\\ud800\\u0041\"}", QKS_JSON_ERROR_INVALID, "not by a low surrogate");
  assert_refused ("{\"\\ud800\":1}", QKS_JSON_ERROR_INVALID, "Unpaired high surrogate");
  assert_refused ("{\"a\\u0000b\":1}", QKS_JSON_ERROR_UNSUPPORTED, "\\u0000");
  assert_refused ("{\"a\":\"\xff\"}", QKS_JSON_ERROR_INVALID, "UTF-8 (at byte 6)");
  assert_refused ("{\"a\":\"\xc3\"}", QKS_JSON_ERROR_INVALID, "UTF-8");
  assert_refused ("{\"a\":\"\xed\xa0\x80\"}", QKS_JSON_ERROR_INVALID, "UTF-8");

  {
    /* A raw NUL byte inside the given length. */
    static const char text[] = "{\"a\":\"x\0y\"}";
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) root = qks_json_parse_strict (text, sizeof text - 1, 16, &error);

    g_assert_null (root);
    g_assert_error (error, QKS_JSON_ERROR, QKS_JSON_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "NUL byte (at byte 7)"));
  }
}

static void
test_json_refuses_duplicate_keys (void)
{
  assert_refused ("{\"w\":1,\"w\":2}", QKS_JSON_ERROR_DUPLICATE_KEY,
                  "Key “w” appears twice in the top-level object (at byte 7)");
  /* The same key spelt two ways. */
  assert_refused ("{\"w\":1,\"\\u0077\":2}", QKS_JSON_ERROR_DUPLICATE_KEY, "Key “w”");
  assert_refused ("{\"\\ud83d\\ude00\":1,\"\U0001F600\":2}", QKS_JSON_ERROR_DUPLICATE_KEY,
                  "Key “\U0001F600”");
  assert_refused ("{\"a/b\":1,\"a\\/b\":2}", QKS_JSON_ERROR_DUPLICATE_KEY, "Key “a/b”");
  /* At any depth, and named by where it is. */
  assert_refused ("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\"}}", QKS_JSON_ERROR_DUPLICATE_KEY,
                  "Key “dtype” appears twice in the object under “w”");
  assert_refused ("{\"x\":[{\"a\":1,\"a\":1}]}", QKS_JSON_ERROR_DUPLICATE_KEY, "under “x”");

  /* Keys that only look alike are different keys. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) root = parse ("{\"w\":1,\"W\":2,\"w \":3,\"a\":{\"w\":4}}", &error);

    g_assert_no_error (error);
    g_assert_cmpuint (json_object_get_size (json_node_get_object (root)), ==, 4);
  }
}

static void
test_json_refuses_integers_beyond_64_bits (void)
{
  assert_refused ("[9223372036854775808]", QKS_JSON_ERROR_UNSUPPORTED,
                  "The integer 9223372036854775808 does not fit in 64 bits");
  assert_refused ("[-9223372036854775808]", QKS_JSON_ERROR_UNSUPPORTED, "64 bits");
  assert_refused ("[18446744073709551617]", QKS_JSON_ERROR_UNSUPPORTED, "64 bits");
  assert_refused ("[1000000000000000000000000000000000000000000000000000000]",
                  QKS_JSON_ERROR_UNSUPPORTED, "…");

  /* A large number with an exponent is a double, which is fine. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) root = parse ("[1e30]", &error);

    g_assert_no_error (error);
  }
}

static void
test_json_limits_depth (void)
{
  const gsize deep = 1000000;
  g_autofree char *text = g_malloc (2 * deep);

  /* At the limit, and one beyond it. */
  assert_refused ("[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]", QKS_JSON_ERROR_UNSUPPORTED, "more than 16 deep");
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) root = parse ("[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]", &error);

    g_assert_no_error (error);
  }

  /* A million levels would overflow json-glib's stack; it must never get
   * that far. */
  memset (text, '[', deep);
  memset (text + deep, ']', deep);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) root = qks_json_parse_strict (text, 2 * deep, 16, &error);

    g_assert_null (root);
    g_assert_error (error, QKS_JSON_ERROR, QKS_JSON_ERROR_UNSUPPORTED);
  }
}

static void
test_json_reads_only_the_given_length (void)
{
  /* The text need not end in NUL: a header inside a mapped file does not. */
  static const char text[] = "{\"a\":1}garbage";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = qks_json_parse_strict (text, 7, 16, &error);

  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "a"), ==, 1);
}

/* What qks_json_to_string() writes, any parser reads back to the same
 * values: json-glib 1.6's own writer turns 1e-08 into "1e-08.0". */
static void
test_json_writes_what_parses_back (void)
{
  const double doubles[] = { 1e-8, 0.1, 3e-4, 1e300, -2.5, 0.0, 1.0 / 3.0, 4503599627370497.0, 5e-324 };
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *compact = NULL;
  g_autofree char *pretty = NULL;
  JsonArray *array;
  JsonObject *object;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "doubles");
  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (doubles); i++)
    json_builder_add_double_value (builder, doubles[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "big");
  json_builder_add_int_value (builder, G_MININT64 + 1);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, "quote \" backslash \\ tab \t bell \a é");
  json_builder_set_member_name (builder, "flag");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "nothing");
  json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "empty");
  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  compact = qks_json_to_string (node, FALSE);
  pretty = qks_json_to_string (node, TRUE);
  g_assert_null (strstr (compact, "e-08.0"));
  g_assert_nonnull (strstr (compact, "\"doubles\":[1e-08,0.1,0.0003,"));
  g_assert_nonnull (strstr (pretty, "\n  \"big\": -9223372036854775807"));

  for (guint pass = 0; pass < 2; pass++)
    {
      const char *text = pass ? pretty : compact;

      back = qks_json_parse_strict (text, strlen (text), 16, &error);
      g_assert_no_error (error);
      object = json_node_get_object (back);
      array = json_object_get_array_member (object, "doubles");
      for (guint i = 0; i < G_N_ELEMENTS (doubles); i++)
        g_assert_cmpfloat (json_array_get_double_element (array, i), ==, doubles[i]);
      g_assert_cmpint (json_object_get_int_member (object, "big"), ==, G_MININT64 + 1);
      g_assert_cmpstr (json_object_get_string_member (object, "text"), ==,
                       "quote \" backslash \\ tab \t bell \a é");
      g_assert_true (json_object_get_boolean_member (object, "flag"));
      g_assert_true (json_object_get_null_member (object, "nothing"));
      g_clear_pointer (&back, json_node_unref);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/accepts-standard-documents", test_json_accepts_standard_documents);
  g_test_add_func ("/json/values-reach-json-glib-intact", test_json_values_reach_json_glib_intact);
  g_test_add_func ("/json/refuses-extensions-of-json-glib", test_json_refuses_extensions_of_json_glib);
  g_test_add_func ("/json/refuses-bad-strings", test_json_refuses_bad_strings);
  g_test_add_func ("/json/refuses-duplicate-keys", test_json_refuses_duplicate_keys);
  g_test_add_func ("/json/refuses-integers-beyond-64-bits", test_json_refuses_integers_beyond_64_bits);
  g_test_add_func ("/json/limits-depth-before-json-glib-recurses", test_json_limits_depth);
  g_test_add_func ("/json/reads-only-the-given-length", test_json_reads_only_the_given_length);
  g_test_add_func ("/json/writes-what-parses-back", test_json_writes_what_parses_back);

  return g_test_run ();
}
