"""intake in a nameko container against real RabbitMQ and PostgreSQL (service level): its HTTP
API, review's events arriving over the broker, and the one-active-application rule under a race.
"""
from __future__ import annotations

import time
from datetime import date, timedelta

import eventlet
import jwt
import pytest
import requests
from nameko.amqp.publish import Publisher
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, select

from contracts import events
from intake import models as m
from intake.service import IntakeService
from plumbing import config as cfg, migrations, topology
from plumbing.config import ROOT
from tests.support import applications as apps
from tests.support.infra import free_port

pytestmark = pytest.mark.service

KEY = "service-test-secret-at-least-32-bytes!"


@pytest.fixture
def intake(container_factory, make_database, isolated_broker_uri):
    url = make_database(f"intake{int(time.time() * 1000) % 10**8}")
    migrations.upgrade("intake", url)
    port = free_port()
    container = container_factory(IntakeService, cfg.load("intake", {
        "AMQP_URI": isolated_broker_uri, "DATABASE_URL": url, "OUTBOX_POLL_SECONDS": 0.2,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}", "JWT_KEY": KEY}))
    container.start()
    with entrypoint_hook(container, "load_season") as load:
        assert load((ROOT / "seasons" / "2019.yaml").read_text("utf-8"))["season"] == "2019"
    engine = create_engine(url)
    yield f"http://127.0.0.1:{port}", engine
    engine.dispose()


def token(sub: str) -> str:
    return jwt.encode({"sub": sub, "role": "applicant", "aud": "titles", "org": apps.UNIT,
                       "exp": int(time.time()) + 600}, KEY, algorithm="HS256")


def post(base, sub, body):
    return requests.post(f"{base}/applications", json=body, timeout=30,
                         headers={"Authorization": f"Bearer {token(sub)}"})


def publish(amqp_uri, event, payload):
    Publisher(amqp_uri, use_confirms=True, mandatory=True, serializer="json").publish(
        payload, exchange=topology.event_exchange(event.source), routing_key=event.name)


def test_two_simultaneous_creations_for_one_person_leave_one_application(intake):
    """One active application per person and season (by ID-number hash), on real PostgreSQL
    with both requests in flight at once."""
    base, engine = intake
    body = apps.body()
    first = eventlet.spawn(post, base, "p-race-1", body)
    second = eventlet.spawn(post, base, "p-race-2", body)
    answers = sorted([first.wait(), second.wait()], key=lambda r: r.status_code)
    assert [r.status_code for r in answers] == [201, 422], [r.text for r in answers]
    assert answers[1].json()["code"] == "APPLICATION_EXISTS"
    with engine.connect() as c:
        assert len(c.execute(select(m.applications)).all()) == 1


def test_review_events_over_the_broker_bar_the_person_and_return_the_application(
        intake, isolated_broker_uri):
    base, engine = intake
    body = apps.body()
    created = post(base, "p-bar-1", body)
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    returned = events.make(events.APPLICATION_RETURNED, application_id=app_id, season="2019",
                           step="committee", problems=[{"code": "X", "message": "不清晰"}],
                           submissions_used=1, submissions_left=2,
                           reviewer={"person_id": "P-C01"})
    publish(isolated_broker_uri, events.APPLICATION_RETURNED, returned)
    publish(isolated_broker_uri, events.APPLICATION_RETURNED, returned)  # redelivered
    publish(isolated_broker_uri, events.SANCTION_IMPOSED, events.make(
        events.SANCTION_IMPOSED, sanction_id="s-svc-1", subject="person",
        application_id=app_id, applicant_id="p-bar-1", unit_id=apps.UNIT, person_key=None,
        series=None, level=None, starts_on=date.today().isoformat(),
        last_barred_on=(date.today() + timedelta(days=5 * 365)).isoformat(), reason="弄虚作假"))
    deadline, actions = time.time() + 20, []
    while time.time() < deadline and "sanction_imposed" not in actions:
        with engine.connect() as c:
            actions = [h.action for h in c.execute(select(m.history).where(
                m.history.c.application_id == app_id))]
        eventlet.sleep(0.1)
    assert actions.count("returned") == 1 and "sanction_imposed" in actions
    r = requests.post(f"{base}/applications/{app_id}/withdraw", timeout=30,
                      headers={"Authorization": f"Bearer {token('p-bar-1')}"})
    assert r.status_code == 200, r.text
    refused = post(base, "p-bar-other-account", body)  # same ID number, another account
    assert (refused.status_code, refused.json()["code"]) == (422, "PERSON_BARRED")


def test_unknown_paths_and_wrong_methods_answer_problem_details(intake):
    base, _ = intake
    r = requests.get(f"{base}/no/such/route", timeout=10)
    assert (r.status_code, r.headers["Content-Type"], r.json()["code"]) == (
        404, "application/problem+json", "ROUTE_UNKNOWN")
    r = requests.delete(f"{base}/applications", timeout=10)
    assert (r.status_code, r.json()["code"]) == (405, "METHOD_NOT_ALLOWED")
    assert requests.get(f"{base}/health", timeout=10).status_code == 200  # real routes win
