"""Health, everywhere: `<service>.health()` over RPC (intake also answers GET /health).

Healthy means this process consumes from the broker (it answered), reaches its database, and
says how many events wait in its outbox; `titles health <service>` is the container check.
"""
from __future__ import annotations

from sqlalchemy import text

from plumbing.rpc import rpc


def report(store) -> dict:
    with store.session() as session:
        session.execute(text("SELECT 1"))
        pending = store.pending_events(session)
    return {"status": "ok", "outbox_pending": pending}


class HealthMixin:
    """Adds `health()` to a service that has `db = Database(...)`."""

    @rpc
    def health(self):
        return {"service": self.name, **report(self.db)}
