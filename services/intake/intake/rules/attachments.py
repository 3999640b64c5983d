"""R-3.3: which attachments (附件) an application needs, and what is wrong with the uploaded ones.

Requirements are data (`_REQUIREMENTS`), some conditional on the application's answers; each
produces `AttachmentRequirement(section, kind, label_zh, min_count)`. An attachment record is
`{"section", "kind", "status"}` with status accepted | pending | flagged | rejected (documents'
check verdicts, R-3.2). `flagged` counts as accepted: contracts/events.py ATTACHMENT_CHECKED says
a flagged attachment "is accepted for the applicant but shown to the committee".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from contracts.errors import Problem
from contracts.season import Season
from intake.rules.fields import is_none, section_fields


@dataclass(frozen=True)
class AttachmentRequirement:
    section: str
    kind: str
    label_zh: str
    min_count: int = 1


def _field(app: dict, section: str, key: str):
    return section_fields(app, section).get(key)


def _entries(app: dict, section: str, key: str) -> list[dict]:
    """The filled entries of a list field (none for 无 or a malformed draft)."""
    value = _field(app, section, key)
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def _holds_title(app: dict) -> bool:
    title = _field(app, "qualification", "current_title")
    return isinstance(title, str) and bool(title.strip()) and not is_none(title)


def _years_zh(first: int, last: int) -> str:
    return f"{first}年" if first == last else f"{first}年—{last}年"


def _count(section: str, key: str, kind: str, label_zh: str,
           keep: Callable[[dict], bool] = lambda e: True):
    """One attachment per filled entry (optionally only entries `keep` selects)."""
    def rule(app, season):
        n = sum(1 for e in _entries(app, section, key) if keep(e))
        return [AttachmentRequirement(section, kind, label_zh, n)] if n else []
    return rule


def _when(condition: Callable[[dict], bool], section: str, kind: str, label_zh: str):
    def rule(app, season):
        return [AttachmentRequirement(section, kind, label_zh)] if condition(app) else []
    return rule


def _always(section: str, kind: str, label_zh: str):
    return _when(lambda app: True, section, kind, label_zh)


def _exempt(app: dict) -> bool:
    return _field(app, "continuing_education", "exempt") is True


def _ce_certificates(app: dict, season: Season) -> list[AttachmentRequirement]:
    """R-3.3 #7, R-3.4. The notice (六(一)) exempts only *that year's* (当年) continuing
    education, specialty and public subjects: an exempt applicant still brings the public-subject
    certificates of the earlier years (2014–2018 in 2019). R-3.3 #7 (docs/rules.md) could be read
    as if the exemption replaced every certificate; the notice wins (README, "Notes on the
    rules")."""
    sp, pub = season.ce_specialty_years, season.ce_public_years
    if _exempt(app):
        this_year = sp.last
        last = min(pub.last, this_year - 1)
        if last < pub.first:
            return []
        return [AttachmentRequirement("continuing_education", "public_certificate",
                                      f"{_years_zh(pub.first, last)}公需科目继续教育合格证书")]
    return [AttachmentRequirement("continuing_education", "specialty_certificate",
                                  f"{_years_zh(sp.first, sp.last)}专业科目继续教育合格证书"),
            AttachmentRequirement("continuing_education", "public_certificate",
                                  f"{_years_zh(pub.first, pub.last)}公需科目继续教育合格证书")]


def _assessment_forms(app: dict, season: Season) -> list[AttachmentRequirement]:
    years = season.assessment_years
    return [AttachmentRequirement(
        "assessments", "assessment_form",
        f"近{len(years.years)}年（{_years_zh(years.first, years.last)}）《专业技术人员业务考核登记表》",
        len(years.years))]


def _is_work(e: dict) -> bool:
    return e.get("kind") == "代表作品"


_REQUIREMENTS = (
    _always("basic", "id_card", "身份证"),
    _always("basic", "photo", "一寸免冠照片（25×35毫米）"),
    _count("education", "degrees", "diploma", "学历证书"),
    _count("education", "degrees", "degree_certificate", "学位证书",
           lambda e: isinstance(e.get("degree"), str) and not is_none(e["degree"])),
    _count("education", "degrees", "chsi_report", "学信网（www.chsi.com.cn）查询结果"),
    _when(_holds_title, "qualification", "title_certificate", "职称证书"),
    # a title obtained outside Xinjiang also needs its approval document and evaluation form
    _when(lambda app: _holds_title(app)
          and _field(app, "qualification", "obtained_in_xinjiang") is False,
          "qualification", "qualification_document", "任职资格文件"),
    _when(lambda app: _holds_title(app)
          and _field(app, "qualification", "obtained_in_xinjiang") is False,
          "qualification", "evaluation_form", "专业技术职务任职资格评审表"),
    _count("achievements", "entries", "evidence", "实践能力、业绩成果佐证材料"),
    _count("publications", "entries", "cover", "著作论文封面", lambda e: not _is_work(e)),
    _count("publications", "entries", "contents", "著作论文目录", lambda e: not _is_work(e)),
    _count("publications", "entries", "body", "著作论文正文", lambda e: not _is_work(e)),
    _count("publications", "entries", "stamped_work", "代表作品（经单位审核盖章）", _is_work),
    _ce_certificates,
    _when(_exempt, "continuing_education", "exemption_form", "继续教育免试审批表（附件2）"),
    _when(_exempt, "continuing_education", "exemption_proof", "继续教育免试相关证明材料"),
    _assessment_forms,
    # 《公示结果》 (R-3.3 #10) is not asked of the applicant: the unit publicity runs in
    # this system — review's unit step cannot recommend without it — so its record and the
    # rendered result (D-4, 公示结果) stand in for the upload. The kind stays uploadable.
    # 附件1 is rendered from the draft (GET /applications/{id}/forms/guarantee) to be signed.
    _always("other", "authenticity_guarantee", "专业技术资格评审材料真实性保证书（附件1）"),
    _when(lambda app: app.get("category") == "aid_staff", "other", "dispatching_approval",
          "派出单位（原所在单位）审核同意的证明材料"),
    _when(lambda app: app.get("category") == "entrusted", "other", "entrustment_letter", "委托函"),
)


# Every (section, kind) an attachment may be uploaded as, whatever the answers.
KNOWN_KINDS: dict[str, tuple[str, ...]] = {
    "basic": ("id_card", "photo"),
    "education": ("diploma", "degree_certificate", "chsi_report"),
    "qualification": ("title_certificate", "qualification_document", "evaluation_form"),
    "achievements": ("evidence",),
    "publications": ("cover", "contents", "body", "stamped_work"),
    "continuing_education": ("specialty_certificate", "public_certificate", "exemption_form",
                             "exemption_proof"),
    "assessments": ("assessment_form",),
    "other": ("publicity_result", "authenticity_guarantee", "dispatching_approval",
              "entrustment_letter", "other_proof"),
}


_KIND_NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")


def is_known_kind(section: str, kind: str) -> bool:
    """R-3.3: `kind` is one that `section` requires (`KNOWN_KINDS`)."""
    return kind in KNOWN_KINDS.get(section, ())


def is_acceptable_kind(section: str, kind: str) -> bool:
    """Where an upload may go: one of the ten sections (R-3.3), under a kind named in lower-case
    snake case. Kinds beyond `KNOWN_KINDS` are kept as further evidence (R-3.3 #10 "other
    proof") and count toward no requirement."""
    return section in KNOWN_KINDS and bool(_KIND_NAME.fullmatch(kind))


def required_attachments(application: dict, season: Season) -> list[AttachmentRequirement]:
    """R-3.3, R-3.4, R-3.5, R-1.3: the attachments this application needs, section by section."""
    return [req for rule in _REQUIREMENTS for req in rule(application, season)]


_STATUSES = {"accepted", "pending", "flagged", "rejected"}


def attachment_problems(application: dict, attachments: Iterable[dict],
                        season: Season) -> list[Problem]:
    """R-3.2, R-3.3: one problem per requirement not yet met by accepted attachments.

    Rejected ones must be replaced (ATTACHMENT_REJECTED) before missing ones are counted
    (ATTACHMENT_MISSING); enough uploads still under check give ATTACHMENT_PENDING.
    """
    tally: dict[tuple[str, str], dict[str, int]] = {}
    for a in attachments:
        if a["status"] not in _STATUSES:
            raise ValueError(f"unknown attachment status {a['status']!r}")
        status = "accepted" if a["status"] == "flagged" else a["status"]
        counts = tally.setdefault((a["section"], a["kind"]), {})
        counts[status] = counts.get(status, 0) + 1
    problems = []
    for req in required_attachments(application, season):
        counts = tally.get((req.section, req.kind), {})
        accepted, pending = counts.get("accepted", 0), counts.get("pending", 0)
        path = f"attachments.{req.section}.{req.kind}"
        if accepted >= req.min_count:
            continue
        if accepted + pending >= req.min_count:
            problems.append(Problem("ATTACHMENT_PENDING", f"“{req.label_zh}”正在核验，请稍后再提交",
                                    path))
        elif counts.get("rejected"):
            problems.append(Problem("ATTACHMENT_REJECTED",
                                    f"“{req.label_zh}”未通过核验，请按提示重新上传清晰、正向的JPG图片",
                                    path))
        else:
            missing = req.min_count - accepted - pending
            problems.append(Problem("ATTACHMENT_MISSING",
                                    f"请上传“{req.label_zh}”（还缺{missing}份）", path))
    return problems
