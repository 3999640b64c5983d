"""The desk of reviewers, committee staff and administrators (docs/rules.md §9).

intake authenticates and checks the role; review decides, in its own scope rules, over RPC
(docs/services.md). Each call passes the principal (sub, role, org, name) so that review can
attribute the decision (R-4.1). Every body is checked against its operation's schema in
openapi/staff.yaml first (`http.bodies`: types, ids, lengths, unknown fields, 422 with every
problem), so nothing malformed reaches review. The printed lists are `http.lists`.
"""
from __future__ import annotations

from contracts.errors import Refusal
from intake import dependencies
from intake.http import auth, bodies
from intake.http.problems import endpoint, json_response
from intake.http.server import http
from intake.pii import Pii, mask
from intake.rules.idcard import id_number_error

REVIEWERS = ("unit_reviewer", "department_reviewer", "committee_secretary")
SECRETARY = ("committee_secretary",)
APP = "/review/applications/<string:application_id>"


def _text(body: dict, key: str, required: bool = True) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise Refusal("FIELD_BLANK", f"请填写 {key}", field=key)
    return value


def _list(body: dict, key: str) -> list:
    value = body.get(key)
    if not isinstance(value, list) or not value:
        raise Refusal("FIELD_BLANK", f"{key} 应为非空列表", field=key)
    return value


def sealed_person(id_number, config) -> tuple[str | None, str | None]:
    """R-1.5: a person named by ID number, as review may hold them: the keyed hash intake finds
    applicants by (`intake.pii`) and the masked number; (None, None) when none is given."""
    if id_number is None or id_number == "":
        return None, None
    error = id_number_error(id_number) if isinstance(id_number, str) else "身份证号应为文本"
    if error:
        raise Refusal("ID_NUMBER_INVALID", error, status=422, field="id_number")
    return Pii(config["PII_KEY"]).lookup_hash(id_number), mask(id_number)


def staff(request, config, *roles) -> dict:
    """The caller, if it has one of `roles`, as review's RPCs take it."""
    principal = auth.caller(request, config)
    auth.require(principal, *roles)
    return principal.who()


