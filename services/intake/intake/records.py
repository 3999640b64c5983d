"""Between the tables and the rules: the application as the rules judge it, as a frozen version
and as the API shows it. Pure functions over rows and dicts (no I/O, no clock).

The ID number never sits in `applications.sections` in clear: it is sealed in its own column
(`intake.pii`) and `sections.basic.id_number` holds its mask, so frozen versions, events and
every reader other than its owner see the mask only (issue #3, "Personal data").
"""
from __future__ import annotations

import copy
from datetime import date, datetime, timezone
from typing import Any

from contracts.rules import submissions_left
from contracts.season import Season
from intake.lifecycle import VERDICTS
from intake.pii import mask
from intake.rules.attachments import required_attachments
from intake.rules.eligibility import seniority
from intake.rules.fields import is_none, parse_date

HEADER_KEYS = ("season", "series", "specialty", "level", "category", "aid", "entrusted")


def rfc3339(moment: datetime | date) -> str:
    """A time as RFC 3339 with its offset, a date as YYYY-MM-DD. A naive datetime is UTC: SQLite
    hands back what was stored in UTC without its zone."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.isoformat()
    return moment.isoformat()


def iso(moment) -> str | None:
    return rfc3339(moment) if moment else None


def basic_of(doc: dict) -> dict:
    sections = doc.get("sections")
    basic = sections.get("basic") if isinstance(sections, dict) else None
    return basic if isinstance(basic, dict) else {}


def reviewing_unit(doc: dict, own_unit: str | None) -> str | None:
    """The unit that reviews first (contracts.events APPLICATION_SUBMITTED): the dispatching unit
    for aid staff (R-3.5, R-4.6), the entrusting department for entrusted staff (R-1.3), else the
    applicant's own unit (R-4.1)."""
    category = doc.get("category")
    if category == "aid_staff" and isinstance(doc.get("aid"), dict):
        return doc["aid"].get("dispatching_unit_id") or own_unit
    if category == "entrusted" and isinstance(doc.get("entrusted"), dict):
        return doc["entrusted"].get("entrusting_org_id") or own_unit
    return own_unit


def sealed_sections(sections: dict) -> dict:
    """The sections as stored: the ID number replaced by its mask."""
    out = copy.deepcopy(sections)
    basic = out.get("basic")
    if isinstance(basic, dict) and isinstance(basic.get("id_number"), str):
        basic["id_number"] = mask(basic["id_number"])
    return out


def document(app, id_number: str | None = None) -> dict:
    """The application as the rules take it (`intake.application_schema`), with the ID number
    in clear when given (for its owner and for the rules)."""
    sections = copy.deepcopy(app.sections or {})
    if id_number is not None and isinstance(sections.get("basic"), dict):
        sections["basic"]["id_number"] = id_number
    doc = {"season": app.season, "series": app.series, "specialty": app.specialty or None,
           "level": app.level, "category": app.category, "sections": sections}
    if app.aid is not None:
        doc["aid"] = app.aid
    if app.entrusted is not None:
        doc["entrusted"] = app.entrusted
    return doc


def merge(current: dict, patch: dict) -> dict:
    """A draft change applied: header values replace, `aid`/`entrusted` and each section merge
    field by field; null removes a field; lists of entries are replaced whole."""
    out = copy.deepcopy(current)
    for key, value in patch.items():
        if key == "sections" and isinstance(value, dict):
            sections = out.setdefault("sections", {})
            for name, fields in value.items():
                if fields is None:
                    sections.pop(name, None)
                    continue
                target = sections.get(name) if isinstance(sections.get(name), dict) else {}
                sections[name] = _merge_fields(target, fields)
        elif key in ("aid", "entrusted") and isinstance(value, dict):
            base = out.get(key) if isinstance(out.get(key), dict) else {}
            out[key] = _merge_fields(base, value)
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_fields(target: dict, fields: dict) -> dict:
    merged = dict(target)
    for k, v in fields.items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = copy.deepcopy(v)
    return merged


def changed_paths(patch: dict, prefix: str = "") -> list[str]:
    """The field paths a patch touches (for the history), the ID number by name only."""
    paths = []
    for key, value in patch.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and (key in ("sections", "aid", "entrusted") or
                                        prefix == "sections"):
            paths += changed_paths(value, path)
        else:
            paths.append(path)
    return paths


def verdicts(attachments) -> list[dict]:
    """Attachments as `rules.attachments` counts them: checking is pending."""
    return [{"section": a.section, "kind": a.kind,
             "status": a.status if a.status in VERDICTS else "pending"} for a in attachments]


