/* qks-setup-pane.c: the rows where a user sets up a training run
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "qks-combo-row.h"
#include "qks-diag-choices.h"
#include "qks-setup-pane.h"

/* The rows show what a user is likely to change; everything else in a run's
 * configuration (warm-up, β, corpus size, …) is kept as it came, from core's
 * defaults or from the run given to qks_setup_pane_set_config(). Defaults
 * that depend on the model's sizes and variant come from core too
 * (qks_model_config_set_attention()), never from here. */
struct _QksSetupPane
{
  GtkWidget             parent_instance;

  GSettings            *settings;
  QksTrainConfig        base;              /* base.model holds the chosen sizes */
  QksDiagOptions        base_options;
  QksModelConfig        custom_sizes;      /* a run's sizes that match no preset */
  gboolean              has_custom_sizes;
  GFile                *text_file;
  GtkFileChooserNative *file_chooser;
  QksDatasetKind        previous_dataset;  /* restored if the file chooser is cancelled */

  /* What new runs start with (GSettings), to tell untouched rows from chosen ones. */
  guint                 default_diag_every;
  QksDiagNull           default_null_law;
  QksSigmaEstimator     default_estimator;

  char                 *problem;           /* NULL while the rows make a valid run */
  guint                 updating;          /* > 0 while code, not the user, fills rows */

  GtkStringList        *preset_list;

  /* Template widgets */
  AdwPreferencesPage   *page;
  AdwComboRow          *preset_row;
  AdwComboRow          *variant_row;
  AdwActionRow         *kv_groups_row;
  GtkSpinButton        *kv_groups_spin;
  AdwActionRow         *latent_kv_row;
  GtkSpinButton        *latent_kv_spin;
  AdwActionRow         *latent_q_row;
  GtkSpinButton        *latent_q_spin;
  AdwActionRow         *rope_dim_row;
  GtkSpinButton        *rope_dim_spin;
  AdwComboRow          *rope_mode_row;
  AdwActionRow         *lrkv_rank_row;
  GtkSpinButton        *lrkv_rank_spin;
  AdwComboRow          *lrkv_init_row;
  AdwComboRow          *dataset_row;
  GtkButton            *choose_file_button;
  GtkSpinButton        *steps_spin;
  AdwActionRow         *lr_row;
  GtkEntry             *lr_entry;
  AdwActionRow         *batch_row;
  GtkSpinButton        *batch_spin;
  GtkSpinButton        *seed_spin;
  GtkSpinButton        *diag_every_spin;
  AdwComboRow          *null_row;
  AdwComboRow          *estimator_row;
};

G_DEFINE_FINAL_TYPE (QksSetupPane, qks_setup_pane, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_VALID,
  PROP_PROBLEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* In plain words, for the attention row's subtitle. */
static const char * const variant_summaries[QKS_ATTN_N_KINDS] = {
  [QKS_ATTN_MHA] = N_("Each head has its own keys and values"),
  [QKS_ATTN_GQA] = N_("Groups of heads share keys and values"),
  [QKS_ATTN_MQA] = N_("All heads share keys and values"),
  [QKS_ATTN_MLA_PREROPE] = N_("Latent keys and values, rotated whole"),
  [QKS_ATTN_MLA_DECOUPLED] = N_("Latent keys and values, position apart"),
  [QKS_ATTN_LRKV] = N_("Shared keys and values, plus a low-rank part per head"),
};

static const char * const rope_mode_summaries[] = {
  [QKS_MLA_ROPE_COUPLED] = N_("Rotates the rebuilt queries and keys"),
  [QKS_MLA_ROPE_ROTATE_THEN_COMPRESS] = N_("Rotates the input, then compresses it"),
};

static const char * const lrkv_init_summaries[] = {
  [QKS_LRKV_INIT_RANDOM] = N_("Each head’s part starts random"),
  [QKS_LRKV_INIT_ZERO_B] = N_("Each head’s part starts at zero, as in MQA"),
};

QksSetupPane *
qks_setup_pane_new (void)
{
  return g_object_new (QKS_TYPE_SETUP_PANE, NULL);
}

/* Reading the rows ------------------------------------------------------ */

static guint
count_presets (void)
{
  return g_strv_length ((char **) qks_model_config_get_presets ());
}

static QksAttnKind
get_variant (QksSetupPane *self)
{
  guint selected = adw_combo_row_get_selected (self->variant_row);

  return selected < QKS_ATTN_N_KINDS ? (QksAttnKind) selected : QKS_ATTN_MHA;
}

static QksDatasetKind
get_dataset (QksSetupPane *self)
{
  guint selected = adw_combo_row_get_selected (self->dataset_row);

  return selected <= QKS_DATASET_FILE ? (QksDatasetKind) selected : QKS_DATASET_GRAMMAR;
}

static guint
get_spin_uint (GtkSpinButton *spin)
{
  return (guint) gtk_spin_button_get_value_as_int (spin);
}

/* Accepts "3e-4", "0.0003" and a decimal comma, in any locale. */
static gboolean
parse_learning_rate (const char *text,
                     double     *learning_rate)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *end = NULL;
  double value;

  g_strdelimit (copy, ",", '.');
  if (*copy == '\0')
    return FALSE;
  value = g_ascii_strtod (copy, &end);
  if (end == NULL || *end != '\0' || !isfinite (value))
    return FALSE;
  *learning_rate = value;
  return TRUE;
}

