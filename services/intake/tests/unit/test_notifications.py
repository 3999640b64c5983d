"""intake's notification endpoints as units (worker_factory, notify mocked): who may read what
was sent about an application, and the administrator's template desk (issue #6)."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from unittest.mock import Mock

import jwt
import pytest
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from contracts.errors import Problem, Refusal
from intake import models as m
from intake.service import IntakeService
from tests.support.stores import sqlite_store

KEY = "unit-test-secret-at-least-32-bytes-long!"
CONFIG = {"JWT_KEY": KEY, "JWT_ALGORITHMS": "HS256", "JWT_AUDIENCE": "titles",
          "PII_KEY": "ZGV2LW9ubHktcGlpLWtleS1jaGFuZ2UtbWUtMzJieXRlcyE="}
NOW = datetime(2019, 10, 15, 2, 0, tzinfo=timezone.utc)
APP = "5b5cd22b-677e-4014-85b6-c205532e5c75"


@pytest.fixture
def service():
    svc = worker_factory(IntakeService, db=sqlite_store(m.metadata, "intake"), clock=lambda: NOW,
                         config=CONFIG, review=Mock(), notify=Mock(), storage=Mock())
    with svc.db.transaction() as tx:
        tx.session.execute(m.applications.insert().values(
            id=APP, season="2019", applicant_id="p-1", unit_id="unit-a", series="engineering",
            specialty="textile", level="engineer", category="in_service", status="submitted",
            sections={}, applicant={"person_id": "p-1"}, submission_count=1, created_at=NOW,
            updated_at=NOW))
    return svc


def call(service, entrypoint, method, path, sub, role, *args, body=None):
    claims = {"sub": sub, "role": role, "aud": "titles", "exp": int(time.time()) + 600}
    headers = {"Authorization": "Bearer " + jwt.encode(claims, KEY, algorithm="HS256")}
    builder = EnvironBuilder(method=method, path=path, headers=headers,
                             **({"json": body} if body is not None else {}))
    response = getattr(service, entrypoint)(Request(builder.get_environ()), *args)
    return response.status_code, json.loads(response.get_data())


def test_the_applicant_reads_what_was_sent_about_their_application(service):
    service.notify.attempts.return_value = [{"template": "returned", "status": "sent"}]
    status, body = call(service, "list_notifications", "GET", f"/applications/{APP}/notifications",
                        "p-1", "applicant", APP)
    assert status == 200 and body == [{"template": "returned", "status": "sent"}]
    service.notify.attempts.assert_called_once_with(APP)


def test_another_applicant_gets_not_found_and_notify_is_not_asked(service):
    status, body = call(service, "list_notifications", "GET", f"/applications/{APP}/notifications",
                        "p-2", "applicant", APP)
    assert (status, body["code"]) == (404, "NOT_FOUND")
    service.notify.attempts.assert_not_called()


def test_support_reads_any_and_reviewers_may_not(service):
    service.notify.attempts.return_value = []
    assert call(service, "list_notifications", "GET", "/", "admin-1", "admin", APP)[0] == 200
    status, body = call(service, "list_notifications", "GET", "/", "r-1", "unit_reviewer", APP)
    assert (status, body["code"]) == (403, "FORBIDDEN")


def test_a_template_with_an_unknown_variable_is_refused_with_its_field(service):
    service.notify.save_template.side_effect = Refusal.of([Problem(
        "TEMPLATE_VARIABLE_UNKNOWN", "变量 {x} 不是此通知提供的变量",
        "templates.returned.email.body")])
    status, body = call(service, "save_notification_template", "PUT", "/", "admin-1", "admin",
                        "returned", "email", body={"subject": "退回", "body": "{x}"})
    assert (status, body["code"], body["field"]) == (
        422, "TEMPLATE_VARIABLE_UNKNOWN", "templates.returned.email.body")
    service.notify.save_template.assert_called_once_with("returned", "email", "{x}", "退回",
                                                         None, "admin-1")


def test_only_an_administrator_edits_templates(service):
    status, body = call(service, "save_notification_template", "PUT", "/", "p-1", "applicant",
                        "returned", "email", body={"body": "x"})
    assert (status, body["code"]) == (403, "FORBIDDEN")
    service.notify.save_template.assert_not_called()
