"""R-4.5 「自告知之日起48小时内」: a notice of a committee request (supplement, or a committee's
return for changes) that a provider accepted is reported to review as `notification_delivered`
(notify's outbox, in the transaction that records the attempt), so review starts the 48 hours
then; review's `deadline_started` gives notify the deadline for the reminders."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from contracts import events
from notify import models as m
from services.notify.tests.unit.test_handlers import NOW, notify, sends, submitted  # noqa: F401


def outbox(service, name):
    with service.db.session() as session:
        return [r.payload for r in session.execute(select(m.metadata.tables["outbox"])).all()
                if r.event_type == name]


def requested(app_id="app-1", request_id="req-1"):
    return events.make(events.SUPPLEMENT_REQUESTED, application_id=app_id, season="2019",
                       request_id=request_id, items=["补充2018年度考核表"], deadline=None,
                       reviewer={}, hours=48)


def test_r4_5_a_delivered_supplement_notice_is_reported_to_review_once(notify):  # noqa: F811
    notify.on_application_submitted(submitted())
    payload = requested()
    notify.on_supplement_requested(payload)
    notify.on_supplement_requested(dict(payload))  # redelivered: one send, one report
    [delivered] = outbox(notify, "notification_delivered")
    [send] = [s for s in sends(notify) if s.template == "supplement_requested"]
    assert send.status == "sent"
    assert {k: delivered[k] for k in ("application_id", "send_id", "about", "request_id",
                                      "recipient", "channel", "delivered_at")} == {
        "application_id": "app-1", "send_id": send.id, "about": "supplement_requested",
        "request_id": "req-1", "recipient": "applicant", "channel": "email",
        "delivered_at": NOW.isoformat()}
    events.validate(events.NOTIFICATION_DELIVERED, delivered)


def test_r4_5_a_committee_return_is_reported_a_units_return_is_not(notify):  # noqa: F811
    notify.on_application_submitted(submitted())
    base = dict(application_id="app-1", season="2019", problems=["缺少考核表"],
                submissions_used=1, submissions_left=2, reviewer={})
    notify.on_application_returned(events.make(events.APPLICATION_RETURNED, step="unit",
                                               **base))
    assert outbox(notify, "notification_delivered") == []
    notify.on_application_returned(events.make(events.APPLICATION_RETURNED, step="committee",
                                               request_id="chg-1", hours=48, **base))
    [delivered] = outbox(notify, "notification_delivered")
    assert (delivered["about"], delivered["request_id"]) == ("application_returned", "chg-1")


def test_r4_5_nothing_is_reported_when_no_channel_reaches_the_applicant(notify):  # noqa: F811
    notify.on_application_submitted(events.make(
        events.APPLICATION_SUBMITTED, application_id="app-3", season="2019", version=1,
        submission_no=1, kind="first", category="in_service", applicant_id="a-3",
        unit_id="unit-x", series="engineering", level="engineer", specialty="textile",
        snapshot={}, applicant={"person_id": "a-3", "name": "王五"}))  # no email, no phone
    notify.on_supplement_requested(requested("app-3", "req-3"))
    [send] = [s for s in sends(notify) if s.template == "supplement_requested"]
    assert send.status in ("failed", "dead")
    assert outbox(notify, "notification_delivered") == []  # review's fallback starts the clock


def test_r4_5_the_started_deadline_is_kept_for_the_reminders(notify):  # noqa: F811
    notify.on_application_submitted(submitted())
    deadline = NOW + timedelta(hours=48)
    notify.on_deadline_started(events.make(
        events.DEADLINE_STARTED, application_id="app-1", season="2019", request_id="req-1",
        kind="changes", items=["缺少考核表"], told_at=NOW.isoformat(), started_by="delivered",
        deadline=deadline.isoformat()))
    with notify.db.session() as session:
        [row] = session.execute(select(m.supplement_requests)).all()
    assert (row.request_id, row.status, row.items) == ("req-1", "open", ["缺少考核表"])
    assert row.deadline.replace(tzinfo=NOW.tzinfo) == deadline
