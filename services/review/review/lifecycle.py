"""An application's status in review, and the one table every change of it goes through.

Review's statuses are its own (intake keeps the applicant's view). A first submission, once
routed, starts `in_review` (`ROUTED`: it has no status to move from, so it enters the table there);
every later change is a row of `LIFECYCLE` (change × status → status) and is applied by `move`
(an application already read and locked) or `move_unread` (a conditional UPDATE … WHERE status
IN the change's sources, for the sweep and a withdrawal, which do not read the row first).
`CLOSED` names the statuses no level acts on any more, with the reason APPLICATION_CLOSED gives.
Tested as a table in tests/unit/test_lifecycle.py.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from plumbing.lifecycle import Lifecycle, moves
from review.store import applications as store


class Status(StrEnum):
    IN_REVIEW = "in_review"  # 审核中: a level has it (its open task)
    RETURNED = "returned"  # 退回修改: waiting for the resubmission
    SUPPLEMENT_REQUESTED = "supplement_requested"  # 补充材料: 48 hours to answer
    ACCEPTED = "accepted"  # 形式审查通过: the committee's meeting and result follow
    REFUSED = "refused"  # 不予受理
    ABANDONED = "abandoned"  # 视为放弃申报: a committee request's 48 hours passed
    WITHDRAWN = "withdrawn"  # 撤回 by the applicant


class Change(StrEnum):
    """What happens to an application (the audit chain records most under the same name)."""

    RESUBMITTED = "resubmitted"  # intake: the revised version after a return
    SUPPLEMENT_ANSWERED = "supplement_answered"  # intake: the answer to the open request
    RETURNED = "returned"  # any level (R-4.4, N-8.5)
    SUPPLEMENT_REQUESTED = "supplement_requested"  # the committee
    ACCEPTED = "accepted"  # the committee's formal review
    REFUSED = "refused"  # the committee's formal review
    ABANDONED = "abandoned"  # the sweep, once the deadline passed unanswered
    WITHDRAWN = "withdrawn"  # intake: the applicant withdrew


ROUTED = Status.IN_REVIEW  # where a first submission starts once review has routed it

LIFECYCLE: Lifecycle[Status] = Lifecycle(Status, {
    Change.RESUBMITTED: {Status.RETURNED: Status.IN_REVIEW},
    Change.SUPPLEMENT_ANSWERED: {Status.SUPPLEMENT_REQUESTED: Status.IN_REVIEW},
    # a reviewer decides only while the application is in review (route.at_step refuses
    # otherwise, with the reason), so every reviewer's change moves from there
    Change.RETURNED: {Status.IN_REVIEW: Status.RETURNED},
    Change.SUPPLEMENT_REQUESTED: {Status.IN_REVIEW: Status.SUPPLEMENT_REQUESTED},
    Change.ACCEPTED: {Status.IN_REVIEW: Status.ACCEPTED},
    Change.REFUSED: {Status.IN_REVIEW: Status.REFUSED},
    # the 48 hours of a supplement request or of a committee's return passed
    Change.ABANDONED: {Status.SUPPLEMENT_REQUESTED: Status.ABANDONED,
                       Status.RETURNED: Status.ABANDONED},
    # intake decides whether the applicant may withdraw (it owns the application); review
    # follows whatever it hears, from any status
    Change.WITHDRAWN: moves(Status, Status.WITHDRAWN),
})

CLOSED = {Status.ABANDONED: "视为放弃（逾期未更改或补充材料）", Status.WITHDRAWN: "由申报人撤回",
          Status.REFUSED: "不予受理"}  # ended: no level acts on these any more (only a withdrawal
# still moves them). Accepted is not closed: the committee's meeting and result follow.


class LifecycleError(RuntimeError):
    """A change the table does not allow reached `move`: callers check who may act first, so
    this is a bug, and the handler or call fails rather than write a status the table lacks."""


def move(session, app, change: Change, now: datetime, **values) -> Status:
    """Store the status `change` leads to from `app.status` (with `values`, e.g. the version)."""
    to = LIFECYCLE.next(change, app.status)
    if to is None:
        raise LifecycleError(f"{change} does not move application {app.id} from {app.status}")
    store.set_status(session, app.id, to.value, now, **values)
    return to


def move_unread(session, application_id: str, change: Change, now: datetime) -> None:
    """`change` for an application not read first: a conditional UPDATE from the statuses the
    table moves (each change of review's table has a single target)."""
    [to] = set(LIFECYCLE.table[change].values())
    store.set_status_where(session, application_id, [s.value for s in LIFECYCLE.sources(change)],
                           to.value, now)
