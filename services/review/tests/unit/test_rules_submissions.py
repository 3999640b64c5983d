"""R-4.4 submissions and returns (with N-8.5) and R-4.5 supplements (48 hours)."""
from datetime import datetime, timedelta, timezone

import pytest

from contracts.errors import Problem, Refusal
from review.rules.submissions import Decision, check_return, committee_options, return_problems
from review.rules.supplements import (TOLD_FALLBACK, clock_start, is_abandoned,
                                     supplement_deadline)

H = timedelta(hours=1)
T0 = datetime(2019, 10, 20, 9, tzinfo=timezone(timedelta(hours=8)))
MISSING = [Problem("ATTACHMENT_MISSING", "缺少学信网查询结果", "sections.2")]


def codes(problems):
    return [p.code for p in problems]


def test_r4_4_committee_may_return_before_the_third_submission_but_not_after():
    assert Decision.RETURN in committee_options(2)
    assert committee_options(3) == {Decision.ACCEPT, Decision.REFUSE, Decision.REQUEST_SUPPLEMENT}


def test_r4_4_return_on_the_third_submission_is_refused():
    assert codes(return_problems(3, MISSING)) == ["RETURN_NOT_ALLOWED"]


def test_n8_5_return_must_list_every_problem_non_empty():
    assert return_problems(1, MISSING) == []
    assert codes(return_problems(1, [])) == ["RETURN_WITHOUT_PROBLEMS"]
    assert codes(return_problems(1, [Problem("X", " ")])) == ["RETURN_PROBLEM_BLANK"]


def test_n8_5_check_return_raises_with_every_reason_at_once():
    with pytest.raises(Refusal) as e:
        check_return(3, [])
    assert codes(e.value.problems) == ["RETURN_NOT_ALLOWED", "RETURN_WITHOUT_PROBLEMS"]


def test_r4_5_deadline_is_48_clock_hours_even_from_a_sunday():
    assert supplement_deadline(T0) == T0 + 48 * H


def test_r4_5_answer_at_the_deadline_is_in_time_a_minute_later_is_abandoned():
    deadline = supplement_deadline(T0)
    assert not is_abandoned(deadline + H, deadline, answered_at=deadline)
    assert is_abandoned(deadline + H, deadline, answered_at=deadline + timedelta(minutes=1))


def test_r4_5_unanswered_request_is_abandoned_only_after_the_deadline():
    deadline = supplement_deadline(T0)
    assert not is_abandoned(deadline, deadline, None)
    assert is_abandoned(deadline + timedelta(seconds=1), deadline, None)


# 「如告知申报人需要更改及补充的内容需在 48 小时内补充并提交」: the 48 hours run from being told.
ASK = T0


@pytest.mark.parametrize("now,delivered,expected", [
    (ASK, None, None),                                       # asked, nobody reached yet
    (ASK + 23 * H, None, None),                              # still inside the fallback grace
    (ASK + 24 * H, None, (ASK + 24 * H, "fallback")),        # grace over: ask + 24 h
    (ASK + 30 * H, None, (ASK + 24 * H, "fallback")),        # a late sweep: still ask + 24 h
    (ASK + H, ASK + 3 * H, (ASK + 3 * H, "delivered")),      # told 3 h after the ask
    (ASK + 25 * H, ASK + 3 * H, (ASK + 3 * H, "delivered")),  # reported late: the delivery
    (ASK, ASK - timedelta(seconds=2), (ASK, "delivered")),   # clocks apart: never before ask
])
def test_r4_5_the_48_hours_start_when_the_applicant_is_told(now, delivered, expected):
    start = clock_start(ASK, now, delivered)
    assert (tuple(start) if start else None) == expected


def test_r4_5_the_deadline_is_48_hours_after_being_told_not_after_the_ask():
    told = clock_start(ASK, ASK + 5 * H, ASK + 5 * H).at
    assert supplement_deadline(told) == ASK + 53 * H
    fallback = clock_start(ASK, ASK + 24 * H).at
    assert supplement_deadline(fallback) == ASK + 72 * H
    assert TOLD_FALLBACK == 24 * H


def test_r4_5_a_request_whose_clock_has_not_started_is_never_abandoned():
    assert not is_abandoned(ASK + 1000 * H, None, None)
