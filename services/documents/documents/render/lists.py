"""The staff's lists printed on request (D-4): a unit's publicity notice (公示) or its result,
a unit's paper-delivery list, the results list. `documents.lists` shapes their data from the rows
intake gathers; these draw it."""
from __future__ import annotations

from documents.render.canvas import render_layout
from documents.render.identity import DocumentMeta, RenderedDocument


def render_publicity_notice(data: dict, *, meta: DocumentMeta) -> RenderedDocument:
    """D-4, R-4.2, R-2.3: a unit's publicity notice (公示) — and, when `data["result"]` is given,
    its result (公示结果, R-5.1 (2)). `data`: {unit, period: {start, end, working_days},
    applicants: [{name, current_title, applied_title, specialty}], contact: {person, phone,
    address}, issued_on, result: {objections, text, date} | absent}."""
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
