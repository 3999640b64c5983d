"""The form as JSON Schema (intake.form_schema): generated from the table for a season, what it
accepts and refuses at each stage, and its OpenAPI 3.0 projection (never stricter)."""
import jsonschema
import pytest

from intake.application_schema import SECTIONS
from intake.form_schema import application_schema
from intake.http.openapi import as_openapi30
from tests.support.applications import example_application, season_2019

SEASON = season_2019()


def errors(stage, instance):
    schema = application_schema(SEASON, stage)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return sorted({".".join(map(str, e.absolute_path)) for e in validator.iter_errors(instance)})


@pytest.fixture
def app():
    return example_application(SEASON)


@pytest.mark.parametrize("stage", ["submission", "opening", "draft"])
def test_each_stage_is_a_valid_2020_12_schema_with_every_section(stage):
    schema = application_schema(SEASON, stage)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]["sections"]["properties"]) == {s.name for s in SECTIONS}
    assert schema["additionalProperties"] is False


def test_the_complete_example_is_valid_at_submission(app):
    assert errors("submission", app) == []


def test_titles_lengths_formats_and_the_seasons_enums(app):
    props = application_schema(SEASON)["properties"]
    basic = props["sections"]["properties"]["basic"]["properties"]
    assert basic["name"]["title"] == "姓名" and basic["name"]["x-maxLength"] == 50
    assert basic["birth_date"]["format"] == "date"
    assert basic["phone"]["x-format"] == "phone"
    ce = props["sections"]["properties"]["continuing_education"]["properties"]
    assert [v for v in ce["exemption_category"]["anyOf"][0]["enum"]] == [
        c.id for c in SEASON.exemption_categories]
    assert ce["exemption_category"]["x-none"] == "allowed"
    summary = props["sections"]["properties"]["summary"]["properties"]["text"]
    assert summary["x-maxLength"] == SEASON.summary_max_chars
    assert props["season"]["const"] == "2019"


@pytest.mark.parametrize("path, value, wrong", [
    (("basic", "phone"), "无", False),           # a text may say none
    (("basic", "phone"), "N/A", True),           # a placeholder may not
    (("basic", "phone"), "  ", True),
    (("basic", "id_number"), "无", True),        # a person applying has an ID number
    (("basic", "birth_date"), "无", True),       # no date is none
    (("qualification", "obtained_on"), "无", False),  # no title held yet
    (("basic", "birth_date"), "1985-6-15", True),
    (("basic", "name"), "名" * 51, True),
    (("basic", "name"), "第一行\x07", True),
    (("summary", "text"), "字" * 3001, True),
])
def test_the_none_rules_and_the_field_rules(app, path, value, wrong):
    app["sections"][path[0]][path[1]] = value
    assert (errors("submission", app) == [f"sections.{path[0]}.{path[1]}"]) is wrong


def test_lists_of_entries_say_none_as_exactly_one_wu(app):
    app["sections"]["publications"]["entries"] = ["无"]
    assert errors("submission", app) == []
    app["sections"]["work_history"]["entries"] = ["无"]  # a work history is never none
    assert errors("submission", app) == ["sections.work_history.entries"]
    app["sections"]["work_history"]["entries"] = []
    assert "sections.work_history.entries" in errors("submission", app)
    assert "sections.work_history.entries" not in errors("draft", {"sections": {
        "work_history": {"entries": []}}})


def test_rules_across_fields_are_in_the_schema_or_listed(app):
    app["sections"]["continuing_education"] = {"exempt": True, "exemption_category": "无"}
    assert errors("submission", app) == ["sections.continuing_education.exemption_category"]
    app = example_application(SEASON)
    app["sections"]["assessments"]["years"] = app["sections"]["assessments"]["years"][:2]
    assert errors("submission", app) == ["sections.assessments.years"]
    app = example_application(SEASON)
    app["specialty"] = "jewellery"
    assert errors("submission", app) == ["specialty"]
    rules = application_schema(SEASON)["x-rules"]
    assert {r["rule"] for r in rules} >= {"R-1.1", "R-1.3", "R-3.3", "R-3.4", "R-3.5", "R-1.5"}
    assert any(not r["in_schema"] for r in rules)


def test_a_draft_takes_any_part_and_null_removes_but_not_the_season():
    assert errors("draft", {"sections": {"summary": {"text": None}, "other": None}}) == []
    assert errors("draft", {"season": "2019"}) == ["season"]
    assert errors("draft", {"sections": {"basic": {"start_date": "2010-01-01"}}}) == [
        "sections.basic"]  # additionalProperties: the server names the field itself


def test_the_openapi_projection_is_3_0_and_never_stricter(app):
    projected = as_openapi30(application_schema(None, "opening"))
    text = str(projected)
    for keyword in ("$defs", "'if'", "prefixItems", "'const'", "'type': ['"):
        assert keyword not in text
    validator = jsonschema.Draft4Validator(projected)
    assert not list(validator.iter_errors({**app, "sections": {"basic": app["sections"]["basic"]}}))
