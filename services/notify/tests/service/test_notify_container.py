"""notify in a nameko container against real RabbitMQ and PostgreSQL (service level): the
senders are the log backends, the clock is moved through its offset file."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
from nameko.amqp.publish import Publisher
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, select

from contracts import events
from notify import models as m
from notify.service import NotifyService
from plumbing import migrations, topology
from tests.support.infra import free_port

pytestmark = pytest.mark.service


@pytest.fixture
def make_notify(container_factory, make_database, isolated_broker_uri, tmp_path):
    engines = []

    def make(**overrides):
        url = make_database(f"notify{int(time.time() * 1000) % 10**8}")
        migrations.upgrade("notify", url)
        clock_file = tmp_path / "clock"
        clock_file.write_text("0")
        container = container_factory(NotifyService, {
            "AMQP_URI": isolated_broker_uri, "DATABASE_URL": url, "OUTBOX_POLL_SECONDS": 0.2,
            "CLOCK_OFFSET_FILE": str(clock_file), "NOTIFY_TICK_SECONDS": 0.2,
            "NOTIFY_RETRY_BASE_SECONDS": 0.1, "NOTIFY_RETRY_CAP_SECONDS": 0.2,
            "MAIL_BACKEND": "log", "SMS_BACKEND": "log", "SMS_RATE_LIMITS": "1/60",
            **overrides})
        container.start()
        engines.append(create_engine(url))
        return container, engines[-1], clock_file, isolated_broker_uri
    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def notify(make_notify):
    return make_notify()


def publish(uri, event, **fields) -> dict:
    payload = events.make(event, **fields)
    Publisher(uri, use_confirms=True, mandatory=True, serializer="json").publish(
        payload, exchange=topology.event_exchange(event.source), routing_key=event.name)
    return payload


def wait_rows(engine, query, count, timeout=15):
    deadline, rows = time.time() + timeout, []
    while time.time() < deadline:
        with engine.connect() as c:
            rows = c.execute(query).all()
        if len(rows) >= count:
            return rows
        eventlet.sleep(0.1)
    return rows


def submitted(app_id, person="a-svc-1", phone=None, email="a@example.org"):
    return dict(application_id=app_id, season="2019", version=1, submission_no=1, kind="first",
                category="in_service", applicant_id=person, unit_id="unit-x", series="engineering",
                level="engineer", specialty="textile", snapshot={},
                applicant={"person_id": person, "name": "张三", "email": email, "phone": phone})


def test_reminders_24h_and_2h_before_the_supplement_deadline_each_once(notify):
    """R-4.5."""
    container, engine, clock_file, uri = notify
    app_id = str(uuid.uuid4())
    publish(uri, events.APPLICATION_SUBMITTED, **submitted(app_id))
    deadline = datetime.now(timezone.utc) + timedelta(hours=48)
    publish(uri, events.SUPPLEMENT_REQUESTED, application_id=app_id, season="2019",
            request_id="req-1", deadline=None, hours=48, items=["考核表"], reviewer={})
    publish(uri, events.DEADLINE_STARTED, application_id=app_id, season="2019",
            request_id="req-1", kind="supplement", items=["考核表"], started_by="delivered",
            told_at=datetime.now(timezone.utc).isoformat(), deadline=deadline.isoformat())
    sends = m.sends
    wait_rows(engine, select(sends).where(sends.c.template == "supplement_requested"), 1)
    clock_file.write_text(str(timedelta(hours=24, minutes=1).total_seconds()))
    rows = wait_rows(engine, select(sends).where(sends.c.template.like("supplement_reminder%")), 1)
    assert [r.template for r in rows] == ["supplement_reminder:24h"]
    clock_file.write_text(str(timedelta(hours=46, minutes=1).total_seconds()))
    rows = wait_rows(engine, select(sends).where(sends.c.template.like("supplement_reminder%")), 2)
    eventlet.sleep(1)
    with engine.connect() as c:
        rows = c.execute(select(sends).where(sends.c.template.like("supplement_reminder%"))).all()
    assert sorted(r.template for r in rows) == ["supplement_reminder:24h", "supplement_reminder:2h"]
    assert all(r.status == "sent" and r.attempts == 1 for r in rows)


def test_an_answered_supplement_request_sends_no_reminder(notify):
    container, engine, clock_file, uri = notify
    app_id = str(uuid.uuid4())
    publish(uri, events.APPLICATION_SUBMITTED, **submitted(app_id, person="a-svc-2"))
    deadline = datetime.now(timezone.utc) + timedelta(hours=48)
    publish(uri, events.SUPPLEMENT_REQUESTED, application_id=app_id, season="2019",
            request_id="req-2", deadline=None, hours=48, items=["考核表"], reviewer={})
    publish(uri, events.DEADLINE_STARTED, application_id=app_id, season="2019",
            request_id="req-2", kind="supplement", items=["考核表"], started_by="delivered",
            told_at=datetime.now(timezone.utc).isoformat(), deadline=deadline.isoformat())
    assert wait_rows(engine, select(m.supplement_requests), 1)
    answer = {**submitted(app_id, person="a-svc-2"), "version": 2, "kind": "supplement"}
    publish(uri, events.APPLICATION_SUBMITTED, **answer)
    rows = wait_rows(engine, select(m.supplement_requests).where(
        m.supplement_requests.c.status == "answered"), 1)
    assert rows
    clock_file.write_text(str(timedelta(hours=24, minutes=1).total_seconds()))
    eventlet.sleep(1.5)
    with engine.connect() as c:
        assert c.execute(select(m.sends).where(
            m.sends.c.template.like("supplement_reminder%"))).all() == []


def test_a_review_event_before_the_submission_waits_for_it(notify):
    """Contacts come only from events: a return about an application notify has not seen is
    retried (not dropped) until the submission arrives."""
    container, engine, clock_file, uri = notify
    app_id = str(uuid.uuid4())
    publish(uri, events.APPLICATION_RETURNED, application_id=app_id, season="2019",
            step="committee", problems=[{"code": "X", "message": "缺少考核表"}],
            submissions_used=1, submissions_left=2, reviewer={})
    eventlet.sleep(0.5)
    publish(uri, events.APPLICATION_SUBMITTED, **submitted(app_id, person="a-svc-3"))
    rows = wait_rows(engine, select(m.sends).where(m.sends.c.template == "returned",
                                                   m.sends.c.status == "sent"), 1)
    assert len(rows) == 1


def test_the_sms_rate_limit_per_recipient_defers_instead_of_sending(notify):
    """1 SMS a minute to one number (configured): the second waits its turn."""
    container, engine, clock_file, uri = notify
    app_id = str(uuid.uuid4())
    publish(uri, events.APPLICATION_SUBMITTED,
            **submitted(app_id, person="a-svc-4", phone="13800000004", email=None))
    wait_rows(engine, select(m.sends).where(m.sends.c.status == "sent"), 1)
    publish(uri, events.APPLICATION_RETURNED, application_id=app_id, season="2019",
            step="committee", problems=["缺少考核表"], submissions_used=1, submissions_left=2,
            reviewer={})
    rows = wait_rows(engine, select(m.sends).where(m.sends.c.template == "returned"), 1)
    eventlet.sleep(0.5)
    with engine.connect() as c:
        send = c.execute(select(m.sends).where(m.sends.c.template == "returned")).one()
        assert send.status == "pending" and send.attempts == 0
        assert send.next_attempt_at > datetime.now(timezone.utc) + timedelta(seconds=30)
    clock_file.write_text("61")
    rows = wait_rows(engine, select(m.sends).where(m.sends.c.template == "returned",
                                                   m.sends.c.status == "sent"), 1)
    assert rows and rows[0].channel == "sms"


def test_a_send_interrupted_while_calling_the_provider_is_resolved_with_the_same_key(notify):
    """A crash after the claim and before the outcome leaves a send `sending`: once its lease is
    over it is recorded as `unknown` and sent again with the same provider key (Message-ID)."""
    container, engine, clock_file, uri = notify
    now = datetime.now(timezone.utc)
    with engine.begin() as c:
        c.execute(m.contacts.insert().values(person_id="p-crash", name="赵六",
                                             email="zhao@example.org", updated_at=now))
        c.execute(m.sends.insert().values(
            id="s-crash", idempotency_key="k-crash", event_id="e-crash", application_id="app-c",
            recipient_id="p-crash", template="withdrawn", channel="email", status="sending",
            attempts=0, channel_attempts=0, provider_key="pk-crash", created_at=now,
            claimed_at=now - timedelta(minutes=10), next_attempt_at=now,
            variables={"applicant_name": "赵六", "season": "2019", "application_ref": "APPC",
                       "portal_url": ""}))
    rows = wait_rows(engine, select(m.sends).where(m.sends.c.id == "s-crash",
                                                   m.sends.c.status == "sent"), 1)
    assert rows and rows[0].provider_id == "log:pk-crash"
    with engine.connect() as c:
        tries = c.execute(select(m.attempts).where(m.attempts.c.send_id == "s-crash")
                          .order_by(m.attempts.c.at)).all()
    assert [(a.outcome, a.code) for a in tries] == [("unknown", "INTERRUPTED"), ("sent", "OK")]


def test_sms_failing_past_its_retries_falls_back_to_email(make_notify):
    """The preferred channel (sms) fails transiently until its retries run out (the provider
    refuses connections): the same notice goes out by email."""
    container, engine, clock_file, uri = make_notify(
        SMS_BACKEND="aliyun", SMS_ENDPOINT=f"http://127.0.0.1:{free_port()}/",
        SMS_ACCESS_KEY_ID="k", SMS_ACCESS_KEY_SECRET="s", SMS_SIGN_NAME="职称评审",
        NOTIFY_MAX_ATTEMPTS=2)
    app_id = str(uuid.uuid4())
    payload = submitted(app_id, person="a-svc-5", phone="13800000005", email="e@example.org")
    payload["applicant"]["channel"] = "sms"
    publish(uri, events.APPLICATION_SUBMITTED, **payload)
    rows = wait_rows(engine, select(m.sends).where(m.sends.c.status == "sent"), 1)
    assert rows and rows[0].channel == "email"
    with engine.connect() as c:
        tries = c.execute(select(m.attempts).where(m.attempts.c.send_id == rows[0].id)
                          .order_by(m.attempts.c.at)).all()
    assert [(a.channel, a.outcome) for a in tries] == [
        ("sms", "transient"), ("sms", "transient"), ("email", "sent")]
    assert tries[0].address_masked == "138****0005"


def test_an_administrator_saves_a_template_only_with_the_events_variables(notify, caplog):
    container, engine, clock_file, uri = notify
    with entrypoint_hook(container, "save_template") as save:
        refused = save("returned", "email", "{applicant_name}：{unknown_thing}", "退回通知", None,
                       "admin-1")
        assert refused["__refusal__"]["code"] == "TEMPLATE_VARIABLE_UNKNOWN"
        assert refused["__refusal__"]["field"] == "templates.returned.email.body"
        saved = save("returned", "email", "{applicant_name}：共 {problem_count} 项需修改",
                     "新标题 {application_ref}", None, "admin-1")
    assert saved["subject"] == "新标题 {application_ref}"
    app_id = str(uuid.uuid4())
    publish(uri, events.APPLICATION_SUBMITTED, **submitted(app_id, person="a-svc-6"))
    with caplog.at_level("INFO", logger="notify.channels"):
        publish(uri, events.APPLICATION_RETURNED, application_id=app_id, season="2019",
                step="committee", problems=["缺少考核表"], submissions_used=1,
                submissions_left=2, reviewer={})
        wait_rows(engine, select(m.sends).where(m.sends.c.template == "returned",
                                                m.sends.c.status == "sent"), 1)
    assert f"[新标题 {app_id[:8].upper()}] 张三：共 1 项需修改" in caplog.text
