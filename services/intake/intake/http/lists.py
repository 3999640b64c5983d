"""Lists printed on request, rendered by documents (D-4): a unit's publicity notice (公示) and
its result, the unit's paper delivery list (纸质材料报送清单), a committee's list of those who
passed (评审通过人员名单). review says who is on a list (`export_list`); intake adds what the
list prints of each applicant; documents renders the PDF with its verification code. A
reviewer prints its own organisation's lists; an administrator any. Documented in
openapi/staff.yaml.
"""
from __future__ import annotations

import base64

from werkzeug.wrappers import Response

from contracts.errors import Refusal
from intake import dependencies, store
from intake.http import auth, files
from intake.http.problems import endpoint
from intake.http.server import http
from intake.records import document


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
                    headers={"Content-Disposition": files.content_disposition(rendered["filename"],
                                                                              inline=True),
                             "X-Verification-Code": rendered["verification_code"],
                             "Cache-Control": "no-store"})


class PrintedLists:
    db, clock, config, review, documents = dependencies.db, dependencies.clock, \
        dependencies.config, dependencies.review, dependencies.documents

    def _org_staff(self, request, org_id: str, *roles):
        """A reviewer acting for `org_id` itself, or an administrator."""
        principal = auth.caller(request, self.config)
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
            out = {}
            for app in store.applications_by_id(session, ids):
                labels = _labels(store.season(session, app.season))
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
            return store.season(session, season_id)

    def _org_name(self, principal, items, level: int, org_id: str) -> str:
        """The organisation's name as review's route of the first listed application has it."""
        if not items:
            return org_id
        view = self.review.application(principal.who(), items[0]["application_id"])
        return view["route"][level]["name"]

    @http("GET", "/review/units/<string:unit_id>/publicity-notice.pdf")
    @endpoint
    def publicity_notice_pdf(self, request, unit_id):
        """R-4.2, R-2.3: the unit's publicity notice of the applicants it posted; `?result=true`
        its result (公示结果, R-5.1 (2)) once every publicity has ended."""
        principal = self._org_staff(request, unit_id, "unit_reviewer", "department_reviewer")
        who = principal.who()
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
