"""Driving intake's entrypoints as units (nameko `worker_factory`) on in-memory SQLite: a token,
an HTTP call, an application opened, submitted, read; the outbox and the history as stored.
The fixtures (`clock`, `service`) are in conftest.py."""
from __future__ import annotations

import json
import time

import jwt
from sqlalchemy import select
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from contracts import events
from intake import models as m
from tests.support import applications as apps

KEY = "unit-test-secret-at-least-32-bytes-long!"
CONFIG = {"JWT_KEY": KEY, "JWT_ALGORITHMS": "HS256", "JWT_AUDIENCE": "titles",
          "PII_KEY": "ZGV2LW9ubHktcGlpLWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=",
          "MAX_UPLOAD_BYTES": 1024 * 1024}
UNIT = apps.UNIT
REVIEWER = {"person_id": "P-C01", "name": "评委会办公室", "email": "c@example.org",
            "phone": "", "channel": "email"}


def token(sub="p-1", role="applicant", org=UNIT):
    claims = {"sub": sub, "role": role, "aud": "titles", "exp": int(time.time()) + 600}
    if org:
        claims["org"] = org
    return jwt.encode(claims, KEY, algorithm="HS256")


def call(service, entrypoint, method, path, tok=None, body=None, *args, data=None):
    headers = {"Authorization": f"Bearer {tok}"} if tok else {}
    builder = EnvironBuilder(method=method, path=path, headers=headers,
                             **({"json": body} if body is not None else {}),
                             **({"data": data} if data is not None else {}))
    response = getattr(service, entrypoint)(Request(builder.get_environ()), *args)
    return response.status_code, json.loads(response.get_data())


def create(service, body=None, sub="p-1"):
    status, view = call(service, "create_application", "POST", "/applications", token(sub),
                        body or apps.body(UNIT))
    assert status == 201, view
    return view


def accept_all_attachments(service, app_id, body, clock):
    with service.db.transaction() as tx:
        for i, (section, kind) in enumerate(apps.required_attachments(body)):
            tx.session.execute(m.attachments.insert().values(
                id=f"{app_id[:8]}-{i}", application_id=app_id, section=section, kind=kind,
                object_key=f"2019/{app_id}/{i}.jpg", status="accepted", reasons=[],
                created_at=clock.now))


def submitted(service, clock, sub="p-1"):
    body = apps.body(UNIT)
    view = create(service, body, sub)
    accept_all_attachments(service, view["id"], body, clock)
    status, done = call(service, "submit", "POST", "/x", token(sub), None, view["id"])
    assert status == 202, done
    return done


def get(service, app_id, sub="p-1"):
    return call(service, "get_application", "GET", "/x", token(sub), None, app_id)[1]


def outbox(service):
    with service.db.session() as s:
        return [r.payload | {"_type": r.event_type}
                for r in s.execute(select(m.metadata.tables["outbox"])).all()]


def history(service, app_id):
    with service.db.session() as s:
        return s.execute(select(m.history).where(m.history.c.application_id == app_id)
                         .order_by(m.history.c.id)).all()


def returned(app_id, used=1):
    return events.make(events.APPLICATION_RETURNED, application_id=app_id, season="2019",
                       step="committee", problems=[{"code": "UNCLEAR", "message": "不清晰"}],
                       submissions_used=used, submissions_left=3 - used, reviewer=REVIEWER)


def task_opened(app_id, task_id="t-1"):
    return events.make(events.TASK_OPENED, application_id=app_id, season="2019",
                       task_id=task_id, step="unit", org_id=UNIT, org_name="单位", reviewers=[])
