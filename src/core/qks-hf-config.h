/* qks-hf-config.h: the attention sizes in a Hugging Face config.json
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The few numbers of another program's config.json that say how its
 * attention weights split into heads. Every other key is ignored. A size
 * that the file does not give is 0; the layout adapters decide what a
 * missing size means (num_key_value_heads: as many as the heads; head_dim:
 * hidden_size / num_attention_heads). */
typedef struct
{
  char  *model_type;          /* "llama", "gpt2", "deepseek_v2", …; NULL if absent */
  char  *architecture;        /* the first of "architectures", or NULL */
  guint  n_layers;            /* num_hidden_layers, n_layer */
  guint  d_model;             /* hidden_size, n_embd, d_model */
  guint  n_heads;             /* num_attention_heads, n_head */
  guint  n_kv_heads;          /* num_key_value_heads */
  guint  head_dim;            /* head_dim */
  /* DeepSeek-V2/V3 multi-head latent attention (SCIENCE.md a.3). */
  guint  q_lora_rank;         /* d_c'; 0 (or null in the file): no query compression */
  guint  kv_lora_rank;        /* d_c */
  guint  qk_nope_head_dim;    /* d_h, the content part of q and k */
  guint  qk_rope_head_dim;    /* d_h^R */
  guint  v_head_dim;
} QksHfConfig;

#define QKS_HF_CONFIG_ERROR (qks_hf_config_error_quark ())

typedef enum
{
  QKS_HF_CONFIG_ERROR_JSON,     /* not JSON, not an object, a key twice, too deep */
  QKS_HF_CONFIG_ERROR_VALUE,    /* a known key with a value of the wrong kind or out of range */
  QKS_HF_CONFIG_ERROR_INCONSISTENT, /* sizes that contradict each other */
} QksHfConfigError;

/* Larger than any model's: a size above it is a corrupt file, not a model. */
#define QKS_HF_CONFIG_MAX_SIZE   (1u << 24)
#define QKS_HF_CONFIG_MAX_LAYERS 100000

GQuark   qks_hf_config_error_quark (void);

gboolean qks_hf_config_parse       (QksHfConfig   *config,
                                    const char    *data,
                                    gsize          length,
                                    const char    *origin,
                                    GError       **error);
gboolean qks_hf_config_load        (QksHfConfig   *config,
                                    const char    *path,
                                    GError       **error);
void     qks_hf_config_clear       (QksHfConfig   *config);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (QksHfConfig, qks_hf_config_clear)

G_END_DECLS
