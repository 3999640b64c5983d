"""The foundation's thin path, through the intake HTTP API only (issue: foundation).

An applicant creates a draft, uploads one JPG, submits; documents checks the attachment and
renders a PDF into the object store; review opens the unit's task; notify emails the unit's
reviewer over SMTP and records the send. The state is readable over the API at every step.
"""
from __future__ import annotations

import pytest

from plumbing.config import ROOT
from plumbing.storage import make_client
from tests.support import applications as apps

pytestmark = pytest.mark.system

UNIT = "unit-urumqi-machinery"
REVIEWER_EMAIL = "hr.machinery@example.org"


def test_submission_flows_to_reviewer_email(loaded):
    api = loaded.api
    me = api.token("applicant-thin-1", org=UNIT, name="张三", email="zhangsan@example.org")

    body = apps.body(UNIT, specialty="mechanical_electronic", level="senior_engineer")
    app = apps.create(api, me, body)
    assert app["status"] == "draft"
    path = f"/applications/{app['id']}"

    r = api.call("PUT", f"{path}/attachments/basic/id_card", me, data=apps.attachment_image(
        "id_card"), headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "checking"
    checked = api.wait_for(path, me, lambda b: b["attachments"][0]["status"] != "checking")
    assert checked["attachments"][0]["status"] == "accepted", checked["attachments"]
    for section, kind in apps.required_attachments(body)[1:]:
        apps.upload(api, me, app["id"], section, kind)
    api.wait_for(path, me, lambda b: all(a["status"] != "checking" for a in b["attachments"]),
                 timeout=90)

    r = api.call("POST", f"{path}/submit", me)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "submitted"

    done = api.wait_for(path, me, lambda b: b["status"] == "in_review" and b["documents"])
    assert done["current_step"]["step"] == "unit"
    assert done["current_step"]["org_id"] == UNIT
    (doc,) = [d for d in done["documents"] if d["kind"] == "evaluation_form"]
    assert doc["version"] == 1 and doc["pages"] is None  # recorded; drawn on first download

    # downloaded through the API, it is drawn and stored (keys carry ids, not names)
    r = api.call("GET", doc["href"], me)
    assert r.status_code == 200, r.text
    s3 = make_client(loaded.s3)
    keys = [o.object_name for o in s3.list_objects(loaded.s3["DOCUMENTS_BUCKET"],
                                                   prefix=f"2019/{app['id']}/", recursive=True)
            if o.object_name.endswith("/evaluation_form.pdf")]
    assert len(keys) == 1
    pdf = s3.get_object(loaded.s3["DOCUMENTS_BUCKET"], keys[0]).read()
    assert pdf == r.content
    assert pdf.startswith(b"%PDF")

    # the unit's reviewer sees the task over the API (intake → review by RPC)
    reviewer = api.token("P-U01", role="unit_reviewer", org=UNIT)
    tasks = api.call("GET", "/review/tasks", reviewer).json()
    assert [t["application_id"] for t in tasks if t["application_id"] == app["id"]]

    # and was emailed, once, in Chinese
    mails = api_wait_mail(loaded.mailbox, REVIEWER_EMAIL, app["id"][:8].upper())
    assert len(mails) == 1
    assert "请您审核" in str(mails[0]["Subject"])

    history = api.call("GET", f"{path}/history", me).json()
    actions = [h["action"] for h in history]
    for expected in ("created", "attachment_uploaded", "attachment_checked", "submitted",
                     "task_opened", "document_rendered"):
        assert expected in actions


def test_another_applicant_cannot_read_it(loaded):
    api = loaded.api
    me = api.token("applicant-thin-2", org=UNIT)
    app = apps.create(api, me, apps.body(UNIT, level="engineer"))
    other = api.token("applicant-thin-3", org=UNIT)
    r = api.call("GET", f"/applications/{app['id']}", other)
    assert r.status_code == 404
    assert r.json()["code"] == "NOT_FOUND"


def api_wait_mail(mailbox, address, ref, timeout=30):
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [m for m in mailbox.to(address) if ref in str(m["Subject"])]
        if found:
            time.sleep(0.5)  # a duplicate would arrive about now
            return [m for m in mailbox.to(address) if ref in str(m["Subject"])]
        time.sleep(0.2)
    raise AssertionError(f"no mail to {address} about {ref}")


def test_failed_handler_is_dead_lettered_and_replay_completes_the_flow(loaded):
    """A submission for a unit review does not know fails in review's handler; after its retries
    it is in review's dead letters (listed by the command); once the unit is loaded, replaying
    it opens the task."""
    import json
    import time

    import yaml

    api = loaded.api
    unit = "unit-not-yet-loaded"
    me = api.token("applicant-dlq-1", org=unit)
    body = apps.body(unit, level="engineer")
    app = apps.create(api, me, body)
    path = f"/applications/{app['id']}"
    apps.upload_all(api, me, app["id"], body)
    assert api.call("POST", f"{path}/submit", me).status_code == 202

    deadline, letters = time.time() + 30, []
    while time.time() < deadline and not letters:
        listed = loaded.titles("deadletters", "list", "review", service="review")
        letters = [d for d in json.loads(listed.stdout)
                   if (d["payload"] or {}).get("application_id") == app["id"]]
        time.sleep(0.5)
    assert letters, "the failing event never reached review's dead letters"
    assert "UnknownUnit" in letters[0]["error"]
    assert api.call("GET", path, me).json()["status"] == "submitted"  # stuck, visibly

    # the fix: the unit joins the organisation tree
    tree = yaml.safe_load((ROOT / "deploy" / "sample" / "organisations.yaml").read_text("utf-8"))
    tree["organisations"].append({"id": unit, "name": "新加入的示例单位", "kind": "unit",
                                  "parent_id": "dept-urumqi", "reviewers": [
                                      {"person_id": "P-NEW", "name": "新审核人",
                                       "email": "new-unit@example.org"}]})
    fixed = loaded.log_dir.parent / "organisations-fixed.yaml"
    fixed.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    loaded.titles("load-orgs", str(fixed), service="review")
    replayed = loaded.titles("deadletters", "replay", "review", "--event-id",
                             letters[0]["event_id"], service="review")
    assert letters[0]["event_id"] in replayed.stdout

    done = api.wait_for(path, me, lambda b: b["status"] == "in_review")
    assert done["current_step"]["org_id"] == unit
    assert api_wait_mail(loaded.mailbox, "new-unit@example.org", app["id"][:8].upper())
