"""The OpenAPI document stays true: every route the service serves is documented, and nothing
documented is missing from the service."""
import re

from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.web.handlers import HttpRequestHandler

from intake.http.openapi import document as openapi_document
from intake.service import IntakeService


CATCH_ALL = "/{unknown}"  # answers problem+json for every path the API does not serve


def served_routes() -> set[tuple[str, str]]:
    routes = set()
    for name in dir(IntakeService):
        for ext in getattr(getattr(IntakeService, name), ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(ext, HttpRequestHandler):
                path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", ext.url)
                if path == CATCH_ALL:
                    continue
                for method in ext.method.split(","):
                    routes.add((method.strip().lower(), path))
    return routes


def documented_routes() -> set[tuple[str, str]]:
    doc = openapi_document()
    return {(method, path) for path, item in doc["paths"].items() for method in item
            if method in ("get", "put", "post", "patch", "delete")}


def test_every_served_route_is_documented_and_vice_versa():
    assert served_routes() == documented_routes()


def test_document_is_openapi_3():
    doc = openapi_document()
    assert doc["openapi"].startswith("3.")
    assert "bearerAuth" in doc["components"]["securitySchemes"]


def test_allowed_methods_follow_the_document():
    from intake.http.openapi import allowed_methods
    assert allowed_methods("/applications") == {"GET", "POST"}
    assert allowed_methods("/applications/0a1b/submit") == {"POST"}
    assert allowed_methods("/applications/0a1b/submit/extra") == frozenset()
    assert allowed_methods("/no/such/thing") == frozenset()
