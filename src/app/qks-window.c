/* qks-window.c: the main window: a run, its views and the timeline
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "qks-figure-page.h"
#include "qks-heads-view.h"
#include "qks-ranks-view.h"
#include "qks-run.h"
#include "qks-session.h"
#include "qks-setup-pane.h"
#include "qks-spectra-view.h"
#include "qks-timeline.h"
#include "qks-training-view.h"
#include "qks-window.h"

/* The demo: the tiny preset on the built-in grammar, long enough to see
 * the spectra leave the null, short enough to finish in a minute. */
#define DEMO_STEPS       600
#define DEMO_DIAG_EVERY  20

/* How often the figures of every step (the losses) follow a live run. */
#define STEP_REFRESH_MS  250
/* The status line changes every step; read at 5 Hz it stays legible, and
 * the header is laid out again 5 times a second, not at every frame. */
#define STATUS_REFRESH_MS 200

struct _QksWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  QksSession           *session;        /* the main run; NULL before one */
  GPtrArray            *compared;       /* QksHistory: runs shown beside it */
  GPtrArray            *pages;          /* QksFigurePage, in the view stack */
  gulong                session_handlers[3];
  guint                 step_refresh_id;
  guint                 status_refresh_id;

  /* Template widgets */
  AdwHeaderBar         *header_bar;
  AdwViewSwitcherTitle *switcher_title;
  GtkToggleButton      *setup_button;
  GtkButton            *start_button;
  GtkToggleButton      *pause_button;
  GtkButton            *stop_button;
  GtkMenuButton        *export_menu_button;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwStatusPage        *welcome_page;
  AdwFlap              *flap;
  GtkBox               *setup_box;
  GtkProgressBar       *progress_bar;
  AdwViewStack         *view_stack;
  QksTimeline          *timeline;
  GtkLabel             *status_label;
  GMenu                *recent_section;

  QksSetupPane         *setup_pane;
};

G_DEFINE_FINAL_TYPE (QksWindow, qks_window, ADW_TYPE_APPLICATION_WINDOW)

static void update_actions (QksWindow *self);

QksWindow *
qks_window_new (QksApplication *application)
{
  return g_object_new (QKS_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/* Messages */

void
qks_window_show_toast (QksWindow  *self,
                       const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 3);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* An error the user must read: a dialog, not a toast that goes by. */
void
qks_window_show_error (QksWindow  *self,
                       const char *heading,
                       const char *message)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Runs and views */

static guint
n_runs (QksWindow *self)
{
  return (self->session != NULL ? 1 : 0) + self->compared->len;
}

static void
update_pages_runs (QksWindow *self)
{
  QksHistory *histories[QKS_MAX_RUNS];
  guint n = 0;

  if (self->session != NULL)
    histories[n++] = qks_session_get_history (self->session);
  for (guint i = 0; i < self->compared->len && n < QKS_MAX_RUNS; i++)
    histories[n++] = self->compared->pdata[i];
  for (guint i = 0; i < self->pages->len; i++)
    qks_figure_page_set_runs (self->pages->pdata[i], histories, n);
}

static void
update_timeline_steps (QksWindow *self)
{
  QksHistory *history;
  GArray *steps;

  if (self->session == NULL)
    {
      qks_timeline_set_steps (self->timeline, NULL, 0);
      return;
    }
  history = qks_session_get_history (self->session);
  steps = qks_history_get_snapshot_steps (history);
  qks_timeline_set_steps (self->timeline, (const guint *) steps->data, steps->len);
}

static void
on_timeline_step (QksWindow *self)
{
  guint step = qks_timeline_get_step (self->timeline);

  /* Following live, the views show the newest data of every kind, also
   * the loss recorded after the last snapshot. */
  if (qks_timeline_get_follow_live (self->timeline))
    step = G_MAXUINT;
  for (guint i = 0; i < self->pages->len; i++)
    qks_figure_page_set_step (self->pages->pdata[i], step);
}

static char *
format_duration (double seconds)
{
  guint total = (guint) MAX (seconds, 0);

  if (total >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", total / 3600, total / 60 % 60, total % 60);
  return g_strdup_printf ("%u:%02u", total / 60, total % 60);
}

/* Checkpoints of other programs: how far their analysis is, and whether
 * their folder is watched. */
static void
update_checkpoint_status (QksWindow          *self,
                          QksCheckpointWatch *watch)
{
  g_autofree char *text = NULL;
  guint done, total;
  gboolean busy = qks_checkpoint_watch_is_busy (watch);
  gboolean stopped = qks_checkpoint_watch_is_stopped (watch);
  double fraction = qks_checkpoint_watch_get_progress (watch, &done, &total);

  if (stopped)
    text = busy ? g_strdup (_("Stopping the analysis…"))
                : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Analysis stopped · %u of %u checkpoint analysed",
                                                "Analysis stopped · %u of %u checkpoints analysed", total),
                                   done, total);
  else if (busy)
    text = g_strdup_printf (_("Analysing checkpoint %u of %u…"), MIN (done + 1, total), total);
  else if (qks_checkpoint_watch_is_series (watch))
    {
      guint n = qks_history_get_snapshot_steps (qks_session_get_history (self->session))->len;

      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u checkpoint · watching the folder for more",
                                           "%u checkpoints · watching the folder for more", n), n);
    }
  else
    text = g_strdup (_("Checkpoint analysed"));
  gtk_label_set_text (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), busy);
  if (busy)
    gtk_progress_bar_set_fraction (self->progress_bar, fraction);
}

