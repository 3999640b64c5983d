"""Reading a service's nameko `config.yml` the way `nameko run` does (env substitution)."""
from __future__ import annotations

import os
from pathlib import Path

import yaml

# The repository (or, in the image, /app): where services/*/config.yml and migrations live.
ROOT = Path(os.environ.get("TITLES_ROOT") or Path(__file__).resolve().parent.parent)
SERVICES = ("intake", "review", "documents", "notify")


def config_path(service: str) -> Path:
    return ROOT / "services" / service / "config.yml"


def load(service: str, overrides: dict | None = None) -> dict:
    """The service's config with `${VAR:default}` resolved from the environment."""
    from nameko.cli.main import setup_yaml_parser  # imports pkg_resources: keep it lazy

    setup_yaml_parser()
    with open(os.environ.get(f"{service.upper()}_CONFIG", config_path(service))) as f:
        config = yaml.safe_load(f)
    config.update(overrides or {})
    return config
