# SPDX-License-Identifier: MIT
"""Shared fixtures of the Python binding's tests.

Every segment name a test uses comes from the ``name`` / ``names`` fixtures:
"pyt-<pid>-<counter>", unique per run. Each test removes what it made (the
fixtures unlink leftovers), and the session fails if any /dev/shm/ash.pyt-<pid>-*
entry survives.
"""
import gc
import itertools
import os

import pytest

import arrayshare

PREFIX = "pyt-%d-" % os.getpid()
_counter = itertools.count()


def new_name(tag="s"):
    return "%s%s%d" % (PREFIX, tag, next(_counter))


def shm_entries():
    return sorted(e for e in os.listdir("/dev/shm")
                  if e.startswith("ash." + PREFIX))


def _remove(name):
    try:
        arrayshare.unlink(name)
    except arrayshare.NotFoundError:
        pass


@pytest.fixture
def names():
    """A factory of unique segment names; all are unlinked after the test."""
    made = []

    def make(tag="s"):
        n = new_name(tag)
        made.append(n)
        return n

    yield make
    arrayshare.clear_cache()
    gc.collect()
    for n in made:
        _remove(n)


@pytest.fixture
def name(names):
    """One unique segment name, unlinked after the test."""
    return names()


@pytest.fixture(autouse=True)
def _no_leftovers():
    yield
    arrayshare.clear_cache()
    gc.collect()
    left = shm_entries()
    for e in left:  # clean up before failing, so one leak fails one test
        _remove(e[len("ash."):])
    assert not left, "test left shared memory behind: %s" % left


def pytest_sessionfinish(session, exitstatus):
    left = shm_entries()
    if left:
        print("\nERROR: /dev/shm entries left by the Python tests: %s" % left)
        session.exitstatus = 1


def has_numpy():
    try:
        import numpy  # noqa: F401
        return True
    except ImportError:
        return False


needs_numpy = pytest.mark.skipif(not has_numpy(), reason="needs NumPy")
