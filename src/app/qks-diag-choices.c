/* qks-diag-choices.c: the diagnostics' choices as the setup pane and the
 * preferences show them, and their defaults in GSettings
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qks-diag-choices.h"

/* The settings keep core's names ("matched", "E2"), so that the schema, the
 * command line and run files spell a choice the same way. */
#define NULL_LAW_KEY  "null-law"
#define ESTIMATOR_KEY "estimator"
#define DIAG_EVERY_KEY "diag-every"

static const struct
{
  const char *label;
  const char *summary;
} null_laws[] = {
  [QKS_DIAG_NULL_MATCHED] = { N_("Matched"), N_("Random weights of the same variant") },
  [QKS_DIAG_NULL_CHAIN] = { N_("Chain Law"), N_("A product of random factors") },
  [QKS_DIAG_NULL_MP] = { N_("Plain MP"), N_("Marchenko–Pastur, as in most papers") },
};

static const struct
{
  const char *label;
  const char *summary;
} estimators[] = {
  [QKS_SIGMA_E1_TRACE] = { N_("Mean"), N_("E1: σ² from the mean") },
  [QKS_SIGMA_E2_MEDIAN] = { N_("Median"), N_("E2: σ² from the median") },
  [QKS_SIGMA_E3_TRIMMED] = { N_("Trimmed"), N_("E3: σ² from the trimmed bulk") },
};

G_STATIC_ASSERT (G_N_ELEMENTS (null_laws) == QKS_DIAG_N_NULLS);
G_STATIC_ASSERT (G_N_ELEMENTS (estimators) == QKS_SIGMA_N_ESTIMATORS);

GtkStringList *
qks_diag_choices_new_null_list (void)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (guint i = 0; i < QKS_DIAG_N_NULLS; i++)
    gtk_string_list_append (list, _(null_laws[i].label));
  return list;
}

GtkStringList *
qks_diag_choices_new_estimator_list (void)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (guint i = 0; i < QKS_SIGMA_N_ESTIMATORS; i++)
    gtk_string_list_append (list, _(estimators[i].label));
  return list;
}

const char *
qks_diag_choices_get_null_summary (QksDiagNull null_law)
{
  g_return_val_if_fail ((guint) null_law < QKS_DIAG_N_NULLS, NULL);
  return _(null_laws[null_law].summary);
}

const char *
qks_diag_choices_get_estimator_summary (QksSigmaEstimator estimator)
{
  g_return_val_if_fail ((guint) estimator < QKS_SIGMA_N_ESTIMATORS, NULL);
  return _(estimators[estimator].summary);
}

/* An interval of 0 means no diagnostics; the spin button says so in a word. */

static gboolean
interval_output (GtkSpinButton *spin,
                 gpointer       user_data)
{
  if (gtk_spin_button_get_value_as_int (spin) != 0)
    return FALSE;
  gtk_editable_set_text (GTK_EDITABLE (spin), C_("diagnostics interval", "Off"));
  return TRUE;
}

static int
interval_input (GtkSpinButton *spin,
                double        *new_value,
                gpointer       user_data)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (spin))));
  char *end = NULL;
  guint64 value;

  if (g_utf8_collate (text, C_("diagnostics interval", "Off")) == 0)
    {
      *new_value = 0;
      return TRUE;
    }
  value = g_ascii_strtoull (text, &end, 10);
  if (end == text || *end != '\0')
    return GTK_INPUT_ERROR;
  *new_value = (double) value;
  return TRUE;
}

/**
 * qks_diag_choices_setup_interval_spin:
 * @spin: the spin button of a snapshot interval, not numeric-only
 *
 * Shows an interval of 0 as "Off", and reads "Off" back.
 */
void
qks_diag_choices_setup_interval_spin (GtkSpinButton *spin)
{
  g_signal_connect (spin, "output", G_CALLBACK (interval_output), NULL);
  g_signal_connect (spin, "input", G_CALLBACK (interval_input), NULL);
  gtk_spin_button_update (spin);
}

/**
 * qks_diag_choices_get_defaults:
 *
 * Reads what a new run starts with. The schema's choices keep the strings
 * valid; core's defaults stand in should one not parse all the same.
 */
void
qks_diag_choices_get_defaults (GSettings         *settings,
                               guint             *diag_every,
                               QksDiagNull       *null_law,
                               QksSigmaEstimator *estimator)
{
  g_autofree char *null_name = g_settings_get_string (settings, NULL_LAW_KEY);
  g_autofree char *estimator_name = g_settings_get_string (settings, ESTIMATOR_KEY);
  QksDiagOptions defaults;

  qks_diag_options_init (&defaults);
  *diag_every = g_settings_get_uint (settings, DIAG_EVERY_KEY);
  if (!qks_diag_null_from_string (null_name, null_law))
    *null_law = defaults.null_law;
  if (!qks_sigma_estimator_from_string (estimator_name, estimator))
    *estimator = defaults.estimator;
}

/* A combo row's "selected" index is the enum value; the key holds its name. */

static gboolean
null_from_setting (GValue   *value,
                   GVariant *variant,
                   gpointer  user_data)
{
  QksDiagNull null_law;

  if (!qks_diag_null_from_string (g_variant_get_string (variant, NULL), &null_law))
    return FALSE;
  g_value_set_uint (value, null_law);
  return TRUE;
}

static GVariant *
null_to_setting (const GValue       *value,
                 const GVariantType *expected_type,
                 gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= QKS_DIAG_N_NULLS)
    return NULL;
  return g_variant_new_string (qks_diag_null_to_string ((QksDiagNull) selected));
}

static gboolean
estimator_from_setting (GValue   *value,
                        GVariant *variant,
                        gpointer  user_data)
{
  QksSigmaEstimator estimator;

  if (!qks_sigma_estimator_from_string (g_variant_get_string (variant, NULL), &estimator))
    return FALSE;
  g_value_set_uint (value, estimator);
  return TRUE;
}

static GVariant *
estimator_to_setting (const GValue       *value,
                      const GVariantType *expected_type,
                      gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= QKS_SIGMA_N_ESTIMATORS)
    return NULL;
  return g_variant_new_string (qks_sigma_estimator_to_string ((QksSigmaEstimator) selected));
}

void
qks_diag_choices_bind_null (GSettings   *settings,
                            AdwComboRow *row)
{
  g_settings_bind_with_mapping (settings, NULL_LAW_KEY, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                null_from_setting, null_to_setting, NULL, NULL);
}

void
qks_diag_choices_bind_estimator (GSettings   *settings,
                                 AdwComboRow *row)
{
  g_settings_bind_with_mapping (settings, ESTIMATOR_KEY, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                estimator_from_setting, estimator_to_setting, NULL, NULL);
}
