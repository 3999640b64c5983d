"""The online review's window (R-2.1): 申报及审核时间 2019-10-10 to 2019-10-31. The unit's and the
departments' review actions (publicity, objections, recommending, forwarding, returning) are
refused outside the season's review window (`windows.review`, by default the application
window); the committee's formal review only when the season sets `windows.committee_review`.
Judged by the calendar day in the season's time zone, both ends included."""
from __future__ import annotations

from datetime import date

from contracts.errors import Problem
from contracts.season import DateWindow

STEP_ZH = {"unit": "单位", "department": "主管部门", "committee": "评审委员会"}


def window_for(step: str, review: DateWindow | None,
               committee: DateWindow | None) -> DateWindow | None:
    """R-2.1: the window a step's actions must fall in (None: not limited)."""
    return committee if step == "committee" else review


def window_problems(step: str, today: date, window: DateWindow | None) -> list[Problem]:
    """R-2.1: REVIEW_WINDOW_CLOSED, naming the window, when `today` is outside it."""
    if window is None or window.contains(today):
        return []
    when = "尚未开始" if today < window.start else "已结束"
    return [Problem("REVIEW_WINDOW_CLOSED",
                    f"{STEP_ZH.get(step, '')}网上审核时间为{window.start:%Y年%m月%d日}至"
                    f"{window.end:%Y年%m月%d日}（含），今天（{today:%Y年%m月%d日}）审核{when}，"
                    "不能再办理此操作")]
