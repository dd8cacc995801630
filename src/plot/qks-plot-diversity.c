/* qks-plot-diversity.c: head diversity: the scree and cumulative variance
 * explained of the centred Gram, and effective rank per layer (SCIENCE.md
 * b.7, c.7)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <math.h>

#include "qks-plot-axes.h"
#include "qks-plot-caption.h"
#include "qks-plot-colormap.h"
#include "qks-plot-diversity.h"
#include "qks-plot-text.h"

#define FRACTION_SLACK   1e-9   /* rounding past 0 or 1, or a dip in a cumulative sum */
#define PERCENT_SLACK    1e-6
#define Y_TOP          104.0    /* room above 100 % for the line and its markers */
#define BAR_WIDTH        0.7    /* of a component's band */
#define GROUP_WIDTH      0.8    /* of a layer's band, for its two bars */
#define BAR_TINT         0.45   /* a component's bar: this much of the line's colour */
#define MARKER_RADIUS    3.0
#define RING_RADIUS      6.0    /* k₉₀ and k₉₅ on the curve */
#define GUIDE_GAP        4.0    /* frame → a guide's label */
#define BAR_CLEAR        4.0    /* % : lower parts of bars may go under the legend */

static const double guide_dashes[] = { 4.0, 3.0 };
static const double drop_dashes[] = { 1.5, 2.5 };

/* Shared helpers ---------------------------------------------------------- */

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

/* An opaque colour between the background and @color. */
static QksPlotColor
tint (const QksPlotColor *background,
      const QksPlotColor *color,
      double              amount)
{
  double a = amount * color->alpha;
  QksPlotColor result = {
    background->red * (1.0 - a) + color->red * a,
    background->green * (1.0 - a) + color->green * a,
    background->blue * (1.0 - a) + color->blue * a,
    1.0,
  };

  return result;
}

/* Black or white text, whichever reads on @color. */
static QksPlotColor
text_color_on (const QksPlotColor *color)
{
  double luminance = 0.2126 * color->red + 0.7152 * color->green + 0.0722 * color->blue;
  QksPlotColor black = { 0.0, 0.0, 0.0, 0.85 }, white = { 1.0, 1.0, 1.0, 0.95 };

  return luminance > 0.5 ? black : white;
}

static void
draw_marker (cairo_t            *cr,
             const QksPlotTheme *theme,
             const QksPlotColor *color,
             double              x,
             double              y,
             double              radius)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x, y, radius, 0.0, 2.0 * G_PI);
  qks_plot_set_source_color (cr, &theme->background);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke_preserve (cr);
  qks_plot_set_source_color (cr, color);
  cairo_fill (cr);
}

static void
draw_ring (cairo_t            *cr,
           const QksPlotTheme *theme,
           const QksPlotColor *color,
           double              x,
           double              y)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x, y, RING_RADIUS, 0.0, 2.0 * G_PI);
  qks_plot_set_source_color (cr, &theme->background);
  cairo_set_line_width (cr, 4.0);
  cairo_stroke_preserve (cr);
  qks_plot_set_source_color (cr, color);
  cairo_set_line_width (cr, 1.75);
  cairo_stroke (cr);
}

/* A point for the legend to avoid, if it stands at least @clear above the
 * axis (a bar's lowest part hides under the legend's inset anyway). */
static void
add_point (GArray *xs,
           GArray *ys,
           double  x,
           double  y,
           double  clear)
{
  if (y < clear)
    return;
  g_array_append_val (xs, x);
  g_array_append_val (ys, y);
}

static gboolean
percent_ok (double value)
{
  return value >= -PERCENT_SLACK && value <= 100.0 + PERCENT_SLACK;
}

/* The scree and cumulative curves ----------------------------------------- */

/* The smallest k whose cumulative share reaches @level, as the diagnostics
 * count it (with the same slack for a sum that should be exact). */
static guint
components_for (const QksPlotDiversitySeries *series,
                double                        level)
{
  for (guint k = 0; k + 1 < series->n_components; k++)
    if (series->cumulative[k] >= level - 1e-12)
      return k + 1;
  return series->n_components - 1;
}

static gboolean
has_no_variance (const QksPlotDiversitySeries *series)
{
  return isfinite (series->effective_rank_percent) && series->effective_rank_percent <= 0.0;
}

