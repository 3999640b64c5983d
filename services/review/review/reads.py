"""What reviewers see (docs/rules.md §9): an organisation's tasks, whether a role may see an
application, and review's view of one application.
"""
from __future__ import annotations


from contracts.errors import Refusal
from plumbing.rpc import refusals_as_data, rpc
from review import dependencies
from review.route import not_found
from review.store.applications import app_view, task_rows
from review.store.applications import application as application_row
from review.store.meetings import agendas


class Reads:
    """One area of `ReviewService` (review.service): see the module docstring."""

    db = dependencies.db

    @rpc
    @refusals_as_data
    def list_tasks(self, org_id: str | None, status: str | None = None) -> list[dict]:
        if not org_id:
            raise Refusal("FORBIDDEN", "账号未关联审核单位", status=403)
        with self.db.session() as session:
            return task_rows(session, org_id, status)

    @rpc
    @refusals_as_data
    def visible(self, role: str, org_id: str | None, application_id: str) -> bool:
        """docs/rules.md §9: the unit its own, a department its subtree (the route), a
        committee's secretary its committee, an expert the applications of its committee's
        meetings."""
        with self.db.session() as session:
            app = application_row(session, application_id)
            if app is None:
                return False
            if role == "admin":
                return True
            if role in ("unit_reviewer", "department_reviewer"):
                return any(s["id"] == org_id and s["kind"] != "committee" for s in app.route)
            if role == "committee_secretary":
                return app.committee_id == org_id
            if role == "expert":
                if app.committee_id != org_id:
                    return False
                return any(application_id in apps for apps in agendas(session, org_id))
        return False

    @rpc
    @refusals_as_data
    def application(self, principal: dict, application_id: str) -> dict:
        """Review's view of one application: route, tasks and decisions, publicity, requests."""
        if not self.visible(principal.get("role"), principal.get("org"), application_id) is True:
            raise not_found()
        with self.db.session() as session:
            return app_view(session, application_id)
