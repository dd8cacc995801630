/* test-app.c: the application under Xvfb: the window maps, draws and quits
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "qks-application.h"
#include "qks-preferences-window.h"
#include "qks-window.h"

#define TEST_TIMEOUT_SECONDS 30

typedef void (*AppCheck) (QksApplication *app,
                          GtkWindow      *window);

typedef struct
{
  QksApplication *app;
  AppCheck        check;
  gboolean        painted;
  gboolean        checked;
} AppFixture;

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("The application did not map and draw its window within %d s", TEST_TIMEOUT_SECONDS);
  return G_SOURCE_REMOVE;
}

/* Collects every descendant of @widget of the given type, depth first. */
static void
collect_widgets (GtkWidget  *widget,
                 GType       type,
                 GPtrArray  *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, found);
}

static GtkWidget *
find_button_with_action (GtkWidget  *root,
                         const char *action_name)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  collect_widgets (root, GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_actionable_get_action_name (buttons->pdata[i]), action_name) == 0)
      return buttons->pdata[i];
  return NULL;
}

static GtkMenuButton *
find_primary_menu_button (GtkWindow *window)
{
  g_autoptr(GPtrArray) menu_buttons = g_ptr_array_new ();
  GtkMenuButton *primary = NULL;

  collect_widgets (GTK_WIDGET (window), GTK_TYPE_MENU_BUTTON, menu_buttons);
  for (guint i = 0; i < menu_buttons->len; i++)
    if (gtk_menu_button_get_primary (menu_buttons->pdata[i]))
      {
        g_assert_null (primary);  /* exactly one */
        primary = menu_buttons->pdata[i];
      }
  g_assert_nonnull (primary);
  return primary;
}

static gboolean
run_check_and_close (gpointer user_data)
{
  AppFixture *fixture = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (fixture->app));

  fixture->check (fixture->app, window);
  fixture->checked = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       user_data)
{
  AppFixture *fixture = user_data;

  if (fixture->painted)
    return;
  fixture->painted = TRUE;
  g_signal_handlers_disconnect_by_func (clock, on_after_paint, user_data);
  g_idle_add (run_check_and_close, fixture);
}

static void
on_window_map (GtkWidget *window,
               gpointer   user_data)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (on_after_paint), user_data);
}

static void
on_activate (GApplication *app,
             gpointer      user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  g_assert_nonnull (window);
  if (gtk_widget_get_mapped (GTK_WIDGET (window)))
    on_window_map (GTK_WIDGET (window), user_data);
  else
    g_signal_connect (window, "map", G_CALLBACK (on_window_map), user_data);
}

/* Runs the real application until its first window has been mapped and
 * drawn, then runs @check and quits through app.quit, as a user would. */
static void
run_app (AppCheck check)
{
  AppFixture fixture = { 0 };
  guint timeout_id;
  int status;

  fixture.app = qks_application_new ();
  fixture.check = check;
  /* No session bus under xvfb-run; uniqueness would need one. */
  g_application_set_flags (G_APPLICATION (fixture.app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (fixture.app, "activate", G_CALLBACK (on_activate), &fixture);

  timeout_id = g_timeout_add_seconds (TEST_TIMEOUT_SECONDS, on_timeout, NULL);
  status = g_application_run (G_APPLICATION (fixture.app), 0, NULL);
  g_source_remove (timeout_id);

  g_assert_cmpint (status, ==, 0);
  g_assert_true (fixture.painted);
  g_assert_true (fixture.checked);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (fixture.app)));
  g_object_unref (fixture.app);
}

static void
check_welcome_page (QksApplication *app,
                    GtkWindow      *window)
{
  g_autoptr(GPtrArray) status_pages = g_ptr_array_new ();
  g_autoptr(GPtrArray) header_bars = g_ptr_array_new ();
  GtkWidget *start_demo, *open;
  AdwStatusPage *welcome;

  g_assert_true (QKS_IS_WINDOW (window));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), >, 0);
  g_assert_cmpstr (gtk_window_get_title (window), ==, "QK Scope");

  collect_widgets (GTK_WIDGET (window), ADW_TYPE_HEADER_BAR, header_bars);
  g_assert_cmpuint (header_bars->len, ==, 1);
  g_assert_true (gtk_widget_get_mapped (header_bars->pdata[0]));

  collect_widgets (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE, status_pages);
  g_assert_cmpuint (status_pages->len, ==, 1);
  welcome = status_pages->pdata[0];
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (welcome)));
  g_assert_cmpstr (adw_status_page_get_title (welcome), ==, "Watch Attention Learn");
  g_assert_cmpstr (adw_status_page_get_icon_name (welcome), ==, APPLICATION_ID);
  /* The app icon comes from the GResource, so it shows uninstalled too. */
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (window))),
                                          APPLICATION_ID));

  /* The first actions a new user has. */
  start_demo = find_button_with_action (GTK_WIDGET (welcome), "win.start-demo");
  open = find_button_with_action (GTK_WIDGET (welcome), "win.open");
  g_assert_nonnull (start_demo);
  g_assert_nonnull (open);
  g_assert_true (gtk_widget_get_mapped (start_demo));
  g_assert_true (gtk_widget_is_sensitive (start_demo));
  g_assert_true (gtk_widget_is_sensitive (open));
  g_assert_true (gtk_widget_has_css_class (start_demo, "suggested-action"));
}

