"""The OpenAPI document stays true: every route the service serves is documented, and nothing
documented is missing from the service."""
import re

from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.web.handlers import HttpRequestHandler

from intake.http.openapi import document as openapi_document
from intake.service import IntakeService


def served_routes() -> set[tuple[str, str]]:
    routes = set()
    for name in dir(IntakeService):
        for ext in getattr(getattr(IntakeService, name), ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(ext, HttpRequestHandler):
                path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", ext.url)
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


def test_the_application_shapes_are_generated_from_the_table_not_written_twice():
    """NewApplication, ApplicationPatch and ApplicationSections come from intake.form_schema:
    every section of the table is there, closed to unknown fields, none left as free text."""
    from intake.application_schema import SECTIONS
    schemas = openapi_document()["components"]["schemas"]
    sections = schemas["ApplicationSections"]
    assert set(sections["properties"]) == {s.name for s in SECTIONS}
    assert sections["additionalProperties"] is False
    assert all(s["additionalProperties"] is False for s in sections["properties"].values())
    assert schemas["NewApplication"]["externalDocs"]["url"].startswith(
        "/seasons/{season}/application-schema")
    assert "sections" in schemas["ApplicationPatch"]["properties"]


def test_every_operation_documents_what_any_route_may_answer():
    for path, item in openapi_document()["paths"].items():
        for method, op in item.items():
            if method in ("get", "put", "post", "patch", "delete"):
                assert {"500", "503"} <= set(op["responses"]), (method, path)
