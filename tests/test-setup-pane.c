/* test-setup-pane.c: the setup pane and the preferences, under Xvfb
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "qks-preferences-window.h"
#include "qks-setup-pane.h"

/* Every row that belongs to one variant, and the variants it belongs to. */
static const struct
{
  const char *name;
  gboolean    shown[QKS_ATTN_N_KINDS];
} variant_rows[] = {
  /*                            MHA    GQA    MQA    PreRoPE Decoupled LRKV */
  { "kv_groups_row",     { FALSE, TRUE,  FALSE, FALSE, FALSE, FALSE } },
  { "latent_kv_row",     { FALSE, FALSE, FALSE, TRUE,  TRUE,  FALSE } },
  { "latent_q_row",      { FALSE, FALSE, FALSE, TRUE,  TRUE,  FALSE } },
  { "rope_dim_row",      { FALSE, FALSE, FALSE, FALSE, TRUE,  FALSE } },
  { "rope_mode_row",     { FALSE, FALSE, FALSE, TRUE,  FALSE, FALSE } },
  { "lrkv_rank_row",     { FALSE, FALSE, FALSE, FALSE, FALSE, TRUE  } },
  { "lrkv_init_row",     { FALSE, FALSE, FALSE, FALSE, FALSE, TRUE  } },
};

static QksSetupPane *
new_pane (void)
{
  return g_object_ref_sink (qks_setup_pane_new ());
}

static gpointer
child (gpointer    widget,
       GType       type,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (object);
  return object;
}

#define PANE_CHILD(pane, name) child ((pane), QKS_TYPE_SETUP_PANE, (name))
#define PREFERENCES_CHILD(window, name) child ((window), QKS_TYPE_PREFERENCES_WINDOW, (name))

/* Lets GSettings deliver its change notifications. */
static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static GSettings *
reset_settings (void)
{
  GSettings *settings = g_settings_new (APPLICATION_ID);

  g_settings_reset (settings, "diag-every");
  g_settings_reset (settings, "null-law");
  g_settings_reset (settings, "estimator");
  drain_main_context ();
  return settings;
}

static guint
preset_index (const char *name)
{
  const char * const *presets = qks_model_config_get_presets ();

  for (guint i = 0; presets[i] != NULL; i++)
    if (g_str_equal (presets[i], name))
      return i;
  g_assert_not_reached ();
}

static void
assert_models_equal (const QksModelConfig *a,
                     const QksModelConfig *b)
{
  g_assert_cmpuint (a->vocab_size, ==, b->vocab_size);
  g_assert_cmpuint (a->d_model, ==, b->d_model);
  g_assert_cmpuint (a->n_layers, ==, b->n_layers);
  g_assert_cmpuint (a->n_heads, ==, b->n_heads);
  g_assert_cmpuint (a->d_head, ==, b->d_head);
  g_assert_cmpuint (a->d_mlp, ==, b->d_mlp);
  g_assert_cmpuint (a->seq_len, ==, b->seq_len);
  g_assert_cmpfloat (a->rope_base, ==, b->rope_base);
  g_assert_cmpint (a->attention, ==, b->attention);
  g_assert_cmpuint (a->n_kv_groups, ==, b->n_kv_groups);
  g_assert_cmpuint (a->d_latent_kv, ==, b->d_latent_kv);
  g_assert_cmpuint (a->d_latent_q, ==, b->d_latent_q);
  g_assert_cmpuint (a->d_rope, ==, b->d_rope);
  g_assert_cmpint (a->mla_rope_mode, ==, b->mla_rope_mode);
  g_assert_cmpuint (a->lrkv_rank, ==, b->lrkv_rank);
  g_assert_cmpint (a->lrkv_init, ==, b->lrkv_init);
}

