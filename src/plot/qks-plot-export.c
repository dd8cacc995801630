/* qks-plot-export.c: a figure's drawing as an SVG, PDF or PNG file
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <math.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "qks-plot-export.h"
#include "qks-plot-text.h"

#define DEFAULT_TITLE _("QK Scope figure")
#define CREATOR       "QK Scope"

/* One unit is a CSS pixel, 1/96 inch, as on a screen at scale 1: an SVG
 * says "px", a PDF page is measured in points, 3/4 of a unit each. */
#define POINTS_PER_UNIT (72.0 / 96.0)

/* cairo's image surfaces stop at 32767 pixels a side. */
#define MAX_PIXELS 32767.0

G_DEFINE_QUARK (qks-plot-export-error-quark, qks_plot_export_error)

static const struct
{
  const char    *extension;
  QksPlotFormat  format;
} extensions[] = {
  { ".svg", QKS_PLOT_FORMAT_SVG },
  { ".pdf", QKS_PLOT_FORMAT_PDF },
  { ".png", QKS_PLOT_FORMAT_PNG },
};

/**
 * qks_plot_format_from_path:
 *
 * Reads the format from @path's extension, in any case: .svg, .pdf or .png.
 *
 * Returns: %FALSE, with %QKS_PLOT_EXPORT_ERROR_UNKNOWN_FORMAT, for any other
 */
gboolean
qks_plot_format_from_path (const char     *path,
                           QksPlotFormat  *format,
                           GError        **error)
{
  g_autofree char *basename = g_path_get_basename (path);
  g_autofree char *lower = g_ascii_strdown (basename, -1);
  g_autofree char *display = g_filename_display_basename (path);

  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_str_has_suffix (lower, extensions[i].extension) &&
        strlen (lower) > strlen (extensions[i].extension))
      {
        *format = extensions[i].format;
        return TRUE;
      }

  g_set_error (error, QKS_PLOT_EXPORT_ERROR, QKS_PLOT_EXPORT_ERROR_UNKNOWN_FORMAT,
               _("Cannot tell the format of “%s”: name the file .svg, .pdf or .png"), display);
  return FALSE;
}

static cairo_status_t
append_to_byte_array (void                *closure,
                      const unsigned char *data,
                      unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
check_status (cairo_status_t   status,
              GError         **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, QKS_PLOT_EXPORT_ERROR, QKS_PLOT_EXPORT_ERROR_DRAWING,
               _("Drawing the figure failed: %s"), cairo_status_to_string (status));
  return FALSE;
}

/* Text for an XML element: valid UTF-8, no C0 controls (XML 1.0 forbids
 * them even as references), and &, <, >, ', " escaped. */
static char *
xml_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);

  for (char *p = valid; *p != '\0'; p++)
    if ((guchar) *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
      *p = ' ';
  return g_markup_escape_text (valid, -1);
}

