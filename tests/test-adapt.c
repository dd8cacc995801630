/* test-adapt.c: other programs' checkpoints, their layouts and their folders
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "qks-adapt.h"
#include "qks-checkpoint-series.h"
#include "qks-diag.h"
#include "qks-hf-config.h"
#include "qks-model-files.h"
#include "qks-parallel.h"
#include "qks-rng.h"
#include "qks-safetensors.h"

/* Checkpoints are made here with the safetensors writer, with random
 * weights under each layout's names and shapes; the expected per-head
 * matrices are built from the same numbers by index arithmetic written
 * independently of the adapters. */

static const QksDtype all_dtypes[] = { QKS_DTYPE_F32, QKS_DTYPE_F16, QKS_DTYPE_BF16, QKS_DTYPE_F64 };

/* Helpers ----------------------------------------------------------------- */

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_remove (path);
}

static char *
make_tmp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("qks-adapt-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

/* @value as the file holds it once written as @dtype. */
static float
round_to (QksDtype dtype,
          float    value)
{
  switch (dtype)
    {
    case QKS_DTYPE_F16:
      return qks_f16_to_f32 (qks_f32_to_f16 (value));
    case QKS_DTYPE_BF16:
      return qks_bf16_to_f32 (qks_f32_to_bf16 (value));
    default:
      return value;
    }
}

static float *
random_tensor (QksRng   *rng,
               QksDtype  dtype,
               gsize     n,
               double    stddev,
               double    mean)
{
  float *data = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    data[i] = round_to (dtype, (float) (mean + stddev * qks_rng_normal (rng)));
  return data;
}

static void
write_text (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
write_file (QksSafetensorsWriter *writer,
            const char           *dir,
            const char           *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  qks_safetensors_writer_write (writer, path, &error);
  g_assert_no_error (error);
}

static void
add_2d (QksSafetensorsWriter *writer,
        QksDtype              dtype,
        const char           *name,
        gsize                 rows,
        gsize                 cols,
        const float          *data)
{
  gsize shape[2] = { rows, cols };

  qks_safetensors_writer_add_tensor (writer, name, dtype, 2, shape, data);
}

static void
add_1d (QksSafetensorsWriter *writer,
        QksDtype              dtype,
        const char           *name,
        gsize                 n,
        const float          *data)
{
  qks_safetensors_writer_add_tensor (writer, name, dtype, 1, &n, data);
}

static QksAdapter *
open_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  QksAdapter *adapter = qks_adapter_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (adapter);
  return adapter;
}

static QksAttnHeads *
load_ok (QksAdapter *adapter,
         guint       layer)
{
  g_autoptr(GError) error = NULL;
  QksAttnHeads *heads = qks_adapter_load_layer (adapter, layer, &error);

  g_assert_no_error (error);
  g_assert_nonnull (heads);
  return heads;
}

static void
assert_open_fails (const char *path,
                   GQuark      domain,
                   int         code,
                   const char *in_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QksAdapter) adapter = qks_adapter_open (path, &error);

  g_assert_null (adapter);
  g_assert_error (error, domain, code);
  if (in_message != NULL && strstr (error->message, in_message) == NULL)
    g_error ("the message “%s” does not say “%s”", error->message, in_message);
}

static void
assert_in (const char *text,
           const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("“%s” does not say “%s”", text, part);
}

/* A diagnostics context that is quick on small layers. */
static QksDiagContext *
quick_context (void)
{
  QksDiagOptions options;

  qks_diag_options_init (&options);
  options.mc_draws = 20;
  return qks_diag_context_new (&options);
}

static double
metric (QksSnapshot *snapshot,
        guint        layer,
        int          head,
        QksFormKind  form,
        const char  *name,
        QksMetricFlags *flags)
{
  const QksMetricRow *row = qks_snapshot_find_metric (snapshot, layer, head, form, name);

  if (row == NULL)
    g_error ("no metric %s of layer %u head %d", name, layer, head);
  if (flags != NULL)
    *flags = row->flags;
  return row->value;
}

/* LLaMA ------------------------------------------------------------------- */

typedef struct
{
  guint     L, d, H, G, d_h;
  gboolean  qk_norm;
  QksDtype  dtype;
  float   **q, **k, **v, **o, **q_norm, **k_norm;   /* per layer, as stored */
} Llama;

static Llama *
llama_new (guint    L,
           guint    d,
           guint    H,
           guint    G,
           guint    d_h,
           QksDtype dtype,
           guint64  seed)
{
  Llama *m = g_new0 (Llama, 1);
  QksRng rng;

  qks_rng_init (&rng, seed);
  m->L = L, m->d = d, m->H = H, m->G = G, m->d_h = d_h, m->dtype = dtype;
  m->q = g_new0 (float *, L);
  m->k = g_new0 (float *, L);
  m->v = g_new0 (float *, L);
  m->o = g_new0 (float *, L);
  m->q_norm = g_new0 (float *, L);
  m->k_norm = g_new0 (float *, L);
  for (guint l = 0; l < L; l++)
    {
      m->q[l] = random_tensor (&rng, dtype, (gsize) H * d_h * d, 0.02, 0);
      m->k[l] = random_tensor (&rng, dtype, (gsize) G * d_h * d, 0.02, 0);
      m->v[l] = random_tensor (&rng, dtype, (gsize) G * d_h * d, 0.02, 0);
      m->o[l] = random_tensor (&rng, dtype, (gsize) d * H * d_h, 0.02, 0);
      m->q_norm[l] = random_tensor (&rng, dtype, d_h, 0.3, 1.0);
      m->k_norm[l] = random_tensor (&rng, dtype, d_h, 0.3, 1.0);
    }
  return m;
}

