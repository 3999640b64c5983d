"""The deployment's settings check (plumbing/settings.py): secrets read from files, and under
TITLES_ENV=production every unsafe value refused by name, its value never printed."""
from __future__ import annotations

import base64
import subprocess
import sys

import pytest

from plumbing import settings
from plumbing.config import ROOT

GOOD_KEY = "k" * 40
PII = base64.b64encode(b"p" * 32).decode()


def resolves(host):
    if host in ("smtp.example.gov.cn", "postgres", "rabbitmq"):
        return [("ok",)]
    raise OSError(f"no such host {host}")


def good(**changes) -> dict:
    """A service's settings as a deployment runs them: everything safe."""
    values = {
        "JWT_KEY": GOOD_KEY, "JWT_ALGORITHMS": "HS256", "PII_KEY": PII,
        "DOCUMENT_SECRET": GOOD_KEY, "S3_ACCESS_KEY": "titles-app", "S3_SECRET_KEY": GOOD_KEY,
        "AMQP_URI": f"pyamqp://titles:{GOOD_KEY}@rabbitmq:5672//",
        "DATABASE_URL": f"postgresql+psycopg2://intake:{GOOD_KEY}@postgres:5432/intake",
        "VERIFY_URL_BASE": "https://zhicheng.example.gov.cn/verify",
        "PORTAL_URL": "https://zhicheng.example.gov.cn",
        "S3_PUBLIC_ENDPOINT": "https://zhicheng.example.gov.cn:9443",
        "MAIL_BACKEND": "smtp", "SMTP_HOST": "smtp.example.gov.cn",
        "MAIL_FROM": "zhicheng@example.gov.cn", "SMS_BACKEND": "log",
    }
    values.update(changes)
    return values


def refused(values, defaults=None) -> dict[str, str]:
    return {p.field: p.code for p in settings.problems(values, defaults, resolves)}


def test_a_safe_deployment_passes():
    assert refused(good()) == {}


@pytest.mark.parametrize("name, value, code", [
    ("JWT_KEY", "CHANGE-ME-jwt-secret-shared-with-the-platform", "SETTING_PLACEHOLDER"),
    ("JWT_KEY", "dev-only-secret-change-me", "SETTING_PLACEHOLDER"),
    ("JWT_KEY", "dev-only-secret-for-the-local-run-0123456789", "SETTING_DEV_DEFAULT"),
    ("JWT_KEY", "short-secret", "KEY_TOO_SHORT"),
    ("JWT_KEY", "", "SETTING_REQUIRED"),
    ("PII_KEY", base64.b64encode(b"p" * 16).decode(), "KEY_TOO_SHORT"),
    ("PII_KEY", "not base64 at all!", "KEY_MALFORMED"),
    ("DOCUMENT_SECRET", "x" * 20, "KEY_TOO_SHORT"),
    ("S3_SECRET_KEY", "minioadmin", "SETTING_DEV_DEFAULT"),
    ("S3_ACCESS_KEY", "minioadmin", "SETTING_DEV_DEFAULT"),
    ("AMQP_URI", "pyamqp://guest:guest@rabbitmq:5672//", "SETTING_DEV_DEFAULT"),
    ("AMQP_URI", "pyamqp://titles:shortpw@rabbitmq:5672//", "KEY_TOO_SHORT"),
    ("AMQP_URI", f"pyamqp://titles:{GOOD_KEY}@localhost:5672//", "ADDRESS_LOCAL"),
    ("DATABASE_URL", "sqlite:///var/intake.db", "DATABASE_NOT_POSTGRES"),
    ("VERIFY_URL_BASE", "http://zhicheng.example.gov.cn/verify", "ADDRESS_NOT_HTTPS"),
    ("VERIFY_URL_BASE", "https://localhost:8000/verify", "ADDRESS_LOCAL"),
    ("PORTAL_URL", "https://127.0.0.1", "ADDRESS_LOCAL"),
    ("PORTAL_URL", "", "SETTING_REQUIRED"),
    ("S3_PUBLIC_ENDPOINT", "localhost:9000", "ADDRESS_NOT_HTTPS"),
    ("S3_PUBLIC_ENDPOINT", "https://[::1]:9443", "ADDRESS_LOCAL"),
    ("S3_PUBLIC_ENDPOINT", "", "SETTING_REQUIRED"),
    ("SMTP_HOST", "mailpit", "HOST_UNDEFINED"),
    ("SMTP_HOST", "localhost", "ADDRESS_LOCAL"),
    ("MAIL_FROM", "zhicheng@localhost", "ADDRESS_LOCAL"),
    ("CLOCK_OFFSET_FILE", "/tmp/offset", "CLOCK_SHIFTED"),
    ("DRILL", "true", "DRILL_IN_PRODUCTION"),
])
def test_each_unsafe_value_is_refused_by_name(name, value, code):
    assert refused(good(**{name: value})) == {name: code}


