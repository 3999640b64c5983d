"""Static checks of what makes the compose deployment safe to run (hardening_checks.py), on the
real files: logs rotated and limits on every container, pinned images behind variables, secrets
only as files, health checks of each container's own process, the proxy in front of intake, a
supported RabbitMQ, pg_dump matching the server, backups outside the volumes. The live test
(tests/deploy/live/) runs the deployment; these cover every container and the official images it
replaces with stand-ins."""
from __future__ import annotations

import re
import tomllib

from plumbing import settings
from tests.deploy.hardening_checks import (backup_problems, image_pin_problems, limit_problems,
                                           logging_problems, own_process_problems,
                                           pg_client_problems, production_problems,
                                           proxy_problems, rabbitmq_problems, secret_problems)
from tests.deploy.repository import DOCKERFILE, ENV_EXAMPLE, ROOT

# RabbitMQ's community support covers the latest minor series only (rabbitmq.com, release
# information); 4.1 is the oldest this deployment accepts.
SUPPORTED_RABBITMQ = (4, 1)
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_every_container_rotates_its_logs(compose):
    assert logging_problems(compose) == []


def test_every_container_has_cpu_and_memory_limits(compose):
    assert limit_problems(compose) == []


def test_every_image_is_a_pinned_variable_and_ours_carries_the_version(compose):
    assert image_pin_problems(compose, VERSION) == []


def test_no_secret_is_an_environment_value(compose):
    assert secret_problems(compose) == []


def test_health_checks_ask_the_containers_own_process(compose):
    assert own_process_problems(compose) == []


def test_every_process_of_ours_runs_the_production_settings_check(compose):
    assert production_problems(compose) == []


def test_intake_is_reached_through_the_proxy_with_intakes_upload_limit(compose):
    template = (ROOT / "deploy" / "proxy" / "titles.conf.template").read_text(encoding="utf-8")
    assert proxy_problems(compose, template) == []


def test_rabbitmq_is_a_supported_release(compose):
    assert rabbitmq_problems(compose, SUPPORTED_RABBITMQ) == []


def test_the_image_dumps_with_the_servers_pg_dump(compose, stages):
    runs = " ".join(args for op, args in stages[-1].instructions if op == "RUN")
    assert pg_client_problems(compose, runs) == []


def test_backups_survive_down_v(compose):
    assert backup_problems(compose) == []


def test_the_dockerfile_fetches_no_frontend_and_takes_its_base_as_an_argument(stages):
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert not re.search(r"^#\s*syntax\s*=", text, re.MULTILINE | re.IGNORECASE)
    assert re.search(r"^ARG PYTHON_IMAGE=\S+", text, re.MULTILINE)
    assert all(stage.base == "${PYTHON_IMAGE}" for stage in stages)
    assert "--mount=type=secret,id=ca_bundle" in text  # the proxy's CA, never in a layer


def test_env_example_holds_no_secret_and_its_placeholders_are_refused():
    """Secrets are files (deploy/make-secrets.sh); what .env.example leaves to the operator is a
    CHANGE-ME the settings check refuses, so nobody deploys an example by accident."""
    values = dict(line.split("=", 1) for line in ENV_EXAMPLE.read_text(encoding="utf-8")
                  .splitlines() if "=" in line and not line.startswith("#"))
    secrets = [k for k in values if re.search(r"(PASSWORD|SECRET|_KEY|^PII_KEY)$", k)
               and k != "S3_ACCESS_KEY"]
    assert secrets == []
    placeholders = {k for k, v in values.items() if "CHANGE-ME" in v}
    assert placeholders == {"S3_PUBLIC_ENDPOINT", "VERIFY_URL_BASE", "PORTAL_URL", "SMTP_HOST"}

    def nowhere(host):
        raise OSError(host)

    refused = {p.field for p in settings.problems(values, resolve=nowhere)}
    assert placeholders <= refused
