"""R-4.5 「评审委员会审核申报人材料后，如告知申报人需要更改及补充的内容需在 48 小时内补充并提交」,
end to end (intake API, review, notify, the SMS stand-in and the mail sink, the controllable
clock): the 48 hours run from the first delivery notify reports (`notification_delivered`), not
from the committee's ask; when no channel reaches the applicant they start 24 hours after the
ask (review's fallback); a committee's return for changes has the same 48 hours and the sweep
abandons it.

Helpers and the clock: tests/support/review_api.py.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from tests.support.applications import body
from tests.support.clock import set_clock
from tests.support.review_api import (MACHINERY, local, post, review_view, secretary, submitted,
                                      to_committee, wait_review)

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("season_clock")]
H = timedelta(hours=1)


def reachable_by(email: str, phone: str, channel: str) -> dict:
    app = body(unit_id=MACHINERY)
    app["sections"]["basic"].update(email=email, phone=phone, contact_channel=channel)
    return app


def send_of(api, app_id, token, template, predicate, timeout=60.0) -> dict:
    deadline = time.time() + timeout
    found = []
    while time.time() < deadline:
        r = api.call("GET", f"/applications/{app_id}/notifications", token)
        assert r.status_code == 200, r.text
        found = [s for s in r.json() if s["template"] == template]
        if found and predicate(found[0]):
            return found[0]
        time.sleep(0.3)
    raise AssertionError(f"{template}: not as expected in time; last: {found}")


def request_of(api, app_id, sec) -> dict:
    return review_view(api, app_id, sec)["supplement_requests"][-1]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_r4_5_the_deadline_runs_from_the_delivery_or_the_fallback(loaded):
    api, sec = loaded.api, secretary(loaded.api)
    # one applicant reached only after three hours (SMS down, mail deferred, then resent), one
    # never reached at all
    late_id, late_me = submitted(loaded, MACHINERY, "told-late-1",
                                 reachable_by("told.late@deferred.invalid", "13900000201", "sms"))
    none_id, none_me = submitted(loaded, MACHINERY, "told-none-1",
                                 reachable_by("told.none@deferred.invalid", "13900000202", "sms"))
    for app_id in (late_id, none_id):
        to_committee(loaded, app_id, MACHINERY)
    asked = local(2019, 10, 24, 9)
    set_clock(loaded, asked)
    loaded.sms.stop()
    try:
        for app_id in (late_id, none_id):
            req = post(api, f"/review/applications/{app_id}/supplement-requests", sec,
                       {"items": ["补充2018年度考核表原件扫描件"]}, status=201)
            assert req["deadline"] is None
        late_send = send_of(api, late_id, late_me, "supplement_requested",
                            lambda s: s["status"] == "dead")
        send_of(api, none_id, none_me, "supplement_requested", lambda s: s["status"] == "dead")
        time.sleep(2)  # nothing was delivered: no clock started
        assert request_of(api, late_id, sec)["told_at"] is None
        assert request_of(api, none_id, sec)["told_at"] is None
        set_clock(loaded, asked + 3 * H)
    finally:
        loaded.sms.start()
    replayed = loaded.titles("deadletters", "replay", "notify", "--event-id",
                             late_send["send_id"], service="notify")
    assert late_send["send_id"] in replayed.stdout
    sent = send_of(api, late_id, late_me, "supplement_requested",
                   lambda s: s["status"] == "sent")
    delivered_at = at(sent["attempts"][-1]["at"])
    assert delivered_at - asked >= 3 * H  # told three hours after the ask
    view = wait_review(api, late_id, sec,
                       lambda v: v["supplement_requests"][-1]["deadline"] is not None)
    told = view["supplement_requests"][-1]
    assert told["told_by"] == "delivered"
    assert at(told["told_at"]) == delivered_at
    assert at(told["deadline"]) == delivered_at + 48 * H  # from the delivery, not the ask
    intake_view = api.wait_for(f"/applications/{late_id}", late_me,
                               lambda b: (b.get("supplement") or {}).get("deadline"))
    assert at(intake_view["supplement"]["deadline"]) == delivered_at + 48 * H
    assert request_of(api, none_id, sec)["told_at"] is None  # still inside the grace

    set_clock(loaded, asked + 25 * H)  # nobody reached the other one: the fallback
    view = wait_review(api, none_id, sec,
                       lambda v: v["supplement_requests"][-1]["deadline"] is not None)
    fallback = view["supplement_requests"][-1]
    # the ask plus 24 hours (the ask itself is the clock file's moment, give or take the
    # second it took the request to arrive)
    assert fallback["told_by"] == "fallback"
    assert abs(at(fallback["told_at"]) - (asked + 24 * H)) < timedelta(seconds=30)
    assert at(fallback["deadline"]) == at(fallback["told_at"]) + 48 * H

    set_clock(loaded, asked + 49 * H)  # 48 h after the ask: both still running
    time.sleep(6)  # a sweep or more
    assert review_view(api, late_id, sec)["status"] == "supplement_requested"
    set_clock(loaded, delivered_at + 48 * H + timedelta(minutes=1))
    wait_review(api, late_id, sec, lambda v: v["status"] == "abandoned", timeout=40)
    assert review_view(api, none_id, sec)["status"] == "supplement_requested"


def test_r4_5_a_committee_return_for_changes_has_48_hours_and_is_abandoned(loaded):
    """更改 as well as 补充: the return's notice starts the clock at its delivery; a
    resubmission after the deadline is refused and the sweep abandons the application."""
    api, sec = loaded.api, secretary(loaded.api)
    app_id, me = submitted(loaded, MACHINERY, "told-return-1",
                           reachable_by("told.return@example.org", "13900000203", "email"))
    to_committee(loaded, app_id, MACHINERY)
    asked = local(2019, 10, 24, 9)
    set_clock(loaded, asked)
    ret = post(api, f"/review/applications/{app_id}/return", sec,
               {"problems": [{"message": "缺少2018年度考核表", "field": "sections.assessments"}]})
    assert ret["request_id"]
    sent = send_of(api, app_id, me, "returned", lambda s: s["status"] == "sent")
    delivered_at = at(sent["attempts"][-1]["at"])
    view = wait_review(api, app_id, sec,
                       lambda v: v["supplement_requests"][-1]["deadline"] is not None)
    changes = view["supplement_requests"][-1]
    assert (changes["kind"], changes["told_by"]) == ("changes", "delivered")
    assert at(changes["deadline"]) == delivered_at + 48 * H
    mail = [m for m in loaded.mailbox.to("told.return@example.org")
            if "被退回" in str(m["Subject"])]
    assert mail and "48 小时内修改并提交" in mail[0].get_content()
    api.wait_for(f"/applications/{app_id}", me,
                 lambda b: (b.get("last_return") or {}).get("deadline"))
    set_clock(loaded, delivered_at + 48 * H + timedelta(minutes=1))
    r = api.call("POST", f"/applications/{app_id}/submit", me)
    assert r.status_code == 409 and r.json()["code"] == "CHANGES_DEADLINE_PASSED", r.text
    wait_review(api, app_id, sec, lambda v: v["status"] == "abandoned", timeout=40)
    api.wait_for(f"/applications/{app_id}", me, lambda b: b["status"] == "abandoned")
