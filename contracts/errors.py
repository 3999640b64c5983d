"""Refusals shared by every service: one stable code, the field path, a Chinese message.

Rules raise `Refusal` (or return lists of `Problem`); the HTTP layer in intake maps them to
JSON problem details. Over RPC a `Refusal` travels as its dict (see `Refusal.to_dict`), because
nameko serialises exceptions by type name only.
"""
from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong, stated so that a person can act on it."""

    code: str  # stable, machine-readable, UPPER_SNAKE (e.g. FIELD_BLANK)
    message: str  # Chinese, shown to the user as-is
    field: str | None = None  # JSON path of the offending field ("sections.9.summary")

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Refusal(Exception):
    """A request refused as a whole; nothing was changed.

    `status` is the HTTP status the API answers with. `problems` lists every problem found
    (N-8.5: all at once, not piece by piece); `code`/`message` summarise them.
    """

    code: str
    message: str
    status: int = 400
    field: str | None = None
    problems: list[Problem] = dataclasses.field(default_factory=list)

    def __post_init__(self):
        super().__init__(f"{self.code}: {self.message}")

    @classmethod
    def of(cls, problems: list[Problem], status: int = 422, code: str = "INCOMPLETE",
           message: str = "申报材料不完整，请按列出的问题逐项修改") -> "Refusal":
        if len(problems) == 1:
            p = problems[0]
            return cls(p.code, p.message, status, p.field, list(problems))
        return cls(code, message, status, None, list(problems))

    def to_dict(self) -> dict:
        out = {"code": self.code, "message": self.message, "status": self.status}
        if self.field:
            out["field"] = self.field
        if self.problems:
            out["problems"] = [p.to_dict() for p in self.problems]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Refusal":
        return cls(data["code"], data["message"], data.get("status", 400), data.get("field"),
                   [Problem(**p) for p in data.get("problems", [])])
