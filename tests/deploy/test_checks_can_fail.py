"""Every deployment check can fail: each is fed a broken example and must report it."""
from __future__ import annotations

import pytest

from tests.deploy.compose_checks import (Known, command_problems, config_settings,
                                         database_problems, depends_on_problems,
                                         healthcheck_problems, image_problems, mount_problems,
                                         restart_problems, undefined_variable_problems,
                                         unset_setting_problems, unused_variable_problems)
from tests.deploy.hardening_checks import (backup_problems, image_pin_problems, limit_problems,
                                           logging_problems, own_process_problems,
                                           pg_client_problems, production_problems,
                                           proxy_problems, rabbitmq_problems, secret_problems)
from tests.deploy.image_checks import (dockerfile_stages, dockerignore_problems,
                                       multi_stage_problems, non_root_problems,
                                       runtime_package_problems)


def _svc(**fields) -> dict:
    return {"restart": "unless-stopped", "healthcheck": {"test": ["CMD", "true"]}, **fields}


def _compose(**services) -> dict:
    return {"services": services}


_KNOWN = Known(frozenset({"nameko", "titles"}), frozenset({"migrate"}),
               lambda p: p == "services/intake/config.yml", lambda m: m == "intake.service")
_DOCKERFILE_ROOT = dockerfile_stages("FROM python AS b\nRUN true\nFROM python\nUSER root\n")

