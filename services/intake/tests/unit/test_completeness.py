"""Before submission: completeness and the submit gate (R-2.1, R-3.3, R-3.4, R-4.4, N-8.5)."""
from datetime import datetime, timezone
from pathlib import Path

import pytest

from contracts.rules import submissions_left
from contracts.season import load_season
from intake.rules.attachments import required_attachments
from intake.rules.completeness import completeness, submission_problems
from tests.support.applications import example_application

SEASONS = Path(__file__).resolve().parents[4] / "seasons"
SEASON = load_season(SEASONS / "2019.yaml")
IN_WINDOW = datetime(2019, 10, 20, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def app():
    return example_application(SEASON)


def accepted(app, season=SEASON):
    return [{"section": r.section, "kind": r.kind, "status": "accepted"}
            for r in required_attachments(app, season) for _ in range(r.min_count)]


def codes(problems):
    return {p.code for p in problems}


def test_complete_application_in_window_may_be_submitted(app):
    assert submission_problems(IN_WINDOW, SEASON, app, accepted(app), 0) == []


def test_r2_1_submission_after_the_window_is_refused(app):
    after = datetime(2019, 10, 31, 16, 0, tzinfo=timezone.utc)  # 2019-11-01 00:00 local
    assert codes(submission_problems(after, SEASON, app, accepted(app), 0)) == {"WINDOW_CLOSED"}


def test_r4_5_changes_asked_by_the_committee_may_be_resubmitted_after_the_window(app):
    # a committee return on 10-31 gives 48 hours, which run past the window
    after = datetime(2019, 11, 1, 2, 0, tzinfo=timezone.utc)
    assert submission_problems(after, SEASON, app, accepted(app), 1,
                               answers_committee_return=True) == []
    assert codes(submission_problems(after, SEASON, app, accepted(app), 1)) == {"WINDOW_CLOSED"}


@pytest.mark.parametrize("so_far, refused", [(0, False), (2, False), (3, True)])
def test_r4_4_fourth_submission_is_refused(app, so_far, refused):
    problems = submission_problems(IN_WINDOW, SEASON, app, accepted(app), so_far)
    assert ("SUBMISSION_CAP_REACHED" in codes(problems)) is refused


def test_r4_4_submissions_left():
    """The shared rule (contracts.rules) intake's submit gate and view apply."""
    assert [submissions_left(n, 3) for n in range(5)] == [3, 2, 1, 0, 0]


def test_n8_5_every_problem_is_listed_at_once(app):
    late = datetime(2019, 11, 2, tzinfo=timezone.utc)
    app["sections"]["summary"]["text"] = ""
    app["level"] = "chief_engineer"
    attachments = [a for a in accepted(app) if a["kind"] != "photo"]
    assert codes(submission_problems(late, SEASON, app, attachments, 3)) == {
        "WINDOW_CLOSED", "SUBMISSION_CAP_REACHED", "FIELD_BLANK", "LEVEL_NOT_OPEN",
        "ATTACHMENT_MISSING"}


def test_r3_4_exempt_applicant_must_name_the_category(app):
    app["sections"]["continuing_education"] = {"exempt": True, "exemption_category": "无"}
    assert [(p.code, p.field) for p in completeness(app, SEASON)] == [
        ("EXEMPTION_CATEGORY_REQUIRED", "sections.continuing_education.exemption_category")]


def test_r3_3_each_assessment_year_is_reported(app):
    app["sections"]["assessments"]["years"] = [{"year": 2017, "result": "优秀"}]
    assert [p.message for p in completeness(app, SEASON)] == [
        "请填写2016年度考核结果", "请填写2018年度考核结果"]


def test_r1_3_aid_category_is_checked_again_at_submission(app):
    app["category"] = "aid_staff"
    app["aid"] = {"dispatching_unit": "江苏省某研究院", "dispatching_unit_id": "unit-js-01",
                  "assignment_start": "2019-03-01",
                  "still_on_assignment": True}
    assert codes(completeness(app, SEASON)) == {"AID_TOO_SHORT"}


def test_2020_example_season_uses_its_own_window_and_years():
    season = load_season(SEASONS / "2020-example.yaml")
    app = example_application(season)
    in_2020 = datetime(2020, 9, 20, 3, 0, tzinfo=timezone.utc)
    assert submission_problems(in_2020, season, app, accepted(app, season), 0) == []
    assert codes(submission_problems(IN_WINDOW, season, app, accepted(app, season), 0)) == {
        "WINDOW_CLOSED"}
