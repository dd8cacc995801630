/* plot-svg.c: a figure exported as SVG and read back, for the tests
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "plot-svg.h"

typedef struct
{
  QksTestSvg *svg;
  GString    *text;
  gboolean    in_text;
} Scan;

/* "… fill:rgb(12.5%,64.3%,52.6%);fill-opacity:0.35; …" as cairo writes it. */
static gboolean
parse_fill (const char   *style,
            QksPlotColor *color)
{
  const char *fill = strstr (style, "fill:rgb(");
  const char *opacity = strstr (style, "fill-opacity:");
  double r, g, b;

  if (fill == NULL || sscanf (fill, "fill:rgb(%lf%%,%lf%%,%lf%%)", &r, &g, &b) != 3)
    return FALSE;
  color->red = r / 100.0;
  color->green = g / 100.0;
  color->blue = b / 100.0;
  color->alpha = opacity != NULL ? g_ascii_strtod (opacity + strlen ("fill-opacity:"), NULL) : 1.0;
  return TRUE;
}

/* "… stroke-width:2;…;stroke:rgb(…);stroke-opacity:1;stroke-dasharray:6,3; …". */
static gboolean
parse_stroke (const char    *style,
              QksTestStroke *stroke)
{
  const char *color = strstr (style, ";stroke:rgb(");
  const char *opacity = strstr (style, "stroke-opacity:");
  const char *width = strstr (style, "stroke-width:");
  double r, g, b;

  if (color == NULL || sscanf (color, ";stroke:rgb(%lf%%,%lf%%,%lf%%)", &r, &g, &b) != 3)
    return FALSE;
  stroke->color.red = r / 100.0;
  stroke->color.green = g / 100.0;
  stroke->color.blue = b / 100.0;
  stroke->color.alpha = opacity != NULL ? g_ascii_strtod (opacity + strlen ("stroke-opacity:"), NULL) : 1.0;
  stroke->width = width != NULL ? g_ascii_strtod (width + strlen ("stroke-width:"), NULL) : 1.0;
  stroke->dashed = strstr (style, "stroke-dasharray:") != NULL;
  return TRUE;
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

  if (g_str_equal (element, "text"))
    {
      scan->in_text = TRUE;
      g_string_truncate (scan->text, 0);
    }
  else if (g_str_equal (element, "path"))
    {
      scan->svg->n_paths++;
      for (guint i = 0; names[i] != NULL; i++)
        {
          QksPlotColor color;
          QksTestStroke stroke;

          if (g_str_equal (names[i], "style") && parse_fill (values[i], &color))
            g_array_append_val (scan->svg->fills, color);
          if (g_str_equal (names[i], "style") && parse_stroke (values[i], &stroke))
            {
              stroke.x0 = stroke.y0 = NAN;
              for (guint j = 0; names[j] != NULL; j++)
                if (g_str_equal (names[j], "d"))
                  sscanf (values[j], "M %lf %lf", &stroke.x0, &stroke.y0);
              g_array_append_val (scan->svg->strokes, stroke);
            }
        }
    }
}

static void
scan_end (GMarkupParseContext  *context,
          const char           *element,
          gpointer              user_data,
          GError              **error)
{
  Scan *scan = user_data;

  if (g_str_equal (element, "text"))
    {
      g_ptr_array_add (scan->svg->texts, g_strdup (scan->text->str));
      scan->in_text = FALSE;
    }
}

static void
scan_text (GMarkupParseContext  *context,
           const char           *text,
           gsize                 length,
           gpointer              user_data,
           GError              **error)
{
  Scan *scan = user_data;

  if (scan->in_text)
    g_string_append_len (scan->text, text, (gssize) length);
}

/* A real XML parser on the bytes: build-aux/setup installs libxml2-utils. */
static void
check_with_xmllint (GBytes *bytes)
{
  g_autofree char *xmllint = g_find_program_in_path ("xmllint");
  g_autofree char *path = NULL;
  g_autofree char *standard_error = NULL;
  g_autoptr(GError) error = NULL;
  int fd, status;

  if (xmllint == NULL)
    {
      g_test_message ("xmllint is not installed (Debian: libxml2-utils)");
      g_test_fail ();
      return;
    }
  fd = g_file_open_tmp ("qks-figure-XXXXXX.svg", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                      (gssize) g_bytes_get_size (bytes), &error));
  {
    const char *argv[] = { xmllint, "--noout", path, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                 NULL, &standard_error, &status, &error));
    g_assert_no_error (error);
  }
  g_unlink (path);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("xmllint rejects the SVG: %s", standard_error);
}

/**
 * qks_test_svg_render:
 *
 * Exports @draw as SVG, checks that it is well-formed XML (xmllint, then
 * GMarkup from the root element on) and collects its text layer and fills.
 */
