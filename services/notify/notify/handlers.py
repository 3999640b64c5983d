"""The event handlers: who is told what (notify.messages), and what notify keeps of it.

Contacts come only from events (the applicant from intake's application_submitted, reviewers
and HR contacts from review's events); notify never reads another service's database. Each
handler records what it learnt and the intents of its notices in the consumed event's
transaction (`@handles`); the provider is called once that has committed (`tx.after_commit`,
notify.delivery). A review event about an application whose submission notify has not seen yet
raises `UnknownApplication`: expected, so it is logged as a warning, retried, and dead-lettered
only if it lasts.
"""
from __future__ import annotations

from contracts import events
from notify import dependencies, messages, store
from notify.lifecycle import Application
from notify.store import UnknownApplication
from plumbing.events import handles

UNKNOWN_ORG = "所在单位"


def told(event):
    """`@handles(event)` with UnknownApplication expected (a warning, not a traceback)."""
    return handles(event, expected_exceptions=UnknownApplication)


class EventNotices:
    """Who is told what, one handler per event notify subscribes to."""

    db, clock, config = dependencies.db, dependencies.clock, dependencies.config
    delivery = dependencies.delivery

    @told(events.APPLICATION_SUBMITTED)
    def on_application_submitted(self, tx, payload):
        """Keep the applicant's contact; a `supplement` submission answers the open supplement
        request (R-4.5: its reminders stop); tell the applicant it was received."""
        contact = {**(payload.get("applicant") or {})}
        contact["person_id"] = contact.get("person_id") or payload["applicant_id"]
        store.remember_contact(tx.session, contact, self.clock())
        store.remember_application(tx.session, payload, contact["person_id"], self.clock())
        if payload["kind"] in ("supplement", "resubmission"):  # answers a committee request
            store.close_requests(tx.session, payload["application_id"], "answered")
        self._tell(tx, payload, [messages.received(payload, contact, self._portal())])

    @told(events.APPLICATION_WITHDRAWN)
    def on_application_withdrawn(self, tx, payload):
        """The applicant withdrew (撤回): told, and the reminders of open requests cancelled."""
        contact = store.applicant(tx.session, payload["application_id"])
        store.set_application_status(tx.session, payload["application_id"],
                                     Application.WITHDRAWN, self.clock())
        store.close_requests(tx.session, payload["application_id"], "withdrawn")
        self._tell(tx, payload, [messages.withdrawn(payload, contact, self._portal())])

    @told(events.TASK_OPENED)
    def on_task_opened(self, tx, payload):
        """R-4.1, R-4.3: a reviewer is told when an application reaches their step."""
        store.remember_org(tx.session, payload["org_id"], payload["org_name"])
        for reviewer in payload["reviewers"]:
            store.remember_contact(tx.session, reviewer, self.clock())
        self._tell(tx, payload, messages.task_opened(payload, self._portal()))

    @told(events.STEP_DECIDED)
    def on_step_decided(self, tx, payload):
        """R-4.3: the applicant is told of each step of the route."""
        contact = store.applicant(tx.session, payload["application_id"])
        self._tell(tx, payload, [messages.step_decided(
            payload, contact, self._portal(), store.org_names(tx.session))])

    @told(events.PUBLICITY_OPENED)
    def on_publicity_opened(self, tx, payload):
        """R-4.2: the unit publicity (公示) started (5 working days, R-2.3)."""
        contact = store.applicant(tx.session, payload["application_id"])
        org = store.org_names(tx.session).get(payload["org_id"], UNKNOWN_ORG)
        self._tell(tx, payload, [messages.publicity_opened(payload, contact, org)])

    @told(events.PUBLICITY_CLOSED)
    def on_publicity_closed(self, tx, payload):
        contact = store.applicant(tx.session, payload["application_id"])
        org = store.org_names(tx.session).get(payload["org_id"], UNKNOWN_ORG)
        self._tell(tx, payload, [messages.publicity_closed(
            payload, contact, org, self.clock().date().isoformat())])

    @told(events.APPLICATION_RETURNED)
    def on_application_returned(self, tx, payload):
        """R-4.4, N-8.5: returned (退回) with every problem at once, and the submissions left."""
        contact = store.applicant(tx.session, payload["application_id"])
        self._tell(tx, payload, [messages.returned(
            payload, contact, self._portal(), store.org_names(tx.session))])

    @told(events.SUPPLEMENT_REQUESTED)
    def on_supplement_requested(self, tx, payload):
        """R-4.5: the applicant is told the items (补充材料) and the 48 hours from receiving the
        notice; its delivery is reported to review (`notification_delivered`, notify.delivery),
        which starts the clock."""
        contact = store.applicant(tx.session, payload["application_id"])
        self._tell(tx, payload, [messages.supplement_requested(
            payload, contact, self._portal(), store.org_names(tx.session))])

    @told(events.DEADLINE_STARTED)
    def on_deadline_started(self, tx, payload):
        """R-4.5: a committee request's 48 hours started; its deadline is kept for the
        reminders (24 h and 2 h before it, notify.schedule)."""
        contact = store.applicant(tx.session, payload["application_id"])
        store.record_request(tx.session, payload, contact["person_id"], self.clock())

    @told(events.APPLICATION_ABANDONED)
    def on_application_abandoned(self, tx, payload):
        """R-4.5: the deadline passed unanswered (视为放弃申报)."""
        contact = store.applicant(tx.session, payload["application_id"])
        store.set_application_status(tx.session, payload["application_id"],
                                     Application.ABANDONED, self.clock())
        store.close_requests(tx.session, payload["application_id"], "abandoned")
        self._tell(tx, payload, [messages.abandoned(payload, contact)])

    @told(events.RESULT_PUBLISHED)
    def on_result_published(self, tx, payload):
        """R-6.1, N-8.6."""
        contact = store.applicant(tx.session, payload["application_id"])
        level = store.application_level(tx.session, payload["application_id"])
        self._tell(tx, payload, [messages.result_published(
            payload, contact, level, self._portal())])

    @told(events.PAPER_DELIVERY_DUE)
    def on_paper_delivery_due(self, tx, payload):
        """R-2.2, R-5.1: the unit's HR contacts, before the paper window closes."""
        store.remember_org(tx.session, payload["unit_id"], payload["unit_name"])
        for contact in payload.get("contacts") or []:
            store.remember_contact(tx.session, contact, self.clock())
        self._tell(tx, payload, messages.paper_delivery_due(
            payload, self.config.get("PAPER_DELIVERY_ADDRESS") or "见评审通知", self._portal()))

    def _tell(self, tx, payload: dict, notices) -> None:
        """Record each notice's intent in the event's transaction; attempt the new ones once it
        has committed."""
        ids = store.record_intents(tx.session, self.clock(), payload["event_id"],
                                   payload.get("application_id"), notices)
        tx.after_commit(self.delivery.attempt_all, ids)

    def _portal(self) -> str:
        return messages.portal_url(self.config)
