/* qks-diag.c: every diagnostic of SCIENCE.md §b for one step
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qks-diag.h"
#include "qks-diversity.h"
#include "qks-head-factors.h"
#include "qks-kqsvd.h"
#include "qks-symmetry.h"
#include "qks-forms.h"
#include "qks-json.h"
#include "qks-law-chain.h"
#include "qks-model.h"
#include "qks-parallel.h"
#include "qks-ranks.h"
#include "qks-ww.h"

/* The context keeps what outlives one snapshot: the nulls (a chain law per
 * chain of shapes, the Monte-Carlo thresholds per model configuration),
 * and each layer's step-0 effective rank for the rank-collapse rule. */
struct _QksDiagContext
{
  QksDiagOptions  options;
  GHashTable     *chain_laws;     /* "512,64,512" → QksChainLaw */
  GHashTable     *mc_thresholds;  /* "CONFIG|form|head-or-layer" → double * */
  GHashTable     *mc_done;        /* CONFIG → TRUE once simulated */
  GArray         *reference_erank; /* per layer: the QK form's erank % at the first snapshot */
  GMutex          mutex;          /* the layers run in parallel: guards the caches above, */
  GMutex          null_mutex;     /* but this one the Monte-Carlo null's, built at length */
};

void
qks_diag_options_init (QksDiagOptions *options)
{
  options->null_law = QKS_DIAG_NULL_MATCHED;
  options->estimator = QKS_SIGMA_E2_MEDIAN;
  options->quantile = 0.99;
  options->mc_draws = 200;
  options->cross_gram = TRUE;
  options->ov = TRUE;
  options->weightwatcher = TRUE;
  options->rand_distance = TRUE;
  options->seed = 1;
  options->background = FALSE;
}

static const char *null_names[] = {
  [QKS_DIAG_NULL_MATCHED] = "matched",
  [QKS_DIAG_NULL_CHAIN] = "chain",
  [QKS_DIAG_NULL_MP] = "mp",
};

G_STATIC_ASSERT (G_N_ELEMENTS (null_names) == QKS_DIAG_N_NULLS);

const char *
qks_diag_null_to_string (QksDiagNull null_law)
{
  g_return_val_if_fail (null_law < G_N_ELEMENTS (null_names), NULL);
  return null_names[null_law];
}

gboolean
qks_diag_null_from_string (const char  *name,
                           QksDiagNull *null_law)
{
  for (guint i = 0; i < G_N_ELEMENTS (null_names); i++)
    if (g_strcmp0 (name, null_names[i]) == 0)
      {
        *null_law = (QksDiagNull) i;
        return TRUE;
      }
  return FALSE;
}

QksDiagContext *
qks_diag_context_new (const QksDiagOptions *options)
{
  QksDiagContext *self = g_new0 (QksDiagContext, 1);

  self->options = *options;
  self->chain_laws = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) qks_chain_law_free);
  self->mc_thresholds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->mc_done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->reference_erank = g_array_new (FALSE, TRUE, sizeof (double));
  g_mutex_init (&self->mutex);
  g_mutex_init (&self->null_mutex);
  return self;
}

void
qks_diag_context_free (QksDiagContext *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->chain_laws);
  g_hash_table_unref (self->mc_thresholds);
  g_hash_table_unref (self->mc_done);
  g_array_unref (self->reference_erank);
  g_mutex_clear (&self->mutex);
  g_mutex_clear (&self->null_mutex);
  g_free (self);
}

const QksDiagOptions *
qks_diag_context_get_options (QksDiagContext *self)
{
  return &self->options;
}

/**
 * qks_diag_context_set_reference_erank:
 * @erank_pct: the layer's QK erank_pct at the run's first snapshot
 *
 * Sets what the rank-collapse rule compares @layer with, in a context
 * that continues a run whose first snapshot it did not see (a resumed
 * run).
 */
void
qks_diag_context_set_reference_erank (QksDiagContext *self,
                                      guint           layer,
                                      double          erank_pct)
{
  g_mutex_lock (&self->mutex);
  while (self->reference_erank->len <= layer)
    {
      double missing = NAN;

      g_array_append_val (self->reference_erank, missing);
    }
  g_array_index (self->reference_erank, double, layer) = erank_pct;
  g_mutex_unlock (&self->mutex);
}

/* Nulls -------------------------------------------------------------------- */

static char *
chain_key (const guint *chain,
           guint        length)
{
  GString *key = g_string_new (NULL);

  for (guint i = 0; i < length; i++)
    g_string_append_printf (key, "%s%u", i ? "," : "", chain[i]);
  return g_string_free (key, FALSE);
}

/* The analytic chain law of @form, built once per chain of shapes; NULL
 * for a form with no chain or a law that cannot be built. */
