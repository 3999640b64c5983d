"""The documents the system prints (D-1…D-4, R-5.1): pure functions from dicts to PDF bytes.

An application's documents: the 评审表 (D-1), 附件1 (D-2) and 附件2 (D-3); and the staff's lists
printed on request (D-4), whose data `documents.lists` shapes. Every document is A4 with an even
number of pages and carries on every page a watermark, a QR code and its page number
(`documents.pdf.canvas`); its verification code and content fingerprint identify it
(`documents.pdf.identity`). What is printed where lives in ``layouts/<document>.yaml``;
`documents.pdf.blocks` only knows how to draw the block types a layout lists.

The ``form`` dict of the 评审表 follows the application's sections (docs/rules.md §3, R-3.3)::

    application           series, specialty, level, exceptional (破格, bool)
    basic            (1)  name, former_name, sex, ethnicity, birth_date, birth_place,
                          id_number_masked, unit, work_start, health, administrative_post, party,
                          democratic_party, societies, foreign_language
    education        (2)  [{from, to, school, major, diploma, degree, years, witness}], highest last
    qualification    (3)  current_title, obtained, approved_by, obtained_in_xinjiang (bool),
                          years_in_profession, current_post, post_since, current_work
    training              [{from, to, school, subject, witness}]  (学习培训经历 beyond degrees)
    work_history     (4)  [{from, to, unit, post, witness}]
    achievements     (5)  [{stage: "before"|"after" (任现职前/后), period, title, content,
                            role: 主持|参与|独立完成, outcome}]
    publications     (6)  [{date, title, venue, rank}]
    continuing_education (7)  {status: completed|exempt, summary}
    assessments      (8)  [{year, result, remark}];  exam: 考试成绩及答辩情况 (text)
    summary          (9)  个人业务工作总结, ≤ 3000 characters (R-3.3), paragraphs split on "\\n"
    other           (10)  [{name, note}]
    opinions              [{level: unit|department|panel|committee|approval, org, reviewer, date,
                            text}] — opinions recorded online so far; the paper boxes stay free
                            for the handwritten opinion, signature and stamp (R-4.2, R-5.1)

Dates are strings as they should be printed ("2019-10"). Missing or empty values print as 无
(R-3.1). ``tests/support/forms.py`` holds a complete example (``SAMPLE_FORM``).
"""
from __future__ import annotations

from documents.pdf.canvas import render_layout
from documents.pdf.identity import (DocumentMeta, RenderedDocument, content_fingerprint,
                                    layout_text, load_layout, qr_url, verification_code)

__all__ = ["DocumentMeta", "RenderedDocument", "content_fingerprint", "layout_text", "load_layout",
           "qr_url", "render_delivery_list", "render_evaluation_form", "render_exemption_form",
           "render_guarantee", "render_publicity_notice", "render_results_list",
           "verification_code"]


# ---- an application's documents -------------------------------------------------------------

def render_evaluation_form(form: dict, *, photo_jpeg: bytes | None,
                           meta: DocumentMeta) -> RenderedDocument:
    """D-1, R-5.1: the 专业技术职务任职资格评审表, printed double-sided and valid with its
    watermark. `photo_jpeg` is the checked clean copy of the one-inch photo (documents.checks)."""
    return render_layout("evaluation_form", form, meta, photo_jpeg)


def render_guarantee(data: dict, *, meta: DocumentMeta) -> RenderedDocument:
    """D-2, R-3.3 §10, R-5.1 (3): 附件1 专业技术资格评审材料真实性保证书, pre-filled.
    `data`: {basic: {...}, application: {...}} as in the form."""
    return render_layout("guarantee", data, meta)


def render_exemption_form(data: dict, *, meta: DocumentMeta) -> RenderedDocument:
    """D-3, R-3.4: 附件2 继续教育免试审批表, pre-filled. `data`: the form's basic, application and
    qualification, plus exemption {category (one of R-3.4's duties), period, post, proof}."""
    return render_layout("exemption_form", data, meta)



# ---- the staff's lists (D-4) ------------------------------------------------------------------

def render_publicity_notice(data: dict, *, meta: DocumentMeta) -> RenderedDocument:
    """D-4, R-4.2, R-2.3: a unit's publicity notice (公示) — and, when `data["result"]` is given,
    its result (公示结果, R-5.1 (2)). `data`: {unit, period: {start, end, working_days},
    applicants: [{name, current_title, applied_title, specialty}], objection: the sentence on
    whom to write to (`lists.objection_text`), issued_on, result: {objections, text, date} |
    absent}."""
    return render_layout("publicity_notice", data, meta)


def render_delivery_list(data: dict, *, meta: DocumentMeta) -> RenderedDocument:
    """D-4, R-5.1, R-2.2, R-5.3: a unit's list of paper materials delivered, items (1)–(11) per
    applicant. `data`: {unit, window: {start, end}, address, contact: {person, phone},
    applicants: [{name, applied_title, items: {"1": copies, …, "11": copies}}]}."""
    return render_layout("delivery_list", data, meta)


def render_results_list(data: dict, *, meta: DocumentMeta) -> RenderedDocument:
    """D-4, R-6.1, N-8.6: the published list of those who passed. `data`: {committee, publisher,
    period: {start, end}, contact: {phone}, passed: [{name, unit, specialty, title}], issued_on}."""
    return render_layout("results_list", data, meta)
