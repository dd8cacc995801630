/* qks-plot-pareto.c: KV-cache bytes against final loss, and the Pareto front
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <glib/gi18n.h>

#include "qks-plot-axes.h"
#include "qks-plot-colormap.h"
#include "qks-plot-pareto.h"
#include "qks-plot-steps.h"
#include "qks-plot-text.h"

#define POINT_RADIUS  5.0
#define LABEL_GAP     4.0   /* point edge → its label */
#define X_MARGIN      1.6   /* factor beyond the outer points, for their labels */
#define Y_MARGIN      0.14  /* of the loss span, above and below */
#define MIN_Y_SPAN    0.02  /* nats: a single point or equal losses */
#define FRONT_WIDTH   1.5

typedef struct
{
  guint    index;  /* into data->points */
  double   x;      /* device */
  double   y;
  gboolean front;
} Point;

typedef struct
{
  double left;
  double top;
  double width;
  double height;
} Box;

static gboolean
point_usable (const QksParetoPoint *point)
{
  return isfinite (point->loss) && isfinite (point->kv_bytes_per_token) && point->kv_bytes_per_token > 0.0;
}

static int
compare_by_bytes (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  const QksParetoPoint *points = user_data;
  const QksParetoPoint *x = &points[*(const guint *) a], *y = &points[*(const guint *) b];

  if (x->kv_bytes_per_token != y->kv_bytes_per_token)
    return x->kv_bytes_per_token < y->kv_bytes_per_token ? -1 : 1;
  if (x->loss != y->loss)
    return x->loss < y->loss ? -1 : 1;
  return 0;
}

static double
overlap (const Box *a,
         const Box *b)
{
  double w = MIN (a->left + a->width, b->left + b->width) - MAX (a->left, b->left);
  double h = MIN (a->top + a->height, b->top + b->height) - MAX (a->top, b->top);

  return w > 0.0 && h > 0.0 ? w * h : 0.0;
}

/* Area of @box outside @frame. */
static double
outside (const Box         *box,
         const QksPlotRect *frame)
{
  Box inside = { frame->x, frame->y, frame->width, frame->height };

  return box->width * box->height - overlap (box, &inside);
}

static double
distance_to_box (double     x,
                 double     y,
                 const Box *box)
{
  double dx = MAX (0.0, MAX (box->left - x, x - (box->left + box->width)));
  double dy = MAX (0.0, MAX (box->top - y, y - (box->top + box->height)));

  return hypot (dx, dy);
}

/* Labels beside their points, nudged where they would collide. Each label
 * weighs the places around its point, nearest first, by what it would
 * cover: the frame's edge most, then other labels and points, then the
 * front's line; and a label nearer to another point than to its own would
 * name the wrong one. The first pass places labels left to right against
 * those placed before; two more let each move against all the others. */