static double
share (const QksPlotDiversitySeries *series,
       guint                         k)
{
  return MAX (0.0, series->cumulative[k] - (k > 0 ? series->cumulative[k - 1] : 0.0));
}

static char *
check_series (const QksPlotDiversitySeries *series,
              guint                         index,
              guint                         n_series)
{
  g_autofree char *which = NULL;

  if (n_series == 1)
    which = g_strdup ("");
  else if (series->label != NULL)
    which = g_strdup_printf ("%s: ", series->label);
  else
    which = g_strdup_printf (_("Run %u: "), index + 1);

  if (series->cumulative == NULL || series->n_components == 0)
    return g_strdup_printf ("%sno variance explained to draw.", which);
  if (series->n_components == 1)
    return g_strdup_printf ("%sa single head: head diversity compares two heads or more.", which);
  for (guint k = 0; k < series->n_components; k++)
    {
      double value = series->cumulative[k];

      if (!isfinite (value))
        return g_strdup_printf ("%sthe variance explained includes values that are not numbers (NaN or infinite).",
                                which);
      if (value < -FRACTION_SLACK || value > 1.0 + FRACTION_SLACK)
        return g_strdup_printf ("%sa cumulative share of %.4g lies outside 0 to 1.", which, value);
      if (k > 0 && value < series->cumulative[k - 1] - FRACTION_SLACK)
        return g_strdup_printf ("%sthe cumulative share falls at component %u: it must rise to 1.", which, k + 1);
    }
  if (!isnan (series->effective_rank_percent) && !percent_ok (series->effective_rank_percent))
    return g_strdup_printf ("%san effective rank of %.4g %% lies outside 0 to 100 %%.", which,
                            series->effective_rank_percent);
  return NULL;
}

static char *
check_diversity (const QksPlotDiversityData *data)
{
  if (data == NULL || data->n_series == 0 || data->series == NULL)
    return g_strdup (_("No head-diversity results yet."));
  if (data->n_series > QKS_PLOT_DIVERSITY_MAX_SERIES)
    return g_strdup_printf ("%u runs were given: at most %u can be overlaid.", data->n_series,
                            QKS_PLOT_DIVERSITY_MAX_SERIES);
  for (guint s = 0; s < data->n_series; s++)
    {
      char *problem = check_series (&data->series[s], s, data->n_series);

      if (problem != NULL)
        {
          /* Sentence case for a message that starts the text. */
          if (data->n_series == 1)
            problem[0] = g_ascii_toupper (problem[0]);
          return problem;
        }
    }
  return NULL;
}

static char *
diversity_title (const QksPlotDiversityData *data)
{
  if (data != NULL && data->title != NULL)
    return g_strdup (data->title);
  if (data != NULL && data->form != NULL)
    return g_strdup_printf (_("Head diversity · %s forms"), data->form);
  return g_strdup (_("Head diversity"));
}

/* "MHA, effective rank 93.4 %"; in short beside the frame, "93.4 % · MHA". */
static char *
series_legend (const QksPlotDiversitySeries *series,
               gboolean                      alone,
               gboolean                      compact)
{
  g_autofree char *name = NULL;
  g_autofree char *erank = NULL;

  if (alone)
    name = g_strdup_printf ("%s%scumulative", series->label != NULL ? series->label : "",
                            series->label != NULL ? ": " : "");
  else
    name = g_strdup (series->label != NULL ? series->label : "");

  if (compact && isfinite (series->effective_rank_percent))
    erank = g_strdup_printf ("%.1f %%", series->effective_rank_percent);
  else if (isfinite (series->effective_rank_percent))
    erank = g_strdup_printf (_("effective rank %.1f %%"), series->effective_rank_percent);
  else
    erank = g_strdup_printf ("k₉₀ = %u", components_for (series, 0.90));

  if (*name == '\0')
    return g_steal_pointer (&erank);
  /* Short, the number first: if the room runs out, the name is cut. */
  if (compact)
    return g_strdup_printf ("%s · %s", erank, name);
  return g_strdup_printf ("%s, %s", name, erank);
}

