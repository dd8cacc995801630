/* qks-plot-angles.c: principal angles between the heads' subspaces: the
 * H × H heatmap and one pair's histogram (SCIENCE.md b.7, c.8)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <math.h>

#include "qks-plot-angles.h"
#include "qks-plot-axes.h"
#include "qks-plot-caption.h"
#include "qks-plot-colormap.h"
#include "qks-plot-text.h"

#define HISTOGRAM_MIN_WIDTH  220.0  /* below this the pair's histogram is left out */
#define MAX_ANNOTATED_HEADS   10    /* values written in the cells up to this many heads */
#define CELL_TEXT_PADDING      3.0
#define OUTLINE_WIDTH          2.0  /* the selected pair's outline, over a halo */
#define DIAGONAL_MIX           0.14 /* the diagonal's grey: this much foreground */
#define SHARED_CELL_OPACITY    0.35 /* cells fixed by construction, washed out */
#define ANGLE_SLACK            1e-9 /* rounding past 0 or π/2 */
#define HISTOGRAM_BAR_GAP      1.0
#define VIRIDIS_DARK_BELOW     0.5  /* cells below this on the map take white text */

/* Shared helpers ---------------------------------------------------------- */

static const char *
subspace_letter (QksPlotSubspace subspace)
{
  switch (subspace)
    {
    case QKS_PLOT_SUBSPACE_Q:
      return "Q";
    case QKS_PLOT_SUBSPACE_V:
      return "V";
    case QKS_PLOT_SUBSPACE_K:
    default:
      return "K";
    }
}

static double
degrees (double radians)
{
  return radians * 180.0 / G_PI;
}

/* Why a set of principal angles cannot be drawn, or NULL. */
static char *
check_angles (const double *angles,
              gsize         n)
{
  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (angles[i]))
        return g_strdup (_("The principal angles include values that are not numbers (NaN or infinite)."));
      if (angles[i] < -ANGLE_SLACK || angles[i] > G_PI / 2.0 + ANGLE_SLACK)
        return g_strdup_printf (_("A principal angle of %.4g lies outside 0 to π/2: the figure takes "
                                "radians, as the diagnostics give them."), angles[i]);
    }
  return NULL;
}

/* Why @data's matrix cannot be drawn, or NULL. */
static char *
check_matrix (const QksPlotAnglesData *data)
{
  gsize n;

  if (data == NULL || data->n_heads == 0 || data->values == NULL)
    return g_strdup (_("No heads to compare yet."));
  if (data->n_heads == 1)
    return g_strdup (_("A single head: principal angles compare two heads or more."));
  n = (gsize) data->n_heads * data->n_heads;
  if (data->n_values != n)
    return g_strdup_printf (_("The matrix holds %zu values where %u heads need %u × %u: "
                              "the data do not match."), data->n_values, data->n_heads, data->n_heads,
                            data->n_heads);
  if (data->quantity == QKS_PLOT_ANGLES_OVERLAP)
    {
      for (gsize i = 0; i < n; i++)
        {
          if (!isfinite (data->values[i]))
            return g_strdup (_("The overlaps include values that are not numbers (NaN or infinite)."));
          if (data->values[i] < -ANGLE_SLACK || data->values[i] > 1.0 + ANGLE_SLACK)
            return g_strdup_printf (_("An overlap of %.4g lies outside 0 to 1."), data->values[i]);
        }
      return NULL;
    }
  if (data->quantity != QKS_PLOT_ANGLES_MEAN_ANGLE)
    return g_strdup (_("The matrix holds an unknown quantity."));
  return check_angles (data->values, n);
}

static gboolean
has_selection (const QksPlotAnglesData *data)
{
  return data->selected_i >= 0 && data->selected_j >= 0 &&
         (guint) data->selected_i < data->n_heads && (guint) data->selected_j < data->n_heads &&
         data->selected_i != data->selected_j;
}

