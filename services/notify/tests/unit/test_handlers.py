"""notify's areas with `worker_factory` on SQLite: each names what it uses, so a handler runs
with a real store, a fixed clock and the log channels; intents commit with the consumed event
and the provider is called after the commit."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from nameko.testing.services import worker_factory
from prometheus_client import REGISTRY
from sqlalchemy import select

from contracts import events
from notify import channels, models as m
from notify.delivery import Delivery
from notify.service import NotifyService
from notify.store import UnknownApplication
from notify.templates import default_catalogue
from tests.support.stores import sqlite_store

NOW = datetime(2019, 10, 20, 12, 0, tzinfo=timezone.utc)


class Recording:
    """A channel that keeps what it was given."""

    def __init__(self):
        self.sent = []

    def send_message(self, to, message, key=None):
        self.sent.append((to, message.event, key))
        return f"rec:{key}"


@pytest.fixture
def notify():
    db = sqlite_store(m.metadata, "notify")
    clock = lambda: NOW  # noqa: E731
    config = {"PORTAL_URL": "https://titles.example.cn"}
    senders = {"email": Recording(), "sms": channels.LogSender("sms")}
    delivery = Delivery(db, clock, config, senders, default_catalogue(), "notify")
    return worker_factory(NotifyService, db=db, clock=clock, config=config, delivery=delivery)


def submitted(app_id="app-1"):
    return events.make(
        events.APPLICATION_SUBMITTED, application_id=app_id, season="2019", version=1,
        submission_no=1, kind="first", category="in_service", applicant_id="a-1",
        unit_id="unit-x", series="engineering", level="engineer", specialty="textile",
        snapshot={}, applicant={"person_id": "a-1", "name": "张三", "email": "a@example.org"})


def sends(service):
    with service.db.session() as session:
        return session.execute(select(m.sends)).all()


def test_a_submission_is_told_once_even_when_redelivered(notify):
    sent = {"channel": "email", "outcome": "sent"}
    before = REGISTRY.get_sample_value("titles_notifications_total", sent) or 0
    payload = submitted()
    notify.on_application_submitted(payload)
    notify.on_application_submitted(dict(payload))  # the same event id again
    (send,) = sends(notify)
    assert (send.template, send.status, send.attempts) == ("received", "sent", 1)
    assert REGISTRY.get_sample_value("titles_notifications_total", sent) == before + 1
    assert notify.delivery.senders["email"].sent == [
        ("a@example.org", "received", send.provider_key)]


def test_a_review_event_before_the_submission_is_unknown_and_records_nothing(notify):
    returned = events.make(events.APPLICATION_RETURNED, application_id="app-2", season="2019",
                           step="committee", problems=["缺少考核表"], submissions_used=1,
                           submissions_left=2, reviewer={})
    with pytest.raises(UnknownApplication):
        notify.on_application_returned(returned)
    assert sends(notify) == []
    notify.on_application_submitted(submitted("app-2"))
    notify.on_application_returned(returned)  # the retry, once the submission arrived
    assert sorted(s.template for s in sends(notify)) == ["received", "returned"]


def test_the_operator_sees_no_dead_letters_and_a_sent_send_is_not_resent(notify):
    notify.on_application_submitted(submitted())
    (send,) = sends(notify)
    assert notify.dead_letters() == []
    assert notify.resend(send.id) == {"send_id": send.id, "status": "sent"}
    assert notify.attempts("app-1")[0]["attempts"][0]["outcome"] == "sent"
