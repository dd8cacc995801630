/* test-window.c: the main window with a live run, an opened run and exports
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "qks-application.h"
#include "qks-figure-page.h"
#include "qks-rng.h"
#include "qks-safetensors.h"
#include "qks-window.h"

#define DEADLINE_SECONDS 120

/* One window for the whole file: a run trained in it is then opened,
 * scrubbed, compared and exported by the later tests. */
static QksApplication *app;
static QksWindow *window;
static char *data_dir;
static char *run_path;

/* A disk that fills up when asked: SQLite's own file system, wrapped so
 * that every write fails with SQLITE_FULL while disk_full is set. */
static gint disk_full;
static sqlite3_vfs *real_vfs;
static sqlite3_vfs full_disk_vfs;
static sqlite3_io_methods full_disk_methods;

typedef struct
{
  sqlite3_file  base;
  sqlite3_file *real;   /* the real file, right after this struct */
} FullDiskFile;

#define REAL(file) (((FullDiskFile *) (file))->real)

static int fd_close (sqlite3_file *f) { return REAL (f)->pMethods->xClose (REAL (f)); }
static int fd_read (sqlite3_file *f, void *b, int n, sqlite3_int64 o) { return REAL (f)->pMethods->xRead (REAL (f), b, n, o); }
static int fd_truncate (sqlite3_file *f, sqlite3_int64 n) { return REAL (f)->pMethods->xTruncate (REAL (f), n); }
static int fd_sync (sqlite3_file *f, int flags) { return REAL (f)->pMethods->xSync (REAL (f), flags); }
static int fd_file_size (sqlite3_file *f, sqlite3_int64 *n) { return REAL (f)->pMethods->xFileSize (REAL (f), n); }
static int fd_lock (sqlite3_file *f, int l) { return REAL (f)->pMethods->xLock (REAL (f), l); }
static int fd_unlock (sqlite3_file *f, int l) { return REAL (f)->pMethods->xUnlock (REAL (f), l); }
static int fd_check_lock (sqlite3_file *f, int *r) { return REAL (f)->pMethods->xCheckReservedLock (REAL (f), r); }
static int fd_control (sqlite3_file *f, int op, void *a) { return REAL (f)->pMethods->xFileControl (REAL (f), op, a); }
static int fd_sector_size (sqlite3_file *f) { return REAL (f)->pMethods->xSectorSize (REAL (f)); }
static int fd_device (sqlite3_file *f) { return REAL (f)->pMethods->xDeviceCharacteristics (REAL (f)); }
static int fd_shm_map (sqlite3_file *f, int i, int n, int w, void volatile **p) { return REAL (f)->pMethods->xShmMap (REAL (f), i, n, w, p); }
static int fd_shm_lock (sqlite3_file *f, int o, int n, int flags) { return REAL (f)->pMethods->xShmLock (REAL (f), o, n, flags); }
static void fd_shm_barrier (sqlite3_file *f) { REAL (f)->pMethods->xShmBarrier (REAL (f)); }
static int fd_shm_unmap (sqlite3_file *f, int d) { return REAL (f)->pMethods->xShmUnmap (REAL (f), d); }
static int fd_fetch (sqlite3_file *f, sqlite3_int64 o, int n, void **p) { return REAL (f)->pMethods->xFetch (REAL (f), o, n, p); }
static int fd_unfetch (sqlite3_file *f, sqlite3_int64 o, void *p) { return REAL (f)->pMethods->xUnfetch (REAL (f), o, p); }

static int
fd_write (sqlite3_file *f,
          const void   *buffer,
          int           n,
          sqlite3_int64 offset)
{
  if (g_atomic_int_get (&disk_full))
    return SQLITE_FULL;
  return REAL (f)->pMethods->xWrite (REAL (f), buffer, n, offset);
}

static int
fd_open (sqlite3_vfs  *vfs,
         const char   *name,
         sqlite3_file *file,
         int           flags,
         int          *out_flags)
{
  FullDiskFile *wrapped = (FullDiskFile *) file;
  int status;

  wrapped->real = (sqlite3_file *) (wrapped + 1);
  status = real_vfs->xOpen (real_vfs, name, wrapped->real, flags, out_flags);
  wrapped->base.pMethods = wrapped->real->pMethods != NULL ? &full_disk_methods : NULL;
  return status;
}

