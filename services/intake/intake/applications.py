"""Drafts: opening an application (申报), listing, reading and saving part of it.

Opening needs the header and section 1 (基本信息) valid and passes the eligibility rules (R-1.1,
R-1.3, R-1.5, one active application per person and season); the other sections may be saved
incomplete (PATCH checks types, lengths, unknown fields) and the full completeness check runs at
submission (`intake.submissions`), listing every problem at once (N-8.5).
"""
from __future__ import annotations

import uuid
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from contracts.errors import Problem, Refusal
from intake import access, dependencies, records, store
from intake.http import auth, bodies
from intake.http.problems import endpoint, json_response, read_json
from intake.http.server import http
from intake.lifecycle import Status
from intake.pii import Pii, normalise
from intake.rules import bar_problems, catalogue_problems, category_problems, \
    creation_problems, validate_draft_patch
from intake.rules.fields import validate_opening_sections
from intake.rules.idcard import id_number_error

INVALID = "申报信息有误，请按列出的问题逐项修改"
PATCH_INVALID = "修改内容有误，请按列出的问题逐项修改"


@contextmanager
def one_active_application():
    """The partial unique index (migration 0003) settles a race the check before it lost."""
    try:
        yield
    except IntegrityError:
        raise Refusal("APPLICATION_EXISTS", "本年度已有一份进行中的申报，不能重复申报",
                      status=422) from None


