"""The plumbing every service uses, against real RabbitMQ and PostgreSQL (README, Reliability)."""
from __future__ import annotations

import json
import time
from urllib.parse import urlparse

import eventlet
import pytest
from kombu import Connection
from nameko.testing.services import entrypoint_hook
from prometheus_client import REGISTRY
from sqlalchemy import Column, MetaData, String, Table, create_engine, func, select

from contracts import events
from plumbing import deadletters, topology
from plumbing.db import Database, plumbing_tables
from plumbing.events import subscribe
from plumbing.rpc import rpc
from tests.support.proxy import Proxy

pytestmark = pytest.mark.service

metadata = MetaData()
plumbing_tables(metadata)
things = Table("things", metadata, Column("id", String(36), primary_key=True))
handled = Table("handled", metadata, Column("id", String(36), primary_key=True))


def payload_fields(app_id: str) -> dict:
    return dict(application_id=app_id, season="2019", attachment_id=app_id, section="basic",
                kind="id_card", object_key=f"k/{app_id}", applicant_id="a1")


class Emitter:
    """Stands in for intake: one state change and its event, in one transaction."""

    name = "intake"
    db = Database(metadata)

    @rpc
    def change(self, thing_id):
        with self.db.transaction() as tx:
            tx.session.execute(things.insert().values(id=thing_id))
            tx.emit(events.ATTACHMENT_UPLOADED, **payload_fields(thing_id))


class Consumer:
    """Stands in for documents: fails while `broken` names the event's attachment."""

    name = "documents"
    db = Database(metadata)
    broken: set = set()

    @subscribe(events.ATTACHMENT_UPLOADED)
    def on_uploaded(self, payload):
        with self.db.consume(payload, "attachment_uploaded") as tx:
            if tx is None:
                return
            if payload["attachment_id"] in Consumer.broken:
                raise RuntimeError("cannot handle this one yet")
            tx.session.execute(handled.insert().values(id=payload["attachment_id"]))


@pytest.fixture
def database(make_database):
    url = make_database(f"plumb{int(time.time() * 1000) % 10**8}")
    engine = create_engine(url)
    metadata.create_all(engine)
    yield url, engine
    engine.dispose()


def count(engine, table, where=None):
    with engine.connect() as c:
        q = select(func.count()).select_from(table)
        return c.execute(q.where(where) if where is not None else q).scalar()


