/* test-plot-ticks.c: axis ticks land on nice numbers inside the range
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-plot-ticks.h"

static gboolean
is_nice_step (double step)
{
  double mantissa = step / pow (10.0, floor (log10 (step) + 1e-12));

  return fabs (mantissa - 1.0) < 1e-9 || fabs (mantissa - 2.0) < 1e-9 || fabs (mantissa - 5.0) < 1e-9;
}

static void
check_linear (double low,
              double high,
              guint  max_ticks)
{
  QksTicks ticks;

  g_assert_true (qks_plot_linear_ticks (low, high, max_ticks, &ticks));
  g_assert_cmpuint (ticks.count, >=, 2);
  g_assert_cmpuint (ticks.count, <=, max_ticks);
  g_assert_true (is_nice_step (ticks.step));
  for (guint i = 0; i < ticks.count; i++)
    {
      double multiple = ticks.values[i] / ticks.step;

      g_assert_cmpfloat (ticks.values[i], >=, low - 1e-9 * (high - low));
      g_assert_cmpfloat (ticks.values[i], <=, high + 1e-9 * (high - low));
      g_assert_cmpfloat (fabs (multiple - round (multiple)), <, 1e-6);
      if (i > 0)
        g_assert_cmpfloat_with_epsilon (ticks.values[i] - ticks.values[i - 1], ticks.step, 1e-9 * ticks.step);
    }
  /* The smallest nice step is taken, so one step smaller would not fit. */
  g_assert_cmpfloat ((high - low) / ticks.step, >, max_ticks / 5.0 - 1.0);
}

static void
test_ticks_linear_ranges (void)
{
  check_linear (0.0, 1.0, 6);
  check_linear (0.0, 6.75, 8);
  check_linear (-3.2, 17.9, 5);
  check_linear (0.287, 2.334, 6);
  check_linear (1e-7, 3e-6, 6);
  check_linear (12345.0, 12399.0, 7);
  check_linear (0.0, 1e9, 4);
}

static void
test_ticks_linear_known_values (void)
{
  QksTicks ticks;
  g_autofree char *label = NULL;

  g_assert_true (qks_plot_linear_ticks (0.0, 1.0, 6, &ticks));
  g_assert_cmpuint (ticks.count, ==, 6);
  g_assert_cmpfloat_with_epsilon (ticks.step, 0.2, 1e-15);
  label = qks_plot_format_tick (&ticks, ticks.values[3]);
  g_assert_cmpstr (label, ==, "0.6");
}

static void
test_ticks_zero_prints_as_zero (void)
{
  QksTicks ticks;
  gboolean saw_zero = FALSE;

  g_assert_true (qks_plot_linear_ticks (-0.3, 0.7, 6, &ticks));
  for (guint i = 0; i < ticks.count; i++)
    {
      g_autofree char *label = qks_plot_format_tick (&ticks, ticks.values[i]);

      if (ticks.values[i] == 0.0)
        {
          saw_zero = TRUE;
          g_assert_cmpstr (label, ==, "0.0");
        }
      g_assert_null (strstr (label, "e-1"));
    }
  g_assert_true (saw_zero);
}

static void
test_ticks_small_values_keep_their_digits (void)
{
  QksTicks ticks;
  gboolean saw = FALSE;

  g_assert_true (qks_plot_linear_ticks (0.0, 2.2e-5, 6, &ticks));
  g_assert_cmpfloat_with_epsilon (ticks.step, 5e-6, 1e-18);
  for (guint i = 0; i < ticks.count; i++)
    if (fabs (ticks.values[i] - 1.5e-5) < 1e-12)
      {
        g_autofree char *label = qks_plot_format_tick (&ticks, ticks.values[i]);

        g_assert_cmpstr (label, ==, "1.5e-05");
        saw = TRUE;
      }
  g_assert_true (saw);
}

