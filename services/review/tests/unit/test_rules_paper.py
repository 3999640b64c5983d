"""R-5.1, R-5.2 paper materials and the R-2.2 delivery window."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from contracts.errors import Refusal
from review.rules.paper import (PAPER_ITEMS, DeliveryWindow, ItemState, advance,
                                checklist_problems, delivery_allowed)

SH = ZoneInfo("Asia/Shanghai")
WINDOW = DeliveryWindow(date(2019, 11, 1), date(2019, 11, 20))
S = ItemState


def codes(problems):
    return [p.code for p in problems]


def test_r5_1_eleven_items_and_r5_2_originals_7_to_11_are_checked_and_handed_back():
    assert [i.number for i in PAPER_ITEMS] == list(range(1, 12))
    assert [i.number for i in PAPER_ITEMS if i.checked_against_original] == [7, 8, 9, 10, 11]
    assert all(i.returned_on_spot == i.checked_against_original for i in PAPER_ITEMS)
    assert PAPER_ITEMS[0].copies == 2  # 评审表 一式二份


def test_r2_2_delivery_inside_the_window_both_ends_included():
    assert delivery_allowed(datetime(2019, 11, 1, 0, 0, tzinfo=SH), WINDOW) == []
    assert delivery_allowed(datetime(2019, 11, 20, 23, 59, tzinfo=SH), WINDOW) == []


def test_r2_2_early_and_late_deliveries_are_refused():
    assert codes(delivery_allowed(datetime(2019, 10, 31, 23, 59, tzinfo=SH), WINDOW)) == [
        "PAPER_DELIVERY_EARLY"]
    assert codes(delivery_allowed(datetime(2019, 11, 21, 0, 0, tzinfo=SH), WINDOW)) == [
        "PAPER_DELIVERY_LATE"]


def test_r5_2_original_goes_received_then_verified_but_a_kept_item_cannot_be_verified():
    assert advance(7, advance(7, S.EXPECTED, S.RECEIVED), S.VERIFIED) is S.VERIFIED
    with pytest.raises(Refusal) as e:
        advance(1, S.RECEIVED, S.VERIFIED)
    assert e.value.code == "PAPER_TRANSITION_INVALID"


def test_r5_1_rejected_item_can_be_delivered_again_and_only_item_11_can_be_waived():
    assert advance(1, S.REJECTED, S.RECEIVED) is S.RECEIVED
    assert advance(11, S.EXPECTED, S.WAIVED) is S.WAIVED
    with pytest.raises(Refusal):
        advance(2, S.EXPECTED, S.WAIVED)
    with pytest.raises(Refusal) as e:
        advance(12, S.EXPECTED, S.RECEIVED)
    assert e.value.code == "PAPER_ITEM_UNKNOWN"


def test_r5_1_checklist_complete_when_kept_items_received_and_originals_verified():
    states = {n: S.RECEIVED for n in range(1, 7)} | {n: S.VERIFIED for n in range(7, 11)}
    assert checklist_problems(states | {11: S.WAIVED}) == []


def test_r5_2_checklist_lists_every_missing_rejected_and_unverified_item():
    states = {n: S.RECEIVED for n in range(2, 7)} | {n: S.VERIFIED for n in range(7, 10)}
    states |= {3: S.REJECTED, 10: S.RECEIVED}
    found = {(p.code, p.field) for p in checklist_problems(states)}
    assert found == {("PAPER_ITEM_MISSING", "items.1"), ("PAPER_ITEM_REJECTED", "items.3"),
                     ("PAPER_ITEM_NOT_VERIFIED", "items.10"), ("PAPER_ITEM_MISSING", "items.11")}
