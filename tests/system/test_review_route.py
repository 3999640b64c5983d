"""Review, end to end through the intake API (issue #4), on the real broker and database.

The route level by level (R-4.3), the unit publicity in working days (R-2.3, R-4.2), returns and
the 3-submission cap (R-4.4, N-8.5), supplements and the 48-hour sweep with two review instances
(R-4.5), meetings, recusals and the 2/3 votes (N-8.2..N-8.4), results (N-8.6), paper materials
(R-5.1, R-5.2), sanctions (R-1.5) and the tamper-evident audit trail (R-4.1).

Time is moved by writing `system.clock_file`; every test puts it back to the season's "now".
Where a publicity must start before the online window (the National Day holidays), the clock is
set back after the submission: review does not check the application window, intake does.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from tests.support.applications import body, submit_complete
from tests.system.conftest import SEASON_NOW

pytestmark = pytest.mark.system

TZ = ZoneInfo("Asia/Shanghai")
OPINION = "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"
MACHINERY, TEXTILE, CHEMDESIGN = ("unit-urumqi-machinery", "unit-changji-textile",
                                  "unit-region-chemdesign")
COMMITTEE = "eng_textile"  # body(): 纺织 senior engineer
DEPT_REVIEWERS = {"dept-urumqi": "P-D01", "dept-changji": "P-D02", "dept-changji-city": "P-D03"}
UNIT_REVIEWERS = {MACHINERY: "P-U01", TEXTILE: "P-U02", CHEMDESIGN: "P-U03"}


# ---- helpers ----------------------------------------------------------------------------------

def set_clock(system, instant: datetime) -> None:
    system.clock_file.write_text(str((instant - datetime.now(timezone.utc)).total_seconds()))


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


@pytest.fixture(autouse=True)
def season_now(loaded):
    set_clock(loaded, SEASON_NOW)
    yield
    set_clock(loaded, SEASON_NOW)


# ---- routing and the unit step ------------------------------------------------------------------

def test_three_levels_to_the_committee_across_a_make_up_saturday(loaded):
    """R-4.3: 昌吉示例纺织 → 昌吉市局 → 昌吉州局 → committee. R-2.3: a publicity opened on
    Thursday 2019-10-10 counts Saturday 2019-10-12 (调休 working day) and ends on 10-16."""
    api = loaded.api
    set_clock(loaded, local(2019, 10, 10, 10))
    app_id, _ = submitted(loaded, TEXTILE, "rv-route-1")
    view = review_view(api, app_id, unit_token(api, TEXTILE))
    assert [(s["kind"], s["id"]) for s in view["route"]] == [
        ("unit", TEXTILE), ("department", "dept-changji-city"), ("department", "dept-changji"),
        ("committee", COMMITTEE)]

    unit = unit_token(api, TEXTILE)
    pub = post(api, f"/review/applications/{app_id}/publicity", unit, status=201)
    assert pub["ends_on"] == "2019-10-16"
    r = api.call("POST", f"/review/applications/{app_id}/publicity", unit)
    assert r.status_code == 409 and r.json()["code"] == "PUBLICITY_ALREADY_OPENED"

    set_clock(loaded, local(2019, 10, 17, 9))
    decided = post(api, f"/review/applications/{app_id}/recommend", unit, {"opinion": OPINION})
    assert decided["next_org_id"] == "dept-changji-city"

    # intake shows the application to departments on its route only (review.visible)
    assert api.call("GET", f"/applications/{app_id}",
                    dept_token(api, "dept-changji")).status_code == 200
    assert api.call("GET", f"/applications/{app_id}",
                    dept_token(api, "dept-urumqi")).status_code == 404

    # outside the route, too early, twice: refused, nothing changes
    r = api.call("POST", f"/review/applications/{app_id}/forward", dept_token(api, "dept-urumqi"))
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"
    r = api.call("POST", f"/review/applications/{app_id}/forward",
                 dept_token(api, "dept-changji"))
    assert r.status_code == 409 and r.json()["code"] == "NOT_AT_YOUR_STEP"
    city = dept_token(api, "dept-changji-city")
    assert post(api, f"/review/applications/{app_id}/forward", city,
                {"reason": "经审核，同意上报"})["next_org_id"] == "dept-changji"
    r = api.call("POST", f"/review/applications/{app_id}/forward", city)
    assert r.status_code == 409 and r.json()["code"] == "STEP_ALREADY_DECIDED"
    assert post(api, f"/review/applications/{app_id}/forward",
                dept_token(api, "dept-changji"))["next_step"] == "committee"

    tasks = api.call("GET", "/review/tasks?status=open", secretary(api)).json()
    assert app_id in [t["application_id"] for t in tasks]
    done = review_view(api, app_id, secretary(api))["tasks"]
    assert [(t["org_id"], t["decision"], t["reviewer"]["person_id"]) for t in done[:3]] == [
        (TEXTILE, "recommended", "P-U02"), ("dept-changji-city", "forwarded", "P-D03"),
        ("dept-changji", "forwarded", "P-D02")]
    assert done[0]["reason"] == OPINION
    # intake learns each level's task (TASK_OPENED)
    me = api.token("rv-route-1", org=TEXTILE)
    api.wait_for(f"/applications/{app_id}/history", me, lambda h: any(
        e["action"] == "task_opened" and (e["detail"] or {}).get("org_id") == COMMITTEE
        for e in h))
    assert actions_for(api, app_id)[:4] == ["publicity_opened", "recommended", "forwarded",
                                            "forwarded"]


def test_publicity_over_national_day_ends_on_the_make_up_saturday(loaded):
    """R-2.3, R-4.2: opened Monday 2019-09-30, the five working days are 10-08..10-11 and the
    make-up Saturday 10-12; recommending is refused before the end, with an open objection, or
    with any other wording than R-4.2's."""
    api = loaded.api
    app_id, _ = submitted(loaded, MACHINERY, "rv-national-day")
    unit = unit_token(api, MACHINERY)
    r = api.call("POST", f"/review/applications/{app_id}/recommend", unit, json={"opinion": OPINION})
    assert r.status_code == 409 and r.json()["code"] == "PUBLICITY_NOT_OPENED"

    set_clock(loaded, local(2019, 9, 30, 10))
    pub = post(api, f"/review/applications/{app_id}/publicity", unit, status=201)
    assert (pub["starts_on"], pub["ends_on"]) == ("2019-09-30", "2019-10-12")

    set_clock(loaded, local(2019, 10, 12, 23, 30))
    r = api.call("POST", f"/review/applications/{app_id}/recommend", unit, json={"opinion": OPINION})
    assert r.status_code == 409
    assert [p["code"] for p in r.json()["problems"]] == ["PUBLICITY_RUNNING"]
    objection = post(api, f"/review/applications/{app_id}/objections", unit,
                     {"text": "实名反映：业绩材料中某项目非本人主持"}, status=201)

    set_clock(loaded, local(2019, 10, 13, 9))
    r = api.call("POST", f"/review/applications/{app_id}/recommend", unit, json={"opinion": OPINION})
    assert r.status_code == 409
    assert [p["code"] for p in r.json()["problems"]] == ["PUBLICITY_OBJECTION_OPEN"]
    post(api, f"/review/applications/{app_id}/objections/{objection['id']}/resolution", unit,
         {"upheld": False, "resolution": "经核查，该项目确由申报人主持，异议不成立"})
    r = api.call("POST", f"/review/applications/{app_id}/recommend", unit,
                 json={"opinion": "同意推荐"})
    assert r.status_code == 409
    assert [p["code"] for p in r.json()["problems"]] == ["RECOMMENDATION_TEXT_MISMATCH"]
    assert review_view(api, app_id, unit)["current_step"]["id"] == MACHINERY  # nothing changed

    decided = post(api, f"/review/applications/{app_id}/recommend", unit, {"opinion": OPINION})
    assert (decided["decision"], decided["opinion"], decided["next_org_id"]) == (
        "recommended", OPINION, "dept-urumqi")


