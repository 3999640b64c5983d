"""review's clocks as units: the supplement's 48 hours and the sweep that abandons once
(R-4.5), an answer in time and one after the sweep, and the paper reminder before the window
closes (R-2.2)."""
from datetime import datetime, timedelta, timezone

from prometheus_client import REGISTRY

from services.review.tests.unit.support import (SEC, UNIT, outbox, refused, submission, submit,
                                                tell, to_committee)


def test_sweep_abandons_once_after_48_hours_and_not_before(service, clock):
    """R-4.5: at the deadline the answer is still in time; a minute later the sweep abandons,
    once, however often it runs."""
    submit(service)
    to_committee(service, clock)
    asked = clock.now
    req = service.request_supplement(SEC, "a-1", ["补充考核表"])
    assert req["deadline"] is None  # not told yet
    tell(service, req["id"], asked)  # delivered at once
    view = service.application(SEC, "a-1")["supplement_requests"][0]
    assert datetime.fromisoformat(view["deadline"]).replace(tzinfo=timezone.utc) == \
        asked + timedelta(hours=48)
    assert refused(service.accept(SEC, "a-1"))["code"] == "SUPPLEMENT_PENDING"
    clock.now = asked + timedelta(hours=48)
    service.sweep()
    assert service.application(SEC, "a-1")["status"] == "supplement_requested"
    clock.now = asked + timedelta(hours=48, minutes=1)
    runs = REGISTRY.get_sample_value
    counted = ("titles_sweep_runs_total", "titles_sweep_abandoned_total")
    before = [runs(name) for name in counted]
    service.sweep()
    service.sweep()
    abandoned = [p for t, p in outbox(service) if t == "application_abandoned"]
    assert len(abandoned) == 1 and abandoned[0]["request_id"] == req["id"]
    # what an operator sees (plumbing.metrics): two runs, one abandonment
    assert [runs(name) - b for name, b in zip(counted, before)] == [2, 1]
    assert service.application(SEC, "a-1")["status"] == "abandoned"
    assert refused(service.accept(SEC, "a-1"))["code"] == "APPLICATION_CLOSED"


def test_supplement_answer_puts_it_back_before_the_committee(service, clock):
    submit(service)
    to_committee(service, clock)
    service.request_supplement(SEC, "a-1", ["补充考核表"])
    clock.now += timedelta(hours=47)
    submit(service, kind="supplement", no=1, version=2)
    clock.now += timedelta(hours=2)
    service.sweep()
    view = service.application(SEC, "a-1")
    assert view["status"] == "in_review" and view["supplement_requests"][0]["status"] == "answered"
    assert service.accept(SEC, "a-1")["decision"] == "accepted"


def test_a_supplement_answer_after_the_sweep_abandoned_is_recorded_not_lost(service, clock):
    """R-4.5: the sweep abandoned the application; an answer consumed afterwards changes no
    decision but is recorded: `answered_at` on the abandoned request and a
    `late_supplement_ignored` audit entry; a redelivery records nothing more."""
    submit(service)
    to_committee(service, clock)
    req = service.request_supplement(SEC, "a-1", ["补充考核表"])
    tell(service, req["id"], clock.now)
    clock.now += timedelta(hours=48, minutes=1)
    service.sweep()
    late = submission(kind="supplement", no=1, version=2)
    sent_before = outbox(service)
    service.on_application_submitted(late)
    service.on_application_submitted(late)
    view = service.application(SEC, "a-1")
    assert view["status"] == "abandoned" and view["version"] == 1
    [request] = view["supplement_requests"]
    assert request["status"] == "abandoned"
    assert datetime.fromisoformat(request["answered_at"]).replace(tzinfo=timezone.utc) \
        == clock.now  # SQLite keeps no zone
    entries = [e["entry"] for e in service.audit_log()
               if e["entry"]["action"] == "late_supplement_ignored"]
    assert len(entries) == 1
    assert (entries[0]["subject"], entries[0]["actor"], entries[0]["detail"]["request_id"]) == (
        "a-1", "p-a-1", req["id"])
    assert outbox(service) == sent_before
    assert service.verify_audit()["problems"] == []



def test_paper_delivery_due_once_per_unit_in_the_last_days(service, clock):
    """R-2.2: units with accepted, undelivered applications are told once before 11-20 ends."""
    submit(service)
    to_committee(service, clock)
    service.accept(SEC, "a-1")
    clock.now = datetime(2019, 11, 10, 2, tzinfo=timezone.utc)
    service.sweep()
    assert not [p for t, p in outbox(service) if t == "paper_delivery_due"]
    clock.now = datetime(2019, 11, 18, 2, tzinfo=timezone.utc)
    service.sweep()
    service.sweep()
    due = [p for t, p in outbox(service) if t == "paper_delivery_due"]
    assert len(due) == 1
    assert (due[0]["unit_id"], due[0]["applications"]) == (UNIT, ["a-1"])
    assert due[0]["closes_at"].startswith("2019-11-21T00:00:00+08:00")
