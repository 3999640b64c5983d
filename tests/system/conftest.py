"""All four services running as processes against real RabbitMQ, PostgreSQL, S3 and SMTP."""
from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime, timezone

import jwt
import pytest
import requests

from plumbing.config import ROOT, SERVICES
from plumbing.local import Cluster
from tests.support.infra import free_port
from tests.support.clock import set_clock
from tests.support.sms_standin import SmsStandin

JWT_KEY = "system-test-secret-of-at-least-32-bytes"
# Inside the 2019 online window: 2019-10-15 10:00 Asia/Shanghai.
SEASON_NOW = datetime(2019, 10, 15, 2, 0, tzinfo=timezone.utc)
FRONTEND_ORIGIN = "https://zc.example.gov.cn"  # the platform's frontend (CORS_ALLOWED_ORIGINS)


class Api:
    """The platform frontend, as far as tests need it."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def token(self, sub, role="applicant", org=None, **claims):
        now = int(time.time())
        body = {"sub": sub, "role": role, "aud": "titles", "iat": now, "exp": now + 3600,
                **claims}
        if org:
            body["org"] = org
        return jwt.encode(body, JWT_KEY, algorithm="HS256")

    def call(self, method, path, token=None, **kw):
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, self.base + path, headers=headers, timeout=30, **kw)

    def wait_for(self, path, token, predicate, timeout=30.0):
        deadline = time.time() + timeout
        body = None
        while time.time() < deadline:
            r = self.call("GET", path, token)
            body = r.json()
            if r.status_code == 200 and predicate(body):
                return body
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting on {path}; last: {body}")


@pytest.fixture(scope="package")
def sms_standin():
    """notify's SMS provider: the local HTTP stand-in (tests/support/sms_standin.py)."""
    standin = SmsStandin(free_port(), delay=2.0)
    standin.start()
    yield standin
    standin.stop()


@contextmanager
def running_cluster(broker_uri, make_database, s3_config, mailbox, work, sms_standin,
                    name: str = "", **overrides):
    """The four services as processes, healthy, with the test frontend as `cluster.api`; they
    stop when the block ends. `name` keeps another package's databases apart (tests/contract and
    tests/browser run clusters of their own, on vhosts of their own); `overrides` are settings
    added to the common ones."""
    clock_file = work / "clock-offset"
    clock_file.write_text(str((SEASON_NOW - datetime.now(timezone.utc)).total_seconds()))
    port = free_port()
    common = {"AMQP_URI": broker_uri, **s3_config, "JWT_KEY": JWT_KEY,
              "CLOCK_OFFSET_FILE": str(clock_file), "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
              "MAIL_BACKEND": "smtp", "SMTP_HOST": mailbox.host, "SMTP_PORT": mailbox.port,
              "EVENT_MAX_RETRIES": 2, "EVENT_RETRY_DELAY_MS": 200, "OUTBOX_POLL_SECONDS": 0.5,
              "VERIFY_URL_BASE": f"http://127.0.0.1:{port}/verify", "LOG_LEVEL": "INFO",
              "CORS_ALLOWED_ORIGINS": FRONTEND_ORIGIN, "LOG_FORMAT": "json"}
    # notify: SMS through the stand-in (1 s timeout, it stalls 2 s), quick retries and ticks.
    common.update({**sms_standin.config(), "SMS_TIMEOUT": 1, "SMS_RATE_LIMITS": "20/60",
                   "NOTIFY_MAX_ATTEMPTS": 3, "NOTIFY_RETRY_BASE_SECONDS": 0.5,
                   "NOTIFY_RETRY_CAP_SECONDS": 1, "NOTIFY_TICK_SECONDS": 0.3})
    common.update(overrides)
    per = {s: {"DATABASE_URL": make_database(f"{name}{s}"),
               "METRICS_ADDRESS": f"127.0.0.1:{free_port()}"} for s in SERVICES}
    cluster = Cluster(common, per, work / "logs")
    cluster.titles("topology")
    cluster.migrate()
    cluster.start_all()
    try:
        cluster.wait_healthy(timeout=90)
        cluster.api = Api(f"http://127.0.0.1:{port}")
        cluster.mailbox = mailbox
        cluster.s3 = s3_config
        cluster.clock_file = clock_file
        cluster.sms = sms_standin
        yield cluster
    finally:
        cluster.stop_all()
        for s in SERVICES:  # leave the logs in the test output when something failed
            print(f"--- {s} log tail ---")
            print("".join((work / "logs" / f"{s}.log").read_text().splitlines(True)[-30:]))


# Package scope: the four services stop when tests/system is done, so they do not compete for
# the broker's queues with the service-level tests that run later in the same vhost.
@pytest.fixture(scope="package")
def system(broker_uri, make_database, s3_config, mailbox, tmp_path_factory, sms_standin):
    with running_cluster(broker_uri, make_database, s3_config, mailbox,
                         tmp_path_factory.mktemp("system"), sms_standin) as cluster:
        yield cluster


# The 2019 season and the sample organisations, loaded once per module by the operator's command.
@pytest.fixture(scope="module")
def loaded(system):
    system.titles("load-season", str(ROOT / "seasons" / "2019.yaml"))
    system.titles("load-orgs", str(ROOT / "deploy" / "sample" / "organisations.yaml"),
                  service="review")
    return system


@pytest.fixture
def season_clock(loaded):
    """The cluster's clock at the season's "now" before and after the test (tests that move
    time: `pytestmark = pytest.mark.usefixtures("season_clock")`)."""
    set_clock(loaded, SEASON_NOW)
    yield
    set_clock(loaded, SEASON_NOW)
