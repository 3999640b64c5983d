"""What documents and review tell intake, projected onto the application the applicant sees:
attachment verdicts, rendered documents, where review is, the publicity (公示), a return (退回),
a supplement request (补充材料), abandonment, the committee's result, and bars (R-1.5).

Each handler runs once per event (`@handles`: a redelivery is skipped) and moves the status only
through `intake.lifecycle`: what the table does not list for the current status is recorded in
the history and leaves the status as it is.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

from contracts import events
from intake import dependencies, records, store
from intake.lifecycle import ATTACHMENT, LIFECYCLE, result_event
from plumbing.events import handles

log = logging.getLogger(__name__)


class Projection:
    db, clock = dependencies.db, dependencies.clock

    def _record(self, tx, application_id: str, actor: str, action: str, detail: dict,
                event: str | None = None, **values):
        """Record what review said and store `values`; move the status by `event` when the
        lifecycle lists it for the current status."""
        # Locked: two of review's events handled at once (a late task_opened and a return) must
        # not each read the old status and let the later commit undo the other (commit de71fba).
        app = store.application(tx.session, application_id, for_update=True)
        if app is None:
            log.warning("%s for unknown application %s ignored", action, application_id)
            return None
        status = LIFECYCLE.next(event, app.status) if event else None
        if status is not None:
            values["status"] = status.value
        store.update_application(tx.session, application_id, updated_at=self.clock(), **values)
        store.append_history(tx.session, application_id, self.clock(), actor, action, detail)
        return app

    @handles(events.ATTACHMENT_CHECKED)
    def on_attachment_checked(self, tx, payload):
        """R-3.2: documents' verdict on one attachment (accepted | rejected | flagged)."""
        att = store.attachment(tx.session, payload["attachment_id"], for_update=True)
        status = ATTACHMENT.next(payload["verdict"], att.status) if att is not None else None
        if status is not None:
            store.update_attachment(tx.session, att.id, status=status.value,
                                    reasons=payload["reasons"], checked_at=self.clock())
        else:
            log.warning("verdict %s for attachment %s (%s) ignored", payload["verdict"],
                        payload["attachment_id"], att.status if att is not None else "unknown")
        store.append_history(tx.session, payload["application_id"], self.clock(), "documents",
                             "attachment_checked", {"attachment_id": payload["attachment_id"],
                                                    "verdict": payload["verdict"]})

    @handles(events.DOCUMENT_RENDERED)
    def on_document_rendered(self, tx, payload):
        revision = payload.get("revision") or 0  # absent from events sent before it existed
        store.insert_document(
            tx.session, id=payload["document_id"], application_id=payload["application_id"],
            version=payload["version"], kind=payload["kind"], revision=revision,
            object_key=payload["object_key"], fingerprint=payload["fingerprint"],
            verification_code=payload["verification_code"], pages=payload["pages"],
            created_at=self.clock())
        store.append_history(tx.session, payload["application_id"], self.clock(), "documents",
                             "document_rendered", {"version": payload["version"],
                                                   "kind": payload["kind"], "revision": revision})

    @handles(events.TASK_OPENED)
    def on_task_opened(self, tx, payload):
        """R-4.1, R-4.3: the application reached a step; a task opened late moves only a
        submitted or in-review application (the lifecycle's `task_opened`)."""
        step = {"task_id": payload["task_id"], "step": payload["step"],
                "org_id": payload["org_id"], "org_name": payload["org_name"]}
        self._record(tx, payload["application_id"], "review", "task_opened", step,
                     event="task_opened", current_step=step)

    @handles(events.STEP_DECIDED)
    def on_step_decided(self, tx, payload):
        """R-4.1: who decided what, when and why at a step; `refused` ends the application."""
        detail = {k: payload[k] for k in ("task_id", "step", "org_id", "decision", "opinion",
                                          "reviewer", "decided_at", "next_step")}
        step = {"task_id": payload["task_id"], "step": payload["step"],
                "org_id": payload["org_id"], "decision": payload["decision"],
                "next_step": payload["next_step"]}
        self._record(tx, payload["application_id"], records.actor(payload["reviewer"]),
                     "step_decided", detail,
                     event="step_refused" if payload["decision"] == "refused" else None,
                     current_step=step)

    @handles(events.PUBLICITY_OPENED)
    def on_publicity_opened(self, tx, payload):
        """R-4.2: the unit's publicity (公示) runs from `starts_on` to `ends_on`."""
        publicity = {"org_id": payload["org_id"], "starts_on": payload["starts_on"],
                     "ends_on": payload["ends_on"], "outcome": None}
        self._record(tx, payload["application_id"], "review", "publicity_opened", publicity,
                     publicity=publicity)

    @handles(events.PUBLICITY_CLOSED)
    def on_publicity_closed(self, tx, payload):
        publicity = {**(store.publicity_of(tx.session, payload["application_id"]) or {}),
                     "org_id": payload["org_id"], "outcome": payload["outcome"]}
        self._record(tx, payload["application_id"], "review", "publicity_closed",
                     {"outcome": payload["outcome"]}, publicity=publicity)

    @handles(events.APPLICATION_RETURNED)
    def on_application_returned(self, tx, payload):
        """R-4.4, N-8.5: returned with every problem; the applicant edits and resubmits."""
        ret = {k: payload[k] for k in ("step", "problems", "submissions_used",
                                       "submissions_left", "reviewer")}
        ret["returned_at"] = payload["occurred_at"]
        # a committee's return is a request for changes; its deadline comes with
        # deadline_started (48 hours from being told)
        ret["request_id"], ret["deadline"] = payload.get("request_id"), None
        self._record(tx, payload["application_id"], records.actor(payload["reviewer"]),
                     "returned", ret, event="application_returned", last_return=ret)

    @handles(events.SUPPLEMENT_REQUESTED)
    def on_supplement_requested(self, tx, payload):
        """R-4.5: the committee wants supplements by `deadline` (48 hours)."""
        request = {k: payload[k] for k in ("request_id", "items", "deadline", "reviewer")}
        self._record(tx, payload["application_id"], records.actor(payload["reviewer"]),
                     "supplement_requested", request, event="supplement_requested",
                     supplement=request)

    @handles(events.DEADLINE_STARTED)
    def on_deadline_started(self, tx, payload):
        """R-4.5: the 48 hours of the committee's request started (the applicant was told):
        the deadline an answer (a supplement, or the resubmission after a committee return) is
        refused after."""
        app = store.application(tx.session, payload["application_id"])
        if app is None:
            return
        key = "supplement" if payload["kind"] == "supplement" else "last_return"
        held = getattr(app, key) or {}
        values = {}
        if held.get("request_id") == payload["request_id"]:
            values[key] = {**held, "deadline": payload["deadline"],
                           "told_at": payload["told_at"], "started_by": payload["started_by"]}
        self._record(tx, payload["application_id"], "review", "deadline_started",
                     {k: payload[k] for k in ("request_id", "kind", "told_at", "started_by",
                                              "deadline")}, **values)

    @handles(events.APPLICATION_ABANDONED)
    def on_application_abandoned(self, tx, payload):
        """R-4.5: the deadline passed unanswered: 视为放弃申报."""
        self._record(tx, payload["application_id"], "review", "abandoned",
                     {"request_id": payload["request_id"], "deadline": payload["deadline"]},
                     event="application_abandoned")

    @handles(events.RESULT_PUBLISHED)
    def on_result_published(self, tx, payload):
        """R-6.1, N-6.2, N-8.6: the committee's result, posted then final."""
        result = {k: payload[k] for k in ("meeting_id", "outcome", "stage", "until")}
        final = payload["stage"] == "final"
        self._record(tx, payload["application_id"], "review", "result_published", result,
                     event=result_event(payload["outcome"]) if final else None, result=result)

    @handles(events.SANCTION_IMPOSED)
    def on_sanction_imposed(self, tx, payload):
        """R-1.5: a barred person or unit cannot open an application from `starts_on` to
        `last_barred_on`, both included (review decides how long: 5 years for a person, 3 for
        a unit). A person is found by the keyed hash of the ID number (review's `person_key`,
        or that of the application the fraud was found in) and by the platform account."""
        subject = payload["subject"]
        if subject == "person":
            key = payload.get("person_key") \
                or store.person_hash_of(tx.session, payload.get("application_id")) \
                or payload["applicant_id"]
        else:
            key = payload["unit_id"]
        last = last_barred_on(payload)
        store.replace_bar(
            tx.session, payload["sanction_id"], subject=subject, subject_key=key,
            applicant_id=payload.get("applicant_id") if subject == "person" else None,
            starts_on=date.fromisoformat(payload["starts_on"][:10]), last_barred_on=last,
            series=payload.get("series") if subject == "person" else None,
            level=payload.get("level") if subject == "person" else None,
            reason=payload["reason"], created_at=self.clock())
        if store.application_exists(tx.session, payload.get("application_id")):
            store.append_history(tx.session, payload["application_id"], self.clock(), "review",
                                 "sanction_imposed", {"subject": subject,
                                                      "starts_on": payload["starts_on"],
                                                      "last_barred_on": last.isoformat()})


def last_barred_on(payload: dict) -> date:
    """R-1.5: the bar's last day, included. An event sent before the contract said so carries
    `until`, review's first free day: the day before it is the last barred."""
    if payload.get("last_barred_on"):
        return date.fromisoformat(payload["last_barred_on"][:10])
    return date.fromisoformat(payload["until"][:10]) - timedelta(days=1)
