"""intake's entrypoints and its handlers of review's events as units (nameko `worker_factory`),
on an in-memory database: review emits these events in parallel work, so intake's side is
pinned here (contracts/events.py is the contract)."""
from __future__ import annotations

import copy
import json
import time
from datetime import datetime, timedelta, timezone
from unittest.mock import Mock

import jwt
import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from contracts import events
from intake import models as m
from intake.service import IntakeService
from plumbing.config import ROOT
from tests.support import applications as apps
from contracts.errors import Refusal
from plumbing.rpc import RpcTimeout
from tests.support.clock import SettableClock
from tests.support.stores import sqlite_store

KEY = "unit-test-secret-at-least-32-bytes-long!"
CONFIG = {"JWT_KEY": KEY, "JWT_ALGORITHMS": "HS256", "JWT_AUDIENCE": "titles",
          "PII_KEY": "ZGV2LW9ubHktcGlpLWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=",
          "MAX_UPLOAD_BYTES": 1024 * 1024}
UNIT = apps.UNIT


@pytest.fixture
def clock():
    return SettableClock(datetime(2019, 10, 15, 2, 0, tzinfo=timezone.utc))  # inside


@pytest.fixture
def service(clock):
    svc = worker_factory(IntakeService, db=sqlite_store(m.metadata, "intake"), clock=clock,
                         config=CONFIG, review=Mock(), storage=Mock())
    svc.load_season((ROOT / "seasons" / "2019.yaml").read_text("utf-8"))
    return svc


def token(sub="p-1", role="applicant", org=UNIT):
    claims = {"sub": sub, "role": role, "aud": "titles", "exp": int(time.time()) + 600}
    if org:
        claims["org"] = org
    return jwt.encode(claims, KEY, algorithm="HS256")


def call(service, entrypoint, method, path, tok=None, body=None, *args, data=None):
    headers = {"Authorization": f"Bearer {tok}"} if tok else {}
    builder = EnvironBuilder(method=method, path=path, headers=headers,
                             **({"json": body} if body is not None else {}),
                             **({"data": data} if data is not None else {}))
    response = getattr(service, entrypoint)(Request(builder.get_environ()), *args)
    return response.status_code, json.loads(response.get_data())


def create(service, body=None, sub="p-1"):
    status, view = call(service, "create_application", "POST", "/applications", token(sub),
                        body or apps.body(UNIT))
    assert status == 201, view
    return view


def accept_all_attachments(service, app_id, body, clock):
    with service.db.transaction() as tx:
        for i, (section, kind) in enumerate(apps.required_attachments(body)):
            tx.session.execute(m.attachments.insert().values(
                id=f"{app_id[:8]}-{i}", application_id=app_id, section=section, kind=kind,
                object_key=f"2019/{app_id}/{i}.jpg", status="accepted", reasons=[],
                created_at=clock.now))


def submitted(service, clock, sub="p-1"):
    body = apps.body(UNIT)
    view = create(service, body, sub)
    accept_all_attachments(service, view["id"], body, clock)
    status, done = call(service, "submit", "POST", "/x", token(sub), None, view["id"])
    assert status == 202, done
    return done


def get(service, app_id, sub="p-1"):
    return call(service, "get_application", "GET", "/x", token(sub), None, app_id)[1]


def outbox(service):
    with service.db.session() as s:
        return [r.payload | {"_type": r.event_type}
                for r in s.execute(select(m.metadata.tables["outbox"])).all()]


def history(service, app_id):
    with service.db.session() as s:
        return s.execute(select(m.history).where(m.history.c.application_id == app_id)
                         .order_by(m.history.c.id)).all()


REVIEWER = {"person_id": "P-C01", "name": "评委会办公室", "email": "c@example.org",
            "phone": "", "channel": "email"}


def returned(app_id, used=1):
    return events.make(events.APPLICATION_RETURNED, application_id=app_id, season="2019",
                       step="committee", problems=[{"code": "UNCLEAR", "message": "不清晰"}],
                       submissions_used=used, submissions_left=3 - used, reviewer=REVIEWER)


# ---- creation and submission -------------------------------------------------------------------

def test_the_id_number_is_stored_sealed_and_found_by_its_keyed_hash(service):
    body = apps.body(UNIT)
    plain = body["sections"]["basic"]["id_number"]
    view = create(service, body)
    with service.db.session() as s:
        row = s.execute(select(m.applications)).one()
    assert row.sections["basic"]["id_number"] == plain[:6] + "********" + plain[-4:]
    assert plain not in row.id_number_sealed and len(row.person_hash) == 64
    assert view["sections"]["basic"]["id_number"] == plain  # its owner sees it
    staff = call(service, "get_application", "GET", "/x", token("u", "unit_reviewer"), None,
                 view["id"])[1]
    assert staff["sections"]["basic"]["id_number"] != plain
    # one active application per person and season, even from another account
    status, problem = call(service, "create_application", "POST", "/applications",
                           token("p-2"), body)
    assert (status, problem["code"]) == (422, "APPLICATION_EXISTS")


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


