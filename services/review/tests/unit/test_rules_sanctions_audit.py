"""R-1.5 sanctions and R-4.1 the audit chain (谁审查，谁负责)."""
from datetime import date

import pytest

from review.rules.audit import GENESIS, append, chain_hash, entry_problems, verify_chain
from review.rules.sanctions import Sanction, barred_until

UNIT_BAR = Sanction("unit", "U1", date(2019, 3, 1), "弄虚作假")
PERSON_BAR = Sanction("person", "P1", date(2016, 2, 29), "弄虚作假")


def codes(problems):
    return [p.code for p in problems]


# intake refuses the barred (it owns applications); review says until when: `until` is the
# first day the subject may take part again


def test_r1_5_unit_is_barred_for_three_years_from_the_imposed_date():
    assert barred_until(UNIT_BAR) == date(2022, 3, 1)


def test_r1_5_person_is_barred_for_five_years_a_29_february_bar_ending_1_march():
    assert barred_until(PERSON_BAR) == date(2021, 3, 1)


def test_r1_5_the_season_may_set_other_years():
    assert barred_until(UNIT_BAR, {"unit": 2, "person": 4}) == date(2021, 3, 1)
    assert barred_until(PERSON_BAR, {"unit": 2, "person": 4}) == date(2020, 2, 29)


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