/* Whether other programs' checkpoints are being analysed, which Stop ends. */
static gboolean
analysing_checkpoints (QksWindow *self)
{
  QksCheckpointWatch *watch = self->session != NULL ? qks_session_get_checkpoints (self->session) : NULL;

  return watch != NULL && qks_checkpoint_watch_is_busy (watch) && !qks_checkpoint_watch_is_stopped (watch);
}

static void
update_status (QksWindow *self)
{
  const QksTrainProgress *progress;
  QksSessionState state;
  g_autofree char *text = NULL;

  if (self->session == NULL)
    {
      gtk_label_set_text (self->status_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
      return;
    }

  if (qks_session_get_checkpoints (self->session) != NULL)
    {
      update_checkpoint_status (self, qks_session_get_checkpoints (self->session));
      return;
    }

  state = qks_session_get_state (self->session);
  progress = qks_session_get_progress (self->session);
  if (progress != NULL && progress->total_steps > 0)
    {
      g_autofree char *eta = format_duration (progress->eta_seconds);

      if (state == QKS_SESSION_RUNNING)
        /* Translators: step of total, training loss, speed, time left */
        text = g_strdup_printf (_("Step %u of %u · loss %.3f · %.0f tokens/s · %s left"),
                                progress->step, progress->total_steps, progress->loss,
                                progress->tokens_per_second, eta);
      else
        text = g_strdup_printf (_("Step %u of %u · loss %.3f"),
                                progress->step, progress->total_steps, progress->loss);
      gtk_progress_bar_set_fraction (self->progress_bar,
                                     (double) progress->step / progress->total_steps);
    }
  else
    {
      QksHistory *history = qks_session_get_history (self->session);
      guint n = qks_history_get_n_steps (history);

      if (n > 0)
        text = g_strdup_printf (_("%u steps recorded · last loss %.3f"), n,
                                qks_history_get_steps (history)[n - 1].train_loss);
    }
  gtk_label_set_text (self->status_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar),
                          state == QKS_SESSION_RUNNING || state == QKS_SESSION_PAUSED);
}

static gboolean
refresh_step_pages (gpointer user_data)
{
  QksWindow *self = user_data;

  self->step_refresh_id = 0;
  for (guint i = 0; i < self->pages->len; i++)
    if (QKS_FIGURE_PAGE_GET_CLASS (self->pages->pdata[i])->follows_steps)
      qks_figure_page_invalidate (self->pages->pdata[i]);
  return G_SOURCE_REMOVE;
}

static gboolean
refresh_status (gpointer user_data)
{
  QksWindow *self = user_data;

  self->status_refresh_id = 0;
  update_status (self);
  return G_SOURCE_REMOVE;
}

static void
on_steps_added (QksWindow *self)
{
  if (self->status_refresh_id == 0)
    self->status_refresh_id = g_timeout_add (STATUS_REFRESH_MS, refresh_status, self);
  /* Losses move every step, dozens of times a second: their figures are
   * made again at most every STEP_REFRESH_MS, which reads as live. */
  if (qks_timeline_get_follow_live (self->timeline) && self->step_refresh_id == 0)
    self->step_refresh_id = g_timeout_add (STEP_REFRESH_MS, refresh_step_pages, self);
}

static void
on_snapshot_added (QksWindow *self)
{
  update_timeline_steps (self);
  /* Following live, the pages show "the latest", which just changed. */
  if (qks_timeline_get_follow_live (self->timeline))
    qks_window_invalidate_figures (self);
}

static void
on_session_state (QksWindow *self)
{
  QksSessionState state = qks_session_get_state (self->session);
  const GError *error = qks_session_get_error (self->session);

  update_actions (self);
  update_status (self);
  adw_view_switcher_title_set_subtitle (self->switcher_title, qks_session_get_title (self->session));

  if (state == QKS_SESSION_FAILED && error != NULL)
    qks_window_show_error (self, _("Training Stopped"), error->message);
  else if (state == QKS_SESSION_FINISHED)
    {
      const char *path = qks_session_get_run_path (self->session);

      qks_window_show_toast (self, _("Training finished; the run is saved"));
      if (path != NULL)
        {
          g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
          if (uri != NULL)
            gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
        }
    }
}

