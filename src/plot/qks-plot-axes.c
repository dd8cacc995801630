/* qks-plot-axes.c: the frame of a figure: margins, ticks, grid, labels,
 * title, legend and colour bar, and the data → device transform
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <math.h>
#include <string.h>
#include <pango/pangocairo.h>

#include "qks-plot-axes.h"
#include "qks-plot-text.h"

/* Lengths in device-independent units, beside the theme's. */
#define TICK_LABEL_GAP       3.0   /* tick mark → its label */
#define MIN_FRAME_SIZE      24.0   /* below this the data has no room */
#define MAX_MINOR_TICKS    128
#define MIN_DECADE_FOR_MINOR 28.0  /* minor log ticks only if a decade is this long */
#define COLORBAR_WIDTH      12.0
#define LEGEND_SWATCH_WIDTH 22.0
#define LEGEND_INSET         8.0   /* legend box → frame edge */
#define LEGEND_PADDING       8.0   /* legend box edge → its contents */
#define LEGEND_ROW_GAP       3.0
#define CORNER_RADIUS        6.0   /* legend box, like Adwaita's small cards */

typedef struct
{
  gboolean      set;
  double        requested_min;
  double        requested_max;
  QksPlotScale  scale;
  char         *label;
  char        **categories;  /* NULL-terminated, or NULL for a numeric axis */
  guint         n_categories;
  gboolean      top_down;    /* category 0 at the top (y only) */
  double        tick_unit;   /* > 0: ticks at multiples of it, not Heckbert's */

  /* After qks_plot_axes_layout(). */
  double        min;
  double        max;
  QksTicks      ticks;
  char         *tick_labels[QKS_PLOT_MAX_TICKS];  /* Pango markup */
  double        tick_label_width;                  /* the widest */
  guint         n_minor;
  double        minor[MAX_MINOR_TICKS];

  GArray       *fixed;  /* CustomTick: set by qks_plot_axes_set_x/y_ticks() */
} Axis;

typedef struct
{
  double  value;
  char   *label;  /* Pango markup, NULL for a minor tick */
  int     priority;
  guint   order;  /* as given, to break ties */
} CustomTick;

typedef struct
{
  char          *label;
  QksPlotColor   color;
  QksPlotSwatch  swatch;
  gboolean       dashed;
} LegendEntry;

struct _QksPlotAxes
{
  QksPlotTheme            theme;
  double                  width;
  double                  height;
  char                   *title;
  Axis                    x;
  Axis                    y;

  gboolean                has_colorbar;
  QksPlotColormap         colormap;
  Axis                    colorbar;

  GArray                 *legend;  /* LegendEntry */
  QksPlotLegendPlacement  placement;

  /* After qks_plot_axes_layout(). */
  gboolean                laid_out;
  QksPlotRect             frame;
  QksPlotRect             colorbar_rect;
  double                  legend_width;
  double                  legend_height;
  double                  legend_row_height;
  guint                   legend_rows;  /* drawn, the last one "… +n" if legend_more */
  guint                   legend_more;  /* entries left out for want of room */
  double                  colorbar_extent;
};

G_DEFINE_QUARK (qks-plot-axes-error-quark, qks_plot_axes_error)

static void
axis_clear_tick_labels (Axis *axis)
{
  for (guint i = 0; i < QKS_PLOT_MAX_TICKS; i++)
    g_clear_pointer (&axis->tick_labels[i], g_free);
}

static void
axis_clear (Axis *axis)
{
  g_clear_pointer (&axis->label, g_free);
  g_clear_pointer (&axis->categories, g_strfreev);
  axis->n_categories = 0;
  g_clear_pointer (&axis->fixed, g_array_unref);
  axis_clear_tick_labels (axis);
}

static void
custom_tick_clear (gpointer data)
{
  CustomTick *tick = data;

  g_free (tick->label);
}

static void
axis_set_fixed_ticks (Axis              *axis,
                      const QksPlotTick *ticks,
                      guint              n_ticks)
{
  g_clear_pointer (&axis->fixed, g_array_unref);
  if (ticks == NULL)
    return;
  axis->fixed = g_array_sized_new (FALSE, TRUE, sizeof (CustomTick), n_ticks);
  g_array_set_clear_func (axis->fixed, custom_tick_clear);
  for (guint i = 0; i < n_ticks; i++)
    {
      CustomTick tick = {
        ticks[i].value,
        ticks[i].label != NULL ? g_markup_escape_text (ticks[i].label, -1) : NULL,
        ticks[i].priority,
        i,
      };

      if (isfinite (tick.value))
        g_array_append_val (axis->fixed, tick);
      else
        g_free (tick.label);
    }
}

static void
legend_entry_clear (gpointer data)
{
  LegendEntry *entry = data;

  g_free (entry->label);
}

/**
 * qks_plot_axes_new:
 * @theme: copied
 * @width: the allocation, in device-independent units
 * @height: the allocation
 *
 * Returns: (transfer full): a frame with both axes spanning 0 to 1; set the
 *   ranges, labels, legend and colour bar, then call qks_plot_axes_layout()
 */
QksPlotAxes *
qks_plot_axes_new (const QksPlotTheme *theme,
                   double              width,
                   double              height)
{
  QksPlotAxes *axes = g_new0 (QksPlotAxes, 1);

  axes->theme = *theme;
  axes->width = width;
  axes->height = height;
  axes->x.requested_max = 1.0;
  axes->y.requested_max = 1.0;
  axes->legend = g_array_new (FALSE, TRUE, sizeof (LegendEntry));
  g_array_set_clear_func (axes->legend, legend_entry_clear);
  return axes;
}

void
qks_plot_axes_free (QksPlotAxes *axes)
{
  if (axes == NULL)
    return;
  axis_clear (&axes->x);
  axis_clear (&axes->y);
  axis_clear (&axes->colorbar);
  g_free (axes->title);
  g_array_unref (axes->legend);
  g_free (axes);
}

void
qks_plot_axes_set_title (QksPlotAxes *axes,
                         const char  *title)
{
  g_free (axes->title);
  axes->title = g_strdup (title);
  axes->laid_out = FALSE;
}

static void
axis_set (Axis         *axis,
          double        min,
          double        max,
          QksPlotScale  scale,
          const char   *label)
{
  axis->set = TRUE;
  axis->requested_min = min;
  axis->requested_max = max;
  axis->scale = scale;
  g_free (axis->label);
  axis->label = g_strdup (label);
  g_clear_pointer (&axis->categories, g_strfreev);
  axis->n_categories = 0;
  axis->top_down = FALSE;
  axis->tick_unit = 0.0;
}

static void
axis_set_categories (Axis              *axis,
                     const char *const *categories,
                     guint              n_categories,
                     gboolean           top_down,
                     const char        *label)
{
  /* Category c sits at c, its band from c − ½ to c + ½. */
  axis_set (axis, -0.5, n_categories - 0.5, QKS_PLOT_SCALE_LINEAR, label);
  axis->top_down = top_down;
  axis->categories = g_new0 (char *, n_categories + 1);
  for (guint i = 0; i < n_categories; i++)
    axis->categories[i] = g_strdup (categories != NULL && categories[i] != NULL ? categories[i] : "");
  axis->n_categories = n_categories;
}

/**
 * qks_plot_axes_set_x:
 * @min: the value at the left edge of the frame
 * @max: the value at the right edge
 * @label: (nullable): the axis label, e.g. "eigenvalue λ"
 *
 * Degenerate ranges are repaired at layout: a single value is widened, a
 * reversed one swapped, a non-finite end replaced by the other, and a log
 * axis starting at or below 0 starts three decades below @max instead.
 */
void
qks_plot_axes_set_x (QksPlotAxes  *axes,
                     double        min,
                     double        max,
                     QksPlotScale  scale,
                     const char   *label)
{
  axis_set (&axes->x, min, max, scale, label);
  axes->laid_out = FALSE;
}

/**
 * qks_plot_axes_set_y:
 *
 * As qks_plot_axes_set_x(), for the vertical axis (@min at the bottom).
 */
void
qks_plot_axes_set_y (QksPlotAxes  *axes,
                     double        min,
                     double        max,
                     QksPlotScale  scale,
                     const char   *label)
{
  axis_set (&axes->y, min, max, scale, label);
  axes->laid_out = FALSE;
}

/**
 * qks_plot_axes_set_x_categories:
 * @categories: (array length=n_categories) (nullable): plain-text labels,
 *   copied; %NULL labels read as empty
 * @label: (nullable): the axis label, e.g. "Layer"
 *
 * A categorical horizontal axis: category c is centred at x = c and spans
 * c − ½ to c + ½, with its label under a tick at c. When the labels do not
 * fit side by side, every 2nd, 5th, 10th … is shown. A categorical axis
 * has no grid lines.
 */
void
qks_plot_axes_set_x_categories (QksPlotAxes       *axes,
                                const char *const *categories,
                                guint              n_categories,
                                const char        *label)
{
  axis_set_categories (&axes->x, categories, n_categories, FALSE, label);
  axes->laid_out = FALSE;
}

/**
 * qks_plot_axes_set_x_ticks:
 * @ticks: (array length=n_ticks) (nullable): copied; %NULL goes back to
 *   the ticks the layout chooses
 *
 * Ticks at given values with given labels, for an axis whose values are
 * not numbers to read off (one column per recorded step, one row per
 * layer). The layout shows the labels a priority at a time, highest first,
 * as long as every label of that priority keeps clear of the others; the
 * ticks whose labels are not shown, and those without a label, become
 * minor ticks. No grid lines are drawn at minor ticks.
 */
