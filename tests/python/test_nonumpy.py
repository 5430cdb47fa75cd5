# SPDX-License-Identifier: MIT
"""The binding imports and works without NumPy."""
import os
import shutil
import subprocess
import sys
import sysconfig

import pytest

import arrayshare

SCRIPT = os.path.join(os.path.dirname(__file__), "nonumpy_script.py")


def run(python, name, mode):
    env = dict(os.environ)
    # Only the package's directory: not this interpreter's site-packages.
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(arrayshare.__file__))
    return subprocess.run([python, SCRIPT, name, mode], capture_output=True,
                          text=True, timeout=120, env=env)


def test_numpy_blocked(name):
    out = run(sys.executable, name, "block")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "ok"


def other_python_without_numpy():
    """Another python3 on PATH with the same ABI and no NumPy (e.g. a pyenv
    build next to Debian's), if there is one."""
    exe = shutil.which("python3")
    if not exe or os.path.realpath(exe) == os.path.realpath(sys.executable):
        return None
    probe = subprocess.run(
        [exe, "-c", "import sysconfig, importlib.util as u; "
         "print(sysconfig.get_config_var('SOABI'), u.find_spec('numpy') is None)"],
        capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        return None
    soabi, no_numpy = probe.stdout.split()
    if soabi != sysconfig.get_config_var("SOABI") or no_numpy != "True":
        return None
    return exe


def test_other_interpreter_without_numpy(name):
    exe = other_python_without_numpy()
    if exe is None:
        pytest.skip("no other same-ABI python3 without NumPy on PATH")
    out = run(exe, name, "plain")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "ok"
