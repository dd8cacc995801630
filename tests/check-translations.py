#!/usr/bin/env python3
# check-translations.py: every language in po/LINGUAS translates every
# message the sources have now (none missing, none fuzzy, formats that
# match), and the programs speak it.
#
# Usage: check-translations.py SOURCE_ROOT LOCALEDIR CLI
#
# Copyright 2026 The QK Scope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import re
import subprocess
import sys
import tempfile

# Meson's "glib" preset for xgettext, which po/meson.build uses.
KEYWORDS = ["_", "N_", "C_:1c,2", "NC_:1c,2", "g_dcgettext:2", "g_dngettext:2,3",
            "g_dpgettext2:2c,3"]
FLAGS = ["N_:1:pass-c-format", "C_:2:pass-c-format", "NC_:2:pass-c-format",
         "g_dngettext:2:pass-c-format", "g_strdup_printf:1:c-format",
         "g_string_printf:2:c-format", "g_string_append_printf:2:c-format",
         "g_error_new:3:c-format", "g_set_error:4:c-format",
         "g_markup_printf_escaped:1:c-format", "g_log:3:c-format", "g_print:1:c-format",
         "g_printerr:1:c-format", "g_printf:1:c-format", "g_fprintf:2:c-format",
         "g_sprintf:2:c-format", "g_snprintf:3:c-format"]

# A word of each language that its --help must show.
HELP_WORD = {"fr": "Utilisation"}


def fresh_template(root, directory):
    pot = os.path.join(directory, "qkscope.pot")
    command = ["xgettext", "--from-code=UTF-8", "--add-comments", "--directory", root,
               "--files-from", os.path.join(root, "po", "POTFILES"), "--output", pot]
    command += ["--keyword=" + k for k in KEYWORDS] + ["--flag=" + f for f in FLAGS]
    subprocess.run(command, check=True)
    return pot


def main():
    root, localedir, cli = sys.argv[1:4]
    with open(os.path.join(root, "po", "LINGUAS"), encoding="utf-8") as f:
        languages = [w for line in f if not line.startswith("#") for w in line.split()]
    if not languages:
        print("po/LINGUAS names no language")
        return 1

    failures = 0
    with tempfile.TemporaryDirectory() as directory:
        pot = fresh_template(root, directory)
        for language in languages:
            merged = os.path.join(directory, language + ".po")
            subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", "--output-file", merged,
                            os.path.join(root, "po", language + ".po"), pot], check=True)
            result = subprocess.run(["msgfmt", "--check", "--statistics", "--output-file",
                                     os.devnull, merged], capture_output=True, text=True)
            statistics = result.stderr.strip()
            print(f"{language}: {statistics}")
            if result.returncode != 0 or re.search(r"untranslated|fuzzy", statistics):
                failures += 1
                print(f"{language}.po is incomplete or wrong; update it against the sources "
                      "(meson compile qkscope-update-po)")
                missing = subprocess.run(["msgattrib", "--untranslated", merged],
                                         capture_output=True, text=True).stdout
                print(missing[:4000])

    for language, word in HELP_WORD.items():
        environment = dict(os.environ, LANGUAGE=language, LC_ALL="C.UTF-8", QKS_LOCALEDIR=localedir)
        output = subprocess.run([cli, "--help"], capture_output=True, text=True,
                                env=environment).stdout
        if word not in output:
            failures += 1
            print(f"qkscope-cli --help in {language} does not say “{word}”:\n{output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
