# SPDX-License-Identifier: MIT
"""Worker functions of test_sync.py (importable by spawned children)."""
import os
import signal

import arrayshare


def count(desc, n, atomics):
    """Adds 1 to element 0 n times, under the lock or with atomics."""
    with arrayshare.attach(desc) as v:
        for _ in range(n):
            if atomics:
                v.atomic_add(0)
            else:
                with v.lock(timeout=10):
                    v[0] += 1


def hold_and_die(desc, ready):
    """Takes the lock, says so, and is killed."""
    v = arrayshare.attach(desc)
    v.lock()
    ready.set()
    os.kill(os.getpid(), signal.SIGKILL)
