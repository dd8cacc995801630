#!/usr/bin/python3
# report.py: run the benchmarks and the peer in one go, and print the ratios.
#
# Usage: report.py BUILD_DIR [--quick]
#
# Measures, on this machine and in this run:
#   - cblas_sgemm's peak with 1 and 2 threads (the ceiling);
#   - QK Scope's training tokens/s and model FLOP/s for the tiny and small
#     presets and every variant, with 1 and 2 BLAS threads;
#   - the same model in PyTorch (Debian's python3-torch), 1 and 2 threads;
#   - that both compute the same loss from the same checkpoint.
# Ratios compare each side's best thread count.
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VARIANTS = ["mha", "gqa", "mqa", "mla-prerope", "mla-decoupled", "lrkv"]
PEER_VARIANTS = ["mha", "mqa", "mla-decoupled"]


def json_lines(command):
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def main():
    build = sys.argv[1]
    quick = "--quick" in sys.argv
    cli = os.path.join(build, "src", "cli", "qkscope-cli")

    sgemm = json_lines([os.path.join(build, "bench", "bench-sgemm")])[-1]
    peak = max(sgemm["gflops_1_thread"], sgemm["gflops_2_threads"])
    print(f"cblas_sgemm peak: 1 thread {sgemm['gflops_1_thread']:.1f} GFLOP/s, "
          f"2 threads {sgemm['gflops_2_threads']:.1f} GFLOP/s")

    ours = {}
    for preset in ("tiny", "small"):
        for threads in (1, 2):
            for row in json_lines([os.path.join(build, "bench", "bench-train"), "--json",
                                   "--threads", str(threads), preset, *VARIANTS]):
                key = (preset, row["variant"])
                if key not in ours or row["tokens_per_second"] > ours[key]["tokens_per_second"]:
                    ours[key] = row

    peer = {}
    for preset in ("tiny", "small"):
        for row in json_lines(["/usr/bin/python3", os.path.join(HERE, "torch_peer.py"), "bench",
                               preset, *PEER_VARIANTS, "--threads", "1", "2"]):
            key = (preset, row["variant"])
            peer.setdefault(key, []).append(row)

    print()
    print(f"{'preset':6} {'variant':14} {'QK Scope tok/s':>15} {'thr':>3} {'GFLOP/s':>8} {'% peak':>7}"
          f" {'PyTorch tok/s (1 thr / 2 thr)':>31} {'ratio':>6}")
    for (preset, variant), row in ours.items():
        line = (f"{preset:6} {variant:14} {row['tokens_per_second']:15.0f} {row['threads']:3d}"
                f" {row['gflops']:8.1f} {100 * row['gflops'] / sgemm['gflops_2_threads']:6.1f}%")
        if (preset, variant) in peer:
            rows = sorted(peer[(preset, variant)], key=lambda r: r["threads"])
            best = max(r["tokens_per_second"] for r in rows)
            by_threads = " / ".join(f"{r['tokens_per_second']:.0f}" for r in rows)
            line += f" {by_threads:>31} {row['tokens_per_second'] / best:5.2f}x"
        print(line)
    print("(% peak: model FLOP/s against the 2-thread cblas_sgemm peak; ratio: QK Scope's best "
          "thread count against PyTorch's best)")

    print()
    print("Diagnostics (one thread each; targets: tiny < 20 ms, small < 100 ms, GPT-2-small shapes < 2 s)")
    for row in json_lines([os.path.join(build, "bench", "bench-diag")]):
        if row["bench"] == "diag":
            print(f"  {row['case']:24} snapshot {row['snapshot_ms']:8.1f} ms   "
                  f"(nulls built once per configuration: {row['null_seconds']:.2f} s)")
        elif row["bench"] == "diag-share":
            extra = 100 * (row["with_s"] - row["without_s"]) / row["without_s"]
            print(f"  training {row['preset']} for {row['steps']} steps: {row['without_s']:.1f} s without "
                  f"diagnostics, {row['with_s']:.1f} s with them at the default cadence ({extra:+.1f} %)")

    print()
    print("Other programs' checkpoints, qkscope-cli analyze (targets: GPT-2 small < 2 s; "
          "LLaMA-7B BF16 < 60 s in < 2 GB)")
    extra = ["--skip-7b"] if quick else []
    for row in json_lines(["/usr/bin/python3", os.path.join(HERE, "bench-checkpoints.py"), cli, *extra]):
        if row["checkpoint"] == "gpt2-small-f32":
            print(f"  GPT-2 small, F32: {row['seconds']:.2f} s, peak RSS {row['peak_rss_mib']:.0f} MiB; "
                  f"PyTorch taking only the QK/OV singular values: {row['torch_spectra_only_seconds']:.2f} s "
                  f"({row['ratio_torch_over_qkscope']:.1f}x QK Scope's time)")
        else:
            print(f"  LLaMA-7B shape, BF16, {row['bytes'] / 1e9:.1f} GB: {row['seconds']:.1f} s, peak RSS "
                  f"{row['peak_rss_mib']:.0f} MiB (reading the files once: {row['read_once_seconds']:.1f} s)")

    if quick:
        return
    print()
    print("Same checkpoint, same file: mean cross-entropy in nats per byte")
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "text.txt")
        with open(text, "w") as f:
            f.write("The quick brown fox jumps over the lazy dog. A tired cat naps on a warm mat.\n" * 300)
        for variant in VARIANTS:
            out = os.path.join(tmp, variant)
            subprocess.run([cli, "train", "--preset", "tiny", "--variant", variant, "--steps", "30",
                            "--lr", "3e-3", "--warmup", "5", "--eval-every", "0", "--out", out],
                           capture_output=True, check=True)
            a = json_lines([cli, "eval", out, "--text", text, "--json"])[0]["nats_per_byte"]
            b = json_lines(["/usr/bin/python3", os.path.join(HERE, "torch_peer.py"), "loss", out, text])[0]["nats_per_byte"]
            print(f"  {variant:14} QK Scope {a:.6f}  PyTorch {b:.6f}  difference {abs(a - b):.1e}")


if __name__ == "__main__":
    main()
