"""Infrastructure for service and system tests, found once (a pytest plugin, see conftest.py).

For each of RabbitMQ, PostgreSQL, S3 and SMTP, in this order:
1. an explicit URL from the environment (TEST_AMQP_URI, TEST_DATABASE_URL, TEST_S3_ENDPOINT,
   TEST_SMTP_HOSTPORT);
2. the local service (RabbitMQ 127.0.0.1:5672 and PostgreSQL 127.0.0.1:5432 as this machine runs
   them; the S3 stand-in `moto_server` and an aiosmtpd sink started here);
3. testcontainers, where a Docker engine answers.
If none is reachable the test is skipped, except under CI=true, where it FAILS: CI never passes
for lack of infrastructure.

Isolation: one RabbitMQ vhost and one set of databases per test session (named after a run id),
removed at the end, so runs can repeat and interleave.

The services' databases are PostgreSQL unless `TEST_DB_BACKEND=sqlite`: then `make_database`
gives each a fresh SQLite file, the embedded default of `make run` (CI runs the system tests
both ways, .ci/run).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_ID = uuid.uuid4().hex[:8]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DB_BACKEND = os.environ.get("TEST_DB_BACKEND", "postgresql").strip().lower()
if DB_BACKEND not in ("postgresql", "sqlite"):
    raise ValueError(f"TEST_DB_BACKEND must be postgresql or sqlite, not {DB_BACKEND!r}")


def missing(what: str):
    message = f"{what} is not reachable"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure, never a skip)")
    pytest.skip(message)


def reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(host, port, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if reachable(host, port, 0.5):
            return True
        time.sleep(0.1)
    return False


def docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


# ---- RabbitMQ ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def broker_uri():
    explicit = os.environ.get("TEST_AMQP_URI")
    if explicit:
        yield explicit
        return
    if reachable("127.0.0.1", 5672):
        vhost = f"titles-test-{RUN_ID}"
        if not _make_vhost(vhost):
            missing("RabbitMQ vhost administration (rabbitmqctl or the management API)")
        yield f"pyamqp://guest:guest@127.0.0.1:5672/{quote(vhost, safe='')}"
        _drop_vhost(vhost)
        return
    if docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3.13-alpine") as rabbit:
            params = rabbit.get_connection_params()
            yield f"pyamqp://guest:guest@{params.host}:{params.port}//"
        return
    missing("RabbitMQ")


@pytest.fixture(scope="module")
def isolated_broker_uri(broker_uri):
    """A vhost of this test module's own (local broker), so no other test's consumers (the
    system tests' running services, say) compete for its queues."""
    if os.environ.get("TEST_AMQP_URI") or not broker_uri.startswith("pyamqp://guest:guest@127"):
        yield broker_uri
        return
    vhost = f"titles-test-{RUN_ID}-{uuid.uuid4().hex[:6]}"
    if not _make_vhost(vhost):
        missing("RabbitMQ vhost administration")
    yield f"pyamqp://guest:guest@127.0.0.1:5672/{quote(vhost, safe='')}"
    _drop_vhost(vhost)


def _rabbitmqctl(*args) -> bool:
    tool = shutil.which("rabbitmqctl") or ("/usr/sbin/rabbitmqctl"
                                           if os.path.exists("/usr/sbin/rabbitmqctl") else None)
    if not tool:
        return False
    done = subprocess.run([tool, *args], capture_output=True, timeout=60)
    return done.returncode == 0


def _management(method: str, path: str) -> bool:
    import requests

    base = os.environ.get("RABBIT_MANAGEMENT_URL", "http://guest:guest@127.0.0.1:15672")
    try:
        r = requests.request(method, f"{base}/api/{path}", timeout=10)
        return r.status_code < 300
    except requests.RequestException:
        return False


def _make_vhost(vhost: str) -> bool:
    quoted = quote(vhost, safe="")
    if _management("PUT", f"vhosts/{quoted}"):
        return _management("PUT", f"permissions/{quoted}/guest") or True
    return (_rabbitmqctl("add_vhost", vhost)
            and _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"))


def _drop_vhost(vhost: str) -> None:
    if not _management("DELETE", f"vhosts/{quote(vhost, safe='')}"):
        _rabbitmqctl("delete_vhost", vhost)


# ---- PostgreSQL ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def pg_server_url():
    """A URL of the server's maintenance database, as a role that may create databases."""
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        yield explicit
        return
    if reachable("127.0.0.1", 5432):
        yield "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
        return
    if docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine") as pg:
            yield pg.get_connection_url()
        return
    missing("PostgreSQL")


@pytest.fixture(scope="session")
def make_database(request, tmp_path_factory):
    """make_database(name) -> URL of a fresh database, dropped at the end of the session
    (PostgreSQL, or an SQLite file under TEST_DB_BACKEND=sqlite)."""
    if DB_BACKEND == "sqlite":
        folder = tmp_path_factory.mktemp("sqlite")

        def make_file(name: str) -> str:
            for leftover in folder.glob(f"{name}.db*"):
                leftover.unlink()
            return f"sqlite:///{folder / name}.db"

        yield make_file
        return
    yield from _postgresql_databases(request.getfixturevalue("pg_server_url"))


def _postgresql_databases(pg_server_url):
    from sqlalchemy import create_engine, text

    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    made = []

    def make(name: str) -> str:
        db = f"t_{RUN_ID}_{name}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}"'))
            conn.execute(text(f'CREATE DATABASE "{db}"'))
        made.append(db)
        return urlparse(pg_server_url)._replace(path=f"/{db}").geturl()

    yield make
    with admin.connect() as conn:
        for db in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    admin.dispose()


# ---- S3 ------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def s3_config(tmp_path_factory):
    """Settings for an S3 endpoint with the two buckets made."""
    from plumbing import storage

    explicit = os.environ.get("TEST_S3_ENDPOINT")
    proc = None
    if explicit:
        conf = {"S3_ENDPOINT": explicit,
                "S3_ACCESS_KEY": os.environ.get("TEST_S3_ACCESS_KEY", "minioadmin"),
                "S3_SECRET_KEY": os.environ.get("TEST_S3_SECRET_KEY", "minioadmin"),
                "S3_SECURE": False}
    else:
        server = shutil.which("moto_server", path=os.path.dirname(sys.executable)) \
            or shutil.which("moto_server")
        if server:
            # moto speaks the S3 protocol the minio SDK uses (README, Quickstart).
            port = free_port()
            log = open(tmp_path_factory.mktemp("s3") / "moto.log", "w")
            proc = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)],
                                    stdout=log, stderr=subprocess.STDOUT)
            if not wait_port("127.0.0.1", port):
                proc.kill()
                missing("the S3 stand-in (moto_server)")
            conf = {"S3_ENDPOINT": f"127.0.0.1:{port}", "S3_ACCESS_KEY": "testing",
                    "S3_SECRET_KEY": "testing", "S3_SECURE": False}
        elif docker_available():
            from testcontainers.minio import MinioContainer

            minio = MinioContainer().start()
            c = minio.get_config()
            conf = {"S3_ENDPOINT": c["endpoint"], "S3_ACCESS_KEY": c["access_key"],
                    "S3_SECRET_KEY": c["secret_key"], "S3_SECURE": False}
        else:
            missing("an S3 endpoint")
    conf.update({"S3_REGION": "us-east-1", "ATTACHMENTS_BUCKET": f"attachments-{RUN_ID}",
                 "DOCUMENTS_BUCKET": f"documents-{RUN_ID}"})
    storage.ensure_buckets(conf)
    yield conf
    if proc:
        proc.terminate()
        proc.wait(10)


# ---- SMTP ----------------------------------------------------------------------------------

class Mailbox:
    def __init__(self, host: str, port: int, folder: Path):
        self.host, self.port, self.folder = host, port, folder

    def messages(self):
        import email
        from email import policy

        return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
                for p in sorted(self.folder.glob("*.eml"))]

    def to(self, address: str):
        return [m for m in self.messages() if address in str(m["To"])]


def start_smtp_sink(folder: Path, *extra: str):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.smtp_sink", "--port", str(port),
                             "--dir", str(folder), *extra], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if not wait_port("127.0.0.1", port):
        proc.kill()
        missing("the local SMTP server (aiosmtpd)")
    return proc, Mailbox("127.0.0.1", port, folder)


@pytest.fixture(scope="session")
def mailbox(tmp_path_factory):
    explicit = os.environ.get("TEST_SMTP_HOSTPORT")  # a sink whose mail we cannot read: rare
    if explicit:
        host, port = explicit.rsplit(":", 1)
        yield Mailbox(host, int(port), tmp_path_factory.mktemp("mail"))
        return
    proc, box = start_smtp_sink(tmp_path_factory.mktemp("mail"))
    yield box
    proc.terminate()
    proc.wait(10)
