"""The embedded default under a small office's load: 10 clients at once through the walkthrough.

    python -m bench.embedded [--clients 10] [--modes green,legacy] [--rounds 1]

For each SQLite mode (plumbing/sqlite.py: `green`, the write discipline of issue 13; `legacy`,
pysqlite's implicit transactions with a 30 s busy timeout, as before) it starts a real `titles
run-local` of its own (a private RabbitMQ vhost, free ports, a temporary var/ directory), then
runs `--clients` walkthroughs at once (plumbing/walkthrough.py: draft, 17 attachments, submit,
publicity, the drill clock moved, recommend, forward, accept, a meeting with 9 ballots, the
posted result, every notice sent), and counts every HTTP answer: 5xx (503, 504), requests with
no answer within 60 s and failed walkthroughs are the figures that must be 0; latency percentiles and the wall time beside them.
Writes bench/out/embedded.json.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from plumbing.config import ROOT

OUT = Path(__file__).resolve().parent / "out"


def start_local(mode: str, work: Path) -> tuple[subprocess.Popen, dict, str]:
    from tests.support.infra import _make_vhost, free_port

    vhost = f"titles-bench-embedded-{uuid.uuid4().hex[:6]}"
    if not _make_vhost(vhost):
        raise RuntimeError("cannot make a RabbitMQ vhost (rabbitmqctl or the management API)")
    env = {**os.environ, "TITLES_VAR_DIR": str(work), "TITLES_SQLITE_MODE": mode,
           "AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}",
           "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}", "LOCAL_S3_PORT": str(free_port())}
    for k in ("S3_ENDPOINT", "CLOCK_OFFSET_FILE", "DRILL"):
        env.pop(k, None)
    log = open(work / "run-local.out", "w")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "titles"), "run-local"], env=env,
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    record = work / "run-local.json"
    deadline = time.time() + 300
    while not record.exists():
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError(f"run-local did not start; see {work / 'run-local.out'}")
        time.sleep(0.5)
    return proc, json.loads(record.read_text("utf-8")), vhost


def stop_local(proc: subprocess.Popen, vhost: str) -> None:
    from tests.support.infra import _drop_vhost

    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
    _drop_vhost(vhost)


def walk_at_once(settings: dict, clients: int) -> dict:
    from plumbing import clock
    from plumbing.walkthrough import Walkthrough, season_file

    path, moving = settings["CLOCK_OFFSET_FILE"], threading.Lock()

    def move_clock(target):
        with moving:  # one read-modify-write of the clock file at a time
            now = clock.now_with(clock.offset_from(path))
            if target > now:
                clock.write_offset(path, clock.offset_from(path) + (target - now))

    walks = [Walkthrough(settings["api"], settings["JWT_KEY"], settings["JWT_AUDIENCE"],
                         season_file(settings["season"]), lambda _: None, move_clock, 180)
             for _ in range(clients)]
    failures, start = [], threading.Barrier(clients)

    def one(walk):
        start.wait()
        try:
            walk.run()
            walk.notifications_sent()
        except Exception as exc:  # noqa: BLE001 - counted and reported
            failures.append(f"{type(exc).__name__}: {str(exc)[:300]}")

    threads = [threading.Thread(target=one, args=(w,)) for w in walks]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    calls = [c for w in walks for c in w.calls]
    latencies = sorted(c[3] for c in calls)
    by_status: dict[str, int] = {}
    for c in calls:
        by_status[str(c[2])] = by_status.get(str(c[2]), 0) + 1
    return {"clients": clients, "wall_seconds": round(wall, 1), "requests": len(calls),
            "status_counts": by_status,
            "http_5xx": sum(1 for c in calls if c[2] >= 500),
            "no_answer_60s": sum(1 for c in calls if c[2] == 0),
            "failed_walkthroughs": len(failures), "failures": failures[:5],
            "latency_ms": {"p50": _ms(statistics.median(latencies)),
                           "p95": _ms(latencies[int(len(latencies) * 0.95) - 1]),
                           "max": _ms(latencies[-1])},
            "slowest": [f"{m} {p} {s} {_ms(t)} ms" for m, p, s, t in
                        sorted(calls, key=lambda c: -c[3])[:5]]}


def run(clients: int = 10, modes=("green", "legacy"), rounds: int = 1) -> dict:
    results = {}
    for mode in modes:
        for n in range(rounds):
            with tempfile.TemporaryDirectory(prefix=f"bench-embedded-{mode}-") as tmp:
                proc, settings, vhost = start_local(mode, Path(tmp))
                try:
                    results[f"{mode}#{n + 1}"] = walk_at_once(settings, clients)
                finally:
                    stop_local(proc, vhost)
            print(f"[bench embedded] {mode}#{n + 1}: {json.dumps(results[f'{mode}#{n + 1}'])}",
                  flush=True)
    return results


def _ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.embedded")
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--modes", default="green,legacy")
    p.add_argument("--rounds", type=int, default=1)
    a = p.parse_args(argv)
    results = run(a.clients, [m for m in a.modes.split(",") if m], a.rounds)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "embedded.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"{'run':<10} {'wall s':>7} {'requests':>8} {'5xx':>4} {'no ans':>6} {'failed':>6} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for name, r in results.items():
        print(f"{name:<10} {r['wall_seconds']:>7} {r['requests']:>8} {r['http_5xx']:>4} "
              f"{r['no_answer_60s']:>6} "
              f"{r['failed_walkthroughs']:>6} {r['latency_ms']['p50']:>7} "
              f"{r['latency_ms']['p95']:>7} {r['latency_ms']['max']:>7}")
    return 0 if all(r["http_5xx"] == 0 and not r["no_answer_60s"] and not r["failed_walkthroughs"]
                    for k, r in results.items() if k.startswith("green")) else 1


if __name__ == "__main__":
    sys.exit(main())
