"""From a frozen submission (intake's application, `contracts.events.APPLICATION_SUBMITTED`
`snapshot`) to the `form` dict that `render.render_evaluation_form` draws (D-1).

The two shapes differ on purpose: the application is what the applicant types, the form is what
the national template prints. Anything missing prints as 无 (R-3.1). ID numbers are masked: a
printout leaves the building.
"""
from __future__ import annotations

EMPTY = "无"


def season_labels(season) -> dict:
    """Chinese names (`name_zh`) of a `contracts.season.Season`'s series, specialties and levels,
    by id: what the form prints instead of the ids an application stores."""
    labels = {}
    for series in season.series:
        labels[series.id] = series.name_zh
        labels.update({s.id: s.name_zh for s in series.specialties})
        labels.update({lv.id: lv.name_zh for lv in series.levels})
    labels.update({c.id: c.name_zh for c in season.exemption_categories or ()})
    return labels


def mask_id(number: str) -> str:
    return number[:4] + "*" * max(len(number) - 8, 0) + number[-4:] if len(number) > 8 else EMPTY


def _month(value) -> str:
    return str(value)[:7] if value and value != EMPTY else (value or EMPTY)


def _entries(section, key="entries") -> list:
    items = (section or {}).get(key) or []
    return [e for e in items if isinstance(e, dict)]


def unit_of(snapshot: dict) -> str | None:
    """The applicant's own unit (工作单位): the basic section's, else the reviewing unit."""
    basic = (snapshot.get("sections") or {}).get("basic") or {}
    own = basic.get("unit_id")
    return own if isinstance(own, str) and own else snapshot.get("unit_id")


def form_from_snapshot(snapshot: dict, applicant: dict, labels: dict | None = None,
                       unit_name: str | None = None) -> dict:
    """`labels` maps the season's ids (series, specialty, level) to their Chinese names;
    `unit_name` is the name of the unit (`unit_of`) as the organisation file gives it: the form
    prints names, never an internal id."""
    labels = labels or {}
    s = snapshot.get("sections") or {}
    basic = s.get("basic") or {}
    qual = s.get("qualification") or {}
    ce = s.get("continuing_education") or {}
    return {
        "application": {k: labels.get(snapshot.get(k), snapshot.get(k) or EMPTY)
                        for k in ("series", "specialty", "level")} | {"exceptional": False},
        "basic": {
            "name": basic.get("name") or applicant.get("name") or EMPTY,
            "former_name": basic.get("former_name", EMPTY), "sex": basic.get("sex", EMPTY),
            "ethnicity": basic.get("ethnicity", EMPTY),
            "birth_date": _month(basic.get("birth_date")),
            "birth_place": basic.get("birth_place", EMPTY),
            "id_number_masked": mask_id(str(basic.get("id_number") or "")),
            "unit": unit_name or basic.get("unit_name") or EMPTY,
            "work_start": _month(basic.get("work_start_date")),
            "health": basic.get("health", EMPTY),
            "administrative_post": basic.get("administrative_post", EMPTY),
            "party": basic.get("political_status", EMPTY), "democratic_party": EMPTY,
            "societies": basic.get("societies", EMPTY),
            "foreign_language": basic.get("foreign_language", EMPTY),
        },
        "education": [{"from": EMPTY, "to": _month(d.get("graduated_on")),
                       "school": d.get("school", EMPTY), "major": d.get("major", EMPTY),
                       "diploma": d.get("education", EMPTY), "degree": d.get("degree", EMPTY),
                       "years": EMPTY, "witness": EMPTY}
                      for d in _entries(s.get("education"), "degrees")],
        "training": [],
        "qualification": {
            "current_title": qual.get("current_title", EMPTY),
            "obtained": _month(qual.get("obtained_on")),
            "approved_by": qual.get("approving_body", EMPTY),
            "obtained_in_xinjiang": bool(qual.get("obtained_in_xinjiang", True)),
            "years_in_profession": qual.get("years_in_profession", EMPTY),
            "current_post": qual.get("current_title", EMPTY), "post_since": EMPTY,
            "current_work": basic.get("professional_work", EMPTY)},
        "work_history": [{"from": _month(e.get("start")), "to": _month(e.get("end")),
                          "unit": e.get("unit", EMPTY), "post": e.get("post", EMPTY),
                          "witness": e.get("witness", EMPTY)}
                         for e in _entries(s.get("work_history"))],
        "achievements": [{"stage": "after",
                          "period": f"{_month(e.get('start'))}—{_month(e.get('end'))}",
                          "title": e.get("title", EMPTY), "content": e.get("content", EMPTY),
                          "role": e.get("role", EMPTY), "outcome": e.get("outcome", EMPTY)}
                         for e in _entries(s.get("achievements"))],
        "publications": [{"date": _month(e.get("published_on")), "title": e.get("title", EMPTY),
                          "venue": e.get("venue", EMPTY), "rank": e.get("own_rank", EMPTY)}
                         for e in _entries(s.get("publications"))],
        "continuing_education": {"status": "exempt" if ce.get("exempt") else "completed",
                                 "summary": labels.get(ce.get("exemption_category"),
                                                       ce.get("exemption_category")) or EMPTY},
        "exam": EMPTY,
        "assessments": [{"year": a.get("year"), "result": a.get("result", EMPTY),
                         "remark": EMPTY} for a in _entries(s.get("assessments"), "years")],
        "summary": (s.get("summary") or {}).get("text") or EMPTY,
        "other": [],
        "opinions": [],
    }


