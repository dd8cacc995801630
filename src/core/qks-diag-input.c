/* qks-diag-input.c: what a diagnostic snapshot is computed from, and when
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-diag-input.h"

QksDiagInput *
qks_diag_input_new (guint step,
                    guint n_layers)
{
  QksDiagInput *input = g_new0 (QksDiagInput, 1);

  input->step = step;
  input->n_layers = n_layers;
  input->layers = g_new0 (QksAttnHeads *, MAX (n_layers, 1));
  input->calibration = g_new0 (QksMatrix *, MAX (n_layers, 1));
  return input;
}

void
qks_diag_input_free (QksDiagInput *input)
{
  if (input == NULL)
    return;
  for (guint l = 0; l < input->n_layers; l++)
    {
      qks_attn_heads_free (input->layers[l]);
      qks_matrix_free (input->calibration[l]);
    }
  g_free (input->layers);
  g_free (input->calibration);
  g_free (input);
}

/**
 * qks_diag_schedule_is_due:
 * @step: updates done so far (0: the initial weights)
 * @every: the cadence after the early steps
 *
 * Spectra change fastest early in training (SCIENCE.md f.4: spikes first
 * appear around the end of warm-up), so snapshots are log-spaced at first
 * (steps 0, 1, 2, 4, 8, …) until @every, then every @every steps.
 */
gboolean
qks_diag_schedule_is_due (guint step,
                          guint every)
{
  if (every == 0)
    return FALSE;
  if (step < every)
    return step == 0 || (step & (step - 1)) == 0;
  return step % every == 0;
}
