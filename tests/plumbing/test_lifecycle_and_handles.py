"""The shared mechanisms every service's handlers go through, as units: `@handles` hands the
handler its transaction and skips a redelivered event; `Tx.after_commit` runs only after a
commit; `Lifecycle` answers from its table and refuses what it does not list."""
from __future__ import annotations

from enum import StrEnum

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import Column, MetaData, String, Table, select

from contracts import events
from contracts.errors import Refusal
from plumbing.db import Database, plumbing_tables
from plumbing.events import handles
from plumbing.lifecycle import Lifecycle, moves
from tests.support.stores import sqlite_store

metadata = MetaData()
plumbing_tables(metadata)
seen = Table("seen", metadata, Column("application_id", String(36), primary_key=True))


class Intake:
    name = "intake"
    db = Database(metadata)  # replaced by worker_factory

    @handles(events.TASK_OPENED)
    def on_task_opened(self, tx, payload):
        tx.session.execute(seen.insert().values(application_id=payload["application_id"]))
        return "handled"


def task_opened(application_id="a-1"):
    return events.make(events.TASK_OPENED, application_id=application_id, season="2019",
                       task_id="t-1", step="unit", org_id="u-1", org_name="单位", reviewers=[])


def test_handles_gives_the_handler_its_transaction_and_skips_a_redelivery():
    service = worker_factory(Intake, db=sqlite_store(metadata, "intake"))
    payload = task_opened()
    assert service.on_task_opened(payload) == "handled"
    assert service.on_task_opened(dict(payload)) is None  # same event id: not handled again
    with service.db.session() as session:
        assert session.execute(select(seen.c.application_id)).scalars().all() == ["a-1"]


def test_a_failing_handler_records_neither_its_effects_nor_the_event_id():
    class Failing(Intake):
        @handles(events.TASK_OPENED)
        def on_task_opened(self, tx, payload):
            tx.session.execute(seen.insert().values(application_id=payload["application_id"]))
            raise RuntimeError("boom")

    service = worker_factory(Failing, db=sqlite_store(metadata, "intake"))
    payload = task_opened()
    with pytest.raises(RuntimeError):
        service.on_task_opened(payload)
    with service.db.session() as session:
        assert session.execute(select(seen)).all() == []
        assert session.execute(select(metadata.tables["processed_events"])).all() == []


def test_after_commit_runs_after_a_commit_and_never_after_a_rollback():
    store = sqlite_store(metadata, "intake")
    ran = []
    with store.transaction() as tx:
        tx.after_commit(ran.append, "committed")
        assert ran == []
    assert ran == ["committed"]
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.after_commit(ran.append, "rolled back")
            raise RuntimeError("boom")
    assert ran == ["committed"]


class Light(StrEnum):
    RED = "red"
    GREEN = "green"
    OFF = "off"


LIGHTS = Lifecycle(Light, {"go": {Light.RED: Light.GREEN},
                           "switch_off": moves((Light.RED, Light.GREEN), Light.OFF)})


@pytest.mark.parametrize("event, status, expected", [
    ("go", "red", Light.GREEN), ("go", "green", None), ("go", "off", None),
    ("switch_off", "red", Light.OFF), ("switch_off", "green", Light.OFF),
    ("switch_off", "off", None)])
def test_lifecycle_answers_from_its_table(event, status, expected):
    assert LIGHTS.next(event, status) == expected


def test_lifecycle_refuses_an_action_it_does_not_list_and_an_unknown_event():
    with pytest.raises(Refusal) as refused:
        LIGHTS.require("go", "off", Refusal("NOT_NOW", "现在不能"))
    assert refused.value.code == "NOT_NOW"
    assert LIGHTS.require("go", "red", Refusal("NOT_NOW", "现在不能")) is Light.GREEN
    with pytest.raises(KeyError):
        LIGHTS.next("fly", "red")
    assert LIGHTS.sources("switch_off") == (Light.RED, Light.GREEN)


def test_lifecycle_table_must_use_its_statuses():
    with pytest.raises(TypeError):
        Lifecycle(Light, {"go": {"red": Light.GREEN}})
