/* qks-plot-esd.c: the eigenvalue histogram of a form against Marchenko–Pastur
 * and its null, one panel or one small panel per layer (SCIENCE.md c.1)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <math.h>
#include <string.h>

#include "qks-law-mp.h"
#include "qks-plot-esd.h"
#include "qks-plot-marks.h"
#include "qks-plot-ticks.h"

/* Lengths in device-independent units. */
#define MARKER_LINE_WIDTH   1.5   /* λ₊ and λ_thr */
#define RUG_LENGTH          9.0   /* one tick per spike, up from the x axis */
#define RUG_WIDTH           1.5
#define ARROW_LENGTH        7.0   /* a spike beyond the x range */
#define ARROW_HALF_HEIGHT   4.0
#define ARROW_STEP          9.0   /* between stacked arrows */
#define CURVE_STEP          1.5   /* between the samples of a density curve */
#define BAR_GAP_MIN_WIDTH   5.0   /* narrower bars touch; wider ones keep a pixel apart */
#define LEGEND_GAP          4.0   /* between the legend and the data below it */
#define CLIP_BREAK          5.0   /* a clipped bar's break, this far below the top */

/* The x range beyond the largest of the bulk, λ₊ and λ_thr, when spikes
 * are left out, and the headroom above the tallest bar. */
#define BULK_MARGIN         1.3
#define FULL_MARGIN         0.04
#define Y_HEADROOM          1.1
#define CURVE_CAP           1.6   /* a curve may set the y range up to this × the tallest bar */
#define LEGEND_HEADROOM     1.8   /* the y range may grow this much to clear the legend */
#define GRID_Y_SPREAD       2.0   /* a grid's y range: at most this × the panels' median */

#define DEFAULT_X_LABEL     _("Normalised eigenvalue λ/mean λ")
#define DEFAULT_Y_LABEL     _("Density")
#define DEFAULT_Y_LABEL_LOG _("Density per decade")
#define NO_SPECTRUM         _("No spectrum at this step yet")
#define OUT_OF_RANGE        _("The spectrum spans more orders of magnitude than a figure can show")

/* The values of one panel, checked, normalised and sorted. */
typedef struct
{
  double *values;      /* λ̃ ascending */
  gsize   n;
  double  mean;
  double  threshold;   /* λ_thr, NaN when there is none */
  gsize   n_spikes;
  double  bulk_max;    /* the largest value ≤ λ_thr */
} EsdValues;

typedef enum
{
  CURVE_NONE,
  CURVE_MP,
  CURVE_TABLE,
} CurveKind;

/* A density ρ_σ²(x) = ρ(x/σ²)/σ² of a mean-1 law, 0 outside [lo, hi]. */
typedef struct
{
  CurveKind     kind;
  double        c;
  double        sigma2;
  const double *x;
  const double *density;
  gsize         n;
  double        lo;
  double        hi;
} Curve;

/* Where a panel's frame is and what it spans. */
typedef struct
{
  QksPlotRect frame;
  double      x_min;
  double      x_max;
  gboolean    x_log;
  double      y_max;
} Panel;

static void
esd_values_clear (EsdValues *values)
{
  g_clear_pointer (&values->values, g_free);
}

static gboolean
value_usable (double value)
{
  return isfinite (value) && value > 0.0;
}

/* Returns: NULL, or why the panel shows no histogram */
static const char *
esd_values_init (const QksPlotEsdData *data,
                 QksPlotScale          scale,
                 EsdValues            *values)
{
  double sum = 0.0;

  memset (values, 0, sizeof *values);
  if (data == NULL || data->eigenvalues == NULL || data->n_eigenvalues == 0)
    return NO_SPECTRUM;
  if (data->n_eigenvalues == 1)
    return _("A single eigenvalue makes no histogram: a spectrum needs at least two");

  switch (qks_plot_check_values (data->eigenvalues, data->n_eigenvalues,
                                 scale == QKS_PLOT_SCALE_LOG ? QKS_PLOT_CHECK_POSITIVE
                                                             : QKS_PLOT_CHECK_NONNEGATIVE))
    {
    case QKS_PLOT_VALUES_OK:
      break;
    case QKS_PLOT_VALUES_NOT_FINITE:
      return _("The spectrum holds NaN or infinite values");
    case QKS_PLOT_VALUES_NEGATIVE:
      return _("The spectrum holds negative values, which no eigenvalue s²/N can be");
    case QKS_PLOT_VALUES_NOT_POSITIVE:
      return _("A logarithmic axis cannot show zero or negative eigenvalues: use a linear axis");
    case QKS_PLOT_VALUES_OUT_OF_RANGE:
      return OUT_OF_RANGE;
    case QKS_PLOT_VALUES_MISSING:
    default:
      return NO_SPECTRUM;
    }

  /* Sum scaled down so that values near G_MAXDOUBLE do not overflow. */
  for (gsize i = 0; i < data->n_eigenvalues; i++)
    sum += data->eigenvalues[i] / (double) data->n_eigenvalues;
  if (!(sum > 0.0) || !isfinite (sum))
    return _("Every eigenvalue is zero: there is no spectrum to normalise");

  values->n = data->n_eigenvalues;
  values->mean = sum;
  values->values = qks_plot_sorted_copy (data->eigenvalues, values->n);
  for (gsize i = 0; i < values->n; i++)
    values->values[i] /= sum;
  if (scale == QKS_PLOT_SCALE_LOG && !(values->values[0] >= 1.0 / QKS_PLOT_VALUE_LIMIT))
    {
      esd_values_clear (values);
      return OUT_OF_RANGE;
    }

  values->threshold = value_usable (data->lambda_threshold) ? data->lambda_threshold : NAN;
  values->bulk_max = values->values[values->n - 1];
  if (!isnan (values->threshold))
    {
      gsize bulk = values->n;

      while (bulk > 0 && values->values[bulk - 1] > values->threshold)
        bulk--;
      values->n_spikes = values->n - bulk;
      if (bulk > 0)
        values->bulk_max = values->values[bulk - 1];
    }
  return NULL;
}

/* Curves ------------------------------------------------------------------ */

