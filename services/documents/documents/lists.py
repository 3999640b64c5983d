"""The staff's on-demand lists (D-4): from the rows intake gathers (review's decisions and
publicities, intake's applicants) to the data `render.render_publicity_notice`,
`render_delivery_list` and `render_results_list` draw. Pure: no I/O, no clock.

documents owns none of these rows; it only shapes and prints them. A row or context that is not
what the list needs is refused whole (`LIST_DATA_INVALID`, with the field path), never printed
half.
"""
from __future__ import annotations

from contracts.errors import Refusal

EMPTY = "无"
PUBLICITY = "publicity_notice"  # 单位公示 and 公示结果 (R-4.2, R-2.3, R-5.1 (2))
DELIVERY = "delivery_list"  # 纸质材料报送清单
RESULTS = "results_list"  # 评审通过人员名单 (R-6.1, N-8.6)
KINDS = (PUBLICITY, DELIVERY, RESULTS)

# copies of items (1)–(6) a unit sends per applicant; (7)–(11) are originals, checked at
# delivery and handed back: ticked, not counted.
DELIVERY_ITEMS = {"1": 2, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1,
                  "7": "√", "8": "√", "9": "√", "10": "√", "11": "√"}


def _invalid(field: str, what: str) -> Refusal:
    return Refusal("LIST_DATA_INVALID", f"清单数据不完整：{what}", field=field)


def _text(mapping: dict, key: str, path: str, required: bool = True) -> str:
    value = mapping.get(key)
    if value is None or value == "":
        if required:
            raise _invalid(path, f"缺少 {key}")
        return EMPTY
    if not isinstance(value, (str, int)):
        raise _invalid(path, f"{key} 应为文字")
    return str(value)


def _rows(rows) -> list[dict]:
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise _invalid("rows", "rows 应为对象列表")
    return rows


def _contact(context: dict) -> dict:
    contact = context.get("contact") or {}
    if not isinstance(contact, dict):
        raise _invalid("context.contact", "contact 应为对象")
    return {k: _text(contact, k, f"context.contact.{k}", required=False)
            for k in ("person", "phone", "address")}


OBJECTION = "公示期间，如对公示人员的申报材料有异议，请以书面形式并署真实姓名向本单位人事部门反映"
CONTACT_LABELS = (("person", "联系人"), ("phone", "电话"), ("address", "地址"))


def objection_text(record: dict | None, given: dict) -> str:
    """D-4, R-4.2: whom to write to with an objection. Each of 联系人, 电话, 地址 is the unit's
    own from the organisation file (`record`), else what the request gave (`given`); one that
    neither has is left out, never printed as 无 (see docs/rules.md D-4)."""
    record = record or {}
    parts = []
    for key, label in CONTACT_LABELS:
        value = str(record.get(key) or "").strip() or str(given.get(key) or "").strip()
        if value and value != EMPTY:
            parts.append(f"{label}：{value}")
    return OBJECTION + ("。" + "；".join(parts) if parts else "") + "。"


def publicity_data(rows, context: dict) -> dict:
    """R-4.2: the unit's notice of the applicants it posts, the period (R-2.3: working days) and
    whom to write to; with `context.result` true, the result: objections counted, and whether
    any was upheld (an upheld objection stops the recommendation)."""
    rows = _rows(rows)
    if not rows:
        raise _invalid("rows", "没有已发布公示的申报人")
    applicants = [{k: _text(r, k, f"rows.{i}.{k}", required=k == "name")
                   for k in ("name", "current_title", "specialty", "applied_title")}
                  for i, r in enumerate(rows)]
    for i, r in enumerate(rows):
        _text(r, "starts_on", f"rows.{i}.starts_on")
        _text(r, "ends_on", f"rows.{i}.ends_on")
    data = {"unit": _text(context, "org_name", "context.org_name"),
            "period": {"start": min(str(r["starts_on"]) for r in rows),
                       "end": max(str(r["ends_on"]) for r in rows),
                       "working_days": _text(context, "working_days", "context.working_days")},
            "applicants": applicants,
            "objection": objection_text(context.get("unit_contact"), _contact(context)),
            "issued_on": _text(context, "issued_on", "context.issued_on")}
    if context.get("result"):
        open_ = [i for i, r in enumerate(rows) if not r.get("outcome")]
        if open_:
            raise Refusal("PUBLICITY_NOT_ENDED", "公示尚未结束，不能出具公示结果",
                          field=f"rows.{open_[0]}.outcome", status=409)
        objections = sum(int(r.get("objections") or 0) for r in rows)
        upheld = [a["name"] for a, r in zip(applicants, rows) if r["outcome"] == "objection_upheld"]
        text = ("无异议" if not objections else
                "所反映问题经核查不影响推荐" if not upheld else
                "经核查，" + "、".join(upheld) + "的异议成立，不予推荐")
        data["result"] = {"objections": objections, "text": text, "date": data["issued_on"]}
    return data


def delivery_data(rows, context: dict) -> dict:
    """R-5.1, R-2.2, R-5.3: what the unit brings for each applicant it recommended, in the
    season's delivery window, to the season's address."""
    rows = _rows(rows)
    window = context.get("window") or {}
    if not isinstance(window, dict):
        raise _invalid("context.window", "window 应为对象")
    return {"unit": _text(context, "org_name", "context.org_name"),
            "window": {"start": _text(window, "start", "context.window.start"),
                       "end": _text(window, "end", "context.window.end")},
            "address": _text(context, "address", "context.address"),
            "contact": _contact(context),
            "applicants": [{"name": _text(r, "name", f"rows.{i}.name"),
                            "applied_title": _text(r, "applied_title", f"rows.{i}.applied_title",
                                                   required=False),
                            "items": dict(DELIVERY_ITEMS)} for i, r in enumerate(rows)]}


def results_data(rows, context: dict) -> dict:
    """R-6.1, N-8.6: those who passed the committee's vote, for publication."""
    rows = _rows(rows)
    period = context.get("period") or {}
    if not isinstance(period, dict):
        raise _invalid("context.period", "period 应为对象")
    return {"committee": _text(context, "org_name", "context.org_name"),
            "publisher": _text(context, "org_name", "context.org_name"),
            "period": {"start": _text(period, "start", "context.period.start", required=False),
                       "end": _text(period, "end", "context.period.end", required=False)},
            "contact": _contact(context),
            "issued_on": _text(context, "issued_on", "context.issued_on"),
            "passed": [{k: _text(r, k, f"rows.{i}.{k}", required=k == "name")
                        for k in ("name", "unit", "specialty", "title")}
                       for i, r in enumerate(rows) if r.get("outcome", "passed") == "passed"]}


BUILDERS = {PUBLICITY: publicity_data, DELIVERY: delivery_data, RESULTS: results_data}


def list_data(kind: str, rows, context) -> dict:
    """The data of list `kind`, or a refusal naming what is missing."""
    if kind not in BUILDERS:
        raise Refusal("LIST_KIND_UNKNOWN", "清单类型应为 " + "、".join(KINDS), field="kind")
    if not isinstance(context, dict):
        raise _invalid("context", "context 应为对象")
    for key in ("season", "issued_on"):  # printed on every page, with the date of the list
        _text(context, key, f"context.{key}")
    return BUILDERS[kind](rows, context)
