"""The form as a frontend discovers it (issue #12): the season's application as JSON Schema,
served, generated from the one table, and held to agree with the running server field by field.

Hypothesis draws applications: a complete valid one with a few fields replaced by what people
and programs send (blanks, placeholders, 无 where it is and is not allowed, texts one character
too long, control characters, dates of other shapes and scripts, wrong types, unknown fields,
lists of entries as ["无"] or empty). Each is saved as a draft (PATCH) and, when the draft takes
it, submitted; the fields the server names in its problems must be exactly the fields
`jsonschema` names against the served schema (`draft`, then `submission`), and neither may
accept what the other refuses. The only problems left out are the attachments' (R-3.3: they
depend on uploads, not on the form) and the gates that name no field.
"""
from __future__ import annotations

import copy
from collections import Counter
import os
from datetime import date

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from intake.application_schema import APPLICATION, BOOL, DATE, ENTRIES, ENUM, GROUP, INT, TEXT
from intake.form_schema import application_schema
from tests.support.applications import UNIT, create, for_token, id_number, season_2019

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("season_clock")]

SECTIONS = APPLICATION.member("sections")
COMPARED: Counter = Counter()
CONTROL = "第一行\x07响铃"
FORMAT_SAMPLES = {"phone": ["+86 139-1234-5678", "1391234567", "23912345678", "１３９１２３４５６７８"],
                  "email": [" a.b@example.cn ", "a@b", "无@example.com"],
                  "id_number": ["650102198506150028", "65010219850615002x", "6501021985061500"]}


def leaf_values(spec, season) -> st.SearchStrategy:
    """What a field may be sent, valid or not, for its kind."""
    wrong = st.sampled_from([1, True, [], {}, {"a": 1}, 2.5])
    nones = st.sampled_from(["无", " 无 ", "\u3000无", None, "", "  ", "N/A", "-", "暂无", "null"])
    if spec.kind == TEXT:
        limit = spec.limit(season) or 100
        texts = st.sampled_from(["某某", "x" * limit, "字" * (limit + 1), CONTROL, "a\nb"])
        extra = st.sampled_from(FORMAT_SAMPLES.get(spec.format, ["正常内容"]))
        generated = id_number() if spec.format == "id_number" else "正常"
        return st.one_of(texts, extra, nones, wrong, st.just(generated),
                         st.text(max_size=8).filter(lambda t: len(t) <= limit))
    if spec.kind == DATE:
        return st.one_of(nones, wrong, st.sampled_from([
            "2010-05-06", "2019-13-01", "2019-1-1", "٢٠١٩-01-01", "2019-02-30", "2019-01-01\n",
            20190101]))
    if spec.kind == INT:
        return st.one_of(nones, st.sampled_from([0, 5, -1, 1899, 2017, "5", 5.5, True]))
    if spec.kind == BOOL:
        return st.one_of(nones, st.sampled_from([True, False, "true", 0, 1]))
    if spec.kind == ENUM:
        return st.one_of(nones, wrong, st.sampled_from(list(spec.allowed(season)) + ["其他"]))
    raise AssertionError(spec.kind)


def field_paths(spec, prefix=()):
    """(path, spec) of every field of the sections, entries by their first element."""
    for member in spec.fields:
        here = prefix + (member.name,)
        yield here, member
        if member.kind == GROUP:
            yield from field_paths(member, here)
        elif member.kind == ENTRIES:
            yield from field_paths(member, here + (0,))


PATHS = [p for p in field_paths(SECTIONS)]


def entries_values(spec) -> st.SearchStrategy:
    return st.sampled_from([[], ["无"], ["无", "无"], "无", [1], None, [{"zzz": 1}]])


@st.composite
def mutated(draw, base: dict) -> dict:
    sections = copy.deepcopy(base)
    season = season_2019()
    for _ in range(draw(st.integers(1, 3))):
        path, spec = draw(st.sampled_from(PATHS))
        if spec.kind == GROUP:
            value = draw(st.sampled_from([None, "无", [], {"zzz": "未知"}]))
        elif spec.kind == ENTRIES:
            value = draw(entries_values(spec))
        else:
            value = draw(leaf_values(spec, season))
        node = sections
        for key in path[:-1]:
            if isinstance(node, list):
                if not node or not isinstance(node[0], dict):
                    break
                node = node[key]
            elif isinstance(node, dict) and isinstance(node.get(key), (dict, list)):
                node = node[key]
            else:
                break
        else:
            if isinstance(node, dict):
                if value is None and draw(st.booleans()):
                    node.pop(path[-1], None)  # left out rather than null
                else:
                    node[path[-1]] = value
    return sections


def gb11643(validator, kind, instance, schema):
    """`x-format: id_number` beyond its pattern: the birth date and the check character (GB
    11643, ISO 7064 MOD 11-2), written here again from the standard, not taken from the server."""
    if kind != "id_number" or not isinstance(instance, str):
        return
    number = instance.strip().upper()
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return  # the pattern says so already
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(number, weights)) % 11]
    if born is None or born.year < 1900 or number[17] != check:
        yield jsonschema.ValidationError("not a GB 11643 ID number")


