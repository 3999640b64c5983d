"""Refusals change nothing (issue #4 "Bad input"): a reviewer outside the scope or not at
their step, acting twice, acting after a deadline — a clear code, and every table (the audit
chain and the outbox included) as it was."""
from datetime import datetime, timedelta, timezone

from services.review.tests.unit.support import (DEPT_R, OPINION, OTHER_DEPT, OTHER_SEC,
                                                OTHER_UNIT, SEC, START, UNIT, UNIT_R,
                                                assert_refused_without_change, submit, tell,
                                                to_committee, who)


def test_a_reviewer_outside_the_scope_is_refused_and_nothing_changes(service, clock):
    """§9, R-4.3: an organisation not on the route cannot see or decide; a role that is not the
    step's cannot act at it; only an administrator sanctions or edits the calendar."""
    submit(service)
    service.open_publicity(UNIT_R, "a-1")
    cases = [
        (lambda: service.record_objection(OTHER_UNIT, "a-1", "异议"), "NOT_FOUND"),
        (lambda: service.return_application(OTHER_DEPT, "a-1", ["缺"]), "NOT_FOUND"),
        (lambda: service.accept(OTHER_SEC, "a-1"), "NOT_FOUND"),
        (lambda: service.application(OTHER_UNIT, "a-1"), "NOT_FOUND"),
        (lambda: service.record_objection(who("applicant", UNIT), "a-1", "异议"), "FORBIDDEN"),
        (lambda: service.return_application(who("expert", UNIT), "a-1", ["缺"]), "FORBIDDEN"),
        (lambda: service.impose_sanction(UNIT_R, "person", "伪造证书", "a-1"), "FORBIDDEN"),
        (lambda: service.load_calendar(SEC, {"2019-10-12": False}), "FORBIDDEN"),
        (lambda: service.paper_checklist(UNIT_R, "a-1"), "FORBIDDEN"),
    ]
    clock.now = START + timedelta(days=9)
    cases.append((lambda: service.recommend(OTHER_UNIT, "a-1", OPINION), "NOT_FOUND"))
    for call, code in cases:
        assert_refused_without_change(service, call, code)


def test_a_reviewer_not_at_their_step_is_refused_and_nothing_changes(service, clock):
    """R-4.3: levels act in turn (逐级): the department and the committee wait for the unit,
    the unit cannot forward as a department, and no level acts again once it decided."""
    submit(service)
    for call in (lambda: service.forward(DEPT_R, "a-1"),
                 lambda: service.accept(SEC, "a-1"),
                 lambda: service.request_supplement(SEC, "a-1", ["补充考核表"]),
                 lambda: service.return_application(SEC, "a-1", ["缺"]),
                 lambda: service.forward(UNIT_R, "a-1")):
        assert_refused_without_change(service, call, "NOT_AT_YOUR_STEP")
    to_committee(service, clock)
    for call in (lambda: service.open_publicity(UNIT_R, "a-1"),
                 lambda: service.return_application(UNIT_R, "a-1", ["缺"]),
                 lambda: service.forward(DEPT_R, "a-1")):
        assert_refused_without_change(service, call, "STEP_ALREADY_DECIDED")


def test_acting_twice_is_refused_and_nothing_changes(service, clock):
    """R-4.1: one decision per level and submission; one publicity; one resolution per
    objection; one pending supplement request (R-4.5); one ballot per expert (N-8.3)."""
    submit(service)
    service.open_publicity(UNIT_R, "a-1")
    assert_refused_without_change(service, lambda: service.open_publicity(UNIT_R, "a-1"),
                                  "PUBLICITY_ALREADY_OPENED")
    objection = service.record_objection(UNIT_R, "a-1", "业绩存疑")
    service.resolve_objection(UNIT_R, "a-1", objection["id"], False, "经核查不属实")
    assert_refused_without_change(
        service, lambda: service.resolve_objection(UNIT_R, "a-1", objection["id"], True, "改判"),
        "OBJECTION_ALREADY_RESOLVED")
    clock.now = START + timedelta(days=9)
    service.recommend(UNIT_R, "a-1", OPINION)
    assert_refused_without_change(service, lambda: service.recommend(UNIT_R, "a-1", OPINION),
                                  "STEP_ALREADY_DECIDED")
    service.forward(DEPT_R, "a-1")
    service.request_supplement(SEC, "a-1", ["补充考核表"])
    assert_refused_without_change(
        service, lambda: service.request_supplement(SEC, "a-1", ["再补"]), "SUPPLEMENT_PENDING")
    submit(service, kind="supplement", no=1, version=2)
    service.accept(SEC, "a-1")
    assert_refused_without_change(service, lambda: service.accept(SEC, "a-1"),
                                  "STEP_ALREADY_DECIDED")
    experts = [f"E-FZ-{i:02d}" for i in range(1, 12)]
    meeting = service.open_meeting(SEC, ["a-1"], experts)
    e3 = who("expert", "eng_textile", "E-FZ-03")
    outsider = who("expert", "eng_mechanical_electronic", "E-JD-03")  # another committee's
    assert_refused_without_change(
        service, lambda: service.cast_ballot(outsider, meeting["id"], "a-1", "for"),
        "MEETING_NOT_FOUND")
    assert_refused_without_change(
        service, lambda: service.close_meeting(OTHER_SEC, meeting["id"]), "MEETING_NOT_FOUND")
    service.cast_ballot(e3, meeting["id"], "a-1", "for")
    assert_refused_without_change(
        service, lambda: service.cast_ballot(e3, meeting["id"], "a-1", "against"),
        "BALLOT_DUPLICATE")
    service.close_meeting(SEC, meeting["id"])
    assert_refused_without_change(service, lambda: service.close_meeting(SEC, meeting["id"]),
                                  "MEETING_CLOSED")


def test_acting_after_a_deadline_is_refused_and_nothing_changes(service, clock):
    """R-4.5: nothing is decided on an application the sweep abandoned; R-2.2: no paper
    delivery after the window."""
    submit(service)
    submit(service, app_id="a-2")
    service.open_publicity(UNIT_R, "a-2")
    to_committee(service, clock)
    service.recommend(UNIT_R, "a-2", OPINION)
    service.forward(DEPT_R, "a-2")
    asked = clock.now
    req = service.request_supplement(SEC, "a-1", ["补充考核表"])
    tell(service, req["id"], asked)
    clock.now = asked + timedelta(hours=48, minutes=1)
    service.sweep()
    for call in (lambda: service.accept(SEC, "a-1"),
                 lambda: service.refuse(SEC, "a-1", "不符合条件"),
                 lambda: service.return_application(SEC, "a-1", ["缺"]),
                 lambda: service.request_supplement(SEC, "a-1", ["再补"])):
        assert_refused_without_change(service, call, "APPLICATION_CLOSED")
    service.accept(SEC, "a-2")
    # a ballot after the meeting closed (BALLOT_LATE, N-8.3) compares a stored instant with
    # now: SQLite keeps no zone, so that refusal is checked on PostgreSQL by the system test
    clock.now = datetime(2019, 11, 21, 1, tzinfo=timezone.utc)  # 09:00 on 11-21, season time
    assert_refused_without_change(
        service, lambda: service.record_paper_delivery(SEC, UNIT, ["a-2"]),
        "PAPER_DELIVERY_LATE")
