"""intake's HTTP edge below the endpoints: routing answers, CORS and OPTIONS, in one WSGI layer.

nameko's `WebServer` answers a path no route takes, or a method a path does not serve, with
werkzeug's HTML pages, and redirects `//` and trailing slashes. Every intake route is declared
with this module's `http` instead of nameko's, so they share `IntakeWebServer`, whose WSGI app
(`Edge`):

- routes without redirects (no slash merging or appending: a path is served as written);
- answers an unknown path 404 `ROUTE_UNKNOWN` and a known path with another method 405
  `METHOD_NOT_ALLOWED` with `Allow`, both problem details (RFC 9457); a path parameter of the
  wrong shape (`versions/-1`, `paper/x`) matches no route, so it is 404 as well;
- refuses a query the operation does not declare, or a value not of its schema (400, before the
  endpoint runs: `intake.http.bodies.check_query`);
- answers `OPTIONS` itself: 204 with `Allow`, and for a CORS preflight from an allowed origin
  the `Access-Control-Allow-*` headers (`intake.http.cors`);
- adds the CORS headers to every answer to an allowed origin (`CORS_ALLOWED_ORIGINS`, default
  none: no browser on another origin may call).
"""
from __future__ import annotations

import json

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from contracts.errors import Refusal
from intake.http import bodies, cors
from intake.http.problems import problem


def problem_response(status: int, code: str, message: str, headers: dict | None = None):
    body = {"type": f"urn:titles:problem:{code}", "title": message, "code": code,
            "message": message, "status": status}
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/problem+json", headers=headers)


def served_methods(methods) -> list[str]:
    """What `Allow` lists: the route's methods, and OPTIONS, which the edge answers itself."""
    return sorted(set(methods) | {"OPTIONS"})


class Edge(WsgiApp):
    """The WSGI app of `IntakeWebServer` (see the module docstring)."""

    def __init__(self, server, origins: frozenset[str]):
        super().__init__(server)
        self.origins = origins

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        origin = request.headers.get("Origin")
        adapter = self.url_map.bind_to_environ(environ)
        if request.method == "OPTIONS":
            response = self._options(request, adapter, origin)
        else:
            try:
                provider, values = adapter.match()
            except MethodNotAllowed as exc:
                allowed = served_methods(exc.valid_methods or ())
                response = problem_response(
                    405, "METHOD_NOT_ALLOWED",
                    f"该地址不支持 {request.method} 请求，可用：{', '.join(allowed)}",
                    {"Allow": ", ".join(allowed)})
            except (NotFound, HTTPException):
                response = problem_response(404, "ROUTE_UNKNOWN",
                                            "没有这个接口地址，请核对路径（路径中的编号、序号格式不对也会如此）")
            else:
                try:  # the query as the operation declares it (intake.http.bodies)
                    bodies.check_query(provider.method_name, request.args)
                except Refusal as refusal:
                    response = problem(refusal)
                else:
                    request.path_values = values
                    response = provider.handle_request(request)
        if origin is not None:
            cors.decorate(response.headers, origin, self.origins)
        return response(environ, start_response)

    def _options(self, request, adapter, origin):
        methods = adapter.allowed_methods()
        if not methods:
            return problem_response(404, "ROUTE_UNKNOWN", "没有这个接口地址，请核对路径")
        allowed = served_methods(methods)
        headers = {"Allow": ", ".join(allowed)}
        if origin is not None:
            headers.update(cors.preflight(origin, self.origins, allowed,
                                          request.headers.get("Access-Control-Request-Method"),
                                          request.headers.get("Access-Control-Request-Headers")))
        return Response(status=204, headers=headers)


class IntakeWebServer(WebServer):
    """nameko's web server with intake's `Edge` in front of the routes."""

    def make_url_map(self):
        url_map = Map(strict_slashes=False, merge_slashes=False, redirect_defaults=False)
        for provider in self._providers:
            rule = provider.get_url_rule()
            rule.endpoint = provider
            url_map.add(rule)
        return url_map

    def get_wsgi_app(self):
        return Edge(self, cors.allowed_origins(self.container.config))


class IntakeHttp(HttpRequestHandler):
    server = IntakeWebServer()


http = IntakeHttp.decorator