class Applications:
    db, clock, config, review = dependencies.db, dependencies.clock, dependencies.config, \
        dependencies.review

    @http("POST", "/applications")
    @endpoint
    def create_application(self, request):
        """Open a draft: header and section 1 valid, eligible (R-1.1, R-1.3, R-1.5), one active
        application per person and season."""
        principal = auth.caller(request, self.config)
        auth.require(principal, "applicant")
        body = read_json(request)
        season_id = body.get("season")
        if not isinstance(season_id, str) or not season_id.strip():
            raise Refusal("FIELD_REQUIRED", "请选择评审年度", status=422, field="season")
        pii = Pii(self.config["PII_KEY"])
        with self.db.transaction() as tx:
            season = store.season(tx.session, season_id)
            now = self.clock()
            problems = validate_opening_sections(body, season)
            basic = records.basic_of(body)
            id_number = basic.get("id_number")
            id_ok = isinstance(id_number, str) and id_number_error(id_number) is None
            person_hash = pii.lookup_hash(id_number) if id_ok else None
            own_unit = basic.get("unit_id") if isinstance(basic.get("unit_id"), str) else None
            if isinstance(body.get("unit_id"), str) and own_unit \
                    and body["unit_id"] != own_unit:
                problems.append(Problem("UNIT_MISMATCH", "申报单位与基本信息中的工作单位不一致",
                                        "unit_id"))
            reviewing = records.reviewing_unit(body, own_unit)
            units = {u for u in (own_unit, reviewing) if u}
            bars = store.bars_against(tx.session, season.local_date(now), person_hash,
                                      principal.sub, units)
            active = store.active_applications(tx.session, season.id, person_hash) \
                if person_hash else 0
            problems += creation_problems(body, season, person_id=person_hash or principal.sub,
                                          unit_id=own_unit or "", active_bars=bars,
                                          active_applications=active)
            if problems:
                raise Refusal.of(problems, code="APPLICATION_INVALID", message=INVALID)
            app_id = str(uuid.uuid4())
            with one_active_application():
                store.insert_application(
                    tx.session, id=app_id, season=season.id, applicant_id=principal.sub,
                    unit_id=reviewing, own_unit_id=own_unit, series=body["series"],
                    specialty=body.get("specialty") or "", level=body["level"],
                    category=body["category"], status=Status.DRAFT.value,
                    sections=records.sealed_sections(body["sections"]),
                    applicant=principal.contact(), submission_count=0, created_at=now,
                    updated_at=now, id_number_sealed=pii.seal(id_number),
                    person_hash=person_hash, aid=body.get("aid"), entrusted=body.get("entrusted"))
            store.append_history(tx.session, app_id, self.clock(), principal.sub, "created", {})
            view = store.view_of(tx.session, app_id, pii, principal)
        return json_response(view, status=201, headers={"Location": f"/applications/{app_id}"})

    @http("GET", "/applications")
    @endpoint
    def list_applications(self, request):
        """An applicant's own applications; a unit reviewer's unit's (the unit that reviews
        first); an admin's all. Newest first, at most 200; `?season=` narrows."""
        principal = auth.caller(request, self.config)
        auth.require(principal, "applicant", "unit_reviewer", "admin")
        scope = {}
        if principal.role == "applicant":
            scope["applicant_id"] = principal.sub
        elif principal.role == "unit_reviewer":
            if not principal.org:
                raise Refusal("FORBIDDEN", "登录凭据中缺少所在单位（org）", status=403)
            scope["unit_id"] = principal.org
        season = bodies.query(request, "list_applications").get("season")
        if season:
            scope["season_id"] = season
        with self.db.session() as session:
            rows = store.list_applications(session, **scope)
        return json_response([records.summary(r) for r in rows])

    @http("GET", "/applications/<string:application_id>")
    @endpoint
    def get_application(self, request, application_id):
        principal = auth.caller(request, self.config)
        with self.db.session() as session:
            app = access.visible_application(session, principal, application_id, self.review)
            return json_response(store.application_view(session, app,
                                                        Pii(self.config["PII_KEY"]), principal))

    @http("PATCH", "/applications/<string:application_id>")
    @endpoint
    def patch_application(self, request, application_id):
        """Save part of a draft (or a returned application, or one asked for supplements):
        unknown fields, wrong types and over-long texts are refused, all at once, and nothing
        changes; blanks are allowed until submission (R-3.1 is checked in full there)."""
        principal = auth.caller(request, self.config)
        auth.require(principal, "applicant")
        patch = read_json(request)
        pii = Pii(self.config["PII_KEY"])
        with self.db.transaction() as tx:
            app = access.editable_application(tx.session, principal, application_id, self.review)
            season = store.season(tx.session, app.season)
            problems = [Problem("FIELD_READ_ONLY", "评审年度在创建后不能修改", "season")] \
                if "season" in patch else []
            problems += [Problem("FIELD_REQUIRED", "此项不能清空", key)
                         for key in ("series", "level", "category", "sections")
                         if key in patch and patch[key] is None]
            problems += validate_draft_patch({k: v for k, v in patch.items() if k != "season"},
                                             season)
            current = records.document(app, id_number=pii.open_(app.id_number_sealed)
                                       if app.id_number_sealed else None)
            id_number = records.basic_of(patch).get("id_number")
            changed = isinstance(id_number, str) and normalise(id_number) != normalise(
                current["sections"].get("basic", {}).get("id_number") or "")
            reason = id_number_error(id_number) if changed else None
            if reason and not any(p.field == "sections.basic.id_number" for p in problems):
                # a changed ID number is checked at once, with the rest (N-8.5)
                problems.append(Problem("ID_NUMBER_INVALID", reason, "sections.basic.id_number"))
            if problems:
                raise Refusal.of(problems, code="APPLICATION_INVALID", message=PATCH_INVALID)
            merged = records.merge(current, patch)
            basic = records.basic_of(merged)
            problems = catalogue_problems(merged, season) + category_problems(merged, season)
            person_hash = app.person_hash
            if changed:
                person_hash = pii.lookup_hash(id_number)
                if store.active_applications(tx.session, app.season, person_hash, app.id):
                    problems.append(Problem("APPLICATION_EXISTS",
                                            "本年度已有一份进行中的申报，不能重复申报"))
            own_unit = basic.get("unit_id") if isinstance(basic.get("unit_id"), str) \
                else app.own_unit_id
            units = {u for u in (own_unit, records.reviewing_unit(merged, own_unit)) if u}
            problems += bar_problems(merged, season, person_id=person_hash or principal.sub,
                                     unit_id=own_unit or "", active_bars=store.bars_against(
                                         tx.session, season.local_date(self.clock()),
                                         person_hash, principal.sub, units))
            if problems:
                raise Refusal.of(problems, code="APPLICATION_INVALID", message=PATCH_INVALID)
            with one_active_application():
                store.update_application(
                    tx.session, app.id, series=merged["series"],
                    specialty=merged.get("specialty") or "", level=merged["level"],
                    category=merged["category"], aid=merged.get("aid"),
                    entrusted=merged.get("entrusted"), own_unit_id=own_unit,
                    unit_id=records.reviewing_unit(merged, own_unit),
                    sections=records.sealed_sections(merged["sections"]),
                    id_number_sealed=pii.seal(id_number) if isinstance(id_number, str)
                    and id_number_error(id_number) is None else app.id_number_sealed,
                    person_hash=person_hash, updated_at=self.clock())
            store.append_history(tx.session, app.id, self.clock(), principal.sub, "edited",
                                 {"fields": sorted(records.changed_paths(patch))})
            view = store.view_of(tx.session, app.id, pii, principal)
        return json_response(view)
