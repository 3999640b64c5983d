"""The four services as local processes: the no-Docker way to run (README, Quickstart).

`titles run-local` starts an S3 stand-in (moto) when no S3_ENDPOINT is given, migrates SQLite
databases under var/ (the embedded default), starts intake, review, documents and notify with
`nameko run`, loads the 2019 season, a demo season open today (plumbing/demo_season.py) and the
sample organisations, records what it started in var/run-local.json (for `titles clock` and
`titles demo`), and prints where the API is with one token per role. It is a drill deployment
(`DRILL=true`): its clock may be moved with `titles clock`. The system tests use the same
`Cluster` against PostgreSQL or SQLite.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from plumbing import config as cfg
from plumbing.config import ROOT, SERVICES

# Named explicitly: `nameko run <module>` would also try to run the imported HealthMixin.
SERVICE_CLASSES = {s: f"{s}.service:{s.capitalize()}Service" for s in SERVICES}


class Cluster:
    def __init__(self, common: dict, per_service: dict[str, dict] | None = None,
                 log_dir: Path | None = None):
        self.common = {k: str(v) for k, v in common.items()}
        self.per_service = {s: {k: str(v) for k, v in (per_service or {}).get(s, {}).items()}
                            for s in SERVICES}
        self.log_dir = Path(log_dir or ROOT / "var" / "log")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}

    def env(self, service: str = "intake") -> dict:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_CONFIG")}
        env.update(self.common)
        env.update(self.per_service[service])
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def titles(self, *args, service: str = "intake", check: bool = True,
               timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([_bin("titles"), *args], env=self.env(service), cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout, check=check)

    def migrate(self):
        for s in SERVICES:
            self.titles("migrate", s, service=s)

    def start(self, service: str, instance: str | None = None):
        """Start `service`; `instance` names a further replica of it (e.g. "review-2"), which
        consumes the same queues as the first (competing consumers, docs/operations.md, Scaling)."""
        name = instance or service
        log = open(self.log_dir / f"{name}.log", "a")
        self.procs[name] = subprocess.Popen(
            [_bin("nameko"), "run", "--config", str(ROOT / "services" / service / "config.yml"),
             SERVICE_CLASSES[service]], env=self.env(service), cwd=ROOT, stdout=log,
            stderr=subprocess.STDOUT)

    def stop(self, service: str, kill: bool = False, timeout: float = 20):
        proc = self.procs.pop(service, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def start_all(self):
        for s in SERVICES:
            self.start(s)

    def stop_all(self):
        for s in list(self.procs):
            self.stop(s)

    def wait_healthy(self, services=SERVICES, timeout: float = 60):
        deadline = time.time() + timeout
        pending = list(services)
        while pending and time.time() < deadline:
            for s in list(pending):
                proc = self.procs.get(s)
                if proc is not None and proc.poll() is not None:
                    raise RuntimeError(f"{s} exited with {proc.returncode}; see "
                                       f"{self.log_dir / (s + '.log')}")
                if self.titles("health", s, "--timeout", "3", service=s, check=False,
                               timeout=30).returncode == 0:
                    pending.remove(s)
            if pending:
                time.sleep(0.3)
        if pending:
            raise RuntimeError(f"not healthy after {timeout}s: {', '.join(pending)}")


def _bin(name: str) -> str:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else (shutil.which(name) or name)


# Where run-local keeps its databases, logs, clock file and record: var/ of the tree, or
# TITLES_VAR_DIR (the benchmark runs a second local system beside a developer's).
VAR = Path(os.environ.get("TITLES_VAR_DIR") or ROOT / "var")
RECORD = VAR / "run-local.json"


def deployment() -> dict:
    """The running deployment's settings as a command sees them: the environment and config
    (`DRILL`, `CLOCK_OFFSET_FILE`…), or, when the environment names no clock file, what
    `titles run-local` recorded in var/run-local.json."""
    conf = cfg.load("intake")
    settings = {k: conf.get(k) for k in ("DRILL", "JWT_KEY", "JWT_AUDIENCE", "AMQP_URI")}
    settings["CLOCK_OFFSET_FILE"] = conf.get("CLOCK_OFFSET_FILE") or os.environ.get(
        "CLOCK_OFFSET_FILE")
    if not settings["CLOCK_OFFSET_FILE"] and RECORD.exists():
        settings.update(json.loads(RECORD.read_text("utf-8")))
    return settings


def public_base(address: str) -> str:
    """The API's base URL for a listening address: 0.0.0.0 / :: (every interface) → localhost."""
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def local_settings(env: dict, var: Path) -> dict:
    """What run-local gives every service, each value the environment's when it sets one.

    Addresses are derived from one another so they agree: the QR verify link follows the API's
    address (WEB_SERVER_ADDRESS), the object store's public endpoint follows S3_ENDPOINT (the
    moto stand-in's port, LOCAL_S3_PORT, when none is given)."""
    address = env.get("WEB_SERVER_ADDRESS", "0.0.0.0:8000")
    common = {"AMQP_URI": env.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672//"),
              "WEB_SERVER_ADDRESS": address,
              "VERIFY_URL_BASE": env.get("VERIFY_URL_BASE", public_base(address) + "/verify"),
              "DRILL": env.get("DRILL", "true"),
              "CLOCK_OFFSET_FILE": env.get("CLOCK_OFFSET_FILE", str(var / "clock-offset"))}
    if not env.get("S3_ENDPOINT"):
        common.update({"S3_ENDPOINT": f"127.0.0.1:{env.get('LOCAL_S3_PORT', '9000')}",
                       "S3_ACCESS_KEY": "local", "S3_SECRET_KEY": "local"})
    common["S3_PUBLIC_ENDPOINT"] = env.get("S3_PUBLIC_ENDPOINT") or env.get(
        "S3_ENDPOINT") or common["S3_ENDPOINT"]
    # The log backends send nothing: the provider's per-number flow control (SMS_RATE_LIMITS)
    # has nothing to protect, and would hold the walkthrough's SMS back by a minute each.
    if env.get("SMS_BACKEND", "log") == "log" and "SMS_RATE_LIMITS" not in env:
        common["SMS_RATE_LIMITS"] = "none"
    return common


def main() -> int:
    from plumbing import quickstart

    return quickstart.main()
