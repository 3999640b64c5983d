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
    """R-1.5: a person by the ID hash of the application the fraud was in, a unit by its id;
    barred through `last_barred_on`, free the day after."""
    body = apps.body(UNIT)
    first = create(service, body)
    service.on_sanction_imposed(events.make(
        events.SANCTION_IMPOSED, sanction_id="s-1", subject="person",
        application_id=first["id"], applicant_id="p-1", unit_id=UNIT, person_key=None,
        series=body["series"], level=body["level"], starts_on="2019-10-15",
        last_barred_on="2024-10-14", reason="弄虚作假"))
    service.on_sanction_imposed(events.make(
        events.SANCTION_IMPOSED, sanction_id="s-2", subject="unit", application_id=None,
        applicant_id=None, unit_id="unit-bad", person_key=None, series=None, level=None,
        starts_on="2019-10-15", last_barred_on="2022-10-14", reason="营私舞弊"))
    call(service, "withdraw", "POST", "/x", token(), None, first["id"])
    status, problem = call(service, "create_application", "POST", "/applications",
                           token("p-9"), body)
    assert (status, problem["code"]) == (422, "PERSON_BARRED")
    status, problem = call(service, "create_application", "POST", "/applications",
                           token("p-8"), apps.body("unit-bad"))
    assert (status, problem["code"]) == (422, "UNIT_BARRED")
    assert "2022年10月14日（含）不得申报，2022年10月15日起可以申报" in problem["message"]
    with service.db.session() as s:
        bars = s.execute(select(m.bars)).all()
    assert {(b.subject, str(b.last_barred_on)) for b in bars} == {("person", "2024-10-14"),
                                                                  ("unit", "2022-10-14")}
    clock.now = datetime(2024, 10, 14, 15, 59, tzinfo=timezone.utc)  # 23:59 the last day
    status, problem = call(service, "create_application", "POST", "/applications",
                           token("p-9"), body)
    assert (status, problem["code"]) == (422, "PERSON_BARRED")
    clock.now = datetime(2024, 10, 14, 16, 0, tzinfo=timezone.utc)  # 00:00 the first free day
    status, created = call(service, "create_application", "POST", "/applications",
                           token("p-9"), body)
    assert status == 201, created


def test_a_sanction_event_sent_before_the_contract_named_the_last_day_is_read_right(service):
    """An event of the older contract carries `until`, review's first free day."""
    service.on_sanction_imposed({**events.make(
        events.SANCTION_IMPOSED, sanction_id="s-old", subject="unit", application_id=None,
        applicant_id=None, unit_id="unit-bad", person_key=None, series=None, level=None,
        starts_on="2019-10-15", last_barred_on="x", reason="营私舞弊"),
        "last_barred_on": None, "until": "2022-10-15"})
    with service.db.session() as s:
        bar = s.execute(select(m.bars)).one()
    assert str(bar.last_barred_on) == "2022-10-14"


def test_a_draft_opened_for_another_level_cannot_be_turned_into_the_barred_title(service):
    """R-1.5 相应职称: the person is barred from senior_engineer only; a draft for engineer opens,
    and changing its level to the barred one is refused (PERSON_BARRED), nothing saved."""
    body = apps.body(UNIT)  # engineering, senior_engineer
    first = create(service, body, sub="p-scope")
    service.on_sanction_imposed(events.make(
        events.SANCTION_IMPOSED, sanction_id="s-scope", subject="person",
        application_id=first["id"], applicant_id="p-scope", unit_id=UNIT, person_key=None,
        series="engineering", level="senior_engineer", starts_on="2019-10-15",
        last_barred_on="2024-10-14", reason="弄虚作假"))
    call(service, "withdraw", "POST", "/x", token("p-scope"), None, first["id"])
    other = create(service, {**body, "level": "engineer"}, sub="p-scope-2")
    status, problem = call(service, "patch_application", "PATCH", "/x", token("p-scope-2"),
                           {"level": "senior_engineer"}, other["id"])
    assert (status, [p["code"] for p in problem["problems"]]) == (422, ["PERSON_BARRED"])
    assert get(service, other["id"], "p-scope-2")["level"] == "engineer"