static void
assert_configs_equal (const QksTrainConfig *a,
                      const QksTrainConfig *b)
{
  assert_models_equal (&a->model, &b->model);
  g_assert_cmpfloat (a->optim.learning_rate, ==, b->optim.learning_rate);
  g_assert_cmpfloat (a->optim.beta1, ==, b->optim.beta1);
  g_assert_cmpfloat (a->optim.beta2, ==, b->optim.beta2);
  g_assert_cmpfloat (a->optim.weight_decay, ==, b->optim.weight_decay);
  g_assert_cmpuint (a->optim.warmup_steps, ==, b->optim.warmup_steps);
  g_assert_cmpuint (a->optim.total_steps, ==, b->optim.total_steps);
  g_assert_cmpfloat (a->optim.min_lr_ratio, ==, b->optim.min_lr_ratio);
  g_assert_cmpfloat (a->optim.grad_clip, ==, b->optim.grad_clip);
  g_assert_cmpint (a->dataset, ==, b->dataset);
  g_assert_cmpstr (a->text_path, ==, b->text_path);
  g_assert_cmpuint (a->corpus_bytes, ==, b->corpus_bytes);
  g_assert_cmpfloat (a->validation_fraction, ==, b->validation_fraction);
  g_assert_cmpuint (a->batch_size, ==, b->batch_size);
  g_assert_cmpuint (a->steps, ==, b->steps);
  g_assert_cmpuint (a->seed, ==, b->seed);
  g_assert_cmpuint (a->eval_every, ==, b->eval_every);
  g_assert_cmpuint (a->eval_batches, ==, b->eval_batches);
  g_assert_cmpuint (a->checkpoint_every, ==, b->checkpoint_every);
  g_assert_cmpstr (a->output_dir, ==, b->output_dir);
  g_assert_cmpint (a->threads, ==, b->threads);
  g_assert_cmpuint (a->diag_every, ==, b->diag_every);
}

static void
assert_options_equal (const QksDiagOptions *a,
                      const QksDiagOptions *b)
{
  g_assert_cmpint (a->null_law, ==, b->null_law);
  g_assert_cmpint (a->estimator, ==, b->estimator);
  g_assert_cmpfloat (a->quantile, ==, b->quantile);
  g_assert_cmpuint (a->mc_draws, ==, b->mc_draws);
  g_assert_cmpint (a->cross_gram, ==, b->cross_gram);
  g_assert_cmpint (a->ov, ==, b->ov);
  g_assert_cmpint (a->weightwatcher, ==, b->weightwatcher);
  g_assert_cmpint (a->rand_distance, ==, b->rand_distance);
  g_assert_cmpuint (a->seed, ==, b->seed);
  g_assert_cmpint (a->background, ==, b->background);
}

static void
get_valid_config (QksSetupPane   *pane,
                  QksTrainConfig *config,
                  QksDiagOptions *options)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (qks_setup_pane_get_config (pane, config, options, &error));
  g_assert_no_error (error);
  g_assert_true (qks_setup_pane_get_valid (pane));
  g_assert_null (qks_setup_pane_get_problem (pane));
}

/* The schema's defaults are core's, so a fresh pane shows core's run. */
static void
test_schema_defaults_are_core_defaults (void)
{
  g_autoptr(GSettings) settings = reset_settings ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GVariant) diag_every = NULL;
  g_autoptr(GVariant) null_law = NULL;
  g_autoptr(GVariant) estimator = NULL;
  g_auto(QksTrainConfig) defaults = { 0 };
  QksDiagOptions default_options;

  g_object_get (settings, "settings-schema", &schema, NULL);
  diag_every = g_settings_schema_key_get_default_value (g_settings_schema_get_key (schema, "diag-every"));
  null_law = g_settings_schema_key_get_default_value (g_settings_schema_get_key (schema, "null-law"));
  estimator = g_settings_schema_key_get_default_value (g_settings_schema_get_key (schema, "estimator"));

  qks_train_config_init_defaults (&defaults);
  qks_diag_options_init (&default_options);
  g_assert_cmpuint (g_variant_get_uint32 (diag_every), ==, defaults.diag_every);
  g_assert_cmpstr (g_variant_get_string (null_law, NULL), ==, qks_diag_null_to_string (default_options.null_law));
  g_assert_cmpstr (g_variant_get_string (estimator, NULL), ==, qks_sigma_estimator_to_string (default_options.estimator));

  /* Every null law and estimator core knows is a choice of the schema. */
  for (guint i = 0; i < QKS_DIAG_N_NULLS; i++)
    g_assert_true (g_settings_schema_key_range_check (g_settings_schema_get_key (schema, "null-law"),
                                                      g_variant_new_string (qks_diag_null_to_string (i))));
  for (guint i = 0; i < QKS_SIGMA_N_ESTIMATORS; i++)
    g_assert_true (g_settings_schema_key_range_check (g_settings_schema_get_key (schema, "estimator"),
                                                      g_variant_new_string (qks_sigma_estimator_to_string (i))));
}

