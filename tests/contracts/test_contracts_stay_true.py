"""The contracts are only worth reading if they are true: the README's diagram and event table
show exactly the events of `contracts.events`, and every RPC method of `contracts.rpc` is served
by its service with the arguments the contract names."""
from __future__ import annotations

import importlib
import inspect
import re

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.rpc import Rpc as RpcEntrypoint

from contracts import events, rpc
from plumbing.config import ROOT
from plumbing.local import SERVICE_CLASSES

README = (ROOT / "README.md").read_text(encoding="utf-8")
EDGE = re.compile(r'^\s+(\w+) -- "([a-z_]+(?:<br>[a-z_]+)*)" --> (\w+)\s*$', re.M)


def contract_edges() -> set[tuple[str, str, str]]:
    return {(e.source, e.name, s) for e in events.ALL for s in e.subscribers}


def diagram_edges(text: str) -> set[tuple[str, str, str]]:
    diagram = text[text.index("```mermaid"):]
    diagram = diagram[:diagram.index("```", 10)]
    return {(a, name, b) for a, names, b in EDGE.findall(diagram) for name in names.split("<br>")}


def test_readme_diagram_shows_every_event_edge_and_no_other():
    assert diagram_edges(README) == contract_edges()


def test_diagram_reader_sees_a_missing_edge():
    assert diagram_edges('```mermaid\n  intake -- "a<br>b" --> review\n```') == {
        ("intake", "a", "review"), ("intake", "b", "review")}


def test_readme_event_table_names_every_event():
    table = [line for line in README.splitlines() if line.startswith("| `")]
    missing = [e.name for e in events.ALL if not any(f"`{e.name}`" in row for row in table)]
    assert missing == []


def service_class(service: str):
    module, cls = SERVICE_CLASSES[service].split(":")
    return getattr(importlib.import_module(module), cls)


def rpc_methods(service: str) -> dict[str, tuple[str, ...]]:
    cls = service_class(service)
    served = {}
    for name, member in inspect.getmembers(cls):
        if any(isinstance(ext, RpcEntrypoint)
               for ext in getattr(member, ENTRYPOINT_EXTENSIONS_ATTR, ())):
            params = inspect.signature(inspect.unwrap(member)).parameters
            served[name] = tuple(p for p in params if p != "self")
    return served


METHODS = [m for m in vars(rpc).values() if isinstance(m, rpc.Method)]


@pytest.mark.parametrize("method", METHODS, ids=lambda m: f"{m.service}.{m.name}")
def test_every_rpc_in_the_contract_is_served_with_its_arguments(method):
    served = rpc_methods(method.service)
    assert method.name in served, f"{method.service} serves no RPC {method.name}"
    assert served[method.name][:len(method.args)] == method.args
