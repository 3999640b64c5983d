"""An application's documents, recorded at each submission and again on each decision: the
watermarked 评审表 (D-1) with the opinions recorded so far, 附件1 (D-2) and 附件2 (D-3).

Recorded, not drawn (issue 15): the notice (五(一)) prints the 评审表 once the online review has
passed, so nothing on the submission's path needs the PDF. A submission or a decision fixes what
the document says (`data`), its verification code and its content fingerprint — both known
before drawing (`documents.pdf.identity`) — keeps the row and announces it (DOCUMENT_RENDERED,
`pages` null). The PDF is drawn on the first download (`documents.downloads.document_object`),
from the kept data, to the key the row names; later downloads find it (a cache per fingerprint:
the key carries it). Drawing run 3's 评审表 was 84 % of documents' CPU per submission
(BENCHMARKS.md); a submission now costs a few queries and one photo read.
"""
from __future__ import annotations

import functools
import uuid
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from contracts import events
from contracts.errors import Refusal
from contracts.people import application_number
from contracts.season import load_season
from documents import dependencies, render, store
from documents.form import (claims_exemption, exemption_data, form_from_snapshot,
                            guarantee_data, printed_opinion, season_labels, unit_of,
                            with_opinions)
from documents.heavy import heavy
from plumbing.config import ROOT
from plumbing.events import handles, subscribe

FORM = "evaluation_form"  # 专业技术职务任职资格评审表 (D-1)
GUARANTEE = "guarantee"  # 附件1 专业技术资格评审材料真实性保证书 (D-2)
EXEMPTION = "exemption_form"  # 附件2 继续教育免试审批表 (D-3, R-3.4)
RENDERERS = {FORM: render.render_evaluation_form, GUARANTEE: render.render_guarantee,
             EXEMPTION: render.render_exemption_form}
PHOTO = "photo"  # 一寸免冠照片 (R-3.3 §1)
SEASON_TZ = ZoneInfo("Asia/Shanghai")  # the season's time zone: the form's dates


class UnknownUnit(Exception):
    """A submission names a unit documents has not been told of (review's
    organisations_loaded): expected, retried like any failed event."""


def form_date(payload: dict) -> str:
    """填表时间 (D-1): the submission's date in the season's time zone, from intake's
    `submitted_at` (the envelope's `occurred_at` only for payloads that predate it)."""
    instant = datetime.fromisoformat(payload.get("submitted_at") or payload["occurred_at"])
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(SEASON_TZ).date().isoformat()


@functools.cache
def season_labels_of(season_id: str) -> dict:
    """Chinese names of the season's series, specialties and levels, for the printed form."""
    path = ROOT / "seasons" / f"{season_id}.yaml"
    try:
        return season_labels(load_season(path.read_text("utf-8")))
    except (OSError, Refusal):
        return {}


