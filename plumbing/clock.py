"""The clock, injected: rules take `now` as a value (STYLE.md), services get it from here.

`CLOCK_OFFSET_FILE` names a file holding a number of seconds added to the real time, so a
running system can be moved ahead without waiting: 5 working days of a unit publicity (R-4.2),
48 hours of a supplement request (R-4.5). Every service reads it on every call, from its config
or the environment, the same way. Tests write it directly; people move it with
`titles clock show|advance 5d|reset` (`plumbing/cli/clock.py`), which refuses unless the
deployment is marked as a drill (`DRILL=true`): a real season's clock is never moved by hand.
`titles run-local` is a drill: its file is `var/clock-offset`.
"""
from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nameko.extensions import DependencyProvider

from contracts.errors import Refusal


def offset_from(path: str | None) -> timedelta:
    if not path or not os.path.exists(path):
        return timedelta(0)
    with open(path) as f:
        text = f.read().strip()
    return timedelta(seconds=float(text or 0))


def write_offset(path: str | Path, offset: timedelta) -> None:
    """Replace the offset atomically: a service never reads half a number."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{offset.total_seconds():.3f}\n")
    os.replace(tmp, path)


def now_with(offset: timedelta) -> datetime:
    return datetime.now(timezone.utc) + offset


_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([dhms])")


def parse_duration(text: str) -> timedelta:
    """'5d', '48h', '1d12h', '90m', '30s' → timedelta; anything else is refused."""
    text = (text or "").strip().lower()
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise Refusal("CLOCK_DURATION_INVALID",
                      f"时长“{text}”无法识别：请写成 5d、48h、1d12h、90m 或 30s（天、小时、分、秒）",
                      status=422, field="duration")
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def is_drill(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def offset_file_of(config) -> str | None:
    return config.get("CLOCK_OFFSET_FILE") or os.environ.get("CLOCK_OFFSET_FILE")


def clock_from(config):
    """The service's clock as a function: the real time plus the offset its file holds, read on
    every call (what `Clock` injects; `plumbing.db` stamps events' `occurred_at` with it)."""
    path = offset_file_of(config)
    return lambda: datetime.now(timezone.utc) + offset_from(path)


class Clock(DependencyProvider):
    def setup(self):
        self.offset_file = offset_file_of(self.container.config)

    def get_dependency(self, worker_ctx):
        offset = offset_from(self.offset_file)
        return lambda: datetime.now(timezone.utc) + offset
