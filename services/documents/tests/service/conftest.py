"""documents in a nameko container against real RabbitMQ, PostgreSQL and an S3 endpoint: the
`documents` fixture and its harness, shared by the service tests.

Events go in through the broker as intake publishes them; what documents decided is read from
its outbox (the events it emits) and its tables.
"""
from __future__ import annotations

import io
import time
import uuid

import eventlet
import pytest
from nameko.amqp.publish import Publisher
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, select

from contracts import events
from documents import models as m
from documents.service import DocumentsService
from plumbing import migrations, topology
from plumbing.storage import incoming_key, make_client


@pytest.fixture
def documents(container_factory, make_database, isolated_broker_uri, s3_config):
    url = make_database(f"documents{uuid.uuid4().hex[:8]}")
    migrations.upgrade("documents", url)
    container = container_factory(DocumentsService, {
        "AMQP_URI": isolated_broker_uri, "DATABASE_URL": url, **s3_config,
        "OUTBOX_POLL_SECONDS": 0.2, "EVENT_MAX_RETRIES": 1, "EVENT_RETRY_DELAY_MS": 100,
        "DOCUMENT_SECRET": "service-test-secret", "VERIFY_URL_BASE": "http://v.example/verify"})
    container.start()
    engine = create_engine(url)
    publisher = Publisher(isolated_broker_uri, use_confirms=True, mandatory=True,
                          serializer="json")
    harness = Harness(container, engine, publisher, s3_config)
    harness.load_organisations()
    yield harness
    engine.dispose()


class Harness:
    def __init__(self, container, engine, publisher, s3):
        self.container, self.engine, self.publisher, self.s3 = container, engine, publisher, s3
        self.client = make_client(s3)

    def publish(self, event, **fields) -> dict:
        payload = events.make(event, **fields)
        self.publisher.publish(payload, exchange=topology.event_exchange(event.source),
                               routing_key=event.name)
        return payload

    def load_organisations(self, timeout: float = 30) -> None:
        """review's organisations_loaded for the sample file, and wait until documents kept it
        (a submission's 评审表 prints its unit's name, so the unit must be known)."""
        import yaml

        from plumbing.config import ROOT
        doc = yaml.safe_load((ROOT / "deploy" / "sample" / "organisations.yaml")
                             .read_text("utf-8"))
        self.publish(events.ORGANISATIONS_LOADED, organisations=[
            {"id": o["id"], "name": o["name"], "kind": o["kind"],
             "contact": o.get("contact") or {}} for o in doc["organisations"]])
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.engine.connect() as conn:
                if conn.execute(select(m.organisations)).first() is not None:
                    return
            eventlet.sleep(0.1)
        raise AssertionError("organisations_loaded not consumed")

    def upload(self, data: bytes, applicant: str, kind: str = "diploma",
               application_id: str | None = None) -> str:
        """Store `data` as intake would and announce it; returns the attachment id."""
        attachment_id = str(uuid.uuid4())
        application_id = application_id or str(uuid.uuid4())
        key = incoming_key("2019", application_id, attachment_id)
        self.client.put_object(self.s3["ATTACHMENTS_BUCKET"], key, io.BytesIO(data), len(data),
                               content_type="image/jpeg")
        self.publish(events.ATTACHMENT_UPLOADED, application_id=application_id, season="2019",
                     attachment_id=attachment_id, section="education", kind=kind,
                     object_key=key, applicant_id=applicant)
        return attachment_id

    def emitted(self, name: str) -> list[dict]:
        outbox = m.metadata.tables["outbox"]
        with self.engine.connect() as c:
            return [r.payload for r in c.execute(select(outbox).where(
                outbox.c.event_type == name).order_by(outbox.c.id))]

    def checked(self, *attachment_ids: str, timeout: float = 30) -> dict[str, dict]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = {p["attachment_id"]: p for p in self.emitted("attachment_checked")
                     if p["attachment_id"] in attachment_ids}
            if len(found) == len(attachment_ids):
                return found
            eventlet.sleep(0.1)
        raise AssertionError(f"not checked in {timeout}s: {set(attachment_ids) - set(found)}")

    def health(self) -> dict:
        with entrypoint_hook(self.container, "health") as health:
            return health()

