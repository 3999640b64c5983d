"""N-8.1: experts' terms (聘任期) are recorded and checked at a meeting's date: an expert out of
term cannot attend, so cannot vote; the committee's size and quorum count the members in term."""
from datetime import datetime, timezone

import yaml

from plumbing.config import ROOT
from services.review.tests.unit.support import SEC, START, assert_refused_without_change, \
    refused, submit, to_committee, who

TEXTILE = [f"E-FZ-{i:02d}" for i in range(1, 12)]


def ready(service, clock):
    submit(service)
    to_committee(service, clock)
    service.accept(SEC, "a-1")


def reload_with_terms(service, **terms):
    """The sample file with the textile committee's members given their own terms."""
    doc = yaml.safe_load((ROOT / "deploy" / "sample" / "organisations.yaml").read_text("utf-8"))
    textile = next(c for c in doc["committees"] if c["id"] == "eng_textile")
    for m in textile["members"]:
        if m["id"] in terms:
            m["term_start"], m["term_end"] = terms[m["id"]]
    assert service.load_organisations(yaml.safe_dump(doc, allow_unicode=True)) == {
        "organisations": 8, "committees": 9}


def test_n8_1_an_expert_out_of_term_at_the_meeting_date_cannot_attend(service, clock):
    ready(service, clock)
    # E-FZ-01's term ended the day before the meeting (Urumqi date 2019-10-24)
    reload_with_terms(service, **{"E-FZ-01": ("2017-01-01", "2019-10-23")})
    answer = refused(service.open_meeting(SEC, ["a-1"], TEXTILE))
    codes = {p["code"] for p in answer["problems"]}
    assert "MEETING_ATTENDEE_OUT_OF_TERM" in codes
    out = next(p for p in answer["problems"] if p["code"] == "MEETING_ATTENDEE_OUT_OF_TERM")
    assert out["field"] == "attending.0" and "聘任期" in out["message"]
    assert_refused_without_change(service, lambda: service.open_meeting(SEC, ["a-1"], TEXTILE),
                                  "MEETING_REFUSED")


def test_n8_1_members_out_of_term_do_not_count_toward_the_committees_size(service, clock):
    ready(service, clock)
    # 11 members, one not yet appointed on the meeting's date: 10 in term, below 11
    reload_with_terms(service, **{"E-FZ-11": ("2019-11-01", "2021-10-31")})
    answer = refused(service.open_meeting(SEC, ["a-1"], TEXTILE[:10]))
    assert {p["code"] for p in answer["problems"]} >= {"COMMITTEE_TOO_SMALL"}


def test_n8_1_the_last_day_of_a_term_is_served(service, clock):
    ready(service, clock)
    day = clock.now.astimezone(timezone.utc).date().isoformat()
    reload_with_terms(service, **{"E-FZ-01": ("2017-01-01", day)})
    meeting = service.open_meeting(SEC, ["a-1"], TEXTILE)
    assert meeting["status"] == "open"
    service.cast_ballot(who("expert", "eng_textile", "E-FZ-01"), meeting["id"], "a-1", "for")


def test_n8_1_sample_committees_are_in_term_during_the_2019_season():
    doc = yaml.safe_load((ROOT / "deploy" / "sample" / "organisations.yaml").read_text("utf-8"))
    for c in doc["committees"]:
        assert str(c["term_start"]) <= "2019-10-10" and str(c["term_end"]) >= "2019-12-31"
    assert START < datetime(2019, 12, 31, tzinfo=timezone.utc)
