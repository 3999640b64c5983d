"""Static checks of how ops run the system with Docker: docker-compose.yml, .env.example, the
services' config.yml and the compose helper scripts (README, "With Docker"; docs/operations.md).

The live test (tests/deploy/live/, CI) starts the deployment on a real engine; these read the
files, through the pure checks of compose_checks.py (each of which test_checks_can_fail.py shows
failing on a broken example), for what one run cannot see: every service, every variable, every
command. The Dockerfile and .dockerignore: test_image.py; hardening: test_hardening.py.
"""
from __future__ import annotations

import subprocess

import pytest

from tests.deploy.compose_checks import (argv_of, command_problems, config_settings,
                                         database_problems, depends_on_problems,
                                         environment_of, healthcheck_problems, image_problems,
                                         mount_problems, our_image, restart_problems,
                                         undefined_variable_problems, unset_setting_problems,
                                         unused_variable_problems)
from tests.deploy.repository import COMPOSE_SERVICES, NAMEKO_SERVICES, PG_INIT, ROOT


def test_compose_file_parses_and_runs_the_four_services(compose):
    assert NAMEKO_SERVICES == ["documents", "intake", "notify", "review"]


def test_every_long_running_service_has_a_healthcheck(compose):
    assert healthcheck_problems(compose) == []


def test_every_service_has_a_restart_policy(compose):
    assert restart_problems(compose) == []


def test_every_depends_on_names_an_existing_service_with_a_condition(compose):
    assert depends_on_problems(compose) == []


def test_every_required_compose_variable_is_in_env_example(compose, env_names):
    assert undefined_variable_problems(compose, env_names) == []


def test_env_example_sets_only_variables_compose_reads(compose, env_names):
    assert unused_variable_problems(compose, env_names) == []


@pytest.mark.parametrize("service", NAMEKO_SERVICES)
def test_compose_sets_every_setting_whose_default_is_unusable(compose, service):
    svc = compose["services"][service]
    argv = argv_of(svc["command"])
    config = ROOT / argv[argv.index("--config") + 1]
    settings = config_settings(config.read_text(encoding="utf-8"))
    assert unset_setting_problems(settings, environment_of(svc)) == []


@pytest.mark.parametrize("service", COMPOSE_SERVICES)
def test_commands_refer_to_things_that_exist(compose, known, service):
    svc = compose["services"][service]
    if svc.get("image") != our_image(compose):  # an upstream image
        assert mount_problems(svc, lambda p: (ROOT / p).exists()) == []
        return
    commands = [argv_of(svc.get("command")), argv_of((svc.get("healthcheck") or {}).get("test"))]
    assert [p for c in commands if c for p in command_problems(c, known)] == []


def test_the_four_services_and_the_jobs_run_the_one_image(compose):
    assert image_problems(compose) == []


def test_postgres_init_creates_the_database_each_service_uses(compose):
    assert database_problems(compose, PG_INIT.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("script", sorted([*(ROOT / "deploy").rglob("*.sh"),
                                            *(ROOT / "tests" / "deploy" / "live").rglob("*.sh")]),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_compose_helper_scripts_are_valid_shell(script):
    shell = "bash" if "bash" in script.read_text(encoding="utf-8").splitlines()[0] else "sh"
    result = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
