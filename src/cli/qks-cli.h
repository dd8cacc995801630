/* qks-cli.h: what every qkscope-cli command shares
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses, as GNU tools use them. */
enum
{
  QKS_CLI_EXIT_OK = 0,
  QKS_CLI_EXIT_FAILURE = 1,  /* the command ran and failed: a bad file, a NaN */
  QKS_CLI_EXIT_USAGE = 2,    /* the command line itself is wrong */
};

typedef struct
{
  const char *name;
  const char *summary;     /* untranslated; passed through _() when shown */
  int       (*run)        (int    argc,
                           char **argv);
} QksCliCommand;

const QksCliCommand *qks_cli_get_commands  (guint        *n_commands);
int                  qks_cli_parse_options (GOptionContext *context,
                                            const char     *command_name,
                                            int            *argc,
                                            char         ***argv);
int                  qks_cli_usage_error   (const char     *command_name,
                                            const char     *format,
                                            ...) G_GNUC_PRINTF (2, 3);
int                  qks_cli_failure       (const char     *command_name,
                                            const GError   *error);

int                  qks_cli_info_run      (int             argc,
                                            char          **argv);
int                  qks_cli_train_run     (int             argc,
                                            char          **argv);
int                  qks_cli_eval_run      (int             argc,
                                            char          **argv);
int                  qks_cli_analyze_run   (int             argc,
                                            char          **argv);
int                  qks_cli_plot_run      (int             argc,
                                            char          **argv);

G_END_DECLS
