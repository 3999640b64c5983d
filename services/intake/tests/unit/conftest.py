"""intake's service as a unit: `worker_factory` on in-memory SQLite, review and the object
store mocked, the 2019 season loaded, the clock inside the online window (R-2.1)."""
from __future__ import annotations

from datetime import datetime, timezone
from unittest.mock import Mock

import pytest
from nameko.testing.services import worker_factory

from intake import models as m
from intake.service import IntakeService
from plumbing.config import ROOT
from services.intake.tests.unit.worker import CONFIG
from tests.support.clock import SettableClock
from tests.support.stores import sqlite_store


@pytest.fixture
def clock():
    return SettableClock(datetime(2019, 10, 15, 2, 0, tzinfo=timezone.utc))  # inside


@pytest.fixture
def service(clock):
    svc = worker_factory(IntakeService, db=sqlite_store(m.metadata, "intake", clock), clock=clock,
                         config=CONFIG, review=Mock(), storage=Mock())
    svc.load_season((ROOT / "seasons" / "2019.yaml").read_text("utf-8"))
    return svc