class ApplicationDocuments:
    """on_application_submitted, on_step_decided."""

    db, storage = dependencies.db, dependencies.storage
    clock, config = dependencies.clock, dependencies.config

    @handles(events.ORGANISATIONS_LOADED)
    def on_organisations_loaded(self, tx, payload):
        """The organisations' names (printed on the 评审表, D-1) and contacts (printed on the
        unit's publicity notice, D-4), replaced by each loaded file."""
        store.replace_organisations(tx.session, payload["organisations"])

    # `subscribe`, not `@handles`: the photo is read before the transaction.
    @subscribe(events.APPLICATION_SUBMITTED, expected_exceptions=UnknownUnit)
    def on_application_submitted(self, payload):
        """Every submission gets its own documents, from the frozen version: the 评审表 (D-1)
        with the checked one-inch photo, the opinions recorded online so far and boxes for the
        handwritten ones, signatures and stamps; 附件1 the authenticity guarantee (D-2, every
        applicant, R-3.3 §10); 附件2 the exemption approval form (D-3) when the application
        claims the continuing-education exemption (R-3.4). Recorded here, drawn on first
        download (module docstring)."""
        app_id, version, season = payload["application_id"], payload["version"], payload["season"]
        photo_ids = [a["id"] for a in payload["snapshot"].get("attachments") or []
                     if isinstance(a, dict) and a.get("kind") == PHOTO]
        with self.db.session() as session:  # one checkout for all this handler reads
            rendered = store.is_rendered(session, app_id, version, FORM)
            clean = store.clean_copies(session, photo_ids) if photo_ids and not rendered else {}
            recorded = store.recorded_opinions(session, app_id) if not rendered else []
        if rendered:  # the same submission announced again: done already
            with self.db.consume(payload, "intake.application_submitted"):
                return
        form = form_from_snapshot(payload["snapshot"], payload["applicant"],
                                  season_labels_of(season), self._unit_name(payload))
        generated_at = form_date(payload)
        photo_key = latest_clean_copy(photo_ids, clean)
        photo = self.storage.get_bytes(self.storage.attachments, photo_key) if photo_key else None
        wanted = [(FORM, with_opinions(form, recorded), photo),
                  (GUARANTEE, guarantee_data(form), None)]
        if claims_exemption(payload["snapshot"]):
            wanted.append((EXEMPTION, exemption_data(form, season), None))
        done = [announce(self.config, app_id, version, season, kind, 0, data, photo,
                         generated_at) for kind, data, photo in wanted]
        with self.db.consume(payload, "intake.application_submitted") as tx:
            if tx is None:
                return
            store.record_source(tx.session, app_id, version, season, form, photo_key,
                                generated_at)
            for row in done:
                self._record(tx, row)

    # `subscribe`, not `@handles`: the photo is read before the transaction.
    @subscribe(events.STEP_DECIDED)
    def on_step_decided(self, payload):
        """D-1, R-4.1: a reviewer decided; the 评审表 of the application's latest version is
        recorded again (drawn on first download), as its next revision, with every opinion
        recorded so far printed in its box (the unit's R-4.2 text as recorded, the
        department's, the committee's formal review).
        The decision is kept here; the same decision announced again records nothing."""
        app_id = payload["application_id"]
        opinion = {"application_id": app_id, "task_id": payload["task_id"],
                   "step": payload["step"], "org_id": payload.get("org_id"),
                   "decision": payload["decision"], "opinion": payload.get("opinion") or "",
                   "reviewer": payload.get("reviewer") or {},
                   "decided_at": str(payload["decided_at"])}
        with self.db.session() as session:
            known = store.decision_known(session, opinion["task_id"], opinion["decision"],
                                         opinion["decided_at"])
            source = store.latest_source(session, app_id)
            recorded = store.recorded_opinions(session, app_id)
            revision = None
            if source is not None:
                revision = store.next_revision(session, app_id, source.version, FORM)
        done = None  # no source yet (submission not rendered): that rendering will print it
        if not known and source is not None:
            photo = (self.storage.get_bytes(self.storage.attachments, source.photo_key)
                     if source.photo_key else None)
            form = with_opinions(source.form, recorded + [printed_opinion(opinion)])
            done = announce(self.config, app_id, source.version, source.season, FORM, revision,
                            form, photo, source.generated_at)
        with self.db.consume(payload, "review.step_decided") as tx:
            if tx is None or known:
                return
            store.record_opinion(tx.session, opinion)
            if done is not None:
                self._record(tx, done)

    def _record(self, tx, row: dict):
        record(tx, row, self.clock())

    def _unit_name(self, payload: dict) -> str | None:
        """工作单位 (D-1): the name of the applicant's own unit. When documents knows neither it
        nor the reviewing unit, the organisation file has not reached it yet: UnknownUnit, so
        the event is retried. An own unit outside the file (an aid staffer's, R-3.5) prints
        as 无, never as an id."""
        own, reviewing = unit_of(payload["snapshot"]), payload["unit_id"]
        with self.db.session() as session:
            found = {u: store.organisation(session, u) for u in {own, reviewing} if u}
        if found.get(own) is not None:
            return found[own].name
        if found.get(reviewing) is None:
            raise UnknownUnit(f"unit {reviewing} unknown: load the organisation file "
                              "(titles load-orgs) before submissions are rendered")
        return None