static void
test_new_pane_shows_defaults (void)
{
  g_autoptr(GSettings) settings = reset_settings ();
  g_autoptr(QksSetupPane) pane = new_pane ();
  g_auto(QksTrainConfig) config = { 0 };
  g_auto(QksTrainConfig) defaults = { 0 };
  QksDiagOptions options, default_options;

  get_valid_config (pane, &config, &options);
  qks_train_config_init_defaults (&defaults);
  qks_diag_options_init (&default_options);
  assert_configs_equal (&config, &defaults);
  assert_options_equal (&options, &default_options);

  /* The variant's own rows are hidden for MHA, and so is the file button. */
  for (guint r = 0; r < G_N_ELEMENTS (variant_rows); r++)
    g_assert_false (gtk_widget_get_visible (PANE_CHILD (pane, variant_rows[r].name)));
  g_assert_false (gtk_widget_get_visible (PANE_CHILD (pane, "choose_file_button")));
}

static void
test_each_variant_shows_its_rows (void)
{
  g_autoptr(GSettings) settings = reset_settings ();
  g_autoptr(QksSetupPane) pane = new_pane ();
  const char * const *presets = qks_model_config_get_presets ();

  for (guint p = 0; presets[p] != NULL; p++)
    for (guint kind = 0; kind < QKS_ATTN_N_KINDS; kind++)
      {
        g_auto(QksTrainConfig) config = { 0 };
        QksModelConfig expected;
        QksDiagOptions options;

        adw_combo_row_set_selected (PANE_CHILD (pane, "preset_row"), p);
        adw_combo_row_set_selected (PANE_CHILD (pane, "variant_row"), kind);

        for (guint r = 0; r < G_N_ELEMENTS (variant_rows); r++)
          {
            if (g_test_verbose ())
              g_test_message ("%s: %s", qks_attn_kind_to_string (kind), variant_rows[r].name);
            g_assert_cmpint (gtk_widget_get_visible (PANE_CHILD (pane, variant_rows[r].name)), ==,
                             variant_rows[r].shown[kind]);
          }

        /* The variant's settings are core's defaults for these sizes. */
        g_assert_true (qks_model_config_init_preset (&expected, presets[p], NULL));
        qks_model_config_set_attention (&expected, kind);
        get_valid_config (pane, &config, &options);
        assert_models_equal (&config.model, &expected);
      }
}

