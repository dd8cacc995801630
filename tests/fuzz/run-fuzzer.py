#!/usr/bin/env python3
# run-fuzzer.py: run a libFuzzer target for a while; fail if it finds anything
#
# Usage: run-fuzzer.py FUZZER --work-dir DIR [--seconds N] [-- LIBFUZZER-FLAG...]
#
# In DIR it keeps:
#   seeds/       the target's seed inputs, written afresh by the target itself
#   NAME.dict    its dictionary, the same way
#   corpus/      what the fuzzer found that covers new code; kept between runs,
#                so each run starts where the last one stopped
#   artifacts/   the input of any crash, leak, timeout or out-of-memory
#   fuzz.log     libFuzzer's whole output
#
# Exits 0 if the fuzzer ran for the time and found nothing, 1 otherwise,
# printing the report, the input (in hexadecimal, as CI keeps no files) and
# the command that replays it.
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import os
import re
import shutil
import subprocess
import sys

# What libFuzzer names the inputs it saves when something goes wrong.
ARTIFACT = re.compile(r"^(crash|leak|timeout|oom|slow-unit)-")

# How much of a saved input to print into the log.
MAX_PRINTED = 4096


def environment():
    env = dict(os.environ)
    # GSlice's magazines would hide GLib's lists from ASan: plain malloc.
    env["G_SLICE"] = "always-malloc"
    env["ASAN_OPTIONS"] = "detect_leaks=1:strict_string_checks=1:check_initialization_order=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    # Readable stack traces when llvm-symbolizer is there (package llvm-14).
    for symbolizer in (shutil.which("llvm-symbolizer"), "/usr/lib/llvm-14/bin/llvm-symbolizer"):
        if symbolizer and os.access(symbolizer, os.X_OK):
            env["ASAN_SYMBOLIZER_PATH"] = symbolizer
            break
    for name in ("QKS_FUZZ_SEED_DIR", "QKS_FUZZ_DICT"):
        env.pop(name, None)
    return env


def artifacts_in(folder):
    return {name for name in os.listdir(folder) if ARTIFACT.match(name)}


def hexdump(data):
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset:offset + 16]
        text = "".join(chr(b) if 0x20 <= b < 0x7f else "." for b in chunk)
        lines.append(f"  {offset:08x}  {chunk.hex(' '):<47}  {text}")
    return "\n".join(lines)


def report_failure(fuzzer, log_path, saved):
    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read().splitlines()
    # From the first line of the report (ASan's, UBSan's, GLib's or
    # libFuzzer's own) to the end: the part that says what happened. Failing
    # that, the last 200 lines.
    start = max(0, len(log) - 200)
    for i, line in enumerate(log):
        if (line.startswith("==") or "runtime error:" in line or "ERROR" in line
                or "libFuzzer: deadly signal" in line or line.startswith("**")):
            start = i
            break
    print("\n".join(log[start:]))
    print()
    for name in sorted(saved):
        path = os.path.join(os.path.dirname(log_path), "artifacts", name)
        with open(path, "rb") as f:
            data = f.read()
        print(f"fuzz: the input that failed, {path} ({len(data)} bytes):")
        print(hexdump(data[:MAX_PRINTED]))
        if len(data) > MAX_PRINTED:
            print(f"  … {len(data) - MAX_PRINTED} more bytes")
        print(f"fuzz: replay it with: {fuzzer} {path}")
        if name.startswith("leak-"):
            # While fuzzing, ASan unwinds the stack of each allocation the
            # fast way, which stops at the first frame of GLib (built
            # without frame pointers): replay the leak the slow way, which
            # shows who allocated it.
            env = environment()
            env["ASAN_OPTIONS"] += ":fast_unwind_on_malloc=0"
            replay = subprocess.run([fuzzer, path], env=env, capture_output=True, text=True,
                                    timeout=300, check=False)
            report = [line for line in replay.stderr.splitlines()
                      if line.startswith(("Direct leak", "Indirect leak", "    #"))]
            print("fuzz: the leak with whole stacks:")
            print("\n".join(report[:100]))
    print("fuzz: FAILED; libFuzzer's whole output is in " + log_path)


def main():
    parser = argparse.ArgumentParser(description="Run a libFuzzer target for a while.")
    parser.add_argument("fuzzer")
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--seconds", type=int, default=60)
    # libFuzzer's own flags come after "--"; argparse would take them for its own.
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)

    fuzzer = os.path.abspath(args.fuzzer)
    name = os.path.basename(fuzzer)
    work = os.path.abspath(args.work_dir)
    seeds = os.path.join(work, "seeds")
    corpus = os.path.join(work, "corpus")
    artifacts = os.path.join(work, "artifacts")
    dictionary = os.path.join(work, name + ".dict")
    log_path = os.path.join(work, "fuzz.log")
    env = environment()

    shutil.rmtree(seeds, ignore_errors=True)
    for folder in (seeds, corpus, artifacts):
        os.makedirs(folder, exist_ok=True)

    seed_env = dict(env, QKS_FUZZ_SEED_DIR=seeds, QKS_FUZZ_DICT=dictionary)
    result = subprocess.run([fuzzer], env=seed_env, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not os.listdir(seeds):
        print(result.stdout + result.stderr)
        print(f"fuzz: FAILED: {name} did not write its seeds")
        return 1
    print(result.stdout.strip())

    before = artifacts_in(artifacts)
    command = [
        fuzzer,
        f"-max_total_time={args.seconds}",
        # No input of a few kilobytes takes seconds: one that does hangs.
        "-timeout=30",
        "-rss_limit_mb=2048",
        # Not libFuzzer's 77, which meson takes for "skipped".
        "-error_exitcode=1",
        "-timeout_exitcode=1",
        "-print_final_stats=1",
        f"-dict={dictionary}",
        f"-artifact_prefix={artifacts}/",
        *extra,
        # New inputs go into the first folder; the seeds are only read.
        corpus,
        seeds,
    ]
    print("fuzz: " + " ".join(command), flush=True)
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            status = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    timeout=args.seconds + 300, check=False).returncode
        except subprocess.TimeoutExpired:
            status = None
    saved = artifacts_in(artifacts) - before

    if status != 0 or saved:
        if status is None:
            print(f"fuzz: {name} was still running {args.seconds + 300} s after it started")
        report_failure(fuzzer, log_path, saved)
        return 1

    with open(log_path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    stats = dict(re.findall(r"^stat::(\w+):\s*(\d+)", text, re.MULTILINE))
    # With -fork=N there are no final stats: the last status line counts.
    counts = re.findall(r"^#(\d+)", text, re.MULTILINE)
    executed = stats.get("number_of_executed_units", counts[-1] if counts else "?")
    coverage = re.findall(r"\bcov: (\d+) ft: (\d+)", text)
    print(f"fuzz: {name} ran {executed} inputs in "
          f"{args.seconds} s and found nothing"
          + (f"; coverage {coverage[-1][0]} edges, {coverage[-1][1]} features" if coverage else "")
          + f"; corpus {len(os.listdir(corpus))} inputs in {corpus}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