static void
disconnect_session (QksWindow *self)
{
  if (self->session == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (self->session_handlers); i++)
    g_clear_signal_handler (&self->session_handlers[i], self->session);
  if (qks_session_get_checkpoints (self->session) != NULL)
    g_signal_handlers_disconnect_by_data (qks_session_get_checkpoints (self->session), self);
  /* A run that is still training stops; its file is finished in the
   * background (QksSession holds the application until then). */
  qks_session_stop (self->session);
  g_clear_object (&self->session);
}

static void
set_session (QksWindow  *self,
             QksSession *session)
{
  disconnect_session (self);
  self->session = g_object_ref (session);
  self->session_handlers[0] = g_signal_connect_swapped (session, "steps-added",
                                                        G_CALLBACK (on_steps_added), self);
  self->session_handlers[1] = g_signal_connect_swapped (session, "snapshot-added",
                                                        G_CALLBACK (on_snapshot_added), self);
  self->session_handlers[2] = g_signal_connect_swapped (session, "notify::state",
                                                        G_CALLBACK (on_session_state), self);
  gtk_stack_set_visible_child_name (self->main_stack, "run");
  update_pages_runs (self);
  update_timeline_steps (self);
  on_timeline_step (self);
  on_session_state (self);
}

/* Where a new run's file goes until the user saves it elsewhere: it is
 * written as training goes, so nothing is lost on a crash. */
static char *
new_run_path (const QksTrainConfig *config)
{
  g_autofree char *directory = g_build_filename (g_get_user_data_dir (), "qkscope", "runs", NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *name = g_strdup_printf ("%s-%s.qkrun", stamp,
                                           qks_attn_kind_to_string (config->model.attention));

  g_mkdir_with_parents (directory, 0700);
  return g_build_filename (directory, name, NULL);
}

/**
 * qks_window_start_run:
 *
 * Trains a new run in the window, written to a new file in the user's data
 * folder; errors go to a dialog.
 */
gboolean
qks_window_start_run (QksWindow            *self,
                      const QksTrainConfig *config,
                      const QksDiagOptions *options)
{
  g_autoptr(QksSession) session = qks_session_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = new_run_path (config);
  gint64 start = g_get_monotonic_time ();
  gboolean started = qks_session_start (session, config, options, path, &error);

  g_debug ("run started in %.1f ms", (g_get_monotonic_time () - start) / 1e3);
  if (!started)
    {
      qks_window_show_error (self, _("Cannot Start Training"), error->message);
      return FALSE;
    }
  g_ptr_array_set_size (self->compared, 0);
  qks_timeline_set_follow_live (self->timeline, TRUE);
  set_session (self, session);
  return TRUE;
}

/* Actions */

static void
start_demo_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  QksWindow *self = QKS_WINDOW (widget);
  g_auto(QksTrainConfig) config = { 0 };
  QksDiagOptions options;

  qks_train_config_init_defaults (&config);
  config.steps = DEMO_STEPS;
  config.diag_every = DEMO_DIAG_EVERY;
  qks_optim_config_init_defaults (&config.optim, config.steps);
  qks_diag_options_init (&options);
  qks_setup_pane_set_config (self->setup_pane, &config, &options);
  qks_window_start_run (self, &config, &options);
}

static void
new_run_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  QksWindow *self = QKS_WINDOW (widget);

  gtk_stack_set_visible_child_name (self->main_stack, "run");
  adw_flap_set_reveal_flap (self->flap, TRUE);
  update_actions (self);
}

static void
start_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  QksWindow *self = QKS_WINDOW (widget);
  g_auto(QksTrainConfig) config = { 0 };
  g_autoptr(GError) error = NULL;
  QksDiagOptions options;

  if (!qks_setup_pane_get_config (self->setup_pane, &config, &options, &error))
    {
      qks_window_show_error (self, _("Cannot Start Training"), error->message);
      return;
    }
  if (qks_window_start_run (self, &config, &options) && adw_flap_get_folded (self->flap))
    adw_flap_set_reveal_flap (self->flap, FALSE);
}

static void
pause_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  QksWindow *self = QKS_WINDOW (widget);

  if (self->session == NULL)
    return;
  if (qks_session_get_state (self->session) == QKS_SESSION_PAUSED)
    qks_session_resume (self->session);
  else
    qks_session_pause (self->session);
}

