"""Contract testing (issue #12): schemathesis against the served `/openapi.json`, with the four
services running on real RabbitMQ, PostgreSQL, S3 and SMTP (their own cluster: what the fuzzing
creates — sanctions, templates, calendars — stays out of the other system tests).

Every operation of the document is called with positive and negative data drawn from its
schemas, by each role its `x-roles` allows in turn, half of the positive cases on the seeded
world (`tests/contract/seeds.py`) so that each is reached past authorisation; every answer is
held to the document: no server error, no dropped connection, a documented status, content type,
headers and body schema, and negative data refused. Then the applicant's flow is run as a
state machine along the document's OpenAPI links. A role outside `x-roles` never gets a 2xx.
The run prints how many cases each operation got (and by which role); `CONTRACT_EXAMPLES`
bounds the examples per operation (CI time: measured in the README); `CONTRACT_SEED` picks the
cases (the same every run by default, so that CI is repeatable: vary it to explore).
"""
from __future__ import annotations

import itertools
import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_headers_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from intake.http.openapi import document
from tests.contract import seeds as world
from tests.contract.tally import TALLY, reached
from tests.support.applications import body, for_token

pytestmark = pytest.mark.system

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]
ROLES = ("applicant", "unit_reviewer", "department_reviewer", "committee_secretary", "expert",
         "admin")
OPERATIONS = {op["operationId"]: op for item in document()["paths"].values()
              for method, op in item.items() if method in ("get", "put", "post", "patch",
                                                           "delete")}
# The applicant's flow from a created application. (Confirming a presigned upload needs the
# browser's upload first: it is fuzzed per operation; with it here, schemathesis would start
# scenarios from the presign instead of from creating an application.)
APPLICANT_FLOW = ["create_application", "get_application", "patch_application",
                  "upload_attachment", "presign_attachment", "draft_form", "submit",
                  "get_history", "list_versions", "list_notifications", "withdraw",
                  "download_attachment"]
NOBODY = "00000000-0000-0000-0000-000000000000"
SEED = int(os.environ.get("CONTRACT_SEED", "2019"))  # the same cases every run; vary to explore
SETTINGS = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink])


class Contract:
    def __init__(self, schema, seeds: world.Seeds):
        self.schema, self.seeds = schema, seeds
        self.operations = {r.ok().definition.raw["operationId"]: r.ok()
                           for r in schema.get_all_operations()}

    def headers(self, role: str) -> dict:
        token = self.seeds.tokens[role]
        return {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, operation_id: str, case, role: str, seeded: bool):
        # a case whose headers are the negative data (the token missing or malformed) is sent as
        # drawn: adding the token would make it valid
        headers = {} if negated(case, ParameterLocation.HEADER) else self.headers(role)
        response = case.call(headers=headers, timeout=60)
        TALLY.record(operation_id, role, response.status_code, seeded)
        checks = CHECKS if not only_a_harmless_body_negated(case) else [
            c for c in CHECKS if c is not negative_data_rejection]
        case.validate_response(response, checks=checks, headers=headers)
        return response


@pytest.fixture(scope="module")
def contract(loaded):
    seeds = world.build(loaded)
    return Contract(load_schema(loaded.api.base), seeds)


def load_schema(base: str):
    """The served document; the stateful phase follows its OpenAPI links only (no links
    inferred from names, which would make creating an application a step instead of a start)."""
    config = SchemathesisConfig.from_dict({"phases": {"stateful": {"inference": {
        "algorithms": []}}}})
    return schemathesis.openapi.from_url(base + "/openapi.json", config=config)


def only_a_harmless_body_negated(case) -> bool:
    """A "negative" body that is no such thing on the wire: any bytes are a JPEG upload's body
    (documents judges the picture), and an empty body is no body where one is optional."""
    others = (ParameterLocation.PATH, ParameterLocation.QUERY, ParameterLocation.HEADER)
    if not negated(case, ParameterLocation.BODY) or any(negated(case, loc) for loc in others):
        return False
    definition = case.operation.definition.raw.get("requestBody") or {}
    binary = "application/json" not in (definition.get("content") or {})
    empty = not isinstance(case.body, (dict, list, int, float, bool)) and not str(
        case.body if isinstance(case.body, (str, bytes)) else "").strip()
    return binary or (empty and not definition.get("required"))


