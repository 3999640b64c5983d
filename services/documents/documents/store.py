"""Loading and storing for documents' areas: plain functions over a session.

Check results and the band index of their hashes (with the lock that serialises near-identical
images), the sources each submission's documents were drawn from, the opinions recorded so far,
the rendered documents, and the lists printed on request. No entrypoint runs SQL itself.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text

from documents import checks, duplicates, models as m
from documents.form import printed_opinion

# pg_advisory_xact_lock(class, key): the class keeps documents' keys apart from anyone else's.
DUPLICATE_LOCK_CLASS = 0x0D0C


# ---- attachment checks (R-3.2) ----------------------------------------------------------------

def record_check(session, payload: dict, verdict: str, reasons: list[dict],
                 result: checks.CheckResult, clean_key: str | None, thumbnail_key: str | None,
                 now: datetime) -> None:
    session.execute(m.checks.insert().values(
        attachment_id=payload["attachment_id"], application_id=payload["application_id"],
        applicant_id=payload["applicant_id"], kind=payload["kind"],
        verdict=verdict, reasons=reasons, phash=result.phash,
        fine_hash=result.fine_hash, clean_key=clean_key, thumbnail_key=thumbnail_key,
        checked_at=now))


def index_bands(session, attachment_id: str, phash: str) -> None:
    """The image's band keys, so that later checks find it as a candidate duplicate."""
    session.execute(m.phash_bands.insert(), [
        {"band_key": k, "attachment_id": attachment_id} for k in duplicates.band_keys(phash)])


def lock_bands(session, keys: list[int]) -> None:
    """Race-safe duplicates: on PostgreSQL a transaction-scoped advisory lock per band key
    (sorted, so two checks never wait on each other crosswise) serialises every pair of checks
    that could match — near-identical hashes share a band — until the first has committed its
    row; the second's query then sees it. SQLite serialises writers already (`consume` writes
    first)."""
    if session.get_bind().dialect.name == "postgresql":
        for key in keys:
            session.execute(text("SELECT pg_advisory_xact_lock(:c, :k)"),
                            {"c": DUPLICATE_LOCK_CLASS, "k": key})


def seen_sharing_bands(session, keys: list[int], applicant_id: str) -> list[duplicates.Seen]:
    """Other applicants' images sharing a band key, oldest first."""
    c = m.checks.c
    rows = session.execute(
        select(c.attachment_id, c.application_id, c.applicant_id, c.phash, c.fine_hash)
        .where(c.attachment_id.in_(select(m.phash_bands.c.attachment_id)
                                   .where(m.phash_bands.c.band_key.in_(keys))))
        .where(c.applicant_id != applicant_id)
        .order_by(c.checked_at, c.attachment_id)).all()
    return [duplicates.Seen(r.attachment_id, r.application_id, r.applicant_id, r.phash,
                            r.fine_hash) for r in rows]


def clean_copies(session, attachment_ids: list[str]) -> dict[str, str | None]:
    """The clean copy's key of each attachment this service accepted or flagged."""
    c = m.checks.c
    return {r.attachment_id: r.clean_key for r in session.execute(
        select(c.attachment_id, c.clean_key)
        .where(c.attachment_id.in_(attachment_ids))
        .where(c.verdict != checks.REJECTED))}


# ---- what the documents are drawn from ------------------------------------------------------

def is_rendered(session, application_id: str, version: int, kind: str) -> bool:
    r = m.rendered.c
    return session.execute(select(r.id).where(
        r.application_id == application_id, r.version == version,
        r.kind == kind)).first() is not None


def record_source(session, application_id: str, version: int, season: str, form: dict,
                  photo_key: str | None, generated_at: str) -> None:
    session.execute(m.sources.insert().values(
        application_id=application_id, version=version, season=season, form=form,
        photo_key=photo_key, generated_at=generated_at))


def latest_source(session, application_id: str):
    """What the application's latest rendered version was drawn from, or None."""
    return session.execute(select(m.sources).where(m.sources.c.application_id == application_id)
                           .order_by(m.sources.c.version.desc())).first()