static gboolean
table_usable (const QksPlotEsdData *data)
{
  if (data->null_x == NULL || data->null_density == NULL || data->n_null < 2)
    return FALSE;
  for (gsize i = 0; i < data->n_null; i++)
    {
      if (!isfinite (data->null_x[i]) || !isfinite (data->null_density[i]) ||
          data->null_x[i] < 0.0 || data->null_density[i] < 0.0)
        return FALSE;
      if (i > 0 && !(data->null_x[i] > data->null_x[i - 1]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
mp_shape_usable (double c)
{
  return isfinite (c) && c > 0.0 && c <= 1.0;
}

static void
curve_init_mp (Curve  *curve,
               double  c,
               double  sigma2)
{
  curve->kind = CURVE_MP;
  curve->c = c;
  curve->sigma2 = sigma2;
  qks_mp_edges (c, sigma2, &curve->lo, &curve->hi);
}

/* The MP fit, the null, and whether the two are one curve. */
static void
esd_curves (const QksPlotEsdData *data,
            Curve                *mp,
            Curve                *null_curve,
            gboolean             *merged)
{
  memset (mp, 0, sizeof *mp);
  memset (null_curve, 0, sizeof *null_curve);
  *merged = FALSE;

  if (value_usable (data->mp_sigma2) && mp_shape_usable (data->mp_c))
    curve_init_mp (mp, data->mp_c, data->mp_sigma2);

  if (data->null_law == NULL || !value_usable (data->sigma2))
    return;
  if (table_usable (data))
    {
      null_curve->kind = CURVE_TABLE;
      null_curve->sigma2 = data->sigma2;
      null_curve->x = data->null_x;
      null_curve->density = data->null_density;
      null_curve->n = data->n_null;
      null_curve->lo = data->null_x[0] * data->sigma2;
      null_curve->hi = data->null_x[data->n_null - 1] * data->sigma2;
    }
  else if (g_str_equal (data->null_law, "mp") && mp_shape_usable (data->mp_c))
    {
      curve_init_mp (null_curve, data->mp_c, data->sigma2);
      if (mp->kind == CURVE_MP && fabs (mp->sigma2 - null_curve->sigma2) <= 1e-9 * mp->sigma2)
        {
          *merged = TRUE;
          null_curve->kind = CURVE_NONE;
        }
    }
}

/* ρ at @x, per unit λ̃. */
static double
curve_density (const Curve *curve,
               double       x)
{
  double t, below, above;
  gsize low = 0, high;

  if (curve->kind == CURVE_NONE || x < curve->lo || x > curve->hi)
    return 0.0;
  if (curve->kind == CURVE_MP)
    return qks_mp_density (curve->c, curve->sigma2, x);

  t = x / curve->sigma2;
  high = curve->n - 1;
  while (high - low > 1)
    {
      gsize middle = (low + high) / 2;

      if (curve->x[middle] <= t)
        low = middle;
      else
        high = middle;
    }
  below = curve->density[low];
  above = curve->density[high];
  t = (t - curve->x[low]) / (curve->x[high] - curve->x[low]);
  return (below + CLAMP (t, 0.0, 1.0) * (above - below)) / curve->sigma2;
}

/* What the y axis shows: per unit λ̃, or per decade of λ̃ on a log axis. */
static double
curve_height (const Curve *curve,
              double       x,
              gboolean     x_log)
{
  double density = curve_density (curve, x);

  return x_log ? density * x * G_LN10 : density;
}

static double
curve_max (const Curve *curve,
           double       x_min,
           double       x_max,
           gboolean     x_log)
{
  double lo, hi, highest = 0.0;

  if (curve->kind == CURVE_NONE)
    return 0.0;
  lo = MAX (x_min, curve->lo);
  hi = MIN (x_max, curve->hi);
  if (!(hi > lo))
    return 0.0;
  for (guint i = 0; i <= 256; i++)
    {
      double t = i / 256.0;
      double x = x_log ? lo * pow (hi / lo, t) : lo + t * (hi - lo);
      double y = curve_height (curve, x, x_log);

      if (isfinite (y))
        highest = MAX (highest, y);
    }
  return highest;
}

/* The view: x range and bins ------------------------------------------------ */

/* Bins of equal width from @start (in the axis' own coordinate: λ̃ or
 * log10 λ̃) covering @span: Freedman–Diaconis' @ideal width, bounded so
 * that the bulk's own range @bulk_span holds 10 to 80 bins (a histogram of
 * 64 values still shows its shape) and the whole span at most 80; and
 * @aligned (λ_thr), when in range, on an edge, so that no bin holds both
 * bulk and spikes. */
static void
choose_bins (double  start,
             double  span,
             double  bulk_span,
             double  ideal,
             double  aligned,
             guint  *n_bins,
             double *width)
{
  double n_bulk, total, offset = aligned - start;

  if (!(bulk_span > 0.0) || !isfinite (bulk_span))
    bulk_span = span;
  n_bulk = CLAMP (ceil (bulk_span / ideal - 1e-9), QKS_PLOT_ESD_MIN_BINS, QKS_PLOT_ESD_MAX_BINS);
  if (!isfinite (n_bulk))
    n_bulk = QKS_PLOT_ESD_MIN_BINS;
  *width = bulk_span / n_bulk;
  total = ceil (span / *width - 1e-9);
  if (total > QKS_PLOT_ESD_MAX_BINS)
    {
      total = QKS_PLOT_ESD_MAX_BINS;
      *width = span / total;
    }
  else if (total < QKS_PLOT_ESD_MIN_BINS)
    {
      total = QKS_PLOT_ESD_MIN_BINS;
      *width = span / total;
    }
  *n_bins = (guint) total;
  if (!isfinite (offset) || offset <= 0.0 || offset >= span)
    return;

  /* j bins below the edge, as close to that width as the bounds allow. */
  {
    double j = MAX (1.0, round (offset / *width));

    for (guint tries = 0; tries < 200; tries++)
      {
        total = ceil (span * j / offset - 1e-9);
        if (total > QKS_PLOT_ESD_MAX_BINS && j > 1.0)
          j -= 1.0;
        else if (total < QKS_PLOT_ESD_MIN_BINS)
          j += 1.0;
        else
          break;
      }
    total = ceil (span * j / offset - 1e-9);
    if (total <= QKS_PLOT_ESD_MAX_BINS)
      {
        *width = offset / j;
        *n_bins = (guint) MAX (1.0, total);
      }
  }
}

/* The natural x range of a panel, before a grid unites them. */
static void
natural_range (const QksPlotEsdData *data,
               const EsdValues      *values,
               const Curve          *mp,
               const Curve          *null_curve,
               QksPlotScale          scale,
               double               *x_min,
               double               *x_max)
{
  double v_min = values->values[0], v_max = values->values[values->n - 1];

  if (scale == QKS_PLOT_SCALE_LOG)
    {
      double lo = log10 (v_min), hi = log10 (v_max), span = hi - lo, pad;

      if (span < 0.2)
        {
          lo -= (0.2 - span) / 2.0;
          hi += (0.2 - span) / 2.0;
          span = 0.2;
        }
      pad = MAX (0.04 * span, 0.02);
      *x_min = pow (10.0, lo - pad);
      *x_max = pow (10.0, hi + pad);
      return;
    }

  {
    /* The fit's marks count only near the data: a wild fit must not
     * squash the histogram either. */
    double base = values->bulk_max, limit = 10.0 * MAX (values->bulk_max, 1e-300);
    double marks[] = {
      value_usable (data->lambda_plus) ? data->lambda_plus : 0.0,
      isnan (values->threshold) ? 0.0 : values->threshold,
      mp->kind != CURVE_NONE ? mp->hi : 0.0,
      null_curve->kind != CURVE_NONE ? null_curve->hi : 0.0,
    };

    for (guint i = 0; i < G_N_ELEMENTS (marks); i++)
      if (marks[i] <= limit)
        base = MAX (base, marks[i]);
    if (!(base > 0.0))
      base = v_max;

    *x_min = 0.0;
    if (v_max <= QKS_PLOT_ESD_SQUASH_RATIO * base)
      *x_max = MAX (v_max, base) * (1.0 + FULL_MARGIN);
    else
      {
        /* The near spikes stay in view, the far ones become arrows. */
        double near = 0.0;

        for (gsize i = 0; i < values->n && values->values[i] <= QKS_PLOT_ESD_SQUASH_RATIO * base; i++)
          near = values->values[i];
        *x_max = MAX (base * BULK_MARGIN, near * (1.0 + 3.0 * FULL_MARGIN));
      }
    if (!(*x_max > 0.0))
      *x_max = 1.0;
  }
}

static void
fill_view (const QksPlotEsdData *data,
           const EsdValues      *values,
           const Curve          *mp,
           const Curve          *null_curve,
           QksPlotScale          scale,
           const double         *forced_range,
           QksPlotEsdView       *view)
{
  gboolean x_log = scale == QKS_PLOT_SCALE_LOG;
  double x_min, x_max, start, span, bulk_span, width, ideal, iqr, aligned, highest = 0.0;
  guint n_bins;

  memset (view, 0, sizeof *view);
  view->x_scale = scale;
  view->mean = values->mean;
  view->n_values = values->n;
  view->n_spikes = values->n_spikes;

  if (forced_range != NULL)
    {
      x_min = forced_range[0];
      x_max = forced_range[1];
    }
  else
    natural_range (data, values, mp, null_curve, scale, &x_min, &x_max);

  /* Freedman–Diaconis on the whole spectrum (the IQR ignores the few
   * spikes), in the axis' own coordinate. */
  if (x_log)
    {
      iqr = log10 (qks_plot_quantile_sorted (values->values, values->n, 0.75)) -
            log10 (qks_plot_quantile_sorted (values->values, values->n, 0.25));
      start = log10 (x_min);
      span = log10 (x_max) - start;
      aligned = isnan (values->threshold) ? NAN : log10 (values->threshold);
      bulk_span = log10 (values->bulk_max) - log10 (values->values[0]);
    }
  else
    {
      iqr = qks_plot_quantile_sorted (values->values, values->n, 0.75) -
            qks_plot_quantile_sorted (values->values, values->n, 0.25);
      start = x_min;
      span = x_max - x_min;
      aligned = values->threshold;
      bulk_span = values->bulk_max - values->values[0];
    }
  ideal = 2.0 * iqr * pow ((double) values->n, -1.0 / 3.0);
  if (!(ideal > 0.0) || !isfinite (ideal))
    ideal = G_MAXDOUBLE;
  choose_bins (start, span, bulk_span, ideal, aligned, &n_bins, &width);

  /* A panel of its own ends at its last edge; a grid's shared range stays. */
  if (forced_range == NULL)
    span = n_bins * width;
  view->n_bins = n_bins;
  for (guint i = 0; i <= n_bins; i++)
    view->edges[i] = x_log ? pow (10.0, start + i * width) : start + i * width;
  view->x_min = x_log ? pow (10.0, start) : start;
  view->x_max = x_log ? pow (10.0, start + span) : start + span;

  view->first_spike_bin = n_bins;
  if (!isnan (values->threshold))
    for (guint i = 0; i < n_bins; i++)
      if (view->edges[i] >= values->threshold * (1.0 - 1e-12))
        {
          view->first_spike_bin = i;
          break;
        }

  for (gsize i = 0; i < values->n; i++)
    {
      double v = values->values[i], position;
      double index;

      if (v > view->x_max || v > view->edges[n_bins])
        {
          if (!isnan (values->threshold) && v > values->threshold)
            view->n_beyond++;
          continue;
        }
      if (v < view->x_min && (x_log || v < 0.0))
        continue;
      position = x_log ? log10 (v) : v;
      /* (e_i, e_{i+1}]: a value on λ_thr stays with the bulk, and rounding
       * never moves a value across λ_thr. */
      index = CLAMP (ceil ((position - start) / width - 1e-9) - 1.0, 0.0, n_bins - 1.0);
      if (!isnan (values->threshold) && view->first_spike_bin < n_bins)
        index = v > values->threshold ? MAX (index, (double) view->first_spike_bin)
                                      : MIN (index, view->first_spike_bin - 1.0);
      view->counts[(guint) MAX (index, 0.0)]++;
    }

  for (guint i = 0; i < n_bins; i++)
    highest = MAX (highest, view->counts[i] / (values->n * width));
  {
    double curves = MAX (curve_max (mp, view->x_min, view->x_max, x_log),
                         curve_max (null_curve, view->x_min, view->x_max, x_log));

    view->y_max = Y_HEADROOM * MAX (highest, MIN (curves, CURVE_CAP * highest));
  }
  if (!(view->y_max > 0.0))
    view->y_max = 1.0;
}

/**
 * qks_plot_esd_compute_view:
 * @view: (out caller-allocates): the bins and ranges that
 *   qks_plot_esd_draw() draws
 * @message: (out) (optional): when %FALSE is returned, why (the empty
 *   state's message)
 *
 * The histogram as a single panel draws it: for hit-testing in a widget
 * and for tests. The drawing may raise y_max further to clear the legend.
 *
 * Returns: %FALSE when @data has no drawable spectrum
 */
gboolean
qks_plot_esd_compute_view (const QksPlotEsdData  *data,
                           QksPlotEsdView        *view,
                           const char           **message)
{
  EsdValues values;
  Curve mp, null_curve;
  gboolean merged;
  const char *problem;

  g_return_val_if_fail (view != NULL, FALSE);

  memset (view, 0, sizeof *view);
  problem = esd_values_init (data, data != NULL ? data->x_scale : QKS_PLOT_SCALE_LINEAR, &values);
  if (message != NULL)
    *message = problem;
  if (problem != NULL)
    return FALSE;
  esd_curves (data, &mp, &null_curve, &merged);
  fill_view (data, &values, &mp, &null_curve, data->x_scale, NULL, view);
  esd_values_clear (&values);
  return TRUE;
}

/* Style and labels ---------------------------------------------------------- */

/**
 * qks_plot_esd_get_style:
 *
 * The colours of the histogram's marks in @theme: the bulk in a neutral
 * tint, the spikes in the accent colour, the MP fit and the null in two
 * Okabe–Ito colours that stay apart for every common colour vision
 * deficiency (and the null is dashed, so they stay apart in grey too).
 */
void
qks_plot_esd_get_style (const QksPlotTheme *theme,
                        QksPlotEsdStyle    *style)
{
  style->bulk = qks_plot_color_mix (&theme->background, &theme->foreground, theme->dark ? 0.34 : 0.3);
  style->spike = theme->accent;
  style->spike_bar = qks_plot_color_mix (&theme->background, &theme->accent, theme->dark ? 0.4 : 0.45);
  style->mp = qks_plot_color_from_rgb (0xd55e00);
  style->null_law = qks_plot_color_from_rgb (0x009e73);
  style->edge = style->null_law;
  style->threshold = theme->foreground;
}

static const char *
null_law_name (const char *name)
{
  static const struct { const char *key, *label; } names[] = {
    { "mp", N_("Marchenko–Pastur") },
    { "product", N_("product law") },
    { "chain", N_("chain law") },
    { "monte-carlo", N_("Monte-Carlo chain") },
  };

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (name, names[i].key))
      return _(names[i].label);
  return name;
}

static char *
threshold_name (const char *name)
{
  if (name == NULL)
    return NULL;
  if (g_str_has_prefix (name, "tw-edge-"))
    return g_strdup_printf (_("TW edge %s %%"), name + strlen ("tw-edge-"));
  if (g_str_has_prefix (name, "tw-j-"))
    return g_strdup_printf ("TW (Johnstone) %s %%", name + strlen ("tw-j-"));
  if (g_str_equal (name, "tw-ww"))
    return g_strdup ("TW (weightwatcher)");
  if (g_str_has_prefix (name, "mc-"))
    return g_strdup_printf (_("Monte-Carlo %s %%"), name + strlen ("mc-"));
  if (g_str_equal (name, "mc"))
    return g_strdup (_("Monte-Carlo"));
  return g_strdup (name);
}

#define MAX_LEGEND 5

typedef struct
{
  QksPlotLegendEntry entries[MAX_LEGEND];
  char              *labels[MAX_LEGEND];
  guint              n;
} Legend;

static void
legend_clear (Legend *legend)
{
  for (guint i = 0; i < legend->n; i++)
    g_free (legend->labels[i]);
  legend->n = 0;
}

static void
legend_add (Legend             *legend,
            char               *label,
            const QksPlotColor *color,
            QksPlotSwatch       swatch,
            gboolean            dashed)
{
  g_assert (legend->n < MAX_LEGEND);
  legend->labels[legend->n] = label;
  legend->entries[legend->n] = (QksPlotLegendEntry) { label, *color, swatch, dashed };
  legend->n++;
}

/* @compact: the short labels of a grid's shared legend. */
static void
esd_legend (const QksPlotEsdData  *data,
            const QksPlotEsdStyle *style,
            gboolean               has_threshold,
            gsize                  n_spikes,
            const Curve           *mp,
            const Curve           *null_curve,
            gboolean               merged,
            gboolean               compact,
            Legend                *legend)
{
  g_autofree char *rule = threshold_name (data->threshold);

  memset (legend, 0, sizeof *legend);
  if (has_threshold)
    legend_add (legend, compact ? g_strdup (_("Spikes"))
                                : g_strdup_printf ("Spikes above threshold: %zu", n_spikes),
                &style->spike, QKS_PLOT_SWATCH_PATCH, FALSE);
  if (mp->kind != CURVE_NONE)
    {
      const char *what = merged ? _("MP fit = null") : _("MP fit");

      legend_add (legend, compact ? g_strdup (what)
                                  : g_strdup_printf ("%s, σ² = %.3g, c = %.3g", what, mp->sigma2, mp->c),
                  &style->mp, QKS_PLOT_SWATCH_LINE, FALSE);
    }
  if (null_curve->kind != CURVE_NONE)
    {
      const char *name = null_law_name (data->null_law);

      if (compact || fabs (null_curve->sigma2 - 1.0) < 1e-6)
        legend_add (legend, g_strdup_printf (_("Null: %s"), name), &style->null_law, QKS_PLOT_SWATCH_LINE, TRUE);
      else
        legend_add (legend, g_strdup_printf (_("Null: %s, σ² = %.3g"), name, null_curve->sigma2),
                    &style->null_law, QKS_PLOT_SWATCH_LINE, TRUE);
    }
  if (value_usable (data->lambda_plus))
    legend_add (legend, compact ? g_strdup (_("Bulk edge λ₊"))
                                : g_strdup_printf (_("Bulk edge λ₊ = %.3g"), data->lambda_plus),
                &style->edge, QKS_PLOT_SWATCH_LINE, FALSE);
  if (has_threshold)
    {
      if (compact)
        legend_add (legend, rule != NULL ? g_strdup_printf (_("Threshold, %s"), rule) : g_strdup (_("Threshold")),
                    &style->threshold, QKS_PLOT_SWATCH_LINE, TRUE);
      else if (rule != NULL)
        legend_add (legend, g_strdup_printf (_("Threshold %.3g, %s"), data->lambda_threshold, rule),
                    &style->threshold, QKS_PLOT_SWATCH_LINE, TRUE);
      else
        legend_add (legend, g_strdup_printf (_("Threshold %.3g"), data->lambda_threshold),
                    &style->threshold, QKS_PLOT_SWATCH_LINE, TRUE);
    }
}

/* Marks --------------------------------------------------------------------- */

static double
panel_x (const Panel *panel,
         double       x)
{
  double t;

  if (panel->x_log)
    t = x > 0.0 ? (log10 (x) - log10 (panel->x_min)) / (log10 (panel->x_max) - log10 (panel->x_min)) : -1.0;
  else
    t = (x - panel->x_min) / (panel->x_max - panel->x_min);
  return panel->frame.x + t * panel->frame.width;
}

static double
panel_y (const Panel *panel,
         double       y)
{
  return panel->frame.y + (1.0 - y / panel->y_max) * panel->frame.height;
}

static double
snap (double value,
      double scale)
{
  return round (value * scale) / scale;
}

/* Each bar its own fill: a tinted bar per bin that holds values, so that a
 * count of the figure's bars is a count of its bins. */
static void
draw_bars (const QksPlotTheme    *theme,
           cairo_t               *cr,
           const QksPlotEsdStyle *style,
           const Panel           *panel,
           const QksPlotEsdView  *view)
{
  double scale = qks_plot_theme_device_scale (theme, cr);
  double bottom = snap (panel->frame.y + panel->frame.height, scale);
  double right = panel->frame.x + panel->frame.width;

  for (guint i = 0; i < view->n_bins; i++)
    {
      double width, height, x0, x1, top, gap;

      if (view->counts[i] == 0)
        continue;
      width = panel->x_log ? log10 (view->edges[i + 1] / view->edges[i]) : view->edges[i + 1] - view->edges[i];
      height = view->counts[i] / (view->n_values * width);
      x0 = snap (MAX (panel_x (panel, view->edges[i]), panel->frame.x), scale);
      x1 = snap (MIN (panel_x (panel, view->edges[i + 1]), right), scale);
      if (!(x1 > x0))
        continue;
      top = snap (MAX (panel_y (panel, height), panel->frame.y), scale);
      /* However small, a bin that holds a value shows. */
      top = MIN (top, bottom - 1.0 / scale);
      gap = (x1 - x0) >= BAR_GAP_MIN_WIDTH ? MAX (1.0, round (scale)) / scale : 0.0;

      cairo_rectangle (cr, x0, top, x1 - x0 - gap, bottom - top);
      qks_plot_set_source_color (cr, i >= view->first_spike_bin ? &style->spike_bar : &style->bulk);
      cairo_fill (cr);

      /* A bar taller than a shared range shows a break near its top. */
      if (height > panel->y_max && bottom - top > 4.0 * CLIP_BREAK)
        {
          cairo_rectangle (cr, x0, snap (top + CLIP_BREAK, scale), x1 - x0 - gap, snap (CLIP_BREAK / 1.5, scale));
          qks_plot_set_source_color (cr, &theme->background);
          cairo_fill (cr);
        }
    }
}

static void
draw_curve (const QksPlotTheme *theme,
            cairo_t            *cr,
            const Panel        *panel,
            const Curve        *curve,
            const QksPlotColor *color,
            QksPlotLineStyle    line_style)
{
  double lo, hi, span;
  guint n;

  if (curve->kind == CURVE_NONE)
    return;
  lo = MAX (panel->x_min, curve->lo);
  hi = MIN (panel->x_max, curve->hi);
  if (!(hi > lo))
    return;
  span = panel_x (panel, hi) - panel_x (panel, lo);
  n = (guint) CLAMP (ceil (span / CURVE_STEP), 8.0, 4096.0);

  cairo_new_path (cr);
  for (guint i = 0; i <= n; i++)
    {
      double t = i / (double) n;
      double x = panel->x_log ? lo * pow (hi / lo, t) : lo + t * (hi - lo);
      double y = curve_height (curve, x, panel->x_log);

      /* A density that diverges at an edge leaves the frame, clipped, but
       * never by so much that cairo's fixed point overflows. */
      if (!isfinite (y))
        y = 4.0 * panel->y_max;
      y = MIN (y, 4.0 * panel->y_max);
      cairo_line_to (cr, panel_x (panel, x), panel_y (panel, y));
    }
  qks_plot_set_line_style (cr, line_style, theme->line_width);
  qks_plot_set_source_color (cr, color);
  cairo_stroke (cr);
}

static void
draw_vertical_mark (const QksPlotTheme *theme,
                    cairo_t            *cr,
                    const Panel        *panel,
                    double              x,
                    const QksPlotColor *color,
                    QksPlotLineStyle    line_style)
{
  if (!value_usable (x) || x < panel->x_min || x > panel->x_max)
    return;
  qks_plot_set_line_style (cr, line_style, MARKER_LINE_WIDTH);
  qks_plot_set_source_color (cr, color);
  qks_plot_stroke_vertical (theme, cr, panel_x (panel, x), panel->frame.y,
                            panel->frame.y + panel->frame.height, MARKER_LINE_WIDTH);
}

/* One tick per spike inside the range, up from the x axis. */
static void
draw_rug (const QksPlotTheme    *theme,
          cairo_t               *cr,
          const QksPlotEsdStyle *style,
          const Panel           *panel,
          const EsdValues       *values,
          double                 length)
{
  double bottom = panel->frame.y + panel->frame.height;

  if (isnan (values->threshold))
    return;
  qks_plot_set_line_style (cr, QKS_PLOT_LINE_SOLID, RUG_WIDTH);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  qks_plot_set_source_color (cr, &style->spike);
  for (gsize i = values->n - values->n_spikes; i < values->n; i++)
    if (values->values[i] <= panel->x_max)
      qks_plot_stroke_vertical (theme, cr, panel_x (panel, values->values[i]), bottom, bottom - length, RUG_WIDTH);
}

static char *
format_value (double value)
{
  return g_strdup_printf (value >= 100.0 ? "%.0f" : "%.3g", value);
}

/* Spikes right of the range: an arrow each at the frame's right edge,
 * stacked up from above the rug ticks and the bars under their label, and
 * their values beside the stack.
 *
 * Returns: the number of arrows; @label_box gets the label's extent */
static gsize
draw_beyond (const QksPlotTheme    *theme,
             cairo_t               *cr,
             const QksPlotEsdStyle *style,
             const Panel           *panel,
             const QksPlotEsdView  *view,
             const EsdValues       *values,
             gboolean               compact,
             QksPlotRect           *label_box)
{
  double tip = panel->frame.x + panel->frame.width - 2.0;
  double bottom = panel->frame.y + panel->frame.height;
  double label_right = tip - ARROW_LENGTH - theme->spacing;
  double max_label = panel->frame.width - ARROW_LENGTH - 2.0 * theme->spacing;
  double step = ARROW_STEP, y = bottom, base, label_width, label_height, left;
  g_autofree char *low = NULL, *high = NULL, *label = NULL;
  gsize first = values->n, n;

  memset (label_box, 0, sizeof *label_box);
  if (isnan (values->threshold))
    return 0;
  while (first > 0 && values->values[first - 1] > panel->x_max && values->values[first - 1] > values->threshold)
    first--;
  n = values->n - first;
  if (n == 0)
    return 0;

  low = format_value (values->values[first]);
  high = format_value (values->values[values->n - 1]);
  if (n == 1)
    label = compact ? g_strdup (high) : g_strdup_printf (_("Spike at %s"), high);
  else
    label = compact ? g_strdup_printf ("%zu, up to %s", n, high)
                    : g_strdup_printf ("%zu spikes at %s … %s", n, low, high);
  qks_plot_measure_label (theme, cr, QKS_PLOT_FONT_SMALL, label, &label_width, &label_height);
  label_width = MIN (label_width, max_label);
  left = label_right - label_width - theme->spacing;

  /* Clear of the rug, and of the bars under the label and the arrows. */
  base = bottom - RUG_LENGTH - 3.0;
  for (guint i = 0; i < view->n_bins; i++)
    if (view->counts[i] > 0 && panel_x (panel, view->edges[i + 1]) >= left && panel_x (panel, view->edges[i]) <= tip)
      {
        double width = panel->x_log ? log10 (view->edges[i + 1] / view->edges[i]) : view->edges[i + 1] - view->edges[i];

        base = MIN (base, panel_y (panel, view->counts[i] / (view->n_values * width)) - 3.0);
      }
  base = MAX (base, panel->frame.y + panel->frame.height / 2.0);

  /* Never higher than half the frame: many arrows overlap instead. */
  if (n > 1)
    step = MIN (ARROW_STEP, (base - panel->frame.y - panel->frame.height / 2.0) / (n - 1.0));
  step = MAX (step, 0.0);
  qks_plot_set_source_color (cr, &style->spike);
  for (gsize i = 0; i < n; i++)
    {
      y = base - MAX (ARROW_HALF_HEIGHT, label_height / 2.0) - i * step;
      cairo_move_to (cr, tip, y);
      cairo_line_to (cr, tip - ARROW_LENGTH, y - ARROW_HALF_HEIGHT);
      cairo_line_to (cr, tip - ARROW_LENGTH, y + ARROW_HALF_HEIGHT);
      cairo_close_path (cr);
      cairo_fill (cr);
    }

  qks_plot_draw_label (theme, cr, QKS_PLOT_FONT_SMALL, label, &style->spike, label_right, y, 1.0, 0.5,
                       max_label, label_box);
  return n;
}

/* Everything inside a panel's frame, clipped to it but for the arrows. */
static void
draw_panel_marks (const QksPlotTheme    *theme,
                  cairo_t               *cr,
                  const QksPlotEsdStyle *style,
                  const Panel           *panel,
                  const QksPlotEsdData  *data,
                  const QksPlotEsdView  *view,
                  const EsdValues       *values,
                  const Curve           *mp,
                  const Curve           *null_curve,
                  gboolean               compact,
                  QksPlotRect           *beyond_box)
{
  cairo_save (cr);
  cairo_rectangle (cr, panel->frame.x, panel->frame.y, panel->frame.width, panel->frame.height);
  cairo_clip (cr);
  draw_bars (theme, cr, style, panel, view);
  draw_vertical_mark (theme, cr, panel, data->lambda_plus, &style->edge, QKS_PLOT_LINE_SOLID);
  draw_vertical_mark (theme, cr, panel, values->threshold, &style->threshold, QKS_PLOT_LINE_DASHED);
  draw_curve (theme, cr, panel, mp, &style->mp, QKS_PLOT_LINE_SOLID);
  draw_curve (theme, cr, panel, null_curve, &style->null_law, QKS_PLOT_LINE_DASHED);
  draw_rug (theme, cr, style, panel, values, compact ? RUG_LENGTH * 0.75 : RUG_LENGTH);
  cairo_restore (cr);

  cairo_save (cr);
  draw_beyond (theme, cr, style, panel, view, values, compact, beyond_box);
  cairo_restore (cr);
}

/* Points the legend should not cover, in data coordinates. */
static void
collect_avoid_points (const Panel          *panel,
                      const QksPlotEsdView *view,
                      const QksPlotEsdData *data,
                      const EsdValues      *values,
                      const Curve          *mp,
                      const Curve          *null_curve,
                      const QksPlotRect    *beyond_box,
                      GArray               *xs,
                      GArray               *ys)
{
  const Curve *curves[] = { mp, null_curve };
  double marks[] = { data->lambda_plus, values->threshold };

#define AVOID(x_value, y_value) G_STMT_START { \
    double ax_ = (x_value), ay_ = (y_value); \
    g_array_append_val (xs, ax_); \
    g_array_append_val (ys, ay_); \
  } G_STMT_END

  for (guint i = 0; i < view->n_bins; i++)
    if (view->counts[i] > 0)
      {
        double width = panel->x_log ? log10 (view->edges[i + 1] / view->edges[i]) : view->edges[i + 1] - view->edges[i];
        double height = view->counts[i] / (view->n_values * width);

        for (guint k = 0; k <= 4; k++)
          AVOID (view->edges[i] + (view->edges[i + 1] - view->edges[i]) * k / 4.0, height * k / 4.0);
        AVOID (view->edges[i], height);
        AVOID (view->edges[i + 1], height);
      }
  for (guint c = 0; c < G_N_ELEMENTS (curves); c++)
    for (guint i = 0; curves[c]->kind != CURVE_NONE && i <= 64; i++)
      {
        double lo = MAX (panel->x_min, curves[c]->lo), hi = MIN (panel->x_max, curves[c]->hi);
        double t = i / 64.0, x;

        if (!(hi > lo))
          break;
        x = panel->x_log ? lo * pow (hi / lo, t) : lo + t * (hi - lo);
        AVOID (x, MIN (curve_height (curves[c], x, panel->x_log), panel->y_max));
      }
  for (guint m = 0; m < G_N_ELEMENTS (marks); m++)
    for (guint k = 0; value_usable (marks[m]) && k <= 16; k++)
      AVOID (marks[m], panel->y_max * k / 16.0);
  if (beyond_box->width > 0.0)
    for (guint k = 0; k <= 4; k++)
      {
        double device_x = beyond_box->x + beyond_box->width * k / 4.0;
        double t = (device_x - panel->frame.x) / panel->frame.width;
        double x = panel->x_log ? panel->x_min * pow (panel->x_max / panel->x_min, t)
                                : panel->x_min + t * (panel->x_max - panel->x_min);
        double y = (1.0 - (beyond_box->y - panel->frame.y) / panel->frame.height) * panel->y_max;

        AVOID (x, y);
      }
#undef AVOID
}

/* The y range that keeps the data clear of a legend at @box: the tallest
 * bar or curve under the box's width must stay below its bottom edge.
 * Vertical marks may pass behind it. */
static double
y_max_clear_of (const Panel          *panel,
                const QksPlotEsdView *view,
                const Curve          *mp,
                const Curve          *null_curve,
                const QksPlotRect    *box)
{
  const Curve *curves[] = { mp, null_curve };
  double left = box->x - LEGEND_GAP, right = box->x + box->width + LEGEND_GAP;
  double room = 1.0 - (box->y + box->height + LEGEND_GAP - panel->frame.y) / panel->frame.height;
  double tallest = 0.0, lo, hi;

  if (room < 0.25)
    return G_MAXDOUBLE;
  for (guint i = 0; i < view->n_bins; i++)
    if (view->counts[i] > 0 && panel_x (panel, view->edges[i + 1]) >= left && panel_x (panel, view->edges[i]) <= right)
      {
        double width = panel->x_log ? log10 (view->edges[i + 1] / view->edges[i]) : view->edges[i + 1] - view->edges[i];

        tallest = MAX (tallest, view->counts[i] / (view->n_values * width));
      }

  /* The box's x span in data units. */
  {
    double t0 = (left - panel->frame.x) / panel->frame.width, t1 = (right - panel->frame.x) / panel->frame.width;

    t0 = CLAMP (t0, 0.0, 1.0);
    t1 = CLAMP (t1, 0.0, 1.0);
    lo = panel->x_log ? panel->x_min * pow (panel->x_max / panel->x_min, t0) : panel->x_min + t0 * (panel->x_max - panel->x_min);
    hi = panel->x_log ? panel->x_min * pow (panel->x_max / panel->x_min, t1) : panel->x_min + t1 * (panel->x_max - panel->x_min);
  }
  for (guint c = 0; c < G_N_ELEMENTS (curves); c++)
    tallest = MAX (tallest, curve_max (curves[c], lo, hi, panel->x_log));
  if (!isfinite (tallest))
    return G_MAXDOUBLE;
  return tallest / room;
}

/* One panel ------------------------------------------------------------------- */

/**
 * qks_plot_esd_draw:
 * @data: (nullable): %NULL draws the empty state
 *
 * The ESD of one form (SCIENCE.md c.1): a density histogram of
 * λ̃ = λ/mean λ with Freedman–Diaconis bins (between 10 and 80; λ_thr falls
 * on a bin edge, so bins hold either bulk or spikes), the MP fit as a solid
 * line, the null as a dashed one, λ₊ and λ_thr as vertical lines, and the
 * spikes in the accent colour: their bins tinted, a rug tick each, and an
 * arrow each at the right edge for those beyond a linear axis' range
 * (%QKS_PLOT_ESD_SQUASH_RATIO). Data that cannot be drawn give the empty
 * state with the reason.
 */
void
qks_plot_esd_draw (cairo_t              *cr,
                   double                width,
                   double                height,
                   const QksPlotTheme   *theme,
                   const QksPlotEsdData *data)
{
  g_autoptr(QksPlotAxes) axes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) avoid_x = NULL;
  g_autoptr(GArray) avoid_y = NULL;
  QksPlotEsdStyle style;
  QksPlotEsdView view;
  QksPlotRect beyond_box;
  EsdValues values;
  Curve mp, null_curve;
  Legend legend;
  Panel panel;
  const char *problem;
  gboolean merged, x_log;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (theme != NULL);

  qks_plot_draw_background (cr, width, height, theme);
  problem = esd_values_init (data, data != NULL ? data->x_scale : QKS_PLOT_SCALE_LINEAR, &values);
  if (problem != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, data != NULL ? data->title : NULL, problem);
      return;
    }

  x_log = data->x_scale == QKS_PLOT_SCALE_LOG;
  qks_plot_esd_get_style (theme, &style);
  esd_curves (data, &mp, &null_curve, &merged);
  fill_view (data, &values, &mp, &null_curve, data->x_scale, NULL, &view);
  esd_legend (data, &style, !isnan (values.threshold), values.n_spikes, &mp, &null_curve, merged, FALSE, &legend);

  axes = qks_plot_axes_new (theme, width, height);
  if (data->title != NULL)
    qks_plot_axes_set_title (axes, data->title);
  qks_plot_axes_set_x (axes, view.x_min, view.x_max, data->x_scale,
                       data->x_label != NULL ? data->x_label : DEFAULT_X_LABEL);
  qks_plot_axes_set_y (axes, 0.0, view.y_max, QKS_PLOT_SCALE_LINEAR,
                       data->y_label != NULL ? data->y_label : x_log ? DEFAULT_Y_LABEL_LOG : DEFAULT_Y_LABEL);
  qks_plot_axes_set_legend (axes, legend.entries, legend.n, QKS_PLOT_LEGEND_TOP_RIGHT);

  /* The legend goes in a top corner with the data below it, raising the
   * y range a little if need be; where that would flatten the histogram
   * too much, in the corner over the fewest marks. An inside legend does
   * not move the frame, so most figures are laid out once. */
  {
    QksPlotLegendPlacement placement = QKS_PLOT_LEGEND_TOP_RIGHT;

    for (guint round = 0;; round++)
      {
        static const QksPlotLegendPlacement corners[] = { QKS_PLOT_LEGEND_TOP_RIGHT, QKS_PLOT_LEGEND_TOP_LEFT };
        QksPlotLegendPlacement wanted = QKS_PLOT_LEGEND_BEST;
        double needed = G_MAXDOUBLE, y_max = view.y_max;

        if (!qks_plot_axes_layout (axes, cr, &error))
          {
            qks_plot_draw_empty_state (cr, width, height, theme, data->title, error->message);
            legend_clear (&legend);
            esd_values_clear (&values);
            return;
          }
        qks_plot_axes_get_frame (axes, &panel.frame);
        qks_plot_axes_get_x_range (axes, &panel.x_min, &panel.x_max);
        panel.x_log = x_log;
        panel.y_max = view.y_max;
        if (round == 3 || placement == QKS_PLOT_LEGEND_BEST)
          break;

        for (guint c = 0; c < G_N_ELEMENTS (corners); c++)
          {
            QksPlotRect box;
            double clear;

            if (!qks_plot_axes_get_legend_box_at (axes, corners[c], &box))
              break;
            clear = y_max_clear_of (&panel, &view, &mp, &null_curve, &box);
            if (clear < needed * 0.999)
              {
                needed = clear;
                wanted = corners[c];
              }
          }
        if (legend.n == 0)
          break;
        if (needed > LEGEND_HEADROOM * view.y_max)
          wanted = QKS_PLOT_LEGEND_BEST;
        else if (needed > view.y_max)
          y_max = needed * 1.02;
        if (wanted == placement && y_max == view.y_max)
          break;
        if (wanted != placement)
          qks_plot_axes_set_legend (axes, legend.entries, legend.n, wanted);
        if (y_max != view.y_max)
          qks_plot_axes_set_y (axes, 0.0, y_max, QKS_PLOT_SCALE_LINEAR,
                               data->y_label != NULL ? data->y_label : x_log ? DEFAULT_Y_LABEL_LOG : DEFAULT_Y_LABEL);
        placement = wanted;
        view.y_max = y_max;
      }
  }

  qks_plot_axes_draw_grid (axes, cr);
  draw_panel_marks (theme, cr, &style, &panel, data, &view, &values, &mp, &null_curve, FALSE, &beyond_box);
  qks_plot_axes_draw_frame (axes, cr);

  avoid_x = g_array_new (FALSE, FALSE, sizeof (double));
  avoid_y = g_array_new (FALSE, FALSE, sizeof (double));
  collect_avoid_points (&panel, &view, data, &values, &mp, &null_curve, &beyond_box, avoid_x, avoid_y);
  qks_plot_axes_draw_legend (axes, cr, (const double *) avoid_x->data, (const double *) avoid_y->data, avoid_x->len);

  legend_clear (&legend);
  esd_values_clear (&values);
}

