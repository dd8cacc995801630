/* qks-json.h: strict JSON for files that come from elsewhere
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define QKS_JSON_ERROR (qks_json_error_quark ())

typedef enum
{
  QKS_JSON_ERROR_INVALID,
  QKS_JSON_ERROR_DUPLICATE_KEY,
  QKS_JSON_ERROR_UNSUPPORTED,
} QksJsonError;

GQuark    qks_json_error_quark   (void);

JsonNode *qks_json_parse_strict  (const char  *text,
                                  gsize        length,
                                  guint        max_depth,
                                  GError     **error);
char     *qks_json_to_string     (JsonNode    *node,
                                  gboolean     pretty);

G_END_DECLS
