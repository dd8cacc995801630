#!/usr/bin/env python3
# test-cli-checkpoints.py: qkscope-cli analyze on other programs' checkpoints.
#
# The checkpoints are written here with the standard library only (struct
# and json), in the layouts and dtypes that PyTorch and Hugging Face write.
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

CLI = None


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120,
                          env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"})


def encode(dtype, values):
    if dtype == "F32":
        return struct.pack(f"<{len(values)}f", *values)
    if dtype == "F64":
        return struct.pack(f"<{len(values)}d", *values)
    if dtype == "F16":
        return struct.pack(f"<{len(values)}e", *values)
    if dtype == "BF16":
        words = struct.unpack(f"<{len(values)}I", struct.pack(f"<{len(values)}f", *values))
        return struct.pack(f"<{len(values)}H", *(w >> 16 for w in words))
    raise ValueError(dtype)


def write_safetensors(path, tensors, dtype="F32"):
    """tensors: {name: (shape, values)}"""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, (shape, values) in tensors.items():
        blob = encode(dtype, values)
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def randn(rng, n):
    return [rng.gauss(0, 0.02) for _ in range(n)]


def llama_tensors(seed, layers=2, d=32, heads=4, kv_heads=2, d_h=8):
    rng = random.Random(seed)
    tensors = {}
    for l in range(layers):
        p = f"model.layers.{l}.self_attn."
        tensors[p + "q_proj.weight"] = ((heads * d_h, d), randn(rng, heads * d_h * d))
        tensors[p + "k_proj.weight"] = ((kv_heads * d_h, d), randn(rng, kv_heads * d_h * d))
        tensors[p + "v_proj.weight"] = ((kv_heads * d_h, d), randn(rng, kv_heads * d_h * d))
        tensors[p + "o_proj.weight"] = ((d, heads * d_h), randn(rng, d * heads * d_h))
    tensors["model.embed_tokens.weight"] = ((8, d), randn(rng, 8 * d))
    return tensors


def llama_config(layers=2, d=32, heads=4, kv_heads=2):
    return {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": d,
            "num_hidden_layers": layers, "num_attention_heads": heads, "num_key_value_heads": kv_heads}


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f)


class AnalyzeCheckpointsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="qks-cli-ckpt-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def model_folder(self, name, dtype="BF16", seed=1, config=None):
        folder = os.path.join(self.dir, name)
        os.makedirs(folder)
        write_safetensors(os.path.join(folder, "model.safetensors"), llama_tensors(seed), dtype)
        write_json(os.path.join(folder, "config.json"), config or llama_config())
        return folder

    def analyze_json(self, *args):
        result = run("analyze", *args, "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_llama_file_and_folder(self):
        folder = self.model_folder("llama")
        result = run("analyze", os.path.join(folder, "model.safetensors"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Step 0", result.stdout)
        self.assertIn("Layer 1", result.stdout)
        # Other programs' weights: the analytic chain (product) law of their shapes.
        self.assertIn("null product", result.stdout)
        analysis = self.analyze_json(folder)
        self.assertEqual(len(analysis["steps"]), 1)
        names = {row["name"] for row in analysis["steps"][0]["metrics"]}
        self.assertIn("n_spikes", names)
        self.assertIn("hdi_k", names)
        # GQA with 2 of 4 key/value heads: the layer form has rank G·d_h = 16.
        fits = [f for f in analysis["steps"][0]["fits"] if f["head"] == -1 and f["form"] == "qk"]
        self.assertEqual(fits[0]["rank"], 16)
        self.assertEqual(fits[0]["null_chain"], [32, 16, 32])

    def test_every_dtype_and_gpt2(self):
        for dtype in ("F32", "F16", "BF16", "F64"):
            folder = os.path.join(self.dir, "gpt2-" + dtype)
            os.makedirs(folder)
            rng = random.Random(7)
            d = 24
            tensors = {}
            for l in range(2):
                tensors[f"transformer.h.{l}.attn.c_attn.weight"] = ((d, 3 * d), randn(rng, 3 * d * d))
                tensors[f"transformer.h.{l}.attn.c_attn.bias"] = ((3 * d,), [0.0] * (3 * d))
                tensors[f"transformer.h.{l}.attn.c_proj.weight"] = ((d, d), randn(rng, d * d))
            write_safetensors(os.path.join(folder, "model.safetensors"), tensors, dtype)
            write_json(os.path.join(folder, "config.json"),
                       {"model_type": "gpt2", "n_embd": d, "n_head": 3, "n_layer": 2})
            result = run("analyze", folder, "--csv")
            self.assertEqual(result.returncode, 0, dtype + result.stderr)
            self.assertTrue(result.stdout.startswith("step,layer,head,form,metric,value,flags\n"))
            self.assertIn("0,1,2,qk,", result.stdout)

    def test_sharded_equals_single(self):
        single = self.model_folder("single", dtype="F32", seed=3)
        sharded = os.path.join(self.dir, "sharded")
        os.makedirs(sharded)
        tensors = llama_tensors(3)
        names = sorted(tensors)
        halves = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
                  "model-00002-of-00002.safetensors": names[len(names) // 2:]}
        weight_map = {}
        for file, part in halves.items():
            write_safetensors(os.path.join(sharded, file), {n: tensors[n] for n in part}, "F32")
            weight_map.update({n: file for n in part})
        write_json(os.path.join(sharded, "model.safetensors.index.json"),
                   {"metadata": {"total_size": 0}, "weight_map": weight_map})
        write_json(os.path.join(sharded, "config.json"), llama_config())
        self.assertEqual(self.analyze_json(single)["steps"], self.analyze_json(sharded)["steps"])

        os.remove(os.path.join(sharded, "model-00002-of-00002.safetensors"))
        result = run("analyze", sharded)
        self.assertEqual(result.returncode, 1)
        self.assertIn("model-00002-of-00002.safetensors", result.stderr)
        self.assertIn("missing", result.stderr)

    def test_folder_of_checkpoints(self):
        series = os.path.join(self.dir, "run")
        os.makedirs(series)
        for step in (300, 20, 1000):
            folder = os.path.join(series, f"checkpoint-{step}")
            os.makedirs(folder)
            write_safetensors(os.path.join(folder, "model.safetensors"), llama_tensors(step), "BF16")
            write_json(os.path.join(folder, "config.json"), llama_config())
        write_json(os.path.join(series, "trainer_state.json"), {})
        analysis = self.analyze_json(series)
        self.assertEqual([s["step"] for s in analysis["steps"]], [20, 300, 1000])
        self.assertEqual([s["step"] for s in self.analyze_json(series, "--step", "300")["steps"]], [300])
        result = run("analyze", series, "--step", "7")
        self.assertEqual(result.returncode, 2)
        self.assertIn("step 7", result.stderr)

        files = os.path.join(self.dir, "files")
        os.makedirs(files)
        for step in (5, 50):
            write_safetensors(os.path.join(files, f"tiny-step-{step}.safetensors"), llama_tensors(step), "F16")
        write_json(os.path.join(files, "config.json"), llama_config())
        self.assertEqual([s["step"] for s in self.analyze_json(files)["steps"]], [5, 50])
        # A lone checkpoint file takes its step from its name.
        result = run("analyze", os.path.join(files, "tiny-step-50.safetensors"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Step 50", result.stdout)

    def test_errors_name_the_file_and_the_problem(self):
        folder = os.path.join(self.dir, "t5")
        os.makedirs(folder)
        write_safetensors(os.path.join(folder, "model.safetensors"),
                          {"encoder.block.0.layer.0.SelfAttention.q.weight": ((2, 2), [0.0] * 4)})
        result = run("analyze", folder)
        self.assertEqual(result.returncode, 1)
        self.assertIn(folder, result.stderr)
        self.assertIn("no attention layout", result.stderr)
        self.assertIn("encoder.block.0.layer.0.SelfAttention.q.weight", result.stderr)
        self.assertIn("model.layers.0.self_attn.q_proj.weight", result.stderr)
        self.assertIn("h.0.attn.c_attn.weight", result.stderr)

        broken = self.model_folder("broken")
        with open(os.path.join(broken, "config.json"), "w") as f:
            f.write('{"hidden_size": 32,')
        result = run("analyze", broken)
        self.assertEqual(result.returncode, 1)
        self.assertIn("config.json", result.stderr)
        self.assertIn("not valid JSON", result.stderr)

        wrong = self.model_folder("wrong", config=llama_config(kv_heads=4))
        result = run("analyze", wrong)
        self.assertEqual(result.returncode, 1)
        self.assertIn("k_proj.weight", result.stderr)
        self.assertIn("has shape [16, 32]", result.stderr)

        result = run("analyze", wrong, "--step", "3")
        self.assertEqual(result.returncode, 2)

        empty = os.path.join(self.dir, "empty")
        os.makedirs(empty)
        result = run("analyze", empty)
        self.assertEqual(result.returncode, 1)
        self.assertIn("no model.safetensors", result.stderr)

    def test_help_names_the_inputs(self):
        result = run("analyze", "--help")
        self.assertEqual(result.returncode, 0, result.stderr)
        for word in ("safetensors", "model.safetensors.index.json", "checkpoint-100", "GPT-2",
                     "LLaMA", "DeepSeek", "BF16"):
            self.assertIn(word, result.stdout)


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main(verbosity=2)
