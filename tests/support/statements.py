"""Count the SQL statements an engine runs (a SQLAlchemy `before_cursor_execute` listener), so
a test can fail when a hot path's round trips grow (issue 15)."""
from __future__ import annotations

from sqlalchemy import event


class Statements:
    """`with Statements(engine) as counted: …` then `counted.seen` (the statements' text)."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append(" ".join(statement.split()))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def touching(self, table: str) -> list[str]:
        """The statements that name `table` (FROM, INTO, UPDATE or JOIN)."""
        return [s for s in self.seen if any(f"{w} {table}" in s for w in
                                            ("FROM", "INTO", "UPDATE", "JOIN"))]