void
qks_plot_axes_set_x_ticks (QksPlotAxes       *axes,
                           const QksPlotTick *ticks,
                           guint              n_ticks)
{
  axis_set_fixed_ticks (&axes->x, ticks, n_ticks);
  axes->laid_out = FALSE;
}

/**
 * qks_plot_axes_set_y_categories:
 *
 * As qks_plot_axes_set_x_categories(), for the vertical axis, read top
 * down as a table or a matrix is: category 0 at the top, at y = 0, and
 * the last at the bottom. qks_plot_axes_get_y_range() then gives the
 * bottom end, n − ½, as the minimum.
 */
void
qks_plot_axes_set_y_categories (QksPlotAxes       *axes,
                                const char *const *categories,
                                guint              n_categories,
                                const char        *label)
{
  axis_set_categories (&axes->y, categories, n_categories, TRUE, label);
  axes->laid_out = FALSE;
}

/**
 * qks_plot_axes_set_x_tick_unit:
 * @unit: > 0, or 0 for the usual 1, 2, 5 × 10^k steps
 *
 * Ticks the linear horizontal axis at multiples of @unit × 1, 2, 3 or 6
 * (× 10^k), the fewest that fit: degrees read best at 0, 30, 60, 90 (unit
 * 15). Call after qks_plot_axes_set_x(), which resets it.
 */
void
qks_plot_axes_set_x_tick_unit (QksPlotAxes *axes,
                               double       unit)
{
  axes->x.tick_unit = unit > 0.0 && isfinite (unit) ? unit : 0.0;
  axes->laid_out = FALSE;
}

/**
 * qks_plot_axes_set_y_tick_unit:
 *
 * As qks_plot_axes_set_x_tick_unit(), for the vertical axis.
 */
void
qks_plot_axes_set_y_tick_unit (QksPlotAxes *axes,
                               double       unit)
{
  axes->y.tick_unit = unit > 0.0 && isfinite (unit) ? unit : 0.0;
  axes->laid_out = FALSE;
}

/**
 * qks_plot_axes_set_colorbar_tick_unit:
 *
 * As qks_plot_axes_set_x_tick_unit(), for the colour bar; call after
 * qks_plot_axes_set_colorbar().
 */
void
qks_plot_axes_set_colorbar_tick_unit (QksPlotAxes *axes,
                                      double       unit)
{
  axes->colorbar.tick_unit = unit > 0.0 && isfinite (unit) ? unit : 0.0;
  axes->laid_out = FALSE;
}

/**
 * qks_plot_axes_set_y_ticks:
 *
 * As qks_plot_axes_set_x_ticks(), for the vertical axis.
 */
void
qks_plot_axes_set_y_ticks (QksPlotAxes       *axes,
                           const QksPlotTick *ticks,
                           guint              n_ticks)
{
  axis_set_fixed_ticks (&axes->y, ticks, n_ticks);
  axes->laid_out = FALSE;
}

/**
 * qks_plot_axes_set_legend:
 * @entries: (array length=n_entries): copied
 */
void
qks_plot_axes_set_legend (QksPlotAxes              *axes,
                          const QksPlotLegendEntry *entries,
                          guint                     n_entries,
                          QksPlotLegendPlacement    placement)
{
  g_array_set_size (axes->legend, 0);
  for (guint i = 0; i < n_entries; i++)
    {
      LegendEntry entry = {
        g_strdup (entries[i].label != NULL ? entries[i].label : ""),
        entries[i].color,
        entries[i].swatch,
        entries[i].dashed,
      };

      g_array_append_val (axes->legend, entry);
    }
  axes->placement = placement;
  axes->laid_out = FALSE;
}

/**
 * qks_plot_axes_set_colorbar:
 * @min: the value at the bottom of the bar (the map's first colour)
 * @max: the value at the top
 * @label: (nullable): what the colour shows
 *
 * A bar right of the frame. Its range is repaired as the axes' are; colour
 * the data with qks_plot_axes_colorbar_color() so that the two agree.
 */
void
qks_plot_axes_set_colorbar (QksPlotAxes     *axes,
                            QksPlotColormap  colormap,
                            double           min,
                            double           max,
                            QksPlotScale     scale,
                            const char      *label)
{
  axes->has_colorbar = TRUE;
  axes->colormap = colormap;
  axis_set (&axes->colorbar, min, max, scale, label);
  axes->laid_out = FALSE;
}

/* Ranges ------------------------------------------------------------------ */

static gboolean
axis_resolve_range (Axis    *axis,
                    GError **error)
{
  double low = axis->requested_min, high = axis->requested_max;

  if (!isfinite (low) && !isfinite (high))
    {
      g_set_error (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_NO_RANGE,
                   _("The axis “%s” has no finite range"), axis->label != NULL ? axis->label : "");
      return FALSE;
    }
  if (!isfinite (low))
    low = high;
  if (!isfinite (high))
    high = low;
  if (low > high)
    {
      double swap = low;

      low = high;
      high = swap;
    }

  if (axis->scale == QKS_PLOT_SCALE_LOG1P)
    {
      if (!(high > -1.0))
        {
          g_set_error (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_NO_RANGE,
                       _("The logarithmic axis “%s” has no value above −1"),
                       axis->label != NULL ? axis->label : "");
          return FALSE;
        }
      if (!(low > -1.0))
        low = MIN (0.0, high);
      /* A single value: 1 + x a decade either side, but not below 0 when
       * the value is not. */
      if (log1p (high) - log1p (low) <= 1e-12)
        {
          low = low >= 0.0 ? MAX (0.0, (1.0 + low) / 10.0 - 1.0) : (1.0 + low) / 10.0 - 1.0;
          high = (1.0 + high) * 10.0 - 1.0;
        }
    }
  else if (axis->scale == QKS_PLOT_SCALE_LOG)
    {
      if (!(high > 0.0))
        {
          g_set_error (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_NO_RANGE,
                       _("The logarithmic axis “%s” has no value above zero"),
                       axis->label != NULL ? axis->label : "");
          return FALSE;
        }
      if (!(low > 0.0))
        low = high / 1000.0;
      /* One decade either side of a single value. */
      if (high <= low * (1.0 + 1e-12))
        {
          low /= 10.0;
          high *= 10.0;
        }
    }
  else if (high - low <= 1e-12 * MAX (fabs (low), fabs (high)))
    {
      double half = low == 0.0 ? 1.0 : 0.1 * fabs (low);

      low -= half;
      high += half;
    }

  if (!isfinite (high - low) || !(high > low))
    {
      g_set_error (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_NO_RANGE,
                   _("The axis “%s” spans more than a double can hold"),
                   axis->label != NULL ? axis->label : "");
      return FALSE;
    }

  /* A top-down axis has its first value at the far end. */
  axis->min = axis->top_down ? high : low;
  axis->max = axis->top_down ? low : high;
  return TRUE;
}

/* Where @value lies along the axis, 0 at min and 1 at max. */
static double
axis_fraction (const Axis *axis,
               double      value)
{
  if (axis->scale == QKS_PLOT_SCALE_LOG)
    {
      if (!(value > 0.0))
        return NAN;
      return (log10 (value) - log10 (axis->min)) / (log10 (axis->max) - log10 (axis->min));
    }
  if (axis->scale == QKS_PLOT_SCALE_LOG1P)
    {
      if (!(value > -1.0))
        return NAN;
      return (log1p (value) - log1p (axis->min)) / (log1p (axis->max) - log1p (axis->min));
    }
  return (value - axis->min) / (axis->max - axis->min);
}

/* Text -------------------------------------------------------------------- */

static PangoLayout *
create_markup_layout (const QksPlotTheme *theme,
                      cairo_t            *cr,
                      QksPlotFont         font,
                      const char         *markup)
{
  PangoLayout *layout = qks_plot_theme_create_layout (theme, cr, font, NULL);

  pango_layout_set_markup (layout, markup, -1);
  return layout;
}

static void
layout_size (PangoLayout *layout,
             double      *width,
             double      *height)
{
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  if (width != NULL)
    *width = logical.width / (double) PANGO_SCALE;
  if (height != NULL)
    *height = logical.height / (double) PANGO_SCALE;
}

static double
text_width (const QksPlotTheme *theme,
            cairo_t            *cr,
            QksPlotFont         font,
            const char         *markup)
{
  g_autoptr(PangoLayout) layout = create_markup_layout (theme, cr, font, markup);
  double width;

  layout_size (layout, &width, NULL);
  return width;
}

static double
line_height (const QksPlotTheme *theme,
             cairo_t            *cr,
             QksPlotFont         font)
{
  g_autoptr(PangoLayout) layout = qks_plot_theme_create_layout (theme, cr, font, "0");
  double height;

  layout_size (layout, NULL, &height);
  return height;
}