static const QksChainLaw *
chain_law_for (QksDiagContext *self,
               const QksForm  *form)
{
  g_autofree char *key = NULL;
  QksChainLaw *law;

  if (form->chain_length < 2)
    return NULL;
  key = chain_key (form->chain, form->chain_length);

  /* Built under the lock: a law takes up to a second, once. */
  g_mutex_lock (&self->mutex);
  if (!g_hash_table_lookup_extended (self->chain_laws, key, NULL, (gpointer *) &law))
    {
      law = qks_chain_law_new (form->chain, form->chain_length, NULL);
      if (law != NULL && qks_chain_law_get_rank (law) != form->rank)
        g_clear_pointer (&law, qks_chain_law_free);
      g_hash_table_insert (self->chain_laws, g_steal_pointer (&key), law);
    }
  g_mutex_unlock (&self->mutex);
  return law;
}

static char *
mc_key (const char  *config_key,
        QksFormKind  form,
        gboolean     whole_layer)
{
  return g_strdup_printf ("%s|%s|%s", config_key, qks_form_kind_to_string (form),
                          whole_layer ? "layer" : "head");
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* λ̃_max = λ_max / mean λ, the statistic the Monte-Carlo null is made of. */
static double
normalised_max (const QksFormSpectrum *spectrum)
{
  double sum = 0.0;

  for (guint i = 0; i < spectrum->rank; i++)
    sum += spectrum->lambda[i];
  return sum > 0 ? spectrum->lambda[0] / (sum / spectrum->rank) : NAN;
}

/* f.1: the quantile of λ̃_max over freshly initialised layers of the same
 * variant and shapes, per form and per head or layer; simulated once per
 * configuration. Heads of one draw are pooled: they are exchangeable. */
static void
simulate_mc_null (QksDiagContext       *self,
                  const QksModelConfig *config,
                  const char           *config_key)
{
  g_autoptr(GHashTable) samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) g_array_unref);
  GHashTableIter iter;
  gpointer key, value;
  QksRng rng;

  qks_rng_init_stream (&rng, self->options.seed, 23);
  for (guint draw = 0; draw < self->options.mc_draws; draw++)
    {
      g_autoptr(QksAttnHeads) heads = qks_model_sample_heads (config, &rng);
      g_autoptr(GPtrArray) forms = qks_forms_from_heads (heads, self->options.cross_gram, self->options.ov);

      for (guint i = 0; i < forms->len; i++)
        {
          const QksForm *form = forms->pdata[i];
          g_autofree char *k = mc_key (config_key, form->form, form->head == QKS_WHOLE_LAYER);
          QksFormSpectrum spectrum;
          GArray *values;
          double statistic;

          if (!qks_form_spectrum (form, &spectrum, NULL, NULL))
            continue;
          statistic = normalised_max (&spectrum);
          qks_form_spectrum_clear (&spectrum);

          if ((values = g_hash_table_lookup (samples, k)) == NULL)
            {
              values = g_array_new (FALSE, FALSE, sizeof (double));
              g_hash_table_insert (samples, g_strdup (k), values);
            }
          if (isfinite (statistic))
            g_array_append_val (values, statistic);
        }
    }

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, samples);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GArray *values = value;
      double *threshold;
      gsize at;

      if (values->len == 0)
        continue;
      g_array_sort (values, compare_doubles);
      at = (gsize) ceil (self->options.quantile * values->len) - 1;
      threshold = g_new (double, 1);
      *threshold = g_array_index (values, double, MIN (at, values->len - 1));
      g_hash_table_insert (self->mc_thresholds, g_strdup (key), threshold);
    }
  g_hash_table_add (self->mc_done, g_strdup (config_key));
  g_mutex_unlock (&self->mutex);
}

static gboolean
mc_threshold_for (QksDiagContext       *self,
                  const QksDiagInput   *input,
                  const char           *config_key,
                  const QksForm        *form,
                  double               *threshold)
{
  g_autofree char *k = NULL;
  const double *found;

  if (!input->from_model)
    return FALSE;

  k = mc_key (config_key, form->form, form->head == QKS_WHOLE_LAYER);
  g_mutex_lock (&self->mutex);
  found = g_hash_table_lookup (self->mc_thresholds, k);
  if (found != NULL)
    *threshold = *found;
  g_mutex_unlock (&self->mutex);
  return found != NULL;
}

/* One form ------------------------------------------------------------------ */

#define ADD(name, value) \
  qks_snapshot_add_metric (snapshot, layer, form->head, form->form, name, value, QKS_METRIC_FLAG_NONE)
#define ADD_FLAGGED(name, value, flags) \
  qks_snapshot_add_metric (snapshot, layer, form->head, form->form, name, value, flags)

