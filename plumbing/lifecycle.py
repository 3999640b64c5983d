"""An explicit lifecycle: statuses as an enum and one transition table, event × status → status.

Each service declares its own (`<service>/lifecycle.py`): what may happen to one of its records
and what the record becomes. Every change of status goes through `Lifecycle.next` (or
`Lifecycle.require` for a person's action that must be refused otherwise), so a rule such as "a
late task_opened never undoes a return" is one row of a table, and tested as a table.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from contracts.errors import Refusal

S = TypeVar("S", bound=StrEnum)


def moves(sources: Iterable[S], to: S) -> dict[S, S]:
    """One row of a table: every status in `sources` goes to `to`."""
    return {s: to for s in sources}


class Lifecycle(Generic[S]):
    """`table[event][status]` is the status `event` leads to from `status`; an event absent for
    a status does not move it (`next` answers None)."""

    def __init__(self, statuses: type[S], table: Mapping[str, Mapping[S, S]]):
        self.statuses = statuses
        self.table = {event: dict(row) for event, row in table.items()}
        for event, row in self.table.items():
            for source, target in row.items():
                if not isinstance(source, statuses) or not isinstance(target, statuses):
                    raise TypeError(f"{event}: {source!r} → {target!r} is not a {statuses.__name__}")

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(self.table)

    def next(self, event: str, status: str) -> S | None:
        """The status after `event`, or None when `event` does not move a record in `status`."""
        if event not in self.table:
            raise KeyError(f"{event!r} is not an event of this lifecycle")
        return self.table[event].get(self.statuses(status))

    def sources(self, event: str) -> tuple[S, ...]:
        """The statuses `event` moves a record from (for a conditional UPDATE … WHERE status IN)."""
        return tuple(self.table[event])

    def require(self, event: str, status: str, refusal: Refusal) -> S:
        """The status after a person's action, or `refusal` when it is not allowed now."""
        target = self.next(event, status)
        if target is None:
            raise refusal
        return target
