"""documents: checks every uploaded JPG, renders the watermarked 评审表 with the opinions
recorded so far, 附件1 and 附件2 at each submission, and the staff's lists on request
(ARCHITECTURE.md §1).

Decoding and rendering run in OS threads (`plumbing.offload`), off the eventlet hub, at most
`HEAVY_WORK_SLOTS` at a time per process (a 50-megapixel decode holds ~150 MB; ten of them at
once would not fit a small machine). An attachment larger than `MAX_ATTACHMENT_BYTES` is refused
from its size alone, before a byte is read. Work that touches the object store happens before
the transaction that records it, so a failure retries the whole handler; object keys are
derived from ids, so a retry overwrites, never duplicates.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import uuid

from eventlet.semaphore import Semaphore
from nameko.dependency_providers import Config
from nameko.rpc import rpc
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from contracts import events
from contracts.errors import Problem, Refusal
from contracts.season import load_season
from contracts.people import application_number
from documents import checks, duplicates, lists, models as m, render
from documents.form import (claims_exemption, exemption_data, form_from_snapshot, form_opinion,
                            guarantee_data, season_labels, with_opinions)
from plumbing.clock import Clock
from plumbing.config import ROOT
from plumbing.db import Database
from plumbing.events import subscribe
from plumbing.health import HealthMixin
from plumbing.offload import offload
from plumbing.rpc import refusals_as_data
from plumbing.storage import Storage

FORM = "evaluation_form"  # 专业技术职务任职资格评审表 (D-1)
GUARANTEE = "guarantee"  # 附件1 专业技术资格评审材料真实性保证书 (D-2)
EXEMPTION = "exemption_form"  # 附件2 继续教育免试审批表 (D-3, R-3.4)
RENDERERS = {FORM: render.render_evaluation_form, GUARANTEE: render.render_guarantee,
             EXEMPTION: render.render_exemption_form,
             lists.PUBLICITY: render.render_publicity_notice,
             lists.DELIVERY: render.render_delivery_list, lists.RESULTS: render.render_results_list}
PHOTO = "photo"  # 一寸免冠照片 (R-3.3 §1)
HEAVY_WORK_SLOTS = 2
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024  # intake takes up to 20 MB; anything above is not ours
_heavy = Semaphore(HEAVY_WORK_SLOTS)
# pg_advisory_xact_lock(class, key): the class keeps documents' keys apart from anyone else's.
_DUPLICATE_LOCK_CLASS = 0x0D0C


def heavy(fn, *args, **kwargs):
    """Run CPU-heavy `fn` in an OS thread, a bounded number at a time."""
    with _heavy:
        return offload(fn, *args, **kwargs)


@functools.cache
def _labels(season_id: str) -> dict:
    """Chinese names of the season's series, specialties and levels, for the printed form."""
    path = ROOT / "seasons" / f"{season_id}.yaml"
    try:
        return season_labels(load_season(path.read_text("utf-8")))
    except (OSError, Refusal):
        return {}


