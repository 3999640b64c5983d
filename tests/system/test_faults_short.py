"""Faults, the short version that runs in CI (issue 7 §6; the full one is `python -m bench`).

With applications in flight, each of the four services is killed with SIGKILL once and started
again; afterwards every submitted application is consistent (in review at its unit, its 评审表
rendered — D-1, R-4.1), no event was lost (every reviewer was mailed, nothing is in a dead-letter
queue) and no notification was sent twice (R-4.3: the unit's reviewer is told once).

The kills are placed where the outcome is decided by the system's guarantees alone, so the
assertions are exact: notify dies before it has anything to send (its events wait in its queue),
review and documents die with submissions on their way to them, intake dies right after
answering the last submit (its outbox relay and its own subscriptions resume on restart).
Killing a service in the middle of an SMTP conversation is left to the benchmark, which counts
what happens.
"""
from __future__ import annotations

import json
import time

import pytest

from plumbing.config import SERVICES
from tests.support import applications

pytestmark = pytest.mark.system

UNIT = applications.UNIT
REVIEWER_EMAIL = "hr.machinery@example.org"
N = 4  # two waves of two: enough to have events in flight at every kill, quick in CI


@pytest.fixture(scope="module")
def loaded(loaded):
    """The system tests' `loaded` (tests/system/conftest.py), restored after the kills."""
    system = loaded
    yield system
    # whatever happened above, leave the four running for the tests after this module
    down = [s for s in SERVICES if s not in system.procs or system.procs[s].poll() is not None]
    for s in down:
        system.start(s)
    system.wait_healthy(down or SERVICES, timeout=120)


def ready_to_submit(api, i: int) -> tuple[str, str]:
    token = api.token(f"applicant-faults-{i}", org=UNIT, name="故障演练",
                      email=f"faults-{i}@example.org")
    body = applications.for_token(token, applications.body())
    app = applications.create(api, token, body)
    applications.upload_all(api, token, app["id"], body)
    # flagged (a heuristic's doubt) counts as accepted (contracts/events.py ATTACHMENT_CHECKED)
    api.wait_for(f"/applications/{app['id']}", token, lambda b: b["attachments"] and all(
        a["status"] in ("accepted", "flagged") for a in b["attachments"]), timeout=60)
    return app["id"], token


def kill(system, service: str):
    pid = system.procs[service].pid
    system.stop(service, kill=True)  # SIGKILL: no shutdown, no acks, no commits
    assert system.procs.get(service) is None
    return pid


def mails_about(mailbox, application_id: str) -> list:
    ref = application_id[:8].upper()
    return [m for m in mailbox.to(REVIEWER_EMAIL) if ref in str(m["Subject"])]


def settled(api, application_id: str, token: str) -> bool:
    r = api.call("GET", f"/applications/{application_id}", token)
    body = r.json()
    return (r.status_code == 200 and body["status"] == "in_review" and bool(body["documents"])
            and body["current_step"]["step"] == "unit")


def test_each_service_killed_once_in_flight_loses_and_duplicates_nothing(loaded):
    api, mailbox = loaded.api, loaded.mailbox
    ready = [ready_to_submit(api, i) for i in range(N)]
    first, second = ready[: N // 2], ready[N // 2:]

    kill(loaded, "notify")
    for app_id, token in first:
        assert api.call("POST", f"/applications/{app_id}/submit", token).status_code == 202
    for app_id, token in first:  # review opened the tasks; the mails wait for notify
        api.wait_for(f"/applications/{app_id}", token, lambda b: b["status"] == "in_review")
    assert not any(mails_about(mailbox, a) for a, _ in first)

    kill(loaded, "review")
    kill(loaded, "documents")
    for app_id, token in second:
        r = api.call("POST", f"/applications/{app_id}/submit", token)
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "submitted"
    kill(loaded, "intake")

    for s in SERVICES:
        loaded.start(s)
    loaded.wait_healthy(timeout=120)

    deadline = time.time() + 90
    pending = dict(ready)
    while pending and time.time() < deadline:
        for app_id, token in list(pending.items()):
            if settled(api, app_id, token) and mails_about(mailbox, app_id):
                del pending[app_id]
        time.sleep(0.5)
    time.sleep(2.0)  # a duplicate would have arrived by now

    mails = {a: len(mails_about(mailbox, a)) for a, _ in ready}
    consistent = sum(settled(api, a, t) for a, t in ready)
    lost = [a for a, k in mails.items() if k == 0]
    duplicated = [a for a, k in mails.items() if k > 1]
    print(f"submitted {N}, completed {N - len(lost)}, consistent {consistent}, "
          f"lost {len(lost)}, duplicated {len(duplicated)}")
    assert not pending, f"not in review with a 评审表 and mailed: {sorted(pending)}"
    assert lost == [] and duplicated == [], mails
    assert consistent == N

    ids = {a for a, _ in ready}
    for s in SERVICES:
        listed = loaded.titles("deadletters", "list", s, service=s)
        stuck = [d for d in json.loads(listed.stdout)
                 if (d.get("payload") or {}).get("application_id") in ids]
        assert stuck == [], f"{s} dead-lettered events of these applications: {stuck}"

    # every application has exactly one 评审表 version and one submission in its history
    for app_id, token in ready:
        entries = api.call("GET", f"/applications/{app_id}/history", token).json()
        history = [h["action"] for h in entries]
        assert history.count("submitted") == 1
        assert history.count("task_opened") == 1, history
        forms = [h for h in entries if h["action"] == "document_rendered"
                 and h["detail"].get("kind") == "evaluation_form"]  # 附件1 is rendered too
        assert len(forms) == 1, history
