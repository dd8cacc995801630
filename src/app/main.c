/* main.c: the qkscope application
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "qks-application.h"
#include "qks-runtime.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(QksApplication) app = NULL;

  qks_runtime_init ();
  setlocale (LC_ALL, "");
  /* Uninstalled (build-aux/run, the tests), the translations the build made. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("QKS_LOCALEDIR") != NULL ? g_getenv ("QKS_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("QK Scope"));

  app = qks_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
