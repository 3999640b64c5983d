"""Committee composition, meetings, recusal and the secret ballot, N-8.1..N-8.4 (N-6.2).

All fractions are exact integer comparisons (3·x ≥ 2·y), never floats.

How recused experts count (N-8.4): a recused expert attends the meeting, so counts toward the
meeting's quorum (N-8.2), but does not vote on that applicant, so is left out of that vote's
denominator (N-8.3: 2/3 of the experts attending *and eligible*). So that a handful of experts
cannot decide for the committee when many are recused, a vote also needs its eligible experts
to make a quorum of the members on their own; otherwise its outcome is NO_QUORUM, not a pass or
a fail. An eligible expert who attends but casts no ballot counts as not in favour.

Secret ballot (N-8.3): who voted and how are two separate records. `can_vote` looks at the
voter; `tally` sees only choices, in no order, so nothing it returns can name a voter.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from contracts.errors import Problem, Refusal


class Scope(StrEnum):
    SERIES = "series"  # a whole series (e.g. 工艺美术系列)
    SPECIALTY = "specialty"  # one specialty, or the few sharing one conditions document


MIN_MEMBERS = {Scope.SERIES: 25, Scope.SPECIALTY: 11}  # N-8.1 defaults
MAX_TERM_YEARS = 3  # N-8.1: 每届任期不得超过3年


def covered_scope(specialties: Collection[str],
                  series_specialties: Collection[str] | None = None) -> Scope:
    """N-8.1: what a committee covers decides its minimum, not its label. It covers a whole
    series when it names no specialty (the series has none, like 工艺美术, or it judges them
    all), or when it names every specialty of the series (`series_specialties`, when known)."""
    if not specialties:
        return Scope.SERIES
    if series_specialties and set(series_specialties) <= set(specialties):
        return Scope.SERIES
    return Scope.SPECIALTY


def label_problems(label: str, covers: Scope) -> list[Problem]:
    """N-8.1: a committee's stated `scope` must say what it covers; a series committee labelled
    "specialty" would otherwise pass with 11 members."""
    if label and label != covers.value:
        return [Problem("COMMITTEE_SCOPE_MISMATCH",
                        f"评审委员会标注为“{label}”，但其评审范围是"
                        f"{'整个系列' if covers is Scope.SERIES else '专业'}（{covers.value}），"
                        "请按实际评审范围填写并配足人数", "scope")]
    return []


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def term_problems(start: date | None, end: date | None) -> list[Problem]:
    """N-8.1: an expert's term (聘任期) is recorded, ends after it starts and lasts at most 3
    years (the end day is the last day served)."""
    if start is None or end is None:
        return [Problem("EXPERT_TERM_MISSING", "须填写专家聘任起止日期（term_start、term_end）",
                        "term")]
    if end < start:
        return [Problem("EXPERT_TERM_INVALID", f"聘任期止（{end}）早于起（{start}）", "term")]
    if end >= _add_years(start, MAX_TERM_YEARS):
        return [Problem("EXPERT_TERM_TOO_LONG",
                        f"聘任期{start}至{end}超过{MAX_TERM_YEARS}年（每届任期不得超过3年）",
                        "term")]
    return []


def in_term(start: date | None, end: date | None, day: date) -> bool:
    """N-8.1: on `day` (the meeting's date) the expert is appointed: start ≤ day ≤ end."""
    return start is not None and end is not None and start <= day <= end


def composition_problems(member_count: int, scope: Scope | str,
                         minimum: int | None = None) -> list[Problem]:
    """N-8.1: an odd number of members, at least 25 for a series and 11 for a specialty."""
    try:
        scope = Scope(scope)
    except ValueError:
        return [Problem("COMMITTEE_SCOPE_UNKNOWN",
                        f"评审委员会范围“{scope}”无效，应为 series（系列）或 specialty（专业）", "scope")]
    problems = []
    if member_count % 2 == 0:
        problems.append(Problem("COMMITTEE_SIZE_EVEN",
                                f"评审委员会人数须为单数，现为{member_count}人", "members"))
    minimum = MIN_MEMBERS[scope] if minimum is None else minimum
    if member_count < minimum:
        problems.append(Problem("COMMITTEE_TOO_SMALL",
                                f"{'系列' if scope is Scope.SERIES else '专业'}评审委员会不少于{minimum}人，现为{member_count}人",
                                "members"))
    return problems


def _two_thirds(part: int, whole: int) -> bool:
    return whole > 0 and 3 * part >= 2 * whole


def quorum_met(attending: int, members: int) -> bool:
    """N-8.2: a meeting is valid when at least 2/3 of the members attend."""
    return _two_thirds(attending, members)


def passes(votes_for: int, attending_eligible: int) -> bool:
    """N-8.3: at least 2/3 of the experts attending and not recused (N-8.4) vote in favour."""
    return _two_thirds(votes_for, attending_eligible)


@dataclass(frozen=True)
class Recusal:
    """回避: `expert_id` does not review or vote on `applicant_id` (N-8.4); always recorded."""

    expert_id: str
    applicant_id: str
    reason: str


def automatic_recusals(members: Iterable, applicant_id: str, applicant_unit_id: str) -> list[Recusal]:
    """N-8.4: members from the applicant's own unit recuse themselves (relatives and declared
    conflicts are declared by hand). `members` have `.id` and `.unit_id`."""
    return [Recusal(m.id, applicant_id, "同单位") for m in members
            if m.unit_id and m.unit_id == applicant_unit_id]


def can_vote(expert_id: str, applicant_id: str, *, recusals: Iterable[Recusal],
             attending: Collection[str], voted: Collection[str], now: datetime,
             closes_at: datetime) -> list[Problem]:
    """N-8.3, N-8.4: a ballot is refused from a recused or absent expert (no proxies), a
    second time, or after the vote on this applicant closed."""
    checks = [
        (any(r.expert_id == expert_id and r.applicant_id == applicant_id for r in recusals),
         "BALLOT_RECUSED", "该专家已回避，不能对该申报人投票"),
        (expert_id not in attending, "BALLOT_ABSENT", "未出席会议的专家不能投票，也不能委托他人投票"),
        (expert_id in voted, "BALLOT_DUPLICATE", "该专家已对该申报人投过票"),
        (now >= closes_at, "BALLOT_LATE", "对该申报人的投票已结束"),
    ]
    return [Problem(code, msg, "ballot") for failed, code, msg in checks if failed]


class Choice(StrEnum):
    FOR = "for"  # 赞成
    AGAINST = "against"  # 反对
    ABSTAIN = "abstain"  # 弃权


@dataclass(frozen=True)
class Tally:
    """Counts only, as the 评审表 records them (赞成/反对/弃权)."""

    votes_for: int = 0
    against: int = 0
    abstain: int = 0

    @property
    def total(self) -> int:
        return self.votes_for + self.against + self.abstain


def tally(choices: Iterable[Choice]) -> Tally:
    """N-8.3: count secret ballots; the input carries no voter, so neither does the result."""
    c = Counter(Choice(x) for x in choices)
    return Tally(c[Choice.FOR], c[Choice.AGAINST], c[Choice.ABSTAIN])


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NO_QUORUM = "no_quorum"  # too many recusals: see the module docstring


def outcome(result: Tally, members: int, attending_eligible: int) -> Outcome:
    """N-8.2..N-8.4: the decision on one applicant from its tally."""
    if result.total > attending_eligible:
        raise Refusal("TALLY_EXCEEDS_VOTERS",
                      f"票数（{result.total}）多于有表决权的出席专家（{attending_eligible}），计票无效",
                      status=409, field="ballots")
    if not quorum_met(attending_eligible, members):
        return Outcome.NO_QUORUM
    return Outcome.PASSED if passes(result.votes_for, attending_eligible) else Outcome.FAILED