BROKEN = [
    pytest.param(healthcheck_problems, _compose(web=_svc(healthcheck=None)),
                 "no healthcheck", id="long-running service without healthcheck"),
    pytest.param(restart_problems, _compose(job={"restart": False}),
                 "not a policy", id="restart: no unquoted"),
    pytest.param(restart_problems, _compose(web={}), "not a policy", id="no restart policy"),
    pytest.param(depends_on_problems, _compose(web=_svc(depends_on=["db"]), db=_svc()),
                 "no condition", id="depends_on short form"),
    pytest.param(depends_on_problems,
                 _compose(web=_svc(depends_on={"dbb": {"condition": "service_healthy"}})),
                 "no such service", id="depends_on unknown service"),
    pytest.param(depends_on_problems,
                 _compose(web=_svc(depends_on={"db": {"condition": "service_started"}}), db=_svc()),
                 "condition", id="depends_on service_started"),
    pytest.param(depends_on_problems,
                 _compose(web=_svc(depends_on={"db": {"condition": "service_healthy"}}),
                          db={"restart": "always"}),
                 "never checked", id="waits for health of a service without healthcheck"),
    pytest.param(depends_on_problems,
                 _compose(web=_svc(depends_on={
                     "db": {"condition": "service_completed_successfully"}}), db=_svc()),
                 "long-running", id="waits for a long-running service to exit"),
    pytest.param(lambda c: undefined_variable_problems(c, {"B"}),
                 _compose(web=_svc(environment={"X": "${A}-${B}-${C:-c}-${D:?set D}"})),
                 "${A}", id="variable without default missing from env example"),
    pytest.param(lambda c: undefined_variable_problems(c, {"A", "B"}),
                 _compose(web=_svc(environment={"X": "${A}-${B}-${C:-c}-${D:?set D}"})),
                 "${D}", id="required variable missing from env example"),
    pytest.param(lambda c: unused_variable_problems(c, {"A", "STALE"}),
                 _compose(web=_svc(environment={"X": "${A}"})),
                 "STALE", id="env example variable compose never reads"),
    pytest.param(lambda s: unset_setting_problems(s, {"AMQP_URI": "x"}),
                 config_settings("A: ${AMQP_URI:pyamqp://localhost}\nB: ${JWT_KEY:dev}\n"),
                 "JWT_KEY", id="secret with a default not set in compose"),
    pytest.param(lambda s: unset_setting_problems(s, {}),
                 config_settings("D: ${DATABASE_URL:sqlite:///var/x.db}\n"),
                 "DATABASE_URL", id="sqlite default not set in compose"),
    pytest.param(lambda s: unset_setting_problems(s, {}), config_settings("E: ${SMS_ENDPOINT:}\n"),
                 "SMS_ENDPOINT", id="empty default not set in compose"),
    pytest.param(lambda a: command_problems(a, _KNOWN), ["titles", "migrat", "intake"],
                 "no such subcommand", id="unknown titles subcommand"),
    pytest.param(lambda a: command_problems(a, _KNOWN), ["celery", "worker"],
                 "not a console script", id="unknown program"),
    pytest.param(lambda a: command_problems(a, _KNOWN),
                 ["nameko", "run", "--config", "services/intake/config.yaml", "intake.service"],
                 "no such file", id="nameko config path that does not exist"),
    pytest.param(lambda a: command_problems(a, _KNOWN),
                 ["nameko", "run", "--config", "services/intake/config.yml", "intake.services"],
                 "no such module", id="nameko service module that does not exist"),
    pytest.param(lambda s: mount_problems(s, lambda p: False),
                 {"volumes": ["./deploy/compose/gone.sh:/x.sh:ro"], "entrypoint": ["sh", "/y.sh"]},
                 "not mounted", id="entrypoint script not mounted"),
    pytest.param(image_problems,
                 _compose(a=_svc(image="t", build=".", command=["titles", "topology"]),
                          b=_svc(image="t", build={"context": ".", "dockerfile": "Other"},
                                 command="nameko run --config c x.service")),
                 "not built from ./Dockerfile", id="service built from another Dockerfile"),
    pytest.param(image_problems,
                 _compose(a=_svc(image="t1", build=".", command=["titles", "topology"]),
                          b=_svc(image="t2", pull_policy="never", command=["titles", "buckets"])),
                 "different images", id="services of ours name different images"),
    pytest.param(image_problems,
                 _compose(a=_svc(image="t", build=".", command=["titles", "topology"]),
                          b=_svc(image="t", build=".", command=["titles", "buckets"])),
                 "2 services build", id="our image built once per service"),
    pytest.param(image_problems,
                 _compose(a=_svc(image="t", build=".", command=["titles", "topology"]),
                          b=_svc(image="t", command=["titles", "buckets"])),
                 "pull_policy", id="our image pulled from a registry"),
    pytest.param(multi_stage_problems, dockerfile_stages("FROM python\nUSER app\n"),
                 "stage", id="single-stage Dockerfile"),
    pytest.param(non_root_problems, _DOCKERFILE_ROOT, "runs as 'root'", id="final USER root"),
    pytest.param(non_root_problems, dockerfile_stages("FROM a AS b\nUSER 1000\nFROM c\nRUN x\n"),
                 "no USER", id="USER only in the builder stage"),
    pytest.param(runtime_package_problems,
                 dockerfile_stages("FROM a\nRUN apt-get install -y \\\n  poppler-utils\n"),
                 "fonts-wqy-microhei", id="runtime without the Chinese font"),
    pytest.param(lambda p: dockerignore_problems(p, ["services/intake/config.yml"], []),
                 ["services/*/config.yml"], "needs it", id="dockerignore drops a config"),
    pytest.param(lambda p: dockerignore_problems(p, ["seasons/2019.yaml"], []),
                 ["seasons", "!seasons/*.yml"], "needs it", id="dockerignore drops a season file"),
    pytest.param(lambda p: dockerignore_problems(p, [], [".env"]), [".venv", "!.env"],
                 "secret", id="dockerignore sends .env"),
    pytest.param(lambda c: database_problems(c, "for svc in intake review; do"),
                 _compose(notify=_svc(environment={
                     "DATABASE_URL": "postgresql+psycopg2://notify:pw@postgres:5432/notify"})),
                 "not created", id="database the init script does not create"),
    pytest.param(lambda c: database_problems(c, "for svc in intake; do"),
                 _compose(postgres=_svc(environment={
                     "INTAKE_DB_PASSWORD_FILE": "/run/secrets/intake_db_password"}),
                     intake=_svc(environment={
                         "DATABASE_URL": "postgresql+psycopg2://intake@postgres:5432/intake"})),
                 "password is not the file", id="DATABASE_URL without its password file"),
    pytest.param(logging_problems, _compose(web=_svc(logging={"driver": "json-file"})),
                 "not rotated", id="logs not rotated"),
    pytest.param(limit_problems, _compose(web=_svc(deploy={"resources": {"limits": {
        "cpus": "1"}}})), "memory", id="no memory limit"),
    pytest.param(lambda c: image_pin_problems(c, "0.1.0"),
                 _compose(db=_svc(image="postgres:16-alpine")), "not a ${VARIABLE",
                 id="image that is not a variable"),
    pytest.param(lambda c: image_pin_problems(c, "0.1.0"),
                 _compose(mq=_svc(image="${RABBITMQ_IMAGE:-rabbitmq:3.13-management}")),
                 "not pinned", id="image on a moving tag"),
    pytest.param(lambda c: image_pin_problems(c, "0.1.0"),
                 _compose(app=_svc(image="titles:latest", build={"args": {
                     "PYTHON_IMAGE": "${PYTHON_IMAGE:-python:3.11.13-slim}"}})),
                 "TITLES_VERSION", id="our image on latest"),
    pytest.param(secret_problems, _compose(app=_svc(environment={"JWT_KEY": "${JWT_KEY:?}"})),
                 "use JWT_KEY_FILE", id="secret as an environment value"),
    pytest.param(secret_problems, _compose(app=_svc(environment={
        "AMQP_URI": "pyamqp://titles:${RABBITMQ_PASSWORD}@rabbitmq//"})),
                 "password in its URL", id="password inside a URL"),
    pytest.param(secret_problems, {"services": {"app": _svc(
        environment={"PII_KEY_FILE": "/run/secrets/pii_key"}, secrets=["jwt_key"])},
        "secrets": {"jwt_key": {"file": "x"}}}, "does not mount", id="secret file not mounted"),
    pytest.param(own_process_problems, _compose(review=_svc(
        command="nameko run --config c review.service",
        healthcheck={"test": ["CMD", "titles", "health", "review"]})),
                 "over the broker", id="health check over the broker"),
    pytest.param(own_process_problems, _compose(review=_svc(
        command="nameko run --config c review.service", environment={
            "HEARTBEAT_FILE": "/tmp/a"},
        healthcheck={"test": ["CMD", "titles", "health", "review", "--heartbeat", "/tmp/b"]})),
                 "the process writes", id="heartbeat file the process does not write"),
    pytest.param(own_process_problems, _compose(intake=_svc(
        command="nameko run --config c intake.service",
        healthcheck={"test": ["CMD", "titles", "health", "intake", "--url",
                              "http://intake:8000/health"]})),
                 "not its own port", id="health check of another container's port"),
    pytest.param(production_problems, _compose(app=_svc(build=".", environment={})),
                 "not production", id="process of ours without the settings check"),
    pytest.param(lambda c: proxy_problems(c, "client_max_body_size 20m;"),
                 _compose(intake=_svc(ports=["8000:8000"], environment={
                     "MAX_UPLOAD_BYTES": "1"}), proxy=_svc(environment={})),
                 "publishes a port", id="intake published beside the proxy"),
    pytest.param(lambda c: proxy_problems(c, "client_max_body_size 20m;"),
                 _compose(intake=_svc(environment={"MAX_UPLOAD_BYTES": "1"}),
                          proxy=_svc(environment={"MAX_UPLOAD_BYTES": "1"})),
                 "does not follow", id="proxy body limit fixed"),
    pytest.param(lambda c: rabbitmq_problems(c, (4, 1)),
                 _compose(rabbitmq=_svc(image="${RABBITMQ_IMAGE:-rabbitmq:3.13.7-management}")),
                 "older than", id="rabbitmq past support"),
    pytest.param(lambda c: pg_client_problems(c, "apt-get install postgresql-client-15"),
                 _compose(postgres=_svc(image="${POSTGRES_IMAGE:-postgres:16.4}")),
                 "postgresql-client-15", id="pg_dump older than the server"),
    pytest.param(backup_problems, _compose(backup=_svc(restart="no", volumes=[
        "backups:/backups"])), "named volume", id="backups on a named volume"),
    pytest.param(lambda c: database_problems(c, "for svc in intake; do"),
                 _compose(intake=_svc(environment={
                     "DATABASE_URL": "postgresql+psycopg2://intake:pw@localhost:5432/intake"})),
                 "is not", id="DATABASE_URL not on the postgres service"),
]


@pytest.mark.parametrize("check, broken, expected", BROKEN)
def test_checker_reports_broken_input(check, broken, expected):
    assert any(expected in problem for problem in check(broken)), check(broken)
