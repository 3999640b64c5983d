"""A clock a unit test sets by hand, injected where services take `plumbing.clock.Clock`."""
from __future__ import annotations

from datetime import datetime


class SettableClock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now
