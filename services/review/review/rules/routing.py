"""Level-by-level routing (逐级提交), R-4.3, with R-1.3/R-3.5/R-4.6 for who starts it, and the
choice of committee (评审委员会) by evaluation-conditions document, R-1.2.

A route is [first reviewer, each supervising department above it in turn, the committee]; an
application moves up it one level at a time (`review.route.advance`). The
root (自治区工业和信息化厅) is not a step of its own: its committees judge for it. The first
reviewer is the applicant's unit; for aid staff (援疆) the dispatching unit, whose approval
suffices (R-3.5) — so it sits directly under the root in the organisation file; for entrusted
external applicants (委托) the department that issued the entrustment letter (R-1.3).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from contracts.errors import Refusal

if TYPE_CHECKING:  # routing reads the parsed file's dataclasses; it never parses
    from review.orgs import Committee, Organisation


class Category(StrEnum):
    """Who the applicant is, R-1.3."""

    LOCAL = "local"  # in-service staff of a unit in the region
    AID = "aid"  # 对口援疆 staff: the dispatching (original) unit reviews, R-3.5
    ENTRUSTED = "entrusted"  # 委托: central/other-province/military staff with a 委托函


# which kind of organisation may start the route, and whether it lies outside the region
_FIRST_STEP = {Category.LOCAL: ("unit", False), Category.AID: ("unit", True),
               Category.ENTRUSTED: ("department", True)}


@dataclass(frozen=True)
class Step:
    """One level of a route: kind is unit, department or committee."""

    kind: str
    id: str
    name: str = ""


def route_for(tree: Mapping[str, Organisation], unit_id: str, category: Category | str,
              committee_id: str) -> list[Step]:
    """R-4.3: the levels an application passes, from its first reviewer up to the committee."""
    category = Category(category)
    org = tree.get(unit_id)
    if org is None:
        raise Refusal("ROUTE_UNIT_UNKNOWN", f"单位（{unit_id}）不在本年度的组织机构名单中",
                      status=404, field="unit_id")
    kind, outside = _FIRST_STEP[category]
    if org.kind != kind or org.outside_region != outside:
        raise Refusal("ROUTE_UNIT_CATEGORY_MISMATCH",
                      f"{org.name}不能作为此类申报人（{category.value}）的审核单位："
                      "援疆人员由派出单位审核，委托评审由出具委托函的部门审核，其他人员由所在单位审核",
                      field="unit_id")
    steps = [Step(org.kind, org.id, org.name)]
    seen = {org.id}
    parent_id = org.parent_id
    while parent_id is not None:
        parent = tree.get(parent_id)
        if parent is None or parent_id in seen:
            raise Refusal("ROUTE_TREE_BROKEN",
                          f"{org.name}的上级主管部门链不完整或成环（{parent_id}），请管理员修正组织机构",
                          status=409, field="unit_id")
        seen.add(parent_id)
        if parent.kind == "department":
            steps.append(Step("department", parent.id, parent.name))
        parent_id = parent.parent_id
    return steps + [Step("committee", committee_id)]


def committee_for(committees: Iterable[Committee], series: str, specialty: str | None,
                  level: str) -> Committee:
    """R-1.2: the one committee judging (series, specialty, level). Arts & crafts has no
    specialty: its committee lists none and matches `specialty` None or empty."""
    found = [c for c in committees
             if c.series == series and level in c.levels
             and ((specialty or None) in c.specialties if c.specialties else not specialty)]
    label = f"{series}{specialty or ''}{level}"
    if not found:
        raise Refusal("COMMITTEE_NOT_FOUND", f"本年度没有评审{label}的评审委员会",
                      status=404, field="specialty")
    if len(found) > 1:
        raise Refusal("COMMITTEE_AMBIGUOUS",
                      f"{label}对应多个评审委员会（{'、'.join(c.id for c in found)}），请管理员修正",
                      status=409, field="specialty")
    return found[0]
