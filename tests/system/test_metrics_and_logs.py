"""What an operator sees of the running system (docs/operations.md, Metrics and logs): every
service answers `GET /metrics` on its METRICS_ADDRESS, the counters move with the work this test
does, and every log line is one JSON object naming its service, without the applicant's ID
number, phone number or name."""
from __future__ import annotations

import json
import re
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from contracts import events
from plumbing import topology
from plumbing.config import SERVICES
from tests.support import applications

pytestmark = pytest.mark.system

APPLICATION_ROUTE = "/applications/<string:application_id>"


def scrape(system, service: str) -> dict:
    address = system.per_service[service]["METRICS_ADDRESS"]
    r = requests.get(f"http://{address}/metrics", timeout=10)
    assert r.status_code == 200, f"{service}: {r.status_code}"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def eventually(predicate, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return predicate()


def test_every_service_serves_its_metrics(loaded):
    for service in SERVICES:
        samples = scrape(loaded, service)
        assert value(samples, "titles_service_info", service=service) == 1
        assert ("titles_outbox_unsent", ()) in samples, service


def test_counters_move_with_the_work_this_test_does(loaded):
    api = loaded.api
    token = api.token("applicant-metrics", org=applications.UNIT, name="指标测试",
                      email="metrics@example.org")
    not_found = dict(method="GET", route=APPLICATION_ROUTE, status="404")
    checked = topology.consumer_queue_name(events.ATTACHMENT_UPLOADED, "documents")
    before = {"intake": scrape(loaded, "intake"), "documents": scrape(loaded, "documents")}

    for _ in range(3):  # three reads of an application that does not exist
        assert api.call("GET", "/applications/00000000-0000-4000-8000-000000000000",
                        token).status_code == 404
    body = applications.for_token(token, applications.body())
    app = applications.create(api, token, body)
    applications.upload(api, token, app["id"], "basic", "photo")  # one attachment_uploaded

    after = scrape(loaded, "intake")
    assert value(after, "titles_http_requests_total", **not_found) \
        == value(before["intake"], "titles_http_requests_total", **not_found) + 3
    assert value(after, "titles_http_request_duration_seconds_count", method="GET",
                 route=APPLICATION_ROUTE) >= 3
    assert eventually(lambda: value(scrape(loaded, "documents"), "titles_events_handled_total",
                                    queue=checked)
                      >= value(before["documents"], "titles_events_handled_total",
                               queue=checked) + 1)
    # review's sweep runs on its own every few seconds: its counter keeps moving
    runs = value(scrape(loaded, "review"), "titles_sweep_runs_total")
    assert eventually(lambda: value(scrape(loaded, "review"), "titles_sweep_runs_total") > runs)


MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# Ids (UUIDs) are no personal data, but their hex may hold what reads as a mobile number (an event
# id "…-a62b-17781167387b" failed this test once): they are taken out before looking.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_logs_are_json_lines_with_the_service_and_no_personal_data(loaded):
    api = loaded.api
    token = api.token("applicant-logs", org=applications.UNIT, name="日志测试人",
                      email="logs-person@example.org", phone="13987654321")
    body = applications.for_token(token, applications.body())
    app = applications.create(api, token, body)
    applications.upload(api, token, app["id"], "basic", "photo")
    assert eventually(lambda: any(app["id"] in line for line in _lines(loaded, "documents")))

    # every ID number the system tests of this run made up so far, and this applicant's contact
    secrets = {*applications.issued_id_numbers(), "日志测试人", "logs-person@example.org"}
    for service in SERVICES:
        lines = _lines(loaded, service)
        records = [json.loads(line) for line in lines if line.startswith("{")]
        assert records, f"{service} wrote no JSON log line"
        assert {r["service"] for r in records} == {service}
        text = "\n".join(lines)
        assert [s for s in secrets if s in text] == [], f"{service} logged personal data"
        assert MOBILE.findall(UUID.sub("<id>", text)) == [], f"{service} logged a phone number"
    handled = [json.loads(line) for line in _lines(loaded, "documents")
               if line.startswith("{") and app["id"] in line]
    assert any(r.get("application_id") == app["id"] and r.get("event_id")
               and r.get("application_number") == app["id"][:8].upper() for r in handled)


def _lines(system, service: str) -> list[str]:
    """The service's log since logging was configured: its first JSON line onwards (what a
    process prints before that, e.g. an interpreter warning at import, is not a log record)."""
    lines = (system.log_dir / f"{service}.log").read_text(encoding="utf-8").splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("{")), len(lines))
    return lines[first:]
