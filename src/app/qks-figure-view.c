/* qks-figure-view.c: a widget that shows one figure, exports and copies it
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "qks-figure-view.h"
#include "qks-plot-axes.h"

/* Copies go to the clipboard at twice the on-screen resolution, so that a
 * figure pasted into slides stays sharp. */
#define CLIPBOARD_SCALE 2.0

/* Below this a figure's labels would overlap. */
#define MIN_WIDTH  200
#define MIN_HEIGHT 180

struct _QksFigureView
{
  GtkWidget   parent_instance;

  QksFigure  *figure;
  char       *message_title;
  char       *message_detail;
  guint       n_draws;

  GtkWidget  *context_menu;
};

G_DEFINE_FINAL_TYPE (QksFigureView, qks_figure_view, GTK_TYPE_WIDGET)

enum {
  PANEL_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GtkWidget *
qks_figure_view_new (void)
{
  return g_object_new (QKS_TYPE_FIGURE_VIEW, NULL);
}

static QksPlotColor
color_from_rgba (const GdkRGBA *rgba)
{
  return (QksPlotColor) { rgba->red, rgba->green, rgba->blue, rgba->alpha };
}

/**
 * qks_figure_view_fill_theme:
 *
 * Fills @theme from @widget's style: light or dark, the window's
 * foreground, background and accent colours and the interface font, so that
 * a figure looks like part of the window.
 */
void
qks_figure_view_fill_theme (GtkWidget    *widget,
                            QksPlotTheme *theme)
{
  AdwStyleManager *style_manager = adw_style_manager_get_default ();
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  g_autofree char *font_name = NULL;
  GdkRGBA rgba;

  if (adw_style_manager_get_dark (style_manager))
    qks_plot_theme_init_dark (theme);
  else
    qks_plot_theme_init_light (theme);

  /* GTK 4.8 has no gtk_widget_get_color(); the style context is the way. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (context, &rgba);
  {
    QksPlotColor foreground = color_from_rgba (&rgba);
    qks_plot_theme_set_foreground (theme, &foreground);
  }
  if (gtk_style_context_lookup_color (context, "window_bg_color", &rgba))
    theme->background = color_from_rgba (&rgba);
  if (gtk_style_context_lookup_color (context, "accent_color", &rgba))
    theme->accent = color_from_rgba (&rgba);
  G_GNUC_END_IGNORE_DEPRECATIONS

  g_object_get (gtk_widget_get_settings (widget), "gtk-font-name", &font_name, NULL);
  if (font_name != NULL)
    {
      g_autoptr(PangoFontDescription) description = pango_font_description_from_string (font_name);
      const char *family = pango_font_description_get_family (description);

      if (family != NULL)
        qks_plot_theme_set_font_family (theme, family);
    }
  theme->scale = gtk_widget_get_scale_factor (widget);
}

static void
qks_figure_view_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  QksFigureView *self = QKS_FIGURE_VIEW (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  QksPlotTheme theme;
  cairo_t *cr;

  if (width < 1 || height < 1)
    return;

  gint64 start = g_get_monotonic_time ();

  qks_figure_view_fill_theme (widget, &theme);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0.f, 0.f, (float) width, (float) height));
  qks_plot_draw_background (cr, width, height, &theme);
  if (self->figure != NULL)
    qks_figure_draw (self->figure, cr, width, height, &theme);
  else
    qks_plot_draw_empty_state (cr, width, height, &theme,
                               self->message_title, self->message_detail);
  cairo_destroy (cr);
  self->n_draws++;
  g_debug ("%s drawn in %.1f ms", self->figure != NULL ? qks_figure_get_info (self->figure)->name : "empty figure",
           (g_get_monotonic_time () - start) / 1e3);
}

/**
 * qks_figure_view_set_figure:
 * @figure: (transfer full) (nullable): what to show
 */
void
qks_figure_view_set_figure (QksFigureView *self,
                            QksFigure     *figure)
{
  g_return_if_fail (QKS_IS_FIGURE_VIEW (self));

  g_clear_pointer (&self->figure, qks_figure_unref);
  self->figure = figure;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "figure.export", figure != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "figure.copy", figure != NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

QksFigure *
qks_figure_view_get_figure (QksFigureView *self)
{
  g_return_val_if_fail (QKS_IS_FIGURE_VIEW (self), NULL);

  return self->figure;
}

/* What the view says while it has no figure, e.g. "No diagnostics yet". */
void
qks_figure_view_set_message (QksFigureView *self,
                             const char    *title,
                             const char    *detail)
{
  g_return_if_fail (QKS_IS_FIGURE_VIEW (self));

  g_free (self->message_title);
  g_free (self->message_detail);
  self->message_title = g_strdup (title);
  self->message_detail = g_strdup (detail);
  if (self->figure == NULL)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* How often the figure was drawn: the tests check that redraws happen and
 * are coalesced. */
guint
qks_figure_view_get_n_draws (QksFigureView *self)
{
  return self->n_draws;
}

static void
copy_figure (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  QksFigureView *self = QKS_FIGURE_VIEW (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GBytes) svg = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GdkContentProvider *providers[2];
  g_autoptr(GdkContentProvider) union_provider = NULL;

  if (self->figure == NULL)
    return;

  png = qks_figure_export_to_bytes (self->figure, QKS_PLOT_FORMAT_PNG,
                                    width, height, CLIPBOARD_SCALE, &error);
  if (png != NULL)
    texture = gdk_texture_new_from_bytes (png, &error);
  if (texture != NULL)
    svg = qks_figure_export_to_bytes (self->figure, QKS_PLOT_FORMAT_SVG,
                                      width, height, 1.0, &error);
  if (svg == NULL)
    {
      gtk_widget_activate_action (widget, "win.show-error", "s", error->message);
      return;
    }

  /* Image editors take the PNG; Inkscape and office suites the SVG. */
  providers[0] = gdk_content_provider_new_typed (GDK_TYPE_TEXTURE, texture);
  providers[1] = gdk_content_provider_new_for_bytes ("image/svg+xml", svg);
  union_provider = gdk_content_provider_new_union (providers, G_N_ELEMENTS (providers));
  gdk_clipboard_set_content (gtk_widget_get_clipboard (widget), union_provider);
  gtk_widget_activate_action (widget, "win.show-toast", "s", _("Figure copied"));
}

typedef struct
{
  QksFigure *figure;
  char      *path;
  double     width;
  double     height;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  qks_figure_unref (job->figure);
  g_free (job->path);
  g_free (job);
}

static void
export_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  ExportJob *job = task_data;
  GError *error = NULL;

  /* A PNG export is at twice the screen's resolution, as a copy is. */
  if (qks_figure_export (job->figure, job->path, job->width, job->height,
                         CLIPBOARD_SCALE, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_export_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GtkWidget *widget = GTK_WIDGET (source);
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not export the figure: %s"),
                                                  error->message);
      gtk_widget_activate_action (widget, "win.show-error", "s", message);
    }
  else
    {
      g_autofree char *basename = g_path_get_basename (job->path);
      g_autofree char *message = g_strdup_printf (_("Exported “%s”"), basename);
      gtk_widget_activate_action (widget, "win.show-toast", "s", message);
    }
}

/**
 * qks_figure_view_export_to:
 *
 * Writes the shown figure to @path (SVG, PDF or PNG by its extension) at
 * the size it has on screen, on a worker thread; a toast reports the end.
 */
void
qks_figure_view_export_to (QksFigureView *self,
                           const char    *path)
{
  g_autoptr(GTask) task = NULL;
  ExportJob *job;

  g_return_if_fail (QKS_IS_FIGURE_VIEW (self));

  if (self->figure == NULL)
    return;
  job = g_new0 (ExportJob, 1);
  job->figure = qks_figure_ref (self->figure);
  job->path = g_strdup (path);
  job->width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 320);
  job->height = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 240);

  task = g_task_new (self, NULL, on_export_done, NULL);
  g_task_set_source_tag (task, qks_figure_view_export_to);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_in_thread);
}