def test_unknown_calendar_year_is_refused_loudly(loaded):
    """R-2.3: a year neither the calendar package nor the override table knows is refused."""
    api = loaded.api
    app_id, _ = submitted(loaded, MACHINERY, "rv-calendar-2099")
    set_clock(loaded, local(2099, 3, 2, 10))
    r = api.call("POST", f"/review/applications/{app_id}/publicity", unit_token(api, MACHINERY))
    assert r.status_code == 409 and r.json()["code"] == "CALENDAR_YEAR_UNKNOWN"
    assert review_view(api, app_id, unit_token(api, MACHINERY))["publicities"] == []
    # the administrator loads that year's holidays; the same request then succeeds
    r = api.call("POST", "/admin/calendar", admin(api), json={"days": {"2099-03-03": False}})
    assert r.status_code == 200, r.text
    pub = post(api, f"/review/applications/{app_id}/publicity", unit_token(api, MACHINERY),
               status=201)
    assert pub["ends_on"] == "2099-03-10"  # 03-03 off: 04, 05, 06, 09, 10


# ---- committee: returns and the cap (R-4.4, N-8.5) ---------------------------------------------------

def test_return_and_resubmission_and_the_fourth_submission_refused(loaded):
    api = loaded.api
    app_id, me = submitted(loaded, MACHINERY, "rv-returns-1")
    to_committee(loaded, app_id, MACHINERY)
    sec = secretary(api)
    path = f"/review/applications/{app_id}"

    r = api.call("POST", f"{path}/return", sec, json={"problems": [{"message": " "}]})
    assert r.status_code == 409 and r.json()["problems"][0]["code"] == "RETURN_PROBLEM_BLANK"

    for n in (1, 2):
        ret = post(api, f"{path}/return", sec, {"reason": "材料不全", "problems": [
            {"message": "缺少2018年度考核表", "field": "sections.assessments"},
            {"message": "学信网验证报告已过期", "field": "sections.education"}]})
        assert (ret["submissions_used"], ret["submissions_left"]) == (n, 3 - n)
        api.wait_for(f"/applications/{app_id}", me, lambda b: b["status"] == "returned")
        r = api.call("POST", f"/applications/{app_id}/submit", me)
        assert r.status_code == 202, r.text
        view = wait_review(api, app_id, sec, lambda v: v["submission_no"] == n + 1
                           and v["status"] == "in_review")
        assert view["current_step"]["id"] == COMMITTEE  # back to the level that returned it

    r = api.call("POST", f"{path}/return", sec, json={"problems": [{"message": "仍缺材料"}]})
    assert r.status_code == 409
    assert [p["code"] for p in r.json()["problems"]] == ["RETURN_NOT_ALLOWED"]
    assert review_view(api, app_id, sec)["status"] == "in_review"
    r = api.call("POST", f"/applications/{app_id}/submit", me)
    assert r.status_code == 409 and r.json()["code"] == "NOT_SUBMITTABLE"  # no fourth one
    assert post(api, f"{path}/accept", sec)["decision"] == "accepted"
    r = api.call("POST", f"{path}/accept", sec)
    assert r.status_code == 409 and r.json()["code"] == "STEP_ALREADY_DECIDED"


