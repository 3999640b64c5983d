"""The clocks review keeps (a timer every `SWEEP_SECONDS`): a committee request (supplement or
changes) no delivery was reported for starts its 48 hours at the ask plus the fallback grace
(R-4.5, `review.told`); an unanswered request whose 48 hours passed abandons its application
(视为放弃申报, R-4.5), exactly once however many review instances run; and in the last days
of the paper window (R-2.2) each unit with accepted applications whose paper materials are not
delivered is told, once per season.
"""
from __future__ import annotations

from datetime import timedelta

from nameko.timer import timer

from contracts import events
from plumbing import metrics
from review import dependencies
from review.lifecycle import Change, Status, move_unread
from review.rules import publicity as publicity_rules
from review.rules import supplements as supplement_rules
from review.store.applications import applications_in, close_open_tasks
from review.store.audit import append_audit
from review.store.paper import claim_reminder, delivered_applications
from review.store.registry import organisation, season_settings
from review.store.supplements import abandon_expired, untold_since
from review.told import start_deadline

SWEEP_SECONDS = 5  # the sweep is one indexed query: cheap enough to run often
PAPER_DUE_DAYS = 3  # units are told this many days before the paper window closes


class Sweep:
    """One area of `ReviewService` (review.service): see the module docstring."""

    db, clock = dependencies.db, dependencies.clock

    @timer(interval=SWEEP_SECONDS)
    def sweep(self):
        """R-4.5: abandon every application whose supplement deadline passed, exactly once even
        with several review instances (a conditional UPDATE … WHERE status='open' RETURNING:
        the row goes to whichever instance's update commits first); R-2.2: tell units whose
        paper materials are still due."""
        now = self.clock()
        self._start_untold(now)
        with self.db.transaction() as tx:
            claimed = abandon_expired(tx.session, now)
            for request in claimed:  # every row lock first, the audit chain's lock last
                move_unread(tx.session, request.application_id, Change.ABANDONED, now)
                close_open_tasks(tx.session, request.application_id, "abandoned", now,
                                 reason=("逾期未更改材料，视为放弃申报" if request.kind == "changes"
                                         else "逾期未补充材料，视为放弃申报"),
                                 reviewer={"person_id": "system"})
            for request in claimed:
                append_audit(tx, now, {"sub": "system", "role": "system"}, "abandoned",
                             request.application_id, request_id=request.id, kind=request.kind,
                             deadline=request.deadline.isoformat())
                tx.emit(events.APPLICATION_ABANDONED, application_id=request.application_id,
                        season=request.season, request_id=request.id,
                        deadline=request.deadline.isoformat())
        metrics.SWEEP_RUNS.inc()
        metrics.SWEEP_ABANDONED.inc(len(claimed))
        self._paper_due(now)

    def _start_untold(self, now):
        """R-4.5 fallback: a committee request that no delivery has been reported for within
        `TOLD_FALLBACK` of the ask starts its 48 hours at the ask plus that grace (each once:
        `review.told.start_deadline` claims it with a conditional update)."""
        with self.db.transaction() as tx:
            for request in untold_since(tx.session, now - supplement_rules.TOLD_FALLBACK):
                start = supplement_rules.clock_start(request.requested_at, now)
                if start is not None:
                    start_deadline(tx, request.id, start, now)

    def _paper_due(self, now):
        """R-2.2: once per unit and season, PAPER_DELIVERY_DUE for units with undelivered
        accepted applications, `PAPER_DUE_DAYS` days before the window closes (notify tells
        their HR offices)."""
        with self.db.transaction() as tx:
            for season, conf in season_settings(tx.session):
                closes_at = publicity_rules.Publicity(now, conf.paper_window.last_day).ends_at
                if not (closes_at - timedelta(days=PAPER_DUE_DAYS) <= now < closes_at):
                    continue
                delivered = delivered_applications(tx.session, season)
                pending: dict[str, list[str]] = {}
                for app in applications_in(tx.session, season, Status.ACCEPTED.value):
                    if app.id not in delivered:
                        pending.setdefault(app.unit_id, []).append(app.id)
                for unit_id, apps in pending.items():
                    if not claim_reminder(tx.session, season, unit_id, now):
                        continue
                    unit = organisation(tx.session, unit_id)
                    tx.emit(events.PAPER_DELIVERY_DUE, season=season, unit_id=unit_id,
                            unit_name=unit.name if unit else unit_id,
                            closes_at=closes_at.isoformat(), applications=apps,
                            contacts=unit.reviewers if unit else [])
