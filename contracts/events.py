"""Integration events: the one contract between the four services (docs/services.md).

Each event is published by its `source` service on the nameko exchange `<source>.events` with
its `name` as routing key. `subscribers` names every service that consumes it: the broker
topology (one durable queue per subscriber, `plumbing.topology`) is derived from this table, so
a queue exists before the first event is published and a publish to an unknown event is
refused by the broker (mandatory routing) instead of vanishing.

Payloads are JSON only: strings for times (ISO 8601, UTC) and decimals, never Python objects.
Every payload carries the envelope `event_id`, `occurred_at`, `schema_version` and the ids it
concerns.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

SCHEMA_VERSION = 1
ENVELOPE = ("event_id", "occurred_at", "schema_version")


@dataclass(frozen=True)
class EventType:
    source: str
    name: str
    subscribers: tuple[str, ...]
    fields: tuple[str, ...]  # required payload fields beyond the envelope
    doc: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.name)


# ---- from intake -------------------------------------------------------------------------

ATTACHMENT_UPLOADED = EventType(
    "intake", "attachment_uploaded", ("documents",),
    ("application_id", "season", "attachment_id", "section", "kind", "object_key", "applicant_id"),
    "An applicant stored an attachment (R-3.2); documents must check it.")

APPLICATION_SUBMITTED = EventType(
    "intake", "application_submitted", ("documents", "review", "notify"),
    ("application_id", "season", "version", "submission_no", "kind", "applicant_id", "unit_id",
     "category", "series", "level", "specialty", "applicant", "snapshot"),
    "A submission froze version `version`. `kind` is `first`, `resubmission` (after a return; "
    "R-4.4 counts `submission_no`) or `supplement` (the answer to a 48 h request, R-4.5; not "
    "counted). `unit_id` is the unit that reviews first: the dispatching unit for aid staff "
    "(R-3.5), the entrusting department for entrusted staff. `applicant` is the contact "
    "(person_id, name, email, phone, channel) notify keeps. Also `submitted_at` (intake sends it; "
    "absent from older payloads): the instant of the submission on intake's clock (ISO 8601), "
    "the 评审表's 填表时间. Review routes it, "
    "documents renders its 评审表.")

APPLICATION_WITHDRAWN = EventType(
    "intake", "application_withdrawn", ("review", "notify"),
    ("application_id", "season", "applicant_id"),
    "The applicant withdrew (撤回); open tasks and clocks of the application stop.")

# ---- from documents ------------------------------------------------------------------------

ATTACHMENT_CHECKED = EventType(
    "documents", "attachment_checked", ("intake",),
    ("application_id", "attachment_id", "verdict", "reasons"),
    "The result of checking one attachment: verdict accepted | rejected | flagged (R-3.2). "
    "`flagged` is accepted for the applicant but shown to the committee (e.g. the same image "
    "as another applicant's, with `duplicate_of`).")

DOCUMENT_RENDERED = EventType(
    "documents", "document_rendered", ("intake",),
    ("application_id", "version", "document_id", "kind", "object_key", "fingerprint",
     "verification_code", "pages", "revision"),
    "A document was recorded (D-1…D-3): `kind` evaluation_form | guarantee | "
    "exemption_form, its code, fingerprint and the key its PDF has once drawn. `revision` is 0 "
    "at submission; the 评审表 recorded again with a newly recorded opinion (STEP_DECIDED) is "
    "the next revision of the same version, with its own code. `pages` is null for an "
    "application's document: it is drawn on its first download (documents' document_object, "
    "issue 15); a draft's 附件1/附件2 is drawn at once and carries its pages.")

# ---- from review ---------------------------------------------------------------------------

TASK_OPENED = EventType(
    "review", "task_opened", ("intake", "notify"),
    ("application_id", "season", "task_id", "step", "org_id", "org_name", "reviewers"),
    "An application reached a reviewer's step (R-4.1, R-4.3); `reviewers` are the contacts "
    "(person_id, name, email, phone, channel) to tell.")

STEP_DECIDED = EventType(
    "review", "step_decided", ("intake", "notify", "documents"),
    ("application_id", "season", "task_id", "step", "org_id", "decision", "opinion", "reviewer",
     "decided_at", "next_step"),
    "A reviewer decided at a step (R-4.1: who, when, what, why). `decision`: recommended "
    "(unit, with R-4.2's exact opinion) | forwarded (department) | accepted (committee formal "
    "review) | refused. `next_step` is the step it goes to, or null. documents prints the "
    "opinions recorded so far on the 评审表 (D-1).")

PUBLICITY_OPENED = EventType(
    "review", "publicity_opened", ("intake", "notify"),
    ("application_id", "season", "org_id", "starts_on", "ends_on"),
    "The unit posted the application's publicity (公示, R-4.2) for 5 working days (R-2.3); "
    "`ends_on` is its last day.")

PUBLICITY_OUTCOMES = ("no_objection", "objection_upheld", "returned")

PUBLICITY_CLOSED = EventType(
    "review", "publicity_closed", ("intake", "notify"),
    ("application_id", "season", "org_id", "outcome"),
    "The unit publicity ended: outcome no_objection | objection_upheld | returned (the unit "
    "returned the application while it ran; the resubmission is posted anew).")

APPLICATION_RETURNED = EventType(
    "review", "application_returned", ("intake", "notify"),
    ("application_id", "season", "step", "problems", "submissions_used", "submissions_left",
     "reviewer"),
    "Returned for revision (退回) with every problem at once (N-8.5): `problems` are "
    "{code, message, field}. `submissions_left` counts toward R-4.4's cap of 3. A return by "
    "the committee also carries `request_id`: it is a request for changes (更改) with the 48 "
    "hours of R-4.5, started like a supplement's (`deadline_started`); other levels' returns "
    "have no deadline (`request_id` null or absent).")

SUPPLEMENT_REQUESTED = EventType(
    "review", "supplement_requested", ("intake", "notify"),
    ("application_id", "season", "request_id", "items", "deadline", "reviewer"),
    "The committee asked for supplements (补充材料). The 48 clock hours (R-4.5) run from the "
    "applicant being told, so `deadline` is null here: review sends `deadline_started` once "
    "notify reports the first delivery (`notification_delivered`) or the fallback starts the "
    "clock. notify tells the applicant and reminds 24 h and 2 h before the deadline.")

DEADLINE_STARTED = EventType(
    "review", "deadline_started", ("intake", "notify"),
    ("application_id", "season", "request_id", "kind", "items", "told_at", "started_by",
     "deadline"),
    "The 48 hours of a committee request (R-4.5) started: `kind` supplement (补充) | changes "
    "(a committee return, 更改); `told_at` the first delivery to the applicant "
    "(`started_by` delivered) or, when nothing reached them, the ask plus the fallback grace "
    "(`started_by` fallback); the applicant answers by `deadline` (ISO 8601), or the "
    "application counts as abandoned. intake refuses a late answer; notify reminds.")

APPLICATION_ABANDONED = EventType(
    "review", "application_abandoned", ("intake", "notify"),
    ("application_id", "season", "request_id", "deadline"),
    "A committee request's deadline (supplement or changes) passed unanswered: the "
    "application counts as abandoned (视为放弃申报, R-4.5). Emitted once, by review's sweep.")

RESULT_PUBLISHED = EventType(
    "review", "result_published", ("intake", "notify"),
    ("application_id", "season", "meeting_id", "outcome", "stage", "until"),
    "A committee's result for one applicant: outcome passed | failed; stage posted (公示 for "
    "5 working days, N-8.6; `until` its last day) | final (`until` null).")

SANCTION_IMPOSED = EventType(
    "review", "sanction_imposed", ("intake",),
    ("sanction_id", "subject", "application_id", "applicant_id", "unit_id", "person_key",
     "series", "level", "starts_on", "last_barred_on", "reason"),
    "Fraud found in review (R-1.5): `subject` person (barred 5 years from the corresponding "
    "title: `series`, and `level` or null for every level of it; matched by `applicant_id`, the "
    "platform account, and by `person_key`, intake's keyed hash of the ID number, or that of "
    "the `application_id` it was found in) or unit (barred 3 years from every title; "
    "`unit_id`). The bar runs from `starts_on` (the decision's date) to `last_barred_on`, the "
    "last day barred, both included; the day after is free.")

PAPER_DELIVERY_DUE = EventType(
    "review", "paper_delivery_due", ("notify",),
    ("season", "unit_id", "unit_name", "closes_at", "applications", "contacts"),
    "A unit's HR office has applicants whose paper materials are not delivered and the window "
    "(R-2.2) closes at `closes_at`; `contacts` are its reviewers.")

# ---- from notify -------------------------------------------------------------------------

NOTIFICATION_DELIVERED = EventType(
    "notify", "notification_delivered", ("review",),
    ("application_id", "send_id", "about", "request_id", "recipient", "channel", "delivered_at"),
    "A provider accepted a notice to the applicant about a committee request (`about`: "
    "supplement_requested | application_returned; `request_id` the request it tells of): the "
    "applicant is told (告知, R-4.5) at `delivered_at` (ISO 8601, notify's clock). Sent for "
    "each such send that succeeds; review starts the 48 hours at the first.")

ORGANISATIONS_LOADED = EventType(
    "review", "organisations_loaded", ("documents",),
    ("organisations",),
    "An administrator loaded the organisation file (`titles load-orgs`): every organisation as "
    "{id, name, kind, contact}, `contact` the unit's HR office {person, phone, address} as far "
    "as the file gives it (maybe {}). documents prints a unit's name on the 评审表 (D-1) and "
    "its contact on the unit's publicity notice (D-4). The list replaces the previous one.")

ALL = (ATTACHMENT_UPLOADED, APPLICATION_SUBMITTED, APPLICATION_WITHDRAWN, ATTACHMENT_CHECKED,
       DOCUMENT_RENDERED, TASK_OPENED, STEP_DECIDED, PUBLICITY_OPENED, PUBLICITY_CLOSED,
       APPLICATION_RETURNED, SUPPLEMENT_REQUESTED, APPLICATION_ABANDONED, RESULT_PUBLISHED,
       SANCTION_IMPOSED, PAPER_DELIVERY_DUE, ORGANISATIONS_LOADED, DEADLINE_STARTED,
       NOTIFICATION_DELIVERED)
BY_KEY = {e.key: e for e in ALL}


class ContractError(ValueError):
    pass


def lookup(source: str, name: str) -> EventType:
    try:
        return BY_KEY[(source, name)]
    except KeyError:
        raise ContractError(f"no event {source}.{name} in contracts.events") from None


def subscriptions(service: str) -> list[EventType]:
    """The events `service` consumes."""
    return [e for e in ALL if service in e.subscribers]


def utcnow_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def make(event: EventType, occurred_at: str | None = None, **fields) -> dict:
    """Build a payload for `event`: the envelope plus `fields`, checked against the contract."""
    payload = {
        "event_id": str(uuid.uuid4()),
        "occurred_at": occurred_at or utcnow_iso(),
        "schema_version": SCHEMA_VERSION,
        **fields,
    }
    validate(event, payload)
    return payload


def validate(event: EventType, payload: dict) -> None:
    missing = [f for f in ENVELOPE + event.fields if f not in payload]
    if missing:
        raise ContractError(f"{event.source}.{event.name}: missing {', '.join(missing)}")
    _check_json(payload, f"{event.source}.{event.name}")


def _check_json(value, where: str) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ContractError(f"{where}: non-string key {k!r}")
            _check_json(v, f"{where}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_json(v, f"{where}[{i}]")
    elif not (value is None or isinstance(value, (str, int, float, bool))):
        raise ContractError(f"{where}: {type(value).__name__} is not JSON (use a string)")
