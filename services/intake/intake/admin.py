"""Seasons (评审年度): an administrator loads the year's season file, over RPC (`titles
load-season`) or HTTP (`PUT /admin/seasons/{id}`); a wrong file is refused with every error at
once (`contracts.season`) and nothing is stored."""
from __future__ import annotations


from contracts.errors import Refusal
from contracts.season import load_season
from intake import dependencies, store
from intake.http import auth
from intake.http.problems import MAX_JSON_BYTES, endpoint, json_response
from intake.http.server import http
from plumbing.rpc import refusals_as_data, rpc

TOO_LARGE = "请求内容过大（上限 1 MB）"


class Seasons:
    db, clock, config = dependencies.db, dependencies.clock, dependencies.config

    def _store_season(self, text: str, expected_id: str | None = None) -> dict:
        season = load_season(text)
        if expected_id is not None and season.id != expected_id:
            raise Refusal("SEASON_ID_MISMATCH", f"文件中的评审年度标识为“{season.id}”，与地址中的"
                          f"“{expected_id}”不一致", status=422, field="id")
        with self.db.transaction() as tx:
            store.replace_season(tx.session, season.id, text, self.clock())
        return {"season": season.id, "title_zh": season.title_zh,
                "application_window": {"start": season.application_window.start.isoformat(),
                                       "end": season.application_window.end.isoformat()}}

    @rpc
    @refusals_as_data
    def load_season(self, text: str) -> dict:
        """Validate and store a season file (all errors listed at once); `titles load-season`."""
        return self._store_season(text)

    @http("PUT", "/admin/seasons/<string:season_id>")
    @endpoint
    def put_season(self, request, season_id):
        """Load a season (YAML body, role admin); a wrong file is refused with every error."""
        principal = auth.caller(request, self.config)
        auth.require(principal, "admin")
        if (request.content_length or 0) > MAX_JSON_BYTES:
            raise Refusal("BODY_TOO_LARGE", TOO_LARGE, status=413)
        raw = request.get_data(cache=False)[:MAX_JSON_BYTES + 1]
        if len(raw) > MAX_JSON_BYTES:
            raise Refusal("BODY_TOO_LARGE", TOO_LARGE, status=413)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Refusal("SEASON_NOT_YAML", "评审年度文件应为 UTF-8 编码的 YAML") from None
        if not text.strip():
            raise Refusal("BODY_REQUIRED", "请求内容不能为空，应为评审年度 YAML 文件")
        return json_response(self._store_season(text, season_id))