def test_aid_staff_are_reviewed_first_by_their_dispatching_unit(service):
    view = create(service, apps.aid_staff_body())
    assert view["unit_id"] == apps.DISPATCHING_UNIT and view["own_unit_id"] == UNIT


# ---- PATCH -------------------------------------------------------------------------------------

def test_patch_refuses_unknown_fields_and_long_texts_all_at_once_and_changes_nothing(service):
    view = create(service)
    status, problem = call(service, "patch_application", "PATCH", "/x", token(), {
        "colour": "red", "season": "2020",
        "sections": {"summary": {"text": "总" * 3001}, "basic": {"phone": 13912345678}}},
        view["id"])
    assert status == 422
    assert {(p["code"], p.get("field")) for p in problem["problems"]} == {
        ("UNKNOWN_FIELD", "colour"), ("FIELD_READ_ONLY", "season"),
        ("SUMMARY_TOO_LONG", "sections.summary.text"), ("WRONG_TYPE", "sections.basic.phone")}
    assert get(service, view["id"]) == view


def test_patch_saves_part_of_a_section_and_rechecks_eligibility(service):
    view = create(service)
    status, saved = call(service, "patch_application", "PATCH", "/x", token(),
                         {"sections": {"summary": {"text": "新的总结"}}}, view["id"])
    assert status == 200 and saved["sections"]["summary"]["text"] == "新的总结"
    assert saved["sections"]["basic"] == view["sections"]["basic"]
    status, problem = call(service, "patch_application", "PATCH", "/x", token(),
                           {"level": "chief_engineer"}, view["id"])
    assert (status, problem["code"]) == (422, "LEVEL_NOT_OPEN")


# ---- review's events ---------------------------------------------------------------------------

def test_a_return_shows_its_problems_and_a_late_task_does_not_undo_it(service, clock):
    app = submitted(service, clock)
    event = returned(app["id"])
    service.on_application_returned(event)
    service.on_application_returned(event)  # redelivered: handled once
    service.on_task_opened(events.make(
        events.TASK_OPENED, application_id=app["id"], season="2019", task_id="t-1",
        step="unit", org_id=UNIT, org_name="单位", reviewers=[]))
    view = get(service, app["id"])
    assert view["status"] == "returned"
    assert view["last_return"]["submissions_left"] == 2
    assert view["last_return"]["problems"][0]["code"] == "UNCLEAR"
    assert [h.action for h in history(service, app["id"])].count("returned") == 1
    assert [h.actor for h in history(service, app["id"]) if h.action == "returned"] == ["P-C01"]


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


def test_withdraw_tells_review_and_events_after_it_leave_it_withdrawn(service, clock):
    app = submitted(service, clock)
    status, view = call(service, "withdraw", "POST", "/x", token(), None, app["id"])
    assert (status, view["status"]) == (200, "withdrawn")
    assert [e["_type"] for e in outbox(service)][-1] == "application_withdrawn"
    service.on_application_returned(returned(app["id"]))
    assert get(service, app["id"])["status"] == "withdrawn"


# ---- access ------------------------------------------------------------------------------------

def test_staff_scope_is_asked_of_review_for_department_committee_and_expert(service):
    view = create(service)
    service.review.visible.return_value = True
    status, _ = call(service, "get_application", "GET", "/x",
                     token("d", "department_reviewer", "dept-urumqi"), None, view["id"])
    assert status == 200
    service.review.visible.assert_called_with("department_reviewer", "dept-urumqi", view["id"])
    service.review.visible.return_value = False
    status, _ = call(service, "get_application", "GET", "/x",
                     token("e", "expert", "eng_textile"), None, view["id"])
    assert status == 404
    assert call(service, "get_application", "GET", "/x", token("a", "admin", None), None,
                view["id"])[0] == 200
    assert call(service, "get_application", "GET", "/x",
                token("u", "unit_reviewer", "unit-other"), None, view["id"])[0] == 404


