"""Submissions, returns (退回) and the committee's options, R-4.4 with N-8.5.

The cap counts submissions to the committee, the first included. A return sends the application
back for revision and spends one; after the last allowed submission the committee can no longer
return, only accept or refuse. A supplement request (补充材料, R-4.5) is not a return: the
notice treats it separately and it does not resubmit, so it stays open on every submission.

intake refuses a submission beyond the cap (it owns submissions); how many are left is
`contracts.rules.submissions_left`, the one copy both services use.
"""
from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from contracts.errors import Problem, Refusal

SUBMISSION_CAP = 3  # default, a season setting


class Decision(StrEnum):
    ACCEPT = "accept"  # 审核通过
    RETURN = "return"  # 退回修改
    REQUEST_SUPPLEMENT = "request_supplement"  # 补充材料, R-4.5
    REFUSE = "refuse"  # 不予受理


def committee_options(submission_no: int, cap: int = SUBMISSION_CAP) -> frozenset[Decision]:
    """R-4.4: what the committee may decide on submission number `submission_no` (1-based)."""
    if not 1 <= submission_no <= cap:
        raise ValueError(f"submission_no {submission_no} outside 1..{cap}")
    if submission_no < cap:
        return frozenset(Decision)
    return frozenset(Decision) - {Decision.RETURN}


def return_problems(submission_no: int, listed: Sequence[Problem],
                    cap: int = SUBMISSION_CAP) -> list[Problem]:
    """R-4.4, N-8.5: a return is allowed before the last submission and must tell the applicant
    everything to fix, in one notice: a non-empty list, each item with a message."""
    problems = []
    if Decision.RETURN not in committee_options(submission_no, cap):
        problems.append(Problem("RETURN_NOT_ALLOWED",
                                f"第{cap}次上报后不能再退回，只能审核通过或不予受理", "decision"))
    if not listed:
        problems.append(Problem("RETURN_WITHOUT_PROBLEMS",
                                "退回时须一次性列明全部需要修改的问题", "problems"))
    problems += [Problem("RETURN_PROBLEM_BLANK", "退回问题须写明需要修改的内容",
                         f"problems.{i}")
                 for i, p in enumerate(listed) if not p.message.strip()]
    return problems


def check_return(submission_no: int, listed: Sequence[Problem],
                 cap: int = SUBMISSION_CAP) -> None:
    """Raise a `Refusal` listing every reason a return cannot be made (R-4.4, N-8.5)."""
    problems = return_problems(submission_no, listed, cap)
    if problems:
        raise Refusal.of(problems, status=409, code="RETURN_REFUSED", message="不能退回该申报")
