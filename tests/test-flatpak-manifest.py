#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Static checks of the QK Scope flatpak-builder manifest.

Usage: test-flatpak-manifest.py MANIFEST

The manifest cannot be built here (no network, no GNOME runtime), so this
test checks what would otherwise only fail on a builder, or worse, build
with the wrong result: identity, sandbox permissions, pinned sources and
the OpenBLAS build flags the app relies on. If flatpak-builder is on PATH,
it also checks that flatpak-builder itself reads the manifest cleanly.

Prints one line per failed check and exits 1 if any failed, else 0.
Standard library only.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

APP_ID = "io.github.qkscope.QKScope"
RUNTIME = "org.gnome.Platform"
SDK = "org.gnome.Sdk"
COMMAND = "qkscope"
APP_MODULE = "qkscope"

# The GUI needs exactly these; file access goes through portals instead.
REQUIRED_FINISH_ARGS = (
    "--share=ipc",
    "--socket=fallback-x11",
    "--socket=wayland",
    "--device=dri",
)

# Flatpak's names for the whole home directory or host file system
# (anything starting with "host" is also treated as broad).
BROAD_FILESYSTEMS = {"home", "~", "/", "xdg-home"}
# The only --filesystem prefix allowed: per-session sockets, not user files.
ALLOWED_FILESYSTEM_PREFIX = "xdg-run/"

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# GLib log lines ("flatpak-builder-WARNING **: ...") and failed includes.
BUILDER_COMPLAINT_RE = re.compile(r"(WARNING|CRITICAL|ERROR) \*\*|Can't open")

failures = []


def fail(message):
    if message in failures:  # e.g. a malformed 'modules' seen by each check
        return
    failures.append(message)
    print("FAIL: " + message)


def typed(container, key, kind, what):
    """container[key] if it has the JSON type kind, else a failure and an
    empty value, so that a malformed manifest gives messages, not a traceback."""
    value = container.get(key)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        fail("%s: '%s' must be a JSON %s, got %r"
             % (what, key, "array" if kind is list else "object", value))
        return kind()
    return value


