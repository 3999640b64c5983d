"""notify: tells reviewers and applicants by email or SMS, once and on time (issue #6).

Contacts come only from events (the applicant from intake's application_submitted, reviewers
and HR contacts from review's events); notify never reads another service's database.

Exactly once toward people, in three steps per send:
1. *intent*: the handler records the send (status `pending`, idempotency key = event id +
   recipient + template, unique) in the same transaction as the consumed event's id; a
   redelivered event or a second replica finds the key taken and records nothing;
2. *claim*: `pending -> sending` in its own committed transaction, before the provider is
   called; only one worker wins the claim (a conditional UPDATE);
3. *outcome*: the attempt (time, channel, masked address, outcome, provider answer) and the
   send's next status, in one transaction.

A crash between 2 and 3 leaves a send `sending`. The timer finds it once its lease
(`SEND_LEASE_SECONDS`) is over, records an attempt with outcome `unknown` (the provider may or
may not have it) and retries it like a transient failure **with the same provider key** (the
mail's Message-ID, the SMS OutId), so that a copy that did go through before the crash is
recognisable as the same message. We chose a possible, recognisable duplicate over a possibly
missed R-4.5 deadline notice; repeated crashes end in the dead letters like any retry.

Failures: transient ones are retried by the timer with exponential backoff and full jitter
(`policy.after_failure`), never by sleeping in a handler; a permanent one, or retries running
out, falls back to the person's other channel; with none left the send is `failed` or `dead`
and a letter goes to `notify.dead-letters`, which `titles deadletters list|replay notify`
lists and replays (the replay lands on the `notify.resend` queue, consumed here).
"""
from __future__ import annotations

import json
import logging
import os
import random
import uuid
from datetime import datetime, timedelta, timezone

from kombu import Connection, Exchange, Producer, Queue
from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from nameko.messaging import consume
from nameko.rpc import rpc
from nameko.timer import Timer
from sqlalchemy import and_, or_, select, update

from contracts import events
from contracts.errors import Refusal
from notify import channels, messages, models as m, policy
from notify.channels import DeliveryFailure, PermanentFailure, TransientFailure
from notify.masking import mask_email, mask_phone, mask_text
from notify.templates import CHANNELS, Template, check_template, default_catalogue, render
from plumbing import topology
from plumbing.clock import Clock
from plumbing.db import Database, insert_ignoring_duplicates
from plumbing.events import ATTEMPT_HEADER, subscribe
from plumbing.health import HealthMixin
from plumbing.rpc import refusals_as_data

log = logging.getLogger(__name__)

# Where a replayed dead letter of a send goes (`titles deadletters replay notify`).
RESEND_QUEUE = Queue("notify.resend", exchange=Exchange(""), routing_key="notify.resend",
                     durable=True, auto_delete=False)
LETTER_KIND = "notify.send"
_rng = random.SystemRandom()


class UnknownApplication(Exception):
    """A review event about an application whose submission notify has not seen yet: raised so
    that the event is retried (the submission may be a moment behind), then dead-lettered."""


def handles(event):
    """`@subscribe`, with UnknownApplication expected: nameko logs it as a warning, not as an
    error with a traceback (it is retried, and dead-lettered only if it lasts)."""
    return subscribe(event, expected_exceptions=UnknownApplication)