static char *
heatmap_title (const QksPlotAnglesData *data)
{
  const char *letter = data != NULL ? subspace_letter (data->subspace) : "K";
  g_autofree char *base = NULL;

  if (data != NULL && data->title != NULL)
    base = g_strdup (data->title);
  else if (data != NULL && data->quantity == QKS_PLOT_ANGLES_OVERLAP)
    base = g_strdup_printf ("%s subspaces: overlap of heads", letter);
  else
    base = g_strdup_printf ("%s subspaces: mean principal angle", letter);

  if (data == NULL || !isfinite (data->hdi))
    return g_steal_pointer (&base);
  return g_strdup_printf ("%s · HDI %.3f%s", base, data->hdi,
                          data->shared_by_construction ? _(" by construction") : "");
}

static char *
shared_caption (const QksPlotAnglesData *data)
{
  static const char *plural[] = { N_("Queries"), N_("Keys"), N_("Values") };
  static const char *instead[] = {
    N_("The heads’ QK forms (centred Gram) stay informative."),
    N_("The Q subspaces and the heads’ QK forms (centred Gram) stay informative."),
    N_("The heads’ OV forms (centred Gram) stay informative."),
  };
  guint s = data->subspace <= QKS_PLOT_SUBSPACE_V ? data->subspace : QKS_PLOT_SUBSPACE_K;
  g_autofree char *reason = NULL;

  if (data->shared_reason != NULL && *data->shared_reason != '\0')
    reason = g_strdup_printf (" (%s)", data->shared_reason);
  /* Translators: the heads' queries, keys or values; the reason, if any; what stays informative */
  return g_strdup_printf (_("%s share one subspace by construction%s: this is not a finding. %s"),
                          _(plural[s]), reason != NULL ? reason : "", _(instead[s]));
}

/* An opaque grey between the background and the foreground. */
static QksPlotColor
mix (const QksPlotColor *background,
     const QksPlotColor *foreground,
     double              amount)
{
  double a = amount * foreground->alpha;
  QksPlotColor color = {
    background->red * (1.0 - a) + foreground->red * a,
    background->green * (1.0 - a) + foreground->green * a,
    background->blue * (1.0 - a) + foreground->blue * a,
    1.0,
  };

  return color;
}

/* Black or white text on the colour map at @t: viridis grows lighter all
 * along, so one threshold splits the cells the same way for every value
 * (a luminance test flips back and forth around its middle). */
static QksPlotColor
text_color_at (double t)
{
  QksPlotColor black = { 0.0, 0.0, 0.0, 0.85 }, white = { 1.0, 1.0, 1.0, 0.95 };

  return t >= VIRIDIS_DARK_BELOW ? black : white;
}

static double
layout_width (PangoLayout *layout)
{
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  return logical.width / (double) PANGO_SCALE;
}

static double
layout_height (PangoLayout *layout)
{
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  return logical.height / (double) PANGO_SCALE;
}

/* Titles ------------------------------------------------------------------ */

/* The room a title takes above the frame, as the axes give it. */
static double
title_block_height (const QksPlotTheme *theme,
                    cairo_t            *cr)
{
  g_autoptr(PangoLayout) layout = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_TITLE, "0");

  return ceil (layout_height (layout) + 1.5 * theme->spacing);
}

/* A title at @x, moved left as far as @min_x to fit before @max_x, and
 * ellipsized only if it still does not. */
