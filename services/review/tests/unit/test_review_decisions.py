"""review's decisions as units (worker_factory on in-memory SQLite, a movable clock): scope and
step refusals change nothing, the cap (R-4.4), the sweep (R-4.5), paper reminders (R-2.2), the
audit chain (R-4.1) and the RPC contract."""
import inspect
from datetime import datetime, timedelta, timezone

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select, update

from contracts import events, rpc as rpc_contract
from plumbing.config import ROOT
from review import models as m
from review.service import ReviewService
from tests.support.clock import SettableClock
from tests.support.stores import sqlite_store

OPINION = "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"
UNIT = "unit-urumqi-machinery"
START = datetime(2019, 10, 15, 2, 0, tzinfo=timezone.utc)  # Tuesday 10:00 in Urumqi season time


@pytest.fixture
def clock():
    return SettableClock(START)


@pytest.fixture
def service(clock):
    svc = worker_factory(ReviewService, db=sqlite_store(m.metadata, "review"), clock=clock)
    svc.load_organisations((ROOT / "deploy" / "sample" / "organisations.yaml").read_text("utf-8"))
    svc.load_season((ROOT / "seasons" / "2019.yaml").read_text("utf-8"))
    return svc


def who(role, org, sub="P-1"):
    return {"sub": sub, "role": role, "org": org, "name": "审核人"}


UNIT_R, DEPT_R = who("unit_reviewer", UNIT), who("department_reviewer", "dept-urumqi")
SEC = who("committee_secretary", "eng_textile", "S-1")


def submit(service, app_id="a-1", kind="first", no=1, version=1, unit=UNIT):
    service.on_application_submitted(events.make(
        events.APPLICATION_SUBMITTED, application_id=app_id, season="2019", version=version,
        submission_no=no, kind=kind, category="in_service", applicant_id="p-" + app_id,
        unit_id=unit, series="engineering", level="senior_engineer", specialty="textile",
        applicant={"person_id": "p-" + app_id}, snapshot={}))


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


def test_refusals_change_nothing(service, clock):
    """Outside the route, at another step, twice: a clear code and no write, no event."""
    submit(service)
    before = (outbox(service), service.audit_log())
    assert refused(service.forward(who("department_reviewer", "dept-changji"), "a-1"))["code"] \
        == "NOT_FOUND"
    assert refused(service.forward(DEPT_R, "a-1"))["code"] == "NOT_AT_YOUR_STEP"
    assert refused(service.recommend(UNIT_R, "a-1", OPINION))["code"] == "PUBLICITY_NOT_OPENED"
    assert (outbox(service), service.audit_log()) == before
    to_committee(service, clock)
    assert refused(service.forward(DEPT_R, "a-1"))["code"] == "STEP_ALREADY_DECIDED"


def test_resubmission_returns_to_the_returning_level_and_the_cap_holds(service, clock):
    """R-4.4: returns on submissions 1 and 2; on the third only accept or refuse."""
    submit(service)
    to_committee(service, clock)
    for no in (1, 2):
        ret = service.return_application(SEC, "a-1", [{"message": "缺少考核表"}], "材料不全")
        assert (ret["submissions_used"], ret["submissions_left"]) == (no, 3 - no)
        submit(service, kind="resubmission", no=no + 1, version=no + 1)
        view = service.application(SEC, "a-1")
        assert (view["status"], view["current_step"]["kind"]) == ("in_review", "committee")
    problem = refused(service.return_application(SEC, "a-1", [{"message": "仍缺"}]))
    assert problem["code"] == "RETURN_NOT_ALLOWED"
    assert service.accept(SEC, "a-1")["decision"] == "accepted"


def test_sweep_abandons_once_after_48_hours_and_not_before(service, clock):
    """R-4.5: at the deadline the answer is still in time; a minute later the sweep abandons,
    once, however often it runs."""
    submit(service)
    to_committee(service, clock)
    asked = clock.now
    req = service.request_supplement(SEC, "a-1", ["补充考核表"])
    assert datetime.fromisoformat(req["deadline"]) == asked + timedelta(hours=48)
    assert refused(service.accept(SEC, "a-1"))["code"] == "SUPPLEMENT_PENDING"
    clock.now = asked + timedelta(hours=48)
    service.sweep()
    assert service.application(SEC, "a-1")["status"] == "supplement_requested"
    clock.now = asked + timedelta(hours=48, minutes=1)
    service.sweep()
    service.sweep()
    abandoned = [p for t, p in outbox(service) if t == "application_abandoned"]
    assert len(abandoned) == 1 and abandoned[0]["request_id"] == req["id"]
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


def test_audit_chain_records_every_decision_and_detects_an_edit(service, clock):
    """R-4.1: who, when, what, why, each entry chained to the one before."""
    submit(service)
    to_committee(service, clock)
    entries = service.audit_log()
    assert [e["entry"]["action"] for e in entries][-3:] == ["publicity_opened", "recommended",
                                                            "forwarded"]
    assert entries[-2]["entry"]["reason"] == OPINION
    assert service.verify_audit()["problems"] == []
    with service.db.transaction() as tx:
        edited = {**entries[-2]["entry"], "actor": "someone-else"}
        tx.session.execute(update(m.audit).where(m.audit.c.seq == entries[-2]["seq"])
                           .values(entry=edited))
    problems = service.verify_audit()["problems"]
    assert [p["code"] for p in problems] == ["AUDIT_CHAIN_BROKEN"]
    assert problems[0]["field"] == f"entries.{len(entries) - 2}"


