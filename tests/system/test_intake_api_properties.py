"""Property-based: whatever a client sends, intake answers with a 2xx or a problem+json 4xx,
never a 5xx, and a refused change changes nothing (issue #3, "The API").

hypothesis generates bodies against the running intake (the `system` fixture: real HTTP, real
PostgreSQL): arbitrary JSON, valid applications with one field replaced by anything, unknown
fields, injection strings, malformed bytes, absurd nesting, garbage tokens and uploads.
"""
from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plumbing.config import ROOT
from tests.support import applications as apps

pytestmark = pytest.mark.system

INJECTIONS = ("'; DROP TABLE applications; --", "\" OR 1=1 --", "<script>alert(1)</script>",
              "${jndi:ldap://x/a}", "{{7*7}}", "../../etc/passwd", "%00", "\u202e", "无" * 3001,
              "𠀀" * 10, "\ud83d\ude00", "1e309", "NaN", "-0", " ", "\t\n")
HEADER_KEYS = ("season", "series", "specialty", "level", "category", "aid", "entrusted",
               "unit_id", "sections")

leaf = (st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70)
        | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
        | st.sampled_from(INJECTIONS))
json_value = st.recursive(
    leaf, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=12) | st.sampled_from(HEADER_KEYS), inner, max_size=4),
    max_leaves=16)