def contact(app) -> dict:
    """The applicant contact every service keeps: {person_id, name, email, phone, channel},
    from section 1, falling back to the token's claims."""
    basic = (app.sections or {}).get("basic") or {}
    token = app.applicant or {}

    def given(key):  # 无 (R-3.1: "none") means the person has no such contact
        value = basic.get(key)
        return value if isinstance(value, str) and value.strip() and not is_none(value) \
            else str(token.get(key) or "")
    return {"person_id": app.applicant_id, "name": given("name"), "email": given("email"),
            "phone": given("phone"), "channel": basic.get("contact_channel") or "sms"}


def snapshot(app, attachments) -> dict:
    """What a version freezes (JSON only: it also travels in APPLICATION_SUBMITTED)."""
    doc = document(app)  # the ID number stays masked
    doc["unit_id"] = app.unit_id
    doc["own_unit_id"] = app.own_unit_id
    doc["attachments"] = [attachment_view(a) for a in attachments]
    return doc


def seniority_view(app, season: Season) -> dict | None:
    """R-1.4: time in the current qualification up to the season's cut-off."""
    obtained = parse_date(((app.sections or {}).get("qualification") or {}).get("obtained_on"))
    if obtained is None or obtained > season.seniority_cut_off:
        return None
    s = seniority(obtained, season.seniority_cut_off)
    return {"years": s.years, "months": s.months, "label_zh": s.label_zh,
            "cut_off": season.seniority_cut_off.isoformat()}


def attachment_view(a) -> dict:
    """JSON-ready (it goes into frozen versions and events as well as responses)."""
    return {"id": a.id, "section": a.section, "kind": a.kind, "status": a.status,
            "reasons": a.reasons, "filename": a.filename, "size": a.size,
            "created_at": iso(a.created_at), "checked_at": iso(a.checked_at),
            "superseded_by": a.superseded_by}


def attachment_href(a) -> str | None:
    """Where its checked copy downloads from, once documents checked it and kept one."""
    if a.status in ("accepted", "flagged"):
        return f"/applications/{a.application_id}/attachments/{a.id}/file"
    return None


def summary(app) -> dict:
    """One line of a list: no section content, so no personal data beyond the name."""
    return {"id": app.id, "season": app.season, "status": app.status, "series": app.series,
            "specialty": app.specialty or None, "level": app.level, "category": app.category,
            "unit_id": app.unit_id, "name": contact(app)["name"],
            "submission_count": app.submission_count, "current_step": app.current_step,
            "created_at": app.created_at, "updated_at": app.updated_at}


def view(app, season: Season, attachments, documents, id_number: str | None = None) -> dict:
    """The application as the API shows it; `id_number` in clear only for its owner."""
    doc = document(app, id_number)
    return {
        "id": app.id, "season": app.season, "status": app.status,
        "series": app.series, "specialty": app.specialty or None, "level": app.level,
        "category": app.category, "unit_id": app.unit_id, "own_unit_id": app.own_unit_id,
        "aid": app.aid, "entrusted": app.entrusted, "sections": doc["sections"],
        "applicant": contact(app),
        "submission_count": app.submission_count,
        "submissions_left": submissions_left(app.submission_count, season.submission_cap),
        "seniority": seniority_view(app, season),
        "current_step": app.current_step, "last_return": app.last_return,
        "supplement": app.supplement, "publicity": app.publicity, "result": app.result,
        "required_attachments": [
            {"section": r.section, "kind": r.kind, "label_zh": r.label_zh,
             "min_count": r.min_count} for r in required_attachments(doc, season)],
        "attachments": [{**attachment_view(a), "href": attachment_href(a)} for a in attachments],
        "documents": [{"id": d.id, "version": d.version, "kind": d.kind,
                       "revision": d.revision, "pages": d.pages,
                       "fingerprint": d.fingerprint,
                       "verification_code": d.verification_code,
                       "created_at": iso(d.created_at),
                       "href": f"/applications/{app.id}/documents/{d.id}"}
                      for d in sorted(documents, key=lambda d: (d.version, d.kind, d.revision))],
        "created_at": app.created_at, "updated_at": app.updated_at,
    }


def parse_instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def actor(reviewer: Any) -> str:
    """Who, for the history: a reviewer contact's person id, or what review sent."""
    if isinstance(reviewer, dict):
        return str(reviewer.get("person_id") or reviewer.get("name") or "review")[:120]
    return str(reviewer or "review")[:120]
