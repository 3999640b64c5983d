"""intake: the only HTTP API of the platform frontend (ARCHITECTURE.md §1).

Entrypoints stay thin: authenticate, load, call a rule, store, emit. The rules live in
`intake.rules`; the tables in `intake.models`; the edge (JSON, problem details) in `intake.web`;
how stored rows become the application the rules judge (and the view) in `intake.records`.

Drafts (decided, README "intake"): opening an application needs the header and section 1
(基本信息) valid and passes the eligibility rules (R-1.1, R-1.3, R-1.5, one active application per
person and season); the other sections may be saved incomplete (PATCH checks types, lengths,
unknown fields) and the full completeness check runs at submission, listing every problem at
once (N-8.5).
"""
from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from datetime import date, datetime

from nameko.rpc import rpc
from nameko.web.handlers import http
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from contracts import events
from contracts.errors import Problem, Refusal
from contracts.season import load_season
from intake import auth, models as m, openapi, records
from intake.base import IntakeBase, is_id
from intake.notifications import NotificationEndpoints
from intake.pii import Pii, normalise
from intake.rules import (Bar, catalogue_problems, category_problems, completeness,
                          creation_problems, diff_versions, submission_problems,
                          validate_draft_patch)
from intake.rules.attachments import attachment_problems, is_acceptable_kind
from intake.rules.fields import validate_opening_sections
from intake.rules.idcard import id_number_error
from intake.staff import StaffEndpoints
from intake.verify import VerifyEndpoints
from intake.web import MAX_JSON_BYTES, endpoint, json_response, read_json
from plumbing.events import subscribe
from plumbing.health import HealthMixin, report
from plumbing.rpc import refusals_as_data

log = logging.getLogger(__name__)

JPEG = "image/jpeg"
EDITABLE = ("draft", "returned", "supplement_requested")  # PATCH and attachments
SUBMITTABLE = ("draft", "returned")
CLOSED = ("withdrawn", "abandoned", "refused", "passed", "failed")  # nothing more happens
GATES = ("WINDOW_CLOSED", "SUBMISSION_CAP_REACHED")  # why a submission is refused as a whole


@contextmanager
def _one_active_application():
    """The partial unique index (migration 0003) settles a race the check before it lost."""
    try:
        yield
    except IntegrityError:
        raise Refusal("APPLICATION_EXISTS", "本年度已有一份进行中的申报，不能重复申报",
                      status=422) from None


def _refuse_all(problems: list[Problem], code: str, message: str) -> Refusal:
    """N-8.5: every problem at once; a gate (window, cap) names the refusal when present."""
    gate = next((p for p in problems if p.code in GATES), None)
    if gate is not None and len(problems) > 1:
        return Refusal(gate.code, gate.message, 422, None, list(problems))
    return Refusal.of(problems, status=422, code=code, message=message)