static void
test_app_shows_welcome_page (void)
{
  run_app (check_welcome_page);
}

static void
check_size_is_saved (QksApplication *app,
                     GtkWindow      *window)
{
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_assert_cmpint (width, ==, 913);
  g_assert_cmpint (height, ==, 677);
  gtk_window_set_default_size (window, 1003, 655);
}

static void
test_app_remembers_window_size (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);

  g_settings_set_int (settings, "window-width", 913);
  g_settings_set_int (settings, "window-height", 677);
  g_settings_set_boolean (settings, "window-maximized", FALSE);

  run_app (check_size_is_saved);

  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1003);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 655);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return window;
    }
  return NULL;
}

static void
check_about_window (QksApplication *app,
                    GtkWindow      *window)
{
  GtkWindow *about;

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  about = find_toplevel (ADW_TYPE_ABOUT_WINDOW);
  g_assert_nonnull (about);
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);
  g_assert_cmpstr (adw_about_window_get_application_name (ADW_ABOUT_WINDOW (about)), ==, "QK Scope");
  g_assert_cmpint (adw_about_window_get_license_type (ADW_ABOUT_WINDOW (about)), ==, GTK_LICENSE_GPL_3_0);
  g_assert_true (gtk_window_get_transient_for (about) == window);
  gtk_window_destroy (about);
}

static void
test_app_about_window (void)
{
  run_app (check_about_window);
}

static void
check_shortcuts_and_menu (QksApplication *app,
                          GtkWindow      *window)
{
  g_auto(GStrv) quit_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.quit");
  g_auto(GStrv) close_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "window.close");
  GtkMenuButton *primary;
  GtkWindow *shortcuts;

  g_assert_true (g_strv_contains ((const char * const *) quit_accels, "<Control>q"));
  g_assert_true (g_strv_contains ((const char * const *) close_accels, "<Control>w"));

  /* GtkApplication loads gtk/help-overlay.ui from the resource base path. */
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-help-overlay", NULL);
  shortcuts = find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW);
  g_assert_nonnull (shortcuts);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (shortcuts)));
  gtk_widget_set_visible (GTK_WIDGET (shortcuts), FALSE);

  primary = find_primary_menu_button (window);
  g_assert_nonnull (gtk_menu_button_get_menu_model (primary));
  g_assert_cmpint (g_menu_model_get_n_items (gtk_menu_button_get_menu_model (primary)), >, 0);
}

static void
test_app_shortcuts_and_menu (void)
{
  run_app (check_shortcuts_and_menu);
}

static gboolean
menu_has_action (GMenuModel *menu,
                 const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &name) &&
          g_strcmp0 (name, action) == 0)
        return TRUE;
      if (section != NULL && menu_has_action (section, action))
        return TRUE;
    }
  return FALSE;
}

static void
check_preferences (QksApplication *app,
                   GtkWindow      *window)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.preferences");
  GtkWindow *preferences;

  g_assert_true (g_strv_contains ((const char * const *) accels, "<Control>comma"));
  g_assert_true (menu_has_action (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (find_primary_menu_button (window))),
                                  "app.preferences"));

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = find_toplevel (QKS_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);
  g_assert_true (gtk_window_get_transient_for (preferences) == window);
  g_assert_true (gtk_window_get_modal (preferences));
  gtk_window_destroy (preferences);
}

static void
test_app_preferences (void)
{
  run_app (check_preferences);
}

static void
check_style_follows_system (QksApplication *app,
                            GtkWindow      *window)
{
  AdwStyleManager *style = adw_style_manager_get_default ();

  /* ADW_COLOR_SCHEME_DEFAULT means: dark when the system prefers dark. */
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_DEFAULT);
}

static void
test_app_style_follows_system (void)
{
  run_app (check_style_follows_system);
}

int
main (int    argc,
      char **argv)
{
  /* Keep the tests from reading or writing the user's settings. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/shows-welcome-page", test_app_shows_welcome_page);
  g_test_add_func ("/app/remembers-window-size", test_app_remembers_window_size);
  g_test_add_func ("/app/about-window", test_app_about_window);
  g_test_add_func ("/app/shortcuts-and-menu", test_app_shortcuts_and_menu);
  g_test_add_func ("/app/style-follows-system", test_app_style_follows_system);
  g_test_add_func ("/app/preferences", test_app_preferences);

  return g_test_run ();
}
