/* qks-preferences-window.c: the application's preferences
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qks-combo-row.h"
#include "qks-diag-choices.h"
#include "qks-preferences-window.h"

/* Every row is bound to its GSettings key, so a change applies at once (as
 * GNOME's preferences do) and the setup pane, which watches the same keys,
 * follows it. */
struct _QksPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;

  /* Template widgets */
  GtkSpinButton        *diag_every_spin;
  AdwComboRow          *null_row;
  AdwComboRow          *estimator_row;
};

G_DEFINE_FINAL_TYPE (QksPreferencesWindow, qks_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/**
 * qks_preferences_window_new:
 * @transient_for: (nullable): the window it belongs to
 */
QksPreferencesWindow *
qks_preferences_window_new (GtkWindow *transient_for)
{
  return g_object_new (QKS_TYPE_PREFERENCES_WINDOW,
                       "transient-for", transient_for,
                       NULL);
}

/* The combo rows say in plain words what the chosen item means. */
static void
update_subtitles (QksPreferencesWindow *self)
{
  guint null_law = adw_combo_row_get_selected (self->null_row);
  guint estimator = adw_combo_row_get_selected (self->estimator_row);

  if (null_law < QKS_DIAG_N_NULLS)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->null_row),
                                 qks_diag_choices_get_null_summary ((QksDiagNull) null_law));
  if (estimator < QKS_SIGMA_N_ESTIMATORS)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->estimator_row),
                                 qks_diag_choices_get_estimator_summary ((QksSigmaEstimator) estimator));
}

static void
qks_preferences_window_dispose (GObject *object)
{
  QksPreferencesWindow *self = QKS_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), QKS_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (qks_preferences_window_parent_class)->dispose (object);
}

static void
qks_preferences_window_class_init (QksPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qks_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/qks-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, QksPreferencesWindow, diag_every_spin);
  gtk_widget_class_bind_template_child (widget_class, QksPreferencesWindow, null_row);
  gtk_widget_class_bind_template_child (widget_class, QksPreferencesWindow, estimator_row);
  gtk_widget_class_bind_template_callback (widget_class, update_subtitles);
}

static void
qks_preferences_window_init (QksPreferencesWindow *self)
{
  g_autoptr(GtkStringList) null_laws = qks_diag_choices_new_null_list ();
  g_autoptr(GtkStringList) estimators = qks_diag_choices_new_estimator_list ();

  gtk_widget_init_template (GTK_WIDGET (self));

  adw_combo_row_set_model (self->null_row, G_LIST_MODEL (null_laws));
  adw_combo_row_set_model (self->estimator_row, G_LIST_MODEL (estimators));
  qks_combo_row_show_whole_value (self->null_row);
  qks_combo_row_show_whole_value (self->estimator_row);
  qks_diag_choices_setup_interval_spin (self->diag_every_spin);

  self->settings = g_settings_new (APPLICATION_ID);
  g_settings_bind (self->settings, "diag-every",
                   gtk_spin_button_get_adjustment (self->diag_every_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  qks_diag_choices_bind_null (self->settings, self->null_row);
  qks_diag_choices_bind_estimator (self->settings, self->estimator_row);
  update_subtitles (self);
}