static void
add_fit_metrics (QksSnapshot           *snapshot,
                 guint                  layer,
                 const QksForm         *form,
                 const QksSpectrumFit  *fit)
{
  QksMetricFlags flags = fit->unreliable ? QKS_METRIC_FLAG_UNRELIABLE : QKS_METRIC_FLAG_NONE;

  ADD ("rank", (double) fit->k);
  ADD ("lambda_max", fit->lambda_max);
  ADD_FLAGGED ("sigma2", fit->sigma2, flags);
  ADD_FLAGGED ("lambda_minus", fit->lambda_minus, flags);
  ADD_FLAGGED ("lambda_plus", fit->lambda_plus, flags);
  ADD_FLAGGED ("lambda_threshold", fit->lambda_threshold, flags);
  ADD_FLAGGED ("n_spikes", fit->n_spikes, flags);
  ADD_FLAGGED ("spike_mass", fit->spike_mass, flags);
  ADD_FLAGGED ("mp_soft_rank", fit->mp_soft_rank, flags);
  ADD_FLAGGED ("lambda_max_over_plus", fit->lambda_max_over_plus, flags);
  ADD_FLAGGED ("ks", fit->ks, flags);
  ADD_FLAGGED ("bulk_fraction", fit->bulk_fraction, flags);
  ADD_FLAGGED ("n_spikes_trimmed", fit->n_spikes_trimmed, flags);
}

/* weightwatcher drops eigenvalues ≤ 1e-5 in absolute terms: right for
 * weight matrices, but a product of two 0.02-scale matrices has all its
 * eigenvalues below that at initialisation. So the fits see the values
 * rescaled to mean 1 (α, the KS distance, the MP fit, the stable rank and
 * the entropy do not depend on the scale) and the norm metrics, which do,
 * are taken from the raw s² (SCIENCE.md e.13: record the convention). */
static gboolean
ww_fit_rescaled (const double * const *evals,
                 const gsize          *n_evals,
                 gsize                 n_matrices,
                 gsize                 n_rows,
                 gsize                 n_cols,
                 QksWwMetrics         *ww)
{
  g_autoptr(GPtrArray) scaled = g_ptr_array_new_with_free_func (g_free);
  double sum = 0.0, lambda_max = 0.0, log_alpha_sum = -INFINITY;
  gsize total = 0;
  gboolean ok;

  for (gsize m = 0; m < n_matrices; m++)
    for (gsize i = 0; i < n_evals[m]; i++)
      {
        sum += evals[m][i];
        lambda_max = MAX (lambda_max, evals[m][i]);
        total++;
      }
  if (total < 2 || !(sum > 0))
    return FALSE;

  for (gsize m = 0; m < n_matrices; m++)
    {
      double *copy = g_new (double, MAX (n_evals[m], 1));

      for (gsize i = 0; i < n_evals[m]; i++)
        copy[i] = evals[m][i] * total / sum;
      g_ptr_array_add (scaled, copy);
    }

  ok = n_matrices == 1
       ? qks_ww_fit (scaled->pdata[0], n_evals[0], n_rows, n_cols, ww, NULL)
       : qks_ww_fit_pooled ((const double * const *) scaled->pdata, n_evals, n_matrices,
                            n_rows, n_cols, ww, NULL);
  if (!ok)
    return FALSE;

  for (gsize m = 0; m < n_matrices; m++)
    for (gsize i = 0; i < n_evals[m]; i++)
      if (evals[m][i] > 0)
        {
          double term = ww->alpha * log (evals[m][i]);

          /* log Σ exp(term), without overflow */
          log_alpha_sum = MAX (log_alpha_sum, term) + log1p (exp (-fabs (log_alpha_sum - term)));
        }
  ww->xmin *= sum / total;
  ww->log_norm = log10 (sum);
  ww->log_spectral_norm = log10 (lambda_max);
  ww->alpha_weighted = ww->alpha * log10 (lambda_max);
  ww->log_alpha_norm = log_alpha_sum / G_LN10;
  return TRUE;
}

