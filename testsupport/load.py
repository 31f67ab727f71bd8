"""Timing helpers shared by `make bench` (scripts/bench.py) and `make loadtest`
(scripts/loadtest.py): they print figures and assert nothing."""

import statistics
import threading
import time

import httpx


def summary(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[max(0, int(len(ms) * 0.95) - 1)]
    return f"median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ms)})"


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def concurrently(base_url: str, path: str, cookies: list[dict], seconds: float = 15.0):
    """One client per set of cookies (a logged-in person each), all asking for `path`
    again and again for `seconds`: (latencies, errors, requests per second)."""
    samples: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(jar: dict):
        with httpx.Client(base_url=base_url, cookies=jar, timeout=30) as http:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                try:
                    ok = http.get(path).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    samples.append(time.perf_counter() - started)
                    errors[0] += not ok

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(jar,)) for jar in cookies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples, errors[0], len(samples) / (time.perf_counter() - started)
