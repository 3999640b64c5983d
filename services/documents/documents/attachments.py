"""Attachment checks (R-3.2): every uploaded JPG decoded for real and judged, an upright copy
without metadata and a thumbnail stored, and the same image from another applicant flagged
(documents.duplicates).

Privacy: the upload (under `incoming/`, with whatever EXIF, GPS position or comments the phone
wrote) is deleted once the verdict is committed — accepted, flagged or rejected alike — so the
checked copy and its thumbnail (`plumbing.storage.checked_key`) are the only objects an
attachment keeps. Deleting after the commit means a failed transaction leaves the upload for the
redelivery; a redelivery after the deletion finds nothing to read and changes nothing.
"""
from __future__ import annotations

from contracts import events
from contracts.errors import Problem
from documents import checks, dependencies, duplicates, store
from documents.heavy import heavy
from plumbing.events import subscribe
from plumbing.storage import checked_key

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024  # intake takes up to 20 MB; anything above is not ours


class AttachmentChecks:
    """on_attachment_uploaded."""

    db, storage, clock = dependencies.db, dependencies.storage, dependencies.clock

    # `subscribe`, not `@handles`: the object store is read and written before the transaction.
    @subscribe(events.ATTACHMENT_UPLOADED)
    def on_attachment_uploaded(self, payload):
        """R-3.2: decode for real, judge legibility, store an upright copy without metadata,
        delete the upload; the same image from another applicant is flagged
        (documents.duplicates). A file larger than `MAX_ATTACHMENT_BYTES` is refused from its
        size alone, before a byte is read."""
        objects = self.storage
        upload = payload["object_key"]
        result = self._judge_upload(payload, upload)
        app, att = payload["application_id"], payload["attachment_id"]
        clean_key = thumb_key = None
        if result.clean_jpeg:
            clean_key = checked_key(app, att)
            objects.put_bytes(objects.attachments, clean_key, result.clean_jpeg, "image/jpeg")
        if result.thumbnail:
            thumb_key = checked_key(app, att, thumbnail=True)
            objects.put_bytes(objects.attachments, thumb_key, result.thumbnail, "image/jpeg")
        self._store_verdict(payload, result, clean_key, thumb_key)
        if upload != clean_key:  # committed (now or by an earlier delivery): only the copy stays
            objects.delete(objects.attachments, upload)

    def _judge_upload(self, payload, upload: str) -> checks.CheckResult:
        objects = self.storage
        # intake's kinds are the notice's documents (diploma, 职称证书…); what the check needs to
        # know is only whether it is the one-inch photo, an ID card, or any other scan.
        kind = payload["kind"] if payload["kind"] in checks.KINDS else "scan"
        stat = objects.stat_or_none(objects.attachments, upload)
        if stat is None:  # judged and deleted already (a redelivery), or expired unchecked
            return checks.CheckResult(checks.REJECTED, [Problem(
                "UPLOAD_MISSING", "未找到上传的文件（可能已过期），请重新上传")])
        if stat.size > MAX_ATTACHMENT_BYTES:
            return checks.CheckResult(checks.REJECTED, [Problem(
                "FILE_TOO_LARGE", f"附件过大（{stat.size // 1048576} MB），请压缩到"
                                  f"{MAX_ATTACHMENT_BYTES // 1048576} MB以内后重新上传")])
        data = objects.get_bytes(objects.attachments, upload)
        return heavy(checks.check_attachment, data, kind)

    def _store_verdict(self, payload, result: checks.CheckResult, clean_key, thumb_key) -> None:
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
            store.record_check(tx.session, payload, verdict, reasons, result, clean_key,
                               thumb_key, self.clock())
            if indexed:
                store.index_bands(tx.session, payload["attachment_id"], result.phash)
            tx.emit(events.ATTACHMENT_CHECKED, application_id=payload["application_id"],
                    attachment_id=payload["attachment_id"], verdict=verdict, reasons=reasons)

    def _duplicate_of(self, session, payload, result) -> duplicates.Seen | None:
        """The earlier image of another applicant showing the same picture, if any; checks of
        near-identical images wait for each other (`store.lock_bands`)."""
        keys = duplicates.band_keys(result.phash)
        store.lock_bands(session, keys)
        seen = store.seen_sharing_bands(session, keys, payload["applicant_id"])
        return duplicates.first_duplicate(result.phash, result.fine_hash,
                                          payload["applicant_id"], seen)
