"""The world the contract test fuzzes in: one application at each place a role may act on it,
made through the API as the frontend would, and a token per role. Half of each operation's cases
use these ids (so every operation is reached by a role allowed to call it), half the ids
schemathesis draws.

- the applicant's draft (with a checked attachment and 附件1 rendered from it) and one of its
  submitted applications (versions, documents, withdraw);
- at the unit's step, with its publicity open and an objection recorded;
- at the department's step;
- accepted at the committee's step and on the agenda of an open meeting (the secretary's and the
  expert's: a formal-review decision on it is refused as taken, which still reaches the desk);
- accepted, voted on in a closed meeting (passed, its result posted), with an objection to the
  result (a case).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from tests.support.applications import create, for_token, submit_complete, upload
from tests.support.clock import set_clock
from tests.support.review_api import (COMMITTEE, DEPT_REVIEWERS, MACHINERY, admin, expert, local,
                                      post, secretary, through_unit, to_committee, unit_token,
                                      wait_review)
from tests.system.conftest import SEASON_NOW

EXPERTS = [f"E-FZ-{i:02d}" for i in range(1, 11)]  # E-FZ-07 works at MACHINERY: recused
RESULTS_POSTED = local(2019, 11, 26, 10)  # the day after the seeded meeting: results posted


@dataclass
class Seeds:
    tokens: dict[str, str]
    params: dict[str, dict[str, object]] = field(default_factory=dict)  # role → defaults
    per_operation: dict[tuple[str, str], dict[str, object]] = field(default_factory=dict)
    bodies: dict[str, dict[str, object]] = field(default_factory=dict)  # operation → fields

    def path_parameters(self, operation_id: str, role: str, names) -> dict:
        """The seeded values of the path parameters `names` for `role` calling the operation."""
        chosen = {**self.params.get("*", {}), **self.params.get(role, {}),
                  **self.per_operation.get((operation_id, "*"), {}),
                  **self.per_operation.get((operation_id, role), {})}
        return {n: chosen[n] for n in names if n in chosen}

    def body(self, operation_id: str, drawn):
        """A drawn JSON object with the seeded ids it needs to reach its target (the agenda's
        application for a ballot, …); anything else as drawn."""
        extra = self.bodies.get(operation_id)
        return {**drawn, **extra} if extra and isinstance(drawn, dict) else drawn


def _submitted(system, sub: str):
    api = system.api
    me = api.token(sub, org=MACHINERY, name="申报人" + sub[-4:], email=f"{sub}@example.org")
    app = submit_complete(api, me, for_token(me))
    wait_review(api, app["id"], unit_token(api, MACHINERY), lambda v: v["status"] == "in_review")
    return app["id"], me


def _first_form(api, app_id, token) -> dict:
    view = api.wait_for(f"/applications/{app_id}", token, lambda b: any(
        d["kind"] == "evaluation_form" for d in b["documents"]), timeout=60)
    return next(d for d in view["documents"] if d["kind"] == "evaluation_form")


def build(system) -> Seeds:
    api = system.api
    set_clock(system, SEASON_NOW)
    dept = "dept-urumqi"
    tokens = {"applicant": api.token("ct-applicant", org=MACHINERY, name="契约申报人"),
              "unit_reviewer": unit_token(api, MACHINERY),
              "department_reviewer": api.token(DEPT_REVIEWERS[dept], role="department_reviewer",
                                               org=dept, name="主管部门审核人"),
              "committee_secretary": secretary(api), "expert": expert(api, EXPERTS[0]),
              "admin": admin(api), "public": ""}
    me = tokens["applicant"]

    draft = create(api, me, for_token(me))["id"]
    photo = upload(api, me, draft, "basic", "photo")["id"]
    guarantee = api.call("GET", f"/applications/{draft}/forms/guarantee", me)
    assert guarantee.status_code == 200, guarantee.text
    api.wait_for(f"/applications/{draft}", me, lambda b: b["documents"] and all(
        a["status"] != "checking" for a in b["attachments"]), timeout=60)
    draft_doc = api.call("GET", f"/applications/{draft}", me).json()["documents"][0]["id"]
    own = submit_complete(api, me, for_token(me))["id"]

    at_unit, _ = _submitted(system, "ct-at-unit")
    unit_doc = _first_form(api, at_unit, tokens["unit_reviewer"])
    unit_att = api.call("GET", f"/applications/{at_unit}", tokens["unit_reviewer"]).json()[
        "attachments"][0]["id"]
    at_dept, _ = _submitted(system, "ct-at-dept")
    on_agenda, _ = _submitted(system, "ct-on-agenda")
    decided, _ = _submitted(system, "ct-decided")

    through_unit(system, at_dept, MACHINERY, local(2019, 10, 15, 10))
    for app in (on_agenda, decided):
        to_committee(system, app, MACHINERY)
    sec = tokens["committee_secretary"]
    for app in (on_agenda, decided):
        post(api, f"/review/applications/{app}/accept", sec)
    set_clock(system, local(2019, 10, 16, 9))
    post(api, f"/review/applications/{at_unit}/publicity", tokens["unit_reviewer"], status=201)
    objection = post(api, f"/review/applications/{at_unit}/objections", tokens["unit_reviewer"],
                     {"text": "对业绩成果有异议"}, status=201)

    set_clock(system, local(2019, 11, 25, 9))
    closed = post(api, "/review/meetings", sec, {"application_ids": [decided],
                                                 "attending": EXPERTS}, status=201)
    for who in EXPERTS:
        if who != "E-FZ-07":
            post(api, f"/review/meetings/{closed['id']}/ballots", expert(api, who),
                 {"application_id": decided, "choice": "for"}, status=201)
    post(api, f"/review/meetings/{closed['id']}/close", sec)
    meeting = post(api, "/review/meetings", sec, {"application_ids": [on_agenda],
                                                  "attending": EXPERTS}, status=201)
    case = post(api, f"/review/applications/{decided}/result/objections", sec,
                {"text": "对评审结果有异议"}, status=201)["case"]
    set_clock(system, RESULTS_POSTED)

    seeds = Seeds(tokens)
    seeds.params = {
        "*": {"season_id": "2019", "unit_id": MACHINERY, "committee_id": COMMITTEE,
              "version": 1, "before": 1, "after": 1, "number": 1, "kind": "guarantee",
              "event": "task_opened", "channel": "sms", "code": unit_doc["verification_code"]},
        "applicant": {"application_id": own, "document_id": draft_doc, "attachment_id": photo},
        "unit_reviewer": {"application_id": at_unit, "objection_id": objection["id"],
                          "document_id": unit_doc["id"], "attachment_id": unit_att},
        "department_reviewer": {"application_id": at_dept, "unit_id": dept},
        "committee_secretary": {"application_id": on_agenda, "meeting_id": meeting["id"],
                                "case_id": case["id"]},
        "expert": {"application_id": on_agenda, "meeting_id": meeting["id"]},
        "admin": {"application_id": at_unit, "document_id": unit_doc["id"],
                  "attachment_id": unit_att},
    }
    for op in ("patch_application", "upload_attachment", "presign_attachment",
               "confirm_attachment", "submit", "submit_supplement", "draft_form",
               "download_document", "download_attachment"):
        seeds.per_operation[(op, "applicant")] = {
            "application_id": draft, "section": "basic", "kind": "photo"}
    seeds.per_operation[("draft_form", "applicant")]["kind"] = "guarantee"
    seeds.per_operation[("download_document", "admin")] = {"application_id": at_unit}
    seeds.per_operation[("download_attachment", "admin")] = {"application_id": at_unit}
    for op in ("record_result_objection", "finalize_result", "open_case", "paper_checklist",
               "update_paper_item"):
        seeds.per_operation[(op, "committee_secretary")] = {"application_id": decided}
    seeds.per_operation[("close_meeting", "committee_secretary")] = {"meeting_id": meeting["id"]}
    seeds.per_operation[("verify_document", "public")] = {"code": unit_doc["verification_code"]}
    seeds.bodies = {
        "cast_ballot": {"application_id": on_agenda},
        "declare_recusal": {"application_id": on_agenda},
        "record_paper_delivery": {"unit_id": MACHINERY, "application_ids": [decided]},
        "open_meeting": {"application_ids": [on_agenda], "attending": EXPERTS},
    }
    return seeds