class IntakeService(IntakeBase, StaffEndpoints, NotificationEndpoints, VerifyEndpoints,
                    HealthMixin):
    """Applicant endpoints here; the other areas of the API come from their mixins."""

    # ---- helpers -----------------------------------------------------------------------------

    @property
    def pii(self) -> Pii:
        return Pii(self.config["PII_KEY"])

    def _view(self, session, app, principal=None) -> dict:
        season = self._season(session, app.season)
        atts = session.execute(select(m.attachments).where(
            m.attachments.c.application_id == app.id).order_by(m.attachments.c.created_at)).all()
        docs = session.execute(select(m.documents).where(
            m.documents.c.application_id == app.id).order_by(m.documents.c.version)).all()
        owner = principal is not None and principal.role == "applicant" \
            and principal.sub == app.applicant_id
        return records.view(app, season, atts, docs,
                            id_number=self.pii.open_(app.id_number_sealed)
                            if owner and app.id_number_sealed else None)

    def _load_view(self, session, app_id, principal):
        app = session.execute(select(m.applications).where(m.applications.c.id == app_id)).one()
        return self._view(session, app, principal)

    def _bars(self, session, today: date, person_hash: str | None, applicant_id: str,
              units: set[str]) -> list[Bar]:
        """R-1.5: the bars in force today against this person (by ID number or platform id) or
        their units, as the eligibility rule sees them."""
        rows = session.execute(select(m.bars).where(
            m.bars.c.starts_on <= today, m.bars.c.until >= today)).all()
        found = []
        for b in rows:
            if b.subject == "person" and (b.subject_key == person_hash
                                          or b.applicant_id == applicant_id):
                found.append(Bar("person", person_hash or applicant_id, b.until))
            elif b.subject == "unit" and b.subject_key in units:
                found.append(Bar("unit", b.subject_key, b.until))
        return found

    def _active_applications(self, session, season_id: str, person_hash: str,
                             except_id: str | None = None) -> int:
        q = select(func.count()).select_from(m.applications).where(
            m.applications.c.season == season_id, m.applications.c.person_hash == person_hash,
            m.applications.c.status != "withdrawn")
        if except_id:
            q = q.where(m.applications.c.id != except_id)
        return session.execute(q).scalar()

    def _current_attachments(self, session, app_id):
        return session.execute(select(m.attachments).where(
            m.attachments.c.application_id == app_id,
            m.attachments.c.superseded_by.is_(None),
            m.attachments.c.status != "awaiting_upload").order_by(
            m.attachments.c.created_at)).all()

    def _editable(self, session, principal, application_id, for_update=True):
        app = self._own_application(session, principal, application_id, for_update=for_update)
        if app.status not in EDITABLE:
            raise Refusal("NOT_EDITABLE", "当前状态下不能修改申报", status=409)
        return app

    def _freeze(self, tx, app, season, principal, kind: str, now: datetime) -> int:
        """Freeze an immutable version (R-4.4) and tell review, documents and notify."""
        atts = self._current_attachments(tx.session, app.id)
        snapshot = records.snapshot(app, atts)
        version = (tx.session.execute(select(func.max(m.versions.c.version)).where(
            m.versions.c.application_id == app.id)).scalar() or 0) + 1
        submission_no = app.submission_count + (0 if kind == "supplement" else 1)
        tx.session.execute(m.versions.insert().values(
            application_id=app.id, version=version, submitted_at=now, snapshot=snapshot,
            kind=kind, submitted_by=principal.sub))
        self._history(tx, app.id, principal.sub, "submitted" if kind != "supplement"
                      else "supplement_submitted", version=version, kind=kind)
        tx.emit(events.APPLICATION_SUBMITTED, application_id=app.id, season=app.season,
                version=version, submission_no=submission_no, kind=kind,
                applicant_id=app.applicant_id, unit_id=app.unit_id, category=app.category,
                series=app.series, level=app.level, specialty=app.specialty or None,
                applicant=records.contact(app), snapshot=snapshot)
        return version

    # ---- health and admin --------------------------------------------------------------------

    @http("GET", "/openapi.json")
    @endpoint
    def openapi(self, request):
        return json_response(openapi.document())

    @http("GET", "/health")
    @endpoint
    def http_health(self, request):
        return json_response({"service": self.name, **report(self.db)})

    @http("GET,POST,PUT,PATCH,DELETE", "/<path:unknown>")
    @endpoint
    def unknown_route(self, request, unknown):
        """Any path no other route takes (werkzeug tries `<path:…>` last): a problem the frontend
        can read instead of werkzeug's HTML page."""
        allowed = openapi.allowed_methods(request.path)
        if allowed:
            raise Refusal("METHOD_NOT_ALLOWED",
                          f"该地址不支持 {request.method} 请求，可用：{', '.join(sorted(allowed))}",
                          status=405)
        raise Refusal("ROUTE_UNKNOWN", "没有这个接口地址，请核对路径", status=404)

    def _store_season(self, text: str, expected_id: str | None = None) -> dict:
        season = load_season(text)
        if expected_id is not None and season.id != expected_id:
            raise Refusal("SEASON_ID_MISMATCH", f"文件中的评审年度标识为“{season.id}”，与地址中的"
                          f"“{expected_id}”不一致", status=422, field="id")
        with self.db.transaction() as tx:
            tx.session.execute(m.seasons.delete().where(m.seasons.c.id == season.id))
            tx.session.execute(m.seasons.insert().values(id=season.id, document=text,
                                                         loaded_at=self.clock()))
        return {"season": season.id, "title_zh": season.title_zh,
                "application_window": {"start": season.application_window.start.isoformat(),
                                       "end": season.application_window.end.isoformat()}}

    @rpc
    @refusals_as_data
    def load_season(self, text: str) -> dict:
        """Validate and store a season file (all errors listed at once); `titles load-season`."""
        return self._store_season(text)

    @http("PUT", "/admin/seasons/<string:season_id>")
    @endpoint
    def put_season(self, request, season_id):
        """Load a season (YAML body, role admin); a wrong file is refused with every error."""
        principal = self._principal(request)
        auth.require(principal, "admin")
        if (request.content_length or 0) > MAX_JSON_BYTES:
            raise Refusal("BODY_TOO_LARGE", "请求内容过大（上限 1 MB）", status=413)
        raw = request.get_data(cache=False)[:MAX_JSON_BYTES + 1]
        if len(raw) > MAX_JSON_BYTES:
            raise Refusal("BODY_TOO_LARGE", "请求内容过大（上限 1 MB）", status=413)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Refusal("SEASON_NOT_YAML", "评审年度文件应为 UTF-8 编码的 YAML") from None
        if not text.strip():
            raise Refusal("BODY_REQUIRED", "请求内容不能为空，应为评审年度 YAML 文件")
        return json_response(self._store_season(text, season_id))

    # ---- applicant: the application ----------------------------------------------------------

    @http("POST", "/applications")
    @endpoint
    def create_application(self, request):
        """Open a draft: header and section 1 valid, eligible (R-1.1, R-1.3, R-1.5), one active
        application per person and season."""
        principal = self._principal(request)
        auth.require(principal, "applicant")
        body = read_json(request)
        season_id = body.get("season")
        if not isinstance(season_id, str) or not season_id.strip():
            raise Refusal("FIELD_REQUIRED", "请选择评审年度", status=422, field="season")
        pii = self.pii
        with self.db.transaction() as tx:
            season = self._season(tx.session, season_id)
            now = self.clock()
            problems = validate_opening_sections(body, season)
            basic = records.basic_of(body)
            id_number = basic.get("id_number")
            id_ok = isinstance(id_number, str) and id_number_error(id_number) is None
            person_hash = pii.lookup_hash(id_number) if id_ok else None
            own_unit = basic.get("unit_id") if isinstance(basic.get("unit_id"), str) else None
            if isinstance(body.get("unit_id"), str) and own_unit \
                    and body["unit_id"] != own_unit:
                problems.append(Problem("UNIT_MISMATCH", "申报单位与基本信息中的工作单位不一致",
                                        "unit_id"))
            reviewing = records.reviewing_unit(body, own_unit)
            units = {u for u in (own_unit, reviewing) if u}
            bars = self._bars(tx.session, season.local_date(now), person_hash, principal.sub,
                              units)
            active = self._active_applications(tx.session, season.id, person_hash) \
                if person_hash else 0
            problems += creation_problems(body, season, person_id=person_hash or principal.sub,
                                          unit_id=own_unit or "", active_bars=bars,
                                          active_applications=active)
            if problems:
                raise Refusal.of(problems, code="APPLICATION_INVALID",
                                 message="申报信息有误，请按列出的问题逐项修改")
            app_id = str(uuid.uuid4())
            with _one_active_application():
                tx.session.execute(m.applications.insert().values(
                    id=app_id, season=season.id, applicant_id=principal.sub, unit_id=reviewing,
                    own_unit_id=own_unit, series=body["series"],
                    specialty=body.get("specialty") or "", level=body["level"],
                    category=body["category"], status="draft",
                    sections=records.sealed_sections(body["sections"]),
                    applicant=principal.contact(), submission_count=0, created_at=now,
                    updated_at=now, id_number_sealed=pii.seal(id_number),
                    person_hash=person_hash, aid=body.get("aid"),
                    entrusted=body.get("entrusted")))
            self._history(tx, app_id, principal.sub, "created")
            view = self._load_view(tx.session, app_id, principal)
        return json_response(view, status=201, headers={"Location": f"/applications/{app_id}"})

    @http("GET", "/applications")
    @endpoint
    def list_applications(self, request):
        """An applicant's own applications; a unit reviewer's unit's (the unit that reviews
        first); an admin's all. Newest first, at most 200; `?season=` narrows."""
        principal = self._principal(request)
        auth.require(principal, "applicant", "unit_reviewer", "admin")
        q = select(m.applications).order_by(m.applications.c.created_at.desc()).limit(200)
        if principal.role == "applicant":
            q = q.where(m.applications.c.applicant_id == principal.sub)
        elif principal.role == "unit_reviewer":
            if not principal.org:
                raise Refusal("FORBIDDEN", "登录凭据中缺少所在单位（org）", status=403)
            q = q.where(m.applications.c.unit_id == principal.org)
        season = request.args.get("season")
        if season:
            if not season.isprintable():
                raise Refusal("VALUE_NOT_ALLOWED", "评审年度标识无效", status=422, field="season")
            q = q.where(m.applications.c.season == season[:20])
        with self.db.session() as session:
            rows = session.execute(q).all()
        return json_response([records.summary(r) for r in rows])

    @http("GET", "/applications/<string:application_id>")
    @endpoint
    def get_application(self, request, application_id):
        principal = self._principal(request)
        with self.db.session() as session:
            app = self._own_application(session, principal, application_id)
            return json_response(self._view(session, app, principal))

    @http("PATCH", "/applications/<string:application_id>")
    @endpoint
    def patch_application(self, request, application_id):
        """Save part of a draft (or a returned application, or one asked for supplements):
        unknown fields, wrong types and over-long texts are refused, all at once, and nothing
        changes; blanks are allowed until submission (R-3.1 is checked in full there)."""
        principal = self._principal(request)
        auth.require(principal, "applicant")
        patch = read_json(request)
        pii = self.pii
        with self.db.transaction() as tx:
            app = self._editable(tx.session, principal, application_id)
            season = self._season(tx.session, app.season)
            problems = [Problem("FIELD_READ_ONLY", "评审年度在创建后不能修改", "season")] \
                if "season" in patch else []
            problems += [Problem("FIELD_REQUIRED", "此项不能清空", key)
                         for key in ("series", "level", "category", "sections")
                         if key in patch and patch[key] is None]
            problems += validate_draft_patch({k: v for k, v in patch.items() if k != "season"},
                                             season)
            if problems:
                raise Refusal.of(problems, code="APPLICATION_INVALID",
                                 message="修改内容有误，请按列出的问题逐项修改")
            current = records.document(app, id_number=pii.open_(app.id_number_sealed)
                                       if app.id_number_sealed else None)
            merged = records.merge(current, patch)
            basic = records.basic_of(merged)
            id_number = basic.get("id_number")
            problems = catalogue_problems(merged, season) + category_problems(merged, season)
            person_hash = app.person_hash
            if isinstance(id_number, str) and normalise(id_number) != normalise(
                    current["sections"].get("basic", {}).get("id_number") or ""):
                reason = id_number_error(id_number)
                if reason:
                    problems.append(Problem("ID_NUMBER_INVALID", reason,
                                            "sections.basic.id_number"))
                else:
                    person_hash = pii.lookup_hash(id_number)
                    if self._active_applications(tx.session, app.season, person_hash, app.id):
                        problems.append(Problem("APPLICATION_EXISTS",
                                                "本年度已有一份进行中的申报，不能重复申报"))
            if problems:
                raise Refusal.of(problems, code="APPLICATION_INVALID",
                                 message="修改内容有误，请按列出的问题逐项修改")
            own_unit = basic.get("unit_id") if isinstance(basic.get("unit_id"), str) \
                else app.own_unit_id
            now = self.clock()
            with _one_active_application():
                tx.session.execute(update(m.applications).where(
                    m.applications.c.id == app.id).values(
                    series=merged["series"], specialty=merged.get("specialty") or "",
                    level=merged["level"], category=merged["category"],
                    aid=merged.get("aid"), entrusted=merged.get("entrusted"),
                    own_unit_id=own_unit, unit_id=records.reviewing_unit(merged, own_unit),
                    sections=records.sealed_sections(merged["sections"]),
                    id_number_sealed=pii.seal(id_number) if isinstance(id_number, str)
                    and id_number_error(id_number) is None else app.id_number_sealed,
                    person_hash=person_hash, updated_at=now))
            self._history(tx, app.id, principal.sub, "edited",
                          fields=sorted(records.changed_paths(patch)))
            view = self._load_view(tx.session, app.id, principal)
        return json_response(view)

    @http("POST", "/applications/<string:application_id>/submit")
    @endpoint
    def submit(self, request, application_id):
        """R-2.1 window, R-4.4 cap, R-3.1/R-3.3 completeness (all problems at once, N-8.5);
        freezes a version."""
        principal = self._principal(request)
        auth.require(principal, "applicant")
        with self.db.transaction() as tx:
            app = self._own_application(tx.session, principal, application_id, for_update=True)
            if app.status not in SUBMITTABLE:
                raise Refusal("NOT_SUBMITTABLE", "当前状态下不能提交", status=409)
            season = self._season(tx.session, app.season)
            now = self.clock()
            doc = records.document(app, id_number=self.pii.open_(app.id_number_sealed))
            atts = self._current_attachments(tx.session, app.id)
            problems = submission_problems(now, season, doc, records.verdicts(atts),
                                           app.submission_count)
            if problems:
                raise _refuse_all(problems, "INCOMPLETE", "申报材料不完整，请按列出的问题逐项修改")
            kind = "first" if app.submission_count == 0 else "resubmission"
            self._freeze(tx, app, season, principal, kind, now)
            tx.session.execute(update(m.applications).where(m.applications.c.id == app.id).values(
                status="submitted", submission_count=app.submission_count + 1, updated_at=now))
            view = self._load_view(tx.session, app.id, principal)
        return json_response(view, status=202)

    @http("POST", "/applications/<string:application_id>/supplement")
    @endpoint
    def submit_supplement(self, request, application_id):
        """R-4.5: answer the committee's supplement request before its deadline; a new frozen
        version of kind `supplement`, not counted toward R-4.4's cap."""
        principal = self._principal(request)
        auth.require(principal, "applicant")
        with self.db.transaction() as tx:
            app = self._own_application(tx.session, principal, application_id, for_update=True)
            if app.status != "supplement_requested" or not app.supplement:
                raise Refusal("NO_SUPPLEMENT_REQUESTED", "没有待补充的材料请求", status=409)
            now = self.clock()
            deadline = records.parse_instant(app.supplement.get("deadline"))
            if deadline is not None and now > deadline:
                raise Refusal("SUPPLEMENT_DEADLINE_PASSED",
                              "补充材料已超过48小时时限，视为放弃申报", status=409)
            season = self._season(tx.session, app.season)
            doc = records.document(app, id_number=self.pii.open_(app.id_number_sealed))
            atts = self._current_attachments(tx.session, app.id)
            problems = completeness(doc, season) + attachment_problems(
                doc, records.verdicts(atts), season)
            if problems:
                raise _refuse_all(problems, "INCOMPLETE", "申报材料不完整，请按列出的问题逐项修改")
            self._freeze(tx, app, season, principal, "supplement", now)
            tx.session.execute(update(m.applications).where(m.applications.c.id == app.id).values(
                status="in_review", updated_at=now,
                supplement={**app.supplement, "answered_at": now.isoformat()}))
            view = self._load_view(tx.session, app.id, principal)
        return json_response(view, status=202)

    @http("POST", "/applications/<string:application_id>/withdraw")
    @endpoint
    def withdraw(self, request, application_id):
        """撤回: the applicant ends the application; review stops its tasks and clocks."""
        principal = self._principal(request)
        auth.require(principal, "applicant")
        with self.db.transaction() as tx:
            app = self._own_application(tx.session, principal, application_id, for_update=True)
            if app.status in CLOSED:
                raise Refusal("NOT_WITHDRAWABLE", "申报已结束，不能撤回", status=409)
            now = self.clock()
            tx.session.execute(update(m.applications).where(m.applications.c.id == app.id).values(
                status="withdrawn", updated_at=now))
            self._history(tx, app.id, principal.sub, "withdrawn", previous_status=app.status)
            tx.emit(events.APPLICATION_WITHDRAWN, application_id=app.id, season=app.season,
                    applicant_id=app.applicant_id)
            view = self._load_view(tx.session, app.id, principal)
        return json_response(view)

    @http("GET", "/applications/<string:application_id>/history")
    @endpoint
    def get_history(self, request, application_id):
        principal = self._principal(request)
        with self.db.session() as session:
            self._own_application(session, principal, application_id)
            rows = session.execute(select(m.history).where(
                m.history.c.application_id == application_id).order_by(m.history.c.id)).all()
        return json_response([{"at": r.at, "actor": r.actor, "action": r.action,
                               "detail": r.detail} for r in rows])

    # ---- versions (R-4.4: a reviewer sees what changed) ----------------------------------------

    @http("GET", "/applications/<string:application_id>/versions")
    @endpoint
    def list_versions(self, request, application_id):
        principal = self._principal(request)
        with self.db.session() as session:
            self._own_application(session, principal, application_id)
            rows = session.execute(select(m.versions).where(
                m.versions.c.application_id == application_id).order_by(
                m.versions.c.version)).all()
        return json_response([{"version": r.version, "kind": r.kind,
                               "submitted_at": r.submitted_at, "submitted_by": r.submitted_by}
                              for r in rows])

    def _version(self, session, application_id, version: int):
        row = session.execute(select(m.versions).where(
            m.versions.c.application_id == application_id,
            m.versions.c.version == version)).first() if 0 < version < 2 ** 31 else None
        if row is None:
            raise Refusal("VERSION_NOT_FOUND", f"没有第 {version} 版", status=404,
                          field="version")
        return row

    @http("GET", "/applications/<string:application_id>/versions/<int:version>")
    @endpoint
    def get_version(self, request, application_id, version):
        principal = self._principal(request)
        with self.db.session() as session:
            self._own_application(session, principal, application_id)
            row = self._version(session, application_id, version)
        return json_response({"version": row.version, "kind": row.kind,
                              "submitted_at": row.submitted_at, "snapshot": row.snapshot})

    @http("GET", "/applications/<string:application_id>/versions/<int:before>/diff/<int:after>")
    @endpoint
    def diff(self, request, application_id, before, after):
        """Field by field, what changed from version `before` to version `after`."""
        principal = self._principal(request)
        with self.db.session() as session:
            self._own_application(session, principal, application_id)
            old = self._version(session, application_id, before)
            new = self._version(session, application_id, after)
        return json_response({"from": before, "to": after,
                              "changes": diff_versions(old.snapshot, new.snapshot)})

    # ---- attachments ---------------------------------------------------------------------------

    def _check_kind(self, section: str, kind: str) -> None:
        if not is_acceptable_kind(section, kind):
            raise Refusal("ATTACHMENT_KIND_UNKNOWN", f"没有“{section}”栏目，或附件类别“{kind}”"
                          "不是小写字母、数字和下划线组成的名称", status=404, field="kind")

    def _replaced(self, session, app_id: str, section: str, kind: str, replaces: str | None):
        """The attachment a new upload replaces (`?replaces=<id>`), if any."""
        if not replaces:
            return None
        if not is_id(replaces):
            raise Refusal("REPLACED_ATTACHMENT_UNKNOWN", "要替换的附件不存在或已被替换",
                          status=422, field="replaces")
        old = session.execute(select(m.attachments).where(
            m.attachments.c.id == replaces, m.attachments.c.application_id == app_id)).first()
        if old is None or old.superseded_by or (old.section, old.kind) != (section, kind):
            raise Refusal("REPLACED_ATTACHMENT_UNKNOWN", "要替换的附件不存在或已被替换",
                          status=422, field="replaces")
        return old

    def _uploaded(self, tx, app, attachment_id, section, kind, key, actor, replaced):
        """An attachment is in the store: documents checks it (R-3.2)."""
        if replaced is not None:
            tx.session.execute(update(m.attachments).where(
                m.attachments.c.id == replaced.id).values(superseded_by=attachment_id))
        self._history(tx, app.id, actor, "attachment_uploaded", attachment_id=attachment_id,
                      section=section, kind=kind,
                      replaces=replaced.id if replaced is not None else None)
        tx.emit(events.ATTACHMENT_UPLOADED, application_id=app.id, season=app.season,
                attachment_id=attachment_id, section=section, kind=kind, object_key=key,
                applicant_id=app.applicant_id)

    @http("PUT", "/applications/<string:application_id>/attachments/<string:section>/<string:kind>")
    @endpoint
    def upload_attachment(self, request, application_id, section, kind):
        """Streamed direct upload: the body goes to the object store in parts, never whole
        in memory. `?replaces=<attachment id>` supersedes an earlier one."""
        principal = self._principal(request)
        auth.require(principal, "applicant")
        self._check_kind(section, kind)
        limit = int(self.config["MAX_UPLOAD_BYTES"])
        length = request.content_length
        if not length:
            raise Refusal("LENGTH_REQUIRED", "上传需要 Content-Length", status=411)
        if length > limit:
            raise Refusal("FILE_TOO_LARGE", f"附件不能超过 {limit // 1048576} MB", status=413)
        replaces = request.args.get("replaces")
        with self.db.session() as session:
            app = self._editable(session, principal, application_id, for_update=False)
            self._replaced(session, app.id, section, kind, replaces)
        attachment_id = str(uuid.uuid4())
        key = f"{app.season}/{application_id}/{attachment_id}.jpg"
        objects = self.storage
        objects.put_stream(objects.attachments, key, request.stream, length, JPEG)
        with self.db.transaction() as tx:
            app = self._editable(tx.session, principal, application_id)
            replaced = self._replaced(tx.session, app.id, section, kind, replaces)
            now = self.clock()
            tx.session.execute(m.attachments.insert().values(
                id=attachment_id, application_id=application_id, section=section, kind=kind,
                object_key=key, filename=records.filename(request.headers.get("X-Filename")),
                size=length, status="checking", reasons=[], created_at=now))
            self._uploaded(tx, app, attachment_id, section, kind, key, principal.sub, replaced)
            row = tx.session.execute(select(m.attachments).where(
                m.attachments.c.id == attachment_id)).one()
        return json_response(records.attachment_view(row), status=201)

    @http("POST", "/applications/<string:application_id>/attachments/<string:section>/"
                  "<string:kind>/uploads")
    @endpoint
    def presign_attachment(self, request, application_id, section, kind):
        """A presigned POST for the browser: the policy pins the key, JPEG and the size bound.
        Confirm with POST …/attachments/{attachment_id}/confirm once the browser uploaded."""
        principal = self._principal(request)
        auth.require(principal, "applicant")
        self._check_kind(section, kind)
        body = read_json(request, required=False)
        name = body.get("filename")
        if name is not None and not isinstance(name, str):
            raise Refusal("WRONG_TYPE", "文件名应为文本", status=422, field="filename")
        with self.db.transaction() as tx:
            app = self._editable(tx.session, principal, application_id)
            attachment_id = str(uuid.uuid4())
            key = f"{app.season}/{application_id}/{attachment_id}.jpg"
            tx.session.execute(m.attachments.insert().values(
                id=attachment_id, application_id=app.id, section=section, kind=kind,
                object_key=key, filename=records.filename(name), size=None,
                status="awaiting_upload", reasons=[], created_at=self.clock()))
            form = self.storage.presigned_post(self.storage.attachments, key, JPEG,
                                               int(self.config["MAX_UPLOAD_BYTES"]))
            row = tx.session.execute(select(m.attachments).where(
                m.attachments.c.id == attachment_id)).one()
        return json_response({"attachment": records.attachment_view(row), "upload": form},
                             status=201)

    @http("POST", "/applications/<string:application_id>/attachments/<string:attachment_id>/"
                  "confirm")
    @endpoint
    def confirm_attachment(self, request, application_id, attachment_id):
        """The browser's presigned upload is done: intake looks at the object, then asks
        documents to check it. `?replaces=<attachment id>` supersedes an earlier one."""
        principal = self._principal(request)
        auth.require(principal, "applicant")
        replaces = request.args.get("replaces")
        with self.db.transaction() as tx:
            app = self._editable(tx.session, principal, application_id)
            att = tx.session.execute(select(m.attachments).where(
                m.attachments.c.id == attachment_id,
                m.attachments.c.application_id == app.id)).first() if is_id(attachment_id) \
                else None
            if att is None:
                raise Refusal("NOT_FOUND", "附件不存在", status=404)
            if att.status != "awaiting_upload":
                raise Refusal("ALREADY_CONFIRMED", "该附件已确认上传", status=409)
            replaced = self._replaced(tx.session, app.id, att.section, att.kind, replaces)
            try:
                stat = self.storage.stat(self.storage.attachments, att.object_key)
            except Exception:  # minio S3Error NoSuchKey, or the store is unreachable
                raise Refusal("UPLOAD_NOT_FOUND", "尚未收到上传的文件，请先完成上传",
                              status=409) from None
            if stat.size > int(self.config["MAX_UPLOAD_BYTES"]):
                raise Refusal("FILE_TOO_LARGE", "附件超过大小上限", status=413)
            tx.session.execute(update(m.attachments).where(
                m.attachments.c.id == att.id).values(status="checking", size=stat.size))
            self._uploaded(tx, app, att.id, att.section, att.kind, att.object_key,
                           principal.sub, replaced)
            row = tx.session.execute(select(m.attachments).where(
                m.attachments.c.id == att.id)).one()
        return json_response(records.attachment_view(row))

    # ---- what the other services tell us -------------------------------------------------------

    def _set(self, tx, application_id: str, actor: str, action: str, detail: dict,
             status: str | None = None, only_from: tuple[str, ...] | None = None, **values):
        """Record what review said; move the status unless the application is closed or not
        in one of `only_from`."""
        # Locked: two of review's events handled at once (a late task_opened and a return) must
        # not each read the old status and let the later commit undo the other (CI caught it).
        app = tx.session.execute(select(m.applications).where(
            m.applications.c.id == application_id).with_for_update()).first()
        if app is None:
            log.warning("%s for unknown application %s ignored", action, application_id)
            return None
        if status and app.status not in CLOSED and (only_from is None or app.status in only_from):
            values["status"] = status
        tx.session.execute(update(m.applications).where(
            m.applications.c.id == application_id).values(updated_at=self.clock(), **values))
        self._history(tx, application_id, actor, action, **detail)
        return app

    @subscribe(events.ATTACHMENT_CHECKED)
    def on_attachment_checked(self, payload):
        with self.db.consume(payload, "documents.attachment_checked") as tx:
            if tx is None:
                return
            tx.session.execute(update(m.attachments).where(
                m.attachments.c.id == payload["attachment_id"]).values(
                status=payload["verdict"], reasons=payload["reasons"],
                checked_at=self.clock()))
            self._history(tx, payload["application_id"], "documents", "attachment_checked",
                          attachment_id=payload["attachment_id"], verdict=payload["verdict"])

    @subscribe(events.DOCUMENT_RENDERED)
    def on_document_rendered(self, payload):
        with self.db.consume(payload, "documents.document_rendered") as tx:
            if tx is None:
                return
            revision = payload.get("revision") or 0  # absent from events sent before it existed
            tx.session.execute(m.documents.insert().values(
                id=payload["document_id"], application_id=payload["application_id"],
                version=payload["version"], kind=payload["kind"], revision=revision,
                object_key=payload["object_key"], fingerprint=payload["fingerprint"],
                verification_code=payload["verification_code"], pages=payload["pages"],
                created_at=self.clock()))
            self._history(tx, payload["application_id"], "documents", "document_rendered",
                          version=payload["version"], kind=payload["kind"], revision=revision)

    @subscribe(events.TASK_OPENED)
    def on_task_opened(self, payload):
        with self.db.consume(payload, "review.task_opened") as tx:
            if tx is None:
                return
            step = {"task_id": payload["task_id"], "step": payload["step"],
                    "org_id": payload["org_id"], "org_name": payload["org_name"]}
            # a task opened late must not undo a return or a supplement request
            self._set(tx, payload["application_id"], "review", "task_opened", step,
                      status="in_review", only_from=("submitted", "in_review"),
                      current_step=step)

    @subscribe(events.STEP_DECIDED)
    def on_step_decided(self, payload):
        """R-4.1: who decided what, when and why at a step; `refused` ends the application."""
        with self.db.consume(payload, "review.step_decided") as tx:
            if tx is None:
                return
            detail = {k: payload[k] for k in ("task_id", "step", "org_id", "decision",
                                              "opinion", "reviewer", "decided_at", "next_step")}
            step = {"task_id": payload["task_id"], "step": payload["step"],
                    "org_id": payload["org_id"], "decision": payload["decision"],
                    "next_step": payload["next_step"]}
            self._set(tx, payload["application_id"], records.actor(payload["reviewer"]),
                      "step_decided", detail,
                      status="refused" if payload["decision"] == "refused" else None,
                      current_step=step)

    @subscribe(events.PUBLICITY_OPENED)
    def on_publicity_opened(self, payload):
        """R-4.2: the unit's publicity (公示) runs from `starts_on` to `ends_on`."""
        with self.db.consume(payload, "review.publicity_opened") as tx:
            if tx is None:
                return
            publicity = {"org_id": payload["org_id"], "starts_on": payload["starts_on"],
                         "ends_on": payload["ends_on"], "outcome": None}
            self._set(tx, payload["application_id"], "review", "publicity_opened", publicity,
                      publicity=publicity)

    @subscribe(events.PUBLICITY_CLOSED)
    def on_publicity_closed(self, payload):
        with self.db.consume(payload, "review.publicity_closed") as tx:
            if tx is None:
                return
            app = tx.session.execute(select(m.applications.c.publicity).where(
                m.applications.c.id == payload["application_id"])).first()
            publicity = {**((app.publicity if app else None) or {}),
                         "org_id": payload["org_id"], "outcome": payload["outcome"]}
            self._set(tx, payload["application_id"], "review", "publicity_closed",
                      {"outcome": payload["outcome"]}, publicity=publicity)

    @subscribe(events.APPLICATION_RETURNED)
    def on_application_returned(self, payload):
        """R-4.4, N-8.5: returned with every problem; the applicant edits and resubmits."""
        with self.db.consume(payload, "review.application_returned") as tx:
            if tx is None:
                return
            ret = {k: payload[k] for k in ("step", "problems", "submissions_used",
                                           "submissions_left", "reviewer")}
            ret["returned_at"] = payload["occurred_at"]
            self._set(tx, payload["application_id"], records.actor(payload["reviewer"]),
                      "returned", ret, status="returned", last_return=ret)

    @subscribe(events.SUPPLEMENT_REQUESTED)
    def on_supplement_requested(self, payload):
        """R-4.5: the committee wants supplements by `deadline` (48 hours)."""
        with self.db.consume(payload, "review.supplement_requested") as tx:
            if tx is None:
                return
            request = {k: payload[k] for k in ("request_id", "items", "deadline", "reviewer")}
            self._set(tx, payload["application_id"], records.actor(payload["reviewer"]),
                      "supplement_requested", request, status="supplement_requested",
                      supplement=request)

    @subscribe(events.APPLICATION_ABANDONED)
    def on_application_abandoned(self, payload):
        """R-4.5: the deadline passed unanswered: 视为放弃申报."""
        with self.db.consume(payload, "review.application_abandoned") as tx:
            if tx is None:
                return
            self._set(tx, payload["application_id"], "review", "abandoned",
                      {"request_id": payload["request_id"], "deadline": payload["deadline"]},
                      status="abandoned")

    @subscribe(events.RESULT_PUBLISHED)
    def on_result_published(self, payload):
        """R-6.1, N-6.2, N-8.6: the committee's result, posted then final."""
        with self.db.consume(payload, "review.result_published") as tx:
            if tx is None:
                return
            result = {k: payload[k] for k in ("meeting_id", "outcome", "stage", "until")}
            final = payload["stage"] == "final"
            self._set(tx, payload["application_id"], "review", "result_published", result,
                      status=payload["outcome"] if final else None, result=result)

    @subscribe(events.SANCTION_IMPOSED)
    def on_sanction_imposed(self, payload):
        """R-1.5: a barred person (5 years) or unit (3 years) cannot open an application."""
        with self.db.consume(payload, "review.sanction_imposed") as tx:
            if tx is None:
                return
            subject = payload["subject"]
            if subject == "person":
                app = tx.session.execute(select(m.applications.c.person_hash).where(
                    m.applications.c.id == payload.get("application_id"))).first()
                key = (app.person_hash if app and app.person_hash else None) \
                    or payload["applicant_id"]
            else:
                key = payload["unit_id"]
            tx.session.execute(m.bars.delete().where(
                m.bars.c.sanction_id == payload["sanction_id"]))
            tx.session.execute(m.bars.insert().values(
                sanction_id=payload["sanction_id"], subject=subject, subject_key=key,
                applicant_id=payload.get("applicant_id") if subject == "person" else None,
                starts_on=date.fromisoformat(payload["starts_on"][:10]),
                until=date.fromisoformat(payload["until"][:10]),
                reason=payload["reason"], created_at=self.clock()))
            if payload.get("application_id") and tx.session.execute(select(m.applications.c.id).where(
                    m.applications.c.id == payload["application_id"])).first():
                self._history(tx, payload["application_id"], "review", "sanction_imposed",
                              subject=subject, until=payload["until"])
