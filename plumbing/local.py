"""The four services as local processes: the no-Docker way to run (README, Quickstart).

`titles run-local` starts an S3 stand-in (moto) when no S3_ENDPOINT is given, migrates SQLite
databases under var/ (the embedded default), starts intake, review, documents and notify with
`nameko run`, loads the 2019 season and the sample organisations, and prints where the API is.
The system tests use the same `Cluster` against PostgreSQL.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def main() -> int:
    # SIGTERM (a supervisor, `timeout`) stops the services like Ctrl-C does, through `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    common = {"AMQP_URI": os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672//")}
    moto = None
    if not os.environ.get("S3_ENDPOINT"):
        port = os.environ.get("LOCAL_S3_PORT", "9000")
        moto = subprocess.Popen([_bin("moto_server"), "-H", "127.0.0.1", "-p", port],
                                stdout=open(var / "s3.log", "a"), stderr=subprocess.STDOUT)
        common.update({"S3_ENDPOINT": f"127.0.0.1:{port}", "S3_ACCESS_KEY": "local",
                       "S3_SECRET_KEY": "local"})
    per_service = {s: {"DATABASE_URL": os.environ.get(f"{s.upper()}_DATABASE_URL",
                                                      f"sqlite:///{var / (s + '.db')}")}
                   for s in SERVICES}
    cluster = Cluster(common, per_service, var / "log")
    try:
        time.sleep(1)
        cluster.titles("buckets")
        cluster.titles("topology")
        cluster.migrate()
        cluster.start_all()
        cluster.wait_healthy()
        cluster.titles("load-season", str(ROOT / "seasons" / "2019.yaml"))
        cluster.titles("load-orgs", str(ROOT / "deploy" / "sample" / "organisations.yaml"),
                       service="review")
        address = os.environ.get("WEB_SERVER_ADDRESS", "0.0.0.0:8000")
        token = cluster.titles("token", "--role", "applicant", "--sub", "demo-applicant",
                               "--org", "unit-urumqi-machinery").stdout.strip()
        print(f"""
The four services are running (logs in {cluster.log_dir}).
  API:          http://{address.replace('0.0.0.0', '127.0.0.1')}   (OpenAPI: /openapi.json)
  Season:       2019 loaded; sample organisations loaded
  A demo applicant token (12 h):
    {token}
Stop with Ctrl-C.""", flush=True)
        while all(p.poll() is None for p in cluster.procs.values()):
            time.sleep(1)
        print("a service exited; stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except subprocess.CalledProcessError as exc:
        print(f"{' '.join(exc.cmd)} failed:\n{exc.stdout}\n{exc.stderr}", file=sys.stderr)
        return 1
    finally:
        cluster.stop_all()
        if moto:
            moto.terminate()
