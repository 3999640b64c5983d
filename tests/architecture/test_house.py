"""The house every service is built as (docs/services.md, "How every service is built"), checked
for all four at once: the service class is only the sum of its areas; each area class states the
dependencies it uses (taken from its `dependencies` module), calls no method of a sibling area,
and defines no name another area defines (in a composed class the first base would silently
win); no area module executes SQL (that is the store's); and no module is over 400 lines nor
any class over 250, migrations excepted."""
from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import textwrap
from pathlib import Path

import pytest
from nameko.extensions import DependencyProvider

from plumbing.config import ROOT, SERVICES

MAX_MODULE_LINES, MAX_CLASS_LINES = 400, 250


def areas_of(service: str) -> list[type]:
    cls = getattr(importlib.import_module(f"{service}.service"), f"{service.capitalize()}Service")
    # plumbing's mixins (health, metrics) are the same in every service, not areas of it
    return [area for area in cls.__bases__ if not area.__module__.startswith("plumbing.")]


def templates_of(service: str) -> dict[str, DependencyProvider]:
    deps = importlib.import_module(f"{service}.dependencies")
    return {name: value for name, value in vars(deps).items()
            if isinstance(value, DependencyProvider)}


def own_names(cls) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("__")}


AREAS = [(service, area) for service in SERVICES for area in areas_of(service)]


def area_id(pair) -> str:
    return f"{pair[0]}.{pair[1].__name__}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_class_only_composes(service):
    cls = getattr(importlib.import_module(f"{service}.service"), f"{service.capitalize()}Service")
    assert own_names(cls) - {"name"} == set(), f"{cls.__name__} defines more than its name"
    assert cls.name == service


@pytest.mark.parametrize("service", SERVICES)
def test_no_two_areas_define_the_same_name_except_the_shared_dependencies(service):
    templates = templates_of(service)
    seen: dict[str, type] = {}
    for area in areas_of(service):
        for name in own_names(area):
            if name in seen:
                assert name in templates, f"{area.__name__}.{name} shadows {seen[name].__name__}"
                assert getattr(area, name) is getattr(seen[name], name)
            seen.setdefault(name, area)


@pytest.mark.parametrize("pair", AREAS, ids=area_id)
def test_each_area_takes_its_dependencies_from_the_one_declaration(pair):
    service, area = pair
    templates = templates_of(service)
    for name, value in vars(area).items():
        if isinstance(value, DependencyProvider):
            assert templates.get(name) is value, f"{area.__name__}.{name} is declared twice"


@pytest.mark.parametrize("pair", AREAS, ids=area_id)
def test_each_area_states_what_it_uses_and_calls_only_its_own_helpers(pair):
    service, area = pair
    tree = ast.parse(textwrap.dedent(inspect.getsource(area)))
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "self"}
    declared = own_names(area)
    assert used <= declared | {"name"}, f"{area.__name__} reaches for {used - declared}"


@pytest.mark.parametrize("pair", AREAS, ids=area_id)
def test_no_area_module_executes_sql(pair):
    _, area = pair
    tree = ast.parse(inspect.getsource(inspect.getmodule(area)))
    calls = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr == "execute"]
    assert calls == [], f"{area.__module__} executes SQL at lines {calls}"


def python_files() -> list[Path]:
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    return [ROOT / p for p in tracked if "/migrations/" not in p and (ROOT / p).exists()]


def oversized(paths: list[Path]) -> list[str]:
    """Modules over 400 lines and classes over 250, as `path: n lines` strings."""
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        if text.count("\n") > MAX_MODULE_LINES:
            found.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            length = getattr(node, "end_lineno", 0) - getattr(node, "lineno", 0) + 1
            if isinstance(node, ast.ClassDef) and length > MAX_CLASS_LINES:
                found.append(f"{name}:{node.lineno} class {node.name}: {length} lines")
    return found


def test_no_module_over_400_lines_and_no_class_over_250():
    assert oversized(python_files()) == []


def test_the_size_check_can_fail(tmp_path):
    big_class = tmp_path / "big_class.py"
    big_class.write_text("class Big:\n" + "".join(f"    x{i} = {i}\n"
                                                  for i in range(MAX_CLASS_LINES)))
    long_module = tmp_path / "long_module.py"
    long_module.write_text("".join(f"x{i} = {i}\n" for i in range(MAX_MODULE_LINES + 1)))
    fits = tmp_path / "fits.py"
    fits.write_text("class Small:\n    x = 1\n")
    assert oversized([big_class, long_module, fits]) == [
        f"{big_class}:1 class Big: {MAX_CLASS_LINES + 1} lines",
        f"{long_module}: {MAX_MODULE_LINES + 1} lines"]
