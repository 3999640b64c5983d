"""R-4.5 on real PostgreSQL: two sweeps racing over the same expired supplement requests (as two
review instances do) claim each request exactly once — the conditional UPDATE … WHERE
status='open' RETURNING of `review.store.supplements.abandon_expired`. Also R-4.1: concurrent
appends to the audit chain stay one chain (the advisory lock)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import eventlet
import pytest
from sqlalchemy.orm import sessionmaker

from plumbing import migrations
from plumbing.db import make_engine
from review import models as m
from review.rules.audit import verify_chain
from review.store.audit import append_audit, audit_entries
from review.store.supplements import abandon_expired

pytestmark = pytest.mark.service

NOW = datetime(2019, 10, 26, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def engine(make_database):
    url = make_database(f"reviewsweep{int(time.time() * 1000) % 10**8}")
    migrations.upgrade("review", url)
    engine = make_engine(url)  # green psycopg2: the two sweeps interleave in one process
    yield engine
    engine.dispose()


def test_two_racing_sweeps_claim_each_expired_request_once(engine):
    make = sessionmaker(bind=engine)
    with make.begin() as s:
        for i in range(20):
            s.execute(m.supplement_requests.insert().values(
                id=f"r-{i}", application_id=f"a-{i}", season="2019", items=["补充"],
                requested_at=NOW - timedelta(hours=49), status="open", reviewer={},
                deadline=NOW - timedelta(minutes=1) if i < 15 else NOW + timedelta(hours=1)))

    def sweep(hold: float):
        s = make()
        try:
            claimed = [r.id for r in abandon_expired(s, NOW)]
            eventlet.sleep(hold)  # keep the row locks while the other sweep runs
            s.commit()
            return claimed
        finally:
            s.close()

    first = eventlet.spawn(sweep, 0.5)
    eventlet.sleep(0.05)
    second = eventlet.spawn(sweep, 0)
    a, b = first.wait(), second.wait()
    assert sorted(a + b) == sorted(f"r-{i}" for i in range(15))
    assert not set(a) & set(b)
    assert sweep(0) == []  # a later sweep finds nothing left


def test_concurrent_audit_appends_stay_one_chain(engine):
    make = sessionmaker(bind=engine)

    def decide(i):
        s = make()
        try:
            append_audit(SimpleNamespace(session=s), NOW, {"sub": f"P-{i}", "role": "admin"},
                         "test_decision", f"a-{i}", reason="并发")
            eventlet.sleep(0.01)
            s.commit()
        finally:
            s.close()

    pool = eventlet.GreenPool(10)
    list(pool.imap(decide, range(30)))
    with make() as s:
        entries = audit_entries(s)
    assert len(entries) == 30
    assert verify_chain([{**e["entry"], "hash": e["hash"]} for e in entries]) == []
