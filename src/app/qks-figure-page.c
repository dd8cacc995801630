/* qks-figure-page.c: a view of figures that follow the runs and the step
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qks-figure-page.h"

/* A page lays out slots, one figure each; with several runs, a slot shows
 * one figure per run side by side, unless its figure draws all runs in one
 * frame. Figures are made from the histories at most once per frame, and
 * only while the page is on screen. */

typedef struct
{
  char       *figure_name;
  GtkWidget  *cell;       /* a GtkBox of one column per run */
  GPtrArray  *views;      /* QksFigureView, one per column */
} Slot;

typedef struct
{
  GtkBox     *controls;
  GtkGrid    *grid;
  GPtrArray  *slots;
  QksHistory *histories[QKS_MAX_RUNS];
  guint       n_histories;
  guint       step;
  gboolean    dirty;
  guint       tick_id;
  guint       n_rebuilds;
  GtkWidget  *focus_view;   /* the figure last under the pointer */
  GtkDropDown *layer_choice;
  gboolean    layer_choice_has_all;
} QksFigurePagePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (QksFigurePage, qks_figure_page, GTK_TYPE_WIDGET)

static void
slot_free (Slot *slot)
{
  g_free (slot->figure_name);
  g_ptr_array_unref (slot->views);
  g_free (slot);
}

static void
on_view_entered (GtkEventControllerMotion *motion,
                 double                    x,
                 double                    y,
                 QksFigurePage            *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);

  priv->focus_view = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (motion));
}

static void
on_panel_activated (QksFigureView *view,
                    int            panel,
                    QksFigurePage *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  QksFigurePageClass *klass = QKS_FIGURE_PAGE_GET_CLASS (self);

  for (guint i = 0; i < priv->slots->len && klass->panel_activated != NULL; i++)
    {
      Slot *slot = priv->slots->pdata[i];

      if (g_ptr_array_find (slot->views, view, NULL))
        klass->panel_activated (self, i, panel);
    }
}

/* Makes the slot's columns match the runs it must show. */
static void
slot_update_columns (QksFigurePage *self,
                     Slot          *slot)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  const QksFigureInfo *info = qks_figure_lookup (slot->figure_name);
  gboolean one_frame = info != NULL && (info->uses & QKS_FIGURE_MANY_RUNS);
  guint wanted = one_frame ? 1 : MAX (priv->n_histories, 1);
  GtkWidget *child;

  if (slot->views->len == wanted)
    return;

  if (priv->focus_view != NULL && gtk_widget_is_ancestor (priv->focus_view, slot->cell))
    priv->focus_view = NULL;
  while ((child = gtk_widget_get_first_child (slot->cell)) != NULL)
    gtk_box_remove (GTK_BOX (slot->cell), child);
  g_ptr_array_set_size (slot->views, 0);

  for (guint i = 0; i < wanted; i++)
    {
      GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
      GtkWidget *view = qks_figure_view_new ();
      GtkEventController *motion = gtk_event_controller_motion_new ();

      if (wanted > 1)
        {
          /* Which run a column shows, above it; the figure's own title
           * names what it shows. */
          GtkWidget *label = gtk_label_new (NULL);

          gtk_widget_add_css_class (label, "heading");
          gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
          gtk_widget_set_name (label, "run-label");
          gtk_box_append (GTK_BOX (column), label);
        }
      g_signal_connect (motion, "enter", G_CALLBACK (on_view_entered), self);
      g_signal_connect (view, "panel-activated", G_CALLBACK (on_panel_activated), self);
      gtk_widget_add_controller (view, motion);
      gtk_box_append (GTK_BOX (column), view);
      gtk_box_append (GTK_BOX (slot->cell), column);
      g_ptr_array_add (slot->views, view);
    }
}