def paths(value, prefix=()):
    """Every path into a JSON document (dict keys and list indexes)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            found += paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += paths(v, prefix + (i,))
    return found


TEMPLATE = apps.body()
TEMPLATE_PATHS = paths(TEMPLATE)


@st.composite
def mutated(draw, template=TEMPLATE, template_paths=TEMPLATE_PATHS):
    """A valid document with one place replaced, deleted, or given an unknown neighbour."""
    doc = copy.deepcopy(template)
    path = draw(st.sampled_from(template_paths))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    action = draw(st.sampled_from(("replace", "delete", "add")))
    if action == "replace":
        parent[path[-1]] = draw(json_value)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=12))] = draw(json_value)
    else:
        parent.append(draw(json_value))
    return doc


raw_bodies = st.binary(max_size=300) | st.sampled_from([
    b"{", b"[]", b'"x"', b"null", b"{\"season\": \"2019\",}", b"[" * 50_000,
    b'{"a":' * 5_000 + b"1" + b"}" * 5_000, b"\xff\xfe{}", b'{"season": "\\ud800"}',
    b'{"season": "2019\\u0000"}', b"1" * 5000, b'{"x": ' + b"9" * 5000 + b"}",
    b" " * 10])


def assert_problem_or_success(r):
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.headers["Content-Type"].startswith("application/problem+json"), r.text
        body = r.json()
        assert body["code"] and body["message"], body


@pytest.fixture(scope="module")
def api(system):
    admin = system.api.token("admin-props", role="admin")
    season = (ROOT / "seasons" / "2019.yaml").read_text("utf-8")
    r = system.api.call("PUT", "/admin/seasons/2019", admin, data=season.encode())
    assert r.status_code == 200, r.text
    return system.api


PROPS = settings(max_examples=120, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPS
@given(body=mutated() | json_value)
def test_creating_never_answers_5xx(api, body):
    me = api.token("props-create", org=apps.UNIT)
    r = api.call("POST", "/applications", me, json=body)
    assert_problem_or_success(r)
    if r.status_code == 201:  # keep "one active application per person" from masking bugs
        api.call("POST", f"/applications/{r.json()['id']}/withdraw", me)


@PROPS
@given(raw=raw_bodies, method=st.sampled_from(["POST", "PATCH"]))
def test_malformed_bodies_are_refused_as_problems(api, raw, method):
    me = api.token("props-raw", org=apps.UNIT)
    path = "/applications" if method == "POST" else f"/applications/{_draft(api)['id']}"
    r = api.call(method, path, me, data=raw, headers={"Content-Type": "application/json"})
    assert_problem_or_success(r)
    assert r.status_code != 201 or raw.strip().startswith(b"{")


_drafts: dict = {}


def _draft(api):
    """One draft per run that the PATCH properties edit."""
    if "app" not in _drafts:
        me = api.token("props-raw", org=apps.UNIT)
        _drafts["body"] = apps.body()
        r = api.call("POST", "/applications", me, json=_drafts["body"])
        assert r.status_code == 201, r.text
        _drafts["app"] = r.json()
    return _drafts["app"]


PATCH_TEMPLATE = {"sections": copy.deepcopy(TEMPLATE["sections"]), "level": "engineer"}
del PATCH_TEMPLATE["sections"]["basic"]["id_number"]


@PROPS
@given(patch=mutated(PATCH_TEMPLATE, paths(PATCH_TEMPLATE)) | json_value)
def test_a_refused_patch_changes_nothing(api, patch):
    me = api.token("props-raw", org=apps.UNIT)
    path = f"/applications/{_draft(api)['id']}"
    before = api.call("GET", path, me).json()
    r = api.call("PATCH", path, me, json=patch)
    assert_problem_or_success(r)
    if r.status_code >= 400:
        assert api.call("GET", path, me).json() == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), section=st.sampled_from(["basic", "other", "x", "a b", "附件"]),
       kind=st.sampled_from(["photo", "id_card", "evidence", "nope"]),
       replaces=st.none() | st.text(max_size=10))
def test_uploads_never_answer_5xx(api, data, section, kind, replaces):
    me = api.token("props-raw", org=apps.UNIT)
    path = f"/applications/{_draft(api)['id']}/attachments/{section}/{kind}"
    r = api.call("PUT", path, me, data=data, params={"replaces": replaces} if replaces else None,
                 headers={"Content-Type": "image/jpeg"})
    assert_problem_or_success(r)


def test_a_path_outside_the_routes_is_not_found(api):
    """`..` is resolved by the client; what is left matches no route: a problem, not HTML."""
    me = api.token("props-raw", org=apps.UNIT)
    r = api.call("PUT", f"/applications/{_draft(api)['id']}/attachments/../photo", me,
                 data=b"x", headers={"Content-Type": "image/jpeg"})
    assert (r.status_code, r.json()["code"]) == (404, "ROUTE_UNKNOWN")


# Printable ASCII only, stripped: what an HTTP client can send as a header value (drawn, not
# filtered, so Hypothesis never gives up on too many discarded inputs).
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E),
                      max_size=200).map(str.strip)


@settings(max_examples=60, deadline=None)
@given(header=HEADER_TEXT | st.sampled_from(["Bearer ", "Bearer a.b.c", "Basic x"]))
def test_garbage_credentials_are_unauthenticated(api, header):
    r = api.http.get(api.base + "/applications/x", headers={"Authorization": header},
                     timeout=30)
    assert r.status_code == 401, r.text


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ident=st.text(max_size=40) | st.sampled_from(["\x00", "%00", "1' OR '1'='1", "0" * 36]),
       route=st.sampled_from([("GET", ""), ("PATCH", ""), ("POST", "/submit"),
                              ("GET", "/versions"), ("GET", "/versions/1/diff/2"),
                              ("POST", "/attachments/{x}/confirm"), ("GET", "/history"),
                              ("POST", "/withdraw")]),
       query=st.none() | st.text(max_size=10))
def test_any_id_in_a_path_or_query_never_answers_5xx(api, ident, route, query):
    from urllib.parse import quote

    me = api.token("props-raw", org=apps.UNIT)
    method, suffix = route
    target = quote(ident, safe="")
    if "{x}" in suffix:  # the attachment id is the fuzzed one
        path = f"/applications/{_draft(api)['id']}" + suffix.replace("{x}", target)
    else:
        path = f"/applications/{target}{suffix}"
    r = api.call(method, path, me, json={} if method == "PATCH" else None,
                 params={"replaces": query, "season": query} if query is not None else None)
    assert r.status_code < 500, r.text
