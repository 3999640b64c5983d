"""The running system for a benchmark: the system tests' own fixtures, driven outside pytest.

Nothing here starts infrastructure of its own: `tests.support.infra` (vhost, databases, moto S3,
SMTP sink) and the `system` fixture of `tests/system/conftest.py` (the four services as processes
through `plumbing.local.Cluster`, the `Api` helper, the clock file) are called as the plain
generator functions they wrap, and torn down in reverse order.
"""
from __future__ import annotations

import contextlib
import email
import io
import os
import re
import sys
import tempfile
import threading
import time
from email import policy
from pathlib import Path

from plumbing.config import ROOT, SERVICES
from tests.support import infra
from tests.system import conftest as system_conftest

UNIT = "unit-urumqi-machinery"
REVIEWER_EMAIL = "hr.machinery@example.org"


class _TmpFactory:
    """The one method of pytest's tmp_path_factory the fixtures use."""

    def __init__(self, base: Path):
        self.base = base

    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.base))


def _unwrap(fixture):
    get = getattr(fixture, "_get_wrapped_function", None)  # pytest >= 8.4
    return get() if get else getattr(fixture, "__wrapped__", fixture)


class Stack(contextlib.ExitStack):
    """`with Stack() as s:` — s.cluster (Cluster + .api, .mailbox, .s3), s.broker_uri, s.work.

    `Stack(rabbit_nodes=3)`: the broker is a RabbitMQ cluster of our own (`s.rabbits`,
    tests/support/rabbit_cluster.py) instead of a vhost of the machine's broker."""

    def __init__(self, rabbit_nodes: int = 0):
        super().__init__()
        self.rabbit_nodes = rabbit_nodes
        self.rabbits = None

    def __enter__(self):
        super().__enter__()
        try:
            self.work = Path(tempfile.mkdtemp(prefix="titles-bench-"))
            tmp = _TmpFactory(self.work)
            if self.rabbit_nodes:
                from tests.support.rabbit_cluster import RabbitCluster

                self.rabbits = self.enter_context(RabbitCluster(self.work, self.rabbit_nodes))
                self.broker_uri = self.rabbits.uri
            else:
                self.broker_uri = self._fixture(infra.broker_uri)
            self.pg_server_url = self._fixture(infra.pg_server_url)
            self.callback(self._drop_leftover_databases)  # runs after make_database's teardown
            # PostgreSQL always (the fixture's SQLite choice is for the test run)
            make_database = self._fixture(infra._postgresql_databases, self.pg_server_url)
            s3 = self._fixture(infra.s3_config, tmp)
            mailbox = self._fixture(infra.mailbox, tmp)
            sms = self._fixture(system_conftest.sms_standin)
            self.cluster = self._fixture(system_conftest.system, self.broker_uri, make_database,
                                         s3, mailbox, tmp, sms)
            self.cluster.titles("load-season", str(ROOT / "seasons" / "2019.yaml"))
            self.cluster.titles("load-orgs", str(ROOT / "deploy" / "sample" / "organisations.yaml"),
                                service="review")
        except BaseException:
            self.close()
            raise
        return self

    def _drop_leftover_databases(self):
        """make_database's teardown uses the engine it made at the start; after the faults
        section restarted PostgreSQL that engine's connection is gone and its DROPs fail. This
        drops what is left of this run's databases with a fresh connection."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.pg_server_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE "
                                          ":p"), {"p": f"t_{infra.RUN_ID}_%"}).scalars().all()
                for name in names:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            engine.dispose()

    def _fixture(self, fixture, *args):
        gen = _unwrap(fixture)(*args)
        value = next(gen)

        def finish():
            with contextlib.redirect_stdout(io.StringIO()):  # the system fixture's log tails
                try:
                    next(gen, None)
                except Exception as exc:  # noqa: BLE001 - the other teardowns still run
                    print(f"[bench] teardown of {getattr(fixture, 'name', fixture)}: {exc}",
                          file=sys.stderr)

        self.callback(finish)
        return value

    def pids(self) -> dict[str, int]:
        return {s: p.pid for s, p in self.cluster.procs.items() if p.poll() is None}

    def dead_letters(self, application_ids) -> dict[str, int]:
        """How many events about these applications each service dead-lettered."""
        import json

        ids, out = set(application_ids), {}
        for s in SERVICES:
            done = self.cluster.titles("deadletters", "list", s, service=s, check=False)
            try:
                letters = json.loads(done.stdout or "[]")
            except ValueError:
                out[s] = -1
                continue
            out[s] = sum(1 for d in letters if (d.get("payload") or {}).get("application_id")
                         in ids)
        return out

    def replay_dead_letters(self) -> None:
        for s in SERVICES:
            self.cluster.titles("deadletters", "replay", s, service=s, check=False)

    def restart(self, service: str, kill: bool = True):
        """kill -9 (or stop) one service and start it again; returns once it answers health."""
        self.cluster.stop(service, kill=kill)
        self.cluster.start(service)
        self.cluster.wait_healthy([service], timeout=120)


# ---- memory ---------------------------------------------------------------------------------

def proc_status(pid: int, field: str) -> int | None:
    """A /proc/<pid>/status field in bytes (VmRSS now, VmHWM the peak so far)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


