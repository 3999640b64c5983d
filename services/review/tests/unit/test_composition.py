"""`ReviewService` is only the sum of its areas: each area class states the dependencies it uses,
calls no method of a sibling area, no two areas define the same name (in a composed class the
first base would silently win), and no area module executes SQL (that is `review.store`'s)."""
from __future__ import annotations

import ast
import inspect
import textwrap

import pytest
from nameko.extensions import DependencyProvider

from plumbing.health import HealthMixin
from review import dependencies
from review.service import ReviewService

AREAS = [cls for cls in ReviewService.__bases__ if cls is not HealthMixin]
TEMPLATES = {name for name, value in vars(dependencies).items()
             if isinstance(value, DependencyProvider)}


def own_names(cls) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("__")}


def test_no_two_areas_define_the_same_name_except_the_shared_dependencies():
    seen: dict[str, type] = {}
    for area in AREAS:
        for name in own_names(area):
            if name in seen:
                assert name in TEMPLATES, f"{area.__name__}.{name} shadows {seen[name].__name__}"
                assert getattr(area, name) is getattr(seen[name], name)
            seen.setdefault(name, area)


def test_every_dependency_template_is_declared_once_in_dependencies():
    for area in AREAS:
        for name, value in vars(area).items():
            if isinstance(value, DependencyProvider):
                assert getattr(dependencies, name) is value, f"{area.__name__}.{name}"


@pytest.mark.parametrize("area", AREAS, ids=lambda a: a.__name__)
def test_each_area_states_what_it_uses_and_calls_only_its_own_helpers(area):
    tree = ast.parse(textwrap.dedent(inspect.getsource(area)))
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "self"}
    declared = own_names(area)
    assert {name for name in used if name in TEMPLATES} <= declared
    assert used <= declared | {"name"}, f"{area.__name__} reaches for {used - declared}"


@pytest.mark.parametrize("area", AREAS, ids=lambda a: a.__module__)
def test_no_area_module_executes_sql(area):
    tree = ast.parse(inspect.getsource(inspect.getmodule(area)))
    calls = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr == "execute"]
    assert calls == [], f"{area.__module__} executes SQL at lines {calls}"