class DocumentsService(HealthMixin):
    name = "documents"

    db = Database(m.metadata)
    storage = Storage()
    clock = Clock()
    config = Config()

    @subscribe(events.ATTACHMENT_UPLOADED)
    def on_attachment_uploaded(self, payload):
        """R-3.2: decode for real, judge legibility, store an upright copy without metadata;
        the same image from another applicant is flagged (documents.duplicates)."""
        objects = self.storage
        # intake's kinds are the notice's documents (diploma, 职称证书…); what the check needs to
        # know is only whether it is the one-inch photo, an ID card, or any other scan.
        kind = payload["kind"] if payload["kind"] in checks.KINDS else "scan"
        size = objects.stat(objects.attachments, payload["object_key"]).size
        if size > MAX_ATTACHMENT_BYTES:
            result = checks.CheckResult(checks.REJECTED, [Problem(
                "FILE_TOO_LARGE", f"附件过大（{size // 1048576} MB），请压缩到"
                                  f"{MAX_ATTACHMENT_BYTES // 1048576} MB以内后重新上传")])
        else:
            data = objects.get_bytes(objects.attachments, payload["object_key"])
            result = heavy(checks.check_attachment, data, kind)
            del data
        base = f"checked/{payload['application_id']}/{payload['attachment_id']}"
        clean_key = thumb_key = None
        if result.clean_jpeg:
            clean_key = f"{base}.jpg"
            objects.put_bytes(objects.attachments, clean_key, result.clean_jpeg, "image/jpeg")
        if result.thumbnail:
            thumb_key = f"{base}.thumb.jpg"
            objects.put_bytes(objects.attachments, thumb_key, result.thumbnail, "image/jpeg")
        reasons = [p.to_dict() for p in result.reasons]
        verdict = result.verdict
        with self.db.consume(payload, "intake.attachment_uploaded") as tx:
            if tx is None:
                return
            indexed = (verdict != checks.REJECTED and result.phash is not None
                       and not any(r["code"] == "BLANK_PAGE" for r in reasons))
            if indexed:
                other = self._duplicate_of(tx.session, payload, result)
                if other is not None:
                    verdict = checks.FLAGGED
                    reasons.append(duplicates.duplicate_reason(other))
            tx.session.execute(m.checks.insert().values(
                attachment_id=payload["attachment_id"], application_id=payload["application_id"],
                applicant_id=payload["applicant_id"], kind=payload["kind"],
                verdict=verdict, reasons=reasons, phash=result.phash,
                fine_hash=result.fine_hash, clean_key=clean_key, thumbnail_key=thumb_key,
                checked_at=self.clock()))
            if indexed:
                tx.session.execute(m.phash_bands.insert(), [
                    {"band_key": k, "attachment_id": payload["attachment_id"]}
                    for k in duplicates.band_keys(result.phash)])
            tx.emit(events.ATTACHMENT_CHECKED, application_id=payload["application_id"],
                    attachment_id=payload["attachment_id"], verdict=verdict, reasons=reasons)

    def _duplicate_of(self, session, payload, result) -> duplicates.Seen | None:
        """The earlier image of another applicant showing the same picture, if any.

        Race-safe: on PostgreSQL a transaction-scoped advisory lock per band key (sorted, so two
        checks never wait on each other crosswise) serialises every pair of checks that could
        match — near-identical hashes share a band — until the first has committed its row;
        the second's query then sees it. SQLite serialises writers already (`consume` writes
        first)."""
        keys = duplicates.band_keys(result.phash)
        if session.get_bind().dialect.name == "postgresql":
            for key in keys:
                session.execute(text("SELECT pg_advisory_xact_lock(:c, :k)"),
                                {"c": _DUPLICATE_LOCK_CLASS, "k": key})
        c = m.checks.c
        rows = session.execute(
            select(c.attachment_id, c.application_id, c.applicant_id, c.phash, c.fine_hash)
            .where(c.attachment_id.in_(select(m.phash_bands.c.attachment_id)
                                       .where(m.phash_bands.c.band_key.in_(keys))))
            .where(c.applicant_id != payload["applicant_id"])
            .order_by(c.checked_at, c.attachment_id)).all()
        seen = [duplicates.Seen(r.attachment_id, r.application_id, r.applicant_id, r.phash,
                                r.fine_hash) for r in rows]
        return duplicates.first_duplicate(result.phash, result.fine_hash,
                                          payload["applicant_id"], seen)

    @subscribe(events.APPLICATION_SUBMITTED)
    def on_application_submitted(self, payload):
        """Every submission gets its own documents, from the frozen version: the 评审表 (D-1)
        with the checked one-inch photo, the opinions recorded online so far and boxes for the
        handwritten ones, signatures and stamps; 附件1 the authenticity guarantee (D-2, every
        applicant, R-3.3 §10); 附件2 the exemption approval form (D-3) when the application
        claims the continuing-education exemption (R-3.4)."""
        app_id, version, season = payload["application_id"], payload["version"], payload["season"]
        if self._rendered(app_id, version):  # the same submission announced again: done already
            with self.db.consume(payload, "intake.application_submitted"):
                return
        labels = _labels(season)
        form = form_from_snapshot(payload["snapshot"], payload["applicant"], labels)
        generated_at = payload["occurred_at"][:10]
        photo_key = self._photo_key(payload["snapshot"])
        photo = self.storage.get_bytes(self.storage.attachments, photo_key) if photo_key else None
        with self.db.session() as session:
            recorded = self._opinions(session, app_id)
        wanted = [(FORM, with_opinions(form, recorded), photo),
                  (GUARANTEE, guarantee_data(form), None)]
        if claims_exemption(payload["snapshot"]):
            wanted.append((EXEMPTION, exemption_data(form, season), None))
        done = [self._draw(app_id, version, season, kind, 0, data, photo, generated_at)
                for kind, data, photo in wanted]
        with self.db.consume(payload, "intake.application_submitted") as tx:
            if tx is None:
                return
            tx.session.execute(m.sources.insert().values(
                application_id=app_id, version=version, season=season, form=form,
                photo_key=photo_key, generated_at=generated_at))
            for row in done:
                self._record(tx, row)

    @subscribe(events.STEP_DECIDED)
    def on_step_decided(self, payload):
        """D-1, R-4.1: a reviewer decided; the 评审表 of the application's latest version is
        rendered again, as its next revision, with every opinion recorded so far printed in its
        box (the unit's R-4.2 text as recorded, the department's, the committee's formal review).
        The decision is kept here; the same decision announced again renders nothing."""
        app_id = payload["application_id"]
        opinion = {"application_id": app_id, "task_id": payload["task_id"],
                   "step": payload["step"], "org_id": payload.get("org_id"),
                   "decision": payload["decision"], "opinion": payload.get("opinion") or "",
                   "reviewer": payload.get("reviewer") or {},
                   "decided_at": str(payload["decided_at"])}
        o = m.opinions.c
        with self.db.session() as session:
            known = session.execute(select(o.id).where(
                o.task_id == opinion["task_id"], o.decision == opinion["decision"],
                o.decided_at == opinion["decided_at"])).first() is not None
            source = session.execute(select(m.sources).where(m.sources.c.application_id == app_id)
                                     .order_by(m.sources.c.version.desc())).first()
            recorded = self._opinions(session, app_id)
            revision = None
            if source is not None:
                r = m.rendered.c
                revision = 1 + (session.execute(select(func.max(r.revision)).where(
                    r.application_id == app_id, r.version == source.version,
                    r.kind == FORM)).scalar() or 0)
        done = None  # no source yet (submission not rendered): that rendering will print it
        if not known and source is not None:
            photo = (self.storage.get_bytes(self.storage.attachments, source.photo_key)
                     if source.photo_key else None)
            form = with_opinions(source.form, recorded + [_printed(opinion)])
            done = self._draw(app_id, source.version, source.season, FORM, revision, form, photo,
                              source.generated_at)
        with self.db.consume(payload, "review.step_decided") as tx:
            if tx is None or known:
                return
            tx.session.execute(m.opinions.insert().values(**opinion))
            if done is not None:
                self._record(tx, done)

    @rpc
    @refusals_as_data
    def render_list(self, kind: str, rows: list, context: dict) -> dict:
        """D-4 on demand (contracts.rpc DOCUMENTS_RENDER_LIST): the unit publicity notice or its
        result (R-4.2), a unit's paper-delivery list (R-5.1), the results list (R-6.1), drawn
        from the rows intake gathered — documents keeps none of them. The code is keyed on what
        the list says, so the same rows print the same code and fingerprint."""
        data = lists.list_data(kind, rows, context)
        org = str(context.get("org_id") or context.get("org_name"))
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False,
                                           default=str).encode()).hexdigest()
        code = render.verification_code(self.config["DOCUMENT_SECRET"], org, 0,
                                        f"{kind}\x1f{digest}")
        season = str(context.get("season") or "")
        meta = render.DocumentMeta(
            application_no=f"{kind.split('_')[0].upper()}-{digest[:6].upper()}",
            verification_code=code, season=season,
            verify_url=f"{self.config['VERIFY_URL_BASE']}/{code}",
            generated_at=str(context["issued_on"])[:10])
        doc = heavy(RENDERERS[kind], data, meta=meta)
        p = m.printed_lists.c
        try:
            with self.db.transaction() as tx:  # the same list printed again: its row is there
                if tx.session.execute(select(p.verification_code).where(
                        p.verification_code == code)).first() is None:
                    tx.session.execute(m.printed_lists.insert().values(
                        verification_code=code, kind=kind, org_id=org, season=season,
                        fingerprint=doc.fingerprint, pages=doc.pages, rendered_at=self.clock()))
        except IntegrityError:  # printed at the same moment by another request: same row
            pass
        return {"kind": kind, "pdf_base64": base64.b64encode(doc.pdf).decode("ascii"),
                "pages": doc.pages, "fingerprint": doc.fingerprint, "verification_code": code,
                "filename": f"{kind}-{season}-{org}.pdf"}

    @rpc
    @refusals_as_data
    def printed_list(self, verification_code: str) -> dict:
        """The list printed with this code (D-4), for the public verification; DOCUMENT_UNKNOWN
        when documents never printed one."""
        p = m.printed_lists.c
        with self.db.session() as session:
            row = session.execute(select(m.printed_lists).where(
                p.verification_code == verification_code)).first()
        if row is None:
            raise Refusal("DOCUMENT_UNKNOWN", "系统中没有此验证码对应的文件，该文件不是本系统出具的有效文件",
                          status=404, field="code")
        return {"verification_code": row.verification_code, "kind": row.kind,
                "org_id": row.org_id, "season": row.season, "fingerprint": row.fingerprint,
                "pages": row.pages, "rendered_at": row.rendered_at.isoformat()}

    def _draw(self, app_id, version, season, kind, revision, data, photo, generated_at) -> dict:
        """Render one document and store its PDF (before the transaction that records it: a
        failure retries the handler; the key is derived from ids, so a retry overwrites)."""
        code = render.verification_code(self.config["DOCUMENT_SECRET"], app_id, version, kind,
                                        revision)
        meta = render.DocumentMeta(
            application_no=application_number(app_id), verification_code=code, season=season,
            verify_url=f"{self.config['VERIFY_URL_BASE']}/{code}", generated_at=generated_at)
        doc = heavy(RENDERERS[kind], data, meta=meta, **({"photo_jpeg": photo}
                                                         if kind == FORM else {}))
        # A revision's key carries its fingerprint: two decisions rendered at once both aim at
        # the next revision, one loses on the unique constraint and retries — its PDF must not
        # overwrite the winner's. The same content retried overwrites itself.
        suffix = f".r{revision}-{doc.fingerprint[:16]}" if revision else ""
        key = f"{season}/{app_id}/v{version}/{kind}{suffix}.pdf"
        self.storage.put_bytes(self.storage.documents, key, doc.pdf, "application/pdf")
        return {"id": str(uuid.uuid4()), "application_id": app_id, "version": version,
                "kind": kind, "revision": revision, "object_key": key,
                "fingerprint": doc.fingerprint, "verification_code": code, "pages": doc.pages}

    def _record(self, tx, row: dict):
        tx.session.execute(m.rendered.insert().values(**row, rendered_at=self.clock()))
        tx.emit(events.DOCUMENT_RENDERED, document_id=row["id"],
                **{k: v for k, v in row.items() if k != "id"})

    def _opinions(self, session, application_id: str) -> list[dict]:
        """The opinions recorded so far for the application, oldest first, as the form prints
        them."""
        o = m.opinions.c
        return [_printed(r._mapping) for r in session.execute(
            select(m.opinions).where(o.application_id == application_id)
            .order_by(o.decided_at, o.id))]

    def _rendered(self, application_id: str, version: int) -> bool:
        r = m.rendered.c
        with self.db.session() as session:
            return session.execute(select(r.id).where(
                r.application_id == application_id, r.version == version,
                r.kind == FORM)).first() is not None

    def _photo_key(self, snapshot: dict) -> str | None:
        """The clean (upright, metadata-free) copy of the version's one-inch photo: the latest
        photo attachment of the snapshot that this service accepted or flagged."""
        ids = [a["id"] for a in snapshot.get("attachments") or []
               if isinstance(a, dict) and a.get("kind") == PHOTO]
        if not ids:
            return None
        with self.db.session() as session:
            rows = {r.attachment_id: r.clean_key for r in session.execute(
                select(m.checks.c.attachment_id, m.checks.c.clean_key)
                .where(m.checks.c.attachment_id.in_(ids))
                .where(m.checks.c.verdict != checks.REJECTED))}
        usable = [rows[i] for i in ids if rows.get(i)]
        return usable[-1] if usable else None


def _printed(opinion) -> dict:
    return form_opinion(opinion["step"], opinion["decision"], opinion["opinion"],
                        opinion["reviewer"], opinion["decided_at"])
