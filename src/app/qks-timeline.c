/* qks-timeline.c: the scrubber over a run's recorded steps
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "qks-timeline.h"

/* The scale moves over the indices of the recorded steps, not over step
 * numbers: diagnostics are log-spaced early (0, 1, 2, 4, …), and every one
 * of them should be one key press away. */
struct _QksTimeline
{
  GtkWidget       parent_instance;

  GArray         *steps;        /* guint, ascending */
  guint           index;        /* into steps */
  gboolean        follow_live;
  gboolean        updating;     /* setting the adjustment ourselves */

  GtkButton      *previous_button;
  GtkScale       *scale;
  GtkAdjustment  *adjustment;
  GtkButton      *next_button;
  GtkLabel       *step_label;
  GtkToggleButton *follow_button;
};

G_DEFINE_FINAL_TYPE (QksTimeline, qks_timeline, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_STEP,
  PROP_FOLLOW_LIVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
qks_timeline_new (void)
{
  return g_object_new (QKS_TYPE_TIMELINE, NULL);
}

static void
update_controls (QksTimeline *self)
{
  guint n = self->steps->len;

  self->updating = TRUE;
  gtk_adjustment_configure (self->adjustment, self->index, 0, n > 0 ? n - 1 : 0, 1, 1, 0);
  self->updating = FALSE;

  gtk_widget_set_sensitive (GTK_WIDGET (self->scale), n > 1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->previous_button), n > 0 && self->index > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), n > 0 && self->index + 1 < n);

  if (n == 0)
    gtk_label_set_text (self->step_label, _("No steps yet"));
  else
    {
      /* Translators: the step the views show, e.g. "Step 400" */
      g_autofree char *text = g_strdup_printf (_("Step %u"), g_array_index (self->steps, guint, self->index));
      gtk_label_set_text (self->step_label, text);
    }
}

static void
select_index (QksTimeline *self,
              guint        index)
{
  guint old_step = qks_timeline_get_step (self);

  self->index = index;
  update_controls (self);
  if (qks_timeline_get_step (self) != old_step)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
}

/**
 * qks_timeline_set_steps:
 *
 * The steps that have diagnostics. Following live, the timeline moves to
 * the newest; otherwise it keeps the step it shows.
 */
void
qks_timeline_set_steps (QksTimeline *self,
                        const guint *steps,
                        guint        n_steps)
{
  guint shown = qks_timeline_get_step (self);
  guint index = 0;

  g_return_if_fail (QKS_IS_TIMELINE (self));

  g_array_set_size (self->steps, 0);
  g_array_append_vals (self->steps, steps, n_steps);

  if (self->follow_live && n_steps > 0)
    index = n_steps - 1;
  else
    for (guint i = 0; i < n_steps; i++)
      if (steps[i] <= shown)
        index = i;
  select_index (self, index);
}

guint
qks_timeline_get_n_steps (QksTimeline *self)
{
  return self->steps->len;
}

/* Returns: the step shown, or G_MAXUINT while there is none. */
guint
qks_timeline_get_step (QksTimeline *self)
{
  g_return_val_if_fail (QKS_IS_TIMELINE (self), G_MAXUINT);

  if (self->steps->len == 0)
    return G_MAXUINT;
  return g_array_index (self->steps, guint, self->index);
}

/* Shows the last recorded step at or before @step. */
void
qks_timeline_set_step (QksTimeline *self,
                       guint        step)
{
  guint index = 0;

  g_return_if_fail (QKS_IS_TIMELINE (self));

  for (guint i = 0; i < self->steps->len; i++)
    if (g_array_index (self->steps, guint, i) <= step)
      index = i;
  if (self->steps->len > 0 && index + 1 < self->steps->len)
    qks_timeline_set_follow_live (self, FALSE);
  select_index (self, index);
}

/**
 * qks_timeline_move:
 * @delta: how many recorded steps to move, back if negative
 *
 * Returns: whether the shown step changed
 */
