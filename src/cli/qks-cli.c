/* qks-cli.c: what every qkscope-cli command shares
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qks-cli.h"

/* A later issue adds plot here. */
static const QksCliCommand commands[] = {
  { "train", N_("Train a small transformer and save checkpoints or a run"), qks_cli_train_run },
  { "eval", N_("Measure a checkpoint’s loss on a text file"), qks_cli_eval_run },
  { "analyze", N_("Print every diagnostic of a checkpoint (QK Scope, PyTorch, Hugging Face), a folder of checkpoints or a run"), qks_cli_analyze_run },
  { "plot", N_("Draw a run’s figures as SVG, PDF or PNG"), qks_cli_plot_run },
  { "info", N_("Show the version and the numerical libraries in use"), qks_cli_info_run },
};

const QksCliCommand *
qks_cli_get_commands (guint *n_commands)
{
  *n_commands = G_N_ELEMENTS (commands);
  return commands;
}

/**
 * qks_cli_usage_error:
 *
 * Prints "qkscope-cli COMMAND: MESSAGE" and where to find help.
 *
 * Returns: %QKS_CLI_EXIT_USAGE, for `return qks_cli_usage_error (...)`.
 */
int
qks_cli_usage_error (const char *command_name,
                     const char *format,
                     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (command_name != NULL)
    {
      g_printerr ("qkscope-cli %s: %s\n", command_name, message);
      g_printerr (_("Try “qkscope-cli %s --help” for more information.\n"), command_name);
    }
  else
    {
      g_printerr ("qkscope-cli: %s\n", message);
      g_printerr (_("Try “qkscope-cli --help” for more information.\n"));
    }

  return QKS_CLI_EXIT_USAGE;
}

/**
 * qks_cli_failure:
 *
 * Returns: %QKS_CLI_EXIT_FAILURE after printing @error.
 */
int
qks_cli_failure (const char   *command_name,
                 const GError *error)
{
  g_printerr ("qkscope-cli %s: %s\n", command_name, error->message);
  return QKS_CLI_EXIT_FAILURE;
}

/**
 * qks_cli_parse_options:
 * @context: the command's options; --help is handled (and exits) by GLib
 *
 * Returns: %QKS_CLI_EXIT_OK, or %QKS_CLI_EXIT_USAGE after printing what is
 *   wrong with the command line.
 */
int
qks_cli_parse_options (GOptionContext   *context,
                       const char       *command_name,
                       int              *argc,
                       char           ***argv)
{
  g_autoptr(GError) error = NULL;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    return qks_cli_usage_error (command_name, "%s", error->message);

  return QKS_CLI_EXIT_OK;
}