static void
rebuild_slot (QksFigurePage *self,
              guint          index,
              Slot          *slot)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  QksFigurePageClass *klass = QKS_FIGURE_PAGE_GET_CLASS (self);
  QksFigureSelection selection;

  slot_update_columns (self, slot);

  qks_figure_selection_init (&selection);
  selection.step = priv->step;
  if (klass->select != NULL)
    klass->select (self, index, &selection);

  for (guint i = 0; i < slot->views->len; i++)
    {
      QksFigureView *view = slot->views->pdata[i];
      GtkWidget *label = gtk_widget_get_prev_sibling (GTK_WIDGET (view));
      g_autoptr(GError) error = NULL;
      QksFigure *figure = NULL;

      if (priv->n_histories == 0)
        {
          qks_figure_view_set_figure (view, NULL);
          qks_figure_view_set_message (view, _("No Run"),
                                       _("Start a run or open one to see this figure"));
          continue;
        }
      if (slot->views->len == 1)
        figure = qks_figure_new (slot->figure_name, priv->histories, priv->n_histories,
                                 &selection, &error);
      else
        figure = qks_figure_new (slot->figure_name, &priv->histories[i], 1, &selection, &error);

      if (label != NULL)
        gtk_label_set_text (GTK_LABEL (label), qks_history_get_name (priv->histories[i]));
      if (figure == NULL)
        qks_figure_view_set_message (view, _("Cannot Show This Figure"), error->message);
      qks_figure_view_set_figure (view, figure);
    }
}

/**
 * qks_figure_page_rebuild_now:
 *
 * Makes every figure again from the histories at the page's step.
 */
void
qks_figure_page_rebuild_now (QksFigurePage *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  gint64 start = g_get_monotonic_time ();

  priv->dirty = FALSE;
  for (guint i = 0; i < priv->slots->len; i++)
    rebuild_slot (self, i, priv->slots->pdata[i]);
  priv->n_rebuilds++;
  g_debug ("%s: figures made in %.1f ms", G_OBJECT_TYPE_NAME (self),
           (g_get_monotonic_time () - start) / 1e3);
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  QksFigurePage *self = QKS_FIGURE_PAGE (widget);
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);

  priv->tick_id = 0;
  if (priv->dirty)
    qks_figure_page_rebuild_now (self);
  return G_SOURCE_REMOVE;
}

/**
 * qks_figure_page_invalidate:
 *
 * The runs, the step or a control changed: the figures are made again at
 * the next frame, once however many changes arrive before it.
 */
void
qks_figure_page_invalidate (QksFigurePage *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);

  g_return_if_fail (QKS_IS_FIGURE_PAGE (self));

  priv->dirty = TRUE;
  if (priv->tick_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    priv->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
}

static void
qks_figure_page_map (GtkWidget *widget)
{
  QksFigurePage *self = QKS_FIGURE_PAGE (widget);
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);

  GTK_WIDGET_CLASS (qks_figure_page_parent_class)->map (widget);
  if (priv->dirty)
    qks_figure_page_invalidate (self);
}

static void
qks_figure_page_unmap (GtkWidget *widget)
{
  QksFigurePage *self = QKS_FIGURE_PAGE (widget);
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);

  if (priv->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (widget, priv->tick_id);
      priv->tick_id = 0;
    }
  GTK_WIDGET_CLASS (qks_figure_page_parent_class)->unmap (widget);
}

/**
 * qks_figure_page_add_slot:
 * @figure_name: a name qks_figure_lookup() knows
 *
 * Returns: the slot's index, as the select() vfunc receives it
 */
guint
qks_figure_page_add_slot (QksFigurePage *self,
                          const char    *figure_name,
                          int            column,
                          int            row,
                          int            width,
                          int            height)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  Slot *slot = g_new0 (Slot, 1);

  g_return_val_if_fail (qks_figure_lookup (figure_name) != NULL, 0);

  slot->figure_name = g_strdup (figure_name);
  slot->views = g_ptr_array_new ();
  slot->cell = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_set_homogeneous (GTK_BOX (slot->cell), TRUE);
  gtk_grid_attach (priv->grid, slot->cell, column, row, width, height);
  g_ptr_array_add (priv->slots, slot);
  qks_figure_page_invalidate (self);
  return priv->slots->len - 1;
}

