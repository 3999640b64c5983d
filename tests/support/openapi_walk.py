"""Walk the API's answers against the OpenAPI document (tests): which operation a request was,
which schema its answer has, and every value the schema says is a `date-time` or a `date`.
Also every string anywhere that looks like a time without an offset, documented or not."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from intake.http.openapi import document

RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NAIVE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")


@dataclass
class Answer:
    method: str
    path: str
    status: int
    content_type: str
    body: object


@dataclass
class Recorder:
    """Wraps a system test's `Api.call`, keeping every JSON answer."""
    call_through: object
    answers: list[Answer] = field(default_factory=list)

    def call(self, method, path, token=None, **kw):
        response = self.call_through(method, path, token, **kw)
        kind = response.headers.get("Content-Type", "").split(";")[0]
        if kind.endswith("json"):
            self.answers.append(Answer(method.lower(), path.split("?")[0], response.status_code,
                                       kind, response.json()))
        return response


def _templates():
    doc = document()
    for path, item in doc["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$")
        yield pattern, path, item


def operation_of(method: str, path: str) -> tuple[str, dict] | None:
    """(template, operation) of a concrete request; literal templates win over ones with
    parameters (OpenAPI: the concrete path matches first)."""
    found = [(t.count("{"), t, item[method]) for pattern, t, item in _templates()
             if pattern.match(path) and method in item]
    return (min(found, key=lambda f: f[0])[1:]) if found else None


def resolve(schema: dict) -> dict:
    doc = document()
    while isinstance(schema, dict) and "$ref" in schema:
        node = doc
        for part in schema["$ref"][2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


def response_schema(operation: dict, status: int, content_type: str) -> dict | None:
    responses = operation["responses"]
    answer = resolve(responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or {})
    media = (answer.get("content") or {}).get(content_type)
    return media.get("schema") if media else None


def formats(schema, value, path: str = "$"):
    """(path, format, value) of every `date-time` and `date` the schema declares in `value`."""
    schema = resolve(schema) if isinstance(schema, dict) else {}
    for sub in schema.get("allOf", ()):
        yield from formats(sub, value, path)
    for key in ("anyOf", "oneOf"):  # only the alternatives the value is of (无 is no date)
        for sub in schema.get(key, ()):
            if _may_be(resolve(sub), value):
                yield from formats(sub, value, path)
    if isinstance(value, str) and schema.get("format") in ("date-time", "date"):
        yield path, schema["format"], value
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for k, v in value.items():
            sub = props.get(k, extra if isinstance(extra, dict) else None)
            if sub is not None:
                yield from formats(sub, v, f"{path}.{k}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, v in enumerate(value):
            yield from formats(schema["items"], v, f"{path}[{i}]")


_TYPES = {"string": str, "object": dict, "array": list, "boolean": bool, "integer": int,
          "number": (int, float)}


def _may_be(schema: dict, value) -> bool:
    """A cheap "could `value` be of this alternative": its type and its pattern."""
    kind = schema.get("type")
    if kind and not (value is None and schema.get("nullable")) and not isinstance(
            value, _TYPES.get(kind, object)):
        return False
    pattern = schema.get("pattern")
    return not (pattern and isinstance(value, str) and not re.search(pattern, value))


def naive_times(value, path: str = "$"):
    """Every string anywhere in `value` that is a time of day without an offset."""
    if isinstance(value, str) and NAIVE_TIME.fullmatch(value):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from naive_times(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from naive_times(v, f"{path}[{i}]")
