"""The heartbeat a container's health check reads (plumbing/health.py): refreshed by the service's
own event loop while its database answers, and `titles health --heartbeat` failing once it is
stale — so a stopped replica shows unhealthy even while its siblings answer over the broker."""
from __future__ import annotations

import json
import os
import time

import eventlet
import pytest
from nameko.containers import ServiceContainer
from sqlalchemy import MetaData

from plumbing import health
from plumbing.cli import main as titles
from plumbing.db import Database, plumbing_tables

metadata = MetaData()
plumbing_tables(metadata)


class Beating:
    name = "beating"
    db = Database(metadata)
    heartbeat = health.Heartbeat()


@pytest.fixture
def container(tmp_path):
    database = tmp_path / "beating.db"
    from sqlalchemy import create_engine

    metadata.create_all(create_engine(f"sqlite:///{database}"))

    def start(**config):
        c = ServiceContainer(Beating, {"AMQP_URI": "memory://",
                                       "DATABASE_URL": f"sqlite:///{database}", **config})
        c.start()
        started.append(c)
        return c

    started = []
    yield start
    for c in started:
        c.kill()


def wait_for(predicate, seconds=5.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        eventlet.sleep(0.02)
    return False


def test_the_heartbeat_is_refreshed_while_the_process_runs_and_stops_with_it(container, tmp_path):
    beat = tmp_path / "heartbeat"
    c = container(HEARTBEAT_FILE=str(beat), HEARTBEAT_SECONDS=0.05)
    assert wait_for(beat.exists)
    body = json.loads(beat.read_text())
    assert body["service"] == "beating" and body["outbox_pending"] == 0
    assert body["pid"] == os.getpid()
    first = beat.stat().st_mtime_ns
    assert wait_for(lambda: beat.stat().st_mtime_ns != first)
    c.stop()
    stopped = beat.stat().st_mtime_ns
    eventlet.sleep(0.3)
    assert beat.stat().st_mtime_ns == stopped


def test_no_refresh_while_the_database_does_not_answer(container, tmp_path, monkeypatch):
    beat = tmp_path / "heartbeat"
    container(HEARTBEAT_FILE=str(beat), HEARTBEAT_SECONDS=0.05)
    assert wait_for(beat.exists)

    def unreachable(store):
        raise OSError("database unreachable")

    monkeypatch.setattr(health, "report", unreachable)
    eventlet.sleep(0.2)  # a beat that had already asked may still land
    last = beat.stat().st_mtime_ns
    eventlet.sleep(0.3)
    assert beat.stat().st_mtime_ns == last


def test_without_a_heartbeat_file_nothing_is_written(container, tmp_path):
    container()
    eventlet.sleep(0.2)
    assert list(tmp_path.iterdir()) == [tmp_path / "beating.db"]


def test_titles_health_reads_the_heartbeat_age(tmp_path, capsys):
    beat = tmp_path / "heartbeat"
    assert titles(["health", "review", "--heartbeat", str(beat)]) == 1
    assert "no heartbeat yet" in capsys.readouterr().err
    beat.write_text('{"service": "review"}')
    assert titles(["health", "review", "--heartbeat", str(beat), "--max-age", "20"]) == 0
    stale = time.time() - 25
    os.utime(beat, (stale, stale))
    assert titles(["health", "review", "--heartbeat", str(beat), "--max-age", "20"]) == 1
    assert "25 s old" in capsys.readouterr().err


def test_titles_health_asks_a_local_port(tmp_path, capsys):
    from tests.support.infra import free_port

    assert titles(["health", "intake", "--url", f"http://127.0.0.1:{free_port()}/health",
                   "--timeout", "1"]) == 1
    assert "intake:" in capsys.readouterr().err
