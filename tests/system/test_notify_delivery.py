"""notify end to end (issue #6): the four services as processes, a real local SMTP server and
the HTTP stand-in of the SMS provider (tests/support/sms_standin.py).

The applicant's contact reaches notify the real way (intake's application_submitted, from
`submit_complete`). Review's return and supplement endpoints are built elsewhere: these tests
publish review's contract events exactly as review does (kombu, exchange `review.events`,
routing key = event name, payload from `contracts.events.make`).
"""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from kombu import Connection, Producer

from contracts import events
from plumbing import topology
from tests.support import applications as apps
from tests.support.applications import UNIT

pytestmark = pytest.mark.system

PROBLEMS = [
    {"code": "ATTACHMENT_UNREADABLE", "message": "身份证扫描件模糊，请重新上传清晰的正向 JPG",
     "field": "sections.basic.id_card"},
    {"code": "FIELD_BLANK", "message": "工作简历未填写，无内容请填“无”",
     "field": "sections.work_history"},
]
SECRETARY = {"person_id": "P-C01", "name": "王秘书", "role": "committee_secretary",
             "org_id": "committee-mechanical-electronic"}


# ---- helpers -------------------------------------------------------------------------------

def publish(system, event, payload=None, **fields) -> dict:
    """As review publishes: to `<source>.events` with the event name as routing key."""
    payload = payload or events.make(event, **fields)
    exchange = topology.event_exchange(event.source)
    with Connection(system.common["AMQP_URI"],
                    transport_options={"confirm_publish": True}) as conn:
        Producer(conn.channel()).publish(payload, exchange=exchange, routing_key=event.name,
                                         serializer="json", delivery_mode=2, mandatory=True,
                                         declare=[exchange])
    return payload


def clock_now(system) -> datetime:
    return datetime.now(timezone.utc) + timedelta(
        seconds=float(system.clock_file.read_text() or 0))


def move_clock(system, seconds: float) -> None:
    system.clock_file.write_text(str(float(system.clock_file.read_text() or 0) + seconds))


