/* plot-reference.c: a figure compared with its reference PNG, for the tests
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>

#include <cairo.h>

#include "plot-reference.h"

/* A pixel differs when a channel is off by more than CHANNEL_TOLERANCE; the
 * figure matches when at most DIFFERING_FRACTION of its pixels differ. */
#define CHANNEL_TOLERANCE 24
#define DIFFERING_FRACTION 0.005

typedef struct
{
  const guint8 *data;
  gsize         length;
  gsize         offset;
} PngReader;

static cairo_status_t
read_png (void          *closure,
          unsigned char *data,
          unsigned int   length)
{
  PngReader *reader = closure;

  if (reader->offset + length > reader->length)
    return CAIRO_STATUS_READ_ERROR;
  memcpy (data, reader->data + reader->offset, length);
  reader->offset += length;
  return CAIRO_STATUS_SUCCESS;
}

void
qks_test_check_reference (const char      *name,
                          QksPlotDrawFunc  draw,
                          gpointer         user_data,
                          double           width,
                          double           height,
                          double           scale)
{
  const char *source = g_getenv ("QKS_SOURCE_DIR");
  g_autofree char *file = g_strdup_printf ("%s.png", name);
  g_autofree char *path = g_build_filename (source ? source : ".", "tests", "reference", file, NULL);
  QksPlotExportOptions options = { name, NULL, scale };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) rendered = qks_plot_export_to_bytes (QKS_PLOT_FORMAT_PNG, width, height, draw,
                                                         user_data, &options, &error);
  PngReader reader = { 0 };
  cairo_surface_t *actual, *expected;
  gsize differing = 0, total;
  int stride_a, stride_e, w, h;

  g_assert_no_error (error);
  if (g_getenv ("QKS_UPDATE_REFERENCES") != NULL)
    {
      g_assert_true (g_file_set_contents (path, g_bytes_get_data (rendered, NULL),
                                          (gssize) g_bytes_get_size (rendered), &error));
      g_assert_no_error (error);
      g_test_message ("wrote the reference %s", path);
      return;
    }
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_message ("no reference %s: make it with QKS_UPDATE_REFERENCES=1, look at it, commit it", path);
      g_test_fail ();
      return;
    }

  reader.data = g_bytes_get_data (rendered, &reader.length);
  actual = cairo_image_surface_create_from_png_stream (read_png, &reader);
  expected = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (actual), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_surface_status (expected), ==, CAIRO_STATUS_SUCCESS);
  w = cairo_image_surface_get_width (actual);
  h = cairo_image_surface_get_height (actual);
  g_assert_cmpint (w, ==, cairo_image_surface_get_width (expected));
  g_assert_cmpint (h, ==, cairo_image_surface_get_height (expected));

  stride_a = cairo_image_surface_get_stride (actual);
  stride_e = cairo_image_surface_get_stride (expected);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *a = cairo_image_surface_get_data (actual) + y * stride_a + 4 * x;
        const guint8 *e = cairo_image_surface_get_data (expected) + y * stride_e + 4 * x;

        for (int c = 0; c < 4; c++)
          if (abs ((int) a[c] - (int) e[c]) > CHANNEL_TOLERANCE)
            {
              differing++;
              break;
            }
      }
  cairo_surface_destroy (actual);
  cairo_surface_destroy (expected);

  total = (gsize) w * h;
  g_test_message ("%s: %zu of %zu pixels differ from the reference", name, differing, total);
  if (differing > DIFFERING_FRACTION * total)
    g_error ("%s differs from %s in %zu of %zu pixels", name, path, differing, total);
}
