"""A full journey through the running services, as the frontend makes it (issue #12): an
application submitted, posted by its unit, forwarded, accepted, voted on and passed; its result
posted and objected to. Every JSON answer on the way is walked against the OpenAPI document:
each `date-time` it declares is RFC 3339 with an offset, each `date` a date, and no string
anywhere is a time without one. At the end, the public page of the posted results (notice
六(三)) lists who passed, for a phone, without scripts."""
from __future__ import annotations

import re

import pytest

from tests.support.clock import set_clock
from tests.support.openapi_walk import (DATE, RFC3339, Recorder, formats, naive_times,
                                        operation_of, response_schema)
from tests.system.conftest import SEASON_NOW
from tests.support.applications import body
from tests.support.review_api import (MACHINERY, admin, dept_token, expert, local, post,
                                      secretary, submitted, through_unit, unit_token)

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("season_clock")]

# A committee of its own (建材): the passed result this journey posts stays out of the lists the
# other system tests print for the 纺织 committee.
COMMITTEE = "eng_building_materials"
EXPERTS = [f"E-JC-{i:02d}" for i in range(1, 11)]  # E-JC-07 works at the applicant's unit


def journey(loaded) -> tuple[str, str]:
    """From nothing to a posted, objected result; every read a frontend makes on the way."""
    api = loaded.api
    set_clock(loaded, SEASON_NOW)
    app_id, me = submitted(loaded, MACHINERY, "api-journey-1",
                           body(unit_id=MACHINERY, specialty="building_materials"))
    unit, sec = unit_token(api, MACHINERY), secretary(api, COMMITTEE)
    decided = through_unit(loaded, app_id, MACHINERY, local(2019, 10, 15, 10))
    while decided["next_step"] != "committee":  # every department above forwards
        decided = post(api, f"/review/applications/{app_id}/forward",
                       dept_token(api, decided["next_org_id"]), {"reason": "同意上报"})
    post(api, f"/review/applications/{app_id}/accept", sec)
    set_clock(loaded, local(2019, 11, 25, 9))
    meeting = post(api, "/review/meetings", sec, {"application_ids": [app_id],
                                                  "attending": EXPERTS}, status=201)
    for who in EXPERTS:
        if who != "E-JC-07":  # works at the applicant's unit: recused (N-8.4)
            post(api, f"/review/meetings/{meeting['id']}/ballots", expert(api, who, COMMITTEE),
                 {"application_id": app_id, "choice": "for"}, status=201)
    post(api, f"/review/meetings/{meeting['id']}/close", sec)
    post(api, f"/review/applications/{app_id}/result/objections", sec,
         {"text": "对评审结果有异议"}, status=201)
    api.wait_for(f"/applications/{app_id}", me, lambda b: b["result"] is not None)
    view = api.wait_for(f"/applications/{app_id}", me, lambda b: b["documents"], timeout=120)
    code = view["documents"][0]["verification_code"]
    reads = [(me, "/applications"), (me, f"/applications/{app_id}"),
             (me, f"/applications/{app_id}/history"), (me, f"/applications/{app_id}/versions"),
             (me, f"/applications/{app_id}/versions/1"),
             (me, f"/applications/{app_id}/versions/1/diff/1"),
             (me, f"/applications/{app_id}/notifications"), (unit, "/review/tasks"),
             (unit, "/applications?season=2019"), (sec, f"/review/applications/{app_id}"),
             (sec, f"/review/applications/{app_id}/paper"), (admin(api), "/admin/audit"),
             (None, "/seasons"), (None, f"/verify/{code}"),
             (None, "/public/seasons/2019/results")]
    for token, path in reads:
        assert api.call("GET", path, token).status_code == 200, path
    return app_id, me


@pytest.fixture(scope="module")
def journeyed(loaded):
    """The journey, once for the module, with every answer recorded."""
    recorder = Recorder(loaded.api.call)
    loaded.api.call = recorder.call
    try:
        journey(loaded)
    finally:
        del loaded.api.call  # the class's own again
    return recorder


def test_every_time_in_every_answer_of_a_full_journey_has_its_offset(journeyed):
    checked, operations = 0, set()
    recorder = journeyed
    for answer in recorder.answers:
        found = operation_of(answer.method, answer.path)
        assert found is not None, (answer.method, answer.path)
        template, operation = found
        operations.add(operation["operationId"])
        assert not list(naive_times(answer.body)), (template, list(naive_times(answer.body)))
        schema = response_schema(operation, answer.status, answer.content_type)
        assert schema is not None, (template, answer.status, answer.content_type)
        for path, kind, value in formats(schema, answer.body):
            pattern = RFC3339 if kind == "date-time" else DATE
            assert pattern.fullmatch(value), (template, path, kind, value)
            checked += 1
    assert checked > 100 and len(operations) >= 20, (checked, sorted(operations))


def test_the_public_results_page_lists_who_passed_during_the_publicity(loaded, journeyed):
    api = loaded.api
    set_clock(loaded, local(2019, 11, 26, 10))
    results = api.call("GET", "/public/seasons/2019/results").json()
    committee = next(c for c in results["committees"] if c["id"] == COMMITTEE)
    assert committee["until"] == "2019-12-02" and committee["name"]
    passed = {p["application_no"]: p for p in committee["passed"]}
    assert passed and all(set(p) == {"name", "specialty", "title", "application_no"}
                          for p in passed.values())  # nothing else of a person

    page = api.call("GET", "/public/seasons/2019/results",
                    headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "<script" not in page.text.lower() and "评审通过人员公示" in page.text
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert all(p["name"] in page.text for p in passed.values())
    assert re.search(r'name="viewport" content="width=device-width', page.text)

    set_clock(loaded, local(2019, 12, 3, 10))  # the publicity has ended: nothing posted
    after = api.call("GET", "/public/seasons/2019/results").json()
    assert not any(c["id"] == COMMITTEE and set(passed) & {p["application_no"] for p in c["passed"]}
                   for c in after["committees"])