QksTestSvg *
qks_test_svg_render (QksPlotDrawFunc draw,
                     gpointer        user_data,
                     double          width,
                     double          height)
{
  static const GMarkupParser parser = { scan_start, scan_end, scan_text, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  QksTestSvg *svg = g_new0 (QksTestSvg, 1);
  Scan scan = { svg, g_string_new (NULL), FALSE };
  const char *contents, *body;
  gsize length;

  svg->bytes = qks_plot_export_to_bytes (QKS_PLOT_FORMAT_SVG, width, height, draw, user_data, NULL, &error);
  g_assert_no_error (error);
  svg->texts = g_ptr_array_new_with_free_func (g_free);
  svg->fills = g_array_new (FALSE, FALSE, sizeof (QksPlotColor));
  svg->strokes = g_array_new (FALSE, FALSE, sizeof (QksTestStroke));

  check_with_xmllint (svg->bytes);

  /* GMarkup does not take the XML declaration; start at the root. */
  contents = g_bytes_get_data (svg->bytes, &length);
  g_assert_true (g_str_has_prefix (contents, "<?xml"));
  body = g_strstr_len (contents, (gssize) length, "<svg");
  g_assert_nonnull (body);
  context = g_markup_parse_context_new (&parser, 0, &scan, NULL);
  g_assert_true (g_markup_parse_context_parse (context, body, (gssize) (length - (gsize) (body - contents)), &error));
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_string_free (scan.text, TRUE);
  return svg;
}

void
qks_test_svg_free (QksTestSvg *svg)
{
  if (svg == NULL)
    return;
  g_bytes_unref (svg->bytes);
  g_ptr_array_unref (svg->texts);
  g_array_unref (svg->fills);
  g_array_unref (svg->strokes);
  g_free (svg);
}

gboolean
qks_test_svg_has_text (const QksTestSvg *svg,
                       const char       *text)
{
  return g_ptr_array_find_with_equal_func (svg->texts, text, g_str_equal, NULL);
}

gboolean
qks_test_svg_has_text_containing (const QksTestSvg *svg,
                                  const char       *part)
{
  for (guint i = 0; i < svg->texts->len; i++)
    if (strstr (svg->texts->pdata[i], part) != NULL)
      return TRUE;
  return FALSE;
}

static void
dump_texts (const QksTestSvg *svg)
{
  for (guint i = 0; i < svg->texts->len; i++)
    g_test_message ("text layer: “%s”", (const char *) svg->texts->pdata[i]);
}

void
qks_test_svg_assert_text (const QksTestSvg *svg,
                          const char       *text)
{
  if (!qks_test_svg_has_text (svg, text))
    {
      dump_texts (svg);
      g_error ("the SVG's text layer lacks “%s”", text);
    }
}

void
qks_test_svg_assert_text_containing (const QksTestSvg *svg,
                                     const char       *part)
{
  if (!qks_test_svg_has_text_containing (svg, part))
    {
      dump_texts (svg);
      g_error ("no text in the SVG's text layer holds “%s”", part);
    }
}

/**
 * qks_test_svg_count_fills:
 * @tolerance: per channel, 0 to 1 (alpha included)
 *
 * Returns: how many paths are filled with @color
 */
guint
qks_test_svg_count_fills (const QksTestSvg   *svg,
                          const QksPlotColor *color,
                          double              tolerance)
{
  guint count = 0;

  for (guint i = 0; i < svg->fills->len; i++)
    if (qks_plot_color_equal (&g_array_index (svg->fills, QksPlotColor, i), color, tolerance))
      count++;
  return count;
}

/**
 * qks_test_svg_count_strokes:
 * @dashed: whether to count dashed strokes or solid ones
 *
 * Returns: how many paths are stroked with @color, dashed or not
 */
guint
qks_test_svg_count_strokes (const QksTestSvg   *svg,
                            const QksPlotColor *color,
                            gboolean            dashed,
                            double              tolerance)
{
  guint count = 0;

  for (guint i = 0; i < svg->strokes->len; i++)
    {
      const QksTestStroke *stroke = &g_array_index (svg->strokes, QksTestStroke, i);

      if (stroke->dashed == dashed && qks_plot_color_equal (&stroke->color, color, tolerance))
        count++;
    }
  return count;
}

/**
 * qks_test_svg_find_strokes:
 *
 * Returns: (transfer full) (element-type QksTestStroke): the paths stroked
 *   with @color, dashed or not, in drawing order
 */
GArray *
qks_test_svg_find_strokes (const QksTestSvg   *svg,
                           const QksPlotColor *color,
                           gboolean            dashed,
                           double              tolerance)
{
  GArray *found = g_array_new (FALSE, FALSE, sizeof (QksTestStroke));

  for (guint i = 0; i < svg->strokes->len; i++)
    {
      const QksTestStroke *stroke = &g_array_index (svg->strokes, QksTestStroke, i);

      if (stroke->dashed == dashed && qks_plot_color_equal (&stroke->color, color, tolerance))
        g_array_append_val (found, *stroke);
    }
  return found;
}
