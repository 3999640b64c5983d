"""review as a unit (worker_factory on in-memory SQLite) with the sample organisations and the
2019 season loaded, and a clock the test moves (helpers in support.py)."""
import pytest
from nameko.testing.services import worker_factory

from plumbing.config import ROOT
from review import models as m
from review.service import ReviewService
from services.review.tests.unit.support import START
from tests.support.clock import SettableClock
from tests.support.stores import sqlite_store


@pytest.fixture
def clock():
    return SettableClock(START)


@pytest.fixture
def service(clock):
    svc = worker_factory(ReviewService, db=sqlite_store(m.metadata, "review", clock), clock=clock)
    svc.load_organisations((ROOT / "deploy" / "sample" / "organisations.yaml").read_text("utf-8"))
    svc.load_season((ROOT / "seasons" / "2019.yaml").read_text("utf-8"))
    return svc
