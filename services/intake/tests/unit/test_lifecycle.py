"""intake's lifecycle as a table (intake/lifecycle.py): every event against every status, written
out here once more by hand, then the same table through the handlers of review's events and the
applicant's entrypoints, on the SQLite store of the unit tests. The late `task_opened` beside a
return (commit de71fba) is one row of it."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from contracts import events
from intake import models as m
from intake.lifecycle import (ATTACHMENT, CLOSED, EDITABLE, LIFECYCLE, SUBMITTABLE,
                              AttachmentStatus, Status)
from services.intake.tests.unit.worker import (REVIEWER, UNIT, call, create, get, returned,
                                               submitted, task_opened, token)

DRAFT, SUBMITTED, IN_REVIEW, RETURNED, SUPPLEMENT = (
    "draft", "submitted", "in_review", "returned", "supplement_requested")
OPEN = (DRAFT, SUBMITTED, IN_REVIEW, RETURNED, SUPPLEMENT)
ENDED = ("withdrawn", "abandoned", "refused", "passed", "failed")

# event → {from: to}; a status not listed does not move
EXPECTED = {
    "edit": {DRAFT: DRAFT, RETURNED: RETURNED, SUPPLEMENT: SUPPLEMENT},
    "submit": {DRAFT: SUBMITTED, RETURNED: SUBMITTED},
    "answer_supplement": {SUPPLEMENT: IN_REVIEW},
    "withdraw": dict.fromkeys(OPEN, "withdrawn"),
    "task_opened": {SUBMITTED: IN_REVIEW, IN_REVIEW: IN_REVIEW},  # never undoes a return
    "step_refused": dict.fromkeys(OPEN, "refused"),
    "application_returned": dict.fromkeys(OPEN, RETURNED),
    "supplement_requested": dict.fromkeys(OPEN, SUPPLEMENT),
    "application_abandoned": dict.fromkeys(OPEN, "abandoned"),
    "result_passed": dict.fromkeys(OPEN, "passed"),
    "result_failed": dict.fromkeys(OPEN, "failed"),
}


def test_the_statuses_and_events_are_the_expected_ones():
    assert {s.value for s in Status} == set(OPEN + ENDED)
    assert set(LIFECYCLE.events) == set(EXPECTED)


@pytest.mark.parametrize("event, status", itertools.product(EXPECTED, [s.value for s in Status]))
def test_every_event_against_every_status(event, status):
    assert LIFECYCLE.next(event, status) == EXPECTED[event].get(status)


def test_closed_editable_and_submittable_come_from_the_table():
    assert set(CLOSED) == set(ENDED)
    assert set(EDITABLE) == {DRAFT, RETURNED, SUPPLEMENT}
    assert set(SUBMITTABLE) == {DRAFT, RETURNED}


@pytest.mark.parametrize("event, status", itertools.product(
    ("confirm", "accepted", "rejected", "flagged"), [s.value for s in AttachmentStatus]))
def test_every_attachment_event_against_every_attachment_status(event, status):
    expected = {("confirm", "awaiting_upload"): "checking", ("accepted", "checking"): "accepted",
                ("rejected", "checking"): "rejected", ("flagged", "checking"): "flagged"}
    assert ATTACHMENT.next(event, status) == expected.get((event, status))


# ---- through the handlers ----------------------------------------------------------------------

def force(service, app_id, status):
    """Put an application in `status` as if its history had led there."""
    with service.db.transaction() as tx:
        tx.session.execute(update(m.applications).where(m.applications.c.id == app_id)
                           .values(status=status))


def status_of(service, app_id):
    with service.db.session() as s:
        return s.execute(select(m.applications.c.status)
                         .where(m.applications.c.id == app_id)).scalar()


def step_decided(app_id, decision):
    return events.make(events.STEP_DECIDED, application_id=app_id, season="2019",
                       task_id="t-1", step="unit", org_id=UNIT, decision=decision,
                       opinion="意见", reviewer={"person_id": "P-U01"},
                       decided_at="2019-10-23T02:00:00+00:00", next_step=None)


def result(app_id, outcome, stage):
    return events.make(events.RESULT_PUBLISHED, application_id=app_id, season="2019",
                       meeting_id="m-1", outcome=outcome, stage=stage,
                       until="2019-12-10" if stage == "posted" else None)


# handler, the payload for an application, the table's event (None: never moves the status)
REVIEW_EVENTS = {
    "task_opened": ("on_task_opened", task_opened, "task_opened"),
    "refused": ("on_step_decided", lambda a: step_decided(a, "refused"), "step_refused"),
    "recommended": ("on_step_decided", lambda a: step_decided(a, "recommended"), None),
    "returned": ("on_application_returned", returned, "application_returned"),
    "supplement": ("on_supplement_requested", lambda a: events.make(
        events.SUPPLEMENT_REQUESTED, application_id=a, season="2019", request_id="r-1",
        items=["x"], deadline="2019-10-17T02:00:00+00:00", reviewer=REVIEWER),
        "supplement_requested"),
    "abandoned": ("on_application_abandoned", lambda a: events.make(
        events.APPLICATION_ABANDONED, application_id=a, season="2019", request_id="r-1",
        deadline="2019-10-17T02:00:00+00:00"), "application_abandoned"),
    "passed": ("on_result_published", lambda a: result(a, "passed", "final"), "result_passed"),
    "failed": ("on_result_published", lambda a: result(a, "failed", "final"), "result_failed"),
    "posted": ("on_result_published", lambda a: result(a, "passed", "posted"), None),
    "publicity": ("on_publicity_opened", lambda a: events.make(
        events.PUBLICITY_OPENED, application_id=a, season="2019", org_id=UNIT,
        starts_on="2019-10-16", ends_on="2019-10-22"), None),
}


@pytest.mark.parametrize("name, status", itertools.product(REVIEW_EVENTS,
                                                          [s.value for s in Status]))
def test_each_handler_moves_the_status_as_the_table_says(service, name, status):
    handler, payload, event = REVIEW_EVENTS[name]
    app = create(service)
    force(service, app["id"], status)
    getattr(service, handler)(payload(app["id"]))
    expected = EXPECTED[event].get(status, status) if event else status
    assert status_of(service, app["id"]) == expected


@pytest.mark.parametrize("first", ["task_opened", "returned"])
def test_a_late_task_opened_beside_a_return_leaves_the_application_returned(
        service, clock, first):
    """Whichever of the two is handled first, the return stands (commit de71fba)."""
    app = submitted(service, clock)
    handlers = {"task_opened": lambda: service.on_task_opened(task_opened(app["id"])),
                "returned": lambda: service.on_application_returned(returned(app["id"]))}
    handlers[first]()
    handlers["returned" if first == "task_opened" else "task_opened"]()
    view = get(service, app["id"])
    assert view["status"] == "returned"
    assert view["current_step"]["task_id"] == "t-1"  # the task is recorded all the same


def test_a_late_task_opened_leaves_a_supplement_request_standing(service, clock):
    app = submitted(service, clock)
    service.on_supplement_requested(REVIEW_EVENTS["supplement"][1](app["id"]))
    service.on_task_opened(task_opened(app["id"]))
    assert get(service, app["id"])["status"] == "supplement_requested"


# ---- through the applicant's entrypoints --------------------------------------------------------

@pytest.mark.parametrize("status", [s.value for s in Status])
def test_editing_is_allowed_only_where_the_table_lists_edit(service, status):
    app = create(service)
    force(service, app["id"], status)
    code, body = call(service, "patch_application", "PATCH", "/x", token(),
                      {"sections": {"other": {"remarks": "补充说明"}}}, app["id"])
    if status in EXPECTED["edit"]:
        assert code == 200 and body["status"] == status
    else:
        assert (code, body["code"]) == (409, "NOT_EDITABLE")


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_withdrawing_is_allowed_until_the_application_is_closed(service, status):
    app = create(service)
    force(service, app["id"], status)
    code, body = call(service, "withdraw", "POST", "/x", token(), None, app["id"])
    if status in EXPECTED["withdraw"]:
        assert (code, body["status"]) == (200, "withdrawn")
    else:
        assert (code, body["code"]) == (409, "NOT_WITHDRAWABLE")


@pytest.mark.parametrize("status", [s.value for s in Status if s.value not in (DRAFT, RETURNED)])
def test_submitting_is_refused_where_the_table_does_not_list_submit(service, status):
    app = create(service)
    force(service, app["id"], status)
    code, body = call(service, "submit", "POST", "/x", token(), None, app["id"])
    assert (code, body["code"]) == (409, "NOT_SUBMITTABLE")


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_a_supplement_is_answered_only_when_one_was_requested(service, clock, status):
    app = submitted(service, clock)
    service.on_supplement_requested(events.make(
        events.SUPPLEMENT_REQUESTED, application_id=app["id"], season="2019", request_id="r-1",
        items=["x"], deadline=(clock.now + timedelta(hours=48)).isoformat(), reviewer=REVIEWER))
    force(service, app["id"], status)
    code, body = call(service, "submit_supplement", "POST", "/x", token(), None, app["id"])
    if status in EXPECTED["answer_supplement"]:
        assert (code, body["status"]) == (202, "in_review")
    else:
        assert (code, body["code"]) == (409, "NO_SUPPLEMENT_REQUESTED")


def test_a_confirmed_attachment_cannot_be_confirmed_again(service):
    app = create(service)
    service.storage.presigned_post.return_value = {"url": "http://s3", "fields": {}}
    service.storage.stat.return_value.size = 1000
    code, presigned = call(service, "presign_attachment", "POST", "/x", token(), None,
                           app["id"], "basic", "photo")
    assert code == 201 and presigned["attachment"]["status"] == "awaiting_upload"
    attachment_id = presigned["attachment"]["id"]
    code, confirmed = call(service, "confirm_attachment", "POST", "/x", token(), None,
                           app["id"], attachment_id)
    assert (code, confirmed["status"]) == (200, "checking")
    code, again = call(service, "confirm_attachment", "POST", "/x", token(), None,
                       app["id"], attachment_id)
    assert (code, again["code"]) == (409, "ALREADY_CONFIRMED")
    service.on_attachment_checked(events.make(
        events.ATTACHMENT_CHECKED, application_id=app["id"], attachment_id=attachment_id,
        verdict="flagged", reasons=[{"code": "DUPLICATE", "message": "重复"}]))
    shown = next(a for a in get(service, app["id"])["attachments"] if a["id"] == attachment_id)
    assert (shown["status"], shown["reasons"][0]["code"]) == ("flagged", "DUPLICATE")
    assert shown["checked_at"].startswith("2019-10-15T02:00:00")
