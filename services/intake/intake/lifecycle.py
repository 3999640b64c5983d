"""An application's life in intake, as one table: what the applicant does (edit, submit, answer a
supplement request, withdraw) and what review tells (task opened, refused at a step, returned,
supplement requested, abandoned, final result), each from the statuses it moves.

Every status change in intake goes through `LIFECYCLE` (`plumbing.lifecycle`): an event a table
row does not list for the current status leaves the application as it is. So a late
`task_opened` moves only a submitted or in-review application (it never undoes a return or a
supplement request, commit de71fba), and a closed application (withdrawn, abandoned, refused,
passed, failed) never moves again: `CLOSED` is read off the table, not written beside it.

An attachment has its own small table: awaiting its upload (presigned POST) → checking once the
upload is confirmed (a streamed PUT starts there) → documents' verdict (R-3.2).
"""
from __future__ import annotations

from enum import StrEnum

from plumbing.lifecycle import Lifecycle, moves


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"  # 退回: the applicant revises and resubmits
    SUPPLEMENT_REQUESTED = "supplement_requested"  # 补充材料 within 48 hours
    WITHDRAWN = "withdrawn"  # 撤回 by the applicant
    ABANDONED = "abandoned"  # 视为放弃申报: the supplement deadline passed
    REFUSED = "refused"  # refused at a step of review
    PASSED = "passed"  # the committee's final result
    FAILED = "failed"


S = Status
# Where something can still happen; every other status is closed.
_OPEN = (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.RETURNED, S.SUPPLEMENT_REQUESTED)

LIFECYCLE = Lifecycle(Status, {
    # the applicant's actions (refused with a 409 when the table does not list the status)
    "edit": {s: s for s in (S.DRAFT, S.RETURNED, S.SUPPLEMENT_REQUESTED)},  # PATCH, attachments
    "submit": moves((S.DRAFT, S.RETURNED), S.SUBMITTED),
    "answer_supplement": {S.SUPPLEMENT_REQUESTED: S.IN_REVIEW},
    "withdraw": moves(_OPEN, S.WITHDRAWN),
    # review's events (contracts.events); not listed for a status: recorded, status unchanged
    "task_opened": moves((S.SUBMITTED, S.IN_REVIEW), S.IN_REVIEW),
    "step_refused": moves(_OPEN, S.REFUSED),  # step_decided with decision `refused`
    "application_returned": moves(_OPEN, S.RETURNED),
    "supplement_requested": moves(_OPEN, S.SUPPLEMENT_REQUESTED),
    "application_abandoned": moves(_OPEN, S.ABANDONED),
    "result_passed": moves(_OPEN, S.PASSED),  # result_published at stage `final`
    "result_failed": moves(_OPEN, S.FAILED),
})

EDITABLE = LIFECYCLE.sources("edit")
SUBMITTABLE = LIFECYCLE.sources("submit")
CLOSED = tuple(s for s in Status if not any(s in row for row in LIFECYCLE.table.values()))


def result_event(outcome: str) -> str:
    """The table's event for a final result (`outcome` passed | failed)."""
    return f"result_{outcome}"


class AttachmentStatus(StrEnum):
    AWAITING_UPLOAD = "awaiting_upload"  # a presigned POST was handed out
    CHECKING = "checking"  # in the store; documents checks it
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FLAGGED = "flagged"  # accepted for the applicant, shown to the committee


A = AttachmentStatus
ATTACHMENT = Lifecycle(AttachmentStatus, {
    "confirm": {A.AWAITING_UPLOAD: A.CHECKING},
    # documents' verdicts (ATTACHMENT_CHECKED), one per upload
    "accepted": {A.CHECKING: A.ACCEPTED},
    "rejected": {A.CHECKING: A.REJECTED},
    "flagged": {A.CHECKING: A.FLAGGED},
})
VERDICTS = (A.ACCEPTED, A.REJECTED, A.FLAGGED)
