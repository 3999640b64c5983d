"""The API's OpenAPI 3 document, one fragment per area of the API.

`api.yaml` is the document itself (info, security, shared components, the applicant routes);
every other `*.yaml` here adds the `paths` and `components` of one area (staff, notifications,
verification). A unit test keeps the merged document and the served routes in step.
"""
from __future__ import annotations

import functools
import re
from importlib import resources

import yaml


@functools.cache
def document() -> dict:
    folder = resources.files("intake.http.openapi")
    doc = yaml.safe_load(folder.joinpath("api.yaml").read_text("utf-8"))
    for part in sorted(p for p in folder.iterdir() if p.name.endswith(".yaml")):
        if part.name == "api.yaml":
            continue
        fragment = yaml.safe_load(part.read_text("utf-8")) or {}
        _merge(doc["paths"], fragment.get("paths") or {}, part.name)
        for kind, entries in (fragment.get("components") or {}).items():
            _merge(doc["components"].setdefault(kind, {}), entries, part.name)
    return doc


def _merge(into: dict, extra: dict, source: str) -> None:
    clash = set(into) & set(extra)
    if clash:
        raise ValueError(f"{source} redefines {', '.join(sorted(clash))}")
    into.update(extra)


@functools.cache
def _templates() -> list[tuple[re.Pattern, frozenset[str]]]:
    return [(re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$"),
             frozenset(m.upper() for m in item if m in ("get", "put", "post", "patch", "delete")))
            for path, item in document()["paths"].items()]


def allowed_methods(path: str) -> frozenset[str]:
    """The methods the API serves at `path` (none: no such route). The document is the map, and
    a unit test keeps it equal to the served routes."""
    return frozenset().union(*(methods for pattern, methods in _templates()
                               if pattern.match(path)))
