"""The HTTP edge: every failure answers problem details, and a database outage says "try again"."""
import json
from types import SimpleNamespace

from sqlalchemy.exc import OperationalError

from contracts.errors import Refusal
from intake.http.problems import endpoint

REQUEST = SimpleNamespace(method="POST", path="/applications/x/submit")


def answer(exc):
    @endpoint
    def handler(self, request):
        raise exc
    response = handler(None, REQUEST)
    return response.status_code, json.loads(response.get_data()), response.headers


def test_a_database_that_cannot_be_reached_answers_503_with_retry_after():
    status, body, headers = answer(OperationalError("SELECT 1", {}, Exception("server closed")))
    assert (status, body["code"], headers["Retry-After"]) == (503, "SERVICE_UNAVAILABLE", "5")
    assert headers["Content-Type"] == "application/problem+json"


def test_a_refusal_keeps_its_code_and_a_surprise_is_an_internal_500():
    assert answer(Refusal("NOT_FOUND", "无", status=404))[:2] == (
        404, {"type": "urn:titles:problem:NOT_FOUND", "title": "无", "code": "NOT_FOUND",
              "message": "无", "status": 404})
    status, body, _ = answer(ValueError("bug"))
    assert (status, body["code"]) == (500, "INTERNAL")
