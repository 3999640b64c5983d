"""After the committee accepted: meetings, recusals and the secret 2/3 ballot (N-8.2..N-8.4),
results posted then final, objections and cases (N-8.6, N-8.7), the committee's list (D-4,
R-6.1), and the paper materials delivered in their window and checked (R-2.2, R-5.1, R-5.2).
Both tests use the same two accepted applications (`accepted_pair`).

Helpers and the clock: tests/support/review_api.py.
"""
from __future__ import annotations

import json

import pytest

from tests.support.clock import set_clock
from tests.support.review_api import (COMMITTEE, MACHINERY, audit, expert, local, post, secretary,
                                      submitted, to_committee)
from tests.system.conftest import SEASON_NOW

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("season_clock")]


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
