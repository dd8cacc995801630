/* qks-cli-info.c: `qkscope-cli info`, the version and the numerical libraries in use
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gsl/gsl_version.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "qks-blas.h"
#include "qks-cli.h"
#include "qks-json.h"

static JsonNode *
build_info (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *blas_path = qks_blas_get_library_path ();
  g_autofree char *lapack_path = qks_blas_get_lapack_library_path ();
  g_autofree char *glib_version = g_strdup_printf ("%u.%u.%u", glib_major_version,
                                                   glib_minor_version, glib_micro_version);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "blas_config");
  json_builder_add_string_value (builder, qks_blas_get_config ());
  json_builder_set_member_name (builder, "blas_core");
  json_builder_add_string_value (builder, qks_blas_get_core_name ());
  json_builder_set_member_name (builder, "blas_threads");
  json_builder_add_int_value (builder, qks_blas_get_num_threads ());
  json_builder_set_member_name (builder, "blas_library");
  json_builder_add_string_value (builder, blas_path ? blas_path : "");
  json_builder_set_member_name (builder, "lapack_library");
  json_builder_add_string_value (builder, lapack_path ? lapack_path : "");
  json_builder_set_member_name (builder, "gsl_version");
  json_builder_add_string_value (builder, gsl_version);
  json_builder_set_member_name (builder, "sqlite_version");
  json_builder_add_string_value (builder, sqlite3_libversion ());
  json_builder_set_member_name (builder, "glib_version");
  json_builder_add_string_value (builder, glib_version);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

int
qks_cli_info_run (int    argc,
                  char **argv)
{
  gboolean as_json = FALSE;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(JsonNode) info = NULL;
  JsonObject *object;
  int status;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print the information as JSON"), NULL },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Show the version of QK Scope and of the "
                                           "numerical libraries it runs on, and the "
                                           "library that every matrix product goes to."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = qks_cli_parse_options (context, "info", &argc, &argv)) != QKS_CLI_EXIT_OK)
    return status;
  if (argc > 1)
    return qks_cli_usage_error ("info", _("Unexpected argument “%s”"), argv[1]);

  info = build_info ();
  if (as_json)
    {
      g_autofree char *text = qks_json_to_string (info, TRUE);

      g_print ("%s\n", text);
      return QKS_CLI_EXIT_OK;
    }

  object = json_node_get_object (info);
  g_print ("%-16s %s\n", _("QK Scope"), json_object_get_string_member (object, "version"));
  g_print ("%-16s %s\n", _("BLAS"), json_object_get_string_member (object, "blas_config"));
  g_print ("%-16s %s, %d %s\n", _("BLAS kernels"),
           json_object_get_string_member (object, "blas_core"),
           (int) json_object_get_int_member (object, "blas_threads"),
           _("threads"));
  g_print ("%-16s %s\n", _("BLAS library"), json_object_get_string_member (object, "blas_library"));
  g_print ("%-16s %s\n", _("LAPACK library"), json_object_get_string_member (object, "lapack_library"));
  g_print ("%-16s %s\n", "GSL", json_object_get_string_member (object, "gsl_version"));
  g_print ("%-16s %s\n", "SQLite", json_object_get_string_member (object, "sqlite_version"));
  g_print ("%-16s %s\n", "GLib", json_object_get_string_member (object, "glib_version"));

  return QKS_CLI_EXIT_OK;
}
