"""Loading and storing for notify's areas and its delivery engine: plain functions over a session.

What notify knows (contacts, organisations, which person applied for which application, the open
supplement requests), the intents of sends (idempotency key), the conditional status changes of
a send (their sources and targets from `notify.lifecycle`), attempts, templates, and the views
returned over RPC. No entrypoint runs SQL itself.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import and_, or_, select, update

from notify import messages, models as m, policy
from notify.lifecycle import REQUESTS, SENDS, UNDELIVERED, Application, Request, Status
from plumbing.masking import mask_email, mask_phone
from notify.templates import CHANNELS, Template
from plumbing.db import insert_ignoring_duplicates


class UnknownApplication(Exception):
    """A review event about an application whose submission notify has not seen yet: raised so
    that the event is retried (the submission may be a moment behind), then dead-lettered."""


def dialect(session) -> str:
    return session.get_bind().dialect.name


def upsert(session, table, key: dict, values: dict) -> None:
    """Insert the row, or update it when its key exists, in one statement (INSERT … ON
    CONFLICT DO UPDATE, PostgreSQL and SQLite alike): no read-then-insert race, one round trip
    (issue 15)."""
    if dialect(session) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).values(**key, **values)
                    .on_conflict_do_update(index_elements=list(key), set_=values))


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every time notify stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# ---- people and organisations, as events told them --------------------------------------------

def remember_contact(session, contact: dict, now: datetime) -> None:
    """Keep the latest contact of a person (upsert: two events about one person may be handled
    at the same moment)."""
    values = {k: contact.get(k) or None for k in ("name", "email", "phone")}
    values["channel"] = contact.get("channel") if contact.get("channel") in CHANNELS else None
    values["updated_at"] = now
    upsert(session, m.contacts, {"person_id": contact["person_id"]}, values)


def contact(session, person_id: str) -> dict:
    row = session.execute(select(m.contacts).where(
        m.contacts.c.person_id == person_id)).first()
    if row is None:
        return {"person_id": person_id}
    return {"person_id": person_id, "name": row.name, "email": row.email,
            "phone": row.phone, "channel": row.channel}


def address(contact: dict, channel: str) -> str | None:
    return contact.get("email") if channel == "email" else contact.get("phone")


def masked(channel: str, address: str | None) -> str | None:
    if not address:
        return None
    return mask_email(address) if channel == "email" else mask_phone(address)


def channels_of(contact: dict) -> list[str]:
    """The person's channels in order: preferred first, then the other (policy.channel_order)."""
    have = [c for c in CHANNELS if address(contact, c)]
    return policy.channel_order(contact.get("channel"), have)


def remember_org(session, org_id: str, name: str) -> None:
    if not org_id or not name:
        return
    upsert(session, m.organisations, {"org_id": org_id}, {"name": name})


def org_names(session) -> dict[str, str]:
    return {r.org_id: r.name for r in session.execute(select(m.organisations)).all()}


# ---- the application and its applicant --------------------------------------------------------

def remember_application(session, payload: dict, person_id: str, now: datetime) -> None:
    upsert(session, m.applications, {"application_id": payload["application_id"]},
           {"person_id": person_id, "season": payload["season"],
            "series": payload.get("series"), "level": payload.get("level"),
            "status": Application.ACTIVE, "updated_at": now})


def set_application_status(session, application_id: str, status: Application,
                           now: datetime) -> None:
    session.execute(update(m.applications).where(
        m.applications.c.application_id == application_id).values(
        status=status, updated_at=now))


def applicant(session, application_id: str) -> dict:
    """The contact of the application's applicant; UnknownApplication before its submission."""
    person = session.execute(select(m.applications.c.person_id).where(
        m.applications.c.application_id == application_id)).scalar()
    if person is None:
        raise UnknownApplication(f"no submission of application {application_id} seen yet")
    return contact(session, person)


def application_level(session, application_id: str) -> str | None:
    return session.execute(select(m.applications.c.level).where(
        m.applications.c.application_id == application_id)).scalar()


# ---- supplement requests (R-4.5) ----------------------------------------------------------------

def record_request(session, payload: dict, person_id: str, now: datetime) -> None:
    """Keep the request's deadline for the reminders (once per request id)."""
    session.execute(insert_ignoring_duplicates(
        dialect(session), m.supplement_requests, request_id=payload["request_id"],
        event_id=payload["event_id"], application_id=payload["application_id"],
        person_id=person_id, items=payload["items"],
        deadline=datetime.fromisoformat(payload["deadline"]), status=Request.OPEN,
        created_at=now))


