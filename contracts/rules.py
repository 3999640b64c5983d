"""The few rules two services must apply alike, so they are written once (docs/rules.md).

A rule lives in the service that owns it (`<service>/rules/`); only a rule that one service
enforces and another must state the same way lives here.
"""
from __future__ import annotations


def submissions_left(used: int, cap: int) -> int:
    """R-4.4: an application may be submitted at most `cap` times, the first included. intake
    refuses a submission when none is left; review says how many are left when it returns one."""
    return max(cap - used, 0)


def bar_period_zh(starts_on, last_barred_on) -> str:
    """R-1.5: a bar said the one way review and intake both say it: its first and its last
    barred day, both included, and the first day free again. `last_barred_on` is the bar's
    last day (inclusive) everywhere: in review's table, in `SANCTION_IMPOSED`, in intake's."""
    from datetime import timedelta

    free = last_barred_on + timedelta(days=1)
    return (f"{starts_on:%Y年%m月%d日}至{last_barred_on:%Y年%m月%d日}（含）不得申报，"
            f"{free:%Y年%m月%d日}起可以申报")