static void
install_full_disk_vfs (void)
{
  g_assert_cmpint (sqlite3_initialize (), ==, SQLITE_OK);
  real_vfs = sqlite3_vfs_find (NULL);
  full_disk_vfs = *real_vfs;
  full_disk_vfs.zName = "qks-full-disk";
  full_disk_vfs.szOsFile = sizeof (FullDiskFile) + real_vfs->szOsFile;
  full_disk_vfs.xOpen = fd_open;
  full_disk_methods = (sqlite3_io_methods) {
    3, fd_close, fd_read, fd_write, fd_truncate, fd_sync, fd_file_size, fd_lock, fd_unlock,
    fd_check_lock, fd_control, fd_sector_size, fd_device, fd_shm_map, fd_shm_lock,
    fd_shm_barrier, fd_shm_unmap, fd_fetch, fd_unfetch,
  };
  g_assert_cmpint (sqlite3_vfs_register (&full_disk_vfs, 1), ==, SQLITE_OK);
}

/* The text of the error dialog the window shows (heading, then body),
 * closing it; NULL when there is none. */
static char *
take_error_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (item) && gtk_widget_get_visible (GTK_WIDGET (item)))
        {
          AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (item);
          char *text = g_strdup_printf ("%s\n%s", adw_message_dialog_get_heading (dialog),
                                        adw_message_dialog_get_body (dialog));

          gtk_window_destroy (GTK_WINDOW (dialog));
          return text;
        }
    }
  return NULL;
}

static void
small_config (QksTrainConfig *config,
              guint           steps)
{
  qks_train_config_init_defaults (config);
  g_assert_true (qks_model_config_init_sizes (&config->model, 32, 2, 2, 32, NULL));
  config->corpus_bytes = 128 * 1024;
  qks_train_config_set_steps (config, steps);
  config->optim.warmup_steps = 5;
  config->eval_every = 10;
  config->diag_every = 10;
}

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

/* Lets the frame clock run a few frames, so that coalesced rebuilds and
 * draws happen. */
static gboolean
frames_done (gpointer data)
{
  return g_get_monotonic_time () > *(gint64 *) data;
}

static void
run_frames (guint milliseconds)
{
  gint64 until = g_get_monotonic_time () + milliseconds * 1000;

  iterate_until (frames_done, &until);
}

static gboolean
session_ended (gpointer data)
{
  QksSession *session = qks_window_get_session (window);
  QksSessionState state = session != NULL ? qks_session_get_state (session) : QKS_SESSION_EMPTY;

  return state == QKS_SESSION_FINISHED || state == QKS_SESSION_STOPPED || state == QKS_SESSION_FAILED;
}

static QksFigurePage *
find_page (const char *type_name)
{
  GPtrArray *pages = qks_window_get_pages (window);

  for (guint i = 0; i < pages->len; i++)
    if (g_str_equal (G_OBJECT_TYPE_NAME (pages->pdata[i]), type_name))
      return pages->pdata[i];
  g_error ("no page %s", type_name);
}

static guint
count_drawn_figures (QksFigurePage *page)
{
  g_autoptr(GPtrArray) views = qks_figure_page_list_views (page);
  guint drawn = 0;

  for (guint i = 0; i < views->len; i++)
    if (qks_figure_view_get_figure (views->pdata[i]) != NULL &&
        qks_figure_view_get_n_draws (views->pdata[i]) > 0)
      drawn++;
  return drawn;
}

/* Saves what the window shows, for a person to look at, when asked to. */
static void
maybe_save_screenshot (const char *name)
{
  const char *directory = g_getenv ("QKS_SCREENSHOT_DIR");
  GtkWidget *widget = GTK_WIDGET (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GdkPaintable *paintable;

  paintable = gtk_widget_paintable_new (widget);
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_object_unref (paintable);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node, NULL);
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), >, 0);

  if (directory == NULL)
    return;
  g_mkdir_with_parents (directory, 0755);
  path = g_strdup_printf ("%s/%s.png", directory, name);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

