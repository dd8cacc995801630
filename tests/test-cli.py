#!/usr/bin/env python3
# test-cli.py: qkscope-cli's command-line structure, run as a user would.
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import subprocess
import sys
import unittest

CLI = None
VERSION = None


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=60,
                          env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"})


class CliTest(unittest.TestCase):
    def test_version(self):
        result = run("--version")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), f"qkscope-cli {VERSION}")

    def test_help_lists_commands(self):
        for flag in ("--help", "-h", "help"):
            result = run(flag)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("Usage:", result.stdout)
            self.assertIn("info", result.stdout)
            self.assertIn("--version", result.stdout)

    def test_no_arguments_is_a_usage_error(self):
        result = run()
        self.assertEqual(result.returncode, 2)
        self.assertIn("Usage:", result.stderr)

    def test_unknown_option_exits_2_with_a_clear_message(self):
        result = run("--bogus")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--bogus", result.stderr)
        self.assertIn("Unknown option", result.stderr)
        self.assertIn("qkscope-cli --help", result.stderr)
        self.assertEqual(result.stdout, "")

    def test_unknown_command_exits_2(self):
        result = run("frobnicate")
        self.assertEqual(result.returncode, 2)
        self.assertIn("“frobnicate” is not a command", result.stderr)

    def test_command_help(self):
        for args in (("info", "--help"), ("help", "info")):
            result = run(*args)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("qkscope-cli info", result.stdout)
            self.assertIn("--json", result.stdout)

    def test_help_for_unknown_command(self):
        result = run("help", "frobnicate")
        self.assertEqual(result.returncode, 2)
        self.assertIn("frobnicate", result.stderr)

    def test_command_unknown_option_exits_2(self):
        result = run("info", "--bogus")
        self.assertEqual(result.returncode, 2)
        self.assertIn("qkscope-cli info:", result.stderr)
        self.assertIn("--bogus", result.stderr)

    def test_command_unexpected_argument_exits_2(self):
        result = run("info", "extra")
        self.assertEqual(result.returncode, 2)
        self.assertIn("extra", result.stderr)

    def test_info_json_names_openblas(self):
        result = run("info", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        info = json.loads(result.stdout)
        self.assertEqual(info["version"], VERSION)
        self.assertIn("OpenBLAS", info["blas_config"])
        self.assertIn("openblas", info["blas_library"])
        self.assertNotIn("gslcblas", info["blas_library"])
        self.assertIn("openblas", info["lapack_library"])
        self.assertGreaterEqual(info["blas_threads"], 1)
        self.assertRegex(info["gsl_version"], r"^2\.\d+")

    def test_info_text(self):
        result = run("info")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(VERSION, result.stdout)
        self.assertIn("OpenBLAS", result.stdout)


if __name__ == "__main__":
    CLI, VERSION = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]], verbosity=2)