/* Small multiples --------------------------------------------------------------- */

typedef struct
{
  const QksPlotEsdData *data;
  const char           *problem;
  EsdValues             values;
  Curve                 mp;
  Curve                 null_curve;
  gboolean              merged;
  QksPlotEsdView        view;
} GridPanel;

static guint
grid_columns (guint  n_panels,
              guint  requested,
              double width,
              double height)
{
  double best_score = -G_MAXDOUBLE;
  guint best = 1;

  if (requested > 0)
    return MIN (requested, n_panels);
  /* The layout whose panels come closest to 4:3 with the fewest empty
   * cells, ties to fewer columns. */
  for (guint columns = 1; columns <= n_panels; columns++)
    {
      guint rows = (n_panels + columns - 1) / columns;
      double aspect = (width / columns) / (height / rows);
      double empty = (double) (rows * columns - n_panels) / n_panels;
      double score = -fabs (log (aspect / (4.0 / 3.0))) - empty;

      if (score > best_score + 1e-9)
        {
          best_score = score;
          best = columns;
        }
    }
  return best;
}

/* Log ticks far from 1 read as powers of ten (10⁻⁶), as the axes of the
 * other figures print them; all of an axis's ticks alike. */
static char *
format_grid_tick (const QksTicks *ticks,
                  double          value)
{
  if (ticks->logarithmic && ticks->count > 0 && value > 0.0 &&
      (ticks->values[0] < 1e-3 || ticks->values[ticks->count - 1] > 1e4))
    return qks_plot_format_power_of_ten (value);
  return qks_plot_format_tick (ticks, value);
}

