"""Timing helpers shared by `make bench` (scripts/bench.py) and `make loadtest`
(scripts/loadtest.py): they print figures and assert nothing."""

import re
import shutil
import statistics
import subprocess
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


def control() -> str:
    """A fixed piece of pure-Python work, timed: what the machine gives at the moment.
    Compare runs by it (the 2-core machine here is shared; one run was 1.8x slower)."""
    best = min(timed(lambda: sum(i * i for i in range(300_000)), 5))
    return f"a fixed Python loop {best * 1000:.1f} ms"


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


def wrk(url: str, cookie: str, clients: int, seconds: int = 15) -> str:
    """The same load from wrk (Debian's package), when it is installed: a client in C
    that takes a few per cent of a core, where the twenty Python clients above take a
    quarter of one of the machine's two cores away from the server."""
    if not shutil.which("wrk"):
        return "(wrk is not installed: apt install wrk)"
    out = subprocess.run(  # noqa: S603 (fixed arguments)
        [shutil.which("wrk") or "wrk", f"-c{clients}", "-t2", f"-d{seconds}s", "--latency",
         "-H", f"Cookie: {cookie}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    figures = dict(
        re.findall(r"^\s*(50%|95%|99%|Requests/sec:|Non-2xx or 3xx responses:)\s+(\S+)", out, re.M)
    )
    latency = {k: figures.get(k, "?") for k in ("50%", "99%")}
    errors = figures.get("Non-2xx or 3xx responses:", "0")
    return (
        f"median {latency['50%']:>8}   p99 {latency['99%']:>8}            "
        f"{float(figures.get('Requests/sec:', 0)):5.1f} req/s, {errors} errors"
    )