static void
draw_title (const QksPlotTheme *theme,
            cairo_t            *cr,
            const char         *text,
            double              x,
            double              min_x,
            double              max_x)
{
  g_autoptr(PangoLayout) layout = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_TITLE, text);
  double width = layout_width (layout);

  x = MAX (min_x, MIN (x, max_x - width));
  pango_layout_set_width (layout, (int) (MAX (max_x - x, 1.0) * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  qks_plot_show_layout (theme, cr, layout, &theme->foreground, round (x), theme->padding, 0.0, 0.0);
}

/* The heatmap ------------------------------------------------------------- */

typedef struct
{
  double x0, y0, x1, y1;
} Cell;

static QksPlotAxes *
heatmap_axes_new (const QksPlotTheme       *theme,
                  const QksPlotAnglesData  *data,
                  double                    width,
                  double                    height,
                  cairo_t                  *cr,
                  GError                  **error)
{
  g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (theme, width, height);
  g_autoptr(GPtrArray) heads = g_ptr_array_new_with_free_func (g_free);
  guint H = data->n_heads;

  for (guint h = 0; h < H; h++)
    g_ptr_array_add (heads, g_strdup_printf ("%u", h));
  /* Row 0 at the top: y categories read top down. */
  qks_plot_axes_set_x_categories (axes, (const char *const *) heads->pdata, H, _("Head"));
  qks_plot_axes_set_y_categories (axes, (const char *const *) heads->pdata, H, _("Head"));
  if (data->quantity == QKS_PLOT_ANGLES_OVERLAP)
    qks_plot_axes_set_colorbar (axes, QKS_PLOT_COLORMAP_VIRIDIS, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR,
                                _("Overlap (mean cos²)"));
  else
    {
      qks_plot_axes_set_colorbar (axes, QKS_PLOT_COLORMAP_VIRIDIS, 0.0, 90.0, QKS_PLOT_SCALE_LINEAR,
                                  _("Mean angle (°)"));
      qks_plot_axes_set_colorbar_tick_unit (axes, 15.0);
    }
  if (!qks_plot_axes_layout (axes, cr, error))
    return NULL;
  return g_steal_pointer (&axes);
}

/* Lays the heatmap out in at most @width × @height with square cells; the
 * width it takes comes back in @used_width. */
static QksPlotAxes *
heatmap_axes_fit (const QksPlotTheme       *theme,
                  const QksPlotAnglesData  *data,
                  double                    width,
                  double                    height,
                  cairo_t                  *cr,
                  double                   *used_width,
                  GError                  **error)
{
  g_autoptr(QksPlotAxes) axes = NULL;

  for (guint round = 0; round < 4; round++)
    {
      QksPlotRect frame;

      g_clear_pointer (&axes, qks_plot_axes_free);
      axes = heatmap_axes_new (theme, data, width, height, cr, error);
      if (axes == NULL)
        return NULL;
      qks_plot_axes_get_frame (axes, &frame);
      if (fabs (frame.width - frame.height) < 1.0)
        break;
      if (frame.width > frame.height)
        width = ceil (width - (frame.width - frame.height));
      else
        height = ceil (height - (frame.height - frame.width));
    }
  *used_width = width;
  return g_steal_pointer (&axes);
}

static Cell
cell_at (const QksPlotAxes *axes,
         guint              row,
         guint              column)
{
  Cell cell = {
    round (qks_plot_axes_x_to_device (axes, column - 0.5)),
    round (qks_plot_axes_y_to_device (axes, row - 0.5)),
    round (qks_plot_axes_x_to_device (axes, column + 0.5)),
    round (qks_plot_axes_y_to_device (axes, row + 0.5)),
  };

  return cell;
}

static double
display_value (const QksPlotAnglesData *data,
               double                   value)
{
  return data->quantity == QKS_PLOT_ANGLES_OVERLAP ? CLAMP (value, 0.0, 1.0)
                                                   : CLAMP (degrees (value), 0.0, 90.0);
}

static char *
format_value (const QksPlotAnglesData *data,
              double                   value)
{
  if (data->quantity == QKS_PLOT_ANGLES_OVERLAP)
    return g_strdup_printf ("%.2f", display_value (data, value));
  return g_strdup_printf ("%.0f", display_value (data, value));
}

/* Whether the values fit in the cells: then they are written there. */
static gboolean
cells_fit_text (const QksPlotTheme      *theme,
                cairo_t                 *cr,
                const QksPlotAnglesData *data,
                const Cell              *cell)
{
  g_autoptr(PangoLayout) layout = NULL;

  if (data->n_heads > MAX_ANNOTATED_HEADS || data->shared_by_construction)
    return FALSE;
  layout = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_SMALL,
                                         data->quantity == QKS_PLOT_ANGLES_OVERLAP ? "0.00" : "90");
  return layout_width (layout) + 2.0 * CELL_TEXT_PADDING <= cell->x1 - cell->x0 &&
         layout_height (layout) + CELL_TEXT_PADDING <= cell->y1 - cell->y0;
}