static void
stop_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  QksWindow *self = QKS_WINDOW (widget);

  if (analysing_checkpoints (self))
    {
      /* What is analysed so far stays; the folder is no longer watched. */
      qks_checkpoint_watch_cancel (qks_session_get_checkpoints (self->session));
      update_status (self);
      update_actions (self);
    }
  else if (self->session != NULL)
    qks_session_stop (self->session);
}

/* Continues the shown run from its last checkpoint, in the same file, up
 * to the number of steps the setup pane asks for. */
static void
resume_training_activated (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  QksWindow *self = QKS_WINDOW (widget);
  g_auto(QksTrainConfig) config = { 0 };
  g_autoptr(QksSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  QksDiagOptions options;

  if (self->session == NULL || qks_session_get_run_path (self->session) == NULL)
    return;
  if (!qks_setup_pane_get_config (self->setup_pane, &config, &options, &error))
    {
      qks_window_show_error (self, _("Cannot Resume Training"), error->message);
      return;
    }
  path = g_strdup (qks_session_get_run_path (self->session));
  session = qks_session_new ();
  if (!qks_session_resume_run (session, path, config.steps, &options, &error))
    {
      qks_window_show_error (self, _("Cannot Resume Training"), error->message);
      return;
    }
  g_ptr_array_set_size (self->compared, 0);
  qks_timeline_set_follow_live (self->timeline, TRUE);
  set_session (self, session);
}

static void
step_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  QksWindow *self = QKS_WINDOW (widget);

  qks_timeline_move (self->timeline, g_str_equal (action_name, "win.previous-step") ? -1 : 1);
}

/* Opening */

/* A checkpoint that cannot be read: alone, a dialog; in a folder of them,
 * a toast (the others still load), with the reason a click away. */
static void
on_checkpoint_failed (QksWindow  *self,
                      const char *path,
                      const char *message)
{
  QksCheckpointWatch *watch = self->session != NULL ? qks_session_get_checkpoints (self->session) : NULL;
  g_autofree char *name = g_filename_display_basename (path);

  if (watch == NULL || !qks_checkpoint_watch_is_series (watch))
    {
      qks_window_show_error (self, _("Cannot Open the Checkpoint"), message);
      return;
    }
  {
    g_autofree char *title = g_strdup_printf (_("Skipped “%s”: it cannot be read"), name);
    AdwToast *toast = adw_toast_new (title);

    adw_toast_set_button_label (toast, _("_Details"));
    adw_toast_set_action_name (toast, "win.show-error");
    adw_toast_set_action_target_value (toast, g_variant_new_string (message));
    adw_toast_set_timeout (toast, 6);
    adw_toast_overlay_add_toast (self->toast_overlay, toast);
  }
}

static gboolean
open_checkpoints (QksWindow  *self,
                  const char *path,
                  const char *uri)
{
  g_autoptr(QksSession) session = NULL;
  g_autoptr(GError) error = NULL;
  QksCheckpointWatch *watch;
  QksDiagOptions options;

  qks_diag_options_init (&options);
  if ((session = qks_session_new_for_checkpoints (path, &options, &error)) == NULL)
    {
      qks_window_show_error (self, _("Cannot Open the Checkpoints"), error->message);
      return FALSE;
    }
  g_ptr_array_set_size (self->compared, 0);
  qks_timeline_set_follow_live (self->timeline, TRUE);
  set_session (self, session);
  watch = qks_session_get_checkpoints (session);
  g_signal_connect_object (watch, "checkpoint-failed", G_CALLBACK (on_checkpoint_failed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (watch, "progress-changed", G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (watch, "progress-changed", G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);
  update_status (self);
  if (uri != NULL)
    gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
  return TRUE;
}

/**
 * qks_window_open_file:
 *
 * Opens a .qkrun as the window's run, or beside it (@compare) when the
 * window already shows runs; errors go to a dialog.
 */
gboolean
qks_window_open_file (QksWindow *self,
                      GFile     *file,
                      gboolean   compare)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *uri = g_file_get_uri (file);

  if (path == NULL)
    {
      qks_window_show_error (self, _("Cannot Open the File"),
                             _("Only files on this computer can be opened"));
      return FALSE;
    }

  /* Other programs' checkpoints open on their own: they are analysed as
   * they load, and a folder of them is watched. */
  if (!g_str_has_suffix (path, ".qkrun") && qks_checkpoint_watch_can_open (path))
    return open_checkpoints (self, path, uri);

  if (compare && self->session != NULL)
    {
      g_autoptr(QksHistory) history = NULL;

      if (n_runs (self) >= QKS_MAX_RUNS)
        {
          qks_window_show_error (self, _("Too Many Runs"),
                                 _("Up to four runs can be compared; close one first"));
          return FALSE;
        }
      if ((history = qks_history_open (path, &error)) == NULL)
        {
          qks_window_show_error (self, _("Cannot Open the Run"), error->message);
          return FALSE;
        }
      g_ptr_array_add (self->compared, g_steal_pointer (&history));
      update_pages_runs (self);
      update_actions (self);
    }
  else
    {
      g_autoptr(QksSession) session = qks_session_new_for_file (path, &error);

      if (session == NULL)
        {
          qks_window_show_error (self, _("Cannot Open the Run"), error->message);
          return FALSE;
        }
      g_ptr_array_set_size (self->compared, 0);
      /* A finished run opens on its last step; scrub back from there. */
      qks_timeline_set_follow_live (self->timeline, TRUE);
      set_session (self, session);
      if (qks_history_has_config (qks_session_get_history (session)))
        {
          QksDiagOptions options;

          qks_diag_options_init (&options);
          qks_setup_pane_set_config (self->setup_pane,
                                     qks_history_get_config (qks_session_get_history (session)),
                                     &options);
        }
    }
  if (uri != NULL)
    gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
  return TRUE;
}

static void
on_open_response (GtkNativeDialog *dialog,
                  int              response,
                  QksWindow       *self)
{
  gboolean compare = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "compare"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      qks_window_open_file (self, file, compare);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

/* The chooser of Open, Compare and Open Folder: what the user picks goes
 * to qks_window_open_file(). */
static GtkFileChooserNative *
open_chooser_new (QksWindow            *self,
                  const char           *title,
                  GtkFileChooserAction  action,
                  gboolean              compare)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action,
                                                               _("_Open"), _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "compare", GINT_TO_POINTER (compare));
  g_signal_connect (chooser, "response", G_CALLBACK (on_open_response), self);
  return chooser;
}

static void
add_filter (GtkFileChooserNative *chooser,
            const char           *name,
            const char * const   *patterns)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (; *patterns != NULL; patterns++)
    gtk_file_filter_add_pattern (filter, *patterns);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
}

