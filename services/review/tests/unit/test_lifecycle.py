"""review's lifecycle (review.lifecycle) as a table: every change from every status, where a
first submission starts, the statuses no level acts on (APPLICATION_CLOSED and its reason), and
the two ways a change is stored — on a row read and locked (`move`) and as a conditional
UPDATE (`move_unread`, the sweep and a withdrawal)."""
from datetime import timedelta

import pytest

from contracts import events
from review.lifecycle import (CLOSED, LIFECYCLE, ROUTED, Change, LifecycleError, Status, move,
                              move_unread)
from review.store.applications import application, set_status
from services.review.tests.unit.support import (ADMIN, SEC, START, outbox, refused, submit,
                                                tell, to_committee)

S, C = Status, Change

# change: {from: to}, written out by hand; a status a row does not list does not move
EXPECTED = {
    C.RESUBMITTED: {S.RETURNED: S.IN_REVIEW},
    C.SUPPLEMENT_ANSWERED: {S.SUPPLEMENT_REQUESTED: S.IN_REVIEW},
    C.RETURNED: {S.IN_REVIEW: S.RETURNED},
    C.SUPPLEMENT_REQUESTED: {S.IN_REVIEW: S.SUPPLEMENT_REQUESTED},
    C.ACCEPTED: {S.IN_REVIEW: S.ACCEPTED},
    C.REFUSED: {S.IN_REVIEW: S.REFUSED},
    C.ABANDONED: {S.SUPPLEMENT_REQUESTED: S.ABANDONED, S.RETURNED: S.ABANDONED},
    C.WITHDRAWN: {S.IN_REVIEW: S.WITHDRAWN, S.RETURNED: S.WITHDRAWN,
                  S.SUPPLEMENT_REQUESTED: S.WITHDRAWN, S.ACCEPTED: S.WITHDRAWN,
                  S.REFUSED: S.WITHDRAWN, S.ABANDONED: S.WITHDRAWN,
                  S.WITHDRAWN: S.WITHDRAWN},
}


@pytest.mark.parametrize("change, status, expected",
                         [(c, s, EXPECTED[c].get(s)) for c in Change for s in Status],
                         ids=str)
def test_every_change_from_every_status(change, status, expected):
    assert LIFECYCLE.next(change, status.value) == expected


def test_the_table_has_every_change_and_reaches_every_status():
    assert set(LIFECYCLE.events) == set(Change)
    assert ROUTED is S.IN_REVIEW  # a first submission, once routed
    assert {ROUTED} | {to for row in LIFECYCLE.table.values() for to in row.values()} \
        == set(Status)


def test_a_reviewer_decides_only_while_the_application_is_in_review():
    """route.at_step lets a level act only in review; every reviewer's change moves from there."""
    for change in (C.RETURNED, C.SUPPLEMENT_REQUESTED, C.ACCEPTED, C.REFUSED):
        assert LIFECYCLE.sources(change) == (S.IN_REVIEW,)


def test_closed_statuses_move_only_on_a_withdrawal_and_accepted_is_not_closed():
    assert set(CLOSED) == {S.ABANDONED, S.WITHDRAWN, S.REFUSED}
    for status in CLOSED:
        assert [c for c in Change if LIFECYCLE.next(c, status) is not None] == [C.WITHDRAWN]
    assert S.ACCEPTED not in CLOSED  # the committee's meeting and result follow


def _refuse(service, clock):
    to_committee(service, clock)
    service.refuse(SEC, "a-1", "不符合申报条件")


def _abandon(service, clock):
    to_committee(service, clock)
    req = service.request_supplement(SEC, "a-1", ["补充考核表"])
    tell(service, req["id"], clock.now)
    clock.now += timedelta(hours=48, minutes=1)
    service.sweep()


def _withdraw(service, clock):
    to_committee(service, clock)
    service.on_application_withdrawn(events.make(
        events.APPLICATION_WITHDRAWN, application_id="a-1", season="2019", applicant_id="p-a-1"))


@pytest.mark.parametrize("close, status, message", [
    (_refuse, S.REFUSED, "该申报已不予受理，不能再审核"),
    (_abandon, S.ABANDONED, "该申报已视为放弃（逾期未更改或补充材料），不能再审核"),
    (_withdraw, S.WITHDRAWN, "该申报已由申报人撤回，不能再审核")])
def test_a_closed_application_is_refused_with_its_reason(service, clock, close, status, message):
    submit(service)
    close(service, clock)
    assert service.application(ADMIN, "a-1")["status"] == status
    answer = refused(service.accept(SEC, "a-1"))
    assert (answer["code"], answer["message"]) == ("APPLICATION_CLOSED", message)


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_a_resubmission_moves_only_a_returned_application(service, status):
    """Any other status keeps the application where it is and records `submission_ignored`."""
    submit(service)
    with service.db.transaction() as tx:
        set_status(tx.session, "a-1", status.value, START)
    entries = len(service.audit_log())
    submit(service, kind="resubmission", no=2, version=2)
    view = service.application(ADMIN, "a-1")
    if status is S.RETURNED:
        assert (view["status"], view["version"]) == (S.IN_REVIEW, 2)
        assert [t["version"] for t in view["tasks"] if t["status"] == "open"][-1] == 2
        assert len(service.audit_log()) == entries
    else:
        assert (view["status"], view["version"]) == (status, 1)
        assert [e["entry"]["action"] for e in service.audit_log()[entries:]] == [
            "submission_ignored"]


def test_move_refuses_a_change_the_table_lacks_and_stores_nothing(service):
    submit(service)
    with pytest.raises(LifecycleError):
        with service.db.transaction() as tx:
            move(tx.session, application(tx.session, "a-1"), C.SUPPLEMENT_ANSWERED, START)
    assert service.application(ADMIN, "a-1")["status"] == S.IN_REVIEW
    with service.db.transaction() as tx:
        assert move(tx.session, application(tx.session, "a-1"), C.ACCEPTED, START) is S.ACCEPTED
    assert service.application(ADMIN, "a-1")["status"] == S.ACCEPTED


@pytest.mark.parametrize("status, expected", [
    (S.SUPPLEMENT_REQUESTED, S.ABANDONED), (S.IN_REVIEW, S.IN_REVIEW),
    (S.WITHDRAWN, S.WITHDRAWN)])
def test_move_unread_changes_only_a_status_the_change_moves_from(service, status, expected):
    submit(service)
    with service.db.transaction() as tx:
        set_status(tx.session, "a-1", status.value, START)
    sent = outbox(service)
    with service.db.transaction() as tx:
        move_unread(tx.session, "a-1", C.ABANDONED, START)
    assert service.application(ADMIN, "a-1")["status"] == expected
    assert outbox(service) == sent