static void
test_window_live_run (void)
{
  g_auto(QksTrainConfig) config = { 0 };
  QksFigurePage *spectra = find_page ("QksSpectraView");
  QksFigurePage *training = find_page ("QksTrainingView");
  QksDiagOptions options;
  QksSession *session;
  guint max_timeline_steps = 0;

  small_config (&config, 60);
  qks_diag_options_init (&options);
  options.mc_draws = 20;

  qks_window_show_page (window, "spectra");
  g_assert_true (qks_window_start_run (window, &config, &options));
  session = qks_window_get_session (window);
  g_assert_nonnull (session);
  run_path = g_strdup (qks_session_get_run_path (session));
  g_assert_true (g_str_has_prefix (run_path, data_dir));

  /* While it trains, the views follow: snapshots reach the timeline and
   * the spectra are drawn from them. */
  while (!session_ended (NULL))
    {
      g_main_context_iteration (NULL, TRUE);
      max_timeline_steps = MAX (max_timeline_steps, qks_timeline_get_n_steps (qks_window_get_timeline (window)));
    }
  g_assert_cmpint (qks_session_get_state (session), ==, QKS_SESSION_FINISHED);
  run_frames (300);

  /* 0, 1, 2, 4, 8, then every 10 from 10 to 60 */
  g_assert_cmpuint (qks_timeline_get_n_steps (qks_window_get_timeline (window)), ==, 11);
  g_assert_cmpuint (max_timeline_steps, ==, 11);
  g_assert_cmpuint (qks_timeline_get_step (qks_window_get_timeline (window)), ==, 60);
  g_assert_cmpuint (qks_figure_page_get_n_rebuilds (spectra), >, 0);
  g_assert_cmpuint (count_drawn_figures (spectra), >=, 2);
  /* The spectra at the last step */
  {
    g_autoptr(GPtrArray) views = qks_figure_page_list_views (spectra);
    QksFigure *figure = qks_figure_view_get_figure (views->pdata[0]);

    g_assert_cmpstr (qks_figure_get_info (figure)->name, ==, "esd-grid");
    g_assert_cmpuint (qks_figure_get_step (figure), ==, 60);
  }
  /* Redraws are coalesced: far fewer rebuilds than training steps. */
  g_assert_cmpuint (qks_figure_page_get_n_rebuilds (spectra), <, 60);
  /* And a page whose run no longer changes is not made again. */
  {
    guint rebuilds = qks_figure_page_get_n_rebuilds (spectra);

    run_frames (500);
    g_assert_cmpuint (qks_figure_page_get_n_rebuilds (spectra), ==, rebuilds);
  }

  qks_window_show_page (window, "training");
  run_frames (300);
  g_assert_cmpuint (count_drawn_figures (training), ==, 4);
  maybe_save_screenshot ("live-training");

  g_test_message ("longest main-loop stall during the run: %.1f ms",
                  qks_session_get_longest_stall (session));
}

static void
test_window_open_and_scrub (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (run_path);
  QksTimeline *timeline = qks_window_get_timeline (window);
  QksFigurePage *heads = find_page ("QksHeadsView");
  guint rebuilds;

  g_assert_true (qks_window_open_file (window, file, FALSE));
  g_assert_cmpint (qks_session_get_state (qks_window_get_session (window)), ==, QKS_SESSION_LOADED);
  g_assert_cmpuint (qks_timeline_get_n_steps (timeline), ==, 11);
  g_assert_cmpuint (qks_timeline_get_step (timeline), ==, 60);

  qks_window_show_page (window, "heads");
  run_frames (300);
  rebuilds = qks_figure_page_get_n_rebuilds (heads);

  /* Back three recorded steps: 60 → 50 → 40 → 30, through the window's
   * own action, as the keyboard does it. */
  for (int i = 0; i < 3; i++)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.previous-step", NULL));
  g_assert_cmpuint (qks_timeline_get_step (timeline), ==, 30);
  g_assert_false (qks_timeline_get_follow_live (timeline));
  run_frames (300);
  g_assert_cmpuint (qks_figure_page_get_n_rebuilds (heads), ==, rebuilds + 1);
  {
    g_autoptr(GPtrArray) views = qks_figure_page_list_views (heads);

    for (guint i = 0; i < views->len; i++)
      g_assert_cmpuint (qks_figure_get_step (qks_figure_view_get_figure (views->pdata[i])), ==, 30);
  }
  maybe_save_screenshot ("heads-scrubbed");

  /* To the start and not past it. */
  while (qks_timeline_move (timeline, -1))
    ;
  g_assert_cmpuint (qks_timeline_get_step (timeline), ==, 0);
  g_assert_false (qks_timeline_move (timeline, -1));
}