static void
choose_run (QksWindow *self,
            gboolean   compare)
{
  /* Runs, then other programs' checkpoints: only runs can be compared. */
  static const char * const patterns[] = { "*.qkrun", "*.safetensors", "*.safetensors.index.json", NULL };
  static const char * const runs[] = { "*.qkrun", NULL };
  GtkFileChooserNative *chooser;

  chooser = open_chooser_new (self, compare ? _("Compare With a Run") : _("Open a Run"),
                              GTK_FILE_CHOOSER_ACTION_OPEN, compare);
  if (compare)
    add_filter (chooser, _("QK Scope Runs"), runs);
  else
    {
      add_filter (chooser, _("Runs and Checkpoints"), patterns);
      add_filter (chooser, _("Checkpoints (safetensors)"), patterns + 1);
    }
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* A folder of checkpoints, or one model's folder. */
static void
open_folder_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  GtkFileChooserNative *chooser = open_chooser_new (QKS_WINDOW (widget), _("Open a Folder of Checkpoints"),
                                                    GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, FALSE);

  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  choose_run (QKS_WINDOW (widget), FALSE);
}

static void
compare_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  choose_run (QKS_WINDOW (widget), TRUE);
}

static void
open_recent_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));

  qks_window_open_file (QKS_WINDOW (widget), file, FALSE);
}

static void
close_compared_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  QksWindow *self = QKS_WINDOW (widget);

  g_ptr_array_set_size (self->compared, 0);
  update_pages_runs (self);
  update_actions (self);
}

static int
compare_recent_newest_first (gconstpointer a,
                             gconstpointer b)
{
  GtkRecentInfo *info_a = *(GtkRecentInfo **) a;
  GtkRecentInfo *info_b = *(GtkRecentInfo **) b;

  return g_date_time_compare (gtk_recent_info_get_modified (info_b),
                              gtk_recent_info_get_modified (info_a));
}

