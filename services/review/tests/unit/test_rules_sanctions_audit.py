"""R-1.5 sanctions and R-4.1 the audit chain (谁审查，谁负责)."""
from datetime import date

import pytest

from review.rules.audit import GENESIS, append, chain_hash, entry_problems, verify_chain
from contracts.rules import bar_period_zh
from review.rules.sanctions import (Sanction, Subject, decision_date_problems, first_free_day,
                                    last_barred_on, scope_problems)

UNIT_BAR = Sanction("unit", "U1", date(2019, 3, 1), "弄虚作假")
PERSON_BAR = Sanction("person", "P1", date(2016, 2, 29), "弄虚作假")


def codes(problems):
    return [p.code for p in problems]


# intake refuses the barred (it owns applications); review says until when, one way: the last
# day barred, included (the day after is the first free day)


def test_r1_5_unit_is_barred_for_three_years_from_the_imposed_date():
    assert first_free_day(UNIT_BAR) == date(2022, 3, 1)
    assert last_barred_on(UNIT_BAR) == date(2022, 2, 28)


def test_r1_5_person_is_barred_for_five_years_a_29_february_bar_ending_28_february():
    assert first_free_day(PERSON_BAR) == date(2021, 3, 1)
    assert last_barred_on(PERSON_BAR) == date(2021, 2, 28)


def test_r1_5_five_years_from_2014_10_20_are_barred_through_2019_10_19():
    """五年内不得申报: the issue's example; 2019-10-20 is the first free day."""
    bar = Sanction("person", "P1", date(2014, 10, 20))
    assert (last_barred_on(bar), first_free_day(bar)) == (date(2019, 10, 19), date(2019, 10, 20))
    assert bar_period_zh(bar.imposed_on, last_barred_on(bar)) == \
        "2014年10月20日至2019年10月19日（含）不得申报，2019年10月20日起可以申报"


def test_r1_5_the_season_may_set_other_years():
    assert last_barred_on(UNIT_BAR, {"unit": 2, "person": 4}) == date(2021, 2, 28)
    assert last_barred_on(PERSON_BAR, {"unit": 2, "person": 4}) == date(2020, 2, 28)


def test_r1_5_the_decision_date_may_be_past_never_future():
    today = date(2019, 10, 15)
    assert decision_date_problems(date(2016, 5, 1), today) == []
    assert decision_date_problems(today, today) == []
    assert codes(decision_date_problems(date(2019, 10, 16), today)) == ["SANCTION_DATE_IN_FUTURE"]


CATALOGUE = {"engineering": ["senior_engineer", "engineer"], "economics": ["senior_economist"]}


@pytest.mark.parametrize("subject, series, level, expected", [
    ("person", "engineering", "engineer", []),
    ("person", "engineering", None, []),             # every level of the series
    ("person", None, None, ["SANCTION_SCOPE_MISSING"]),
    ("person", "medicine", None, ["SANCTION_SCOPE_INVALID"]),
    ("person", "economics", "engineer", ["SANCTION_SCOPE_INVALID"]),
    ("unit", None, None, []),
    ("unit", "engineering", None, ["SANCTION_SCOPE_INVALID"]),  # 取消参评资格: the whole unit
])
def test_r1_5_a_person_is_barred_from_the_corresponding_title_only(subject, series, level,
                                                                    expected):
    """相应职称: a series (and a level) of the catalogue; a unit's bar has no scope."""
    assert codes(scope_problems(Subject(subject), series, level, CATALOGUE)) == expected


def entries(n=3):
    out, prev = [], GENESIS
    for i in range(n):
        e = append(prev, {"actor": f"R{i}", "at": "2019-10-20T09:00:00+08:00",
                          "action": "recommend", "subject": "A1", "reason": "无异议"})
        out.append(e)
        prev = e["hash"]
    return out


def test_r4_1_chain_hash_is_sha256_over_canonical_json_whatever_the_key_order():
    a = chain_hash(GENESIS, {"b": 1, "a": "审核"})
    assert a == chain_hash(GENESIS, {"a": "审核", "b": 1}) and len(a) == 64
    assert a != chain_hash("1" * 64, {"a": "审核", "b": 1})


def test_r4_1_intact_chain_verifies():
    assert verify_chain(entries()) == []


@pytest.mark.parametrize("tamper", ["edit", "delete", "swap"])
def test_r4_1_tampering_points_at_the_first_broken_entry(tamper):
    chain = entries(4)
    if tamper == "edit":
        chain[1] = {**chain[1], "reason": "改过"}
    elif tamper == "delete":
        del chain[1]
    else:
        chain[1], chain[2] = chain[2], chain[1]
    problems = verify_chain(chain)
    assert codes(problems) == ["AUDIT_CHAIN_BROKEN"] and problems[0].field == "entries.1"


def test_r4_1_entry_names_who_when_what_and_to_what():
    assert entry_problems(entries(1)[0]) == []
    assert {p.field for p in entry_problems({"actor": " ", "action": "return"})} == {
        "actor", "at", "subject"}
