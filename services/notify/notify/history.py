""""Was I told?": every send about an application and each attempt of it (NOTIFY_ATTEMPTS,
intake's `GET /applications/{id}/notifications`)."""
from __future__ import annotations

from notify import dependencies, store
from plumbing.rpc import rpc


class SendHistory:
    db = dependencies.db

    @rpc
    def attempts(self, application_id: str) -> list[dict]:
        """NOTIFY_ATTEMPTS: every send about the application and each attempt of it."""
        with self.db.session() as session:
            return store.sends_about(session, application_id)