static void
llama_free (Llama *m)
{
  for (guint l = 0; l < m->L; l++)
    {
      g_free (m->q[l]);
      g_free (m->k[l]);
      g_free (m->v[l]);
      g_free (m->o[l]);
      g_free (m->q_norm[l]);
      g_free (m->k_norm[l]);
    }
  g_free (m->q);
  g_free (m->k);
  g_free (m->v);
  g_free (m->o);
  g_free (m->q_norm);
  g_free (m->k_norm);
  g_free (m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Llama, llama_free)

static void
llama_add_layer (const Llama          *m,
                 QksSafetensorsWriter *w,
                 guint                 l)
{
  g_autofree char *q = g_strdup_printf ("model.layers.%u.self_attn.q_proj.weight", l);
  g_autofree char *k = g_strdup_printf ("model.layers.%u.self_attn.k_proj.weight", l);
  g_autofree char *v = g_strdup_printf ("model.layers.%u.self_attn.v_proj.weight", l);
  g_autofree char *o = g_strdup_printf ("model.layers.%u.self_attn.o_proj.weight", l);
  g_autofree char *mlp = g_strdup_printf ("model.layers.%u.mlp.up_proj.weight", l);

  add_2d (w, m->dtype, q, (gsize) m->H * m->d_h, m->d, m->q[l]);
  add_2d (w, m->dtype, k, (gsize) m->G * m->d_h, m->d, m->k[l]);
  add_2d (w, m->dtype, v, (gsize) m->G * m->d_h, m->d, m->v[l]);
  add_2d (w, m->dtype, o, m->d, (gsize) m->H * m->d_h, m->o[l]);
  /* Something that is not attention, as a real file has. */
  add_1d (w, m->dtype, mlp, m->d_h, m->q_norm[l]);
  if (m->qk_norm)
    {
      g_autofree char *qn = g_strdup_printf ("model.layers.%u.self_attn.q_norm.weight", l);
      g_autofree char *kn = g_strdup_printf ("model.layers.%u.self_attn.k_norm.weight", l);

      add_1d (w, m->dtype, qn, m->d_h, m->q_norm[l]);
      add_1d (w, m->dtype, kn, m->d_h, m->k_norm[l]);
    }
}

static void
llama_write_config (const Llama *m,
                    const char  *dir,
                    guint        config_kv_heads)
{
  g_autofree char *config = g_strdup_printf (
    "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"%s\", \"hidden_size\": %u, "
    "\"num_hidden_layers\": %u, \"num_attention_heads\": %u, \"num_key_value_heads\": %u, "
    "\"head_dim\": %u, \"rms_norm_eps\": 1e-05, \"rope_scaling\": null, \"torch_dtype\": \"bfloat16\"}",
    m->qk_norm ? "qwen3" : "llama", m->d, m->L, m->H, config_kv_heads, m->d_h);

  write_text (dir, "config.json", config);
}

/* One file, or a shard per layer with the index that lists them. */
static void
llama_write (const Llama *m,
             const char  *dir,
             gboolean     sharded)
{
  llama_write_config (m, dir, m->G);
  if (!sharded)
    {
      g_autoptr(QksSafetensorsWriter) w = qks_safetensors_writer_new ();

      qks_safetensors_writer_add_metadata (w, "format", "pt");
      for (guint l = 0; l < m->L; l++)
        llama_add_layer (m, w, l);
      write_file (w, dir, "model.safetensors");
      return;
    }

  {
    g_autoptr(GString) index = g_string_new ("{\"metadata\": {\"total_size\": 1}, \"weight_map\": {");

    for (guint l = 0; l < m->L; l++)
      {
        g_autoptr(QksSafetensorsWriter) w = qks_safetensors_writer_new ();
        g_autofree char *shard = g_strdup_printf ("model-%05u-of-%05u.safetensors", l + 1, m->L);

        llama_add_layer (m, w, l);
        write_file (w, dir, shard);
        for (const char *const *p = (const char *const[]) { "q_proj", "k_proj", "v_proj", "o_proj", NULL }; *p; p++)
          g_string_append_printf (index, "%s\"model.layers.%u.self_attn.%s.weight\": \"%s\"",
                                  index->str[index->len - 1] == '{' ? "" : ", ", l, *p, shard);
        g_string_append_printf (index, ", \"model.layers.%u.mlp.up_proj.weight\": \"%s\"", l, shard);
        if (m->qk_norm)
          g_string_append_printf (index, ", \"model.layers.%u.self_attn.q_norm.weight\": \"%s\", "
                                  "\"model.layers.%u.self_attn.k_norm.weight\": \"%s\"", l, shard, l, shard);
      }
    g_string_append (index, "}}");
    write_text (dir, "model.safetensors.index.json", index->str);
  }
}

static void
llama_check_layer (const Llama        *m,
                   const QksAttnHeads *heads,
                   guint               l)
{
  guint H = m->H, d = m->d, d_h = m->d_h;

  g_assert_cmpuint (heads->n_heads, ==, H);
  g_assert_cmpuint (heads->d_model, ==, d);
  g_assert_cmpuint (heads->d_qk, ==, d_h);
  for (guint h = 0; h < H; h++)
    {
      guint g = h / (H / m->G);

      for (guint i = 0; i < d_h; i++)
        for (guint j = 0; j < d; j++)
          {
            double q = m->q[l][((gsize) h * d_h + i) * d + j];
            double k = m->k[l][((gsize) g * d_h + i) * d + j];

            if (m->qk_norm)
              {
                q *= m->q_norm[l][i];
                k *= m->k_norm[l][i];
              }
            g_assert_cmpfloat (qks_matrix_get (heads->w_q[h], i, j), ==, q);
            g_assert_cmpfloat (qks_matrix_get (heads->w_k[h], i, j), ==, k);
            g_assert_cmpfloat (qks_matrix_get (heads->w_v[h], i, j), ==,
                               m->v[l][((gsize) g * d_h + i) * d + j]);
            g_assert_cmpfloat (qks_matrix_get (heads->w_o[h], j, i), ==,
                               m->o[l][(gsize) j * H * d_h + h * d_h + i]);
          }
    }

  /* The chains of the null (b.4): [d, d_h, d] per head, [d, G·d_h, d] per layer. */
  g_assert_cmpuint (heads->head_chain_length, ==, 3);
  g_assert_cmpuint (heads->head_chain[1], ==, d_h);
  g_assert_cmpuint (heads->layer_chain_length, ==, 3);
  g_assert_cmpuint (heads->layer_chain[1], ==, m->G * d_h);
  g_assert_cmpuint (heads->shared_key_width, ==, m->G == 1 ? d_h : 0);
}

static void
test_llama_dtypes (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (all_dtypes); t++)
    {
      g_autofree char *dir = make_tmp ();
      g_autoptr(Llama) m = llama_new (2, 32, 4, 2, 8, all_dtypes[t], 10 + t);
      g_autoptr(QksAdapter) adapter = NULL;
      g_autofree char *description = NULL;

      llama_write (m, dir, FALSE);
      adapter = open_ok (dir);
      g_assert_cmpstr (qks_adapter_get_layout_name (adapter), ==, "LLaMA/Mistral/Qwen2");
      g_assert_cmpuint (qks_adapter_get_n_layers (adapter), ==, 2);
      g_assert_null (qks_adapter_get_model_config (adapter));
      description = qks_adapter_describe (adapter);
      assert_in (description, qks_dtype_to_string (all_dtypes[t]));
      assert_in (description, "2 key/value heads");
      for (guint l = 0; l < 2; l++)
        {
          g_autoptr(QksAttnHeads) heads = load_ok (adapter, l);

          llama_check_layer (m, heads, l);
        }
      remove_tree (dir);
    }
}

