"""R-4.5 「自告知之日起48小时内」 in intake: the deadline of a committee request arrives with
review's `deadline_started` (the applicant was told); until then an answer is not late; after
it, a supplement and the resubmission after a committee's return are refused."""
from __future__ import annotations

from datetime import timedelta

from contracts import events
from services.intake.tests.unit.worker import REVIEWER, call, get, submitted, token


def started(app_id, request_id, kind, told_at, hours=48):
    return events.make(events.DEADLINE_STARTED, application_id=app_id, season="2019",
                       request_id=request_id, kind=kind, items=["补充2018年度考核表"],
                       told_at=told_at.isoformat(), started_by="delivered",
                       deadline=(told_at + timedelta(hours=hours)).isoformat())


def test_r4_5_a_supplement_deadline_counts_from_being_told(service, clock):
    app = submitted(service, clock)
    asked = clock.now
    service.on_supplement_requested(events.make(
        events.SUPPLEMENT_REQUESTED, application_id=app["id"], season="2019",
        request_id="r-1", items=["补充2018年度考核表"], deadline=None, reviewer=REVIEWER))
    assert get(service, app["id"])["supplement"]["deadline"] is None
    told = asked + timedelta(hours=5)
    service.on_deadline_started(started(app["id"], "r-1", "supplement", told))
    view = get(service, app["id"])["supplement"]
    assert view["deadline"] == (told + timedelta(hours=48)).isoformat()
    clock.now = asked + timedelta(hours=52)  # 52 h after the ask, 47 h after being told
    status, answered = call(service, "submit_supplement", "POST", "/x", token(), None, app["id"])
    assert status == 202, answered


def test_r4_5_a_resubmission_after_the_committees_changes_deadline_is_refused(service, clock):
    app = submitted(service, clock)
    asked = clock.now
    service.on_application_returned(events.make(
        events.APPLICATION_RETURNED, application_id=app["id"], season="2019", step="committee",
        problems=[{"code": "RETURNED", "message": "缺少考核表"}], submissions_used=1,
        submissions_left=2, reviewer=REVIEWER, request_id="chg-1", hours=48))
    service.on_deadline_started(started(app["id"], "chg-1", "changes", asked))
    assert get(service, app["id"])["last_return"]["deadline"] == \
        (asked + timedelta(hours=48)).isoformat()
    clock.now = asked + timedelta(hours=48, seconds=1)
    status, problem = call(service, "submit", "POST", "/x", token(), None, app["id"])
    assert (status, problem["code"]) == (409, "CHANGES_DEADLINE_PASSED")
    clock.now = asked + timedelta(hours=48)  # at the deadline: in time
    status, view = call(service, "submit", "POST", "/x", token(), None, app["id"])
    assert status == 202 and view["submission_count"] == 2


def test_r4_5_a_deadline_for_another_request_changes_nothing(service, clock):
    app = submitted(service, clock)
    service.on_application_returned(events.make(
        events.APPLICATION_RETURNED, application_id=app["id"], season="2019", step="unit",
        problems=[{"code": "RETURNED", "message": "缺少考核表"}], submissions_used=1,
        submissions_left=2, reviewer=REVIEWER))
    service.on_deadline_started(started(app["id"], "someone-else", "changes", clock.now))
    assert get(service, app["id"])["last_return"].get("deadline") is None
    clock.now += timedelta(hours=100)
    status, view = call(service, "submit", "POST", "/x", token(), None, app["id"])
    assert status == 202