class RssSampler(threading.Thread):
    """Samples VmRSS of the given processes every `interval` s; `.peak[name]` is the highest."""

    def __init__(self, pids_fn, interval=0.05):
        super().__init__(daemon=True)
        self.pids_fn, self.interval = pids_fn, interval
        self.peak: dict[str, int] = {}
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            for name, pid in self.pids_fn().items():
                rss = proc_status(pid, "VmRSS")
                if rss and rss > self.peak.get(name, 0):
                    self.peak[name] = rss
            self._stop_event.wait(self.interval)

    def stop(self):
        self._stop_event.set()
        self.join(5)


# ---- mail -----------------------------------------------------------------------------------

class MailIndex:
    """Incremental reader of the SMTP sink's folder: which application refs were mailed to whom,
    when (the file's mtime, on the same clock as the submitter), and how often."""

    def __init__(self, mailbox):
        self.folder = Path(mailbox.folder)
        self.seen: set[str] = set()
        self.by_ref: dict[str, list[float]] = {}
        # Message-IDs per ref: a copy with the same Message-ID is notify re-sending a send it
        # was killed in the middle of (notify/delivery.py, "A crash between 2 and 3"), not a
        # second message
        self.ids: dict[str, set[str]] = {}

    REF = re.compile(r"(?<![0-9A-F])[0-9A-F]{8}(?![0-9A-F])")

    def scan(self, address: str = REVIEWER_EMAIL) -> dict[str, list[float]]:
        for path in sorted(self.folder.glob("*.eml")):
            if path.name in self.seen:
                continue
            try:
                at = path.stat().st_mtime
                msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            except OSError:
                continue
            if not msg.get("Subject"):  # still being written
                continue
            self.seen.add(path.name)
            if address not in str(msg["To"]):
                continue
            for ref in set(self.REF.findall(str(msg["Subject"]))):
                self.by_ref.setdefault(ref, []).append(at)
                self.ids.setdefault(ref, set()).add(str(msg["Message-ID"] or path.name))
        return self.by_ref

    def copies(self, refs) -> tuple[int, int]:
        """Of `refs`, how many were mailed more than once, and how many of those only as the
        same message again (one Message-ID: the crash window notify chose to re-send in)."""
        twice = [r for r in refs if len(self.by_ref.get(r, [])) > 1]
        return len(twice), sum(1 for r in twice if len(self.ids[r]) == 1)


def ref_of(application_id: str) -> str:
    return application_id[:8].upper()


def wait_until(predicate, timeout: float, every: float = 0.2) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def services() -> tuple[str, ...]:
    return tuple(SERVICES)


def environment() -> dict:
    """The machine, for the report."""
    import platform

    load = os.getloadavg()
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "python": platform.python_version(),
            "kernel": platform.release(), "loadavg_at_start": [round(x, 2) for x in load],
            "date_utc": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())}
