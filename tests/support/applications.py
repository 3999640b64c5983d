"""Applications as the system tests' frontend fills them: one home for "a complete, valid
application" so every system test drives the same intake API the same way.

`example_application(season)` is that application as sample data (one fixed person), for the
unit tests of the rules; `body()` is the JSON of POST /applications (a complete application,
every section filled, with a fresh valid ID number each call: intake allows one active
application per person and season);
`submit_complete()` creates it, uploads every attachment intake requires (the same rule intake
applies, `intake.rules.attachments.required_attachments`), waits for documents' verdicts and
submits. Owned by intake: when intake requires more, this is the one place that learns it.
"""
from __future__ import annotations

import copy
import functools
import random
from datetime import date, timedelta

import jwt
from PIL import ImageDraw

from contracts.season import Season, load_season
from intake.application_schema import NONE
from intake.rules.attachments import required_attachments as _required
from intake.rules.idcard import check_character
from plumbing.config import ROOT
from tests.support.images import jpeg, text_page

UNIT = "unit-urumqi-machinery"
DISPATCHING_UNIT = "unit-jiangsu-dispatch"  # deploy/sample/organisations.yaml, outside Xinjiang

_random = random.SystemRandom()


@functools.cache
def season_2019():
    return load_season((ROOT / "seasons" / "2019.yaml").read_text("utf-8"))


def example_application(season: Season) -> dict:
    """A complete, valid application (an in-service 纺织 engineer, title obtained in Xinjiang).

    Dates are chosen inside the 2019 notice's terms; assessments follow `season`.
    """
    return {
        "season": season.id, "series": "engineering", "specialty": "textile",
        "level": "senior_engineer", "category": "in_service",
        "sections": {
            "basic": {
                "name": "阿依古丽·买买提", "former_name": NONE, "sex": "女", "ethnicity": "维吾尔族",
                "birth_date": "1985-06-15", "birth_place": "新疆乌鲁木齐",
                "id_number": "650102198506150029", "phone": "13912345678",
                "email": "ayguli@example.com", "unit_id": "unit-xj-textile-01",
                "work_start_date": "2008-07-01", "health": "健康", "political_status": "群众",
                "administrative_post": NONE, "professional_work": "纺织工艺技术",
                "foreign_language": "英语四级", "societies": NONE},
            "education": {"degrees": [{
                "education": "大学本科", "degree": "工学学士", "school": "新疆大学",
                "major": "纺织工程", "graduated_on": "2008-06-30", "full_time": True}]},
            "qualification": {
                "current_title": "工程师", "obtained_on": "2013-12-20",
                "approving_body": "新疆维吾尔自治区人力资源和社会保障厅",
                "obtained_in_xinjiang": True, "years_in_profession": 11},
            "work_history": {"entries": [{
                "start": "2008-07-01", "end": NONE, "unit": "新疆某纺织有限公司",
                "post": "工艺技术员、工程师", "witness": "王建国"}]},
            "achievements": {"entries": [{
                "start": "2016-03-01", "end": "2017-12-31", "title": "细纱工序节能改造",
                "content": "主持工艺方案设计与实施", "role": "主持", "outcome": "年节电12%"}]},
            "publications": {"entries": [{
                "kind": "论文", "published_on": "2018-05-01", "title": "新疆长绒棉纺纱工艺优化",
                "venue": "棉纺织技术", "own_rank": "第一作者"}]},
            "continuing_education": {"exempt": False, "exemption_category": NONE},
            "assessments": {"years": [{"year": y, "result": "合格"}
                                      for y in season.assessment_years.years]},
            "summary": {"text": "任现职以来，本人主要从事纺织工艺技术工作。"},
            "other": {"remarks": NONE},
        },
    }


_issued: set[str] = set()


def id_number(born: date | None = None, region: str = "650102") -> str:
    """A valid 居民身份证号码 (GB 11643 check character), different on every call in this
    process (one active application per person and season is keyed on it)."""
    while True:
        day = born or date(1970, 1, 1) + timedelta(days=_random.randrange(0, 365 * 20))
        first17 = f"{region}{day:%Y%m%d}{_random.randrange(0, 1000):03d}"
        number = first17 + check_character(first17)
        if number not in _issued:
            _issued.add(number)
            return number


def issued_id_numbers() -> frozenset[str]:
    """Every ID number `id_number` made up in this process (a log must show none of them)."""
    return frozenset(_issued)


