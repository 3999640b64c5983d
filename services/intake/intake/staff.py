"""Endpoints for reviewers, committee staff and administrators (DOMAIN.md §9).

intake authenticates and checks the role; review decides, in its own scope rules, over RPC
(ARCHITECTURE.md §1). Documented in openapi/staff.yaml.
"""
from __future__ import annotations

from nameko.web.handlers import http

from intake import auth
from intake.web import endpoint, json_response


class StaffEndpoints:

    @http("GET", "/review/tasks")
    @endpoint
    def list_tasks(self, request):
        principal = self._principal(request)
        auth.require(principal, "unit_reviewer", "department_reviewer", "committee_secretary")
        return json_response(self.review.list_tasks(principal.org))