/* The transparent text over the glyph outlines (qks-plot-text.h). */
static void
append_text_layer (GString   *result,
                   GPtrArray *items)
{
  if (items == NULL || items->len == 0)
    return;

  g_string_append (result, "\n<g fill-opacity=\"0\" font-family=\"sans-serif\">");
  for (guint i = 0; i < items->len; i++)
    {
      const QksPlotTextItem *item = items->pdata[i];
      g_autofree char *escaped = xml_text (item->text);
      char x[G_ASCII_DTOSTR_BUF_SIZE], y[G_ASCII_DTOSTR_BUF_SIZE];
      char size[G_ASCII_DTOSTR_BUF_SIZE], angle[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (x, sizeof x, "%.2f", item->x);
      g_ascii_formatd (y, sizeof y, "%.2f", item->y);
      g_ascii_formatd (size, sizeof size, "%.2f", item->size);
      g_ascii_formatd (angle, sizeof angle, "%.1f", item->angle);
      if (fabs (item->angle) > 0.05)
        g_string_append_printf (result, "\n<text x=\"%s\" y=\"%s\" font-size=\"%s\" transform=\"rotate(%s %s %s)\">%s</text>",
                                x, y, size, angle, x, y, escaped);
      else
        g_string_append_printf (result, "\n<text x=\"%s\" y=\"%s\" font-size=\"%s\">%s</text>",
                                x, y, size, escaped);
    }
  g_string_append (result, "\n</g>");
}

/* cairo's SVG surface writes no <title> or <desc>; put them first inside
 * the root element, where SVG 1.1 wants them, and the text layer last. */
static GBytes *
svg_add_title (const GByteArray  *svg,
               const char        *title,
               const char        *description,
               GPtrArray         *text_layer,
               GError           **error)
{
  const char *text = (const char *) svg->data;
  const char *start = g_strstr_len (text, svg->len, "<svg");
  g_autofree char *escaped_title = xml_text (title);
  g_autofree char *escaped_description = xml_text (description);
  GString *result;
  char quote = '\0';
  const char *p;

  if (start == NULL)
    {
      g_set_error (error, QKS_PLOT_EXPORT_ERROR, QKS_PLOT_EXPORT_ERROR_DRAWING,
                   _("cairo wrote no <svg> element"));
      return NULL;
    }

  /* The end of the start tag: the first '>' outside a quoted value. */
  for (p = start; p < text + svg->len; p++)
    {
      if (quote != '\0')
        quote = *p == quote ? '\0' : quote;
      else if (*p == '"' || *p == '\'')
        quote = *p;
      else if (*p == '>')
        break;
    }
  if (p >= text + svg->len || p[-1] == '/')
    {
      g_set_error (error, QKS_PLOT_EXPORT_ERROR, QKS_PLOT_EXPORT_ERROR_DRAWING,
                   _("cairo wrote an <svg> element with no content"));
      return NULL;
    }
  p++;

  result = g_string_sized_new (svg->len + strlen (escaped_title) + strlen (escaped_description) + 64);
  g_string_append_len (result, text, p - text);
  g_string_append_printf (result, "\n<title>%s</title>\n<desc>%s</desc>", escaped_title, escaped_description);
  {
    const char *end = g_strrstr_len (p, text + svg->len - p, "</svg>");

    if (end == NULL)
      {
        g_string_free (result, TRUE);
        g_set_error (error, QKS_PLOT_EXPORT_ERROR, QKS_PLOT_EXPORT_ERROR_DRAWING,
                     _("cairo wrote an <svg> element with no end"));
        return NULL;
      }
    g_string_append_len (result, p, end - p);
    append_text_layer (result, text_layer);
    g_string_append_len (result, end, text + svg->len - end);
  }
  return g_string_free_to_bytes (result);
}

/**
 * qks_plot_export_to_bytes:
 * @width: in device-independent units
 * @height: in device-independent units
 * @options: (nullable): title, description and PNG scale
 *
 * Draws the figure into a file's bytes in memory: an SVG 1.1 document in px
 * with a <title> and a <desc>, a PDF with its title, subject and creator
 * set, or a PNG of @width × @height × scale² pixels.
 *
 * Returns: (transfer full): the file's contents, or %NULL with @error set
 */
GBytes *
qks_plot_export_to_bytes (QksPlotFormat               format,
                          double                      width,
                          double                      height,
                          QksPlotDrawFunc             draw,
                          gpointer                    user_data,
                          const QksPlotExportOptions *options,
                          GError                    **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  const char *title = DEFAULT_TITLE, *description = "";
  double scale = 1.0;
  cairo_surface_t *surface = NULL;
  cairo_status_t status;
  g_autoptr(GPtrArray) text_layer = NULL;
  cairo_t *cr;

  g_return_val_if_fail (draw != NULL, NULL);

  if (options != NULL)
    {
      title = options->title != NULL ? options->title : title;
      description = options->description != NULL ? options->description : description;
      scale = options->scale > 0.0 ? options->scale : scale;
    }
  if (!isfinite (width) || !isfinite (height) || !isfinite (scale) ||
      width < 1.0 || height < 1.0 || ceil (width * scale) > MAX_PIXELS || ceil (height * scale) > MAX_PIXELS)
    {
      g_set_error (error, QKS_PLOT_EXPORT_ERROR, QKS_PLOT_EXPORT_ERROR_SIZE,
                   _("Cannot export a figure of %g × %g at scale %g"), width, height, scale);
      return NULL;
    }

  switch (format)
    {
    case QKS_PLOT_FORMAT_SVG:
      surface = cairo_svg_surface_create_for_stream (append_to_byte_array, bytes, width, height);
      cairo_svg_surface_restrict_to_version (surface, CAIRO_SVG_VERSION_1_1);
      cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PX);
      qks_plot_text_layer_attach (surface);
      break;
    case QKS_PLOT_FORMAT_PDF:
      surface = cairo_pdf_surface_create_for_stream (append_to_byte_array, bytes,
                                                     width * POINTS_PER_UNIT, height * POINTS_PER_UNIT);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_SUBJECT, description);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, CREATOR);
      break;
    case QKS_PLOT_FORMAT_PNG:
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                            (int) ceil (width * scale), (int) ceil (height * scale));
      cairo_surface_set_device_scale (surface, scale, scale);
      break;
    default:
      g_set_error (error, QKS_PLOT_EXPORT_ERROR, QKS_PLOT_EXPORT_ERROR_UNKNOWN_FORMAT,
                   _("Unknown figure format %d"), (int) format);
      return NULL;
    }

  cr = cairo_create (surface);
  if (format == QKS_PLOT_FORMAT_PDF)
    cairo_scale (cr, POINTS_PER_UNIT, POINTS_PER_UNIT);
  draw (cr, width, height, user_data);
  status = cairo_status (cr);
  cairo_destroy (cr);

  if (status == CAIRO_STATUS_SUCCESS && format == QKS_PLOT_FORMAT_PNG)
    status = cairo_surface_write_to_png_stream (surface, append_to_byte_array, bytes);
  if (format == QKS_PLOT_FORMAT_SVG && qks_plot_text_layer_get (surface) != NULL)
    text_layer = g_ptr_array_ref (qks_plot_text_layer_get (surface));
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (!check_status (status, error))
    return NULL;

  if (format == QKS_PLOT_FORMAT_SVG)
    return svg_add_title (bytes, title, description, text_layer, error);
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

/**
 * qks_plot_export:
 * @path: where to write; the extension chooses the format
 *
 * Writes the figure to @path atomically: into a temporary file beside it,
 * then renamed over it. On any error nothing is left behind and a file
 * already at @path stays as it was.
 *
 * Returns: %FALSE with @error set: %QKS_PLOT_EXPORT_ERROR for an unknown
 *   extension or a failed drawing, %G_FILE_ERROR when the file cannot be
 *   written
 */
gboolean
qks_plot_export (const char                  *path,
                 double                       width,
                 double                       height,
                 QksPlotDrawFunc              draw,
                 gpointer                     user_data,
                 const QksPlotExportOptions  *options,
                 GError                     **error)
{
  g_autoptr(GBytes) contents = NULL;
  QksPlotFormat format;
  gsize length;
  const char *data;

  if (!qks_plot_format_from_path (path, &format, error))
    return FALSE;

  contents = qks_plot_export_to_bytes (format, width, height, draw, user_data, options, error);
  if (contents == NULL)
    return FALSE;

  /* GLib writes a temporary file in the same directory, renames it over
   * @path and unlinks it if anything fails. */
  data = g_bytes_get_data (contents, &length);
  return g_file_set_contents_full (path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT, 0666, error);
}