/* A single line no wider than @max_width, ellipsized at the end. */
static PangoLayout *
create_line_layout (const QksPlotTheme *theme,
                    cairo_t            *cr,
                    QksPlotFont         font,
                    const char         *text,
                    double              max_width)
{
  PangoLayout *layout = qks_plot_theme_create_layout (theme, cr, font, text);

  pango_layout_set_width (layout, (int) (MAX (max_width, 1.0) * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  return layout;
}

/* The ticks of a log axis read "0.01 … 1000" while that is short, and
 * "10⁻⁶ … 10⁶" beyond; a minus is U+2212, as in typeset numbers. */
static char *
format_tick_markup (const QksTicks *ticks,
                    double          value,
                    gboolean        powers_of_ten)
{
  g_autofree char *plain = NULL;

  if (powers_of_ten && value > 0.0)
    {
      int exponent = (int) lround (log10 (value));

      return g_strdup_printf ("10<sup>%s%d</sup>", exponent < 0 ? "−" : "", abs (exponent));
    }

  plain = qks_plot_format_tick (ticks, value);
  if (plain[0] == '-')
    return g_strconcat ("−", plain + 1, NULL);
  return g_steal_pointer (&plain);
}

/* Ticks ------------------------------------------------------------------- */

/* Ticks at multiples of the axis's unit × 1, 2, 3, 6, 10, 20 …: the
 * smallest step that keeps the count within @max_ticks. */
static gboolean
axis_unit_ticks (Axis  *axis,
                 guint  max_ticks)
{
  static const double multiples[] = { 1.0, 2.0, 3.0, 6.0 };

  max_ticks = CLAMP (max_ticks, 2, QKS_PLOT_MAX_TICKS);
  for (double magnitude = 1.0; magnitude < 1e6; magnitude *= 10.0)
    for (guint i = 0; i < G_N_ELEMENTS (multiples); i++)
      {
        double step = axis->tick_unit * multiples[i] * magnitude;
        double first = ceil (axis->min / step - 1e-9) * step;
        guint count = (guint) floor ((axis->max - first) / step + 1e-9) + 1;

        if (count > max_ticks)
          continue;
        axis->ticks.count = count;
        axis->ticks.step = step;
        axis->ticks.logarithmic = FALSE;
        for (guint t = 0; t < count; t++)
          axis->ticks.values[t] = fabs (first + step * t) < step * 1e-9 ? 0.0 : first + step * t;
        axis->ticks.decimals = MAX (0, (int) -floor (log10 (step) + 1e-9));
        /* 2.5-unit steps and the like need their digits. */
        while (axis->ticks.decimals < 6 &&
               fabs (step * pow (10.0, axis->ticks.decimals) - round (step * pow (10.0, axis->ticks.decimals))) > 1e-6)
          axis->ticks.decimals++;
        return TRUE;
      }
  return FALSE;
}

/* Every category, or every 2nd, 5th, 10th, 20th … so that at most
 * @max_ticks are labelled. */
static void
axis_category_ticks (Axis  *axis,
                     guint  max_ticks)
{
  guint n = axis->n_categories, stride = 1;

  max_ticks = CLAMP (max_ticks, 1, QKS_PLOT_MAX_TICKS);
  for (guint magnitude = 1; (n + stride - 1) / stride > max_ticks; )
    {
      if (stride == magnitude)
        stride = 2 * magnitude;
      else if (stride == 2 * magnitude)
        stride = 5 * magnitude;
      else
        stride = magnitude *= 10;
    }

  axis->ticks.count = 0;
  axis->ticks.step = stride;
  axis->ticks.decimals = 0;
  axis->ticks.logarithmic = FALSE;
  for (guint c = 0; c < n; c += stride)
    axis->ticks.values[axis->ticks.count++] = c;
}

/* Ticks at 1, 2 and 5 × 10^k within [low, high] (or at every k × 10^d
 * if that makes fewer than three), for a log axis from 1 up that spans
 * less than two decades. Marked linear, so that they print as plain
 * whole numbers. */
static guint
mantissa_ticks (double        low,
                double        high,
                const double *mantissas,
                guint         n_mantissas,
                double       *values)
{
  guint count = 0;

  for (int decade = (int) floor (log10 (low)); decade <= (int) ceil (log10 (high)); decade++)
    for (guint i = 0; i < n_mantissas; i++)
      {
        double value = mantissas[i] * pow (10.0, decade);

        if (value >= low * (1.0 - 1e-9) && value <= high * (1.0 + 1e-9) && count < QKS_PLOT_MAX_TICKS)
          values[count++] = value;
      }
  return count;
}

static gboolean
log_125_ticks (double    low,
               double    high,
               guint     max_ticks,
               QksTicks *ticks)
{
  static const double nice[] = { 1.0, 2.0, 5.0 };
  static const double every[] = { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0 };
  double values[QKS_PLOT_MAX_TICKS];
  guint n_nice, n_every;

  ticks->count = 0;
  max_ticks = MAX (max_ticks, 2);
  if (!(low >= 1.0) || !(high <= 1e5))
    return FALSE;
  n_nice = mantissa_ticks (low, high, nice, G_N_ELEMENTS (nice), ticks->values);
  if (n_nice < 3 || n_nice > max_ticks)
    {
      n_every = mantissa_ticks (low, high, every, G_N_ELEMENTS (every), values);
      if (n_every >= 2 && n_every <= max_ticks)
        {
          memcpy (ticks->values, values, n_every * sizeof (double));
          n_nice = n_every;
        }
    }
  if (n_nice < 2 || n_nice > max_ticks)
    return FALSE;
  ticks->count = n_nice;
  ticks->logarithmic = FALSE;
  ticks->step = ticks->values[0];
  ticks->decimals = 0;
  return TRUE;
}

static void
axis_compute_ticks (Axis               *axis,
                    guint               max_ticks,
                    double              length,
                    const QksPlotTheme *theme,
                    cairo_t            *cr)
{
  gboolean powers_of_ten = FALSE;

  axis_clear_tick_labels (axis);
  axis->n_minor = 0;
  axis->tick_label_width = 0.0;

  if (axis->categories != NULL)
    {
      axis_category_ticks (axis, max_ticks);
      for (guint i = 0; i < axis->ticks.count; i++)
        {
          axis->tick_labels[i] = g_markup_escape_text (axis->categories[(guint) axis->ticks.values[i]], -1);
          axis->tick_label_width = MAX (axis->tick_label_width,
                                        text_width (theme, cr, QKS_PLOT_FONT_SMALL, axis->tick_labels[i]));
        }
      return;
    }

  if (axis->scale == QKS_PLOT_SCALE_LOG)
    {
      /* Less than two powers of ten in range: 1, 2 and 5 × 10^k spread
       * evenly over a log axis, where they read plainly ("500 1000 2000
       * 5000"); else nice linear values read better than a lone "1". */
      if (!qks_plot_log_ticks (axis->min, axis->max, max_ticks, &axis->ticks) ||
          axis->ticks.count < 2)
        {
          if (!log_125_ticks (axis->min, axis->max, max_ticks, &axis->ticks))
            qks_plot_linear_ticks (axis->min, axis->max, max_ticks, &axis->ticks);
        }
    }
  else if (axis->scale == QKS_PLOT_SCALE_LOG1P)
    {
      /* 0, 1, 10, 100 …; a short range (0 to 5) reads better linearly. */
      if (!qks_plot_log1p_ticks (axis->min, axis->max, max_ticks, &axis->ticks) ||
          axis->ticks.count < 2)
        qks_plot_linear_ticks (axis->min, axis->max, max_ticks, &axis->ticks);
    }
  else if (!(axis->tick_unit > 0.0 && axis_unit_ticks (axis, max_ticks)))
    qks_plot_linear_ticks (axis->min, axis->max, max_ticks, &axis->ticks);

  if (axis->ticks.logarithmic && axis->ticks.count > 0 && axis->scale == QKS_PLOT_SCALE_LOG1P)
    {
      double decades = (log1p (axis->max) - log1p (axis->min)) / G_LN10;
      int last_decade = axis->max >= 1.0 ? (int) floor (log10 (axis->max)) : -1;

      powers_of_ten = axis->ticks.values[axis->ticks.count - 1] > 1e4;

      /* As on a log axis: 2 … 9 × 10^k when every decade is labelled and
       * long enough, else the decades left unlabelled. */
      for (int decade = 0; decade <= last_decade + 1; decade++)
        for (int k = 1; k <= 9 && axis->n_minor < MAX_MINOR_TICKS; k++)
          {
            double value = k * pow (10.0, decade);
            gboolean wanted, labelled = FALSE;

            for (guint i = 0; i < axis->ticks.count; i++)
              labelled = labelled || axis->ticks.values[i] == value;
            if (axis->ticks.step == 1.0)
              wanted = k > 1 && length / decades >= MIN_DECADE_FOR_MINOR;
            else
              wanted = k == 1 && !labelled;
            if (wanted && value >= axis->min && value <= axis->max)
              axis->minor[axis->n_minor++] = value;
          }
    }
  else if (axis->scale == QKS_PLOT_SCALE_LOG && !axis->ticks.logarithmic && axis->ticks.count > 0)
    {
      double decades = log10 (axis->max) - log10 (axis->min);

      /* Between 1-2-5 ticks: the other k × 10^d, where there is room. */
      for (int decade = (int) floor (log10 (axis->min)); decade <= (int) ceil (log10 (axis->max)); decade++)
        for (int k = 1; k <= 9 && axis->n_minor < MAX_MINOR_TICKS && length / decades >= MIN_DECADE_FOR_MINOR; k++)
          {
            double value = k * pow (10.0, decade);
            gboolean major = FALSE;

            for (guint i = 0; i < axis->ticks.count; i++)
              major = major || fabs (axis->ticks.values[i] - value) <= 1e-9 * value;
            if (!major && value >= axis->min && value <= axis->max)
              axis->minor[axis->n_minor++] = value;
          }
    }
  else if (axis->ticks.logarithmic && axis->ticks.count > 0)
    {
      double decades = log10 (axis->max) - log10 (axis->min);

      powers_of_ten = axis->ticks.values[0] < 1e-3 ||
                      axis->ticks.values[axis->ticks.count - 1] > 1e4;

      /* Minor ticks: 2 … 9 × 10^k when every decade is labelled and long
       * enough to show them apart, else the decades left unlabelled. */
      for (int decade = (int) floor (log10 (axis->min)); decade <= (int) ceil (log10 (axis->max)); decade++)
        for (int k = 1; k <= 9 && axis->n_minor < MAX_MINOR_TICKS; k++)
          {
            double value = k * pow (10.0, decade);
            gboolean wanted;

            if (axis->ticks.step == 1.0)
              wanted = k > 1 && length / decades >= MIN_DECADE_FOR_MINOR;
            else
              wanted = k == 1 && (decade - (int) lround (log10 (axis->ticks.values[0]))) % (int) axis->ticks.step != 0;
            if (wanted && value >= axis->min && value <= axis->max)
              axis->minor[axis->n_minor++] = value;
          }
    }

  for (guint i = 0; i < axis->ticks.count; i++)
    {
      axis->tick_labels[i] = format_tick_markup (&axis->ticks, axis->ticks.values[i], powers_of_ten);
      axis->tick_label_width = MAX (axis->tick_label_width,
                                    text_width (theme, cr, QKS_PLOT_FONT_SMALL, axis->tick_labels[i]));
    }
}

static int
compare_custom_priority (gconstpointer a,
                         gconstpointer b)
{
  const CustomTick *x = *(const CustomTick * const *) a;
  const CustomTick *y = *(const CustomTick * const *) b;

  if (x->priority != y->priority)
    return x->priority > y->priority ? -1 : 1;
  return (x->order > y->order) - (x->order < y->order);
}

static int
compare_custom_value (gconstpointer a,
                      gconstpointer b)
{
  const CustomTick *x = *(const CustomTick * const *) a;
  const CustomTick *y = *(const CustomTick * const *) b;

  return (x->value > y->value) - (x->value < y->value);
}

/* The ticks given by qks_plot_axes_set_x/y_ticks(): their labels taken a
 * priority at a time, highest first, while every label of that priority
 * keeps clear of the others and of those taken before, so that the labels
 * shown are evenly chosen (all multiples of 500, say, not some); the rest
 * become minor ticks, unless they are too many to tell apart. */
static void
axis_compute_fixed_ticks (Axis               *axis,
                          double              length,
                          gboolean            horizontal,
                          const QksPlotTheme *theme,
                          cairo_t            *cr)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new ();
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  double low[QKS_PLOT_MAX_TICKS], high[QKS_PLOT_MAX_TICKS];
  double text_height = line_height (theme, cr, QKS_PLOT_FONT_SMALL);
  double gap = horizontal ? 2.0 * theme->spacing : theme->spacing / 2.0;
  GArray *minor = g_array_new (FALSE, FALSE, sizeof (double));
  gboolean full = FALSE;
  guint start = 0;

  axis_clear_tick_labels (axis);
  axis->n_minor = 0;
  axis->tick_label_width = 0.0;
  memset (&axis->ticks, 0, sizeof axis->ticks);

  for (guint i = 0; i < axis->fixed->len; i++)
    {
      CustomTick *tick = &g_array_index (axis->fixed, CustomTick, i);
      double fraction = axis_fraction (axis, tick->value);

      if (fraction >= -1e-9 && fraction <= 1.0 + 1e-9)
        g_ptr_array_add (candidates, tick);
    }
  g_ptr_array_sort (candidates, compare_custom_priority);

  /* A priority at a time: candidates[start, end) share one. */
  while (start < candidates->len)
    {
      int priority = ((const CustomTick *) g_ptr_array_index (candidates, start))->priority;
      guint end = start, n_before = kept->len;
      gboolean fits = !full;

      while (end < candidates->len && ((const CustomTick *) g_ptr_array_index (candidates, end))->priority == priority)
        end++;
      for (guint i = start; i < end && fits; i++)
        {
          const CustomTick *tick = g_ptr_array_index (candidates, i);
          double centre, extent;

          if (tick->label == NULL)
            continue;
          if (kept->len == QKS_PLOT_MAX_TICKS)
            {
              fits = FALSE;
              break;
            }
          centre = axis_fraction (axis, tick->value) * length;
          extent = horizontal ? text_width (theme, cr, QKS_PLOT_FONT_SMALL, tick->label) : text_height;
          for (guint k = 0; k < kept->len && fits; k++)
            fits = centre + extent / 2.0 + gap <= low[k] || centre - extent / 2.0 - gap >= high[k];
          if (fits)
            {
              low[kept->len] = centre - extent / 2.0;
              high[kept->len] = centre + extent / 2.0;
              g_ptr_array_add (kept, (gpointer) tick);
            }
        }
      /* All of this priority, or none of it and nothing lower. */
      if (!fits)
        {
          g_ptr_array_set_size (kept, n_before);
          full = TRUE;
        }
      for (guint i = start; i < end; i++)
        {
          const CustomTick *tick = g_ptr_array_index (candidates, i);

          if (!fits || tick->label == NULL)
            g_array_append_val (minor, tick->value);
        }
      start = end;
    }

  g_ptr_array_sort (kept, compare_custom_value);
  for (guint i = 0; i < kept->len; i++)
    {
      const CustomTick *tick = g_ptr_array_index (kept, i);

      axis->ticks.values[i] = tick->value;
      axis->tick_labels[i] = g_strdup (tick->label);
      axis->tick_label_width = MAX (axis->tick_label_width,
                                    text_width (theme, cr, QKS_PLOT_FONT_SMALL, tick->label));
    }
  axis->ticks.count = kept->len;

  /* Minor ticks closer than 3 units make a solid bar, not a scale. */
  if (minor->len <= MAX_MINOR_TICKS && minor->len > 0 &&
      length / (minor->len + kept->len) >= 3.0)
    {
      memcpy (axis->minor, minor->data, minor->len * sizeof (double));
      axis->n_minor = minor->len;
    }
  g_array_unref (minor);
}

/* Whether neighbouring labels along a horizontal axis keep a gap. */
static gboolean
x_labels_fit (const Axis         *axis,
              double              length,
              const QksPlotTheme *theme,
              cairo_t            *cr)
{
  /* Categories sit in bands of their own: one spacing apart is enough. */
  double gap = axis->categories != NULL ? theme->spacing : 2.0 * theme->spacing;
  double previous_right = -G_MAXDOUBLE;

  for (guint i = 0; i < axis->ticks.count; i++)
    {
      double width = text_width (theme, cr, QKS_PLOT_FONT_SMALL, axis->tick_labels[i]);
      double centre = axis_fraction (axis, axis->ticks.values[i]) * length;

      if (centre - width / 2.0 < previous_right + gap)
        return FALSE;
      previous_right = centre + width / 2.0;
    }
  return TRUE;
}

static void
x_axis_choose_ticks (Axis               *axis,
                     double              length,
                     const QksPlotTheme *theme,
                     cairo_t            *cr)
{
  guint max_ticks = (guint) CLAMP (length / 50.0, 2.0, 12.0);

  if (axis->categories != NULL)
    max_ticks = CLAMP (axis->n_categories, 1, QKS_PLOT_MAX_TICKS);
  if (axis->fixed != NULL)
    {
      axis_compute_fixed_ticks (axis, length, TRUE, theme, cr);
      return;
    }
  for (;; max_ticks--)
    {
      axis_compute_ticks (axis, max_ticks, length, theme, cr);
      if (max_ticks <= (axis->categories != NULL ? 1 : 2) || x_labels_fit (axis, length, theme, cr))
        break;
    }
}

static void
y_axis_choose_ticks (Axis               *axis,
                     double              length,
                     double              label_height,
                     const QksPlotTheme *theme,
                     cairo_t            *cr)
{
  guint max_ticks = (guint) CLAMP (length / (2.5 * label_height), 2.0, 10.0);

  /* Category labels need only not touch. */
  if (axis->categories != NULL)
    max_ticks = (guint) CLAMP (floor (length / (1.15 * label_height)), 1.0, QKS_PLOT_MAX_TICKS);
  if (axis->fixed != NULL)
    {
      axis_compute_fixed_ticks (axis, length, FALSE, theme, cr);
      return;
    }
  axis_compute_ticks (axis, max_ticks, length, theme, cr);
}

/* Layout ------------------------------------------------------------------ */

static void
measure_legend (QksPlotAxes *axes,
                cairo_t     *cr)
{
  double text_height = line_height (&axes->theme, cr, QKS_PLOT_FONT_BODY);
  double widest = 0.0;

  axes->legend_width = axes->legend_height = 0.0;
  if (axes->legend->len == 0)
    return;

  for (guint i = 0; i < axes->legend->len; i++)
    {
      const LegendEntry *entry = &g_array_index (axes->legend, LegendEntry, i);
      g_autoptr(PangoLayout) layout = qks_plot_theme_create_layout (&axes->theme, cr,
                                                                    QKS_PLOT_FONT_BODY,
                                                                    entry->label);
      double width;

      layout_size (layout, &width, NULL);
      widest = MAX (widest, width);
    }

  /* Beside the frame a legend may take at most a third of the width; long
   * labels are ellipsized to fit. */
  axes->legend_row_height = MAX (text_height, 12.0);
  axes->legend_width = 2.0 * LEGEND_PADDING + LEGEND_SWATCH_WIDTH + axes->theme.spacing + widest;
  if (axes->placement == QKS_PLOT_LEGEND_OUTSIDE_RIGHT)
    axes->legend_width = MIN (axes->legend_width, ceil (axes->width / 3.0));
  axes->legend_height = 2.0 * LEGEND_PADDING + axes->legend->len * axes->legend_row_height +
                        (axes->legend->len - 1) * LEGEND_ROW_GAP;
}

/* A legend as tall as the frame at most: the entries that do not fit are
 * counted in a last row instead. */
static void
fit_legend (QksPlotAxes *axes)
{
  gboolean outside = axes->placement == QKS_PLOT_LEGEND_OUTSIDE_RIGHT;
  double room = axes->frame.height - (outside ? 0.0 : 2.0 * LEGEND_INSET);
  double fit = floor ((room - 2.0 * LEGEND_PADDING + LEGEND_ROW_GAP) / (axes->legend_row_height + LEGEND_ROW_GAP));
  guint n = axes->legend->len;

  axes->legend_rows = n;
  axes->legend_more = 0;
  if (n == 0)
    return;
  if (fit < n)
    {
      axes->legend_rows = fit >= 2.0 ? (guint) fit : 0;
      axes->legend_more = axes->legend_rows > 0 ? n - axes->legend_rows + 1 : n;
    }
  if (!outside)
    axes->legend_width = MIN (axes->legend_width, axes->frame.width - 2.0 * LEGEND_INSET);
  if (axes->legend_rows > 0)
    axes->legend_height = 2.0 * LEGEND_PADDING + axes->legend_rows * axes->legend_row_height +
                          (axes->legend_rows - 1) * LEGEND_ROW_GAP;
}

/* Width of the colour bar with its gap, ticks, tick labels and label. */
static double
measure_colorbar_extent (const QksPlotAxes *axes,
                         double             label_height)
{
  const QksPlotTheme *theme = &axes->theme;
  double extent;

  if (!axes->has_colorbar)
    return 0.0;
  extent = 2.0 * theme->spacing + COLORBAR_WIDTH + theme->tick_length + TICK_LABEL_GAP +
           axes->colorbar.tick_label_width;
  if (axes->colorbar.label != NULL)
    extent += theme->spacing + label_height;
  return extent;
}

/**
 * qks_plot_axes_layout:
 * @cr: measures the text; nothing is drawn
 *
 * Places the frame: the margins hold the title, the axis and tick labels,
 * the colour bar and an outside legend exactly, so that nothing overlaps and
 * nothing leaves the allocation. Tick counts follow the room there is.
 *
 * Returns: %FALSE, with @error set, when no range can be made from the
 *   values given (draw qks_plot_draw_empty_state() instead) or the
 *   allocation is too small for any data
 */
gboolean
qks_plot_axes_layout (QksPlotAxes  *axes,
                      cairo_t      *cr,
                      GError      **error)
{
  const QksPlotTheme *theme = &axes->theme;
  double title_height = 0.0, label_height, tick_height;
  double left = 0.0, right = 0.0, top = 0.0, bottom;
  double region_top;

  axes->laid_out = FALSE;
  if (!axis_resolve_range (&axes->x, error) || !axis_resolve_range (&axes->y, error))
    return FALSE;
  if (axes->has_colorbar && !axis_resolve_range (&axes->colorbar, error))
    return FALSE;

  label_height = line_height (theme, cr, QKS_PLOT_FONT_BODY);
  tick_height = line_height (theme, cr, QKS_PLOT_FONT_SMALL);
  if (axes->title != NULL)
    title_height = line_height (theme, cr, QKS_PLOT_FONT_TITLE);
  measure_legend (axes, cr);

  region_top = theme->padding + (axes->title != NULL ? title_height + theme->spacing * 1.5 : 0.0);
  bottom = theme->padding + tick_height + TICK_LABEL_GAP + theme->tick_length +
           (axes->x.label != NULL ? label_height + theme->spacing : 0.0);
  bottom = ceil (bottom);
  top = ceil (region_top + tick_height / 2.0);

  /* Tick counts depend on the frame and the margins on the tick labels, so
   * settle them together; two or three rounds reach a fixed point. */
  for (guint round = 0; round < 4; round++)
    {
      double frame_width, frame_height, new_left, new_right, new_top, overhang;
      double right_decorations;

      if (round == 0)
        {
          left = theme->padding + (axes->y.label != NULL ? label_height + theme->spacing : 0.0) +
                 theme->tick_length + TICK_LABEL_GAP + 2.0 * theme->spacing;
          right = theme->padding;
        }
      frame_width = axes->width - left - right;
      frame_height = axes->height - top - bottom;
      if (frame_width < MIN_FRAME_SIZE || frame_height < MIN_FRAME_SIZE)
        {
          g_set_error (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_TOO_SMALL,
                       _("A %g × %g figure leaves no room for the data"), axes->width, axes->height);
          return FALSE;
        }

      x_axis_choose_ticks (&axes->x, frame_width, theme, cr);
      y_axis_choose_ticks (&axes->y, frame_height, tick_height, theme, cr);
      if (axes->has_colorbar)
        y_axis_choose_ticks (&axes->colorbar, frame_height, tick_height, theme, cr);

      new_left = theme->padding + (axes->y.label != NULL ? label_height + theme->spacing : 0.0) +
                 axes->y.tick_label_width + TICK_LABEL_GAP + theme->tick_length;
      right_decorations = measure_colorbar_extent (axes, label_height);
      if (axes->legend->len > 0 && axes->placement == QKS_PLOT_LEGEND_OUTSIDE_RIGHT)
        right_decorations += 2.0 * theme->spacing + axes->legend_width;
      new_right = theme->padding + right_decorations;
      new_top = region_top + theme->spacing / 2.0;

      /* Labels centred on the end ticks may reach past the frame. */
      if (axes->x.ticks.count > 0)
        {
          const Axis *x = &axes->x;
          double first = text_width (theme, cr, QKS_PLOT_FONT_SMALL, x->tick_labels[0]);
          double last = text_width (theme, cr, QKS_PLOT_FONT_SMALL, x->tick_labels[x->ticks.count - 1]);

          overhang = first / 2.0 - axis_fraction (x, x->ticks.values[0]) * frame_width;
          new_left = MAX (new_left, theme->padding + overhang);
          overhang = last / 2.0 - (1.0 - axis_fraction (x, x->ticks.values[x->ticks.count - 1])) * frame_width;
          if (right_decorations > 0.0)
            new_right += MAX (0.0, overhang - 2.0 * theme->spacing);
          else
            new_right = MAX (new_right, theme->padding + overhang);
        }
      for (const Axis *y = &axes->y; y != NULL; y = y == &axes->y && axes->has_colorbar ? &axes->colorbar : NULL)
        if (y->ticks.count > 0)
          {
            /* The top label: the last tick's, or the first's top down. */
            double top_fraction = MAX (axis_fraction (y, y->ticks.values[0]),
                                       axis_fraction (y, y->ticks.values[y->ticks.count - 1]));

            overhang = tick_height / 2.0 - (1.0 - top_fraction) * frame_height;
            new_top = MAX (new_top, region_top + overhang);
          }

      new_left = ceil (new_left);
      new_right = ceil (new_right);
      new_top = ceil (new_top);
      if (new_left == left && new_right == right && new_top == top)
        break;
      left = new_left;
      right = new_right;
      top = new_top;
    }

  axes->frame.x = left;
  axes->frame.y = top;
  axes->frame.width = axes->width - left - right;
  axes->frame.height = axes->height - top - bottom;
  if (axes->frame.width < MIN_FRAME_SIZE || axes->frame.height < MIN_FRAME_SIZE)
    {
      g_set_error (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_TOO_SMALL,
                   _("A %g × %g figure leaves no room for the data"), axes->width, axes->height);
      return FALSE;
    }

  axes->colorbar_extent = measure_colorbar_extent (axes, label_height);
  fit_legend (axes);
  axes->colorbar_rect.x = left + axes->frame.width + 2.0 * theme->spacing;
  axes->colorbar_rect.y = top;
  axes->colorbar_rect.width = COLORBAR_WIDTH;
  axes->colorbar_rect.height = axes->frame.height;

  axes->laid_out = TRUE;
  return TRUE;
}

void
qks_plot_axes_get_frame (const QksPlotAxes *axes,
                         QksPlotRect       *frame)
{
  g_return_if_fail (axes->laid_out);

  *frame = axes->frame;
}

/**
 * qks_plot_axes_frame_contains:
 *
 * Whether (@x, @y) lies in the plot frame: where a tooltip has values.
 */
gboolean
qks_plot_axes_frame_contains (const QksPlotAxes *axes,
                              double             x,
                              double             y)
{
  g_return_val_if_fail (axes->laid_out, FALSE);

  return x >= axes->frame.x && x <= axes->frame.x + axes->frame.width &&
         y >= axes->frame.y && y <= axes->frame.y + axes->frame.height;
}

/**
 * qks_plot_axes_nearest_x:
 * @values: (array length=n): x values in data units, NaN for a point not
 *   drawn
 * @also_finite: (nullable) (array length=n): values that must be finite
 *   too for a point to count (its y, say)
 *
 * Returns: the index of the point drawn nearest @x, a device position, or
 *   %G_MAXUINT when none is drawn: what a tooltip of a curve shows
 */
guint
qks_plot_axes_nearest_x (const QksPlotAxes *axes,
                         const double      *values,
                         const double      *also_finite,
                         guint              n,
                         double             x)
{
  double best = INFINITY;
  guint nearest = G_MAXUINT;

  for (guint i = 0; i < n; i++)
    {
      double distance = fabs (qks_plot_axes_x_to_device (axes, values[i]) - x);

      if (isfinite (values[i]) && (also_finite == NULL || isfinite (also_finite[i])) && distance < best)
        {
          best = distance;
          nearest = i;
        }
    }
  return nearest;
}

/**
 * qks_plot_axes_nearest_category:
 * @first: the data x of category 0 (categories are 1 apart on a linear
 *   axis, as qks_plot_axes_set_x_categories() or ranks 1 … n place them)
 *
 * Returns: the category of @n nearest @x, a device position
 */
guint
qks_plot_axes_nearest_category (const QksPlotAxes *axes,
                                double             first,
                                guint              n,
                                double             x)
{
  double value;

  g_return_val_if_fail (axes->laid_out && n > 0, 0);

  value = axes->x.min + (x - axes->frame.x) / axes->frame.width * (axes->x.max - axes->x.min);
  return (guint) CLAMP (lround (value - first), 0, (long) n - 1);
}

/**
 * qks_plot_axes_get_x_range:
 *
 * The range drawn, after any repair of a degenerate one.
 */
void
qks_plot_axes_get_x_range (const QksPlotAxes *axes,
                           double            *min,
                           double            *max)
{
  g_return_if_fail (axes->laid_out);

  *min = axes->x.min;
  *max = axes->x.max;
}

void
qks_plot_axes_get_y_range (const QksPlotAxes *axes,
                           double            *min,
                           double            *max)
{
  g_return_if_fail (axes->laid_out);

  *min = axes->y.min;
  *max = axes->y.max;
}

const QksTicks *
qks_plot_axes_get_x_ticks (const QksPlotAxes *axes)
{
  g_return_val_if_fail (axes->laid_out, NULL);

  return &axes->x.ticks;
}

const QksTicks *
qks_plot_axes_get_y_ticks (const QksPlotAxes *axes)
{
  g_return_val_if_fail (axes->laid_out, NULL);

  return &axes->y.ticks;
}

/**
 * qks_plot_axes_x_to_device:
 *
 * Returns: the horizontal position of @x in the cairo units the figure is
 *   drawn in: the frame's left edge at the range's minimum, its right edge
 *   at the maximum, extrapolated beyond; NaN for x ≤ 0 on a log axis
 */
double
qks_plot_axes_x_to_device (const QksPlotAxes *axes,
                           double             x)
{
  g_return_val_if_fail (axes->laid_out, NAN);

  return axes->frame.x + axis_fraction (&axes->x, x) * axes->frame.width;
}

/**
 * qks_plot_axes_y_to_device:
 *
 * Returns: the vertical position of @y: the frame's bottom edge at the
 *   range's minimum, its top edge at the maximum
 */
double
qks_plot_axes_y_to_device (const QksPlotAxes *axes,
                           double             y)
{
  g_return_val_if_fail (axes->laid_out, NAN);

  return axes->frame.y + (1.0 - axis_fraction (&axes->y, y)) * axes->frame.height;
}

/**
 * qks_plot_axes_colorbar_color:
 *
 * Returns: the colour the bar shows for @value, clamped to its range; the
 *   map's missing colour for NaN (and for values ≤ 0 on a log scale)
 */
QksPlotColor
qks_plot_axes_colorbar_color (const QksPlotAxes *axes,
                              double             value)
{
  g_return_val_if_fail (axes->laid_out && axes->has_colorbar, qks_plot_colormap_missing ());

  return qks_plot_colormap_lookup (axes->colormap, axis_fraction (&axes->colorbar, value));
}

/* Drawing ----------------------------------------------------------------- */

/**
 * qks_plot_axes_clip:
 *
 * Restricts drawing to the frame, for the data. Wrap in cairo_save() and
 * cairo_restore().
 */
void
qks_plot_axes_clip (const QksPlotAxes *axes,
                    cairo_t           *cr)
{
  g_return_if_fail (axes->laid_out);

  cairo_rectangle (cr, axes->frame.x, axes->frame.y, axes->frame.width, axes->frame.height);
  cairo_clip (cr);
}

static void
stroke_vertical (const QksPlotTheme *theme,
                 cairo_t            *cr,
                 double              x,
                 double              y0,
                 double              y1,
                 double              width)
{
  x = qks_plot_theme_snap (theme, cr, x, width);
  cairo_set_line_width (cr, width);
  cairo_move_to (cr, x, y0);
  cairo_line_to (cr, x, y1);
  cairo_stroke (cr);
}

static void
stroke_horizontal (const QksPlotTheme *theme,
                   cairo_t            *cr,
                   double              y,
                   double              x0,
                   double              x1,
                   double              width)
{
  y = qks_plot_theme_snap (theme, cr, y, width);
  cairo_set_line_width (cr, width);
  cairo_move_to (cr, x0, y);
  cairo_line_to (cr, x1, y);
  cairo_stroke (cr);
}

/**
 * qks_plot_axes_draw_grid:
 *
 * Grid lines at the major ticks, to go under the data.
 */
void
qks_plot_axes_draw_grid (const QksPlotAxes *axes,
                         cairo_t           *cr)
{
  const QksPlotTheme *theme = &axes->theme;
  const QksPlotRect *frame = &axes->frame;

  g_return_if_fail (axes->laid_out);

  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  qks_plot_set_source_color (cr, &theme->grid);
  for (guint i = 0; axes->x.categories == NULL && i < axes->x.ticks.count; i++)
    stroke_vertical (theme, cr, qks_plot_axes_x_to_device (axes, axes->x.ticks.values[i]),
                     frame->y, frame->y + frame->height, theme->grid_line_width);
  for (guint i = 0; axes->y.categories == NULL && i < axes->y.ticks.count; i++)
    stroke_horizontal (theme, cr, qks_plot_axes_y_to_device (axes, axes->y.ticks.values[i]),
                       frame->x, frame->x + frame->width, theme->grid_line_width);
  cairo_restore (cr);
}

/**
 * qks_plot_axes_draw_frame:
 *
 * The axis lines, ticks, tick labels, axis labels and title, to go over the
 * data.
 */
void
qks_plot_axes_draw_frame (const QksPlotAxes *axes,
                          cairo_t           *cr)
{
  const QksPlotTheme *theme = &axes->theme;
  const QksPlotRect *frame = &axes->frame;
  double left = frame->x, right = frame->x + frame->width;
  double top = frame->y, bottom = frame->y + frame->height;
  double minor_length = 0.6 * theme->tick_length;
  double axis_line;

  g_return_if_fail (axes->laid_out);

  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_SQUARE);
  qks_plot_set_source_color (cr, &theme->axis);

  /* The two axis lines, each snapped like the ticks that hang from it. */
  axis_line = qks_plot_theme_snap (theme, cr, bottom, theme->axis_line_width);
  stroke_horizontal (theme, cr, bottom, qks_plot_theme_snap (theme, cr, left, theme->axis_line_width), right,
                     theme->axis_line_width);
  stroke_vertical (theme, cr, left, top, axis_line, theme->axis_line_width);

  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  for (guint i = 0; i < axes->x.ticks.count; i++)
    stroke_vertical (theme, cr, qks_plot_axes_x_to_device (axes, axes->x.ticks.values[i]),
                     axis_line, axis_line + theme->tick_length, theme->axis_line_width);
  for (guint i = 0; i < axes->x.n_minor; i++)
    stroke_vertical (theme, cr, qks_plot_axes_x_to_device (axes, axes->x.minor[i]),
                     axis_line, axis_line + minor_length, theme->axis_line_width);
  axis_line = qks_plot_theme_snap (theme, cr, left, theme->axis_line_width);
  for (guint i = 0; i < axes->y.ticks.count; i++)
    stroke_horizontal (theme, cr, qks_plot_axes_y_to_device (axes, axes->y.ticks.values[i]),
                       axis_line - theme->tick_length, axis_line, theme->axis_line_width);
  for (guint i = 0; i < axes->y.n_minor; i++)
    stroke_horizontal (theme, cr, qks_plot_axes_y_to_device (axes, axes->y.minor[i]),
                       axis_line - minor_length, axis_line, theme->axis_line_width);

  for (guint i = 0; i < axes->x.ticks.count; i++)
    {
      g_autoptr(PangoLayout) layout = create_markup_layout (theme, cr, QKS_PLOT_FONT_SMALL,
                                                            axes->x.tick_labels[i]);

      qks_plot_show_layout (theme, cr, layout, &theme->muted, qks_plot_axes_x_to_device (axes, axes->x.ticks.values[i]),
                   bottom + theme->tick_length + TICK_LABEL_GAP, 0.5, 0.0);
    }
  for (guint i = 0; i < axes->y.ticks.count; i++)
    {
      g_autoptr(PangoLayout) layout = create_markup_layout (theme, cr, QKS_PLOT_FONT_SMALL,
                                                            axes->y.tick_labels[i]);

      qks_plot_show_layout (theme, cr, layout, &theme->muted, left - theme->tick_length - TICK_LABEL_GAP,
                   qks_plot_axes_y_to_device (axes, axes->y.ticks.values[i]), 1.0, 0.5);
    }

  if (axes->x.label != NULL)
    {
      g_autoptr(PangoLayout) layout = create_line_layout (theme, cr, QKS_PLOT_FONT_BODY,
                                                          axes->x.label, frame->width);

      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      qks_plot_show_layout (theme, cr, layout, &theme->foreground, left + frame->width / 2.0,
                   axes->height - theme->padding, 0.5, 1.0);
    }
  if (axes->y.label != NULL)
    {
      g_autoptr(PangoLayout) layout = create_line_layout (theme, cr, QKS_PLOT_FONT_BODY,
                                                          axes->y.label, frame->height);

      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      cairo_save (cr);
      cairo_translate (cr, theme->padding, top + frame->height / 2.0);
      cairo_rotate (cr, -G_PI / 2.0);
      qks_plot_show_layout (theme, cr, layout, &theme->foreground, 0.0, 0.0, 0.5, 0.0);
      cairo_restore (cr);
    }
  if (axes->title != NULL)
    {
      g_autoptr(PangoLayout) layout = create_line_layout (theme, cr, QKS_PLOT_FONT_TITLE, axes->title,
                                                          axes->width - 2.0 * theme->padding);

      qks_plot_show_layout (theme, cr, layout, &theme->foreground, theme->padding, theme->padding, 0.0, 0.0);
    }
  cairo_restore (cr);
}