static void
test_chosen_values_come_back (void)
{
  g_autoptr(GSettings) settings = reset_settings ();
  g_autoptr(QksSetupPane) pane = new_pane ();
  g_auto(QksTrainConfig) config = { 0 };
  QksModelConfig small;
  QksDiagOptions options;

  adw_combo_row_set_selected (PANE_CHILD (pane, "preset_row"), preset_index ("small"));
  adw_combo_row_set_selected (PANE_CHILD (pane, "variant_row"), QKS_ATTN_GQA);
  gtk_spin_button_set_value (PANE_CHILD (pane, "kv_groups_spin"), 4);
  adw_combo_row_set_selected (PANE_CHILD (pane, "dataset_row"), QKS_DATASET_RECALL);
  gtk_spin_button_set_value (PANE_CHILD (pane, "steps_spin"), 345);
  gtk_editable_set_text (PANE_CHILD (pane, "lr_entry"), "1.5e-3");
  gtk_spin_button_set_value (PANE_CHILD (pane, "batch_spin"), 4);
  gtk_spin_button_set_value (PANE_CHILD (pane, "seed_spin"), 99);
  gtk_spin_button_set_value (PANE_CHILD (pane, "diag_every_spin"), 20);
  adw_combo_row_set_selected (PANE_CHILD (pane, "null_row"), QKS_DIAG_NULL_CHAIN);
  adw_combo_row_set_selected (PANE_CHILD (pane, "estimator_row"), QKS_SIGMA_E3_TRIMMED);

  get_valid_config (pane, &config, &options);
  g_assert_true (qks_model_config_init_preset (&small, "small", NULL));
  g_assert_cmpuint (config.model.d_model, ==, small.d_model);
  g_assert_cmpuint (config.model.n_layers, ==, small.n_layers);
  g_assert_cmpuint (config.model.n_heads, ==, small.n_heads);
  g_assert_cmpuint (config.model.seq_len, ==, small.seq_len);
  g_assert_cmpint (config.model.attention, ==, QKS_ATTN_GQA);
  g_assert_cmpuint (config.model.n_kv_groups, ==, 4);
  g_assert_cmpint (config.dataset, ==, QKS_DATASET_RECALL);
  g_assert_null (config.text_path);
  g_assert_cmpuint (config.steps, ==, 345);
  g_assert_cmpuint (config.optim.total_steps, ==, 345);   /* the cosine ends with the run */
  g_assert_cmpfloat (config.optim.learning_rate, ==, 1.5e-3);
  g_assert_cmpuint (config.batch_size, ==, 4);
  g_assert_cmpuint (config.seed, ==, 99);
  g_assert_cmpuint (config.diag_every, ==, 20);
  g_assert_cmpint (options.null_law, ==, QKS_DIAG_NULL_CHAIN);
  g_assert_cmpint (options.estimator, ==, QKS_SIGMA_E3_TRIMMED);
  qks_train_config_clear (&config);

  /* MLA-Decoupled's and LRKV's own settings. */
  adw_combo_row_set_selected (PANE_CHILD (pane, "variant_row"), QKS_ATTN_MLA_DECOUPLED);
  gtk_spin_button_set_value (PANE_CHILD (pane, "latent_kv_spin"), 40);
  gtk_spin_button_set_value (PANE_CHILD (pane, "latent_q_spin"), 72);
  gtk_spin_button_set_value (PANE_CHILD (pane, "rope_dim_spin"), 8);
  get_valid_config (pane, &config, &options);
  g_assert_cmpint (config.model.attention, ==, QKS_ATTN_MLA_DECOUPLED);
  g_assert_cmpuint (config.model.d_latent_kv, ==, 40);
  g_assert_cmpuint (config.model.d_latent_q, ==, 72);
  g_assert_cmpuint (config.model.d_rope, ==, 8);
  qks_train_config_clear (&config);

  adw_combo_row_set_selected (PANE_CHILD (pane, "variant_row"), QKS_ATTN_MLA_PREROPE);
  adw_combo_row_set_selected (PANE_CHILD (pane, "rope_mode_row"), QKS_MLA_ROPE_ROTATE_THEN_COMPRESS);
  get_valid_config (pane, &config, &options);
  g_assert_cmpint (config.model.mla_rope_mode, ==, QKS_MLA_ROPE_ROTATE_THEN_COMPRESS);
  qks_train_config_clear (&config);

  adw_combo_row_set_selected (PANE_CHILD (pane, "variant_row"), QKS_ATTN_LRKV);
  gtk_spin_button_set_value (PANE_CHILD (pane, "lrkv_rank_spin"), 3);
  adw_combo_row_set_selected (PANE_CHILD (pane, "lrkv_init_row"), QKS_LRKV_INIT_ZERO_B);
  get_valid_config (pane, &config, &options);
  g_assert_cmpint (config.model.attention, ==, QKS_ATTN_LRKV);
  g_assert_cmpuint (config.model.lrkv_rank, ==, 3);
  g_assert_cmpint (config.model.lrkv_init, ==, QKS_LRKV_INIT_ZERO_B);
  g_assert_true (qks_train_config_validate (&config, NULL));
  qks_train_config_clear (&config);

  /* No diagnostics: the interval reads "Off", typed or stepped to. */
  gtk_spin_button_set_value (PANE_CHILD (pane, "diag_every_spin"), 0);
  g_assert_cmpstr (gtk_editable_get_text (PANE_CHILD (pane, "diag_every_spin")), ==, "Off");
  get_valid_config (pane, &config, &options);
  g_assert_cmpuint (config.diag_every, ==, 0);
  qks_train_config_clear (&config);
  gtk_editable_set_text (PANE_CHILD (pane, "diag_every_spin"), "75");
  gtk_spin_button_update (PANE_CHILD (pane, "diag_every_spin"));
  gtk_editable_set_text (PANE_CHILD (pane, "diag_every_spin"), "Off");
  gtk_spin_button_update (PANE_CHILD (pane, "diag_every_spin"));
  get_valid_config (pane, &config, &options);
  g_assert_cmpuint (config.diag_every, ==, 0);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_invalid_groups_block_the_run (void)
{
  g_autoptr(GSettings) settings = reset_settings ();
  g_autoptr(QksSetupPane) pane = new_pane ();
  g_auto(QksTrainConfig) config = { 0 };
  g_autoptr(GError) error = NULL;
  QksModelConfig small;
  QksDiagOptions options;
  GtkWidget *row = PANE_CHILD (pane, "kv_groups_row");
  guint valid_notifications = 0;
  gboolean valid = TRUE;

  g_assert_true (qks_model_config_init_preset (&small, "small", NULL));
  g_assert_cmpuint (small.n_heads % 3, !=, 0);
  g_signal_connect (pane, "notify::valid", G_CALLBACK (count_notify), &valid_notifications);

  adw_combo_row_set_selected (PANE_CHILD (pane, "preset_row"), preset_index ("small"));
  adw_combo_row_set_selected (PANE_CHILD (pane, "variant_row"), QKS_ATTN_GQA);
  g_assert_true (qks_setup_pane_get_valid (pane));
  g_assert_cmpuint (valid_notifications, ==, 0);

  gtk_spin_button_set_value (PANE_CHILD (pane, "kv_groups_spin"), 3);
  g_object_get (pane, "valid", &valid, NULL);
  g_assert_false (valid);
  g_assert_cmpuint (valid_notifications, ==, 1);
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_nonnull (gtk_widget_get_tooltip_text (row));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, qks_setup_pane_get_problem (pane));

  g_assert_false (qks_setup_pane_get_config (pane, &config, &options, &error));
  g_assert_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "KV groups"));
  g_assert_nonnull (strstr (error->message, "8 heads"));
  g_assert_null (config.text_path);

  /* A divisor makes it valid again, and the row plain. */
  gtk_spin_button_set_value (PANE_CHILD (pane, "kv_groups_spin"), 2);
  g_assert_true (qks_setup_pane_get_valid (pane));
  g_assert_cmpuint (valid_notifications, ==, 2);
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_null (gtk_widget_get_tooltip_text (row));

  /* Hidden rows do not count: MHA ignores the group count. */
  gtk_spin_button_set_value (PANE_CHILD (pane, "kv_groups_spin"), 3);
  g_assert_false (qks_setup_pane_get_valid (pane));
  adw_combo_row_set_selected (PANE_CHILD (pane, "variant_row"), QKS_ATTN_MHA);
  g_assert_true (qks_setup_pane_get_valid (pane));
}

