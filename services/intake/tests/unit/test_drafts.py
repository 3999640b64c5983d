"""intake's applicant and access entrypoints as units (nameko `worker_factory`) on in-memory
SQLite: opening a draft, saving part of it, who sees what, and the season files an administrator
loads (fixtures in conftest.py, helpers in worker.py)."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

from sqlalchemy import select

from contracts.errors import Refusal
from intake import applications, models as m
from plumbing.config import ROOT
from plumbing.rpc import RpcTimeout
from services.intake.tests.unit.worker import (UNIT, accept_all_attachments, call, create, get,
                                               token)
from tests.support import applications as apps
from tests.support.applications import example_application


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


def test_aid_staff_are_reviewed_first_by_their_dispatching_unit(service):
    view = create(service, apps.aid_staff_body())
    assert view["unit_id"] == apps.DISPATCHING_UNIT and view["own_unit_id"] == UNIT


def test_copy_of_body_is_untouched_by_create(service):
    body = apps.body(UNIT)
    before = copy.deepcopy(body)
    create(service, body)
    assert body == before


def test_the_database_refuses_a_second_active_application_that_slipped_past_the_check(
        service, monkeypatch):
    """Two creations at once both find no active application; the partial unique index
    (migration 0003) lets one through and the other is refused as APPLICATION_EXISTS."""
    body = apps.body(UNIT)
    create(service, body)
    # the race: the check saw nothing
    monkeypatch.setattr(applications.store, "active_applications", lambda *args, **kwargs: 0)
    status, problem = call(service, "create_application", "POST", "/applications",
                           token("p-2"), body)
    assert (status, problem["code"]) == (422, "APPLICATION_EXISTS")
    assert "problems" not in problem  # the index refused it, not the check
    with service.db.session() as s:
        assert len(s.execute(select(m.applications)).all()) == 1


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


def test_lists_show_each_caller_its_own_scope(service):
    mine = create(service, sub="p-1")
    create(service, apps.body("unit-changji-textile"), sub="p-2")
    assert [a["id"] for a in call(service, "list_applications", "GET", "/x", token("p-1"))[1]] \
        == [mine["id"]]
    unit = call(service, "list_applications", "GET", "/x", token("u", "unit_reviewer"))[1]
    assert [a["id"] for a in unit] == [mine["id"]] and "sections" not in unit[0]
    assert len(call(service, "list_applications", "GET", "/x", token("a", "admin", None))[1]) == 2
    assert call(service, "list_applications", "GET", "/x", token("e", "expert", "c"))[0] == 403


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


def test_a_2020_like_season_works_with_no_code_change(service, clock):
    """Issue #3: next year's notice is a new season file: its window, years and levels apply."""
    from contracts.season import load_season

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
