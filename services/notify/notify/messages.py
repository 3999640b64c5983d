"""Who is told what (通知内容), per event: pure functions from an event and what notify knows to
the notices to send. No I/O (`portal_url` only reads the deployment's setting); the handlers
(notify.handlers) load the contact and call these.

A `Notice` names the template (with a variant after `:` where one event gives several notices
to one person, e.g. `supplement_reminder:24h`), the person and the template's variables.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from contracts.people import application_number

# China Standard Time has no daylight saving: a fixed offset is exact (and needs no tzdata).
CST = timezone(timedelta(hours=8), "CST")

STEP_NAMES = {"unit": "单位审核", "department": "主管部门审核", "committee": "评委会审核"}
DECISIONS = {"recommended": "同意推荐", "forwarded": "同意上报", "accepted": "形式审查通过",
             "refused": "未通过"}
RESULTS = {"passed": "通过", "failed": "未通过"}
# Every outcome of contracts.events.PUBLICITY_OUTCOMES, as the applicant reads it.
PUBLICITY_OUTCOMES = {"no_objection": "无异议", "objection_upheld": "收到异议，不予推荐",
                      "returned": "申报材料被退回修改，本次公示终止"}
# what each level code is called (the event carries the code only).
LEVEL_NAMES = {
    "senior_engineer": "高级工程师", "engineer": "工程师", "assistant_engineer": "助理工程师",
    "full_senior_arts_crafts_artist": "正高级工艺美术师",
    "senior_arts_crafts_artist": "高级工艺美术师", "arts_crafts_artist": "工艺美术师",
    "assistant_arts_crafts_artist": "助理工艺美术师", "senior_economist": "高级经济师",
}


@dataclass(frozen=True)
class Notice:
    template: str
    person_id: str
    variables: Mapping[str, object] = field(default_factory=dict)

    @property
    def template_name(self) -> str:
        """The template file/event the text comes from (without the variant)."""
        return template_name(self.template)


def template_name(template: str) -> str:
    return template.split(":", 1)[0]


def portal_url(config) -> str:
    """The platform's address for the link in messages: `PORTAL_URL` from the config or the
    environment, set by the deployment (no default could be right)."""
    return str(config.get("PORTAL_URL") or os.environ.get("PORTAL_URL") or "见所在单位通知")


def local_time(value: str | datetime) -> str:
    """An ISO 8601 instant as Xinjiang applicants read it: 2019年10月17日 10:00 (北京时间)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(CST)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def local_date(value: str | None) -> str:
    """An ISO date (2019-10-22) as 2019年10月22日; a missing one as 待定."""
    if not value:
        return "待定"
    year, month, day = str(value)[:10].split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"


def lines(items: Sequence) -> list[str]:
    """Problems or supplement items, each as one line a person can act on (N-8.5)."""
    out = []
    for item in items or []:
        if isinstance(item, Mapping):
            text = item.get("message") or item.get("label") or item.get("code") or ""
            where = item.get("field")
            out.append(f"{text}（{where}）" if where else str(text))
        else:
            out.append(str(item))
    return out


def step_name(step) -> str:
    if isinstance(step, Mapping):
        step = step.get("step") or step.get("name")
    return STEP_NAMES.get(step, str(step or ""))


def _applicant(contact: Mapping, application_id: str, portal_url: str) -> dict:
    return {"applicant_name": contact.get("name") or "申报人",
            "application_ref": application_number(application_id), "portal_url": portal_url}


def received(payload: Mapping, contact: Mapping, portal_url: str) -> Notice:
    """The applicant is told each submission was received (R-4.4 counts them)."""
    kinds = {"first": "首次上报", "resubmission": "修改后重新上报", "supplement": "补充材料"}
    return Notice("received", contact["person_id"], {
        **_applicant(contact, payload["application_id"], portal_url),
        "season": payload["season"], "kind": kinds.get(payload["kind"], payload["kind"]),
        "submission_no": payload["submission_no"]})


def withdrawn(payload: Mapping, contact: Mapping, portal_url: str) -> Notice:
    return Notice("withdrawn", contact["person_id"], {
        **_applicant(contact, payload["application_id"], portal_url),
        "season": payload["season"]})


def task_opened(payload: Mapping, portal_url: str) -> list[Notice]:
    """R-4.1, R-4.3: each reviewer of the step is told the application reached them."""
    base = {"season": payload["season"],
            "application_ref": application_number(payload["application_id"]),
            "org_name": payload["org_name"], "step_name": step_name(payload["step"]),
            "portal_url": portal_url}
    return [Notice("task_opened", r["person_id"], {**base, "reviewer_name": r.get("name") or "审核人"})
            for r in payload["reviewers"]]


def step_decided(payload: Mapping, contact: Mapping, portal_url: str,
                 org_names: Mapping[str, str]) -> Notice:
    """R-4.3: the applicant is told of each step of the route."""
    variables = _applicant(contact, payload["application_id"], portal_url)
    nxt = payload.get("next_step")
    if nxt and payload.get("decision") != "refused":
        org_id = nxt.get("org_id") if isinstance(nxt, Mapping) else None
        org = (nxt.get("org_name") if isinstance(nxt, Mapping) else None) \
            or org_names.get(org_id or "") or "上一级审核单位"
        return Notice("step_advanced", contact["person_id"], {
            **variables, "org_name": org, "step_name": step_name(nxt)})
    return Notice("step_decided", contact["person_id"], {
        **variables, "step_name": step_name(payload["step"]),
        "org_name": org_names.get(payload.get("org_id") or "", "审核单位"),
        "decision": DECISIONS.get(payload.get("decision"), str(payload.get("decision"))),
        "opinion": payload.get("opinion") or "无"})


