"""3. The API at 32 concurrent clients: the status read (GET /applications/{id}) and the submit
(POST /applications/{id}/submit), beside a bare nameko @http endpoint returning a constant
(bench/bare_service.py, started here with `nameko run` like the services)."""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from plumbing.config import ROOT
from tests.support.infra import free_port, wait_port

from .load import percentiles, prepare
from .stack import Stack

CLIENTS = 32


def hammer(base: str, requests_fn, duration: float | None = None, clients: int = CLIENTS) -> dict:
    """`clients` threads, each with its own keep-alive connection, calling
    requests_fn(worker, i) -> (method, path, headers) until `duration` is over, or until it
    returns None."""
    u = urlparse(base)
    lat, statuses = [], {}
    lock = threading.Lock()
    stop_at = time.time() + duration if duration else None

    def worker(w):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        i = 0
        mine = []
        while stop_at is None or time.time() < stop_at:
            req = requests_fn(w, i)
            if req is None:
                break
            method, path, headers = req
            t = time.perf_counter()
            try:
                conn.request(method, path, headers=headers)
                r = conn.getresponse()
                r.read()
                code = r.status
            except (OSError, http.client.HTTPException) as exc:
                code = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
            mine.append(time.perf_counter() - t)
            with lock:
                statuses[code] = statuses.get(code, 0) + 1
            i += 1
        conn.close()
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(clients)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    return {"requests": len(lat), "per_s": len(lat) / elapsed, "statuses": statuses,
            "latency_ms": {k: (v * 1e3 if v is not None else None)
                           for k, v in percentiles(lat).items()}}


class BareServer:
    """A bench service under `nameko run`: the bare constant endpoint, or (`floor=True`) the
    status read's floors on intake's database (bench/floor_service.py)."""

    def __init__(self, stack: Stack, floor: bool = False):
        self.port = free_port()
        label = "floor" if floor else "bare"
        cfg = stack.work / f"{label}.yml"
        cfg.write_text(f"AMQP_URI: '{stack.broker_uri}'\n"
                       f"WEB_SERVER_ADDRESS: '127.0.0.1:{self.port}'\n")
        nameko = Path(sys.executable).parent / "nameko"
        env = {k: v for k, v in os.environ.items() if not k.endswith("_CONFIG")}
        if floor:
            env["FLOOR_DATABASE_URL"] = stack.cluster.per_service["intake"]["DATABASE_URL"]
        service = ("bench.floor_service:FloorService" if floor
                   else "bench.bare_service:BareService")
        self.proc = subprocess.Popen([str(nameko), "run", "--config", str(cfg), service],
                                     cwd=ROOT, env=env,
                                     stdout=open(stack.work / f"{label}.log", "w"),
                                     stderr=subprocess.STDOUT)
        if not wait_port("127.0.0.1", self.port, 60):
            self.proc.kill()
            raise RuntimeError(f"the {label} service did not start; "
                               f"see {stack.work / f'{label}.log'}")
        self.base = f"http://127.0.0.1:{self.port}"

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def run(stack: Stack, quick: bool, spy=None, n_submit: int | None = None) -> dict:
    duration = 5 if quick else 15
    base = stack.cluster.api.base
    n_submit = n_submit or CLIENTS * (2 if quick else 4)
    stats = {}
    ready = prepare(base, n_submit + CLIENTS, "api", stack=stack, stats=stats)
    readers, to_submit = ready[:CLIENTS], ready[CLIENTS:]

    def status_read(w, i):
        app_id, token = readers[w]
        return "GET", f"/applications/{app_id}", {"Authorization": f"Bearer {token}"}

    def submit(w, i):
        k = i * CLIENTS + w
        if k >= len(to_submit):
            return None
        app_id, token = to_submit[k]
        return "POST", f"/applications/{app_id}/submit", {"Authorization": f"Bearer {token}",
                                                          "Content-Length": "0"}

    bare, floor = BareServer(stack), BareServer(stack, floor=True)
    try:
        return {**stats, **_measure(bare, base, status_read, submit, duration, to_submit, spy,
                                    lambda: _floors(floor, readers, duration))}
    finally:
        bare.close()
        floor.close()


def _floors(floor, readers, duration) -> dict:
    """The status read's floors (bench/floor_service.py), each hammered like the status read."""
    found = {}
    for path in ("one", "raw", "four"):
        def read(w, i, path=path):
            return "GET", f"/{path}/{readers[w][0]}", {}

        hammer(floor.base, read, 1)  # warm
        found[path] = hammer(floor.base, read, duration)
    return found


def _measure(bare, base, status_read, submit, duration, to_submit, spy, floors=None):
    hammer(bare.base, lambda w, i: ("GET", "/constant", {}), 1)  # warm both
    hammer(base, status_read, 1)
    results = {"clients": CLIENTS, "duration_s": duration,
               "bare": hammer(bare.base, lambda w, i: ("GET", "/constant", {}), duration),
               "status_read": None}
    if spy:
        spy("status_read", duration - 1, only=("intake",))
    results["status_read"] = hammer(base, status_read, duration)
    if floors:  # beside the status read, before the submits set the pipeline to work
        results["floors"] = floors()
    # again, before the submits set the pipeline to work: the two bracket the status read
    results["bare_after"] = hammer(bare.base, lambda w, i: ("GET", "/constant", {}), duration)
    results["submit"] = hammer(base, submit)
    b = (results["bare"]["per_s"] + results["bare_after"]["per_s"]) / 2
    results["ratio_status_read"] = results["status_read"]["per_s"] / b
    results["ratio_submit"] = results["submit"]["per_s"] / b
    results["submitted_ids"] = [a for a, _ in to_submit]
    return results
