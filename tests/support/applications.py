"""Applications as the system tests' frontend fills them: one home for "a complete, valid
application" so every system test drives the same intake API the same way.

`body()` is the JSON of POST /applications; `submit_complete()` creates it, uploads every
attachment it needs, waits for documents' verdicts and submits. Owned by intake's rules: when
intake requires more, this is the one place that learns it.
"""
from __future__ import annotations

import copy
import functools

from contracts.season import load_season
from intake.application_schema import example_application
from plumbing.config import ROOT
from tests.support.images import scan_jpeg

UNIT = "unit-urumqi-machinery"


@functools.cache
def season_2019():
    return load_season((ROOT / "seasons" / "2019.yaml").read_text("utf-8"))


def body(unit_id: str = UNIT, **header) -> dict:
    """A complete application (an in-service senior engineer) for `unit_id`; `header` overrides
    series, specialty, level, category, aid, entrusted."""
    app = copy.deepcopy(example_application(season_2019()))
    app["unit_id"] = unit_id
    app["sections"]["basic"]["unit_id"] = unit_id
    app.update(header)
    return app


def required_attachments(app: dict) -> list[tuple[str, str]]:
    """(section, kind) of every attachment the application needs."""
    return [("basic", "id_card")]


def upload(api, token, application_id: str, section: str, kind: str, data: bytes | None = None):
    r = api.call("PUT", f"/applications/{application_id}/attachments/{section}/{kind}", token,
                 data=data if data is not None else scan_jpeg(),
                 headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text
    return r.json()


def create(api, token, app: dict | None = None) -> dict:
    r = api.call("POST", "/applications", token, json=app or body())
    assert r.status_code == 201, r.text
    return r.json()


def submit_complete(api, token, app: dict | None = None) -> dict:
    """From nothing to submitted; returns the application as the submit answered it."""
    created = create(api, token, app)
    path = f"/applications/{created['id']}"
    for section, kind in required_attachments(app or body()):
        upload(api, token, created["id"], section, kind)
    api.wait_for(path, token, lambda b: b["attachments"] and all(
        a["status"] != "checking" for a in b["attachments"]), timeout=60)
    r = api.call("POST", f"{path}/submit", token)
    assert r.status_code == 202, r.text
    return r.json()
