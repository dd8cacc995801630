#!/usr/bin/env python3
# build-fuzzer.py: compile a libFuzzer target with clang
#
# The project builds with gcc, and a meson project has one C compiler, so
# tests/fuzz/meson.build runs this as a custom target: clang compiles the
# target and the core sources it needs with libFuzzer, ASan and UBSan, and
# writes a depfile, so that ninja rebuilds it only when one of those sources
# or a header they include changes.
#
# Usage: build-fuzzer.py --check CLANG
#            exit 0 if CLANG can link a libFuzzer target; else say why, exit 1
#        build-fuzzer.py --clang CLANG --output FILE --depfile FILE
#            [--werror] [--pkg-config PROGRAM] [--pkg NAME]... [--include DIR]...
#            [--cflag FLAG]... SOURCE...
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

# UBSan aborts at the first report instead of going on, so libFuzzer sees it
# as a crash and keeps the input.
SANITIZE = ["-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all"]

CFLAGS = [
    "-std=gnu11",
    "-g",
    "-O1",
    "-fno-omit-frame-pointer",
    "-D_GNU_SOURCE",
    "-Wall",
    "-Wextra",
    "-Wno-unused-parameter",
    "-Wno-missing-field-initializers",
]

MISSING = ("install clang and libclang-rt-14-dev (build-aux/setup does), "
           "or configure with -Dfuzzing=disabled")


def check(clang):
    """Whether CLANG links a libFuzzer target with the sanitizers."""
    program = ("#include <stddef.h>\n#include <stdint.h>\n"
               "int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);\n"
               "int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) { return 0; }\n")
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "probe.c")
        with open(source, "w", encoding="utf-8") as f:
            f.write(program)
        try:
            result = subprocess.run([clang, *SANITIZE, source, "-o", os.path.join(folder, "probe")],
                                    capture_output=True, text=True, check=False)
        except OSError as e:
            print(f"{clang} cannot be run ({e}): {MISSING}")
            return 1
    if result.returncode != 0:
        # Without libclang-rt-14-dev the link fails on libclang_rt.fuzzer.
        print(f"{clang} cannot link a libFuzzer target: {MISSING}")
        print(result.stderr.strip())
        return 1
    return 0


def pkg_config(program, packages, what):
    if not packages:
        return []
    result = subprocess.run([program, what, *packages], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"build-fuzzer: {program} {what} {' '.join(packages)} failed:\n{result.stderr}")
    return shlex.split(result.stdout)


def read_depfile(path):
    """The prerequisites in a make-style depfile that clang wrote, still escaped."""
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    _, _, prerequisites = text.partition(":")
    # A space is escaped as "\ "; any other whitespace separates names.
    return re.findall(r"(?:\\.|[^\s\\])+", prerequisites)


def build(args):
    compile_flags = (CFLAGS + SANITIZE + args.cflag
                     + [f"-I{d}" for d in args.include]
                     + pkg_config(args.pkg_config, args.pkg, "--cflags"))
    if args.werror:
        compile_flags.append("-Werror")
    objects_dir = args.output + ".p"
    os.makedirs(objects_dir, exist_ok=True)

    objects, prerequisites = [], []
    for index, source in enumerate(args.sources):
        stem = os.path.splitext(os.path.basename(source))[0]
        obj = os.path.join(objects_dir, f"{index}-{stem}.o")
        dep = obj + ".d"
        command = [args.clang, *compile_flags, "-MD", "-MF", dep, "-MT", obj, "-c", source, "-o", obj]
        if subprocess.run(command, check=False).returncode != 0:
            print("build-fuzzer: failed: " + shlex.join(command), file=sys.stderr)
            return 1
        objects.append(obj)
        for name in read_depfile(dep):
            if name not in prerequisites:
                prerequisites.append(name)

    command = [args.clang, *SANITIZE, *objects, "-o", args.output,
               *pkg_config(args.pkg_config, args.pkg, "--libs")]
    if subprocess.run(command, check=False).returncode != 0:
        print("build-fuzzer: failed: " + shlex.join(command), file=sys.stderr)
        return 1

    with open(args.depfile, "w", encoding="utf-8") as f:
        f.write(args.output.replace(" ", "\\ ") + ": " + " \\\n  ".join(prerequisites) + "\n")
    return 0


def main():
    parser = argparse.ArgumentParser(description="Compile a libFuzzer target with clang.")
    parser.add_argument("--check", metavar="CLANG", help="only check that CLANG can build a target")
    parser.add_argument("--clang", default="clang")
    parser.add_argument("--output")
    parser.add_argument("--depfile")
    parser.add_argument("--werror", action="store_true")
    parser.add_argument("--pkg-config", default="pkg-config")
    parser.add_argument("--pkg", action="append", default=[])
    parser.add_argument("--include", action="append", default=[])
    parser.add_argument("--cflag", action="append", default=[])
    parser.add_argument("sources", nargs="*")
    args = parser.parse_args()

    if args.check:
        return check(args.check)
    if not args.output or not args.depfile or not args.sources:
        parser.error("--output, --depfile and at least one source are needed")
    return build(args)


if __name__ == "__main__":
    sys.exit(main())