/* The shortest text that reads back as @learning_rate, written as people
 * write learning rates: "3e-4", "1.5e-3". */
static char *
format_learning_rate (double learning_rate)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *mantissa = NULL;
  const char *exponent;
  char *e;
  int power;

  for (int digits = 0; digits <= 17; digits++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%de", digits);
      g_ascii_formatd (buffer, sizeof buffer, format, learning_rate);
      if (g_ascii_strtod (buffer, NULL) == learning_rate)
        break;
    }

  e = strchr (buffer, 'e');
  if (e == NULL)
    return g_strdup (buffer);
  mantissa = g_strndup (buffer, (gsize) (e - buffer));
  exponent = e + 1;
  power = atoi (exponent);
  if (power == 0)
    return g_steal_pointer (&mantissa);
  return g_strdup_printf ("%se%d", mantissa, power);
}

static char *
kv_groups_problem (QksSetupPane *self)
{
  guint n_heads = self->base.model.n_heads;
  guint groups = get_spin_uint (self->kv_groups_spin);

  if (get_variant (self) != QKS_ATTN_GQA || (groups > 0 && n_heads % groups == 0))
    return NULL;
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "KV groups must divide the %u head",
                                       "KV groups must divide the %u heads", n_heads),
                          n_heads);
}

static char *
rope_dim_problem (QksSetupPane *self)
{
  if (get_variant (self) != QKS_ATTN_MLA_DECOUPLED || get_spin_uint (self->rope_dim_spin) % 2 == 0)
    return NULL;
  /* RoPE turns pairs of dimensions. */
  return g_strdup (_("The RoPE width must be even"));
}

static char *
learning_rate_problem (QksSetupPane *self,
                       double       *learning_rate)
{
  double value = NAN;

  if (parse_learning_rate (gtk_editable_get_text (GTK_EDITABLE (self->lr_entry)), &value) &&
      value > 0 && value < 10)
    {
      if (learning_rate != NULL)
        *learning_rate = value;
      return NULL;
    }
  return g_strdup (_("Enter a learning rate between 0 and 10, such as 3e-4"));
}

/* Fills @config and @options from the rows over the kept base, or fails
 * naming the first row in the pane that has a problem. */
