"""Driving review through the intake API, as the review system tests (tests/system) do.

One way to take an application up its route: `submitted` (a complete application, routed),
`through_unit` (the unit's publicity, then its recommendation, R-4.2), `to_committee` (every
department above forwards, R-4.3). Time moves by writing the cluster's clock file
(`tests.support.clock.set_clock`); the tokens are those of the sample organisations
(deploy/sample/organisations.yaml).
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support.applications import body, submit_complete
from tests.support.clock import set_clock

TZ = ZoneInfo("Asia/Shanghai")
OPINION = "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"
MACHINERY, TEXTILE, CHEMDESIGN = ("unit-urumqi-machinery", "unit-changji-textile",
                                  "unit-region-chemdesign")
COMMITTEE = "eng_textile"  # body(): 纺织 senior engineer
DEPT_REVIEWERS = {"dept-urumqi": "P-D01", "dept-changji": "P-D02", "dept-changji-city": "P-D03"}
UNIT_REVIEWERS = {MACHINERY: "P-U01", TEXTILE: "P-U02", CHEMDESIGN: "P-U03"}


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


def unit_token(api, unit):
    return api.token(UNIT_REVIEWERS[unit], role="unit_reviewer", org=unit, name="单位审核人")


def dept_token(api, dept):
    return api.token(DEPT_REVIEWERS[dept], role="department_reviewer", org=dept, name="主管部门审核人")


def secretary(api, committee=COMMITTEE):
    return api.token("S-01", role="committee_secretary", org=committee, name="评委会办公室")


def expert(api, expert_id, committee=COMMITTEE):
    return api.token(expert_id, role="expert", org=committee, name=expert_id)


def admin(api):
    return api.token("A-01", role="admin", name="管理员")


def review_view(api, application_id, token):
    r = api.call("GET", f"/review/applications/{application_id}", token)
    assert r.status_code == 200, r.text
    return r.json()


def wait_review(api, application_id, token, predicate, timeout=60.0):
    deadline, last = time.time() + timeout, None
    while time.time() < deadline:
        r = api.call("GET", f"/review/applications/{application_id}", token)
        if r.status_code == 200:
            last = r.json()
            if predicate(last):
                return last
        time.sleep(0.25)
    raise AssertionError(f"review never got there for {application_id}; last: {last}")


def submitted(system, unit, sub, app_body=None):
    """A complete application submitted by `sub`; returns (id, applicant token) once review has
    routed it (its first task is open)."""
    api = system.api
    me = api.token(sub, org=unit, name="申报人" + sub[-4:], email=f"{sub}@example.org")
    app = submit_complete(api, me, app_body or body(unit_id=unit))
    wait_review(api, app["id"], unit_token(api, unit), lambda v: v["status"] == "in_review")
    return app["id"], me


def post(api, path, token, payload=None, status=200):
    r = api.call("POST", path, token, json=payload) if payload is not None else \
        api.call("POST", path, token)
    assert r.status_code == status, r.text
    return r.json()


def through_unit(system, application_id, unit, opened: datetime) -> dict:
    """Open the unit publicity at `opened`, recommend the day after it ended."""
    api, tok = system.api, unit_token(system.api, unit)
    set_clock(system, opened)
    pub = post(api, f"/review/applications/{application_id}/publicity", tok, status=201)
    set_clock(system, datetime.fromisoformat(pub["ends_at"]) + timedelta(hours=9))
    return post(api, f"/review/applications/{application_id}/recommend", tok, {"opinion": OPINION})


def to_committee(system, application_id, unit, opened=local(2019, 10, 15, 10)) -> None:
    """R-4.3: the unit recommends, every department above forwards, the committee has it."""
    api = system.api
    decided = through_unit(system, application_id, unit, opened)
    while decided["next_step"] != "committee":
        decided = post(api, f"/review/applications/{application_id}/forward",
                       dept_token(api, decided["next_org_id"]), {"reason": "同意上报"})
    view = review_view(api, application_id, secretary(api))
    assert view["current_step"]["kind"] == "committee" and view["status"] == "in_review"


def wait_started(system, name, timeout=60.0):
    """A replica is up once nameko logged its broker connection."""
    log = system.log_dir / f"{name}.log"
    deadline = time.time() + timeout
    while time.time() < deadline:
        proc = system.procs.get(name)
        assert proc is not None and proc.poll() is None, f"{name} exited; see {log}"
        if log.exists() and "Connected to" in log.read_text(errors="replace"):
            return
        time.sleep(0.3)
    raise AssertionError(f"{name} did not connect within {timeout}s")


def audit(api):
    r = api.call("GET", "/admin/audit", admin(api))
    assert r.status_code == 200, r.text
    return r.json()


def actions_for(api, application_id):
    return [e["entry"]["action"] for e in audit(api)["entries"]
            if e["entry"]["subject"] == application_id]