/* Ticks as the axes choose them: as many as fit with room between labels. */
static void
grid_ticks (const QksPlotTheme *theme,
            cairo_t            *cr,
            double              min,
            double              max,
            gboolean            logarithmic,
            double              length,
            gboolean            horizontal,
            QksTicks           *ticks)
{
  double label_height;
  guint max_ticks;

  qks_plot_measure_label (theme, cr, QKS_PLOT_FONT_SMALL, "0", NULL, &label_height);
  max_ticks = horizontal ? (guint) CLAMP (length / 60.0, 2.0, 8.0)
                         : (guint) CLAMP (length / (2.2 * label_height), 2.0, 6.0);
  for (;; max_ticks--)
    {
      gboolean ok = logarithmic ? qks_plot_log_ticks (min, max, max_ticks, ticks) && ticks->count >= 2
                                : qks_plot_linear_ticks (min, max, max_ticks, ticks);

      if (!ok)
        qks_plot_linear_ticks (min, max, max_ticks, ticks);
      if (!horizontal || max_ticks <= 2)
        break;

      /* Labels along x must keep a gap. */
      {
        double previous = -G_MAXDOUBLE;
        gboolean fits = TRUE;

        for (guint i = 0; i < ticks->count && fits; i++)
          {
            g_autofree char *text = format_grid_tick (ticks, ticks->values[i]);
            double text_width, centre;

            qks_plot_measure_label (theme, cr, QKS_PLOT_FONT_SMALL, text, &text_width, NULL);
            centre = logarithmic ? (log10 (ticks->values[i]) - log10 (min)) / (log10 (max) - log10 (min)) * length
                                 : (ticks->values[i] - min) / (max - min) * length;
            fits = centre - text_width / 2.0 >= previous + 2.0 * theme->spacing;
            previous = centre + text_width / 2.0;
          }
        if (fits)
          break;
      }
    }
}

