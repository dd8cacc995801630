/* test-plot-export.c: figures written as SVG, PDF and PNG, atomically
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "qks-plot-axes.h"
#include "qks-plot-export.h"

#define WIDTH  320.0
#define HEIGHT 200.0

/* Characters that XML must escape, a non-ASCII letter and a control
 * character that XML 1.0 cannot hold at all. */
#define TITLE       "Spectrum <layer 3> & \"heads\" 'all' λ\x01"
#define DESCRIPTION "run: demo.qkrun; variant: MLA-Decoupled; step: 1200; null: product law; " \
                    "estimator: median σ²; threshold: TW 99 % <edge>"

typedef struct
{
  char *directory;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->directory = g_dir_make_tmp ("qks-export-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->directory, 0, NULL);
  const char *name;

  g_chmod (fixture->directory, 0700);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->directory, name, NULL);

      g_remove (path);
    }
  g_rmdir (fixture->directory);
  g_free (fixture->directory);
}

static void
draw_figure (cairo_t  *cr,
             double    width,
             double    height,
             gpointer  user_data)
{
  QksPlotTheme theme;
  g_autoptr(QksPlotAxes) axes = NULL;

  qks_plot_theme_init_light (&theme);
  axes = qks_plot_axes_new (&theme, width, height);
  qks_plot_draw_background (cr, width, height, &theme);
  qks_plot_axes_set_title (axes, "Eigenvalues");
  qks_plot_axes_set_x (axes, 0.01, 10.0, QKS_PLOT_SCALE_LOG, "λ");
  qks_plot_axes_set_y (axes, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR, "density");
  g_assert_true (qks_plot_axes_layout (axes, cr, NULL));
  qks_plot_axes_draw_grid (axes, cr);
  cairo_move_to (cr, qks_plot_axes_x_to_device (axes, 0.01), qks_plot_axes_y_to_device (axes, 0.0));
  cairo_line_to (cr, qks_plot_axes_x_to_device (axes, 10.0), qks_plot_axes_y_to_device (axes, 1.0));
  cairo_stroke (cr);
  qks_plot_axes_draw_frame (axes, cr);
}

/* Unbalanced: puts the context into an error state, as a bug would. */
static void
draw_broken (cairo_t  *cr,
             double    width,
             double    height,
             gpointer  user_data)
{
  draw_figure (cr, width, height, user_data);
  cairo_restore (cr);
}

/* PDF streams hold NUL bytes, which stop g_strstr_len(). */
static gboolean
contains (const char *contents,
          gsize       length,
          const char *needle)
{
  return memmem (contents, length, needle, strlen (needle)) != NULL;
}

static char *
read_file (const char *path,
           gsize      *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, length, &error));
  g_assert_no_error (error);
  return contents;
}

static guint
count_entries (const char *directory)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  guint count = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    count++;
  return count;
}

/* What GMarkup sees of an SVG: the elements, and the text of every <title>
 * and <desc>. */
typedef struct
{
  guint    depth;
  guint    n_titles;
  guint    n_descs;
  char    *title;
  char    *description;
  GString *text;
  char    *first_child;  /* of the root element */
  gboolean in_svg;
  GPtrArray *texts;      /* the text layer's strings */
} SvgScan;

static void
svg_start (GMarkupParseContext  *context,
           const char           *element,
           const char          **names,
           const char          **values,
           gpointer              user_data,
           GError              **error)
{
  SvgScan *scan = user_data;

  scan->depth++;
  if (scan->depth == 1)
    scan->in_svg = g_str_equal (element, "svg");
  if (scan->depth == 2 && scan->first_child == NULL)
    scan->first_child = g_strdup (element);
  g_string_truncate (scan->text, 0);
}

static void
svg_end (GMarkupParseContext  *context,
         const char           *element,
         gpointer              user_data,
         GError              **error)
{
  SvgScan *scan = user_data;

  if (g_str_equal (element, "title"))
    {
      scan->n_titles++;
      g_free (scan->title);
      scan->title = g_strdup (scan->text->str);
    }
  else if (g_str_equal (element, "desc"))
    {
      scan->n_descs++;
      g_free (scan->description);
      scan->description = g_strdup (scan->text->str);
    }
  else if (g_str_equal (element, "text"))
    g_ptr_array_add (scan->texts, g_strdup (scan->text->str));
  scan->depth--;
}

static void
svg_text (GMarkupParseContext  *context,
          const char           *text,
          gsize                 length,
          gpointer              user_data,
          GError              **error)
{
  SvgScan *scan = user_data;

  g_string_append_len (scan->text, text, (gssize) length);
}