/* Qwen3's per-head norms are folded into W_Q and W_K; a lone file opens
 * with the config.json beside it. */
static void
test_llama_qk_norm_single_file (void)
{
  g_autofree char *dir = make_tmp ();
  g_autofree char *file = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(Llama) m = llama_new (1, 16, 2, 2, 8, QKS_DTYPE_F32, 3);
  g_autoptr(QksAdapter) adapter = NULL;
  g_autoptr(QksAttnHeads) heads = NULL;

  m->qk_norm = TRUE;
  llama_write (m, dir, FALSE);
  adapter = open_ok (file);
  heads = load_ok (adapter, 0);
  llama_check_layer (m, heads, 0);
  remove_tree (dir);
}

static void
assert_heads_equal (const QksAttnHeads *a,
                    const QksAttnHeads *b)
{
  g_assert_cmpuint (a->n_heads, ==, b->n_heads);
  for (guint h = 0; h < a->n_heads; h++)
    {
      g_assert_cmpfloat (qks_matrix_max_abs_difference (a->w_q[h], b->w_q[h]), ==, 0);
      g_assert_cmpfloat (qks_matrix_max_abs_difference (a->w_k[h], b->w_k[h]), ==, 0);
      g_assert_cmpfloat (qks_matrix_max_abs_difference (a->w_v[h], b->w_v[h]), ==, 0);
      g_assert_cmpfloat (qks_matrix_max_abs_difference (a->w_o[h], b->w_o[h]), ==, 0);
    }
}

static void
test_sharded_equals_single (void)
{
  g_autofree char *single_dir = make_tmp ();
  g_autofree char *sharded_dir = make_tmp ();
  g_autoptr(Llama) m = llama_new (3, 16, 4, 4, 4, QKS_DTYPE_BF16, 5);
  g_autoptr(QksAdapter) single = NULL;
  g_autoptr(QksAdapter) sharded = NULL;

  llama_write (m, single_dir, FALSE);
  llama_write (m, sharded_dir, TRUE);
  single = open_ok (single_dir);
  sharded = open_ok (sharded_dir);
  g_assert_cmpuint (qks_model_files_get_n_shards (qks_adapter_get_files (sharded)), ==, 3);
  g_assert_cmpuint (qks_adapter_get_n_layers (sharded), ==, 3);
  for (guint l = 0; l < 3; l++)
    {
      g_autoptr(QksAttnHeads) a = load_ok (single, l);
      g_autoptr(QksAttnHeads) b = load_ok (sharded, l);

      assert_heads_equal (a, b);
      llama_check_layer (m, b, l);
    }
  remove_tree (single_dir);
  remove_tree (sharded_dir);
}

/* GPT-2 ------------------------------------------------------------------- */

static void
gpt2_write (const char  *dir,
            QksDtype     dtype,
            guint        L,
            guint        d,
            guint        H,
            float      **c_attn,
            float      **c_proj,
            const char  *prefix)
{
  g_autoptr(QksSafetensorsWriter) w = qks_safetensors_writer_new ();
  g_autofree char *config = g_strdup_printf ("{\"model_type\": \"gpt2\", \"n_embd\": %u, \"n_head\": %u, "
                                             "\"n_layer\": %u, \"n_positions\": 1024}", d, H, L);
  g_autofree float *bias = g_new0 (float, 3 * d);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  for (guint l = 0; l < L; l++)
    {
      char *a = g_strdup_printf ("%sh.%u.attn.c_attn.weight", prefix, l);
      char *b = g_strdup_printf ("%sh.%u.attn.c_attn.bias", prefix, l);
      char *p = g_strdup_printf ("%sh.%u.attn.c_proj.weight", prefix, l);

      add_2d (w, dtype, a, d, 3 * (gsize) d, c_attn[l]);
      add_1d (w, dtype, b, 3 * (gsize) d, bias);
      add_2d (w, dtype, p, d, d, c_proj[l]);
      g_ptr_array_add (names, a);
      g_ptr_array_add (names, b);
      g_ptr_array_add (names, p);
    }
  write_file (w, dir, "model.safetensors");
  write_text (dir, "config.json", config);
  g_ptr_array_unref (names);
}

static void
test_gpt2_conv1d (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (all_dtypes); t++)
    {
      g_autofree char *dir = make_tmp ();
      guint L = 2, d = 24, H = 3, d_h = 8;
      float *c_attn[2], *c_proj[2];
      g_autoptr(QksAdapter) adapter = NULL;
      QksRng rng;

      qks_rng_init (&rng, 40 + t);
      for (guint l = 0; l < L; l++)
        {
          c_attn[l] = random_tensor (&rng, all_dtypes[t], (gsize) d * 3 * d, 0.02, 0);
          c_proj[l] = random_tensor (&rng, all_dtypes[t], (gsize) d * d, 0.02, 0);
        }
      gpt2_write (dir, all_dtypes[t], L, d, H, c_attn, c_proj, t % 2 ? "transformer." : "");
      adapter = open_ok (dir);
      g_assert_cmpstr (qks_adapter_get_layout_name (adapter), ==, "GPT-2");
      for (guint l = 0; l < L; l++)
        {
          g_autoptr(QksAttnHeads) heads = load_ok (adapter, l);

          g_assert_cmpuint (heads->shared_key_width, ==, 0);
          g_assert_cmpuint (heads->layer_chain[1], ==, d);
          for (guint h = 0; h < H; h++)
            for (guint i = 0; i < d_h; i++)
              for (guint j = 0; j < d; j++)
                {
                  /* Conv1D is (in, out): W_Q,h[i][j] is c_attn[j][h·d_h + i]. */
                  g_assert_cmpfloat (qks_matrix_get (heads->w_q[h], i, j), ==, c_attn[l][j * 3 * d + h * d_h + i]);
                  g_assert_cmpfloat (qks_matrix_get (heads->w_k[h], i, j), ==, c_attn[l][j * 3 * d + d + h * d_h + i]);
                  g_assert_cmpfloat (qks_matrix_get (heads->w_v[h], i, j), ==, c_attn[l][j * 3 * d + 2 * d + h * d_h + i]);
                  g_assert_cmpfloat (qks_matrix_get (heads->w_o[h], j, i), ==, c_proj[l][(h * d_h + i) * d + j]);
                }
        }
      for (guint l = 0; l < L; l++)
        {
          g_free (c_attn[l]);
          g_free (c_proj[l]);
        }
      remove_tree (dir);
    }
}

