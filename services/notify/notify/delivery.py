"""The delivery engine: tells a person once, on time, by the channel that works (issue #6).

Exactly once toward people, in three steps per send:
1. *intent*: the handler records the send (status `pending`, idempotency key = event id +
   recipient + template, unique) in the same transaction as the consumed event's id; a
   redelivered event or a second replica finds the key taken and records nothing
   (`store.record_intents`);
2. *claim*: `pending -> sending` in its own committed transaction, before the provider is
   called; only one worker wins the claim (a conditional UPDATE, `store.claim`);
3. *outcome*: the attempt (time, channel, masked address, outcome, provider answer) and the
   send's next status, in one transaction (`Delivery.record`).

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
lists and replays (the replay lands on the `notify.resend` queue, consumed by the operator's
desk, notify.desk). Every status change goes through `notify.lifecycle.SENDS`.
"""
from __future__ import annotations

import json
import logging
import random
from datetime import datetime, timedelta

from kombu import Producer
from nameko.extensions import DependencyProvider

from contracts import events
from contracts.errors import Refusal
from notify import channels, policy, store
from notify.channels import DeliveryFailure, PermanentFailure, TransientFailure
from notify.lifecycle import SENDS, UNDELIVERED, Status, after_failure_event
from notify.messages import template_name, told_about
from plumbing.masking import mask_text
from notify.templates import render
from plumbing import metrics, topology
from plumbing.clock import Clock
from plumbing.db import Database, Store
from plumbing.events import ATTEMPT_HEADER

log = logging.getLogger(__name__)

# Where a replayed dead letter of a send goes (`titles deadletters replay notify`): a quorum
# queue of the topology, like the dead letters.
RESEND_QUEUE = topology.resend_queue()
LETTER_KIND = "notify.send"
ABOUT = {"supplement_requested": "supplement_requested", "returned": "application_returned"}
_rng = random.SystemRandom()