gboolean
qks_timeline_move (QksTimeline *self,
                   int          delta)
{
  gint64 index;

  g_return_val_if_fail (QKS_IS_TIMELINE (self), FALSE);

  if (self->steps->len == 0)
    return FALSE;
  index = CLAMP ((gint64) self->index + delta, 0, (gint64) self->steps->len - 1);
  if ((guint) index == self->index)
    return FALSE;
  /* Stepping back means looking at the past: stop following. */
  if (delta < 0)
    qks_timeline_set_follow_live (self, FALSE);
  select_index (self, (guint) index);
  return TRUE;
}

gboolean
qks_timeline_get_follow_live (QksTimeline *self)
{
  return self->follow_live;
}

void
qks_timeline_set_follow_live (QksTimeline *self,
                              gboolean     follow_live)
{
  g_return_if_fail (QKS_IS_TIMELINE (self));

  follow_live = !!follow_live;
  if (self->follow_live == follow_live)
    return;
  self->follow_live = follow_live;
  gtk_toggle_button_set_active (self->follow_button, follow_live);
  if (follow_live && self->steps->len > 0)
    select_index (self, self->steps->len - 1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW_LIVE]);
}

static void
on_value_changed (QksTimeline   *self,
                  GtkAdjustment *adjustment)
{
  guint index;

  if (self->updating || self->steps->len == 0)
    return;
  index = (guint) CLAMP (round (gtk_adjustment_get_value (adjustment)), 0, self->steps->len - 1);
  if (index + 1 < self->steps->len)
    qks_timeline_set_follow_live (self, FALSE);
  select_index (self, index);
}

static void
on_previous_clicked (QksTimeline *self)
{
  qks_timeline_move (self, -1);
}

static void
on_next_clicked (QksTimeline *self)
{
  qks_timeline_move (self, 1);
}

static void
on_follow_toggled (QksTimeline     *self,
                   GtkToggleButton *button)
{
  qks_timeline_set_follow_live (self, gtk_toggle_button_get_active (button));
}

static void
qks_timeline_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  QksTimeline *self = QKS_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_STEP:
      g_value_set_uint (value, qks_timeline_get_step (self));
      break;
    case PROP_FOLLOW_LIVE:
      g_value_set_boolean (value, self->follow_live);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qks_timeline_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  QksTimeline *self = QKS_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_STEP:
      qks_timeline_set_step (self, g_value_get_uint (value));
      break;
    case PROP_FOLLOW_LIVE:
      qks_timeline_set_follow_live (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qks_timeline_dispose (GObject *object)
{
  QksTimeline *self = QKS_TIMELINE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), QKS_TYPE_TIMELINE);
  g_clear_pointer (&self->steps, g_array_unref);

  G_OBJECT_CLASS (qks_timeline_parent_class)->dispose (object);
}

static void
qks_timeline_class_init (QksTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qks_timeline_dispose;
  object_class->get_property = qks_timeline_get_property;
  object_class->set_property = qks_timeline_set_property;

  properties[PROP_STEP] =
    g_param_spec_uint ("step", NULL, NULL, 0, G_MAXUINT, G_MAXUINT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLLOW_LIVE] =
    g_param_spec_boolean ("follow-live", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/qks-timeline.ui");
  gtk_widget_class_bind_template_child (widget_class, QksTimeline, previous_button);
  gtk_widget_class_bind_template_child (widget_class, QksTimeline, scale);
  gtk_widget_class_bind_template_child (widget_class, QksTimeline, adjustment);
  gtk_widget_class_bind_template_child (widget_class, QksTimeline, next_button);
  gtk_widget_class_bind_template_child (widget_class, QksTimeline, step_label);
  gtk_widget_class_bind_template_child (widget_class, QksTimeline, follow_button);
  gtk_widget_class_bind_template_callback (widget_class, on_value_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_previous_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_next_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_follow_toggled);
  gtk_widget_class_set_css_name (widget_class, "timeline");
}

static void
qks_timeline_init (QksTimeline *self)
{
  self->steps = g_array_new (FALSE, FALSE, sizeof (guint));
  gtk_widget_init_template (GTK_WIDGET (self));
  update_controls (self);
}
