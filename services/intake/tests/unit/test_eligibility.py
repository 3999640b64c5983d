"""Who may open an application (R-1.1, R-1.3, R-1.4, R-1.5, R-3.5)."""
from datetime import date
from pathlib import Path

import pytest

from contracts.season import load_season
from intake.rules.eligibility import Bar, creation_problems, seniority

SEASON = load_season(Path(__file__).resolve().parents[4] / "seasons" / "2019.yaml")
PERSON, UNIT = "650102198506150029", "unit-xj-textile-01"


def header(**changes):
    return {"season": "2019", "series": "engineering", "specialty": "textile",
            "level": "engineer", "category": "in_service"} | changes


def found(app, bars=(), active=0):
    return {(p.code, p.field) for p in creation_problems(
        app, SEASON, person_id=PERSON, unit_id=UNIT, active_bars=bars, active_applications=active)}


def test_in_service_engineer_may_apply():
    assert found(header()) == set()


@pytest.mark.parametrize("changes, expected", [
    ({"level": "engineer", "series": "economics", "specialty": "industrial_economics"},
     ("LEVEL_NOT_OPEN", "level")),  # R-1.1: economics opens 高级经济师 only
    ({"series": "medicine"}, ("SERIES_NOT_OPEN", "series")),
    ({"specialty": "mining"}, ("SPECIALTY_NOT_OPEN", "specialty")),
    ({"specialty": None}, ("SPECIALTY_REQUIRED", "specialty")),
    ({"series": "arts_crafts", "specialty": "textile", "level": "arts_crafts_artist"},
     ("SPECIALTY_NOT_APPLICABLE", "specialty")),  # R-1.1: arts & crafts has no specialty
    ({"season": "2018"}, ("SEASON_MISMATCH", "season")),
    ({"category": "retired"}, ("VALUE_NOT_ALLOWED", "category")),
])
def test_r1_1_catalogue_refusals(changes, expected):
    assert found(header(**changes)) == {expected}


def test_r1_1_arts_and_crafts_without_specialty_may_apply():
    assert found(header(series="arts_crafts", specialty=None,
                        level="full_senior_arts_crafts_artist")) == set()


def aid(start="2018-12-31", still=True):
    return {"dispatching_unit": "江苏省某研究院", "dispatching_unit_id": "unit-js-01",
            "assignment_start": start,
            "still_on_assignment": still}


def test_r1_3_aid_staff_with_one_year_by_the_cut_off_and_still_there_may_apply():
    assert found(header(category="aid_staff", aid=aid("2018-12-31"))) == set()


def test_r1_3_aid_staff_short_of_one_year_by_the_cut_off_is_refused():
    assert found(header(category="aid_staff", aid=aid("2019-01-01"))) == {
        ("AID_TOO_SHORT", "aid.assignment_start")}


def test_r1_3_aid_staff_no_longer_on_assignment_is_refused():
    assert found(header(category="aid_staff", aid=aid(still=False))) == {
        ("AID_ENDED", "aid.still_on_assignment")}


def test_r1_3_aid_staff_without_aid_details_is_refused():
    assert found(header(category="aid_staff")) == {("FIELD_REQUIRED", "aid")}


def test_r1_3_entrusted_needs_an_entrustment_letter():
    assert found(header(category="entrusted")) == {
        ("ENTRUSTMENT_LETTER_MISSING", "entrusted.letter_issuer")}
    letter = {"letter_issuer": "military_political", "letter_issuer_name": "某军区政治工作部",
              "entrusting_org_id": "dept-mil-01"}
    assert found(header(category="entrusted", entrusted=letter)) == set()


def test_r1_5_barred_person_and_barred_unit_are_refused():
    bars = [Bar("person", PERSON, date(2023, 5, 31)), Bar("unit", UNIT, date(2021, 5, 31)),
            Bar("person", "someone-else", date(2023, 5, 31))]
    assert found(header(), bars) == {("PERSON_BARRED", None), ("UNIT_BARRED", None)}


@pytest.mark.parametrize("series, level, barred", [
    ("engineering", "engineer", True),         # the title the fraud was about
    ("engineering", None, True),               # every level of the series
    ("engineering", "senior_engineer", False),  # another level: not the corresponding title
    ("arts_crafts", None, False),              # another series
])
def test_r1_5_a_person_is_barred_from_the_corresponding_title_only(series, level, barred):
    """六(二) 个人五年内不得申报相应职称评审: the bar's series (and level) against the application's
    (header(): engineering, engineer)."""
    bars = [Bar("person", PERSON, date(2023, 5, 31), date(2018, 6, 1), series, level)]
    assert found(header(), bars) == ({("PERSON_BARRED", None)} if barred else set())


def test_r1_5_a_bar_is_in_force_from_its_first_to_its_last_day_both_included():
    """五年内 from 2014-10-20: 2019-10-19 is the last day barred, 2019-10-20 the first free."""
    bar = Bar("person", PERSON, date(2019, 10, 19), date(2014, 10, 20))
    assert not bar.in_force(date(2014, 10, 19))
    assert bar.in_force(date(2014, 10, 20)) and bar.in_force(date(2019, 10, 19))
    assert not bar.in_force(date(2019, 10, 20))


def test_r1_5_the_refusal_says_the_bar_as_review_says_it():
    """The same dates the same way in both services (contracts.rules.bar_period_zh)."""
    from contracts.rules import bar_period_zh

    bar = Bar("person", PERSON, date(2019, 10, 19), date(2014, 10, 20), "engineering",
              "engineer")
    problem, = creation_problems(header(), SEASON, person_id=PERSON, unit_id=UNIT,
                                 active_bars=[bar], active_applications=0)
    period = bar_period_zh(date(2014, 10, 20), date(2019, 10, 19))
    assert period == "2014年10月20日至2019年10月19日（含）不得申报，2019年10月20日起可以申报"
    assert problem.message == f"因弄虚作假受到处理，工程系列工程师{period}"


def test_one_active_application_per_person_and_season():
    assert found(header(), active=1) == {("APPLICATION_EXISTS", None)}


def test_all_problems_come_at_once():
    bars = [Bar("unit", UNIT, date(2021, 5, 31))]
    assert found(header(level="chief", category="aid_staff", aid=aid(still=False)), bars, 1) == {
        ("LEVEL_NOT_OPEN", "level"), ("AID_ENDED", "aid.still_on_assignment"),
        ("UNIT_BARRED", None), ("APPLICATION_EXISTS", None)}


@pytest.mark.parametrize("obtained, years, months", [
    (date(2015, 1, 1), 5, 0),     # the cut-off day itself counts
    (date(2014, 7, 1), 5, 6),
    (date(2014, 7, 15), 5, 5),    # the 6th month is not complete on 2019-12-31
    (date(2019, 12, 31), 0, 0),
])
def test_r1_4_seniority_counts_whole_months_up_to_the_cut_off(obtained, years, months):
    result = seniority(obtained, SEASON.seniority_cut_off)
    assert (result.years, result.months) == (years, months)
    assert result.label_zh == f"{years}年{months}个月"


def test_r1_4_seniority_refuses_a_date_after_the_cut_off():
    with pytest.raises(ValueError):
        seniority(date(2020, 1, 1), SEASON.seniority_cut_off)