static double
widest_tick_label (const QksPlotTheme *theme,
                   cairo_t            *cr,
                   const QksTicks     *ticks)
{
  double widest = 0.0;

  for (guint i = 0; i < ticks->count; i++)
    {
      g_autofree char *text = format_grid_tick (ticks, ticks->values[i]);
      double text_width;

      qks_plot_measure_label (theme, cr, QKS_PLOT_FONT_SMALL, text, &text_width, NULL);
      widest = MAX (widest, text_width);
    }
  return widest;
}

static void
draw_panel_frame (const QksPlotTheme *theme,
                  cairo_t            *cr,
                  const Panel        *panel,
                  const QksTicks     *x_ticks,
                  const QksTicks     *y_ticks,
                  gboolean            grid_lines)
{
  const QksPlotRect *frame = &panel->frame;
  double left = qks_plot_theme_snap (theme, cr, frame->x, theme->axis_line_width);
  double bottom = qks_plot_theme_snap (theme, cr, frame->y + frame->height, theme->axis_line_width);

  cairo_save (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  if (grid_lines)
    {
      qks_plot_set_source_color (cr, &theme->grid);
      for (guint i = 0; i < x_ticks->count; i++)
        qks_plot_stroke_vertical (theme, cr, panel_x (panel, x_ticks->values[i]), frame->y,
                                  frame->y + frame->height, theme->grid_line_width);
      for (guint i = 0; i < y_ticks->count; i++)
        {
          double y = qks_plot_theme_snap (theme, cr, panel_y (panel, y_ticks->values[i]), theme->grid_line_width);

          cairo_set_line_width (cr, theme->grid_line_width);
          cairo_move_to (cr, frame->x, y);
          cairo_line_to (cr, frame->x + frame->width, y);
          cairo_stroke (cr);
        }
      cairo_restore (cr);
      return;
    }

  qks_plot_set_source_color (cr, &theme->axis);
  cairo_set_line_width (cr, theme->axis_line_width);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_SQUARE);
  cairo_move_to (cr, left, frame->y);
  cairo_line_to (cr, left, bottom);
  cairo_line_to (cr, frame->x + frame->width, bottom);
  cairo_stroke (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  for (guint i = 0; i < x_ticks->count; i++)
    qks_plot_stroke_vertical (theme, cr, panel_x (panel, x_ticks->values[i]), bottom,
                              bottom + theme->tick_length, theme->axis_line_width);
  for (guint i = 0; i < y_ticks->count; i++)
    {
      double y = qks_plot_theme_snap (theme, cr, panel_y (panel, y_ticks->values[i]), theme->axis_line_width);

      cairo_move_to (cr, left - theme->tick_length, y);
      cairo_line_to (cr, left, y);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}

/* Where everything of the grid goes: what the drawing and the tooltips
 * share. */
typedef struct
{
  GridPanel       *panels;
  const GridPanel *first;
  const char      *problem;
  QksPlotEsdStyle  style;
  Legend           legend;
  QksTicks         x_ticks, y_ticks;
  gboolean         x_log, any_threshold;
  double           range[2], y_max;
  double           top, bottom, left, right, title_height, legend_height, label_height, tick_height;
  double           cell_width, cell_height, frame_width, frame_height, gap_x, gap_y, panel_label_height;
  guint            n_columns, n_rows, n_ok;
} GridLayout;

static void
grid_layout_clear (GridLayout               *g,
                   const QksPlotEsdGridData *data)
{
  legend_clear (&g->legend);
  for (guint i = 0; g->panels != NULL && i < data->n_panels; i++)
    esd_values_clear (&g->panels[i].values);
  g_clear_pointer (&g->panels, g_free);
}

/* Returns: NULL, or why the grid cannot be drawn. */
static const char *
grid_lay_out (cairo_t                  *cr,
              double                    width,
              double                    height,
              const QksPlotTheme       *theme,
              const QksPlotEsdGridData *data,
              GridLayout               *g)
{
  g->range[0] = G_MAXDOUBLE;
  g->range[1] = 0.0;
  g->y_max = 0.0;
  g->title_height = 0.0;
  g->x_log = data->x_scale == QKS_PLOT_SCALE_LOG;
  qks_plot_esd_get_style (theme, &g->style);
  g->panels = g_new0 (GridPanel, data->n_panels);
  for (guint i = 0; i < data->n_panels; i++)
    {
      GridPanel *p = &g->panels[i];
      double lo, hi;

      p->data = &data->panels[i];
      p->problem = esd_values_init (p->data, data->x_scale, &p->values);
      if (p->problem != NULL)
        {
          g->problem = g->problem != NULL ? g->problem : p->problem;
          continue;
        }
      esd_curves (p->data, &p->mp, &p->null_curve, &p->merged);
      natural_range (p->data, &p->values, &p->mp, &p->null_curve, data->x_scale, &lo, &hi);
      g->range[0] = MIN (g->range[0], lo);
      g->range[1] = MAX (g->range[1], hi);
      g->any_threshold |= !isnan (p->values.threshold);
      if (g->first == NULL)
        g->first = p;
      g->n_ok++;
    }
  if (g->n_ok == 0)
    return g->problem;
  {
    /* One y range for all: the tallest panel's, unless it towers over the
     * rest (a layer whose large spike lifts the mean packs its bulk near 0),
     * then twice the median panel's, its bars broken at the top. */
    g_autofree double *peaks = g_new (double, g->n_ok);
    double median;
    guint k = 0;

    for (guint i = 0; i < data->n_panels; i++)
      if (g->panels[i].problem == NULL)
        {
          fill_view (g->panels[i].data, &g->panels[i].values, &g->panels[i].mp, &g->panels[i].null_curve,
                     data->x_scale, g->range, &g->panels[i].view);
          peaks[k++] = g->panels[i].view.y_max;
        }
    {
      g_autofree double *sorted = qks_plot_sorted_copy (peaks, g->n_ok);

      median = qks_plot_quantile_sorted (sorted, g->n_ok, 0.5);
    }
    for (guint i = 0; i < g->n_ok; i++)
      g->y_max = MAX (g->y_max, MIN (peaks[i], GRID_Y_SPREAD * median));
  }

  /* The shared legend takes the first drawable panel's null and rule. */
  {
    Curve mp = g->first->mp, null_curve = g->first->null_curve;
    gboolean merged = g->first->merged;

    for (guint i = 0; i < data->n_panels; i++)
      if (g->panels[i].problem == NULL)
        {
          if (mp.kind == CURVE_NONE)
            mp = g->panels[i].mp;
          if (null_curve.kind == CURVE_NONE && !merged)
            null_curve = g->panels[i].null_curve;
        }
    esd_legend (g->first->data, &g->style, g->any_threshold, 0, &mp, &null_curve, merged, TRUE, &g->legend);
  }

  /* Layout: title, legend rows, then the cells; the y label and tick
   * labels on the left, the x tick labels and label at the bottom. */
  qks_plot_measure_label (theme, cr, QKS_PLOT_FONT_BODY, "0", NULL, &g->label_height);
  qks_plot_measure_label (theme, cr, QKS_PLOT_FONT_SMALL, "0", NULL, &g->tick_height);
  g->panel_label_height = g->tick_height;
  g->top = theme->padding;
  if (data->title != NULL)
    {
      qks_plot_measure_label (theme, cr, QKS_PLOT_FONT_TITLE, data->title, NULL, &g->title_height);
      g->top += g->title_height + theme->spacing;
    }
  g->legend_height = qks_plot_legend_row_draw (theme, cr, g->legend.entries, g->legend.n, theme->padding, g->top,
                                            width - 2.0 * theme->padding, FALSE);
  g->top += g->legend_height + (g->legend_height > 0.0 ? theme->spacing * 1.5 : 0.0);
  g->bottom = height - theme->padding - g->label_height - theme->spacing - g->tick_height - 3.0 - theme->tick_length;
  g->n_columns = grid_columns (data->n_panels, data->n_columns, width, MAX (g->bottom - g->top, 1.0));
  g->n_rows = (data->n_panels + g->n_columns - 1) / g->n_columns;
  g->gap_x = 3.0 * theme->spacing;
  g->gap_y = 2.0 * theme->spacing;  /* a frame's g->bottom → the next row's labels */

  /* Each row: the panels' labels, then their frames. The y ticks need the
   * frame height, the left margin their labels. */
  g->frame_height = (g->bottom - g->top - (g->n_rows - 1) * g->gap_y) / g->n_rows - g->panel_label_height - theme->spacing / 2.0;
  grid_ticks (theme, cr, 0.0, g->y_max, FALSE, g->frame_height, FALSE, &g->y_ticks);
  g->left = ceil (theme->padding + g->label_height + theme->spacing + widest_tick_label (theme, cr, &g->y_ticks) + 3.0 +
               theme->tick_length);
  g->right = width - theme->padding;
  g->cell_width = (g->right - g->left + g->gap_x) / g->n_columns;
  g->frame_width = g->cell_width - g->gap_x;
  g->cell_height = g->panel_label_height + theme->spacing / 2.0 + g->frame_height + g->gap_y;
  if (g->frame_width < 24.0 || g->frame_height < 24.0)
    return _("The figure is too small for one panel per layer");
  grid_ticks (theme, cr, g->range[0], g->range[1], g->x_log, g->frame_width, TRUE, &g->x_ticks);
  return NULL;
}

/* Panel @i's frame and where its cell starts. */
static void
grid_panel (const GridLayout   *g,
            const QksPlotTheme *theme,
            guint               i,
            Panel              *panel,
            double             *cell_x,
            double             *cell_y)
{
  guint row = i / g->n_columns, column = i % g->n_columns;

  *cell_x = g->left + column * g->cell_width;
  *cell_y = g->top + row * g->cell_height;
  *panel = (Panel) {
    { round (*cell_x), round (*cell_y + g->panel_label_height + theme->spacing / 2.0),
      round (g->frame_width), round (g->frame_height) },
    g->range[0], g->range[1], g->x_log, g->y_max,
  };
}

/**
 * qks_plot_esd_grid_draw:
 * @data: (nullable): %NULL draws the empty state
 *
 * One small ESD per layer for the Spectra view (SCIENCE.md c.1): the
 * panels share their x range (the union of each panel's own), their bins'
 * y range and one legend; each panel is labelled by its data's title and
 * says how many spikes it holds. Tick labels are on the outer panels only.
 * A panel whose data cannot be drawn says why in its cell; when none can,
 * the figure draws the empty state.
 */
void
qks_plot_esd_grid_draw (cairo_t                  *cr,
                        double                    width,
                        double                    height,
                        const QksPlotTheme       *theme,
                        const QksPlotEsdGridData *data)
{
  GridLayout g = { 0 };
  GridPanel *panels;
  const char *problem;
  QksPlotEsdStyle style;
  QksTicks x_ticks, y_ticks;
  gboolean x_log;
  double top, bottom, left, right, title_height, frame_width;
  guint n_columns;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (theme != NULL);

  qks_plot_draw_background (cr, width, height, theme);
  if (data == NULL || data->panels == NULL || data->n_panels == 0)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, data != NULL ? data->title : NULL,
                                 _("No spectra at this step yet"));
      return;
    }

  problem = grid_lay_out (cr, width, height, theme, data, &g);
  if (problem != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, data->title, problem);
      grid_layout_clear (&g, data);
      return;
    }
  panels = g.panels;
  style = g.style;
  x_ticks = g.x_ticks;
  y_ticks = g.y_ticks;
  x_log = g.x_log;
  top = g.top;
  bottom = g.bottom;
  left = g.left;
  right = g.right;
  title_height = g.title_height;
  frame_width = g.frame_width;
  n_columns = g.n_columns;

  if (data->title != NULL)
    qks_plot_draw_label (theme, cr, QKS_PLOT_FONT_TITLE, data->title, &theme->foreground, theme->padding,
                         theme->padding, 0.0, 0.0, width - 2.0 * theme->padding, NULL);
  qks_plot_legend_row_draw (theme, cr, g.legend.entries, g.legend.n, theme->padding,
                            theme->padding + (data->title != NULL ? title_height + theme->spacing : 0.0),
                            width - 2.0 * theme->padding, TRUE);

  for (guint i = 0; i < data->n_panels; i++)
    {
      GridPanel *p = &panels[i];
      guint column = i % n_columns;
      gboolean bottom_of_column = i + n_columns >= data->n_panels;
      double cell_x, cell_y;
      Panel panel;
      QksPlotRect beyond_box;

      grid_panel (&g, theme, i, &panel, &cell_x, &cell_y);

      if (p->data->title != NULL)
        qks_plot_draw_label (theme, cr, QKS_PLOT_FONT_SMALL, p->data->title, &theme->foreground,
                             panel.frame.x, cell_y, 0.0, 0.0, frame_width * 0.6, NULL);
      if (p->problem != NULL)
        {
          qks_plot_draw_label (theme, cr, QKS_PLOT_FONT_SMALL,
                               g_str_equal (p->problem, NO_SPECTRUM) ? _("No spectrum") : _("Cannot draw this spectrum"),
                               &theme->muted, panel.frame.x + panel.frame.width / 2.0,
                               panel.frame.y + panel.frame.height / 2.0, 0.5, 0.5, frame_width, NULL);
          continue;
        }

      if (!isnan (p->values.threshold))
        {
          g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%zu spike", "%zu spikes",
                                                                 p->values.n_spikes),
                                                    p->values.n_spikes);
          double title_width = 0.0, count_width = 0.0;

          if (p->data->title != NULL)
            qks_plot_measure_label (theme, cr, QKS_PLOT_FONT_SMALL, p->data->title, &title_width, NULL);
          qks_plot_measure_label (theme, cr, QKS_PLOT_FONT_SMALL, count, &count_width, NULL);
          /* A panel too narrow for both says only a count that is not 0,
           * in the spikes' colour, rather than cut the words short. */
          if (title_width + theme->spacing + count_width > frame_width)
            {
              g_free (count);
              count = p->values.n_spikes > 0 ? g_strdup_printf ("%zu", p->values.n_spikes) : NULL;
            }
          if (count != NULL)
            qks_plot_draw_label (theme, cr, QKS_PLOT_FONT_SMALL, count,
                                 p->values.n_spikes > 0 ? &style.spike : &theme->muted,
                                 panel.frame.x + panel.frame.width, cell_y, 1.0, 0.0, frame_width * 0.4, NULL);
        }

      draw_panel_frame (theme, cr, &panel, &x_ticks, &y_ticks, TRUE);
      draw_panel_marks (theme, cr, &style, &panel, p->data, &p->view, &p->values, &p->mp, &p->null_curve,
                        TRUE, &beyond_box);
      draw_panel_frame (theme, cr, &panel, &x_ticks, &y_ticks, FALSE);

      if (bottom_of_column)
        for (guint t = 0; t < x_ticks.count; t++)
          {
            g_autofree char *text = format_grid_tick (&x_ticks, x_ticks.values[t]);

            qks_plot_draw_label (theme, cr, QKS_PLOT_FONT_SMALL, text, &theme->muted,
                                 panel_x (&panel, x_ticks.values[t]),
                                 panel.frame.y + panel.frame.height + theme->tick_length + 3.0, 0.5, 0.0, 0.0, NULL);
          }
      if (column == 0)
        for (guint t = 0; t < y_ticks.count; t++)
          {
            g_autofree char *text = format_grid_tick (&y_ticks, y_ticks.values[t]);

            qks_plot_draw_label (theme, cr, QKS_PLOT_FONT_SMALL, text, &theme->muted,
                                 panel.frame.x - theme->tick_length - 3.0, panel_y (&panel, y_ticks.values[t]),
                                 1.0, 0.5, 0.0, NULL);
          }
    }

  /* The shared axis labels, centred on the cells. */
  qks_plot_draw_label (theme, cr, QKS_PLOT_FONT_BODY,
                       data->x_label != NULL ? data->x_label : DEFAULT_X_LABEL, &theme->foreground,
                       (left + right) / 2.0, height - theme->padding, 0.5, 1.0, right - left, NULL);
  cairo_save (cr);
  cairo_translate (cr, theme->padding, (top + bottom) / 2.0);
  cairo_rotate (cr, -G_PI / 2.0);
  qks_plot_draw_label (theme, cr, QKS_PLOT_FONT_BODY,
                       data->y_label != NULL ? data->y_label : x_log ? DEFAULT_Y_LABEL_LOG : DEFAULT_Y_LABEL,
                       &theme->foreground, 0.0, 0.0, 0.5, 0.0, bottom - top, NULL);
  cairo_restore (cr);

  grid_layout_clear (&g, data);
}