def test_ballots_keep_no_link_from_voter_to_choice(service, clock):
    """N-8.3: ballots_cast names voters, ballot_box holds choices; nothing joins them."""
    assert {c.name for c in m.ballot_box.columns} == {"id", "meeting_id", "application_id",
                                                      "choice"}
    assert "choice" not in {c.name for c in m.ballots_cast.columns}


def test_every_review_method_in_the_rpc_contract_is_served_with_its_arguments():
    for method in vars(rpc_contract).values():
        if isinstance(method, rpc_contract.Method) and method.service == "review":
            served = getattr(ReviewService, method.name)
            params = [p for p in inspect.signature(inspect.unwrap(served)).parameters
                      if p != "self"]
            assert tuple(params[:len(method.args)]) == method.args, method.name


def test_sanction_bars_person_five_years_and_only_an_admin_imposes_it(service, clock):
    """R-1.5: from the day imposed; `until` is the first day allowed again."""
    submit(service)
    assert refused(service.impose_sanction(SEC, "person", "伪造证书", "a-1"))["code"] == "FORBIDDEN"
    done = service.impose_sanction(who("admin", None, "A-1"), "person", "伪造证书", "a-1")
    assert (done["subject_id"], done["starts_on"], done["until"]) == (
        "p-a-1", "2019-10-15", "2024-10-15")
    sent = [p for t, p in outbox(service) if t == "sanction_imposed"]
    assert len(sent) == 1 and sent[0]["applicant_id"] == "p-a-1" and sent[0]["unit_id"] == UNIT
    assert service.audit_log()[-1]["entry"]["action"] == "sanction_imposed"


def test_upheld_objection_then_unit_return_and_a_new_publicity(service, clock):
    """R-4.2: an upheld objection stops the recommendation; the unit returns (N-8.5), the
    resubmission comes back to the unit, which posts the revised application anew."""
    submit(service)
    service.open_publicity(UNIT_R, "a-1")
    objection = service.record_objection(UNIT_R, "a-1", "业绩不实")
    service.resolve_objection(UNIT_R, "a-1", objection["id"], True, "经核查属实")
    clock.now = START + timedelta(days=9)
    codes = [p["code"] for p in refused(service.recommend(UNIT_R, "a-1", OPINION))["problems"]]
    assert codes == ["PUBLICITY_OBJECTION_UPHELD"]
    ret = service.return_application(UNIT_R, "a-1", [{"message": "删除不实业绩"}])
    assert (ret["step"], ret["submissions_left"]) == ("unit", 2)
    submit(service, kind="resubmission", no=2, version=2)
    pub = service.open_publicity(UNIT_R, "a-1")
    assert pub["ends_on"] == "2019-10-31"  # opened Thursday 10-24
    clock.now = START + timedelta(days=17)
    assert service.recommend(UNIT_R, "a-1", OPINION)["next_step"] == "department"


def test_organisations_load_from_xlsx_and_csv_as_from_yaml(service):
    """The same registry from the three formats an administrator may have (review.orgs)."""
    import base64
    import csv
    import io

    import yaml
    from openpyxl import Workbook

    data = yaml.safe_load((ROOT / "deploy" / "sample" / "organisations.yaml").read_text("utf-8"))
    tables = {"organisations": [], "reviewers": [], "committees": [], "members": []}
    for o in data["organisations"]:
        tables["organisations"].append({k: o.get(k) for k in ("id", "name", "kind", "parent_id",
                                                              "outside_region")})
        tables["reviewers"] += [{**r, "organisation_id": o["id"]} for r in o.get("reviewers", [])]
    for c in data["committees"]:
        tables["committees"].append({**{k: c[k] for k in ("id", "name", "series",
                                                          "conditions_document", "scope")},
                                     "specialties": "、".join(c["specialties"]),
                                     "levels": "、".join(c["levels"])})
        tables["members"] += [{"committee_id": c["id"], "expert_id": e["id"], "name": e["name"],
                               "unit_id": e.get("unit_id")} for e in c["members"]]
    book = Workbook()
    book.remove(book.active)
    texts = {}
    for name, rows in tables.items():
        cols = sorted({k for r in rows for k in r})
        sheet = book.create_sheet(name)
        sheet.append(cols)
        for r in rows:
            sheet.append([r.get(c) for c in cols])
        buf = io.StringIO()
        writer = csv.DictWriter(buf, cols)
        writer.writeheader()
        writer.writerows({c: ("" if r.get(c) is None else r.get(c)) for c in cols} for r in rows)
        texts[name] = buf.getvalue()
    raw = io.BytesIO()
    book.save(raw)
    expected = {"organisations": 8, "committees": 9}
    assert service.load_organisations(base64.b64encode(raw.getvalue()).decode(),
                                      "orgs.xlsx") == expected
    assert service.load_organisations(texts, "orgs") == expected
    submit(service, unit="unit-changji-textile")
    route = service.application(who("admin", None), "a-1")["route"]
    assert [s["id"] for s in route] == ["unit-changji-textile", "dept-changji-city",
                                        "dept-changji", "eng_textile"]


