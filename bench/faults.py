"""6. Faults with applications in flight: kill -9 each service once (and start it again); in the
full run, after FULL_FAULTS_AFTER_UTC only (the broker and database are shared with other work on
this machine), restart RabbitMQ's app (`rabbitmqctl stop_app; start_app`) and PostgreSQL.

Afterwards, for every submission the API accepted: the application is `in_review` at the unit
with its 评审表 rendered (consistent), its reviewer was mailed (else: lost), exactly once (else:
duplicated)."""
from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

from .load import Submitter, prepare
from .stack import MailIndex, Stack, ref_of, wait_until

FULL_FAULTS_AFTER_UTC = "11:15"


def shared_restarts_allowed() -> bool:
    return time.strftime("%H:%M", time.gmtime()) >= FULL_FAULTS_AFTER_UTC


def restart_rabbitmq_app(log) -> None:
    subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=120)
    try:
        time.sleep(3)
    finally:  # never leave the shared broker stopped
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True,
                       timeout=180)
    log("rabbitmq app restarted")


def restart_postgresql(log) -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                   check=True, capture_output=True, timeout=180)
    log(f"postgresql {version} restarted")


def run(stack: Stack, quick: bool, full: bool, rate: float, n: int, log=print) -> dict:
    base = stack.cluster.api.base
    stats = {}
    ready = prepare(base, n, "faults", stack=stack, stats=stats)
    mail = MailIndex(stack.cluster.mailbox)
    sub = Submitter(base, ready, rate)
    submitting = threading.Thread(target=sub.run)
    submitting.start()
    done_faults = []
    span = n / rate
    time.sleep(min(2.0, span / 5))
    for service in ("documents", "review", "notify", "intake"):
        stack.restart(service, kill=True)
        done_faults.append(f"kill -9 {service}")
        log(f"killed -9 and restarted {service}")
    skipped = []
    if full and shared_restarts_allowed():
        restart_rabbitmq_app(log)
        done_faults.append("rabbitmqctl stop_app; start_app")
        restart_postgresql(log)
        done_faults.append("restart postgresql")
    else:
        skipped = ["rabbitmq restart", "postgresql restart"]
    submitting.join()
    api = stack.cluster.api
    tokens = dict(ready)
    accepted = sub.accepted()
    for app_id, status in sub.status.items():  # no answer, yet the submission may have committed
        if status != 202:
            r = api.call("GET", f"/applications/{app_id}", tokens[app_id])
            if r.status_code == 200 and r.json()["status"] != "draft":
                accepted.append(app_id)
    refs = {ref_of(a): a for a in accepted}
    wait_until(lambda: all(r in mail.scan() for r in refs), timeout=180, every=0.5)
    time.sleep(2.0)  # a duplicate would arrive about now
    by_ref = mail.scan()
    consistent = 0
    for app_id in accepted:
        r = api.call("GET", f"/applications/{app_id}", tokens[app_id])
        b = r.json()
        if (r.status_code == 200 and b["status"] == "in_review" and b["documents"]
                and b["current_step"]["step"] == "unit"):
            consistent += 1
    lost = [a for r, a in refs.items() if r not in by_ref]
    duplicated = [a for r, a in refs.items() if len(by_ref.get(r, [])) > 1]
    _, same_message = mail.copies(refs)
    return {**stats, "dead_lettered": stack.dead_letters(accepted), "faults": done_faults, "skipped": skipped, "offered": n,
            "submitted": len(accepted),
            "refused_during_faults": {a: s for a, s in sub.status.items() if s != 202},
            "completed": len(refs) - len(lost), "consistent": consistent,
            "lost": len(lost), "duplicated": len(duplicated), "lost_ids": lost,
            "duplicated_same_message_id": same_message,
            "duplicated_ids": duplicated}
