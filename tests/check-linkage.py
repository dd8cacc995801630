#!/usr/bin/env python3
# check-linkage.py: the binaries never load GSL's reference CBLAS, get
# OpenBLAS wherever they do linear algebra, and the headless CLI loads no GTK.
#
# Usage: check-linkage.py --no-gtk BINARY... --gui BINARY...
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import subprocess
import sys


def libraries(binary):
    result = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True)
    return result.stdout


def main():
    problems = []
    mode = None
    checked = 0
    for arg in sys.argv[1:]:
        if arg in ("--no-gtk", "--gui"):
            mode = arg
            continue
        checked += 1
        libs = libraries(arg)
        if "libgslcblas" in libs:
            problems.append(f"{arg} loads GSL's reference CBLAS (libgslcblas)")
        # A binary that does no linear algebra (yet) need not load a BLAS;
        # one that loads GSL or LAPACKE must get OpenBLAS with it.
        uses_linear_algebra = any(lib in libs for lib in ("libgsl.so", "liblapacke", "liblapack.so"))
        if uses_linear_algebra and "libopenblas" not in libs:
            problems.append(f"{arg} loads GSL or LAPACK but not OpenBLAS")
        if mode == "--no-gtk":
            for gui in ("libgtk-4", "libadwaita", "libgdk"):
                if gui in libs:
                    problems.append(f"{arg} loads {gui}, but must run on a machine without GTK")
    for problem in problems:
        print(problem)
    if checked == 0:
        print("no binaries given")
        return 1
    if not problems:
        print(f"{checked} binaries: no libgslcblas, OpenBLAS wherever GSL or LAPACK is used, "
              "no GTK in the CLI")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