def test_lists_for_spreadsheets(service, clock):
    """D-4: flat rows per list kind; an unknown kind is refused."""
    submit(service)
    tasks = service.export_list("tasks", UNIT)
    assert [(t["step"], t["status"]) for t in tasks] == [("unit", "open")]
    assert service.export_list("results", "eng_textile") == []
    assert refused(service.export_list("ballots"))["code"] == "LIST_KIND_UNKNOWN"


def test_return_while_the_unit_publicity_runs_closes_it_and_the_resubmission_posts_anew(
        service, clock):
    """R-4.2: a return at the unit step ends the running publicity (outcome `returned`,
    audited, `publicity_closed` sent); the resubmission gets a new 5-working-day publicity and
    the recommendation waits for that one, not the old one."""
    submit(service)
    first = service.open_publicity(UNIT_R, "a-1")
    clock.now = START + timedelta(days=1)  # Wednesday 10-16: the publicity still runs
    ret = service.return_application(UNIT_R, "a-1", [{"message": "补充业绩证明"}])
    assert ret["step"] == "unit"
    view = service.application(UNIT_R, "a-1")
    assert [(p["id"], p["outcome"]) for p in view["publicities"]] == [(first["id"], "returned")]
    assert view["publicities"][0]["closed_at"] is not None
    closed = [p for t, p in outbox(service) if t == "publicity_closed"]
    assert [(p["outcome"], p["org_id"]) for p in closed] == [("returned", UNIT)]
    entry = [e["entry"] for e in service.audit_log() if e["entry"]["action"] == "publicity_closed"]
    assert entry and entry[0]["detail"]["publicity_id"] == first["id"]
    submit(service, kind="resubmission", no=2, version=2)
    second = service.open_publicity(UNIT_R, "a-1")
    assert second["id"] != first["id"] and second["ends_on"] == "2019-10-23"  # opened Wed 10-16
    clock.now = datetime(2019, 10, 22, 2, tzinfo=timezone.utc)  # the first would have ended
    codes = [p["code"] for p in refused(service.recommend(UNIT_R, "a-1", OPINION))["problems"]]
    assert codes == ["PUBLICITY_RUNNING"]
    clock.now = datetime(2019, 10, 24, 2, tzinfo=timezone.utc)
    assert service.recommend(UNIT_R, "a-1", OPINION)["next_step"] == "department"


def test_a_supplement_answer_after_the_sweep_abandoned_is_recorded_not_lost(service, clock):
    """R-4.5: the sweep abandoned the application; an answer consumed afterwards changes no
    decision but is recorded: `answered_at` on the abandoned request and a
    `late_supplement_ignored` audit entry; a redelivery records nothing more."""
    submit(service)
    to_committee(service, clock)
    req = service.request_supplement(SEC, "a-1", ["补充考核表"])
    clock.now += timedelta(hours=48, minutes=1)
    service.sweep()
    late = events.make(
        events.APPLICATION_SUBMITTED, application_id="a-1", season="2019", version=2,
        submission_no=1, kind="supplement", category="in_service", applicant_id="p-a-1",
        unit_id=UNIT, series="engineering", level="senior_engineer", specialty="textile",
        applicant={"person_id": "p-a-1"}, snapshot={})
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


# ---- refusals change nothing (issue #4 "Bad input") ------------------------------------------

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


OTHER_UNIT = who("unit_reviewer", "unit-changji-textile", "P-U02")
OTHER_DEPT = who("department_reviewer", "dept-changji", "P-D02")
OTHER_SEC = who("committee_secretary", "eng_mechanical_electronic", "S-9")
ADMIN = who("admin", None, "A-1")


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
    service.request_supplement(SEC, "a-1", ["补充考核表"])
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


def test_withdrawal_stops_the_task_and_the_running_publicity(service, clock):
    """The applicant withdrew during the unit publicity (R-4.2): the task ends `withdrawn`, the
    publicity is closed `withdrawn`, the withdrawal is audited, and the unit can no longer act."""
    submit(service)
    service.open_publicity(UNIT_R, "a-1")
    service.on_application_withdrawn(events.make(
        events.APPLICATION_WITHDRAWN, application_id="a-1", season="2019", applicant_id="p-a-1"))
    view = service.application(UNIT_R, "a-1")
    assert view["status"] == "withdrawn"
    assert [(t["status"], t["decision"]) for t in view["tasks"]] == [("done", "withdrawn")]
    assert [p["outcome"] for p in view["publicities"]] == ["withdrawn"]
    assert service.audit_log()[-1]["entry"]["action"] == "withdrawn"
    assert_refused_without_change(service, lambda: service.record_objection(UNIT_R, "a-1", "异议"),
                                  "APPLICATION_CLOSED")
