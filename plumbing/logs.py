"""Log lines of every service: masked always, one JSON object a line on request.

Each service's `config.yml` names `plumbing.logs.formatter` in its `LOGGING`; `LOG_FORMAT` picks
`text` (the default: `time level logger message [context]`) or `json` (compose):

    {"time": "2019-10-15T02:00:00.123Z", "level": "INFO", "service": "review",
     "logger": "review.route", "message": "…", "event_id": "…", "application_id": "…",
     "application_number": "3F2A9C01"}

Both go through `plumbing.masking.mask_text`: no ID number, phone number, email address, name
field or URL password reaches the output, whatever a message or a traceback quoted. The context
(`event_id`, `application_id`) is bound for the duration of a worker by `plumbing.metrics.Observed`
from the event it handles or the route's parameters (a ContextVar: each eventlet greenthread has
its own), and `service` once per process.
"""
from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import datetime, timezone

from contracts.people import application_number
from plumbing.masking import mask_text

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
CONTEXT_KEYS = ("event_id", "application_id")

_context: ContextVar[dict] = ContextVar("titles_log_context", default={})
_service = {"name": None}


def set_service(name: str) -> None:
    _service["name"] = name


def bind(**fields):
    """Bind context fields (None values dropped) for the current greenthread; returns the token
    `unbind` takes."""
    return _context.set({k: str(v) for k, v in fields.items() if v is not None})


def unbind(token) -> None:
    try:
        _context.reset(token)
    except ValueError:  # a token of another context (the worker ran elsewhere): just clear
        _context.set({})


def context() -> dict:
    fields = dict(_context.get())
    if fields.get("application_id"):
        fields["application_number"] = application_number(fields["application_id"])
    return fields


def context_of(args, kwargs) -> dict:
    """The log context of an entrypoint call: an event payload's `event_id` and
    `application_id`, or an `application_id` among the call's keyword arguments (a route's
    parameters)."""
    found = {}
    payload = args[0] if args and isinstance(args[0], dict) else {}
    for key in CONTEXT_KEYS:
        value = payload.get(key, kwargs.get(key))
        if isinstance(value, str):
            found[key] = value
    return found


class Formatter(logging.Formatter):
    """Masks every line; `output="json"` writes one JSON object per record."""

    def __init__(self, output: str = "text", fmt: str = TEXT_FORMAT, datefmt=None,
                 service: str | None = None):
        super().__init__(fmt, datefmt)
        if output not in ("text", "json"):
            raise ValueError(f"LOG_FORMAT must be text or json, not {output!r}")
        self.output, self.service = output, service

    def format(self, record: logging.LogRecord) -> str:
        message = mask_text(record.getMessage())
        error = None
        if record.exc_info:
            error = mask_text(self.formatException(record.exc_info))
        elif record.exc_text:
            error = mask_text(record.exc_text)
        fields = context()
        if self.output == "json":
            line = {"time": datetime.fromtimestamp(record.created, timezone.utc)
                    .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "level": record.levelname, "service": _service["name"] or self.service,
                    "logger": record.name, "message": message, **fields}
            if error:
                line["error"] = error
            return json.dumps(line, ensure_ascii=False)
        record.message = message  # what logging.Formatter.format sets, masked
        record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if fields:
            text += " [" + " ".join(f"{k}={v}" for k, v in fields.items()) + "]"
        return text + ("\n" + error if error else "")


def formatter(output: str = "text", format: str = TEXT_FORMAT,  # noqa: A002
              service: str | None = None) -> Formatter:
    """The dictConfig factory (`(): plumbing.logs.formatter`) the services' LOGGING names;
    `service` names the lines written before the service's container is set up."""
    return Formatter((output or "text").strip().lower(), format, service=service)