static void
place_labels (const Point       *points,
              guint              n,
              const Box         *sizes,
              const QksPlotRect *frame,
              const Box         *obstacles,
              guint              n_obstacles,
              Box               *boxes,
              gboolean          *far)
{
  /* Directions, as (dx, dy) unit offsets and the label's alignment. */
  static const struct { double dx, dy, xalign, yalign; } directions[] = {
    {  1.0,  0.0, 0.0, 0.5 },  /* right */
    { -1.0,  0.0, 1.0, 0.5 },  /* left */
    {  0.0, -1.0, 0.5, 1.0 },  /* above */
    {  0.0,  1.0, 0.5, 0.0 },  /* below */
    {  0.7, -0.7, 0.0, 1.0 },  /* above right */
    {  0.7,  0.7, 0.0, 0.0 },  /* below right */
    { -0.7, -0.7, 1.0, 1.0 },  /* above left */
    { -0.7,  0.7, 1.0, 0.0 },  /* below left */
  };
  static const double distances[] = { 1.0, 2.2, 3.4 };

  for (guint pass = 0; pass < 3; pass++)
    for (guint i = 0; i < n; i++)
      {
        double best = G_MAXDOUBLE;

        for (guint d = 0; d < G_N_ELEMENTS (distances); d++)
          for (guint k = 0; k < G_N_ELEMENTS (directions); k++)
            {
              double reach = (POINT_RADIUS + LABEL_GAP) * distances[d];
              double x = points[i].x + directions[k].dx * reach;
              double y = points[i].y + directions[k].dy * reach;
              Box box = { x - directions[k].xalign * sizes[i].width, y - directions[k].yalign * sizes[i].height,
                          sizes[i].width, sizes[i].height };
              double own = distance_to_box (points[i].x, points[i].y, &box);
              double cost = 100.0 * outside (&box, frame) + 100.0 * d + k;

              for (guint j = 0; j < (pass == 0 ? i : n); j++)
                if (j != i)
                  cost += 10.0 * overlap (&box, &boxes[j]);
              for (guint j = 0; j < n_obstacles; j++)
                cost += 2.0 * overlap (&box, &obstacles[j]);
              for (guint j = 0; j < n; j++)
                {
                  Box disc = { points[j].x - POINT_RADIUS - 1.0, points[j].y - POINT_RADIUS - 1.0,
                               2.0 * POINT_RADIUS + 2.0, 2.0 * POINT_RADIUS + 2.0 };

                  cost += 10.0 * overlap (&box, &disc);
                  if (j != i && distance_to_box (points[j].x, points[j].y, &box) < own)
                    cost += 400.0;
                }
              if (cost < best)
                {
                  best = cost;
                  boxes[i] = box;
                  far[i] = d > 0;
                }
            }
      }
}

/* What the drawing and the tooltips share: the usable runs sorted by
 * bytes, which of them make the front, and the axes with them placed. */
typedef struct
{
  GArray             *usable;     /* indices into data->points */
  Point              *points;
  guint               n;
  double              xmin, xmax, ymin, ymax, best;
  QksPlotColor        front_color, shade;
  QksPlotLegendEntry  legend[2];
  QksPlotAxes        *axes;
  QksPlotRect         frame;
} ParetoLayout;

static void
pareto_layout_clear (ParetoLayout *L)
{
  g_clear_pointer (&L->usable, g_array_unref);
  g_clear_pointer (&L->points, g_free);
  g_clear_pointer (&L->axes, qks_plot_axes_free);
}

/* FALSE with @error set when no run can be placed or the figure leaves
 * no room. */