static void
add_ww_metrics (QksSnapshot        *snapshot,
                guint               layer,
                const QksForm      *form,
                const char         *prefix,
                const QksWwMetrics *ww)
{
  QksMetricFlags flags = ww->alpha_unreliable ? QKS_METRIC_FLAG_UNRELIABLE : QKS_METRIC_FLAG_NONE;
  g_autofree char *name = NULL;

#define ADD_WW(suffix, value, f) \
  G_STMT_START { \
    g_free (name); \
    name = g_strconcat (prefix, suffix, NULL); \
    ADD_FLAGGED (name, value, f); \
  } G_STMT_END
  ADD_WW ("alpha", ww->alpha, flags);
  ADD_WW ("alpha_weighted", ww->alpha_weighted, flags);
  ADD_WW ("alpha_xmin", ww->xmin, flags);
  ADD_WW ("alpha_ks", ww->ks_distance, flags);
  ADD_WW ("alpha_sigma", ww->alpha_sigma, flags);
  ADD_WW ("num_pl_spikes", (double) ww->num_pl_spikes, flags);
  ADD_WW ("log_alpha_norm", ww->log_alpha_norm, flags);
  ADD_WW ("log_norm", ww->log_norm, QKS_METRIC_FLAG_NONE);
  ADD_WW ("log_spectral_norm", ww->log_spectral_norm, QKS_METRIC_FLAG_NONE);
  ADD_WW ("stable_rank", ww->stable_rank, QKS_METRIC_FLAG_NONE);
  ADD_WW ("matrix_entropy", ww->matrix_entropy, QKS_METRIC_FLAG_NONE);
  ADD_WW ("mp_sigma", ww->mp_sigma, ww->mp_fit_failed ? QKS_METRIC_FLAG_UNRELIABLE : 0);
  ADD_WW ("num_spikes", (double) ww->num_spikes, ww->mp_fit_failed ? QKS_METRIC_FLAG_UNRELIABLE : 0);
  ADD_WW ("mp_softrank", ww->mp_softrank, ww->mp_fit_failed ? QKS_METRIC_FLAG_UNRELIABLE : 0);
#undef ADD_WW
}

/* Chooses and runs the default fit, then the paper-compatible MP fit. */
static gboolean
fit_form (QksDiagContext         *self,
          const QksDiagInput     *input,
          const char             *config_key,
          QksSnapshot            *snapshot,
          guint                   layer,
          const QksForm          *form,
          const QksFormSpectrum  *spectrum,
          GError                **error)
{
  const QksDiagOptions *o = &self->options;
  const QksChainLaw *chain = chain_law_for (self, form);
  QksSpectrumOptions options, mp_options;
  QksSpectrumFit fit, mp_fit;
  QksSpectrumRecord *record;
  double mc = NAN;

  qks_spectrum_options_init (&options);
  options.tw_quantile = o->quantile;
  options.estimator = o->estimator;

  if (o->null_law == QKS_DIAG_NULL_MATCHED && mc_threshold_for (self, input, config_key, form, &mc))
    {
      /* The null is a fixed mean-1 law: σ² = 1 by construction (E1). */
      options.null_law = QKS_NULL_MONTE_CARLO;
      options.threshold = QKS_THRESHOLD_MC;
      options.mc_threshold = mc;
      options.chain = chain;
      options.estimator = QKS_SIGMA_E1_TRACE;
    }
  else if (o->null_law != QKS_DIAG_NULL_MP && chain != NULL)
    {
      options.null_law = QKS_NULL_CHAIN;
      options.chain = chain;
      options.estimator = QKS_SIGMA_E1_TRACE;
    }

  if (!qks_spectrum_fit (spectrum->lambda, spectrum->rank, spectrum->n_rows, spectrum->n_cols,
                         &options, &fit, error))
    return FALSE;
  add_fit_metrics (snapshot, layer, form, &fit);

  /* Plain MP always, beside it: the paper-compatible count (b.4). */
  qks_spectrum_options_init (&mp_options);
  if (!qks_spectrum_fit (spectrum->lambda, spectrum->rank, spectrum->n_rows, spectrum->n_cols,
                         &mp_options, &mp_fit, error))
    return FALSE;
  ADD_FLAGGED ("n_spikes_mp", mp_fit.n_spikes, mp_fit.unreliable ? QKS_METRIC_FLAG_UNRELIABLE : 0);
  ADD_FLAGGED ("mp_sigma2", mp_fit.sigma2, mp_fit.unreliable ? QKS_METRIC_FLAG_UNRELIABLE : 0);
  ADD_FLAGGED ("mp_lambda_plus", mp_fit.lambda_plus, mp_fit.unreliable ? QKS_METRIC_FLAG_UNRELIABLE : 0);
  ADD_FLAGGED ("mp_lambda_threshold", mp_fit.lambda_threshold, mp_fit.unreliable ? QKS_METRIC_FLAG_UNRELIABLE : 0);

  record = qks_snapshot_add_spectrum (snapshot, layer, form->head, form->form, spectrum->n_rows,
                                      spectrum->n_cols, spectrum->lambda, spectrum->rank);
  record->sigma2 = fit.sigma2;
  record->lambda_minus = fit.lambda_minus;
  record->lambda_plus = fit.lambda_plus;
  record->lambda_threshold = fit.lambda_threshold;
  record->null_law = g_strdup (fit.null_name);
  record->estimator = g_strdup (fit.estimator_name);
  record->threshold = g_strdup (fit.threshold_name);
  record->chain_length = form->chain_length;
  memcpy (record->chain, form->chain, form->chain_length * sizeof (guint));
  return TRUE;
}

