"""Field rules (R-3.1, R-3.3): 无 is the only "none", every problem with its path."""
from pathlib import Path

import pytest

from contracts.season import load_season
from intake.rules.fields import (is_email, is_mobile, validate_draft_patch, validate_header,
                                 validate_sections)
from tests.support.applications import example_application

SEASON = load_season(Path(__file__).resolve().parents[4] / "seasons" / "2019.yaml")


@pytest.fixture
def app():
    return example_application(SEASON)


def found(problems):
    return {(p.code, p.field) for p in problems}


def test_example_application_is_valid(app):
    assert validate_sections(app, SEASON) == [] and validate_header(app, SEASON) == []


@pytest.mark.parametrize("blank", ["", "   ", "\u3000", "N/A", "n/a", "-", "—", "/", "暂无"])
def test_r3_1_blank_or_vague_text_is_refused(app, blank):
    app["sections"]["basic"]["former_name"] = blank
    assert found(validate_sections(app, SEASON)) == {
        ("FIELD_BLANK", "sections.basic.former_name")}


def test_r3_1_wu_is_how_to_say_none(app):
    app["sections"]["basic"]["administrative_post"] = " 无 "
    app["sections"]["publications"]["entries"] = ["无"]
    app["sections"]["qualification"]["obtained_on"] = "无"
    assert validate_sections(app, SEASON) == []


def test_r3_1_empty_entry_list_is_blank_and_wu_is_refused_where_entries_are_required(app):
    app["sections"]["education"]["degrees"] = []
    app["sections"]["work_history"]["entries"] = ["无"]
    assert found(validate_sections(app, SEASON)) == {
        ("FIELD_BLANK", "sections.education.degrees"),
        ("FIELD_BLANK", "sections.work_history.entries")}


def test_r3_1_missing_required_field_is_reported_inside_entries(app):
    del app["sections"]["basic"]["ethnicity"]
    app["sections"]["education"]["degrees"][0]["school"] = None
    assert found(validate_sections(app, SEASON)) == {
        ("FIELD_REQUIRED", "sections.basic.ethnicity"),
        ("FIELD_REQUIRED", "sections.education.degrees.0.school")}


def test_unknown_fields_and_sections_are_refused(app):
    app["sections"]["basic"]["nickname"] = "小古"
    app["sections"]["hobbies"] = {}
    assert found(validate_sections(app, SEASON)) == {
        ("UNKNOWN_FIELD", "sections.basic.nickname"), ("UNKNOWN_FIELD", "sections.hobbies")}


def test_wrong_types_are_refused(app):
    s = app["sections"]
    s["qualification"]["years_in_profession"] = "11"
    s["qualification"]["obtained_in_xinjiang"] = "yes"
    s["basic"]["birth_date"] = "1985/06/15"
    s["basic"]["work_start_date"] = "无"  # 无 is not a date where a date is required
    s["education"]["degrees"][0] = "新疆大学"
    s["assessments"]["years"][0]["result"] = "良好"
    assert found(validate_sections(app, SEASON)) == {
        ("WRONG_TYPE", "sections.qualification.years_in_profession"),
        ("WRONG_TYPE", "sections.qualification.obtained_in_xinjiang"),
        ("WRONG_TYPE", "sections.basic.birth_date"),
        ("WRONG_TYPE", "sections.basic.work_start_date"),
        ("WRONG_TYPE", "sections.education.degrees.0"),
        ("VALUE_NOT_ALLOWED", "sections.assessments.years.0.result")}


def test_formats_id_phone_email(app):
    basic = app["sections"]["basic"]
    basic["id_number"] = "650102198506150028"  # check character off by one
    basic["phone"] = "0991-4523469"  # a landline (the notice's own contact number)
    basic["email"] = "ayguli@"
    assert found(validate_sections(app, SEASON)) == {
        ("ID_NUMBER_INVALID", "sections.basic.id_number"),
        ("PHONE_INVALID", "sections.basic.phone"),
        ("EMAIL_INVALID", "sections.basic.email")}


@pytest.mark.parametrize("phone, ok", [("13912345678", True), ("+86 139-1234-5678", True),
                                       ("8613912345678", True), ("12912345678", False),
                                       ("1391234567", False), ("139123456789", False)])
def test_mainland_mobile_numbers(phone, ok):
    assert is_mobile(phone) is ok


@pytest.mark.parametrize("email, ok", [("a.b+c@mail.example.cn", True), ("a@b", False),
                                       ("a..b@example.com", False), ("a b@example.com", False)])
def test_email_shape(email, ok):
    assert is_email(email) is ok


def test_r3_3_summary_of_3000_chinese_characters_passes_3001_is_too_long(app):
    app["sections"]["summary"]["text"] = "字" * 3000  # 9000 bytes in UTF-8: characters count
    assert validate_sections(app, SEASON) == []
    app["sections"]["summary"]["text"] = "字" * 3001
    problems = validate_sections(app, SEASON)
    assert found(problems) == {("SUMMARY_TOO_LONG", "sections.summary.text")}
    assert "3001" in problems[0].message


def test_other_long_text_is_field_too_long(app):
    app["sections"]["basic"]["name"] = "名" * 51
    assert found(validate_sections(app, SEASON)) == {("FIELD_TOO_LONG", "sections.basic.name")}


def test_draft_patch_may_be_incomplete_and_blank():
    patch = {"sections": {"basic": {"name": "", "phone": "139"}, "education": {"degrees": []}}}
    assert validate_draft_patch(patch, SEASON) == []


def test_draft_patch_refuses_unknown_fields_and_wrong_types():
    patch = {"colour": "red", "category": "tourist",
             "sections": {"summary": {"text": 42}, "basic": {"nickname": "x"}}}
    assert found(validate_draft_patch(patch, SEASON)) == {
        ("UNKNOWN_FIELD", "colour"), ("VALUE_NOT_ALLOWED", "category"),
        ("WRONG_TYPE", "sections.summary.text"), ("UNKNOWN_FIELD", "sections.basic.nickname")}


def test_season_choices_drive_enums(app):
    app["sections"]["continuing_education"]["exemption_category"] = "holiday"
    assert found(validate_sections(app, SEASON)) == {
        ("VALUE_NOT_ALLOWED", "sections.continuing_education.exemption_category")}