static gboolean
has_element_text (const char *svg,
                  const char *element,
                  const char *needle)
{
  g_autofree char *open = g_strdup_printf ("<%s>", element);
  g_autofree char *close = g_strdup_printf ("</%s>", element);
  const char *start = strstr (svg, open);
  const char *end = start != NULL ? strstr (start, close) : NULL;
  g_autofree char *inside = NULL;

  if (end == NULL)
    return FALSE;
  inside = g_strndup (start, end - start);
  return strstr (inside, needle) != NULL;
}

static void
test_window_export_view (void)
{
  g_autofree char *directory = g_build_filename (data_dir, "export", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint n, n_svg = 0;

  qks_window_show_page (window, "spectra");
  n = qks_window_export_view (window, directory, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2 * 3);  /* two figures, three formats */

  dir = g_dir_open (directory, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (directory, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_assert_cmpuint (length, >, 1000);
      if (g_str_has_suffix (name, ".svg"))
        {
          g_autoptr(GMarkupParseContext) parser = NULL;
          static const GMarkupParser no_callbacks = { 0 };

          /* Well-formed XML, titled and described */
          parser = g_markup_parse_context_new (&no_callbacks, 0, NULL, NULL);
          g_assert_true (g_markup_parse_context_parse (parser, contents, length, &error));
          g_assert_true (g_markup_parse_context_end_parse (parser, &error));
          g_assert_no_error (error);
          g_assert_true (has_element_text (contents, "desc", "Step: 30") ||
                         has_element_text (contents, "desc", "Step: 0"));
          g_assert_true (has_element_text (contents, "desc", "Null:"));
          g_assert_true (strstr (contents, "<title>") != NULL);
          n_svg++;
        }
      else if (g_str_has_suffix (name, ".png"))
        g_assert_true (memcmp (contents, "\x89PNG", 4) == 0);
      else
        g_assert_true (g_str_has_suffix (name, ".pdf") && memcmp (contents, "%PDF", 4) == 0);
    }
  g_assert_cmpuint (n_svg, ==, 2);
}

static void
test_window_compare (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (run_path);
  QksFigurePage *spectra = find_page ("QksSpectraView");
  QksFigurePage *training = find_page ("QksTrainingView");

  g_assert_true (qks_window_open_file (window, file, TRUE));
  g_assert_true (qks_window_open_file (window, file, TRUE));
  g_assert_cmpuint (qks_figure_page_get_n_runs (spectra), ==, 3);

  qks_window_show_page (window, "spectra");
  run_frames (300);
  {
    g_autoptr(GPtrArray) views = qks_figure_page_list_views (spectra);
    g_autoptr(GPtrArray) training_views = qks_figure_page_list_views (training);

    /* Two slots, one figure per run each */
    g_assert_cmpuint (views->len, ==, 2 * 3);
    /* Training figures draw every run in one frame. */
    g_assert_cmpuint (training_views->len, ==, 4);
  }
  maybe_save_screenshot ("compare-spectra");

  /* A fifth run is one too many. */
  g_assert_true (qks_window_open_file (window, file, TRUE));
  g_assert_cmpuint (qks_figure_page_get_n_runs (spectra), ==, 4);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.close-compared", NULL));
  g_assert_cmpuint (qks_figure_page_get_n_runs (spectra), ==, 1);
}

static void
test_window_bad_file (void)
{
  g_autofree char *path = g_build_filename (data_dir, "not-a-run.qkrun", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  QksSession *before = qks_window_get_session (window);

  g_assert_true (g_file_set_contents (path, "this is not SQLite", -1, NULL));
  /* The error goes to a dialog; the run shown stays. */
  g_assert_false (qks_window_open_file (window, file, FALSE));
  g_assert_true (qks_window_get_session (window) == before);
  {
    g_autofree char *text = take_error_dialog ();

    g_assert_nonnull (text);
    g_assert_nonnull (strstr (text, "not-a-run.qkrun"));
  }
}

static gboolean
has_snapshots (gpointer data)
{
  return qks_timeline_get_n_steps (qks_window_get_timeline (window)) >= GPOINTER_TO_UINT (data);
}

static gboolean
trainer_paused (gpointer data)
{
  return qks_trainer_get_state (data) == QKS_TRAINER_PAUSED;
}

/* Starts a long run and returns once it has recorded a few snapshots. */
static QksSession *
start_long_run (void)
{
  g_auto(QksTrainConfig) config = { 0 };
  QksDiagOptions options;

  small_config (&config, 100000);
  qks_diag_options_init (&options);
  options.mc_draws = 20;
  g_assert_true (qks_window_start_run (window, &config, &options));
  iterate_until (has_snapshots, GUINT_TO_POINTER (3));
  return qks_window_get_session (window);
}

/* The run's file, opened afresh, holds its steps and snapshots. */
static void
assert_run_kept (const char *path,
                 guint       min_snapshots)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QksHistory) history = qks_history_open (path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (qks_history_get_snapshot_steps (history)->len, >=, min_snapshots);
  g_assert_cmpuint (qks_history_get_n_steps (history), >, 0);
}

static void
test_window_nan_reaches_a_dialog (void)
{
  QksSession *session = start_long_run ();
  QksTrainer *trainer = qks_session_get_trainer (session);
  g_autofree char *path = g_strdup (qks_session_get_run_path (session));
  g_autofree char *text = NULL;
  const GError *error;

  /* A paused trainer's model may be touched: poison it, as a diverging run
   * would. */
  qks_session_pause (session);
  iterate_until (trainer_paused, trainer);
  qks_model_get_params (qks_trainer_get_model (trainer))[0] = NAN;
  qks_session_resume (session);
  iterate_until (session_ended, NULL);

  g_assert_cmpint (qks_session_get_state (session), ==, QKS_SESSION_FAILED);
  error = qks_session_get_error (session);
  g_assert_error ((GError *) error, QKS_TRAINER_ERROR, QKS_TRAINER_ERROR_NOT_FINITE);
  text = take_error_dialog ();
  g_assert_nonnull (text);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "NaN"));
  g_assert_null (take_error_dialog ());
  assert_run_kept (path, 3);
}