class Applicant:
    """An applicant who submitted a complete application with a contact of their own (section
    1: phone, email, preferred channel); notify knows it once it has recorded the "received"
    notice."""

    def __init__(self, system, sub: str, email: str, phone: str, channel: str):
        self.system, self.api = system, system.api
        self.email, self.phone = email, phone
        self.token = self.api.token(sub, org=UNIT)
        app = apps.body(UNIT)
        app["sections"]["basic"].update(name="李四", email=email, phone=phone,
                                        contact_channel=channel)
        self.app = submit_with_own_images(self.api, self.token, app, seed=int(phone[-3:]))
        self.id = self.app["id"]
        self.ref = self.id[:8].upper()
        self.wait_send("received", lambda s: s["status"] == "sent")

    def notifications(self) -> list[dict]:
        r = self.api.call("GET", f"/applications/{self.id}/notifications", self.token)
        assert r.status_code == 200, r.text
        return r.json()

    def wait_send(self, template: str, predicate, timeout: float = 30) -> dict:
        deadline, sends = time.time() + timeout, []
        while time.time() < deadline:
            sends = [s for s in self.notifications() if s["template"] == template]
            if sends and predicate(sends[0]):
                return sends[0]
            time.sleep(0.2)
        raise AssertionError(f"{template}: not as expected in time; last: {sends}")

    def mails(self, subject_part: str) -> list:
        """Mail to this applicant (each test has its own address) whose subject has
        `subject_part`."""
        return [m for m in self.system.mailbox.to(self.email)
                if subject_part in str(m["Subject"])]

    def wait_mail(self, subject_part: str, timeout: float = 30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.mails(subject_part)
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no mail to {self.email} with {subject_part!r}")

    def returned(self, payload=None) -> dict:
        return publish(self.system, events.APPLICATION_RETURNED, payload,
                       application_id=self.id, season="2019", step="committee",
                       problems=PROBLEMS, submissions_used=1, submissions_left=2,
                       reviewer=SECRETARY)

    def sms(self, template_code: str) -> list[dict]:
        return [r for r in self.system.sms.requests(self.phone)
                if r["template_code"] == template_code]


def submit_with_own_images(api, token, app: dict, seed: int) -> dict:
    """`apps.submit_complete`, but with images no other test uploads (seeds from 1000 up), so
    documents' duplicate check flags nothing of these or of other tests' applications."""
    created = apps.create(api, token, app)
    for i, (section, kind) in enumerate(apps.required_attachments(app)):
        apps.upload(api, token, created["id"], section, kind, seed=1000 + seed * 50 + i)
    path = f"/applications/{created['id']}"
    api.wait_for(path, token, lambda b: b["attachments"] and all(
        a["status"] != "checking" for a in b["attachments"]), timeout=90)
    r = api.call("POST", f"{path}/submit", token)
    assert r.status_code == 202, r.text
    return r.json()


def text_of(mail) -> str:
    return mail.get_body(("plain",)).get_content()


# ---- the applicant is told, in Chinese ---------------------------------------------------------

def test_a_return_reaches_the_applicant_with_every_problem_in_chinese(loaded):
    """R-4.4, N-8.5: every problem in one notice, and how many submissions are left."""
    me = Applicant(loaded, "applicant-notify-return", "lisi.return@example.org", "13900000111",
                   "email")
    me.returned()
    mail = me.wait_mail("被退回")[0]
    assert str(mail["Subject"]) == f"【职称评审】您的申报 {me.ref} 被退回，请修改后重新提交"
    text = text_of(mail)
    assert "李四，您好" in text
    assert "需修改以下 2 项（一次性告知）" in text
    assert "1. 身份证扫描件模糊，请重新上传清晰的正向 JPG（sections.basic.id_card）" in text
    assert "2. 工作简历未填写，无内容请填“无”（sections.work_history）" in text
    assert "您还可提交 2 次" in text
    send = me.wait_send("returned", lambda s: s["status"] == "sent")
    assert send["channel"] == "email" and send["recipient"] == "l***@example.org"
    assert [a["outcome"] for a in send["attempts"]] == ["sent"]


def test_a_supplement_request_and_both_reminders_before_the_48_hour_deadline(loaded):
    """R-4.5: the request with its items and deadline; reminders 24 h and 2 h before it, each
    once, as the (controllable) clock passes those moments."""
    me = Applicant(loaded, "applicant-notify-supplement", "lisi.supplement@example.org",
                   "13900000112", "email")
    original = loaded.clock_file.read_text()
    try:
        deadline = clock_now(loaded) + timedelta(hours=48)
        request_id = str(uuid.uuid4())
        items = [{"code": "SUPPLEMENT", "message": "请补充2018年度考核表",
                  "field": "sections.assessments"}]
        publish(loaded, events.SUPPLEMENT_REQUESTED, application_id=me.id, season="2019",
                request_id=request_id, deadline=None, hours=48, items=items,
                reviewer=SECRETARY)
        local = deadline.astimezone(timezone(timedelta(hours=8)))
        deadline_text = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
        mail = me.wait_mail("补充申报材料")[0]
        assert str(mail["Subject"]) == "【职称评审】请在收到本通知后 48 小时内补充申报材料"
        assert "1. 请补充2018年度考核表" in text_of(mail)
        assert "逾期未补充的，视为放弃申报" in text_of(mail)
        # review starts the 48 hours at the delivery and tells notify the deadline
        publish(loaded, events.DEADLINE_STARTED, application_id=me.id, season="2019",
                request_id=request_id, kind="supplement", items=items,
                told_at=clock_now(loaded).isoformat(), started_by="delivered",
                deadline=deadline.isoformat())
        time.sleep(1.5)  # a few ticks with 48 h left: no reminder yet
        assert me.mails("提醒") == []

        move_clock(loaded, timedelta(hours=24, minutes=1).total_seconds())
        first = me.wait_mail("剩余约 24 小时")
        assert deadline_text in str(first[0]["Subject"])
        assert "1. 请补充2018年度考核表" in text_of(first[0])

        move_clock(loaded, timedelta(hours=22).total_seconds())
        second = me.wait_mail("剩余约 2 小时")
        assert deadline_text in str(second[0]["Subject"])
        time.sleep(1.5)  # more ticks: nothing is sent twice
        assert len(me.mails("提醒")) == 2
        sends = {s["template"]: s for s in me.notifications()}
        assert sends["supplement_reminder:24h"]["status"] == "sent"
        assert sends["supplement_reminder:2h"]["status"] == "sent"
        assert len(sends["supplement_reminder:24h"]["attempts"]) == 1
    finally:
        loaded.clock_file.write_text(original)


def test_a_duplicated_event_sends_once(loaded):
    """The broker may deliver an event twice: one send, one mail."""
    me = Applicant(loaded, "applicant-notify-duplicate", "lisi.duplicate@example.org",
                   "13900000113", "email")
    payload = me.returned()
    me.returned(payload)  # the very same event again
    me.wait_mail("被退回")
    time.sleep(2)
    assert len(me.mails("被退回")) == 1
    sends = [s for s in me.notifications() if s["template"] == "returned"]
    assert len(sends) == 1 and len(sends[0]["attempts"]) == 1


# ---- SMS through the provider: timeouts, refusals, outages ---------------------------------------

def test_a_provider_timeout_is_retried_then_succeeds(loaded):
    me = Applicant(loaded, "applicant-notify-timeout", "lisi.timeout@example.org",
                   "13900000101", "sms")
    loaded.sms.script(me.phone, "timeout", "ok")
    me.returned()
    send = me.wait_send("returned", lambda s: s["status"] == "sent")
    assert [(a["outcome"], a["code"]) for a in send["attempts"]] == [
        ("transient", "SMS_TIMEOUT"), ("sent", "OK")]
    assert send["recipient"] == "139****0101"
    calls = me.sms("SMS_RETURNED")
    assert [c["outcome"] for c in calls] == ["timeout", "ok"]
    # the same send: the same OutId on both calls; Aliyun's request shape
    assert calls[0]["out_id"] and calls[0]["out_id"] == calls[1]["out_id"]
    assert calls[1]["sign_name"] == "职称评审" and calls[1]["action"] == "SendSms"
    assert calls[1]["params"]["problem_count"] == "2"
    assert calls[1]["params"]["submissions_left"] == "2"


def test_a_permanent_provider_error_is_not_retried_and_email_takes_over(loaded):
    """The provider refuses the number for good: no second SMS; the applicant's other channel
    (email) carries the notice at once."""
    me = Applicant(loaded, "applicant-notify-permanent", "lisi.permanent@example.org",
                   "13900000102", "sms")
    loaded.sms.script(me.phone, "permanent")
    me.returned()
    me.wait_send("returned", lambda s: s["status"] == "sent")
    time.sleep(2)  # several retry windows (0.5–1 s) and ticks later
    assert [c["outcome"] for c in me.sms("SMS_RETURNED")] == ["permanent"]
    send = [s for s in me.notifications() if s["template"] == "returned"][0]
    assert [(a["channel"], a["outcome"], a["code"]) for a in send["attempts"]] == [
        ("sms", "permanent", "isv.MOBILE_NUMBER_ILLEGAL"), ("email", "sent", "OK")]
    assert me.mails("被退回")


def test_a_permanent_error_on_every_channel_is_failed_and_not_retried(loaded):
    me = Applicant(loaded, "applicant-notify-refused", "lisi@refused.invalid", "13900000104",
                   "sms")
    loaded.sms.script(me.phone, "permanent")
    me.returned()
    me.wait_send("returned", lambda s: s["status"] == "failed")
    time.sleep(2)
    send = [s for s in me.notifications() if s["template"] == "returned"][0]
    assert send["status"] == "failed"
    assert [(a["channel"], a["outcome"]) for a in send["attempts"]] == [
        ("sms", "permanent"), ("email", "permanent")]
    assert send["attempts"][1]["code"] == "SMTP_550"
    assert len(me.sms("SMS_RETURNED")) == 1


def test_a_provider_down_longer_than_the_retries_is_dead_lettered_and_resent(loaded):
    """The SMS provider refuses connections on every attempt (3 in this configuration) and the
    mail relay defers the other channel as often: the send is dead; the operator lists it with
    `titles deadletters list notify` and, with the provider back, `titles deadletters replay
    notify --event-id <send id>` delivers it by the preferred channel."""
    me = Applicant(loaded, "applicant-notify-down", "lisi@deferred.invalid", "13900000103",
                   "sms")
    loaded.sms.stop()
    try:
        me.returned()
        send = me.wait_send("returned", lambda s: s["status"] == "dead")
        assert [(a["channel"], a["outcome"], a["code"]) for a in send["attempts"]] == [
            ("sms", "transient", "SMS_CONNECTION")] * 3 + [
            ("email", "transient", "SMTP_451")] * 3
        letters = dead_letters(loaded, send["send_id"])
        assert letters and letters[0]["payload"]["template"] == "returned"
        assert "SMTP_451" in letters[0]["error"]  # the last failure
        assert letters[0]["payload"]["recipient"] == "l***@deferred.invalid"  # masked, even here
    finally:
        loaded.sms.start()
    replayed = loaded.titles("deadletters", "replay", "notify", "--event-id", send["send_id"],
                             service="notify")
    assert send["send_id"] in replayed.stdout
    send = me.wait_send("returned", lambda s: s["status"] == "sent")
    assert [(a["channel"], a["outcome"]) for a in send["attempts"]][-1] == ("sms", "sent")
    assert [c["outcome"] for c in me.sms("SMS_RETURNED")] == ["ok"]
    assert dead_letters(loaded, send["send_id"], wait=0) == []


def dead_letters(system, send_id: str, wait: float = 15) -> list[dict]:
    deadline = time.time() + wait
    while True:
        listed = system.titles("deadletters", "list", "notify", service="notify")
        found = [d for d in json.loads(listed.stdout) if d["event_id"] == send_id]
        if found or time.time() >= deadline:
            return found
        time.sleep(0.5)


# ---- who may read it ---------------------------------------------------------------------------

def test_only_the_applicant_and_support_read_the_notifications(loaded):
    me = Applicant(loaded, "applicant-notify-scope", "lisi.scope@example.org", "13900000114",
                   "email")
    path = f"/applications/{me.id}/notifications"
    other = loaded.api.token("applicant-notify-other", org=UNIT)
    assert loaded.api.call("GET", path, other).status_code == 404
    reviewer = loaded.api.token("P-U01", role="unit_reviewer", org=UNIT)
    assert loaded.api.call("GET", path, reviewer).json()["code"] == "FORBIDDEN"
    admin = loaded.api.token("support-1", role="admin")
    sends = loaded.api.call("GET", path, admin).json()
    received = [s for s in sends if s["template"] == "received"]
    assert received and received[0]["recipient"] == "l***@example.org"