/**
 * qks_plot_axes_draw_colorbar:
 *
 * The colour bar right of the frame with its ticks and label, if
 * qks_plot_axes_set_colorbar() asked for one.
 */
void
qks_plot_axes_draw_colorbar (const QksPlotAxes *axes,
                             cairo_t           *cr)
{
  const QksPlotTheme *theme = &axes->theme;
  const QksPlotRect *bar = &axes->colorbar_rect;
  const Axis *axis = &axes->colorbar;
  cairo_pattern_t *gradient;
  double tick_x;

  g_return_if_fail (axes->laid_out);
  if (!axes->has_colorbar)
    return;

  cairo_save (cr);

  /* Every entry of the table as a stop: cairo interpolates between stops
   * linearly, as qks_plot_colormap_lookup() does between entries, and SVG
   * and PDF keep the gradient as a gradient. */
  gradient = cairo_pattern_create_linear (0.0, bar->y + bar->height, 0.0, bar->y);
  for (guint i = 0; i < QKS_PLOT_COLORMAP_SIZE; i++)
    {
      const double *rgb = qks_plot_colormap_entry (axes->colormap, i);

      cairo_pattern_add_color_stop_rgb (gradient, i / (double) (QKS_PLOT_COLORMAP_SIZE - 1),
                                        rgb[0], rgb[1], rgb[2]);
    }
  cairo_rectangle (cr, bar->x, bar->y, bar->width, bar->height);
  cairo_set_source (cr, gradient);
  cairo_fill (cr);
  cairo_pattern_destroy (gradient);

  qks_plot_set_source_color (cr, &theme->border);
  cairo_set_line_width (cr, theme->axis_line_width);
  cairo_rectangle (cr, bar->x + theme->axis_line_width / 2.0, bar->y + theme->axis_line_width / 2.0,
                   bar->width - theme->axis_line_width, bar->height - theme->axis_line_width);
  cairo_stroke (cr);

  tick_x = bar->x + bar->width;
  qks_plot_set_source_color (cr, &theme->axis);
  for (guint i = 0; i < axis->ticks.count; i++)
    {
      double y = bar->y + (1.0 - axis_fraction (axis, axis->ticks.values[i])) * bar->height;
      g_autoptr(PangoLayout) layout = create_markup_layout (theme, cr, QKS_PLOT_FONT_SMALL,
                                                            axis->tick_labels[i]);

      qks_plot_set_source_color (cr, &theme->axis);
      stroke_horizontal (theme, cr, y, tick_x, tick_x + theme->tick_length, theme->axis_line_width);
      qks_plot_show_layout (theme, cr, layout, &theme->muted, tick_x + theme->tick_length + TICK_LABEL_GAP, y, 0.0, 0.5);
    }

  if (axis->label != NULL)
    {
      g_autoptr(PangoLayout) layout = create_line_layout (theme, cr, QKS_PLOT_FONT_BODY,
                                                          axis->label, bar->height);
      double x = tick_x + theme->tick_length + TICK_LABEL_GAP + axis->tick_label_width + theme->spacing;

      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      cairo_translate (cr, x, bar->y + bar->height / 2.0);
      cairo_rotate (cr, -G_PI / 2.0);
      qks_plot_show_layout (theme, cr, layout, &theme->foreground, 0.0, 0.0, 0.5, 0.0);
    }
  cairo_restore (cr);
}

