"""Who is told what, per event (notify.messages): pure, no broker."""
from datetime import datetime, timedelta, timezone

from contracts import events
from notify import messages
from notify.templates import default_catalogue, render

APPLICANT = {"person_id": "a-1", "name": "李四", "email": "lisi@example.org", "phone": None}
APP = "5b5cd22b-677e-4014-85b6-c205532e5c75"
CATALOGUE = default_catalogue()


def rendered(notice, channel="email"):
    template = CATALOGUE.template(notice.template_name, channel)
    assert set(notice.variables) == set(CATALOGUE.variables[notice.template_name])
    return render(template, notice.variables)


def test_local_time_is_beijing_time_in_chinese():
    assert messages.local_time("2019-10-17T02:00:00+00:00") == "2019年10月17日 10:00"
    assert messages.local_date("2019-10-22") == "2019年10月22日"


def test_a_return_lists_every_problem_numbered_and_the_submissions_left():
    """N-8.5, R-4.4."""
    payload = events.make(events.APPLICATION_RETURNED, application_id=APP, season="2019",
                          step="committee", submissions_used=1, submissions_left=2, reviewer={},
                          problems=[{"code": "A", "message": "身份证模糊", "field": "basic.id"},
                                    {"code": "B", "message": "缺少考核表"}])
    message = rendered(messages.returned(payload, APPLICANT, "http://p"))
    assert "1. 身份证模糊（basic.id）\n2. 缺少考核表" in message.body
    assert "需修改以下 2 项" in message.body and "还可提交 2 次" in message.body
    assert message.subject == "【职称评审】您的申报 5B5CD22B 被退回，请修改后重新提交"


def test_a_supplement_request_names_items_and_the_48_hours_from_receiving_it():
    """R-4.5: 自告知之日起48小时内 — the notice says the hours run from receiving it (its
    delivery starts them); the deadline itself comes with the reminders."""
    payload = events.make(events.SUPPLEMENT_REQUESTED, application_id=APP, season="2019",
                          request_id="r", items=["2018年度考核表"], reviewer={},
                          deadline=None, hours=48)
    notice = messages.supplement_requested(payload, APPLICANT, "http://p")
    message = rendered(notice)
    assert message.subject == "【职称评审】请在收到本通知后 48 小时内补充申报材料"
    assert "1. 2018年度考核表" in message.body and "逾期未补充的，视为放弃申报" in message.body
    sms = rendered(notice, "sms")
    assert sms.params["hours"] == "48" and "request_id" not in sms.params
    assert messages.told_about(notice.template, notice.variables) == "r"


def test_a_committee_return_says_48_hours_and_a_units_return_does_not():
    """R-4.5: changes (更改) as well as supplements; other levels' returns have no deadline."""
    problems = [{"code": "B", "message": "缺少考核表"}]
    committee = events.make(events.APPLICATION_RETURNED, application_id=APP, season="2019",
                            step="committee", submissions_used=1, submissions_left=2,
                            reviewer={}, problems=problems, request_id="r-1", hours=48)
    notice = messages.returned(committee, APPLICANT, "http://p")
    assert "请自收到本通知起 48 小时内修改并提交，逾期未提交的，视为放弃申报。" in rendered(notice).body
    assert messages.told_about(notice.template, notice.variables) == "r-1"
    unit = events.make(events.APPLICATION_RETURNED, application_id=APP, season="2019",
                       step="unit", submissions_used=1, submissions_left=2, reviewer={},
                       problems=problems)
    notice = messages.returned(unit, APPLICANT, "http://p")
    assert "小时内" not in rendered(notice).body
    assert messages.told_about(notice.template, notice.variables) is None
    assert messages.told_about("received", {"request_id": "x"}) is None


def test_each_reminder_has_its_own_template_variant_and_hours_left():
    deadline = datetime(2019, 10, 17, 2, tzinfo=timezone.utc)
    now = deadline - timedelta(hours=2, minutes=-1)
    notice = messages.supplement_reminder(APP, ["考核表"], deadline, timedelta(hours=2), now,
                                          APPLICANT, "")
    assert notice.template == "supplement_reminder:2h"
    assert notice.template_name == "supplement_reminder"
    assert "剩余约 2 小时" in rendered(notice).subject