static void
test_window_full_disk_reaches_a_dialog (void)
{
  QksSession *session = start_long_run ();
  g_autofree char *path = g_strdup (qks_session_get_run_path (session));
  g_autofree char *text = NULL;
  const GError *error;

  g_atomic_int_set (&disk_full, 1);
  iterate_until (session_ended, NULL);
  g_atomic_int_set (&disk_full, 0);

  /* Training stops at the failure, not at the end of its 100000 steps. */
  g_assert_cmpint (qks_session_get_state (session), ==, QKS_SESSION_FAILED);
  g_assert_cmpuint (qks_session_get_progress (session)->step, <, 100000);
  error = qks_session_get_error (session);
  g_assert_error ((GError *) error, QKS_RUN_ERROR, QKS_RUN_ERROR_NO_SPACE);
  text = take_error_dialog ();
  g_assert_nonnull (text);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "full"));
  g_assert_nonnull (strstr (text, path));
  assert_run_kept (path, 1);
}

/* A click on a layer's panel in the Spectra grid opens that layer's heads. */
static void
test_window_layer_opens_its_heads (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (run_path);
  QksFigurePage *spectra = find_page ("QksSpectraView");

  g_assert_true (qks_window_open_file (window, file, FALSE));
  qks_window_show_page (window, "spectra");
  qks_figure_page_set_layer (spectra, QKS_FIGURE_PAGE_ALL_LAYERS);
  run_frames (300);
  {
    g_autoptr(GPtrArray) views = qks_figure_page_list_views (spectra);

    g_assert_cmpstr (qks_figure_get_info (qks_figure_view_get_figure (views->pdata[0]))->name, ==, "esd-grid");
    g_signal_emit_by_name (views->pdata[0], "panel-activated", 1);
  }
  run_frames (300);
  g_assert_cmpint (qks_figure_page_get_layer (spectra), ==, 1);
  {
    g_autoptr(GPtrArray) views = qks_figure_page_list_views (spectra);
    QksFigure *figure = qks_figure_view_get_figure (views->pdata[0]);

    g_assert_cmpstr (qks_figure_get_info (figure)->name, ==, "esd-heads");
    g_assert_nonnull (strstr (qks_figure_get_title (figure), "layer 1"));
  }
  qks_figure_page_set_layer (spectra, QKS_FIGURE_PAGE_ALL_LAYERS);
}

