"""Before submission: is the application complete, and may it be submitted now? (R-2.1, R-3.1,
R-3.3, R-4.4, N-8.5: every problem is listed at once, never piece by piece.)"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from contracts.errors import Problem
from contracts.rules import submissions_left
from contracts.season import Season
from intake.rules.attachments import attachment_problems
from intake.rules.eligibility import catalogue_problems, category_problems
from intake.rules.fields import is_none, section_fields, validate_header, validate_sections


def exemption_problems(application: dict, season: Season) -> list[Problem]:
    """R-3.4: an exempt applicant names the exemption category."""
    ce = section_fields(application, "continuing_education")
    if ce.get("exempt") is True and (ce.get("exemption_category") is None
                                     or is_none(ce.get("exemption_category"))):
        return [Problem("EXEMPTION_CATEGORY_REQUIRED", "继续教育免试须选择免试类别：" + "、".join(
            c.name_zh for c in season.exemption_categories),
            "sections.continuing_education.exemption_category")]
    return []


def assessment_year_problems(application: dict, season: Season) -> list[Problem]:
    """R-3.3 #8: one assessment result for each of the season's assessment years."""
    entries = section_fields(application, "assessments").get("years")
    if not isinstance(entries, list):
        return []  # missing or mistyped: the field rules already say so
    given = {e.get("year") for e in entries if isinstance(e, dict)}
    return [Problem("ASSESSMENT_YEAR_MISSING", f"请填写{year}年度考核结果",
                    "sections.assessments.years")
            for year in season.assessment_years.years if year not in given]


def completeness(application: dict, season: Season) -> list[Problem]:
    """Everything the application itself must hold before it can be submitted."""
    return (validate_header(application, season) + catalogue_problems(application, season)
            + category_problems(application, season) + validate_sections(application, season)
            + exemption_problems(application, season)
            + assessment_year_problems(application, season))


def submission_problems(now_utc: datetime, season: Season, application: dict,
                        attachments: Iterable[dict], submissions_so_far: int,
                        answers_committee_return: bool = False) -> list[Problem]:
    """R-2.1, R-4.4, N-8.5: why submitting now is refused; empty means it may go.

    A resubmission answering the committee's return for changes is bound by its 48 hours
    (R-4.5), not by the window: the committee may return on the window's last day."""
    problems = []
    if not answers_committee_return and not season.window_open(now_utc):
        w = season.application_window
        problems.append(Problem("WINDOW_CLOSED",
                                f"网上申报时间为{w.start:%Y年%m月%d日}至{w.end:%Y年%m月%d日}"))
    if submissions_left(submissions_so_far, season.submission_cap) == 0:
        problems.append(Problem("SUBMISSION_CAP_REACHED",
                                f"上报次数不得超过{season.submission_cap}次（含初次上报）"))
    return (problems + completeness(application, season)
            + attachment_problems(application, attachments, season))