/* Shows another figure in a slot, e.g. the chosen metric's heatmap. */
void
qks_figure_page_set_slot_figure (QksFigurePage *self,
                                 guint          slot_index,
                                 const char    *figure_name)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  Slot *slot;

  g_return_if_fail (slot_index < priv->slots->len);
  g_return_if_fail (qks_figure_lookup (figure_name) != NULL);

  slot = priv->slots->pdata[slot_index];
  /* The select() vfunc calls this at every rebuild: only a change may
   * ask for another, or the page would rebuild at every frame. */
  if (g_strcmp0 (slot->figure_name, figure_name) == 0)
    return;
  g_free (slot->figure_name);
  slot->figure_name = g_strdup (figure_name);
  qks_figure_page_invalidate (self);
}

GtkBox *
qks_figure_page_get_controls (QksFigurePage *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);

  return priv->controls;
}

static void
on_choice_changed (QksFigurePage *self)
{
  qks_figure_page_invalidate (self);
}

static GtkWidget *
add_labelled (QksFigurePage *self,
              const char    *label,
              GtkWidget     *control)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  if (label != NULL)
    {
      GtkWidget *caption = gtk_label_new_with_mnemonic (label);

      gtk_label_set_mnemonic_widget (GTK_LABEL (caption), control);
      gtk_widget_add_css_class (caption, "dim-label");
      gtk_box_append (GTK_BOX (box), caption);
    }
  gtk_box_append (GTK_BOX (box), control);
  gtk_box_append (priv->controls, box);
  return box;
}

/**
 * qks_figure_page_add_choice:
 * @items: (array zero-terminated=1): the choices, translated
 *
 * Adds a drop-down to the page's controls; changing it remakes the figures.
 */
GtkDropDown *
qks_figure_page_add_choice (QksFigurePage      *self,
                            const char         *label,
                            const char         *tooltip,
                            const char * const *items)
{
  GtkWidget *drop_down = gtk_drop_down_new_from_strings (items);

  gtk_widget_set_tooltip_text (drop_down, tooltip);
  gtk_widget_set_valign (drop_down, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (drop_down, "notify::selected", G_CALLBACK (on_choice_changed), self);
  add_labelled (self, label, drop_down);
  return GTK_DROP_DOWN (drop_down);
}

static void
update_layer_choice (QksFigurePage *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  g_autoptr(GtkStringList) items = gtk_string_list_new (NULL);
  guint selected, n_layers = 0;

  if (priv->layer_choice == NULL)
    return;
  for (guint i = 0; i < priv->n_histories; i++)
    n_layers = MAX (n_layers, qks_history_get_n_layers (priv->histories[i]));

  if (priv->layer_choice_has_all)
    gtk_string_list_append (items, _("All Layers"));
  for (guint layer = 0; layer < n_layers; layer++)
    {
      g_autofree char *name = g_strdup_printf (_("Layer %u"), layer);
      gtk_string_list_append (items, name);
    }

  /* Keep the choice when the runs change, if the new runs have it. */
  selected = gtk_drop_down_get_selected (priv->layer_choice);
  if (g_list_model_get_n_items (G_LIST_MODEL (items)) ==
      g_list_model_get_n_items (gtk_drop_down_get_model (priv->layer_choice)))
    return;
  g_signal_handlers_block_by_func (priv->layer_choice, on_choice_changed, self);
  gtk_drop_down_set_model (priv->layer_choice, G_LIST_MODEL (items));
  if (selected != GTK_INVALID_LIST_POSITION &&
      selected < g_list_model_get_n_items (G_LIST_MODEL (items)))
    gtk_drop_down_set_selected (priv->layer_choice, selected);
  else
    gtk_drop_down_set_selected (priv->layer_choice, 0);
  g_signal_handlers_unblock_by_func (priv->layer_choice, on_choice_changed, self);
}

/* A drop-down of the runs' layers, filled as runs come. */
GtkDropDown *
qks_figure_page_add_layer_choice (QksFigurePage *self,
                                  gboolean       with_all_layers)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  static const char * const none[] = { NULL };

  g_return_val_if_fail (priv->layer_choice == NULL, NULL);

  priv->layer_choice = qks_figure_page_add_choice (self, _("_Layer"),
                                                   _("The layer the figures show"), none);
  priv->layer_choice_has_all = with_all_layers;
  update_layer_choice (self);
  return priv->layer_choice;
}

