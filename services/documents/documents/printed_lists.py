"""The staff's lists printed on request over RPC (D-4), and the lookup of a printed list's code
for the public verification. documents keeps none of the rows, only each list's code."""
from __future__ import annotations

import base64
import hashlib
import json

from sqlalchemy.exc import IntegrityError

from contracts.errors import Refusal
from documents import dependencies, lists, render, store
from documents.heavy import heavy
from plumbing.rpc import refusals_as_data, rpc

RENDERERS = {lists.PUBLICITY: render.render_publicity_notice,
             lists.DELIVERY: render.render_delivery_list, lists.RESULTS: render.render_results_list}


class PrintedLists:
    """render_list, printed_list."""

    db, clock, config = dependencies.db, dependencies.clock, dependencies.config

    @rpc
    @refusals_as_data
    def render_list(self, kind: str, rows: list, context: dict) -> dict:
        """D-4 on demand (contracts.rpc DOCUMENTS_RENDER_LIST): the unit publicity notice or its
        result (R-4.2), a unit's paper-delivery list (R-5.1), the results list (R-6.1), drawn
        from the rows intake gathered — documents keeps none of them. The code is keyed on what
        the list says, so the same rows print the same code and fingerprint."""
        if kind == lists.PUBLICITY:  # the unit's contact as the organisation file has it
            with self.db.session() as session:
                unit = store.organisation(session, context.get("org_id"))
            context = {**context, "unit_contact": dict(unit.contact) if unit else {}}
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
        try:
            with self.db.transaction() as tx:
                store.keep_printed_list(tx.session, code, kind, org, season, doc.fingerprint,
                                        doc.pages, self.clock())
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
        with self.db.session() as session:
            row = store.printed_list(session, verification_code)
        if row is None:
            raise Refusal("DOCUMENT_UNKNOWN", "系统中没有此验证码对应的文件，该文件不是本系统出具的有效文件",
                          status=404, field="code")
        return {"verification_code": row.verification_code, "kind": row.kind,
                "org_id": row.org_id, "season": row.season, "fingerprint": row.fingerprint,
                "pages": row.pages, "rendered_at": row.rendered_at.isoformat()}
