"""The status read (`GET /applications/{id}`) as few SQL statements as its tables (issue 15):
the application, its season, its attachments, its documents — one statement each, however many
attachments and documents it has — and a read on a dead pooled connection retried once on a new
one instead of a pre-ping before every checkout (plumbing.db)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy.exc import OperationalError

from intake import store
from plumbing import db as plumbing_db
from services.intake.tests.unit.worker import (UNIT, accept_all_attachments, call, create,
                                               get, token)
from tests.support import applications as apps
from tests.support.statements import Statements

STATUS_READ_STATEMENTS = 4  # applications, seasons, attachments, documents: one each


def _with_documents(service, app_id, count):
    with service.db.transaction() as tx:
        for revision in range(count):
            store.insert_document(
                tx.session, id=str(uuid.uuid4()), application_id=app_id, version=1,
                kind="evaluation_form", revision=revision, object_key=f"k{revision}",
                fingerprint="f" * 64, verification_code=f"CODE{revision}-{app_id[:4]}",
                pages=None, created_at=datetime.now(timezone.utc))


@pytest.mark.parametrize("documents", [1, 6])
def test_issue_15_the_status_read_is_one_statement_per_table(service, clock, documents):
    view = create(service)
    accept_all_attachments(service, view["id"], apps.body(UNIT), clock)
    _with_documents(service, view["id"], documents)
    engine = service.db._p.engine
    with Statements(engine) as counted:
        shown = get(service, view["id"])
    assert len(shown["documents"]) == documents and shown["attachments"]
    assert len(counted.seen) <= STATUS_READ_STATEMENTS, counted.seen
    for table in ("applications", "seasons", "attachments", "documents"):
        assert sum(f"FROM {table}" in s for s in counted.seen) == 1, (table, counted.seen)


def _broken() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("server closed the connection"),
                            connection_invalidated=True)


def test_a_read_on_a_dead_pooled_connection_is_retried_once_on_a_new_one(service, monkeypatch):
    view = create(service)
    real, calls = store.application_view, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise _broken()
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "application_view", flaky)
    status, shown = call(service, "get_application", "GET", "/x", token(), None, view["id"])
    assert status == 200 and shown["id"] == view["id"] and len(calls) == 2


def test_a_database_that_stays_down_answers_503_after_one_retry(service, monkeypatch):
    view = create(service)
    calls = []

    def down(*args, **kwargs):
        calls.append(1)
        raise _broken()

    monkeypatch.setattr(store, "application_view", down)
    status, body = call(service, "get_application", "GET", "/x", token(), None, view["id"])
    assert status == 503 and body["code"] == "SERVICE_UNAVAILABLE" and len(calls) == 2
    assert plumbing_db.broken_connection(_broken())
    assert not plumbing_db.broken_connection(OperationalError("x", {}, Exception("locked")))


SUBMIT_STATEMENTS = 9  # 13 before issue 15 (attachments read three times, the view re-read)


def test_issue_15_submit_runs_only_what_its_transaction_needs(service, clock):
    """R-4.4: the version frozen, the history line, the event in the outbox, the status moved —
    and the view answered from what the transaction read, not read again."""
    from services.intake.tests.unit.worker import outbox
    view = create(service)
    accept_all_attachments(service, view["id"], apps.body(UNIT), clock)
    with Statements(service.db._p.engine) as counted:
        status, done = call(service, "submit", "POST", "/x", token(), None, view["id"])
    assert status == 202 and done["status"] == "submitted" and done["submission_count"] == 1
    assert done == get(service, view["id"])  # the same view a status read gives
    (sent,) = [p for p in outbox(service) if p["_type"] == "application_submitted"]
    assert len(sent["snapshot"]["attachments"]) == len(done["attachments"])
    assert len(counted.seen) <= SUBMIT_STATEMENTS, "\n".join(counted.seen)
    assert len(counted.touching("attachments")) == 1, counted.seen


def test_issue_15_a_read_only_unit_of_work_is_a_plain_connection(service):
    """Reads go through a plain connection, not an ORM session: the session's bookkeeping around
    four statements cost about a fifth of the status read's throughput (BENCHMARKS.md, run 5)."""
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    with service.db.session() as read:
        assert isinstance(read, Connection) and not isinstance(read, Session)
        assert read.get_execution_options().get("titles_read_only") is True
