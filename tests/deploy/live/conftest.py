"""The live deployment: built and started once per module, on a real Docker engine.

Runs under CI=true (where a missing engine FAILS the run) or with TITLES_LIVE_TEST=1; otherwise
it is skipped — it takes minutes and the whole machine's attention. `.ci/run` installs and
starts the engine and the compose plugin when they are absent.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.deploy.live import images
from tests.deploy.live.client import Api
from tests.deploy.live.engine import (ROOT, TIMINGS, Compose, compose_available,
                                      engine_answers, timed)
from tests.support.infra import IN_CI, free_port

HOSTNAME = "titles.test"  # the deployment's public name; the certificate is made for it
def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("live deployment timings")
        for step, seconds in TIMINGS:
            terminalreporter.write_line(f"{seconds:7.1f} s  {step}")


def _require_engine():
    if not (IN_CI or os.environ.get("TITLES_LIVE_TEST") == "1"):
        pytest.skip("the live deployment test runs under CI=true or TITLES_LIVE_TEST=1")
    if not engine_answers() or not compose_available():
        message = "no Docker engine with the compose plugin answers (.ci/run starts one)"
        if IN_CI:
            pytest.fail(f"{message}; CI=true: a missing engine is a failure, never a skip")
        pytest.skip(message)


def env_file(work: Path, overrides: dict[str, str]) -> Path:
    """.env.example with the values a deployment must set replaced, as an operator makes .env:
    every CHANGE-ME is overridden here, so the stack starting proves nothing else is needed."""
    lines, seen = [], set()
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0] if "=" in line and not line.startswith("#") else None
        if key in overrides:
            line, _ = f"{key}={overrides[key]}", seen.add(key)
        lines.append(line)
    lines += [f"{k}={v}" for k, v in overrides.items() if k not in seen]
    path = work / ".env"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "CHANGE-ME" not in "\n".join(l for l in lines if not l.startswith("#")), \
        "a CHANGE-ME value of .env.example is not set by the live test"
    return path


class Deployment:
    def __init__(self, compose: Compose, work: Path, ports: dict[str, int]):
        self.compose = compose
        self.work = work
        self.ports = ports
        self.secrets = work / "secrets"
        self.backups = work / "backups"
        self.api = Api(f"https://127.0.0.1:{ports['HTTPS_PORT']}", HOSTNAME,
                       str(self.secrets / "tls_certificate.pem"),
                       (self.secrets / "jwt_key").read_text().strip())

    def secret(self, name: str) -> str:
        return (self.secrets / name).read_text().strip()

    def up(self, *services: str, timeout: float = 600) -> float:
        start = time.monotonic()
        self.compose.run("up", "-d", "--wait", *services, timeout=timeout)
        return time.monotonic() - start


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    _require_engine()
    work = tmp_path_factory.mktemp("live")
    env = {"TITLES_CI_CACHE": os.environ.get("TITLES_CI_CACHE", "/var/cache/titles-ci")}
    subprocess.run([str(ROOT / "deploy" / "make-secrets.sh"), str(work / "secrets")], check=True,
                   capture_output=True, env={**os.environ, "TLS_HOSTNAME": HOSTNAME})
    (work / "backups").mkdir()
    shutil.chown(work / "backups", 10001, 10001)  # the titles image's user writes backups
    ports = {name: free_port() for name in ("HTTP_PORT", "HTTPS_PORT", "S3_HTTPS_PORT",
                                            "RABBITMQ_MANAGEMENT_PORT", "MINIO_CONSOLE_PORT",
                                            "MAILPIT_UI_PORT")}
    stand_ins = images.ensure(timed)
    overrides = {
        **stand_ins, **{k: str(v) for k, v in ports.items()},
        "BIND_ADDRESS": "127.0.0.1", "SECRETS_DIR": str(work / "secrets"),
        "BACKUP_DIR": str(work / "backups"), "BUILD_CA_BUNDLE": images.ca_bundle() or "",
        "S3_PUBLIC_ENDPOINT": f"https://{HOSTNAME}:{ports['S3_HTTPS_PORT']}",
        "VERIFY_URL_BASE": f"https://{HOSTNAME}:{ports['HTTPS_PORT']}/verify",
        "PORTAL_URL": f"https://{HOSTNAME}:{ports['HTTPS_PORT']}",
        "SMTP_HOST": "smtp-sink", "SMTP_PORT": "2525", "MAIL_FROM": f"zhicheng@{HOSTNAME}",
    }
    compose = Compose(env_file(work, overrides), env)
    compose.run("down", "-v", "--remove-orphans", check=False)  # what an aborted run left
    start = time.monotonic()
    compose.run("build", timeout=1800)
    timed("titles image build (docker compose build)", time.monotonic() - start)
    live = Deployment(compose, work, ports)
    try:
        seconds = live.up()
        timed("stack up and every service healthy (docker compose up --wait)", seconds)
        print(f"live deployment: the stack became healthy in {seconds:.1f} s")
        yield live
    finally:
        for service in ("intake", "review", "documents", "notify", "proxy"):
            print(f"--- {service} ---\n{compose.logs(service, tail=40)}")
        compose.run("down", "-v", "--remove-orphans", check=False)
