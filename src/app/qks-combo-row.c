/* qks-combo-row.c: combo rows that show their chosen item whole
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-combo-row.h"

/* libadwaita 1.2 ellipsizes the chosen item first when a row is narrow,
 * which in a 340-pixel pane turns "MLA-Decoupled" into "MLA-…" while the
 * subtitle stays on one line. Items that never ellipsize make the subtitle
 * wrap instead, which is what GNOME's settings panels look like.
 *
 * An item that opens a dialog ends in "…" in the list, as the HIG asks;
 * once chosen, the row shows it without, since it no longer opens one.
 * The list marks the chosen item with a check, as libadwaita's own does. */

static const char *
item_text (GtkListItem *item)
{
  GtkStringObject *string = gtk_list_item_get_item (item);

  return GTK_IS_STRING_OBJECT (string) ? gtk_string_object_get_string (string) : "";
}

/* The chosen item, in the row ---------------------------------------------- */

static void
setup_row_item (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_list_item_set_child (item, label);
}

static void
bind_row_item (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  g_autofree char *text = g_strdup (item_text (item));

  if (g_str_has_suffix (text, "…"))
    text[strlen (text) - strlen ("…")] = '\0';
  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

/* The items in the popover -------------------------------------------------- */

static void
update_check (AdwComboRow *row,
              GParamSpec  *pspec,
              GtkListItem *item)
{
  GtkWidget *check = gtk_widget_get_last_child (gtk_list_item_get_child (item));
  gboolean chosen = adw_combo_row_get_selected_item (row) == gtk_list_item_get_item (item);

  /* Opacity, not visibility, so the list keeps its width as the choice moves. */
  gtk_widget_set_opacity (check, chosen ? 1.0 : 0.0);
}

static void
setup_list_item (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), check);
  gtk_list_item_set_child (item, box);
}

static void
bind_list_item (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                AdwComboRow              *row)
{
  GtkWidget *label = gtk_widget_get_first_child (gtk_list_item_get_child (item));

  gtk_label_set_label (GTK_LABEL (label), item_text (item));
  g_signal_connect (row, "notify::selected-item", G_CALLBACK (update_check), item);
  update_check (row, NULL, item);
}

static void
unbind_list_item (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  AdwComboRow              *row)
{
  g_signal_handlers_disconnect_by_func (row, update_check, item);
}

/**
 * qks_combo_row_show_whole_value:
 * @row: a combo row over a #GtkStringList
 */
void
qks_combo_row_show_whole_value (AdwComboRow *row)
{
  g_autoptr(GtkListItemFactory) row_factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkListItemFactory) list_factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (row_factory, "setup", G_CALLBACK (setup_row_item), NULL);
  g_signal_connect (row_factory, "bind", G_CALLBACK (bind_row_item), NULL);

  /* The row owns its factories, so it outlives what they connect to it. */
  g_signal_connect (list_factory, "setup", G_CALLBACK (setup_list_item), NULL);
  g_signal_connect (list_factory, "bind", G_CALLBACK (bind_list_item), row);
  g_signal_connect (list_factory, "unbind", G_CALLBACK (unbind_list_item), row);

  adw_combo_row_set_factory (row, row_factory);
  adw_combo_row_set_list_factory (row, list_factory);
}
