#!/usr/bin/env python3
# test-cli.py: qkscope-cli's command-line structure, run as a user would.
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import csv
import io
import json
import math
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

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


class RunTest(unittest.TestCase):
    """train --out RUN.qkrun records the diagnostics; analyze prints them."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="qks-run-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_train_writes_a_run_that_analyze_reads(self):
        path = os.path.join(self.dir, "run.qkrun")
        result = run("train", *TINY, "--heads", "4", "--variant", "mqa", "--steps", "20",
                     "--diag-every", "10", "--mc-draws", "20", "--eval-every", "10", "--out", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("7 diagnostic snapshots", result.stdout)

        result = run("analyze", path, "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        analysis = json.loads(result.stdout)
        steps = [snapshot["step"] for snapshot in analysis["steps"]]
        self.assertEqual(steps, [0, 1, 2, 4, 8, 10, 20])
        for snapshot in analysis["steps"]:
            names = {(m["layer"], m["head"], m["form"], m["name"]) for m in snapshot["metrics"]}
            for name in ("n_spikes", "n_spikes_mp", "spike_mass", "erank_pct", "stable_rank", "ks"):
                self.assertIn((0, -1, "qk", name), names)
                self.assertIn((0, 3, "qk", name), names)
            self.assertIn((0, -1, "qk", "hdi_q"), names)
            hdi_k = [m for m in snapshot["metrics"] if m["name"] == "hdi_k" and m["layer"] == 0][0]
            self.assertEqual(hdi_k.get("flags"), "shared-by-construction")
            for fit in snapshot["fits"]:
                self.assertEqual(fit["null"], "monte-carlo")
                self.assertEqual(fit["estimator"], "E1")
                self.assertEqual(fit["threshold"], "mc")

        result = run("analyze", path, "--csv", "--step", "10")
        self.assertEqual(result.returncode, 0, result.stderr)
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        self.assertGreater(len(rows), 100)
        self.assertEqual({row["step"] for row in rows}, {"10"})

        result = run("analyze", path, "--step", "3")
        self.assertEqual(result.returncode, 2)
        self.assertIn("step 3", result.stderr)

        # Anyone can read the file: the documented tables are there.
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            tables = {row[0] for row in db.execute("select name from sqlite_master")}
            steps = [row[0] for row in db.execute("select step from steps order by step")]
            checkpoints = [row[0] for row in db.execute("select step from checkpoints")]
        for table in ("meta", "config", "steps", "snapshots", "series", "metrics", "spectra",
                      "matrices", "curves", "events", "checkpoints"):
            self.assertIn(table, tables)
        self.assertEqual(steps, list(range(1, 21)))
        self.assertEqual(checkpoints, [20])

    def test_resume_a_stopped_run_in_place(self):
        args = [*TINY, "--steps", "600", "--diag-every", "100", "--mc-draws", "20",
                "--eval-every", "50"]
        straight = os.path.join(self.dir, "straight.qkrun")
        result = run("train", *args, "--out", straight)
        self.assertEqual(result.returncode, 0, result.stderr)

        # Ctrl+C stops a run after its step and saves a checkpoint into it.
        path = os.path.join(self.dir, "stopped.qkrun")
        process = subprocess.Popen([CLI, "train", *args, "--out", path],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"})
        try:
            for line in process.stdout:
                match = re.match(r"step (\d+)/600", line)
                if match and int(match.group(1)) >= 60:
                    process.send_signal(signal.SIGINT)
                    break
            _, err = process.communicate(timeout=60)
        finally:
            process.kill()
        self.assertEqual(process.returncode, 130, err)
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            stopped = db.execute("select max(step) from steps").fetchone()[0]
            checkpoints = [row[0] for row in db.execute("select step from checkpoints "
                                                        "where optimizer is not null")]
        self.assertLess(stopped, 600)
        self.assertEqual(checkpoints[-1], stopped)

        # Resumed in place (with the same diagnostics: they are not part of the
        # run's configuration), it ends where the run that was never stopped ends.
        result = run("train", "--resume", path, "--mc-draws", "20")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"from step {stopped}", result.stderr)
        final = re.findall(r"^step 600/600 loss ([0-9.]+)", result.stdout, re.M)
        expected = run("analyze", straight, "--json")
        self.assertEqual(expected.returncode, 0, expected.stderr)
        self.assertEqual(len(final), 1, result.stdout)

        def records(run_path):
            with sqlite3.connect(f"file:{run_path}?mode=ro", uri=True) as db:
                return db.execute("select step, train_loss, val_loss, learning_rate, grad_norm, "
                                  "flops from steps order by step").fetchall()

        resumed_records, straight_records = records(path), records(straight)
        self.assertEqual([row[0] for row in resumed_records], list(range(1, 601)))
        self.assertEqual(resumed_records, straight_records)
        self.assertEqual(float(final[0]), round(straight_records[-1][1], 4))

        # analyze reads the whole history, the same as the straight run's.
        result = run("analyze", path, "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        resumed_steps = json.loads(result.stdout)["steps"]
        straight_steps = json.loads(expected.stdout)["steps"]
        self.assertEqual([s["step"] for s in resumed_steps],
                         [0, 1, 2, 4, 8, 16, 32, 64, 100, 200, 300, 400, 500, 600])
        self.assertEqual(resumed_steps, straight_steps)

        # Finished, it resumes only for more steps; it stays in its own file.
        result = run("train", "--resume", path)
        self.assertEqual(result.returncode, 1)
        self.assertIn("stopped.qkrun", result.stderr)
        self.assertIn("already at step 600", result.stderr)
        result = run("train", "--resume", path, "--steps", "610",
                     "--out", os.path.join(self.dir, "other.qkrun"))
        self.assertEqual(result.returncode, 2)
        self.assertIn("--out", result.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "other.qkrun")))
        self.assertEqual(records(path), straight_records)

    def test_resume_refuses_a_run_without_checkpoint(self):
        path = os.path.join(self.dir, "killed.qkrun")
        result = run("train", *TINY, "--steps", "5", "--diag-every", "0", "--out", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        with sqlite3.connect(path) as db:
            db.execute("delete from checkpoints")
        result = run("train", "--resume", path, "--steps", "10")
        self.assertEqual(result.returncode, 1)
        self.assertIn("killed.qkrun", result.stderr)
        self.assertIn("no checkpoint", result.stderr)

    def test_analyze_a_checkpoint(self):
        out = os.path.join(self.dir, "ckpt")
        result = run("train", *TINY, "--steps", "5", "--diag-every", "0", "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        result = run("analyze", out, "--mc-draws", "20")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Step 5", result.stdout)
        self.assertIn("null monte-carlo", result.stdout)
        self.assertIn("n_spikes_mp", result.stdout)
        result = run("analyze", out, "--null", "mp", "--json")
        analysis = json.loads(result.stdout)
        self.assertTrue(all(fit["null"] == "mp" for fit in analysis["steps"][0]["fits"]))

    def test_analyze_bad_input(self):
        self.assertEqual(run("analyze").returncode, 2)
        self.assertEqual(run("analyze", "x", "--json", "--csv").returncode, 2)
        self.assertEqual(run("analyze", "x", "--null", "gamma").returncode, 2)
        garbage = os.path.join(self.dir, "garbage.qkrun")
        with open(garbage, "wb") as f:
            f.write(b"not a database at all" * 100)
        result = run("analyze", garbage)
        self.assertEqual(result.returncode, 1)
        self.assertIn("garbage.qkrun", result.stderr)
        result = run("analyze", os.path.join(self.dir, "missing"))
        self.assertEqual(result.returncode, 1)

    def test_sigkill_leaves_every_committed_step(self):
        path = os.path.join(self.dir, "killed.qkrun")
        process = subprocess.Popen([CLI, "train", *TINY, "--steps", "100000", "--diag-every", "5",
                                    "--mc-draws", "20", "--out", path],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen = []
        deadline = time.monotonic() + 60
        try:
            while len(seen) < 4 and time.monotonic() < deadline:
                time.sleep(0.2)
                if not os.path.exists(path):
                    continue
                try:
                    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
                        seen = [row[0] for row in db.execute("select step from snapshots order by step")]
                except sqlite3.Error:
                    pass
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        self.assertGreaterEqual(len(seen), 4, "the run recorded too little before the deadline")

        result = run("analyze", path, "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        recorded = [snapshot["step"] for snapshot in json.loads(result.stdout)["steps"]]
        for step in seen:
            self.assertIn(step, recorded)
        with sqlite3.connect(path) as db:
            self.assertEqual(db.execute("pragma integrity_check").fetchone()[0], "ok")


class PlotTest(unittest.TestCase):
    """plot draws a recorded run's figures as SVG, PDF and PNG."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="qks-plot-")
        cls.run_path = os.path.join(cls.dir, "run.qkrun")
        two_layers = [value if TINY[i - 1] != "--layers" else "2" for i, value in enumerate(TINY)]
        result = run("train", *two_layers, "--steps", "20", "--diag-every", "10",
                     "--mc-draws", "20", "--eval-every", "10", "--out", cls.run_path)
        assert result.returncode == 0, result.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def figure_names(self):
        result = run("plot", "--list")
        self.assertEqual(result.returncode, 0, result.stderr)
        return [line.split()[0] for line in result.stdout.splitlines() if line.strip()]

    def test_list_names_every_figure_of_the_issue(self):
        names = self.figure_names()
        for name in ("esd", "esd-grid", "esd-heads", "ww-tail", "bulk-mass", "angles", "diversity",
                     "kqsvd", "rank-lines", "spike-heatmap", "loss", "loss-flops", "pareto"):
            self.assertIn(name, names)

    def test_one_figure_carries_its_conventions(self):
        path = os.path.join(self.dir, "esd.svg")
        result = run("plot", self.run_path, "--figure", "esd", "--layer", "1", "--step", "10",
                     "-o", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        root = ET.parse(path).getroot()
        ns = {"svg": "http://www.w3.org/2000/svg"}
        title = root.find("svg:title", ns).text
        desc = root.find("svg:desc", ns).text
        self.assertIn("layer 1", title)
        self.assertIn("step 10", title)
        self.assertIn("Run: run.qkrun", desc)
        self.assertIn("Step: 10", desc)
        self.assertIn("Null: monte-carlo", desc)
        self.assertIn("estimator: E1", desc)
        self.assertIn("threshold: mc", desc)
        self.assertIn("MHA", desc)

    def test_all_writes_every_figure_in_three_formats(self):
        out = os.path.join(self.dir, "all")
        result = run("plot", self.run_path, "--all", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        files = os.listdir(out)
        stems = {name.rsplit(".", 1)[0] for name in files}
        for stem in stems:
            for extension in ("svg", "pdf", "png"):
                self.assertIn(f"{stem}.{extension}", files)
        # Every figure, per layer where it is drawn per layer (two layers)
        for name in self.figure_names():
            self.assertTrue(any(stem == name or stem.startswith(name + "-layer") for stem in stems),
                            name)
        self.assertIn("angles-layer1-v", stems)
        for name in files:
            with open(os.path.join(out, name), "rb") as figure:
                head = figure.read(8)
            if name.endswith(".png"):
                self.assertEqual(head, b"\x89PNG\r\n\x1a\n")
            elif name.endswith(".pdf"):
                self.assertEqual(head[:5], b"%PDF-")
            else:
                ET.parse(os.path.join(out, name))

    def test_png_size_follows_width_and_dpi(self):
        path = os.path.join(self.dir, "loss.png")
        result = run("plot", self.run_path, "--figure", "loss", "--width", "400", "--height", "300",
                     "--dpi", "192", "-o", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(path, "rb") as png:
            header = png.read(24)
        width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
        self.assertEqual((width, height), (800, 600))

    def test_wrong_arguments_are_usage_errors(self):
        cases = [
            (["plot", self.run_path], "--figure"),
            (["plot", self.run_path, "--figure", "esd"], "-o"),
            (["plot", self.run_path, "--figure", "nope", "-o", "x.svg"], "nope"),
            (["plot", self.run_path, "--figure", "esd", "-o", "x.gif"], "x.gif"),
            (["plot", self.run_path, "--figure", "esd", "--subspace", "z", "-o", "x.svg"], "z"),
            (["plot", self.run_path, "--all", self.dir, "--scale", "2", "--dpi", "96"], "--dpi"),
        ]
        for args, needle in cases:
            result = run(*args)
            self.assertEqual(result.returncode, 2, (args, result.stderr))
            self.assertIn(needle, result.stderr)

    def test_bad_files_fail_with_a_message(self):
        missing = os.path.join(self.dir, "missing.qkrun")
        result = run("plot", missing, "--figure", "loss", "-o", os.path.join(self.dir, "l.svg"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("missing.qkrun", result.stderr)
        garbage = os.path.join(self.dir, "garbage.qkrun")
        with open(garbage, "wb") as f:
            f.write(b"not a database at all" * 100)
        result = run("plot", garbage, "--figure", "loss", "-o", os.path.join(self.dir, "l.svg"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("garbage.qkrun", result.stderr)
        result = run("plot", self.run_path, "--figure", "esd", "--layer", "7",
                     "-o", os.path.join(self.dir, "e.svg"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("layer 7", result.stderr)


if __name__ == "__main__":
    CLI, VERSION = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]], verbosity=2)
