"""notify: tells reviewers and applicants by email or SMS, once and on time (issue #6).

The service is composed of one class per area, each in its own module, each naming what it uses
from `notify.dependencies`:
`notify.handlers` (the event handlers: who is told what, and the contacts events carry),
`notify.schedule` (the timer: due retries, interrupted sends, the R-4.5 reminders),
`notify.desk` (the operator's desk: dead letters, resend),
`notify.history` ("was I told?": every send and attempt about an application) and
`notify.template_admin` (an administrator's templates).
The delivery engine (intent → claim → outcome, retries, fallback, dead letters) is
`notify.delivery`; a send's statuses and their one transition table are `notify.lifecycle`;
every query is in `notify.store`.
"""
from __future__ import annotations

from notify.desk import OperatorDesk
from notify.handlers import EventNotices
from notify.history import SendHistory
from notify.schedule import Schedule
from notify.store import UnknownApplication
from notify.template_admin import TemplateAdmin
from plumbing.health import HealthMixin
from plumbing.metrics import Observed

__all__ = ["NotifyService", "UnknownApplication"]


class NotifyService(EventNotices, Schedule, OperatorDesk, SendHistory, TemplateAdmin,
                    HealthMixin, Observed):
    """The nameko service `notify` (run as `notify.service:NotifyService`)."""

    name = "notify"
