"""One clock (issue #18): every time the domain records — a decision, a return's `returned_at`
(an event's `occurred_at`), a deadline, a form's date — comes from the service's controlled
clock (`plumbing.clock`: the real time plus CLOCK_OFFSET_FILE), never from the machine. A drill
moves that clock; a value stamped with the machine's time would then disagree with every other
date of the same application.

This fails on any new direct read of the machine's time (`datetime.now(`, `utcnow`,
`date.today(`, `time.time(`, `func.now(` / CURRENT_TIMESTAMP as a column default) in the code
of the services, contracts and plumbing. The few that are not domain time are listed below,
each with the number of reads its file may hold and why; a file holding more fails, one holding
fewer asks for the list to be lowered (so an allowance never outlives its reason).
"""
from __future__ import annotations

import ast
from pathlib import Path

from plumbing.config import ROOT, SERVICES

MACHINE_TIME = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"),
                ("time", "time"), ("func", "now")}
SQL_NOW = ("CURRENT_TIMESTAMP", "now()")


def machine_time_reads(source: str) -> list[int]:
    """Lines that read the machine's time: `datetime.now`, `date.today`, `time.time`,
    `func.now`, any use of a name `utcnow`, or SQL's now as a string (a server default);
    docstrings and comments are not code."""
    tree = ast.parse(source)
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)
                  and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and (node.value.id, node.attr) in MACHINE_TIME:
            lines.append(node.lineno)
        elif isinstance(node, ast.Name) and node.id == "utcnow":
            lines.append(node.lineno)
        elif isinstance(node, ast.FunctionDef) and node.name == "utcnow":
            lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings and any(x in node.value for x in SQL_NOW):
            lines.append(node.lineno)
    return sorted(lines)


ALLOWED: dict[str, tuple[int, str]] = {
    "plumbing/clock.py": (3, "the clock itself: the real time the offset is added to"),
    "plumbing/db.py": (5, "`utcnow` is defined here; the outbox's created_at/next_attempt_at "
                          "and processed_events.processed_at schedule the relay and record "
                          "delivery, machine bookkeeping; `Tx` falls back to it only when no "
                          "clock is given (a bare Store in a tool): `Database` always gives "
                          "the service's clock, which stamps events' occurred_at"),
    "contracts/events.py": (1, "`make`'s default occurred_at, for tests and tools that build a "
                               "payload by hand; services emit through `Tx.emit`, which passes "
                               "the service's clock"),
    "plumbing/outbox.py": (5, "the relay's retry schedule, sent_at and the outbox-age metric: "
                              "machine bookkeeping compared with the machine's time"),
    "plumbing/events.py": (1, "x-failed-at on a dead-lettered message: an operations header"),
    "plumbing/storage.py": (1, "an S3 presigned POST policy expires by the storage server's "
                               "real clock"),
    "plumbing/backup.py": (2, "a backup's file name and manifest: when the copy was made"),
    "plumbing/quickstart.py": (3, "start-up timing printed to the console, and the demo's "
                                  "today, which adds the clock offset itself"),
    "plumbing/cli/operations.py": (1, "the heartbeat file's age (liveness), not domain time"),
    "plumbing/cli/dev.py": (1, "a development token's iat/exp, checked against the real time"),
    "plumbing/local.py": (2, "a timeout while starting local processes"),
    "plumbing/health.py": (1, "the heartbeat's own timestamp (liveness)"),
    "services/notify/notify/channels.py": (2, "transport: the SMTP Date header and the SMS "
                                              "provider's signed Timestamp, which it checks "
                                              "against the real time"),
}


def scanned() -> list[Path]:
    files = list((ROOT / "contracts").glob("*.py")) + list((ROOT / "plumbing").rglob("*.py"))
    for service in SERVICES:
        files += [p for p in (ROOT / "services" / service / service).rglob("*.py")]
    return sorted(files)


def reads(path: Path) -> list[str]:
    text = path.read_text("utf-8").splitlines()
    return [f"{path.relative_to(ROOT)}:{n}: {text[n - 1].strip()}"
            for n in machine_time_reads(path.read_text("utf-8"))]


def test_no_service_code_reads_the_machine_time_except_where_listed():
    found = {str(p.relative_to(ROOT)): reads(p) for p in scanned()}
    over = {path: lines for path, lines in found.items()
            if len(lines) > ALLOWED.get(path, (0, ""))[0]}
    assert not over, ("read the service's clock (plumbing.clock; `self.clock()` in a service, "
                      "`now` passed into rules) instead of the machine's time:\n"
                      + "\n".join(line for lines in over.values() for line in lines))


def test_the_allowances_are_not_larger_than_what_is_left():
    stale = {path: (allowed, len(reads(ROOT / path)) if (ROOT / path).exists() else 0)
             for path, (allowed, _) in ALLOWED.items()}
    assert {p: n for p, n in stale.items() if n[1] < n[0]} == {}, "lower these allowances"


def test_the_check_finds_a_machine_time_read():
    """The check can fail: a new direct read is found, a comment or a docstring is not."""
    sample = ('"""datetime.now( in a docstring"""\n# datetime.now() in a comment\n'
              "returned_at = datetime.now(timezone.utc)\n"
              "Column('at', DateTime, server_default=func.now())\n"
              "Column('at', DateTime, server_default=text('CURRENT_TIMESTAMP'))\n"
              "stamp = utcnow()\n")
    assert machine_time_reads(sample) == [3, 4, 5, 6]