static void
test_invalid_learning_rate_and_rope_width (void)
{
  g_autoptr(GSettings) settings = reset_settings ();
  g_autoptr(QksSetupPane) pane = new_pane ();
  g_auto(QksTrainConfig) config = { 0 };
  QksDiagOptions options;
  GtkEditable *lr_entry = PANE_CHILD (pane, "lr_entry");
  const char *bad[] = { "", "abc", "0", "-1e-3", "12", "3e-4x", "nan", "inf" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      gtk_editable_set_text (lr_entry, bad[i]);
      g_assert_false (qks_setup_pane_get_valid (pane));
      g_assert_true (gtk_widget_has_css_class (PANE_CHILD (pane, "lr_row"), "error"));
      g_assert_false (qks_setup_pane_get_config (pane, &config, &options, &error));
      g_assert_nonnull (strstr (error->message, "learning rate"));
    }

  /* A decimal comma is read too, whatever the locale. */
  gtk_editable_set_text (lr_entry, "0,001");
  get_valid_config (pane, &config, &options);
  g_assert_cmpfloat (config.optim.learning_rate, ==, 0.001);
  qks_train_config_clear (&config);
  g_assert_false (gtk_widget_has_css_class (PANE_CHILD (pane, "lr_row"), "error"));

  /* RoPE rotates pairs, so an odd width is refused by name. */
  adw_combo_row_set_selected (PANE_CHILD (pane, "variant_row"), QKS_ATTN_MLA_DECOUPLED);
  gtk_spin_button_set_value (PANE_CHILD (pane, "rope_dim_spin"), 7);
  g_assert_false (qks_setup_pane_get_valid (pane));
  g_assert_true (gtk_widget_has_css_class (PANE_CHILD (pane, "rope_dim_row"), "error"));
  g_assert_nonnull (strstr (qks_setup_pane_get_problem (pane), "RoPE"));
}

