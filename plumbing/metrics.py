"""Metrics in Prometheus format from every service process (docs/operations.md, Metrics).

Every metric of the system is declared here, once; the code that makes one move imports it
(`metrics.NOTIFICATIONS.labels(channel, outcome).inc()`). `Observed`, mixed into each service
class, serves them on `METRICS_ADDRESS` (`host:port`; empty: not served) as `GET /metrics`, from
an eventlet WSGI server in a thread the container manages, and observes every worker:

- HTTP entrypoints: requests by method, route (the URL rule, not the path: bounded labels) and
  status, and their latency;
- every worker: the log context (`plumbing.logs`: event id, application id) while it runs.

The rest is counted where it happens: events handled / retried / dead-lettered per queue
(`plumbing.events`), the outbox (`plumbing.outbox`), RPC calls (`plumbing.rpc`), notifications
(notify's delivery), the 48-hour sweep (review's sweep). The alert rules that read them are in
`deploy/prometheus/alerts.yml`.
"""
from __future__ import annotations

import logging
import time
import weakref

import eventlet
import eventlet.wsgi
from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, make_wsgi_app

from plumbing import logs

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

SERVICE = Gauge("titles_service_info", "The service this process runs (always 1).", ["service"])

HTTP_REQUESTS = Counter("titles_http_requests", "HTTP requests answered, by route and status.",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("titles_http_request_duration_seconds",
                         "Time from the worker's start to its answer, by route.",
                         ["method", "route"], buckets=LATENCY_BUCKETS)

EVENTS_HANDLED = Counter("titles_events_handled", "Events whose handler succeeded, by queue.",
                         ["queue"])
EVENTS_RETRIED = Counter("titles_events_retried",
                         "Failed events parked in <queue>.retry for another attempt.", ["queue"])
EVENTS_DEAD_LETTERED = Counter("titles_events_dead_lettered",
                               "Events that failed every retry, sent to <service>.dead-letters.",
                               ["queue"])

OUTBOX_UNSENT = Gauge("titles_outbox_unsent", "Outbox rows not yet confirmed by the broker.")
OUTBOX_OLDEST_AGE = Gauge("titles_outbox_oldest_unsent_age_seconds",
                          "Age of the oldest unsent outbox row (0 when none).")
OUTBOX_PUBLISHED = Counter("titles_outbox_published",
                           "Outbox rows published, confirmed and routed by the broker.")
OUTBOX_FAILURES = Counter("titles_outbox_publish_failures",
                          "Relay passes that failed (broker or database away), and unroutable "
                          "rows.", ["reason"])

RPC_LATENCY = Histogram("titles_rpc_client_duration_seconds",
                        "RPC calls this service made, by target and method, until the answer or "
                        "the timeout.", ["target", "method"], buckets=LATENCY_BUCKETS)
RPC_TIMEOUTS = Counter("titles_rpc_timeouts", "RPC calls that got no answer in "
                       "RPC_TIMEOUT_SECONDS (UPSTREAM_TIMEOUT).", ["target", "method"])

NOTIFICATIONS = Counter("titles_notifications",
                        "Notification attempts by channel and outcome (sent, transient, "
                        "permanent, unknown).", ["channel", "outcome"])
NOTIFICATIONS_UNDELIVERED = Counter("titles_notifications_undelivered",
                                    "Sends given up (failed or dead), by channel.", ["channel"])

SWEEP_RUNS = Counter("titles_sweep_runs", "Runs of review's sweep (R-4.5, R-2.2).")
SWEEP_ABANDONED = Counter("titles_sweep_abandoned",
                          "Applications the sweep abandoned: supplement deadline passed "
                          "unanswered (视为放弃申报, R-4.5).")


def parse_address(address: str) -> tuple[str, int] | None:
    """"0.0.0.0:9100" -> ("0.0.0.0", 9100); "" -> None (not served)."""
    address = (address or "").strip()
    if not address:
        return None
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"METRICS_ADDRESS must be host:port, not {address!r}")
    return host or "0.0.0.0", int(port)


def http_labels(worker_ctx, result, exc_info) -> tuple[str, str, str]:
    entrypoint = worker_ctx.entrypoint
    request = worker_ctx.args[0] if worker_ctx.args else None
    method = getattr(request, "method", None) or entrypoint.method.split(",")[0]
    if exc_info is not None:
        status = 500
    else:
        status = entrypoint.response_from_result(result).status_code
    return method, entrypoint.url, str(status)


class _Quiet:
    """eventlet.wsgi's access log, dropped (scrapes every 15 s would drown the service's log)."""

    def write(self, *_):
        pass

    def info(self, *_args, **_kwargs):
        pass

    debug = error = info


class Metrics(DependencyProvider):
    """Serves `GET /metrics` on `METRICS_ADDRESS` and observes every worker of its container."""

    def setup(self):
        service = self.container.service_name
        logs.set_service(service)
        SERVICE.labels(service).set(1)
        self.address = parse_address(str(self.container.config.get("METRICS_ADDRESS") or ""))
        self.started: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.socket = self.server = None

    def start(self):
        if self.address is None:
            return
        self.socket = eventlet.listen(self.address)
        self.server = self.container.spawn_managed_thread(self._serve, identifier="metrics")
        log.info("metrics on http://%s:%d/metrics", *self.socket.getsockname()[:2])

    def _serve(self):
        try:
            eventlet.wsgi.server(self.socket, make_wsgi_app(REGISTRY), log=_Quiet(),
                                 log_output=False, max_size=64)
        except Exception:  # never take the service down with its metrics
            log.exception("metrics server stopped")

    def stop(self):
        if self.server is not None:
            self.server.kill()
            self.server = None
        if self.socket is not None:
            self.socket.close()
            self.socket = None

    def kill(self):
        self.stop()

    def worker_setup(self, worker_ctx):
        self.started[worker_ctx] = (time.perf_counter(), logs.bind(
            **logs.context_of(worker_ctx.args, worker_ctx.kwargs)))

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        if not isinstance(worker_ctx.entrypoint, HttpRequestHandler):
            return
        began = self.started.get(worker_ctx)
        method, route, status = http_labels(worker_ctx, result, exc_info)
        HTTP_REQUESTS.labels(method, route, status).inc()
        if began:
            HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - began[0])

    def worker_teardown(self, worker_ctx):
        began = self.started.pop(worker_ctx, None)
        if began:
            logs.unbind(began[1])


class Observed:
    """Mixed into every service class: its metrics served and its workers observed."""

    metrics = Metrics()
