"""Making applications and sending load: the shared way (tests/support/applications.py) to build a
complete application, many at once, and a fixed-arrival-rate submitter."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support import applications
from tests.system.conftest import Api

from .applicants import unique_body
from .stack import UNIT


def applicant_token(api: Api, n: int, tag: str) -> str:
    return api.token(f"bench-{tag}-{n}", org=UNIT, name="测试申报人",
                     email=f"applicant-{tag}-{n}@example.org")


def prepare(base: str, n: int, tag: str, workers: int = 6) -> list[tuple[str, str]]:
    """n applications ready to submit (created, attachments uploaded and accepted):
    [(application_id, token)]."""
    local = threading.local()

    def one(i):
        api = getattr(local, "api", None) or Api(base)
        local.api = api
        token = applicant_token(api, i, tag)
        body = unique_body()
        created = applications.create(api, token, body)
        applications.upload_all(api, token, created["id"], body)
        # every applicant uploads the same generated images, so documents flags them as
        # duplicates across applicants; flagged counts as accepted (ATTACHMENT_CHECKED)
        api.wait_for(f"/applications/{created['id']}", token, lambda b: b["attachments"] and all(
            a["status"] in ("accepted", "flagged") for a in b["attachments"]), timeout=300)
        return created["id"], token

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(n)))


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
