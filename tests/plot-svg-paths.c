/* plot-svg.c: what a figure exported as SVG holds, for the tests
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "plot-svg-paths.h"

/* cairo writes channels as percentages with six decimals. */
#define COLOR_TOLERANCE 0.003

typedef struct
{
  QksTestSvgPaths *svg;
  GString    *text;
  guint       symbol_depth;  /* inside <symbol>: a glyph's outline */
} Scan;

static void
path_free (gpointer data)
{
  QksTestSvgPathsPath *path = data;

  g_free (path->d);
  g_free (path);
}

/* "rgb(10.980392%,44.313725%,84.705882%)" */
static gboolean
parse_rgb (const char   *value,
           QksPlotColor *color)
{
  double channels[3];
  const char *p;

  if (!g_str_has_prefix (value, "rgb("))
    return FALSE;
  p = value + 4;
  for (guint i = 0; i < 3; i++)
    {
      char *end = NULL;

      channels[i] = g_ascii_strtod (p, &end);
      if (end == p || *end != '%')
        return FALSE;
      p = end + 1;
      if (i < 2)
        {
          if (*p != ',')
            return FALSE;
          p++;
        }
    }
  color->red = channels[0] / 100.0;
  color->green = channels[1] / 100.0;
  color->blue = channels[2] / 100.0;
  color->alpha = 1.0;
  return TRUE;
}

static void
parse_style (const char     *style,
             QksTestSvgPathsPath *path)
{
  g_auto(GStrv) declarations = g_strsplit (style, ";", -1);

  path->fill.alpha = path->stroke.alpha = 1.0;
  for (guint i = 0; declarations[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (g_strstrip (declarations[i]), ":", 2);

      if (pair[0] == NULL || pair[1] == NULL)
        continue;
      if (g_str_equal (pair[0], "fill"))
        path->filled = parse_rgb (pair[1], &path->fill);
      else if (g_str_equal (pair[0], "fill-opacity"))
        path->fill.alpha = g_ascii_strtod (pair[1], NULL);
      else if (g_str_equal (pair[0], "stroke"))
        path->stroked = parse_rgb (pair[1], &path->stroke);
      else if (g_str_equal (pair[0], "stroke-opacity"))
        path->stroke.alpha = g_ascii_strtod (pair[1], NULL);
      else if (g_str_equal (pair[0], "stroke-dasharray"))
        path->dashed = !g_str_equal (pair[1], "none");
      else if (g_str_equal (pair[0], "stroke-width"))
        path->stroke_width = g_ascii_strtod (pair[1], NULL);
    }
}

static void
scan_start (GMarkupParseContext  *context,
            const char           *element,
            const char          **names,
            const char          **values,
            gpointer              user_data,
            GError              **error)
{
  Scan *scan = user_data;

  g_string_truncate (scan->text, 0);
  if (g_str_equal (element, "symbol"))
    scan->symbol_depth++;
  if (g_str_equal (element, "path") && scan->symbol_depth == 0)
    {
      QksTestSvgPathsPath *path = g_new0 (QksTestSvgPathsPath, 1);

      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "style"))
          parse_style (values[i], path);
        else if (g_str_equal (names[i], "d"))
          path->d = g_strdup (values[i]);
      g_ptr_array_add (scan->svg->paths, path);
    }
}

static void
scan_end (GMarkupParseContext  *context,
          const char           *element,
          gpointer              user_data,
          GError              **error)
{
  Scan *scan = user_data;

  if (g_str_equal (element, "symbol"))
    scan->symbol_depth--;
  else if (g_str_equal (element, "text"))
    g_ptr_array_add (scan->svg->texts, g_strdup (scan->text->str));
}

static void
scan_text (GMarkupParseContext  *context,
           const char           *text,
           gsize                 length,
           gpointer              user_data,
           GError              **error)
{
  Scan *scan = user_data;

  g_string_append_len (scan->text, text, (gssize) length);
}

static void
check_with_xmllint (GBytes *bytes)
{
  g_autofree char *xmllint = g_find_program_in_path ("xmllint");
  g_autofree char *path = NULL;
  g_autofree char *standard_error = NULL;
  g_autoptr(GError) error = NULL;
  int fd, status;

  /* build-aux/setup installs libxml2-utils: its absence is a failure. */
  if (xmllint == NULL)
    g_error ("xmllint is not installed (Debian: libxml2-utils)");

  fd = g_file_open_tmp ("qks-figure-XXXXXX.svg", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), &error));
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