static void
outline_cell (const QksPlotTheme *theme,
              cairo_t            *cr,
              const Cell         *cell)
{
  double inset = OUTLINE_WIDTH;

  cairo_save (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_MITER);
  /* A halo in the background colour under the outline: it reads on the
   * darkest and the lightest cell alike. */
  cairo_rectangle (cr, cell->x0 + inset / 2.0, cell->y0 + inset / 2.0,
                   cell->x1 - cell->x0 - inset, cell->y1 - cell->y0 - inset);
  qks_plot_set_source_color (cr, &theme->background);
  cairo_set_line_width (cr, 2.0 * OUTLINE_WIDTH);
  cairo_stroke_preserve (cr);
  qks_plot_set_source_color (cr, &theme->foreground);
  cairo_set_line_width (cr, OUTLINE_WIDTH);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_heatmap (cairo_t                 *cr,
              const QksPlotTheme      *theme,
              const QksPlotAnglesData *data,
              const QksPlotAxes       *axes)
{
  QksPlotColor diagonal = mix (&theme->background, &theme->foreground, DIAGONAL_MIX);
  guint H = data->n_heads;
  Cell corner = cell_at (axes, 0, 0);
  gboolean annotate = cells_fit_text (theme, cr, data, &corner);

  /* Every cell is its own fill: an exported SVG has one path per cell. */
  cairo_save (cr);
  for (guint i = 0; i < H; i++)
    for (guint j = 0; j < H; j++)
      {
        Cell cell = cell_at (axes, i, j);
        double value = data->values[(gsize) i * H + j];
        QksPlotColor color;

        if (i == j)
          color = diagonal;
        else
          {
            color = qks_plot_axes_colorbar_color (axes, display_value (data, value));
            if (data->shared_by_construction)
              color = qks_plot_color_with_alpha (&color, SHARED_CELL_OPACITY);
          }
        qks_plot_set_source_color (cr, &color);
        cairo_rectangle (cr, cell.x0, cell.y0, cell.x1 - cell.x0, cell.y1 - cell.y0);
        cairo_fill (cr);

        if (annotate && i != j)
          {
            g_autofree char *text = format_value (data, value);
            g_autoptr(PangoLayout) layout = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_SMALL, text);
            double t = data->quantity == QKS_PLOT_ANGLES_OVERLAP ? display_value (data, value)
                                                                : display_value (data, value) / 90.0;
            QksPlotColor ink = text_color_at (t);

            qks_plot_show_layout (theme, cr, layout, &ink, (cell.x0 + cell.x1) / 2.0,
                                  (cell.y0 + cell.y1) / 2.0, 0.5, 0.5);
          }
      }
  cairo_restore (cr);

  if (has_selection (data))
    {
      Cell a = cell_at (axes, (guint) data->selected_i, (guint) data->selected_j);
      Cell b = cell_at (axes, (guint) data->selected_j, (guint) data->selected_i);

      outline_cell (theme, cr, &a);
      outline_cell (theme, cr, &b);
    }

  qks_plot_axes_draw_frame (axes, cr);
  qks_plot_axes_draw_colorbar (axes, cr);
}

/* The histogram ----------------------------------------------------------- */

static char *
histogram_title (const QksPlotAngleHistogramData *data)
{
  if (data != NULL && data->title != NULL)
    return g_strdup (data->title);
  if (data == NULL)
    return g_strdup (_("Principal angles of a pair of heads"));
  return g_strdup_printf (_("Principal angles of heads %u and %u · %s"), data->head_i, data->head_j,
                          subspace_letter (data->subspace));
}

static char *
check_histogram (const QksPlotAngleHistogramData *data)
{
  if (data == NULL || data->angles == NULL || data->n_angles == 0)
    return g_strdup (_("No principal angles for this pair of heads."));
  if (data->head_i == data->head_j)
    return g_strdup_printf (_("Heads %u and %u are one head: a pair needs two."), data->head_i, data->head_j);
  return check_angles (data->angles, data->n_angles);
}

static QksPlotAxes *
histogram_axes_new (const QksPlotTheme  *theme,
                    const char          *title,
                    double               width,
                    double               height,
                    double               y_max,
                    const char          *y_label,
                    cairo_t             *cr,
                    GError             **error)
{
  g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (theme, width, height);

  qks_plot_axes_set_title (axes, title);
  qks_plot_axes_set_x (axes, 0.0, 90.0, QKS_PLOT_SCALE_LINEAR, _("Principal angle (°)"));
  qks_plot_axes_set_x_tick_unit (axes, 15.0);
  qks_plot_axes_set_y (axes, 0.0, y_max, QKS_PLOT_SCALE_LINEAR, y_label);
  if (!qks_plot_axes_layout (axes, cr, error))
    return NULL;
  return g_steal_pointer (&axes);
}

