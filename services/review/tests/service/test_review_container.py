"""review in a nameko container against real RabbitMQ and PostgreSQL (service level)."""
from __future__ import annotations

import time

import eventlet
import pytest
from nameko.amqp.publish import Publisher
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, select

from contracts import events
from plumbing import migrations, topology
from plumbing.config import ROOT
from review import models as m
from review.service import ReviewService

pytestmark = pytest.mark.service


@pytest.fixture
def review(container_factory, make_database, isolated_broker_uri):
    url = make_database(f"review{int(time.time() * 1000) % 10**8}")
    migrations.upgrade("review", url)
    container = container_factory(ReviewService, {
        "AMQP_URI": isolated_broker_uri, "DATABASE_URL": url, "OUTBOX_POLL_SECONDS": 0.2})
    container.start()
    with entrypoint_hook(container, "load_organisations") as load:
        load((ROOT / "deploy" / "sample" / "organisations.yaml").read_text("utf-8"))
    engine = create_engine(url)
    yield container, engine
    engine.dispose()


def submitted(unit_id: str) -> dict:
    return events.make(events.APPLICATION_SUBMITTED, application_id="app-svc-1", season="2019",
                       version=1, submission_no=1, kind="first", category="in_service", applicant_id="a-1", unit_id=unit_id,
                       series="engineering", level="engineer", specialty="textile",
                       applicant={"person_id": "a-1", "name": "张三"}, snapshot={})


def test_submission_opens_the_unit_task_and_announces_it(review, isolated_broker_uri):
    """R-4.1: the applicant's own unit reviews first; the task_opened event names its reviewer."""
    container, engine = review
    Publisher(isolated_broker_uri, use_confirms=True, mandatory=True, serializer="json").publish(
        submitted("unit-changji-textile"), exchange=topology.event_exchange("intake"),
        routing_key="application_submitted")
    outbox = m.metadata.tables["outbox"]
    deadline = time.time() + 15
    rows = []
    while time.time() < deadline and not rows:
        with engine.connect() as c:
            rows = c.execute(select(outbox).where(outbox.c.sent_at.isnot(None),
                                                  outbox.c.event_type == "task_opened")).all()
        eventlet.sleep(0.1)
    assert len(rows) == 1
    payload = rows[0].payload
    assert payload["step"] == "unit" and payload["org_id"] == "unit-changji-textile"
    assert payload["reviewers"][0]["email"] == "hr.textile@example.org"
    with engine.connect() as c:
        tasks = c.execute(select(m.tasks)).all()
    assert [(t.org_id, t.status) for t in tasks] == [("unit-changji-textile", "open")]


def test_invalid_organisation_file_is_refused_whole(review):
    """Every problem listed at once (N-8.5 style); nothing replaced."""
    container, engine = review
    with entrypoint_hook(container, "load_organisations") as load:
        result = load("organisations:\n  - {id: u1, name: 单位, kind: unit, parent_id: nowhere}\n")
    refusal = result["__refusal__"]
    assert refusal["code"] == "ORGANISATIONS_INVALID" and refusal["status"] == 422
    codes = {p["code"] for p in refusal["problems"]}
    assert {"ORG_PARENT_UNKNOWN", "ORG_ROOT_COUNT", "ORG_NO_REVIEWER"} <= codes
    with engine.connect() as c:
        assert c.execute(select(m.organisations).where(
            m.organisations.c.id == "unit-changji-textile")).first() is not None