static void
check_collapse (QksDiagContext *self,
                QksSnapshot    *snapshot,
                guint           layer,
                double          erank_pct,
                double          spike_mass)
{
  double reference;
  QksRankCollapse collapse;

  g_mutex_lock (&self->mutex);
  if (self->reference_erank->len <= layer)
    {
      double missing = NAN;

      while (self->reference_erank->len <= layer)
        g_array_append_val (self->reference_erank, missing);
    }
  if (!isfinite (g_array_index (self->reference_erank, double, layer)))
    g_array_index (self->reference_erank, double, layer) = erank_pct;
  reference = g_array_index (self->reference_erank, double, layer);
  g_mutex_unlock (&self->mutex);

  collapse = qks_ranks_collapse_event (reference, erank_pct, spike_mass);
  if (collapse != QKS_RANK_COLLAPSE_NONE)
    {
      g_autofree char *detail = g_strdup_printf ("%s%s%s (effective rank %.1f %% from %.1f %%, spike mass %.2f)",
                                                 collapse & QKS_RANK_COLLAPSE_ERANK_DROP ? "effective rank fell by more than 20 %" : "",
                                                 collapse == (QKS_RANK_COLLAPSE_ERANK_DROP | QKS_RANK_COLLAPSE_SPIKE_MASS) ? "; " : "",
                                                 collapse & QKS_RANK_COLLAPSE_SPIKE_MASS ? "spikes hold more than half the mass" : "",
                                                 erank_pct, reference, spike_mass);

      qks_snapshot_add_event (snapshot, layer, "rank-collapse", detail);
    }
}

/* a.6: the symmetric share of a QK form's energy, from the form itself
 * when it was formed (O(d²)), else from its thin factors (O(w² d)). */
static gboolean
symmetric_energy (const QksForm          *form,
                  const QksFormSpectrum  *spectrum,
                  const QksMatrix        *dense,
                  double                 *fraction,
                  GError                **error)
{
  double norm2 = 0.0;

  if (dense != NULL)
    return qks_symmetric_energy_of_matrix (dense, fraction, error);
  /* ‖B‖_F² is the sum of its squared singular values, known already. */
  for (guint i = 0; i < spectrum->rank; i++)
    norm2 += spectrum->singular_values[i] * spectrum->singular_values[i];
  return qks_symmetric_energy_with_norm (form->u.matrix, form->u.transposed ? QKS_TRANSPOSE : QKS_NO_TRANSPOSE,
                                         form->v.matrix, form->v.transposed ? QKS_TRANSPOSE : QKS_NO_TRANSPOSE,
                                         norm2, fraction, error);
}

