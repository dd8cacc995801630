#!/usr/bin/env python3
# bench-checkpoints.py: other programs' checkpoints analysed by
# `qkscope-cli analyze`, against PyTorch doing the spectra alone.
#
# Usage: bench-checkpoints.py QKSCOPE-CLI [--skip-7b | --only-7b] [--dir DIR]
#
#   gpt2-small  GPT-2-small-shaped weights (12 layers, d = 768, 12 heads,
#               fused c_attn in Conv1D layout), F32, random; every
#               diagnostic. Peer: PyTorch computing only the singular
#               values of every head's and layer's QK and OV products.
#   llama-7b    LLaMA-7B-shaped weights (32 layers, d = 4096, 32 heads,
#               8 KV heads, MLP and embeddings included: 13.5 GB in BF16,
#               in HF's shards with their index); peak memory of the
#               analysis, and the time to read the files once as the floor.
#
# The checkpoints are written into a temporary folder (beside the build
# unless --dir says otherwise) and deleted after, also on failure. Prints
# one JSON line per figure.
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np


def write_safetensors(path, tensors):
    """tensors: list of (name, dtype, shape, writer) where writer(f) writes
    the tensor's bytes; streamed, never all in memory."""
    sizes = {"F32": 4, "BF16": 2}
    header, offset = {}, 0
    for name, dtype, shape, _ in tensors:
        n = int(np.prod(shape)) * sizes[dtype]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, writer in tensors:
            writer(f)


def f32_writer(rng, shape):
    def write(f):
        f.write((0.02 * rng.standard_normal(shape, dtype=np.float32)).tobytes())
    return write


class Bf16Pool:
    """Normal BF16 values from a pool, streamed at any offset: random
    enough for spectra, fast enough for 13.5 GB."""

    def __init__(self, n, seed):
        values = 0.02 * np.random.default_rng(seed).standard_normal(n, dtype=np.float32)
        self.pool = (values.view(np.uint32) >> 16).astype(np.uint16)

    def writer(self, shape, offset):
        def write(f):
            remaining, start = int(np.prod(shape)), offset % len(self.pool)
            while remaining > 0:
                n = min(remaining, len(self.pool) - start)
                f.write(self.pool[start:start + n].tobytes())
                remaining -= n
                start = 0
        return write


