"""intake: the only HTTP API of the platform frontend (ARCHITECTURE.md §1).

Entrypoints stay thin: authenticate, load, call a rule, store, emit. The rules live in
`intake.rules`; the tables in `intake.models`; the edge (JSON, problem details) in `intake.web`.
"""
from __future__ import annotations

import logging
import uuid

from nameko.rpc import rpc
from nameko.web.handlers import http
from sqlalchemy import select, update

from contracts import events
from contracts.errors import Refusal
from contracts.season import load_season
from intake import auth, models as m, openapi
from intake.base import IntakeBase
from intake.notifications import NotificationEndpoints
from intake.staff import StaffEndpoints
from intake.verify import VerifyEndpoints
from intake.web import endpoint, json_response, read_json
from plumbing.events import subscribe
from plumbing.health import HealthMixin, report
from plumbing.rpc import refusals_as_data

log = logging.getLogger(__name__)

JPEG = "image/jpeg"


class IntakeService(IntakeBase, StaffEndpoints, NotificationEndpoints, VerifyEndpoints,
                    HealthMixin):
    """Applicant endpoints here; the other areas of the API come from their mixins."""

    def _view(self, session, app) -> dict:
        atts = session.execute(select(m.attachments).where(
            m.attachments.c.application_id == app.id).order_by(m.attachments.c.created_at)).all()
        docs = session.execute(select(m.documents).where(
            m.documents.c.application_id == app.id).order_by(m.documents.c.version)).all()
        return {
            "id": app.id, "season": app.season, "status": app.status,
            "series": app.series, "specialty": app.specialty, "level": app.level,
            "category": app.category, "unit_id": app.unit_id, "sections": app.sections,
            "submission_count": app.submission_count, "current_step": app.current_step,
            "attachments": [attachment_view(a) for a in atts],
            "documents": [{"id": d.id, "version": d.version, "kind": d.kind, "pages": d.pages,
                           "fingerprint": d.fingerprint,
                           "verification_code": d.verification_code} for d in docs],
            "created_at": app.created_at, "updated_at": app.updated_at,
        }

    # ---- health and admin ----------------------------------------------------------------

    @http("GET", "/openapi.json")
    @endpoint
    def openapi(self, request):
        return json_response(openapi.document())

    @http("GET", "/health")
    @endpoint
    def http_health(self, request):
        return json_response({"service": self.name, **report(self.db)})

    @rpc
    @refusals_as_data
    def load_season(self, text: str) -> dict:
        """Validate and store a season file (all errors listed at once)."""
        season = load_season(text)
        with self.db.transaction() as tx:
            tx.session.execute(m.seasons.delete().where(m.seasons.c.id == season.id))
            tx.session.execute(m.seasons.insert().values(id=season.id, document=text,
                                                         loaded_at=self.clock()))
        return {"season": season.id}

    # ---- applicant -----------------------------------------------------------------------

    @http("POST", "/applications")
    @endpoint
    def create_application(self, request):
        principal = self._principal(request)
        auth.require(principal, "applicant")
        body = read_json(request)
        season_id = str(body.get("season") or "")
        with self.db.transaction() as tx:
            season = self._season(tx.session, season_id)
            unit_id = body.get("unit_id") or principal.org
            if not unit_id:
                raise Refusal("FIELD_BLANK", "请选择所在单位", field="unit_id")
            app_id = str(uuid.uuid4())
            now = self.clock()
            tx.session.execute(m.applications.insert().values(
                id=app_id, season=season.id, applicant_id=principal.sub, unit_id=unit_id,
                series=str(body.get("series") or ""), specialty=str(body.get("specialty") or ""),
                level=str(body.get("level") or ""),
                category=str(body.get("category") or "in_service"), status="draft",
                sections=body.get("sections") or {}, applicant=principal.contact(),
                submission_count=0, created_at=now, updated_at=now))
            self._history(tx, app_id, principal.sub, "created")
            app = tx.session.execute(select(m.applications).where(
                m.applications.c.id == app_id)).one()
            view = self._view(tx.session, app)
        return json_response(view, status=201, headers={"Location": f"/applications/{app_id}"})

    @http("GET", "/applications/<string:application_id>")
    @endpoint
    def get_application(self, request, application_id):
        principal = self._principal(request)
        with self.db.session() as session:
            app = self._own_application(session, principal, application_id)
            return json_response(self._view(session, app))

    @http("PUT", "/applications/<string:application_id>/attachments/<string:section>/<string:kind>")
    @endpoint
    def upload_attachment(self, request, application_id, section, kind):
        """Streamed direct upload: the body goes to the object store in parts, never whole
        in memory."""
        principal = self._principal(request)
        auth.require(principal, "applicant")
        limit = int(self.config["MAX_UPLOAD_BYTES"])
        length = request.content_length
        if not length:
            raise Refusal("LENGTH_REQUIRED", "上传需要 Content-Length", status=411)
        if length > limit:
            raise Refusal("FILE_TOO_LARGE", f"附件不能超过 {limit // 1048576} MB", status=413)
        with self.db.session() as session:
            app = self._own_application(session, principal, application_id)
            if app.status not in ("draft", "returned", "supplement_requested"):
                raise Refusal("NOT_EDITABLE", "当前状态下不能修改附件", status=409)
        attachment_id = str(uuid.uuid4())
        key = f"{app.season}/{application_id}/{attachment_id}.jpg"
        objects = self.storage
        objects.put_stream(objects.attachments, key, request.stream, length, JPEG)
        with self.db.transaction() as tx:
            now = self.clock()
            tx.session.execute(m.attachments.insert().values(
                id=attachment_id, application_id=application_id, section=section, kind=kind,
                object_key=key, filename=request.headers.get("X-Filename"), size=length,
                status="checking", reasons=[], created_at=now))
            self._history(tx, application_id, principal.sub, "attachment_uploaded",
                          attachment_id=attachment_id, section=section, kind=kind)
            tx.emit(events.ATTACHMENT_UPLOADED, application_id=application_id,
                    season=app.season, attachment_id=attachment_id, section=section, kind=kind,
                    object_key=key, applicant_id=app.applicant_id)
            row = tx.session.execute(select(m.attachments).where(
                m.attachments.c.id == attachment_id)).one()
        return json_response(attachment_view(row), status=201)

    @http("POST", "/applications/<string:application_id>/submit")
    @endpoint
    def submit(self, request, application_id):
        principal = self._principal(request)
        auth.require(principal, "applicant")
        with self.db.transaction() as tx:
            app = self._own_application(tx.session, principal, application_id, for_update=True)
            if app.status not in ("draft", "returned"):
                raise Refusal("NOT_SUBMITTABLE", "当前状态下不能提交", status=409)
            atts = tx.session.execute(select(m.attachments).where(
                m.attachments.c.application_id == app.id)).all()
            problems = [a for a in atts if a.status != "accepted"]
            if problems:
                raise Refusal("ATTACHMENT_NOT_ACCEPTED", "有附件尚未通过检查", status=422)
            version = app.submission_count + 1
            now = self.clock()
            snapshot = {"sections": app.sections, "series": app.series,
                        "specialty": app.specialty, "level": app.level,
                        "category": app.category, "unit_id": app.unit_id,
                        "attachments": [attachment_view(a) for a in atts]}
            tx.session.execute(m.versions.insert().values(
                application_id=app.id, version=version, submitted_at=now, snapshot=snapshot))
            tx.session.execute(update(m.applications).where(m.applications.c.id == app.id).values(
                status="submitted", submission_count=version, updated_at=now))
            self._history(tx, app.id, principal.sub, "submitted", version=version)
            tx.emit(events.APPLICATION_SUBMITTED, application_id=app.id, season=app.season,
                    version=version, submission_no=version,
                    kind="first" if version == 1 else "resubmission",
                    applicant_id=app.applicant_id, unit_id=app.unit_id, category=app.category, series=app.series, level=app.level,
                    specialty=app.specialty, applicant=app.applicant, snapshot=snapshot)
            app = tx.session.execute(select(m.applications).where(
                m.applications.c.id == app.id)).one()
            view = self._view(tx.session, app)
        return json_response(view, status=202)

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

    # ---- what the other services tell us ---------------------------------------------------

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
            tx.session.execute(m.documents.insert().values(
                id=payload["document_id"], application_id=payload["application_id"],
                version=payload["version"], kind=payload["kind"],
                object_key=payload["object_key"], fingerprint=payload["fingerprint"],
                verification_code=payload["verification_code"], pages=payload["pages"],
                created_at=self.clock()))
            self._history(tx, payload["application_id"], "documents", "document_rendered",
                          version=payload["version"], kind=payload["kind"])

    @subscribe(events.TASK_OPENED)
    def on_task_opened(self, payload):
        with self.db.consume(payload, "review.task_opened") as tx:
            if tx is None:
                return
            step = {"task_id": payload["task_id"], "step": payload["step"],
                    "org_id": payload["org_id"], "org_name": payload["org_name"]}
            tx.session.execute(update(m.applications).where(
                m.applications.c.id == payload["application_id"]).values(
                status="in_review", current_step=step, updated_at=self.clock()))
            self._history(tx, payload["application_id"], "review", "task_opened", **step)


def iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def attachment_view(a) -> dict:
    """JSON-ready (it goes into frozen versions and events as well as responses)."""
    return {"id": a.id, "section": a.section, "kind": a.kind, "status": a.status,
            "reasons": a.reasons, "filename": a.filename, "size": a.size,
            "created_at": iso(a.created_at), "checked_at": iso(a.checked_at)}
