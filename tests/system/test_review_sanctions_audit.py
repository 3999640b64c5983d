"""Sanctions and the audit trail, end to end through the intake API: a unit barred for 3 years
and a person for 5 (R-1.5), and an edited audit entry found by `titles audit verify` (R-4.1:
谁审查，谁负责).

Helpers and the clock: tests/support/review_api.py.
"""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import create_engine, text

from tests.support.applications import body
from tests.support.review_api import (CHEMDESIGN, MACHINERY, admin, audit, local, post,
                                      secretary, submitted, through_unit, wait_review)

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("season_clock")]


# ---- sanctions (R-1.5) ------------------------------------------------------------------------------

def create_until_refused(api, token, app_body, timeout=30.0):
    """intake learns of a sanction from SANCTION_IMPOSED: try until it refuses."""
    deadline, r = time.time() + timeout, None
    while time.time() < deadline:
        r = api.call("POST", "/applications", token, json=app_body)
        if r.status_code != 201:
            return r
        api.call("POST", f"/applications/{r.json()['id']}/withdraw", token)
        time.sleep(0.5)
    return r


def test_sanctions_bar_the_unit_and_the_person_from_a_new_application(loaded):
    """R-1.5: the unit for 3 years, the person for 5, from the day imposed; only an admin
    imposes them; intake refuses a new application (and review's withdrawal handler closes the
    sanctioned one)."""
    api = loaded.api
    mine = body(unit_id=CHEMDESIGN)
    app_id, me = submitted(loaded, CHEMDESIGN, "rv-sanction-1", mine)
    r = api.call("POST", "/admin/sanctions", secretary(api),
                 json={"subject": "unit", "application_id": app_id, "reason": "伪造业绩证明"})
    assert r.status_code == 403
    unit = post(api, "/admin/sanctions", admin(api), {
        "subject": "unit", "application_id": app_id, "reason": "单位审核中弄虚作假，伪造业绩证明"},
        status=201)
    assert (unit["subject_id"], unit["starts_on"], unit["until"]) == (
        CHEMDESIGN, "2019-10-15", "2022-10-15")
    person = post(api, "/admin/sanctions", admin(api), {
        "subject": "person", "application_id": app_id, "reason": "伪造职称证书"}, status=201)
    assert (person["subject_id"], person["until"]) == ("rv-sanction-1", "2024-10-15")

    other = api.token("rv-sanction-2", org=CHEMDESIGN)
    r = create_until_refused(api, other, body(unit_id=CHEMDESIGN))
    assert r.status_code == 422, r.text
    assert [p["code"] for p in r.json()["problems"]] == ["UNIT_BARRED"]

    assert api.call("POST", f"/applications/{app_id}/withdraw", me).status_code == 200
    wait_review(api, app_id, admin(api), lambda v: v["status"] == "withdrawn")
    r = create_until_refused(api, me, mine)
    assert r.status_code == 422, r.text
    assert {"PERSON_BARRED", "UNIT_BARRED"} <= {p["code"] for p in r.json()["problems"]}
    listed = json.loads(loaded.titles("export", "sanctions", service="review").stdout)
    assert {(x["subject"], x["subject_id"]) for x in listed} >= {
        ("unit", CHEMDESIGN), ("person", "rv-sanction-1")}


# ---- audit (R-4.1) --------------------------------------------------------------------------------

def test_an_edited_audit_entry_is_detected_by_the_verify_command(loaded):
    api = loaded.api
    app_id, _ = submitted(loaded, MACHINERY, "rv-audit-1")
    through_unit(loaded, app_id, MACHINERY, local(2019, 10, 15, 10))
    ok = loaded.titles("audit", "verify", service="review", check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout)["problems"] == []

    entries = audit(api)["entries"]
    target = next(e for e in entries if e["entry"]["action"] == "recommended"
                  and e["entry"]["subject"] == app_id)
    engine = create_engine(loaded.per_service["review"]["DATABASE_URL"])
    # SQLite keeps JSON as text; CAST(… AS json) would make it a number there
    as_json = ":e" if engine.dialect.name == "sqlite" else "CAST(:e AS json)"
    original = json.dumps(target["entry"], ensure_ascii=False)
    edited = json.dumps({**target["entry"], "actor": "someone-else"}, ensure_ascii=False)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE audit SET entry = {as_json} WHERE seq = :s"),
                         {"e": edited, "s": target["seq"]})
        broken = loaded.titles("audit", "verify", service="review", check=False)
        assert broken.returncode == 1
        problems = json.loads(broken.stdout)["problems"]
        assert [p["code"] for p in problems] == ["AUDIT_CHAIN_BROKEN"]
        assert problems[0]["field"] == f"entries.{entries.index(target)}"
        assert audit(api)["verification"]["problems"][0]["code"] == "AUDIT_CHAIN_BROKEN"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE audit SET entry = {as_json} WHERE seq = :s"),
                         {"e": original, "s": target["seq"]})
        engine.dispose()
    assert loaded.titles("audit", "verify", service="review", check=False).returncode == 0
    exported = loaded.titles("audit", "export", "--format", "csv", service="review")
    assert exported.stdout.splitlines()[0].startswith("seq,at,actor")
