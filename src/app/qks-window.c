/* qks-window.c: the main window
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qks-window.h"

struct _QksWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;

  /* Template widgets */
  AdwHeaderBar         *header_bar;
  AdwToastOverlay      *toast_overlay;
  AdwStatusPage        *welcome_page;
  GtkLabel             *availability_label;
};

G_DEFINE_FINAL_TYPE (QksWindow, qks_window, ADW_TYPE_APPLICATION_WINDOW)

QksWindow *
qks_window_new (QksApplication *application)
{
  return g_object_new (QKS_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/* The caption under the welcome actions explains why they are insensitive;
 * it hides itself once both actions work. */
static void
update_availability_label (QksWindow *self)
{
  GApplication *app = g_application_get_default ();
  gboolean all_enabled = app != NULL &&
                         g_action_group_get_action_enabled (G_ACTION_GROUP (app), "start-demo") &&
                         g_action_group_get_action_enabled (G_ACTION_GROUP (app), "open");

  gtk_widget_set_visible (GTK_WIDGET (self->availability_label), !all_enabled);
}

static void
restore_window_state (QksWindow *self)
{
  int width = g_settings_get_int (self->settings, "window-width");
  int height = g_settings_get_int (self->settings, "window-height");

  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
save_window_state (QksWindow *self)
{
  int width, height;
  gboolean maximized = gtk_window_is_maximized (GTK_WINDOW (self));

  /* The default size is the unmaximized size, which is what to restore. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  g_settings_delay (self->settings);
  g_settings_set_boolean (self->settings, "window-maximized", maximized);
  if (width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_apply (self->settings);
}

static gboolean
qks_window_close_request (GtkWindow *window)
{
  save_window_state (QKS_WINDOW (window));

  return GTK_WINDOW_CLASS (qks_window_parent_class)->close_request (window);
}

static void
qks_window_constructed (GObject *object)
{
  QksWindow *self = QKS_WINDOW (object);
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  G_OBJECT_CLASS (qks_window_parent_class)->constructed (object);

  if (QKS_IS_APPLICATION (app))
    self->settings = g_object_ref (qks_application_get_settings (QKS_APPLICATION (app)));
  else
    self->settings = g_settings_new (APPLICATION_ID);

  restore_window_state (self);
  update_availability_label (self);
}

static void
qks_window_dispose (GObject *object)
{
  QksWindow *self = QKS_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), QKS_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (qks_window_parent_class)->dispose (object);
}

static void
qks_window_class_init (QksWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = qks_window_constructed;
  object_class->dispose = qks_window_dispose;
  window_class->close_request = qks_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/qks-window.ui");
  gtk_widget_class_bind_template_child (widget_class, QksWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, availability_label);
}

static void
qks_window_init (QksWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
