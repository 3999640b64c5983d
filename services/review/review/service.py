"""review: routing level by level, the clocks, decisions (ARCHITECTURE.md §1).

Entrypoints stay thin: load, call a rule from `review.rules`, store, emit.
"""
from __future__ import annotations

import uuid

from nameko.rpc import rpc
from sqlalchemy import select

from contracts import events
from contracts.errors import Refusal
from review import models as m
from review import orgs as org_files
from plumbing.clock import Clock
from plumbing.db import Database
from plumbing.events import subscribe
from plumbing.health import HealthMixin
from plumbing.rpc import refusals_as_data


class UnknownUnit(Exception):
    """An application names a unit review does not know: load the organisations, then replay."""


class ReviewService(HealthMixin):
    name = "review"

    db = Database(m.metadata)
    clock = Clock()

    @rpc
    @refusals_as_data
    def load_organisations(self, text: str, filename: str = "organisations.yaml") -> dict:
        """Replace the organisation tree (every problem in the file listed at once)."""
        registry, problems = org_files.parse_yaml(text)  # parsed and validated
        if problems:
            raise Refusal.of(problems, code="ORGANISATIONS_INVALID",
                             message="组织机构文件有误，请按列出的问题逐项修改")
        with self.db.transaction() as tx:
            tx.session.execute(m.organisations.delete())
            for org in registry.organisations:
                tx.session.execute(m.organisations.insert().values(
                    id=org.id, name=org.name, kind=org.kind, parent_id=org.parent_id,
                    reviewers=[{**vars(c), "channel": "email"} for c in org.reviewers]))
        return {"organisations": len(registry.organisations),
                "committees": len(registry.committees)}

    @rpc
    @refusals_as_data
    def list_tasks(self, org_id: str | None) -> list[dict]:
        if not org_id:
            raise Refusal("FORBIDDEN", "账号未关联审核单位", status=403)
        with self.db.session() as session:
            rows = session.execute(select(m.tasks).where(m.tasks.c.org_id == org_id)
                                   .order_by(m.tasks.c.opened_at)).all()
        return [{"id": r.id, "application_id": r.application_id, "season": r.season,
                 "step": r.step, "status": r.status, "opened_at": r.opened_at.isoformat()}
                for r in rows]

    @subscribe(events.APPLICATION_SUBMITTED)
    def on_application_submitted(self, payload):
        """R-4.1: the applicant's own unit reviews first."""
        with self.db.consume(payload, "intake.application_submitted") as tx:
            if tx is None:
                return
            unit = tx.session.execute(select(m.organisations).where(
                m.organisations.c.id == payload["unit_id"])).first()
            if unit is None:
                raise UnknownUnit(f"unit {payload['unit_id']!r} is not in the organisation tree")
            task_id = str(uuid.uuid4())
            tx.session.execute(m.tasks.insert().values(
                id=task_id, application_id=payload["application_id"], season=payload["season"],
                version=payload["version"], step="unit", org_id=unit.id, status="open",
                opened_at=self.clock()))
            tx.emit(events.TASK_OPENED, application_id=payload["application_id"],
                    season=payload["season"], task_id=task_id, step="unit", org_id=unit.id,
                    org_name=unit.name, reviewers=unit.reviewers)