/* Other programs' checkpoints ------------------------------------------- */

#define CK_LAYERS 2
#define CK_D      32
#define CK_HEADS  4
#define CK_GROUPS 2
#define CK_HEAD   8

/* A small LLaMA-layout model's safetensors bytes (GQA, random weights). */
static GBytes *
llama_bytes (guint64 seed,
             guint   n_layers)
{
  g_autoptr(QksSafetensorsWriter) writer = qks_safetensors_writer_new ();
  g_autoptr(GPtrArray) arrays = g_ptr_array_new_with_free_func (g_free);
  const struct { const char *name; gsize rows, cols; } parts[] = {
    { "q_proj", CK_HEADS * CK_HEAD, CK_D }, { "k_proj", CK_GROUPS * CK_HEAD, CK_D },
    { "v_proj", CK_GROUPS * CK_HEAD, CK_D }, { "o_proj", CK_D, CK_HEADS * CK_HEAD },
  };
  QksRng rng;

  qks_rng_init (&rng, seed);
  for (guint l = 0; l < n_layers; l++)
    for (guint p = 0; p < G_N_ELEMENTS (parts); p++)
      {
        g_autofree char *name = g_strdup_printf ("model.layers.%u.self_attn.%s.weight", l, parts[p].name);
        gsize shape[2] = { parts[p].rows, parts[p].cols };
        float *data = g_new (float, shape[0] * shape[1]);

        for (gsize i = 0; i < shape[0] * shape[1]; i++)
          data[i] = (float) (0.02 * qks_rng_normal (&rng));
        g_ptr_array_add (arrays, data);
        qks_safetensors_writer_add_tensor (writer, name, QKS_DTYPE_F32, 2, shape, data);
      }
  return qks_safetensors_writer_to_bytes (writer);
}

static void
write_bytes (const char *path,
             GBytes     *bytes,
             gsize       length)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), (gssize) length, &error);
  g_assert_no_error (error);
}

/* A checkpoint-N/ folder as Hugging Face's Trainer writes it; with
 * @length less than the file, the weights are cut short there, as a
 * writer caught halfway leaves them. */
static void
write_model (const char *folder,
             guint       step,
             guint       n_layers,
             gsize       length)
{
  g_autofree char *name = g_strdup_printf ("checkpoint-%u", step);
  g_autofree char *dir = g_build_filename (folder, name, NULL);
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *model_path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *config = g_strdup_printf ("{\"model_type\": \"llama\", \"hidden_size\": %u, "
                                             "\"num_hidden_layers\": %u, \"num_attention_heads\": %u, "
                                             "\"num_key_value_heads\": %u, \"head_dim\": %u}",
                                             CK_D, n_layers, CK_HEADS, CK_GROUPS, CK_HEAD);
  g_autoptr(GBytes) model = llama_bytes (step, n_layers);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (config_path, config, -1, NULL));
  write_bytes (model_path, model, MIN (length, g_bytes_get_size (model)));
}

static void
write_checkpoint (const char *folder,
                  guint       step,
                  gsize       length)
{
  write_model (folder, step, CK_LAYERS, length);
}

