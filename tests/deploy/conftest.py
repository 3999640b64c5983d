"""Fixtures of the deployment checks: the real files, parsed once per module."""
from __future__ import annotations

import pytest

from tests.deploy import repository
from tests.deploy.compose_checks import Known, env_file_names
from tests.deploy.image_checks import Stage, dockerfile_stages


@pytest.fixture(scope="module")
def compose() -> dict:
    return repository.COMPOSE_FILE


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return dockerfile_stages(repository.DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def env_names() -> set[str]:
    return env_file_names(repository.ENV_EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def known() -> Known:
    return repository.known()