/* The guides' legend entry when they cannot be labelled beside the frame. */
static char *
guides_legend (const QksPlotDiversityData *data)
{
  const QksPlotDiversitySeries *first = &data->series[0];

  if (data->n_series == 1 && !has_no_variance (first))
    return g_strdup_printf ("90 %%, 95 %%: k₉₀ = %u, k₉₅ = %u", components_for (first, 0.90),
                            components_for (first, 0.95));
  return g_strdup ("90 %, 95 %");
}

/* The guides' labels right of the frame: "90 % · k₉₀ = 10" with one run. */
static char *
guide_label (const QksPlotDiversityData *data,
             double                      level)
{
  const char *subscript = level < 0.925 ? "₉₀" : "₉₅";

  if (data->n_series == 1 && !has_no_variance (&data->series[0]))
    return g_strdup_printf ("%.0f %% · k%s = %u", 100.0 * level, subscript,
                            components_for (&data->series[0], level));
  return g_strdup_printf ("%.0f %%", 100.0 * level);
}

static double
guide_labels_width (const QksPlotTheme         *theme,
                    cairo_t                    *cr,
                    const QksPlotDiversityData *data)
{
  double widest = 0.0;

  for (guint g = 0; g < 2; g++)
    {
      g_autofree char *text = guide_label (data, g == 0 ? 0.90 : 0.95);
      g_autoptr(PangoLayout) layout = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_SMALL, text);

      widest = MAX (widest, layout_width (layout));
    }
  return ceil (widest + GUIDE_GAP);
}

/* The guides, labelled right of the frame unless @labelled is FALSE (the
 * legend names them then). */
static void
draw_guides (const QksPlotTheme         *theme,
             cairo_t                    *cr,
             const QksPlotAxes          *axes,
             const QksPlotDiversityData *data,
             gboolean                    labelled)
{
  QksPlotRect frame;
  double y90, y95, label_y90, label_y95, line_height;

  qks_plot_axes_get_frame (axes, &frame);
  y90 = qks_plot_theme_snap (theme, cr, qks_plot_axes_y_to_device (axes, 90.0), theme->axis_line_width);
  y95 = qks_plot_theme_snap (theme, cr, qks_plot_axes_y_to_device (axes, 95.0), theme->axis_line_width);

  cairo_save (cr);
  qks_plot_set_source_color (cr, &theme->muted);
  cairo_set_line_width (cr, theme->axis_line_width);
  cairo_set_dash (cr, guide_dashes, G_N_ELEMENTS (guide_dashes), 0.0);
  for (guint g = 0; g < 2; g++)
    {
      cairo_move_to (cr, frame.x, g == 0 ? y90 : y95);
      cairo_line_to (cr, frame.x + frame.width, g == 0 ? y90 : y95);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
  if (!labelled)
    return;

  /* Labels centred on their lines, pushed apart when they would touch. */
  {
    g_autoptr(PangoLayout) probe = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_SMALL, "9");

    line_height = layout_height (probe);
  }
  label_y90 = y90;
  label_y95 = y95;
  if (label_y90 - label_y95 < line_height)
    {
      double push = (line_height - (label_y90 - label_y95)) / 2.0;

      label_y90 += push;
      label_y95 -= push;
    }
  for (guint g = 0; g < 2; g++)
    {
      g_autofree char *text = guide_label (data, g == 0 ? 0.90 : 0.95);
      g_autoptr(PangoLayout) layout = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_SMALL, text);

      qks_plot_show_layout (theme, cr, layout, &theme->muted, frame.x + frame.width + GUIDE_GAP,
                            g == 0 ? label_y90 : label_y95, 0.0, 0.5);
    }
}