# ---- committee: supplements and the sweep (R-4.5) -------------------------------------------------

def test_supplement_in_time_and_abandoned_once_by_two_review_instances(loaded):
    api = loaded.api
    loaded.start("review", instance="review-2")
    try:
        wait_started(loaded, "review-2")
        apps = [submitted(loaded, MACHINERY, f"rv-supplement-{i}") for i in range(3)]
        for app_id, _ in apps:
            to_committee(loaded, app_id, MACHINERY)
        sec = secretary(api)
        asked = local(2019, 10, 24, 9)
        set_clock(loaded, asked)
        for app_id, _ in apps:
            req = post(api, f"/review/applications/{app_id}/supplement-requests", sec,
                       {"items": ["补充2018年度考核表原件扫描件", "补充学信网验证报告"]}, status=201)
            deadline = datetime.fromisoformat(req["deadline"])  # the clock file is to the ms
            assert abs(deadline - (asked + timedelta(hours=48))) < timedelta(seconds=5)
        (answered, me), late = apps[0], apps[1:]
        r = api.call("POST", f"/review/applications/{answered}/accept", sec)
        assert r.status_code == 409 and r.json()["code"] == "SUPPLEMENT_PENDING"
        for app_id, token in apps:
            api.wait_for(f"/applications/{app_id}", token,
                         lambda b: b["status"] == "supplement_requested")

        set_clock(loaded, asked + timedelta(hours=47))
        r = api.call("POST", f"/applications/{answered}/supplement", me)
        assert r.status_code == 202, r.text
        view = wait_review(api, answered, sec, lambda v: v["status"] == "in_review")
        assert view["supplement_requests"][0]["status"] == "answered"

        set_clock(loaded, asked + timedelta(hours=48, minutes=1))
        for app_id, token in late:
            view = wait_review(api, app_id, sec, lambda v: v["status"] == "abandoned", timeout=40)
            assert view["supplement_requests"][0]["status"] == "abandoned"
            api.wait_for(f"/applications/{app_id}", token, lambda b: b["status"] == "abandoned")
        time.sleep(12)  # several more sweeps by both instances
        for app_id, token in late:
            assert actions_for(api, app_id).count("abandoned") == 1
            history = api.call("GET", f"/applications/{app_id}/history", token).json()
            assert [h["action"] for h in history].count("abandoned") == 1
        assert review_view(api, answered, sec)["status"] == "in_review"
        assert post(api, f"/review/applications/{answered}/accept", sec)["decision"] == "accepted"
        r = api.call("POST", f"/review/applications/{late[0][0]}/accept", sec)
        assert r.status_code == 409
    finally:
        loaded.stop("review-2")


