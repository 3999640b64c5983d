"""Every request checked against the OpenAPI document before it reaches a store or another
service: the JSON body against the operation's `requestBody` schema, the query against its
`parameters`. One check for every desk, so that a nested object where an id belongs, a `null`
in a list of problems or an unknown field is refused (422, every problem with its field path and
a Chinese message) instead of reaching review's tables.

The application's own bodies (POST and PATCH /applications) are judged by the rules of
`intake.rules.fields`, which know the season; their schemas come from the same table.
"""
from __future__ import annotations

import copy
import functools

import jsonschema
import referencing
import referencing.jsonschema

from contracts.errors import Problem, Refusal
from intake.http import openapi
from intake.http.problems import read_json

BASE = "urn:titles:openapi"
INVALID = "请求内容有误，请按列出的问题逐项修改"
NOT_BLANK = r"\S"  # the pattern of a text that must say something
TYPE_ZH = {"object": "对象", "array": "列表", "string": "文本", "integer": "整数",
           "number": "数字", "boolean": "是或否（true/false）", "null": "空值"}


def _as_json_schema(node):
    """OpenAPI 3.0's `nullable` as JSON Schema says it (a type list, null among the enum)."""
    if isinstance(node, list):
        return [_as_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _as_json_schema(v) for k, v in node.items()
           if k not in ("example", "examples", "nullable", "discriminator", "xml")}
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        if "allOf" in out or "anyOf" in out or "oneOf" in out or "$ref" in out:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


@functools.cache
def _registry():
    doc = _as_json_schema(copy.deepcopy(openapi.document()))
    resource = referencing.Resource.from_contents(
        doc, default_specification=referencing.jsonschema.DRAFT202012)
    return referencing.Registry().with_resource(BASE, resource), doc


@functools.cache
def _operations() -> dict:
    """operationId → (JSON pointer of its JSON body schema or None, its query parameters)."""
    _, doc = _registry()

    def resolved(param):
        ref = param.get("$ref", "") if isinstance(param, dict) else ""
        return doc["components"]["parameters"][ref.rsplit("/", 1)[1]] if ref else param

    found = {}
    for path, item in doc["paths"].items():
        shared = [resolved(p) for p in item.get("parameters", [])]
        for method, op in item.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            escaped = path.replace("~", "~0").replace("/", "~1")
            body = (op.get("requestBody") or {}).get("content", {}).get("application/json")
            pointer = f"/paths/{escaped}/{method}/requestBody/content/application~1json/schema" \
                if body else None
            query = [p for p in shared + [resolved(p) for p in op.get("parameters", [])]
                     if isinstance(p, dict) and p.get("in") == "query"]
            found[op["operationId"]] = (pointer, query)
    return found


@functools.cache
def _validator(pointer: str):
    registry, _ = _registry()
    return jsonschema.Draft202012Validator(
        {"$ref": f"{BASE}#{pointer}"}, registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _path(error, extra: str | None = None) -> str:
    parts = [str(p) for p in error.absolute_path] + ([extra] if extra else [])
    return ".".join(parts)


def problems_of(error, prefix: str = "") -> list[Problem]:
    """One jsonschema error as the problems a person can act on (Chinese, with the path)."""
    def at(extra=None):
        path = _path(error, extra)
        return f"{prefix}.{path}" if prefix and path else (prefix or path or None)

    name = ".".join(str(p) for p in error.absolute_path) or "请求内容"
    kind, value = error.validator, error.validator_value
    if kind == "required":
        missing = [k for k in value if k not in (error.instance or {})]
        return [Problem("FIELD_REQUIRED", f"请填写 {k}", at(k)) for k in missing]
    if kind == "additionalProperties":
        allowed = sorted((error.schema.get("properties") or {}).keys())
        extra = [k for k in error.instance if k not in allowed]
        hint = f"，可用：{'、'.join(allowed)}" if allowed else ""
        return [Problem("UNKNOWN_FIELD", f"没有名为“{k}”的字段{hint}", at(k)) for k in extra]
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        return [Problem("WRONG_TYPE", f"{name} 应为{'或'.join(TYPE_ZH.get(t, t) for t in wanted)}",
                        at())]
    if kind == "enum":
        shown = "、".join(str(v) for v in value if v is not None)
        return [Problem("VALUE_NOT_ALLOWED", f"{name} 只能是：{shown}", at())]
    if kind == "pattern" and value == NOT_BLANK or kind in ("minLength", "minItems",
                                                            "minProperties"):
        return [Problem("FIELD_BLANK", f"{name} 不能为空", at())]
    if kind in ("maxLength", "maxItems", "maxProperties"):
        return [Problem("FIELD_TOO_LONG", f"{name} 超出上限（{value}）", at())]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return [Problem("VALUE_OUT_OF_RANGE", f"{name} 超出允许的范围", at())]
    if kind == "uniqueItems":
        return [Problem("DUPLICATE_ITEMS", f"{name} 中有重复的项", at())]
    return [Problem("VALUE_INVALID", f"{name} 的格式不正确", at())]


def check(pointer: str, value, prefix: str = "") -> list[Problem]:
    errors = sorted(_validator(pointer).iter_errors(value), key=lambda e: list(e.absolute_path))
    return [p for e in errors for p in problems_of(e, prefix)]


def body(request, operation_id: str, required: bool = True) -> dict:
    """The request's JSON body, checked against the operation's schema (and its query, see
    `query`); a refusal lists every problem (422 `REQUEST_INVALID`, or the one problem's
    code)."""
    query(request, operation_id)
    pointer, _ = _operations()[operation_id]
    data = read_json(request, required=required)
    problems = check(pointer, data) if pointer else []
    if problems:
        raise Refusal.of(problems, status=422, code="REQUEST_INVALID", message=INVALID)
    return data


def query(request, operation_id: str) -> dict:
    """The operation's query parameters, checked: a parameter the operation does not declare
    (400 `PARAMETER_UNKNOWN`, naming those it does: a typo is not silently ignored), a value
    that is not its schema's (400 `PARAMETER_INVALID`, field = the parameter). The edge
    (`intake.http.server`) checks every request so before its endpoint runs."""
    return check_query(operation_id, request.args)


def check_query(operation_id: str, args) -> dict:
    if operation_id not in _operations():
        return {}
    _, params = _operations()[operation_id]
    declared = [p["name"] for p in params]
    unknown = sorted(set(args) - set(declared))
    if unknown:
        hint = f"，可用：{'、'.join(declared)}" if declared else "，该接口没有查询参数"
        raise Refusal("PARAMETER_UNKNOWN", f"没有名为“{unknown[0]}”的查询参数{hint}",
                      field=unknown[0])
    values = {}
    for param in params:
        name = param["name"]
        raw = args.get(name)
        if raw is None:
            if param.get("required"):
                raise Refusal("PARAMETER_REQUIRED", f"缺少查询参数 {name}", field=name)
            continue
        value = _coerce(raw, param.get("schema") or {})
        errors = list(jsonschema.Draft202012Validator(
            param.get("schema") or {},
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).iter_errors(value))
        if errors:
            problems = problems_of(errors[0], name)
            raise Refusal("PARAMETER_INVALID", f"查询参数 {name} 不正确：{problems[0].message}",
                          field=name)
        values[name] = value
    return values


def _coerce(raw: str, schema: dict):
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw.lower(), raw)
    return raw