static void
draw_cumulative (const QksPlotTheme           *theme,
                 cairo_t                      *cr,
                 const QksPlotAxes            *axes,
                 const QksPlotDiversitySeries *series,
                 const QksPlotColor           *color)
{
  guint n = series->n_components - 1;

  cairo_save (cr);
  cairo_set_line_width (cr, theme->line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  qks_plot_set_source_color (cr, color);
  cairo_new_path (cr);
  for (guint k = 0; k < n; k++)
    cairo_line_to (cr, qks_plot_axes_x_to_device (axes, k), qks_plot_axes_y_to_device (axes, 100.0 * series->cumulative[k]));
  cairo_stroke (cr);
  for (guint k = 0; k < n; k++)
    draw_marker (cr, theme, color, qks_plot_axes_x_to_device (axes, k),
                 qks_plot_axes_y_to_device (axes, 100.0 * series->cumulative[k]), MARKER_RADIUS);
  cairo_restore (cr);
}

/* Rings on the curve at k₉₀ and k₉₅, with a dotted drop to the axis when
 * there is one curve. */
static void
draw_k_marks (const QksPlotTheme           *theme,
              cairo_t                      *cr,
              const QksPlotAxes            *axes,
              const QksPlotDiversitySeries *series,
              const QksPlotColor           *color,
              gboolean                      drop)
{
  cairo_save (cr);
  for (guint g = 0; g < 2; g++)
    {
      guint k = components_for (series, g == 0 ? 0.90 : 0.95);
      double x = qks_plot_axes_x_to_device (axes, k - 1.0);
      double y = qks_plot_axes_y_to_device (axes, 100.0 * series->cumulative[k - 1]);

      if (drop)
        {
          double snapped = qks_plot_theme_snap (theme, cr, x, theme->axis_line_width);

          qks_plot_set_source_color (cr, &theme->muted);
          cairo_set_line_width (cr, theme->axis_line_width);
          cairo_set_dash (cr, drop_dashes, G_N_ELEMENTS (drop_dashes), 0.0);
          cairo_move_to (cr, snapped, y + RING_RADIUS);
          cairo_line_to (cr, snapped, qks_plot_axes_y_to_device (axes, 0.0));
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0.0);
        }
      draw_ring (cr, theme, color, x, y);
    }
  cairo_restore (cr);
}

/* What the drawing and the tooltips share: the captions, the legend and
 * the axes laid out with them. */
typedef struct
{
  QksPlotAxes        *axes;
  GPtrArray          *categories, *labels;
  GArray             *avoid_x, *avoid_y;
  GString            *warning;
  char               *note;
  QksPlotLegendEntry  entries[QKS_PLOT_DIVERSITY_MAX_SERIES + 2];
  guint               n_entries, n_max;
  gboolean            alone, outside;
  double              caption_width, warning_height, note_height, guide_width, plot_height;
} DiversityLayout;

static void
diversity_layout_clear (DiversityLayout *L)
{
  g_clear_pointer (&L->axes, qks_plot_axes_free);
  g_clear_pointer (&L->categories, g_ptr_array_unref);
  g_clear_pointer (&L->labels, g_ptr_array_unref);
  g_clear_pointer (&L->avoid_x, g_array_unref);
  g_clear_pointer (&L->avoid_y, g_array_unref);
  if (L->warning != NULL)
    g_string_free (g_steal_pointer (&L->warning), TRUE);
  g_clear_pointer (&L->note, g_free);
}

