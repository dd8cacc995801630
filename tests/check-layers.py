#!/usr/bin/env python3
# check-layers.py: each layer includes only what lies below it.
#
#   src/core   no GTK, GDK, GSK, libadwaita, cairo or Pango; no plot/app/cli headers
#   src/plot   no GTK, GDK, GSK or libadwaita; no app/cli headers
#   src/cli    no GTK, GDK, GSK or libadwaita; no app headers
#
# Usage: check-layers.py SOURCE_ROOT     check the tree
#        check-layers.py --self-test     plant a violation and make sure it is caught
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.MULTILINE)

GUI = re.compile(r'^(gtk|gdk|gsk)/|^adwaita\.h$|^gtk\.h$')
DRAWING = re.compile(r'^cairo[-/.]|^cairo$|^pango/|^pango[a-z]*\.h$')

# Which toolkit headers each layer may not include, and which other layers'
# headers it may not include.
RULES = {
    "src/core": ([GUI, DRAWING], ["src/plot", "src/app", "src/cli"]),
    "src/plot": ([GUI], ["src/app", "src/cli"]),
    "src/cli": ([GUI], ["src/app"]),
}


def headers_of(root, layer):
    folder = os.path.join(root, layer)
    if not os.path.isdir(folder):
        return set()
    return {name for name in os.listdir(folder) if name.endswith(".h")}


def check(root):
    problems = []
    for layer, (banned_patterns, banned_layers) in RULES.items():
        banned_headers = {}
        for other in banned_layers:
            for header in headers_of(root, other):
                banned_headers[header] = other
        folder = os.path.join(root, layer)
        for dirpath, _, filenames in os.walk(folder):
            for name in sorted(filenames):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                for include in INCLUDE.findall(text):
                    relative = os.path.relpath(path, root)
                    if any(p.search(include) for p in banned_patterns):
                        problems.append(f"{relative}: includes <{include}>, which {layer} may not use")
                    elif os.path.basename(include) in banned_headers:
                        problems.append(f"{relative}: includes \"{include}\" from "
                                        f"{banned_headers[os.path.basename(include)]}, a layer above {layer}")
    return problems


def self_test():
    planted = {
        "src/core/qks-bad.c": "#include <gtk/gtk.h>\n",
        "src/core/qks-bad2.c": "#include <cairo.h>\n",
        "src/core/qks-bad3.c": "#include \"qks-window.h\"\n",
        "src/plot/qks-bad.c": "#include <adwaita.h>\n",
        "src/cli/qks-bad.c": "#  include <gdk/gdk.h>\n",
    }
    allowed = {
        "src/core/qks-good.c": "#include <glib.h>\n#include <cblas.h>\n#include \"qks-good.h\"\n",
        "src/plot/qks-good.c": "#include <cairo.h>\n#include <pango/pangocairo.h>\n#include \"qks-good.h\"\n",
        "src/app/qks-window.h": "#include <adwaita.h>\n",
        "src/core/qks-good.h": "",
    }
    with tempfile.TemporaryDirectory() as root:
        for files in (planted, allowed):
            for path, text in files.items():
                os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
                with open(os.path.join(root, path), "w", encoding="utf-8") as f:
                    f.write(text)
        problems = check(root)
    caught = {p.split(":")[0] for p in problems}
    missed = set(planted) - caught
    false_alarms = caught - set(planted)
    for path in sorted(missed):
        print(f"self-test: the planted violation in {path} was not caught")
    for path in sorted(false_alarms):
        print(f"self-test: {path} was flagged but is allowed")
    return 1 if missed or false_alarms else 0


def main():
    if len(sys.argv) != 2:
        print(__doc__ or "usage: check-layers.py SOURCE_ROOT | --self-test", file=sys.stderr)
        return 2
    if sys.argv[1] == "--self-test":
        return self_test()
    problems = check(sys.argv[1])
    for problem in problems:
        print(problem)
    if not problems:
        print("layers ok: core → plot → app/cli")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
