"""Clocks tests set by hand: `SettableClock` for a unit test (injected where services take
`plumbing.clock.Clock`), `set_clock` for the running cluster of the system tests."""
from __future__ import annotations

from datetime import datetime, timezone


class SettableClock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def set_clock(system, instant: datetime) -> None:
    """Move every service of a running cluster to `instant`: the offset its CLOCK_OFFSET_FILE
    holds (plumbing/clock.py)."""
    system.clock_file.write_text(str((instant - datetime.now(timezone.utc)).total_seconds()))
