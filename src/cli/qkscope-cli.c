/* qkscope-cli.c: the headless command line: train, analyze, plot, ... on a server
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "qks-cli.h"
#include "qks-runtime.h"

static void
print_help (FILE *stream)
{
  const QksCliCommand *commands;
  guint n_commands;

  commands = qks_cli_get_commands (&n_commands);
  fprintf (stream, "%s\n  qkscope-cli [--version] [--help] %s [%s…]\n\n",
           _("Usage:"), _("COMMAND"), _("OPTION"));
  fprintf (stream, "%s\n\n", _("Train small transformers and measure the spectra of their attention weights."));
  fprintf (stream, "%s\n", _("Commands:"));
  for (guint i = 0; i < n_commands; i++)
    fprintf (stream, "  %-12s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (stream, "\n%s\n", _("Options:"));
  fprintf (stream, "  %-12s %s\n", "-h, --help", _("Show this help"));
  fprintf (stream, "  %-12s %s\n", "--version", _("Show the version"));
  fprintf (stream, "\n%s\n", _("Run “qkscope-cli COMMAND --help” for the options of a command."));
}

static const QksCliCommand *
find_command (const char *name)
{
  const QksCliCommand *commands;
  guint n_commands;

  commands = qks_cli_get_commands (&n_commands);
  for (guint i = 0; i < n_commands; i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static int
run_command (const QksCliCommand *command,
             int                  argc,
             char               **argv)
{
  g_autofree char *prgname = g_strdup_printf ("qkscope-cli %s", command->name);

  /* GOptionContext names the program in its --help text. */
  g_set_prgname (prgname);
  return command->run (argc, argv);
}

int
main (int    argc,
      char **argv)
{
  const QksCliCommand *command;
  const char *first;

  qks_runtime_init ();
  setlocale (LC_ALL, "");
  /* Uninstalled (build-aux/run, the tests), the translations the build made. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("QKS_LOCALEDIR") != NULL ? g_getenv ("QKS_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("qkscope-cli");

  if (argc < 2)
    {
      print_help (stderr);
      return QKS_CLI_EXIT_USAGE;
    }

  first = argv[1];
  if (strcmp (first, "--help") == 0 || strcmp (first, "-h") == 0 || strcmp (first, "help") == 0)
    {
      if (argc > 2 && strcmp (first, "help") == 0)
        {
          if ((command = find_command (argv[2])) == NULL)
            return qks_cli_usage_error (NULL, _("“%s” is not a command"), argv[2]);
          {
            char *help_argv[] = { argv[2], (char *) "--help", NULL };

            return run_command (command, 2, help_argv);
          }
        }
      print_help (stdout);
      return QKS_CLI_EXIT_OK;
    }

  if (strcmp (first, "--version") == 0 || strcmp (first, "-V") == 0)
    {
      g_print ("qkscope-cli %s\n", PACKAGE_VERSION);
      return QKS_CLI_EXIT_OK;
    }

  if (first[0] == '-')
    return qks_cli_usage_error (NULL, _("Unknown option “%s”"), first);

  if ((command = find_command (first)) == NULL)
    return qks_cli_usage_error (NULL, _("“%s” is not a command"), first);

  return run_command (command, argc - 1, argv + 1);
}
