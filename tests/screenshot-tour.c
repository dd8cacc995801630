/* screenshot-tour.c: the screenshots of the README and the metainfo
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the app's own demo in a window of a fixed size and saves what each
 * view shows as a PNG, so that the screenshots are the app as it is, made
 * again with one command (build-aux/screenshots) whenever it changes.
 */
#include "config.h"

#include <locale.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "qks-application.h"
#include "qks-window.h"

#define DEADLINE_SECONDS 600

static QksWindow *window;
static const char *out_dir;

static void
iterate_until (gboolean (*done) (gpointer),
               gpointer   data)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;

  while (!done (data))
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("gave up waiting after %d s", DEADLINE_SECONDS);
    }
}

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () > *(gint64 *) data;
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
run_frames (guint milliseconds)
{
  gint64 until = g_get_monotonic_time () + milliseconds * 1000;
  /* Something must wake the loop when nothing else happens. */
  guint waker = g_timeout_add (50, wake, NULL);

  iterate_until (time_passed, &until);
  g_source_remove (waker);
}

static gboolean
reached_step (gpointer data)
{
  QksSession *session = qks_window_get_session (window);

  return session != NULL && qks_session_get_progress (session)->step >= GPOINTER_TO_UINT (data);
}

static gboolean
session_ended (gpointer data)
{
  QksSession *session = qks_window_get_session (window);
  QksSessionState state = session != NULL ? qks_session_get_state (session) : QKS_SESSION_EMPTY;

  return state == QKS_SESSION_FINISHED || state == QKS_SESSION_STOPPED || state == QKS_SESSION_FAILED;
}

static void
save (const char *name)
{
  GtkWidget *widget = GTK_WIDGET (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autofree char *path = g_strdup_printf ("%s/%s.png", out_dir, name);

  run_frames (700);
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node, NULL);
  if (!gdk_texture_save_to_png (texture, path))
    g_error ("could not write %s", path);
  g_print ("%s\n", path);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(QksApplication) app = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("qks-screenshots-XXXXXX", NULL);

  if (argc != 2)
    {
      g_printerr ("usage: %s OUTPUT-FOLDER\n", argv[0]);
      return 2;
    }
  out_dir = argv[1];
  g_mkdir_with_parents (out_dir, 0755);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("XDG_DATA_HOME", data_dir, TRUE);

  /* LANGUAGE=fr QKS_LOCALEDIR=_build/po: the screenshots in French. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("QKS_LOCALEDIR") != NULL ? g_getenv ("QKS_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("qkscope");   /* recent files name the program that opened them */
  g_set_application_name ("QK Scope");
  gtk_init ();
  adw_init ();
  app = qks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, NULL))
    return 1;
  g_application_activate (G_APPLICATION (app));
  window = QKS_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  save ("welcome");

  /* The demo, live: the spectra while it trains. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start-demo", NULL);
  qks_window_show_page (window, "spectra");
  iterate_until (reached_step, GUINT_TO_POINTER (300));
  save ("spectra");

  iterate_until (session_ended, NULL);
  /* The measure of a responsive window, on the demo (tiny preset). */
  g_print ("longest main-loop stall during the demo: %.1f ms\n",
           qks_session_get_longest_stall (qks_window_get_session (window)));
  run_frames (4000);   /* the toast that says so goes by */
  qks_window_show_page (window, "heads");
  save ("heads");
  qks_window_show_page (window, "ranks");
  save ("ranks");
  qks_window_show_page (window, "training");
  save ("training");

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  qks_window_show_page (window, "spectra");
  save ("spectra-dark");

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
