#!/usr/bin/env python3
# test-cli.py: qkscope-cli's command-line structure, run as a user would.
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
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


TINY = ["--d-model", "32", "--layers", "1", "--heads", "2", "--seq-len", "32", "--corpus-mb", "0.1"]


class TrainTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="qks-cli-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def assert_usage_error(self, args, *fragments):
        result = run("train", *args)
        self.assertEqual(result.returncode, 2, result.stderr)
        for fragment in fragments:
            self.assertIn(fragment, result.stderr)
        return result

    def test_impossible_configurations_exit_2(self):
        self.assert_usage_error(["--heads", "3"], "not divisible by the number of heads H = 3")
        self.assert_usage_error(["--variant", "gqa", "--groups", "3"], "G = 3", "H = 4")
        self.assert_usage_error(["--variant", "lrkv", "--rank", "64"], "r = 64", "d_h = 32")
        self.assert_usage_error(["--variant", "mla-decoupled", "--rope-dim", "5"], "d_h^R = 5")
        self.assert_usage_error(["--variant", "sparse"], "Unknown attention variant", "sparse")
        self.assert_usage_error(["--dataset", "poems"], "Unknown dataset", "poems")
        self.assert_usage_error(["--dataset", "grammar", "--text", "x"], "either --dataset or --text")
        self.assert_usage_error(["--steps", "0"], "positive")
        self.assert_usage_error(["--preset", "huge"], "Unknown preset", "huge")
        self.assert_usage_error(["--lr", "-1"], "learning rate")
        self.assert_usage_error(["--beta2", "1.5"], "β1 and β2")
        self.assert_usage_error(["--weight-decay", "-0.1"], "weight decay")
        self.assert_usage_error(["--clip", "-1"], "clipping")
        self.assert_usage_error(["--bogus"], "--bogus")

    def test_missing_text_file_exits_1(self):
        missing = os.path.join(self.dir, "nowhere.txt")
        result = run("train", "--text", missing, "--steps", "1")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("nowhere.txt", result.stderr)

    def test_train_then_eval(self):
        out = os.path.join(self.dir, "run")
        result = run("train", *TINY, "--steps", "60", "--lr", "3e-3", "--warmup", "5",
                     "--eval-every", "20", "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        losses = [float(m) for m in re.findall(r"^step \d+/60 loss ([0-9.]+)", result.stdout, re.M)]
        self.assertGreaterEqual(len(losses), 3)
        self.assertLess(losses[-1], losses[0] - 1.0)
        self.assertIn("Validation loss", result.stdout)
        for name in ("model.safetensors", "optimizer.safetensors", "config.json"):
            self.assertTrue(os.path.exists(os.path.join(out, name)), name)
        with open(os.path.join(out, "config.json")) as f:
            config = json.load(f)
        self.assertEqual(config["attention"], "mha")
        self.assertEqual(config["d_model"], 32)

        text = os.path.join(self.dir, "text.txt")
        with open(text, "w") as f:
            f.write("The cat sits on the mat. " * 40)
        result = run("eval", out, "--text", text, "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        measured = json.loads(result.stdout)
        self.assertEqual(measured["bytes"], os.path.getsize(text) - 1)
        self.assertEqual(measured["step"], 60)
        self.assertLess(measured["nats_per_byte"], math.log(256))
        self.assertAlmostEqual(measured["perplexity"], math.exp(measured["nats_per_byte"]), places=4)
        self.assertAlmostEqual(measured["bits_per_byte"], measured["nats_per_byte"] / math.log(2), places=5)

        # Resuming continues from step 60.
        result = run("train", "--resume", out, "--steps", "70")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("from step 60", result.stderr)
        self.assertIn("step 70/70", result.stdout)

        # A truncated checkpoint is refused with its name and exit status 1.
        model = os.path.join(out, "model.safetensors")
        with open(model, "r+b") as f:
            f.truncate(os.path.getsize(model) // 2)
        result = run("eval", out, "--text", text)
        self.assertEqual(result.returncode, 1)
        self.assertIn("model.safetensors", result.stderr)
        self.assertIn("truncated", result.stderr)

    def test_eval_usage_errors(self):
        self.assertEqual(run("eval").returncode, 2)
        result = run("eval", self.dir)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--text", result.stderr)

    def test_each_variant_trains_from_the_cli(self):
        for variant in ("gqa", "mqa", "mla-prerope", "mla-decoupled", "lrkv"):
            result = run("train", *TINY, "--variant", variant, "--steps", "3", "--heads", "4")
            self.assertEqual(result.returncode, 0, variant + ": " + result.stderr)
            self.assertIn("step 3/3", result.stdout)


if __name__ == "__main__":
    CLI, VERSION = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]], verbosity=2)
