"""What intake reads and writes in its own tables (`intake.models`), one function per question.

Plain functions over a SQLAlchemy session or connection (a `Tx`'s `tx.session`, or the plain
connection `db.session()` reads through): the entrypoints hold no SQL of their own. Times are
passed in (the clock is the service's).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update

from contracts.errors import Refusal
from contracts.season import Season, load_season
from intake import models as m, records
from intake.lifecycle import AttachmentStatus, Status
from intake.pii import Pii
from intake.rules import Bar

A, V, D = m.applications.c, m.versions.c, m.documents.c


# ---- seasons ----------------------------------------------------------------------------------

def season(session, season_id: str) -> Season:
    """The stored season file, parsed (SEASON_UNKNOWN until an administrator loaded it)."""
    row = session.execute(select(m.seasons.c.document).where(m.seasons.c.id == season_id)).first()
    if row is None:
        raise Refusal("SEASON_UNKNOWN", f"评审年度 {season_id} 尚未开放", field="season")
    return load_season(row.document)


def seasons(session) -> list[Season]:
    """Every loaded season, parsed, newest id first."""
    rows = session.execute(select(m.seasons.c.document).order_by(m.seasons.c.id.desc())).all()
    return [load_season(r.document) for r in rows]


def replace_season(session, season_id: str, text: str, loaded_at: datetime) -> None:
    session.execute(m.seasons.delete().where(m.seasons.c.id == season_id))
    session.execute(m.seasons.insert().values(id=season_id, document=text, loaded_at=loaded_at))


# ---- applications -------------------------------------------------------------------------------

def application(session, application_id: str, for_update: bool = False):
    """The application row, or None; `for_update` locks it until the transaction ends (two of
    review's events handled at once must not both read the old status)."""
    q = select(m.applications).where(A.id == application_id)
    return session.execute(q.with_for_update() if for_update else q).first()


def application_exists(session, application_id: str | None) -> bool:
    return bool(application_id) and session.execute(
        select(A.id).where(A.id == application_id)).first() is not None


def applications_by_id(session, ids: list[str]) -> list:
    return session.execute(select(m.applications).where(A.id.in_(ids))).all()


def list_applications(session, *, applicant_id: str | None = None, unit_id: str | None = None,
                      season_id: str | None = None, limit: int = 200) -> list:
    """Newest first; narrowed to an applicant's own, a unit's (the unit that reviews first) or
    a season's when given."""
    q = select(m.applications).order_by(A.created_at.desc()).limit(limit)
    if applicant_id is not None:
        q = q.where(A.applicant_id == applicant_id)
    if unit_id is not None:
        q = q.where(A.unit_id == unit_id)
    if season_id is not None:
        q = q.where(A.season == season_id)
    return session.execute(q).all()


def insert_application(session, **values) -> None:
    session.execute(m.applications.insert().values(**values))


def update_application(session, application_id: str, **values) -> None:
    session.execute(update(m.applications).where(A.id == application_id).values(**values))


def active_applications(session, season_id: str, person_hash: str,
                        except_id: str | None = None) -> int:
    """The person's applications this season that are not withdrawn (one at a time)."""
    q = select(func.count()).select_from(m.applications).where(
        A.season == season_id, A.person_hash == person_hash, A.status != Status.WITHDRAWN.value)
    if except_id:
        q = q.where(A.id != except_id)
    return session.execute(q).scalar()


def person_hash_of(session, application_id: str | None) -> str | None:
    row = session.execute(select(A.person_hash).where(A.id == application_id)).first()
    return row.person_hash if row else None


def publicity_of(session, application_id: str) -> dict | None:
    row = session.execute(select(A.publicity).where(A.id == application_id)).first()
    return row.publicity if row else None


def with_results(session, season_id: str) -> list:
    """The season's applications a committee's result was published for (N-8.6)."""
    return session.execute(select(m.applications).where(
        A.season == season_id, A.result.is_not(None))).all()


def season_and_applicant(session, application_id: str):
    """`season` and `applicant` (the token's contact) of an application."""
    return session.execute(select(A.season, A.applicant).where(A.id == application_id)).one()


def application_view(session, app, pii: Pii, principal=None) -> dict:
    """The application as the API shows it (`records.view`): its season, attachments and
    documents; the ID number in clear for its owner only."""
    return view_with(session, app, season(session, app.season), attachments(session, app.id),
                     pii, principal)


def view_with(session, app, season_: Season, all_attachments, pii: Pii, principal=None) -> dict:
    """`application_view` from the season and attachments (all, `attachments`) a transaction
    has read already: only the documents are read (issue 15: submit reads nothing twice)."""
    owner = principal is not None and principal.role == "applicant" \
        and principal.sub == app.applicant_id
    return records.view(app, season_, all_attachments, documents(session, app.id),
                        id_number=pii.open_(app.id_number_sealed)
                        if owner and app.id_number_sealed else None)


def view_of(session, application_id: str, pii: Pii, principal=None) -> dict:
    """The view of an application just written in this transaction."""
    app = session.execute(select(m.applications).where(A.id == application_id)).one()
    return application_view(session, app, pii, principal)


# ---- history ------------------------------------------------------------------------------------

def append_history(session, application_id: str, at: datetime, actor: str, action: str,
                   detail: dict) -> None:
    """One line of the application's history: who (a person id or a service), what, when."""
    session.execute(m.history.insert().values(application_id=application_id, at=at, actor=actor,
                                              action=action, detail=detail))


def history(session, application_id: str) -> list:
    return session.execute(select(m.history).where(
        m.history.c.application_id == application_id).order_by(m.history.c.id)).all()


# ---- frozen versions (R-4.4) --------------------------------------------------------------------

def versions(session, application_id: str) -> list:
    return session.execute(select(m.versions).where(V.application_id == application_id)
                           .order_by(V.version)).all()


def version(session, application_id: str, number: int):
    """One frozen version, or None (numbers outside 1 … 2³¹ are not looked up)."""
    if not 0 < number < 2 ** 31:
        return None
    return session.execute(select(m.versions).where(
        V.application_id == application_id, V.version == number)).first()


def version_snapshot(session, application_id: str, number: int) -> dict | None:
    return session.execute(select(V.snapshot).where(
        V.application_id == application_id, V.version == number)).scalar()


def next_version(session, application_id: str) -> int:
    return (session.execute(select(func.max(V.version)).where(
        V.application_id == application_id)).scalar() or 0) + 1


def insert_version(session, **values) -> None:
    session.execute(m.versions.insert().values(**values))


# ---- attachments --------------------------------------------------------------------------------

def attachments(session, application_id: str) -> list:
    """Every attachment of the application, replaced ones included, oldest first."""
    return session.execute(select(m.attachments).where(
        m.attachments.c.application_id == application_id).order_by(
        m.attachments.c.created_at)).all()


def counting(all_attachments) -> list:
    """Of every attachment (`attachments`, oldest first), those that count, as
    `current_attachments` selects them."""
    return [a for a in all_attachments if a.superseded_by is None
            and a.status != AttachmentStatus.AWAITING_UPLOAD.value]


def current_attachments(session, application_id: str) -> list:
    """The attachments that count: uploaded and not replaced, oldest first."""
    at = m.attachments.c
    return session.execute(select(m.attachments).where(
        at.application_id == application_id, at.superseded_by.is_(None),
        at.status != AttachmentStatus.AWAITING_UPLOAD.value).order_by(at.created_at)).all()


def attachment(session, attachment_id: str, application_id: str | None = None,
               for_update: bool = False):
    """One attachment (of `application_id` when given), or None."""
    q = select(m.attachments).where(m.attachments.c.id == attachment_id)
    if application_id is not None:
        q = q.where(m.attachments.c.application_id == application_id)
    return session.execute(q.with_for_update() if for_update else q).first()


def insert_attachment(session, **values) -> None:
    session.execute(m.attachments.insert().values(**values))


def update_attachment(session, attachment_id: str, **values) -> None:
    session.execute(update(m.attachments).where(m.attachments.c.id == attachment_id)
                    .values(**values))


# ---- rendered documents (D-1 … D-3) -------------------------------------------------------------

def documents(session, application_id: str) -> list:
    return session.execute(select(m.documents).where(D.application_id == application_id)
                           .order_by(D.version)).all()


def insert_document(session, **values) -> None:
    session.execute(m.documents.insert().values(**values))


def document(session, document_id: str, application_id: str):
    """One rendered document of the application, or None."""
    return session.execute(select(m.documents).where(
        D.id == document_id, D.application_id == application_id)).first()


def document_drawn(session, document_id: str, pages: int) -> None:
    """documents drew the PDF (its first download): its page count is known now."""
    session.execute(m.documents.update().where(D.id == document_id, D.pages.is_(None))
                    .values(pages=pages))


def document_by_code(session, code: str):
    return session.execute(select(m.documents).where(D.verification_code == code)).first()


def latest_document(session, application_id: str, kind: str, of_version: int) -> tuple[int, int]:
    """The newest version of the application's document of `kind`, and the newest revision of
    `kind` at `of_version` (a printout is superseded by either)."""
    latest = session.execute(select(func.max(D.version)).where(
        D.application_id == application_id, D.kind == kind)).scalar()
    revision = session.execute(select(func.max(D.revision)).where(
        D.application_id == application_id, D.kind == kind, D.version == of_version)).scalar()
    return latest, revision


# ---- bars (R-1.5) -------------------------------------------------------------------------------

def bars_against(session, today: date, person_hash: str | None, applicant_id: str,
                 units: set[str]) -> list[Bar]:
    """The bars in force today (first to last barred day, both included) against this person
    (by ID number or platform id) or their units, as the eligibility rule sees them."""
    rows = session.execute(select(m.bars).where(
        m.bars.c.starts_on <= today, m.bars.c.last_barred_on >= today)).all()
    found = []
    for b in rows:
        if b.subject == "person" and (b.subject_key == person_hash
                                      or b.applicant_id == applicant_id):
            found.append(Bar("person", person_hash or applicant_id, b.last_barred_on,
                             b.starts_on, b.series, b.level))
        elif b.subject == "unit" and b.subject_key in units:
            found.append(Bar("unit", b.subject_key, b.last_barred_on, b.starts_on))
    return found


def replace_bar(session, sanction_id: str, **values) -> None:
    """Store a sanction's bar (again: the same sanction replaces its earlier row)."""
    session.execute(m.bars.delete().where(m.bars.c.sanction_id == sanction_id))
    session.execute(m.bars.insert().values(sanction_id=sanction_id, **values))
