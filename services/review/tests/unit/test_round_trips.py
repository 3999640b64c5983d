"""How many SQL statements review runs to route one first submission (R-4.3: its route and its
first task, task_opened in the outbox, exactly once) — a test that fails when the round trips
grow (issue 15). The statements are counted on the unit tests' SQLite store; on PostgreSQL the
same statements are the round trips (plus the transaction's BEGIN and COMMIT)."""
from __future__ import annotations

from services.review.tests.unit.support import outbox, submission
from tests.support.statements import Statements

ROUTE_ONE_SUBMISSION = 7  # 9 before issue 15 (the inserted row read back, the org twice)


def test_issue_15_routing_one_submission_takes_at_most_its_statements(service):
    engine = service.db._p.engine
    with Statements(engine) as counted:
        service.on_application_submitted(submission("a-rt"))
    events = [e for e, p in outbox(service) if p.get("application_id") == "a-rt"]
    assert events == ["task_opened"]
    assert len(counted.seen) <= ROUTE_ONE_SUBMISSION, "\n".join(counted.seen)
    # looked up (a resubmission?) and inserted, not read again
    assert len(counted.touching("applications")) == 2, counted.seen
    assert len(counted.touching("organisations")) == 1, counted.seen  # once, with reviewers


def test_the_same_submission_delivered_again_is_one_statement_and_changes_nothing(service):
    payload = submission("a-again")
    service.on_application_submitted(payload)
    before = outbox(service)
    with Statements(service.db._p.engine) as counted:
        service.on_application_submitted(payload)
    assert outbox(service) == before
    assert len(counted.seen) == 1, counted.seen  # the claim of its event id, found taken
