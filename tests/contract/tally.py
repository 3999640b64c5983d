"""What the contract run did, per operation: cases by role and status, printed at the end of the
run (tests/contract/conftest.py) and asked by the "reached" test."""
from __future__ import annotations

from collections import Counter, defaultdict

# Past authorisation and scope: the API judged the request itself.
REACHED = frozenset({200, 201, 202, 204, 304, 400, 409, 413, 422, 429})


class Tally:
    def __init__(self):
        self.cases: dict[str, Counter] = defaultdict(Counter)  # op → (role, status) → n
        self.seeded: Counter = Counter()
        self.stateful: Counter = Counter()

    def record(self, operation_id: str, role: str, status: int, seeded: bool,
               stateful: bool = False) -> None:
        self.cases[operation_id][(role, status)] += 1
        if seeded:
            self.seeded[operation_id] += 1
        if stateful:
            self.stateful[operation_id] += 1

    def stateful_calls(self, operation_id: str) -> int:
        return self.stateful[operation_id]

    def lines(self) -> list[str]:
        out = [f"{'operation':34} {'cases':>5} {'seeded':>6} {'stateful':>8}  by role: statuses"]
        for op in sorted(self.cases):
            by_role: dict[str, Counter] = defaultdict(Counter)
            for (role, status), n in self.cases[op].items():
                by_role[role][status] += n
            roles = "; ".join(f"{r} " + ",".join(f"{s}×{n}" for s, n in sorted(c.items()))
                              for r, c in sorted(by_role.items()))
            out.append(f"{op:34} {sum(self.cases[op].values()):>5} {self.seeded[op]:>6} "
                       f"{self.stateful[op]:>8}  {roles}")
        total = sum(sum(c.values()) for c in self.cases.values())
        out.append(f"{len(self.cases)} operations, {total} cases")
        return out


TALLY = Tally()


def reached(operation_id: str) -> bool:
    """Some case of the operation got past authorisation (a role allowed to call it)."""
    return any(status in REACHED for (_, status) in TALLY.cases.get(operation_id, {}))
