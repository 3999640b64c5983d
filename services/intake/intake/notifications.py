"""What was sent about an application, read from notify over RPC (issue #6: "was I told?").

The applicant sees what was sent about their own application; an administrator (support)
may read any. intake checks who may see the application in its own tables; notify answers
with masked addresses only. Documented in openapi/notifications.yaml.
"""
from __future__ import annotations

from nameko.web.handlers import http

from intake import auth
from intake.web import endpoint, json_response


class NotificationEndpoints:

    @http("GET", "/applications/<string:application_id>/notifications")
    @endpoint
    def list_notifications(self, request, application_id):
        principal = self._principal(request)
        auth.require(principal, "applicant", "admin")
        with self.db.session() as session:
            self._own_application(session, principal, application_id)
        return json_response(self.notify.attempts(application_id))
