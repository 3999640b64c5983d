"""Metrics (plumbing.metrics): served by each process on METRICS_ADDRESS, HTTP requests counted
by route and status, the worker's log context bound while it runs; and the topology's queues
(plumbing.topology) as quorum queues, RPC queues included."""
from __future__ import annotations

import ast
import logging

import pytest
import requests
from nameko.web.handlers import http
from prometheus_client.parser import text_string_to_metric_families

from contracts import events
from plumbing import logs, metrics, topology
from plumbing.config import ROOT
from tests.support.infra import free_port


def scrape(port: int) -> dict:
    """{(name, labels as a sorted tuple): value} of every sample."""
    r = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert r.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


class Web(metrics.Observed):
    name = "webtest"
    seen: list = []

    @http("GET", "/things/<string:application_id>")
    def thing(self, request, application_id):
        Web.seen.append(logs.context())
        logging.getLogger("webtest").info("looked at %s", application_id)
        return 404 if application_id == "missing" else 200, "ok"

    @http("POST", "/boom")
    def boom(self, request):
        raise RuntimeError("boom")


def test_metrics_are_served_and_http_requests_counted_by_route(container_factory):
    web, mport = free_port(), free_port()
    container = container_factory(Web, {"WEB_SERVER_ADDRESS": f"127.0.0.1:{web}",
                                        "METRICS_ADDRESS": f"127.0.0.1:{mport}"})
    container.start()
    route = ("method", "GET"), ("route", "/things/<string:application_id>")
    key = ("titles_http_requests_total", tuple(sorted((*route, ("status", "200")))))
    before = scrape(mport).get(key, 0)
    for path in ("/things/a1b2c3d4-x", "/things/a1b2c3d4-y", "/things/missing"):
        requests.get(f"http://127.0.0.1:{web}{path}", timeout=5)
    requests.post(f"http://127.0.0.1:{web}/boom", timeout=5)
    after = scrape(mport)
    assert after[key] == before + 2
    assert after[("titles_http_requests_total", tuple(sorted((*route, ("status", "404")))))] >= 1
    assert after[("titles_http_requests_total", (("method", "POST"), ("route", "/boom"),
                                                 ("status", "500")))] >= 1
    assert after[("titles_http_request_duration_seconds_count", tuple(sorted(route)))] >= 3
    assert after[("titles_service_info", (("service", "webtest"),))] == 1
    # while the worker ran, its log context named the application
    assert Web.seen[0]["application_id"] == "a1b2c3d4-x"
    assert Web.seen[0]["application_number"] == "A1B2C3D4"
    container.stop()
    with pytest.raises(requests.ConnectionError):  # the port is given back on stop
        requests.get(f"http://127.0.0.1:{mport}/metrics", timeout=2)


def test_no_metrics_address_serves_nothing(container_factory):
    container = container_factory(Web, {"WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"})
    container.start()
    assert container.dependencies  # it runs; Metrics simply does not listen
    container.stop()


@pytest.mark.parametrize("address, parsed", [("0.0.0.0:9100", ("0.0.0.0", 9100)),
                                             (":9100", ("0.0.0.0", 9100)), ("", None)])
def test_metrics_address(address, parsed):
    assert metrics.parse_address(address) == parsed


def test_a_bad_metrics_address_is_refused():
    with pytest.raises(ValueError, match="host:port"):
        metrics.parse_address("9100")


# ---- the topology as quorum queues --------------------------------------------------------

def test_every_queue_is_a_quorum_queue_and_consumer_queues_dead_letter_after_the_limit():
    queues = topology.all_queues()
    assert {q.queue_arguments["x-queue-type"] for q in queues} == {"quorum"}
    consumer = topology.consumer_queue(events.APPLICATION_SUBMITTED, "review")
    assert consumer.queue_arguments["x-delivery-limit"] == topology.DELIVERY_LIMIT
    assert consumer.queue_arguments["x-dead-letter-routing-key"] == "review.dead-letters"
    assert consumer.queue_arguments["x-dead-letter-strategy"] == "at-least-once"
    retry = topology.retry_queue(consumer.name)
    assert retry.queue_arguments["x-dead-letter-routing-key"] == consumer.name
    names = [q.name for q in queues]
    assert {"rpc-intake", "rpc-review", "rpc-documents", "rpc-notify", "notify.resend",
            "notify.dead-letters"} <= set(names)
    assert len(names) == len(set(names))
    # a dead-letter target is declared before the queue that dead-letters to it
    for i, q in enumerate(queues):
        target = q.queue_arguments.get("x-dead-letter-routing-key")
        if target and not q.name.endswith(".retry"):
            assert target in names[:i], q.name


def test_no_service_uses_namekos_own_rpc_entrypoint():
    """nameko's `@rpc` declares `rpc-<service>` classic: against the quorum queue the topology
    declared, the service would never start consuming. Every RPC method uses plumbing.rpc.rpc."""
    offenders = []
    for path in [*ROOT.glob("services/*/*/**/*.py"), *ROOT.glob("plumbing/**/*.py")]:
        if path == ROOT / "plumbing" / "rpc.py":  # where the quorum entrypoint is made
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "nameko.rpc" and any(
                    a.name in ("rpc", "Rpc") for a in node.names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