def test_a_step_going_up_names_the_next_step_and_a_last_step_its_decision():
    """R-4.3."""
    fields = dict(application_id=APP, season="2019", task_id="t", step="unit", org_id="u-1",
                  opinion="同意", reviewer={}, decided_at="2019-10-15T02:00:00+00:00")
    up = messages.step_decided(events.make(events.STEP_DECIDED, decision="recommended",
                                           next_step="department", **fields),
                               APPLICANT, "", {"u-1": "某单位"})
    assert up.template == "step_advanced" and up.variables["step_name"] == "主管部门审核"
    refused = messages.step_decided(events.make(events.STEP_DECIDED, decision="refused",
                                                next_step=None, **fields),
                                    APPLICANT, "", {"u-1": "某单位"})
    assert refused.template == "step_decided"
    assert "未通过" in rendered(refused).subject


def test_every_reviewer_of_a_task_and_every_hr_contact_is_told():
    task = events.make(events.TASK_OPENED, application_id=APP, season="2019", task_id="t",
                       step="unit", org_id="u", org_name="某单位",
                       reviewers=[{"person_id": "r1", "name": "甲"}, {"person_id": "r2"}])
    assert [n.person_id for n in messages.task_opened(task, "")] == ["r1", "r2"]
    due = events.make(events.PAPER_DELIVERY_DUE, season="2019", unit_id="u", unit_name="某单位",
                      closes_at="2019-11-20T10:00:00+00:00", applications=["a", "b"],
                      contacts=[{"person_id": "hr"}])
    [notice] = messages.paper_delivery_due(due, "乌鲁木齐市光明路140号", "")
    assert notice.variables["pending_count"] == 2
    assert "2 名申报人" in rendered(notice).body


def test_results_publicity_and_abandonment_render_in_chinese():
    result = events.make(events.RESULT_PUBLISHED, application_id=APP, season="2019",
                         meeting_id="m", outcome="passed", stage="posted", until="2019-12-20")
    notice = messages.result_published(result, APPLICANT, "engineer", "")
    assert notice.template == "result_published:posted"
    assert "工程师任职资格评审结果为：通过" in rendered(notice).body
    opened = events.make(events.PUBLICITY_OPENED, application_id=APP, season="2019",
                         org_id="u", starts_on="2019-10-15", ends_on="2019-10-21")
    assert "2019年10月15日 至 2019年10月21日" in rendered(
        messages.publicity_opened(opened, APPLICANT, "某单位")).subject
    closed = events.make(events.PUBLICITY_CLOSED, application_id=APP, season="2019",
                         org_id="u", outcome="no_objection")
    assert "无异议" in rendered(messages.publicity_closed(closed, APPLICANT, "某单位",
                                                            "2019-10-21")).subject
    gone = events.make(events.APPLICATION_ABANDONED, application_id=APP, season="2019",
                       request_id="r", deadline="2019-10-17T02:00:00+00:00")
    assert "视为放弃" in rendered(messages.abandoned(gone, APPLICANT)).subject


def test_the_returning_organisation_is_named_when_its_task_told_notify_its_name():
    """R-4.1: who returned it; review's reviewer carries the org id, task_opened its name."""
    payload = events.make(events.APPLICATION_RETURNED, application_id=APP, season="2019",
                          step="committee", submissions_used=1, submissions_left=2,
                          problems=["缺少考核表"],
                          reviewer={"person_id": "s", "org_id": "committee-textile"})
    notice = messages.returned(payload, APPLICANT, "", {"committee-textile": "纺织专业评审委员会"})
    assert "经纺织专业评审委员会审核被退回" in rendered(notice).body
    assert messages.returned(payload, APPLICANT, "").variables["returned_by"] == "评委会"


def test_every_publicity_outcome_review_can_send_reads_in_chinese():
    assert set(messages.PUBLICITY_OUTCOMES) == set(events.PUBLICITY_OUTCOMES)
    assert all(not text.isascii() for text in messages.PUBLICITY_OUTCOMES.values())