FormValidator = jsonschema.validators.extend(jsonschema.Draft202012Validator,
                                             {"x-format": gb11643})


def schema_fields(validator, instance) -> set[str]:
    """The fields jsonschema finds wrong, named as the server names them."""
    fields = set()
    for error in validator.iter_errors(instance):
        base = [str(p) for p in error.absolute_path]
        if error.validator == "required":
            fields |= {".".join(base + [k]) for k in error.validator_value
                       if k not in error.instance}
        elif error.validator == "additionalProperties":
            known = error.schema.get("properties") or {}
            fields |= {".".join(base + [k]) for k in error.instance if k not in known}
        else:
            fields.add(".".join(base))
    return fields


def server_fields(response, ignore=("attachments.",)) -> set[str]:
    if response.status_code < 300:
        return set()
    assert response.status_code == 422, response.text
    body = response.json()
    problems = body.get("problems") or [body]
    return {p["field"] for p in problems if p.get("field") and not p["field"].startswith(ignore)}


def as_patch(sections: dict) -> dict:
    """The whole form as a draft change: every section and field, left-out ones as null (a
    draft merges field by field; null removes)."""
    patch = {}
    for spec in SECTIONS.fields:
        value = sections.get(spec.name)
        if isinstance(value, dict):
            value = {**{f.name: None for f in spec.fields}, **value}
        patch[spec.name] = value
    return {"sections": patch}


@pytest.fixture(scope="module")
def form(loaded):
    api = loaded.api
    me = api.token("api-form-schema", org=UNIT)
    body = for_token(me)
    app = create(api, me, body)
    served = {stage: api.call("GET", f"/seasons/2019/application-schema?stage={stage}").json()
              for stage in ("draft", "submission")}
    validators = {stage: FormValidator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        for stage, schema in served.items()}
    return api, me, app["id"], body, served, validators


def test_the_served_schema_is_the_one_generated_from_the_table(loaded, form):
    api, _, _, body, served, validators = form
    for stage, schema in served.items():
        assert schema == application_schema(season_2019(), stage)
        jsonschema.Draft202012Validator.check_schema(schema)
    assert not list(validators["submission"].iter_errors(body))
    basic = served["submission"]["properties"]["sections"]["properties"]["basic"]
    assert basic["properties"]["name"]["title"] == "姓名"
    assert basic["properties"]["id_number"]["x-format"] == "id_number"
    assert basic["properties"]["sex"]["enum"] == ["男", "女"]
    assert basic["properties"]["birth_date"]["x-none"] == "forbidden"
    summary = served["submission"]["properties"]["sections"]["properties"]["summary"]
    assert summary["properties"]["text"]["x-maxLength"] == 3000  # the season's limit
    assert {r["rule"] for r in served["submission"]["x-rules"]} >= {"R-1.1", "R-3.4", "R-3.3"}
    first = api.call("GET", "/seasons/2019/application-schema")
    again = api.call("GET", "/seasons/2019/application-schema",
                     headers={"If-None-Match": first.headers["ETag"]})
    assert (first.headers["Content-Type"], again.status_code) == ("application/schema+json", 304)
    assert api.call("GET", "/seasons/1999/application-schema").status_code == 404
    doc = api.call("GET", "/openapi.json").json()
    assert "/seasons/{season_id}/application-schema" in doc["paths"]
    assert doc["components"]["schemas"]["NewApplication"]["externalDocs"]["url"]


@settings(max_examples=int(os.environ.get("FORM_EXAMPLES", "60")), deadline=None,
          database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_schema_and_the_server_agree_field_by_field(form, data):
    api, me, app_id, body, _, validators = form
    sections = data.draw(mutated(body["sections"]))
    patch = as_patch(sections)
    r = api.call("PATCH", f"/applications/{app_id}", me, json=patch)
    assert server_fields(r) == schema_fields(validators["draft"], patch), (patch, r.text)
    COMPARED["draft refused" if r.status_code == 422 else "draft saved"] += 1
    if r.status_code != 200:
        return
    stored = api.call("GET", f"/applications/{app_id}", me).json()
    doc = {k: stored[k] for k in ("season", "series", "level", "category")}
    if stored["specialty"] is not None:
        doc["specialty"] = stored["specialty"]
    doc["sections"] = stored["sections"]
    submit = api.call("POST", f"/applications/{app_id}/submit", me)
    assert submit.status_code == 422  # never complete: no attachment was uploaded
    found = server_fields(submit)
    assert found == schema_fields(validators["submission"], doc), (doc, submit.text)
    COMPARED["submission refused on a field" if found else "submission short of attachments"] += 1


def test_both_stages_were_compared_on_refusals_and_acceptances():
    """The property above is not vacuous: drafts were refused and saved, and saved ones were
    refused at submission for their fields (not only for missing attachments)."""
    assert all(COMPARED[k] > 0 for k in ("draft refused", "draft saved",
                                         "submission refused on a field")), COMPARED