def body(unit_id: str = UNIT, **header) -> dict:
    """A complete application (an in-service senior engineer, title obtained in Xinjiang) for
    `unit_id`; `header` overrides series, specialty, level, category, aid, entrusted."""
    app = copy.deepcopy(example_application(season_2019()))
    app["unit_id"] = unit_id
    basic = app["sections"]["basic"]
    basic["unit_id"] = unit_id
    born = date(1970, 1, 1) + timedelta(days=_random.randrange(0, 365 * 20))
    basic["birth_date"] = born.isoformat()
    basic["id_number"] = id_number(born)
    app.update(header)
    return app


def aid_staff_body(dispatching_unit_id: str = DISPATCHING_UNIT, **header) -> dict:
    """R-1.3, R-3.5: staff on assignment to Xinjiang since 2017, still there; the dispatching
    unit reviews first."""
    return body(category="aid_staff", aid={
        "dispatching_unit": "江苏示例机械研究院", "dispatching_unit_id": dispatching_unit_id,
        "assignment_start": "2017-08-01", "still_on_assignment": True}, **header)


def required_attachments(app: dict) -> list[tuple[str, str]]:
    """(section, kind) of every attachment the application needs, once per copy required."""
    return [(r.section, r.kind) for r in _required(app, season_2019())
            for _ in range(r.min_count)]


def attachment_image(kind: str, seed: int | None = None) -> bytes:
    """A JPG that passes documents' checks for `kind` (a one-inch photo has 25×35 proportions).

    Without `seed` every call draws a picture of its own (text plus blocks at random places), so
    documents does not flag it as the same image as another applicant's; with `seed` the same
    picture every time (to upload a duplicate on purpose)."""
    rnd = random.Random(seed) if seed is not None else _random
    page = text_page((590, 826) if kind == "photo" else (1240, 1754), rnd.randrange(1 << 30))
    draw = ImageDraw.Draw(page)
    w, h = page.size
    for _ in range(6):  # frames of stamps, tables and photos on a certificate
        x, y = rnd.randrange(w * 3 // 4), rnd.randrange(h * 3 // 4)
        draw.rectangle((x, y, x + rnd.randrange(w // 10, w // 4), y + rnd.randrange(h // 20, h // 6)),
                       outline=(rnd.randrange(120), rnd.randrange(120), rnd.randrange(160)),
                       width=max(2, w // 300))
    return jpeg(page)


def contact_of(token: str) -> dict:
    """Section 1's contact fields as the platform's token states them (name, email, phone), and
    the channel it implies: SMS when there is a phone, else email (notify's contact `channel`).
    When the token names one way to reach the person, the other is 无 (R-3.1: none)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    contact = {k: claims[k] for k in ("name", "email", "phone") if claims.get(k)}
    if contact.get("phone") or contact.get("email"):
        contact.setdefault("phone", "无")
        contact.setdefault("email", "无")
        contact["contact_channel"] = "sms" if contact["phone"] != "无" else "email"
    return contact


def for_token(token: str, app: dict | None = None) -> dict:
    """`app` (default `body()` for the token's `org`) with section 1's contact taken from the
    token, so what notify is told matches the person the test logs in as."""
    claims = jwt.decode(token, options={"verify_signature": False})
    app = copy.deepcopy(app) if app is not None else body(claims.get("org") or UNIT)
    app["sections"]["basic"].update(contact_of(token))
    return app


def upload(api, token, application_id: str, section: str, kind: str, data: bytes | None = None,
           seed: int | None = None):
    r = api.call("PUT", f"/applications/{application_id}/attachments/{section}/{kind}", token,
                 data=data if data is not None else attachment_image(kind, seed),
                 headers={"Content-Type": "image/jpeg", "X-Filename": f"{kind}.jpg"})
    assert r.status_code == 201, r.text
    return r.json()


def create(api, token, app: dict | None = None) -> dict:
    """Open `app` (default: `body()` with the token's unit and contact)."""
    r = api.call("POST", "/applications", token, json=app or for_token(token))
    assert r.status_code == 201, r.text
    return r.json()


def upload_all(api, token, application_id: str, app: dict) -> list[dict]:
    """Every required attachment, each a picture of its own; waits for documents' verdicts."""
    done = [upload(api, token, application_id, section, kind)
            for section, kind in required_attachments(app)]
    api.wait_for(f"/applications/{application_id}", token, lambda b: b["attachments"] and all(
        a["status"] != "checking" for a in b["attachments"]), timeout=90)
    return done


def submit_complete(api, token, app: dict | None = None) -> dict:
    """From nothing to submitted; returns the application as the submit answered it. Without
    `app`: `body()` for the token's unit, with the token's name, email and phone in section 1."""
    app = app or for_token(token)
    created = create(api, token, app)
    upload_all(api, token, created["id"], app)
    r = api.call("POST", f"/applications/{created['id']}/submit", token)
    assert r.status_code == 202, r.text
    return r.json()