static void
test_ticks_log (void)
{
  QksTicks ticks;
  g_autofree char *label = NULL;

  g_assert_true (qks_plot_log_ticks (0.003, 250.0, 10, &ticks));
  g_assert_cmpuint (ticks.count, ==, 5);
  g_assert_cmpfloat_with_epsilon (ticks.values[0], 1e-2, 1e-17);
  g_assert_cmpfloat_with_epsilon (ticks.values[4], 1e2, 1e-12);
  label = qks_plot_format_tick (&ticks, ticks.values[0]);
  g_assert_cmpstr (label, ==, "0.01");

  /* Twelve decades into four ticks: every fourth decade. */
  g_assert_true (qks_plot_log_ticks (1e-6, 1e6, 4, &ticks));
  g_assert_cmpuint (ticks.count, <=, 4);
  g_assert_cmpfloat (ticks.step, ==, 4.0);
}

static void
test_ticks_refuse_bad_ranges (void)
{
  QksTicks ticks;

  g_assert_false (qks_plot_linear_ticks (1.0, 1.0, 5, &ticks));
  g_assert_false (qks_plot_linear_ticks (2.0, 1.0, 5, &ticks));
  g_assert_false (qks_plot_linear_ticks (NAN, 1.0, 5, &ticks));
  g_assert_false (qks_plot_linear_ticks (0.0, INFINITY, 5, &ticks));
  g_assert_false (qks_plot_log_ticks (0.0, 10.0, 5, &ticks));
  g_assert_false (qks_plot_log_ticks (2.0, 9.0, 5, &ticks));
  g_assert_cmpuint (ticks.count, ==, 0);
}

static void
test_ticks_log1p (void)
{
  QksTicks ticks;

  /* Steps 0 … 3000: 0, then every decade. */
  g_assert_true (qks_plot_log1p_ticks (0.0, 3000.0, 8, &ticks));
  g_assert_cmpuint (ticks.count, ==, 5);
  g_assert_cmpfloat (ticks.values[0], ==, 0.0);
  g_assert_cmpfloat (ticks.values[4], ==, 1000.0);
  g_assert_cmpfloat (ticks.step, ==, 1.0);

  /* Crowded: every few decades, counted down from the largest; 0 stays. */
  g_assert_true (qks_plot_log1p_ticks (0.0, 1e5, 4, &ticks));
  g_assert_cmpuint (ticks.count, ==, 4);
  g_assert_cmpfloat (ticks.values[0], ==, 0.0);
  g_assert_cmpfloat (ticks.values[1], ==, 10.0);
  g_assert_cmpfloat (ticks.values[2], ==, 1000.0);
  g_assert_cmpfloat (ticks.values[3], ==, 1e5);
  g_assert_cmpfloat (ticks.step, ==, 2.0);

  /* Away from 0: powers of ten only. */
  g_assert_true (qks_plot_log1p_ticks (50.0, 5000.0, 8, &ticks));
  g_assert_cmpuint (ticks.count, ==, 2);
  g_assert_cmpfloat (ticks.values[0], ==, 100.0);

  g_assert_false (qks_plot_log1p_ticks (-1.0, 10.0, 8, &ticks));
  g_assert_false (qks_plot_log1p_ticks (2.0, 8.0, 8, &ticks));
  g_assert_false (qks_plot_log1p_ticks (NAN, 8.0, 8, &ticks));
}

static void
test_ticks_powers_of_ten (void)
{
  const struct { double value; const char *text; } cases[] = {
    { 1e-11, "10⁻¹¹" }, { 1e-3, "10⁻³" }, { 1.0, "10⁰" }, { 1e6, "10⁶" }, { 1e20, "10²⁰" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = qks_plot_format_power_of_ten (cases[i].value);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/ticks/linear-ranges", test_ticks_linear_ranges);
  g_test_add_func ("/plot/ticks/linear-known-values", test_ticks_linear_known_values);
  g_test_add_func ("/plot/ticks/zero-prints-as-zero", test_ticks_zero_prints_as_zero);
  g_test_add_func ("/plot/ticks/small-values-keep-their-digits", test_ticks_small_values_keep_their_digits);
  g_test_add_func ("/plot/ticks/log", test_ticks_log);
  g_test_add_func ("/plot/ticks/log1p", test_ticks_log1p);
  g_test_add_func ("/plot/ticks/powers-of-ten", test_ticks_powers_of_ten);
  g_test_add_func ("/plot/ticks/refuse-bad-ranges", test_ticks_refuse_bad_ranges);

  return g_test_run ();
}