class Senders(DependencyProvider):
    """The configured channels (`MAIL_BACKEND`, `SMS_BACKEND`), built once per container."""

    def setup(self):
        self.senders = channels.make_senders(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.senders


class Tick(Timer):
    """A timer whose interval is a config key (nameko's is fixed when the class is defined)."""

    def __init__(self, key: str, default: float, **kwargs):
        self.key = key
        super().__init__(default, **kwargs)

    def setup(self):
        self.interval = float(self.container.config.get(self.key) or self.interval)


tick = Tick.decorator


class NotifyService(HealthMixin):
    name = "notify"

    db = Database(m.metadata)
    clock = Clock()
    config = Config()
    senders = Senders()
    catalogue = default_catalogue()

    # ---- events: who is told what (notify.messages) ----------------------------------------

    @handles(events.APPLICATION_SUBMITTED)
    def on_application_submitted(self, payload):
        """Keep the applicant's contact; a `supplement` submission answers the open supplement
        request (R-4.5: its reminders stop); tell the applicant it was received."""
        contact = {**(payload.get("applicant") or {})}
        contact["person_id"] = contact.get("person_id") or payload["applicant_id"]

        def build(tx):
            self._remember(tx, contact)
            self._upsert_application(tx, payload, contact["person_id"])
            if payload["kind"] == "supplement":
                self._close_requests(tx, payload["application_id"], "answered")
            return [messages.received(payload, contact, self._portal())]
        self._handle(payload, "intake.application_submitted", build)

    @handles(events.APPLICATION_WITHDRAWN)
    def on_application_withdrawn(self, payload):
        def build(tx):
            contact = self._applicant(tx, payload["application_id"])
            tx.session.execute(update(m.applications).where(
                m.applications.c.application_id == payload["application_id"]).values(
                status="withdrawn", updated_at=self.clock()))
            self._close_requests(tx, payload["application_id"], "withdrawn")
            return [messages.withdrawn(payload, contact, self._portal())]
        self._handle(payload, "intake.application_withdrawn", build)

    @handles(events.TASK_OPENED)
    def on_task_opened(self, payload):
        """R-4.1, R-4.3: a reviewer is told when an application reaches their step."""
        def build(tx):
            self._remember_org(tx, payload["org_id"], payload["org_name"])
            for reviewer in payload["reviewers"]:
                self._remember(tx, reviewer)
            return messages.task_opened(payload, self._portal())
        self._handle(payload, "review.task_opened", build)

    @handles(events.STEP_DECIDED)
    def on_step_decided(self, payload):
        """R-4.3: the applicant is told of each step of the route."""
        def build(tx):
            contact = self._applicant(tx, payload["application_id"])
            return [messages.step_decided(payload, contact, self._portal(),
                                          self._org_names(tx))]
        self._handle(payload, "review.step_decided", build)

    @handles(events.PUBLICITY_OPENED)
    def on_publicity_opened(self, payload):
        """R-4.2: the unit publicity started (5 working days, R-2.3)."""
        def build(tx):
            contact = self._applicant(tx, payload["application_id"])
            org = self._org_names(tx).get(payload["org_id"], "所在单位")
            return [messages.publicity_opened(payload, contact, org)]
        self._handle(payload, "review.publicity_opened", build)

    @handles(events.PUBLICITY_CLOSED)
    def on_publicity_closed(self, payload):
        def build(tx):
            contact = self._applicant(tx, payload["application_id"])
            org = self._org_names(tx).get(payload["org_id"], "所在单位")
            return [messages.publicity_closed(payload, contact, org,
                                              self.clock().date().isoformat())]
        self._handle(payload, "review.publicity_closed", build)

    @handles(events.APPLICATION_RETURNED)
    def on_application_returned(self, payload):
        """R-4.4, N-8.5: every problem at once, and the submissions left."""
        def build(tx):
            contact = self._applicant(tx, payload["application_id"])
            return [messages.returned(payload, contact, self._portal(), self._org_names(tx))]
        self._handle(payload, "review.application_returned", build)

    @handles(events.SUPPLEMENT_REQUESTED)
    def on_supplement_requested(self, payload):
        """R-4.5: the applicant is told the items and the 48 h deadline; the deadline is kept
        for the reminders (24 h and 2 h before it, `remind`)."""
        def build(tx):
            contact = self._applicant(tx, payload["application_id"])
            tx.session.execute(insert_ignoring_duplicates(
                _dialect(tx.session), m.supplement_requests, request_id=payload["request_id"],
                event_id=payload["event_id"], application_id=payload["application_id"],
                person_id=contact["person_id"], items=payload["items"],
                deadline=datetime.fromisoformat(payload["deadline"]), status="open",
                created_at=self.clock()))
            return [messages.supplement_requested(payload, contact, self._portal(),
                                                  self._org_names(tx))]
        self._handle(payload, "review.supplement_requested", build)

    @handles(events.APPLICATION_ABANDONED)
    def on_application_abandoned(self, payload):
        """R-4.5: the deadline passed unanswered (视为放弃申报)."""
        def build(tx):
            contact = self._applicant(tx, payload["application_id"])
            tx.session.execute(update(m.applications).where(
                m.applications.c.application_id == payload["application_id"]).values(
                status="abandoned", updated_at=self.clock()))
            self._close_requests(tx, payload["application_id"], "abandoned")
            return [messages.abandoned(payload, contact)]
        self._handle(payload, "review.application_abandoned", build)

    @handles(events.RESULT_PUBLISHED)
    def on_result_published(self, payload):
        """R-6.1, N-8.6."""
        def build(tx):
            contact = self._applicant(tx, payload["application_id"])
            level = tx.session.execute(select(m.applications.c.level).where(
                m.applications.c.application_id == payload["application_id"])).scalar()
            return [messages.result_published(payload, contact, level, self._portal())]
        self._handle(payload, "review.result_published", build)

    @handles(events.PAPER_DELIVERY_DUE)
    def on_paper_delivery_due(self, payload):
        """R-2.2, R-5.1: the unit's HR contacts, before the paper window closes."""
        def build(tx):
            self._remember_org(tx, payload["unit_id"], payload["unit_name"])
            for contact in payload.get("contacts") or []:
                self._remember(tx, contact)
            return messages.paper_delivery_due(
                payload, self.config.get("PAPER_DELIVERY_ADDRESS") or "见评审通知",
                self._portal())
        self._handle(payload, "review.paper_delivery_due", build)

    # ---- the timer: retries, interrupted sends, reminders ------------------------------------

    @tick("NOTIFY_TICK_SECONDS", 5)
    def on_tick(self):
        now = self.clock()
        self._resolve_interrupted(now)
        self.remind(now)
        for send_id in self._due(now):
            self._attempt(send_id)

    def remind(self, now: datetime) -> None:
        """R-4.5: the reminders due now for every open supplement request, each once
        (`policy.reminder_due` picks the most urgent; the idempotency key does the rest)."""
        horizon = now + max(policy.SUPPLEMENT_REMINDERS)
        with self.db.session() as session:
            rows = session.execute(select(m.supplement_requests).where(and_(
                m.supplement_requests.c.status == "open",
                m.supplement_requests.c.deadline > now,
                m.supplement_requests.c.deadline <= horizon))).all()
        for row in rows:
            deadline = _aware(row.deadline)
            offset = policy.reminder_due(deadline, now)
            if offset is None:
                continue
            with self.db.transaction() as tx:
                contact = self._contact(tx.session, row.person_id)
                notice = messages.supplement_reminder(row.application_id, row.items, deadline,
                                                      offset, now, contact, self._portal())
                ids = self._intend(tx, row.event_id, row.application_id, [notice])
            for send_id in ids:
                self._attempt(send_id)

    def _due(self, now: datetime) -> list[str]:
        with self.db.session() as session:
            return list(session.execute(select(m.sends.c.id).where(and_(
                m.sends.c.status == "pending", m.sends.c.next_attempt_at <= now)).order_by(
                m.sends.c.next_attempt_at).limit(200)).scalars())

    def _resolve_interrupted(self, now: datetime) -> None:
        """A send `sending` for longer than its lease was interrupted (the process died while
        the provider was being called): recorded as outcome `unknown`, then retried with the
        same provider key, or dead-lettered when its retries are spent."""
        lease = timedelta(seconds=float(self.config.get("SEND_LEASE_SECONDS") or 120))
        with self.db.session() as session:
            stale = session.execute(select(m.sends).where(and_(
                m.sends.c.status == "sending", m.sends.c.claimed_at < now - lease))).all()
        for send in stale:
            with self.db.transaction() as tx:  # one replica resolves it, not each of them
                taken = tx.session.execute(update(m.sends).where(and_(
                    m.sends.c.id == send.id, m.sends.c.status == "sending",
                    m.sends.c.claimed_at == send.claimed_at)).values(claimed_at=now)).rowcount
            if taken != 1:
                continue
            log.warning("send %s was interrupted while sending; resolving it", send.id)
            self._record(send, now, send.address_masked, TransientFailure(
                "INTERRUPTED", "进程在调用服务商时中断，服务商可能已收到"), outcome="unknown")

    # ---- delivery -------------------------------------------------------------------------

    def _attempt(self, send_id: str) -> None:
        """Claim the send, call the provider outside any transaction, record the outcome."""
        now = self.clock()
        with self.db.transaction() as tx:
            claimed = tx.session.execute(update(m.sends).where(and_(
                m.sends.c.id == send_id, m.sends.c.status == "pending",
                or_(m.sends.c.next_attempt_at.is_(None), m.sends.c.next_attempt_at <= now)))
                .values(status="sending", claimed_at=now))
            if claimed.rowcount != 1:
                return  # another worker has it, or it is not due
            send = tx.session.execute(select(m.sends).where(m.sends.c.id == send_id)).one()
            contact = self._contact(tx.session, send.recipient_id)
            address = _address(contact, send.channel)
            masked = _mask(send.channel, address)
            wait = self._rate_limit_wait(tx.session, send, now)
            if wait:  # not an attempt: the send waits its turn (per-recipient limit)
                tx.session.execute(update(m.sends).where(m.sends.c.id == send_id).values(
                    status="pending", claimed_at=None, next_attempt_at=now + wait))
                return
            tx.session.execute(update(m.sends).where(m.sends.c.id == send_id).values(
                address_masked=masked))
        failure = None
        provider_id = None
        try:
            if not address:
                raise PermanentFailure("NO_ADDRESS", f"没有{send.channel}联系方式")
            message = render(self._template(send.template, send.channel), send.variables)
            provider_id = self.senders[send.channel].send_message(address, message,
                                                                  key=send.provider_key)
        except DeliveryFailure as exc:
            failure = exc
        except Refusal as exc:  # a template that cannot be rendered: nothing to retry
            failure = PermanentFailure(exc.code, exc.message)
        except Exception as exc:  # an adapter bug or an unforeseen error: retry, bounded
            log.exception("send %s: unexpected error from %s", send_id, send.channel)
            failure = TransientFailure("UNEXPECTED", mask_text(f"{type(exc).__name__}: {exc}"))
        self._record(send, self.clock(), masked, failure, provider_id=provider_id)

    def _record(self, send, now: datetime, masked: str | None,
                failure: DeliveryFailure | None, provider_id: str | None = None,
                outcome: str | None = None) -> None:
        """The attempt and the send's next status, in one transaction; a send that is done
        with failing goes to the dead letters after the commit."""
        if failure is None:
            outcome, answer, code = "sent", provider_id, "OK"
        else:
            outcome = outcome or ("transient" if isinstance(failure, TransientFailure)
                                  else "permanent")
            answer, code = failure.detail, failure.code
        log.info("send %s (%s) via %s to %s: %s %s", send.id, send.template, send.channel,
                 masked, outcome, code)
        with self.db.transaction() as tx:
            tx.session.execute(m.attempts.insert().values(
                id=str(uuid.uuid4()), send_id=send.id, application_id=send.application_id,
                recipient_id=send.recipient_id, at=now, channel=send.channel,
                address_masked=masked, outcome=outcome, code=code,
                provider_answer=mask_text(str(answer or ""))[:2000]))
            values = {"attempts": m.sends.c.attempts + 1, "claimed_at": None}
            if failure is None:
                values.update(status="sent", sent_at=now, provider_id=provider_id,
                              last_error=None, channel_attempts=send.channel_attempts + 1)
            else:
                contact = self._contact(tx.session, send.recipient_id)
                step = policy.after_failure(
                    failure, send.channel, send.channel_attempts + 1, _channels(contact),
                    int(self.config.get("NOTIFY_MAX_ATTEMPTS") or 5), now,
                    timedelta(seconds=float(self.config.get("NOTIFY_RETRY_BASE_SECONDS") or 30)),
                    timedelta(seconds=float(self.config.get("NOTIFY_RETRY_CAP_SECONDS") or 1800)),
                    _rng)
                values.update(status=step.status, channel=step.channel,
                              channel_attempts=step.channel_attempts, next_attempt_at=step.at,
                              last_error=f"{failure.code}: {failure.detail}"[:2000])
            tx.session.execute(update(m.sends).where(m.sends.c.id == send.id).values(**values))
            row = tx.session.execute(select(m.sends).where(m.sends.c.id == send.id)).one()
        if row.status in ("failed", "dead"):
            self._dead_letter(row, now)
        elif row.status == "pending" and row.next_attempt_at and row.next_attempt_at <= now:
            self._attempt(row.id)  # the fallback channel, at once

    def _dead_letter(self, send, now: datetime) -> None:
        """A letter in `notify.dead-letters` (the queue `titles deadletters` reads): its
        `event_id` is the send's id, replaying it puts it on `notify.resend`."""
        body = {"event_id": send.id, "kind": LETTER_KIND, "send_id": send.id,
                "source_event_id": send.event_id, "application_id": send.application_id,
                "template": send.template, "channel": send.channel,
                "recipient": send.address_masked, "status": send.status}
        headers = {ATTEMPT_HEADER: send.attempts, "x-original-queue": RESEND_QUEUE.name,
                   "x-error": mask_text(send.last_error or "")[:2000],
                   "x-failed-at": now.isoformat()}
        try:
            with Connection(self.config["AMQP_URI"],
                            transport_options={"confirm_publish": True}) as conn:
                channel = conn.channel()
                RESEND_QUEUE(channel).declare()
                letters = topology.dead_letter_queue(self.name)(channel)
                letters.declare()
                Producer(channel).publish(json.dumps(body), exchange="",
                                          routing_key=letters.name, headers=headers,
                                          content_type="application/json",
                                          content_encoding="utf-8", delivery_mode=2)
                channel.close()
        except Exception:  # the send stays failed/dead in the table: `dead_letters()` lists it
            log.exception("could not publish the dead letter of send %s", send.id)
        log.error("send %s (%s) %s after %d attempt(s): %s", send.id, send.template, send.status,
                  send.attempts, mask_text(send.last_error or ""))

    # ---- operator: resend ------------------------------------------------------------------

    @consume(RESEND_QUEUE, requeue_on_error=True)
    def on_resend(self, body):
        """A dead letter replayed by `titles deadletters replay notify`: send it again with a
        fresh retry budget. A letter that is not a send, or a send no longer failed/dead, is
        logged and dropped (the replay is then a no-op, not a loop)."""
        if not isinstance(body, dict) or body.get("kind") != LETTER_KIND:
            log.error("notify.resend: not a dead-lettered send: %r", body)
            return
        self.resend(body["send_id"])

    @rpc
    @refusals_as_data
    def resend(self, send_id: str) -> dict:
        """Send a failed or dead send again from its preferred channel, retries restored."""
        now = self.clock()
        with self.db.transaction() as tx:
            send = tx.session.execute(select(m.sends).where(m.sends.c.id == send_id)).first()
            if send is None:
                raise Refusal("SEND_UNKNOWN", f"没有编号为 {send_id} 的通知", 404, "send_id")
            if send.status not in ("failed", "dead"):
                log.info("resend of %s ignored: it is %s", send_id, send.status)
                return {"send_id": send_id, "status": send.status}
            order = _channels(self._contact(tx.session, send.recipient_id))
            tx.session.execute(update(m.sends).where(m.sends.c.id == send_id).values(
                status="pending", channel=order[0] if order else send.channel,
                channel_attempts=0, next_attempt_at=now, claimed_at=None))
        self._attempt(send_id)
        with self.db.session() as session:
            status = session.execute(select(m.sends.c.status).where(
                m.sends.c.id == send_id)).scalar()
        return {"send_id": send_id, "status": status}

    @rpc
    def dead_letters(self) -> list[dict]:
        """Every send that could not be delivered (`failed` or `dead`), newest first."""
        with self.db.session() as session:
            rows = session.execute(select(m.sends).where(m.sends.c.status.in_(
                ("failed", "dead"))).order_by(m.sends.c.created_at.desc())).all()
        return [_send_view(r, []) for r in rows]

    # ---- "was I told?" -------------------------------------------------------------------------

    @rpc
    def attempts(self, application_id: str) -> list[dict]:
        """NOTIFY_ATTEMPTS: every send about the application and each attempt of it."""
        with self.db.session() as session:
            sends = session.execute(select(m.sends).where(
                m.sends.c.application_id == application_id).order_by(
                m.sends.c.created_at, m.sends.c.id)).all()
            tries = session.execute(select(m.attempts).where(
                m.attempts.c.application_id == application_id).order_by(m.attempts.c.at)).all()
        by_send: dict[str, list] = {}
        for a in tries:
            by_send.setdefault(a.send_id, []).append(a)
        return [_send_view(s, by_send.get(s.id, [])) for s in sends]

    # ---- templates (administrator) ---------------------------------------------------------

    @rpc
    @refusals_as_data
    def save_template(self, event: str, channel: str, body: str, subject: str | None = None,
                      template_code: str | None = None, by: str | None = None) -> dict:
        """Change the template of `event` on `channel`; refused (every problem at once) when it
        uses a variable the event does not provide, or is otherwise broken."""
        if event not in self.catalogue.variables:
            raise Refusal("TEMPLATE_EVENT_UNKNOWN",
                          f"没有名为“{event}”的通知；可选：{'、'.join(sorted(self.catalogue.variables))}",
                          404, "event")
        template = Template(event, channel, body, subject if channel == "email" else None,
                            template_code if channel == "sms" else None)
        problems = check_template(template, self.catalogue.allowed_variables(event))
        if problems:
            raise Refusal.of(problems, code="TEMPLATE_INVALID",
                             message="通知模板有误，请按列出的问题修改后再保存")
        with self.db.transaction() as tx:
            tx.session.execute(m.templates.delete().where(and_(
                m.templates.c.event == event, m.templates.c.channel == channel)))
            tx.session.execute(m.templates.insert().values(
                event=event, channel=channel, subject=template.subject, body=body,
                template_code=template.template_code, updated_by=by, updated_at=self.clock()))
        return self.template(event, channel)

    @rpc
    @refusals_as_data
    def template(self, event: str, channel: str) -> dict:
        """The template in use (an administrator's change, else the default) and its
        variables."""
        if (event, channel) not in self.catalogue.templates:
            raise Refusal("TEMPLATE_UNKNOWN", f"没有通知模板 {event}/{channel}", 404)
        t = self._template(event, channel)
        return {"event": event, "channel": channel, "subject": t.subject, "body": t.body,
                "template_code": t.template_code,
                "variables": dict(self.catalogue.variables[event])}

    # ---- helpers ---------------------------------------------------------------------------

    def _handle(self, payload: dict, label: str, build) -> None:
        """One consumed event: `build(tx)` updates what notify knows and returns the notices;
        their intents are recorded in the same transaction, then each is attempted."""
        with self.db.consume(payload, label) as tx:
            if tx is None:
                return
            notices = build(tx)
            ids = self._intend(tx, payload["event_id"], payload.get("application_id"), notices)
        for send_id in ids:
            self._attempt(send_id)

    def _intend(self, tx, event_id: str, application_id: str | None, notices) -> list[str]:
        """Record each notice's send once (idempotency key); returns the ids newly recorded."""
        now = self.clock()
        recorded = []
        for notice in notices:
            contact = self._contact(tx.session, notice.person_id)
            order = _channels(contact)
            channel = order[0] if order else "email"
            send_id = str(uuid.uuid4())
            done = tx.session.execute(insert_ignoring_duplicates(
                _dialect(tx.session), m.sends, id=send_id,
                idempotency_key=policy.idempotency_key(event_id, notice.person_id,
                                                       notice.template),
                event_id=event_id, application_id=application_id,
                recipient_id=notice.person_id, template=notice.template, channel=channel,
                address_masked=_mask(channel, _address(contact, channel)), status="pending",
                attempts=0, channel_attempts=0, variables=_json_ready(notice.variables),
                created_at=now, next_attempt_at=now, provider_key=send_id.replace("-", "")))
            if done.rowcount == 1:
                recorded.append(send_id)
        return recorded

    def _template(self, template: str, channel: str) -> Template:
        name = messages.template_name(template)
        with self.db.session() as session:
            row = session.execute(select(m.templates).where(and_(
                m.templates.c.event == name, m.templates.c.channel == channel))).first()
        if row is None:
            return self.catalogue.template(name, channel)
        return Template(name, channel, row.body, row.subject, row.template_code)

    def _rate_limit_wait(self, session, send, now: datetime) -> timedelta | None:
        key = "SMS_RATE_LIMITS" if send.channel == "sms" else "EMAIL_RATE_LIMITS"
        limits = policy.parse_limit_text(str(self.config.get(key) or ""))
        if not limits:
            return None
        since = now - max(limit.window for limit in limits)
        recent = session.execute(select(m.attempts.c.at).where(and_(
            m.attempts.c.recipient_id == send.recipient_id, m.attempts.c.channel == send.channel,
            m.attempts.c.outcome.in_(("sent", "unknown")), m.attempts.c.at > since))).scalars()
        return policy.rate_limit_wait(now, list(recent), limits)

    def _remember(self, tx, contact: dict) -> None:
        """Keep the latest contact of a person (upsert: two events about one person may be
        handled at the same moment)."""
        values = {k: contact.get(k) or None for k in ("name", "email", "phone")}
        values["channel"] = contact.get("channel") if contact.get("channel") in CHANNELS else None
        values["updated_at"] = self.clock()
        _upsert(tx.session, m.contacts, {"person_id": contact["person_id"]}, values)

    def _upsert_application(self, tx, payload: dict, person_id: str) -> None:
        _upsert(tx.session, m.applications, {"application_id": payload["application_id"]},
                {"person_id": person_id, "season": payload["season"],
                 "series": payload.get("series"), "level": payload.get("level"),
                 "status": "active", "updated_at": self.clock()})

    def _remember_org(self, tx, org_id: str, name: str) -> None:
        if not org_id or not name:
            return
        _upsert(tx.session, m.organisations, {"org_id": org_id}, {"name": name})

    def _org_names(self, tx) -> dict[str, str]:
        return {r.org_id: r.name for r in tx.session.execute(select(m.organisations)).all()}

    def _close_requests(self, tx, application_id: str, status: str) -> None:
        """Open supplement requests end (answered, abandoned, withdrawn): their reminders that
        have not gone out yet are cancelled."""
        tx.session.execute(update(m.supplement_requests).where(and_(
            m.supplement_requests.c.application_id == application_id,
            m.supplement_requests.c.status == "open")).values(status=status))
        tx.session.execute(update(m.sends).where(and_(
            m.sends.c.application_id == application_id,
            m.sends.c.template.like("supplement_reminder:%"),
            m.sends.c.status == "pending")).values(status="cancelled"))

    def _applicant(self, tx, application_id: str) -> dict:
        person = tx.session.execute(select(m.applications.c.person_id).where(
            m.applications.c.application_id == application_id)).scalar()
        if person is None:
            raise UnknownApplication(f"no submission of application {application_id} seen yet")
        return self._contact(tx.session, person)

    def _contact(self, session, person_id: str) -> dict:
        row = session.execute(select(m.contacts).where(
            m.contacts.c.person_id == person_id)).first()
        if row is None:
            return {"person_id": person_id}
        return {"person_id": person_id, "name": row.name, "email": row.email,
                "phone": row.phone, "channel": row.channel}

    def _portal(self) -> str:
        """The platform's address for the link in messages: `PORTAL_URL` from the config or
        the environment, set by the deployment (no default could be right)."""
        return str(self.config.get("PORTAL_URL") or os.environ.get("PORTAL_URL")
                   or "见所在单位通知")


def _upsert(session, table, key: dict, values: dict) -> None:
    """Insert the row, or update it when its key exists; no read-then-insert race."""
    session.execute(insert_ignoring_duplicates(_dialect(session), table, **key, **values))
    where = and_(*(table.c[k] == v for k, v in key.items()))
    session.execute(update(table).where(where).values(**values))


def _dialect(session) -> str:
    return session.get_bind().dialect.name


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every time notify stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _address(contact: dict, channel: str) -> str | None:
    return contact.get("email") if channel == "email" else contact.get("phone")


def _mask(channel: str, address: str | None) -> str | None:
    if not address:
        return None
    return mask_email(address) if channel == "email" else mask_phone(address)


def _channels(contact: dict) -> list[str]:
    """The person's channels in order: preferred first, then the other (policy.channel_order)."""
    have = [c for c in CHANNELS if _address(contact, c)]
    return policy.channel_order(contact.get("channel"), have)


def _json_ready(variables) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dict(variables).items()}


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _send_view(s, tries) -> dict:
    return {"send_id": s.id, "template": s.template, "recipient_id": s.recipient_id,
            "channel": s.channel, "recipient": s.address_masked, "status": s.status,
            "attempt_count": s.attempts, "last_error": s.last_error,
            "created_at": _iso(s.created_at), "sent_at": _iso(s.sent_at),
            "next_attempt_at": _iso(s.next_attempt_at) if s.status == "pending" else None,
            "attempts": [{"at": _iso(a.at), "channel": a.channel, "recipient": a.address_masked,
                          "outcome": a.outcome, "code": a.code,
                          "provider_answer": a.provider_answer} for a in tries]}
