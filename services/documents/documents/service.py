"""documents: checks every uploaded JPG, renders the watermarked 评审表 (ARCHITECTURE.md §1).

Decoding and rendering run in OS threads (`plumbing.offload`), off the eventlet hub. Work that
touches the object store happens before the transaction that records it, so a failure retries
the whole handler; object keys are derived from ids, so a retry overwrites, never duplicates.
"""
from __future__ import annotations

import uuid

from nameko.dependency_providers import Config

from contracts import events
from documents import checks, models as m, render
from documents.form import form_from_snapshot
from plumbing.clock import Clock
from plumbing.db import Database
from plumbing.events import subscribe
from plumbing.health import HealthMixin
from plumbing.offload import offload
from plumbing.storage import Storage

FORM = "evaluation_form"  # 专业技术职务任职资格评审表 (D-1)


class DocumentsService(HealthMixin):
    name = "documents"

    db = Database(m.metadata)
    storage = Storage()
    clock = Clock()
    config = Config()

    @subscribe(events.ATTACHMENT_UPLOADED)
    def on_attachment_uploaded(self, payload):
        """R-3.2: decode for real, judge legibility, store an upright copy without metadata."""
        objects = self.storage
        data = objects.get_bytes(objects.attachments, payload["object_key"])
        # intake's kinds are the notice's documents (diploma, 职称证书…); what the check needs to
        # know is only whether it is the one-inch photo, an ID card, or any other scan.
        kind = payload["kind"] if payload["kind"] in checks.KINDS else "scan"
        result = offload(checks.check_attachment, data, kind)
        base = f"checked/{payload['application_id']}/{payload['attachment_id']}"
        clean_key = thumb_key = None
        if result.clean_jpeg:
            clean_key = f"{base}.jpg"
            objects.put_bytes(objects.attachments, clean_key, result.clean_jpeg, "image/jpeg")
        if result.thumbnail:
            thumb_key = f"{base}.thumb.jpg"
            objects.put_bytes(objects.attachments, thumb_key, result.thumbnail, "image/jpeg")
        reasons = [p.to_dict() for p in result.reasons]
        with self.db.consume(payload, "intake.attachment_uploaded") as tx:
            if tx is None:
                return
            tx.session.execute(m.checks.insert().values(
                attachment_id=payload["attachment_id"], application_id=payload["application_id"],
                applicant_id=payload["applicant_id"], kind=payload["kind"],
                verdict=result.verdict, reasons=reasons, phash=result.phash,
                clean_key=clean_key, thumbnail_key=thumb_key, checked_at=self.clock()))
            tx.emit(events.ATTACHMENT_CHECKED, application_id=payload["application_id"],
                    attachment_id=payload["attachment_id"], verdict=result.verdict,
                    reasons=reasons)

    @subscribe(events.APPLICATION_SUBMITTED)
    def on_application_submitted(self, payload):
        """D-1: every submission gets its own 评审表, from the frozen version."""
        app_id, version = payload["application_id"], payload["version"]
        code = render.verification_code(self.config["DOCUMENT_SECRET"], app_id, version, FORM)
        meta = render.DocumentMeta(
            application_no=app_id[:8].upper(), verification_code=code,
            season=payload["season"], verify_url=f"{self.config['VERIFY_URL_BASE']}/{code}",
            generated_at=payload["occurred_at"][:10])
        form = form_from_snapshot(payload["snapshot"], payload["applicant"])
        doc = offload(render.render_evaluation_form, form, photo_jpeg=None, meta=meta)
        key = f"{payload['season']}/{app_id}/v{version}/{FORM}.pdf"
        self.storage.put_bytes(self.storage.documents, key, doc.pdf, "application/pdf")
        with self.db.consume(payload, "intake.application_submitted") as tx:
            if tx is None:
                return
            doc_id = str(uuid.uuid4())
            tx.session.execute(m.rendered.insert().values(
                id=doc_id, application_id=app_id, version=version, kind=FORM, object_key=key,
                fingerprint=doc.fingerprint, verification_code=code, pages=doc.pages,
                rendered_at=self.clock()))
            tx.emit(events.DOCUMENT_RENDERED, application_id=app_id, version=version,
                    document_id=doc_id, kind=FORM, object_key=key, fingerprint=doc.fingerprint,
                    verification_code=code, pages=doc.pages)
