"""N-8.1 composition, N-8.2 quorum, N-8.3 secret ballot and 2/3 vote, N-8.4 recusal."""
from datetime import datetime, timedelta, timezone

import pytest

from contracts.errors import Refusal
from review.orgs import Expert
from review.rules.meetings import (Choice, Outcome, Recusal, Tally, automatic_recusals, can_vote,
                                   composition_problems, outcome, passes, quorum_met, tally)

NOW = datetime(2019, 12, 1, 10, tzinfo=timezone.utc)


def codes(problems):
    return [p.code for p in problems]


@pytest.mark.parametrize("count,scope,expected", [
    (25, "series", []), (11, "specialty", []),
    (23, "series", ["COMMITTEE_TOO_SMALL"]), (9, "specialty", ["COMMITTEE_TOO_SMALL"]),
    (12, "specialty", ["COMMITTEE_SIZE_EVEN"]), (10, "specialty", ["COMMITTEE_SIZE_EVEN", "COMMITTEE_TOO_SMALL"]),
    (11, "panel", ["COMMITTEE_SCOPE_UNKNOWN"]),
])
def test_n8_1_committee_is_odd_and_at_least_25_per_series_11_per_specialty(count, scope, expected):
    assert codes(composition_problems(count, scope)) == expected


def test_n8_2_quorum_at_exactly_two_thirds_and_not_below():
    assert quorum_met(10, 15) and not quorum_met(9, 15)
    assert quorum_met(8, 11) and not quorum_met(7, 11)  # 8/11 > 2/3 > 7/11
    assert not quorum_met(0, 0)


def test_n8_3_passes_at_exactly_two_thirds_of_attending_eligible():
    assert passes(6, 9)  # exactly 2/3
    assert passes(14, 21)


def test_n8_3_fails_just_below_two_thirds():
    assert not passes(5, 9)
    assert not passes(13, 20)
    assert not passes(666, 1000)  # 0.666 < 2/3


def test_n8_4_recused_experts_count_for_the_meeting_quorum_but_not_the_vote():
    # 15 members, 12 attend (quorum), 2 recused on this applicant: 7 of the 10 eligible
    assert outcome(Tally(7, 3, 0), members=15, attending_eligible=10) is Outcome.PASSED
    assert outcome(Tally(6, 4, 0), members=15, attending_eligible=10) is Outcome.FAILED


def test_n8_4_too_many_recusals_leave_no_quorum_for_that_applicant():
    assert outcome(Tally(9, 0, 0), members=15, attending_eligible=9) is Outcome.NO_QUORUM


def test_n8_3_missing_ballots_and_abstentions_count_as_not_in_favour():
    assert outcome(Tally(6, 0, 1), members=11, attending_eligible=10) is Outcome.FAILED


def test_n8_3_more_ballots_than_eligible_voters_is_refused():
    with pytest.raises(Refusal) as e:
        outcome(Tally(8, 3, 0), members=15, attending_eligible=10)
    assert e.value.code == "TALLY_EXCEEDS_VOTERS"


def test_n8_3_tally_counts_choices_and_knows_no_voter():
    t = tally([Choice.FOR, "for", Choice.AGAINST, Choice.ABSTAIN])
    assert t == Tally(votes_for=2, against=1, abstain=1) and t.total == 4
    assert set(vars(t)) == {"votes_for", "against", "abstain"}


def vote(expert, **kw):
    args = dict(recusals=[Recusal("E2", "A1", "同单位")], attending={"E1", "E2"}, voted=set(),
                now=NOW, closes_at=NOW + timedelta(minutes=30)) | kw
    return codes(can_vote(expert, "A1", **args))


def test_n8_3_attending_eligible_expert_may_vote_once():
    assert vote("E1") == []
    assert vote("E1", voted={"E1"}) == ["BALLOT_DUPLICATE"]


def test_n8_4_recused_expert_may_not_vote_on_that_applicant():
    assert vote("E2") == ["BALLOT_RECUSED"]


def test_n8_3_absent_expert_and_late_ballot_are_refused():
    assert vote("E3") == ["BALLOT_ABSENT"]
    assert vote("E1", now=NOW + timedelta(minutes=30)) == ["BALLOT_LATE"]


def test_n8_4_members_of_the_applicants_unit_recuse_automatically():
    members = [Expert("E1", "甲", "U1"), Expert("E2", "乙", "U2"), Expert("E3", "丙")]
    assert automatic_recusals(members, "A1", "U1") == [Recusal("E1", "A1", "同单位")]


# N-8.4 and Readings "Recusal arithmetic" (docs/rules.md): the vote's two thirds are counted
# over the attending experts not recused; the vote has no outcome when those alone are fewer
# than two thirds of the members. Each row: members, attending, recused on this applicant,
# votes for, expected outcome.
@pytest.mark.parametrize("members,attending,recused,votes_for,expected", [
    # eligible exactly 2/3 of the members (10 of 15): a vote, passed at exactly 2/3 of them
    (15, 12, 2, 7, Outcome.PASSED),   # 7/10 ≥ 2/3
    (15, 12, 2, 6, Outcome.FAILED),   # 6/10 < 2/3: one vote short
    (15, 10, 0, 7, Outcome.PASSED),   # 7/10, nobody recused
    # eligible one short of 2/3 of the members (9 of 15): no outcome, even if all vote for
    (15, 12, 3, 9, Outcome.NO_QUORUM),
    (15, 10, 1, 9, Outcome.NO_QUORUM),
    # exactly 2/3 of the eligible in favour, at the eligible-quorum boundary (18 of 27)
    (27, 20, 2, 12, Outcome.PASSED),  # 12/18 = 2/3 exactly
    (27, 20, 2, 11, Outcome.FAILED),  # 11/18: one short
    (27, 20, 3, 17, Outcome.NO_QUORUM),  # 17 eligible < 18 = 2/3 of 27
    # a specialty committee of 11: 8 eligible is a quorum (8/11 > 2/3), 7 is not
    (11, 9, 1, 6, Outcome.PASSED),    # 6/8 ≥ 2/3
    (11, 9, 1, 5, Outcome.FAILED),    # 5/8 < 2/3
    (11, 9, 2, 7, Outcome.NO_QUORUM),
])
def test_n8_4_recusal_reading_two_thirds_over_attending_not_recused(
        members, attending, recused, votes_for, expected):
    eligible = attending - recused
    assert quorum_met(attending, members)  # the meeting itself is valid (N-8.2)
    result = Tally(votes_for, eligible - votes_for, 0)
    assert outcome(result, members=members, attending_eligible=eligible) is expected