/* FALSE with @error set when the figure leaves no room. */
static gboolean
lay_out (cairo_t                    *cr,
         double                      width,
         double                      height,
         const QksPlotTheme         *theme,
         const QksPlotDiversityData *data,
         const char                 *title,
         DiversityLayout            *L,
         GError                    **error)
{
  L->plot_height = height;
  L->alone = data->n_series == 1;

  for (guint s = 0; s < data->n_series; s++)
    L->n_max = MAX (L->n_max, data->series[s].n_components - 1);
  L->categories = g_ptr_array_new_with_free_func (g_free);
  for (guint k = 0; k < L->n_max; k++)
    g_ptr_array_add (L->categories, g_strdup_printf ("%u", k + 1));

  /* Heads with identical forms have nothing to explain. */
  for (guint s = 0; s < data->n_series; s++)
    if (has_no_variance (&data->series[s]))
      {
        const char *label = data->series[s].label;

        if (L->warning == NULL)
          L->warning = g_string_new (NULL);
        else
          g_string_append_c (L->warning, ' ');
        if (label != NULL)
          g_string_append_printf (L->warning, _("%s: the heads’ forms are identical, with no variance between them "
                                    "to explain (effective rank 0 %%)."), label);
        else
          g_string_append (L->warning, _("The heads’ forms are identical: there is no variance between them to "
                           "explain (effective rank 0 %)."));
      }
  L->caption_width = MAX (width - 2.0 * theme->padding, 1.0);
  if (L->warning != NULL)
    L->warning_height = qks_plot_caption_height (theme, cr, QKS_PLOT_CAPTION_WARNING, L->warning->str, L->caption_width);
  if (L->warning_height > height / 3.0)
    L->warning_height = 0.0;

  /* What the legend must not cover: the bars that stand clear of the
   * axis, the lines and the points between them. (The dotted drops from
   * k₉₀ and k₉₅ may go under it: the rings on the curve still show k.) */
  L->avoid_x = g_array_new (FALSE, FALSE, sizeof (double));
  L->avoid_y = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint s = 0; s < data->n_series; s++)
    {
      const QksPlotDiversitySeries *series = &data->series[s];

      if (has_no_variance (series))
        continue;
      for (guint k = 0; k + 1 < series->n_components; k++)
        {
          for (guint q = 1; L->alone && q <= 4; q++)
            add_point (L->avoid_x, L->avoid_y, k, 100.0 * share (series, k) * q / 4.0, BAR_CLEAR);
          add_point (L->avoid_x, L->avoid_y, k, 100.0 * series->cumulative[k], 0.0);
          if (k + 2 < series->n_components)
            add_point (L->avoid_x, L->avoid_y, k + 0.5, 50.0 * (series->cumulative[k] + series->cumulative[k + 1]), 0.0);
        }
    }

  /* The legend inside the frame if a corner is clear. Else beside it, in
   * short: it names the guides, which leave it their labels' room, and a
   * note under the figure says what its percentages are. */
  L->labels = g_ptr_array_new_with_free_func (g_free);
  for (L->outside = FALSE; ; L->outside = TRUE)
    {
      L->n_entries = 0;
      g_ptr_array_set_size (L->labels, 0);
      if (L->alone && !has_no_variance (&data->series[0]))
        {
          QksPlotColor line = qks_plot_palette_color (0, theme->dark);

          L->entries[L->n_entries++] = (QksPlotLegendEntry) { _("share of each component"),
                                                        tint (&theme->background, &line, BAR_TINT),
                                                        QKS_PLOT_SWATCH_PATCH, FALSE };
          g_ptr_array_add (L->labels, series_legend (&data->series[0], TRUE, FALSE));
          L->entries[L->n_entries++] = (QksPlotLegendEntry) { L->labels->pdata[0], line, QKS_PLOT_SWATCH_LINE, FALSE };
        }
      else if (!L->alone)
        for (guint s = 0; s < data->n_series; s++)
          {
            g_ptr_array_add (L->labels, series_legend (&data->series[s], FALSE, L->outside));
            L->entries[L->n_entries++] = (QksPlotLegendEntry) { L->labels->pdata[L->labels->len - 1],
                                                          qks_plot_palette_color (s, theme->dark),
                                                          QKS_PLOT_SWATCH_LINE, FALSE };
          }
      L->guide_width = guide_labels_width (theme, cr, data);
      if (L->outside)
        {
          g_ptr_array_add (L->labels, guides_legend (data));
          L->entries[L->n_entries++] = (QksPlotLegendEntry) { L->labels->pdata[L->labels->len - 1], theme->muted,
                                                        QKS_PLOT_SWATCH_LINE, TRUE };
          L->guide_width = 0.0;
          if (!L->alone)
            {
              /* xgettext:no-c-format */
              L->note = g_strdup (_("Legend: each run’s effective rank, in % of H − 1, then its name."));
              L->note_height = qks_plot_caption_height (theme, cr, QKS_PLOT_CAPTION_NOTE, L->note, L->caption_width);
            }
        }
      L->plot_height = height - (L->warning_height > 0.0 ? L->warning_height + theme->padding : 0.0) -
                    (L->note_height > 0.0 ? L->note_height + theme->spacing : 0.0);

      g_clear_pointer (&L->axes, qks_plot_axes_free);
      L->axes = qks_plot_axes_new (theme, width - L->guide_width, L->plot_height);
      qks_plot_axes_set_title (L->axes, title);
      qks_plot_axes_set_x_categories (L->axes, (const char *const *) L->categories->pdata, L->n_max, _("Principal component"));
      qks_plot_axes_set_y (L->axes, 0.0, Y_TOP, QKS_PLOT_SCALE_LINEAR, _("Variance explained (%)"));
      qks_plot_axes_set_legend (L->axes, L->entries, L->n_entries,
                                L->outside ? QKS_PLOT_LEGEND_OUTSIDE_RIGHT : QKS_PLOT_LEGEND_BEST);
      if (!qks_plot_axes_layout (L->axes, cr, error))
        return FALSE;
      if (L->outside || qks_plot_axes_legend_fits_inside (L->axes, (const double *) L->avoid_x->data,
                                                       (const double *) L->avoid_y->data, L->avoid_x->len))
        break;
    }
  return TRUE;
}