static gboolean
collect_config (QksSetupPane    *self,
                QksTrainConfig  *config,
                QksDiagOptions  *options,
                GError         **error)
{
  g_autofree char *problem = NULL;
  QksAttnKind kind = get_variant (self);
  double learning_rate = self->base.optim.learning_rate;

  qks_train_config_copy (config, &self->base);
  *options = self->base_options;

  qks_model_config_set_attention (&config->model, kind);
  switch (kind)
    {
    case QKS_ATTN_GQA:
      config->model.n_kv_groups = get_spin_uint (self->kv_groups_spin);
      break;
    case QKS_ATTN_MLA_PREROPE:
      config->model.d_latent_kv = get_spin_uint (self->latent_kv_spin);
      config->model.d_latent_q = get_spin_uint (self->latent_q_spin);
      config->model.mla_rope_mode = (QksMlaRopeMode) adw_combo_row_get_selected (self->rope_mode_row);
      break;
    case QKS_ATTN_MLA_DECOUPLED:
      config->model.d_latent_kv = get_spin_uint (self->latent_kv_spin);
      config->model.d_latent_q = get_spin_uint (self->latent_q_spin);
      config->model.d_rope = get_spin_uint (self->rope_dim_spin);
      break;
    case QKS_ATTN_LRKV:
      config->model.lrkv_rank = get_spin_uint (self->lrkv_rank_spin);
      config->model.lrkv_init = (QksLrkvInit) adw_combo_row_get_selected (self->lrkv_init_row);
      break;
    case QKS_ATTN_MHA:
    case QKS_ATTN_MQA:
    case QKS_ATTN_N_KINDS:
    default:
      break;
    }

  config->dataset = get_dataset (self);
  g_clear_pointer (&config->text_path, g_free);
  if (config->dataset == QKS_DATASET_FILE && self->text_file != NULL)
    config->text_path = g_file_get_path (self->text_file);

  qks_train_config_set_steps (config, get_spin_uint (self->steps_spin));
  config->batch_size = get_spin_uint (self->batch_spin);
  config->seed = (guint64) gtk_spin_button_get_value (self->seed_spin);
  config->diag_every = get_spin_uint (self->diag_every_spin);

  options->null_law = (QksDiagNull) adw_combo_row_get_selected (self->null_row);
  options->estimator = (QksSigmaEstimator) adw_combo_row_get_selected (self->estimator_row);

  /* In the order of the rows, so the message names the topmost problem. */
  if ((problem = kv_groups_problem (self)) != NULL ||
      (problem = rope_dim_problem (self)) != NULL ||
      (problem = learning_rate_problem (self, &learning_rate)) != NULL)
    {
      g_set_error_literal (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID, problem);
      qks_train_config_clear (config);
      return FALSE;
    }
  config->optim.learning_rate = learning_rate;

  if (config->dataset == QKS_DATASET_FILE && config->text_path == NULL)
    {
      g_set_error_literal (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID,
                           _("Choose a text file to train on"));
      qks_train_config_clear (config);
      return FALSE;
    }

  /* Anything the rows cannot get wrong on their own, core checks. */
  if (!qks_train_config_validate (config, error))
    {
      qks_train_config_clear (config);
      return FALSE;
    }
  return TRUE;
}

/* Showing the state ----------------------------------------------------- */

static void
show_row_problem (AdwActionRow *row,
                  GtkWidget    *field,
                  const char   *subtitle,
                  const char   *problem)
{
  if (problem != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      if (field != NULL)
        gtk_widget_add_css_class (field, "error");
      adw_action_row_set_subtitle (row, problem);
      gtk_widget_set_tooltip_text (GTK_WIDGET (row), problem);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
      if (field != NULL)
        gtk_widget_remove_css_class (field, "error");
      adw_action_row_set_subtitle (row, subtitle);
      gtk_widget_set_tooltip_text (GTK_WIDGET (row), NULL);
    }
}

static char *
describe_sizes (const QksModelConfig *model)
{
  g_autofree char *layers = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u layer", "%u layers",
                                                          model->n_layers), model->n_layers);
  g_autofree char *heads = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u head", "%u heads",
                                                         model->n_heads), model->n_heads);

  /* Translators: the model's sizes: "4 layers, 4 heads, width 128" */
  return g_strdup_printf (_("%s, %s, width %u"), layers, heads, model->d_model);
}