def test_staff_scope_when_review_is_silent_answers_504_and_when_it_refuses_404(service):
    view = create(service)
    service.review.visible.side_effect = RpcTimeout("UPSTREAM_TIMEOUT", "review 未响应",
                                                    status=504)
    status, body = call(service, "get_application", "GET", "/x",
                        token("d", "department_reviewer", "dept-urumqi"), None, view["id"])
    assert (status, body["code"]) == (504, "UPSTREAM_TIMEOUT")
    service.review.visible.side_effect = Refusal("ORG_UNKNOWN", "未知机构")
    status, body = call(service, "get_application", "GET", "/x",
                        token("d", "department_reviewer", "dept-nowhere"), None, view["id"])
    assert (status, body["code"]) == (404, "NOT_FOUND")


# ---- admin -------------------------------------------------------------------------------------

def test_a_wrong_season_file_is_refused_with_every_error(service):
    text = (ROOT / "seasons" / "2020-example.yaml").read_text("utf-8")
    status, body = call(service, "put_season", "PUT", "/x", token("a", "admin", None), None,
                        "2020-example", data=text.encode())
    assert status == 200 and body["season"] == "2020-example"
    broken = text.replace("time_zone: Asia/Shanghai", "time_zone: Mars/Olympus").replace(
        "submission_cap: 3", "submission_cap: zero")
    status, body = call(service, "put_season", "PUT", "/x", token("a", "admin", None), None,
                        "2020-example", data=broken.encode())
    assert status == 422 and body["code"] == "SEASON_INVALID"
    assert {p["field"] for p in body["problems"]} >= {"time_zone", "limits.submission_cap"}
    status, body = call(service, "put_season", "PUT", "/x", token("a", "admin", None), None,
                        "2031", data=text.encode())
    assert (status, body["code"]) == (422, "SEASON_ID_MISMATCH")
    assert call(service, "put_season", "PUT", "/x", token(), None, "2031",
                data=text.encode())[0] == 403


def test_copy_of_body_is_untouched_by_create(service):
    body = apps.body(UNIT)
    before = copy.deepcopy(body)
    create(service, body)
    assert body == before


def test_the_database_refuses_a_second_active_application_that_slipped_past_the_check(service):
    """Two creations at once both find no active application; the partial unique index
    (migration 0003) lets one through and the other is refused as APPLICATION_EXISTS."""
    body = apps.body(UNIT)
    create(service, body)
    service._active_applications = lambda *args, **kwargs: 0  # the race: the check saw nothing
    status, problem = call(service, "create_application", "POST", "/applications",
                           token("p-2"), body)
    assert (status, problem["code"]) == (422, "APPLICATION_EXISTS")
    with service.db.session() as s:
        assert len(s.execute(select(m.applications)).all()) == 1


def test_lists_show_each_caller_its_own_scope(service):
    mine = create(service, sub="p-1")
    create(service, apps.body("unit-changji-textile"), sub="p-2")
    assert [a["id"] for a in call(service, "list_applications", "GET", "/x", token("p-1"))[1]] \
        == [mine["id"]]
    unit = call(service, "list_applications", "GET", "/x", token("u", "unit_reviewer"))[1]
    assert [a["id"] for a in unit] == [mine["id"]] and "sections" not in unit[0]
    assert len(call(service, "list_applications", "GET", "/x", token("a", "admin", None))[1]) == 2
    assert call(service, "list_applications", "GET", "/x", token("e", "expert", "c"))[0] == 403


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


def test_a_2020_like_season_works_with_no_code_change(service, clock):
    """Issue #3: next year's notice is a new season file: its window, years and levels apply."""
    from contracts.season import load_season
    from tests.support.applications import example_application

    text = (ROOT / "seasons" / "2020-example.yaml").read_text("utf-8")
    assert call(service, "put_season", "PUT", "/x", token("a", "admin", None), None,
                "2020-example", data=text.encode())[0] == 200
    season = load_season(text)
    body = example_application(season)
    body["sections"]["basic"]["id_number"] = apps.id_number()
    body.update(series="economics", specialty="commercial_economics", level="economist")
    view = create(service, body)  # 经济师 opens in the example season only
    assert view["seniority"]["cut_off"] == "2020-12-31"
    forms = next(r for r in view["required_attachments"] if r["kind"] == "assessment_form")
    assert forms["min_count"] == 3 and "2017年—2019年" in forms["label_zh"]
    accept_all_attachments(service, view["id"], body, clock)  # same kinds and counts in 2020
    status, problem = call(service, "submit", "POST", "/x", token(), None, view["id"])
    assert (status, problem["code"]) == (422, "WINDOW_CLOSED")  # still 2019-10-15
    clock.now = datetime(2020, 9, 20, 2, 0, tzinfo=timezone.utc)
    status, done = call(service, "submit", "POST", "/x", token(), None, view["id"])
    assert status == 202, done
