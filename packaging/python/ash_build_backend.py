# SPDX-License-Identifier: MIT
"""PEP 517 build backend of the arrayshare wheel (see pyproject.toml).

build_wheel() configures the project with CMake for this interpreter (the
Python binding only), builds it, installs it into a staging prefix laid out
as the wheel is (the package directory with libarrayshare.so.1 next to the
extension, whose run path is $ORIGIN: see packaging/cmake/AshInstall.cmake),
and zips that with the .dist-info metadata taken from pyproject.toml.
Only the standard library is used (tomllib: Python 3.11+ to build).
"""
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _version():
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(\s*arrayshare\s+VERSION\s+([0-9.]+)", text).group(1)


def _project():
    import tomllib
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def _tag():
    impl = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{impl}-{impl}-{plat}"


def _metadata(project, version):
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {version}",
        f"Summary: {project['description']}",
        f"License: {project['license']['text']}",
        f"Requires-Python: {project['requires-python']}",
    ]
    lines += [f"Classifier: {c}" for c in project.get("classifiers", [])]
    for extra, reqs in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {r}; extra == "{extra}"' for r in reqs]
    lines.append("Description-Content-Type: text/markdown")
    return "\n".join(lines) + "\n\n" + (ROOT / project["readme"]).read_text()


def _run(cmd):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, stdout=sys.stderr)


def _stage(tmp):
    """Builds and installs into tmp/stage; returns the package directory."""
    build, stage = Path(tmp) / "build", Path(tmp) / "stage"
    jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
    _run(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
          "-DASH_RUBY=OFF", "-DASH_LUA=OFF", "-DASH_LUAJIT=OFF",
          "-DASH_BUILD_CLI=OFF", "-DASH_BUILD_BENCH=OFF", "-DBUILD_TESTING=OFF",
          "-DASH_MPI=OFF",
          f"-DASH_PYTHON_EXECUTABLE={sys.executable}",
          # the library in the package directory: run path $ORIGIN
          "-DASH_PYTHON_INSTALL_DIR=.", "-DCMAKE_INSTALL_LIBDIR=arrayshare"])
    _run(["cmake", "--build", build, "-j", jobs])
    _run(["cmake", "--install", build, "--prefix", stage])
    pkg = stage / "arrayshare"
    # One real file under the SONAME: a wheel cannot hold symlinks.
    for f in pkg.glob("libarrayshare.so*"):
        if f.name == "libarrayshare.so.1":
            real = f.resolve()
            f.unlink()
            shutil.copy2(real, f)
    for f in list(pkg.glob("libarrayshare.so*")):
        if f.name != "libarrayshare.so.1":
            f.unlink()
    for d in ("pkgconfig", "cmake"):
        shutil.rmtree(pkg / d, ignore_errors=True)
    return pkg


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"{arcname},sha256={digest.decode()},{len(data)}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    version = _version()
    name = project["name"]
    tag = _tag()
    filename = f"{name}-{version}-{tag}.whl"
    distinfo = f"{name}-{version}.dist-info"
    with tempfile.TemporaryDirectory(prefix="arrayshare-wheel-") as tmp:
        pkg = _stage(tmp)
        files = []
        for f in sorted(pkg.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                files.append((f"arrayshare/{f.relative_to(pkg).as_posix()}", f.read_bytes(),
                              0o755 if os.access(f, os.X_OK) else 0o644))
        wheel = ("Wheel-Version: 1.0\nGenerator: arrayshare ash_build_backend\n"
                 f"Root-Is-Purelib: false\nTag: {tag}\n")
        files += [
            (f"{distinfo}/METADATA", _metadata(project, version).encode(), 0o644),
            (f"{distinfo}/WHEEL", wheel.encode(), 0o644),
            (f"{distinfo}/LICENSE", (ROOT / "LICENSE").read_bytes(), 0o644),
        ]
        record = [_record_line(a, d) for a, d, _ in files] + [f"{distinfo}/RECORD,,"]
        files.append((f"{distinfo}/RECORD", ("\n".join(record) + "\n").encode(), 0o644))
        os.makedirs(wheel_directory, exist_ok=True)
        with zipfile.ZipFile(Path(wheel_directory) / filename, "w", zipfile.ZIP_DEFLATED) as z:
            for arcname, data, mode in files:
                info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
    return filename