/* The runs listed in Open Recent: the newest .qkrun files, at most eight. */
static void
update_recent_menu (QksWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  g_autoptr(GPtrArray) runs = g_ptr_array_new ();
  guint n = 0;

  g_menu_remove_all (self->recent_section);
  for (GList *l = items; l != NULL; l = l->next)
    if (g_str_has_suffix (gtk_recent_info_get_uri (l->data), ".qkrun") &&
        gtk_recent_info_exists (l->data))
      g_ptr_array_add (runs, l->data);
  g_ptr_array_sort (runs, compare_recent_newest_first);
  for (guint i = 0; i < runs->len && n < 8; i++, n++)
    {
      GtkRecentInfo *info = runs->pdata[i];
      g_autoptr(GMenuItem) item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);

      g_menu_item_set_action_and_target (item, "win.open-recent", "s", gtk_recent_info_get_uri (info));
      g_menu_append_item (self->recent_section, item);
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

/* Saving and exporting */

typedef struct
{
  char *source;
  char *dest;
} CopyJob;

static void
copy_job_free (CopyJob *job)
{
  g_free (job->source);
  g_free (job->dest);
  g_free (job);
}

static void
copy_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  CopyJob *job = task_data;
  GError *error = NULL;

  if (qks_run_copy (job->source, job->dest, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_copy_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  QksWindow *self = QKS_WINDOW (source);
  CopyJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    qks_window_show_error (self, _("Cannot Save the Run"), error->message);
  else
    {
      g_autofree char *uri = g_filename_to_uri (job->dest, NULL, NULL);
      g_autofree char *name = g_path_get_basename (job->dest);
      g_autofree char *message = g_strdup_printf (_("Saved “%s”"), name);

      if (uri != NULL)
        gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
      qks_window_show_toast (self, message);
    }
}

static void
on_save_response (GtkNativeDialog *dialog,
                  int              response,
                  QksWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT && self->session != NULL &&
      qks_session_get_run_path (self->session) != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GTask) task = g_task_new (self, NULL, on_copy_done, NULL);
      CopyJob *job = g_new0 (CopyJob, 1);
      g_autofree char *path = g_file_get_path (file);

      job->source = g_strdup (qks_session_get_run_path (self->session));
      job->dest = g_str_has_suffix (path, ".qkrun") ? g_strdup (path)
                                                    : g_strconcat (path, ".qkrun", NULL);
      g_task_set_task_data (task, job, (GDestroyNotify) copy_job_free);
      /* A run being written is copied consistently (SQLite's backup). */
      g_task_run_in_thread (task, copy_in_thread);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
save_as_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  QksWindow *self = QKS_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autofree char *name = NULL;

  if (self->session == NULL || qks_session_get_run_path (self->session) == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Save Run As"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  name = g_path_get_basename (qks_session_get_run_path (self->session));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static QksFigurePage *
visible_page (QksWindow *self)
{
  GtkWidget *child = adw_view_stack_get_visible_child (self->view_stack);

  return QKS_IS_FIGURE_PAGE (child) ? QKS_FIGURE_PAGE (child) : NULL;
}

static void
export_figure_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  QksFigurePage *page = visible_page (QKS_WINDOW (widget));
  QksFigureView *view = page != NULL ? qks_figure_page_get_focus_view (page) : NULL;

  if (view != NULL)
    gtk_widget_activate_action (GTK_WIDGET (view), "figure.export", NULL);
}

static void
copy_figure_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  QksFigurePage *page = visible_page (QKS_WINDOW (widget));
  QksFigureView *view = page != NULL ? qks_figure_page_get_focus_view (page) : NULL;

  if (view != NULL)
    gtk_widget_activate_action (GTK_WIDGET (view), "figure.copy", NULL);
}

/**
 * qks_window_export_view:
 * @directory: a folder; created if missing
 *
 * Writes every figure of the visible view to @directory as SVG (PNG and
 * PDF too if @all_formats), named after the figure and the step.
 *
 * Returns: how many files were written; 0 with @error set on failure
 */
guint
qks_window_export_view (QksWindow   *self,
                        const char  *directory,
                        gboolean     all_formats,
                        GError     **error)
{
  static const char * const extensions[] = { "svg", "png", "pdf" };
  QksFigurePage *page = visible_page (self);
  g_autoptr(GPtrArray) views = NULL;
  guint n_written = 0;

  if (page == NULL)
    return 0;
  qks_figure_page_rebuild_now (page);
  if (g_mkdir_with_parents (directory, 0755) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create the folder “%s”: %s"), directory, g_strerror (saved_errno));
      return 0;
    }

  views = qks_figure_page_list_views (page);
  for (guint i = 0; i < views->len; i++)
    {
      QksFigure *figure = qks_figure_view_get_figure (views->pdata[i]);
      GtkWidget *view = views->pdata[i];

      if (figure == NULL)
        continue;
      for (guint e = 0; e < (all_formats ? G_N_ELEMENTS (extensions) : 1); e++)
        {
          g_autofree char *name = views->len > 1 && i > 0 && qks_figure_get_info (figure) ==
                                  qks_figure_get_info (qks_figure_view_get_figure (views->pdata[i - 1])) ?
                                  g_strdup_printf ("%s-%u-run%u.%s", qks_figure_get_info (figure)->name,
                                                   qks_figure_get_step (figure), i, extensions[e]) :
                                  g_strdup_printf ("%s-%u.%s", qks_figure_get_info (figure)->name,
                                                   qks_figure_get_step (figure), extensions[e]);
          g_autofree char *path = g_build_filename (directory, name, NULL);

          if (!qks_figure_export (figure, path, MAX (gtk_widget_get_width (view), 480),
                                  MAX (gtk_widget_get_height (view), 360), 2.0, error))
            return 0;
          n_written++;
        }
    }
  return n_written;
}

static void
on_export_folder_response (GtkNativeDialog *dialog,
                           int              response,
                           QksWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (folder);
      g_autoptr(GError) error = NULL;
      guint n = path != NULL ? qks_window_export_view (self, path, FALSE, &error) : 0;

      if (error != NULL)
        qks_window_show_error (self, _("Cannot Export the Figures"), error->message);
      else
        {
          g_autofree char *message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                   "Exported %u figure",
                                                                   "Exported %u figures", n), n);
          qks_window_show_toast (self, message);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
export_view_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  QksWindow *self = QKS_WINDOW (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Export All Figures to a Folder"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_folder_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
show_toast_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  qks_window_show_toast (QKS_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
show_error_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  qks_window_show_error (QKS_WINDOW (widget), _("Something Went Wrong"),
                         g_variant_get_string (parameter, NULL));
}

static void
update_actions (QksWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  QksSessionState state = self->session != NULL ? qks_session_get_state (self->session)
                                                : QKS_SESSION_EMPTY;
  gboolean training = state == QKS_SESSION_RUNNING || state == QKS_SESSION_PAUSED;
  gboolean on_run_page = g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "run") == 0;
  gboolean has_run = self->session != NULL;
  gboolean analysing = analysing_checkpoints (self);

  gtk_widget_action_set_enabled (widget, "win.start",
                                 !training && on_run_page && qks_setup_pane_get_valid (self->setup_pane));
  gtk_widget_action_set_enabled (widget, "win.pause", training);
  gtk_widget_action_set_enabled (widget, "win.stop", training || analysing);
  gtk_widget_action_set_enabled (widget, "win.save-as",
                                 has_run && qks_session_get_run_path (self->session) != NULL);
  gtk_widget_action_set_enabled (widget, "win.compare", has_run && n_runs (self) < QKS_MAX_RUNS);
  gtk_widget_action_set_enabled (widget, "win.resume-training",
                                 has_run && !training && qks_session_get_run_path (self->session) != NULL);
  gtk_widget_action_set_enabled (widget, "win.close-compared", self->compared->len > 0);
  gtk_widget_action_set_enabled (widget, "win.export-figure", has_run);
  gtk_widget_action_set_enabled (widget, "win.export-view", has_run);
  gtk_widget_action_set_enabled (widget, "win.copy-figure", has_run);

  /* The welcome page is the whole window: no views to switch, nothing to
   * start or export yet. */
  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, on_run_page);
  gtk_widget_set_visible (GTK_WIDGET (self->export_menu_button), on_run_page);
  gtk_widget_set_visible (GTK_WIDGET (self->start_button), !training && on_run_page);
  gtk_widget_set_visible (GTK_WIDGET (self->pause_button), training);
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), training || analysing);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->stop_button),
                               analysing ? _("Stop the Analysis") : _("Stop Training"));
  gtk_widget_set_visible (GTK_WIDGET (self->setup_button), on_run_page);
  gtk_toggle_button_set_active (self->pause_button, state == QKS_SESSION_PAUSED);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button),
                               state == QKS_SESSION_PAUSED ? _("Resume Training (Ctrl+P)")
                                                           : _("Pause Training (Ctrl+P)"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->setup_pane), !training);
  /* Why Start is off, in the setup's own words. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->start_button),
                               qks_setup_pane_get_valid (self->setup_pane)
                               ? _("Start Training (Ctrl+Return)")
                               : qks_setup_pane_get_problem (self->setup_pane));
}

/* Drag and drop: a .qkrun dropped on the window opens; with a run shown,
 * it is compared with it. */