class ReviewDesk:
    """Reviewers, committee secretaries and experts: review's steps, meetings and results."""
    config, review = dependencies.config, dependencies.review

    # ---- every reviewer ---------------------------------------------------------------------

    @http("GET", "/review/tasks")
    @endpoint
    def list_tasks(self, request):
        principal = auth.caller(request, self.config)
        auth.require(principal, *REVIEWERS)
        status = bodies.query(request, "list_tasks").get("status")
        return json_response(self.review.list_tasks(principal.org, status))

    @http("GET", APP)
    @endpoint
    def review_application(self, request, application_id):
        who = staff(request, self.config, *REVIEWERS, "expert", "admin")
        return json_response(self.review.application(who, application_id))

    @http("POST", APP + "/return")
    @endpoint
    def return_application(self, request, application_id):
        who = staff(request, self.config, *REVIEWERS)
        body = bodies.body(request, "return_application")
        return json_response(self.review.return_application(
            who, application_id, _list(body, "problems"), _text(body, "reason", False)))

    # ---- unit (R-4.2) ------------------------------------------------------------------------

    @http("POST", APP + "/publicity")
    @endpoint
    def open_publicity(self, request, application_id):
        who = staff(request, self.config, "unit_reviewer", "department_reviewer")
        return json_response(self.review.open_publicity(who, application_id), status=201)

    @http("POST", APP + "/objections")
    @endpoint
    def record_objection(self, request, application_id):
        who = staff(request, self.config, "unit_reviewer", "department_reviewer")
        body = bodies.body(request, "record_objection")
        return json_response(self.review.record_objection(who, application_id,
                                                          _text(body, "text")), status=201)

    @http("POST", APP + "/objections/<string:objection_id>/resolution")
    @endpoint
    def resolve_objection(self, request, application_id, objection_id):
        who = staff(request, self.config, "unit_reviewer", "department_reviewer")
        body = bodies.body(request, "resolve_objection")
        return json_response(self.review.resolve_objection(
            who, application_id, objection_id, bool(body.get("upheld")),
            _text(body, "resolution")))

    @http("POST", APP + "/recommend")
    @endpoint
    def recommend(self, request, application_id):
        who = staff(request, self.config, "unit_reviewer", "department_reviewer")
        body = bodies.body(request, "recommend")
        return json_response(self.review.recommend(who, application_id,
                                                   _text(body, "opinion")))

    # ---- department (R-4.3) ------------------------------------------------------------------

    @http("POST", APP + "/forward")
    @endpoint
    def forward(self, request, application_id):
        who = staff(request, self.config, "department_reviewer")
        body = bodies.body(request, "forward", required=False)
        return json_response(self.review.forward(who, application_id,
                                                 _text(body, "reason", False)))

    # ---- committee formal review (R-4.4, R-4.5) -----------------------------------------------

    @http("POST", APP + "/accept")
    @endpoint
    def accept(self, request, application_id):
        who = staff(request, self.config, *SECRETARY)
        body = bodies.body(request, "accept", required=False)
        return json_response(self.review.accept(who, application_id,
                                                _text(body, "reason", False)))

    @http("POST", APP + "/refuse")
    @endpoint
    def refuse(self, request, application_id):
        who = staff(request, self.config, *SECRETARY)
        body = bodies.body(request, "refuse")
        return json_response(self.review.refuse(who, application_id, _text(body, "reason")))

    @http("POST", APP + "/supplement-requests")
    @endpoint
    def request_supplement(self, request, application_id):
        who = staff(request, self.config, *SECRETARY)
        body = bodies.body(request, "request_supplement")
        return json_response(self.review.request_supplement(who, application_id,
                                                            _list(body, "items")), status=201)

    # ---- paper materials (R-5.1, R-5.2) --------------------------------------------------------

    @http("POST", "/review/paper-deliveries")
    @endpoint
    def record_paper_delivery(self, request):
        who = staff(request, self.config, *SECRETARY)
        body = bodies.body(request, "record_paper_delivery")
        return json_response(self.review.record_paper_delivery(
            who, _text(body, "unit_id"), _list(body, "application_ids")), status=201)

    @http("GET", APP + "/paper")
    @endpoint
    def paper_checklist(self, request, application_id):
        who = staff(request, self.config, *SECRETARY)
        return json_response(self.review.paper_checklist(who, application_id))

    @http("PUT", APP + "/paper/<int:number>")
    @endpoint
    def update_paper_item(self, request, application_id, number):
        who = staff(request, self.config, *SECRETARY)
        body = bodies.body(request, "update_paper_item")
        return json_response(self.review.update_paper_item(who, application_id, number,
                                                           _text(body, "state")))

    # ---- meetings and ballots (§8) -----------------------------------------------------------

    @http("POST", "/review/meetings")
    @endpoint
    def open_meeting(self, request):
        who = staff(request, self.config, *SECRETARY)
        body = bodies.body(request, "open_meeting")
        return json_response(self.review.open_meeting(
            who, _list(body, "application_ids"), _list(body, "attending")), status=201)

    @http("POST", "/review/meetings/<string:meeting_id>/recusals")
    @endpoint
    def declare_recusal(self, request, meeting_id):
        who = staff(request, self.config, "committee_secretary", "expert")
        body = bodies.body(request, "declare_recusal")
        return json_response(self.review.declare_recusal(
            who, meeting_id, _text(body, "application_id"),
            body.get("expert_id") or who["sub"], _text(body, "reason")), status=201)

    @http("POST", "/review/meetings/<string:meeting_id>/ballots")
    @endpoint
    def cast_ballot(self, request, meeting_id):
        who = staff(request, self.config, "expert")
        body = bodies.body(request, "cast_ballot")
        return json_response(self.review.cast_ballot(
            who, meeting_id, _text(body, "application_id"), _text(body, "choice")), status=201)

    @http("POST", "/review/meetings/<string:meeting_id>/close")
    @endpoint
    def close_meeting(self, request, meeting_id):
        who = staff(request, self.config, *SECRETARY)
        return json_response(self.review.close_meeting(who, meeting_id))

    # ---- results and cases (N-8.6, N-8.7) ------------------------------------------------------

    @http("POST", APP + "/result/objections")
    @endpoint
    def record_result_objection(self, request, application_id):
        who = staff(request, self.config, *SECRETARY)
        body = bodies.body(request, "record_result_objection")
        return json_response(self.review.record_result_objection(
            who, application_id, _text(body, "text"), _text(body, "owner", False)), status=201)

    @http("POST", APP + "/result/final")
    @endpoint
    def finalize_result(self, request, application_id):
        who = staff(request, self.config, *SECRETARY)
        return json_response(self.review.finalize_result(who, application_id))

    @http("POST", APP + "/cases")
    @endpoint
    def open_case(self, request, application_id):
        who = staff(request, self.config, *SECRETARY)
        body = bodies.body(request, "open_case")
        return json_response(self.review.open_case(
            who, application_id, _text(body, "kind"), _text(body, "text"),
            _text(body, "owner", False)), status=201)

    @http("POST", "/review/cases/<string:case_id>/close")
    @endpoint
    def close_case(self, request, case_id):
        who = staff(request, self.config, *SECRETARY)
        body = bodies.body(request, "close_case")
        return json_response(self.review.close_case(who, case_id, _text(body, "outcome"),
                                                    bool(body.get("upheld"))))


