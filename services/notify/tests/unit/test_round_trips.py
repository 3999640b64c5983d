"""How many SQL statements notify runs to tell one reviewer that a task opened (R-4.1, R-4.3):
the event consumed once with the send's intent, the claim committed before the provider is
called, the attempt and outcome recorded — a test that fails when the round trips grow
(issue 15). Counted on the unit tests' SQLite store; the guarantees (intent with the event,
claim before the call, once only) are test_handlers.py's and test_lifecycle.py's."""
from __future__ import annotations

from contracts import events
from services.notify.tests.unit.test_handlers import notify, sends  # noqa: F401 - the fixture
from tests.support.statements import Statements

TELL_ONE_REVIEWER = 10  # 15 before issue 15 (claim then read; upserts of two statements)


def opened(task="t-1"):
    return events.make(
        events.TASK_OPENED, application_id="app-1", season="2019", task_id=task, step="unit",
        org_id="unit-x", org_name="示例单位",
        reviewers=[{"person_id": "r-1", "name": "李审核", "email": "r@example.org"}])


def test_issue_15_telling_one_reviewer_takes_at_most_its_statements(notify):  # noqa: F811
    payload = opened()
    with Statements(notify.db._p.engine) as counted:
        notify.on_task_opened(payload)
    (send,) = sends(notify)
    assert (send.template, send.status, send.attempts) == ("task_opened", "sent", 1)
    assert notify.delivery.senders["email"].sent == [
        ("r@example.org", "task_opened", send.provider_key)]
    assert len(counted.seen) <= TELL_ONE_REVIEWER, "\n".join(counted.seen)
    assert sum(s.startswith("SELECT sends.") for s in counted.seen) == 0, counted.seen

    with Statements(notify.db._p.engine) as again:  # redelivered: the claim of its id only
        notify.on_task_opened(dict(payload))
    assert len(again.seen) == 1 and len(sends(notify)) == 1