static void
legend_box_at (const QksPlotAxes      *axes,
               QksPlotLegendPlacement  placement,
               QksPlotRect            *box)
{
  const QksPlotRect *frame = &axes->frame;

  box->width = axes->legend_width;
  box->height = axes->legend_height;
  switch (placement)
    {
    case QKS_PLOT_LEGEND_TOP_LEFT:
      box->x = frame->x + LEGEND_INSET;
      box->y = frame->y + LEGEND_INSET;
      break;
    case QKS_PLOT_LEGEND_BOTTOM_RIGHT:
      box->x = frame->x + frame->width - LEGEND_INSET - box->width;
      box->y = frame->y + frame->height - LEGEND_INSET - box->height;
      break;
    case QKS_PLOT_LEGEND_BOTTOM_LEFT:
      box->x = frame->x + LEGEND_INSET;
      box->y = frame->y + frame->height - LEGEND_INSET - box->height;
      break;
    case QKS_PLOT_LEGEND_OUTSIDE_RIGHT:
      box->x = frame->x + frame->width + axes->colorbar_extent + 2.0 * axes->theme.spacing;
      box->y = frame->y;
      break;
    case QKS_PLOT_LEGEND_TOP_RIGHT:
    case QKS_PLOT_LEGEND_BEST:
    default:
      box->x = frame->x + frame->width - LEGEND_INSET - box->width;
      box->y = frame->y + LEGEND_INSET;
      break;
    }
}