static void
check_svg (const char *path)
{
  static const GMarkupParser parser = { svg_start, svg_end, svg_text, NULL, NULL };
  g_autofree char *xmllint = g_find_program_in_path ("xmllint");
  g_autofree char *contents = NULL;
  g_autofree char *standard_error = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  SvgScan scan = { 0, };
  const char *body;
  gsize length;
  int status;

  /* A real XML parser: build-aux/setup installs libxml2-utils. */
  if (xmllint == NULL)
    {
      g_test_message ("xmllint is not installed (Debian: libxml2-utils); build-aux/setup installs it");
      g_test_fail ();
      return;
    }
  {
    const char *argv[] = { xmllint, "--noout", path, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                 NULL, &standard_error, &status, &error));
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, NULL))
      g_error ("xmllint rejects %s: %s", path, standard_error);
  }

  contents = read_file (path, &length);
  g_assert_true (g_str_has_prefix (contents, "<?xml"));
  g_assert_nonnull (strstr (contents, "version=\"1.1\""));
  g_assert_nonnull (strstr (contents, "width=\"320px\""));
  g_assert_nonnull (strstr (contents, "height=\"200px\""));

  /* GMarkup does not take the XML declaration; skip to the root. */
  body = strstr (contents, "<svg");
  g_assert_nonnull (body);
  scan.text = g_string_new (NULL);
  scan.texts = g_ptr_array_new_with_free_func (g_free);
  context = g_markup_parse_context_new (&parser, 0, &scan, NULL);
  g_assert_true (g_markup_parse_context_parse (context, body, (gssize) (length - (gsize) (body - contents)), &error));
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);

  g_assert_true (scan.in_svg);
  g_assert_cmpuint (scan.n_titles, ==, 1);
  g_assert_cmpuint (scan.n_descs, ==, 1);
  g_assert_cmpstr (scan.first_child, ==, "title");
  /* The text comes back as given, less the control character. */
  g_assert_cmpstr (scan.title, ==, "Spectrum <layer 3> & \"heads\" 'all' λ ");
  g_assert_cmpstr (scan.description, ==, DESCRIPTION);
  /* And it was escaped, not pasted. */
  g_assert_nonnull (strstr (contents, "&lt;layer 3&gt; &amp;"));

  /* The labels drawn as glyph outlines are there as text too. */
  {
    const char *labels[] = { "Eigenvalues", "λ", "density", "0.01", "10" };

    for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
      if (!g_ptr_array_find_with_equal_func (scan.texts, labels[i], g_str_equal, NULL))
        g_error ("the SVG's text layer lacks “%s”", labels[i]);
  }
  g_ptr_array_unref (scan.texts);

  g_free (scan.title);
  g_free (scan.description);
  g_free (scan.first_child);
  g_string_free (scan.text, TRUE);
}

static void
test_export_svg (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->directory, "figure.svg", NULL);
  QksPlotExportOptions options = { TITLE, DESCRIPTION, 1.0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (qks_plot_export (path, WIDTH, HEIGHT, draw_figure, NULL, &options, &error));
  g_assert_no_error (error);
  check_svg (path);
  g_assert_cmpuint (count_entries (fixture->directory), ==, 1);
}

static void
test_export_pdf (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->directory, "figure.PDF", NULL);
  QksPlotExportOptions options = { "Loss curves", "run: demo", 1.0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (qks_plot_export (path, WIDTH, HEIGHT, draw_figure, NULL, &options, &error));
  g_assert_no_error (error);
  contents = read_file (path, &length);
  g_assert_cmpuint (length, >, 1000);
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));
  g_assert_true (contains (contents, length, "%EOF"));
  g_assert_true (contains (contents, length, "/Title (Loss curves)"));
  g_assert_true (contains (contents, length, "/Subject (run: demo)"));
  g_assert_true (contains (contents, length, "/Creator (QK Scope)"));
  /* 320 × 200 units are 240 × 150 points. */
  g_assert_true (contains (contents, length, "/MediaBox [ 0 0 240 150 ]"));
}

static void
test_export_png_scales (Fixture       *fixture,
                        gconstpointer  data)
{
  for (guint scale = 1; scale <= 2; scale++)
    {
      g_autofree char *name = g_strdup_printf ("figure-%ux.png", scale);
      g_autofree char *path = g_build_filename (fixture->directory, name, NULL);
      QksPlotExportOptions options = { NULL, NULL, scale };
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      cairo_surface_t *image;
      gsize length;

      g_assert_true (qks_plot_export (path, WIDTH, HEIGHT, draw_figure, NULL, &options, &error));
      g_assert_no_error (error);
      contents = read_file (path, &length);
      g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);

      image = cairo_image_surface_create_from_png (path);
      g_assert_cmpint (cairo_surface_status (image), ==, CAIRO_STATUS_SUCCESS);
      g_assert_cmpint (cairo_image_surface_get_width (image), ==, (int) WIDTH * (int) scale);
      g_assert_cmpint (cairo_image_surface_get_height (image), ==, (int) HEIGHT * (int) scale);
      /* The corner shows the light theme's background, #fafafa. */
      cairo_surface_flush (image);
      g_assert_cmphex (((guint32 *) cairo_image_surface_get_data (image))[0], ==, 0xfffafafa);
      cairo_surface_destroy (image);
    }
}

