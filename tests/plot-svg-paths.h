/* plot-svg-paths.h: what a figure exported as SVG holds, for the tests
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qks-plot-export.h"
#include "qks-plot-theme.h"

G_BEGIN_DECLS

/* One <path> as cairo writes it: its fill and stroke from the style
 * attribute (colours as rgb(r%,g%,b%) with their opacity), and its data. */
typedef struct
{
  gboolean      filled;
  QksPlotColor  fill;
  gboolean      stroked;
  QksPlotColor  stroke;
  gboolean      dashed;
  double        stroke_width;
  char         *d;
} QksTestSvgPathsPath;

typedef struct
{
  GPtrArray *paths;  /* of QksTestSvgPathsPath *, glyph outlines left out */
  GPtrArray *texts;  /* of char *: the text layer's strings */
} QksTestSvgPaths;

/* Draws @draw as an SVG of @width × @height, checks that xmllint and
 * GMarkup accept it, and returns what it holds. */
QksTestSvgPaths *qks_test_svg_paths_render         (QksPlotDrawFunc     draw,
                                         gpointer            user_data,
                                         double              width,
                                         double              height);
void        qks_test_svg_paths_free           (QksTestSvgPaths         *svg);

guint       qks_test_svg_paths_count_fills    (const QksTestSvgPaths   *svg,
                                         const QksPlotColor *color);
guint       qks_test_svg_paths_count_strokes  (const QksTestSvgPaths   *svg,
                                         const QksPlotColor *color,
                                         int                 dashed);
guint       qks_test_svg_paths_count_moves    (const QksTestSvgPathsPath *path);
const QksTestSvgPathsPath *
            qks_test_svg_paths_find_stroke    (const QksTestSvgPaths   *svg,
                                         const QksPlotColor *color,
                                         int                 dashed,
                                         guint               index);
gboolean    qks_test_svg_paths_has_text       (const QksTestSvgPaths   *svg,
                                         const char         *text);
gboolean    qks_test_svg_paths_has_text_prefix (const QksTestSvgPaths  *svg,
                                          const char        *prefix);
void        qks_test_svg_paths_assert_text    (const QksTestSvgPaths   *svg,
                                         const char         *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksTestSvgPaths, qks_test_svg_paths_free)

G_END_DECLS