/**
 * qks_plot_esd_grid_query:
 * @panel_index: (out) (optional): the panel under (@x, @y), -1 for none
 *
 * Returns: (transfer full) (nullable): for a tooltip, the panel's title and,
 *   over a bar, its range of λ/mean λ and how many eigenvalues it counts;
 *   NULL outside the panels.
 */
char *
qks_plot_esd_grid_query (cairo_t                  *cr,
                         double                    width,
                         double                    height,
                         const QksPlotTheme       *theme,
                         const QksPlotEsdGridData *data,
                         double                    x,
                         double                    y,
                         int                      *panel_index)
{
  GridLayout g = { 0 };
  char *text = NULL;

  if (panel_index != NULL)
    *panel_index = -1;
  if (data == NULL || data->panels == NULL || data->n_panels == 0 ||
      grid_lay_out (cr, width, height, theme, data, &g) != NULL)
    {
      grid_layout_clear (&g, data);
      return NULL;
    }
  for (guint i = 0; i < data->n_panels && text == NULL; i++)
    {
      const GridPanel *p = &g.panels[i];
      const QksPlotEsdView *view = &p->view;
      const char *title = p->data->title != NULL ? p->data->title : "";
      double cell_x, cell_y;
      Panel panel;

      grid_panel (&g, theme, i, &panel, &cell_x, &cell_y);
      if (x < panel.frame.x || x > panel.frame.x + panel.frame.width ||
          y < cell_y || y > panel.frame.y + panel.frame.height)
        continue;
      if (panel_index != NULL)
        *panel_index = (int) i;
      if (p->problem != NULL)
        {
          text = g_strdup_printf ("%s\n%s", title, p->problem);
          break;
        }
      for (guint b = 0; b < view->n_bins && text == NULL; b++)
        if (view->counts[b] > 0 && x >= panel_x (&panel, view->edges[b]) && x < panel_x (&panel, view->edges[b + 1]))
          /* Translators: a layer, the bin's range of normalised eigenvalues, its count and the total */
          text = g_strdup_printf (b >= view->first_spike_bin ? _("%s\nλ/mean λ %.3g to %.3g: %u of %zu eigenvalues, above the threshold")
                                                             : _("%s\nλ/mean λ %.3g to %.3g: %u of %zu eigenvalues"),
                                  title, view->edges[b], view->edges[b + 1], view->counts[b], view->n_values);
      if (text == NULL)
        text = isnan (p->values.threshold)
               ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s\n%zu eigenvalue", "%s\n%zu eigenvalues",
                                               p->values.n), title, p->values.n)
               : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s\n%zu eigenvalue above the threshold",
                                               "%s\n%zu eigenvalues above the threshold", p->values.n_spikes),
                                  title, p->values.n_spikes);
    }
  grid_layout_clear (&g, data);
  return text;
}

