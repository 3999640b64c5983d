"""D-4 on demand: the rows intake gathers, shaped into the printed lists (documents.lists), and
refused whole when something a list needs is missing."""
import io

import pytest
from pypdf import PdfReader

from contracts.errors import Refusal
from documents import lists
from documents.render import DocumentMeta, render_delivery_list, render_publicity_notice

CONTEXT = {"org_id": "unit-1", "org_name": "乌鲁木齐示例机械厂", "season": "2019",
           "issued_on": "2019-10-23", "working_days": 5,
           "contact": {"person": "刘红", "phone": "0991-1234567"}}
ROW = {"name": "张三", "current_title": "工程师", "specialty": "纺织", "applied_title": "高级工程师",
       "starts_on": "2019-10-15", "ends_on": "2019-10-21", "outcome": None, "objections": 0}
META = DocumentMeta("PUBLICITY-ABCDEF", "23456-789AB", "2019", "https://v.example/verify/x",
                    "2019-10-23")


def text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def test_r4_2_the_notice_lists_the_applicants_over_the_whole_period():
    later = ROW | {"name": "李四", "starts_on": "2019-10-16", "ends_on": "2019-10-22"}
    data = lists.list_data(lists.PUBLICITY, [ROW, later], CONTEXT)
    assert data["period"] == {"start": "2019-10-15", "end": "2019-10-22", "working_days": "5"}
    assert [a["name"] for a in data["applicants"]] == ["张三", "李四"]
    assert "result" not in data
    printed = text(render_publicity_notice(data, meta=META).pdf)
    assert "张三" in printed and "2019-10-15至2019-10-22（5个工作日）" in printed
    assert "刘红" in printed and "公示结果" not in printed


def test_r4_2_the_result_counts_objections_and_names_an_upheld_one():
    quiet = lists.list_data(lists.PUBLICITY, [ROW | {"outcome": "no_objection"}],
                            CONTEXT | {"result": True})
    assert quiet["result"] == {"objections": 0, "text": "无异议", "date": "2019-10-23"}
    upheld = lists.list_data(lists.PUBLICITY, [
        ROW | {"outcome": "objection_upheld", "objections": 2},
        ROW | {"name": "李四", "outcome": "no_objection", "objections": 1}], CONTEXT | {"result": True})
    assert upheld["result"]["objections"] == 3 and "张三的异议成立" in upheld["result"]["text"]
    assert "公示结果：公示期满，无异议" in text(render_publicity_notice(quiet, meta=META).pdf)


def test_the_result_is_refused_while_a_publicity_runs():
    with pytest.raises(Refusal) as refused:
        lists.list_data(lists.PUBLICITY, [ROW], CONTEXT | {"result": True})
    assert refused.value.code == "PUBLICITY_NOT_ENDED" and refused.value.field == "rows.0.outcome"


@pytest.mark.parametrize("rows, context, field", [
    ([], CONTEXT, "rows"),
    ([{k: v for k, v in ROW.items() if k != "name"}], CONTEXT, "rows.0.name"),
    ([ROW | {"ends_on": None}], CONTEXT, "rows.0.ends_on"),
    ([ROW], {k: v for k, v in CONTEXT.items() if k != "org_name"}, "context.org_name"),
    ([ROW], {k: v for k, v in CONTEXT.items() if k != "issued_on"}, "context.issued_on"),
    ("not rows", CONTEXT, "rows"),
])
def test_missing_data_is_refused_with_its_field(rows, context, field):
    with pytest.raises(Refusal) as refused:
        lists.list_data(lists.PUBLICITY, rows, context)
    assert (refused.value.code, refused.value.field) == ("LIST_DATA_INVALID", field)
    assert "清单数据不完整" in refused.value.message


def test_an_unknown_list_is_refused():
    with pytest.raises(Refusal) as refused:
        lists.list_data("secret_list", [], CONTEXT)
    assert refused.value.code == "LIST_KIND_UNKNOWN" and refused.value.field == "kind"


def test_r5_1_the_delivery_list_gives_every_recommended_applicant_the_eleven_items():
    data = lists.list_data(lists.DELIVERY, [ROW], CONTEXT | {
        "window": {"start": "2019-11-01", "end": "2019-11-20"},
        "address": "乌鲁木齐市光明路140号新疆机械工程学会"})
    (applicant,) = data["applicants"]
    assert applicant["items"]["1"] == 2 and set(applicant["items"]) == {str(n) for n in range(1, 12)}
    printed = text(render_delivery_list(data, meta=META).pdf)
    assert "张三" in printed and "乌鲁木齐市光明路140号" in printed and "2019-11-20" in printed


def test_r6_1_the_results_list_keeps_only_those_who_passed():
    data = lists.list_data(lists.RESULTS, [
        ROW | {"unit": "示例厂", "title": "高级工程师", "outcome": "passed"},
        ROW | {"name": "李四", "unit": "示例厂", "title": "高级工程师", "outcome": "failed"}],
        CONTEXT | {"period": {"start": "2019-12-01", "end": "2019-12-07"}})
    assert [p["name"] for p in data["passed"]] == ["张三"]


# D-4 (docs/rules.md): the notice prints the unit's contact from the organisation file; a line
# with nothing to say is left out, never printed as 无.
@pytest.mark.parametrize("record,given,expected", [
    ({"person": "石磊", "phone": "0991-0000004", "address": "示例路1号人力资源部"}, {},
     "反映。联系人：石磊；电话：0991-0000004；地址：示例路1号人力资源部。"),
    ({"person": "石磊"}, {"phone": "0991-1234567"}, "反映。联系人：石磊；电话：0991-1234567。"),
    ({}, {"person": "无", "phone": "", "address": None}, "向本单位人事部门反映。"),
    (None, {}, "向本单位人事部门反映。"),
])
def test_d4_the_objection_line_prints_the_units_contact_or_leaves_it_out(record, given,
                                                                         expected):
    line = lists.objection_text(record, given)
    assert line.endswith(expected) and "无" not in line


def test_d4_the_printed_notice_has_the_record_contact_and_no_empty_lines():
    with_contact = lists.list_data(lists.PUBLICITY, [ROW], CONTEXT | {
        "contact": {}, "unit_contact": {"person": "石磊", "phone": "0991-0000004",
                                        "address": "示例路1号人力资源部"}})
    printed = text(render_publicity_notice(with_contact, meta=META).pdf)
    assert "联系人：石磊；电话：0991-0000004；地址：示例路1号人力资源部。" in printed
    bare = lists.list_data(lists.PUBLICITY, [ROW], CONTEXT | {"contact": {}})
    printed = text(render_publicity_notice(bare, meta=META).pdf)
    assert "向本单位人事部门反映。" in printed
    assert "联系人" not in printed and "电话" not in printed and "地址" not in printed
    assert "：无" not in printed