QksTestSvgPaths *
qks_test_svg_paths_render (QksPlotDrawFunc draw,
                     gpointer        user_data,
                     double          width,
                     double          height)
{
  static const GMarkupParser parser = { scan_start, scan_end, scan_text, NULL, NULL };
  QksPlotExportOptions options = { "figure", "a figure under test", 1.0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = qks_plot_export_to_bytes (QKS_PLOT_FORMAT_SVG, width, height, draw, user_data,
                                                      &options, &error);
  g_autoptr(GMarkupParseContext) context = NULL;
  QksTestSvgPaths *svg = g_new0 (QksTestSvgPaths, 1);
  Scan scan = { svg, g_string_new (NULL), 0 };
  const char *contents, *body;
  gsize length;

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  check_with_xmllint (bytes);

  /* GMarkup does not take the XML declaration; start at the root. */
  contents = g_bytes_get_data (bytes, &length);
  g_assert_true (g_str_has_prefix (contents, "<?xml"));
  body = g_strstr_len (contents, (gssize) length, "<svg");
  g_assert_nonnull (body);

  svg->paths = g_ptr_array_new_with_free_func (path_free);
  svg->texts = g_ptr_array_new_with_free_func (g_free);
  context = g_markup_parse_context_new (&parser, 0, &scan, NULL);
  g_assert_true (g_markup_parse_context_parse (context, body, (gssize) (length - (gsize) (body - contents)), &error));
  g_assert_no_error (error);
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_string_free (scan.text, TRUE);
  return svg;
}

void
qks_test_svg_paths_free (QksTestSvgPaths *svg)
{
  if (svg == NULL)
    return;
  g_ptr_array_unref (svg->paths);
  g_ptr_array_unref (svg->texts);
  g_free (svg);
}

/* The colours compare as cairo wrote them: the channels, and the alpha as
 * the opacity. */
static gboolean
same_color (const QksPlotColor *a,
            const QksPlotColor *b)
{
  return qks_plot_color_equal (a, b, COLOR_TOLERANCE);
}

guint
qks_test_svg_paths_count_fills (const QksTestSvgPaths   *svg,
                          const QksPlotColor *color)
{
  guint count = 0;

  for (guint i = 0; i < svg->paths->len; i++)
    {
      const QksTestSvgPathsPath *path = g_ptr_array_index (svg->paths, i);

      if (path->filled && same_color (&path->fill, color))
        count++;
    }
  return count;
}

/* @dashed: 1 dashed only, 0 solid only, -1 either */
const QksTestSvgPathsPath *
qks_test_svg_paths_find_stroke (const QksTestSvgPaths   *svg,
                          const QksPlotColor *color,
                          int                 dashed,
                          guint               index)
{
  for (guint i = 0; i < svg->paths->len; i++)
    {
      const QksTestSvgPathsPath *path = g_ptr_array_index (svg->paths, i);

      if (path->stroked && same_color (&path->stroke, color) && (dashed < 0 || path->dashed == (dashed != 0)))
        {
          if (index == 0)
            return path;
          index--;
        }
    }
  return NULL;
}

guint
qks_test_svg_paths_count_strokes (const QksTestSvgPaths   *svg,
                            const QksPlotColor *color,
                            int                 dashed)
{
  guint count = 0;

  while (qks_test_svg_paths_find_stroke (svg, color, dashed, count) != NULL)
    count++;
  return count;
}

/* The subpaths of a path: a marker per "M". */
guint
qks_test_svg_paths_count_moves (const QksTestSvgPathsPath *path)
{
  guint count = 0;

  for (const char *p = path->d; p != NULL && *p != '\0'; p++)
    if (*p == 'M')
      count++;
  return count;
}

gboolean
qks_test_svg_paths_has_text (const QksTestSvgPaths *svg,
                       const char       *text)
{
  return g_ptr_array_find_with_equal_func (svg->texts, text, g_str_equal, NULL);
}

gboolean
qks_test_svg_paths_has_text_prefix (const QksTestSvgPaths *svg,
                              const char       *prefix)
{
  for (guint i = 0; i < svg->texts->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (svg->texts, i), prefix))
      return TRUE;
  return FALSE;
}

void
qks_test_svg_paths_assert_text (const QksTestSvgPaths *svg,
                          const char       *text)
{
  if (!qks_test_svg_paths_has_text (svg, text))
    {
      g_autoptr(GString) all = g_string_new (NULL);

      for (guint i = 0; i < svg->texts->len; i++)
        g_string_append_printf (all, "\n  “%s”", (const char *) g_ptr_array_index (svg->texts, i));
      g_error ("the figure's text layer lacks “%s”; it holds:%s", text, all->str);
    }
}