static void
test_export_to_bytes (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = qks_plot_export_to_bytes (QKS_PLOT_FORMAT_SVG, WIDTH, HEIGHT, draw_figure,
                                                      NULL, NULL, &error);
  gsize length;
  const char *text;

  g_assert_no_error (error);
  text = g_bytes_get_data (bytes, &length);
  /* Without options: a default title and an empty description. */
  g_assert_nonnull (g_strstr_len (text, (gssize) length, "<title>QK Scope figure</title>"));
  g_assert_nonnull (g_strstr_len (text, (gssize) length, "<desc></desc>"));

  g_assert_null (qks_plot_export_to_bytes (QKS_PLOT_FORMAT_PNG, 0.0, HEIGHT, draw_figure, NULL, NULL, &error));
  g_assert_error (error, QKS_PLOT_EXPORT_ERROR, QKS_PLOT_EXPORT_ERROR_SIZE);
  g_clear_error (&error);
  g_assert_null (qks_plot_export_to_bytes (QKS_PLOT_FORMAT_PNG, 40000.0, HEIGHT, draw_figure, NULL, NULL, &error));
  g_assert_error (error, QKS_PLOT_EXPORT_ERROR, QKS_PLOT_EXPORT_ERROR_SIZE);
}

static void
test_export_unknown_extension (Fixture       *fixture,
                               gconstpointer  data)
{
  static const char *names[] = { "figure.jpg", "figure", "figure.svg.txt", ".svg" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (fixture->directory, names[i], NULL);
      g_autoptr(GError) error = NULL;

      g_assert_false (qks_plot_export (path, WIDTH, HEIGHT, draw_figure, NULL, NULL, &error));
      g_assert_error (error, QKS_PLOT_EXPORT_ERROR, QKS_PLOT_EXPORT_ERROR_UNKNOWN_FORMAT);
      g_assert_nonnull (strstr (error->message, names[i]));
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  g_assert_cmpuint (count_entries (fixture->directory), ==, 0);
}

static void
test_export_unwritable (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (fixture->directory, "no-such-folder", "figure.svg", NULL);
  g_autofree char *file = g_build_filename (fixture->directory, "a-file", NULL);
  g_autofree char *under_file = g_build_filename (file, "figure.png", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (qks_plot_export (missing, WIDTH, HEIGHT, draw_figure, NULL, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  /* A path under a regular file: refused even to root. */
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_assert_false (qks_plot_export (under_file, WIDTH, HEIGHT, draw_figure, NULL, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);
  g_assert_cmpuint (count_entries (fixture->directory), ==, 1);
}

static void
test_export_failure_keeps_old_file (Fixture       *fixture,
                                    gconstpointer  data)
{
  static const char old[] = "an older figure";
  g_autofree char *path = g_build_filename (fixture->directory, "figure.svg", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_set_contents (path, old, -1, NULL));

  /* The drawing fails: the old file stays, and no temporary file is left. */
  g_assert_false (qks_plot_export (path, WIDTH, HEIGHT, draw_broken, NULL, NULL, &error));
  g_assert_error (error, QKS_PLOT_EXPORT_ERROR, QKS_PLOT_EXPORT_ERROR_DRAWING);
  g_clear_error (&error);
  contents = read_file (path, &length);
  g_assert_cmpstr (contents, ==, old);
  g_assert_cmpuint (count_entries (fixture->directory), ==, 1);
  g_clear_pointer (&contents, g_free);

  /* The folder is read-only: the temporary file cannot be made. Root
   * writes anyway, so this part runs only for other users. */
  if (geteuid () != 0)
    {
      g_assert_cmpint (g_chmod (fixture->directory, 0500), ==, 0);
      g_assert_false (qks_plot_export (path, WIDTH, HEIGHT, draw_figure, NULL, NULL, &error));
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES);
      g_clear_error (&error);
      g_assert_cmpint (g_chmod (fixture->directory, 0700), ==, 0);
      contents = read_file (path, &length);
      g_assert_cmpstr (contents, ==, old);
      g_assert_cmpuint (count_entries (fixture->directory), ==, 1);
      g_clear_pointer (&contents, g_free);
    }

  /* A good export replaces it. */
  g_assert_true (qks_plot_export (path, WIDTH, HEIGHT, draw_figure, NULL, NULL, &error));
  g_assert_no_error (error);
  contents = read_file (path, &length);
  g_assert_true (g_str_has_prefix (contents, "<?xml"));
  g_assert_cmpuint (count_entries (fixture->directory), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/plot/export/svg", test_export_svg);
  ADD ("/plot/export/pdf", test_export_pdf);
  ADD ("/plot/export/png-scales", test_export_png_scales);
  ADD ("/plot/export/to-bytes", test_export_to_bytes);
  ADD ("/plot/export/unknown-extension", test_export_unknown_extension);
  ADD ("/plot/export/unwritable", test_export_unwritable);
  ADD ("/plot/export/failure-keeps-old-file", test_export_failure_keeps_old_file);
#undef ADD

  return g_test_run ();
}
