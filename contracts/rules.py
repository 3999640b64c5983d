"""The few rules two services must apply alike, so they are written once (docs/rules.md).

A rule lives in the service that owns it (`<service>/rules/`); only a rule that one service
enforces and another must state the same way lives here.
"""
from __future__ import annotations


def submissions_left(used: int, cap: int) -> int:
    """R-4.4: an application may be submitted at most `cap` times, the first included. intake
    refuses a submission when none is left; review says how many are left when it returns one."""
    return max(cap - used, 0)