static void
test_set_config_round_trips (void)
{
  g_autoptr(GSettings) settings = reset_settings ();
  g_autoptr(QksSetupPane) pane = new_pane ();

  for (guint kind = 0; kind < QKS_ATTN_N_KINDS; kind++)
    {
      g_auto(QksTrainConfig) run = { 0 };
      g_auto(QksTrainConfig) config = { 0 };
      QksDiagOptions run_options, options;

      /* A run with settings no row shows, and variant settings off their defaults. */
      qks_train_config_init_defaults (&run);
      g_assert_true (qks_model_config_init_preset (&run.model, "small", NULL));
      qks_model_config_set_attention (&run.model, kind);
      run.model.n_kv_groups = kind == QKS_ATTN_GQA ? 4 : run.model.n_kv_groups;
      run.model.d_latent_kv = kind == QKS_ATTN_MLA_PREROPE || kind == QKS_ATTN_MLA_DECOUPLED ? 48 : run.model.d_latent_kv;
      run.model.d_latent_q = kind == QKS_ATTN_MLA_PREROPE || kind == QKS_ATTN_MLA_DECOUPLED ? 80 : run.model.d_latent_q;
      run.model.d_rope = kind == QKS_ATTN_MLA_DECOUPLED ? 12 : run.model.d_rope;
      run.model.mla_rope_mode = kind == QKS_ATTN_MLA_PREROPE ? QKS_MLA_ROPE_ROTATE_THEN_COMPRESS : run.model.mla_rope_mode;
      run.model.lrkv_rank = kind == QKS_ATTN_LRKV ? 5 : run.model.lrkv_rank;
      run.model.lrkv_init = kind == QKS_ATTN_LRKV ? QKS_LRKV_INIT_ZERO_B : run.model.lrkv_init;
      run.dataset = QKS_DATASET_FILE;
      run.text_path = g_strdup ("/tmp/some notes.txt");
      qks_train_config_set_steps (&run, 2500);
      run.optim.learning_rate = 1.234e-4;
      run.optim.warmup_steps = 7;
      run.optim.beta2 = 0.99;
      run.batch_size = 16;
      run.seed = G_GUINT64_CONSTANT (4294967297);
      run.diag_every = 33;
      run.eval_every = 11;
      run.corpus_bytes = 123456;
      run.output_dir = g_strdup ("/tmp/out");
      qks_diag_options_init (&run_options);
      run_options.null_law = QKS_DIAG_NULL_MP;
      run_options.estimator = QKS_SIGMA_E1_TRACE;
      run_options.mc_draws = 17;
      g_assert_true (qks_train_config_validate (&run, NULL));

      qks_setup_pane_set_config (pane, &run, &run_options);
      get_valid_config (pane, &config, &options);
      assert_configs_equal (&config, &run);
      assert_options_equal (&options, &run_options);

      /* The file's name is shown, and another can be chosen. */
      g_assert_cmpstr (adw_action_row_get_subtitle (PANE_CHILD (pane, "dataset_row")), ==, "some notes.txt");
      g_assert_true (gtk_widget_get_visible (PANE_CHILD (pane, "choose_file_button")));
    }
}

