/* fuzz-hf-config.c: libFuzzer target for the config.json reader
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "fuzz-target.h"
#include "qks-hf-config.h"

/* Every input is a whole config.json. The reader either refuses it with a
 * QKS_HF_CONFIG_ERROR and leaves the struct cleared, or fills it with
 * sizes in their ranges and key/value heads that divide the heads. */

static void
check_size (guint value,
            guint max)
{
  g_assert_cmpuint (value, <=, max);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(QksHfConfig) config = { 0 };
  g_autoptr(GError) error = NULL;

  if (!qks_hf_config_parse (&config, (const char *) data, size, "config.json", &error))
    {
      qks_fuzz_assert_error (error, QKS_HF_CONFIG_ERROR);
      g_assert_null (config.model_type);
      g_assert_null (config.architecture);
      return 0;
    }

  g_assert_no_error (error);
  g_assert_true (config.model_type == NULL || g_utf8_validate (config.model_type, -1, NULL));
  g_assert_true (config.architecture == NULL || g_utf8_validate (config.architecture, -1, NULL));
  check_size (config.n_layers, QKS_HF_CONFIG_MAX_LAYERS);
  check_size (config.d_model, QKS_HF_CONFIG_MAX_SIZE);
  check_size (config.n_heads, QKS_HF_CONFIG_MAX_SIZE);
  check_size (config.n_kv_heads, QKS_HF_CONFIG_MAX_SIZE);
  check_size (config.head_dim, QKS_HF_CONFIG_MAX_SIZE);
  check_size (config.q_lora_rank, QKS_HF_CONFIG_MAX_SIZE);
  check_size (config.kv_lora_rank, QKS_HF_CONFIG_MAX_SIZE);
  check_size (config.qk_nope_head_dim, QKS_HF_CONFIG_MAX_SIZE);
  check_size (config.qk_rope_head_dim, QKS_HF_CONFIG_MAX_SIZE);
  check_size (config.v_head_dim, QKS_HF_CONFIG_MAX_SIZE);
  if (config.n_kv_heads > 0 && config.n_heads > 0)
    g_assert_cmpuint (config.n_heads % config.n_kv_heads, ==, 0);
  return 0;
}

void
qks_fuzz_make_seeds (QksFuzzSeeds *seeds)
{
  static const char *keys[] = {
    "model_type", "architectures", "text_config", "num_hidden_layers", "n_layer",
    "hidden_size", "n_embd", "d_model", "num_attention_heads", "n_head",
    "num_key_value_heads", "head_dim", "q_lora_rank", "kv_lora_rank",
    "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim",
  };

  qks_fuzz_add_seed_text (seeds, "llama",
                          "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\","
                          "\"hidden_size\":4096,\"num_hidden_layers\":32,\"num_attention_heads\":32,"
                          "\"num_key_value_heads\":8,\"head_dim\":128,\"rope_theta\":500000.0,"
                          "\"rope_scaling\":{\"factor\":8.0,\"rope_type\":\"llama3\"},\"tie_word_embeddings\":false}");
  qks_fuzz_add_seed_text (seeds, "gpt2",
                          "{\"model_type\":\"gpt2\",\"n_embd\":768,\"n_head\":12,\"n_layer\":12,"
                          "\"n_positions\":1024,\"layer_norm_epsilon\":1e-05}");
  qks_fuzz_add_seed_text (seeds, "deepseek-v2-lite",
                          "{\"model_type\":\"deepseek_v2\",\"hidden_size\":2048,\"num_hidden_layers\":27,"
                          "\"num_attention_heads\":16,\"num_key_value_heads\":16,\"q_lora_rank\":null,"
                          "\"kv_lora_rank\":512,\"qk_nope_head_dim\":128,\"qk_rope_head_dim\":64,\"v_head_dim\":128}");
  qks_fuzz_add_seed_text (seeds, "multimodal",
                          "{\"model_type\":\"llava\",\"architectures\":[],\"text_config\":{\"model_type\":\"mistral\","
                          "\"hidden_size\":4096,\"num_hidden_layers\":32,\"num_attention_heads\":32,"
                          "\"num_key_value_heads\":8}}");
  qks_fuzz_add_seed_text (seeds, "bad-heads", "{\"num_attention_heads\":12,\"num_key_value_heads\":5}");
  qks_fuzz_add_seed_text (seeds, "bad-value", "{\"hidden_size\":-1,\"n_head\":\"12\"}");
  qks_fuzz_add_seed_text (seeds, "bad-json", "{\"hidden_size\":768,\"hidden_size\":1024}");

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *token = g_strdup_printf ("\"%s\"", keys[i]);

      qks_fuzz_add_token (seeds, token);
    }
  qks_fuzz_add_token (seeds, "null");
  qks_fuzz_add_token (seeds, "16777216");
  qks_fuzz_add_token (seeds, "16777217");
  qks_fuzz_add_token (seeds, "100001");
  qks_fuzz_add_token (seeds, "9223372036854775807");
}
