"""Issue #3 "Done when": the complete application of the 2019 notice through intake's API.

An engineering senior applicant (local unit, title obtained in another province) and an aid-staff
applicant (the dispatching unit reviews first, R-3.5) go from nothing to submitted with every
required attachment; each refusal shows its code. Review's part (returns, sanctions) is played
by publishing its events to the broker exactly as review would (contracts/events.py).
"""
from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest
from nameko.standalone.events import event_dispatcher

from contracts import events
from plumbing.config import ROOT
from tests.support import applications as apps
from tests.support.images import scan_jpeg

pytestmark = pytest.mark.system

UNIT = apps.UNIT


@pytest.fixture(scope="module")
def loaded(system, broker_uri):
    admin = system.api.token("admin-1", role="admin")
    season = (ROOT / "seasons" / "2019.yaml").read_text("utf-8")
    r = system.api.call("PUT", "/admin/seasons/2019", admin, data=season.encode(),
                        headers={"Content-Type": "application/yaml"})
    assert r.status_code == 200, r.text
    system.titles("load-orgs", str(ROOT / "deploy" / "sample" / "organisations.yaml"),
                  service="review")
    system.publish = review_publisher(broker_uri)
    return system


def review_publisher(amqp_uri):
    """Publish an event as review does: exchange `review.events`, routing key its name."""
    dispatch = event_dispatcher({"AMQP_URI": amqp_uri})

    def publish(event: events.EventType, **fields):
        payload = events.make(event, **fields)
        dispatch(event.source, event.name, payload)
        return payload
    return publish


def codes(response) -> set[tuple[str, str | None]]:
    body = response.json()
    return {(p["code"], p.get("field")) for p in body.get("problems") or [body]}


def kinds(view) -> list[tuple[str, str]]:
    return [(r["section"], r["kind"]) for r in view["required_attachments"]]