static gboolean
lay_out (cairo_t             *cr,
         double               width,
         double               height,
         const QksPlotTheme  *theme,
         const QksParetoData *data,
         ParetoLayout        *L,
         GError             **error)
{
  const char *title = data->title;

  L->usable = g_array_new (FALSE, FALSE, sizeof (guint));
  L->xmin = L->ymin = L->best = INFINITY;
  L->xmax = L->ymax = -INFINITY;
  for (guint i = 0; i < data->n_points; i++)
    if (point_usable (&data->points[i]))
      g_array_append_val (L->usable, i);
  if (L->usable->len == 0)
    {
      g_set_error_literal (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_NO_RANGE,
                           _("No run has both a KV-cache size and a final loss yet."));
      return FALSE;
    }

  /* The front: by bytes, each point that beats every cheaper one. */
  g_array_sort_with_data (L->usable, compare_by_bytes, (gpointer) data->points);
  L->n = L->usable->len;
  L->points = g_new0 (Point, L->n);
  for (guint i = 0; i < L->n; i++)
    {
      const QksParetoPoint *point = &data->points[g_array_index (L->usable, guint, i)];

      L->points[i].index = g_array_index (L->usable, guint, i);
      L->points[i].front = point->loss < L->best;
      L->best = MIN (L->best, point->loss);
      L->xmin = MIN (L->xmin, point->kv_bytes_per_token);
      L->xmax = MAX (L->xmax, point->kv_bytes_per_token);
      L->ymin = MIN (L->ymin, point->loss);
      L->ymax = MAX (L->ymax, point->loss);
    }
  if (L->ymax - L->ymin < MIN_Y_SPAN)
    {
      double middle = (L->ymin + L->ymax) / 2.0;

      L->ymin = middle - MIN_Y_SPAN / 2.0;
      L->ymax = middle + MIN_Y_SPAN / 2.0;
    }
  {
    double margin = Y_MARGIN * (L->ymax - L->ymin);

    L->ymin -= margin;
    L->ymax += margin;
  }

  L->front_color = theme->foreground;
  L->shade = qks_plot_color_with_alpha (&theme->foreground, theme->foreground.alpha * 0.05);
  L->legend[0] = (QksPlotLegendEntry) { _("Pareto front"), L->front_color, QKS_PLOT_SWATCH_LINE, FALSE };
  L->legend[1] = (QksPlotLegendEntry) { _("Dominated region"), L->shade, QKS_PLOT_SWATCH_PATCH, FALSE };
  /* The patch swatch shows the shade a little stronger than it is. */
  L->legend[1].color.alpha *= 2.5;

  L->axes = qks_plot_axes_new (theme, width, height);
  if (title != NULL)
    qks_plot_axes_set_title (L->axes, title);
  qks_plot_axes_set_x (L->axes, L->xmin / X_MARGIN, L->xmax * X_MARGIN, QKS_PLOT_SCALE_LOG,
                       _("KV cache per token, all layers (bytes)"));
  qks_plot_axes_set_y (L->axes, L->ymin, L->ymax, QKS_PLOT_SCALE_LINEAR,
                       data->loss_label != NULL ? data->loss_label : _("Final loss (nats per token)"));
  qks_plot_axes_set_legend (L->axes, L->legend, G_N_ELEMENTS (L->legend), QKS_PLOT_LEGEND_BEST);
  if (!qks_plot_axes_layout (L->axes, cr, error))
    return FALSE;
  qks_plot_axes_get_frame (L->axes, &L->frame);
  for (guint i = 0; i < L->n; i++)
    {
      const QksParetoPoint *point = &data->points[L->points[i].index];

      L->points[i].x = qks_plot_axes_x_to_device (L->axes, point->kv_bytes_per_token);
      L->points[i].y = qks_plot_axes_y_to_device (L->axes, point->loss);
    }
  return TRUE;
}

/**
 * qks_plot_pareto_draw:
 * @data: (nullable): what to draw; with no usable point, an empty state
 *   that says so
 *
 * Draws the background, grid, the region the front dominates (lightly
 * shaded), the front as a step line, the points (filled on the front,
 * hollow off it) with their names, the frame and the legend. Bytes go on a
 * logarithmic x axis: cache sizes of the variants differ by factors.
 */
