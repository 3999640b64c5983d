"""notify: tells reviewers and applicants by email or SMS, once (ARCHITECTURE.md §1).

Exactly-once toward people: each send has an idempotency key (event id + recipient + template).
The intent is committed (status `pending`) together with the consumed event's id *before* the
provider is called; the provider call happens outside any transaction; the outcome is recorded
after. A redelivered event finds the key taken and sends nothing.
"""
from __future__ import annotations

import logging
import uuid

from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from sqlalchemy import select, update

from contracts import events
from notify import channels, models as m, policy
from notify.masking import mask_email
from notify.templates import default_catalogue, render
from plumbing.clock import Clock
from plumbing.db import Database
from plumbing.events import subscribe
from plumbing.health import HealthMixin

log = logging.getLogger(__name__)

STEP_NAMES = {"unit": "单位审核", "department": "主管部门审核", "committee": "评委会审核"}


class Senders(DependencyProvider):
    """The configured channels (`MAIL_BACKEND`, `SMS_BACKEND`), built once per container."""

    def setup(self):
        self.senders = channels.make_senders(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.senders


class NotifyService(HealthMixin):
    name = "notify"

    db = Database(m.metadata)
    clock = Clock()
    config = Config()
    senders = Senders()
    catalogue = default_catalogue()

    @subscribe(events.TASK_OPENED)
    def on_task_opened(self, payload):
        """R-4.1, R-4.3: a reviewer is told when an application reaches their step."""
        variables = {"season": payload["season"],
                     "application_ref": payload["application_id"][:8].upper(),
                     "org_name": payload["org_name"],
                     "step_name": STEP_NAMES.get(payload["step"], payload["step"]),
                     "portal_url": self.config.get("PORTAL_URL", "")}
        recipients = [(r, {**variables, "reviewer_name": r.get("name") or "审核人"})
                      for r in payload["reviewers"]]
        self._notify(payload, "task_opened", recipients)

    def _notify(self, payload, template: str, recipients):
        """Record every intent with the event (one transaction), then send each."""
        intents = []
        with self.db.consume(payload, template) as tx:
            if tx is None:
                return
            for contact, variables in recipients:
                self._remember(tx, contact)
                key = policy.idempotency_key(payload["event_id"], contact["person_id"], template)
                send_id = str(uuid.uuid4())
                tx.session.execute(m.sends.insert().values(
                    id=send_id, idempotency_key=key, event_id=payload["event_id"],
                    application_id=payload.get("application_id"),
                    recipient_id=contact["person_id"], template=template, channel="email",
                    address_masked=mask_email(contact.get("email") or ""), status="pending",
                    attempts=0, variables=variables, created_at=self.clock()))
                intents.append((send_id, contact, variables))
        for send_id, contact, variables in intents:
            self._deliver(send_id, template, contact, variables)

    def _remember(self, tx, contact: dict):
        table = m.contacts
        values = {k: contact.get(k) for k in ("name", "email", "phone")}
        values["channel"] = contact.get("channel") or "email"
        values["updated_at"] = self.clock()
        found = tx.session.execute(select(table.c.person_id).where(
            table.c.person_id == contact["person_id"])).first()
        if found:
            tx.session.execute(update(table).where(
                table.c.person_id == contact["person_id"]).values(**values))
        else:
            tx.session.execute(table.insert().values(person_id=contact["person_id"], **values))

    def _deliver(self, send_id: str, template: str, contact: dict, variables: dict):
        message = render(self.catalogue.template(template, "email"), variables)
        error = None
        try:
            self.senders["email"].send_message(contact["email"], message)
        except Exception as exc:  # recorded, and the pending row says what to resolve
            error = f"{type(exc).__name__}: {exc}"
            log.warning("send %s to %s failed: %s", send_id, mask_email(contact["email"]), error)
        with self.db.transaction() as tx:
            tx.session.execute(update(m.sends).where(m.sends.c.id == send_id).values(
                status="failed" if error else "sent", attempts=m.sends.c.attempts + 1,
                last_error=error, sent_at=None if error else self.clock()))
