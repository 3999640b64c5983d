"""review's handlers as units (nameko `worker_factory`), on an in-memory database."""
from datetime import datetime, timezone

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select

from contracts import events
from plumbing.config import ROOT
from review import models as m
from review.intake_events import UnknownUnit
from review.service import ReviewService
from tests.support.stores import sqlite_store

NOW = datetime(2019, 10, 15, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def service():
    svc = worker_factory(ReviewService, db=sqlite_store(m.metadata, "review"), clock=lambda: NOW)
    svc.load_organisations((ROOT / "deploy" / "sample" / "organisations.yaml").read_text("utf-8"))
    return svc


def submitted(unit_id):
    return events.make(events.APPLICATION_SUBMITTED, application_id="a-1", season="2019",
                       version=1, submission_no=1, kind="first", category="in_service", applicant_id="p-1", unit_id=unit_id,
                       series="engineering", level="engineer", specialty="textile",
                       applicant={"person_id": "p-1"}, snapshot={})


def outbox_events(service):
    """What the handlers under test sent (the organisation file's load is not one of them)."""
    with service.db.session() as s:
        return [r.payload for r in s.execute(select(m.metadata.tables["outbox"])).all()
                if r.event_type != events.ORGANISATIONS_LOADED.name]


def test_submission_opens_unit_task_once_even_if_redelivered(service):
    """R-4.1: the unit reviews first; a redelivered event (same event_id) opens nothing more."""
    event = submitted("unit-urumqi-machinery")
    service.on_application_submitted(event)
    service.on_application_submitted(event)
    with service.db.session() as s:
        tasks = s.execute(select(m.tasks)).all()
    assert [(t.step, t.org_id, t.opened_at.replace(tzinfo=timezone.utc)) for t in tasks] == [
        ("unit", "unit-urumqi-machinery", NOW)]
    sent = outbox_events(service)
    assert len(sent) == 1 and sent[0]["reviewers"][0]["email"] == "hr.machinery@example.org"


def test_unknown_unit_raises_and_leaves_nothing_behind(service):
    """The handler fails (to be retried, then dead-lettered) and its transaction rolls back."""
    with pytest.raises(UnknownUnit):
        service.on_application_submitted(submitted("unit-nobody-knows"))
    assert outbox_events(service) == []
    with service.db.session() as s:
        assert s.execute(select(m.metadata.tables["processed_events"])).all() == []


def test_tasks_are_listed_per_organisation_only(service):
    """docs/rules.md §9: a reviewer sees only its own scope."""
    service.on_application_submitted(submitted("unit-urumqi-machinery"))
    assert len(service.list_tasks("unit-urumqi-machinery")) == 1
    assert service.list_tasks("unit-changji-textile") == []
    assert service.list_tasks(None)["__refusal__"]["code"] == "FORBIDDEN"