void
qks_plot_pareto_draw (cairo_t             *cr,
                      double               width,
                      double               height,
                      const QksPlotTheme  *theme,
                      const QksParetoData *data)
{
  g_autoptr(GError) error = NULL;
  ParetoLayout placed = { 0 };
  QksPlotAxes *axes;
  Point *points;
  g_autofree Box *sizes = NULL;
  g_autofree Box *boxes = NULL;
  g_autofree gboolean *far = NULL;
  g_autofree Box *obstacles = NULL;
  g_autoptr(GArray) corners = NULL;
  const double *front;
  guint n_corners;
  const char *title = data != NULL ? data->title : NULL;
  QksPlotColor front_color, shade;
  QksPlotRect frame;
  guint n;

  qks_plot_draw_background (cr, width, height, theme);
  if (data == NULL || data->points == NULL || data->n_points == 0)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, _("No finished runs to compare yet."));
      return;
    }
  if (!lay_out (cr, width, height, theme, data, &placed, &error))
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, error->message);
      pareto_layout_clear (&placed);
      return;
    }
  axes = placed.axes;
  points = placed.points;
  n = placed.n;
  front_color = placed.front_color;
  shade = placed.shade;
  frame = placed.frame;

  qks_plot_axes_draw_grid (axes, cr);

  /* The front's corners: from the cheapest point, flat to the next point
   * of the front, down to it, and so on, and flat to the right edge after
   * the last. */
  corners = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < n; i++)
    {
      double xy[2];

      if (!points[i].front)
        continue;
      if (corners->len > 0)
        {
          xy[0] = points[i].x;
          xy[1] = g_array_index (corners, double, corners->len - 1);
          g_array_append_vals (corners, xy, 2);
        }
      xy[0] = points[i].x;
      xy[1] = points[i].y;
      g_array_append_vals (corners, xy, 2);
    }
  {
    double xy[2] = { frame.x + frame.width, g_array_index (corners, double, corners->len - 1) };

    g_array_append_vals (corners, xy, 2);
  }
  n_corners = corners->len / 2;
  front = (const double *) corners->data;

  /* Its segments, thickened, keep the labels off the line. */
  obstacles = g_new0 (Box, n_corners);
  for (guint i = 0; i + 1 < n_corners; i++)
    {
      double x0 = MIN (front[2 * i], front[2 * i + 2]), x1 = MAX (front[2 * i], front[2 * i + 2]);
      double y0 = MIN (front[2 * i + 1], front[2 * i + 3]), y1 = MAX (front[2 * i + 1], front[2 * i + 3]);

      obstacles[i] = (Box) { x0 - 2.0, y0 - 2.0, x1 - x0 + 4.0, y1 - y0 + 4.0 };
    }

  /* The dominated region, lightly shaded, then the front over it. */
  cairo_save (cr);
  qks_plot_axes_clip (axes, cr);
  cairo_new_path (cr);
  cairo_move_to (cr, front[0], frame.y);
  for (guint i = 0; i < n_corners; i++)
    cairo_line_to (cr, front[2 * i], front[2 * i + 1]);
  cairo_line_to (cr, frame.x + frame.width, frame.y);
  cairo_close_path (cr);
  qks_plot_set_source_color (cr, &shade);
  cairo_fill (cr);

  cairo_new_path (cr);
  for (guint i = 0; i < n_corners; i++)
    cairo_line_to (cr, front[2 * i], front[2 * i + 1]);
  cairo_set_line_width (cr, FRONT_WIDTH);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_MITER);
  qks_plot_set_source_color (cr, &front_color);
  cairo_stroke (cr);
  cairo_restore (cr);

  /* Points: on the front filled, off it a ring, each its own path. */
  for (guint i = 0; i < n; i++)
    {
      QksPlotColor color = qks_plot_palette_color (points[i].index, theme->dark);

      if (points[i].front)
        qks_plot_draw_marker (cr, points[i].x, points[i].y, POINT_RADIUS, &color, &theme->background, 1.5);
      else
        {
          cairo_save (cr);
          cairo_new_path (cr);
          cairo_arc (cr, points[i].x, points[i].y, POINT_RADIUS - 1.0, 0.0, 2.0 * G_PI);
          qks_plot_set_source_color (cr, &theme->background);
          cairo_fill_preserve (cr);
          cairo_set_line_width (cr, 2.0);
          qks_plot_set_source_color (cr, &color);
          cairo_stroke (cr);
          cairo_restore (cr);
        }
    }

  /* Names, nudged clear of each other and of the points. */
  sizes = g_new0 (Box, n);
  boxes = g_new0 (Box, n);
  far = g_new0 (gboolean, n);
  for (guint i = 0; i < n; i++)
    {
      const char *name = data->points[points[i].index].name;
      g_autoptr(PangoLayout) layout = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_BODY,
                                                                    name != NULL ? name : "");
      PangoRectangle logical;

      pango_layout_get_extents (layout, NULL, &logical);
      sizes[i].width = logical.width / (double) PANGO_SCALE;
      sizes[i].height = logical.height / (double) PANGO_SCALE;
    }
  place_labels (points, n, sizes, &frame, obstacles, n_corners - 1, boxes, far);
  for (guint i = 0; i < n; i++)
    {
      const char *name = data->points[points[i].index].name;
      g_autoptr(PangoLayout) layout = NULL;

      if (name == NULL || name[0] == '\0')
        continue;
      /* A label pushed away is tied to its point by a short leader. */
      if (far[i])
        {
          double cx = CLAMP (points[i].x, boxes[i].left, boxes[i].left + boxes[i].width);
          double cy = CLAMP (points[i].y, boxes[i].top, boxes[i].top + boxes[i].height);
          double dx = cx - points[i].x, dy = cy - points[i].y, length = hypot (dx, dy);

          if (length > POINT_RADIUS + 2.0)
            {
              cairo_save (cr);
              qks_plot_set_source_color (cr, &theme->muted);
              cairo_set_line_width (cr, 1.0);
              cairo_move_to (cr, points[i].x + dx / length * (POINT_RADIUS + 1.0),
                             points[i].y + dy / length * (POINT_RADIUS + 1.0));
              cairo_line_to (cr, cx - dx / length * 2.0, cy - dy / length * 2.0);
              cairo_stroke (cr);
              cairo_restore (cr);
            }
        }
      layout = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_BODY, name);
      /* A halo of the background keeps the name legible over the grid
       * and the front. */
      {
        PangoRectangle logical;
        double scale = qks_plot_theme_device_scale (theme, cr);

        pango_layout_get_extents (layout, NULL, &logical);
        cairo_save (cr);
        cairo_new_path (cr);
        cairo_move_to (cr, round ((boxes[i].left - logical.x / (double) PANGO_SCALE) * scale) / scale,
                       round ((boxes[i].top - logical.y / (double) PANGO_SCALE) * scale) / scale);
        pango_cairo_layout_path (cr, layout);
        cairo_set_line_width (cr, 3.0);
        cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
        qks_plot_set_source_color (cr, &theme->background);
        cairo_stroke (cr);
        cairo_restore (cr);
      }
      qks_plot_show_layout (theme, cr, layout, &theme->foreground, boxes[i].left, boxes[i].top, 0.0, 0.0);
    }

  qks_plot_axes_draw_frame (axes, cr);
  {
    double *avoid_x = g_new (double, n), *avoid_y = g_new (double, n);

    for (guint i = 0; i < n; i++)
      {
        avoid_x[i] = data->points[points[i].index].kv_bytes_per_token;
        avoid_y[i] = data->points[points[i].index].loss;
      }
    qks_plot_axes_draw_legend (axes, cr, avoid_x, avoid_y, n);
    g_free (avoid_x);
    g_free (avoid_y);
  }
  pareto_layout_clear (&placed);
}

