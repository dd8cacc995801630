/* plot-svg.h: a figure exported as SVG and read back, for the tests
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qks-plot-export.h"
#include "qks-plot-theme.h"

G_BEGIN_DECLS

typedef struct
{
  QksPlotColor color;
  double       width;
  gboolean     dashed;
  double       x0;      /* where the path starts, in SVG units */
  double       y0;
} QksTestStroke;

/* What an exported SVG holds: its text layer, and the fill and stroke of
 * every path. */
typedef struct
{
  GBytes    *bytes;
  GPtrArray *texts;   /* of char *: every <text> element's text */
  GArray    *fills;   /* of QksPlotColor: every <path> with a plain rgb() fill */
  GArray    *strokes; /* of QksTestStroke: every <path> with a plain rgb() stroke */
  guint      n_paths; /* every <path>, glyph outlines included */
} QksTestSvg;

QksTestSvg *qks_test_svg_render            (QksPlotDrawFunc     draw,
                                            gpointer            user_data,
                                            double              width,
                                            double              height);
void        qks_test_svg_free              (QksTestSvg         *svg);

gboolean    qks_test_svg_has_text          (const QksTestSvg   *svg,
                                            const char         *text);
gboolean    qks_test_svg_has_text_containing (const QksTestSvg *svg,
                                              const char       *part);
void        qks_test_svg_assert_text       (const QksTestSvg   *svg,
                                            const char         *text);
void        qks_test_svg_assert_text_containing (const QksTestSvg *svg,
                                                 const char       *part);
guint       qks_test_svg_count_fills       (const QksTestSvg   *svg,
                                            const QksPlotColor *color,
                                            double              tolerance);
guint       qks_test_svg_count_strokes     (const QksTestSvg   *svg,
                                            const QksPlotColor *color,
                                            gboolean            dashed,
                                            double              tolerance);
GArray     *qks_test_svg_find_strokes      (const QksTestSvg   *svg,
                                            const QksPlotColor *color,
                                            gboolean            dashed,
                                            double              tolerance);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksTestSvg, qks_test_svg_free)

G_END_DECLS