static gboolean
diagnose_layer (QksDiagContext      *self,
                const QksDiagInput  *input,
                const char          *config_key,
                QksSnapshot         *snapshot,
                guint                layer,
                GError             **error)
{
  const QksDiagOptions *o = &self->options;
  g_autoptr(GPtrArray) forms = qks_forms_from_heads (input->layers[layer], o->cross_gram, o->ov);
  g_autoptr(GPtrArray) small_heads = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) small_sizes = g_array_new (FALSE, FALSE, sizeof (gsize));
  QksFormKind pooled_kind = QKS_FORM_N_KINDS;
  guint pooled_rows = 0, pooled_cols = 0;

  for (guint i = 0; i < forms->len; i++)
    {
      const QksForm *form = forms->pdata[i];
      QksFormSpectrum spectrum;
      QksRanks ranks;
      g_autoptr(QksMatrix) dense = NULL;
      g_autofree double *evals = NULL;
      g_autofree double *evals_all = NULL;
      gboolean ok;

      if (!qks_form_spectrum (form, &spectrum, &dense, error))
        return FALSE;

      ok = fit_form (self, input, config_key, snapshot, layer, form, &spectrum, error) &&
           qks_ranks_compute (spectrum.singular_values, spectrum.rank, spectrum.n_rows,
                              spectrum.n_cols, &ranks, error);
      if (!ok)
        {
          qks_form_spectrum_clear (&spectrum);
          return FALSE;
        }
      ADD ("erank", ranks.effective_rank);
      ADD ("erank_pct", ranks.effective_rank_pct);
      ADD ("participation_ratio", ranks.participation_ratio);
      ADD ("stable_rank", ranks.stable_rank);
      ADD ("numerical_rank", (double) ranks.numerical_rank);

      if (form->form == QKS_FORM_QK)
        {
          double symmetric;

          if (!symmetric_energy (form, &spectrum, dense, &symmetric, error))
            {
              qks_form_spectrum_clear (&spectrum);
              return FALSE;
            }
          ADD ("symmetric_energy", symmetric);
        }

      if (form->form == QKS_FORM_QK && form->head == QKS_WHOLE_LAYER)
        {
          const QksMetricRow *mass = qks_snapshot_find_metric (snapshot, layer, QKS_WHOLE_LAYER,
                                                               QKS_FORM_QK, "spike_mass");

          check_collapse (self, snapshot, layer, ranks.effective_rank_pct, mass ? mass->value : 0.0);
        }

      /* weightwatcher works on s², not divided by N (b.5). */
      evals = g_new (double, MAX (spectrum.rank, 1));
      for (guint j = 0; j < spectrum.rank; j++)
        evals[j] = spectrum.singular_values[j] * spectrum.singular_values[j];
      evals_all = g_memdup2 (evals, MAX (spectrum.rank, 1) * sizeof (double));

      if (o->weightwatcher && spectrum.rank >= 2)
        {
          gsize rank = spectrum.rank;

          /* A head's spectrum too small for a power law is pooled with the
           * other heads' below; so is a layer's (then it is not fitted). */
          if (rank < QKS_WW_MIN_EVALS && form->head != QKS_WHOLE_LAYER)
            {
              /* Too few values for a power-law fit: pooled per layer below. */
              if (form->form == QKS_FORM_QK)
                {
                  g_ptr_array_add (small_heads, g_steal_pointer (&evals));
                  g_array_append_val (small_sizes, spectrum.rank);
                  pooled_kind = form->form;
                  pooled_rows = spectrum.n_rows;
                  pooled_cols = spectrum.n_cols;
                }
            }
          else if (rank >= QKS_WW_MIN_EVALS)
            {
              const double *one[1] = { evals };
              QksWwMetrics ww;

              if (ww_fit_rescaled (one, &rank, 1, spectrum.n_rows, spectrum.n_cols, &ww))
                add_ww_metrics (snapshot, layer, form, "ww_", &ww);
            }
        }

      /* rand_distance compares with the shuffled entries of a full-rank
       * matrix; for a rank-deficient form the gap is structural, not learnt. */
      if (o->rand_distance && form->form == QKS_FORM_QK && form->head == QKS_WHOLE_LAYER &&
          spectrum.rank == spectrum.n_cols && dense != NULL)
        {
          QksWwRandom random;

          QksRng rng;

          /* A stream per (step, layer): the same shuffle whatever thread runs it. */
          qks_rng_init_stream (&rng, self->options.seed, ((guint64) input->step << 16) | layer);
          if (qks_ww_rand_distance (dense, evals_all, &rng, &random, NULL))
            {
              ADD ("ww_rand_distance", random.rand_distance);
              ADD ("ww_rand_distance_hist", random.rand_distance_hist);
              ADD ("ww_softrank", random.ww_softrank);
            }
        }
      qks_form_spectrum_clear (&spectrum);
    }

  if (small_heads->len > 0)
    {
      QksWwMetrics ww;
      QksForm pooled = { .form = pooled_kind, .head = QKS_WHOLE_LAYER };
      const QksForm *form = &pooled;

      if (small_heads->len * g_array_index (small_sizes, gsize, 0) >= QKS_WW_MIN_EVALS &&
          ww_fit_rescaled ((const double * const *) small_heads->pdata, (const gsize *) small_sizes->data,
                           small_heads->len, pooled_rows, pooled_cols, &ww))
        add_ww_metrics (snapshot, layer, form, "ww_pooled_heads_", &ww);
    }

  return TRUE;
}

#undef ADD
#undef ADD_FLAGGED

/* Heads ---------------------------------------------------------------------- */

static const char *subspace_names[QKS_HEAD_SUBSPACE_N_KINDS] = { "q", "k", "v" };

static void
add_gram (QksSnapshot       *snapshot,
          guint              layer,
          QksFormKind        form,
          const QksHeadGram *gram)
{
  g_autofree char *matrix_kind = g_strdup_printf ("gram-%s", qks_form_kind_to_string (form));
  g_autofree char *curve_kind = g_strdup_printf ("variance-explained-%s", qks_form_kind_to_string (form));

  qks_snapshot_add_metric (snapshot, layer, QKS_WHOLE_LAYER, form, "diversity_erank_pct", gram->effective_rank_percent, 0);
  qks_snapshot_add_metric (snapshot, layer, QKS_WHOLE_LAYER, form, "diversity_k90", gram->k90, 0);
  qks_snapshot_add_metric (snapshot, layer, QKS_WHOLE_LAYER, form, "diversity_k95", gram->k95, 0);
  qks_snapshot_add_metric (snapshot, layer, QKS_WHOLE_LAYER, form, "diversity_k90_pct", gram->k90_percent, 0);
  qks_snapshot_add_metric (snapshot, layer, QKS_WHOLE_LAYER, form, "diversity_k95_pct", gram->k95_percent, 0);
  qks_snapshot_add_metric (snapshot, layer, QKS_WHOLE_LAYER, form, "shared_fraction", gram->shared_fraction, 0);
  qks_snapshot_add_matrix (snapshot, layer, matrix_kind, gram->n_heads, gram->n_heads, gram->gram->data);
  qks_snapshot_add_curve (snapshot, layer, QKS_WHOLE_LAYER, curve_kind, gram->n_heads, gram->variance_explained);
}