static void
set_problem (QksSetupPane *self,
             const char   *problem)
{
  gboolean was_valid = self->problem == NULL;

  if (g_strcmp0 (problem, self->problem) == 0)
    return;
  g_free (self->problem);
  self->problem = g_strdup (problem);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
  if (was_valid != (problem == NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
}

/* Brings every subtitle, row visibility and problem in line with the rows. */
static void
update_rows (QksSetupPane *self)
{
  const QksModelConfig *sizes = &self->base.model;
  QksAttnKind kind = get_variant (self);
  gboolean mla = kind == QKS_ATTN_MLA_PREROPE || kind == QKS_ATTN_MLA_DECOUPLED;
  g_autofree char *sizes_text = describe_sizes (sizes);
  g_autofree char *kv_groups_text = NULL;
  g_autofree char *rope_dim_text = NULL;
  g_autofree char *rank_text = NULL;
  g_autofree char *lr_text = NULL;
  g_autofree char *batch_text = NULL;
  g_autofree char *problem = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(QksTrainConfig) config = { 0 };
  QksDiagOptions options;
  QksDatasetKind dataset = get_dataset (self);
  guint mode = adw_combo_row_get_selected (self->rope_mode_row);
  guint init = adw_combo_row_get_selected (self->lrkv_init_row);
  guint null_law = adw_combo_row_get_selected (self->null_row);
  guint estimator = adw_combo_row_get_selected (self->estimator_row);

  /* Only the chosen variant's own settings are shown. */
  gtk_widget_set_visible (GTK_WIDGET (self->kv_groups_row), kind == QKS_ATTN_GQA);
  gtk_widget_set_visible (GTK_WIDGET (self->latent_kv_row), mla);
  gtk_widget_set_visible (GTK_WIDGET (self->latent_q_row), mla);
  gtk_widget_set_visible (GTK_WIDGET (self->rope_dim_row), kind == QKS_ATTN_MLA_DECOUPLED);
  gtk_widget_set_visible (GTK_WIDGET (self->rope_mode_row), kind == QKS_ATTN_MLA_PREROPE);
  gtk_widget_set_visible (GTK_WIDGET (self->lrkv_rank_row), kind == QKS_ATTN_LRKV);
  gtk_widget_set_visible (GTK_WIDGET (self->lrkv_init_row), kind == QKS_ATTN_LRKV);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->preset_row), sizes_text);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->variant_row), _(variant_summaries[kind]));
  if (mode < G_N_ELEMENTS (rope_mode_summaries))
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->rope_mode_row), _(rope_mode_summaries[mode]));
  if (init < G_N_ELEMENTS (lrkv_init_summaries))
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->lrkv_init_row), _(lrkv_init_summaries[init]));
  if (null_law < QKS_DIAG_N_NULLS)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->null_row),
                                 qks_diag_choices_get_null_summary ((QksDiagNull) null_law));
  if (estimator < QKS_SIGMA_N_ESTIMATORS)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->estimator_row),
                                 qks_diag_choices_get_estimator_summary ((QksSigmaEstimator) estimator));

  if (dataset == QKS_DATASET_FILE && self->text_file != NULL)
    {
      g_autofree char *name = g_file_get_basename (self->text_file);
      g_autofree char *display = g_filename_display_name (name);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->dataset_row), display);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->dataset_row), g_file_peek_path (self->text_file));
    }
  else
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->dataset_row), qks_dataset_kind_get_summary (dataset));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->dataset_row), NULL);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->choose_file_button), dataset == QKS_DATASET_FILE);

  kv_groups_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                 "Groups sharing keys and values; divides %u head",
                                                 "Groups sharing keys and values; divides %u heads",
                                                 sizes->n_heads),
                                    sizes->n_heads);
  problem = kv_groups_problem (self);
  show_row_problem (self->kv_groups_row, GTK_WIDGET (self->kv_groups_spin), kv_groups_text, problem);
  g_clear_pointer (&problem, g_free);

  rope_dim_text = g_strdup_printf (_("d_h^R, per-head width for position; even, up to %u"),
                                   sizes->d_head);
  problem = rope_dim_problem (self);
  show_row_problem (self->rope_dim_row, GTK_WIDGET (self->rope_dim_spin), rope_dim_text, problem);
  g_clear_pointer (&problem, g_free);

  rank_text = g_strdup_printf (_("r, the rank of each head’s own part; up to %u"), sizes->d_head);
  adw_action_row_set_subtitle (self->lrkv_rank_row, rank_text);

  lr_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Peak, after %u warm-up step",
                                          "Peak, after %u warm-up steps",
                                          self->base.optim.warmup_steps),
                             self->base.optim.warmup_steps);
  problem = learning_rate_problem (self, NULL);
  show_row_problem (self->lr_row, GTK_WIDGET (self->lr_entry), lr_text, problem);
  g_clear_pointer (&problem, g_free);

  batch_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u-byte sequences per step",
                                             "%u-byte sequences per step", sizes->seq_len),
                                sizes->seq_len);
  adw_action_row_set_subtitle (self->batch_row, batch_text);

  if (collect_config (self, &config, &options, &error))
    set_problem (self, NULL);
  else
    set_problem (self, error->message);
}

