# SPDX-License-Identifier: MIT
"""Threads: element access and attach from several threads at once."""
import threading

import arrayshare


def test_concurrent_element_access(name):
    v = arrayshare.create(name, 4000, "int64")
    errors = []

    def work(k):
        try:
            w = v[k::4]
            for i in range(len(w)):
                w[i] = w[i] + k
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert v.tolist() == [i % 4 for i in range(4000)]
    v.close()


def test_attach_and_close_from_threads(name):
    v = arrayshare.create(name, 10, "float32", persist=True)
    errors = []

    def work():
        try:
            for _ in range(200):
                with arrayshare.attach(name) as w:
                    w[0] = 1.0
                    memoryview(w).release()
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and v[0] == 1.0
    arrayshare.unlink(name)
    v.close()
