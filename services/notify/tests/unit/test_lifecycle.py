"""notify.lifecycle as tables: what each event does to a send (and to a supplement request) from
each status, that everything else does not move, and that the conditional UPDATEs of
notify.store take their guard from the table."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from notify import models as m, policy, store
from notify.channels import PermanentFailure, TransientFailure
from notify.lifecycle import (REQUESTS, SENDS, UNDELIVERED, Request, Status,
                              after_failure_event)
from notify.messages import Notice
from tests.support.stores import sqlite_store

P, S, OK, F, D, C = (Status.PENDING, Status.SENDING, Status.SENT, Status.FAILED, Status.DEAD,
                     Status.CANCELLED)

# (event, from, to): every move a send can make; anything else does not move it.
SEND_MOVES = [
    ("claim", P, S),
    ("defer", S, P),  # the rate limit: not an attempt
    ("sent", S, OK),
    ("retry", S, P),
    ("fallback", S, P),
    ("refused", S, F),
    ("exhausted", S, D),
    ("interrupted", S, S),  # taken over by the replica that resolves it
    ("cancel", P, C),  # a reminder whose request closed
    ("resend", F, P),
    ("resend", D, P),
]


@pytest.mark.parametrize("event, source, target", SEND_MOVES)
def test_each_move_of_a_send(event, source, target):
    assert SENDS.next(event, source) == target


@pytest.mark.parametrize("event", SENDS.events)
@pytest.mark.parametrize("status", list(Status))
def test_nothing_else_moves_a_send(event, status):
    if (event, status) not in {(e, s) for e, s, _ in SEND_MOVES}:
        assert SENDS.next(event, status) is None


def test_the_table_has_exactly_these_events():
    assert set(SENDS.events) == {e for e, _, _ in SEND_MOVES}


def test_sent_and_cancelled_are_final_and_the_dead_letters_are_failed_and_dead():
    for event in SENDS.events:
        assert SENDS.next(event, OK) is None and SENDS.next(event, C) is None
    assert set(UNDELIVERED) == {F, D}


def test_a_claim_takes_only_a_pending_send_and_a_cancel_only_one_not_yet_claimed():
    assert SENDS.sources("claim") == (P,)
    assert SENDS.sources("cancel") == (P,)  # a reminder being sent is not cancelled under it


@pytest.mark.parametrize("failure, channel, tries, order, event", [
    (TransientFailure("SMTP_451"), "email", 1, ["email", "sms"], "retry"),
    (TransientFailure("SMTP_451"), "email", 3, ["email", "sms"], "fallback"),
    (PermanentFailure("SMTP_550"), "email", 1, ["email", "sms"], "fallback"),
    (PermanentFailure("SMTP_550"), "sms", 1, ["email", "sms"], "refused"),
    (TransientFailure("SMS_TIMEOUT"), "sms", 3, ["sms"], "exhausted"),
    (PermanentFailure("NO_ADDRESS"), "email", 1, [], "refused"),
])
def test_what_the_policy_decides_after_a_failure_is_one_event_of_the_table(
        failure, channel, tries, order, event):
    now = datetime(2019, 10, 20, tzinfo=timezone.utc)
    step = policy.after_failure(failure, channel, tries, order, 3, now, timedelta(seconds=30),
                                timedelta(minutes=30), FixedRng())
    assert after_failure_event(step.status, step.channel == channel) == event
    assert SENDS.next(event, S) == step.status


class FixedRng:
    def random(self):
        return 0.5


@pytest.mark.parametrize("event, target", [
    ("answered", Request.ANSWERED), ("abandoned", Request.ABANDONED),
    ("withdrawn", Request.WITHDRAWN)])
def test_an_open_supplement_request_closes_once(event, target):
    assert REQUESTS.next(event, Request.OPEN) == target
    for closed in (Request.ANSWERED, Request.ABANDONED, Request.WITHDRAWN):
        assert REQUESTS.next(event, closed) is None


# ---- the table is the guard of the conditional UPDATEs (notify.store, on SQLite) -------------

NOW = datetime(2019, 10, 20, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def db():
    return sqlite_store(m.metadata, "notify")


def intend(db, template="returned", application_id="app-1") -> str:
    with db.transaction() as tx:
        store.remember_contact(tx.session, {"person_id": "p-1", "email": "a@example.org"}, NOW)
        (send_id,) = store.record_intents(tx.session, NOW, "ev-1", application_id,
                                          [Notice(template, "p-1", {})])
    return send_id


def status(db, send_id) -> str:
    with db.session() as session:
        return store.send_status(session, send_id)


def test_a_send_is_claimed_once_and_not_before_it_is_due(db):
    send_id = intend(db)
    with db.transaction() as tx:
        assert not store.claim(tx.session, send_id, NOW - timedelta(seconds=1))
    with db.transaction() as tx:
        assert store.claim(tx.session, send_id, NOW)
    with db.transaction() as tx:
        assert not store.claim(tx.session, send_id, NOW)  # a second worker
    assert status(db, send_id) == "sending"


def test_an_interrupted_send_is_taken_over_by_one_replica(db):
    send_id = intend(db)
    with db.transaction() as tx:
        store.claim(tx.session, send_id, NOW)
    with db.session() as session:
        (stale,) = store.stale_sends(session, NOW + timedelta(minutes=3))
    with db.transaction() as tx:
        assert store.take_over(tx.session, stale, NOW + timedelta(minutes=3))
    with db.transaction() as tx:
        assert not store.take_over(tx.session, stale, NOW + timedelta(minutes=3))
    assert status(db, send_id) == "sending"


def test_closing_a_request_cancels_only_its_reminders_not_yet_claimed(db):
    payload = {"request_id": "req-1", "event_id": "ev-1", "application_id": "app-1",
               "items": ["考核表"], "deadline": (NOW + timedelta(hours=48)).isoformat()}
    waiting = intend(db, "supplement_reminder:24h")
    with db.transaction() as tx:
        store.record_request(tx.session, payload, "p-1", NOW)
        (claimed,) = store.record_intents(tx.session, NOW, "ev-2", "app-1",
                                          [Notice("supplement_reminder:2h", "p-1", {})])
        store.claim(tx.session, claimed, NOW)
        (other,) = store.record_intents(tx.session, NOW, "ev-3", "app-1",
                                        [Notice("returned", "p-1", {})])
    with db.transaction() as tx:
        store.close_requests(tx.session, "app-1", "answered")
    assert [status(db, s) for s in (waiting, claimed, other)] == [
        "cancelled", "sending", "pending"]
    with db.transaction() as tx:
        store.close_requests(tx.session, "app-1", "abandoned")  # closed already: stays answered
    with db.session() as session:
        assert session.execute(select(m.supplement_requests.c.status)).scalar() == "answered"
