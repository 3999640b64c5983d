"""R-4.5 「自告知之日起48小时内」 for changes as well as supplements (需要更改及补充的内容): the
48 hours of a committee request start at the first delivery notify reports
(`notification_delivered`), or, when nothing reaches the applicant, at the ask plus 24 hours
(the sweep's fallback); a committee return has them too, and the sweep abandons it when they
pass. Handlers as units (support.py)."""
from datetime import datetime, timedelta, timezone

from services.review.tests.unit.support import (SEC, UNIT_R, outbox, submit, tell,
                                                to_committee)

H = timedelta(hours=1)


def request_of(service, index=0):
    return service.application(SEC, "a-1")["supplement_requests"][index]


def instant(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)  # SQLite keeps no zone


def started(service):
    return [p for t, p in outbox(service) if t == "deadline_started"]


def test_r4_5_the_deadline_is_48_hours_from_the_delivery_not_from_the_ask(service, clock):
    submit(service)
    to_committee(service, clock)
    asked = clock.now
    req = service.request_supplement(SEC, "a-1", ["补充考核表"])
    assert request_of(service)["deadline"] is None and started(service) == []
    clock.now = asked + 3 * H
    event = tell(service, req["id"], asked + 3 * H)
    view = request_of(service)
    assert (view["told_by"], instant(view["told_at"])) == ("delivered", asked + 3 * H)
    assert instant(view["deadline"]) == asked + 51 * H
    [sent] = started(service)
    assert (sent["kind"], sent["started_by"], sent["deadline"]) == (
        "supplement", "delivered", (asked + 51 * H).isoformat())
    # the same event again, and a later delivery on another channel: the first one counts
    service.on_notification_delivered(event)
    tell(service, req["id"], asked + 5 * H, send_id="another-send")
    assert instant(request_of(service)["deadline"]) == asked + 51 * H
    assert len(started(service)) == 1
    clock.now = asked + 48 * H + timedelta(minutes=1)  # 48 h after the ask: still running
    service.sweep()
    assert service.application(SEC, "a-1")["status"] == "supplement_requested"
    clock.now = asked + 51 * H  # at the deadline: in time
    service.sweep()
    assert service.application(SEC, "a-1")["status"] == "supplement_requested"
    clock.now = asked + 51 * H + timedelta(minutes=1)
    service.sweep()
    assert service.application(SEC, "a-1")["status"] == "abandoned"


def test_r4_5_fallback_nobody_reached_the_clock_starts_at_the_ask_plus_24_hours(service, clock):
    submit(service)
    to_committee(service, clock)
    asked = clock.now
    req = service.request_supplement(SEC, "a-1", ["补充考核表"])
    clock.now = asked + 23 * H
    service.sweep()
    assert request_of(service)["told_at"] is None and started(service) == []
    clock.now = asked + 26 * H  # a sweep after the grace: the start is still ask + 24 h
    service.sweep()
    service.sweep()
    view = request_of(service)
    assert (view["told_by"], instant(view["told_at"])) == ("fallback", asked + 24 * H)
    assert instant(view["deadline"]) == asked + 72 * H
    assert [p["started_by"] for p in started(service)] == ["fallback"]
    entries = [e["entry"] for e in service.audit_log()
               if e["entry"]["action"] == "deadline_started"]
    assert [e["detail"]["started_by"] for e in entries] == ["fallback"]  # audited once
    assert service.verify_audit()["problems"] == []
    tell(service, req["id"], asked + 25 * H)  # a delivery reported after it: nothing changes
    assert instant(request_of(service)["deadline"]) == asked + 72 * H
    clock.now = asked + 72 * H + timedelta(minutes=1)
    service.sweep()
    assert service.application(SEC, "a-1")["status"] == "abandoned"


def test_r4_5_a_committee_return_gets_the_48_hours_and_the_sweep_abandons_it(service, clock):
    """更改 as well as 补充: the committee's return is a request for changes."""
    submit(service)
    to_committee(service, clock)
    asked = clock.now
    ret = service.return_application(SEC, "a-1", [{"message": "缺少2018年度考核表"}])
    assert ret["request_id"]
    [returned] = [p for t, p in outbox(service) if t == "application_returned"]
    assert returned["request_id"] == ret["request_id"] and returned["hours"] == 48
    view = request_of(service)
    assert (view["kind"], view["items"], view["deadline"]) == ("changes", ["缺少2018年度考核表"],
                                                               None)
    tell(service, ret["request_id"], asked + 2 * H)
    assert instant(request_of(service)["deadline"]) == asked + 50 * H
    assert [p["kind"] for p in started(service)] == ["changes"]
    clock.now = asked + 50 * H + timedelta(minutes=1)
    service.sweep()
    service.sweep()
    assert service.application(SEC, "a-1")["status"] == "abandoned"
    abandoned = [p for t, p in outbox(service) if t == "application_abandoned"]
    assert len(abandoned) == 1 and abandoned[0]["request_id"] == ret["request_id"]


def test_r4_5_a_resubmission_in_time_answers_the_committees_return(service, clock):
    submit(service)
    to_committee(service, clock)
    asked = clock.now
    ret = service.return_application(SEC, "a-1", [{"message": "缺少2018年度考核表"}])
    tell(service, ret["request_id"], asked)
    clock.now = asked + 47 * H
    submit(service, kind="resubmission", no=2, version=2)
    clock.now = asked + 49 * H
    service.sweep()
    app = service.application(SEC, "a-1")
    assert app["status"] == "in_review" and app["supplement_requests"][0]["status"] == "answered"


def test_r4_5_a_return_below_the_committee_has_no_deadline(service, clock):
    submit(service)
    ret = service.return_application(UNIT_R, "a-1", [{"message": "缺少考核表"}])
    assert ret["request_id"] is None
    assert service.application(SEC, "a-1")["supplement_requests"] == []
    clock.now += 1000 * H
    service.sweep()
    assert service.application(UNIT_R, "a-1")["status"] == "returned"
