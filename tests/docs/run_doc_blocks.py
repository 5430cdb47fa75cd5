#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs every code block of README.md and docs/*.md.

    run_doc_blocks.py --source SRC --build BUILD [FILE.md ...]

A fenced block's info string says its language: sh (bash), c, python, ruby,
lua (5.4) and luajit run; text, json, console and the like are prose and do not; an
untagged block is an error (tag it). An HTML comment on the line right
before a fence changes what happens to it:

    <!-- doc-test: skip: REASON -->   not run (deliberately partial, or a
                                        command that builds everything); the
                                        reason is required and printed
    <!-- doc-test: continues -->      run together with the previous block
                                        of the same language in the file, as
                                        one program (the text goes on from it)

The blocks of a file run in order, against the build tree (the command on
PATH, each binding on its interpreter's path), in a scratch directory, with
their own /dev/shm: the runner re-executes itself in a private mount
namespace (unshare -m) with a fresh tmpfs there, so the examples' segment
names ("frames", ...) meet nobody else's and nothing they leave behind
outlives the run; each file must still leave that /dev/shm empty (an
example removes what it creates). A C block without main() is wrapped in
one (its #include lines hoisted). Ends with "N passed, N failed, N skipped".
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

RUN = {"sh": "sh", "bash": "sh", "shell": "sh", "c": "c", "python": "python",
       "py": "python", "ruby": "ruby", "rb": "ruby", "lua": "lua", "luajit": "luajit"}
PROSE = {"text", "txt", "json", "console", "output", "none", "ini", "toml", "yaml"}
DIRECTIVE = re.compile(r"^<!--\s*doc-test:\s*(skip|continues)\s*(?::\s*(.*?))?\s*-->\s*$")


class Block:
    def __init__(self, path, line, lang, text, directive, reason):
        self.path, self.line, self.lang, self.text = path, line, lang, text
        self.directive, self.reason = directive, reason

    def where(self):
        return f"{self.path}:{self.line}"


def parse(path, rel):
    """Returns (blocks, errors) of one Markdown file."""
    lines = path.read_text().split("\n")
    blocks, errors = [], []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(```+|~~~+)\s*([\w+-]*)", lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m.group(1), m.group(2), m.group(3).lower()
        start = i
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence[:3]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        prev = lines[start - 1].strip() if start > 0 else ""
        d = DIRECTIVE.match(prev)
        directive, reason = (d.group(1), d.group(2)) if d else (None, None)
        if not info:
            errors.append(f"{rel}:{start + 1}: untagged code block (tag it: sh, c, python, ruby, lua, or text)")
            continue
        if info in PROSE:
            continue
        if info not in RUN:
            errors.append(f"{rel}:{start + 1}: unknown language '{info}'")
            continue
        if directive == "skip" and not reason:
            errors.append(f"{rel}:{start + 1}: doc-test: skip needs a reason")
        blocks.append(Block(rel, start + 1, RUN[info], "\n".join(body) + "\n", directive, reason))
    return blocks, errors


def c_program(text):
    if re.search(r"\bmain\s*\(", text):
        return text
    includes = [l for l in text.split("\n") if l.startswith("#include")]
    rest = [l for l in text.split("\n") if not l.startswith("#include")]
    head = ["#include <stdint.h>", "#include <stdio.h>", "#include <stdlib.h>",
            "#include <string.h>"] + includes
    return "\n".join(head) + "\nint main(void) {\n" + "\n".join(rest) + "\nreturn 0;\n}\n"


def run_block(lang, text, src, build, cwd, env):
    """Runs one program; returns (ok, output)."""
    if lang == "sh":
        cmd = ["bash", "-euo", "pipefail", "-c", text]
    elif lang == "python":
        f = Path(cwd) / "block.py"
        f.write_text(text)
        cmd = ["/usr/bin/python3", str(f)]
    elif lang == "ruby":
        f = Path(cwd) / "block.rb"
        f.write_text(text)
        cmd = ["ruby", str(f)]
    elif lang in ("lua", "luajit"):
        f = Path(cwd) / "block.lua"
        f.write_text(text)
        cmd = ["lua5.4" if lang == "lua" else "luajit", str(f)]
    else:  # c
        f = Path(cwd) / "block.c"
        f.write_text(c_program(text))
        exe = Path(cwd) / "block"
        cc = subprocess.run(
            ["cc", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Werror", "-Wno-unused-variable",
             f"-I{src}/core/include", f"-I{build}/core/include", "-o", str(exe), str(f),
             f"-L{build}/core", "-larrayshare", f"-Wl,-rpath,{build}/core"],
            capture_output=True, text=True)
        if cc.returncode != 0:
            return False, "compile error:\n" + cc.stderr
        cmd = [str(exe)]
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        return False, "timed out after 180 s"
    return p.returncode == 0, (p.stdout + p.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--no-isolation", action="store_true",
                    help="run in the machine's /dev/shm (no unshare)")
    ap.add_argument("--isolated", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    src, build = Path(a.source).resolve(), Path(a.build).resolve()

    if not a.isolated and not a.no_isolation:
        # Again, in a private mount namespace with its own /dev/shm.
        probe = subprocess.run(["unshare", "-m", "sh", "-c",
                                "mount -t tmpfs -o mode=1777 tmpfs /dev/shm"],
                               capture_output=True)
        if probe.returncode == 0:
            cmd = ["unshare", "-m", "sh", "-c",
                   'mount -t tmpfs -o mode=1777 tmpfs /dev/shm && exec "$@"', "sh",
                   sys.executable, *sys.argv, "--isolated"]
            sys.exit(subprocess.run(cmd).returncode)
        print("# note: no private mount namespace here; the blocks use the machine's /dev/shm")

    files = [Path(f) for f in a.files] or [src / "README.md", *sorted((src / "docs").glob("*.md"))]
    env = dict(os.environ)
    env["PATH"] = f"{build}/cli:" + env.get("PATH", "/usr/bin:/bin")
    env["PYTHONPATH"] = f"{build}/python"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["RUBYLIB"] = f"{build}/bindings/ruby/lib"
    env["LUA_INIT_5_4"] = f"@{build}/bindings/lua/lua/buildtree.lua"
    env["LUA_PATH"] = f"{build}/bindings/luajit/lua/?.lua;;"
    env["LUA_PATH_5_4"] = ";;"  # lua5.4: its default path (LUA_PATH is LuaJIT's)
    env["ASH_SOURCE_DIR"] = str(src)
    env["ASH_BUILD_DIR"] = str(build)

    # Guides of optional parts run only when the build has the part (its
    # CMake option in the build's cache is ON); otherwise each block is
    # skipped with the reason.
    cache = build / "CMakeCache.txt"
    cache = cache.read_text() if cache.exists() else ""
    optional = {"docs/mpi.md": ("ASH_MPI", "the build has no MPI (ASH_MPI off: "
                                "mpicc not found), so no libarrayshare-mpi")}

    passed = failed = skipped = 0
    errors = []
    for path in files:
        rel = os.path.relpath(path, src)
        blocks, errs = parse(path, rel)
        errors += errs
        option, why = optional.get(rel, (None, None))
        if option and not re.search(rf"^{option}:BOOL=(ON|TRUE|1)$", cache, re.M):
            for b in blocks:
                print(f"skip - {b.where()} {b.lang}: {why}")
                skipped += 1
            continue
        # Chains: a "continues" block extends the previous block of its language.
        programs = []
        last = {}
        for b in blocks:
            if b.directive == "skip":
                print(f"skip - {b.where()} {b.lang}: {b.reason}")
                skipped += 1
                continue
            if b.directive == "continues" and b.lang in last:
                prog = last[b.lang]
                prog["text"] += b.text
                prog["where"].append(b.where())
                continue
            prog = {"lang": b.lang, "text": b.text, "where": [b.where()]}
            programs.append(prog)
            last[b.lang] = prog
        if a.isolated:  # each file starts from an empty /dev/shm of its own
            for f in Path("/dev/shm").iterdir():
                f.unlink()
        with tempfile.TemporaryDirectory(prefix="ash-doc-") as cwd:
            for prog in programs:
                ok, out = run_block(prog["lang"], prog["text"], src, build, cwd, env)
                name = f"{' + '.join(prog['where'])} {prog['lang']}"
                if ok:
                    passed += 1
                    print(f"ok - {name}")
                else:
                    failed += 1
                    print(f"not ok - {name}")
                    for line in out.rstrip().split("\n")[-25:]:
                        print(f"#   {line}")
        if a.isolated:  # the examples clean up after themselves
            left = sorted(f.name for f in Path("/dev/shm").iterdir())
            if left:
                failed += 1
                print(f"not ok - {rel}: its blocks leave {', '.join(left)} in /dev/shm "
                      "(unlink what they create)")
    for e in errors:
        failed += 1
        print(f"not ok - {e}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
