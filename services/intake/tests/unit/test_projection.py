"""intake's handlers of review's events as units (nameko `worker_factory`) on in-memory SQLite:
review emits these events in parallel work, so intake's side is pinned here (contracts/events.py
is the contract; the lifecycle table itself is test_lifecycle.py)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from contracts import events
from intake import models as m
from services.intake.tests.unit.worker import (UNIT, call, create, get, history, returned,
                                               submitted, task_opened, token)
from tests.support import applications as apps


def test_a_return_shows_its_problems_and_a_late_task_does_not_undo_it(service, clock):
    app = submitted(service, clock)
    event = returned(app["id"])
    service.on_application_returned(event)
    service.on_application_returned(event)  # redelivered: handled once
    service.on_task_opened(task_opened(app["id"]))
    view = get(service, app["id"])
    assert view["status"] == "returned"
    assert view["last_return"]["submissions_left"] == 2
    assert view["last_return"]["problems"][0]["code"] == "UNCLEAR"
    assert [h.action for h in history(service, app["id"])].count("returned") == 1
    assert [h.actor for h in history(service, app["id"]) if h.action == "returned"] == ["P-C01"]


def test_step_decisions_publicity_and_results_are_shown(service, clock):
    app = submitted(service, clock)
    service.on_publicity_opened(events.make(
        events.PUBLICITY_OPENED, application_id=app["id"], season="2019", org_id=UNIT,
        starts_on="2019-10-16", ends_on="2019-10-22"))
    service.on_publicity_closed(events.make(
        events.PUBLICITY_CLOSED, application_id=app["id"], season="2019", org_id=UNIT,
        outcome="no_objection"))
    service.on_step_decided(events.make(
        events.STEP_DECIDED, application_id=app["id"], season="2019", task_id="t-1",
        step="unit", org_id=UNIT, decision="recommended", opinion="同意推荐",
        reviewer={"person_id": "P-U01"}, decided_at="2019-10-23T02:00:00+00:00",
        next_step="department"))
    service.on_result_published(events.make(
        events.RESULT_PUBLISHED, application_id=app["id"], season="2019", meeting_id="m-1",
        outcome="passed", stage="posted", until="2019-12-10"))
    view = get(service, app["id"])
    assert view["publicity"] == {"org_id": UNIT, "starts_on": "2019-10-16",
                                 "ends_on": "2019-10-22", "outcome": "no_objection"}
    assert view["current_step"]["decision"] == "recommended"
    assert view["result"]["stage"] == "posted" and view["status"] != "passed"
    service.on_result_published(events.make(
        events.RESULT_PUBLISHED, application_id=app["id"], season="2019", meeting_id="m-1",
        outcome="passed", stage="final", until=None))
    assert get(service, app["id"])["status"] == "passed"
    decided = [h for h in history(service, app["id"]) if h.action == "step_decided"]
    assert decided[0].actor == "P-U01" and decided[0].detail["opinion"] == "同意推荐"


def test_a_refusal_at_a_step_ends_the_application(service, clock):
    app = submitted(service, clock)
    service.on_step_decided(events.make(
        events.STEP_DECIDED, application_id=app["id"], season="2019", task_id="t-1",
        step="unit", org_id=UNIT, decision="refused", opinion="公示有异议",
        reviewer={"person_id": "P-U01"}, decided_at="2019-10-23T02:00:00+00:00",
        next_step=None))
    assert get(service, app["id"])["status"] == "refused"
    status, problem = call(service, "withdraw", "POST", "/x", token(), None, app["id"])
    assert (status, problem["code"]) == (409, "NOT_WITHDRAWABLE")


def test_sanctions_bar_the_person_by_id_number_and_the_unit(service, clock):
    body = apps.body(UNIT)
    first = create(service, body)
    service.on_sanction_imposed(events.make(
        events.SANCTION_IMPOSED, sanction_id="s-1", subject="person",
        application_id=first["id"], applicant_id="p-1", unit_id=UNIT, starts_on="2019-10-15",
        until="2024-10-14", reason="弄虚作假"))
    service.on_sanction_imposed(events.make(
        events.SANCTION_IMPOSED, sanction_id="s-2", subject="unit", application_id=None,
        applicant_id=None, unit_id="unit-bad", starts_on="2019-10-15", until="2022-10-14",
        reason="营私舞弊"))
    call(service, "withdraw", "POST", "/x", token(), None, first["id"])
    status, problem = call(service, "create_application", "POST", "/applications",
                           token("p-9"), body)
    assert (status, problem["code"]) == (422, "PERSON_BARRED")
    status, problem = call(service, "create_application", "POST", "/applications",
                           token("p-8"), apps.body("unit-bad"))
    assert (status, problem["code"]) == (422, "UNIT_BARRED")
    clock.now = datetime(2024, 10, 15, 2, tzinfo=timezone.utc)  # the person's bar has ended
    with service.db.session() as s:
        bars = s.execute(select(m.bars)).all()
    assert {(b.subject, str(b.until)) for b in bars} == {("person", "2024-10-14"),
                                                         ("unit", "2022-10-14")}