def timed(command):
    """Wall time and the child's peak resident memory (KiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak if peak > before else None


def gpt2_small(folder):
    L, d, H = 12, 768, 12
    rng = np.random.default_rng(1)
    tensors = []
    for l in range(L):
        tensors.append((f"h.{l}.attn.c_attn.weight", "F32", (d, 3 * d), f32_writer(rng, (d, 3 * d))))
        tensors.append((f"h.{l}.attn.c_proj.weight", "F32", (d, d), f32_writer(rng, (d, d))))
    write_safetensors(os.path.join(folder, "model.safetensors"), tensors)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"model_type": "gpt2", "n_embd": d, "n_head": H, "n_layer": L}, f)


def torch_spectra(folder, threads):
    """The peer: read the same file with PyTorch and take the singular
    values of every head's W_Q^T W_K and W_V^T W_O^T, and of each layer's sum."""
    import torch
    torch.set_num_threads(threads)
    L, d, H = 12, 768, 12
    dh = d // H
    start = time.perf_counter()
    with open(os.path.join(folder, "model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    for l in range(L):
        info = header[f"h.{l}.attn.c_attn.weight"]
        a, b = info["data_offsets"]
        w = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(d, 3 * d).double()
        info = header[f"h.{l}.attn.c_proj.weight"]
        a, b = info["data_offsets"]
        o = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(d, d).double()
        q, k, v = w[:, :d].T, w[:, d:2 * d].T, w[:, 2 * d:].T
        qk_sum = torch.zeros(d, d, dtype=torch.float64)
        for h in range(H):
            s = slice(h * dh, (h + 1) * dh)
            qk = q[s].T @ k[s]
            qk_sum += qk
            torch.linalg.svdvals(qk)
            torch.linalg.svdvals(v[s].T @ o[:, s].T)
        torch.linalg.svdvals(qk_sum)
    return time.perf_counter() - start


def llama_7b(folder):
    L, d, H, G, dh, ffn, vocab = 32, 4096, 32, 8, 128, 11008, 32000
    pool = Bf16Pool(64 * 1024 * 1024, 7)
    offset = 0
    shards, weight_map = [[]], {}

    def add(name, shape):
        nonlocal offset
        shards[-1].append((name, "BF16", shape, pool.writer(shape, offset)))
        offset += 7919 * 1024 + int(np.prod(shape))

    add("model.embed_tokens.weight", (vocab, d))
    for l in range(L):
        if l in (11, 22):
            shards.append([])
        p = f"model.layers.{l}."
        add(p + "self_attn.q_proj.weight", (H * dh, d))
        add(p + "self_attn.k_proj.weight", (G * dh, d))
        add(p + "self_attn.v_proj.weight", (G * dh, d))
        add(p + "self_attn.o_proj.weight", (d, H * dh))
        add(p + "mlp.gate_proj.weight", (ffn, d))
        add(p + "mlp.up_proj.weight", (ffn, d))
        add(p + "mlp.down_proj.weight", (d, ffn))
        add(p + "input_layernorm.weight", (d,))
        add(p + "post_attention_layernorm.weight", (d,))
    add("model.norm.weight", (d,))
    add("lm_head.weight", (vocab, d))
    total = 0
    for i, tensors in enumerate(shards):
        name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        write_safetensors(os.path.join(folder, name), tensors)
        for t in tensors:
            weight_map[t[0]] = name
        total += os.path.getsize(os.path.join(folder, name))
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": d,
                   "intermediate_size": ffn, "num_hidden_layers": L, "num_attention_heads": H,
                   "num_key_value_heads": G, "head_dim": dh, "vocab_size": vocab,
                   "torch_dtype": "bfloat16"}, f)
    return total


def read_once(folder):
    start = time.perf_counter()
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            while f.read(64 << 20):
                pass
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cli")
    parser.add_argument("--skip-7b", action="store_true")
    parser.add_argument("--only-7b", action="store_true")
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    load = os.getloadavg()[0]

    root = tempfile.mkdtemp(prefix="qks-bench-checkpoints-", dir=args.dir)
    try:
        if not args.only_7b:
            folder = os.path.join(root, "gpt2-small")
            os.mkdir(folder)
            gpt2_small(folder)
            runs = [timed([args.cli, "analyze", folder, "--json"]) for _ in range(3)]
            ours = min(r[0] for r in runs)
            peer = min(torch_spectra(folder, 2) for _ in range(3))
            print(json.dumps({"bench": "checkpoints", "checkpoint": "gpt2-small-f32", "seconds": round(ours, 3),
                              "peak_rss_mib": round(max(r[1] or 0 for r in runs) / 1024, 1),
                              "torch_spectra_only_seconds": round(peer, 3),
                              "ratio_torch_over_qkscope": round(peer / ours, 2), "load": load}), flush=True)
            shutil.rmtree(folder)

        if not args.skip_7b:
            folder = os.path.join(root, "llama-7b")
            os.mkdir(folder)
            start = time.perf_counter()
            size = llama_7b(folder)
            written = time.perf_counter() - start
            floor = read_once(folder)
            seconds, peak = timed([args.cli, "analyze", folder, "--json"])
            print(json.dumps({"bench": "checkpoints", "checkpoint": "llama-7b-bf16",
                              "bytes": size, "write_seconds": round(written, 1),
                              "read_once_seconds": round(floor, 1), "seconds": round(seconds, 1),
                              "peak_rss_mib": round((peak or 0) / 1024, 1), "load": os.getloadavg()[0]}),
                  flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
