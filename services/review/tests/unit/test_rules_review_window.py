"""R-2.1 申报及审核时间 2019-10-10 至 10-31: which window a review step's actions fall in."""
from datetime import date

from contracts.season import DateWindow
from review.rules.review_window import window_for, window_problems

REVIEW = DateWindow(date(2019, 10, 10), date(2019, 10, 31))
COMMITTEE = DateWindow(date(2019, 10, 10), date(2019, 11, 20))


def test_r2_1_both_ends_of_the_window_are_inside():
    assert window_problems("unit", date(2019, 10, 10), REVIEW) == []
    assert window_problems("department", date(2019, 10, 31), REVIEW) == []


def test_r2_1_before_and_after_are_refused_naming_the_window():
    after, = window_problems("unit", date(2019, 11, 1), REVIEW)
    assert after.code == "REVIEW_WINDOW_CLOSED"
    assert after.message == ("单位网上审核时间为2019年10月10日至2019年10月31日（含），"
                             "今天（2019年11月01日）审核已结束，不能再办理此操作")
    before, = window_problems("department", date(2019, 10, 9), REVIEW)
    assert "主管部门" in before.message and "尚未开始" in before.message


def test_r2_1_unit_and_departments_use_the_review_window_the_committee_its_own_or_none():
    assert window_for("unit", REVIEW, None) is REVIEW
    assert window_for("department", REVIEW, COMMITTEE) is REVIEW
    assert window_for("committee", REVIEW, None) is None
    assert window_problems("committee", date(2019, 11, 5), None) == []
    assert window_for("committee", REVIEW, COMMITTEE) is COMMITTEE
    assert window_problems("committee", date(2019, 11, 21), COMMITTEE)[0].code == \
        "REVIEW_WINDOW_CLOSED"