def wait(predicate, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        eventlet.sleep(0.1)
    return False


def queue_depth(uri, name):
    with Connection(uri) as conn:
        return conn.default_channel.queue_declare(name, passive=True).message_count


def test_event_survives_broker_outage_between_change_and_publish(container_factory, database,
                                                                 isolated_broker_uri):
    """Outbox: the change commits while the broker is unreachable; the event is published
    once the broker is back, and marked sent only then."""
    url, engine = database
    topology.declare_all(isolated_broker_uri)
    target = urlparse(isolated_broker_uri.replace("pyamqp", "amqp"))
    proxy = Proxy(target.hostname, target.port or 5672)
    via_proxy = isolated_broker_uri.replace(f"{target.hostname}:{target.port or 5672}",
                                   f"127.0.0.1:{proxy.port}")
    queue = topology.consumer_queue_name(events.ATTACHMENT_UPLOADED, "documents")
    before = queue_depth(isolated_broker_uri, queue)
    container = container_factory(Emitter, {"AMQP_URI": via_proxy, "DATABASE_URL": url,
                                            "OUTBOX_POLL_SECONDS": 0.2})
    container.start()
    try:
        proxy.cut()
        with entrypoint_hook(container, "change") as change:
            change("outage-1")
        outbox = metadata.tables["outbox"]
        assert count(engine, things) == 1
        eventlet.sleep(1.5)  # the relay tries, fails, backs off
        assert count(engine, outbox, outbox.c.sent_at.is_(None)) == 1
        assert queue_depth(isolated_broker_uri, queue) == before

        proxy.restore()
        assert wait(lambda: count(engine, outbox, outbox.c.sent_at.isnot(None)) == 1, 40)
        assert queue_depth(isolated_broker_uri, queue) == before + 1
    finally:
        container.stop()
        proxy.close()
        with Connection(isolated_broker_uri) as conn:
            conn.default_channel.queue_purge(queue)


def test_failing_handler_is_dead_lettered_then_replayed(container_factory, database, isolated_broker_uri):
    """Bounded retries, then the dead-letter queue; listed; replayed after the fix."""
    url, engine = database
    config = {"AMQP_URI": isolated_broker_uri, "DATABASE_URL": url, "EVENT_MAX_RETRIES": 2,
              "EVENT_RETRY_DELAY_MS": 100, "OUTBOX_POLL_SECONDS": 0.2}
    Consumer.broken = {"poison-1"}
    emitter = container_factory(Emitter, config)
    consumer = container_factory(Consumer, config)
    emitter.start()
    consumer.start()
    processed = metadata.tables["processed_events"]
    queue = {"queue": topology.consumer_queue_name(events.ATTACHMENT_UPLOADED, "documents")}
    counted = ("titles_events_retried_total", "titles_events_dead_lettered_total")
    before = [REGISTRY.get_sample_value(name, queue) or 0 for name in counted]
    with entrypoint_hook(emitter, "change") as change:
        change("poison-1")
    assert wait(lambda: deadletters.list_dead_letters(isolated_broker_uri, "documents"), 20)
    # counted per queue for the operator (plumbing.metrics): two retries, one dead letter
    assert [REGISTRY.get_sample_value(name, queue) - b
            for name, b in zip(counted, before)] == [2, 1]
    letters = deadletters.list_dead_letters(isolated_broker_uri, "documents")
    assert len(letters) == 1
    assert letters[0]["attempts"] == 3  # the first try and two retries
    assert "cannot handle this one yet" in letters[0]["error"]
    assert letters[0]["queue"] == topology.consumer_queue_name(events.ATTACHMENT_UPLOADED,
                                                               "documents")
    assert count(engine, processed) == 0  # nothing half-done

    Consumer.broken = set()
    assert deadletters.replay(isolated_broker_uri, "documents") == [letters[0]["event_id"]]
    assert wait(lambda: count(engine, processed) == 1)
    assert deadletters.list_dead_letters(isolated_broker_uri, "documents") == []


def test_redelivered_event_has_effect_once(container_factory, database, isolated_broker_uri):
    """Idempotent consumer: the same event_id twice changes the state once."""
    url, engine = database
    config = {"AMQP_URI": isolated_broker_uri, "DATABASE_URL": url, "OUTBOX_POLL_SECONDS": 0.2}
    Consumer.broken = set()
    consumer = container_factory(Consumer, config)
    consumer.start()
    payload = events.make(events.ATTACHMENT_UPLOADED, **payload_fields("twice-1"))
    from nameko.amqp.publish import Publisher

    publisher = Publisher(isolated_broker_uri, use_confirms=True, mandatory=True, serializer="json")
    for _ in range(2):
        publisher.publish(payload, exchange=topology.event_exchange("intake"),
                          routing_key="attachment_uploaded")
    processed = metadata.tables["processed_events"]
    assert wait(lambda: count(engine, processed) == 1)
    eventlet.sleep(0.5)
    assert count(engine, handled) == 1 and count(engine, processed) == 1


def test_unknown_subscription_is_refused_at_setup(container_factory, isolated_broker_uri):
    """A handler the contract does not list would have no declared queue: refuse to start."""
    class Rogue:
        name = "notify"

        @subscribe(events.ATTACHMENT_UPLOADED)
        def on_uploaded(self, payload):
            pass

    with pytest.raises(events.ContractError):
        container_factory(Rogue, {"AMQP_URI": isolated_broker_uri}).start()


def test_a_message_the_consumer_never_finishes_is_dead_lettered_by_the_broker(isolated_broker_uri):
    """A handler that dies with its process never acks nor parks its message: the quorum queue's
    delivery limit moves it to the service's dead letters, where it is listed and replayed like
    the ones the application parks."""
    uri = isolated_broker_uri
    topology.declare_all(uri)
    queue = topology.consumer_queue_name(events.ATTACHMENT_UPLOADED, "documents")
    payload = events.make(events.ATTACHMENT_UPLOADED, **payload_fields("crash-1"))
    from nameko.amqp.publish import Publisher

    Publisher(uri, use_confirms=True, mandatory=True, serializer="json").publish(
        payload, exchange=topology.event_exchange("intake"), routing_key="attachment_uploaded")
    with Connection(uri) as conn:
        channel = conn.channel()
        for _ in range(topology.DELIVERY_LIMIT + 1):  # each delivery, and no ack: a crash
            message = channel.basic_get(queue, no_ack=False)
            assert message is not None
            channel.basic_reject(message.delivery_tag, requeue=True)
        assert wait(lambda: channel.basic_get(queue, no_ack=True) is None, 10)
    assert wait(lambda: deadletters.list_dead_letters(uri, "documents"), 10)
    (letter,) = deadletters.list_dead_letters(uri, "documents")
    assert letter["event_id"] == payload["event_id"] and letter["queue"] == queue
    assert letter["error"] == "dead-lettered by the broker: delivery_limit"
    assert deadletters.replay(uri, "documents") == [payload["event_id"]]
    with Connection(uri) as conn:
        message = conn.channel().basic_get(queue, no_ack=True)
        assert message is not None and json.loads(message.body)["attachment_id"] == "crash-1"
