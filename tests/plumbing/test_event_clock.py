"""One clock (issue #18): an event's `occurred_at` is the service's controlled clock
(CLOCK_OFFSET_FILE), as every other domain time is; the outbox's own scheduling stays on the
machine's time."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import MetaData

from contracts import events
from plumbing.clock import clock_from, write_offset
from plumbing.db import plumbing_tables
from tests.support.clock import SettableClock
from tests.support.stores import sqlite_store


def test_the_clock_follows_the_offset_file_on_every_call(tmp_path):
    path = tmp_path / "clock-offset"
    clock = clock_from({"CLOCK_OFFSET_FILE": str(path)})
    assert abs(clock() - datetime.now(timezone.utc)) < timedelta(seconds=5)
    write_offset(path, timedelta(days=-2000))
    assert abs(clock() - (datetime.now(timezone.utc) - timedelta(days=2000))) \
        < timedelta(seconds=5)


def test_an_emitted_event_is_dated_by_the_service_clock():
    metadata = MetaData()
    plumbing_tables(metadata)
    then = datetime(2019, 10, 20, 4, 0, tzinfo=timezone.utc)
    store = sqlite_store(metadata, "review", SettableClock(then))
    with store.transaction() as tx:
        payload = tx.emit(events.SANCTION_IMPOSED, sanction_id="s", subject="unit",
                          application_id=None, applicant_id=None, unit_id="u", person_key=None,
                          series=None, level=None, starts_on="2019-10-20",
                          last_barred_on="2022-10-19", reason="r")
    assert payload["occurred_at"] == then.isoformat()
    with store.session() as session:
        row = session.execute(metadata.tables["outbox"].select()).one()
    assert row.payload["occurred_at"] == then.isoformat()
    # the relay's bookkeeping: the machine's time
    assert abs(row.created_at - datetime.now(timezone.utc)) < timedelta(minutes=1)