def load_manifest(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        fail("cannot read manifest %s: %s" % (path, e))
    except ValueError as e:
        fail("manifest %s is not valid JSON: %s" % (path, e))
    return None


def iter_modules(owner, base_dir, what):
    """Yield every module dict under owner, depth first, following
    included .json module files (a missing one is left to flatpak-builder)."""
    for module in typed(owner, "modules", list, what):
        if isinstance(module, str):
            included = os.path.join(base_dir, module)
            if module.endswith(".json") and os.path.isfile(included):
                data = load_manifest(included)
                if isinstance(data, dict):
                    yield data
                    yield from iter_modules(data, os.path.dirname(included),
                                            "module file " + module)
        elif isinstance(module, dict):
            yield module
            yield from iter_modules(module, base_dir,
                                    "module %r" % module.get("name"))
        else:
            fail("%s: a module must be an object or a file name, got %r"
                 % (what, module))


def find_module(manifest, name, base_dir):
    for module in iter_modules(manifest, base_dir, "manifest"):
        if module.get("name") == name:
            return module
    return None


def check_identity(manifest):
    app_ids = [manifest[key] for key in ("id", "app-id") if key in manifest]
    if not app_ids:
        fail("no 'id' (or 'app-id') key")
    for app_id in app_ids:
        if app_id != APP_ID:
            fail("app id is %r, expected %r" % (app_id, APP_ID))
    for key, expected in (("runtime", RUNTIME), ("sdk", SDK),
                          ("command", COMMAND)):
        if manifest.get(key) != expected:
            fail("%s is %r, expected %r" % (key, manifest.get(key), expected))
    version = manifest.get("runtime-version")
    if not isinstance(version, str) or not version.strip():
        fail("runtime-version must be a non-empty string, got %r" % (version,))


def filesystem_values(finish_args):
    """Values of --filesystem, in both '--filesystem=X' and '--filesystem X' form."""
    for i, arg in enumerate(finish_args):
        if arg.startswith("--filesystem="):
            yield arg[len("--filesystem="):]
        elif arg == "--filesystem":
            yield finish_args[i + 1] if i + 1 < len(finish_args) else ""


def check_finish_args(manifest):
    finish_args = typed(manifest, "finish-args", list, "manifest")
    if not all(isinstance(a, str) for a in finish_args):
        fail("finish-args must be a list of strings, got %r" % (finish_args,))
        return
    for required in REQUIRED_FINISH_ARGS:
        if required not in finish_args:
            fail("finish-args lacks %s" % required)
    for value in filesystem_values(finish_args):
        # Drop the access mode (:ro, :rw, :create) to compare the location.
        location = value.rsplit(":", 1)[0] if ":" in value else value
        location = location.rstrip("/") or "/"
        if location in BROAD_FILESYSTEMS or location.startswith("host"):
            fail("finish-args grants broad file access --filesystem=%s; "
                 "use the file chooser portal instead" % value)
        elif not value.startswith(ALLOWED_FILESYSTEM_PREFIX):
            fail("finish-args has --filesystem=%s; only %s... is allowed, "
                 "user files go through portals" % (value, ALLOWED_FILESYSTEM_PREFIX))


def check_pinned_archive(module, name):
    """The module must build from checksummed archive downloads."""
    sources = typed(module, "sources", list, "module " + name)
    archives = [s for s in sources
                if isinstance(s, dict) and s.get("type") == "archive"]
    if not archives:
        fail("module %s has no archive source" % name)
        return
    for source in archives:
        url = source.get("url")
        if not isinstance(url, str) or not re.match(r"^https?://", url):
            fail("module %s: archive source has no http(s) url (%r)" % (name, url))
        elif name.lower() not in url.rsplit("/", 1)[-1].lower():
            fail("module %s: archive url %s does not look like a %s tarball"
                 % (name, url, name))
        sha256 = source.get("sha256")
        if not isinstance(sha256, str) or not SHA256_RE.match(sha256):
            fail("module %s: archive source needs a sha256 of 64 lowercase "
                 "hex digits, got %r" % (name, sha256))


def check_gsl(manifest, base_dir):
    module = find_module(manifest, "gsl", base_dir)
    if module is None:
        fail("no module named 'gsl'")
        return
    # GSL ships a configure script; autotools is also the default.
    if module.get("buildsystem", "autotools") != "autotools":
        fail("module gsl: buildsystem is %r, expected autotools"
             % module.get("buildsystem"))
    check_pinned_archive(module, "gsl")


def make_assignments(words):
    """{VAR: value} for the VAR=value words of a make command line."""
    result = {}
    for word in words:
        var, sep, value = word.partition("=")
        if sep and re.match(r"^[A-Z_][A-Z0-9_]*$", var):
            result[var] = value
    return result


def split_command(command):
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def string_list(module, key, name):
    values = typed(module, key, list, "module " + name)
    if not all(isinstance(v, str) for v in values):
        fail("module %s: '%s' must be a list of strings" % (name, key))
        return []
    return values


def check_openblas(manifest, base_dir):
    module = find_module(manifest, "openblas", base_dir)
    if module is None:
        fail("no module named 'openblas'")
        return
    check_pinned_archive(module, "openblas")

    # OpenBLAS is configured by make variables, which can come from the
    # build commands, make(-install)-args or the build environment.
    build_words, install_words = [], []
    for command in string_list(module, "build-commands", "openblas"):
        words = split_command(command)
        if words and os.path.basename(words[0]) == "make":
            (install_words if "install" in words[1:] else build_words).extend(words)
    build_words.extend(string_list(module, "make-args", "openblas"))
    install_words.extend(string_list(module, "make-install-args", "openblas"))
    build_options = typed(module, "build-options", dict, "module openblas")
    env = typed(build_options, "env", dict, "module openblas build-options")

    build_vars = dict(env)
    build_vars.update(make_assignments(build_words))
    install_vars = dict(env)
    install_vars.update(make_assignments(install_words))

    if not build_words:
        fail("module openblas: no make build command or make-args found")
    if build_vars.get("DYNAMIC_ARCH") != "1":
        fail("module openblas: build must set DYNAMIC_ARCH=1 (kernels for "
             "every CPU, chosen at run time), got %r" % build_vars.get("DYNAMIC_ARCH"))
    if install_vars.get("PREFIX") != "/app":
        fail("module openblas: 'make install' must set PREFIX=/app, got %r"
             % install_vars.get("PREFIX"))
    for stage, variables in (("build", build_vars), ("install", install_vars)):
        # OpenBLAS turns on 64-bit integers for any INTERFACE64 but 0; the
        # app and GSL pass 32-bit int to cblas/LAPACKE.
        if str(variables.get("INTERFACE64", "0")) not in ("0", ""):
            fail("module openblas: %s sets INTERFACE64=%s; the app needs "
                 "32-bit BLAS integers" % (stage, variables["INTERFACE64"]))
        if str(variables.get("USE_OPENMP", "0")) not in ("0", ""):
            fail("module openblas: %s sets USE_OPENMP=%s; use pthreads "
                 "(USE_OPENMP=0)" % (stage, variables["USE_OPENMP"]))
        # The app calls LAPACKE, which these would leave out.
        for var in ("NO_LAPACK", "NO_LAPACKE", "ONLY_CBLAS"):
            if str(variables.get(var, "0")) == "1":
                fail("module openblas: %s sets %s=1 but the app needs LAPACKE"
                     % (stage, var))


def check_app_module(manifest):
    modules = typed(manifest, "modules", list, "manifest")
    if not modules:
        fail("manifest has no modules")
        return
    last = modules[-1]
    if not isinstance(last, dict):
        fail("last module must be defined inline, got %r" % (last,))
        return
    if last.get("name") != APP_MODULE:
        fail("last module is %r, expected %r" % (last.get("name"), APP_MODULE))
    if last.get("buildsystem") != "meson":
        fail("last module must use buildsystem meson, got %r"
             % last.get("buildsystem"))
    # The manifest lives in flatpak/, so '..' is the project root.
    sources = typed(last, "sources", list, "last module")
    project_dirs = [s for s in sources
                    if isinstance(s, dict) and s.get("type") == "dir"
                    and isinstance(s.get("path"), str)
                    and os.path.normpath(s["path"]) == ".."]
    if not project_dirs:
        fail("last module must build from the project directory "
             "(a source of type 'dir' with path '..')")


def check_flatpak_builder(path):
    builder = shutil.which("flatpak-builder")
    if builder is None:
        print("SKIP: flatpak-builder not on PATH, not asking it to parse the manifest")
        return
    # --show-manifest still creates .flatpak-builder/ in the working
    # directory (and takes no --state-dir), so run it in a scratch one.
    with tempfile.TemporaryDirectory(prefix="qkscope-fb-") as tmp:
        try:
            result = subprocess.run(
                [builder, "--show-manifest", os.path.abspath(path)],
                cwd=tmp, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            fail("flatpak-builder --show-manifest did not run: %s" % e)
            return
    if result.returncode != 0:
        how = ("was killed by signal %d" % -result.returncode
               if result.returncode < 0 else "exited %d" % result.returncode)
        fail("flatpak-builder --show-manifest %s: %s"
             % (how, result.stderr.strip()))
        return
    # It exits 0 even when it drops what it does not understand (unknown
    # properties or source types, wrongly typed values, unreadable included
    # files) and only says so on stderr, so treat those messages as failures.
    for line in result.stderr.splitlines():
        if BUILDER_COMPLAINT_RE.search(line):
            fail("flatpak-builder --show-manifest complained: %s" % line.strip())
    try:
        shown = json.loads(result.stdout)
    except ValueError as e:
        fail("flatpak-builder --show-manifest printed invalid JSON: %s" % e)
        return
    shown_id = shown.get("id", shown.get("app-id")) if isinstance(shown, dict) else None
    if shown_id != APP_ID:
        fail("flatpak-builder read the app id as %r, expected %r" % (shown_id, APP_ID))


def main(argv):
    if len(argv) != 2:
        print("usage: %s MANIFEST" % os.path.basename(argv[0]), file=sys.stderr)
        return 1
    path = argv[1]
    manifest = load_manifest(path)
    if manifest is not None and not isinstance(manifest, dict):
        fail("manifest top level must be a JSON object")
        manifest = None
    if manifest is not None:
        base_dir = os.path.dirname(os.path.abspath(path))
        check_identity(manifest)
        check_finish_args(manifest)
        check_gsl(manifest, base_dir)
        check_openblas(manifest, base_dir)
        check_app_module(manifest)
        check_flatpak_builder(path)

    if failures:
        print("%d check(s) failed for %s" % (len(failures), path))
        return 1
    print("OK: %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
