"""R-4.2, R-2.3 (unit publicity) and N-8.6, N-8.7 (results publicity and cases)."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from contracts.errors import Refusal
from review.rules.calendar import WorkingCalendar
from review.rules.publicity import (RECOMMENDATION_TEXT, Objection, can_recommend,
                                    open_publicity, opinion_problems)
from review.rules.results import CaseKind, open_case, result_final_problems

CAL = WorkingCalendar()
SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SH)


def codes(problems):
    return [p.code for p in problems]


def publicity_end(opened_at, calendar):
    """R-2.3, R-4.2: the last day (inclusive) of a publicity opened at `opened_at`."""
    return open_publicity(opened_at, calendar).last_day


def test_r2_3_publicity_opened_2019_09_30_runs_over_national_day_to_the_makeup_saturday():
    # opening day not counted; Oct 1–7 holidays; Oct 8, 9, 10, 11 and Saturday Oct 12 (调休)
    assert publicity_end(at(2019, 9, 30), CAL) == date(2019, 10, 12)


def test_r2_3_publicity_opened_on_makeup_sunday_2019_09_29_ends_2019_10_11():
    assert publicity_end(at(2019, 9, 29), CAL) == date(2019, 10, 11)


def test_r2_3_publicity_across_makeup_saturday_2019_10_12_ends_a_day_earlier():
    # 10, 11, 12 (Sat, 调休), 14, 15: without the make-up day it would end on the 16th
    assert publicity_end(at(2019, 10, 9), CAL) == date(2019, 10, 15)


def test_r2_3_opening_day_never_counts_even_at_midnight():
    assert publicity_end(at(2019, 10, 14, 0, 0), CAL) == publicity_end(at(2019, 10, 14, 17), CAL)


def test_r2_3_opening_instant_is_read_in_season_time_zone():
    # 2019-10-13 20:00 UTC is Monday 2019-10-14 04:00 in Urumqi's season time
    utc = datetime(2019, 10, 13, 20, tzinfo=ZoneInfo("UTC"))
    assert publicity_end(utc, CAL) == publicity_end(at(2019, 10, 14), CAL)


def test_r4_2_recommendation_refused_before_the_period_ends():
    p = open_publicity(at(2019, 9, 30), CAL)
    assert codes(can_recommend(at(2019, 10, 12, 23, 59), p, [])) == ["PUBLICITY_RUNNING"]
    assert can_recommend(at(2019, 10, 13, 0, 0), p, []) == []


def test_r4_2_open_objection_stops_the_recommendation():
    p = open_publicity(at(2019, 9, 30), CAL)
    obj = Objection("o1", at(2019, 10, 9))
    assert codes(can_recommend(at(2019, 10, 20), p, [obj])) == ["PUBLICITY_OBJECTION_OPEN"]


def test_r4_2_upheld_objection_stops_it_and_a_rejected_one_does_not():
    p = open_publicity(at(2019, 9, 30), CAL)
    upheld = Objection("o1", at(2019, 10, 9), at(2019, 10, 10), upheld=True)
    rejected = Objection("o2", at(2019, 10, 9), at(2019, 10, 10), upheld=False)
    assert codes(can_recommend(at(2019, 10, 20), p, [upheld, rejected])) == [
        "PUBLICITY_OBJECTION_UPHELD"]


def test_r4_2_opinion_must_be_exactly_the_recommendation_text():
    assert RECOMMENDATION_TEXT == "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"
    assert opinion_problems(f" {RECOMMENDATION_TEXT}\n") == []
    assert codes(opinion_problems("同意推荐")) == ["RECOMMENDATION_TEXT_MISMATCH"]
    assert opinion_problems("新年度的推荐意见", required="新年度的推荐意见") == []


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError):
        publicity_end(datetime(2019, 9, 30, 10), CAL)


def test_n8_6_result_becomes_final_at_midnight_after_five_working_days():
    p = open_publicity(at(2019, 9, 30), CAL)
    assert p.ends_at == datetime(2019, 10, 13, tzinfo=SH)
    assert codes(result_final_problems(p.ends_at - timedelta(microseconds=1), p, [])) == [
        "RESULT_PUBLICITY_RUNNING"]
    assert result_final_problems(p.ends_at, p, []) == []


def test_n8_6_objection_within_the_period_blocks_finality_until_resolved():
    p = open_publicity(at(2019, 12, 2), CAL)  # Mon → Tue 3 .. Mon 9
    after = p.ends_at + timedelta(days=1)
    open_obj = Objection("o1", at(2019, 12, 5))
    assert codes(result_final_problems(after, p, [open_obj])) == ["RESULT_OBJECTION_OPEN"]
    resolved = Objection("o1", at(2019, 12, 5), at(2019, 12, 12), upheld=False)
    assert result_final_problems(after, p, [resolved]) == []


def test_n8_6_objection_after_the_period_does_not_block_finality():
    p = open_publicity(at(2019, 12, 2), CAL)
    late = Objection("o9", p.ends_at + timedelta(hours=1))
    assert result_final_problems(p.ends_at + timedelta(days=1), p, [late]) == []


def test_n8_6_result_not_final_during_the_period():
    p = open_publicity(at(2019, 12, 2), CAL)
    assert codes(result_final_problems(at(2019, 12, 9, 23), p, [])) == ["RESULT_PUBLICITY_RUNNING"]


def test_n8_7_recheck_case_gets_an_owner_and_a_working_day_deadline():
    case = open_case(CaseKind.RECHECK, at(2019, 9, 30), "评委会办公室王某", CAL, days=5)
    assert (case.deadline, case.owner, case.outcome) == (date(2019, 10, 12), "评委会办公室王某",
                                                         None)


def test_n8_7_case_without_owner_is_refused():
    with pytest.raises(Refusal) as e:
        open_case(CaseKind.COMPLAINT, at(2019, 9, 30), " ", CAL)
    assert e.value.code == "CASE_OWNER_MISSING"
