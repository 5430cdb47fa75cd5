# SPDX-License-Identifier: MIT
"""The README's "Supported platforms" stays true to the code.

Every Linux-specific facility the core calls (scanned in core/src/*.c) must
be named in the README's table of minimums, with the kernel version that
introduced it; the README must state Linux only with an overall kernel and
glibc minimum; docs/design-portability.md must say, for macOS and Windows,
what replaces the OFD locks, the /dev/shm listing and the 31-character name
limit. Adding a call to, say, a newer seal without saying so fails here.

    check_platforms.py SOURCE_DIR
"""
import pathlib
import re
import sys

# facility spelled in the code -> (spelling the README must use, minimum)
FACILITIES = {
    r"\bF_OFD_SETLKW?\b|\bF_OFD_GETLK\b": ("F_OFD_SETLK", "Linux 3.15"),
    r"\bmemfd_create\b": ("memfd_create", "Linux 3.17"),
    r"\bO_TMPFILE\b": ("O_TMPFILE", "Linux 3.11"),
    r"\bposix_fallocate\b": ("posix_fallocate", "Linux 3.5"),
    r"\bF_SEAL_FUTURE_WRITE\b": ("F_SEAL_FUTURE_WRITE", "Linux 5.1"),
    r"\b(SYS_)?futex_waitv\b": ("futex_waitv", "Linux 5.16"),
}
# Linux-only spellings that must each be covered by an entry above.
LINUX_ONLY = [r"\bF_OFD_\w+", r"\bmemfd_create\b", r"\bO_TMPFILE\b",
              r"\bF_SEAL_\w+", r"\bfutex_waitv\b", r"\bF_ADD_SEALS\b"]


def fail(msg):
    print("not ok - " + msg)
    return 1


def main(src):
    src = pathlib.Path(src)
    code = "\n".join(p.read_text() for p in sorted((src / "core/src").glob("*.c")))
    readme = (src / "README.md").read_text()
    m = re.search(r"^## Supported platforms\n(.*?)(?=^## )", readme, re.M | re.S)
    bad = 0
    if not m:
        return fail("README.md has a '## Supported platforms' section")
    section = m.group(1)
    rows = [line for line in section.splitlines() if line.startswith("|")]
    used = 0
    for pattern, (spelling, minimum) in FACILITIES.items():
        if not re.search(pattern, code):
            continue
        used += 1
        row = [r for r in rows if spelling in r]
        if not row:
            bad += fail("README's table names %s (used in core/src)" % spelling)
        elif minimum not in row[0]:
            bad += fail("README's row for %s says %s" % (spelling, minimum))
        else:
            print("ok - %s: %s" % (spelling, minimum))
    seals_ok = any("F_SEAL" in r or "memfd_create" in r for r in rows)
    for pattern in LINUX_ONLY:
        for hit in sorted(set(re.findall(pattern, code))):
            covered = any(re.search(p, hit) for p in FACILITIES) or (
                hit.startswith(("F_SEAL_", "F_ADD_SEALS")) and seals_ok
                and hit != "F_SEAL_FUTURE_WRITE")
            if not covered:
                bad += fail("%s (core/src) has a row in README's table" % hit)
    if used < 4:
        bad += fail("the scan found the core's Linux facilities (%d)" % used)
    if not re.search(r"Linux only", section):
        bad += fail("README says 'Linux only'")
    if not re.search(r"Linux \d+\.\d+ or newer with glibc \d+\.\d+", section):
        bad += fail("README gives the overall kernel and glibc minimum")
    port = src / "docs/design-portability.md"
    if not port.exists():
        bad += fail("docs/design-portability.md exists")
    else:
        text = port.read_text()
        for word in ("macOS", "Windows", "OFD", "/dev/shm", "31"):
            if word not in text:
                bad += fail("docs/design-portability.md covers %s" % word)
        if "design-portability.md" not in section:
            bad += fail("README's platforms section links the design note")
    if not bad:
        print("ok - README's platforms and the portability note are complete")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