/* DeepSeek MLA ------------------------------------------------------------ */

typedef struct
{
  guint  d, H, d_cq, d_c, d_n, d_r, d_v;
  float *q_a, *q_a_norm, *q_b, *kv_a, *kv_a_norm, *kv_b, *o;
} Mla;

static void
mla_write (Mla        *m,
           const char *dir,
           QksDtype    dtype,
           guint64     seed)
{
  g_autoptr(QksSafetensorsWriter) w = qks_safetensors_writer_new ();
  g_autofree char *config = NULL;
  gsize q_rows = (gsize) m->H * (m->d_n + m->d_r);
  QksRng rng;

  qks_rng_init (&rng, seed);
  m->q_a = random_tensor (&rng, dtype, (gsize) MAX (m->d_cq, 1) * m->d, 0.02, 0);
  m->q_a_norm = random_tensor (&rng, dtype, MAX (m->d_cq, 1), 0.3, 1.0);
  m->q_b = random_tensor (&rng, dtype, q_rows * (m->d_cq ? m->d_cq : m->d), 0.02, 0);
  m->kv_a = random_tensor (&rng, dtype, (gsize) (m->d_c + m->d_r) * m->d, 0.02, 0);
  m->kv_a_norm = random_tensor (&rng, dtype, m->d_c, 0.3, 1.0);
  m->kv_b = random_tensor (&rng, dtype, (gsize) m->H * (m->d_n + m->d_v) * m->d_c, 0.02, 0);
  m->o = random_tensor (&rng, dtype, (gsize) m->d * m->H * m->d_v, 0.02, 0);

  if (m->d_cq > 0)
    {
      add_2d (w, dtype, "model.layers.0.self_attn.q_a_proj.weight", m->d_cq, m->d, m->q_a);
      add_1d (w, dtype, "model.layers.0.self_attn.q_a_layernorm.weight", m->d_cq, m->q_a_norm);
      add_2d (w, dtype, "model.layers.0.self_attn.q_b_proj.weight", q_rows, m->d_cq, m->q_b);
    }
  else
    add_2d (w, dtype, "model.layers.0.self_attn.q_proj.weight", q_rows, m->d, m->q_b);
  add_2d (w, dtype, "model.layers.0.self_attn.kv_a_proj_with_mqa.weight", m->d_c + m->d_r, m->d, m->kv_a);
  add_1d (w, dtype, "model.layers.0.self_attn.kv_a_layernorm.weight", m->d_c, m->kv_a_norm);
  add_2d (w, dtype, "model.layers.0.self_attn.kv_b_proj.weight", (gsize) m->H * (m->d_n + m->d_v), m->d_c, m->kv_b);
  add_2d (w, dtype, "model.layers.0.self_attn.o_proj.weight", m->d, (gsize) m->H * m->d_v, m->o);
  write_file (w, dir, "model.safetensors");

  config = g_strdup_printf ("{\"model_type\": \"deepseek_v2\", \"hidden_size\": %u, \"num_attention_heads\": %u, "
                            "\"num_key_value_heads\": %u, \"num_hidden_layers\": 1, \"q_lora_rank\": %s%.0u, "
                            "\"kv_lora_rank\": %u, \"qk_nope_head_dim\": %u, \"qk_rope_head_dim\": %u, "
                            "\"v_head_dim\": %u}", m->d, m->H, m->H, m->d_cq ? "" : "null", m->d_cq,
                            m->d_c, m->d_n, m->d_r, m->d_v);
  write_text (dir, "config.json", config);
}

static void
mla_clear (Mla *m)
{
  g_free (m->q_a);
  g_free (m->q_a_norm);
  g_free (m->q_b);
  g_free (m->kv_a);
  g_free (m->kv_a_norm);
  g_free (m->kv_b);
  g_free (m->o);
}

/* Row @row of up · diag(gains) · down, by plain sums. */
static double
chain_entry (const float *up,
             gsize        row,
             gsize        width,
             const float *gains,
             const float *down,
             gsize        d,
             gsize        col)
{
  double sum = 0;

  for (gsize c = 0; c < width; c++)
    sum += (double) up[row * width + c] * gains[c] * down[c * d + col];
  return sum;
}

