"""The real deployment files of this repository, read once, and what they may refer to."""
from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import tomllib
from pathlib import Path

from plumbing.cli import subcommands as titles_subcommands
from tests.deploy.compose_checks import Known, load_compose, nameko_services

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
PG_INIT = ROOT / "deploy" / "compose" / "postgres-init.sh"
# What the Dockerfile's builder copies from each services/<name>/ into the image.
SERVICE_RUNTIME_FILES = ("config.yml", "alembic.ini", "migrations")

COMPOSE_FILE = load_compose(COMPOSE.read_text(encoding="utf-8"))
COMPOSE_SERVICES = sorted(COMPOSE_FILE["services"])
NAMEKO_SERVICES = sorted(nameko_services(COMPOSE_FILE))


def _project_console_scripts() -> frozenset[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    canon = lambda n: re.sub(r"[-_.]+", "-", n).lower()  # noqa: E731 (PEP 503 name)
    deps = {canon(re.match(r"[A-Za-z0-9._-]+", d)[0]) for d in project["dependencies"]}
    scripts = {ep.name for ep in importlib.metadata.entry_points(group="console_scripts")
               if ep.dist is not None and canon(ep.dist.name) in deps}
    return frozenset(scripts | set(project.get("scripts", {})))


def _module_exists(target: str) -> bool:
    """`package.module` or `package.module:ServiceClass` (the class is not checked)."""
    top, *rest = target.split(":")[0].split(".")
    spec = importlib.util.find_spec(top)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return spec is not None and not rest
    for location in spec.submodule_search_locations:
        base = Path(location).joinpath(*rest)
        if not rest or base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return True
    return False



def known() -> Known:
    """What a command of our image may name: the project's console scripts, `titles`
    subcommands, repository files and service modules."""
    return Known(_project_console_scripts(), titles_subcommands(),
                 lambda p: (ROOT / p).exists(), _module_exists)


def needed_in_image() -> list[str]:
    services = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "config.yml").exists())
    return (["pyproject.toml", "constraints.txt", "contracts", "plumbing", "seasons/2019.yaml",
             "deploy/sample", "deploy/build/with-ca.sh"]
            + [f"services/{s}/{f}" for s in services for f in SERVICE_RUNTIME_FILES]
            + [f"services/{s}/{s}/__init__.py" for s in services])
