"""Review's route, end to end through the intake API on the real broker and database: level by
level from the unit to the committee (R-4.3), the unit publicity in working days over the
National Day holidays and make-up working days (R-2.3), and the unit's recommendation after it
(R-4.2).

Time is moved by writing `system.clock_file` (tests/support/review_api.py); every test puts it
back to the season's "now" (the `season_clock` fixture). The unit's and departments' actions
fall inside the season's review window (R-2.1, 申报及审核时间 10-10..10-31): a publicity cannot
open over the National Day holidays before it, nor any unit or department act after it.
"""
from __future__ import annotations

from datetime import date

import pytest
import yaml

from plumbing.config import ROOT

from tests.support.clock import set_clock
from tests.support.review_api import (COMMITTEE, MACHINERY, OPINION, TEXTILE, actions_for, admin,
                                      dept_token, local, post, review_view, secretary, submitted,
                                      through_unit, unit_token)

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("season_clock")]


# ---- routing and the unit step ------------------------------------------------------------------

def test_three_levels_to_the_committee_across_a_make_up_saturday(loaded):
    """R-4.3: 昌吉示例纺织 → 昌吉市局 → 昌吉州局 → committee. R-2.3: a publicity opened on
    Thursday 2019-10-10 counts Saturday 2019-10-12 (调休 working day) and ends on 10-16."""
    api = loaded.api
    set_clock(loaded, local(2019, 10, 10, 10))
    app_id, _ = submitted(loaded, TEXTILE, "rv-route-1")
    view = review_view(api, app_id, unit_token(api, TEXTILE))
    assert [(s["kind"], s["id"]) for s in view["route"]] == [
        ("unit", TEXTILE), ("department", "dept-changji-city"), ("department", "dept-changji"),
        ("committee", COMMITTEE)]

    unit = unit_token(api, TEXTILE)
    pub = post(api, f"/review/applications/{app_id}/publicity", unit, status=201)
    assert pub["ends_on"] == "2019-10-16"
    r = api.call("POST", f"/review/applications/{app_id}/publicity", unit)
    assert r.status_code == 409 and r.json()["code"] == "PUBLICITY_ALREADY_OPENED"

    set_clock(loaded, local(2019, 10, 17, 9))
    decided = post(api, f"/review/applications/{app_id}/recommend", unit, {"opinion": OPINION})
    assert decided["next_org_id"] == "dept-changji-city"

    # intake shows the application to departments on its route only (review.visible)
    assert api.call("GET", f"/applications/{app_id}",
                    dept_token(api, "dept-changji")).status_code == 200
    assert api.call("GET", f"/applications/{app_id}",
                    dept_token(api, "dept-urumqi")).status_code == 404

    # outside the route, too early, twice: refused, nothing changes
    r = api.call("POST", f"/review/applications/{app_id}/forward", dept_token(api, "dept-urumqi"))
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"
    r = api.call("POST", f"/review/applications/{app_id}/forward",
                 dept_token(api, "dept-changji"))
    assert r.status_code == 409 and r.json()["code"] == "NOT_AT_YOUR_STEP"
    city = dept_token(api, "dept-changji-city")
    assert post(api, f"/review/applications/{app_id}/forward", city,
                {"reason": "经审核，同意上报"})["next_org_id"] == "dept-changji"
    r = api.call("POST", f"/review/applications/{app_id}/forward", city)
    assert r.status_code == 409 and r.json()["code"] == "STEP_ALREADY_DECIDED"
    assert post(api, f"/review/applications/{app_id}/forward",
                dept_token(api, "dept-changji"))["next_step"] == "committee"

    tasks = api.call("GET", "/review/tasks?status=open", secretary(api)).json()
    assert app_id in [t["application_id"] for t in tasks]
    done = review_view(api, app_id, secretary(api))["tasks"]
    assert [(t["org_id"], t["decision"], t["reviewer"]["person_id"]) for t in done[:3]] == [
        (TEXTILE, "recommended", "P-U02"), ("dept-changji-city", "forwarded", "P-D03"),
        ("dept-changji", "forwarded", "P-D02")]
    assert done[0]["reason"] == OPINION
    # intake learns each level's task (TASK_OPENED)
    me = api.token("rv-route-1", org=TEXTILE)
    api.wait_for(f"/applications/{app_id}/history", me, lambda h: any(
        e["action"] == "task_opened" and (e["detail"] or {}).get("org_id") == COMMITTEE
        for e in h))
    assert actions_for(api, app_id)[:4] == ["publicity_opened", "recommended", "forwarded",
                                            "forwarded"]


