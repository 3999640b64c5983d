"""The API's OpenAPI 3 document, one fragment per area of the API.

`api.yaml` is the document itself (info, security, shared components, the applicant routes);
every other `*.yaml` here adds the `paths` and `components` of one area (staff, notifications,
verification, downloads, forms). A unit test keeps the merged document and the served routes in
step.

The application's own shapes are not written here a second time: `NewApplication`,
`ApplicationPatch` and `ApplicationSections` are generated from the declarative table
(`intake.form_schema`, without a season) and written in OpenAPI 3.0's dialect
(`as_openapi30`); they are what holds in every season. The season's form, with its enums,
limits and cross-field rules, is served at `GET /seasons/{season}/application-schema`.
"""
from __future__ import annotations

import copy
import functools
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
    _merge(doc["components"]["schemas"], generated_schemas(), "intake.form_schema")
    for item in doc["paths"].values():  # what any route may answer (api.yaml's description)
        for method, op in item.items():
            if method in METHODS:
                op["responses"].setdefault("400", {"$ref": "#/components/responses/ParameterInvalid"})
                op["responses"].setdefault("500", {"$ref": "#/components/responses/Internal"})
                op["responses"].setdefault("503", {"$ref": "#/components/responses/Unavailable"})
    return doc


METHODS = ("get", "put", "post", "patch", "delete")


def generated_schemas() -> dict:
    """The application's shapes from the declarative table, in OpenAPI 3.0's dialect."""
    from intake.form_schema import application_schema  # the table imports the season contract

    link = {"description": "The season's form: enums, limits, 无 and cross-field rules",
            "url": "/seasons/{season}/application-schema"}
    opening = as_openapi30(application_schema(None, "opening"))
    draft = as_openapi30(application_schema(None, "draft"))
    stored = copy.deepcopy(draft["properties"]["sections"])
    stored["properties"]["basic"]["properties"]["id_number"] = {
        "title": "身份证号", "type": "string", "maxLength": 18, "nullable": True,
        "description": "In clear for its owner; masked for everyone else (650102********0029)"}
    return {
        "NewApplication": {**opening, "externalDocs": {**link, "url": link["url"] + "?stage=opening"}},
        "ApplicationPatch": {**draft, "externalDocs": {**link, "url": link["url"] + "?stage=draft"}},
        "ApplicationSections": {**stored,
                                "description": "The sections as stored: what a draft may hold "
                                               "(the ID number masked for all but its owner)"},
    }


_DROP = {"$schema", "$id", "$defs", "if", "then", "else", "contains", "prefixItems",
         "x-rules", "x-catalogue"}


def as_openapi30(schema, defs: dict | None = None):
    """A generated JSON Schema (2020-12) written in OpenAPI 3.0's dialect, never stricter: type
    lists become `nullable`, `const` an enum, `$defs` are inlined, and what 3.0 cannot say
    (if/then/else, contains, prefixItems) is dropped or loosened — the served schema says it."""
    if isinstance(schema, bool):
        return {} if schema else {"not": {}}
    if isinstance(schema, list):
        return [as_openapi30(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    defs = schema.get("$defs", defs) or {}
    if "$ref" in schema and schema["$ref"].startswith("#/$defs/"):
        return as_openapi30(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    out = {k: v if k in ("enum", "const", "x-enum-titles") or isinstance(v, bool)
           else as_openapi30(v, defs) for k, v in schema.items() if k not in _DROP}
    if isinstance(schema.get("type"), list):
        kinds = [t for t in schema["type"] if t != "null"]
        out["type"], out["nullable"] = kinds[0], True
    if schema.get("type") == "null":
        out = {"nullable": True, "enum": [None]}
    if "const" in schema:
        out["enum"] = [out.pop("const")]
    if None in (out.get("enum") or ()):
        out["nullable"] = True
    if "if" in schema:  # a list of entries: the entries, or ["无"] where none is allowed
        lists = [as_openapi30(schema["else"], defs)]
        if schema.get("then") is True:
            lists.append({"type": "array", "minItems": 1, "maxItems": 1,
                          "items": as_openapi30(defs["none"], defs)})
        out = lists[0] if len(lists) == 1 else {"anyOf": lists}
    return out


def _merge(into: dict, extra: dict, source: str) -> None:
    clash = set(into) & set(extra)
    if clash:
        raise ValueError(f"{source} redefines {', '.join(sorted(clash))}")
    into.update(extra)