/**
 * qks_plot_diversity_draw:
 * @width: the allocation, in device-independent units
 * @height: the allocation
 * @data: (nullable): one to four runs' variance explained
 *
 * The head-diversity scree plot (SCIENCE.md c.7): for one run, bars of
 * each principal component's share μ_k / Σ μ of the centred Gram's
 * variance under the cumulative line; for two to four, their cumulative
 * lines in the palette's colours. Dashed guides mark 90 % and 95 %, rings
 * the k₉₀ and k₉₅ components; the legend gives each run's effective-rank
 * %. The H − 1 components the centring leaves are drawn (μ_H = 0). Heads
 * with no variance at all (identical forms) say so in a caption.
 */
void
qks_plot_diversity_draw (cairo_t                    *cr,
                         double                      width,
                         double                      height,
                         const QksPlotTheme         *theme,
                         const QksPlotDiversityData *data)
{
  g_autofree char *title = diversity_title (data);
  g_autofree char *problem = check_diversity (data);
  g_autoptr(GError) error = NULL;
  DiversityLayout layout = { 0 };
  QksPlotAxes *axes;
  GArray *avoid_x, *avoid_y;
  gboolean alone, outside;
  double caption_width, warning_height, note_height, plot_height;

  qks_plot_draw_background (cr, width, height, theme);
  if (problem != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, problem);
      return;
    }
  if (!lay_out (cr, width, height, theme, data, title, &layout, &error))
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, error->message);
      diversity_layout_clear (&layout);
      return;
    }
  axes = layout.axes;
  avoid_x = layout.avoid_x;
  avoid_y = layout.avoid_y;
  alone = layout.alone;
  outside = layout.outside;
  caption_width = layout.caption_width;
  warning_height = layout.warning_height;
  note_height = layout.note_height;
  plot_height = layout.plot_height;
  qks_plot_axes_draw_grid (axes, cr);

  if (alone && !has_no_variance (&data->series[0]))
    {
      const QksPlotDiversitySeries *series = &data->series[0];
      QksPlotColor line = qks_plot_palette_color (0, theme->dark);
      QksPlotColor bar = tint (&theme->background, &line, BAR_TINT);

      cairo_save (cr);
      qks_plot_axes_clip (axes, cr);
      qks_plot_set_source_color (cr, &bar);
      for (guint k = 0; k + 1 < series->n_components; k++)
        {
          double value = 100.0 * share (series, k);
          double x0 = round (qks_plot_axes_x_to_device (axes, k - BAR_WIDTH / 2.0));
          double x1 = round (qks_plot_axes_x_to_device (axes, k + BAR_WIDTH / 2.0));
          double y0 = round (qks_plot_axes_y_to_device (axes, value));
          double y1 = round (qks_plot_axes_y_to_device (axes, 0.0));

          /* Every bar its own path, even an empty one. */
          cairo_rectangle (cr, x0, y0, x1 - x0, y1 - y0);
          cairo_fill (cr);
        }
      cairo_restore (cr);
    }

  draw_guides (theme, cr, axes, data, !outside);

  for (guint s = 0; s < data->n_series; s++)
    {
      const QksPlotDiversitySeries *series = &data->series[s];
      QksPlotColor color = qks_plot_palette_color (s, theme->dark);

      if (alone && has_no_variance (series))
        continue;
      draw_cumulative (theme, cr, axes, series, &color);
      if (!has_no_variance (series))
        draw_k_marks (theme, cr, axes, series, &color, alone);
    }

  qks_plot_axes_draw_frame (axes, cr);
  qks_plot_axes_draw_legend (axes, cr, (const double *) avoid_x->data, (const double *) avoid_y->data, avoid_x->len);
  if (note_height > 0.0)
    qks_plot_caption_draw (theme, cr, QKS_PLOT_CAPTION_NOTE, layout.note, theme->padding,
                           plot_height - theme->padding + theme->spacing, caption_width);
  if (warning_height > 0.0)
    qks_plot_caption_draw (theme, cr, QKS_PLOT_CAPTION_WARNING, layout.warning->str, theme->padding,
                           height - theme->padding - warning_height, caption_width);
  diversity_layout_clear (&layout);
}

