"""Downloads: every rendered document (each revision of the 评审表, 附件1, 附件2) and every
attachment's checked copy, for whoever may see the application (`intake.access`); and 附件1
(附件2 when the exemption is claimed) rendered from a draft, for the applicant to print, sign
and upload before the first submission.

intake asks documents where the object is (`document_object`, `checked_copy`: documents may
render on demand behind them) and streams it from the object store through this API — one
authorisation, one origin (CORS), and no object-store address a browser must reach; a presigned
GET would hand out a URL anyone holding it could use for its lifetime. The name travels as RFC
6266 / RFC 5987 say (`intake.http.files`). Documented in openapi/downloads.yaml.
"""
from __future__ import annotations

import base64

from minio.error import S3Error
from werkzeug.wrappers import Response

from contracts.errors import Refusal
from intake import access, dependencies, records, store
from intake.http import auth, bodies, files
from intake.http.problems import endpoint
from intake.http.server import http

APP = "/applications/<string:application_id>"


def missing(what: str) -> Refusal:
    return Refusal("FILE_NOT_FOUND", f"{what}不存在，或您无权查看", status=404)


def streamed(objects, bucket: str, key: str, content_type: str, name: str, inline: bool,
             headers: dict | None = None) -> Response:
    """The stored object, read from the store as it is sent."""
    try:
        size, chunks = objects.stream(bucket, key)
    except S3Error as exc:
        if exc.code in ("NoSuchKey", "NoSuchBucket"):
            raise missing("文件") from None
        raise
    response = Response(chunks, mimetype=content_type, direct_passthrough=True, headers={
        "Content-Disposition": files.content_disposition(name, inline),
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
        **(headers or {})})
    if size:
        response.headers["Content-Length"] = str(size)
    return response


class Downloads:
    db, storage, config, review, documents = dependencies.db, dependencies.storage, \
        dependencies.config, dependencies.review, dependencies.documents

    @http("GET", APP + "/documents/<string:document_id>")
    @endpoint
    def download_document(self, request, application_id, document_id):
        """One rendered document (any revision) as PDF; `?disposition=inline` to show it."""
        principal = auth.caller(request, self.config)
        inline = bodies.query(request, "download_document").get("disposition") == "inline"
        with self.db.session() as session:
            access.visible_application(session, principal, application_id, self.review)
            doc = store.document(session, document_id, application_id) \
                if access.is_id(document_id) else None
        if doc is None:
            raise missing("文件")
        found = self.documents.document_object(document_id)  # drawn now if never before
        if doc.pages is None and found.get("pages"):
            with self.db.transaction() as tx:
                store.document_drawn(tx.session, document_id, found["pages"])
        return streamed(self.storage, self.storage.documents, found["object_key"],
                        found["content_type"], found["filename"], inline,
                        {"X-Verification-Code": doc.verification_code})

    @http("GET", APP + "/attachments/<string:attachment_id>/file")
    @endpoint
    def download_attachment(self, request, application_id, attachment_id):
        """The checked copy of one attachment (upright, without metadata: R-3.2), with the
        name it was uploaded under."""
        principal = auth.caller(request, self.config)
        inline = bodies.query(request, "download_attachment").get("disposition") == "inline"
        with self.db.session() as session:
            access.visible_application(session, principal, application_id, self.review)
            att = store.attachment(session, attachment_id, application_id) \
                if access.is_id(attachment_id) else None
        if att is None:
            raise missing("附件")
        found = self.documents.checked_copy(attachment_id)
        return streamed(self.storage, self.storage.attachments, found["object_key"],
                        found["content_type"], att.filename or f"{att.kind}.jpg", inline)

    @http("GET", APP + "/forms/<string:kind>")
    @endpoint
    def draft_form(self, request, application_id, kind):
        """附件1 (`guarantee`) or 附件2 (`exemption_form`) rendered from the application as it
        is now, while the applicant may still change it (draft, returned, asked for
        supplements): printed, signed and uploaded as an attachment (R-3.3 #10, R-3.4)."""
        principal = auth.caller(request, self.config)
        auth.require(principal, "applicant")
        inline = bodies.query(request, "draft_form").get("disposition") == "inline"
        if kind not in ("guarantee", "exemption_form"):
            raise Refusal("FORM_KIND_UNKNOWN", "只能打印附件1（guarantee）或附件2（exemption_form）",
                          status=404, field="kind")
        with self.db.session() as session:
            app = access.editable_application(session, principal, application_id, self.review,
                                              for_update=False)
            snapshot = records.snapshot(app, store.current_attachments(session, app.id))
        rendered = self.documents.render_draft(app.id, kind, snapshot, records.contact(app),
                                               app.season)
        return Response(base64.b64decode(rendered["pdf_base64"]), mimetype="application/pdf",
                        headers={"Content-Disposition": files.content_disposition(
                                     rendered["filename"], inline),
                                 "X-Verification-Code": rendered["verification_code"],
                                 "Cache-Control": "private, no-store"})