/* Never past the allocation, however long the entries. */
static void
legend_box_clamp (const QksPlotAxes *axes,
                  QksPlotRect       *box)
{
  const QksPlotTheme *theme = &axes->theme;

  box->x = round (MAX (theme->padding, MIN (box->x, axes->width - theme->padding - box->width)));
  box->y = round (MAX (theme->padding, MIN (box->y, axes->height - theme->padding - box->height)));
}

/**
 * qks_plot_axes_get_legend_box:
 * @placement: a corner, or %QKS_PLOT_LEGEND_OUTSIDE_RIGHT
 *   (%QKS_PLOT_LEGEND_BEST gives the top right corner)
 * @box: (out): the legend's box there, in device units
 *
 * Where qks_plot_axes_draw_legend() would draw the legend at @placement,
 * so that a figure can make room for it (headroom above its data) before
 * it draws.
 *
 * Returns: %FALSE when there is no legend to draw
 */
gboolean
qks_plot_axes_get_legend_box_at (const QksPlotAxes      *axes,
                                 QksPlotLegendPlacement  placement,
                                 QksPlotRect            *box)
{
  g_return_val_if_fail (axes->laid_out, FALSE);

  memset (box, 0, sizeof *box);
  if (axes->legend_rows == 0)
    return FALSE;
  legend_box_at (axes, placement, box);
  legend_box_clamp (axes, box);
  return TRUE;
}