class Delivery:
    """Attempts, records, retries and dead-letters sends, over one worker's database (`db`),
    clock, configuration, channels (`senders`: channel name → sender) and template catalogue."""

    def __init__(self, db: Store, clock, config, senders: dict, catalogue, service: str):
        self.db, self.clock, self.config = db, clock, config
        self.senders, self.catalogue, self.service = senders, catalogue, service

    def due(self, now: datetime) -> list[str]:
        """The sends waiting for their (next) attempt at `now`, oldest first."""
        with self.db.session() as session:
            return store.due_sends(session, now)

    def attempt_all(self, send_ids) -> None:
        for send_id in send_ids:
            self.attempt(send_id)

    def attempt(self, send_id: str) -> None:
        """Claim the send, call the provider outside any transaction, record the outcome."""
        now = self.clock()
        with self.db.transaction() as tx:
            send = store.claim(tx.session, send_id, now)  # the claimed row, or None
            if send is None:
                return  # another worker has it, or it is not due
            address = store.address(store.contact(tx.session, send.recipient_id), send.channel)
            masked = store.masked(send.channel, address)
            wait = self._rate_limit_wait(tx.session, send, now)
            if wait:  # not an attempt: the send waits its turn (per-recipient limit)
                store.defer(tx.session, send_id, now + wait)
                return
            if masked != send.address_masked:
                store.set_address_masked(tx.session, send_id, masked)
            # read here, not in a session of its own after the commit: one checkout less
            template = self._template(tx.session, send) if address else None
        failure = None
        provider_id = None
        try:
            if not address:
                raise PermanentFailure("NO_ADDRESS", f"没有{send.channel}联系方式")
            if isinstance(template, Refusal):
                raise template
            message = render(template, send.variables)
            provider_id = self.senders[send.channel].send_message(address, message,
                                                                  key=send.provider_key)
        except DeliveryFailure as exc:
            failure = exc
        except Refusal as exc:  # a template that cannot be rendered: nothing to retry
            failure = PermanentFailure(exc.code, exc.message)
        except Exception as exc:  # an adapter bug or an unforeseen error: retry, bounded
            log.exception("send %s: unexpected error from %s", send_id, send.channel)
            failure = TransientFailure("UNEXPECTED", mask_text(f"{type(exc).__name__}: {exc}"))
        self.record(send, self.clock(), masked, failure, provider_id=provider_id)

    def _template(self, session, send):
        """The template in use for the send, or the Refusal that says it has none (recorded
        as the attempt's permanent failure, outside the claim's transaction)."""
        try:
            return store.template_in_use(session, self.catalogue, send.template, send.channel)
        except Refusal as refusal:
            return refusal

    def record(self, send, now: datetime, masked: str | None,
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
        metrics.NOTIFICATIONS.labels(send.channel, outcome).inc()
        with self.db.transaction() as tx:
            store.insert_attempt(tx.session, send, now, masked, outcome, code,
                                 mask_text(str(answer or ""))[:2000])
            if failure is None:
                values = {"status": SENDS.next("sent", Status.SENDING), "sent_at": now,
                          "provider_id": provider_id, "last_error": None,
                          "channel_attempts": send.channel_attempts + 1}
            else:
                step = self._after_failure(tx.session, send, failure, now)
                event = after_failure_event(step.status, step.channel == send.channel)
                values = {"status": SENDS.next(event, Status.SENDING), "channel": step.channel,
                          "channel_attempts": step.channel_attempts,
                          "next_attempt_at": step.at,
                          "last_error": f"{failure.code}: {failure.detail}"[:2000]}
            row = store.record_outcome(tx.session, send.id, values)
            request_id = told_about(send.template, send.variables) if failure is None else None
            if request_id:  # the applicant is told; review starts the 48 hours
                tx.emit(events.NOTIFICATION_DELIVERED, application_id=send.application_id,
                        send_id=send.id, request_id=request_id, recipient="applicant",
                        about=ABOUT[template_name(send.template)], channel=send.channel,
                        delivered_at=now.isoformat())
        if row.status in UNDELIVERED:
            self.dead_letter(row, now)
        elif row.status == Status.PENDING and row.next_attempt_at and row.next_attempt_at <= now:
            self.attempt(row.id)  # the fallback channel, at once

    def _after_failure(self, session, send, failure: DeliveryFailure,
                       now: datetime) -> policy.NextStep:
        config = self.config
        return policy.after_failure(
            failure, send.channel, send.channel_attempts + 1,
            store.channels_of(store.contact(session, send.recipient_id)),
            int(config.get("NOTIFY_MAX_ATTEMPTS") or 5), now,
            timedelta(seconds=float(config.get("NOTIFY_RETRY_BASE_SECONDS") or 30)),
            timedelta(seconds=float(config.get("NOTIFY_RETRY_CAP_SECONDS") or 1800)), _rng)

    def _rate_limit_wait(self, session, send, now: datetime) -> timedelta | None:
        key = "SMS_RATE_LIMITS" if send.channel == "sms" else "EMAIL_RATE_LIMITS"
        limits = policy.parse_limit_text(str(self.config.get(key) or ""))
        if not limits:
            return None
        since = now - max(limit.window for limit in limits)
        recent = store.recent_attempt_times(session, send.recipient_id, send.channel, since)
        return policy.rate_limit_wait(now, recent, limits)

    def resolve_interrupted(self, now: datetime) -> None:
        """A send `sending` for longer than its lease was interrupted (the process died while
        the provider was being called): recorded as outcome `unknown`, then retried with the
        same provider key, or dead-lettered when its retries are spent."""
        lease = timedelta(seconds=float(self.config.get("SEND_LEASE_SECONDS") or 120))
        with self.db.session() as session:
            stale = store.stale_sends(session, now - lease)
        for send in stale:
            with self.db.transaction() as tx:  # one replica resolves it, not each of them
                taken = store.take_over(tx.session, send, now)
            if not taken:
                continue
            log.warning("send %s was interrupted while sending; resolving it", send.id)
            self.record(send, now, send.address_masked, TransientFailure(
                "INTERRUPTED", "进程在调用服务商时中断，服务商可能已收到"), outcome="unknown")

    def dead_letter(self, send, now: datetime) -> None:
        """A letter in `notify.dead-letters` (the queue `titles deadletters` reads): its
        `event_id` is the send's id, replaying it puts it on `notify.resend`."""
        metrics.NOTIFICATIONS_UNDELIVERED.labels(send.channel).inc()
        body = {"event_id": send.id, "kind": LETTER_KIND, "send_id": send.id,
                "source_event_id": send.event_id, "application_id": send.application_id,
                "template": send.template, "channel": send.channel,
                "recipient": send.address_masked, "status": send.status}
        headers = {ATTEMPT_HEADER: send.attempts, "x-original-queue": RESEND_QUEUE.name,
                   "x-error": mask_text(send.last_error or "")[:2000],
                   "x-failed-at": now.isoformat()}
        try:
            with topology.connect(self.config["AMQP_URI"],
                                  transport_options={"confirm_publish": True}) as conn:
                channel = conn.channel()
                letters = topology.dead_letter_queue(self.service)(channel)
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


class DeliveryEngine(DependencyProvider):
    """`self.delivery` in an entrypoint: a `Delivery` per worker over the service's own
    database and clock (the `Database` and `Clock` providers beside this one, found once at
    setup: no second engine), its config, and the channels (`MAIL_BACKEND`, `SMS_BACKEND`)
    built once per container."""

    def __init__(self, catalogue):
        self.catalogue = catalogue

    def setup(self):
        self.senders = channels.make_senders(self.container.config)
        self.database = self._beside(Database)
        self.clock = self._beside(Clock)

    def _beside(self, kind):
        (provider,) = [d for d in self.container.dependencies if isinstance(d, kind)]
        return provider

    def get_dependency(self, worker_ctx):
        return Delivery(self.database.get_dependency(worker_ctx),
                        self.clock.get_dependency(worker_ctx), self.container.config,
                        self.senders, self.catalogue, self.container.service_name)