/* The histogram in @width × @height; @title (nullable) above it. */
static void
draw_histogram_panel (cairo_t                         *cr,
                      double                           width,
                      double                           height,
                      const QksPlotTheme              *theme,
                      const QksPlotAngleHistogramData *data,
                      const char                      *title)
{
  static const double dashes[] = { 6.0, 3.0 };
  g_autofree char *problem = check_histogram (data);
  g_autofree char *y_label = NULL;
  g_autofree char *mean_text = NULL;
  g_autofree guint *counts = NULL;
  g_autoptr(QksPlotAxes) axes = NULL;
  g_autoptr(PangoLayout) layout = NULL;
  g_autoptr(GError) error = NULL;
  QksPlotColor bar_color, mean_color;
  QksPlotRect frame;
  guint n_bins, max_count = 0;
  double bin_width, mean = 0.0, y_max, mean_x;
  gboolean label_left;

  if (problem != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, problem);
      return;
    }

  /* 5° bins when there are angles enough to fill them, else 10°. */
  n_bins = data->n_angles >= 16 ? 18 : 9;
  bin_width = 90.0 / n_bins;
  counts = g_new0 (guint, n_bins);
  for (guint i = 0; i < data->n_angles; i++)
    {
      double angle = CLAMP (degrees (data->angles[i]), 0.0, 90.0);
      guint bin = MIN ((guint) (angle / bin_width), n_bins - 1);

      counts[bin]++;
      mean += angle;
    }
  mean /= data->n_angles;
  for (guint b = 0; b < n_bins; b++)
    max_count = MAX (max_count, counts[b]);

  /* Counts are whole: widen the range until the ticks are too. Room above
   * the tallest bar holds the mean's label. */
  y_label = g_strdup_printf (_("Count (of %u)"), data->n_angles);
  y_max = MAX (5.0, ceil (max_count * 1.2));
  for (guint round = 0; round < 8; round++)
    {
      g_clear_pointer (&axes, qks_plot_axes_free);
      axes = histogram_axes_new (theme, title, width, height, y_max, y_label, cr, &error);
      if (axes == NULL || qks_plot_axes_get_y_ticks (axes)->step >= 1.0)
        break;
      y_max *= 2.0;
    }
  if (axes == NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, error->message);
      return;
    }
  qks_plot_axes_get_frame (axes, &frame);
  qks_plot_axes_draw_grid (axes, cr);

  bar_color = qks_plot_palette_color (0, theme->dark);
  mean_color = qks_plot_palette_color (3, theme->dark);
  cairo_save (cr);
  qks_plot_axes_clip (axes, cr);
  for (guint b = 0; b < n_bins; b++)
    {
      double x0 = round (qks_plot_axes_x_to_device (axes, b * bin_width));
      double x1 = round (qks_plot_axes_x_to_device (axes, (b + 1) * bin_width));
      double y0 = round (qks_plot_axes_y_to_device (axes, counts[b]));
      double y1 = round (qks_plot_axes_y_to_device (axes, 0.0));
      double gap = x1 - x0 >= 4.0 * HISTOGRAM_BAR_GAP ? HISTOGRAM_BAR_GAP : 0.0;

      if (counts[b] == 0)
        continue;
      qks_plot_set_source_color (cr, &bar_color);
      cairo_rectangle (cr, x0 + gap / 2.0, y0, x1 - x0 - gap, y1 - y0);
      cairo_fill (cr);
    }

  /* The mean: the value the heatmap shows for the pair. */
  mean_x = qks_plot_theme_snap (theme, cr, qks_plot_axes_x_to_device (axes, mean), theme->line_width);
  qks_plot_set_source_color (cr, &mean_color);
  cairo_set_line_width (cr, theme->line_width);
  cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0.0);
  cairo_move_to (cr, mean_x, frame.y);
  cairo_line_to (cr, mean_x, frame.y + frame.height);
  cairo_stroke (cr);
  cairo_restore (cr);

  /* Labelled at the top, on the side with more room. */
  mean_text = g_strdup_printf (_("mean %.1f°"), mean);
  layout = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_SMALL, mean_text);
  label_left = mean_x > frame.x + frame.width / 2.0;
  qks_plot_show_layout (theme, cr, layout, &theme->foreground,
                        mean_x + (label_left ? -1.0 : 1.0) * theme->spacing, frame.y + theme->spacing / 2.0,
                        label_left ? 1.0 : 0.0, 0.0);

  qks_plot_axes_draw_frame (axes, cr);
}