static guint
count_points_inside (const QksPlotAxes *axes,
                     const QksPlotRect *box,
                     const double      *xs,
                     const double      *ys,
                     gsize              n)
{
  guint count = 0;

  for (gsize i = 0; i < n; i++)
    {
      double x = qks_plot_axes_x_to_device (axes, xs[i]);
      double y = qks_plot_axes_y_to_device (axes, ys[i]);

      if (x >= box->x - LEGEND_INSET && x <= box->x + box->width + LEGEND_INSET &&
          y >= box->y - LEGEND_INSET && y <= box->y + box->height + LEGEND_INSET)
        count++;
    }
  return count;
}

static void
draw_swatch (const QksPlotTheme *theme,
             cairo_t            *cr,
             const LegendEntry  *entry,
             double              x,
             double              y)
{
  static const double dashes[] = { 6.0, 3.0 };

  cairo_save (cr);
  qks_plot_set_source_color (cr, &entry->color);
  switch (entry->swatch)
    {
    case QKS_PLOT_SWATCH_MARKER:
      cairo_arc (cr, x + LEGEND_SWATCH_WIDTH / 2.0, y, 4.0, 0.0, 2.0 * G_PI);
      cairo_fill (cr);
      break;
    case QKS_PLOT_SWATCH_PATCH:
      cairo_rectangle (cr, x + (LEGEND_SWATCH_WIDTH - 12.0) / 2.0, y - 6.0, 12.0, 12.0);
      cairo_fill (cr);
      break;
    case QKS_PLOT_SWATCH_LINE:
    default:
      cairo_set_line_width (cr, theme->line_width);
      cairo_set_line_cap (cr, entry->dashed ? CAIRO_LINE_CAP_BUTT : CAIRO_LINE_CAP_ROUND);
      if (entry->dashed)
        cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0.0);
      cairo_move_to (cr, x + 1.0, y);
      cairo_line_to (cr, x + LEGEND_SWATCH_WIDTH - 1.0, y);
      cairo_stroke (cr);
      break;
    }
  cairo_restore (cr);
}

static void
rounded_rectangle (cairo_t           *cr,
                   const QksPlotRect *rect,
                   double             radius)
{
  double x = rect->x, y = rect->y, w = rect->width, h = rect->height;

  radius = MIN (radius, MIN (w, h) / 2.0);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - radius, y + radius, radius, -G_PI / 2.0, 0.0);
  cairo_arc (cr, x + w - radius, y + h - radius, radius, 0.0, G_PI / 2.0);
  cairo_arc (cr, x + radius, y + h - radius, radius, G_PI / 2.0, G_PI);
  cairo_arc (cr, x + radius, y + radius, radius, G_PI, 3.0 * G_PI / 2.0);
  cairo_close_path (cr);
}

/* Of the inside corners, then the middles of the edges, the first place
 * where the legend covers the fewest of the points; returns how many. */
static guint
best_legend_box (const QksPlotAxes *axes,
                 const double      *xs,
                 const double      *ys,
                 gsize              n,
                 QksPlotRect       *best)
{
  static const QksPlotLegendPlacement corners[] = {
    QKS_PLOT_LEGEND_TOP_RIGHT,
    QKS_PLOT_LEGEND_TOP_LEFT,
    QKS_PLOT_LEGEND_BOTTOM_RIGHT,
    QKS_PLOT_LEGEND_BOTTOM_LEFT,
  };
  const QksPlotRect *frame = &axes->frame;
  guint fewest = G_MAXUINT;

  for (guint i = 0; i < 8 && fewest > 0; i++)
    {
      QksPlotRect candidate;
      guint count;

      if (i < G_N_ELEMENTS (corners))
        legend_box_at (axes, corners[i], &candidate);
      else
        {
          /* Right, left, bottom, top middles. */
          candidate.width = axes->legend_width;
          candidate.height = axes->legend_height;
          candidate.x = i == 4 ? frame->x + frame->width - LEGEND_INSET - candidate.width
                      : i == 5 ? frame->x + LEGEND_INSET
                      : frame->x + (frame->width - candidate.width) / 2.0;
          candidate.y = i == 6 ? frame->y + frame->height - LEGEND_INSET - candidate.height
                      : i == 7 ? frame->y + LEGEND_INSET
                      : frame->y + (frame->height - candidate.height) / 2.0;
        }
      count = count_points_inside (axes, &candidate, xs, ys, n);
      if (count < fewest)
        {
          fewest = count;
          *best = candidate;
        }
    }
  return fewest;
}

