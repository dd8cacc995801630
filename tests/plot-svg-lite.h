/* plot-svg-lite.h: what a figure's SVG holds, for the figure tests
 *
 * A figure exported to SVG, checked with a real XML parser (xmllint) and
 * read with GMarkup: the style of every drawn <path> (outside <defs>,
 * where cairo keeps the glyph outlines) and the strings of the text
 * layer. Header-only (static inline), so that each figure's test takes it
 * without another build target.
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "qks-plot-export.h"

typedef struct
{
  GPtrArray *paths;   /* the style attribute of each drawn <path>, in order */
  GPtrArray *ds;      /* and its d attribute */
  GPtrArray *texts;   /* the text layer's strings */
  GArray    *text_x;  /* double: where each starts, its baseline */
  GArray    *text_y;
  guint      in_defs;
  gboolean   in_text;
  GString   *text;
} QksSvgScan;

static inline void
qks_svg_start (GMarkupParseContext  *context,
               const char           *element,
               const char          **names,
               const char          **values,
               gpointer              user_data,
               GError              **error)
{
  QksSvgScan *scan = user_data;

  if (g_str_equal (element, "defs"))
    scan->in_defs++;
  else if (g_str_equal (element, "path") && scan->in_defs == 0)
    {
      const char *style = "", *d = "";

      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "style"))
          style = values[i];
        else if (g_str_equal (names[i], "d"))
          d = values[i];
      g_ptr_array_add (scan->paths, g_strdup (style));
      g_ptr_array_add (scan->ds, g_strdup (d));
    }
  else if (g_str_equal (element, "text"))
    {
      double x = 0.0, y = 0.0;

      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "x"))
          x = g_ascii_strtod (values[i], NULL);
        else if (g_str_equal (names[i], "y"))
          y = g_ascii_strtod (values[i], NULL);
      g_array_append_val (scan->text_x, x);
      g_array_append_val (scan->text_y, y);
      scan->in_text = TRUE;
      g_string_truncate (scan->text, 0);
    }
}

static inline void
qks_svg_end (GMarkupParseContext  *context,
             const char           *element,
             gpointer              user_data,
             GError              **error)
{
  QksSvgScan *scan = user_data;

  if (g_str_equal (element, "defs"))
    scan->in_defs--;
  else if (g_str_equal (element, "text"))
    {
      g_ptr_array_add (scan->texts, g_strdup (scan->text->str));
      scan->in_text = FALSE;
    }
}

static inline void
qks_svg_text (GMarkupParseContext  *context,
              const char           *text,
              gsize                 length,
              gpointer              user_data,
              GError              **error)
{
  QksSvgScan *scan = user_data;

  if (scan->in_text)
    g_string_append_len (scan->text, text, (gssize) length);
}

/* Fails the test unless xmllint takes @svg as well-formed XML. */
static inline void
qks_svg_check_xml (GBytes *svg)
{
  g_autofree char *xmllint = g_find_program_in_path ("xmllint");
  g_autofree char *path = NULL;
  g_autofree char *standard_error = NULL;
  g_autoptr(GError) error = NULL;
  int fd, status;

  if (xmllint == NULL)
    {
      g_test_message ("xmllint is not installed (Debian: libxml2-utils); build-aux/setup installs it");
      g_test_fail ();
      return;
    }
  fd = g_file_open_tmp ("qks-figure-XXXXXX.svg", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (svg, NULL), (gssize) g_bytes_get_size (svg), &error));
  g_assert_no_error (error);
  {
    const char *argv[] = { xmllint, "--noout", path, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                 NULL, &standard_error, &status, &error));
    g_assert_no_error (error);
  }
  g_remove (path);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("xmllint rejects the figure: %s", standard_error);
}

static inline void
qks_svg_scan_free (QksSvgScan *scan)
{
  if (scan == NULL)
    return;
  g_ptr_array_unref (scan->paths);
  g_ptr_array_unref (scan->ds);
  g_ptr_array_unref (scan->texts);
  g_array_unref (scan->text_x);
  g_array_unref (scan->text_y);
  g_string_free (scan->text, TRUE);
  g_free (scan);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksSvgScan, qks_svg_scan_free)