def close_requests(session, application_id: str, event: str) -> None:
    """The application's open supplement requests end (`event` of `REQUESTS`: answered,
    abandoned, withdrawn); their reminders that have not gone out yet are cancelled."""
    r = m.supplement_requests.c
    session.execute(update(m.supplement_requests).where(and_(
        r.application_id == application_id, r.status.in_(REQUESTS.sources(event)))).values(
        status=REQUESTS.next(event, Request.OPEN)))
    s = m.sends.c
    session.execute(update(m.sends).where(and_(
        s.application_id == application_id, s.template.like("supplement_reminder:%"),
        s.status.in_(SENDS.sources("cancel")))).values(
        status=SENDS.next("cancel", Status.PENDING)))


def open_requests_before(session, now: datetime, horizon: datetime) -> list:
    """The open requests whose deadline is after `now` and at or before `horizon`."""
    r = m.supplement_requests.c
    return session.execute(select(m.supplement_requests).where(and_(
        r.status == Request.OPEN, r.deadline > now, r.deadline <= horizon))).all()


# ---- sends: intents and status changes ----------------------------------------------------------

def record_intents(session, now: datetime, event_id: str, application_id: str | None,
                   notices) -> list[str]:
    """Record each notice's send once (idempotency key); returns the ids newly recorded."""
    recorded = []
    for notice in notices:
        person = contact(session, notice.person_id)
        order = channels_of(person)
        channel = order[0] if order else "email"
        send_id = str(uuid.uuid4())
        done = session.execute(insert_ignoring_duplicates(
            dialect(session), m.sends, id=send_id,
            idempotency_key=policy.idempotency_key(event_id, notice.person_id, notice.template),
            event_id=event_id, application_id=application_id,
            recipient_id=notice.person_id, template=notice.template, channel=channel,
            address_masked=masked(channel, address(person, channel)), status=Status.PENDING,
            attempts=0, channel_attempts=0, variables=_json_ready(notice.variables),
            created_at=now, next_attempt_at=now, provider_key=send_id.replace("-", "")))
        if done.rowcount == 1:
            recorded.append(send_id)
    return recorded


def _json_ready(variables) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dict(variables).items()}


def send(session, send_id: str):
    return session.execute(select(m.sends).where(m.sends.c.id == send_id)).first()


def send_status(session, send_id: str) -> str | None:
    return session.execute(select(m.sends.c.status).where(m.sends.c.id == send_id)).scalar()


def due_sends(session, now: datetime, limit: int = 200) -> list[str]:
    s = m.sends.c
    return list(session.execute(select(s.id).where(and_(
        s.status.in_(SENDS.sources("claim")), s.next_attempt_at <= now)).order_by(
        s.next_attempt_at).limit(limit)).scalars())


def claim(session, send_id: str, now: datetime):
    """`claim`, committed before the provider is called: only one worker wins it. Answers the
    claimed send (RETURNING: the claim and its read in one round trip, issue 15), or None."""
    s = m.sends.c
    return session.execute(update(m.sends).where(and_(
        s.id == send_id, s.status.in_(SENDS.sources("claim")),
        or_(s.next_attempt_at.is_(None), s.next_attempt_at <= now)))
        .values(status=SENDS.next("claim", Status.PENDING), claimed_at=now)
        .returning(*m.sends.c)).first()


def defer(session, send_id: str, at: datetime) -> None:
    """`defer` a claimed send to `at` (the rate limit): not an attempt."""
    session.execute(update(m.sends).where(m.sends.c.id == send_id).values(
        status=SENDS.next("defer", Status.SENDING), claimed_at=None, next_attempt_at=at))


def set_address_masked(session, send_id: str, address_masked: str | None) -> None:
    session.execute(update(m.sends).where(m.sends.c.id == send_id).values(
        address_masked=address_masked))


def stale_sends(session, claimed_before: datetime) -> list:
    """Sends claimed before `claimed_before` and still `sending`: interrupted."""
    s = m.sends.c
    return session.execute(select(m.sends).where(and_(
        s.status.in_(SENDS.sources("interrupted")), s.claimed_at < claimed_before))).all()