/* Data -------------------------------------------------------------------------- */

/**
 * qks_plot_esd_data_init_from_record:
 *
 * Fills @data with @record's eigenvalues, null and threshold (borrowed:
 * @record must outlive @data) and MP's c = k/N. The MP fit's σ² is a
 * metric, not part of the record: set mp_sigma2 from "mp_sigma2"; it
 * starts as NaN (no MP curve). The null's curve needs its table
 * (qks_plot_esd_tabulate_law() of the record's chain), but for an "mp"
 * null, which is drawn without one.
 */
void
qks_plot_esd_data_init_from_record (QksPlotEsdData          *data,
                                    const QksSpectrumRecord *record)
{
  g_return_if_fail (data != NULL);
  g_return_if_fail (record != NULL);

  memset (data, 0, sizeof *data);
  data->eigenvalues = record->eigenvalues;
  data->n_eigenvalues = record->eigenvalues != NULL ? record->rank : 0;
  data->mp_sigma2 = NAN;
  data->mp_c = record->n_rows > 0 ? (double) record->rank / record->n_rows : NAN;
  data->null_law = record->null_law;
  data->threshold = record->threshold;
  data->sigma2 = record->sigma2;
  data->lambda_plus = record->lambda_plus;
  data->lambda_threshold = record->lambda_threshold;
  data->x_scale = QKS_PLOT_SCALE_LINEAR;
}

