"""Endpoints for reviewers, committee staff and administrators (DOMAIN.md §9).

intake authenticates and checks the role; review decides, in its own scope rules, over RPC
(ARCHITECTURE.md §1). Each call passes the principal (sub, role, org, name) so that review can
attribute the decision (R-4.1). Documented in openapi/staff.yaml.
"""
from __future__ import annotations

import base64

from nameko.web.handlers import http
from sqlalchemy import select
from werkzeug.wrappers import Response

from contracts.errors import Refusal
from intake import auth, models as m
from intake.records import document
from intake.web import endpoint, json_response, read_json
from plumbing.rpc import Rpc

REVIEWERS = ("unit_reviewer", "department_reviewer", "committee_secretary")
SECRETARY = ("committee_secretary",)
APP = "/review/applications/<string:application_id>"


def _who(principal: auth.Principal) -> dict:
    return {"sub": principal.sub, "role": principal.role, "org": principal.org,
            "name": principal.name}


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


def _labels(season) -> dict:
    """Chinese names of a season's series, specialties and levels, by id."""
    labels = {}
    for series in season.series:
        labels[series.id] = series.name_zh
        labels.update({x.id: x.name_zh for x in series.specialties})
        labels.update({x.id: x.name_zh for x in series.levels})
    return labels


def _pdf(rendered: dict) -> Response:
    return Response(base64.b64decode(rendered["pdf_base64"]), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{rendered["filename"]}"',
                             "X-Verification-Code": rendered["verification_code"],
                             "Cache-Control": "no-store"})


