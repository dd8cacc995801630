#!/usr/bin/env python3
# check-potfiles.py: po/POTFILES lists every file with translatable strings,
# and only files that exist.
#
# Usage: check-potfiles.py SOURCE_ROOT
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import re
import sys

C_MARKERS = re.compile(r'\b(?:_|N_|C_|NC_|g_dgettext|ngettext)\s*\(')
UI_MARKERS = re.compile(r'translatable="yes"')
SCHEMA_MARKERS = re.compile(r'<summary>|<description>')
C_COMMENTS = re.compile(r'/\*.*?\*/|//[^\n]*', re.DOTALL)


def translatable_files(root):
    found = set()
    for top in ("src", "ui", "data"):
        for dirpath, _, filenames in os.walk(os.path.join(root, top)):
            for name in filenames:
                path = os.path.join(dirpath, name)
                relative = os.path.relpath(path, root)
                if name.endswith((".c", ".h")):
                    pattern = C_MARKERS
                elif name.endswith(".ui"):
                    pattern = UI_MARKERS
                elif name.endswith(".gschema.xml"):
                    pattern = SCHEMA_MARKERS
                elif name.endswith((".desktop.in", ".metainfo.xml.in")):
                    found.add(relative)
                    continue
                else:
                    continue
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                if pattern is C_MARKERS:
                    # "_()" in a comment is prose, not a string to translate.
                    text = C_COMMENTS.sub("", text)
                if pattern.search(text):
                    found.add(relative)
    return found


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "po", "POTFILES"), encoding="utf-8") as f:
        listed = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    problems = []
    for path in sorted(translatable_files(root) - listed):
        problems.append(f"{path} has translatable strings but is not in po/POTFILES")
    for path in sorted(listed):
        if not os.path.exists(os.path.join(root, path)):
            problems.append(f"po/POTFILES lists {path}, which does not exist")
    for problem in problems:
        print(problem)
    if not problems:
        print(f"po/POTFILES lists all {len(listed)} files with translatable strings")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
