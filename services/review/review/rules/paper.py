"""Paper materials (纸质材料), R-5.1, R-5.2 and the delivery window R-2.2.

The eleven items are data. Items (7)–(11) are originals the committee checks against the online
copies at delivery and hands back on the spot (现场退回, R-5.2): for them "done" is VERIFIED; the
others are kept, so "done" is RECEIVED. Item (8) names the years 2016–2018 in the 2019 notice;
here it says "the last three years" so that it needs no change next season.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from contracts.errors import Problem, Refusal

from .publicity import season_date


@dataclass(frozen=True)
class PaperItem:
    number: int
    name: str
    checked_against_original: bool = False  # checked at delivery, returned on the spot
    copies: int | None = 1  # None: as many as there are
    optional: bool = False

    @property
    def returned_on_spot(self) -> bool:
        return self.checked_against_original


PAPER_ITEMS: tuple[PaperItem, ...] = (
    PaperItem(1, "《专业技术职务任职资格评审表》原件（系统打印，A4双面，有水印，推荐意见手写并签字盖章）", copies=2),
    PaperItem(2, "所在单位对申报人工作业绩的公示结果原件"),
    PaperItem(3, "《专业技术资格评审材料真实性保证书》原件（附件1）"),
    PaperItem(4, "任现职以来的个人工作总结"),
    PaperItem(5, "继续教育公需科目合格证书及专业科目合格证书原件", copies=None),
    PaperItem(6, "专业技术职务资格证书及相关注册类证书复印件（加盖单位公章，签署“已审核，与原件相符”）"),
    PaperItem(7, "任现职以来反映本人学识水平、业务能力、工作业绩的材料原件", True, None),
    PaperItem(8, "近三年度专业技术人员年度考核表原件", True, None),
    PaperItem(9, "学历、学位证书及学信网查询结果，专业技术职务资格证书及相关注册类证书原件", True, None),
    PaperItem(10, "任现职以来的专业获奖证书、培训证书、发表论文原件", True, None),
    PaperItem(11, "其他证明材料", True, None, optional=True),
)
ITEMS_BY_NUMBER = {i.number: i for i in PAPER_ITEMS}


@dataclass(frozen=True)
class DeliveryWindow:
    """R-2.2: the first and last day (inclusive, season time) paper materials are accepted."""

    first_day: date
    last_day: date


def delivery_allowed(now: datetime, window: DeliveryWindow) -> list[Problem]:
    """R-2.2: deliveries outside the window are refused; late ones are not accepted at all."""
    today = season_date(now)
    if today < window.first_day:
        return [Problem("PAPER_DELIVERY_EARLY",
                        f"纸质材料报送时间为{window.first_day:%Y年%m月%d日}至{window.last_day:%m月%d日}，尚未开始",
                        "delivered_at")]
    if today > window.last_day:
        return [Problem("PAPER_DELIVERY_LATE",
                        f"纸质材料报送已于{window.last_day:%Y年%m月%d日}截止，逾期不予受理",
                        "delivered_at")]
    return []


class ItemState(StrEnum):
    EXPECTED = "expected"  # 待报送
    RECEIVED = "received"  # 已接收
    VERIFIED = "verified"  # 已查验原件并现场退回 (7)–(11)
    REJECTED = "rejected"  # 不符合要求, to be delivered again
    WAIVED = "waived"  # optional item with nothing to deliver


def _allowed(item: PaperItem, state: ItemState) -> set[ItemState]:
    S = ItemState
    return {
        S.EXPECTED: {S.RECEIVED} | ({S.WAIVED} if item.optional else set()),
        S.RECEIVED: {S.REJECTED} | ({S.VERIFIED} if item.checked_against_original else set()),
        S.REJECTED: {S.RECEIVED},
    }.get(state, set())


def advance(number: int, state: ItemState, to: ItemState) -> ItemState:
    """R-5.1/R-5.2: move one checklist item; refuses a move the item does not allow."""
    item = ITEMS_BY_NUMBER.get(number)
    if item is None:
        raise Refusal("PAPER_ITEM_UNKNOWN", f"纸质材料没有第{number}项", field="item")
    if to not in _allowed(item, state):
        raise Refusal("PAPER_TRANSITION_INVALID",
                      f"第{number}项材料不能从“{state.value}”改为“{to.value}”",
                      status=409, field=f"items.{number}")
    return to


def _done(item: PaperItem) -> set[ItemState]:
    done = {ItemState.VERIFIED if item.checked_against_original else ItemState.RECEIVED}
    return done | ({ItemState.WAIVED} if item.optional else set())


def checklist_problems(states: Mapping[int, ItemState]) -> list[Problem]:
    """R-5.1/R-5.2: every item delivered and, for (7)–(11), checked and handed back."""
    problems = []
    for item in PAPER_ITEMS:
        state = states.get(item.number, ItemState.EXPECTED)
        if state in _done(item):
            continue
        code, what = {
            ItemState.EXPECTED: ("PAPER_ITEM_MISSING", "尚未报送"),
            ItemState.REJECTED: ("PAPER_ITEM_REJECTED", "不符合要求，须重新报送"),
        }.get(state, ("PAPER_ITEM_NOT_VERIFIED", "尚未与原件核对并现场退回"))
        problems.append(Problem(code, f"第{item.number}项 {item.name}：{what}",
                                f"items.{item.number}"))
    return problems
