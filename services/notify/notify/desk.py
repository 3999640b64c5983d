"""The operator's desk: the dead letters (sends that could not be delivered) and sending one
again, by RPC or by replaying its letter (`titles deadletters replay notify`)."""
from __future__ import annotations

import logging

from nameko.messaging import consume

from contracts.errors import Refusal
from notify import dependencies, store
from notify.delivery import LETTER_KIND, RESEND_QUEUE
from notify.lifecycle import SENDS
from plumbing.rpc import refusals_as_data, rpc

log = logging.getLogger(__name__)


class OperatorDesk:
    """resend, dead_letters, and the `notify.resend` queue."""

    db, clock = dependencies.db, dependencies.clock
    delivery = dependencies.delivery

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
            send = store.send(tx.session, send_id)
            if send is None:
                raise Refusal("SEND_UNKNOWN", f"没有编号为 {send_id} 的通知", 404, "send_id")
            if SENDS.next("resend", send.status) is None:
                log.info("resend of %s ignored: it is %s", send_id, send.status)
                return {"send_id": send_id, "status": send.status}
            order = store.channels_of(store.contact(tx.session, send.recipient_id))
            store.restore_for_resend(tx.session, send_id, send.status,
                                     order[0] if order else send.channel, now)
        self.delivery.attempt(send_id)
        with self.db.session() as session:
            status = store.send_status(session, send_id)
        return {"send_id": send_id, "status": status}

    @rpc
    def dead_letters(self) -> list[dict]:
        """Every send that could not be delivered (`failed` or `dead`), newest first."""
        with self.db.session() as session:
            return store.undelivered(session)