def test_a_secret_equal_to_the_config_default_was_never_set():
    assert refused(good(JWT_KEY="x" * 40), defaults={"JWT_KEY": "x" * 40}) == {
        "JWT_KEY": "SETTING_DEV_DEFAULT"}


def test_asymmetric_tokens_need_a_pem_public_key():
    pem = "-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----\n"
    assert refused(good(JWT_ALGORITHMS="RS256", JWT_KEY=pem)) == {}
    assert refused(good(JWT_ALGORITHMS="RS256", JWT_KEY=GOOD_KEY)) == {"JWT_KEY": "KEY_MALFORMED"}


def test_mail_and_sms_are_checked_only_for_the_backend_that_uses_them():
    assert refused(good(MAIL_BACKEND="log", SMTP_HOST="mailpit")) == {}
    assert refused(good(SMS_BACKEND="aliyun", SMS_ACCESS_KEY_ID="id")) == {
        "SMS_ACCESS_KEY_SECRET": "SETTING_REQUIRED", "SMS_SIGN_NAME": "SETTING_REQUIRED"}


def test_every_problem_is_reported_at_once():
    found = refused(good(JWT_KEY="CHANGE-ME", PORTAL_URL="http://localhost", SMTP_HOST="mailpit"))
    assert found == {"JWT_KEY": "SETTING_PLACEHOLDER", "PORTAL_URL": "ADDRESS_NOT_HTTPS",
                     "SMTP_HOST": "HOST_UNDEFINED"}


def test_secrets_are_read_from_their_files(tmp_path):
    (tmp_path / "jwt").write_text("from-a-file\n")
    (tmp_path / "db").write_text("p@ss/word")
    environ = {"JWT_KEY_FILE": str(tmp_path / "jwt"), "DATABASE_PASSWORD_FILE": str(tmp_path / "db"),
               "DATABASE_URL": "postgresql+psycopg2://intake@postgres:5432/intake",
               "INTAKE_DATABASE_URL": "postgresql+psycopg2://intake@postgres:5432/intake",
               "INTAKE_DATABASE_PASSWORD": "pw2",
               "SSL_CERT_FILE": str(tmp_path / "jwt"), "CLOCK_OFFSET_FILE": "/nonexistent"}
    assert sorted(settings.apply(environ)) == ["DATABASE_PASSWORD", "JWT_KEY"]
    assert environ["JWT_KEY"] == "from-a-file"  # the final newline of `echo … >file` dropped
    assert environ["DATABASE_URL"] == "postgresql+psycopg2://intake:p%40ss%2Fword@postgres:5432/intake"
    assert environ["INTAKE_DATABASE_URL"] == "postgresql+psycopg2://intake:pw2@postgres:5432/intake"
    assert "SSL_CERT" not in environ and "CLOCK_OFFSET" not in environ  # paths stay paths


def test_an_unreadable_or_conflicting_secret_file_is_refused(tmp_path):
    (tmp_path / "jwt").write_text("one")
    with pytest.raises(settings.SettingsError) as caught:
        settings.apply({"JWT_KEY_FILE": str(tmp_path / "jwt"), "JWT_KEY": "another",
                        "PII_KEY_FILE": str(tmp_path / "missing")})
    assert {(p.field, p.code) for p in caught.value.problems} == {
        ("JWT_KEY", "SECRET_SET_TWICE"), ("PII_KEY", "SECRET_FILE_UNREADABLE")}


