"""What every area of intake's API shares: its dependencies and the access checks.

`IntakeService` (service.py) is composed of this base and one mixin per area of the API:
the applicant endpoints (service.py), staff (staff.py, delegating to review over RPC),
notifications (notifications.py, delegating to notify) and the public verification of printed
documents (verify.py). nameko collects the entrypoints and dependencies of every base class.
"""
from __future__ import annotations

import logging
import re

from nameko.dependency_providers import Config
from sqlalchemy import select

from contracts.errors import Refusal
from contracts.season import load_season
from intake import auth, models as m
from plumbing.clock import Clock
from plumbing.db import Database
from plumbing.rpc import Rpc, RpcTimeout
from plumbing.storage import Storage

log = logging.getLogger(__name__)

# Roles whose scope review decides (DOMAIN.md §9: a department's subtree, a committee, an
# expert's assigned applications): asked over RPC (contracts.rpc REVIEW_VISIBLE).
REVIEW_SCOPED = ("department_reviewer", "committee_secretary", "expert")


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_id(value) -> bool:
    """An id intake issued (a UUID): anything else is not looked up at all."""
    return isinstance(value, str) and bool(_UUID.fullmatch(value))


def not_found() -> Refusal:
    return Refusal("NOT_FOUND", "申报不存在，或您无权查看", status=404)


class IntakeBase:
    name = "intake"

    db = Database(m.metadata)
    storage = Storage()
    clock = Clock()
    review = Rpc("review")
    notify = Rpc("notify")
    config = Config()

    # ---- helpers -------------------------------------------------------------------------

    def _principal(self, request) -> auth.Principal:
        c = self.config
        return auth.authenticate(request.headers.get("Authorization"), c["JWT_KEY"],
                                 [a.strip() for a in str(c["JWT_ALGORITHMS"]).split(",")],
                                 c["JWT_AUDIENCE"])

    def _season(self, session, season_id: str):
        row = session.execute(select(m.seasons.c.document).where(m.seasons.c.id == season_id)).first()
        if row is None:
            raise Refusal("SEASON_UNKNOWN", f"评审年度 {season_id} 尚未开放", field="season")
        return load_season(row.document)

    def _own_application(self, session, principal, application_id: str, for_update=False):
        """The application, if `principal` may see it (DOMAIN.md §9: each sees its own scope)."""
        if not is_id(application_id):
            raise not_found()
        q = select(m.applications).where(m.applications.c.id == application_id)
        row = session.execute(q.with_for_update() if for_update else q).first()
        if row is None:
            raise not_found()
        if not self._may_see(principal, row):
            raise not_found()
        return row

    def _may_see(self, principal, row) -> bool:
        """DOMAIN.md §9: admin sees all; an applicant their own; a unit reviewer its unit's (the
        unit that reviews first, R-3.5); other staff what review says is in their scope."""
        role = principal.role
        if role == "admin":
            return True
        if role == "applicant":
            return row.applicant_id == principal.sub
        if role == "unit_reviewer":
            return bool(principal.org) and row.unit_id == principal.org
        if role in REVIEW_SCOPED and principal.org:
            try:
                return self.review.visible(role, principal.org, row.id) is True
            except RpcTimeout:
                raise  # review did not answer: 504, not a misleading 404
            except Refusal as exc:  # review refuses to say (e.g. an unknown org): hidden
                log.warning("review.visible refused for %s: %s", role, exc.code)
                return False
        return False

    def _history(self, tx, application_id, actor, action, **detail):
        tx.session.execute(m.history.insert().values(
            application_id=application_id, at=self.clock(), actor=actor, action=action,
            detail=detail))
