"""How a frontend discovers the form (申报表): the seasons loaded, and per season the JSON Schema of
the application generated from the declarative table (`intake.form_schema`). Public: a season's
form says nothing about anyone. Documented in openapi/forms.yaml.
"""
from __future__ import annotations

import hashlib
import json

from werkzeug.wrappers import Response

from contracts.errors import Refusal
from intake import dependencies, store
from intake.form_schema import STAGES, application_schema
from intake.http.problems import endpoint, json_response
from intake.http.server import http

SCHEMA_TYPE = "application/schema+json"


def season_or_404(session, season_id: str):
    try:
        return store.season(session, season_id)
    except Refusal as refusal:
        raise Refusal(refusal.code, refusal.message, status=404, field="season") from None


class Forms:
    db, config = dependencies.db, dependencies.config

    @http("GET", "/seasons")
    @endpoint
    def list_seasons(self, request):
        """The seasons an administrator loaded, newest first, each with its online window and
        where its form is described."""
        with self.db.session() as session:
            seasons = store.seasons(session)
        return json_response([{
            "id": s.id, "title_zh": s.title_zh, "notice_no": s.notice_no,
            "time_zone": s.time_zone,
            "application_window": {"start": s.application_window.start,
                                   "end": s.application_window.end},
            "application_schema": f"/seasons/{s.id}/application-schema"} for s in seasons])

    @http("GET", "/seasons/<string:season_id>/application-schema")
    @endpoint
    def application_schema(self, request, season_id):
        """The season's form as JSON Schema 2020-12: `?stage=submission` (default), `opening`
        (POST /applications) or `draft` (PATCH). Cached by ETag: the same season file gives the
        same schema."""
        stage = request.args.get("stage") or "submission"
        if stage not in STAGES:
            raise Refusal("VALUE_NOT_ALLOWED", f"stage 只能是：{'、'.join(STAGES)}",
                          field="stage")
        with self.db.session() as session:
            season = season_or_404(session, season_id)
        text = json.dumps(application_schema(season, stage), ensure_ascii=False)
        etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
        if etag in [t.strip() for t in (request.headers.get("If-None-Match") or "").split(",")]:
            return Response(status=304, headers=headers)
        return Response(text, status=200, mimetype=SCHEMA_TYPE, headers=headers)
