"""The route, level by level (R-4.3): what intake tells review (a submission routed, a
resubmission back to the level that returned it, a withdrawal), the unit step's publicity and
recommendation (公示, R-4.2, R-2.3), the departments' forwarding, a return at any level (退回,
R-4.4, N-8.5), and what reviewers see (§9).
"""
from __future__ import annotations

import uuid

from nameko.rpc import rpc
from sqlalchemy import select, update

from contracts import events
from contracts.errors import Problem, Refusal
from plumbing.events import subscribe
from plumbing.rpc import refusals_as_data
from review import models as m
from review.base import CATEGORY, UnknownUnit, log, not_found
from review.rules import publicity as publicity_rules
from review.rules import submissions as submission_rules
from review.rules.routing import committee_for, route_for
from review.store import app_view, append_audit, calendar, load_registry, reviewer_of, settings


class RouteSteps:
    """One area of `ReviewService` (review.service): see the module docstring."""

    @rpc
    @refusals_as_data
    def list_tasks(self, org_id: str | None, status: str | None = None) -> list[dict]:
        if not org_id:
            raise Refusal("FORBIDDEN", "账号未关联审核单位", status=403)
        with self.db.session() as session:
            q = select(m.tasks).where(m.tasks.c.org_id == org_id)
            if status:
                q = q.where(m.tasks.c.status == status)
            rows = session.execute(q.order_by(m.tasks.c.opened_at)).all()
        return [{"id": r.id, "application_id": r.application_id, "season": r.season,
                 "step": r.step, "status": r.status, "opened_at": r.opened_at.isoformat(),
                 "decision": r.decision, "reason": r.reason, "reviewer": r.reviewer,
                 "closed_at": r.closed_at.isoformat() if r.closed_at else None}
                for r in rows]

    @rpc
    @refusals_as_data
    def visible(self, role: str, org_id: str | None, application_id: str) -> bool:
        """DOMAIN.md §9: the unit its own, a department its subtree (the route), a committee's
        secretary its committee, an expert the applications of its committee's meetings."""
        with self.db.session() as session:
            app = session.execute(select(m.applications).where(
                m.applications.c.id == application_id)).first()
            if app is None:
                return False
            if role == "admin":
                return True
            if role in ("unit_reviewer", "department_reviewer"):
                return any(s["id"] == org_id and s["kind"] != "committee" for s in app.route)
            if role == "committee_secretary":
                return app.committee_id == org_id
            if role == "expert":
                if app.committee_id != org_id:
                    return False
                meetings = session.execute(select(m.meetings.c.applications).where(
                    m.meetings.c.committee_id == org_id)).scalars().all()
                return any(application_id in apps for apps in meetings)
        return False

    @rpc
    @refusals_as_data
    def application(self, principal: dict, application_id: str) -> dict:
        """Review's view of one application: route, tasks and decisions, publicity, requests."""
        if not self.visible(principal.get("role"), principal.get("org"), application_id) is True:
            raise not_found()
        with self.db.session() as session:
            return app_view(session, application_id)

    @rpc
    @refusals_as_data
    def open_publicity(self, principal: dict, application_id: str) -> dict:
        """R-4.2, R-2.3: the unit posts the application's publicity for 5 working days."""
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "unit")
            latest = self._unit_publicity(tx.session, app.id)
            if latest is not None and latest.outcome not in ("objection_upheld", "returned"):
                # after a return (an upheld objection, or a return while it ran) the revised
                # application is posted anew
                raise Refusal("PUBLICITY_ALREADY_OPENED", "该申报的单位公示已发布，不能重复发布",
                              status=409, field="publicity")
            now, conf = self.clock(), settings(tx.session, app.season)
            pub = publicity_rules.open_publicity(now, calendar(tx.session),
                                                 conf.publicity_working_days)
            pub_id = str(uuid.uuid4())
            tx.session.execute(m.publicities.insert().values(
                id=pub_id, application_id=app.id, kind="unit", org_id=task.org_id, opened_at=now,
                last_day=pub.last_day, ends_at=pub.ends_at, opened_by=reviewer_of(principal)))
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
            app, task = self._at_step(tx.session, principal, application_id, "unit")
            pub = self._unit_publicity(tx.session, app.id)
            if pub is None or pub.closed_at is not None:
                raise Refusal("PUBLICITY_NOT_RUNNING", "该申报没有正在进行的单位公示", status=409,
                              field="publicity")
            now, oid = self.clock(), str(uuid.uuid4())
            tx.session.execute(m.objections.insert().values(
                id=oid, publicity_id=pub.id, application_id=app.id, raised_at=now, text=text,
                recorded_by=reviewer_of(principal), upheld=False))
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
            app, task = self._at_step(tx.session, principal, application_id, "unit")
            row = tx.session.execute(select(m.objections).where(
                m.objections.c.id == objection_id, m.objections.c.application_id == app.id)
                .with_for_update()).first()
            if row is None:
                raise Refusal("OBJECTION_NOT_FOUND", "没有该异议", status=404, field="objection_id")
            if row.resolved_at is not None:
                raise Refusal("OBJECTION_ALREADY_RESOLVED", "该异议已处理", status=409)
            now = self.clock()
            tx.session.execute(update(m.objections).where(m.objections.c.id == row.id).values(
                resolved_at=now, upheld=bool(upheld), resolution=resolution))
            append_audit(tx, now, principal, "objection_resolved", app.id,
                         objection_id=row.id, upheld=bool(upheld), reason=resolution)
            if upheld:
                tx.session.execute(update(m.publicities).where(
                    m.publicities.c.id == row.publicity_id).values(
                    closed_at=now, outcome="objection_upheld"))
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
            app, task = self._at_step(tx.session, principal, application_id, "unit")
            now, conf = self.clock(), settings(tx.session, app.season)
            pub = self._unit_publicity(tx.session, app.id)
            if pub is None:
                raise Refusal("PUBLICITY_NOT_OPENED", "须先在本单位公示（不少于5个工作日）后方可推荐",
                              status=409, field="publicity")
            objections = [publicity_rules.Objection(o.id, o.raised_at, o.resolved_at, o.upheld)
                          for o in tx.session.execute(select(m.objections).where(
                              m.objections.c.publicity_id == pub.id)).all()]
            problems = publicity_rules.can_recommend(
                now, publicity_rules.Publicity(pub.opened_at, pub.last_day), objections)
            problems += publicity_rules.opinion_problems(str(opinion or ""),
                                                         conf.recommendation_text)
            if problems:
                raise Refusal.of(problems, status=409, code="RECOMMENDATION_REFUSED",
                                 message="现在不能推荐该申报")
            if pub.closed_at is None:
                tx.session.execute(update(m.publicities).where(m.publicities.c.id == pub.id)
                                   .values(closed_at=now, outcome="no_objection"))
                tx.emit(events.PUBLICITY_CLOSED, application_id=app.id, season=app.season,
                        org_id=task.org_id, outcome="no_objection")
            return self._advance(tx, app, task, principal, "recommended", opinion.strip(), now)

    @rpc
    @refusals_as_data
    def forward(self, principal: dict, application_id: str, reason: str = "") -> dict:
        """R-4.3: the department forwards the application to the next level (逐级提交)."""
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "department")
            return self._advance(tx, app, task, principal, "forwarded",
                                 str(reason or "").strip() or "同意上报", self.clock())

    @rpc
    @refusals_as_data
    def return_application(self, principal: dict, application_id: str, problems: list,
                           reason: str = "") -> dict:
        """R-4.4, N-8.5: return for revision with every problem at once, at any level. Every
        submission counts toward the cap (intake's `submission_no`), so no level can return the
        last allowed submission: the committee can then only accept or refuse. The resubmission
        comes back to the level that returned it (the levels below already approved it)."""
        listed = [Problem(str(p.get("code") or "RETURNED"), str(p.get("message") or ""),
                          p.get("field")) if isinstance(p, dict) else Problem("RETURNED", str(p))
                  for p in (problems or [])]
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, None)
            conf, now = settings(tx.session, app.season), self.clock()
            submission_rules.check_return(min(app.submission_no, conf.submission_cap), listed,
                                          conf.submission_cap)
            used = app.submission_no
            left = submission_rules.submissions_left(used, conf.submission_cap)
            reviewer = reviewer_of(principal)
            self._close_task(tx, task, "returned", reason or "退回修改", reviewer, now)
            if task.step == "unit":
                self._end_running_publicity(tx, app, task, principal, now)
            tx.session.execute(update(m.applications).where(m.applications.c.id == app.id)
                               .values(status="returned", updated_at=now))
            plain = [p.to_dict() for p in listed]
            append_audit(tx, now, principal, "returned", app.id, step=task.step,
                         problems=plain, submissions_used=used, submissions_left=left,
                         reason=reason or "退回修改")
            tx.emit(events.APPLICATION_RETURNED, application_id=app.id, season=app.season,
                    step=task.step, problems=plain, submissions_used=used,
                    submissions_left=left, reviewer=reviewer)
        return {"application_id": app.id, "status": "returned", "step": task.step,
                "problems": plain, "submissions_used": used, "submissions_left": left}

    @subscribe(events.APPLICATION_SUBMITTED)
    def on_application_submitted(self, payload):
        """R-4.1, R-4.3: a first submission gets its route and its first task; a resubmission
        after a return goes back to the level that returned it; a supplement (R-4.5) answers
        the open request and puts the application back before the committee."""
        with self.db.consume(payload, "intake.application_submitted") as tx:
            if tx is None:
                return
            now = self.clock()
            if payload["kind"] == "supplement":  # lock as the sweep does: request, then app
                tx.session.execute(select(m.supplement_requests.c.id).where(
                    m.supplement_requests.c.application_id == payload["application_id"],
                    m.supplement_requests.c.status == "open").with_for_update()).all()
            app = tx.session.execute(select(m.applications).where(
                m.applications.c.id == payload["application_id"]).with_for_update()).first()
            if app is None:
                self._route_new(tx, payload, now)
            elif payload["kind"] == "supplement":
                self._supplement_answered(tx, app, payload, now)
            elif app.status == "returned":
                self._resubmitted(tx, app, payload, now)
            else:  # recorded, never lost silently
                log.warning("ignoring submission %s of %s in status %s", payload["event_id"],
                            app.id, app.status)
                append_audit(tx, now, {"sub": app.applicant_id, "role": "applicant"},
                             "submission_ignored", app.id, kind=payload["kind"],
                             status=app.status, version=payload["version"],
                             event_id=payload.get("event_id"))

    @subscribe(events.APPLICATION_WITHDRAWN)
    def on_application_withdrawn(self, payload):
        """The applicant withdrew: open tasks, supplement requests (R-4.5) and a running unit
        publicity (R-4.2, outcome `withdrawn`) stop; intake already closed the application, so
        no event is sent; the withdrawal is audited (R-4.1)."""
        with self.db.consume(payload, "intake.application_withdrawn") as tx:
            if tx is None:
                return
            now = self.clock()
            aid = payload["application_id"]
            tx.session.execute(update(m.applications).where(m.applications.c.id == aid)
                               .values(status="withdrawn", updated_at=now))
            tx.session.execute(update(m.tasks).where(m.tasks.c.application_id == aid,
                                                     m.tasks.c.status == "open")
                               .values(status="done", decision="withdrawn", closed_at=now))
            tx.session.execute(update(m.supplement_requests).where(
                m.supplement_requests.c.application_id == aid,
                m.supplement_requests.c.status == "open").values(status="withdrawn"))
            tx.session.execute(update(m.publicities).where(  # the unit publicity stops too
                m.publicities.c.application_id == aid, m.publicities.c.kind == "unit",
                m.publicities.c.closed_at.is_(None)).values(closed_at=now, outcome="withdrawn"))
            append_audit(tx, now, {"sub": payload.get("applicant_id") or "applicant",
                                   "role": "applicant"}, "withdrawn", aid,
                         event_id=payload.get("event_id"))

    def _route_new(self, tx, payload, now):
        registry = load_registry(tx.session)
        if payload["unit_id"] not in registry.tree:
            raise UnknownUnit(f"unit {payload['unit_id']!r} is not in the organisation tree")
        committee = committee_for(registry.committees, payload["series"],
                                  payload.get("specialty") or None, payload["level"])
        route = route_for(registry.tree, payload["unit_id"],
                          CATEGORY.get(payload.get("category") or "in_service", "local"),
                          committee.id)
        steps = [{"kind": s.kind, "id": s.id, "name": s.name or committee.name} for s in route]
        tx.session.execute(m.applications.insert().values(
            id=payload["application_id"], season=payload["season"],
            applicant_id=payload["applicant_id"], applicant=payload.get("applicant") or {},
            unit_id=payload["unit_id"], category=payload.get("category") or "in_service",
            series=payload["series"], specialty=payload.get("specialty") or None,
            level=payload["level"], committee_id=committee.id, route=steps, step_index=0,
            status="in_review", version=payload["version"],
            submission_no=payload["submission_no"], updated_at=now))
        app = tx.session.execute(select(m.applications).where(
            m.applications.c.id == payload["application_id"])).one()
        self._open_task(tx, app, 0, now)

    def _resubmitted(self, tx, app, payload, now):
        tx.session.execute(update(m.applications).where(m.applications.c.id == app.id).values(
            status="in_review", version=payload["version"],
            submission_no=payload["submission_no"], updated_at=now))
        self._open_task(tx, app, app.step_index, now, version=payload["version"])

    def _end_running_publicity(self, tx, app, task, principal, now):
        """R-4.2: a return at the unit step ends the publicity still running for the returned
        version (outcome `returned`, recorded); the resubmission is posted anew."""
        pub = self._unit_publicity(tx.session, app.id)
        if pub is None or pub.closed_at is not None:
            return
        tx.session.execute(update(m.publicities).where(m.publicities.c.id == pub.id)
                           .values(closed_at=now, outcome="returned"))
        append_audit(tx, now, principal, "publicity_closed", app.id, publicity_id=pub.id,
                     org=task.org_id, outcome="returned")
        tx.emit(events.PUBLICITY_CLOSED, application_id=app.id, season=app.season,
                org_id=task.org_id, outcome="returned")

    def _unit_publicity(self, session, application_id):
        return session.execute(select(m.publicities).where(
            m.publicities.c.application_id == application_id,
            m.publicities.c.kind == "unit").order_by(m.publicities.c.opened_at.desc())).first()