# SPDX-License-Identifier: MIT
"""CTest python.mypy: the package's stubs under mypy --strict.

  check_typing.py PKGDIR SRCDIR [CACHEDIR]

PKGDIR holds the built package (arrayshare/ with its .pyi files). The
Python examples of the project and tests/python/typing/good.py must pass
mypy --strict; every line of tests/python/typing/bad.py marked "# error"
must be reported, and no other. Exits 77 (CTest: skipped) without mypy.
"""
import os
import re
import subprocess
import sys


def run_mypy(files, pkgdir, cache):
    env = dict(os.environ, MYPYPATH=pkgdir)
    env.pop("PYTHONPATH", None)
    cmd = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
           "--show-error-codes", "--cache-dir", cache] + files
    return subprocess.run(cmd, env=env, capture_output=True, text=True)


def main(argv):
    pkgdir, src = argv[1], argv[2]
    cache = argv[3] if len(argv) > 3 else os.path.join(pkgdir, ".mypy_cache")
    try:
        import mypy  # noqa: F401
    except ImportError:
        print("mypy is not installed: skipped")
        return 77
    typing_dir = os.path.join(src, "tests", "python", "typing")
    good = [os.path.join(src, p) for p in (
        "examples/demo/demo.py", "examples/demo/demo_tasks.py",
        "examples/kernels/scenario.py")] + [os.path.join(typing_dir, "good.py")]
    out = run_mypy(good, pkgdir, cache)
    print(out.stdout, end="")
    if out.returncode != 0:
        print("FAIL: mypy --strict reports errors in the examples above")
        return 1
    bad = os.path.join(typing_dir, "bad.py")
    with open(bad) as f:
        want = {i + 1 for i, line in enumerate(f) if line.rstrip().endswith(
            "# error")}
    out = run_mypy([bad], pkgdir, cache)
    got = {int(m.group(1)) for m in re.finditer(r"bad\.py:(\d+): error",
                                                out.stdout)}
    if got != want:
        print(out.stdout, end="")
        print("FAIL: bad.py: lines %s not reported, %s reported in error"
              % (sorted(want - got), sorted(got - want)))
        return 1
    print("mypy --strict: %d example files clean; the %d typos of bad.py "
          "reported" % (len(good), len(want)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