static void
check_mla (guint d_cq)
{
  g_autofree char *dir = make_tmp ();
  Mla m = { .d = 32, .H = 3, .d_cq = d_cq, .d_c = 8, .d_n = 6, .d_r = 4, .d_v = 5 };
  g_autoptr(QksAdapter) adapter = NULL;
  g_autoptr(QksAttnHeads) heads = NULL;
  gsize d = m.d;

  mla_write (&m, dir, QKS_DTYPE_BF16, 77 + d_cq);
  adapter = open_ok (dir);
  g_assert_cmpstr (qks_adapter_get_layout_name (adapter), ==, "DeepSeek-V2/V3 MLA");
  heads = load_ok (adapter, 0);
  g_assert_cmpuint (heads->d_qk, ==, m.d_n);
  g_assert_cmpuint (heads->d_v, ==, m.d_v);
  g_assert_cmpuint (heads->d_rope, ==, m.d_r);

  for (guint h = 0; h < m.H; h++)
    for (gsize j = 0; j < d; j++)
      {
        for (guint i = 0; i < m.d_n; i++)
          {
            gsize q_row = h * (m.d_n + m.d_r) + i, k_row = h * (m.d_n + m.d_v) + i;
            double q = d_cq ? chain_entry (m.q_b, q_row, d_cq, m.q_a_norm, m.q_a, d, j) : m.q_b[q_row * d + j];
            double k = chain_entry (m.kv_b, k_row, m.d_c, m.kv_a_norm, m.kv_a, d, j);

            g_assert_cmpfloat_with_epsilon (qks_matrix_get (heads->w_q[h], i, j), q, 1e-12);
            g_assert_cmpfloat_with_epsilon (qks_matrix_get (heads->w_k[h], i, j), k, 1e-12);
          }
        for (guint i = 0; i < m.d_v; i++)
          {
            gsize v_row = h * (m.d_n + m.d_v) + m.d_n + i;

            g_assert_cmpfloat_with_epsilon (qks_matrix_get (heads->w_v[h], i, j),
                                            chain_entry (m.kv_b, v_row, m.d_c, m.kv_a_norm, m.kv_a, d, j), 1e-12);
            g_assert_cmpfloat (qks_matrix_get (heads->w_o[h], j, i), ==, m.o[j * m.H * m.d_v + h * m.d_v + i]);
          }
        for (guint i = 0; i < m.d_r; i++)
          {
            gsize q_row = h * (m.d_n + m.d_r) + m.d_n + i;
            double q = d_cq ? chain_entry (m.q_b, q_row, d_cq, m.q_a_norm, m.q_a, d, j) : m.q_b[q_row * d + j];

            g_assert_cmpfloat_with_epsilon (qks_matrix_get (heads->w_q_rope[h], i, j), q, 1e-12);
            /* The shared RoPE key: kv_a's last rows, outside the norm. */
            g_assert_cmpfloat (qks_matrix_get (heads->w_k_rope, i, j), ==, m.kv_a[(m.d_c + i) * d + j]);
          }
      }

  /* Keys through one latent: shared by construction (f.6); the chain runs
   * through the latents (b.4). */
  g_assert_cmpuint (heads->shared_key_width, ==, m.d_c);
  if (d_cq > 0)
    {
      guint expected[5] = { 32, d_cq, 6, 8, 32 };

      g_assert_cmpuint (heads->head_chain_length, ==, 5);
      g_assert_cmpmem (heads->head_chain, sizeof expected, expected, sizeof expected);
    }
  else
    {
      guint expected[4] = { 32, 6, 8, 32 };

      g_assert_cmpuint (heads->head_chain_length, ==, 4);
      g_assert_cmpmem (heads->head_chain, sizeof expected, expected, sizeof expected);
    }

  /* And the diagnostics run on it, with K's head diversity flagged. */
  {
    g_autoptr(QksDiagContext) context = quick_context ();
    g_autoptr(QksSnapshot) snapshot = NULL;
    g_autoptr(GError) error = NULL;
    QksMetricFlags flags;

    snapshot = qks_checkpoint_analyze (context, adapter, 7, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (snapshot->step, ==, 7);
    metric (snapshot, 0, QKS_WHOLE_LAYER, QKS_FORM_QK, "hdi_k", &flags);
    g_assert_true (flags & QKS_METRIC_FLAG_SHARED_BY_CONSTRUCTION);
    metric (snapshot, 0, QKS_WHOLE_LAYER, QKS_FORM_QK_ROPE, "n_spikes", NULL);
  }

  mla_clear (&m);
  remove_tree (dir);
}

static void
test_mla_compressed_queries (void)
{
  check_mla (12);
}

static void
test_mla_plain_queries (void)
{
  check_mla (0);
}

/* Metrics on planted structure --------------------------------------------- */

/* Every head the same: head diversity 0, shared fraction 1 (b.7, b.8). */
static void
test_identical_heads_have_no_diversity (void)
{
  g_autofree char *dir = make_tmp ();
  g_autoptr(Llama) m = llama_new (1, 32, 4, 4, 8, QKS_DTYPE_F32, 8);
  g_autoptr(QksAdapter) adapter = NULL;
  g_autoptr(QksDiagContext) context = quick_context ();
  g_autoptr(QksSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  gsize block = (gsize) m->d_h * m->d;

  for (guint h = 1; h < m->H; h++)
    {
      memcpy (m->q[0] + h * block, m->q[0], block * sizeof (float));
      memcpy (m->k[0] + h * block, m->k[0], block * sizeof (float));
    }
  llama_write (m, dir, FALSE);
  adapter = open_ok (dir);
  snapshot = qks_checkpoint_analyze (context, adapter, 0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (metric (snapshot, 0, QKS_WHOLE_LAYER, QKS_FORM_QK, "diversity_erank_pct", NULL), ==, 0);
  g_assert_cmpfloat_with_epsilon (metric (snapshot, 0, QKS_WHOLE_LAYER, QKS_FORM_QK, "shared_fraction", NULL), 1, 1e-9);
  remove_tree (dir);
}

/* Keys of one head's worth (MQA) are shared by construction; GQA's are
 * not flagged, as QK Scope's own GQA is not (f.6). */
static void
test_gqa_sharing_flags (void)
{
  for (guint G = 1; G <= 2; G++)
    {
      g_autofree char *dir = make_tmp ();
      g_autoptr(Llama) m = llama_new (1, 32, 4, G, 8, QKS_DTYPE_F16, 20 + G);
      g_autoptr(QksAdapter) adapter = NULL;
      g_autoptr(QksDiagContext) context = quick_context ();
      g_autoptr(QksSnapshot) snapshot = NULL;
      g_autoptr(GError) error = NULL;
      QksMetricFlags flags;

      llama_write (m, dir, FALSE);
      adapter = open_ok (dir);
      snapshot = qks_checkpoint_analyze (context, adapter, 0, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      metric (snapshot, 0, QKS_WHOLE_LAYER, QKS_FORM_QK, "hdi_k", &flags);
      g_assert_cmpint (!!(flags & QKS_METRIC_FLAG_SHARED_BY_CONSTRUCTION), ==, G == 1);
      metric (snapshot, 0, QKS_WHOLE_LAYER, QKS_FORM_QK, "hdi_q", &flags);
      g_assert_false (flags & QKS_METRIC_FLAG_SHARED_BY_CONSTRUCTION);
      remove_tree (dir);
    }
}

/* Random weights give no spike under the chain null; a rank-one key
 * direction planted in every head gives exactly one in the layer form:
 * B = W_Qᵀ (G_K + θ a vᵀ) = W_Qᵀ G_K + θ (W_Qᵀ a) vᵀ. */
static void
test_planted_spike (void)
{
  for (int planted = 0; planted <= 1; planted++)
    {
      g_autofree char *dir = make_tmp ();
      g_autoptr(Llama) m = llama_new (1, 128, 4, 4, 16, QKS_DTYPE_F32, 31);
      g_autoptr(QksAdapter) adapter = NULL;
      g_autoptr(QksDiagContext) context = NULL;
      g_autoptr(QksSnapshot) snapshot = NULL;
      g_autoptr(GError) error = NULL;
      QksDiagOptions options;
      gsize rows = (gsize) m->G * m->d_h;
      QksRng rng;
      g_autofree double *a = g_new (double, rows);
      g_autofree double *v = g_new (double, m->d);

      qks_rng_init (&rng, 99);
      qks_rng_fill_normal (&rng, a, rows, 0, 1.0 / sqrt (rows));
      qks_rng_fill_normal (&rng, v, m->d, 0, 1.0 / sqrt (m->d));
      if (planted)
        for (gsize i = 0; i < rows; i++)
          for (gsize j = 0; j < m->d; j++)
            m->k[0][i * m->d + j] += (float) (2.0 * a[i] * v[j]);

      llama_write (m, dir, FALSE);
      adapter = open_ok (dir);
      qks_diag_options_init (&options);
      options.null_law = QKS_DIAG_NULL_CHAIN;
      context = qks_diag_context_new (&options);
      snapshot = qks_checkpoint_analyze (context, adapter, 0, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (metric (snapshot, 0, QKS_WHOLE_LAYER, QKS_FORM_QK, "n_spikes", NULL), ==, planted);
      remove_tree (dir);
    }
}

/* Layers analysed on two threads give what one thread gives, in layer
 * order: the same rows, and values equal to the rounding of BLAS. */
static void
test_layers_in_parallel (void)
{
  g_autofree char *dir = make_tmp ();
  g_autoptr(Llama) m = llama_new (5, 32, 4, 2, 8, QKS_DTYPE_F32, 41);
  g_autoptr(QksAdapter) adapter = NULL;
  g_autoptr(QksSnapshot) serial = NULL;
  g_autoptr(QksSnapshot) parallel = NULL;
  guint threads = qks_parallel_get_threads ();

  llama_write (m, dir, FALSE);
  adapter = open_ok (dir);
  for (guint t = 1; t <= 2; t++)
    {
      g_autoptr(QksDiagContext) context = quick_context ();
      g_autoptr(GError) error = NULL;

      qks_parallel_set_threads (t);
      *(t == 1 ? &serial : &parallel) = qks_checkpoint_analyze (context, adapter, 0, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  qks_parallel_set_threads (threads);

  g_assert_cmpuint (serial->metrics->len, ==, parallel->metrics->len);
  g_assert_cmpuint (serial->spectra->len, ==, parallel->spectra->len);
  for (guint i = 0; i < serial->metrics->len; i++)
    {
      const QksMetricRow *a = &g_array_index (serial->metrics, QksMetricRow, i);
      const QksMetricRow *b = &g_array_index (parallel->metrics, QksMetricRow, i);

      g_assert_cmpuint (a->layer, ==, b->layer);
      g_assert_cmpint (a->head, ==, b->head);
      g_assert_cmpint (a->form, ==, b->form);
      g_assert_cmpstr (a->name, ==, b->name);
      if (isfinite (a->value))
        g_assert_cmpfloat (fabs (a->value - b->value), <=, 1e-9 * MAX (fabs (a->value), 1.0));
      else
        g_assert_cmpint (isnan (a->value), ==, isnan (b->value));
    }
  /* Layer by layer, in order. */
  for (guint i = 1; i < parallel->metrics->len; i++)
    g_assert_cmpuint (g_array_index (parallel->metrics, QksMetricRow, i - 1).layer, <=,
                      g_array_index (parallel->metrics, QksMetricRow, i).layer);
  remove_tree (dir);
}

/* Errors ------------------------------------------------------------------ */

static void
test_unknown_layout_lists_names (void)
{
  g_autofree char *dir = make_tmp ();
  g_autoptr(QksSafetensorsWriter) w = qks_safetensors_writer_new ();
  float data[4] = { 1, 2, 3, 4 };
  g_autoptr(GError) error = NULL;
  g_autoptr(QksAdapter) adapter = NULL;

  add_2d (w, QKS_DTYPE_F32, "encoder.block.0.layer.0.SelfAttention.q.weight", 2, 2, data);
  add_2d (w, QKS_DTYPE_F32, "shared.weight", 2, 2, data);
  write_file (w, dir, "model.safetensors");
  write_text (dir, "config.json", "{\"model_type\": \"t5\", \"d_model\": 2}");

  adapter = qks_adapter_open (dir, &error);
  g_assert_null (adapter);
  g_assert_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_UNKNOWN_LAYOUT);
  assert_in (error->message, "“encoder.block.0.layer.0.SelfAttention.q.weight”");
  assert_in (error->message, "“shared.weight”");
  assert_in (error->message, "model_type “t5”");
  assert_in (error->message, "h.0.attn.c_attn.weight");
  assert_in (error->message, "model.layers.0.self_attn.q_proj.weight");
  assert_in (error->message, "kv_a_proj_with_mqa");
  assert_in (error->message, "qkscope");
  remove_tree (dir);
}

static void
test_missing_shard (void)
{
  g_autofree char *dir = make_tmp ();
  g_autoptr(Llama) m = llama_new (2, 16, 2, 2, 8, QKS_DTYPE_F32, 2);
  g_autofree char *shard = NULL;

  llama_write (m, dir, TRUE);
  shard = g_build_filename (dir, "model-00002-of-00002.safetensors", NULL);
  g_assert_cmpint (g_remove (shard), ==, 0);
  assert_open_fails (dir, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_MISSING_SHARD,
                     "model-00002-of-00002.safetensors");
  remove_tree (dir);
}

static void
test_malformed_config (void)
{
  g_autofree char *dir = make_tmp ();
  g_autoptr(Llama) m = llama_new (1, 16, 2, 2, 8, QKS_DTYPE_F32, 2);

  llama_write (m, dir, FALSE);
  write_text (dir, "config.json", "{\"hidden_size\": 16, \"num_attention_heads\": 2,");
  assert_open_fails (dir, QKS_HF_CONFIG_ERROR, QKS_HF_CONFIG_ERROR_JSON, "config.json");
  write_text (dir, "config.json", "{\"hidden_size\": \"16\", \"num_attention_heads\": 2}");
  assert_open_fails (dir, QKS_HF_CONFIG_ERROR, QKS_HF_CONFIG_ERROR_VALUE, "“hidden_size” is a string");
  {
    g_autofree char *config = g_build_filename (dir, "config.json", NULL);

    g_assert_cmpint (g_remove (config), ==, 0);
  }
  assert_open_fails (dir, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_NO_CONFIG, "no config.json");
  remove_tree (dir);
}

static void
test_inconsistent_heads (void)
{
  g_autofree char *dir = make_tmp ();
  g_autoptr(Llama) m = llama_new (2, 16, 4, 2, 4, QKS_DTYPE_F32, 2);

  llama_write (m, dir, FALSE);
  /* Says 4 key/value heads where the tensors hold 2. */
  llama_write_config (m, dir, 4);
  assert_open_fails (dir, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_INCONSISTENT,
                     "“model.layers.0.self_attn.k_proj.weight” has shape [8, 16], but config.json's "
                     "4 key/value heads of 4 dims");
  /* Says 3 layers where there are 2. */
  m->L = 3;
  llama_write_config (m, dir, 2);
  assert_open_fails (dir, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_MISSING_TENSOR,
                     "no “model.layers.2.self_attn.q_proj.weight”");
  m->L = 2;
  remove_tree (dir);
}

/* config.json on its own (the fuzzer's entry point) --------------------------- */

static void
assert_parse_fails (const char *text,
                    int         code,
                    const char *in_message)
{
  g_auto(QksHfConfig) config = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_false (qks_hf_config_parse (&config, text, strlen (text), "config.json", &error));
  g_assert_error (error, QKS_HF_CONFIG_ERROR, code);
  assert_in (error->message, "config.json");
  assert_in (error->message, in_message);
  g_assert_null (config.model_type);
}

static void
test_hf_config (void)
{
  g_auto(QksHfConfig) config = { 0 };
  g_autoptr(GError) error = NULL;
  const char *deepseek = "{\"model_type\": \"deepseek_v2\", \"hidden_size\": 2048, \"num_attention_heads\": 16, "
                         "\"num_hidden_layers\": 27, \"q_lora_rank\": null, \"kv_lora_rank\": 512, "
                         "\"qk_nope_head_dim\": 128, \"qk_rope_head_dim\": 64, \"v_head_dim\": 128, "
                         "\"architectures\": [\"DeepseekV2ForCausalLM\"], \"rope_scaling\": {\"type\": \"yarn\"}}";
  const char *llava = "{\"model_type\": \"llava\", \"text_config\": {\"model_type\": \"mistral\", "
                      "\"hidden_size\": 4096, \"num_attention_heads\": 32, \"num_key_value_heads\": 8, "
                      "\"num_hidden_layers\": 32}}";

  g_assert_true (qks_hf_config_parse (&config, deepseek, strlen (deepseek), "config.json", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config.model_type, ==, "deepseek_v2");
  g_assert_cmpstr (config.architecture, ==, "DeepseekV2ForCausalLM");
  g_assert_cmpuint (config.d_model, ==, 2048);
  g_assert_cmpuint (config.n_layers, ==, 27);
  g_assert_cmpuint (config.q_lora_rank, ==, 0);
  g_assert_cmpuint (config.kv_lora_rank, ==, 512);
  g_assert_cmpuint (config.qk_rope_head_dim, ==, 64);
  qks_hf_config_clear (&config);

  g_assert_true (qks_hf_config_parse (&config, llava, strlen (llava), "config.json", &error));
  g_assert_cmpstr (config.model_type, ==, "mistral");
  g_assert_cmpuint (config.n_kv_heads, ==, 8);
  qks_hf_config_clear (&config);

  assert_parse_fails ("", QKS_HF_CONFIG_ERROR_JSON, "not valid JSON");
  assert_parse_fails ("[1, 2]", QKS_HF_CONFIG_ERROR_JSON, "an array, not a JSON object");
  assert_parse_fails ("{\"n_head\": 4, \"n_head\": 8}", QKS_HF_CONFIG_ERROR_JSON, "n_head");
  assert_parse_fails ("{\"n_embd\": 7.5}", QKS_HF_CONFIG_ERROR_VALUE, "“n_embd” is a fractional number");
  assert_parse_fails ("{\"num_attention_heads\": -4}", QKS_HF_CONFIG_ERROR_VALUE, "“num_attention_heads” is -4");
  assert_parse_fails ("{\"num_attention_heads\": 0}", QKS_HF_CONFIG_ERROR_VALUE, "out of the range");
  assert_parse_fails ("{\"hidden_size\": 99999999999}", QKS_HF_CONFIG_ERROR_VALUE, "out of the range");
  assert_parse_fails ("{\"model_type\": 3}", QKS_HF_CONFIG_ERROR_VALUE, "“model_type” is");
  assert_parse_fails ("{\"architectures\": \"Llama\"}", QKS_HF_CONFIG_ERROR_VALUE, "architectures");
  assert_parse_fails ("{\"num_attention_heads\": 32, \"num_key_value_heads\": 5}",
                      QKS_HF_CONFIG_ERROR_INCONSISTENT, "5 key/value heads cannot serve 32");
  assert_parse_fails ("{\"a\": \"\xff\"}", QKS_HF_CONFIG_ERROR_JSON, "not UTF-8");
}

/* Folders of checkpoints ----------------------------------------------------- */

static void
test_step_names (void)
{
  struct { const char *name; gboolean ok; guint step; } cases[] = {
    { "checkpoint-100", TRUE, 100 },
    { "step-2000.safetensors", TRUE, 2000 },
    { "step_5", TRUE, 5 },
    { "global_step300", TRUE, 300 },
    { "gpt2-small-step-40.safetensors", TRUE, 40 },
    { "iter-7", TRUE, 7 },
    { "Checkpoint-0", TRUE, 0 },
    { "model-00001-of-00002.safetensors", FALSE, 0 },
    { "footstep-3", FALSE, 0 },
    { "checkpoint", FALSE, 0 },
    { "step-99999999999", FALSE, 0 },
    { "config.json", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint step = 12345;

      g_assert_cmpint (qks_checkpoint_step_from_name (cases[i].name, &step), ==, cases[i].ok);
      if (cases[i].ok)
        g_assert_cmpuint (step, ==, cases[i].step);
    }
}

/* checkpoint-N/ folders (Trainer) and step-N.safetensors files beside one
 * config.json both become a timeline, and a history of one snapshot per step. */
static void
test_series (void)
{
  guint steps[3] = { 1000, 20, 300 };

  for (int files = 0; files <= 1; files++)
    {
      g_autofree char *dir = make_tmp ();
      g_autoptr(GArray) entries = NULL;
      GArray *snapshot_steps;
      g_autoptr(QksHistory) history = NULL;
      g_autoptr(QksDiagContext) context = quick_context ();
      g_autoptr(GError) error = NULL;

      for (guint i = 0; i < 3; i++)
        {
          g_autoptr(Llama) m = llama_new (2, 16, 2, 2, 8, QKS_DTYPE_BF16, 50 + i);

          if (files)
            {
              g_autoptr(QksSafetensorsWriter) w = qks_safetensors_writer_new ();
              g_autofree char *name = g_strdup_printf ("run-step-%u.safetensors", steps[i]);

              for (guint l = 0; l < m->L; l++)
                llama_add_layer (m, w, l);
              write_file (w, dir, name);
              llama_write_config (m, dir, m->G);
            }
          else
            {
              g_autofree char *sub = g_strdup_printf ("%s/checkpoint-%u", dir, steps[i]);

              g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
              llama_write (m, sub, FALSE);
              write_text (sub, "trainer_state.json", "{}");
            }
        }
      write_text (dir, "README.md", "not a checkpoint");
      {
        g_autofree char *empty = g_build_filename (dir, "step-5", NULL);

        g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);  /* no weights: not a checkpoint */
      }

      g_assert_true (qks_checkpoint_series_is_series (dir));
      entries = qks_checkpoint_series_list (dir, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (entries->len, ==, 3);
      g_assert_cmpuint (g_array_index (entries, QksCheckpointEntry, 0).step, ==, 20);
      g_assert_cmpuint (g_array_index (entries, QksCheckpointEntry, 1).step, ==, 300);
      g_assert_cmpuint (g_array_index (entries, QksCheckpointEntry, 2).step, ==, 1000);
      assert_in (g_array_index (entries, QksCheckpointEntry, 1).path, files ? "run-step-300.safetensors" : "checkpoint-300");

      history = qks_checkpoint_series_analyze (context, dir, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      snapshot_steps = qks_history_get_snapshot_steps (history);
      g_assert_cmpuint (snapshot_steps->len, ==, 3);
      g_assert_cmpuint (g_array_index (snapshot_steps, guint, 0), ==, 20);
      g_assert_cmpuint (g_array_index (snapshot_steps, guint, 2), ==, 1000);
      g_assert_cmpuint (qks_history_get_n_layers (history), ==, 2);
      remove_tree (dir);
    }
}

static void
count_progress (double      fraction,
                const char *message,
                gpointer    user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (fraction, >=, *last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  g_assert_nonnull (message);
  *last = fraction;
}

static void
test_series_progress_and_cancel (void)
{
  g_autofree char *dir = make_tmp ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QksDiagContext) context = quick_context ();
  g_autoptr(QksHistory) history = NULL;
  g_autoptr(GError) error = NULL;
  double last = 0;

  for (guint i = 1; i <= 2; i++)
    {
      g_autoptr(Llama) m = llama_new (1, 16, 2, 2, 8, QKS_DTYPE_F32, i);
      g_autofree char *sub = g_strdup_printf ("%s/checkpoint-%u", dir, i * 10);

      g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
      llama_write (m, sub, FALSE);
    }
  history = qks_checkpoint_series_analyze (context, dir, count_progress, &last, cancellable, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (last, ==, 1.0);
  g_clear_pointer (&history, qks_history_unref);

  g_cancellable_cancel (cancellable);
  history = qks_checkpoint_series_analyze (context, dir, NULL, NULL, cancellable, &error);
  g_assert_null (history);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Two checkpoints of one step are an error that names both. */
  {
    g_autoptr(Llama) m = llama_new (1, 16, 2, 2, 8, QKS_DTYPE_F32, 9);
    g_autoptr(QksSafetensorsWriter) w = qks_safetensors_writer_new ();
    g_autoptr(GArray) entries = NULL;

    llama_add_layer (m, w, 0);
    write_file (w, dir, "step-10.safetensors");
    entries = qks_checkpoint_series_list (dir, &error);
    g_assert_null (entries);
    g_assert_error (error, QKS_CHECKPOINT_SERIES_ERROR, QKS_CHECKPOINT_SERIES_ERROR_DUPLICATE);
    assert_in (error->message, "checkpoint-10");
    assert_in (error->message, "step-10.safetensors");
  }
  remove_tree (dir);
}

static void
on_analyzed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  QksSnapshot **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = qks_checkpoint_analyze_finish (result, &error);
  g_assert_no_error (error);
}

/* Progress of an analysis in the background: on the caller's thread, in
 * order, and never after the result. */
typedef struct
{
  GThread     *thread;
  QksSnapshot *snapshot;
  double       last;
  guint        calls;
  guint        after_result;
  gboolean     freed;
} AsyncProgress;

static void
async_progress (double      fraction,
                const char *message,
                gpointer    user_data)
{
  AsyncProgress *p = user_data;

  g_assert_true (g_thread_self () == p->thread);
  g_assert_cmpfloat (fraction, >=, p->last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  p->last = fraction;
  p->calls++;
  p->after_result += p->snapshot != NULL;
}

static void
async_progress_free (gpointer user_data)
{
  ((AsyncProgress *) user_data)->freed = TRUE;
}

static void
test_analyze_async (void)
{
  g_autofree char *dir = make_tmp ();
  g_autoptr(Llama) m = llama_new (6, 16, 2, 1, 8, QKS_DTYPE_F32, 4);
  g_autoptr(QksDiagContext) context = quick_context ();
  QksSnapshot *snapshot = NULL;
  AsyncProgress p = { g_thread_self () };

  llama_write (m, dir, FALSE);
  qks_checkpoint_analyze_async (context, dir, 42, NULL, NULL, NULL, NULL, on_analyzed, &snapshot);
  while (snapshot == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (snapshot->step, ==, 42);
  qks_snapshot_free (snapshot);

  qks_checkpoint_analyze_async (context, dir, 43, async_progress, &p, async_progress_free, NULL,
                                on_analyzed, &p.snapshot);
  while (p.snapshot == NULL || !p.freed)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (p.snapshot->step, ==, 43);
  g_assert_cmpuint (p.calls, >=, 1);
  g_assert_cmpuint (p.after_result, ==, 0);
  qks_snapshot_free (p.snapshot);
  remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/adapt/hf-config", test_hf_config);
  g_test_add_func ("/adapt/llama/dtypes", test_llama_dtypes);
  g_test_add_func ("/adapt/llama/qk-norm-single-file", test_llama_qk_norm_single_file);
  g_test_add_func ("/adapt/llama/sharded-equals-single", test_sharded_equals_single);
  g_test_add_func ("/adapt/gpt2/conv1d", test_gpt2_conv1d);
  g_test_add_func ("/adapt/mla/compressed-queries", test_mla_compressed_queries);
  g_test_add_func ("/adapt/mla/plain-queries", test_mla_plain_queries);
  g_test_add_func ("/adapt/metrics/identical-heads", test_identical_heads_have_no_diversity);
  g_test_add_func ("/adapt/metrics/gqa-sharing-flags", test_gqa_sharing_flags);
  g_test_add_func ("/adapt/metrics/planted-spike", test_planted_spike);
  g_test_add_func ("/adapt/metrics/layers-in-parallel", test_layers_in_parallel);
  g_test_add_func ("/adapt/errors/unknown-layout", test_unknown_layout_lists_names);
  g_test_add_func ("/adapt/errors/missing-shard", test_missing_shard);
  g_test_add_func ("/adapt/errors/malformed-config", test_malformed_config);
  g_test_add_func ("/adapt/errors/inconsistent-heads", test_inconsistent_heads);
  g_test_add_func ("/adapt/series/step-names", test_step_names);
  g_test_add_func ("/adapt/series/timeline", test_series);
  g_test_add_func ("/adapt/series/progress-cancel-duplicates", test_series_progress_and_cancel);
  g_test_add_func ("/adapt/series/async", test_analyze_async);

  return g_test_run ();
}