/**
 * qks_plot_diversity_query:
 *
 * Returns: (transfer full) (nullable): for a tooltip, the principal
 *   component nearest @x and, for each series, its share of the variance
 *   and the cumulative share there; NULL outside the plot.
 */
char *
qks_plot_diversity_query (cairo_t                    *cr,
                          double                      width,
                          double                      height,
                          const QksPlotTheme         *theme,
                          const QksPlotDiversityData *data,
                          double                      x,
                          double                      y)
{
  g_autofree char *title = diversity_title (data);
  g_autofree char *problem = check_diversity (data);
  DiversityLayout layout = { 0 };
  GString *text = NULL;

  if (problem == NULL && lay_out (cr, width, height, theme, data, title, &layout, NULL) &&
      qks_plot_axes_frame_contains (layout.axes, x, y) && layout.n_max > 0)
    {
      guint component = qks_plot_axes_nearest_category (layout.axes, 0.0, layout.n_max, x);

      text = g_string_new (NULL);
      g_string_append_printf (text, _("Component %u"), component + 1);
      for (guint s = 0; s < data->n_series; s++)
        {
          const QksPlotDiversitySeries *series = &data->series[s];

          if (component + 1 >= series->n_components || has_no_variance (series))
            continue;
          g_string_append_c (text, '\n');
          if (series->label != NULL)
            g_string_append_printf (text, "%s: ", series->label);
          /* Translators: one component's share of the variance, then the first components' together */
          g_string_append_printf (text, _("%.1f %% of the variance, %.1f %% with those before"),
                                  100.0 * share (series, component), 100.0 * series->cumulative[component]);
        }
    }
  diversity_layout_clear (&layout);
  return text != NULL ? g_string_free (text, FALSE) : NULL;
}

/* Effective rank per layer ------------------------------------------------ */

static char *
check_values (const double *values,
              gsize         n)
{
  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (values[i]))
        return g_strdup (_("The effective ranks include values that are not numbers (NaN or infinite)."));
      if (!percent_ok (values[i]))
        return g_strdup_printf (_("An effective rank of %.4g %% lies outside 0 to 100 %%."), values[i]);
    }
  return NULL;
}

static char *
check_ranks (const QksPlotDiversityRanksData *data)
{
  char *problem;

  if (data == NULL || data->n_layers == 0 || data->qk == NULL)
    return g_strdup (_("No layers analysed yet."));
  if (data->n_qk != data->n_layers)
    return g_strdup_printf ("%" G_GSIZE_FORMAT " QK values for %u layers: the data do not match.",
                            data->n_qk, data->n_layers);
  if ((data->ov == NULL) != (data->n_ov == 0) || (data->ov != NULL && data->n_ov != data->n_layers))
    return g_strdup_printf ("%" G_GSIZE_FORMAT " OV values for %u layers: the data do not match.",
                            data->ov != NULL ? data->n_ov : 0, data->n_layers);
  if ((problem = check_values (data->qk, data->n_qk)) != NULL)
    return problem;
  if (data->ov != NULL)
    return check_values (data->ov, data->n_ov);
  return NULL;
}

/**
 * qks_plot_diversity_ranks_draw:
 * @data: (nullable): per layer, the QK forms' and (optionally) the OV
 *   forms' effective-rank %
 *
 * Bars of effective-rank % for the QK and OV forms per layer (SCIENCE.md
 * c.7), 0–100 % of H − 1, each value written on its bar when it fits.
 */