def publicity_opened(payload: Mapping, contact: Mapping, org_name: str) -> Notice:
    """R-4.2, R-2.3: the unit publicity starts (at least 5 working days)."""
    return Notice("publicity_started", contact["person_id"], {
        "applicant_name": contact.get("name") or "申报人", "publicity_name": "单位内公示",
        "org_name": org_name, "start_date": local_date(payload["starts_on"]),
        "end_date": local_date(payload["ends_on"])})


def publicity_closed(payload: Mapping, contact: Mapping, org_name: str, today: str) -> Notice:
    """R-4.2: the publicity ended; an objection stops the recommendation."""
    return Notice("publicity_ended", contact["person_id"], {
        "applicant_name": contact.get("name") or "申报人", "publicity_name": "单位内公示",
        "org_name": org_name, "end_date": local_date(payload.get("ends_on") or today),
        "outcome": PUBLICITY_OUTCOMES.get(payload["outcome"], str(payload["outcome"]))})


def _reviewer_org(payload: Mapping, org_names: Mapping[str, str] | None) -> str | None:
    """The name of the organisation the deciding reviewer acted for (R-4.1), if known."""
    reviewer = payload.get("reviewer") or {}
    if not isinstance(reviewer, Mapping):
        return None
    return reviewer.get("org_name") or (org_names or {}).get(reviewer.get("org_id") or "")


def returned(payload: Mapping, contact: Mapping, portal_url: str,
             org_names: Mapping[str, str] | None = None) -> Notice:
    """R-4.4, N-8.5: every problem in one notice, and the submissions left."""
    problems = lines(payload["problems"])
    by = _reviewer_org(payload, org_names) \
        or step_name(payload["step"]).replace("审核", "") or "评审委员会"
    request_id = payload.get("request_id")  # a committee's return: 48 hours
    hours = payload.get("hours") or 48
    return Notice("returned", contact["person_id"], {
        **_applicant(contact, payload["application_id"], portal_url),
        "returned_by": by, "problems": problems, "problem_count": len(problems),
        "submissions_left": payload["submissions_left"],
        "time_limit": (f"请自收到本通知起 {hours} 小时内修改并提交，逾期未提交的，视为放弃申报。"
                       if request_id else ""),
        "request_id": request_id})


def supplement_requested(payload: Mapping, contact: Mapping, portal_url: str,
                         org_names: Mapping[str, str] | None = None) -> Notice:
    """R-4.5: the items and the 48 hours, counted from receiving this notice (its delivery
    starts them: `notification_delivered`; the deadline itself comes with the reminders)."""
    committee = _reviewer_org(payload, org_names) or "评审委员会"
    return Notice("supplement_requested", contact["person_id"], {
        **_applicant(contact, payload["application_id"], portal_url),
        "committee_name": committee, "items": lines(payload["items"]),
        "hours": payload.get("hours") or 48, "request_id": payload["request_id"]})


TOLD_TEMPLATES = ("supplement_requested", "returned")  # notices that start R-4.5's 48 hours


def told_about(template: str, variables: Mapping) -> str | None:
    """The committee request a delivered notice tells the applicant of (R-4.5), or None: the
    notices of `TOLD_TEMPLATES` carrying a `request_id`."""
    name = template_name(template)
    if name in TOLD_TEMPLATES and (variables or {}).get("request_id"):
        return str(variables["request_id"])
    return None


def supplement_reminder(application_id: str, items, deadline: datetime, offset: timedelta,
                        now: datetime, contact: Mapping, portal_url: str) -> Notice:
    """R-4.5: a reminder `offset` before the deadline; the variant names the offset, so each
    reminder has its own idempotency key and goes out once."""
    hours = int(offset.total_seconds() // 3600)
    left = max(0, round((deadline - now).total_seconds() / 3600))
    return Notice(f"supplement_reminder:{hours}h", contact["person_id"], {
        **_applicant(contact, application_id, portal_url), "items": lines(items),
        "deadline": local_time(deadline), "hours_left": left})


def abandoned(payload: Mapping, contact: Mapping) -> Notice:
    """R-4.5: no supplement by the deadline: counted as abandoned (视为放弃申报)."""
    return Notice("abandoned", contact["person_id"], {
        "applicant_name": contact.get("name") or "申报人", "season": payload["season"],
        "application_ref": application_number(payload["application_id"]),
        "deadline": local_time(payload["deadline"])})


def result_published(payload: Mapping, contact: Mapping, level: str | None,
                     portal_url: str) -> Notice:
    """R-6.1, N-8.6: the committee's result and the end of its publicity."""
    return Notice(f"result_published:{payload['stage']}", contact["person_id"], {
        "applicant_name": contact.get("name") or "申报人", "season": payload["season"],
        "qualification": LEVEL_NAMES.get(level or "", level or "申报"),
        "result": RESULTS.get(payload["outcome"], str(payload["outcome"])),
        "publicity_end": local_date(payload.get("until")) if payload.get("until") else "已结束",
        "portal_url": portal_url})


def paper_delivery_due(payload: Mapping, address: str, portal_url: str) -> list[Notice]:
    """R-2.2, R-5.1: each HR contact of the unit, before the window closes."""
    base = {"unit_name": payload["unit_name"],
            "pending_count": len(payload.get("applications") or []),
            "closes_at": local_time(payload["closes_at"]), "address": address,
            "portal_url": portal_url}
    return [Notice("paper_delivery_closing", c["person_id"], base)
            for c in payload.get("contacts") or []]
