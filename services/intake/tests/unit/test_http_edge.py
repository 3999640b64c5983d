"""The HTTP edge without a network: file names both ways (RFC 6266 / 5987), CORS, and the WSGI
layer's answers to unknown routes, wrong methods, OPTIONS and undeclared query parameters."""
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from werkzeug.routing import Map, Rule
from werkzeug.test import Client
from werkzeug.wrappers import Response

from intake.http import cors, files
from intake.http.server import Edge

NAME = "证书 扫描件（2019）.jpg"


@pytest.mark.parametrize("header", [
    {"X-Filename": quote(NAME)},
    {"X-Filename": "UTF-8''" + quote(NAME)},
    {"X-Filename": NAME.encode().decode("latin-1")},
    {"Content-Disposition": "attachment; filename*=UTF-8''" + quote(NAME)},
])
def test_an_uploaded_name_arrives_exactly_however_it_is_sent(header):
    assert files.upload_filename(header) == NAME


def test_a_name_keeps_every_character_but_control_ones():
    assert files.clean_name("扫描件\u3000甲\u00a0乙.jpg") == "扫描件\u3000甲\u00a0乙.jpg"
    assert files.clean_name("a\r\nb.jpg") == "ab.jpg"
    assert files.clean_name("\x00\x01") is None
    assert files.clean_name("名" * 300) == "名" * 255


@pytest.mark.parametrize("name", [NAME, "unit\nline.pdf", 'a"b;c.pdf', "plain.pdf"])
def test_content_disposition_cannot_break_its_header_and_names_the_file(name):
    value = files.content_disposition(name)
    assert value.isascii() and "\n" not in value and "\r" not in value
    assert value.startswith('attachment; filename="')
    if "filename*=" in value:
        star = value.split("filename*=UTF-8''")[1]
        from urllib.parse import unquote
        assert unquote(star) == files.clean_name(name)
    else:
        assert value == f'attachment; filename="{files.clean_name(name)}"'


def test_cors_allows_the_configured_origins_only():
    origins = cors.allowed_origins({"CORS_ALLOWED_ORIGINS": "https://a.example, https://b.example/, *"})
    assert origins == {"https://a.example", "https://b.example"}
    assert cors.allowed_origins({}) == frozenset()
    assert cors.allowed_origins({"CORS_ALLOWED_ORIGINS": "none"}) == frozenset()  # the default
    ok = cors.preflight("https://a.example", origins, ["GET", "POST"], "POST", "Authorization")
    assert ok["Access-Control-Allow-Methods"] == "GET, POST"
    assert cors.preflight("https://c.example", origins, ["POST"], "POST", None) == {}
    assert cors.preflight("https://a.example", origins, ["GET"], "DELETE", None) == {}
    assert cors.preflight("https://a.example", origins, ["POST"], "POST", "X-Secret") == {}


class Provider:
    method_name = "list_seasons"

    def handle_request(self, request):
        return Response("{}", mimetype="application/json")


@pytest.fixture
def client():
    provider = Provider()
    server = SimpleNamespace(make_url_map=lambda: Map([
        Rule("/seasons", methods=["GET"], endpoint=provider),
        Rule("/applications/<string:a>/versions/<int:v>", methods=["GET"], endpoint=provider)],
        strict_slashes=False, merge_slashes=False))
    return Client(Edge(server, frozenset({"https://zc.example"})))


def test_unknown_routes_wrong_methods_and_options_answer_without_html(client):
    r = client.get("/nowhere")
    assert (r.status_code, r.json["code"]) == (404, "ROUTE_UNKNOWN")
    assert client.get("/applications/x/versions/-1").status_code == 404
    r = client.delete("/seasons")
    assert (r.status_code, r.json["code"]) == (405, "METHOD_NOT_ALLOWED")
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    r = client.options("/seasons")
    assert r.status_code == 204 and "GET" in r.headers["Allow"]
    assert client.get("//seasons").status_code == 404  # no redirect


def test_cors_headers_on_answers_and_preflight(client):
    r = client.get("/seasons", headers={"Origin": "https://zc.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://zc.example"
    r = client.get("/nowhere", headers={"Origin": "https://zc.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://zc.example"
    r = client.get("/seasons", headers={"Origin": "https://other.example"})
    assert "Access-Control-Allow-Origin" not in r.headers
    r = client.options("/seasons", headers={"Origin": "https://zc.example",
                                            "Access-Control-Request-Method": "GET"})
    assert "GET" in r.headers["Access-Control-Allow-Methods"]


def test_a_query_parameter_the_operation_does_not_declare_is_refused(client):
    r = client.get("/seasons?season=2019")
    assert (r.status_code, r.json["code"], r.json["field"]) == (400, "PARAMETER_UNKNOWN", "season")
