"""The unit step (R-4.2, R-2.3): the unit posts the application's publicity (公示) for 5 working
days, records and resolves objections (异议) against it, and once it has run its full time with
no objection standing recommends the application with exactly the season's opinion; the
application then goes up to the next level (R-4.3).
"""
from __future__ import annotations

import uuid


from contracts import events
from contracts.errors import Refusal
from plumbing.rpc import refusals_as_data, rpc
from review import dependencies
from review.route import advance, at_step
from review.rules import publicity as publicity_rules
from review.store.audit import append_audit, reviewer_of
from review.store.publicities import (close_publicity, insert_objection, insert_publicity,
                                      objection_for_update, publicity_objections,
                                      resolve_objection, unit_publicity)
from review.store.registry import calendar, settings


class UnitStep:
    """One area of `ReviewService` (review.service): see the module docstring."""

    db, clock = dependencies.db, dependencies.clock

    @rpc
    @refusals_as_data
    def open_publicity(self, principal: dict, application_id: str) -> dict:
        """R-4.2, R-2.3: the unit posts the application's publicity for 5 working days."""
        with self.db.transaction() as tx:
            app, task = at_step(tx.session, principal, application_id, "unit", self.clock())
            latest = unit_publicity(tx.session, app.id)
            if latest is not None and latest.outcome not in ("objection_upheld", "returned"):
                # after a return (an upheld objection, or a return while it ran) the revised
                # application is posted anew
                raise Refusal("PUBLICITY_ALREADY_OPENED", "该申报的单位公示已发布，不能重复发布",
                              status=409, field="publicity")
            now, conf = self.clock(), settings(tx.session, app.season)
            pub = publicity_rules.open_publicity(now, calendar(tx.session),
                                                 conf.publicity_working_days)
            pub_id = str(uuid.uuid4())
            insert_publicity(tx.session, id=pub_id, application_id=app.id, kind="unit",
                             org_id=task.org_id, opened_at=now, last_day=pub.last_day,
                             ends_at=pub.ends_at, opened_by=reviewer_of(principal))
            starts_on = publicity_rules.season_date(now).isoformat()
            append_audit(tx, now, principal, "publicity_opened", app.id, org=task.org_id,
                         starts_on=starts_on, ends_on=pub.last_day.isoformat())
            tx.emit(events.PUBLICITY_OPENED, application_id=app.id, season=app.season,
                    org_id=task.org_id, starts_on=starts_on, ends_on=pub.last_day.isoformat())
        return {"id": pub_id, "application_id": app.id, "starts_on": starts_on,
                "ends_on": pub.last_day.isoformat(), "ends_at": pub.ends_at.isoformat()}

    @rpc
    @refusals_as_data
    def record_objection(self, principal: dict, application_id: str, text: str) -> dict:
        """R-4.2: an objection to the unit publicity, recorded by the unit; it stops the
        recommendation until resolved."""
        if not str(text or "").strip():
            raise Refusal("OBJECTION_TEXT_BLANK", "请填写异议内容", field="text")
        with self.db.transaction() as tx:
            app, task = at_step(tx.session, principal, application_id, "unit", self.clock())
            pub = unit_publicity(tx.session, app.id)
            if pub is None or pub.closed_at is not None:
                raise Refusal("PUBLICITY_NOT_RUNNING", "该申报没有正在进行的单位公示", status=409,
                              field="publicity")
            now, oid = self.clock(), str(uuid.uuid4())
            insert_objection(tx.session, id=oid, publicity_id=pub.id, application_id=app.id,
                             raised_at=now, text=text, recorded_by=reviewer_of(principal))
            append_audit(tx, now, principal, "objection_recorded", app.id, objection_id=oid,
                         reason=text)
        return {"id": oid, "application_id": app.id, "raised_at": now.isoformat(), "text": text,
                "status": "open"}

    @rpc
    @refusals_as_data
    def resolve_objection(self, principal: dict, application_id: str, objection_id: str,
                          upheld: bool, resolution: str) -> dict:
        """R-4.2: the unit resolves an objection; one upheld closes the publicity
        (objection_upheld) and the unit can then only return the application."""
        if not str(resolution or "").strip():
            raise Refusal("RESOLUTION_BLANK", "请填写异议核查结论", field="resolution")
        with self.db.transaction() as tx:
            app, task = at_step(tx.session, principal, application_id, "unit", self.clock())
            row = objection_for_update(tx.session, objection_id, app.id)
            if row is None:
                raise Refusal("OBJECTION_NOT_FOUND", "没有该异议", status=404, field="objection_id")
            if row.resolved_at is not None:
                raise Refusal("OBJECTION_ALREADY_RESOLVED", "该异议已处理", status=409)
            now = self.clock()
            resolve_objection(tx.session, row.id, now, bool(upheld), resolution)
            append_audit(tx, now, principal, "objection_resolved", app.id,
                         objection_id=row.id, upheld=bool(upheld), reason=resolution)
            if upheld:
                close_publicity(tx.session, row.publicity_id, now, "objection_upheld")
                tx.emit(events.PUBLICITY_CLOSED, application_id=app.id, season=app.season,
                        org_id=task.org_id, outcome="objection_upheld")
        return {"id": row.id, "upheld": bool(upheld), "resolution": resolution,
                "resolved_at": now.isoformat()}

    @rpc
    @refusals_as_data
    def recommend(self, principal: dict, application_id: str, opinion: str) -> dict:
        """R-4.2: after the full publicity, with no objection standing, the unit records exactly
        the season's opinion; the application goes up to the next level (R-4.3)."""
        with self.db.transaction() as tx:
            app, task = at_step(tx.session, principal, application_id, "unit", self.clock())
            now, conf = self.clock(), settings(tx.session, app.season)
            pub = unit_publicity(tx.session, app.id)
            if pub is None:
                raise Refusal("PUBLICITY_NOT_OPENED", "须先在本单位公示（不少于5个工作日）后方可推荐",
                              status=409, field="publicity")
            problems = publicity_rules.can_recommend(
                now, publicity_rules.Publicity(pub.opened_at, pub.last_day),
                publicity_objections(tx.session, pub.id))
            problems += publicity_rules.opinion_problems(str(opinion or ""),
                                                         conf.recommendation_text)
            if problems:
                raise Refusal.of(problems, status=409, code="RECOMMENDATION_REFUSED",
                                 message="现在不能推荐该申报")
            if pub.closed_at is None:
                close_publicity(tx.session, pub.id, now, "no_objection")
                tx.emit(events.PUBLICITY_CLOSED, application_id=app.id, season=app.season,
                        org_id=task.org_id, outcome="no_objection")
            return advance(tx, app, task, principal, "recommended", opinion.strip(), now)
