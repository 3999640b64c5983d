"""What may happen to a send, and what it becomes: one table (`plumbing.lifecycle`).

A *send* is one notification to one person (notify.models). Every change of a send's status goes
through `SENDS`; the conditional UPDATEs of `notify.store` take their `WHERE status IN …` from
`SENDS.sources(event)`, so the table is also the concurrency guard (only one worker claims a
send, only one replica resolves an interrupted one):

- `claim`: a worker takes a due send before calling the provider;
- `defer`: the per-recipient rate limit says wait (not an attempt: back to the queue);
- `sent`: a provider accepted it;
- `retry`: a transient failure with attempts left on this channel (backoff);
- `fallback`: this channel is done, the person's other one is tried at once;
- `refused`: a permanent failure on the last channel: `failed`, never retried by itself;
- `exhausted`: transient failures until the retries ran out on the last channel: `dead`;
- `interrupted`: a send `sending` past its lease (the process died calling the provider) is
  taken over by the one replica that resolves it (see notify.delivery);
- `cancel`: a reminder no longer relevant (its supplement request closed) before it went out;
- `resend`: an operator sends a dead letter again, retries restored.

`failed` and `dead` are the dead letters (`UNDELIVERED`): what an operator may resend.

Two smaller vocabularies beside it: a supplement request (R-4.5: open until answered, abandoned
or withdrawn; the reminders watch the open ones) has its own small table, `REQUESTS`; an
application's status (`Application`) only records what intake and review said last, and no
decision of notify reads it, so it has no table.
"""
from __future__ import annotations

from enum import StrEnum

from plumbing.lifecycle import Lifecycle


class Status(StrEnum):
    """The status of a send (models.sends.status)."""

    PENDING = "pending"  # recorded; due at next_attempt_at (first try, or a retry)
    SENDING = "sending"  # claimed by a worker that is calling the provider
    SENT = "sent"
    FAILED = "failed"  # refused permanently on every channel the person has
    DEAD = "dead"  # transient failures until the retries ran out on every channel
    CANCELLED = "cancelled"


SENDS = Lifecycle(Status, {
    "claim": {Status.PENDING: Status.SENDING},
    "defer": {Status.SENDING: Status.PENDING},
    "sent": {Status.SENDING: Status.SENT},
    "retry": {Status.SENDING: Status.PENDING},
    "fallback": {Status.SENDING: Status.PENDING},
    "refused": {Status.SENDING: Status.FAILED},
    "exhausted": {Status.SENDING: Status.DEAD},
    "interrupted": {Status.SENDING: Status.SENDING},
    "cancel": {Status.PENDING: Status.CANCELLED},
    "resend": {Status.FAILED: Status.PENDING, Status.DEAD: Status.PENDING},
})

UNDELIVERED = SENDS.sources("resend")  # the dead letters: failed or dead


def after_failure_event(step_status: str, same_channel: bool) -> str:
    """The event of `SENDS` for what `policy.after_failure` decided: try again later on the same
    channel (`retry`), on the next channel now (`fallback`), or give up (`refused` → failed,
    `exhausted` → dead)."""
    if step_status == Status.PENDING:
        return "retry" if same_channel else "fallback"
    return {Status.FAILED: "refused", Status.DEAD: "exhausted"}[Status(step_status)]


class Request(StrEnum):
    """The status of a supplement request (models.supplement_requests.status, R-4.5)."""

    OPEN = "open"
    ANSWERED = "answered"  # the applicant's `supplement` submission
    ABANDONED = "abandoned"  # the deadline passed (review's application_abandoned)
    WITHDRAWN = "withdrawn"  # the applicant withdrew the application


REQUESTS = Lifecycle(Request, {
    "answered": {Request.OPEN: Request.ANSWERED},
    "abandoned": {Request.OPEN: Request.ABANDONED},
    "withdrawn": {Request.OPEN: Request.WITHDRAWN},
})


class Application(StrEnum):
    """An application's status as notify was told it (models.applications.status)."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    ABANDONED = "abandoned"