/* Puts the variant settings of @model into their rows, with ranges that
 * fit the model's sizes. */
static void
show_variant_settings (QksSetupPane         *self,
                       const QksModelConfig *model)
{
  self->updating++;
  gtk_spin_button_set_range (self->kv_groups_spin, 1, MAX (model->n_heads, 1));
  gtk_spin_button_set_value (self->kv_groups_spin, model->n_kv_groups);
  /* A latent wider than the model is allowed, if pointless; keep a run's. */
  gtk_spin_button_set_range (self->latent_kv_spin, 1, MAX (model->d_model, model->d_latent_kv));
  gtk_spin_button_set_value (self->latent_kv_spin, model->d_latent_kv);
  gtk_spin_button_set_range (self->latent_q_spin, 1, MAX (model->d_model, model->d_latent_q));
  gtk_spin_button_set_value (self->latent_q_spin, model->d_latent_q);
  gtk_spin_button_set_range (self->rope_dim_spin, 0, MAX (model->d_head, model->d_rope));
  gtk_spin_button_set_value (self->rope_dim_spin, model->d_rope);
  gtk_spin_button_set_range (self->lrkv_rank_spin, 0, model->d_head);
  gtk_spin_button_set_value (self->lrkv_rank_spin, model->lrkv_rank);
  adw_combo_row_set_selected (self->rope_mode_row, model->mla_rope_mode);
  adw_combo_row_set_selected (self->lrkv_init_row, model->lrkv_init);
  self->updating--;
}

/* A new size or variant brings core's defaults for the variant's settings. */
static void
reset_variant_settings (QksSetupPane *self)
{
  QksModelConfig model = self->base.model;

  qks_model_config_set_attention (&model, get_variant (self));
  show_variant_settings (self, &model);
}

/* The "Custom" size appears only once a run with its own sizes was shown. */
static void
add_custom_sizes (QksSetupPane         *self,
                  const QksModelConfig *model)
{
  self->custom_sizes = *model;
  if (!self->has_custom_sizes)
    {
      gtk_string_list_append (self->preset_list, C_("model size", "Custom"));
      self->has_custom_sizes = TRUE;
    }
}

/* The user's changes ---------------------------------------------------- */

static void
on_preset_selected (QksSetupPane *self)
{
  guint selected = adw_combo_row_get_selected (self->preset_row);
  guint n_presets = count_presets ();

  if (self->updating)
    return;
  if (selected < n_presets)
    qks_model_config_init_preset (&self->base.model, qks_model_config_get_presets ()[selected], NULL);
  else if (self->has_custom_sizes)
    self->base.model = self->custom_sizes;
  reset_variant_settings (self);
  update_rows (self);
}

static void
on_variant_selected (QksSetupPane *self)
{
  if (self->updating)
    return;
  reset_variant_settings (self);
  update_rows (self);
}

static void
on_row_changed (QksSetupPane *self)
{
  if (self->updating)
    return;
  update_rows (self);
}

static void
on_file_chooser_response (GtkNativeDialog *chooser,
                          int              response,
                          QksSetupPane    *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      /* Training reads the file by its path, so it must have one. */
      if (file != NULL && g_file_peek_path (file) != NULL)
        g_set_object (&self->text_file, file);
    }

  self->updating++;
  if (self->text_file != NULL)
    adw_combo_row_set_selected (self->dataset_row, QKS_DATASET_FILE);
  else
    adw_combo_row_set_selected (self->dataset_row, self->previous_dataset);
  self->updating--;
  if (self->text_file != NULL)
    self->previous_dataset = QKS_DATASET_FILE;

  g_clear_object (&self->file_chooser);
  update_rows (self);
}