class StaffEndpoints:
    documents = Rpc("documents")

    def _staff(self, request, *roles):
        principal = self._principal(request)
        auth.require(principal, *roles)
        return _who(principal)

    # ---- every reviewer ---------------------------------------------------------------------

    @http("GET", "/review/tasks")
    @endpoint
    def list_tasks(self, request):
        principal = self._principal(request)
        auth.require(principal, *REVIEWERS)
        return json_response(self.review.list_tasks(principal.org,
                                                    request.args.get("status") or None))

    @http("GET", APP)
    @endpoint
    def review_application(self, request, application_id):
        who = self._staff(request, *REVIEWERS, "expert", "admin")
        return json_response(self.review.application(who, application_id))

    @http("POST", APP + "/return")
    @endpoint
    def return_application(self, request, application_id):
        who = self._staff(request, *REVIEWERS)
        body = read_json(request)
        return json_response(self.review.return_application(
            who, application_id, _list(body, "problems"), _text(body, "reason", False)))

    # ---- unit (R-4.2) ------------------------------------------------------------------------

    @http("POST", APP + "/publicity")
    @endpoint
    def open_publicity(self, request, application_id):
        who = self._staff(request, "unit_reviewer", "department_reviewer")
        return json_response(self.review.open_publicity(who, application_id), status=201)

    @http("POST", APP + "/objections")
    @endpoint
    def record_objection(self, request, application_id):
        who = self._staff(request, "unit_reviewer", "department_reviewer")
        body = read_json(request)
        return json_response(self.review.record_objection(who, application_id,
                                                          _text(body, "text")), status=201)

    @http("POST", APP + "/objections/<string:objection_id>/resolution")
    @endpoint
    def resolve_objection(self, request, application_id, objection_id):
        who = self._staff(request, "unit_reviewer", "department_reviewer")
        body = read_json(request)
        return json_response(self.review.resolve_objection(
            who, application_id, objection_id, bool(body.get("upheld")),
            _text(body, "resolution")))

    @http("POST", APP + "/recommend")
    @endpoint
    def recommend(self, request, application_id):
        who = self._staff(request, "unit_reviewer", "department_reviewer")
        body = read_json(request)
        return json_response(self.review.recommend(who, application_id,
                                                   _text(body, "opinion")))

    # ---- department (R-4.3) ------------------------------------------------------------------

    @http("POST", APP + "/forward")
    @endpoint
    def forward(self, request, application_id):
        who = self._staff(request, "department_reviewer")
        body = read_json(request, required=False)
        return json_response(self.review.forward(who, application_id,
                                                 _text(body, "reason", False)))

    # ---- committee formal review (R-4.4, R-4.5) -----------------------------------------------

    @http("POST", APP + "/accept")
    @endpoint
    def accept(self, request, application_id):
        who = self._staff(request, *SECRETARY)
        body = read_json(request, required=False)
        return json_response(self.review.accept(who, application_id,
                                                _text(body, "reason", False)))

    @http("POST", APP + "/refuse")
    @endpoint
    def refuse(self, request, application_id):
        who = self._staff(request, *SECRETARY)
        body = read_json(request)
        return json_response(self.review.refuse(who, application_id, _text(body, "reason")))

    @http("POST", APP + "/supplement-requests")
    @endpoint
    def request_supplement(self, request, application_id):
        who = self._staff(request, *SECRETARY)
        body = read_json(request)
        return json_response(self.review.request_supplement(who, application_id,
                                                            _list(body, "items")), status=201)

    # ---- paper materials (R-5.1, R-5.2) --------------------------------------------------------

    @http("POST", "/review/paper-deliveries")
    @endpoint
    def record_paper_delivery(self, request):
        who = self._staff(request, *SECRETARY)
        body = read_json(request)
        return json_response(self.review.record_paper_delivery(
            who, _text(body, "unit_id"), _list(body, "application_ids")), status=201)

    @http("GET", APP + "/paper")
    @endpoint
    def paper_checklist(self, request, application_id):
        who = self._staff(request, *SECRETARY)
        return json_response(self.review.paper_checklist(who, application_id))

    @http("PUT", APP + "/paper/<int:number>")
    @endpoint
    def update_paper_item(self, request, application_id, number):
        who = self._staff(request, *SECRETARY)
        body = read_json(request)
        return json_response(self.review.update_paper_item(who, application_id, number,
                                                           _text(body, "state")))

    # ---- meetings and ballots (§8) -----------------------------------------------------------

    @http("POST", "/review/meetings")
    @endpoint
    def open_meeting(self, request):
        who = self._staff(request, *SECRETARY)
        body = read_json(request)
        return json_response(self.review.open_meeting(
            who, _list(body, "application_ids"), _list(body, "attending")), status=201)

    @http("POST", "/review/meetings/<string:meeting_id>/recusals")
    @endpoint
    def declare_recusal(self, request, meeting_id):
        who = self._staff(request, "committee_secretary", "expert")
        body = read_json(request)
        return json_response(self.review.declare_recusal(
            who, meeting_id, _text(body, "application_id"),
            body.get("expert_id") or who["sub"], _text(body, "reason")), status=201)

    @http("POST", "/review/meetings/<string:meeting_id>/ballots")
    @endpoint
    def cast_ballot(self, request, meeting_id):
        who = self._staff(request, "expert")
        body = read_json(request)
        return json_response(self.review.cast_ballot(
            who, meeting_id, _text(body, "application_id"), _text(body, "choice")), status=201)

    @http("POST", "/review/meetings/<string:meeting_id>/close")
    @endpoint
    def close_meeting(self, request, meeting_id):
        who = self._staff(request, *SECRETARY)
        return json_response(self.review.close_meeting(who, meeting_id))

    # ---- results and cases (N-8.6, N-8.7) ------------------------------------------------------

    @http("POST", APP + "/result/objections")
    @endpoint
    def record_result_objection(self, request, application_id):
        who = self._staff(request, *SECRETARY)
        body = read_json(request)
        return json_response(self.review.record_result_objection(
            who, application_id, _text(body, "text"), _text(body, "owner", False)), status=201)

    @http("POST", APP + "/result/final")
    @endpoint
    def finalize_result(self, request, application_id):
        who = self._staff(request, *SECRETARY)
        return json_response(self.review.finalize_result(who, application_id))

    @http("POST", APP + "/cases")
    @endpoint
    def open_case(self, request, application_id):
        who = self._staff(request, *SECRETARY)
        body = read_json(request)
        return json_response(self.review.open_case(
            who, application_id, _text(body, "kind"), _text(body, "text"),
            _text(body, "owner", False)), status=201)

    @http("POST", "/review/cases/<string:case_id>/close")
    @endpoint
    def close_case(self, request, case_id):
        who = self._staff(request, *SECRETARY)
        body = read_json(request)
        return json_response(self.review.close_case(who, case_id, _text(body, "outcome"),
                                                    bool(body.get("upheld"))))

    # ---- administration (R-1.5, R-2.3, R-4.1) ----------------------------------------------------

    @http("POST", "/admin/sanctions")
    @endpoint
    def impose_sanction(self, request):
        who = self._staff(request, "admin")
        body = read_json(request)
        return json_response(self.review.impose_sanction(
            who, _text(body, "subject"), _text(body, "reason"),
            body.get("application_id") or None, body.get("subject_id") or None), status=201)

    @http("POST", "/admin/organisations")
    @endpoint
    def load_organisations(self, request):
        """YAML text, or XLSX as base64 (`filename` ending .xlsx), or CSV tables."""
        self._staff(request, "admin")
        body = read_json(request)
        content = body.get("tables") if isinstance(body.get("tables"), dict) \
            else _text(body, "content")
        return json_response(self.review.load_organisations(
            content, str(body.get("filename") or "organisations.yaml")))

    @http("POST", "/admin/calendar")
    @endpoint
    def load_calendar(self, request):
        who = self._staff(request, "admin")
        body = read_json(request)
        days = body.get("days")
        if not isinstance(days, dict):
            raise Refusal("FIELD_BLANK", "days 应为 {日期: 是否工作日} 对象", field="days")
        return json_response(self.review.load_calendar(who, days))

    @http("GET", "/admin/audit")
    @endpoint
    def audit(self, request):
        self._staff(request, "admin")
        return json_response({"verification": self.review.verify_audit(),
                              "entries": self.review.audit_log()})

    # ---- printed lists, rendered by documents on request (D-4) ---------------------------------

    def _org_staff(self, request, org_id: str, *roles):
        """A reviewer acting for `org_id` itself, or an administrator."""
        principal = self._principal(request)
        auth.require(principal, *roles, "admin")
        if principal.role != "admin" and principal.org != org_id:
            raise Refusal("FORBIDDEN", "只能打印本单位（本机构）的清单", status=403, field="org_id")
        return principal

    def _applicants(self, application_ids) -> dict:
        """What the lists print of each applicant: name, titles and unit, with the season's
        Chinese names (intake owns the applications)."""
        ids = list(dict.fromkeys(application_ids))
        if not ids:
            return {}
        with self.db.session() as session:
            apps = session.execute(select(m.applications).where(
                m.applications.c.id.in_(ids))).all()
            out = {}
            for app in apps:
                labels = _labels(self._season(session, app.season))
                sections = document(app)["sections"]
                basic, qual = sections.get("basic") or {}, sections.get("qualification") or {}
                out[app.id] = {
                    "season": app.season,
                    "name": basic.get("name") or (app.applicant or {}).get("name") or "",
                    "current_title": qual.get("current_title") or "",
                    "specialty": labels.get(app.specialty, app.specialty or ""),
                    "applied_title": labels.get(app.level, app.level or ""),
                    "unit": basic.get("unit_name") or app.unit_id or ""}
        return out

    def _season_of(self, applicants: dict, request):
        season_id = request.args.get("season") or next(
            (a["season"] for a in applicants.values()), None)
        if not season_id:
            raise Refusal("LIST_EMPTY", "没有可列入清单的申报", status=404)
        with self.db.session() as session:
            return self._season(session, season_id)

    def _org_name(self, principal, items, level: int, org_id: str) -> str:
        """The organisation's name as review's route of the first listed application has it."""
        if not items:
            return org_id
        view = self.review.application(_who(principal), items[0]["application_id"])
        return view["route"][level]["name"]

    @http("GET", "/review/units/<string:unit_id>/publicity-notice.pdf")
    @endpoint
    def publicity_notice_pdf(self, request, unit_id):
        """R-4.2, R-2.3: the unit's publicity notice of the applicants it posted; `?result=true`
        its result (公示结果, R-5.1 (2)) once every publicity has ended."""
        principal = self._org_staff(request, unit_id, "unit_reviewer", "department_reviewer")
        who = _who(principal)
        tasks = [t for t in self.review.export_list("tasks", unit_id) if t["step"] == "unit"]
        views = [self.review.application(who, a) for a in
                 dict.fromkeys(t["application_id"] for t in tasks)]
        posted = [(v, [p for p in v["publicities"] if p["kind"] == "unit"]) for v in views]
        posted = [(v, pubs[-1]) for v, pubs in posted if pubs]
        applicants = self._applicants(v["id"] for v, _ in posted)
        season = self._season_of(applicants, request)
        rows = [applicants[v["id"]] | {
            "starts_on": p["opened_at"][:10], "ends_on": p["ends_on"], "outcome": p["outcome"],
            "objections": sum(1 for o in v["objections"] if o["publicity_id"] == p["id"])}
            for v, p in posted if v["id"] in applicants]
        org_name = next((v["route"][0]["name"] for v, _ in posted), unit_id)
        return _pdf(self.documents.render_list("publicity_notice", rows, {
            "org_id": unit_id, "org_name": org_name, "season": season.id,
            "issued_on": self.clock().date().isoformat(),
            "working_days": season.publicity_working_days,
            "contact": {"person": principal.name, "phone": principal.phone},
            "result": request.args.get("result") in ("1", "true", "yes")}))

    @http("GET", "/review/units/<string:unit_id>/paper-delivery-list.pdf")
    @endpoint
    def paper_delivery_list_pdf(self, request, unit_id):
        """R-5.1, R-2.2, R-5.3: what the unit brings, per applicant it recommended."""
        principal = self._org_staff(request, unit_id, "unit_reviewer", "department_reviewer")
        tasks = [t for t in self.review.export_list("tasks", unit_id)
                 if t["step"] == "unit" and t["decision"] == "recommended"]
        applicants = self._applicants(t["application_id"] for t in tasks)
        season = self._season_of(applicants, request)
        rows = [applicants[a] for a in dict.fromkeys(t["application_id"] for t in tasks)
                if a in applicants]
        window = season.paper_delivery_window
        return _pdf(self.documents.render_list("delivery_list", rows, {
            "org_id": unit_id, "org_name": self._org_name(principal, rows and tasks, 0, unit_id),
            "season": season.id, "issued_on": self.clock().date().isoformat(),
            "window": {"start": str(window.start), "end": str(window.end)},
            "address": season.delivery_address,
            "contact": {"person": principal.name, "phone": principal.phone}}))

    @http("GET", "/review/committees/<string:committee_id>/results-list.pdf")
    @endpoint
    def results_list_pdf(self, request, committee_id):
        """R-6.1, N-8.6: the committee's list of those who passed, for publication."""
        principal = self._org_staff(request, committee_id, "committee_secretary")
        results = [r for r in self.review.export_list("results", committee_id)
                   if r["outcome"] == "passed"]
        applicants = self._applicants(r["application_id"] for r in results)
        season = self._season_of(applicants, request)
        rows = [{**applicants[r["application_id"]],
                 "title": applicants[r["application_id"]]["applied_title"], "outcome": "passed"}
                for r in results if r["application_id"] in applicants]
        return _pdf(self.documents.render_list("results_list", rows, {
            "org_id": committee_id,
            "org_name": self._org_name(principal, rows and results, -1, committee_id),
            "season": season.id, "issued_on": self.clock().date().isoformat(),
            "period": {"start": request.args.get("from") or "", "end": request.args.get("to") or ""},
            "contact": {"person": principal.name, "phone": principal.phone}}))