/* Returns: the chosen layer, or QKS_FIGURE_PAGE_ALL_LAYERS */
int
qks_figure_page_get_layer (QksFigurePage *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  guint selected;

  if (priv->layer_choice == NULL)
    return QKS_FIGURE_PAGE_ALL_LAYERS;
  selected = gtk_drop_down_get_selected (priv->layer_choice);
  if (selected == GTK_INVALID_LIST_POSITION)
    return priv->layer_choice_has_all ? QKS_FIGURE_PAGE_ALL_LAYERS : 0;
  if (priv->layer_choice_has_all)
    return (int) selected - 1;
  return (int) selected;
}

/**
 * qks_figure_page_set_layer:
 * @layer: a layer, or %QKS_FIGURE_PAGE_ALL_LAYERS
 *
 * Chooses @layer in the page's layer choice, as the user would.
 */
void
qks_figure_page_set_layer (QksFigurePage *self,
                           int            layer)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  int position = priv->layer_choice_has_all ? layer + 1 : layer;

  if (priv->layer_choice == NULL || position < 0 ||
      (guint) position >= g_list_model_get_n_items (gtk_drop_down_get_model (priv->layer_choice)))
    return;
  gtk_drop_down_set_selected (priv->layer_choice, (guint) position);
}

GtkToggleButton *
qks_figure_page_add_toggle (QksFigurePage *self,
                            const char    *label,
                            const char    *tooltip)
{
  GtkWidget *toggle = gtk_toggle_button_new_with_mnemonic (label);

  gtk_widget_set_tooltip_text (toggle, tooltip);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (toggle, "toggled", G_CALLBACK (on_choice_changed), self);
  add_labelled (self, NULL, toggle);
  return GTK_TOGGLE_BUTTON (toggle);
}

/**
 * qks_figure_page_add_info:
 *
 * An info button at the end of the controls whose popover explains, in
 * plain words, what the page's figures measure (never what they mean for
 * the user's run: SCIENCE.md f.5).
 */
void
qks_figure_page_add_info (QksFigurePage *self,
                          const char    *title,
                          const char    *text)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  GtkWidget *button = gtk_menu_button_new ();
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *body = gtk_label_new (text);
  GtkWidget *spacer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_label_set_wrap (GTK_LABEL (body), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (body), 48);
  gtk_label_set_xalign (GTK_LABEL (body), 0);
  gtk_label_set_use_markup (GTK_LABEL (body), TRUE);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), body);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_popover_set_child (GTK_POPOVER (popover), box);

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "help-about-symbolic");
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), popover);
  gtk_widget_set_tooltip_text (button, title);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");

  gtk_widget_set_hexpand (spacer, TRUE);
  gtk_box_append (priv->controls, spacer);
  gtk_box_append (priv->controls, button);
}

/**
 * qks_figure_page_set_runs:
 * @histories: (array length=n_histories): the runs to show, the first
 *   one the main run; at most %QKS_MAX_RUNS
 */
