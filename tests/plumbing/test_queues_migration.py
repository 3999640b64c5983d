"""`titles queues migrate` (plumbing.queues): a deployment's classic queues, with messages in
them, become the topology's quorum queues with every message kept, against the real broker."""
from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Producer, Queue

from contracts import events
from plumbing import queues, topology
from plumbing.config import ROOT

pytestmark = pytest.mark.service

TITLES = str(Path(sys.executable).parent / "titles")
SUBMITTED_TO_REVIEW = topology.consumer_queue_name(events.APPLICATION_SUBMITTED, "review")


def classic_topology() -> list[Queue]:
    """The queues as the version before quorum queues declared them (its plumbing.topology and
    nameko's own RPC queues): what a running deployment has on its broker."""
    old = []
    for event in events.ALL:
        for service in event.subscribers:
            name = topology.consumer_queue_name(event, service)
            old.append(Queue(name, exchange=topology.event_exchange(event.source),
                             routing_key=event.name, durable=True))
            old.append(Queue(f"{name}.retry", exchange=Exchange(""), routing_key=f"{name}.retry",
                             durable=True, queue_arguments={"x-dead-letter-exchange": "",
                                                            "x-dead-letter-routing-key": name}))
    old += [Queue(f"{s}.dead-letters", exchange=Exchange(""), routing_key=f"{s}.dead-letters",
                  durable=True) for s in topology.subscribers()]
    old += [Queue(f"rpc-{s}", exchange=topology.rpc_exchange(), routing_key=f"{s}.*",
                  durable=True) for s in topology.SERVICES]
    return old + [Queue("notify.resend", exchange=Exchange(""), routing_key="notify.resend",
                        durable=True)]


def publish(producer, exchange, routing_key, tag, **kw):
    body = json.dumps({"event_id": str(uuid.uuid4()), "tag": tag})
    producer.publish(body, exchange=exchange, routing_key=routing_key, delivery_mode=2,
                     content_type="application/json", content_encoding="utf-8",
                     mandatory=True, **kw)
    return json.loads(body)["event_id"]


def drain(uri, name) -> list:
    """Every message of a queue as (event_id, headers), consumed."""
    found = []
    with Connection(uri) as conn:
        channel = conn.channel()
        while (message := channel.basic_get(name, no_ack=True)) is not None:
            headers = dict(message.properties.get("application_headers") or {})
            headers.pop("x-delivery-count", None)  # the quorum queue's, of this delivery
            found.append((json.loads(message.body)["event_id"], headers))
    return found


@pytest.fixture
def fresh_uri(isolated_broker_uri):
    """A vhost of this test's own (every test here starts from an empty broker)."""
    from urllib.parse import quote

    from tests.support import infra

    if not isolated_broker_uri.startswith("pyamqp://guest:guest@127"):
        pytest.skip("needs the local broker's vhost administration")
    vhost = f"titles-test-{infra.RUN_ID}-{uuid.uuid4().hex[:6]}"
    if not infra._make_vhost(vhost):
        infra.missing("RabbitMQ vhost administration")
    yield f"pyamqp://guest:guest@127.0.0.1:5672/{quote(vhost, safe='')}"
    infra._drop_vhost(vhost)


@pytest.fixture
def old_deployment(fresh_uri):
    """The classic topology with a message waiting in each kind of queue."""
    uri = fresh_uri
    with Connection(uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        for q in classic_topology():
            q(channel).declare()
        producer = Producer(channel)
        sent = {
            "event": publish(producer, topology.event_exchange("intake"),
                             "application_submitted", "event"),
            # a retry waiting a long time: migrating makes it due at once, in its queue
            "retry": publish(producer, "", f"{SUBMITTED_TO_REVIEW}.retry", "retry",
                             expiration=600, headers={"x-attempts": 2}),
            "dead": publish(producer, "", "review.dead-letters", "dead",
                            headers={"x-original-queue": SUBMITTED_TO_REVIEW, "x-attempts": 4}),
            "rpc": publish(producer, topology.rpc_exchange(), "review.health", "rpc",
                           reply_to="rpc.reply-x", correlation_id="c-1"),
            "resend": publish(producer, "", "notify.resend", "resend"),
        }
    yield uri, sent


def titles(uri, *args) -> tuple[list[dict], str]:
    done = subprocess.run([TITLES, "queues", *args], env={"AMQP_URI": uri, "PATH": ""},
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def test_classic_queues_become_quorum_queues_with_every_message_kept(old_deployment):
    uri, sent = old_deployment
    # the services refuse to start on them, and say what to do
    with pytest.raises(topology.TopologyMismatch, match="titles queues migrate"):
        topology.declare_all(uri)
    states, summary = titles(uri, "status")
    assert {s["state"] for s in states} == {"other arguments"}
    assert f"{len(topology.all_queues())} to migrate" in summary

    reports, summary = titles(uri, "migrate")

    assert "0 to migrate" in summary
    assert {r.queue: r.state for r in queues.status(uri)} == {
        q.name: "ok" for q in topology.all_queues()}
    topology.declare_all(uri)  # what every service does at start-up: accepted now
    review = next(r for r in reports if r["queue"] == SUBMITTED_TO_REVIEW)
    assert review["state"] == "migrated"
    assert review["moved"] == {SUBMITTED_TO_REVIEW: 1, f"{SUBMITTED_TO_REVIEW}.retry": 1,
                               f"{SUBMITTED_TO_REVIEW}.migrating": 2}

    # each message once, where a consumer will find it; the retry due at once, its count kept
    main = dict(drain(uri, SUBMITTED_TO_REVIEW))
    assert set(main) == {sent["event"], sent["retry"]}
    assert main[sent["retry"]]["x-attempts"] == 2
    for other in ("documents", "notify"):  # the other subscribers of the same event
        name = topology.consumer_queue_name(events.APPLICATION_SUBMITTED, other)
        assert [e for e, _ in drain(uri, name)] == [sent["event"]]
    assert drain(uri, "review.dead-letters") == [
        (sent["dead"], {"x-original-queue": SUBMITTED_TO_REVIEW, "x-attempts": 4})]
    assert [e for e, _ in drain(uri, "rpc-review")] == [sent["rpc"]]
    assert [e for e, _ in drain(uri, "notify.resend")] == [sent["resend"]]
    with Connection(uri) as conn:  # no holding queue left behind
        assert queues.Broker(conn).probe(f"{SUBMITTED_TO_REVIEW}.migrating") is None

    again = queues.migrate(uri)
    assert {r.state for r in again} == {"ok"}


def test_an_interrupted_migration_is_finished_by_running_it_again(fresh_uri):
    uri = fresh_uri
    topology.declare_all(uri)
    queue = topology.consumer_queue(events.APPLICATION_SUBMITTED, "review")
    with Connection(uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        queues.holding_queue(queue)(channel).declare()
        left = publish(Producer(channel), "", queue.name + queues.HOLDING, "left")
    queues.migrate(uri)
    assert [e for e, _ in drain(uri, queue.name)] == [left]


def test_migrate_refuses_while_a_service_consumes(old_deployment):
    uri, _ = old_deployment
    with Connection(uri) as conn:
        channel = conn.channel()
        channel.basic_consume(SUBMITTED_TO_REVIEW, callback=lambda m: None)
        with pytest.raises(queues.Refused, match="stop the services"):
            queues.migrate(uri)