# ---- meetings, ballots and results (§8, N-8.6) ------------------------------------------------------

@pytest.fixture(scope="module")
def accepted_pair(loaded):
    """Two applications of 乌鲁木齐示例机械 accepted by the 纺织 committee."""
    api = loaded.api
    pair = []
    for i in range(2):
        set_clock(loaded, SEASON_NOW)
        app_id, me = submitted(loaded, MACHINERY, f"rv-meeting-{i}")
        to_committee(loaded, app_id, MACHINERY)
        post(api, f"/review/applications/{app_id}/accept", secretary(api))
        pair.append((app_id, me))
    set_clock(loaded, SEASON_NOW)
    return pair


def test_meeting_quorum_two_thirds_pass_and_fail_and_recusal(loaded, accepted_pair):
    """N-8.2: 7 of 11 members is no quorum. N-8.4: 赵建国 (E-FZ-07) works at the applicants' unit
    and is recused. N-8.3: of the 9 attending, eligible experts, 6 votes pass (exactly 2/3), 5
    fail; an absent or recused expert's ballot, a second ballot and a late one are refused."""
    api = loaded.api
    sec = secretary(api)
    (a, me_a), (b, _) = accepted_pair
    members = [f"E-FZ-{i:02d}" for i in range(1, 12)]
    set_clock(loaded, local(2019, 11, 25, 9))
    r = api.call("POST", "/review/meetings", sec, json={"application_ids": [a, b],
                                                        "attending": members[:7]})
    assert r.status_code == 409
    assert "MEETING_NO_QUORUM" in [p["code"] for p in r.json()["problems"]]

    attending = members[:10]  # E-FZ-11 absent
    meeting = post(api, "/review/meetings", sec, {"application_ids": [a, b],
                                                  "attending": attending}, status=201)
    assert {(x["application_id"], x["expert_id"]) for x in meeting["recusals"]} == {
        (a, "E-FZ-07"), (b, "E-FZ-07")}
    ballots = f"/review/meetings/{meeting['id']}/ballots"
    # an expert sees the applications of its committee's meeting (review.visible), no others
    assert api.call("GET", f"/applications/{a}", expert(api, "E-FZ-03")).status_code == 200
    assert api.call("GET", f"/applications/{a}",
                    expert(api, "E-JD-03", "eng_mechanical_electronic")).status_code == 404
    for who, code in (("E-FZ-07", "BALLOT_RECUSED"), ("E-FZ-11", "BALLOT_ABSENT")):
        r = api.call("POST", ballots, expert(api, who), json={"application_id": a, "choice": "for"})
        assert r.status_code == 409 and r.json()["problems"][0]["code"] == code
    r = api.call("POST", ballots, sec, json={"application_id": a, "choice": "for"})
    assert r.status_code == 403  # no one votes for an expert

    eligible = [e for e in attending if e != "E-FZ-07"]
    assert len(eligible) == 9
    votes = {a: ["for"] * 6 + ["against"] * 3, b: ["for"] * 5 + ["against"] * 3 + ["abstain"]}
    for app_id, choices in votes.items():
        for who, choice in zip(eligible, choices):
            post(api, ballots, expert(api, who), {"application_id": app_id, "choice": choice},
                 status=201)
    r = api.call("POST", ballots, expert(api, eligible[0]), json={"application_id": a,
                                                                  "choice": "against"})
    assert r.status_code == 409 and r.json()["problems"][0]["code"] == "BALLOT_DUPLICATE"

    closed = post(api, f"/review/meetings/{meeting['id']}/close", sec)
    results = {x["application_id"]: x for x in closed["results"]}
    assert (results[a]["votes_for"], results[a]["eligible"], results[a]["outcome"]) == (
        6, 9, "passed")
    assert (results[b]["votes_for"], results[b]["eligible"], results[b]["outcome"]) == (
        5, 9, "failed")
    assert results[a]["until"] == "2019-12-02"  # 5 working days after Monday 11-25
    r = api.call("POST", ballots, expert(api, "E-FZ-11"), json={"application_id": a,
                                                                "choice": "for"})
    assert r.status_code == 409

    # secret ballot: the audit trail says who voted, never how
    cast = [e["entry"] for e in audit(api)["entries"] if e["entry"]["action"] == "ballot_cast"]
    assert cast and not any("for" in json.dumps(e["detail"]) or "choice" in json.dumps(e)
                            for e in cast)

    # N-8.6: posted, then final after 5 working days
    r = api.call("POST", f"/review/applications/{a}/result/final", sec)
    assert r.status_code == 409
    assert r.json()["problems"][0]["code"] == "RESULT_PUBLICITY_RUNNING"
    objection = post(api, f"/review/applications/{b}/result/objections", sec,
                     {"text": "申报人对评审结果有异议"}, status=201)
    set_clock(loaded, local(2019, 12, 3, 9))
    assert post(api, f"/review/applications/{a}/result/final", sec)["stage"] == "final"
    r = api.call("POST", f"/review/applications/{b}/result/final", sec)
    assert r.status_code == 409 and r.json()["problems"][0]["code"] == "RESULT_OBJECTION_OPEN"
    post(api, f"/review/cases/{objection['case']['id']}/close", sec,
         {"outcome": "经复核，计票无误，维持原结果", "upheld": False})
    assert post(api, f"/review/applications/{b}/result/final", sec)["outcome"] == "failed"
    case = post(api, f"/review/applications/{b}/cases", sec,
                {"kind": "recheck", "text": "申请复查"}, status=201)
    assert case["owner"] == "S-01" and case["deadline"] > "2019-12-03"
    # D-4, R-6.1: the committee's list, as a spreadsheet for the office
    from openpyxl import load_workbook

    out = loaded.log_dir.parent / "results.xlsx"
    loaded.titles("export", "results", "--org", COMMITTEE, "--format", "xlsx", "--out", str(out),
                  service="review")
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    header = rows[0]
    listed = {r[header.index("application_id")]: r for r in rows[1:]}
    assert listed[a][header.index("outcome")] == "passed"
    assert listed[b][header.index("votes_for")] == 5
    # intake learned both stages of the result (RESULT_PUBLISHED)
    api.wait_for(f"/applications/{a}/history", me_a, lambda h: [
        e["action"] for e in h].count("result_published") == 2)


