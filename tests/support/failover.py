"""Broker failover with applications in flight: the cluster test's run and the bench's long one.

The four services run against a RabbitMQ cluster of three nodes (`rabbit_cluster`), with every
node in their `AMQP_URI`. Applications are prepared (created, every attachment uploaded and
checked), then submitted at a steady rate while one node is stopped and later started again,
then another. Afterwards, for each submission intake accepted: **completed** when the
application is in review at its unit with its 评审表 rendered and the unit's reviewer was mailed;
**lost** when not; **duplicated** when the reviewer was mailed twice, or the history shows a
task opened or a 评审表 rendered twice; **dead-lettered** when an event about it sits in a
service's dead letters.
"""
from __future__ import annotations

import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from plumbing import deadletters
from plumbing.config import SERVICES
from tests.support import applications

REVIEWER_EMAIL = "hr.machinery@example.org"  # the sample unit's reviewer (deploy/sample)
REF = re.compile(r"(?<![0-9A-F])[0-9A-F]{8}(?![0-9A-F])")  # an application's number


def ref(application_id: str) -> str:
    return application_id[:8].upper()


def prepare(api_factory, n: int, tag: str, workers: int = 4) -> list[tuple[str, str]]:
    """n applications ready to submit: [(application_id, token)]."""
    def one(i):
        api = api_factory()
        token = api.token(f"applicant-{tag}-{i}", org=applications.UNIT, name="集群演练",
                          email=f"{tag}-{i}@example.org")
        body = applications.for_token(token, applications.body())
        app = applications.create(api, token, body)
        applications.upload_all(api, token, app["id"], body)
        return app["id"], token

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(n)))


class Submitter(threading.Thread):
    """Submits the prepared applications at `rate` a second, each at its scheduled moment."""

    def __init__(self, api_factory, ready, rate: float):
        super().__init__(daemon=True)
        self.api_factory, self.ready, self.rate = api_factory, ready, rate
        self.status: dict[str, int | str] = {}

    def run(self):
        api = self.api_factory()
        start = time.time()
        for i, (app_id, token) in enumerate(self.ready):
            time.sleep(max(0.0, start + i / self.rate - time.time()))
            try:
                self.status[app_id] = api.call("POST", f"/applications/{app_id}/submit",
                                               token).status_code
            except requests.RequestException as exc:
                self.status[app_id] = type(exc).__name__


def mails(mailbox) -> Counter:
    """How many mails the unit's reviewer got about each application (by its number)."""
    found = Counter()
    for message in mailbox.to(REVIEWER_EMAIL):
        found.update(set(REF.findall(str(message["Subject"]))))
    return found


def settled(api, application_id: str, token: str) -> bool:
    r = api.call("GET", f"/applications/{application_id}", token)
    body = r.json() if r.status_code == 200 else {}
    return (body.get("status") == "in_review" and bool(body.get("documents"))
            and (body.get("current_step") or {}).get("step") == "unit")


def twice_in_history(api, application_id: str, token: str) -> bool:
    entries = api.call("GET", f"/applications/{application_id}/history", token).json()
    actions = [h["action"] for h in entries]
    forms = [h for h in entries if h["action"] == "document_rendered"
             and h["detail"].get("kind") == "evaluation_form"]
    return actions.count("task_opened") > 1 or actions.count("submitted") > 1 or len(forms) > 1


def dead_lettered(system, application_ids) -> dict[str, int]:
    """Per service, its dead letters about these applications (what `titles deadletters list`
    shows)."""
    ids = set(application_ids)
    return {s: sum((d.get("payload") or {}).get("application_id") in ids
                   for d in deadletters.list_dead_letters(system.common["AMQP_URI"], s))
            for s in SERVICES}


def reconnections(system) -> dict[str, dict[str, int]]:
    """From each service's log: how often its consumer connected, and how often a queue it
    needed was unavailable because the node holding it was down (a queue that is not
    replicated: what quorum queues are there to prevent)."""
    found = {}
    for s in SERVICES:
        text = (system.log_dir / f"{s}.log").read_text(encoding="utf-8", errors="replace")
        found[s] = {"connected": text.count("Connected to amqp"),
                    "queue_on_a_down_node": text.count("is down or inaccessible")}
    return found


def run(system, rabbits, n: int, rate: float, down: float, log=print,
        settle_timeout: float = 240, kill: bool = False) -> dict:
    """Prepare n applications, submit them at `rate`/s while node 1 of the cluster stops for
    `down` seconds (`kill`: is killed -9) and starts again, then node 2; count what happened."""
    api_factory = lambda: type(system.api)(system.api.base)  # noqa: E731 - one session a thread
    api = api_factory()
    began = time.time()
    ready = prepare(api_factory, n, f"cluster-{int(began)}")
    tokens = dict(ready)
    log(f"prepared {len(ready)} applications in {time.time() - began:.0f} s")
    timeline = []

    def mark(what):
        timeline.append((round(time.time() - began, 1), what))
        log(what)

    submitter = Submitter(api_factory, ready, rate)
    submitter.start()
    mark("submitting")
    for i in (0, 1):
        time.sleep(min(3.0, n / rate / 6))
        if i:
            rabbits.wait_not_quorum_critical(i)
        rabbits.stop(i, kill=kill)
        mark(f"{'killed' if kill else 'stopped'} {rabbits.nodes[i].name}")
        time.sleep(down)
        rabbits.start(i)
        mark(f"started {rabbits.nodes[i].name} again")
    submitter.join()
    mark("all submitted")

    accepted = [a for a, s in submitter.status.items() if s == 202]
    for app_id, status in submitter.status.items():  # no answer, yet the submit may have committed
        if status != 202:
            r = api.call("GET", f"/applications/{app_id}", tokens[app_id])
            if r.status_code == 200 and r.json()["status"] != "draft":
                accepted.append(app_id)
    deadline = time.time() + settle_timeout
    pending = set(accepted)
    while pending and time.time() < deadline:
        mailed = mails(system.mailbox)
        pending = {a for a in pending if not (mailed[ref(a)] and settled(api, a, tokens[a]))}
        time.sleep(1.0)
    time.sleep(2.0)  # a duplicate would have arrived by now
    mark("settled" if not pending else f"{len(pending)} not settled")

    counted = mails(system.mailbox)
    mailed = {a: counted[ref(a)] for a in accepted}
    completed = [a for a in accepted if mailed[a] and settled(api, a, tokens[a])]
    duplicated = [a for a in accepted if mailed[a] > 1 or twice_in_history(api, a, tokens[a])]
    letters = dead_lettered(system, accepted)
    return {"offered": n, "rate_per_s": rate, "node_down_s": down,
            "fault": "kill -9" if kill else "rabbitmqctl stop",
            "submitted": len(accepted),
            "refused": {a: s for a, s in submitter.status.items() if s != 202},
            "completed": len(completed), "lost": len(accepted) - len(completed),
            "duplicated": len(duplicated), "dead_lettered": sum(letters.values()),
            "dead_lettered_by_service": letters,
            "lost_ids": sorted(set(accepted) - set(completed)), "duplicated_ids": duplicated,
            "connections": reconnections(system),
            "timeline": timeline, "seconds": round(time.time() - began, 1)}


def counts_line(result: dict) -> str:
    return (f"submitted {result['submitted']}, completed {result['completed']}, "
            f"lost {result['lost']}, duplicated {result['duplicated']}, "
            f"dead-lettered {result['dead_lettered']}")
