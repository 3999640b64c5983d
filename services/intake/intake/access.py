"""Who may see an application, and who may change it now (docs/rules.md §9: each role sees its
own scope). An application someone may not see answers as if it did not exist (404), so its
existence is not given away.
"""
from __future__ import annotations

import logging
import re

from contracts.errors import Refusal
from intake import store
from intake.http.auth import Principal
from intake.lifecycle import LIFECYCLE
from plumbing.rpc import RpcTimeout

log = logging.getLogger(__name__)

# Roles whose scope review decides (docs/rules.md §9: a department's subtree, a committee, an
# expert's assigned applications): asked over RPC (contracts.rpc REVIEW_VISIBLE).
REVIEW_SCOPED = ("department_reviewer", "committee_secretary", "expert")

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_id(value) -> bool:
    """An id intake issued (a UUID): anything else is not looked up at all."""
    return isinstance(value, str) and bool(_UUID.fullmatch(value))


def not_found() -> Refusal:
    return Refusal("NOT_FOUND", "申报不存在，或您无权查看", status=404)


def may_see(principal: Principal, row, review) -> bool:
    """Admin sees all; an applicant their own; a unit reviewer its unit's (the unit that reviews
    first, R-3.5); other staff what review says is in their scope (`review` is its RPC proxy)."""
    role = principal.role
    if role == "admin":
        return True
    if role == "applicant":
        return row.applicant_id == principal.sub
    if role == "unit_reviewer":
        return bool(principal.org) and row.unit_id == principal.org
    if role in REVIEW_SCOPED and principal.org:
        try:
            return review.visible(role, principal.org, row.id) is True
        except RpcTimeout:
            raise  # review did not answer: 504, not a misleading 404
        except Refusal as exc:  # review refuses to say (e.g. an unknown org): hidden
            log.warning("review.visible refused for %s: %s", role, exc.code)
            return False
    return False


def visible_application(session, principal: Principal, application_id: str, review,
                        for_update: bool = False):
    """The application, if `principal` may see it; else NOT_FOUND."""
    if not is_id(application_id):
        raise not_found()
    row = store.application(session, application_id, for_update=for_update)
    if row is None or not may_see(principal, row, review):
        raise not_found()
    return row


def editable_application(session, principal: Principal, application_id: str, review,
                         for_update: bool = True):
    """The application, locked, if `principal` may see it and its status lets the applicant
    change it (a draft, returned, or asked for supplements: `edit` in the lifecycle)."""
    app = visible_application(session, principal, application_id, review, for_update=for_update)
    LIFECYCLE.require("edit", app.status,
                      Refusal("NOT_EDITABLE", "当前状态下不能修改申报", status=409))
    return app
