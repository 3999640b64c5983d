"""review's decisions along the route as units (worker_factory on in-memory SQLite, a movable
clock): scope and step refusals, the cap and the return to the returning level (R-4.4), the
unit publicity and a return while it runs (R-4.2), a withdrawal, the secret ballot's tables
(N-8.3) and the RPC contract."""
import inspect
from datetime import datetime, timedelta, timezone

import pytest

from contracts import events, rpc as rpc_contract
from review import models as m
from review.service import ReviewService
from services.review.tests.unit.support import (DEPT_R, OPINION, SEC, START, UNIT, UNIT_R,
                                                assert_refused_without_change, outbox, refused,
                                                snapshot, submit, to_committee, who)


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


def test_upheld_objection_then_unit_return_and_a_new_publicity(service, clock):
    """R-4.2: an upheld objection stops the recommendation; the unit returns (N-8.5), the
    resubmission comes back to the unit, which posts the revised application anew."""
    submit(service)
    service.open_publicity(UNIT_R, "a-1")
    objection = service.record_objection(UNIT_R, "a-1", "业绩不实")
    service.resolve_objection(UNIT_R, "a-1", objection["id"], True, "经核查属实")
    clock.now = START + timedelta(days=1)
    codes = [p["code"] for p in refused(service.recommend(UNIT_R, "a-1", OPINION))["problems"]]
    assert "PUBLICITY_OBJECTION_UPHELD" in codes
    ret = service.return_application(UNIT_R, "a-1", [{"message": "删除不实业绩"}])
    assert (ret["step"], ret["submissions_left"]) == ("unit", 2)
    submit(service, kind="resubmission", no=2, version=2)
    pub = service.open_publicity(UNIT_R, "a-1")
    assert pub["ends_on"] == "2019-10-23"  # opened Wednesday 10-16
    clock.now = START + timedelta(days=9)
    assert service.recommend(UNIT_R, "a-1", OPINION)["next_step"] == "department"


@pytest.mark.parametrize("day, step", [(datetime(2019, 11, 1, 2, tzinfo=timezone.utc), "unit"),
                                       (datetime(2019, 10, 9, 2, tzinfo=timezone.utc), "unit"),
                                       (datetime(2019, 11, 1, 2, tzinfo=timezone.utc),
                                        "department")])
def test_r2_1_unit_and_department_act_only_inside_the_review_window(service, clock, day, step):
    """R-2.1 申报及审核时间 2019-10-10 至 10-31: the unit's and the department's actions are refused
    outside it (by the day in Asia/Shanghai), naming the window; nothing changes."""
    submit(service)
    if step == "department":
        service.open_publicity(UNIT_R, "a-1")
        clock.now = START + timedelta(days=9)
        service.recommend(UNIT_R, "a-1", OPINION)
    before = snapshot(service)
    clock.now = day
    actions = [lambda: service.return_application(UNIT_R if step == "unit" else DEPT_R, "a-1",
                                                  [{"message": "补充"}])]
    actions += [lambda: service.open_publicity(UNIT_R, "a-1")] if step == "unit" else \
        [lambda: service.forward(DEPT_R, "a-1", "同意上报")]
    for act in actions:
        r = refused(act())
        assert (r["code"], r["status"]) == ("REVIEW_WINDOW_CLOSED", 409)
        assert "2019年10月10日至2019年10月31日（含）" in r["message"]
    assert snapshot(service) == before


def test_r2_1_the_last_day_of_the_window_still_counts_in_local_time(service, clock):
    """2019-10-31 23:30 in Urumqi's official time (Asia/Shanghai) is still inside the window."""
    submit(service)
    clock.now = datetime(2019, 10, 31, 15, 30, tzinfo=timezone.utc)
    assert service.open_publicity(UNIT_R, "a-1")["starts_on"] == "2019-10-31"
    clock.now = datetime(2019, 10, 31, 16, 0, tzinfo=timezone.utc)  # 11-01 00:00 local
    assert refused(service.record_objection(UNIT_R, "a-1", "异议"))["code"] == \
        "REVIEW_WINDOW_CLOSED"


def test_r2_1_the_committee_formal_review_is_not_cut_off_unless_the_season_says(service, clock):
    """2019 sets no `windows.committee_review`: the committee still accepts on 11-05."""
    submit(service)
    to_committee(service, clock)
    clock.now = datetime(2019, 11, 5, 2, tzinfo=timezone.utc)
    assert service.accept(SEC, "a-1", "形式审查通过")["decision"] == "accepted"



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


def test_one_clock_a_return_is_dated_by_the_service_clock_not_the_machine(service, clock):
    """Issue #18 (one clock): intake shows `returned_at` from the return's `occurred_at`; it is
    the service's controlled clock (2019 here), never the machine's time."""
    submit(service)
    clock.now = START + timedelta(days=1)
    service.return_application(UNIT_R, "a-1", [{"message": "补充业绩证明"}])
    sent = [p for t, p in outbox(service) if t == "application_returned"]
    assert [p["occurred_at"] for p in sent] == [clock.now.isoformat()]
    assert all(p["occurred_at"].startswith("2019-") for _, p in outbox(service))
