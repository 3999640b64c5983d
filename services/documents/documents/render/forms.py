"""An application's documents: the 评审表 (D-1), 附件1 (D-2) and 附件2 (D-3).

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

from documents.render.canvas import render_layout
from documents.render.identity import DocumentMeta, RenderedDocument


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