static gboolean
timeline_has (gpointer data)
{
  return qks_timeline_get_n_steps (qks_window_get_timeline (window)) >= GPOINTER_TO_UINT (data);
}

static void
on_checkpoint_failed (QksCheckpointWatch *watch,
                      const char         *path,
                      const char         *message,
                      guint              *n_failed)
{
  g_test_message ("failed as expected: %s: %s", path, message);
  (*n_failed)++;
}

static gboolean
counter_reached (gpointer data)
{
  return *(guint *) data > 0;
}

static gboolean
has_error_dialog (gpointer data)
{
  char **text = data;

  *text = take_error_dialog ();
  return *text != NULL;
}

static void
test_window_checkpoints (void)
{
  g_autofree char *folder = g_build_filename (data_dir, "checkpoints", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (folder);
  QksTimeline *timeline = qks_window_get_timeline (window);
  QksFigurePage *spectra = find_page ("QksSpectraView");
  QksFigurePage *heads = find_page ("QksHeadsView");
  QksCheckpointWatch *watch;
  guint n_failed = 0;

  for (guint step = 100; step <= 300; step += 100)
    write_checkpoint (folder, step, G_MAXSIZE);

  /* A folder of checkpoints: a timeline of their steps, each analysed in
   * the background, every view drawn from it. */
  g_assert_true (qks_window_open_file (window, file, FALSE));
  watch = qks_session_get_checkpoints (qks_window_get_session (window));
  g_assert_nonnull (watch);
  g_assert_true (qks_checkpoint_watch_is_series (watch));
  g_signal_connect (watch, "checkpoint-failed", G_CALLBACK (on_checkpoint_failed), &n_failed);
  iterate_until (timeline_has, GUINT_TO_POINTER (3));
  g_assert_cmpuint (qks_timeline_get_step (timeline), ==, 300);

  qks_window_show_page (window, "spectra");
  run_frames (300);
  g_assert_cmpuint (count_drawn_figures (spectra), >=, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.previous-step", NULL));
  run_frames (300);
  g_assert_cmpuint (qks_timeline_get_step (timeline), ==, 200);
  {
    g_autoptr(GPtrArray) views = qks_figure_page_list_views (spectra);

    g_assert_cmpuint (qks_figure_get_step (qks_figure_view_get_figure (views->pdata[0])), ==, 200);
  }
  qks_window_show_page (window, "heads");
  run_frames (300);
  g_assert_cmpuint (count_drawn_figures (heads), >=, 2);
  qks_timeline_set_follow_live (timeline, TRUE);

  /* Watched: a checkpoint moved into place, then one written in two
   * halves, both join the timeline. */
  {
    g_autofree char *staging = g_build_filename (data_dir, "staging", NULL);
    g_autofree char *moved = g_build_filename (folder, "checkpoint-400", NULL);
    g_autofree char *staged = g_build_filename (staging, "checkpoint-400", NULL);

    write_checkpoint (staging, 400, G_MAXSIZE);
    g_assert_cmpint (g_rename (staged, moved), ==, 0);
    iterate_until (timeline_has, GUINT_TO_POINTER (4));
  }
  write_checkpoint (folder, 500, 300);
  run_frames (700);
  write_checkpoint (folder, 500, G_MAXSIZE);
  iterate_until (timeline_has, GUINT_TO_POINTER (5));
  g_assert_cmpuint (qks_timeline_get_step (timeline), ==, 500);
  g_assert_cmpuint (n_failed, ==, 0);
  g_assert_null (take_error_dialog ());

  /* A checkpoint that stays unreadable is reported and skipped. */
  write_checkpoint (folder, 600, 100);
  iterate_until (counter_reached, &n_failed);
  g_assert_cmpuint (qks_timeline_get_n_steps (timeline), ==, 5);
  g_assert_null (take_error_dialog ());

  /* One file of a layout no adapter knows: a dialog names what it found. */
  {
    g_autofree char *path = g_build_filename (data_dir, "unknown.safetensors", NULL);
    g_autoptr(GFile) unknown = g_file_new_for_path (path);
    g_autoptr(QksSafetensorsWriter) writer = qks_safetensors_writer_new ();
    g_autoptr(GBytes) bytes = NULL;
    g_autofree char *text = NULL;
    float weights[4] = { 1, 2, 3, 4 };
    gsize shape[2] = { 2, 2 };

    qks_safetensors_writer_add_tensor (writer, "encoder.mystery.weight", QKS_DTYPE_F32, 2, shape, weights);
    bytes = qks_safetensors_writer_to_bytes (writer);
    write_bytes (path, bytes, g_bytes_get_size (bytes));
    qks_window_open_file (window, unknown, FALSE);
    iterate_until (has_error_dialog, &text);
    g_test_message ("%s", text);
    g_assert_nonnull (strstr (text, "unknown.safetensors"));
  }
}

/* Some layers analysed, less than half of the whole; or all done, which
 * the test then reports as too fast to stop. */
static gboolean
analysis_under_way_or_ended (gpointer data)
{
  guint done, total;
  double fraction = qks_checkpoint_watch_get_progress (data, &done, &total);

  return !qks_checkpoint_watch_is_busy (data) || (fraction > 0 && fraction < 0.5);
}

static gboolean
analysis_ended (gpointer data)
{
  return !qks_checkpoint_watch_is_busy (data);
}

/* A long analysis shows how far it is, layer by layer, and Stop ends it,
 * keeping what was analysed. */
static void
test_window_stop_checkpoints (void)
{
  g_autofree char *folder = g_build_filename (data_dir, "long", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (folder);
  QksTimeline *timeline = qks_window_get_timeline (window);
  QksCheckpointWatch *watch;
  guint done, total, n_steps;
  double fraction;

  for (guint step = 100; step <= 600; step += 100)
    write_model (folder, step, 48, G_MAXSIZE);
  g_assert_true (qks_window_open_file (window, file, FALSE));
  watch = qks_session_get_checkpoints (qks_window_get_session (window));
  g_assert_nonnull (watch);

  iterate_until (analysis_under_way_or_ended, watch);
  g_assert_true (qks_checkpoint_watch_is_busy (watch));
  fraction = qks_checkpoint_watch_get_progress (watch, &done, &total);
  g_test_message ("stopped at %.3f of %u checkpoints", fraction, total);
  g_assert_cmpuint (total, ==, 6);
  g_assert_cmpfloat (fraction, >, 0);
  g_assert_cmpfloat (fraction, <, 0.5);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL));
  g_assert_true (qks_checkpoint_watch_is_stopped (watch));
  iterate_until (analysis_ended, watch);
  /* What was analysed stays; at most the checkpoint under way is finished. */
  n_steps = qks_timeline_get_n_steps (timeline);
  g_assert_cmpuint (n_steps, >=, done);
  g_assert_cmpuint (n_steps, <=, done + 1);
  run_frames (300);
  g_assert_cmpuint (qks_timeline_get_n_steps (timeline), ==, n_steps);
  g_assert_null (take_error_dialog ());
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  data_dir = g_dir_make_tmp ("qks-window-XXXXXX", NULL);
  /* New runs go to the user's data folder: a temporary one here. */
  g_setenv ("XDG_DATA_HOME", data_dir, TRUE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  install_full_disk_vfs ();

  app = qks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_application_activate (G_APPLICATION (app));
  window = QKS_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  run_frames (200);

  g_test_add_func ("/window/live-run", test_window_live_run);
  g_test_add_func ("/window/open-and-scrub", test_window_open_and_scrub);
  g_test_add_func ("/window/export-view", test_window_export_view);
  g_test_add_func ("/window/compare", test_window_compare);
  g_test_add_func ("/window/bad-file", test_window_bad_file);
  g_test_add_func ("/window/layer-opens-its-heads", test_window_layer_opens_its_heads);
  g_test_add_func ("/window/nan-reaches-a-dialog", test_window_nan_reaches_a_dialog);
  g_test_add_func ("/window/full-disk-reaches-a-dialog", test_window_full_disk_reaches_a_dialog);
  g_test_add_func ("/window/checkpoints", test_window_checkpoints);
  g_test_add_func ("/window/stop-checkpoints", test_window_stop_checkpoints);
  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (app);
  return status;
}