static void
on_export_response (GtkNativeDialog *dialog,
                    int              response,
                    QksFigureView   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autofree char *with_extension = NULL;
      QksPlotFormat format;

      /* A name without a known extension becomes an SVG. */
      if (path != NULL && !qks_plot_format_from_path (path, &format, NULL))
        with_extension = g_strconcat (path, ".svg", NULL);
      if (path != NULL)
        qks_figure_view_export_to (self, with_extension != NULL ? with_extension : path);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static GtkFileFilter *
new_filter (const char *name,
            const char *mime_type,
            const char *pattern)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_mime_type (filter, mime_type);
  gtk_file_filter_add_pattern (filter, pattern);
  return filter;
}

static void
export_figure (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  QksFigureView *self = QKS_FIGURE_VIEW (widget);
  GtkFileChooserNative *chooser;
  g_autofree char *name = NULL;

  if (self->figure == NULL)
    return;

  chooser = gtk_file_chooser_native_new (_("Export Figure"),
                                         GTK_WINDOW (gtk_widget_get_root (widget)),
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  name = g_strdup_printf ("%s-step-%u.svg", qks_figure_get_info (self->figure)->name,
                          qks_figure_get_step (self->figure));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser),
                               new_filter (_("SVG Image"), "image/svg+xml", "*.svg"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser),
                               new_filter (_("PNG Image"), "image/png", "*.png"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser),
                               new_filter (_("PDF Document"), "application/pdf", "*.pdf"));
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Text is measured as on screen: a 1 × 1 surface is enough for that. */
static cairo_t *
measuring_context (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);

  cairo_surface_destroy (surface);   /* the context keeps it */
  return cr;
}

