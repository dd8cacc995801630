/* qks-config.h: the shape of a model and of its attention variant
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  QKS_ATTN_MHA,
  QKS_ATTN_GQA,
  QKS_ATTN_MQA,
  QKS_ATTN_MLA_PREROPE,
  QKS_ATTN_MLA_DECOUPLED,
  QKS_ATTN_LRKV,
  QKS_ATTN_N_KINDS,
} QksAttnKind;

/* SCIENCE.md a.4: where MLA-PreRoPE applies the rotation. */
typedef enum
{
  QKS_MLA_ROPE_COUPLED,               /* rotate the per-head q and k rebuilt from the latents (default) */
  QKS_MLA_ROPE_ROTATE_THEN_COMPRESS,  /* rotate the layer input, then compress (literal reading) */
} QksMlaRopeMode;

/* SCIENCE.md a.5: how LRKV's low-rank residuals start. */
typedef enum
{
  QKS_LRKV_INIT_RANDOM,  /* A and B random, scaled so Var(k) matches the MHA init (default) */
  QKS_LRKV_INIT_ZERO_B,  /* B = 0 (LoRA-style): training starts as MQA */
} QksLrkvInit;

typedef struct
{
  guint          vocab_size;       /* V: 256 for bytes */
  guint          d_model;          /* d */
  guint          n_layers;         /* L */
  guint          n_heads;          /* H */
  guint          d_head;           /* d_h */
  guint          d_mlp;            /* hidden width of the MLP, 4d */
  guint          seq_len;          /* T: the longest sequence */
  double         rope_base;        /* b = 10000 */

  QksAttnKind    attention;
  guint          n_kv_groups;      /* G for GQA (MHA: H, MQA: 1) */
  guint          d_latent_kv;      /* MLA d_c */
  guint          d_latent_q;       /* MLA d_c' */
  guint          d_rope;           /* MLA-Decoupled d_h^R (0: no RoPE path) */
  QksMlaRopeMode mla_rope_mode;
  guint          lrkv_rank;        /* LRKV r (0: MQA) */
  QksLrkvInit    lrkv_init;
} QksModelConfig;

#define QKS_CONFIG_ERROR (qks_config_error_quark ())

typedef enum
{
  QKS_CONFIG_ERROR_INVALID,
  QKS_CONFIG_ERROR_UNKNOWN_NAME,
  QKS_CONFIG_ERROR_PARSE,
} QksConfigError;

GQuark       qks_config_error_quark          (void);

const char * const *qks_model_config_get_presets (void);
const char  *qks_model_preset_get_label      (const char           *preset);
const char  *qks_model_config_find_preset    (const QksModelConfig *config);
gboolean     qks_model_config_init_preset    (QksModelConfig       *config,
                                              const char           *preset,
                                              GError              **error);
gboolean     qks_model_config_init_sizes     (QksModelConfig       *config,
                                              guint                 d_model,
                                              guint                 n_layers,
                                              guint                 n_heads,
                                              guint                 seq_len,
                                              GError              **error);
void         qks_model_config_set_attention  (QksModelConfig       *config,
                                              QksAttnKind           kind);
gboolean     qks_model_config_validate       (const QksModelConfig *config,
                                              GError              **error);

const char  *qks_attn_kind_to_string         (QksAttnKind           kind);
const char  *qks_attn_kind_get_label         (QksAttnKind           kind);
gboolean     qks_attn_kind_from_string       (const char           *name,
                                              QksAttnKind          *kind,
                                              GError              **error);

const char  *qks_mla_rope_mode_to_string     (QksMlaRopeMode        mode);
gboolean     qks_mla_rope_mode_from_string   (const char           *name,
                                              QksMlaRopeMode       *mode);
const char  *qks_lrkv_init_to_string         (QksLrkvInit           init);
gboolean     qks_lrkv_init_from_string       (const char           *name,
                                              QksLrkvInit          *init);

JsonNode    *qks_model_config_to_json        (const QksModelConfig *config);
gboolean     qks_model_config_from_json      (QksModelConfig       *config,
                                              JsonNode             *node,
                                              GError              **error);
char        *qks_model_config_describe       (const QksModelConfig *config);

G_END_DECLS