static void
test_custom_sizes_round_trip (void)
{
  g_autoptr(GSettings) settings = reset_settings ();
  g_autoptr(QksSetupPane) pane = new_pane ();
  g_auto(QksTrainConfig) run = { 0 };
  g_auto(QksTrainConfig) config = { 0 };
  QksDiagOptions options;
  AdwComboRow *preset_row = PANE_CHILD (pane, "preset_row");
  guint n_presets = g_strv_length ((char **) qks_model_config_get_presets ());

  qks_train_config_init_defaults (&run);
  g_assert_true (qks_model_config_init_sizes (&run.model, 96, 3, 6, 64, NULL));
  g_assert_null (qks_model_config_find_preset (&run.model));
  qks_model_config_set_attention (&run.model, QKS_ATTN_GQA);
  run.model.n_kv_groups = 3;

  qks_setup_pane_set_config (pane, &run, NULL);
  g_assert_cmpuint (adw_combo_row_get_selected (preset_row), ==, n_presets);
  get_valid_config (pane, &config, &options);
  assert_configs_equal (&config, &run);
  qks_train_config_clear (&config);

  /* Away to a preset and back: the custom sizes are still there. */
  adw_combo_row_set_selected (preset_row, preset_index ("tiny"));
  get_valid_config (pane, &config, &options);
  g_assert_cmpuint (config.model.d_model, ==, 128);
  qks_train_config_clear (&config);
  adw_combo_row_set_selected (preset_row, n_presets);
  get_valid_config (pane, &config, &options);
  g_assert_cmpuint (config.model.d_model, ==, 96);
  g_assert_cmpuint (config.model.n_heads, ==, 6);
}

static void
test_preferences_set_new_runs_defaults (void)
{
  g_autoptr(GSettings) settings = reset_settings ();
  g_autoptr(QksSetupPane) pane = new_pane ();
  g_autoptr(QksSetupPane) later_pane = NULL;
  g_auto(QksTrainConfig) config = { 0 };
  QksPreferencesWindow *preferences = qks_preferences_window_new (NULL);
  QksDiagOptions options;

  /* The preferences show the settings, and write what the user picks. */
  g_assert_cmpfloat (gtk_spin_button_get_value (PREFERENCES_CHILD (preferences, "diag_every_spin")), ==,
                     g_settings_get_uint (settings, "diag-every"));
  gtk_spin_button_set_value (PREFERENCES_CHILD (preferences, "diag_every_spin"), 25);
  adw_combo_row_set_selected (PREFERENCES_CHILD (preferences, "null_row"), QKS_DIAG_NULL_MP);
  adw_combo_row_set_selected (PREFERENCES_CHILD (preferences, "estimator_row"), QKS_SIGMA_E1_TRACE);
  drain_main_context ();
  g_assert_cmpuint (g_settings_get_uint (settings, "diag-every"), ==, 25);
  g_assert_cmpstr (g_settings_get_string (settings, "null-law"), ==, "mp");
  g_assert_cmpstr (g_settings_get_string (settings, "estimator"), ==, "E1");

  /* An open pane whose rows were untouched follows… */
  get_valid_config (pane, &config, &options);
  g_assert_cmpuint (config.diag_every, ==, 25);
  g_assert_cmpint (options.null_law, ==, QKS_DIAG_NULL_MP);
  g_assert_cmpint (options.estimator, ==, QKS_SIGMA_E1_TRACE);
  qks_train_config_clear (&config);

  /* …and a new pane starts there. */
  later_pane = new_pane ();
  get_valid_config (later_pane, &config, &options);
  g_assert_cmpuint (config.diag_every, ==, 25);
  g_assert_cmpint (options.null_law, ==, QKS_DIAG_NULL_MP);
  g_assert_cmpint (options.estimator, ==, QKS_SIGMA_E1_TRACE);
  qks_train_config_clear (&config);

  /* A choice made in the pane stays when the preference changes. */
  adw_combo_row_set_selected (PANE_CHILD (pane, "null_row"), QKS_DIAG_NULL_CHAIN);
  adw_combo_row_set_selected (PREFERENCES_CHILD (preferences, "null_row"), QKS_DIAG_NULL_MATCHED);
  gtk_spin_button_set_value (PREFERENCES_CHILD (preferences, "diag_every_spin"), 40);
  drain_main_context ();
  get_valid_config (pane, &config, &options);
  g_assert_cmpint (options.null_law, ==, QKS_DIAG_NULL_CHAIN);
  g_assert_cmpuint (config.diag_every, ==, 40);

  /* A change of the settings from elsewhere shows in the preferences. */
  g_settings_set_string (settings, "estimator", "E3");
  drain_main_context ();
  g_assert_cmpuint (adw_combo_row_get_selected (PREFERENCES_CHILD (preferences, "estimator_row")), ==,
                    QKS_SIGMA_E3_TRIMMED);

  gtk_window_destroy (GTK_WINDOW (preferences));
}

