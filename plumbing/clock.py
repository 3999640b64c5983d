"""The clock, injected: rules take `now` as a value (STYLE.md), services get it from here.

`CLOCK_OFFSET_FILE` (tests and drills only) names a file holding a number of seconds added to the
real time, so a system test can move a running service 48 hours ahead without waiting. It is read
from the environment (or the service config, if set there), so it is never a deployment setting
and every service honours it the same way.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from nameko.extensions import DependencyProvider


def offset_from(path: str | None) -> timedelta:
    if not path or not os.path.exists(path):
        return timedelta(0)
    with open(path) as f:
        text = f.read().strip()
    return timedelta(seconds=float(text or 0))


class Clock(DependencyProvider):
    def setup(self):
        self.offset_file = (self.container.config.get("CLOCK_OFFSET_FILE")
                            or os.environ.get("CLOCK_OFFSET_FILE"))

    def get_dependency(self, worker_ctx):
        offset = offset_from(self.offset_file)
        return lambda: datetime.now(timezone.utc) + offset