def test_engineering_senior_from_another_province_is_submitted_with_every_attachment(loaded):
    api = loaded.api
    me = api.token("eng-senior-1", org=UNIT, name="王工", email="wang@example.org")
    app = apps.body(UNIT, level="senior_engineer", specialty="mechanical_electronic")
    app["sections"]["qualification"].update(obtained_in_xinjiang=False,
                                            approving_body="江苏省人力资源和社会保障厅")
    created = apps.create(api, me, app)
    path = f"/applications/{created['id']}"
    assert created["status"] == "draft"
    assert created["unit_id"] == UNIT
    assert created["submissions_left"] == 3
    # 2013-12-20 to the cut-off 2019-12-31 is 6 years and 0 months
    assert created["seniority"] == {"years": 6, "months": 0, "label_zh": "6年0个月",
                                    "cut_off": "2019-12-31"}
    # a title obtained outside Xinjiang also needs its approval document and form
    for needed in (("qualification", "title_certificate"),
                   ("qualification", "qualification_document"),
                   ("qualification", "evaluation_form")):
        assert needed in kinds(created)
    # the owner sees the ID number in clear; the unit's reviewer only masked
    assert created["sections"]["basic"]["id_number"] == app["sections"]["basic"]["id_number"]
    reviewer = api.token("P-U01", role="unit_reviewer", org=UNIT)
    seen = api.call("GET", path, reviewer).json()
    assert "*" in seen["sections"]["basic"]["id_number"]

    required = apps.required_attachments(app)
    held_back = ("qualification", "evaluation_form")
    uploaded = {}
    for section, kind in required:
        if (section, kind) == held_back:
            continue
        if kind == "photo":  # a PNG named .jpg: documents rejects it
            png = _png()
            r = api.call("PUT", f"{path}/attachments/{section}/{kind}", me, data=png,
                         headers={"Content-Type": "image/jpeg", "X-Filename": "photo.jpg"})
            assert r.status_code == 201, r.text
            uploaded[kind] = r.json()
            continue
        apps.upload(api, me, created["id"], section, kind)
    api.wait_for(path, me, lambda b: all(a["status"] != "checking" for a in b["attachments"]),
                 timeout=90)

    # a missing and a rejected attachment: both at once (N-8.5), nothing frozen
    r = api.call("POST", f"{path}/submit", me)
    assert r.status_code == 422, r.text
    assert ("ATTACHMENT_MISSING", "attachments.qualification.evaluation_form") in codes(r)
    assert ("ATTACHMENT_REJECTED", "attachments.basic.photo") in codes(r)
    photo = next(a for a in api.call("GET", path, me).json()["attachments"]
                 if a["kind"] == "photo")
    assert photo["status"] == "rejected" and photo["reasons"]
    assert api.call("GET", f"{path}/versions", me).json() == []

    # replace the photo (the old one is superseded) and add the missing form
    r = api.call("PUT", f"{path}/attachments/basic/photo?replaces={photo['id']}", me,
                 data=apps.attachment_image("photo"), headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text
    apps.upload(api, me, created["id"], *held_back)
    api.wait_for(path, me, lambda b: all(a["status"] != "checking" for a in b["attachments"]),
                 timeout=60)
    r = api.call("POST", f"{path}/submit", me)
    assert r.status_code == 202, r.text
    done = r.json()
    assert done["status"] == "submitted"
    assert done["submission_count"] == 1 and done["submissions_left"] == 2
    old = next(a for a in done["attachments"] if a["id"] == photo["id"])
    assert old["superseded_by"]

    versions = api.call("GET", f"{path}/versions", me).json()
    assert [(v["version"], v["kind"]) for v in versions] == [(1, "first")]
    frozen = api.call("GET", f"{path}/versions/1", me).json()["snapshot"]
    assert "*" in frozen["sections"]["basic"]["id_number"]  # never in clear in a version
    assert photo["id"] not in [a["id"] for a in frozen["attachments"]]
    history = [h["action"] for h in api.call("GET", f"{path}/history", me).json()]
    assert history[0] == "created" and "submitted" in history


def test_aid_staff_is_submitted_for_the_dispatching_unit(loaded):
    api = loaded.api
    me = api.token("aid-staff-1", org=UNIT, name="钱援疆")
    app = apps.aid_staff_body()
    created = apps.create(api, me, app)
    assert created["unit_id"] == apps.DISPATCHING_UNIT  # it reviews first
    assert created["own_unit_id"] == UNIT
    assert ("other", "dispatching_approval") in kinds(created)
    apps.upload_all(api, me, created["id"], app)
    r = api.call("POST", f"/applications/{created['id']}/submit", me)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "submitted"
    # review opens the dispatching unit's task; its reviewer (not the local unit's) sees it
    path = f"/applications/{created['id']}"
    done = api.wait_for(path, me, lambda b: b["status"] == "in_review", timeout=60)
    assert done["current_step"]["org_id"] == apps.DISPATCHING_UNIT
    dispatcher = api.token("P-U04", role="unit_reviewer", org=apps.DISPATCHING_UNIT)
    assert api.call("GET", path, dispatcher).status_code == 200
    local = api.token("P-U01", role="unit_reviewer", org=UNIT)
    assert api.call("GET", path, local).status_code == 404


def _summary_3001(app):
    app["sections"]["summary"]["text"] = "总" * 3001


def _blank_name(app):
    app["sections"]["basic"]["name"] = "  "


def _bad_id(app):
    good = app["sections"]["basic"]["id_number"]
    app["sections"]["basic"]["id_number"] = good[:17] + ("0" if good[17] != "0" else "1")


def _economist(app):  # economics opens only 高级经济师 in 2019
    app.update(series="economics", specialty="industrial_economics", level="economist")


@pytest.mark.parametrize("spoil, expected", [
    (_blank_name, ("FIELD_BLANK", "sections.basic.name")),
    (_bad_id, ("ID_NUMBER_INVALID", "sections.basic.id_number")),
    (_summary_3001, ("SUMMARY_TOO_LONG", "sections.summary.text")),
    (_economist, ("LEVEL_NOT_OPEN", "level")),
], ids=["blank field", "bad ID number", "summary of 3001 characters", "ineligible level"])
def test_refusals_at_opening_have_their_code_and_change_nothing(loaded, spoil, expected):
    api = loaded.api
    me = api.token(f"refused-{expected[0].lower()}", org=UNIT)
    app = apps.body(UNIT)
    spoilt = copy.deepcopy(app)
    spoil(spoilt)
    r = api.call("POST", "/applications", me, json=spoilt)
    assert r.status_code == 422, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert expected in codes(r)
    # nothing was stored: the same person may open the valid application (one per season)
    assert api.call("POST", "/applications", me, json=app).status_code == 201


def test_barred_person_and_barred_unit_are_refused(loaded):
    api = loaded.api
    me = api.token("barred-1", org=UNIT)
    app = apps.body(UNIT)
    first = apps.create(api, me, app)
    loaded.publish(events.SANCTION_IMPOSED, sanction_id="s-person-1", subject="person",
                   application_id=first["id"], applicant_id="barred-1", unit_id=UNIT,
                   person_key=None, series=None, level=None, starts_on="2019-10-15",
                   last_barred_on="2024-10-14", reason="材料弄虚作假")
    loaded.publish(events.SANCTION_IMPOSED, sanction_id="s-unit-1", subject="unit",
                   application_id=None, applicant_id=None, unit_id="unit-barred-example",
                   person_key=None, series=None, level=None, starts_on="2019-10-15",
                   last_barred_on="2022-10-14", reason="单位营私舞弊")
    api.wait_for(f"/applications/{first['id']}/history", me,
                 lambda h: "sanction_imposed" in [e["action"] for e in h])
    assert api.call("POST", f"/applications/{first['id']}/withdraw", me).status_code == 200

    # the same ID number, even under another platform account, 5 years
    again = api.token("barred-1-again", org=UNIT)
    r = api.call("POST", "/applications", again, json=app)
    assert r.status_code == 422, r.text
    assert ("PERSON_BARRED", None) in codes(r)

    # anyone of the barred unit, 3 years (the event may still be on its way)
    other = api.token("barred-unit-member", org="unit-barred-example")
    unit_app = apps.body("unit-barred-example")
    deadline = datetime.now(timezone.utc).timestamp() + 20
    while True:
        r = api.call("POST", "/applications", other, json=unit_app)
        if r.status_code == 422 or datetime.now(timezone.utc).timestamp() > deadline:
            break
        api.call("POST", f"/applications/{r.json()['id']}/withdraw", other)
    assert ("UNIT_BARRED", None) in codes(r)


def test_submission_outside_the_window_is_refused(loaded):
    api = loaded.api
    me = api.token("late-1", org=UNIT)
    app = apps.body(UNIT)
    created = apps.create(api, me, app)
    apps.upload_all(api, me, created["id"], app)
    saved = loaded.clock_file.read_text()
    # 2019-11-01 00:30 in Urumqi's official zone (Asia/Shanghai) is still 10-31 in UTC: closed
    after = datetime(2019, 10, 31, 16, 30, tzinfo=timezone.utc)
    loaded.clock_file.write_text(str((after - datetime.now(timezone.utc)).total_seconds()))
    try:
        r = api.call("POST", f"/applications/{created['id']}/submit", me)
    finally:
        loaded.clock_file.write_text(saved)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "WINDOW_CLOSED"
    assert api.call("GET", f"/applications/{created['id']}", me).json()["status"] == "draft"
    assert api.call("POST", f"/applications/{created['id']}/submit", me).status_code == 202


def test_fourth_submission_is_refused_and_versions_show_what_changed(loaded):
    api = loaded.api
    me = api.token("thrice-1", org=UNIT)
    submitted = apps.submit_complete(api, me, apps.body(UNIT))
    path = f"/applications/{submitted['id']}"
    for n in (1, 2, 3):
        loaded.publish(events.APPLICATION_RETURNED, application_id=submitted["id"],
                       season="2019", step="committee",
                       problems=[{"code": "UNCLEAR", "message": "业绩佐证材料不清晰",
                                  "field": "attachments.achievements.evidence"}],
                       submissions_used=n, submissions_left=3 - n,
                       reviewer={"person_id": "P-C01", "name": "评委会办公室"})
        returned = api.wait_for(path, me, lambda b: b["status"] == "returned")
        assert returned["last_return"]["submissions_left"] == 3 - n
        assert returned["last_return"]["problems"][0]["code"] == "UNCLEAR"
        if n == 3:
            break
        r = api.call("PATCH", path, me, json={"sections": {"summary": {
            "text": f"第{n + 1}次修改后的工作总结。"}}})
        assert r.status_code == 200, r.text
        r = api.call("POST", f"{path}/submit", me)
        assert r.status_code == 202, r.text
        assert r.json()["submissions_left"] == 3 - (n + 1)
    r = api.call("POST", f"{path}/submit", me)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "SUBMISSION_CAP_REACHED"

    versions = api.call("GET", f"{path}/versions", me).json()
    assert [v["kind"] for v in versions] == ["first", "resubmission", "resubmission"]
    diff = api.call("GET", f"{path}/versions/1/diff/2", me).json()
    assert {"field": "sections.summary.text",
            "before": "任现职以来，本人主要从事纺织工艺技术工作。",
            "after": "第2次修改后的工作总结。"} in diff["changes"]
    # the unit's reviewer may read the versions too
    reviewer = api.token("P-U01", role="unit_reviewer", org=UNIT)
    assert api.call("GET", f"{path}/versions/1/diff/2", reviewer).status_code == 200


def test_another_applicants_application_is_not_found(loaded):
    api = loaded.api
    me = api.token("owner-1", org=UNIT)
    mine = apps.create(api, me, apps.body(UNIT))
    other = api.token("nosy-1", org=UNIT)
    path = f"/applications/{mine['id']}"
    for method, suffix in (("GET", ""), ("PATCH", ""), ("POST", "/submit"),
                           ("GET", "/versions"), ("GET", "/history"), ("POST", "/withdraw")):
        r = api.call(method, path + suffix, other, json={} if method == "PATCH" else None)
        assert r.status_code == 404, (method, suffix, r.text)
        assert r.json()["code"] == "NOT_FOUND"
    r = api.call("PUT", f"{path}/attachments/basic/id_card", other, data=scan_jpeg(),
                 headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 404


def _png() -> bytes:
    import io

    from tests.support.images import text_page

    out = io.BytesIO()
    text_page((590, 826)).save(out, "PNG")
    return out.getvalue()


def test_presigned_upload_is_confirmed_then_checked(loaded):
    """The browser posts straight to the object store under a policy; intake then confirms."""
    import requests

    api = loaded.api
    me = api.token("presign-1", org=UNIT)
    created = apps.create(api, me, apps.body(UNIT))
    path = f"/applications/{created['id']}"
    r = api.call("POST", f"{path}/attachments/basic/id_card/uploads", me,
                 json={"filename": "身份证.jpg"})
    assert r.status_code == 201, r.text
    attachment, form = r.json()["attachment"], r.json()["upload"]
    assert attachment["status"] == "awaiting_upload"
    assert form["fields"]["Content-Type"] == "image/jpeg"
    confirm = f"{path}/attachments/{attachment['id']}/confirm"
    early = api.call("POST", confirm, me)
    assert (early.status_code, early.json()["code"]) == (409, "UPLOAD_NOT_FOUND")

    posted = requests.post(form["url"], data=form["fields"], timeout=30, files={
        "file": ("id.jpg", apps.attachment_image("id_card"), "image/jpeg")})
    assert posted.status_code in (200, 201, 204), posted.text
    r = api.call("POST", confirm, me)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "checking"
    checked = api.wait_for(path, me, lambda b: b["attachments"][0]["status"] != "checking")
    assert checked["attachments"][0]["status"] == "accepted", checked["attachments"]
    assert api.call("POST", confirm, me).json()["code"] == "ALREADY_CONFIRMED"


def test_bad_requests_are_problems_and_change_nothing(loaded):
    """Malformed JSON, an oversized body, wrong types, unknown fields, injection strings: a
    problem+json 4xx each, never a 5xx, and no application appears."""
    api = loaded.api
    me = api.token("bad-requests-1", org=UNIT)
    app = apps.body(UNIT)
    cases = [
        (b"{\"season\": \"2019\",", 400, "MALFORMED_JSON"),
        (b"[1, 2]", 400, "WRONG_TYPE"),
        (b"{\"season\": \"" + b"x" * (1024 * 1024 + 10) + b"\"}", 413, "BODY_TOO_LARGE"),
    ]
    for raw, status, code in cases:
        r = api.call("POST", "/applications", me, data=raw,
                     headers={"Content-Type": "application/json"})
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
        assert r.headers["Content-Type"].startswith("application/problem+json")
    wrong = copy.deepcopy(app)
    wrong["sections"]["basic"]["birth_date"] = 19850615
    wrong["sections"]["basic"]["nickname"] = "x"
    wrong["level"] = "' OR 1=1 --"
    r = api.call("POST", "/applications", me, json=wrong)
    assert r.status_code == 422, r.text
    assert {("WRONG_TYPE", "sections.basic.birth_date"), ("UNKNOWN_FIELD", "sections.basic.nickname"),
            ("LEVEL_NOT_OPEN", "level")} <= codes(r)
    assert api.call("GET", "/applications", me).json() == []
    # an injection string in a text field is only text
    app["sections"]["other"]["remarks"] = "'; DROP TABLE applications; -- <script>alert(1)</script>"
    created = apps.create(api, me, app)
    assert created["sections"]["other"]["remarks"] == app["sections"]["other"]["remarks"]
    assert [a["id"] for a in api.call("GET", "/applications", me).json()] == [created["id"]]
