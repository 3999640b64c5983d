"""The floors of the status read (issue 15): nameko `@http` endpoints that read intake's own
tables for one application and do nothing else — no token, no access rule, no view — started
like the bare service (`nameko run`, default max_workers). What no status read on this stack can
beat, beside which the ⅓-of-bare target is judged (BENCHMARKS.md):

- `/one/<id>`: the application's row, one SQLAlchemy statement (the engine the services use,
  `plumbing.db.make_engine`, a plain autocommit connection as `Store.session` gives);
- `/raw/<id>`: the same statement through psycopg2 alone (the same green wait callback);
- `/four/<id>`: the four statements a status read needs at least (one per table: the
  application, its season, its attachments, its documents), through SQLAlchemy.

Config: `FLOOR_DATABASE_URL`, intake's database (PostgreSQL)."""
from __future__ import annotations

import json
import os
import queue

import psycopg2
from nameko.web.handlers import http
from sqlalchemy import text
from sqlalchemy.engine import make_url

from plumbing.db import make_engine

URL = os.environ["FLOOR_DATABASE_URL"]
ENGINE = make_engine(URL)  # also makes psycopg2 cooperative under eventlet
APPLICATION = text("SELECT * FROM applications WHERE id = :id")
APPLICATION_RAW = "SELECT * FROM applications WHERE id = %(id)s"  # psycopg2's own placeholders
SEASON = text("SELECT document FROM seasons WHERE id = :id")
ATTACHMENTS = text("SELECT * FROM attachments WHERE application_id = :id ORDER BY created_at")
DOCUMENTS = text("SELECT * FROM documents WHERE application_id = :id ORDER BY version")


def _raw_pool(size: int = 12) -> queue.LifoQueue:
    u, pool = make_url(URL), queue.LifoQueue()
    for _ in range(size):
        conn = psycopg2.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                                dbname=u.database)
        conn.autocommit = True
        pool.put(conn)
    return pool


RAW = _raw_pool()


def _rows(conn, statement, **params) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(statement, params)]


def _json(body) -> tuple:
    return 200, {"Content-Type": "application/json"}, json.dumps(body, default=str,
                                                                 ensure_ascii=False)


class FloorService:
    name = "bench_floor"

    @http("GET", "/one/<string:application_id>")
    def one(self, request, application_id):
        with ENGINE.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return _json(_rows(conn, APPLICATION, id=application_id))

    @http("GET", "/raw/<string:application_id>")
    def raw(self, request, application_id):
        conn = RAW.get()
        try:
            with conn.cursor() as cur:
                cur.execute(APPLICATION_RAW, {"id": application_id})
                names = [d[0] for d in cur.description]
                return _json([dict(zip(names, r)) for r in cur.fetchall()])
        finally:
            RAW.put(conn)

    @http("GET", "/four/<string:application_id>")
    def four(self, request, application_id):
        with ENGINE.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            app = _rows(conn, APPLICATION, id=application_id)
            season = conn.execute(SEASON, {"id": app[0]["season"]}).scalar() if app else None
            return _json({"application": app, "season": len(season or ""),
                          "attachments": _rows(conn, ATTACHMENTS, id=application_id),
                          "documents": _rows(conn, DOCUMENTS, id=application_id)})
