"""The bare baseline of the API benchmark: a nameko @http endpoint returning a constant, run the
way the services run (`nameko run`, eventlet, the same default max_workers)."""
from nameko.web.handlers import http


class BareService:
    name = "bench_bare"

    @http("GET", "/constant")
    def constant(self, request):
        return 200, {"Content-Type": "application/json"}, '{"status": "ok"}'
