"""Attachments (附件, R-3.2, R-3.3): a streamed PUT, or a presigned POST the browser uploads to and
then confirms. Either way the object is in the store before its row says `checking`, and
documents is told to check it (ATTACHMENT_UPLOADED); its verdict arrives in `intake.projection`.
`?replaces=<attachment id>` supersedes an earlier attachment of the same section and kind.

Uploads land under `incoming/` (`plumbing.storage.incoming_key`): documents keeps only the checked
copy, `checked/<application>/<attachment>.jpg` (`plumbing.storage.checked_key`), and deletes the
upload once it has judged it; anything it never judged expires by the bucket's lifecycle rule.
"""
from __future__ import annotations

import uuid

from nameko.web.handlers import http

from contracts import events
from contracts.errors import Refusal
from intake import access, dependencies, records, store
from intake.http import auth
from intake.http.problems import endpoint, json_response, read_json
from intake.lifecycle import ATTACHMENT, AttachmentStatus
from intake.rules.attachments import is_acceptable_kind
from plumbing.storage import incoming_key

JPEG = "image/jpeg"
REPLACED_UNKNOWN = "要替换的附件不存在或已被替换"


def check_kind(section: str, kind: str) -> None:
    if not is_acceptable_kind(section, kind):
        raise Refusal("ATTACHMENT_KIND_UNKNOWN", f"没有“{section}”栏目，或附件类别“{kind}”"
                      "不是小写字母、数字和下划线组成的名称", status=404, field="kind")


def replaced(session, app_id: str, section: str, kind: str, replaces: str | None):
    """The attachment a new upload replaces (`?replaces=<id>`), if any."""
    if not replaces:
        return None
    if not access.is_id(replaces):
        raise Refusal("REPLACED_ATTACHMENT_UNKNOWN", REPLACED_UNKNOWN, status=422,
                      field="replaces")
    old = store.attachment(session, replaces, app_id)
    if old is None or old.superseded_by or (old.section, old.kind) != (section, kind):
        raise Refusal("REPLACED_ATTACHMENT_UNKNOWN", REPLACED_UNKNOWN, status=422,
                      field="replaces")
    return old


