"""python -m bench.cluster — the four services on a RabbitMQ cluster of three nodes (issue 17).

Two phases on one stack (bench/stack.py with `rabbit_nodes=3`: nodes of the distribution's
rabbitmq-server started here, the machine's broker untouched):

1. **cost**: `--cost-n` applications, no fault. CPU seconds of every service process and every
   broker node (utime + stime from /proc, each node's process group) while they are prepared
   (created, 17 attachments uploaded and checked) and while they are submitted at `--rate` until
   each reviewer was mailed; the growth of each service's database, of the object store, and the
   events the outboxes published (each service's /metrics), per application. docs/capacity.md
   is computed from these figures.
2. **faults**: `-n` applications submitted at `--rate` while node 1 stops for `--down` seconds
   and starts again, then node 2 (`--kill`: kill -9 instead of `rabbitmqctl stop`); the counts
   of tests/support/failover.py: submitted, completed, lost, duplicated, dead-lettered.

Writes bench/out/cluster.json and prints the tables BENCHMARKS.md quotes ("Broker cluster").
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from plumbing.config import SERVICES
from tests.support import failover

from .stack import Stack, environment

OUT = Path(__file__).resolve().parent / "out"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_of_group(leader: int) -> float:
    """CPU seconds (user + system) of every live process in `leader`'s process group."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == leader:  # pgrp
            total += (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return total


def cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


# What the services stand on, by process name: the machine's own broker and database (every
# process of theirs, so on a shared machine others' work counts too: read on a quiet one).
INFRASTRUCTURE = {"rabbitmq": ("beam.smp", "erl_child_setup", "epmd", "inet_gethost"),
                  "postgresql": ("postgres",)}


def cpu_of_commands(names: tuple[str, ...]) -> float:
    """CPU seconds (user + system) of every live process whose command name is one of `names`,
    with what their exited children used (PostgreSQL's backends exit with their connection:
    the postmaster's cutime and cstime keep their share)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        comm = raw[raw.find("(") + 1:raw.rfind(")")]
        if comm in names:
            fields = raw.rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15]) / TICK  # utime stime cutime cstime
    return total


def infrastructure_cpu() -> dict[str, float]:
    """CPU seconds so far of the broker, the database and this bench process (its load clients,
    and the SMTP sink, S3 stand-in and SMS stand-in the system fixtures run in it)."""
    return {**{name: cpu_of_commands(names) for name, names in INFRASTRUCTURE.items()},
            "bench": cpu_of(os.getpid())}


def cpu_snapshot(stack) -> dict[str, float]:
    found = {s: cpu_of(pid) for s, pid in stack.pids().items()}
    for i, node in enumerate(stack.rabbits.nodes):
        if node.running:
            found[f"rabbit-{i + 1}"] = cpu_of_group(node.process.pid)
    return found


def database_work(stack) -> dict[str, dict[str, int]]:
    """Per service, its database's committed transactions and rows written so far
    (pg_stat_database; a backend reports them within a second of going idle)."""
    from sqlalchemy import create_engine, text

    work = {}
    for s in SERVICES:
        engine = create_engine(stack.cluster.per_service[s]["DATABASE_URL"])
        with engine.connect() as conn:
            row = conn.execute(text(
                "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted AS written "
                "FROM pg_stat_database WHERE datname = current_database()")).one()
        engine.dispose()
        work[s] = {"transactions": row.xact_commit, "rows_written": row.written}
    return work


def database_bytes(stack) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    sizes = {}
    for s in SERVICES:
        engine = create_engine(stack.cluster.per_service[s]["DATABASE_URL"])
        with engine.connect() as conn:
            sizes[s] = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
        engine.dispose()
    return sizes


def object_bytes(stack) -> int:
    from plumbing import storage

    conf = stack.cluster.s3
    client = storage.make_client(conf)
    return sum(o.size or 0 for bucket in (conf["ATTACHMENTS_BUCKET"], conf["DOCUMENTS_BUCKET"])
               for o in client.list_objects(bucket, recursive=True))


def published(stack) -> dict[str, float]:
    """titles_outbox_published_total of each service, from its /metrics."""
    found = {}
    for s in SERVICES:
        address = stack.cluster.per_service[s]["METRICS_ADDRESS"]
        text = requests.get(f"http://{address}/metrics", timeout=10).text
        found[s] = sum(sample.value for family in text_string_to_metric_families(text)
                       for sample in family.samples
                       if sample.name == "titles_outbox_published_total")
    return found


def delta(after: dict, before: dict, per: int, idle: dict | None = None,
          seconds: float = 0.0) -> dict[str, float]:
    """(after - before) / per; with `idle` (CPU seconds a second of each process at rest: timers,
    heartbeats, the broker's own ticks) what the process spends anyway in `seconds` is taken out."""
    idle = idle or {}
    return {k: round((after.get(k, 0) - before.get(k, 0) - idle.get(k, 0) * seconds) / per, 4)
            for k in after}


def idle_rates(stack, seconds: float) -> dict[str, float]:
    before = cpu_snapshot(stack)
    time.sleep(seconds)
    after = cpu_snapshot(stack)
    return {k: round((after[k] - before.get(k, 0)) / seconds, 5) for k in after}


def cost(stack, n: int, rate: float, log, idle_seconds: float = 30) -> dict:
    api_factory = lambda: type(stack.cluster.api)(stack.cluster.api.base)  # noqa: E731
    api = api_factory()
    idle = idle_rates(stack, idle_seconds)
    log(f"cost: at rest, CPU s/s {idle}")
    db0, s30, pub0, cpu0 = database_bytes(stack), object_bytes(stack), published(stack), \
        cpu_snapshot(stack)
    t0 = time.time()
    ready = failover.prepare(api_factory, n, f"cost-{int(t0)}")
    cpu1, t1 = cpu_snapshot(stack), time.time()
    log(f"cost: {n} prepared in {t1 - t0:.0f} s")
    submitter = failover.Submitter(api_factory, ready, rate)
    submitter.run()
    tokens = dict(ready)
    pending = {a for a, st in submitter.status.items() if st == 202}
    deadline = time.time() + 300
    while pending and time.time() < deadline:
        mailed = failover.mails(stack.cluster.mailbox)
        pending = {a for a in pending
                   if not (mailed[failover.ref(a)] and failover.settled(api, a, tokens[a]))}
        time.sleep(0.5)
    cpu2, t2 = cpu_snapshot(stack), time.time()
    log(f"cost: {n} submitted and mailed in {t2 - t1:.0f} s ({len(pending)} pending)")
    return {"applications": n, "rate_per_s": rate, "not_settled": len(pending),
            "cpu_s_per_s_at_rest": idle,
            "cpu_s_per_application_prepare": delta(cpu1, cpu0, n, idle, t1 - t0),
            "cpu_s_per_application_submit": delta(cpu2, cpu1, n, idle, t2 - t1),
            "wall_s": {"prepare": round(t1 - t0, 1), "submit_to_mailed": round(t2 - t1, 1)},
            "database_bytes_per_application": delta(database_bytes(stack), db0, n),
            "object_bytes_per_application": round((object_bytes(stack) - s30) / n),
            "events_published_per_application": delta(published(stack), pub0, n)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.cluster")
    p.add_argument("-n", type=int, default=60, help="applications in the fault phase")
    p.add_argument("--rate", type=float, default=0.5, help="submissions a second")
    p.add_argument("--down", type=float, default=10.0, help="seconds each node stays down")
    p.add_argument("--kill", action="store_true", help="kill -9 the nodes instead of stopping")
    p.add_argument("--cost-n", type=int, default=30, help="applications in the cost phase")
    p.add_argument("--only", default="cost,faults")
    p.add_argument("--out", type=Path, default=OUT)
    a = p.parse_args(argv)
    only = set(a.only.split(","))

    def log(msg):
        print(f"[bench.cluster {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    results = {"environment": environment(), "command": "python -m bench.cluster " + " ".join(
        argv if argv is not None else sys.argv[1:])}
    started = time.time()
    with Stack(rabbit_nodes=3) as stack:
        results["nodes"] = [n.name for n in stack.rabbits.nodes]
        log(f"up in {time.time() - started:.0f} s: {', '.join(results['nodes'])}")
        if "cost" in only:
            results["cost"] = cost(stack, a.cost_n, a.rate, log)
        if "faults" in only:
            results["faults"] = failover.run(stack.cluster, stack.rabbits, a.n, a.rate, a.down,
                                             log=log, kill=a.kill)
            log(failover.counts_line(results["faults"]))
    results["seconds"] = round(time.time() - started)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "cluster.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps({k: v for k, v in results.items() if k != "environment"}, indent=2,
                     ensure_ascii=False))
    log(f"wrote {a.out / 'cluster.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
