"""The committee's returns and supplements, end to end through the intake API: a return lists
every problem and spends a submission, the third may not be returned and there is no fourth
(R-4.4, N-8.5); a supplement request gives 48 hours from the applicant being told, and the
sweep of two review instances abandons a late one exactly once (R-4.5); the 48 hours start at
the delivery notify reports, or 24 hours after the ask when nothing reaches the applicant, and
a committee's return for changes has them too (tests/system/test_review_told.py).

Helpers and the clock: tests/support/review_api.py.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from tests.support.clock import set_clock
from tests.support.review_api import (COMMITTEE, MACHINERY, actions_for, local, post, review_view,
                                      secretary, submitted, to_committee, wait_review,
                                      wait_started)

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("season_clock")]


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
            assert req["deadline"] is None  # the 48 hours run from being told
        for app_id, _ in apps:  # notify delivers at once: the clock starts (about) now
            view = wait_review(api, app_id, sec,
                               lambda v: v["supplement_requests"][0]["deadline"] is not None)
            deadline = datetime.fromisoformat(view["supplement_requests"][0]["deadline"])
            assert abs(deadline - (asked + timedelta(hours=48))) < timedelta(seconds=30)
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