static void
add_angles (QksSnapshot         *snapshot,
            guint                layer,
            QksHeadSubspace      subspace,
            const QksHeadAngles *angles)
{
  QksMetricFlags flags = angles->shared_by_construction ? QKS_METRIC_FLAG_SHARED_BY_CONSTRUCTION : 0;
  QksFormKind form = subspace == QKS_HEAD_SUBSPACE_V ? QKS_FORM_OV : QKS_FORM_QK;
  g_autofree char *hdi = g_strdup_printf ("hdi_%s", subspace_names[subspace]);
  g_autofree char *angles_kind = g_strdup_printf ("angles-%s", subspace_names[subspace]);
  g_autofree char *overlap_kind = g_strdup_printf ("overlap-%s", subspace_names[subspace]);
  guint H = angles->n_heads;

  qks_snapshot_add_metric (snapshot, layer, QKS_WHOLE_LAYER, form, hdi, angles->hdi, flags);
  qks_snapshot_add_matrix (snapshot, layer, angles_kind, H, H, angles->mean_angle->data);
  qks_snapshot_add_matrix (snapshot, layer, overlap_kind, H, H, angles->overlap->data);

  /* Each pair's principal angles, for its histogram: head = i·H + j. */
  for (guint i = 0; i < H; i++)
    for (guint j = i + 1; j < H; j++)
      {
        guint n;
        const double *pair = qks_head_angles_get_pair (angles, i, j, &n);

        if (n > 0)
          qks_snapshot_add_curve (snapshot, layer, (int) (i * H + j), angles_kind, n, pair);
      }
}

/* b.7 and a.6: head diversity, principal angles, and, from the
 * calibration inputs, the KQ-SVD curves. */
static gboolean
diagnose_heads (QksSnapshot         *snapshot,
                guint                layer,
                const QksAttnHeads  *heads,
                const QksMatrix     *calibration,
                GError             **error)
{
  g_autoptr(QksHeadDiversity) diversity = NULL;

  if (heads->n_heads < 2)
    return TRUE;

  if ((diversity = qks_head_diversity_new (heads, QKS_HEAD_GRAM_NORMALISED, error)) == NULL)
    return FALSE;
  add_gram (snapshot, layer, QKS_FORM_QK, diversity->qk);
  if (diversity->ov != NULL)
    add_gram (snapshot, layer, QKS_FORM_OV, diversity->ov);
  for (guint s = 0; s < QKS_HEAD_SUBSPACE_N_KINDS; s++)
    if (diversity->subspaces[s] != NULL)
      add_angles (snapshot, layer, (QksHeadSubspace) s, diversity->subspaces[s]);


  if (calibration != NULL)
    {
      g_autoptr(GPtrArray) curves = qks_kqsvd_curves_new_for_heads (calibration, heads, error);

      if (curves == NULL)
        return FALSE;
      for (guint h = 0; h < curves->len; h++)
        {
          const QksKqsvdCurves *c = curves->pdata[h];
          guint half = MAX (c->length / 2, 1) - 1;

          qks_snapshot_add_curve (snapshot, layer, (int) h, "kqsvd", c->length, c->kq);
          qks_snapshot_add_curve (snapshot, layer, (int) h, "keys-only", c->length, c->keys_only);
          qks_snapshot_add_metric (snapshot, layer, (int) h, QKS_FORM_QK, "kqsvd_error_half_rank", c->kq[half], 0);
          qks_snapshot_add_metric (snapshot, layer, (int) h, QKS_FORM_QK, "keys_only_error_half_rank", c->keys_only[half], 0);
        }
    }
  return TRUE;
}

/**
 * qks_diag_run:
 *
 * Computes every diagnostic of @input's step: per layer and head, the
 * spectra of the forms with their fits against the configured null and
 * against plain MP, the ranks and the weightwatcher metrics, the
 * rank-collapse events against the first snapshot this context saw, head
 * diversity and principal angles, the symmetric energy of the QK forms,
 * and the KQ-SVD curves when @input has calibration inputs.
 *
 * Returns: (transfer full): the snapshot, or %NULL with @error set.
 */
typedef struct
{
  QksDiagContext     *self;
  const QksDiagInput *input;
  const char         *config_key;
  QksSnapshot       **parts;
  GError            **errors;
} LayerJob;