class Attachments:
    db, storage, clock, config, review = dependencies.db, dependencies.storage, \
        dependencies.clock, dependencies.config, dependencies.review

    def _uploaded(self, tx, app, attachment_id, section, kind, key, actor, old):
        """An attachment is in the store: documents checks it (R-3.2)."""
        if old is not None:
            store.update_attachment(tx.session, old.id, superseded_by=attachment_id)
        store.append_history(tx.session, app.id, self.clock(), actor, "attachment_uploaded", {
            "attachment_id": attachment_id, "section": section, "kind": kind,
            "replaces": old.id if old is not None else None})
        tx.emit(events.ATTACHMENT_UPLOADED, application_id=app.id, season=app.season,
                attachment_id=attachment_id, section=section, kind=kind, object_key=key,
                applicant_id=app.applicant_id)

    @http("PUT", "/applications/<string:application_id>/attachments/<string:section>/<string:kind>")
    @endpoint
    def upload_attachment(self, request, application_id, section, kind):
        """Streamed direct upload: the body goes to the object store in parts, never whole
        in memory. `?replaces=<attachment id>` supersedes an earlier one."""
        principal = auth.caller(request, self.config)
        auth.require(principal, "applicant")
        check_kind(section, kind)
        limit = int(self.config["MAX_UPLOAD_BYTES"])
        length = request.content_length
        if not length:
            raise Refusal("LENGTH_REQUIRED", "上传需要 Content-Length", status=411)
        if length > limit:
            raise Refusal("FILE_TOO_LARGE", f"附件不能超过 {limit // 1048576} MB", status=413)
        replaces = request.args.get("replaces")
        with self.db.session() as session:  # refuse before the upload, without holding a lock
            app = access.editable_application(session, principal, application_id, self.review,
                                              for_update=False)
            replaced(session, app.id, section, kind, replaces)
        attachment_id = str(uuid.uuid4())
        key = incoming_key(app.season, application_id, attachment_id)
        objects = self.storage
        objects.put_stream(objects.attachments, key, request.stream, length, JPEG)
        with self.db.transaction() as tx:
            app = access.editable_application(tx.session, principal, application_id, self.review)
            old = replaced(tx.session, app.id, section, kind, replaces)
            store.insert_attachment(
                tx.session, id=attachment_id, application_id=application_id, section=section,
                kind=kind, object_key=key,
                filename=records.filename(request.headers.get("X-Filename")), size=length,
                status=AttachmentStatus.CHECKING.value, reasons=[], created_at=self.clock())
            self._uploaded(tx, app, attachment_id, section, kind, key, principal.sub, old)
            row = store.attachment(tx.session, attachment_id)
        return json_response(records.attachment_view(row), status=201)

    @http("POST", "/applications/<string:application_id>/attachments/<string:section>/"
                  "<string:kind>/uploads")
    @endpoint
    def presign_attachment(self, request, application_id, section, kind):
        """A presigned POST for the browser: the policy pins the key, JPEG and the size bound.
        Confirm with POST …/attachments/{attachment_id}/confirm once the browser uploaded."""
        principal = auth.caller(request, self.config)
        auth.require(principal, "applicant")
        check_kind(section, kind)
        body = read_json(request, required=False)
        name = body.get("filename")
        if name is not None and not isinstance(name, str):
            raise Refusal("WRONG_TYPE", "文件名应为文本", status=422, field="filename")
        with self.db.transaction() as tx:
            app = access.editable_application(tx.session, principal, application_id, self.review)
            attachment_id = str(uuid.uuid4())
            key = incoming_key(app.season, application_id, attachment_id)
            store.insert_attachment(
                tx.session, id=attachment_id, application_id=app.id, section=section, kind=kind,
                object_key=key, filename=records.filename(name), size=None,
                status=AttachmentStatus.AWAITING_UPLOAD.value, reasons=[],
                created_at=self.clock())
            form = self.storage.presigned_post(self.storage.attachments, key, JPEG,
                                               int(self.config["MAX_UPLOAD_BYTES"]))
            row = store.attachment(tx.session, attachment_id)
        return json_response({"attachment": records.attachment_view(row), "upload": form},
                             status=201)

    @http("POST", "/applications/<string:application_id>/attachments/<string:attachment_id>/"
                  "confirm")
    @endpoint
    def confirm_attachment(self, request, application_id, attachment_id):
        """The browser's presigned upload is done: intake looks at the object, then asks
        documents to check it. `?replaces=<attachment id>` supersedes an earlier one."""
        principal = auth.caller(request, self.config)
        auth.require(principal, "applicant")
        replaces = request.args.get("replaces")
        with self.db.transaction() as tx:
            app = access.editable_application(tx.session, principal, application_id, self.review)
            att = store.attachment(tx.session, attachment_id, app.id) \
                if access.is_id(attachment_id) else None
            if att is None:
                raise Refusal("NOT_FOUND", "附件不存在", status=404)
            status = ATTACHMENT.require("confirm", att.status,
                                        Refusal("ALREADY_CONFIRMED", "该附件已确认上传",
                                                status=409))
            old = replaced(tx.session, app.id, att.section, att.kind, replaces)
            try:
                stat = self.storage.stat(self.storage.attachments, att.object_key)
            except Exception:  # minio S3Error NoSuchKey, or the store is unreachable
                raise Refusal("UPLOAD_NOT_FOUND", "尚未收到上传的文件，请先完成上传",
                              status=409) from None
            if stat.size > int(self.config["MAX_UPLOAD_BYTES"]):
                raise Refusal("FILE_TOO_LARGE", "附件超过大小上限", status=413)
            store.update_attachment(tx.session, att.id, status=status.value, size=stat.size)
            self._uploaded(tx, app, att.id, att.section, att.kind, att.object_key,
                           principal.sub, old)
            row = store.attachment(tx.session, att.id)
        return json_response(records.attachment_view(row))