static void
choose_text_file (QksSetupPane *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GtkFileFilter) text_filter = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all_filter = gtk_file_filter_new ();

  if (self->file_chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->file_chooser));
      return;
    }

  self->file_chooser = gtk_file_chooser_native_new (_("Choose a Text File"),
                                                    GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                    GTK_FILE_CHOOSER_ACTION_OPEN,
                                                    _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->file_chooser), TRUE);

  /* Any file trains (the model reads bytes); text is what most people mean. */
  gtk_file_filter_set_name (text_filter, _("Text Files"));
  gtk_file_filter_add_mime_type (text_filter, "text/*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->file_chooser), text_filter);
  gtk_file_filter_set_name (all_filter, _("All Files"));
  gtk_file_filter_add_pattern (all_filter, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->file_chooser), all_filter);
  if (self->text_file != NULL)
    gtk_file_chooser_set_file (GTK_FILE_CHOOSER (self->file_chooser), self->text_file, NULL);

  g_signal_connect (self->file_chooser, "response", G_CALLBACK (on_file_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->file_chooser));
}

static void
on_dataset_selected (QksSetupPane *self)
{
  QksDatasetKind dataset = get_dataset (self);

  if (self->updating)
    return;
  /* A file chosen before is taken again; the row's button picks another. */
  if (dataset == QKS_DATASET_FILE && self->text_file == NULL)
    choose_text_file (self);
  else
    self->previous_dataset = dataset;
  update_rows (self);
}

/* Rows still at the old default follow a new one from the preferences; a
 * value the user chose, or a run's own, stays. */
static void
on_settings_changed (QksSetupPane *self,
                     const char   *key)
{
  guint old_diag_every = self->default_diag_every;
  QksDiagNull old_null_law = self->default_null_law;
  QksSigmaEstimator old_estimator = self->default_estimator;

  qks_diag_choices_get_defaults (self->settings, &self->default_diag_every,
                                 &self->default_null_law, &self->default_estimator);

  self->updating++;
  if (get_spin_uint (self->diag_every_spin) == old_diag_every)
    gtk_spin_button_set_value (self->diag_every_spin, self->default_diag_every);
  if (adw_combo_row_get_selected (self->null_row) == old_null_law)
    adw_combo_row_set_selected (self->null_row, self->default_null_law);
  if (adw_combo_row_get_selected (self->estimator_row) == old_estimator)
    adw_combo_row_set_selected (self->estimator_row, self->default_estimator);
  self->updating--;

  update_rows (self);
}

/* Public API ------------------------------------------------------------ */

/**
 * qks_setup_pane_get_valid:
 *
 * Returns: whether the rows make a run that can start; the window keeps its
 *   Start button insensitive otherwise (bind to the "valid" property).
 */
gboolean
qks_setup_pane_get_valid (QksSetupPane *self)
{
  g_return_val_if_fail (QKS_IS_SETUP_PANE (self), FALSE);

  return self->problem == NULL;
}

/**
 * qks_setup_pane_get_problem:
 *
 * Returns: (nullable): why the rows make no valid run, for a tooltip on
 *   the Start button, or %NULL when they do.
 */
const char *
qks_setup_pane_get_problem (QksSetupPane *self)
{
  g_return_val_if_fail (QKS_IS_SETUP_PANE (self), NULL);

  return self->problem;
}

/**
 * qks_setup_pane_get_config:
 * @config: (out caller-allocates): filled on success; the caller clears it
 * @options: (out caller-allocates): the diagnostics' options
 *
 * Returns: %TRUE, or %FALSE with an error naming the row's problem, such as
 *   "KV groups must divide the 8 heads".
 */
