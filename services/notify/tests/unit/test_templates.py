"""Notification templates: defaults, strict rendering, checks before an administrator saves."""
from pathlib import Path

import pytest

from contracts.errors import Refusal
from notify.templates import (
    Template, check_template, default_catalogue, load_catalogue, render, validate_template)

CATALOGUE = default_catalogue()
EVENTS = ("task_opened", "returned", "supplement_requested", "supplement_reminder", "abandoned",
          "step_advanced", "publicity_started", "publicity_ended", "result_published",
          "paper_delivery_closing", "received", "withdrawn", "step_decided")


def sample_variables(event):
    return {name: f"<{name}>" for name in CATALOGUE.variables[event]}


def test_every_event_has_an_email_and_an_sms_template():
    assert set(CATALOGUE.templates) == {(e, c) for e in EVENTS for c in ("email", "sms")}


@pytest.mark.parametrize("key", sorted(CATALOGUE.templates), ids="/".join)
def test_default_template_renders_with_its_event_variables(key):
    template = CATALOGUE.template(*key)
    message = render(template, sample_variables(key[0]))
    text = (message.subject or "") + message.body
    assert "{" not in text and "}" not in text
    assert "<" in message.body  # at least one variable was filled in
    if key[1] == "email":
        assert message.subject and "\n" not in message.subject
    else:
        assert message.template_code == template.template_code
        assert message.params and all(message.params[n] == f"<{n}>" for n in message.params)
        assert all(f"<{n}>" in message.body for n in message.params)


def test_returned_email_lists_every_problem_numbered_n_8_5():
    variables = sample_variables("returned") | {
        "problems": ["身份证照片不清晰", "缺少学信网学历验证结果"], "problem_count": 2}
    body = render(CATALOGUE.template("returned", "email"), variables).body
    assert "1. 身份证照片不清晰\n2. 缺少学信网学历验证结果" in body


def test_missing_variable_is_refused_naming_every_one():
    variables = sample_variables("supplement_requested")
    del variables["hours"], variables["items"]
    with pytest.raises(Refusal) as caught:
        render(CATALOGUE.template("supplement_requested", "email"), variables)
    assert caught.value.code == "TEMPLATE_VARIABLE_MISSING"
    assert {p.field for p in caught.value.problems} == {"variables.hours", "variables.items"}


def test_none_counts_as_missing():
    variables = sample_variables("abandoned") | {"deadline": None}
    with pytest.raises(Refusal) as caught:
        render(CATALOGUE.template("abandoned", "sms"), variables)
    assert caught.value.code == "TEMPLATE_VARIABLE_MISSING"


def test_unknown_placeholder_is_refused_on_save():
    problems = validate_template("returned", "sms", "{applicant_name}您好，{aplicant_unit}",
                                 CATALOGUE.allowed_variables("returned"))
    assert [(p.code, p.field) for p in problems] == [
        ("TEMPLATE_VARIABLE_UNKNOWN", "templates.returned.sms.body")]
    assert "{aplicant_unit}" in problems[0].message


@pytest.mark.parametrize("placeholder", [
    "{applicant_name.__class__}", "{applicant_name[0]}", "{applicant_name!r}",
    "{applicant_name:>99999}", "{}", "{0}"])
def test_attribute_index_conversion_and_format_placeholders_are_refused(placeholder):
    problems = validate_template("returned", "email", f"您好 {placeholder}",
                                 CATALOGUE.allowed_variables("returned"))
    assert [p.code for p in problems] == ["TEMPLATE_PLACEHOLDER_UNSAFE"]


def test_stored_template_with_attribute_access_is_not_rendered():
    template = Template("returned", "email", "{applicant_name.__class__.__init__.__globals__}",
                        subject="x")
    with pytest.raises(Refusal) as caught:
        render(template, {"applicant_name": "张三"})
    assert caught.value.code == "TEMPLATE_PLACEHOLDER_UNSAFE"


def test_values_are_inserted_literally_not_formatted_again():
    template = Template("abandoned", "email", "{applicant_name}", subject="s")
    assert render(template, {"applicant_name": "{deadline.__class__}"}).body == "{deadline.__class__}"


def test_subject_stays_one_line_whatever_the_values():
    template = Template("abandoned", "email", "b", subject="关于 {application_ref}")
    message = render(template, {"application_ref": "X\r\nBcc: victim@example.com"})
    assert message.subject == "关于 X Bcc: victim@example.com"


def test_unbalanced_brace_is_refused_on_save():
    problems = validate_template("abandoned", "sms", "{applicant_name 您好", {"applicant_name"})
    assert [p.code for p in problems] == ["TEMPLATE_SYNTAX_INVALID"]


def test_escaped_braces_are_allowed_and_render_as_braces():
    assert validate_template("abandoned", "sms", "{{说明}} {applicant_name}", {"applicant_name"}) == []
    template = Template("abandoned", "sms", "{{说明}} {applicant_name}", template_code="SMS_1")
    assert render(template, {"applicant_name": "张三"}).body == "{说明} 张三"


def test_whole_template_check_covers_subject_and_sms_code():
    email = Template("abandoned", "email", "{applicant_name}", subject="{nope}\n第二行")
    sms = Template("abandoned", "sms", "{applicant_name}", template_code="")
    allowed = CATALOGUE.allowed_variables("abandoned")
    assert [p.code for p in check_template(email, allowed)] == [
        "TEMPLATE_VARIABLE_UNKNOWN", "TEMPLATE_SUBJECT_MULTILINE"]
    assert [p.code for p in check_template(sms, allowed)] == ["TEMPLATE_CODE_MISSING"]


def test_a_broken_default_fails_at_load(tmp_path: Path):
    (tmp_path / "abandoned.yml").write_text(
        "event: abandoned\nvariables: {applicant_name: 姓名}\n"
        "email: {subject: s, body: '{applicant_nmae}'}\n"
        "sms: {template_code: SMS_1, text: '{applicant_name}'}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="applicant_nmae"):
        load_catalogue(tmp_path)