def latest_clean_copy(photo_ids: list[str], clean: dict[str, str | None]) -> str | None:
    """The clean (upright, metadata-free) copy of the version's one-inch photo: the latest
    photo attachment of the snapshot that this service accepted or flagged."""
    usable = [clean[i] for i in photo_ids if clean.get(i)]
    return usable[-1] if usable else None


def _meta(config, app_id, version, season, kind, revision, generated_at):
    code = render.verification_code(config["DOCUMENT_SECRET"], app_id, version, kind, revision)
    return render.DocumentMeta(
        application_no=application_number(app_id), verification_code=code, season=season,
        verify_url=f"{config['VERIFY_URL_BASE']}/{code}", generated_at=generated_at)


def _key(season, app_id, version, kind, revision, fingerprint) -> str:
    # A revision's key carries its fingerprint: two decisions recorded at once both aim at
    # the next revision, one loses on the unique constraint and retries — its PDF must not
    # overwrite the winner's. The same content drawn again overwrites itself.
    suffix = f".r{revision}-{fingerprint[:16]}" if revision else ""
    return f"{season}/{app_id}/v{version}/{kind}{suffix}.pdf"


def announce(config, app_id, version, season, kind, revision, data, photo,
             generated_at) -> dict:
    """The row `record` keeps for a document not drawn yet: its code, its fingerprint (the one
    drawing it gives: same layout, data, meta and photo), the key its PDF will have, its data;
    `pages` None. No drawing, no storage."""
    meta = _meta(config, app_id, version, season, kind, revision, generated_at)
    fingerprint = render.content_fingerprint(kind, data, meta, photo)
    return {"id": str(uuid.uuid4()), "application_id": app_id, "version": version,
            "kind": kind, "revision": revision,
            "object_key": _key(season, app_id, version, kind, revision, fingerprint),
            "fingerprint": fingerprint, "verification_code": meta.verification_code,
            "pages": None, "data": data}


def draw_recorded(storage, config, row, season, photo, generated_at) -> tuple[int, bytes]:
    """Draw a recorded document (`announce`) from its kept data and store its PDF under the
    row's key; answers (pages, pdf). The fingerprint drawn is the one recorded (printed on the
    page and carried by its QR code), or the row cannot be drawn."""
    meta = _meta(config, row.application_id, row.version, season, row.kind, row.revision,
                 generated_at)
    doc = heavy(RENDERERS[row.kind], row.data, meta=meta,
                **({"photo_jpeg": photo} if row.kind == FORM else {}))
    if doc.fingerprint != row.fingerprint:  # layout or secret changed since: not this document
        raise RuntimeError(f"document {row.id} drawn with fingerprint {doc.fingerprint}, "
                           f"recorded {row.fingerprint}")
    storage.put_bytes(storage.documents, row.object_key, doc.pdf, "application/pdf")
    return doc.pages, doc.pdf


def draw(storage, config, app_id, version, season, kind, revision, data, photo, generated_at,
         key: str | None = None) -> dict:
    """Render one document now and store its PDF (drafts, `documents.downloads.render_draft`),
    before the transaction that records it. Answers the row `record` keeps, with the PDF under
    `pdf` (not stored in the row)."""
    meta = _meta(config, app_id, version, season, kind, revision, generated_at)
    doc = heavy(RENDERERS[kind], data, meta=meta, **({"photo_jpeg": photo}
                                                     if kind == FORM else {}))
    key = key or _key(season, app_id, version, kind, revision, doc.fingerprint)
    storage.put_bytes(storage.documents, key, doc.pdf, "application/pdf")
    return {"id": str(uuid.uuid4()), "application_id": app_id, "version": version,
            "kind": kind, "revision": revision, "object_key": key,
            "fingerprint": doc.fingerprint, "verification_code": meta.verification_code,
            "pages": doc.pages, "pdf": doc.pdf}


def record(tx, row: dict, now) -> None:
    """Keep a document (drawn or not yet) and tell intake (DOCUMENT_RENDERED; `pages` null
    while it is not drawn)."""
    kept = {k: v for k, v in row.items() if k != "pdf"}
    store.record_rendered(tx.session, kept, now)
    tx.emit(events.DOCUMENT_RENDERED, document_id=kept["id"],
            **{k: v for k, v in kept.items() if k not in ("id", "data")})
