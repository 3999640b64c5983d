"""The HTTP edge as a browser frontend meets it, through the running services: CORS for the
configured origin (preflight included), OPTIONS and 405 with `Allow`, problem details for every
route the API does not serve, PDF names that cannot break a header, and staff bodies checked
before they reach review (issue #12)."""
from __future__ import annotations

from urllib.parse import quote, unquote

import pytest

from tests.support.review_api import MACHINERY, admin, secretary, submitted, unit_token
from tests.system.conftest import FRONTEND_ORIGIN

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("season_clock")]

PROBLEM = "application/problem+json"


def test_cors_answers_the_configured_origin_only_and_its_preflight(loaded):
    api = loaded.api
    ok = api.call("GET", "/health", headers={"Origin": FRONTEND_ORIGIN})
    assert ok.headers["Access-Control-Allow-Origin"] == FRONTEND_ORIGIN
    assert "Content-Disposition" in ok.headers["Access-Control-Expose-Headers"]
    assert "Origin" in ok.headers["Vary"]
    other = api.call("GET", "/health", headers={"Origin": "https://evil.example.com"})
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers

    refused = api.call("GET", "/applications", headers={"Origin": FRONTEND_ORIGIN})
    assert refused.status_code == 401  # the frontend can read the problem too
    assert refused.headers["Access-Control-Allow-Origin"] == FRONTEND_ORIGIN

    pre = api.call("OPTIONS", "/applications", headers={
        "Origin": FRONTEND_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert pre.status_code == 204 and pre.content == b""
    assert pre.headers["Access-Control-Allow-Origin"] == FRONTEND_ORIGIN
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]
    upload = api.call("OPTIONS", "/applications/x/attachments/basic/photo", headers={
        "Origin": FRONTEND_ORIGIN, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "x-filename, content-type, authorization"})
    assert "PUT" in upload.headers["Access-Control-Allow-Methods"]
    foreign = api.call("OPTIONS", "/applications", headers={
        "Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"})
    assert foreign.status_code == 204
    assert not any(h.startswith("Access-Control-Allow") for h in foreign.headers)


def test_options_405_and_unknown_routes_answer_problem_details_not_html(loaded):
    api = loaded.api
    options = api.call("OPTIONS", "/applications/00000000-0000-0000-0000-000000000000/submit")
    assert options.status_code == 204
    assert set(options.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}

    wrong = api.call("DELETE", "/applications")
    assert wrong.status_code == 405 and wrong.headers["Content-Type"] == PROBLEM
    assert set(wrong.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}
    assert wrong.json()["code"] == "METHOD_NOT_ALLOWED"

    for path in ("/applications/x/versions/-1", "/applications/x/versions/one",
                 "/review/applications/x/paper/-3", "/no/such/thing", "/applications/x/submit/extra"):
        r = api.call("GET", path)
        assert r.status_code == 404, path
        assert r.headers["Content-Type"] == PROBLEM and r.json()["code"] == "ROUTE_UNKNOWN", path
    assert api.call("OPTIONS", "/no/such/thing").status_code == 404


@pytest.mark.parametrize("org", ["单位-乌鲁木齐", "unit%0Aline", "a\"b;c"])
def test_a_printed_list_for_any_organisation_id_has_a_header_that_holds(loaded, org):
    """The id goes into the file name: a non-ASCII id dropped the connection (UnicodeEncodeError
    in the WSGI header) and %0A answered 500; now both answer the PDF, named per RFC 6266."""
    api = loaded.api
    raw = unquote(org)
    r = api.call("GET", f"/review/units/{quote(raw, safe='')}/paper-delivery-list.pdf?season=2019",
                 admin(api))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    disposition = r.headers["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition
    assert disposition.startswith("inline; filename=\"")
    clean = raw.replace("\n", "")
    if not clean.isascii() or '"' in clean:
        star = disposition.split("filename*=UTF-8''", 1)[1]
        assert unquote(star) == f"delivery_list-2019-{clean}.pdf"


def test_staff_bodies_are_checked_before_they_reach_review(loaded):
    """`{"application_ids":[{"a":1}]}` answered 500 and `{"problems":[null]}` returned the
    application with the problem "None", spending a submission: both are refused whole."""
    api = loaded.api
    r = api.call("POST", "/review/meetings", secretary(api),
                 json={"application_ids": [{"a": 1}], "attending": ["E-HG-01"]})
    assert r.status_code == 422 and r.headers["Content-Type"] == PROBLEM
    assert [(p["code"], p["field"]) for p in r.json()["problems"]] == [
        ("WRONG_TYPE", "application_ids.0")]

    app_id, me = submitted(loaded, MACHINERY, "api-edge-return")
    unit = unit_token(api, MACHINERY)
    for bad, field in (({"problems": [None]}, "problems.0"),
                       ({"problems": [{"message": "缺材料", "extra": 1}]}, "problems.0.extra"),
                       ({"problems": []}, "problems"),
                       ({"problems": [{"message": "缺材料"}], "reason": ["x"]}, "reason")):
        r = api.call("POST", f"/review/applications/{app_id}/return", unit, json=bad)
        assert r.status_code == 422, (bad, r.text)
        assert field in [p["field"] for p in r.json()["problems"]], (bad, r.text)
    unknown = api.call("POST", f"/review/applications/{app_id}/return", unit,
                       json={"problems": [{"message": "缺材料"}], "note": "x"}).json()
    assert unknown["code"] == "UNKNOWN_FIELD" and "problems、reason" in unknown["message"]
    view = api.call("GET", f"/applications/{app_id}", me).json()
    assert (view["status"], view["submission_count"], view["submissions_left"]) == (
        "in_review", 1, 2)
    assert view["last_return"] is None

    r = api.call("GET", "/review/tasks?status=closed", unit)
    assert r.status_code == 400 and r.json()["code"] == "PARAMETER_INVALID"


def test_unknown_fields_of_the_form_name_the_fields_that_exist(loaded):
    api = loaded.api
    me = api.token("api-edge-unknown", org=MACHINERY)
    from tests.support.applications import create
    app = create(api, me)
    r = api.call("PATCH", f"/applications/{app['id']}", me,
                 json={"sections": {"work_history": {"entries": [{"start_date": "2010-01-01"}]}}})
    assert r.status_code == 422
    problem = r.json()["problems"][0]
    assert (problem["code"], problem["field"]) == (
        "UNKNOWN_FIELD", "sections.work_history.entries.0.start_date")
    assert "start、end、unit、post、witness" in problem["message"]
