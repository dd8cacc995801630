/* qks-plot-loss.h: training and validation loss of one or several runs
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-plot-axes.h"
#include "qks-plot-theme.h"

G_BEGIN_DECLS

/* Runs told apart by the palette: more would repeat its colours. */
#define QKS_LOSS_MAX_RUNS 8

typedef enum
{
  QKS_LOSS_X_STEPS,  /* training steps, linear or log(1 + step) */
  QKS_LOSS_X_FLOPS,  /* cumulative training FLOPs, logarithmic: runs at equal compute */
} QksLossX;

/* One step of a run, as the run file records it (QksStepRecord): the
 * fields of a step travel together, so their counts cannot disagree. */
typedef struct
{
  double step;        /* ≥ 0, increasing along the run */
  double flops;       /* cumulative matrix-product FLOPs since step 0; NaN if unknown */
  double train_loss;  /* nats per token; NaN: not measured */
  double val_loss;    /* NaN unless validated at this step */
} QksLossPoint;

typedef struct
{
  const char         *name;      /* the legend's: "MHA", "MLA-Decoupled" */
  const QksLossPoint *points;
  guint               n_points;
} QksLossRun;

/* SCIENCE.md (c) 5. A zero-filled struct (with runs) asks for the
 * defaults: steps on a linear axis, the raw training loss, y from the data,
 * no target, no current step. */
typedef struct
{
  const char       *title;           /* nullable */
  const QksLossRun *runs;            /* n_runs ≤ QKS_LOSS_MAX_RUNS, coloured in order */
  guint             n_runs;

  QksLossX          x_axis;
  QksPlotScale      step_scale;      /* on the steps axis: linear or log(1 + step) */
  double            smoothing;       /* weight of the past in an exponential moving
                                      * average of the training loss, 0 ≤ s < 1 (0.9 is
                                      * typical), its window held to a tenth of the
                                      * steps so far; the raw loss stays, lighter */
  gboolean          log_y;
  gboolean          fixed_y;         /* y from y_min to y_max */
  double            y_min;
  double            y_max;

  gboolean          has_target;      /* a dashed horizontal line: "the baseline's loss" */
  double            target_loss;
  const char       *target_label;    /* nullable: by default "Baseline" */

  gboolean          has_current_step;  /* on the steps axis only */
  double            current_step;
} QksLossData;

void qks_plot_loss_draw (cairo_t            *cr,
                         double              width,
                         double              height,
                         const QksPlotTheme *theme,
                         const QksLossData  *data);
char *qks_plot_loss_query (cairo_t            *cr,
                           double              width,
                           double              height,
                           const QksPlotTheme *theme,
                           const QksLossData  *data,
                           double              x,
                           double              y);

G_END_DECLS