/* Draws @draw into an SVG of @width × @height, checks it and reads it. */
static inline QksSvgScan *
qks_svg_scan_figure (QksPlotDrawFunc  draw,
                     gpointer         user_data,
                     double           width,
                     double           height)
{
  static const GMarkupParser parser = { qks_svg_start, qks_svg_end, qks_svg_text, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) svg = qks_plot_export_to_bytes (QKS_PLOT_FORMAT_SVG, width, height, draw, user_data,
                                                    NULL, &error);
  g_autoptr(GMarkupParseContext) context = NULL;
  QksSvgScan *scan = g_new0 (QksSvgScan, 1);
  const char *contents, *body;
  gsize length;

  g_assert_no_error (error);
  g_assert_nonnull (svg);
  qks_svg_check_xml (svg);

  /* GMarkup does not take the XML declaration: start at the root. */
  contents = g_bytes_get_data (svg, &length);
  g_assert_true (length > 5 && memcmp (contents, "<?xml", 5) == 0);
  body = g_strstr_len (contents, (gssize) length, "<svg");
  g_assert_nonnull (body);

  scan->paths = g_ptr_array_new_with_free_func (g_free);
  scan->ds = g_ptr_array_new_with_free_func (g_free);
  scan->texts = g_ptr_array_new_with_free_func (g_free);
  scan->text_x = g_array_new (FALSE, FALSE, sizeof (double));
  scan->text_y = g_array_new (FALSE, FALSE, sizeof (double));
  scan->text = g_string_new (NULL);
  context = g_markup_parse_context_new (&parser, 0, scan, NULL);
  g_assert_true (g_markup_parse_context_parse (context, body, (gssize) (length - (gsize) (body - contents)), &error));
  g_assert_no_error (error);
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  return scan;
}

/* How many drawn paths have a style that holds every one of the given
 * substrings (NULL-terminated). */
static inline guint
qks_svg_count_paths (const QksSvgScan *scan,
                     ...)
{
  guint count = 0;

  for (guint i = 0; i < scan->paths->len; i++)
    {
      const char *style = g_ptr_array_index (scan->paths, i);
      gboolean all = TRUE;
      const char *needle;
      va_list args;

      va_start (args, scan);
      while (all && (needle = va_arg (args, const char *)) != NULL)
        all = strstr (style, needle) != NULL;
      va_end (args);
      count += all;
    }
  return count;
}

static inline gboolean
qks_svg_has_text (const QksSvgScan *scan,
                  const char       *text)
{
  return g_ptr_array_find_with_equal_func (scan->texts, text, g_str_equal, NULL);
}

/* Where the text layer places @text; FALSE if it does not hold it. */
static inline gboolean
qks_svg_text_position (const QksSvgScan *scan,
                       const char       *text,
                       double           *x,
                       double           *y)
{
  guint index;

  if (!g_ptr_array_find_with_equal_func (scan->texts, text, g_str_equal, &index))
    return FALSE;
  *x = g_array_index (scan->text_x, double, index);
  *y = g_array_index (scan->text_y, double, index);
  return TRUE;
}

/* Fails the test, naming the string, unless the text layer holds @text. */
#define qks_svg_assert_text(scan, text_) \
  G_STMT_START { \
    if (!qks_svg_has_text ((scan), (text_))) \
      { \
        for (guint _i = 0; _i < (scan)->texts->len; _i++) \
          g_test_message ("text layer: “%s”", (const char *) g_ptr_array_index ((scan)->texts, _i)); \
        g_error ("the SVG's text layer lacks “%s”", (text_)); \
      } \
  } G_STMT_END

/* A percentage as cairo's SVG surface writes it: "%f", less the trailing
 * zeros. */
static inline void
qks_svg_percent (char   *buffer,
                 gsize   size,
                 double  fraction)
{
  gsize length;

  g_ascii_formatd (buffer, (int) size, "%f", fraction * 100.0);
  length = strlen (buffer);
  while (length > 0 && buffer[length - 1] == '0')
    buffer[--length] = '\0';
  if (length > 0 && buffer[length - 1] == '.')
    buffer[--length] = '\0';
}

/* The style cairo's SVG surface writes for a colour, "rgb(26.7004%,…)". */
static inline char *
qks_svg_rgb (double red,
             double green,
             double blue)
{
  char r[G_ASCII_DTOSTR_BUF_SIZE], g[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  qks_svg_percent (r, sizeof r, red);
  qks_svg_percent (g, sizeof g, green);
  qks_svg_percent (b, sizeof b, blue);
  return g_strdup_printf ("rgb(%s%%,%s%%,%s%%)", r, g, b);
}