def test_paper_delivery_inside_the_window_and_the_checklist(loaded, accepted_pair):
    """R-2.2: a delivery on 2019-11-21 is late and refused; R-5.1/R-5.2: items (1)–(6) are
    received, (7)–(11) checked against the originals and handed back."""
    api = loaded.api
    sec = secretary(api)
    (a, _), _ = accepted_pair
    set_clock(loaded, local(2019, 11, 21, 9))
    r = api.call("POST", "/review/paper-deliveries", sec,
                 json={"unit_id": MACHINERY, "application_ids": [a]})
    assert r.status_code == 409 and r.json()["code"] == "PAPER_DELIVERY_LATE"
    set_clock(loaded, local(2019, 11, 5, 10))
    post(api, "/review/paper-deliveries", sec, {"unit_id": MACHINERY, "application_ids": [a]},
         status=201)
    r = api.call("PUT", f"/review/applications/{a}/paper/7", sec, json={"state": "verified"})
    assert r.status_code == 409 and r.json()["code"] == "PAPER_TRANSITION_INVALID"
    for n in range(1, 11):
        r = api.call("PUT", f"/review/applications/{a}/paper/{n}", sec, json={"state": "received"})
        assert r.status_code == 200, r.text
    for n in range(7, 11):
        checklist = api.call("PUT", f"/review/applications/{a}/paper/{n}", sec,
                             json={"state": "verified"}).json()
    assert [p["field"] for p in checklist["problems"]] == ["items.11"]
    checklist = api.call("PUT", f"/review/applications/{a}/paper/11", sec,
                         json={"state": "waived"}).json()
    assert checklist["problems"] == []


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
    original = json.dumps(target["entry"], ensure_ascii=False)
    edited = json.dumps({**target["entry"], "actor": "someone-else"}, ensure_ascii=False)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit SET entry = CAST(:e AS json) WHERE seq = :s"),
                         {"e": edited, "s": target["seq"]})
        broken = loaded.titles("audit", "verify", service="review", check=False)
        assert broken.returncode == 1
        problems = json.loads(broken.stdout)["problems"]
        assert [p["code"] for p in problems] == ["AUDIT_CHAIN_BROKEN"]
        assert problems[0]["field"] == f"entries.{entries.index(target)}"
        assert audit(api)["verification"]["problems"][0]["code"] == "AUDIT_CHAIN_BROKEN"
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit SET entry = CAST(:e AS json) WHERE seq = :s"),
                         {"e": original, "s": target["seq"]})
        engine.dispose()
    assert loaded.titles("audit", "verify", service="review", check=False).returncode == 0
    exported = loaded.titles("audit", "export", "--format", "csv", service="review")
    assert exported.stdout.splitlines()[0].startswith("seq,at,actor")
