"""Problem details at the HTTP edge: JSON in, JSON or problem details out (RFC 9457).

Every refusal is `application/problem+json` with a stable `code`, the `field` path where there
is one, every `problems` entry, and a Chinese `message` the frontend can show. A database that
cannot be reached answers 503 `SERVICE_UNAVAILABLE` with Retry-After (a request's writes are
one transaction, so they happened whole or not at all). An unexpected error is logged with its traceback and answered 500
without details.
"""
from __future__ import annotations

import functools
import json
import logging
from datetime import date, datetime

from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response

from contracts.errors import Refusal
from intake.records import rfc3339
from plumbing.db import retry_on_broken_connection

log = logging.getLogger(__name__)

READS = ("GET", "HEAD")  # retried once on a broken database connection (plumbing.db)
MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32  # an application is 5 levels deep; deeper is an attack, not a form


def _json_default(value):
    if isinstance(value, (datetime, date)):  # RFC 3339 with offset; a date stays a date
        return rfc3339(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=_json_default), status=status,
                    mimetype="application/json", headers=headers)


def problem(refusal: Refusal) -> Response:
    body = {"type": f"urn:titles:problem:{refusal.code}", "title": refusal.message,
            **refusal.to_dict()}
    return Response(json.dumps(body, ensure_ascii=False), status=refusal.status,
                    mimetype="application/problem+json")


def read_json(request, required: bool = True) -> dict:
    """The request body as a JSON object, or a refusal that says what is wrong with it."""
    length = request.content_length
    if length is not None and length > MAX_JSON_BYTES:
        raise Refusal("BODY_TOO_LARGE", "请求内容过大（上限 1 MB）", status=413)
    raw = request.get_data(cache=False)[:MAX_JSON_BYTES + 1]
    if len(raw) > MAX_JSON_BYTES:
        raise Refusal("BODY_TOO_LARGE", "请求内容过大（上限 1 MB）", status=413)
    if not raw.strip():
        if required:
            raise Refusal("BODY_REQUIRED", "请求内容不能为空，应为 JSON 对象")
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refusal("MALFORMED_JSON", "请求内容不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise Refusal("WRONG_TYPE", "请求内容应为 JSON 对象", field="$")
    _check_values(data)
    return data


def _check_values(data) -> None:
    """No text a database cannot hold (NUL, lone surrogates) and no absurd nesting; walked
    without recursion so that the check itself cannot overflow."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise Refusal("BODY_TOO_DEEP", f"请求内容嵌套过深（最多 {MAX_JSON_DEPTH} 层）")
        if isinstance(value, dict):
            stack.extend((k, depth) for k in value)
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str) and ("\x00" in value or not _encodable(value)):
            raise Refusal("INVALID_CHARACTERS", "请求内容含有无效字符（如空字符或不成对的代理字符）")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def endpoint(fn):
    """Wrap an @http method: refusals become problem details, surprises become a logged 500."""
    @functools.wraps(fn)
    def wrapper(self, request, *args, **kwargs):
        try:
            if request.method in READS:  # a dead pooled connection: once more, on a new one
                return retry_on_broken_connection(fn, self, request, *args, **kwargs)
            return fn(self, request, *args, **kwargs)
        except Refusal as refusal:
            return problem(refusal)
        except OperationalError:  # the database is unreachable or restarting: try again soon
            log.warning("database unavailable in %s %s", request.method, request.path)
            response = problem(Refusal("SERVICE_UNAVAILABLE", "系统暂时无法处理，请稍后重试",
                                       status=503))
            response.headers["Retry-After"] = "5"
            return response
        except Exception:
            log.exception("unhandled error in %s %s", request.method, request.path)
            return problem(Refusal("INTERNAL", "系统内部错误，请稍后重试", status=500))
    return wrapper