def test_outside_production_nothing_is_refused():
    environ = {"JWT_KEY": "CHANGE-ME"}
    assert settings.enforce(environ, None, "titles x") == 0
    environ["TITLES_ENV"] = "production"
    assert settings.enforce(environ, None, "titles x") == settings.EX_CONFIG


def test_a_service_is_checked_on_its_config_defaults(monkeypatch):
    """intake with nothing set falls back to config.yml's development values: all refused."""
    for name in list(settings.CHECKED) + ["DATABASE_PASSWORD", "AMQP_PASSWORD"]:
        monkeypatch.delenv(name, raising=False)
    values = settings.values_for("intake", {})
    found = {p.field: p.code for p in settings.problems(values, settings.config_defaults("intake"),
                                                         resolves)}
    assert found["JWT_KEY"] in ("SETTING_DEV_DEFAULT", "SETTING_PLACEHOLDER")
    assert found["PII_KEY"] in ("SETTING_DEV_DEFAULT", "SETTING_PLACEHOLDER")
    assert found["DATABASE_URL"] == "DATABASE_NOT_POSTGRES"
    assert found["S3_SECRET_KEY"] == "SETTING_DEV_DEFAULT"
    assert found["S3_PUBLIC_ENDPOINT"] == "SETTING_REQUIRED"


def test_the_entrypoint_refuses_before_running_and_names_each_variable_not_its_value():
    secret = "CHANGE-ME-a-value-that-must-not-be-printed"
    done = subprocess.run(
        [sys.executable, "-m", "plumbing.settings", "nameko", "run", "--config",
         "services/intake/config.yml", "intake.service:IntakeService"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"TITLES_ENV": "production", "JWT_KEY": secret, "PATH": "/usr/bin:/bin",
             "PYTHONPATH": str(ROOT)})
    assert done.returncode == settings.EX_CONFIG, done.stderr
    for name in ("JWT_KEY", "PII_KEY", "DATABASE_URL", "AMQP_URI", "S3_PUBLIC_ENDPOINT"):
        assert f"  {name} " in done.stderr, done.stderr
    assert secret not in done.stderr


def test_the_entrypoint_runs_the_command_when_the_settings_are_safe():
    done = subprocess.run([sys.executable, "-m", "plumbing.settings", "true"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={"TITLES_ENV": "production", "PATH": "/usr/bin:/bin",
                               "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr


def test_titles_applies_the_check_too(tmp_path):
    titles = [sys.executable, "-c", "import sys; from plumbing.cli import main; sys.exit(main())"]
    env = {"TITLES_ENV": "production", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
           "AMQP_URI": "pyamqp://guest:guest@rabbitmq:5672//"}
    done = subprocess.run([*titles, "topology"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == settings.EX_CONFIG and "AMQP_URI" in done.stderr, done.stderr
    heartbeat = tmp_path / "hb"
    heartbeat.write_text("{}")
    done = subprocess.run([*titles, "health", "review", "--heartbeat", str(heartbeat)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr  # a health check is not a start: not refused
    (tmp_path / "jwt").write_text("x")
    done = subprocess.run([*titles, "health", "review", "--heartbeat", str(heartbeat)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={**env, "JWT_KEY_FILE": str(tmp_path / "missing")})
    assert done.returncode == settings.EX_CONFIG  # but its secrets are read (RPC needs them)


def test_a_drill_copy_is_checked_like_production_but_may_move_its_clock():
    drill = good(DRILL="true", CLOCK_OFFSET_FILE="/drill/clock-offset")
    assert {p.field for p in settings.problems(drill, resolve=resolves, drill=True)} == set()
    unsafe = {**drill, "JWT_KEY": "CHANGE-ME"}
    assert {p.field for p in settings.problems(unsafe, resolve=resolves, drill=True)} == {"JWT_KEY"}
    environ = {"TITLES_ENV": "drill", "JWT_KEY": "CHANGE-ME"}
    assert settings.enforce(environ, None, "titles x") == settings.EX_CONFIG