static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         QksWindow     *self)
{
  GSList *files;
  gboolean compare = self->session != NULL;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  for (GSList *l = files; l != NULL; l = l->next)
    {
      if (!qks_window_open_file (self, l->data, compare))
        return FALSE;
      compare = TRUE;
    }
  return files != NULL;
}

/* Window state */

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
  QksWindow *self = QKS_WINDOW (window);

  save_window_state (self);
  /* Closing cancels the run; its file is finished before the app quits. */
  disconnect_session (self);

  return GTK_WINDOW_CLASS (qks_window_parent_class)->close_request (window);
}

QksSession *
qks_window_get_session (QksWindow *self)
{
  return self->session;
}

QksTimeline *
qks_window_get_timeline (QksWindow *self)
{
  return self->timeline;
}

GPtrArray *
qks_window_get_pages (QksWindow *self)
{
  return self->pages;
}

void
qks_window_invalidate_figures (QksWindow *self)
{
  for (guint i = 0; i < self->pages->len; i++)
    qks_figure_page_invalidate (self->pages->pdata[i]);
}

void
qks_window_show_page (QksWindow  *self,
                      const char *name)
{
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

static void
add_page (QksWindow  *self,
          GtkWidget  *page,
          const char *name,
          const char *title,
          const char *icon_name)
{
  AdwViewStackPage *stack_page = adw_view_stack_add_titled (self->view_stack, page, name, title);

  adw_view_stack_page_set_icon_name (stack_page, icon_name);
  gtk_widget_set_margin_start (page, 12);
  gtk_widget_set_margin_end (page, 12);
  gtk_widget_set_margin_top (page, 6);
  gtk_widget_set_margin_bottom (page, 12);
  g_ptr_array_add (self->pages, page);
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
}

static void
qks_window_dispose (GObject *object)
{
  QksWindow *self = QKS_WINDOW (object);

  disconnect_session (self);
  g_clear_handle_id (&self->step_refresh_id, g_source_remove);
  g_clear_handle_id (&self->status_refresh_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (gtk_recent_manager_get_default (), self);
  gtk_widget_dispose_template (GTK_WIDGET (self), QKS_TYPE_WINDOW);
  g_clear_pointer (&self->compared, g_ptr_array_unref);
  g_clear_pointer (&self->pages, g_ptr_array_unref);
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

  g_type_ensure (QKS_TYPE_TIMELINE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/qks-window.ui");
  gtk_widget_class_bind_template_child (widget_class, QksWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, setup_button);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, start_button);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, stop_button);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, export_menu_button);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, setup_box);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, timeline);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, QksWindow, recent_section);

  gtk_widget_class_install_action (widget_class, "win.start-demo", NULL, start_demo_activated);
  gtk_widget_class_install_action (widget_class, "win.new-run", NULL, new_run_activated);
  gtk_widget_class_install_action (widget_class, "win.start", NULL, start_activated);
  gtk_widget_class_install_action (widget_class, "win.pause", NULL, pause_activated);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, stop_activated);
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_activated);
  gtk_widget_class_install_action (widget_class, "win.open-folder", NULL, open_folder_activated);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_activated);
  gtk_widget_class_install_action (widget_class, "win.compare", NULL, compare_activated);
  gtk_widget_class_install_action (widget_class, "win.resume-training", NULL, resume_training_activated);
  gtk_widget_class_install_action (widget_class, "win.close-compared", NULL, close_compared_activated);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_activated);
  gtk_widget_class_install_action (widget_class, "win.export-figure", NULL, export_figure_activated);
  gtk_widget_class_install_action (widget_class, "win.export-view", NULL, export_view_activated);
  gtk_widget_class_install_action (widget_class, "win.copy-figure", NULL, copy_figure_activated);
  gtk_widget_class_install_action (widget_class, "win.previous-step", NULL, step_activated);
  gtk_widget_class_install_action (widget_class, "win.next-step", NULL, step_activated);
  gtk_widget_class_install_action (widget_class, "win.show-toast", "s", show_toast_activated);
  gtk_widget_class_install_action (widget_class, "win.show-error", "s", show_error_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "win.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "win.pause", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.open-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export-figure", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.export-view", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.copy-figure", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.new-run", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.previous-step", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "win.next-step", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "win.previous-step", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "win.next-step", NULL);
}