def test_the_unit_reviews_inside_the_review_window_only(loaded):
    """R-2.1 申报及审核时间 2019-10-10 至 10-31: a publicity opened on 2019-09-30 (before the
    window, over the National Day holidays) and one opened on 2019-11-01 are refused with
    REVIEW_WINDOW_CLOSED naming the window, and nothing is posted; a department cannot forward
    after 10-31 either."""
    api = loaded.api
    app_id, _ = submitted(loaded, MACHINERY, "rv-review-window")
    unit = unit_token(api, MACHINERY)
    for day in (local(2019, 9, 30, 10), local(2019, 11, 1, 0, 0)):
        set_clock(loaded, day)
        r = api.call("POST", f"/review/applications/{app_id}/publicity", unit)
        assert (r.status_code, r.json()["code"]) == (409, "REVIEW_WINDOW_CLOSED"), r.text
        assert "2019年10月10日至2019年10月31日（含）" in r.json()["message"]
    set_clock(loaded, local(2019, 10, 31, 23, 59))  # the last day, in Urumqi's official time
    assert review_view(api, app_id, unit)["publicities"] == []
    pub = post(api, f"/review/applications/{app_id}/publicity", unit, status=201)
    assert pub["starts_on"] == "2019-10-31"
    set_clock(loaded, local(2019, 11, 8, 9))  # its five working days are over, the window too
    r = api.call("POST", f"/review/applications/{app_id}/recommend", unit, json={"opinion": OPINION})
    assert (r.status_code, r.json()["code"]) == (409, "REVIEW_WINDOW_CLOSED")
    assert review_view(api, app_id, unit)["current_step"]["id"] == MACHINERY  # nothing changed

    set_clock(loaded, local(2019, 10, 15, 10))
    other, _ = submitted(loaded, MACHINERY, "rv-review-window-2")
    through_unit(loaded, other, MACHINERY, local(2019, 10, 15, 10))
    set_clock(loaded, local(2019, 11, 1, 9))
    r = api.call("POST", f"/review/applications/{other}/forward", dept_token(api, "dept-urumqi"))
    assert (r.status_code, r.json()["code"]) == (409, "REVIEW_WINDOW_CLOSED")


def test_publicity_ends_after_its_last_working_day_with_objections_and_the_exact_opinion(loaded):
    """R-2.3, R-4.2: opened Thursday 2019-10-10, the five working days are 10-11, the make-up
    Saturday 10-12 and 10-14..10-16; recommending is refused before the end, with an open
    objection, or with any other wording than R-4.2's."""
    api = loaded.api
    set_clock(loaded, local(2019, 10, 10, 9))
    app_id, _ = submitted(loaded, MACHINERY, "rv-national-day")
    unit = unit_token(api, MACHINERY)
    r = api.call("POST", f"/review/applications/{app_id}/recommend", unit, json={"opinion": OPINION})
    assert r.status_code == 409 and r.json()["code"] == "PUBLICITY_NOT_OPENED"

    set_clock(loaded, local(2019, 10, 10, 10))
    pub = post(api, f"/review/applications/{app_id}/publicity", unit, status=201)
    assert (pub["starts_on"], pub["ends_on"]) == ("2019-10-10", "2019-10-16")

    set_clock(loaded, local(2019, 10, 16, 23, 30))
    r = api.call("POST", f"/review/applications/{app_id}/recommend", unit, json={"opinion": OPINION})
    assert r.status_code == 409
    assert [p["code"] for p in r.json()["problems"]] == ["PUBLICITY_RUNNING"]
    objection = post(api, f"/review/applications/{app_id}/objections", unit,
                     {"text": "实名反映：业绩材料中某项目非本人主持"}, status=201)

    set_clock(loaded, local(2019, 10, 17, 9))
    r = api.call("POST", f"/review/applications/{app_id}/recommend", unit, json={"opinion": OPINION})
    assert r.status_code == 409
    assert [p["code"] for p in r.json()["problems"]] == ["PUBLICITY_OBJECTION_OPEN"]
    post(api, f"/review/applications/{app_id}/objections/{objection['id']}/resolution", unit,
         {"upheld": False, "resolution": "经核查，该项目确由申报人主持，异议不成立"})
    r = api.call("POST", f"/review/applications/{app_id}/recommend", unit,
                 json={"opinion": "同意推荐"})
    assert r.status_code == 409
    assert [p["code"] for p in r.json()["problems"]] == ["RECOMMENDATION_TEXT_MISMATCH"]
    assert review_view(api, app_id, unit)["current_step"]["id"] == MACHINERY  # nothing changed

    decided = post(api, f"/review/applications/{app_id}/recommend", unit, {"opinion": OPINION})
    assert (decided["decision"], decided["opinion"], decided["next_org_id"]) == (
        "recommended", OPINION, "dept-urumqi")


@pytest.fixture
def review_open_until_2099(loaded, tmp_path):
    """The 2019 season with its review window (R-2.1, season data) stretched to 2099, for the
    length of one test; the season as the notice fixed it is loaded back afterwards."""
    raw = yaml.safe_load((ROOT / "seasons" / "2019.yaml").read_text("utf-8"))
    raw["windows"]["review"] = {"start": date(2019, 10, 10), "end": date(2099, 12, 31)}
    stretched = tmp_path / "2019.yaml"
    stretched.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    loaded.titles("load-season", str(stretched))
    try:
        yield
    finally:
        loaded.titles("load-season", str(ROOT / "seasons" / "2019.yaml"))


def test_unknown_calendar_year_is_refused_loudly(loaded, review_open_until_2099):
    """R-2.3: a year neither the calendar package nor the override table knows is refused (in
    a season whose review window reaches that year: R-2.1 would refuse first)."""
    api = loaded.api
    app_id, _ = submitted(loaded, MACHINERY, "rv-calendar-2099")
    set_clock(loaded, local(2099, 3, 2, 10))
    r = api.call("POST", f"/review/applications/{app_id}/publicity", unit_token(api, MACHINERY))
    assert r.status_code == 409 and r.json()["code"] == "CALENDAR_YEAR_UNKNOWN"
    assert review_view(api, app_id, unit_token(api, MACHINERY))["publicities"] == []
    # the administrator loads that year's holidays; the same request then succeeds
    r = api.call("POST", "/admin/calendar", admin(api), json={"days": {"2099-03-03": False}})
    assert r.status_code == 200, r.text
    pub = post(api, f"/review/applications/{app_id}/publicity", unit_token(api, MACHINERY),
               status=201)
    assert pub["ends_on"] == "2099-03-10"  # 03-03 off: 04, 05, 06, 09, 10