def negated(case, location) -> bool:
    component = case.meta.components.get(location) if case.meta else None
    return component is not None and component.mode == GenerationMode.NEGATIVE


def run_operation(contract: Contract, operation_id: str, examples: int = EXAMPLES) -> None:
    """Positive cases (explicit examples included) by each allowed role in turn, every other one
    on the seeded ids; then negative ones."""
    op = contract.operations[operation_id]
    roles = op.definition.raw["x-roles"]
    names = [p.name for p in op.path_parameters]
    turn = itertools.count()
    positive = op.as_strategy(GenerationMode.POSITIVE)
    examples_of = op.get_strategies_from_examples()
    if examples_of:
        positive = st.one_of(*examples_of, positive)

    @seed(SEED)
    @settings(max_examples=examples, **SETTINGS)
    @given(case=st.one_of(positive, op.as_strategy(GenerationMode.NEGATIVE)))
    def fuzz(case):
        n = next(turn)
        role = roles[n % len(roles)]
        seeded = n % 2 == 0 and not negated(case, ParameterLocation.PATH)
        if seeded:
            case.path_parameters = {**(case.path_parameters or {}),
                                    **contract.seeds.path_parameters(operation_id, role, names)}
            if not negated(case, ParameterLocation.BODY):
                case.body = contract.seeds.body(operation_id, case.body)
        contract.call(operation_id, case, role, seeded)

    fuzz()


@pytest.mark.parametrize("operation_id", list(OPERATIONS))
def test_every_operation_keeps_the_contract(contract, operation_id):
    if operation_id not in contract.operations:  # the document itself: schemathesis skips it
        response = requests.get(contract.schema.get_base_url() + "/openapi.json", timeout=60)
        TALLY.record(operation_id, "public", response.status_code, False)
        assert response.status_code == 200 and response.json()["paths"]
        return
    run_operation(contract, operation_id)


@pytest.mark.parametrize("operation_id", [o for o, op in OPERATIONS.items()
                                          if op["x-roles"] != ["public"]])
def test_a_role_outside_x_roles_gets_no_2xx(contract, operation_id):
    op = contract.operations[operation_id]
    allowed = op.definition.raw["x-roles"]
    names = [p.name for p in op.path_parameters]
    for role in (r for r in ROLES if r not in allowed):
        params = {name: NOBODY for name in names}  # a role that lacks a seed of its own
        params.update(contract.seeds.path_parameters(operation_id, role, names))
        case = op.Case(path_parameters=params)
        response = case.call(headers=contract.headers(role), timeout=60)
        assert response.status_code in (403, 404), (operation_id, role, response.status_code)


def test_the_applicant_flow_along_the_openapi_links(contract):
    """Stateful: from a created application (a valid body, a fresh ID number each time) along
    the links to reading, saving, uploading, printing 附件1, submitting and withdrawing."""
    schema = contract.schema.include(operation_id=APPLICANT_FLOW)
    applicant = contract.headers("applicant")
    token = contract.seeds.tokens["applicant"]

    class Flow(schema.as_state_machine()):
        def before_call(self, case):
            if case.operation.definition.raw["operationId"] == "create_application" \
                    and case.meta.generation.mode == GenerationMode.POSITIVE:
                case.body = for_token(token, body())

        def get_call_kwargs(self, case):
            return {"headers": applicant, "timeout": 60}

        def after_call(self, response, case):
            TALLY.record(case.operation.definition.raw["operationId"], "applicant",
                         response.status_code, True, stateful=True)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, headers=applicant)

    Flow.run(settings=settings(max_examples=int(os.environ.get("CONTRACT_FLOWS", "8")),
                               stateful_step_count=6, **SETTINGS))
    assert TALLY.stateful_calls("get_application") > 0  # a created application was followed


def test_every_operation_was_reached_by_a_role_allowed_to_call_it(contract):
    missing = [o for o in OPERATIONS if not reached(o)]
    assert not missing, f"never past authorisation: {missing}"