static void
qks_window_init (QksWindow *self)
{
  GtkDropTarget *drop_target;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->compared = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_history_unref);
  self->pages = g_ptr_array_new ();

  self->setup_pane = qks_setup_pane_new ();
  gtk_widget_set_vexpand (GTK_WIDGET (self->setup_pane), TRUE);
  gtk_box_append (self->setup_box, GTK_WIDGET (self->setup_pane));
  g_signal_connect_swapped (self->setup_pane, "notify::valid", G_CALLBACK (update_actions), self);

  add_page (self, qks_spectra_view_new (), "spectra", _("Spectra"), "qks-spectra-symbolic");
  add_page (self, qks_heads_view_new (), "heads", _("Heads"), "qks-heads-symbolic");
  add_page (self, qks_ranks_view_new (), "ranks", _("Ranks"), "qks-ranks-symbolic");
  add_page (self, qks_training_view_new (), "training", _("Training"), "qks-training-symbolic");

  g_signal_connect_swapped (self->timeline, "notify::step", G_CALLBACK (on_timeline_step), self);
  g_signal_connect_swapped (self->timeline, "notify::follow-live", G_CALLBACK (on_timeline_step), self);
  g_signal_connect_swapped (self->main_stack, "notify::visible-child-name", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (gtk_recent_manager_get_default (), "changed",
                            G_CALLBACK (update_recent_menu), self);

  drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop_target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));

  update_recent_menu (self);
  update_actions (self);
  update_status (self);
}
