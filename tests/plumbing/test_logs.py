"""Log lines of every service (plumbing.logs): masked, one JSON object a line on request, with
the service, the event id and the application."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import eventlet
import pytest
import yaml

from plumbing import logs
from plumbing.config import ROOT, SERVICES

APPLICATION = "3f2a9c01-5b7e-4d2a-9e1f-0a1b2c3d4e5f"
EVENT = "8d0c6a7e-1111-4222-8333-944455556666"


def emitted(formatter: logging.Formatter, emit) -> list[str]:
    lines = []
    handler = logging.Handler()
    handler.setFormatter(formatter)
    handler.emit = lambda record: lines.append(handler.format(record))
    logger = logging.getLogger("titles.test.logs")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return lines


def test_json_lines_carry_service_event_and_application_number():
    logs.set_service("review")
    token = logs.bind(event_id=EVENT, application_id=APPLICATION)
    try:
        (line,) = emitted(logs.formatter("json"), lambda log: log.info("routed to %s", "unit"))
    finally:
        logs.unbind(token)
    record = json.loads(line)
    assert record["service"] == "review" and record["level"] == "INFO"
    assert record["message"] == "routed to unit"
    assert record["event_id"] == EVENT and record["application_id"] == APPLICATION
    assert record["application_number"] == "3F2A9C01"
    assert record["time"].endswith("Z")


def test_no_id_number_phone_email_name_or_password_reaches_either_output():
    secrets = ["650102198506150029", "13912345678", "ayguli@example.com", "阿依古丽",
               "s3cret-pw"]

    def emit(log):
        log.info("contact %r", {"name": "阿依古丽", "phone": "13912345678",
                                "id_number": "650102198506150029"})
        log.warning("mail to ayguli@example.com via amqp://guest:s3cret-pw@a//;"
                    "amqp://guest:s3cret-pw@b//")
        try:
            raise ValueError("duplicate id_number 650102198506150029")
        except ValueError:
            log.exception("insert failed")

    for output in ("text", "json"):
        text = "\n".join(emitted(logs.formatter(output), emit))
        leaked = [s for s in secrets if s in text]
        assert leaked == [], f"{output}: {leaked} in {text}"
        assert "6501**********0029" in text and "139****5678" in text
        assert "'name': '阿***'" in text


def test_json_exception_is_one_line_with_the_error():
    def emit(log):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.exception("handler failed")

    (line,) = emitted(logs.formatter("json"), emit)
    assert "\n" not in line
    record = json.loads(line)
    assert record["message"] == "handler failed" and "RuntimeError: boom" in record["error"]


def test_each_greenthread_keeps_its_own_context():
    seen = {}

    def worker(name, app):
        token = logs.bind(application_id=app)
        eventlet.sleep(0.01)  # the other worker binds in between
        seen[name] = logs.context().get("application_id")
        logs.unbind(token)

    pool = eventlet.GreenPool()
    pool.spawn(worker, "a", "aaaaaaaa-1")
    pool.spawn(worker, "b", "bbbbbbbb-2")
    pool.waitall()
    assert seen == {"a": "aaaaaaaa-1", "b": "bbbbbbbb-2"}
    assert logs.context() == {}


def test_context_comes_from_an_event_payload_or_a_routes_parameters():
    assert logs.context_of(({"event_id": EVENT, "application_id": APPLICATION},), {}) == {
        "event_id": EVENT, "application_id": APPLICATION}
    assert logs.context_of((object(),), {"application_id": APPLICATION}) == {
        "application_id": APPLICATION}
    assert logs.context_of((), {}) == {}


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.formatter("xml")


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_logs_through_the_masking_formatter(service, monkeypatch):
    """The LOGGING of each config.yml, as `nameko run` loads it, with LOG_FORMAT=json."""
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()
    monkeypatch.setenv("LOG_FORMAT", "json")
    config = yaml.safe_load(Path(ROOT / "services" / service / "config.yml").read_text())
    handlers = config["LOGGING"]["handlers"]
    formatters = {name: handler.get("formatter") for name, handler in handlers.items()}
    for name, handler in handlers.items():
        built = config["LOGGING"]["formatters"][formatters[name]]
        assert built["()"] == "plumbing.logs.formatter", f"{service}: {name} is not masked"
        assert built["output"] == "json" and built["service"] == service
        made = logs.formatter(built["output"], service=built["service"])
        (line,) = emitted(made, lambda log: log.info("13912345678"))
        assert json.loads(line)["message"] == "139****5678"