void
qks_figure_page_set_runs (QksFigurePage      *self,
                          QksHistory * const *histories,
                          guint               n_histories)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);

  g_return_if_fail (QKS_IS_FIGURE_PAGE (self));
  g_return_if_fail (n_histories <= QKS_MAX_RUNS);

  for (guint i = 0; i < n_histories; i++)
    qks_history_ref (histories[i]);
  for (guint i = 0; i < priv->n_histories; i++)
    qks_history_unref (priv->histories[i]);
  for (guint i = 0; i < n_histories; i++)
    priv->histories[i] = histories[i];
  priv->n_histories = n_histories;
  update_layer_choice (self);
  qks_figure_page_invalidate (self);
}

guint
qks_figure_page_get_n_runs (QksFigurePage *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);

  return priv->n_histories;
}

QksHistory *
qks_figure_page_get_run (QksFigurePage *self,
                         guint          index)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);

  g_return_val_if_fail (index < priv->n_histories, NULL);
  return priv->histories[index];
}

/* @step: the timeline's step; G_MAXUINT for the latest */
void
qks_figure_page_set_step (QksFigurePage *self,
                          guint          step)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);

  if (priv->step == step)
    return;
  priv->step = step;
  /* A live run may have added layers' data since the runs were set. */
  update_layer_choice (self);
  qks_figure_page_invalidate (self);
}

guint
qks_figure_page_get_step (QksFigurePage *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);

  return priv->step;
}

/* How many times the figures were made: the tests check coalescing. */
guint
qks_figure_page_get_n_rebuilds (QksFigurePage *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);

  return priv->n_rebuilds;
}

/* Returns: (transfer container): every QksFigureView of the page, in
 * slot order. */
GPtrArray *
qks_figure_page_list_views (QksFigurePage *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  GPtrArray *views = g_ptr_array_new ();

  for (guint i = 0; i < priv->slots->len; i++)
    {
      Slot *slot = priv->slots->pdata[i];

      for (guint j = 0; j < slot->views->len; j++)
        g_ptr_array_add (views, slot->views->pdata[j]);
    }
  return views;
}

/* The figure the pointer was last over, else the first: what "Export
 * Figure" exports. */
QksFigureView *
qks_figure_page_get_focus_view (QksFigurePage *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  Slot *first;

  if (priv->focus_view != NULL)
    return QKS_FIGURE_VIEW (priv->focus_view);
  if (priv->slots->len == 0)
    return NULL;
  first = priv->slots->pdata[0];
  return first->views->len > 0 ? first->views->pdata[0] : NULL;
}

static void
qks_figure_page_dispose (GObject *object)
{
  QksFigurePage *self = QKS_FIGURE_PAGE (object);
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&priv->slots, g_ptr_array_unref);
  for (guint i = 0; i < priv->n_histories; i++)
    qks_history_unref (priv->histories[i]);
  priv->n_histories = 0;
  priv->focus_view = NULL;

  G_OBJECT_CLASS (qks_figure_page_parent_class)->dispose (object);
}

static void
qks_figure_page_class_init (QksFigurePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qks_figure_page_dispose;
  widget_class->map = qks_figure_page_map;
  widget_class->unmap = qks_figure_page_unmap;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "figurepage");
}

static void
qks_figure_page_init (QksFigurePage *self)
{
  QksFigurePagePrivate *priv = qks_figure_page_get_instance_private (self);
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  GtkWidget *scroller;

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);

  priv->slots = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
  priv->step = G_MAXUINT;

  priv->controls = GTK_BOX (gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12));
  gtk_widget_add_css_class (GTK_WIDGET (priv->controls), "figure-controls");
  gtk_widget_set_parent (GTK_WIDGET (priv->controls), GTK_WIDGET (self));

  priv->grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_row_spacing (priv->grid, 12);
  gtk_grid_set_column_spacing (priv->grid, 12);
  gtk_grid_set_row_homogeneous (priv->grid, TRUE);
  gtk_grid_set_column_homogeneous (priv->grid, FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (priv->grid), "figure-grid");

  /* Four runs side by side may need more width than the window has: the
   * figures then scroll sideways instead of widening the window. */
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (priv->grid));
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_widget_set_parent (scroller, GTK_WIDGET (self));
}
