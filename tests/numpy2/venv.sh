#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes (once; cached) a virtual environment from /usr/bin/python3 -- its
# own site-packages, not the system's -- holding the newest NumPy 2.x,
# pytest and Hypothesis from PyPI, so the Python binding (built for
# /usr/bin/python3) is tested against NumPy 2 as well as Debian's NumPy 1.24.
#   tests/numpy2/venv.sh VENVDIR
set -euo pipefail
venv=${1:?usage: venv.sh VENVDIR}
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c '
import sys, numpy, hypothesis
sys.exit(0 if int(numpy.__version__.split(".")[0]) >= 2 else 1)' 2>/dev/null; then
  echo "venv: $venv has NumPy $("$venv/bin/python" -c 'import numpy; print(numpy.__version__)') (cached)"
  exit 0
fi
rm -rf "$venv"
/usr/bin/python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
  'numpy>=2,<3' pytest hypothesis
"$venv/bin/python" -c 'import numpy, sys; print("venv:", sys.prefix, "NumPy", numpy.__version__)'
