"""Making applications and sending load: the shared way (tests/support/applications.py) to build a
complete application, many at once, and a fixed-arrival-rate submitter."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support import applications
from tests.system.conftest import Api


from .stack import UNIT


def applicant_token(api: Api, n: int, tag: str) -> str:
    return api.token(f"bench-{tag}-{n}", org=UNIT, name="测试申报人",
                     email=f"applicant-{tag}-{n}@example.org")


def _settled(b) -> bool:
    # flagged (a heuristic's doubt) counts as accepted (contracts ATTACHMENT_CHECKED)
    return bool(b["attachments"]) and all(a["status"] in ("accepted", "flagged")
                                          for a in b["attachments"])


def prepare(base: str, n: int, tag: str, workers: int = 6, stack=None, stats=None,
            timeout: float = 120) -> list[tuple[str, str]]:
    """n applications ready to submit (created, every required attachment uploaded and checked):
    [(application_id, token)]. An application whose checks did not come back in `timeout`
    (an event dead-lettered on the way, say) gets its dead letters replayed once, as an operator
    would (`titles deadletters replay`); those still unchecked are left out and counted in
    `stats` (prepare_stuck, prepare_dead_lettered)."""
    local = threading.local()

    def api_of():
        if getattr(local, "api", None) is None:
            local.api = Api(base)
        return local.api

    def one(i):
        api = api_of()
        token = applicant_token(api, i, tag)
        body = applications.for_token(token, applications.body())
        created = applications.create(api, token, body)
        for section, kind in applications.required_attachments(body):
            applications.upload(api, token, created["id"], section, kind)
        return created["id"], token

    def checked(item, seconds):
        api, (app_id, token) = api_of(), item
        deadline = time.time() + seconds
        while time.time() < deadline:
            r = api.call("GET", f"/applications/{app_id}", token)
            if r.status_code == 200 and _settled(r.json()):
                return True
            time.sleep(0.3)
        return False

    with ThreadPoolExecutor(workers) as pool:
        made = list(pool.map(one, range(n)))
        ok = list(pool.map(lambda it: checked(it, timeout), made))
        stuck = [it for it, good in zip(made, ok) if not good]
        if stuck and stack is not None:
            dead = stack.dead_letters(a for a, _ in stuck)
            if stats is not None:
                stats["prepare_dead_lettered"] = dead
            stack.replay_dead_letters()
            again = list(pool.map(lambda it: checked(it, 60), stuck))
            stuck = [it for it, good in zip(stuck, again) if not good]
    if stats is not None:
        stats["prepare_stuck"] = len(stuck)
    return [it for it in made if it not in stuck]


class Submitter:
    """Submits the prepared applications at `rate` per second from `start`, each at its scheduled
    moment (latency is measured from the schedule, so a slow server cannot hide queueing)."""

    def __init__(self, base: str, ready: list[tuple[str, str]], rate: float, workers: int = 32):
        self.base, self.ready, self.rate, self.workers = base, ready, rate, workers
        self.scheduled: dict[str, float] = {}
        self.answered: dict[str, float] = {}
        self.status: dict[str, int | str] = {}

    def run(self):
        start = time.time() + 0.5
        local = threading.local()

        def one(i):
            app_id, token = self.ready[i]
            at = start + i / self.rate
            time.sleep(max(0.0, at - time.time()))
            self.scheduled[app_id] = at
            api = getattr(local, "api", None) or Api(self.base)
            local.api = api
            try:
                r = api.call("POST", f"/applications/{app_id}/submit", token)
                self.status[app_id] = r.status_code
            except requests.RequestException as exc:
                self.status[app_id] = type(exc).__name__
            self.answered[app_id] = time.time()

        with ThreadPoolExecutor(self.workers) as pool:
            list(pool.map(one, range(len(self.ready))))
        return self

    def accepted(self) -> list[str]:
        return [a for a, s in self.status.items() if s == 202]


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    v = sorted(values)

    def at(q):
        return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": v[-1]}
