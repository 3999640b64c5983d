"""Issue #18 (D-1, D-2, D-3): the printed 评审表 shows the unit's name for 工作单位 and 单位, never
its internal id; no internal rule number (R-…, N-…) is printed on a form; 填表时间 is the date of
the submission (season time), not of the draft. Text is read back from the PDF (pdftotext)."""
import re
import subprocess

import pytest

from documents.form import exemption_data, form_from_snapshot, guarantee_data, unit_of
from documents.render import (DocumentMeta, render_evaluation_form, render_exemption_form,
                              render_guarantee)
from documents.rendering import form_date
from tests.support.tools import tool

SNAPSHOT = {"series": "engineering", "specialty": "textile", "level": "senior_engineer",
            "unit_id": "unit-urumqi-machinery",
            "sections": {"basic": {"name": "张三", "unit_id": "unit-urumqi-machinery"},
                         "continuing_education": {"exempt": True,
                                                  "exemption_category": "fanghuiju"}}}
UNIT_NAME = "乌鲁木齐示例机械制造有限公司"
RULE_NUMBER = re.compile(r"\b[RND]-\d")


def pdf_text(pdf: bytes, tmp_path) -> str:
    pdftotext = tool("pdftotext", "poppler-utils")
    src = tmp_path / "form.pdf"
    src.write_bytes(pdf)
    out = subprocess.run([pdftotext, "-layout", str(src), "-"], check=True,
                         capture_output=True, text=True).stdout
    return re.sub(r"\s+", "", out)


def meta(date: str) -> DocumentMeta:
    return DocumentMeta("GX2019-000042", "23456-789AB", "2019", "https://v.example/verify/x", date)


def test_the_form_names_the_applicants_own_unit():
    assert unit_of(SNAPSHOT) == "unit-urumqi-machinery"
    assert unit_of({"unit_id": "unit-jiangsu-dispatch", "sections": {}}) == "unit-jiangsu-dispatch"
    form = form_from_snapshot(SNAPSHOT, {"name": "张三"}, {}, UNIT_NAME)
    assert form["basic"]["unit"] == UNIT_NAME
    assert form_from_snapshot(SNAPSHOT, {}, {})["basic"]["unit"] == "无"  # never the id


def test_d1_form_date_is_the_submission_day_in_season_time():
    # submitted 2019-10-20 23:30 UTC = 2019-10-21 07:30 in Urumqi season time (UTC+8)
    payload = {"occurred_at": "2026-12-01T04:00:00+00:00",
               "submitted_at": "2019-10-20T23:30:00+00:00"}
    assert form_date(payload) == "2019-10-21"
    assert form_date({"occurred_at": "2019-10-20T02:00:00+00:00"}) == "2019-10-20"


def test_d1_printed_form_has_the_unit_name_no_rule_numbers_and_the_submission_date(tmp_path):
    form = form_from_snapshot(SNAPSHOT, {"name": "张三"}, {}, UNIT_NAME)
    date = form_date({"occurred_at": "2026-12-01T04:00:00+00:00",
                      "submitted_at": "2019-10-20T23:30:00+00:00"})
    text = pdf_text(render_evaluation_form(form, photo_jpeg=None, meta=meta(date)).pdf, tmp_path)
    assert f"单位{UNIT_NAME}" in text or f"单位：{UNIT_NAME}" in text  # the cover's 单位
    assert f"工作单位{UNIT_NAME}" in text  # 一、基本情况
    assert "unit-urumqi-machinery" not in text
    assert not RULE_NUMBER.search(text), RULE_NUMBER.search(text)
    assert "填表时间2019年10月21日" in text
    assert "2026" not in text


@pytest.mark.parametrize("render,data", [
    (render_guarantee, guarantee_data),
    (render_exemption_form, lambda form: exemption_data(form, "2019")),
])
def test_d2_d3_annexes_print_the_unit_name_and_no_rule_numbers(render, data, tmp_path):
    form = form_from_snapshot(SNAPSHOT, {"name": "张三"}, {}, UNIT_NAME)
    text = pdf_text(render(data(form), meta=meta("2019-10-21")).pdf, tmp_path)
    assert UNIT_NAME in text and "unit-urumqi-machinery" not in text
    assert not RULE_NUMBER.search(text), RULE_NUMBER.search(text)
