"""The rules two services state alike (contracts/rules.py), tested once where they live."""
from __future__ import annotations

from contracts.rules import submissions_left


def test_r4_4_three_submissions_the_first_included():
    assert [submissions_left(used, 3) for used in range(5)] == [3, 2, 1, 0, 0]


def test_r4_4_the_cap_is_the_seasons():
    assert submissions_left(1, 5) == 4 and submissions_left(0, 1) == 1
