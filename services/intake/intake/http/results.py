"""The public page of the committees' posted results (notice 六(三): 参加评审通过人员公示…接收社会
监督): during a result's publicity (N-8.6: posted, until its last day) anyone may see who passed.
What is shown is what the printed results list (D-4) shows of a person — name, specialty, the
title passed — and the application number; no ID number, contact or vote; results not passed,
and results after their publicity, are not shown. A browser gets the page for a phone, an API
client JSON. Documented in openapi/public.yaml.
"""
from __future__ import annotations

from contracts.people import application_number
from intake import dependencies, records, store
from intake.http import pages
from intake.http.forms import season_or_404
from intake.http.problems import endpoint, json_response
from intake.http.server import http


def posted_passes(rows, season, today) -> list[dict]:
    """Per committee, those who passed and whose result is still posted today."""
    labels = {}
    for s in season.series:
        labels.update({x.id: x.name_zh for x in (*s.specialties, *s.levels)})
        labels[s.id] = s.name_zh
    committees: dict[str, dict] = {}
    for app in rows:
        result = app.result or {}
        until = result.get("until")
        if result.get("outcome") != "passed" or result.get("stage") != "posted" or not until \
                or str(until)[:10] < today.isoformat():
            continue
        committee = season.committee_for(app.series, app.specialty or None, app.level)
        key = committee.id if committee else "unknown"
        entry = committees.setdefault(key, {"id": key, "name": committee.name_zh if committee
                                            else "评审委员会", "until": str(until)[:10],
                                            "passed": []})
        entry["until"] = max(entry["until"], str(until)[:10])
        entry["passed"].append({
            "name": records.contact(app)["name"],
            "specialty": labels.get(app.specialty, app.specialty or labels.get(app.series, "")),
            "title": labels.get(app.level, app.level), "application_no": application_number(app.id)})
    for entry in committees.values():
        entry["passed"].sort(key=lambda p: p["application_no"])
    return sorted(committees.values(), key=lambda c: c["id"])


class PublicResults:
    db, clock = dependencies.db, dependencies.clock

    @http("GET", "/public/seasons/<string:season_id>/results")
    @endpoint
    def posted_results(self, request, season_id):
        """Public (no token): who passed, per committee, while the result is posted."""
        with self.db.session() as session:
            season = season_or_404(session, season_id)
            rows = store.with_results(session, season.id)
        today = season.local_date(self.clock())
        committees = posted_passes(rows, season, today)
        if pages.wants_html(request):
            return pages.results_page({"title_zh": season.title_zh}, [
                {**c, "until": f"{c['until'][:4]}年{int(c['until'][5:7])}月{int(c['until'][8:10])}日"}
                for c in committees], f"{today.year}年{today.month}月{today.day}日")
        return json_response({"season": season.id, "as_of": today, "committees": committees},
                             headers={"Cache-Control": "no-store", "Vary": "Accept"})
