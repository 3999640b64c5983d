"""What was sent about an application, read from notify over RPC (issue #6: "was I told?").

Documented in openapi/notifications.yaml.
"""
from __future__ import annotations


class NotificationEndpoints:
    pass
