"""Health, everywhere: `<service>.health()` over RPC (intake also answers GET /health), and a
heartbeat file each process refreshes for its container's health check.

Healthy means this process consumes from the broker (it answered), reaches its database, and
says how many events wait in its outbox. Over RPC any replica may answer for a frozen one, so the
container checks ask the process itself (docs/operations.md, "Health"):
- `Heartbeat` (every service): while the process's event loop runs and its database answers, it
  rewrites `HEARTBEAT_FILE` every `HEARTBEAT_SECONDS`; `titles health <svc> --heartbeat FILE`
  fails when the file is older than `--max-age`. A process stopped (SIGSTOP), starved or cut off
  from its database stops refreshing it, and its container turns unhealthy.
- intake: `titles health intake --url http://127.0.0.1:8000/health` asks its own HTTP port.
"""
from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import eventlet
from nameko.extensions import DependencyProvider
from sqlalchemy import text

from plumbing.rpc import rpc

log = logging.getLogger(__name__)


def report(store) -> dict:
    with store.session() as session:
        session.execute(text("SELECT 1"))
        pending = store.pending_events(session)
    return {"status": "ok", "outbox_pending": pending}


def write_heartbeat(path: Path, body: dict) -> None:
    """Replace `path` whole (a reader never sees half a file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(body), encoding="utf-8")
    os.replace(tmp, path)


class Heartbeat(DependencyProvider):
    """Refreshes `HEARTBEAT_FILE` (config or environment; unset: does nothing) from a thread of
    the service's own event loop, after asking the service's database."""

    def setup(self):
        config = self.container.config
        path = config.get("HEARTBEAT_FILE") or os.environ.get("HEARTBEAT_FILE")
        self.path = Path(path) if path else None
        self.interval = float(config.get("HEARTBEAT_SECONDS")
                              or os.environ.get("HEARTBEAT_SECONDS") or 10)
        self._running = False

    def start(self):
        if self.path is not None:
            self._running = True
            self.container.spawn_managed_thread(self._beat, identifier="heartbeat")

    def stop(self):
        self._running = False

    def kill(self):
        self._running = False

    def _store(self):
        from plumbing.db import Database, Store

        database = next(d for d in self.container.dependencies if isinstance(d, Database))
        return Store(database)

    def _beat(self):
        store = self._store()
        while self._running:
            try:
                body = {"service": self.container.service_name, **report(store),
                        "pid": os.getpid(), "at": time.time()}
                write_heartbeat(self.path, body)
            except Exception as exc:  # the database is away: no refresh, the check will say so
                log.warning("heartbeat not refreshed: %s", exc)
            eventlet.sleep(self.interval)


class HealthMixin:
    """Adds `health()` and the heartbeat to a service that has `db = Database(...)`."""

    heartbeat = Heartbeat()

    @rpc
    def health(self):
        return {"service": self.name, **report(self.db)}
