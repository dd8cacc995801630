#!/usr/bin/python3
# torch_peer.py: the same transformer in PyTorch, the peer of QK Scope's engine.
#
# SCIENCE.md a.0 fixes the model so that another implementation can
# reproduce its loss from a checkpoint; this is that implementation, with
# QK Scope's tensor names. Two uses:
#
#   torch_peer.py bench PRESET VARIANT... [--threads 1 2] [--steps N]
#       tokens/s of a training step (forward, backward, AdamW) at batch 8,
#       one JSON line per (variant, thread count)
#   torch_peer.py loss CHECKPOINT_DIR FILE
#       the mean cross-entropy of a QK Scope checkpoint on FILE, computed on
#       the same windows as `qkscope-cli eval`, for comparison
#
# Run it with Debian's /usr/bin/python3 (python3-torch).
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

PRESETS = {
    "tiny": dict(d_model=128, n_layers=4, n_heads=4, seq_len=128),
    "small": dict(d_model=256, n_layers=6, n_heads=8, seq_len=256),
}


def default_config(preset, variant):
    c = dict(PRESETS[preset])
    d, H = c["d_model"], c["n_heads"]
    d_h = d // H
    c.update(vocab_size=256, d_head=d_h, d_mlp=4 * d, rope_base=10000.0, attention=variant,
             n_kv_groups=H, d_latent_kv=d // 4, d_latent_q=3 * d // 8, d_rope=d_h // 2,
             mla_rope_mode="coupled", lrkv_rank=d_h // 4, lrkv_init="random")
    if variant == "gqa":
        c["n_kv_groups"] = max(H // 4, 1)
    elif variant == "mqa":
        c["n_kv_groups"] = 1
    return c


class RMSNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5)


def rope_tables(dim, seq_len, base):
    i = torch.arange(dim // 2, dtype=torch.float64)
    theta = base ** (-2.0 * i / dim)
    angles = torch.arange(seq_len, dtype=torch.float64)[:, None] * theta[None, :]
    return torch.cos(angles).float(), torch.sin(angles).float()


def rotate(x, cos, sin):
    """Half-split RoPE on the last dimension of x (..., T, m)."""
    half = x.shape[-1] // 2
    a, b = x[..., :half], x[..., half:]
    T = x.shape[-2]
    c, s = cos[:T], sin[:T]
    return torch.cat([a * c - b * s, a * s + b * c], dim=-1)


def linear(out_dim, in_dim):
    return nn.Linear(in_dim, out_dim, bias=False)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d, H, d_h, kind = c["d_model"], c["n_heads"], c["d_head"], c["attention"]
        self.kind = kind
        if kind in ("mha", "gqa", "mqa"):
            G = c["n_kv_groups"]
            self.wq, self.wk, self.wv = linear(H * d_h, d), linear(G * d_h, d), linear(G * d_h, d)
        elif kind in ("mla-prerope", "mla-decoupled"):
            d_c, d_cq = c["d_latent_kv"], c["d_latent_q"]
            self.kv_down, self.kv_norm = linear(d_c, d), RMSNorm(d_c)
            self.k_up, self.v_up = linear(H * d_h, d_c), linear(H * d_h, d_c)
            self.q_down, self.q_norm, self.q_up = linear(d_cq, d), RMSNorm(d_cq), linear(H * d_h, d_cq)
            if kind == "mla-decoupled" and c["d_rope"] > 0:
                self.q_rope, self.k_rope = linear(H * c["d_rope"], d_cq), linear(c["d_rope"], d)
        elif kind == "lrkv":
            r = c["lrkv_rank"]
            self.wq = linear(H * d_h, d)
            self.wk_shared, self.wv_shared = linear(d_h, d), linear(d_h, d)
            if r > 0:
                self.k_down, self.v_down = linear(H * r, d), linear(H * r, d)
                # Holders so that the names end in ".weight", as QK Scope's do.
                self.k_up, self.v_up = nn.Module(), nn.Module()
                self.k_up.weight = nn.Parameter(torch.randn(H, d_h, r) * 0.02)
                self.v_up.weight = nn.Parameter(torch.randn(H, d_h, r) * 0.02)
        self.wo = linear(d, H * d_h)
        cos, sin = rope_tables(d_h, c["seq_len"], c["rope_base"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        if kind == "mla-decoupled" and c["d_rope"] > 0:
            cos, sin = rope_tables(c["d_rope"], c["seq_len"], c["rope_base"])
        elif kind == "mla-prerope" and c["mla_rope_mode"] == "rotate-then-compress":
            cos, sin = rope_tables(d, c["seq_len"], c["rope_base"])
        self.register_buffer("cos_extra", cos, persistent=False)
        self.register_buffer("sin_extra", sin, persistent=False)

    def heads(self, x, n):
        B, T, _ = x.shape
        return x.view(B, T, n, -1).transpose(1, 2)     # B, n, T, dim

    def forward(self, x):
        c, kind = self.c, self.kind
        B, T, d = x.shape
        H, d_h = c["n_heads"], c["d_head"]
        if kind in ("mha", "gqa", "mqa"):
            G = c["n_kv_groups"]
            q = rotate(self.heads(self.wq(x), H), self.cos, self.sin)
            k = rotate(self.heads(self.wk(x), G), self.cos, self.sin)
            v = self.heads(self.wv(x), G)
            group = torch.arange(H) * G // H
            k, v = k[:, group], v[:, group]
        elif kind == "lrkv":
            r = c["lrkv_rank"]
            k = self.wk_shared(x)[:, None].expand(B, H, T, d_h)
            v = self.wv_shared(x)[:, None].expand(B, H, T, d_h)
            if r > 0:
                a_k = self.heads(self.k_down(x), H)    # B, H, T, r
                a_v = self.heads(self.v_down(x), H)
                k = k + torch.einsum("bhtr,hdr->bhtd", a_k, self.k_up.weight)
                v = v + torch.einsum("bhtr,hdr->bhtd", a_v, self.v_up.weight)
            q = rotate(self.heads(self.wq(x), H), self.cos, self.sin)
            k = rotate(k, self.cos, self.sin)
        else:
            source = x
            if kind == "mla-prerope" and c["mla_rope_mode"] == "rotate-then-compress":
                source = rotate(x, self.cos_extra, self.sin_extra)
            kv = self.kv_norm(self.kv_down(source))
            cq = self.q_norm(self.q_down(source))
            q, k, v = self.heads(self.q_up(cq), H), self.heads(self.k_up(kv), H), self.heads(self.v_up(kv), H)
            if kind == "mla-prerope" and c["mla_rope_mode"] == "coupled":
                q, k = rotate(q, self.cos, self.sin), rotate(k, self.cos, self.sin)
            elif kind == "mla-decoupled" and c["d_rope"] > 0:
                q_r = rotate(self.heads(self.q_rope(cq), H), self.cos_extra, self.sin_extra)
                k_r = rotate(self.k_rope(x)[:, None], self.cos_extra, self.sin_extra).expand(B, H, T, -1)
                q, k = torch.cat([q, q_r], -1), torch.cat([k, k_r], -1)
        # Debian's torch 1.13 has no scaled_dot_product_attention.
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
        mask = torch.ones(T, T, dtype=torch.bool).triu(1)
        o = scores.masked_fill(mask, float("-inf")).softmax(-1) @ v
        return self.wo(o.transpose(1, 2).reshape(B, T, H * d_h))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attn_norm, self.attn = RMSNorm(c["d_model"]), Attention(c)
        self.mlp_norm = RMSNorm(c["d_model"])
        self.mlp = nn.Module()
        self.mlp.w1, self.mlp.w2 = linear(c["d_mlp"], c["d_model"]), linear(c["d_model"], c["d_mlp"])

    def forward(self, x):
        x = x + self.attn(self.attn_norm(x))
        return x + self.mlp.w2(F.gelu(self.mlp.w1(self.mlp_norm(x)), approximate="tanh"))


class Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed = nn.Embedding(c["vocab_size"], c["d_model"])
        self.layers = nn.ModuleList(Block(c) for _ in range(c["n_layers"]))
        self.norm = RMSNorm(c["d_model"])
        residual_std = 0.02 / math.sqrt(2 * c["n_layers"])
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, std=residual_std if name.endswith(("wo.weight", "w2.weight")) else 0.02)

    def forward(self, tokens, targets=None):
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x)
        logits = self.norm(x) @ self.embed.weight.T       # tied head
        if targets is None:
            return logits
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


def bench(args):
    for threads in args.threads:
        torch.set_num_threads(threads)
        for variant in args.variants:
            c = default_config(args.preset, variant)
            torch.manual_seed(1)
            model = Transformer(c)
            optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
            T, B = c["seq_len"], 8
            tokens = torch.randint(0, 256, (B, T))
            targets = torch.randint(0, 256, (B, T))
            steps = args.steps or (20 if T <= 128 else 5)
            for s in range(steps + 2):
                if s == 2:
                    start = time.perf_counter()
                optimizer.zero_grad(set_to_none=True)
                loss = model(tokens, targets)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
            seconds = time.perf_counter() - start
            print(json.dumps({"bench": "torch-train", "preset": args.preset, "variant": variant,
                              "threads": threads, "tokens_per_second": round(steps * B * T / seconds, 1),
                              "step_ms": round(seconds * 1e3 / steps, 2), "torch": torch.__version__}),
                  flush=True)


def load_checkpoint(directory):
    from safetensors_reader import read_safetensors
    tensors, metadata = read_safetensors(os.path.join(directory, "model.safetensors"))
    c = json.loads(metadata["qkscope.config"])
    model = Transformer(c)
    state = {name: torch.from_numpy(array) for name, array in tensors.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        sys.exit(f"names differ: missing {missing}, unexpected {unexpected}")
    return model, c


def loss(args):
    model, c = load_checkpoint(args.checkpoint)
    data = open(args.file, "rb").read()
    T = c["seq_len"]
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(data) - 1, T):
            window = torch.tensor(list(data[start:start + T + 1]))
            if len(window) < 2:
                break
            x, y = window[None, :-1], window[None, 1:]
            n = y.numel()
            total += model(x, y).item() * n
            count += n
    print(json.dumps({"nats_per_byte": total / count, "bytes": count}))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bench")
    b.add_argument("preset", choices=sorted(PRESETS))
    b.add_argument("variants", nargs="+")
    b.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    b.add_argument("--steps", type=int, default=0)
    l = sub.add_parser("loss")
    l.add_argument("checkpoint")
    l.add_argument("file")
    args = parser.parse_args()
    torch.set_num_interop_threads(1)
    bench(args) if args.command == "bench" else loss(args)


if __name__ == "__main__":
    main()