def take_over(session, send, now: datetime) -> bool:
    """`interrupted`: one replica takes the send over (its claim renewed), not each of them."""
    s = m.sends.c
    return session.execute(update(m.sends).where(and_(
        s.id == send.id, s.status.in_(SENDS.sources("interrupted")),
        s.claimed_at == send.claimed_at)).values(
        status=SENDS.next("interrupted", Status.SENDING), claimed_at=now)).rowcount == 1


def record_outcome(session, send_id: str, values: dict):
    """The send's next status (and what goes with it) after an attempt; the send as it is now.
    The claimant owns the send: by id, as the attempt's own transaction."""
    return session.execute(update(m.sends).where(m.sends.c.id == send_id).values(
        attempts=m.sends.c.attempts + 1, claimed_at=None, **values)
        .returning(*m.sends.c)).one()


def restore_for_resend(session, send_id: str, status: str, channel: str,
                       now: datetime) -> None:
    """`resend`: pending again from `channel`, with a fresh retry budget."""
    session.execute(update(m.sends).where(m.sends.c.id == send_id).values(
        status=SENDS.next("resend", status), channel=channel, channel_attempts=0,
        next_attempt_at=now, claimed_at=None))


# ---- attempts -------------------------------------------------------------------------------

def insert_attempt(session, send, at: datetime, address_masked: str | None, outcome: str,
                   code: str, provider_answer: str) -> None:
    session.execute(m.attempts.insert().values(
        id=str(uuid.uuid4()), send_id=send.id, application_id=send.application_id,
        recipient_id=send.recipient_id, at=at, channel=send.channel,
        address_masked=address_masked, outcome=outcome, code=code,
        provider_answer=provider_answer))


def recent_attempt_times(session, recipient_id: str, channel: str,
                         since: datetime) -> list[datetime]:
    """When the provider was (or may have been) given a message for this person and channel."""
    a = m.attempts.c
    return list(session.execute(select(a.at).where(and_(
        a.recipient_id == recipient_id, a.channel == channel,
        a.outcome.in_(("sent", "unknown")), a.at > since))).scalars())


# ---- templates ------------------------------------------------------------------------------

def template_in_use(session, catalogue, template: str, channel: str) -> Template:
    """An administrator's template of the notice (without its variant), else the default."""
    name = messages.template_name(template)
    row = session.execute(select(m.templates).where(and_(
        m.templates.c.event == name, m.templates.c.channel == channel))).first()
    if row is None:
        return catalogue.template(name, channel)
    return Template(name, channel, row.body, row.subject, row.template_code)


def replace_template(session, template: Template, by: str | None, now: datetime) -> None:
    t = m.templates.c
    session.execute(m.templates.delete().where(and_(
        t.event == template.event, t.channel == template.channel)))
    session.execute(m.templates.insert().values(
        event=template.event, channel=template.channel, subject=template.subject,
        body=template.body, template_code=template.template_code, updated_by=by,
        updated_at=now))


# ---- views returned over RPC ------------------------------------------------------------------

def undelivered(session) -> list[dict]:
    """Every send that could not be delivered (the dead letters), newest first."""
    rows = session.execute(select(m.sends).where(m.sends.c.status.in_(UNDELIVERED)).order_by(
        m.sends.c.created_at.desc())).all()
    return [send_view(r, []) for r in rows]


def sends_about(session, application_id: str) -> list[dict]:
    """Every send about the application and each attempt of it, in order."""
    sends = session.execute(select(m.sends).where(
        m.sends.c.application_id == application_id).order_by(
        m.sends.c.created_at, m.sends.c.id)).all()
    tries = session.execute(select(m.attempts).where(
        m.attempts.c.application_id == application_id).order_by(m.attempts.c.at)).all()
    by_send: dict[str, list] = {}
    for a in tries:
        by_send.setdefault(a.send_id, []).append(a)
    return [send_view(s, by_send.get(s.id, [])) for s in sends]


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def send_view(s, tries) -> dict:
    return {"send_id": s.id, "template": s.template, "recipient_id": s.recipient_id,
            "channel": s.channel, "recipient": s.address_masked, "status": s.status,
            "attempt_count": s.attempts, "last_error": s.last_error,
            "created_at": _iso(s.created_at), "sent_at": _iso(s.sent_at),
            "next_attempt_at": _iso(s.next_attempt_at) if s.status == Status.PENDING else None,
            "attempts": [{"at": _iso(a.at), "channel": a.channel, "recipient": a.address_masked,
                          "outcome": a.outcome, "code": a.code,
                          "provider_answer": a.provider_answer} for a in tries]}
