"""The season file (评审年度): data, never code (docs/rules.md preamble; R-1.1, R-1.2, R-2.1)."""
import copy
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml

from contracts.errors import Refusal
from contracts.season import load_season, validate_season

SEASONS = Path(__file__).resolve().parents[2] / "seasons"


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load((SEASONS / "2019.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def season():
    return load_season(SEASONS / "2019.yaml")


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def codes_at(problems):
    return {(p.code, p.field) for p in problems}


def test_2019_season_is_valid(raw):
    assert validate_season(raw) == []


def test_r1_1_economics_opens_only_senior_economist(season):
    assert [lv.name_zh for lv in season.levels("economics")] == ["高级经济师"]
    assert season.levels("no-such-series") == ()


def test_r1_1_arts_and_crafts_has_no_specialty(season):
    arts = season.find_series("arts_crafts")
    assert arts.specialties == () and len(arts.levels) == 4
    assert season.committee_for("arts_crafts", None, "senior_arts_crafts_artist").id == "arts_crafts"
    assert season.committee_for("arts_crafts", "textile", "senior_arts_crafts_artist") is None


def test_r1_2_nine_conditions_documents_and_one_committee_each(season):
    assert len(season.conditions_documents) == 9
    committee = season.committee_for("economics", "materials_economics", "senior_economist")
    assert season.conditions_for(committee).title_zh.endswith(
        "经济系列商业、物资经济专业高级经济师专业技术职务任职资格评审条件（试行）")
    assert season.committee_for("economics", "materials_economics", "engineer") is None


def test_season_values_from_the_notice(season):
    assert season.seniority_cut_off == date(2019, 12, 31)
    assert season.ce_public_years.years == tuple(range(2014, 2020))  # R-3.3 #7
    assert season.assessment_years.years == (2016, 2017, 2018)  # R-3.3 #8
    assert len(season.exemption_categories) == 5
    assert (season.submission_cap, season.supplement_hours) == (3, 48)
    assert (season.sanction_years_unit, season.sanction_years_person) == (3, 5)
    assert season.recommendation_text == "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"


@pytest.mark.parametrize("instant, is_open", [
    (utc(2019, 10, 9, 15, 59), False),   # 2019-10-09 23:59 in Urumqi's official (Beijing) time
    (utc(2019, 10, 9, 16, 0), True),     # 2019-10-10 00:00
    (utc(2019, 10, 31, 15, 59), True),   # 2019-10-31 23:59, last day is inclusive
    (utc(2019, 10, 31, 16, 0), False),   # 2019-11-01 00:00
])
def test_r2_1_application_window_is_judged_in_local_dates(season, instant, is_open):
    assert season.window_open(instant) is is_open


def test_r2_2_paper_delivery_window(season):
    assert season.window_open(utc(2019, 11, 20, 15, 59), "paper_delivery")
    assert not season.window_open(utc(2019, 11, 20, 16, 0), "paper_delivery")


def test_window_refuses_a_naive_instant(season):
    with pytest.raises(ValueError):
        season.window_open(datetime(2019, 10, 15, 12, 0))


def test_2020_example_loads_without_code_change_and_its_window_differs(season):
    example = load_season(SEASONS / "2020-example.yaml")
    instant = utc(2020, 9, 20, 4, 0)
    assert example.window_open(instant) and not season.window_open(instant)
    assert example.application_window != season.application_window
    assert [lv.id for lv in example.levels("economics")] == ["senior_economist", "economist"]
    assert example.committee_for("economics", "industrial_economics", "economist").id \
        == "econ_intermediate"


def test_load_season_accepts_yaml_text():
    text = (SEASONS / "2019.yaml").read_text(encoding="utf-8")
    assert load_season(text).id == "2019"


def broken(raw, edit):
    bad = copy.deepcopy(raw)
    edit(bad)
    return validate_season(bad)


def test_validate_lists_every_problem_with_its_path(raw):
    def edit(bad):
        bad["windows"]["application"]["end"] = "2019-10-01"           # before start
        bad["limits"]["submission_cap"] = "three"                      # wrong type
        bad["committees"][0]["covers"][0]["series"] = "medicine"       # unknown series
        bad["committees"][7]["covers"][0]["levels"] = ["engineer"]     # level not in series
        bad["sanctions"]["person_yeras"] = bad["sanctions"].pop("person_years")  # a typo
        del bad["time_zone"]
    assert codes_at(broken(raw, edit)) >= {
        ("SEASON_WINDOW_REVERSED", "windows.application.end"),
        ("SEASON_WRONG_TYPE", "limits.submission_cap"),
        ("SEASON_UNKNOWN_SERIES", "committees.0.covers.0.series"),
        ("SEASON_UNKNOWN_LEVEL", "committees.7.covers.0.levels.0"),
        ("SEASON_UNKNOWN_FIELD", "sanctions.person_yeras"),
        ("SEASON_FIELD_MISSING", "sanctions.person_years"),
        ("SEASON_FIELD_MISSING", "time_zone"),
    }


def test_validate_finds_unknown_specialty_document_and_time_zone(raw):
    def edit(bad):
        bad["committees"][1]["covers"][0]["specialties"] = ["medicine"]
        bad["committees"][1]["conditions"] = "nowhere"
        bad["time_zone"] = "Asia/Nowhere"
        bad["id"] = 2019  # unquoted in YAML
    assert codes_at(broken(raw, edit)) >= {
        ("SEASON_UNKNOWN_SPECIALTY", "committees.1.covers.0.specialties.0"),
        ("SEASON_UNKNOWN_DOCUMENT", "committees.1.conditions"),
        ("SEASON_UNKNOWN_TIME_ZONE", "time_zone"),
        ("SEASON_WRONG_TYPE", "id"),
    }


def test_r1_2_every_open_level_has_exactly_one_committee(raw):
    def uncovered(bad):
        del bad["committees"][0]
    def overlapping(bad):
        bad["committees"].append(copy.deepcopy(bad["committees"][1]) | {"id": "twin"})
    assert "SEASON_COMMITTEE_MISSING" in {p.code for p in broken(raw, uncovered)}
    assert "SEASON_COMMITTEE_OVERLAP" in {p.code for p in broken(raw, overlapping)}


def test_duplicate_ids_are_refused(raw):
    def edit(bad):
        bad["series"][0]["levels"].append(dict(bad["series"][0]["levels"][0]))
    assert ("SEASON_DUPLICATE_ID", "series.0.levels") in codes_at(broken(raw, edit))


def test_loading_a_wrong_file_raises_refusal_with_all_problems(raw):
    bad = copy.deepcopy(raw)
    bad["windows"]["paper_delivery"]["end"] = "2019-10-01"
    bad["limits"]["supplement_hours"] = 0
    with pytest.raises(Refusal) as caught:
        load_season(yaml.safe_dump(bad, allow_unicode=True))
    assert caught.value.code == "SEASON_INVALID"
    assert {p.code for p in caught.value.problems} == {
        "SEASON_WINDOW_REVERSED", "SEASON_VALUE_OUT_OF_RANGE"}


def test_a_file_that_is_not_yaml_is_refused():
    with pytest.raises(Refusal) as caught:
        load_season("id: [unclosed\nx: 1")
    assert caught.value.code == "SEASON_NOT_YAML"


def test_a_file_that_is_not_a_mapping_is_refused():
    assert [p.code for p in validate_season(["a list"])] == ["SEASON_WRONG_TYPE"]


def test_r2_1_the_review_window_is_the_seasons_and_defaults_to_the_application_window(
        raw, season):
    """申报及审核时间: 2019 names it (10-10..10-31); a season file without `windows.review` still
    loads, its review window being its application window; `committee_review` is optional
    (2019 sets none: the committee's formal review is not cut off)."""
    assert (season.review_window.start, season.review_window.end) == (date(2019, 10, 10),
                                                                      date(2019, 10, 31))
    assert season.committee_review_window is None
    assert season.window_open(utc(2019, 10, 31, 15, 59), "review")
    assert not season.window_open(utc(2019, 10, 31, 16, 0), "review")
    older = copy.deepcopy(raw)
    del older["windows"]["review"]
    loaded = load_season(yaml.safe_dump(older, allow_unicode=True))
    assert loaded.review_window == loaded.application_window
    limited = copy.deepcopy(raw)
    limited["windows"]["committee_review"] = {"start": date(2019, 10, 10),
                                              "end": date(2019, 11, 20)}
    assert load_season(yaml.safe_dump(limited, allow_unicode=True)).committee_review_window.end \
        == date(2019, 11, 20)


def test_r2_1_a_reversed_or_misspelt_review_window_is_refused(raw):
    bad = copy.deepcopy(raw)
    bad["windows"]["review"] = {"start": date(2019, 10, 31), "end": date(2019, 10, 10)}
    bad["windows"]["committee_reveiw"] = {"start": date(2019, 10, 10), "end": date(2019, 10, 31)}
    assert codes_at(validate_season(bad)) == {("SEASON_WINDOW_REVERSED", "windows.review.end"),
                                              ("SEASON_UNKNOWN_FIELD", "windows.committee_reveiw")}
