"""intake's submissions as units (nameko `worker_factory`) on in-memory SQLite: submitting with
every problem at once, resubmitting after a return up to the cap, answering a supplement request
within its deadline, withdrawing, and the frozen versions (fixtures in conftest.py, helpers in
worker.py)."""
from __future__ import annotations

from datetime import timedelta

from contracts import events
from services.intake.tests.unit.worker import (REVIEWER, UNIT, call, create, get, outbox,
                                               returned, submitted, token)
from tests.support import applications as apps


def test_submit_emits_every_contract_field_with_the_applicant_contact(service, clock):
    done = submitted(service, clock)
    sent = [e for e in outbox(service) if e["_type"] == "application_submitted"]
    assert len(sent) == 1
    event = sent[0]
    events.validate(events.APPLICATION_SUBMITTED, event)
    basic = apps.body()["sections"]["basic"]
    assert event["applicant"] == {"person_id": "p-1", "name": basic["name"],
                                  "email": basic["email"], "phone": basic["phone"],
                                  "channel": "sms"}
    assert (event["kind"], event["submission_no"], event["version"]) == ("first", 1, 1)
    assert event["unit_id"] == UNIT
    assert "*" in event["snapshot"]["sections"]["basic"]["id_number"]
    assert done["submissions_left"] == 2


def test_submit_lists_every_problem_at_once_and_changes_nothing(service, clock):
    body = apps.body(UNIT)
    body["sections"]["summary"]["text"] = "无"
    del body["sections"]["other"]
    view = create(service, body)
    status, problem = call(service, "submit", "POST", "/x", token(), None, view["id"])
    assert status == 422
    found = {(p["code"], p.get("field")) for p in problem["problems"]}
    assert ("FIELD_REQUIRED", "sections.other") in found
    assert ("ATTACHMENT_MISSING", "attachments.basic.id_card") in found
    assert ("ATTACHMENT_MISSING", "attachments.assessments.assessment_form") in found
    assert outbox(service) == [] and get(service, view["id"])["status"] == "draft"


def test_resubmission_after_a_return_and_the_fourth_is_refused(service, clock):
    app = submitted(service, clock)
    for used in (1, 2):
        service.on_application_returned(returned(app["id"], used))
        status, view = call(service, "submit", "POST", "/x", token(), None, app["id"])
        assert status == 202 and view["submission_count"] == used + 1
    service.on_application_returned(returned(app["id"], 3))
    status, problem = call(service, "submit", "POST", "/x", token(), None, app["id"])
    assert (status, problem["code"]) == (422, "SUBMISSION_CAP_REACHED")
    kinds = [e["kind"] for e in outbox(service) if e["_type"] == "application_submitted"]
    assert kinds == ["first", "resubmission", "resubmission"]


def test_supplement_is_answered_before_the_deadline_and_not_counted(service, clock):
    app = submitted(service, clock)
    deadline = (clock.now + timedelta(hours=48)).isoformat()
    service.on_supplement_requested(events.make(
        events.SUPPLEMENT_REQUESTED, application_id=app["id"], season="2019",
        request_id="r-1", items=["补充2018年度考核表"], deadline=deadline, reviewer=REVIEWER))
    view = get(service, app["id"])
    assert view["status"] == "supplement_requested"
    assert view["supplement"]["deadline"] == deadline
    assert view["supplement"]["items"] == ["补充2018年度考核表"]
    clock.now += timedelta(hours=47)
    status, answered = call(service, "submit_supplement", "POST", "/x", token(), None, app["id"])
    assert status == 202, answered
    assert answered["submission_count"] == 1 and answered["status"] == "in_review"
    sent = [e for e in outbox(service) if e["_type"] == "application_submitted"]
    assert [(e["kind"], e["version"], e["submission_no"]) for e in sent] == [
        ("first", 1, 1), ("supplement", 2, 1)]


def test_supplement_after_the_deadline_is_refused(service, clock):
    app = submitted(service, clock)
    service.on_supplement_requested(events.make(
        events.SUPPLEMENT_REQUESTED, application_id=app["id"], season="2019",
        request_id="r-1", items=["x"], deadline=(clock.now + timedelta(hours=48)).isoformat(),
        reviewer=REVIEWER))
    clock.now += timedelta(hours=48, seconds=1)
    status, problem = call(service, "submit_supplement", "POST", "/x", token(), None, app["id"])
    assert (status, problem["code"]) == (409, "SUPPLEMENT_DEADLINE_PASSED")
    service.on_application_abandoned(events.make(
        events.APPLICATION_ABANDONED, application_id=app["id"], season="2019",
        request_id="r-1", deadline="x"))
    assert get(service, app["id"])["status"] == "abandoned"


def test_withdraw_tells_review_and_events_after_it_leave_it_withdrawn(service, clock):
    app = submitted(service, clock)
    status, view = call(service, "withdraw", "POST", "/x", token(), None, app["id"])
    assert (status, view["status"]) == (200, "withdrawn")
    assert [e["_type"] for e in outbox(service)][-1] == "application_withdrawn"
    service.on_application_returned(returned(app["id"]))
    assert get(service, app["id"])["status"] == "withdrawn"


def test_versions_and_their_diff_for_the_owner_and_a_missing_version(service, clock):
    app = submitted(service, clock)
    service.on_application_returned(returned(app["id"]))
    call(service, "patch_application", "PATCH", "/x", token(),
         {"sections": {"other": {"remarks": "补充说明"}}}, app["id"])
    assert call(service, "submit", "POST", "/x", token(), None, app["id"])[0] == 202
    status, diff = call(service, "diff", "GET", "/x", token(), None, app["id"], 1, 2)
    assert status == 200
    assert {"field": "sections.other.remarks", "before": "无", "after": "补充说明"} in diff["changes"]
    for missing in (3, 0, 10 ** 30):
        status, problem = call(service, "get_version", "GET", "/x", token(), None, app["id"],
                               missing)
        assert (status, problem["code"]) == (404, "VERSION_NOT_FOUND")
