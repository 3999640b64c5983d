"""python -m bench.capacity [bench/out/cluster.json] — docs/capacity.md's tables from the bench.

The measured inputs are `python -m bench.cluster`'s cost phase (CPU seconds per application of
each service and broker node, database and object-store bytes, events). Everything else is an
assumption, named here with its reason, so that a new measurement (issue 15) changes the tables
by running this again, not by editing prose.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

SEASONS = (5_000, 50_000, 500_000)
# The bench follows an application from its creation to the unit reviewer's first notice. The
# rest of its route (the unit's decision and publicity, one or two departments, the committee's
# acceptance, the meeting's result posted then final) is about four more decisions, each
# re-rendering the 评审表 and telling people: assumed to cost twice the submit phase again.
REST_OF_ROUTE = 2.0
# The busiest hour: 40 % of a season's submissions in the last 3 of the 22 window days,
# 15 % of such a day in its busiest hour -> 2 % of the season's applications in one hour.
PEAK_HOUR_SHARE = 0.40 / 3 * 0.15
# A nameko process uses about one core (one interpreter); keep it half busy at the peak.
CORE_PER_REPLICA = 0.5
MIN_REPLICAS = 2  # one can fail or be redeployed
# The bench's attachments are generated JPEGs of ~0.7 MB; phone photos and scans run 1-3 MB.
REAL_SCAN_FACTOR = 2.0
# MinIO erasure coding with parity 4 on 16 drives stores 16/12 of the data.
ERASURE_OVERHEAD = 16 / 12
DB_HEADROOM = 1.5  # WAL, bloat, indexes growing faster than the sample


def per_application(cost: dict) -> dict[str, float]:
    """CPU seconds one application costs each process over its whole route."""
    prepare, submit = cost["cpu_s_per_application_prepare"], cost["cpu_s_per_application_submit"]
    return {k: max(prepare.get(k, 0), 0) + max(submit.get(k, 0), 0) * (1 + REST_OF_ROUTE)
            for k in set(prepare) | set(submit)}


def sizing(cost: dict, applications: int) -> dict:
    cpu = per_application(cost)
    peak_per_s = applications * PEAK_HOUR_SHARE / 3600
    services = {s: cpu[s] for s in ("intake", "review", "documents", "notify")}
    broker = sum(v for k, v in cpu.items() if k.startswith("rabbit-"))
    replicas = {s: max(MIN_REPLICAS, math.ceil(c * peak_per_s / CORE_PER_REPLICA))
                for s, c in services.items()}
    db = {s: b * applications * DB_HEADROOM * (1 + REST_OF_ROUTE / 2 if s != "intake" else 1)
          for s, b in cost["database_bytes_per_application"].items()}
    objects = cost["object_bytes_per_application"] * applications * REAL_SCAN_FACTOR
    events = sum(cost["events_published_per_application"].values())
    return {"applications": applications, "peak_applications_per_s": peak_per_s,
            "service_cores_at_peak": {s: c * peak_per_s for s, c in services.items()},
            "replicas": replicas, "broker_cores_at_peak": broker * peak_per_s,
            "events_per_s_at_peak": events * (1 + REST_OF_ROUTE / 4) * peak_per_s,
            "database_gb": {s: v / 1e9 for s, v in db.items()},
            "object_store_tb": objects / 1e12, "object_store_raw_tb": objects * ERASURE_OVERHEAD
            / 1e12}


def table(cost: dict) -> str:
    rows = [sizing(cost, n) for n in SEASONS]
    head = "| | " + " | ".join(f"{r['applications']:,} a season" for r in rows) + " |"
    lines = [head, "|---" * (len(rows) + 1) + "|"]

    def row(label, fmt):
        lines.append(f"| {label} | " + " | ".join(fmt(r) for r in rows) + " |")

    row("busiest hour, applications/s", lambda r: f"{r['peak_applications_per_s']:.2f}")
    for s in ("intake", "review", "documents", "notify"):
        row(f"{s}: cores at the peak → replicas",
            lambda r, s=s: f"{r['service_cores_at_peak'][s]:.2f} → {r['replicas'][s]}")
    row("RabbitMQ: cores at the peak (all nodes) / events/s",
        lambda r: f"{r['broker_cores_at_peak']:.2f} / {r['events_per_s_at_peak']:.0f}")
    row("PostgreSQL, GB (intake / review / documents / notify)",
        lambda r: " / ".join(f"{r['database_gb'][s]:.1f}" for s in
                             ("intake", "review", "documents", "notify")))
    row("object store, TB (raw with erasure coding)",
        lambda r: f"{r['object_store_tb']:.2f} ({r['object_store_raw_tb']:.2f})")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else Path(__file__).resolve().parent / "out" / "cluster.json"
    cost = json.loads(path.read_text())["cost"]
    print(table(cost))
    return 0


if __name__ == "__main__":
    sys.exit(main())