void
qks_plot_diversity_ranks_draw (cairo_t                         *cr,
                               double                           width,
                               double                           height,
                               const QksPlotTheme              *theme,
                               const QksPlotDiversityRanksData *data)
{
  const char *title = data != NULL && data->title != NULL ? data->title : _("Head diversity per layer");
  g_autofree char *problem = check_ranks (data);
  g_autofree char *y_label = NULL;
  g_autoptr(QksPlotAxes) axes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) categories = NULL;
  QksPlotLegendEntry entries[2];
  guint n_forms;
  double bar_width;
  int decimals;
  gboolean write_values;

  qks_plot_draw_background (cr, width, height, theme);
  if (problem != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, problem);
      return;
    }
  n_forms = data->ov != NULL ? 2 : 1;

  categories = g_ptr_array_new_with_free_func (g_free);
  for (guint l = 0; l < data->n_layers; l++)
    g_ptr_array_add (categories, g_strdup_printf ("%u", l));
  if (data->n_heads >= 2)
    y_label = g_strdup_printf (_("Effective rank (%% of H − 1 = %u)"), data->n_heads - 1);
  else
    y_label = g_strdup (_("Effective rank (%)"));

  entries[0] = (QksPlotLegendEntry) { _("QK forms"), qks_plot_palette_color (0, theme->dark), QKS_PLOT_SWATCH_PATCH, FALSE };
  entries[1] = (QksPlotLegendEntry) { _("OV forms"), qks_plot_palette_color (1, theme->dark), QKS_PLOT_SWATCH_PATCH, FALSE };

  axes = qks_plot_axes_new (theme, width, height);
  qks_plot_axes_set_title (axes, title);
  qks_plot_axes_set_x_categories (axes, (const char *const *) categories->pdata, data->n_layers, _("Layer"));
  qks_plot_axes_set_y (axes, 0.0, 100.0, QKS_PLOT_SCALE_LINEAR, y_label);
  qks_plot_axes_set_legend (axes, entries, n_forms, QKS_PLOT_LEGEND_OUTSIDE_RIGHT);
  if (!qks_plot_axes_layout (axes, cr, &error))
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, error->message);
      return;
    }
  qks_plot_axes_draw_grid (axes, cr);

  /* Values on the bars only if every one fits across its bar: with a
   * decimal when there is room for "100.0", else whole. */
  bar_width = qks_plot_axes_x_to_device (axes, GROUP_WIDTH / n_forms) - qks_plot_axes_x_to_device (axes, 0.0);
  for (decimals = 1; decimals >= 0; decimals--)
    {
      g_autoptr(PangoLayout) widest = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_SMALL,
                                                                    decimals == 1 ? "100.0" : "100");

      if (layout_width (widest) + 6.0 <= bar_width)
        break;
    }
  write_values = decimals >= 0;

  cairo_save (cr);
  qks_plot_axes_clip (axes, cr);
  for (guint f = 0; f < n_forms; f++)
    {
      const double *values = f == 0 ? data->qk : data->ov;
      QksPlotColor color = entries[f].color;

      for (guint l = 0; l < data->n_layers; l++)
        {
          double left = l - GROUP_WIDTH / 2.0 + f * GROUP_WIDTH / n_forms;
          double value = CLAMP (values[l], 0.0, 100.0);
          double x0 = round (qks_plot_axes_x_to_device (axes, left));
          double x1 = round (qks_plot_axes_x_to_device (axes, left + GROUP_WIDTH / n_forms));
          double y0 = round (qks_plot_axes_y_to_device (axes, value));
          double y1 = round (qks_plot_axes_y_to_device (axes, 0.0));

          qks_plot_set_source_color (cr, &color);
          cairo_rectangle (cr, x0, y0, x1 - x0, y1 - y0);
          cairo_fill (cr);

          if (write_values)
            {
              g_autofree char *text = g_strdup_printf ("%.*f", decimals, values[l]);
              g_autoptr(PangoLayout) layout = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_SMALL, text);
              double text_height = layout_height (layout);

              /* Inside the top of a tall bar, above a short one. */
              if (y1 - y0 >= text_height + 6.0)
                {
                  QksPlotColor ink = text_color_on (&color);

                  qks_plot_show_layout (theme, cr, layout, &ink, (x0 + x1) / 2.0, y0 + 3.0, 0.5, 0.0);
                }
              else
                qks_plot_show_layout (theme, cr, layout, &theme->foreground, (x0 + x1) / 2.0, y0 - 2.0, 0.5, 1.0);
            }
        }
    }
  cairo_restore (cr);

  qks_plot_axes_draw_frame (axes, cr);
  qks_plot_axes_draw_legend (axes, cr, NULL, NULL, 0);
}
