/* qks-application.c: the application: its actions, windows and settings
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qks-application.h"
#include "qks-figure.h"
#include "qks-preferences-window.h"
#include "qks-window.h"

struct _QksApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (QksApplication, qks_application, ADW_TYPE_APPLICATION)

QksApplication *
qks_application_new (void)
{
  return g_object_new (QKS_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", RESOURCE_PREFIX,
                       NULL);
}

/**
 * qks_application_get_settings:
 *
 * Returns: (transfer none): the application's GSettings.
 */
GSettings *
qks_application_get_settings (QksApplication *self)
{
  g_return_val_if_fail (QKS_IS_APPLICATION (self), NULL);

  return self->settings;
}

static void
qks_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (qks_window_new (QKS_APPLICATION (app)));

  gtk_window_present (window);
}

/* Files from the command line or the file manager: the first opens in a
 * new window, the others are compared with it. */
static void
qks_application_open (GApplication  *app,
                      GFile        **files,
                      int            n_files,
                      const char    *hint)
{
  QksWindow *window = qks_window_new (QKS_APPLICATION (app));

  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < n_files; i++)
    qks_window_open_file (window, files[i], i > 0);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (user_data)));

  /* Close each window as the user would, so that each saves its state
   * (and, later, stops its run cleanly) before the application exits. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free (windows);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  const char *developers[] = { _("The QK Scope developers"), NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-icon", APPLICATION_ID,
                        "application-name", _("QK Scope"),
                        "developer-name", _("The QK Scope developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Watch what training does to a transformer’s attention: "
                                      "the spectra of its query–key matrices against "
                                      "random-matrix laws, the angles between its heads and "
                                      "the effective rank of every layer."),
                        "website", PACKAGE_WEBSITE,
                        "issue-url", PACKAGE_WEBSITE "/issues",
                        "copyright", "© 2026 The QK Scope developers",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  QksPreferencesWindow *preferences = qks_preferences_window_new (parent);

  gtk_window_present (GTK_WINDOW (preferences));
}

static void
new_window_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  gtk_window_present (GTK_WINDOW (qks_window_new (QKS_APPLICATION (user_data))));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
  { "preferences", preferences_activated },
  { "new-window", new_window_activated },
};

/* A null's law built on a worker thread: figures without its curve are
 * made again, in every window. */
static gboolean
on_laws_ready (gpointer user_data)
{
  GApplication *app = g_application_get_default ();

  if (GTK_IS_APPLICATION (app))
    for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
      if (QKS_IS_WINDOW (l->data))
        qks_window_invalidate_figures (l->data);
  return G_SOURCE_REMOVE;
}

static void
qks_application_startup (GApplication *app)
{
  QksApplication *self = QKS_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *new_window_accels[] = { "<Control>n", NULL };

  G_APPLICATION_CLASS (qks_application_parent_class)->startup (app);

  qks_figure_set_background_laws (NULL, on_laws_ready, NULL);

  self->settings = g_settings_new (APPLICATION_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);

  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.new-window", new_window_accels);
}

static void
qks_application_finalize (GObject *object)
{
  QksApplication *self = QKS_APPLICATION (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (qks_application_parent_class)->finalize (object);
}

static void
qks_application_class_init (QksApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = qks_application_finalize;
  app_class->activate = qks_application_activate;
  app_class->open = qks_application_open;
  app_class->startup = qks_application_startup;
}

static void
qks_application_init (QksApplication *self)
{
}