gboolean
qks_setup_pane_get_config (QksSetupPane    *self,
                           QksTrainConfig  *config,
                           QksDiagOptions  *options,
                           GError         **error)
{
  g_return_val_if_fail (QKS_IS_SETUP_PANE (self), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  return collect_config (self, config, options, error);
}

/**
 * qks_setup_pane_set_config:
 * @options: (nullable): a run's diagnostic options, or %NULL to keep the rows'
 *
 * Shows a run's configuration in the rows, as when a run is opened to be
 * resumed. Settings that no row shows are kept and come back from
 * qks_setup_pane_get_config().
 */
void
qks_setup_pane_set_config (QksSetupPane         *self,
                           const QksTrainConfig *config,
                           const QksDiagOptions *options)
{
  QksTrainConfig copy;
  const char *preset;
  g_autofree char *learning_rate = NULL;

  g_return_if_fail (QKS_IS_SETUP_PANE (self));
  g_return_if_fail (config != NULL);

  /* Copied first: @config may be the pane's own base. */
  qks_train_config_copy (&copy, config);
  qks_train_config_clear (&self->base);
  self->base = copy;
  if (options != NULL)
    self->base_options = *options;

  self->updating++;

  preset = qks_model_config_find_preset (&config->model);
  if (preset != NULL)
    {
      const char * const *names = qks_model_config_get_presets ();

      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], preset))
          adw_combo_row_set_selected (self->preset_row, i);
    }
  else
    {
      add_custom_sizes (self, &config->model);
      adw_combo_row_set_selected (self->preset_row, count_presets ());
    }
  adw_combo_row_set_selected (self->variant_row, config->model.attention);
  show_variant_settings (self, &config->model);

  if (config->dataset == QKS_DATASET_FILE && config->text_path != NULL)
    {
      g_clear_object (&self->text_file);
      self->text_file = g_file_new_for_path (config->text_path);
      self->previous_dataset = QKS_DATASET_FILE;
    }
  else if (config->dataset != QKS_DATASET_FILE)
    self->previous_dataset = config->dataset;
  adw_combo_row_set_selected (self->dataset_row, self->previous_dataset);

  gtk_spin_button_set_value (self->steps_spin, config->steps);
  learning_rate = format_learning_rate (config->optim.learning_rate);
  gtk_editable_set_text (GTK_EDITABLE (self->lr_entry), learning_rate);
  gtk_spin_button_set_value (self->batch_spin, config->batch_size);
  gtk_spin_button_set_value (self->seed_spin, (double) config->seed);
  gtk_spin_button_set_value (self->diag_every_spin, config->diag_every);
  if (options != NULL)
    {
      adw_combo_row_set_selected (self->null_row, options->null_law);
      adw_combo_row_set_selected (self->estimator_row, options->estimator);
    }

  self->updating--;
  update_rows (self);
}

/* GObject --------------------------------------------------------------- */

static void
fill_lists (QksSetupPane *self)
{
  const char * const *presets = qks_model_config_get_presets ();
  g_autoptr(GtkStringList) variants = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) datasets = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) null_laws = qks_diag_choices_new_null_list ();
  g_autoptr(GtkStringList) estimators = qks_diag_choices_new_estimator_list ();

  self->preset_list = gtk_string_list_new (NULL);
  for (guint i = 0; presets[i] != NULL; i++)
    gtk_string_list_append (self->preset_list, qks_model_preset_get_label (presets[i]));
  adw_combo_row_set_model (self->preset_row, G_LIST_MODEL (self->preset_list));

  for (guint i = 0; i < QKS_ATTN_N_KINDS; i++)
    gtk_string_list_append (variants, qks_attn_kind_get_label ((QksAttnKind) i));
  adw_combo_row_set_model (self->variant_row, G_LIST_MODEL (variants));

  /* In QksDatasetKind's order, the file last. */
  for (guint i = 0; i < QKS_DATASET_FILE; i++)
    gtk_string_list_append (datasets, qks_dataset_kind_get_label ((QksDatasetKind) i));
  gtk_string_list_append (datasets, _("Text File…"));
  adw_combo_row_set_model (self->dataset_row, G_LIST_MODEL (datasets));

  adw_combo_row_set_model (self->null_row, G_LIST_MODEL (null_laws));
  adw_combo_row_set_model (self->estimator_row, G_LIST_MODEL (estimators));

  qks_combo_row_show_whole_value (self->preset_row);
  qks_combo_row_show_whole_value (self->variant_row);
  qks_combo_row_show_whole_value (self->rope_mode_row);
  qks_combo_row_show_whole_value (self->lrkv_init_row);
  qks_combo_row_show_whole_value (self->dataset_row);
  qks_combo_row_show_whole_value (self->null_row);
  qks_combo_row_show_whole_value (self->estimator_row);
}

