"""Review's events that were unit-tested only, now end to end through the intake API on the real
broker and database: the applicant's withdrawal (撤回) stops every open task and clock, and the
sweep tells a unit's HR office before the paper-materials window (R-2.2) closes.

Helpers: tests/support/review_api.py (one way to drive review through the API).
"""
from __future__ import annotations

import time

import pytest

from tests.support.clock import set_clock
from tests.support.review_api import (MACHINERY, TEXTILE, actions_for, local, post, review_view,
                                      secretary, submitted, to_committee, wait_review)

pytestmark = pytest.mark.system

HR_TEXTILE = "hr.textile@example.org"  # deploy/sample/organisations.yaml, the unit's HR contact


def test_withdrawal_closes_open_tasks_and_stops_the_supplement_clock(loaded):
    """APPLICATION_WITHDRAWN: the open committee task ends (decision `withdrawn`), the open
    supplement request (R-4.5) is withdrawn so the 48-hour sweep never abandons it, nobody can
    decide on it any more, and the withdrawal is on the audit trail (R-4.1)."""
    api = loaded.api
    app_id, me = submitted(loaded, MACHINERY, "rv-withdraw-1")
    to_committee(loaded, app_id, MACHINERY)
    sec = secretary(api)
    asked = local(2019, 10, 24, 9)
    set_clock(loaded, asked)
    post(api, f"/review/applications/{app_id}/supplement-requests", sec,
         {"items": ["补充2018年度考核表原件扫描件"]}, status=201)
    api.wait_for(f"/applications/{app_id}", me, lambda b: b["status"] == "supplement_requested")

    assert post(api, f"/applications/{app_id}/withdraw", me)["status"] == "withdrawn"
    view = wait_review(api, app_id, sec, lambda v: v["status"] == "withdrawn")
    assert [t["status"] for t in view["tasks"]] == ["done"] * len(view["tasks"])
    assert view["tasks"][-1]["decision"] == "withdrawn"
    assert [r["status"] for r in view["supplement_requests"]] == ["withdrawn"]
    r = api.call("POST", f"/review/applications/{app_id}/accept", sec)
    assert r.status_code == 409 and r.json()["code"] == "APPLICATION_CLOSED"

    set_clock(loaded, local(2019, 10, 26, 10))  # past the 48 hours: the sweep runs every 5 s
    time.sleep(12)
    assert review_view(api, app_id, sec)["status"] == "withdrawn"
    actions = actions_for(api, app_id)
    assert actions.count("withdrawn") == 1 and "abandoned" not in actions


def test_paper_delivery_due_reaches_the_unit_hr_office_before_the_window_closes(loaded):
    """R-2.2, R-5.1: an accepted application whose paper materials are not delivered: in the
    last days of the window the sweep sends PAPER_DELIVERY_DUE once, and notify emails the
    unit's HR contact; earlier in the window nothing is sent."""
    api, mailbox = loaded.api, loaded.mailbox

    def paper_mails():
        return [m for m in mailbox.to(HR_TEXTILE) if "纸质材料" in str(m["Subject"])]

    app_id, _ = submitted(loaded, TEXTILE, "rv-paperdue-1")
    to_committee(loaded, app_id, TEXTILE)
    assert post(api, f"/review/applications/{app_id}/accept", secretary(api))["decision"] \
        == "accepted"
    before = len(paper_mails())
    set_clock(loaded, local(2019, 11, 10, 10))  # inside the window, not yet in its last days
    time.sleep(8)
    assert len(paper_mails()) == before

    set_clock(loaded, local(2019, 11, 18, 10))  # the window closes at the end of 11-20
    deadline = time.time() + 60
    while time.time() < deadline and len(paper_mails()) == before:
        time.sleep(0.5)
    mails = paper_mails()
    assert len(mails) == before + 1, "no paper-delivery reminder reached the unit's HR office"
    body = mails[-1].get_body(preferencelist=("plain", "html")).get_content()
    assert "昌吉示例纺织有限公司" in body
    time.sleep(8)  # more sweeps: still one reminder for this unit and season
    assert len(paper_mails()) == before + 1