/**
 * qks_plot_axes_legend_fits_inside:
 * @xs: (array length=n): data points the legend should not cover
 * @ys: (array length=n): their y values
 *
 * Whether an inside corner of the frame has room for the legend over none
 * of the points: if not, lay the figure out again with
 * %QKS_PLOT_LEGEND_OUTSIDE_RIGHT rather than hide data under it. %TRUE
 * when there is no legend.
 */
gboolean
qks_plot_axes_legend_fits_inside (const QksPlotAxes *axes,
                                  const double      *xs,
                                  const double      *ys,
                                  gsize              n)
{
  QksPlotRect box;

  g_return_val_if_fail (axes->laid_out, TRUE);

  if (axes->legend_rows == 0 || n == 0)
    return TRUE;
  /* A legend cut short for want of height does not fit either. */
  if (axes->legend_more > 0)
    return FALSE;
  return best_legend_box (axes, xs, ys, n, &box) == 0;
}

/**
 * qks_plot_axes_get_legend_box:
 * @avoid_x: (array length=n_avoid) (nullable): as for qks_plot_axes_draw_legend()
 * @avoid_y: (array length=n_avoid) (nullable)
 * @box: (out): where qks_plot_axes_draw_legend() draws the legend, given
 *   the same points
 *
 * For marks the figure draws after the legend or that must keep clear of
 * it (a tag on a line).
 *
 * Returns: %FALSE when there is no legend to draw
 */
gboolean
qks_plot_axes_get_legend_box (const QksPlotAxes *axes,
                              const double      *avoid_x,
                              const double      *avoid_y,
                              gsize              n_avoid,
                              QksPlotRect       *box)
{
  g_return_val_if_fail (axes->laid_out, FALSE);
  if (axes->legend_rows == 0)
    return FALSE;

  legend_box_at (axes, axes->placement, box);
  if (axes->placement == QKS_PLOT_LEGEND_BEST && avoid_x != NULL && avoid_y != NULL && n_avoid > 0)
    best_legend_box (axes, avoid_x, avoid_y, n_avoid, box);
  /* Never past the allocation, however long the entries. */
  legend_box_clamp (axes, box);
  return TRUE;
}

/**
 * qks_plot_axes_draw_legend:
 * @avoid_x: (array length=n_avoid) (nullable): data points the legend
 *   should not cover, for %QKS_PLOT_LEGEND_BEST
 * @avoid_y: (array length=n_avoid) (nullable): their y values
 *
 * The legend set by qks_plot_axes_set_legend(), if any. With
 * %QKS_PLOT_LEGEND_BEST it goes where it covers the fewest of the given
 * points: an inside corner (top right, top left, bottom right, bottom
 * left), else the middle of an edge (right, left, bottom, top), in that
 * order when they tie.
 */
void
qks_plot_axes_draw_legend (const QksPlotAxes *axes,
                           cairo_t           *cr,
                           const double      *avoid_x,
                           const double      *avoid_y,
                           gsize              n_avoid)
{
  const QksPlotTheme *theme = &axes->theme;
  QksPlotRect box, outline;
  double y;

  g_return_if_fail (axes->laid_out);
  if (!qks_plot_axes_get_legend_box (axes, avoid_x, avoid_y, n_avoid, &box))
    return;
  outline = box;
  outline.x += theme->axis_line_width / 2.0;
  outline.y += theme->axis_line_width / 2.0;
  outline.width -= theme->axis_line_width;
  outline.height -= theme->axis_line_width;

  cairo_save (cr);
  rounded_rectangle (cr, &box, CORNER_RADIUS);
  qks_plot_set_source_color (cr, &theme->card);
  cairo_fill (cr);
  rounded_rectangle (cr, &outline, CORNER_RADIUS);
  qks_plot_set_source_color (cr, &theme->border);
  cairo_set_line_width (cr, theme->axis_line_width);
  cairo_stroke (cr);

  y = box.y + LEGEND_PADDING + axes->legend_row_height / 2.0;
  for (guint i = 0; i < axes->legend_rows; i++, y += axes->legend_row_height + LEGEND_ROW_GAP)
    {
      const LegendEntry *entry = &g_array_index (axes->legend, LegendEntry, i);
      double label_x = box.x + LEGEND_PADDING + LEGEND_SWATCH_WIDTH + theme->spacing;
      double label_width = box.x + box.width - LEGEND_PADDING - label_x;
      g_autoptr(PangoLayout) layout = NULL;

      if (axes->legend_more > 0 && i == axes->legend_rows - 1)
        {
          g_autofree char *more = g_strdup_printf ("… +%u", axes->legend_more);

          layout = create_line_layout (theme, cr, QKS_PLOT_FONT_BODY, more, label_width);
          qks_plot_show_layout (theme, cr, layout, &theme->muted, label_x, y, 0.0, 0.5);
          break;
        }
      layout = create_line_layout (theme, cr, QKS_PLOT_FONT_BODY, entry->label, label_width);
      draw_swatch (theme, cr, entry, box.x + LEGEND_PADDING, y);
      qks_plot_show_layout (theme, cr, layout, &theme->foreground, label_x, y, 0.0, 0.5);
    }
  cairo_restore (cr);
}

/**
 * qks_plot_draw_background:
 *
 * Fills the allocation with the theme's background: for exports, and for a
 * widget that is not drawn over the window's own background.
 */
void
qks_plot_draw_background (cairo_t            *cr,
                          double              width,
                          double              height,
                          const QksPlotTheme *theme)
{
  cairo_save (cr);
  qks_plot_set_source_color (cr, &theme->background);
  cairo_rectangle (cr, 0.0, 0.0, width, height);
  cairo_fill (cr);
  cairo_restore (cr);
}

/* A small line chart in outline, the figure's symbol above the message. */
static void
draw_empty_symbol (cairo_t            *cr,
                   const QksPlotTheme *theme,
                   double              x,
                   double              y,
                   double              size)
{
  QksPlotColor color = qks_plot_color_with_alpha (&theme->muted, theme->muted.alpha * 0.7);
  double unit = size / 16.0;

  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, unit, unit);
  qks_plot_set_source_color (cr, &color);
  cairo_set_line_width (cr, 1.25);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_move_to (cr, 1.5, 1.5);
  cairo_line_to (cr, 1.5, 14.5);
  cairo_line_to (cr, 14.5, 14.5);
  cairo_stroke (cr);
  cairo_move_to (cr, 4.0, 11.0);
  cairo_line_to (cr, 7.0, 7.5);
  cairo_line_to (cr, 9.5, 9.5);
  cairo_line_to (cr, 13.5, 4.0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

/**
 * qks_plot_draw_empty_state:
 * @title: (nullable): the figure's title, drawn where a figure has it
 * @message: (nullable): why there is nothing to show, e.g. "No steps
 *   recorded yet"; wrapped and centred
 *
 * What a figure draws when it has no data, so that a panel never shows a
 * blank frame or an axis with a made-up range. Draws over whatever is there
 * (see qks_plot_draw_background()).
 */
void
qks_plot_draw_empty_state (cairo_t            *cr,
                           double              width,
                           double              height,
                           const QksPlotTheme *theme,
                           const char         *title,
                           const char         *message)
{
  double top = theme->padding, symbol_size = 32.0, text_height = 0.0, block_height, y;
  g_autoptr(PangoLayout) text = NULL;

  cairo_save (cr);
  cairo_rectangle (cr, 0.0, 0.0, width, height);
  cairo_clip (cr);

  if (title != NULL)
    {
      g_autoptr(PangoLayout) layout = create_line_layout (theme, cr, QKS_PLOT_FONT_TITLE, title,
                                                          width - 2.0 * theme->padding);
      double title_height;

      layout_size (layout, NULL, &title_height);
      qks_plot_show_layout (theme, cr, layout, &theme->foreground, theme->padding, theme->padding, 0.0, 0.0);
      top += title_height + theme->spacing;
    }

  if (message != NULL)
    {
      text = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_BODY, message);
      pango_layout_set_width (text, (int) (MAX (1.0, MIN (width - 2.0 * theme->padding, 360.0)) * PANGO_SCALE));
      pango_layout_set_wrap (text, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_alignment (text, PANGO_ALIGN_CENTER);
      layout_size (text, NULL, &text_height);
    }

  /* Centre the symbol and the message together in the room below the
   * title; drop the symbol when there is no room for it. */
  block_height = symbol_size + theme->spacing * 2.0 + text_height;
  if (block_height > height - top - theme->padding)
    {
      symbol_size = 0.0;
      block_height = text_height;
    }
  y = MAX (top, top + (height - top - theme->padding - block_height) / 2.0);
  if (symbol_size > 0.0)
    {
      draw_empty_symbol (cr, theme, round (width / 2.0 - symbol_size / 2.0), round (y), symbol_size);
      y += symbol_size + theme->spacing * 2.0;
    }
  if (text != NULL)
    qks_plot_show_layout (theme, cr, text, &theme->muted, width / 2.0, y, 0.5, 0.0);
  cairo_restore (cr);
}
