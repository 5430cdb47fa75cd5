#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that the core is strictly layered: a source file of core/src calls
only functions defined in its own file or in a file of a lower layer. The
order below is the one docs/c-api.md states ("Layers of the core"); a new
file must be placed in it.

    check_layers.py CORE_SRC_DIR
"""
import os
import re
import sys

# Lowest first. Files on one line share a layer.
LAYERS = [
    ["error.c"],
    ["dtype.c"],
    ["util.c", "list.c"],
    ["futex.c"],
    ["convert.c"],
    ["loc.c"],
    ["format.c"],
    ["meta.c"],
    ["sigbus.c"],
    ["attach.c"],
    ["map.c"],
    ["view.c"],
    ["segment.c"],
    ["anon.c"],
    ["gc.c"],
    ["descriptor.c"],
    ["print.c"],
    ["sync.c"],
    ["ring.c"],
    ["kernel_ffi.c", "kernel_pool.c", "kernel_sig.c"],
    ["kernel_bind.c"],
    ["kernel_map.c", "kernel_iter.c"],
    ["kernel.c"],
]

DEF = re.compile(r"^[A-Za-z_][\w \*]*?\b(ash_{1,2}\w+)\s*\([^;]*$", re.M)
CALL = re.compile(r"\b(ash_{1,2}\w+)\s*\(")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"')


def main(src):
    rank = {f: i for i, layer in enumerate(LAYERS) for f in layer}
    files = sorted(f for f in os.listdir(src) if f.endswith(".c"))
    unknown = [f for f in files if f not in rank]
    if unknown:
        print("layers: place these files in LAYERS (and docs/c-api.md): "
              + ", ".join(unknown))
        return 1
    text, defined = {}, {}
    for f in files:
        with open(os.path.join(src, f)) as fh:
            t = STRING.sub('""', COMMENT.sub(" ", fh.read()))
        text[f] = t
        for m in DEF.finditer(t):
            defined.setdefault(m.group(1), f)
    bad = []
    for f in files:
        for m in CALL.finditer(text[f]):
            g = defined.get(m.group(1))
            if g and g != f and rank[g] > rank[f]:
                bad.append("%s calls %s, defined above it in %s"
                           % (f, m.group(1), g))
    for b in sorted(set(bad)):
        print("layers:", b)
    print("layers: %d files, %d functions, %d upward calls"
          % (len(files), len(defined), len(set(bad))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
