"""What intake hands a person to download or print, over RPC (contracts.rpc DOCUMENTS_*).

- `document_object`: where a document's PDF is stored (documents bucket), with its Chinese file
  name and page count; intake streams it to whoever may see the application. An application's
  documents are recorded at submission and decision and drawn here, on the first request
  (`documents.rendering`): drawn from the kept data, stored under the key the row names (it
  carries the fingerprint), the row's `pages` set; every later request is a cache hit. Two
  first requests at once both draw the same bytes to the same key; the row is marked once.
- `checked_copy`: where an attachment's checked copy is (attachments bucket: the upright copy
  without metadata that R-3.2's check stored); intake streams it.
- `render_draft`: 附件1 (D-2) and, for an applicant claiming the exemption, 附件2 (D-3) rendered
  from a draft, like the lists (D-4): the applicant prints, signs and uploads it before the
  first submission. It is kept as version 0 (the draft) of the application's document of that
  kind, so its QR code verifies; the same content asked again is the same revision, changed
  content the next one.
"""
from __future__ import annotations

import base64
import hashlib
import json

from sqlalchemy.exc import IntegrityError

from contracts.errors import Refusal
from contracts.people import application_number
from documents import dependencies, store
from documents.form import (claims_exemption, exemption_data, form_from_snapshot, guarantee_data,
                            unit_of)
from documents.rendering import (EXEMPTION, FORM, GUARANTEE, draw, draw_recorded, record,
                                 season_labels_of)
from plumbing.rpc import refusals_as_data, rpc

DRAFT_VERSION = 0  # a document rendered from a draft, before any submission froze a version
NAMES = {FORM: "专业技术职务任职资格评审表", GUARANTEE: "专业技术资格评审材料真实性保证书（附件1）",
         EXEMPTION: "继续教育免试审批表（附件2）"}
DRAFT_KINDS = (GUARANTEE, EXEMPTION)


def file_name(kind: str, application_id: str, version: int, revision: int) -> str:
    """E.g. 专业技术职务任职资格评审表_3F2A9C1B_第1版_修订2.pdf; a draft's says 草稿."""
    parts = [NAMES.get(kind, kind), application_number(application_id)]
    parts.append("草稿" if version == DRAFT_VERSION else f"第{version}版")
    if revision:
        parts.append(f"修订{revision}")
    return "_".join(parts) + ".pdf"


def _answer(row, pdf: bytes | None = None) -> dict:
    out = {"document_id": row.id if hasattr(row, "id") else row["id"]}
    get = (lambda k: getattr(row, k)) if hasattr(row, "id") else row.__getitem__
    out.update({k: get(k) for k in ("application_id", "kind", "version", "revision",
                                    "object_key", "verification_code", "fingerprint", "pages")})
    out.update(filename=file_name(out["kind"], out["application_id"], out["version"],
                                  out["revision"]),
               content_type="application/pdf")
    if pdf is not None:
        out["pdf_base64"] = base64.b64encode(pdf).decode("ascii")
    return out


class Downloads:
    """document_object, checked_copy, render_draft."""

    db, storage = dependencies.db, dependencies.storage
    clock, config = dependencies.clock, dependencies.config

    @rpc
    @refusals_as_data
    def document_object(self, document_id: str) -> dict:
        """A rendered document's stored PDF: {document_id, application_id, kind, version,
        revision, object_key, filename, content_type, …}; DOCUMENT_UNKNOWN (404)."""
        with self.db.session() as session:
            row = store.rendered_document(session, str(document_id))
            source = store.source_of(session, row.application_id, row.version) \
                if row is not None and row.pages is None else None
        if row is None:
            raise Refusal("DOCUMENT_UNKNOWN", "没有这份文件", status=404, field="document_id")
        if row.pages is not None:  # drawn already: a cache hit
            return _answer(row)
        photo = (self.storage.get_bytes(self.storage.attachments, source.photo_key)
                 if row.kind == FORM and source.photo_key else None)
        pages, _ = draw_recorded(self.storage, self.config, row, source.season, photo,
                                 source.generated_at)
        with self.db.transaction() as tx:
            store.mark_drawn(tx.session, row.id, pages)
        return {**_answer(row), "pages": pages}

    @rpc
    @refusals_as_data
    def checked_copy(self, attachment_id: str) -> dict:
        """The checked copy of an attachment: {attachment_id, object_key, content_type};
        CHECKED_COPY_UNKNOWN (404) while it is being checked, or when it was rejected."""
        with self.db.session() as session:
            row = store.check_of(session, str(attachment_id))
        if row is None or not row.clean_key:
            raise Refusal("CHECKED_COPY_UNKNOWN", "该附件尚未核验完成，或未通过核验，没有可下载的核验件",
                          status=404, field="attachment_id")
        return {"attachment_id": row.attachment_id, "object_key": row.clean_key,
                "content_type": "image/jpeg", "verdict": row.verdict}

    @rpc
    @refusals_as_data
    def render_draft(self, application_id: str, kind: str, snapshot: dict, applicant: dict,
                     season: str) -> dict:
        """附件1 or 附件2 from a draft (see the module docstring); the answer is
        `document_object`'s with `pdf_base64`. FORM_KIND_UNKNOWN (404), FORM_NOT_APPLICABLE
        (409: 附件2 without the exemption claimed)."""
        if kind not in DRAFT_KINDS:
            raise Refusal("FORM_KIND_UNKNOWN", "只能打印附件1（guarantee）或附件2（exemption_form）",
                          status=404, field="kind")
        if kind == EXEMPTION and not claims_exemption(snapshot):
            raise Refusal("FORM_NOT_APPLICABLE", "未申请继续教育免试，不需要附件2", status=409,
                          field="kind")
        with self.db.session() as session:  # the unit's name, never its id (D-1)
            unit = store.organisation(session, unit_of(snapshot))
        form = form_from_snapshot(snapshot, applicant, season_labels_of(season),
                                  unit.name if unit is not None else None)
        data = guarantee_data(form) if kind == GUARANTEE else exemption_data(form, season)
        digest = hashlib.sha256(json.dumps([kind, data], sort_keys=True, ensure_ascii=False,
                                           default=str).encode()).hexdigest()[:16]
        for _ in range(2):  # a render of the same draft at the same moment: once more
            with self.db.session() as session:
                latest = store.latest_rendered(session, application_id, DRAFT_VERSION, kind)
            if latest is not None and latest.object_key.endswith(f"-{digest}.pdf"):
                pdf = self.storage.get_bytes(self.storage.documents, latest.object_key)
                return _answer(latest, pdf)
            revision = latest.revision + 1 if latest is not None else 0
            key = f"{season}/{application_id}/draft/{kind}.r{revision}-{digest}.pdf"
            row = draw(self.storage, self.config, application_id, DRAFT_VERSION, season, kind,
                       revision, data, None, self.clock().date().isoformat(), key=key)
            try:
                with self.db.transaction() as tx:
                    record(tx, row, self.clock())
            except IntegrityError:
                continue
            return _answer(row, row["pdf"])
        raise Refusal("RENDER_BUSY", "文件正在生成，请稍后重试", status=503)