static gboolean
on_query_tooltip (GtkWidget     *widget,
                  int            x,
                  int            y,
                  gboolean       keyboard_mode,
                  GtkTooltip    *tooltip,
                  QksFigureView *self)
{
  g_autofree char *text = NULL;
  cairo_t *cr;
  QksPlotTheme theme;

  if (self->figure == NULL || keyboard_mode)
    return FALSE;
  qks_figure_view_fill_theme (widget, &theme);
  cr = measuring_context ();
  text = qks_figure_query (self->figure, cr, gtk_widget_get_width (widget),
                           gtk_widget_get_height (widget), &theme, x, y);
  cairo_destroy (cr);
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* A click on one of small multiples' panels (a layer's spectrum) opens it:
 * the page decides what that means. */
static void
on_primary_click (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  QksFigureView   *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  QksPlotTheme theme;
  cairo_t *cr;
  int panel;

  if (self->figure == NULL || n_press != 1)
    return;
  qks_figure_view_fill_theme (widget, &theme);
  cr = measuring_context ();
  panel = qks_figure_pick_panel (self->figure, cr, gtk_widget_get_width (widget),
                                 gtk_widget_get_height (widget), &theme, x, y);
  cairo_destroy (cr);
  if (panel >= 0)
    g_signal_emit (self, signals[PANEL_ACTIVATED], 0, panel);
}

static void
on_secondary_click (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    QksFigureView   *self)
{
  if (self->figure == NULL)
    return;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu),
                               &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

static void
qks_figure_view_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  /* Natural as small as the minimum: a page shares its room out evenly
   * and the window's size is the user's to choose. */
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? MIN_WIDTH : MIN_HEIGHT;
}

static void
qks_figure_view_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  QksFigureView *self = QKS_FIGURE_VIEW (widget);

  gtk_popover_present (GTK_POPOVER (self->context_menu));
}

static void
qks_figure_view_dispose (GObject *object)
{
  QksFigureView *self = QKS_FIGURE_VIEW (object);

  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  g_clear_pointer (&self->figure, qks_figure_unref);
  g_clear_pointer (&self->message_title, g_free);
  g_clear_pointer (&self->message_detail, g_free);

  G_OBJECT_CLASS (qks_figure_view_parent_class)->dispose (object);
}

static void
qks_figure_view_class_init (QksFigureViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qks_figure_view_dispose;
  widget_class->snapshot = qks_figure_view_snapshot;
  widget_class->measure = qks_figure_view_measure;
  widget_class->size_allocate = qks_figure_view_size_allocate;

  gtk_widget_class_install_action (widget_class, "figure.export", NULL, export_figure);
  gtk_widget_class_install_action (widget_class, "figure.copy", NULL, copy_figure);
  gtk_widget_class_set_css_name (widget_class, "figure");

  /* A panel of small multiples was clicked: its index (in "esd-grid", the
   * layer). */
  signals[PANEL_ACTIVATED] = g_signal_new ("panel-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
qks_figure_view_init (QksFigureView *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  g_menu_append (menu, _("_Export Figure…"), "figure.export");
  g_menu_append (menu, _("_Copy Figure"), "figure.copy");
  self->context_menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
  gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_secondary_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (on_primary_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), self);

  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "figure.export", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "figure.copy", FALSE);
}
