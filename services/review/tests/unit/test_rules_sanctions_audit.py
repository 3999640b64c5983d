"""R-1.5 sanctions and R-4.1 the audit chain (谁审查，谁负责)."""
from datetime import date

import pytest

from review.rules.audit import GENESIS, append, chain_hash, entry_problems, verify_chain
from review.rules.sanctions import Sanction, is_barred

UNIT_BAR = Sanction("unit", "U1", date(2019, 3, 1), "弄虚作假")
PERSON_BAR = Sanction("person", "P1", date(2016, 2, 29), "弄虚作假")


def codes(problems):
    return [p.code for p in problems]


def test_r1_5_unit_is_barred_for_three_years_from_the_imposed_date():
    assert codes(is_barred("P9", "U1", date(2019, 3, 1), [UNIT_BAR])) == ["UNIT_BARRED"]
    assert codes(is_barred("P9", "U1", date(2022, 2, 28), [UNIT_BAR])) == ["UNIT_BARRED"]
    assert is_barred("P9", "U1", date(2022, 3, 1), [UNIT_BAR]) == []
    assert is_barred("P9", "U1", date(2019, 2, 28), [UNIT_BAR]) == []


def test_r1_5_person_is_barred_for_five_years_a_29_february_bar_ending_1_march():
    assert codes(is_barred("P1", "U9", date(2021, 2, 28), [PERSON_BAR])) == ["PERSON_BARRED"]
    assert is_barred("P1", "U9", date(2021, 3, 1), [PERSON_BAR]) == []


def test_r1_5_both_bars_reported_and_others_unaffected():
    both = is_barred("P1", "U1", date(2020, 1, 1), [UNIT_BAR, PERSON_BAR])
    assert codes(both) == ["UNIT_BARRED", "PERSON_BARRED"]
    assert is_barred("P2", "U2", date(2020, 1, 1), [UNIT_BAR, PERSON_BAR]) == []


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