/* The names the pane, the CLI and run files share round-trip through core. */
static void
test_core_names_round_trip (void)
{
  const char * const *presets = qks_model_config_get_presets ();

  g_assert_cmpuint (g_strv_length ((char **) presets), >=, 2);
  for (guint i = 0; presets[i] != NULL; i++)
    {
      QksModelConfig model;

      g_assert_true (qks_model_config_init_preset (&model, presets[i], NULL));
      g_assert_cmpstr (qks_model_config_find_preset (&model), ==, presets[i]);
      g_assert_nonnull (qks_model_preset_get_label (presets[i]));
    }
  g_assert_null (qks_model_preset_get_label ("enormous"));

  for (guint i = 0; i < QKS_SIGMA_N_ESTIMATORS; i++)
    {
      QksSigmaEstimator estimator;

      g_assert_true (qks_sigma_estimator_from_string (qks_sigma_estimator_to_string (i), &estimator));
      g_assert_cmpuint (estimator, ==, i);
    }
  for (guint i = QKS_MLA_ROPE_COUPLED; i <= QKS_MLA_ROPE_ROTATE_THEN_COMPRESS; i++)
    {
      QksMlaRopeMode mode;

      g_assert_true (qks_mla_rope_mode_from_string (qks_mla_rope_mode_to_string (i), &mode));
      g_assert_cmpuint (mode, ==, i);
    }
  for (guint i = QKS_LRKV_INIT_RANDOM; i <= QKS_LRKV_INIT_ZERO_B; i++)
    {
      QksLrkvInit init;

      g_assert_true (qks_lrkv_init_from_string (qks_lrkv_init_to_string (i), &init));
      g_assert_cmpuint (init, ==, i);
    }
  for (guint i = 0; i <= QKS_DATASET_FILE; i++)
    {
      g_assert_nonnull (qks_dataset_kind_get_label (i));
      g_assert_nonnull (qks_dataset_kind_get_summary (i));
    }
}

int
main (int    argc,
      char **argv)
{
  /* Keep the tests from reading or writing the user's settings. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/setup-pane/schema-defaults-are-core-defaults", test_schema_defaults_are_core_defaults);
  g_test_add_func ("/setup-pane/new-pane-shows-defaults", test_new_pane_shows_defaults);
  g_test_add_func ("/setup-pane/each-variant-shows-its-rows", test_each_variant_shows_its_rows);
  g_test_add_func ("/setup-pane/chosen-values-come-back", test_chosen_values_come_back);
  g_test_add_func ("/setup-pane/invalid-groups-block-the-run", test_invalid_groups_block_the_run);
  g_test_add_func ("/setup-pane/invalid-learning-rate-and-rope-width", test_invalid_learning_rate_and_rope_width);
  g_test_add_func ("/setup-pane/set-config-round-trips", test_set_config_round_trips);
  g_test_add_func ("/setup-pane/custom-sizes-round-trip", test_custom_sizes_round_trip);
  g_test_add_func ("/setup-pane/preferences-set-new-runs-defaults", test_preferences_set_new_runs_defaults);
  g_test_add_func ("/setup-pane/core-names-round-trip", test_core_names_round_trip);

  return g_test_run ();
}