static void
diagnose_layers (gsize    begin,
                 gsize    end,
                 guint    thread,
                 gpointer data)
{
  LayerJob *job = data;

  for (gsize l = begin; l < end; l++)
    {
      QksSnapshot *part = qks_snapshot_new (job->input->step);

      if (!diagnose_layer (job->self, job->input, job->config_key, part, (guint) l, &job->errors[l]) ||
          !diagnose_heads (part, (guint) l, job->input->layers[l], job->input->calibration[l], &job->errors[l]))
        g_clear_pointer (&part, qks_snapshot_free);
      job->parts[l] = part;
    }
}

/* The layers are independent: they go to threads from a pool of their own
 * (qks_parallel_for is taken by the loops inside, which cannot nest). */
static void
diagnose_one_layer (gpointer data,
                    gpointer user_data)
{
  gsize layer = GPOINTER_TO_SIZE (data) - 1;

  diagnose_layers (layer, layer + 1, 0, user_data);
}

/* The key of @input's Monte-Carlo null, simulated on first use. */
static char *
prepare_null (QksDiagContext     *self,
              const QksDiagInput *input)
{
  g_autoptr(JsonNode) node = NULL;
  char *config_key;

  if (!input->from_model)
    return g_strdup ("external");

  node = qks_model_config_to_json (&input->config);
  config_key = qks_json_to_string (node, FALSE);
  /* Layers diagnosed in parallel wait here for the first to simulate it. */
  g_mutex_lock (&self->null_mutex);
  if (!g_hash_table_contains (self->mc_done, config_key))
    simulate_mc_null (self, &input->config, config_key);
  g_mutex_unlock (&self->null_mutex);
  return config_key;
}

QksSnapshot *
qks_diag_run (QksDiagContext      *self,
              const QksDiagInput  *input,
              GError             **error)
{
  g_autoptr(QksSnapshot) snapshot = qks_snapshot_new (input->step);
  g_autofree char *config_key = NULL;
  g_autofree QksSnapshot **parts = g_new0 (QksSnapshot *, MAX (input->n_layers, 1));
  g_autofree GError **errors = g_new0 (GError *, MAX (input->n_layers, 1));
  LayerJob job = { self, input, NULL, parts, errors };
  guint threads = self->options.background ? 1 : MIN (qks_parallel_get_threads (), input->n_layers);
  gboolean failed = FALSE;

  config_key = prepare_null (self, input);
  job.config_key = config_key;

  if (threads > 1)
    {
      GThreadPool *pool = g_thread_pool_new (diagnose_one_layer, &job, (int) threads, TRUE, NULL);

      for (guint l = 0; l < input->n_layers; l++)
        g_thread_pool_push (pool, GSIZE_TO_POINTER ((gsize) l + 1), NULL);
      g_thread_pool_free (pool, FALSE, TRUE);
    }
  else
    diagnose_layers (0, input->n_layers, 0, &job);

  /* In layer order, whatever order the threads finished in. */
  for (guint l = 0; l < input->n_layers; l++)
    {
      if (errors[l] != NULL && !failed)
        {
          g_propagate_error (error, g_steal_pointer (&errors[l]));
          failed = TRUE;
        }
      g_clear_error (&errors[l]);
      if (parts[l] != NULL)
        qks_snapshot_merge (snapshot, parts[l]);
      g_clear_pointer (&parts[l], qks_snapshot_free);
    }
  if (failed)
    return NULL;
  return g_steal_pointer (&snapshot);
}

/**
 * qks_diag_run_layer:
 * @input: a step's input in which only @layer need be filled (the other
 *   layers may be %NULL)
 * @layer: the layer to diagnose
 * @snapshot: where the layer's results are added
 *
 * What qks_diag_run() computes for one layer, for sources too large to
 * hold every layer at once (another program's checkpoint, read a layer at
 * a time): the caller loads a layer, runs this, frees it, and goes on.
 * Layers must come in order within a step, and steps in order, for the
 * rank-collapse events to have their reference.
 *
 * Returns: %TRUE, or %FALSE with @error set (then @snapshot may hold part
 *   of the layer's results)
 */
gboolean
qks_diag_run_layer (QksDiagContext      *self,
                    const QksDiagInput  *input,
                    guint                layer,
                    QksSnapshot         *snapshot,
                    GError             **error)
{
  g_autofree char *config_key = NULL;

  g_return_val_if_fail (layer < input->n_layers && input->layers[layer] != NULL, FALSE);

  config_key = prepare_null (self, input);
  return diagnose_layer (self, input, config_key, snapshot, layer, error) &&
         diagnose_heads (snapshot, layer, input->layers[layer], input->calibration[layer], error);
}
