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
    assert (unit["subject_id"], unit["starts_on"], unit["last_barred_on"]) == (
        CHEMDESIGN, "2019-10-15", "2022-10-14")
    person = post(api, "/admin/sanctions", admin(api), {
        "subject": "person", "application_id": app_id, "reason": "伪造职称证书"}, status=201)
    assert (person["subject_id"], person["last_barred_on"]) == ("rv-sanction-1", "2024-10-14")
    assert (person["series"], person["level"]) == (mine["series"], mine["level"])

    other = api.token("rv-sanction-2", org=CHEMDESIGN)
    r = create_until_refused(api, other, body(unit_id=CHEMDESIGN))
    assert r.status_code == 422, r.text
    assert [p["code"] for p in r.json()["problems"]] == ["UNIT_BARRED"]

    assert api.call("POST", f"/applications/{app_id}/withdraw", me).status_code == 200
    wait_review(api, app_id, admin(api), lambda v: v["status"] == "withdrawn")
    r = create_until_refused(api, me, mine)
    assert r.status_code == 422, r.text
    assert {"PERSON_BARRED", "UNIT_BARRED"} <= {p["code"] for p in r.json()["problems"]}
    said = {p["code"]: p["message"] for p in r.json()["problems"]}
    assert person["period_zh"] in said["PERSON_BARRED"]  # the same dates, said the same way
    assert unit["period_zh"] in said["UNIT_BARRED"]
    listed = json.loads(loaded.titles("export", "sanctions", service="review").stdout)
    assert {(x["subject"], x["subject_id"]) for x in listed} >= {
        ("unit", CHEMDESIGN), ("person", "rv-sanction-1")}


def test_a_responsible_person_named_by_id_number_is_barred_under_any_account_for_that_title(
        loaded):
    """R-1.5 直接责任人: a person with no application of their own is named by ID number (intake
    keeps it; review gets its keyed hash), with the title barred (相应职称) and the decision's
    date (2016-06-01: barred through 2021-05-31). Another platform account with the same ID
    number is refused that title, and may still apply for another level."""
    api = loaded.api
    barred = body(unit_id=MACHINERY)  # engineering, senior_engineer
    number = barred["sections"]["basic"]["id_number"]
    r = api.call("POST", "/admin/sanctions", admin(api), json={
        "subject": "person", "id_number": number, "series": "engineering",
        "level": "senior_engineer", "decided_on": "2019-10-16", "reason": "出具虚假业绩证明"})
    assert (r.status_code, r.json()["code"]) == (422, "SANCTION_DATE_IN_FUTURE"), r.text
    sanction = post(api, "/admin/sanctions", admin(api), {
        "subject": "person", "id_number": number, "series": "engineering",
        "level": "senior_engineer", "decided_on": "2016-06-01",
        "reason": "作为直接责任人出具虚假业绩证明"}, status=201)
    assert (sanction["starts_on"], sanction["last_barred_on"]) == ("2016-06-01", "2021-05-31")
    assert number not in json.dumps(sanction) and sanction["subject_id"].startswith("id:650")
    listed = json.loads(loaded.titles("export", "sanctions", service="review").stdout)
    assert number not in json.dumps(listed, ensure_ascii=False)

    r = create_until_refused(api, api.token("rv-responsible-account-2", org=MACHINERY), barred)
    assert r.status_code == 422, r.text
    assert [p["code"] for p in r.json()["problems"]] == ["PERSON_BARRED"]
    assert sanction["period_zh"] in r.json()["problems"][0]["message"]
    other_level = {**barred, "level": "engineer"}
    r = api.call("POST", "/applications", api.token("rv-responsible-account-3", org=MACHINERY),
                 json=other_level)
    assert r.status_code == 201, r.text


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