/* Public ------------------------------------------------------------------ */

/* Where the parts of the figure go: what the drawing and the tooltips
 * share. */
typedef struct
{
  char                *caption;
  QksPlotCaptionStyle  style;
  double               caption_width;
  double               caption_height;
  double               top;              /* of both panels, below the titles */
  double               panel_height;
  double               left;             /* of the heatmap */
  double               used_width;       /* by the heatmap, with square cells */
  double               histogram_width;  /* 0 without a selected pair */
  QksPlotAxes         *axes;             /* the heatmap's, from (left, top) */
} AnglesLayout;

static void
angles_layout_clear (AnglesLayout *layout)
{
  g_clear_pointer (&layout->caption, g_free);
  g_clear_pointer (&layout->axes, qks_plot_axes_free);
}

static gboolean
lay_out (cairo_t                 *cr,
         double                   width,
         double                   height,
         const QksPlotTheme      *theme,
         const QksPlotAnglesData *data,
         AnglesLayout            *layout,
         GError                 **error)
{
  double heatmap_width;

  if (data->shared_by_construction)
    {
      layout->caption = shared_caption (data);
      layout->style = QKS_PLOT_CAPTION_WARNING;
    }
  else
    {
      layout->caption = g_strdup (_("Grey diagonal: each head with itself. HDI = 1 − mean cos² of the principal "
                                    "angles over pairs of heads."));
      layout->style = QKS_PLOT_CAPTION_NOTE;
    }
  layout->caption_width = width - 2.0 * theme->padding;
  layout->caption_height = 0.0;
  if (layout->caption_width > 0.0)
    layout->caption_height = qks_plot_caption_height (theme, cr, layout->style, layout->caption,
                                                      layout->caption_width);
  /* A caption that would leave the figure no room is dropped, not squeezed. */
  if (layout->caption_height > height / 3.0)
    layout->caption_height = 0.0;

  /* The titles go in a row above both panels; the panels are frames. */
  layout->top = title_block_height (theme, cr);
  layout->panel_height = height - layout->top -
                         (layout->caption_height > 0.0 ? layout->caption_height + theme->padding : 0.0);

  layout->histogram_width = 0.0;
  if (has_selection (data) && width >= 2.0 * HISTOGRAM_MIN_WIDTH)
    layout->histogram_width = HISTOGRAM_MIN_WIDTH;
  heatmap_width = width - layout->histogram_width;
  layout->axes = heatmap_axes_fit (theme, data, heatmap_width, layout->panel_height, cr, &layout->used_width, error);
  if (layout->axes == NULL)
    return FALSE;

  /* Alone, the heatmap is centred; with a histogram, the histogram takes
   * the width the square cells leave, up to half the figure. */
  if (layout->histogram_width > 0.0)
    {
      layout->histogram_width = MIN (width - layout->used_width, MAX (HISTOGRAM_MIN_WIDTH, width / 2.0));
      layout->left = floor ((width - layout->used_width - layout->histogram_width) / 2.0);
    }
  else
    layout->left = floor ((width - layout->used_width) / 2.0);
  return TRUE;
}

/**
 * qks_plot_angles_draw:
 * @data: (nullable): malformed data draws an empty state that says what is
 *   wrong
 *
 * The heatmap of every pair of heads, with the histogram of the selected
 * pair beside it when there is one, and a caption under both.
 */