static void
qks_setup_pane_dispose (GObject *object)
{
  QksSetupPane *self = QKS_SETUP_PANE (object);

  /* Rows going away are no change of the user's. */
  self->updating++;
  if (self->file_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->file_chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->file_chooser));
      g_clear_object (&self->file_chooser);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), QKS_TYPE_SETUP_PANE);
  g_clear_object (&self->preset_list);
  g_clear_object (&self->settings);
  g_clear_object (&self->text_file);

  G_OBJECT_CLASS (qks_setup_pane_parent_class)->dispose (object);
}

static void
qks_setup_pane_finalize (GObject *object)
{
  QksSetupPane *self = QKS_SETUP_PANE (object);

  qks_train_config_clear (&self->base);
  g_free (self->problem);

  G_OBJECT_CLASS (qks_setup_pane_parent_class)->finalize (object);
}

static void
qks_setup_pane_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  QksSetupPane *self = QKS_SETUP_PANE (object);

  switch (prop_id)
    {
    case PROP_VALID:
      g_value_set_boolean (value, qks_setup_pane_get_valid (self));
      break;

    case PROP_PROBLEM:
      g_value_set_string (value, qks_setup_pane_get_problem (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qks_setup_pane_class_init (QksSetupPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qks_setup_pane_dispose;
  object_class->finalize = qks_setup_pane_finalize;
  object_class->get_property = qks_setup_pane_get_property;

  /**
   * QksSetupPane:valid:
   *
   * Whether the rows make a run that can start.
   */
  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL,
                          TRUE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * QksSetupPane:problem:
   *
   * Why the rows make no valid run, or %NULL.
   */
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/qks-setup-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, page);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, preset_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, variant_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, kv_groups_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, kv_groups_spin);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, latent_kv_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, latent_kv_spin);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, latent_q_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, latent_q_spin);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, rope_dim_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, rope_dim_spin);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, rope_mode_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, lrkv_rank_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, lrkv_rank_spin);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, lrkv_init_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, dataset_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, choose_file_button);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, steps_spin);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, lr_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, lr_entry);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, batch_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, batch_spin);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, diag_every_spin);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, null_row);
  gtk_widget_class_bind_template_child (widget_class, QksSetupPane, estimator_row);
  gtk_widget_class_bind_template_callback (widget_class, on_preset_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_variant_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_dataset_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_row_changed);
  gtk_widget_class_bind_template_callback (widget_class, choose_text_file);
}

static void
qks_setup_pane_init (QksSetupPane *self)
{
  QksTrainConfig defaults;
  QksDiagOptions default_options;

  /* Rows filled in code are not the user's changes. */
  self->updating++;
  gtk_widget_init_template (GTK_WIDGET (self));
  fill_lists (self);
  qks_diag_choices_setup_interval_spin (self->diag_every_spin);

  self->settings = g_settings_new (APPLICATION_ID);
  qks_diag_choices_get_defaults (self->settings, &self->default_diag_every,
                                 &self->default_null_law, &self->default_estimator);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_settings_changed),
                           self, G_CONNECT_SWAPPED);

  /* A new run: core's defaults, and the diagnostics the user prefers. */
  qks_train_config_init_defaults (&defaults);
  defaults.diag_every = self->default_diag_every;
  self->updating--;
  qks_diag_options_init (&default_options);
  default_options.null_law = self->default_null_law;
  default_options.estimator = self->default_estimator;
  self->previous_dataset = defaults.dataset;
  qks_setup_pane_set_config (self, &defaults, &default_options);
  qks_train_config_clear (&defaults);
}