class AdminDesk:
    """Administrators: sanctions, organisations, the working-day calendar and the audit chain,
    all kept by review (seasons are intake's own: `intake.admin`)."""
    config, review = dependencies.config, dependencies.review

    # ---- administration (R-1.5, R-2.3, R-4.1) ----------------------------------------------------

    @http("POST", "/admin/sanctions")
    @endpoint
    def impose_sanction(self, request):
        """R-1.5: the ID number of a person named by it never leaves intake: review gets its
        keyed hash (what intake finds applicants by) and the masked number."""
        who = staff(request, self.config, "admin")
        body = bodies.body(request, "impose_sanction")
        key, masked = sealed_person(body.get("id_number"), self.config)
        return json_response(self.review.impose_sanction(
            who, _text(body, "subject"), _text(body, "reason"),
            body.get("application_id") or None, body.get("subject_id") or None,
            body.get("decided_on") or None, body.get("series") or None,
            body.get("level") or None, key, masked), status=201)

    @http("POST", "/admin/organisations")
    @endpoint
    def load_organisations(self, request):
        """YAML text, or XLSX as base64 (`filename` ending .xlsx), or CSV tables."""
        staff(request, self.config, "admin")
        body = bodies.body(request, "load_organisations")
        content = body.get("tables") if isinstance(body.get("tables"), dict) \
            else _text(body, "content")
        return json_response(self.review.load_organisations(
            content, str(body.get("filename") or "organisations.yaml")))

    @http("POST", "/admin/calendar")
    @endpoint
    def load_calendar(self, request):
        who = staff(request, self.config, "admin")
        body = bodies.body(request, "load_calendar")
        days = body.get("days")
        if not isinstance(days, dict):
            raise Refusal("FIELD_BLANK", "days 应为 {日期: 是否工作日} 对象", field="days")
        return json_response(self.review.load_calendar(who, days))

    @http("GET", "/admin/audit")
    @endpoint
    def audit(self, request):
        staff(request, self.config, "admin")
        return json_response({"verification": self.review.verify_audit(),
                              "entries": self.review.audit_log()})
