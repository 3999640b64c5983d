"""What was sent about an application, read from notify over RPC (issue #6: "was I told?"), and
the administrator's desk for notification templates (notify checks and stores them).

The applicant sees what was sent about their own application; an administrator (support)
may read any. intake checks who may see the application in its own tables; notify answers
with masked addresses only. Documented in openapi/notifications.yaml.
"""
from __future__ import annotations

from intake import access, dependencies
from intake.http import auth, bodies
from intake.http.problems import endpoint, json_response
from intake.http.server import http


class Notifications:
    db, config, review, notify = dependencies.db, dependencies.config, dependencies.review, \
        dependencies.notify

    @http("GET", "/applications/<string:application_id>/notifications")
    @endpoint
    def list_notifications(self, request, application_id):
        principal = auth.caller(request, self.config)
        auth.require(principal, "applicant", "admin")
        with self.db.session() as session:
            access.visible_application(session, principal, application_id, self.review)
        return json_response(self.notify.attempts(application_id))

    @http("GET", "/admin/notification-templates/<string:event>/<string:channel>")
    @endpoint
    def get_notification_template(self, request, event, channel):
        auth.require(auth.caller(request, self.config), "admin")
        return json_response(self.notify.template(event, channel))

    @http("PUT", "/admin/notification-templates/<string:event>/<string:channel>")
    @endpoint
    def save_notification_template(self, request, event, channel):
        """notify refuses a template whose placeholders are not the event's variables, with
        every problem at once; nothing is stored then."""
        principal = auth.caller(request, self.config)
        auth.require(principal, "admin")
        body = bodies.body(request, "save_notification_template")
        return json_response(self.notify.save_template(
            event, channel, str(body.get("body") or ""), body.get("subject"),
            body.get("template_code"), principal.sub))