# ---- 附件1 and 附件2 (D-2, D-3) -----------------------------------------------------------------


def guarantee_data(form: dict) -> dict:
    """D-2 附件1 真实性保证书: who promises, for which application (R-3.3 §10, R-5.1 (3))."""
    return {k: form[k] for k in ("basic", "application", "qualification")}


def claims_exemption(snapshot: dict) -> bool:
    """R-3.4: the applicant claims the year's continuing-education exemption (免试)."""
    ce = (snapshot.get("sections") or {}).get("continuing_education") or {}
    return ce.get("exempt") is True


def exemption_data(form: dict, season: str) -> dict:
    """D-3 附件2 继续教育免试审批表, pre-filled: the exemption is for the season's year (R-3.4:
    当年免除); the post and place are the applicant's to write, the proof is the uploaded one."""
    return guarantee_data(form) | {"exemption": {
        "category": form["continuing_education"]["summary"],
        "period": f"{season}年度", "post": EMPTY,
        "proof": "见申报附件“继续教育免试相关证明材料”"}}


# ---- opinions recorded online (review's STEP_DECIDED, R-4.1) -----------------------------------

STEP_LEVELS = {"unit": "unit", "department": "department", "committee": "committee"}
DECISION_TEXT = {  # when a reviewer gave no words of their own
    "recommended": "同意推荐", "forwarded": "同意，逐级上报", "accepted": "形式审查合格，予以受理",
    "refused": "不予受理"}
DECISION_PREFIX = {"accepted": "形式审查：", "refused": "形式审查："}


def form_opinion(step: str, decision: str, opinion: str, reviewer: dict | None,
                 decided_at: str) -> dict:
    """One recorded decision as the 评审表 prints it in its box (render's `opinions` entries):
    the unit's R-4.2 text exactly as recorded, the department's, the committee's formal review."""
    reviewer = reviewer or {}
    text = (opinion or "").strip() or DECISION_TEXT.get(decision, decision)
    if step == "committee":
        text = DECISION_PREFIX.get(decision, "") + text
    return {"level": STEP_LEVELS.get(step, step), "org": "",
            "reviewer": reviewer.get("name") or reviewer.get("person_id") or "",
            "date": str(decided_at)[:10], "text": text}


def with_opinions(form: dict, opinions: list[dict]) -> dict:
    """The form with the opinions recorded so far, oldest first (the caller orders them)."""
    return {**form, "opinions": list(opinions)}


def printed_opinion(opinion) -> dict:
    """A decision as documents keeps it (models.opinions, or the same fields of STEP_DECIDED)
    as the form prints it (`form_opinion`)."""
    return form_opinion(opinion["step"], opinion["decision"], opinion["opinion"],
                        opinion["reviewer"], opinion["decided_at"])
