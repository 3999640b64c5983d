"""How review's unit tests drive the service (its fixtures are in conftest.py): who acts,
intake's submission event, the outbox, a refusal, the route up to the committee, and "a refusal
changes nothing" over every table."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from contracts import events
from review import models as m

OPINION = "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"
UNIT = "unit-urumqi-machinery"
START = datetime(2019, 10, 15, 2, 0, tzinfo=timezone.utc)  # Tuesday 10:00 in Urumqi season time


def who(role, org, sub="P-1"):
    return {"sub": sub, "role": role, "org": org, "name": "审核人"}


UNIT_R, DEPT_R = who("unit_reviewer", UNIT), who("department_reviewer", "dept-urumqi")
SEC = who("committee_secretary", "eng_textile", "S-1")
OTHER_UNIT = who("unit_reviewer", "unit-changji-textile", "P-U02")
OTHER_DEPT = who("department_reviewer", "dept-changji", "P-D02")
OTHER_SEC = who("committee_secretary", "eng_mechanical_electronic", "S-9")
ADMIN = who("admin", None, "A-1")


def submission(app_id="a-1", kind="first", no=1, version=1, unit=UNIT):
    """intake's application_submitted for `app_id`."""
    return events.make(
        events.APPLICATION_SUBMITTED, application_id=app_id, season="2019", version=version,
        submission_no=no, kind=kind, category="in_service", applicant_id="p-" + app_id,
        unit_id=unit, series="engineering", level="senior_engineer", specialty="textile",
        applicant={"person_id": "p-" + app_id}, snapshot={})


def submit(service, app_id="a-1", kind="first", no=1, version=1, unit=UNIT):
    service.on_application_submitted(submission(app_id, kind, no, version, unit))


def outbox(service):
    with service.db.session() as s:
        return [(r.event_type, r.payload) for r in s.execute(select(m.metadata.tables["outbox"])
                                                             .order_by("id")).all()]


def refused(result):
    assert isinstance(result, dict) and "__refusal__" in result, result
    return result["__refusal__"]


def to_committee(service, clock, app_id="a-1"):
    service.open_publicity(UNIT_R, app_id)
    clock.now = START + timedelta(days=9)
    assert service.recommend(UNIT_R, app_id, OPINION)["next_step"] == "department"
    assert service.forward(DEPT_R, app_id, "同意")["next_step"] == "committee"


def snapshot(service):
    """Every row of every review table, the audit chain and the outbox included."""
    with service.db.session() as s:
        return {name: sorted(map(repr, s.execute(select(table)).all()))
                for name, table in m.metadata.tables.items()}


def assert_refused_without_change(service, call, code):
    before = snapshot(service)
    answer = refused(call())
    assert answer["code"] == code, answer
    after = snapshot(service)
    assert after["audit"] == before["audit"] and after["outbox"] == before["outbox"]
    assert after == before


def tell(service, request_id, at, app_id="a-1", send_id=None):
    """notify's notification_delivered: the applicant was told of request `request_id` at `at`
    (R-4.5: its 48 hours start then). Returns the event, to deliver it again."""
    event = events.make(events.NOTIFICATION_DELIVERED, application_id=app_id,
                        send_id=send_id or f"send-{request_id}", about="supplement_requested",
                        request_id=request_id, recipient="applicant", channel="email",
                        delivered_at=at.isoformat())
    service.on_notification_delivered(event)
    return event