def recorded_opinions(session, application_id: str) -> list[dict]:
    """The opinions recorded so far for the application, oldest first, as the form prints
    them."""
    o = m.opinions.c
    return [printed_opinion(r._mapping) for r in session.execute(
        select(m.opinions).where(o.application_id == application_id)
        .order_by(o.decided_at, o.id))]


def decision_known(session, task_id: str, decision: str, decided_at: str) -> bool:
    """The same decision (task, decision, time) is kept already."""
    o = m.opinions.c
    return session.execute(select(o.id).where(
        o.task_id == task_id, o.decision == decision,
        o.decided_at == decided_at)).first() is not None


def record_opinion(session, opinion: dict) -> None:
    session.execute(m.opinions.insert().values(**opinion))


# ---- rendered documents -----------------------------------------------------------------------

def next_revision(session, application_id: str, version: int, kind: str) -> int:
    r = m.rendered.c
    return 1 + (session.execute(select(func.max(r.revision)).where(
        r.application_id == application_id, r.version == version,
        r.kind == kind)).scalar() or 0)


def record_rendered(session, row: dict, now: datetime) -> None:
    session.execute(m.rendered.insert().values(**row, rendered_at=now))


def source_of(session, application_id: str, version: int):
    """What the version's documents were drawn from (season, photo, 填表时间), or None."""
    s = m.sources.c
    return session.execute(select(m.sources).where(
        s.application_id == application_id, s.version == version)).first()


def mark_drawn(session, document_id: str, pages: int) -> None:
    """A recorded document's PDF is stored now, with `pages` pages (the first download)."""
    r = m.rendered.c
    session.execute(m.rendered.update().where(r.id == document_id, r.pages.is_(None))
                    .values(pages=pages))


# ---- lists printed on request (D-4) -------------------------------------------------------------

def keep_printed_list(session, code: str, kind: str, org: str, season: str, fingerprint: str,
                      pages: int, now: datetime) -> None:
    """Keep the list's code (once: the same list printed again has its row already)."""
    p = m.printed_lists.c
    if session.execute(select(p.verification_code).where(
            p.verification_code == code)).first() is None:
        session.execute(m.printed_lists.insert().values(
            verification_code=code, kind=kind, org_id=org, season=season,
            fingerprint=fingerprint, pages=pages, rendered_at=now))


def printed_list(session, code: str):
    return session.execute(select(m.printed_lists).where(
        m.printed_lists.c.verification_code == code)).first()


# ---- downloads (documents.downloads) ----------------------------------------------------------

def rendered_document(session, document_id: str):
    """One rendered document by its id, or None."""
    return session.execute(select(m.rendered).where(m.rendered.c.id == document_id)).first()


def latest_rendered(session, application_id: str, version: int, kind: str):
    """The newest revision of an application's document of `kind` at `version`, or None."""
    r = m.rendered.c
    return session.execute(select(m.rendered).where(
        r.application_id == application_id, r.version == version, r.kind == kind)
        .order_by(r.revision.desc())).first()


def check_of(session, attachment_id: str):
    """The check of one attachment (its verdict and the keys of its checked copies), or None."""
    return session.execute(select(m.checks).where(
        m.checks.c.attachment_id == attachment_id)).first()


# ---- organisations (review's organisations_loaded) ----------------------------------------------

def replace_organisations(session, organisations: list[dict]) -> None:
    """The organisation file as loaded replaces what documents knew."""
    session.execute(m.organisations.delete())
    for o in organisations:
        session.execute(m.organisations.insert().values(
            id=o["id"], name=o["name"], kind=o.get("kind") or "unit",
            contact=dict(o.get("contact") or {})))


def organisation(session, org_id: str | None):
    """An organisation's row (name, contact), or None."""
    if not org_id:
        return None
    return session.execute(select(m.organisations).where(m.organisations.c.id == org_id)).first()