/**
 * qks_plot_esd_tabulate_law:
 * @x: (out caller-allocates) (array length=n_nodes): ascending, mean-1 units
 * @density: (out caller-allocates) (array length=n_nodes): the law's density
 * @n_nodes: at least 2; %QKS_PLOT_ESD_NULL_NODES draws smoothly
 *
 * Samples @law over its support for #QksPlotEsdData's null_x and
 * null_density, with the nodes gathered at both edges (where the density
 * has a square-root edge, or diverges at 0 for a square form), so that
 * linear interpolation between them draws the curve faithfully. Building
 * a long chain's law is slow (b.4): do it once per configuration, off the
 * main thread, and keep the table.
 */
void
qks_plot_esd_tabulate_law (const QksChainLaw *law,
                           double            *x,
                           double            *density,
                           gsize              n_nodes)
{
  double lo, hi;

  g_return_if_fail (law != NULL);
  g_return_if_fail (n_nodes >= 2);

  lo = qks_chain_law_lower_edge (law);
  hi = qks_chain_law_upper_edge (law);
  for (gsize i = 0; i < n_nodes; i++)
    {
      /* Chebyshev–Lobatto nodes, and the first one nudged off a divergence. */
      double t = (1.0 - cos (G_PI * i / (double) (n_nodes - 1))) / 2.0;

      x[i] = lo + (hi - lo) * t;
      if (i == 0 && lo <= 0.0)
        x[i] = (hi - lo) * 1e-6;
      density[i] = qks_chain_law_density (law, x[i]);
      if (!isfinite (density[i]) || density[i] < 0.0)
        density[i] = 0.0;
    }
}