/**
 * qks_plot_pareto_query:
 *
 * Returns: (transfer full) (nullable): for a tooltip, the run whose point
 *   is within a few pixels of (@x, @y): its name, KV cache per token and
 *   final loss, and whether it is on the front; NULL elsewhere.
 */
char *
qks_plot_pareto_query (cairo_t             *cr,
                       double               width,
                       double               height,
                       const QksPlotTheme  *theme,
                       const QksParetoData *data,
                       double               x,
                       double               y)
{
  ParetoLayout placed = { 0 };
  double best_distance = 10.0;
  const Point *nearest = NULL;
  char *text = NULL;

  if (data == NULL || data->points == NULL || data->n_points == 0 ||
      !lay_out (cr, width, height, theme, data, &placed, NULL))
    {
      pareto_layout_clear (&placed);
      return NULL;
    }
  for (guint i = 0; i < placed.n; i++)
    {
      double distance = hypot (placed.points[i].x - x, placed.points[i].y - y);

      if (distance < best_distance)
        {
          best_distance = distance;
          nearest = &placed.points[i];
        }
    }
  if (nearest != NULL)
    {
      const QksParetoPoint *point = &data->points[nearest->index];

      /* Translators: a run, its KV cache in bytes per token and its final loss */
      text = g_strdup_printf (nearest->front ? _("%s\nKV cache %.0f bytes per token\nFinal loss %.4f, on the front")
                                             : _("%s\nKV cache %.0f bytes per token\nFinal loss %.4f"),
                              point->name != NULL ? point->name : "", point->kv_bytes_per_token, point->loss);
    }
  pareto_layout_clear (&placed);
  return text;
}