void
qks_plot_angles_draw (cairo_t                 *cr,
                      double                   width,
                      double                   height,
                      const QksPlotTheme      *theme,
                      const QksPlotAnglesData *data)
{
  g_autofree char *title = heatmap_title (data);
  g_autofree char *problem = check_matrix (data);
  g_autoptr(GError) error = NULL;
  AnglesLayout layout = { 0 };

  qks_plot_draw_background (cr, width, height, theme);
  if (problem != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, problem);
      return;
    }
  if (!lay_out (cr, width, height, theme, data, &layout, &error))
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, error->message);
      angles_layout_clear (&layout);
      return;
    }

  draw_title (theme, cr, title, layout.left + theme->padding, theme->padding,
              layout.histogram_width > 0.0 ? layout.left + layout.used_width - theme->spacing
                                           : width - theme->padding);
  cairo_save (cr);
  cairo_translate (cr, layout.left, layout.top);
  draw_heatmap (cr, theme, data, layout.axes);
  cairo_restore (cr);

  if (layout.histogram_width > 0.0)
    {
      QksPlotAngleHistogramData pair = {
        data->pair_angles,
        data->n_pair_angles,
        (guint) data->selected_i,
        (guint) data->selected_j,
        data->subspace,
        NULL,
      };
      g_autofree char *pair_title = g_strdup_printf (_("Heads %d and %d"), data->selected_i, data->selected_j);
      double histogram_left = layout.left + layout.used_width;

      draw_title (theme, cr, pair_title, histogram_left + theme->padding, histogram_left + theme->padding,
                  width - theme->padding);
      cairo_save (cr);
      cairo_translate (cr, histogram_left, layout.top);
      draw_histogram_panel (cr, layout.histogram_width, layout.panel_height, theme, &pair, NULL);
      cairo_restore (cr);
    }

  if (layout.caption_height > 0.0)
    qks_plot_caption_draw (theme, cr, layout.style, layout.caption, theme->padding,
                           height - theme->padding - layout.caption_height, layout.caption_width);
  angles_layout_clear (&layout);
}

/**
 * qks_plot_angles_query:
 *
 * Returns: (transfer full) (nullable): for a tooltip, the pair of heads
 *   under (@x, @y) in the heatmap and its value; NULL elsewhere.
 */
char *
qks_plot_angles_query (cairo_t                 *cr,
                       double                   width,
                       double                   height,
                       const QksPlotTheme      *theme,
                       const QksPlotAnglesData *data,
                       double                   x,
                       double                   y)
{
  g_autofree char *problem = check_matrix (data);
  AnglesLayout layout = { 0 };
  char *text = NULL;

  if (problem != NULL || !lay_out (cr, width, height, theme, data, &layout, NULL))
    {
      angles_layout_clear (&layout);
      return NULL;
    }
  x -= layout.left;
  y -= layout.top;
  for (guint row = 0; row < data->n_heads && text == NULL; row++)
    for (guint column = 0; column < data->n_heads && text == NULL; column++)
      {
        Cell cell = cell_at (layout.axes, row, column);
        double value = data->values[(gsize) row * data->n_heads + column];

        if (x < cell.x0 || x >= cell.x1 || y < cell.y0 || y >= cell.y1)
          continue;
        if (row == column)
          text = g_strdup_printf (_("Head %u with itself"), row);
        else if (data->quantity == QKS_PLOT_ANGLES_OVERLAP)
          text = g_strdup_printf (_("Heads %u and %u\nOverlap (mean cos²) %.4f"), row, column,
                                  display_value (data, value));
        else
          text = g_strdup_printf (_("Heads %u and %u\nMean principal angle %.2f°"), row, column,
                                  display_value (data, value));
      }
  angles_layout_clear (&layout);
  return text;
}

/**
 * qks_plot_angle_histogram_draw:
 * @data: (nullable): one pair's principal angles
 *
 * The histogram of one pair of heads' principal angles in degrees, 0–90°
 * in 5° bins (10° for fewer than 16 angles), with their mean marked: the
 * value the heatmap shows for the pair.
 */
void
qks_plot_angle_histogram_draw (cairo_t                         *cr,
                               double                           width,
                               double                           height,
                               const QksPlotTheme              *theme,
                               const QksPlotAngleHistogramData *data)
{
  g_autofree char *title = histogram_title (data);

  qks_plot_draw_background (cr, width, height, theme);
  draw_histogram_panel (cr, width, height, theme, data, title);
}
