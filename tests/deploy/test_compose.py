"""Static checks of how ops run the system with Docker (ARCHITECTURE.md §5, "Ops").

No Docker engine runs on the development machines, so `docker compose up` cannot prove
docker-compose.yml, the Dockerfile, .env.example and .dockerignore: these tests read them instead.
Each check is a pure function over parsed values that returns the problems it found (empty when
all is well); the tests run it on the real files, and `test_checker_reports_broken_input` feeds
each one a broken example, so every check is known to be able to fail.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shlex
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
CLI = ROOT / "plumbing" / "cli.py"
PG_INIT = ROOT / "deploy" / "compose" / "postgres-init.sh"

RESTART_POLICIES = {"no", "always", "unless-stopped", "on-failure"}
CONDITIONS = {"service_healthy", "service_completed_successfully"}
# What the Dockerfile's builder copies from each services/<name>/ into the image.
SERVICE_RUNTIME_FILES = ("config.yml", "alembic.ini", "migrations")
# Debian packages documents needs to render Chinese PDFs.
RUNTIME_PACKAGES = ("fonts-wqy-microhei", "poppler-utils")

Problems = list[str]


# --- reading the files ---------------------------------------------------------------------------

def load_compose(text: str) -> dict:
    compose = yaml.safe_load(text)
    if not isinstance(compose, dict) or not isinstance(compose.get("services"), dict):
        raise ValueError("compose file has no `services` mapping")
    return compose


def environment_of(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the `KEY=value` list form
        env = dict(item.partition("=")[::2] for item in env)
    return env


def argv_of(value) -> list[str]:
    """A compose `command`, `entrypoint` or healthcheck `test` as the argv it runs."""
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    if value and value[0] == "CMD":
        return list(value[1:])
    if value and value[0] == "CMD-SHELL":
        return shlex.split(value[1])
    return list(value)


def is_job(service: dict) -> bool:
    """A one-shot job runs to completion; everything else is long-running."""
    return str(service.get("restart", "")).split(":")[0] in {"no", "on-failure"}


def is_ours(service: dict) -> bool:
    """Built from this repository (the others are upstream images)."""
    return "build" in service


# `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR:+alt}`, and bare `$VAR`.
COMPOSE_VAR = re.compile(
    r"\$\{(?P<name>[A-Za-z_]\w*)(?P<op>:?[-?+])?[^}]*\}|\$(?P<bare>[A-Za-z_]\w*)")


def compose_variables(value) -> dict[str, bool]:
    """Every variable compose interpolates in `value` -> whether every use of it has a default."""
    if isinstance(value, dict):
        uses = [compose_variables(v) for v in value.values()]
    elif isinstance(value, list):
        uses = [compose_variables(v) for v in value]
    elif isinstance(value, str):
        uses = [{m["name"] or m["bare"]: m["op"] is not None and "?" not in m["op"]}
                for m in COMPOSE_VAR.finditer(value.replace("$$", ""))]  # `$$` is a literal `$`
    else:
        return {}
    found: dict[str, bool] = {}
    for use in uses:
        for name, has_default in use.items():
            found[name] = found.get(name, True) and has_default
    return found


def env_file_names(text: str) -> set[str]:
    return {line.split("=", 1)[0].strip() for line in text.splitlines()
            if "=" in line and not line.lstrip().startswith("#")}


# nameko's own syntax in config.yml: `${VAR}` or `${VAR:default}`.
NAMEKO_VAR = re.compile(r"\$\{([^}:\s]+)(?::([^}]*))?\}")
LOCAL_DEFAULT = re.compile(r"localhost|127\.0\.0\.1|sqlite:")
SECRET_NAME = re.compile(r"(_KEY|_SECRET|_PASSWORD)$")


def config_settings(text: str) -> dict[str, str | None]:
    """Every setting a nameko config.yml reads -> its default (None when it has none)."""
    return {name: default for name, default in NAMEKO_VAR.findall(text)} | {
        name: None for name in re.findall(r"\$\{([^}:\s]+)\}", text)}


def needs_value(name: str, default: str | None) -> bool:
    """A default is unusable in a deployment when it is empty, points at this very container
    (localhost, an SQLite file), or is a secret: a secret's default is public in the repository."""
    return not default or bool(LOCAL_DEFAULT.search(default)) or bool(SECRET_NAME.search(name))


def cli_subcommands(text: str) -> set[str]:
    return set(re.findall(r"""add_parser\(\s*["']([\w-]+)["']""", text))


@dataclass(frozen=True)
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]]  # (INSTRUCTION, arguments)


def dockerfile_stages(text: str) -> list[Stage]:
    stages: list[Stage] = []
    for line in re.sub(r"\\\n", " ", text).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, args = line.partition(" ")
        op = op.upper()
        if op == "FROM":
            words = args.split()
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name, []))
        elif stages:
            stages[-1].instructions.append((op, args.strip()))
    return stages


def dockerignore_patterns(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def is_dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins, `!` re-includes, and excluding a folder
    excludes everything under it."""
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        rx = _glob_regex(pattern.lstrip("!").strip("/"))
        if any(re.fullmatch(rx, p) for p in prefixes):
            ignored = not negate
    return ignored


def _glob_regex(pattern: str) -> str:
    """Go's filepath.Match plus `**` (any number of folders), as .dockerignore reads them."""
    out, i = [], 0
    while i < len(pattern):
        for token, rx in (("**/", "(?:.*/)?"), ("**", ".*"), ("*", "[^/]*"), ("?", "[^/]")):
            if pattern.startswith(token, i):
                out.append(rx)
                i += len(token)
                break
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


# --- the checks ----------------------------------------------------------------------------------

def healthcheck_problems(compose: dict) -> Problems:
    return [f"{name}: long-running but has no healthcheck"
            for name, svc in compose["services"].items()
            if not is_job(svc) and not argv_of((svc.get("healthcheck") or {}).get("test"))]


def restart_problems(compose: dict) -> Problems:
    problems = []
    for name, svc in compose["services"].items():
        policy = svc.get("restart")
        if not isinstance(policy, str) or policy.split(":")[0] not in RESTART_POLICIES:
            problems.append(f"{name}: restart {policy!r} is not a policy (a bare `no` is False)")
    return problems


def depends_on_problems(compose: dict) -> Problems:
    services = compose["services"]
    problems = []
    for name, svc in services.items():
        deps = svc.get("depends_on") or {}
        if isinstance(deps, list):
            problems += [f"{name} -> {d}: no condition (short form)" for d in deps]
            continue
        for target, spec in deps.items():
            condition = (spec or {}).get("condition")
            if target not in services:
                problems.append(f"{name} -> {target}: no such service")
            elif condition not in CONDITIONS:
                problems.append(f"{name} -> {target}: condition {condition!r}")
            elif condition == "service_healthy" and not (services[target].get("healthcheck")):
                problems.append(f"{name} -> {target}: waits for health that is never checked")
            elif condition == "service_completed_successfully" and not is_job(services[target]):
                problems.append(f"{name} -> {target}: waits for a long-running service to exit")
    return problems


def undefined_variable_problems(compose: dict, env_names: set[str]) -> Problems:
    return [f"${{{name}}} has no default and is not in .env.example"
            for name, has_default in sorted(compose_variables(compose).items())
            if not has_default and name not in env_names]


def unused_variable_problems(compose: dict, env_names: set[str]) -> Problems:
    used = compose_variables(compose)
    return [f".env.example sets {name}, which compose never reads"
            for name in sorted(env_names - used.keys())]


def unset_setting_problems(settings: dict[str, str | None], environment: dict) -> Problems:
    return [f"{name} (default {default!r}) is not set in compose"
            for name, default in settings.items()
            if needs_value(name, default) and name not in environment]


@dataclass(frozen=True)
class Known:
    """What a command may refer to."""
    console_scripts: frozenset[str]
    titles_subcommands: frozenset[str]
    path_exists: Callable[[str], bool]
    module_exists: Callable[[str], bool]


def command_problems(argv: list[str], known: Known) -> Problems:
    """A command of our image names a console script, a `titles` subcommand, repository files
    and (for `nameko run`) a service module that all exist."""
    if not argv:
        return ["empty command"]
    program, args = argv[0], argv[1:]
    if program not in known.console_scripts:
        return [f"{program}: not a console script of the project or its dependencies"]
    problems = []
    if program == "titles" and (not args or args[0] not in known.titles_subcommands):
        problems.append(f"titles {args[:1]}: no such subcommand in plumbing/cli.py")
    if program == "nameko":
        if args[:1] != ["run"] or "--config" not in args:
            return [f"nameko {' '.join(args)}: expected `nameko run --config <file> <module>`"]
        if not known.module_exists(args[-1]):
            problems.append(f"{args[-1]}: no such module")
    problems += [f"{a}: no such file in the repository" for a in args
                 if "/" in a and not a.startswith("/") and not known.path_exists(a)]
    return problems


def mount_problems(service: dict, path_exists: Callable[[str], bool]) -> Problems:
    """Bind mounts come from the repository; a script the entrypoint runs must be one of them."""
    problems, targets = [], set()
    for volume in service.get("volumes") or []:
        source, _, rest = volume.partition(":")
        if source.startswith("."):
            targets.add(rest.split(":")[0])
            if not path_exists(source):
                problems.append(f"{source}: no such file in the repository")
    for arg in argv_of(service.get("entrypoint")) + argv_of(service.get("command")):
        if arg.endswith(".sh") and arg not in targets:
            problems.append(f"{arg}: not mounted from the repository")
    return problems


def image_problems(compose: dict) -> Problems:
    """Every process of ours (nameko or titles) runs the one image built from ./Dockerfile."""
    ours = {name: svc for name, svc in compose["services"].items()
            if argv_of(svc.get("command"))[:1] in (["nameko"], ["titles"])}
    problems = []
    for name, svc in ours.items():
        build = svc.get("build") or {}
        build = {"context": build} if isinstance(build, str) else build
        dockerfile = build.get("dockerfile", "Dockerfile")
        if build.get("context") not in (".", "./") or dockerfile != "Dockerfile":
            problems.append(f"{name}: not built from ./Dockerfile")
    if len({svc.get("image") for svc in ours.values()}) > 1:
        problems.append("services of ours name different images: "
                        + ", ".join(sorted({str(s.get('image')) for s in ours.values()})))
    return problems


def multi_stage_problems(stages: list[Stage]) -> Problems:
    return [] if len(stages) >= 2 else [f"{len(stages)} stage(s): build and runtime must be apart"]


def non_root_problems(stages: list[Stage]) -> Problems:
    users = [args for op, args in stages[-1].instructions if op == "USER"] if stages else []
    if not users:
        return ["final stage has no USER: it runs as root"]
    user = users[-1].split(":")[0]
    return [f"final stage runs as {user!r}"] if user in {"root", "0"} else []


def runtime_package_problems(stages: list[Stage]) -> Problems:
    runs = " ".join(args for op, args in stages[-1].instructions if op == "RUN") if stages else ""
    return [f"final stage does not install {p}" for p in RUNTIME_PACKAGES if p not in runs]


def dockerignore_problems(patterns: list[str], needed: list[str], secret: list[str]) -> Problems:
    return ([f"{p}: the image needs it but .dockerignore drops it"
             for p in needed if is_dockerignored(p, patterns)]
            + [f"{p}: secret or local state sent to the build" for p in secret
               if not is_dockerignored(p, patterns)])


def database_problems(compose: dict, init_script: str) -> Problems:
    """Each DATABASE_URL's role and database are ones postgres-init.sh creates."""
    loop = re.search(r"for svc in ([^;]+);", init_script)
    created = set(loop[1].split()) if loop else set()
    postgres_env = environment_of(compose["services"].get("postgres", {}))
    problems = []
    for name, svc in compose["services"].items():
        url = environment_of(svc).get("DATABASE_URL")
        if not url:
            continue
        m = re.fullmatch(r"postgresql\+psycopg2://([^:]+):[^@]+@postgres:5432/(\w+)", url)
        if not m or m[1] != m[2]:
            problems.append(f"{name}: DATABASE_URL is not <svc>:<pw>@postgres:5432/<svc>")
        elif m[2] not in created:
            problems.append(f"{name}: database {m[2]} is not created by postgres-init.sh")
        elif f"{m[2].upper()}_DB_PASSWORD" not in postgres_env:
            problems.append(f"{name}: postgres is not given {m[2].upper()}_DB_PASSWORD")
    return problems


# --- fixtures ------------------------------------------------------------------------------------

_COMPOSE = load_compose(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return _COMPOSE


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def env_names() -> set[str]:
    return env_file_names(ENV_EXAMPLE.read_text(encoding="utf-8"))


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


@pytest.fixture(scope="module")
def known() -> Known:
    subcommands = cli_subcommands(CLI.read_text(encoding="utf-8")) if CLI.exists() else set()
    return Known(_project_console_scripts(), frozenset(subcommands),
                 lambda p: (ROOT / p).exists(), _module_exists)


def _nameko_services(compose: dict) -> dict[str, dict]:
    return {name: svc for name, svc in compose["services"].items()
            if argv_of(svc.get("command"))[:2] == ["nameko", "run"]}


COMPOSE_SERVICES = sorted(_COMPOSE["services"])
NAMEKO_SERVICES = sorted(_nameko_services(_COMPOSE))


# --- the tests on the real files -----------------------------------------------------------------

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


def test_env_example_secrets_are_placeholders():
    """A committed value of a secret must shout that it is one: nobody deploys it by accident."""
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    values = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    # S3_ACCESS_KEY is the services' MinIO user name, not a secret.
    secrets = {k: v for k, v in values.items() if SECRET_NAME.search(k) and k != "S3_ACCESS_KEY"}
    assert secrets and all(v.startswith("CHANGE-ME") or v == "" for v in secrets.values()), secrets


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
    if not is_ours(svc):
        assert mount_problems(svc, lambda p: (ROOT / p).exists()) == []
        return
    commands = [argv_of(svc.get("command")), argv_of((svc.get("healthcheck") or {}).get("test"))]
    assert [p for c in commands if c for p in command_problems(c, known)] == []


def test_the_four_services_and_the_jobs_run_the_one_image(compose):
    assert image_problems(compose) == []


def test_postgres_init_creates_the_database_each_service_uses(compose):
    assert database_problems(compose, PG_INIT.read_text(encoding="utf-8")) == []


def test_dockerfile_is_multi_stage(stages):
    assert multi_stage_problems(stages) == []


def test_dockerfile_final_stage_runs_as_non_root_user(stages):
    assert non_root_problems(stages) == []


def test_dockerfile_runtime_installs_the_chinese_font_and_poppler(stages):
    assert runtime_package_problems(stages) == []


def _needed_in_image() -> list[str]:
    services = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "config.yml").exists())
    return (["pyproject.toml", "constraints.txt", "contracts", "plumbing", "seasons/2019.yaml",
             "deploy/sample"]
            + [f"services/{s}/{f}" for s in services for f in SERVICE_RUNTIME_FILES]
            + [f"services/{s}/{s}/__init__.py" for s in services])


def test_dockerignore_keeps_what_the_image_needs_and_drops_secrets():
    patterns = dockerignore_patterns(DOCKERIGNORE.read_text(encoding="utf-8"))
    secret = [".env", ".git/config", ".venv/bin/python", "var/intake.db",
              "services/intake/intake/__pycache__/x.pyc"]
    assert dockerignore_problems(patterns, _needed_in_image(), secret) == []


@pytest.mark.parametrize("path", _needed_in_image())
def test_files_the_image_copies_exist(path):
    assert (ROOT / path).exists(), f"the Dockerfile copies {path}, which is not in the repository"


@pytest.mark.parametrize("script", sorted((ROOT / "deploy" / "compose").glob("*.sh")),
                         ids=lambda p: p.name)
def test_compose_helper_scripts_are_valid_shell(script):
    shell = "bash" if "bash" in script.read_text(encoding="utf-8").splitlines()[0] else "sh"
    result = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- every check can fail ------------------------------------------------------------------------

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
                          b=_svc(image="t2", build=".", command=["titles", "buckets"])),
                 "different images", id="services of ours name different images"),
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
                 _compose(intake=_svc(environment={
                     "DATABASE_URL": "postgresql+psycopg2://intake:pw@localhost:5432/intake"})),
                 "is not", id="DATABASE_URL not on the postgres service"),
]


@pytest.mark.parametrize("check, broken, expected", BROKEN)
def test_checker_reports_broken_input(check, broken, expected):
    assert any(expected in problem for problem in check(broken)), check(broken)


def test_dockerignore_pattern_matching_follows_docker():
    patterns = ["**/__pycache__", "tests", "services/*/tests", "!services/intake/tests/keep.txt"]
    assert is_dockerignored("services/intake/intake/__pycache__/a.pyc", patterns)
    assert is_dockerignored("services/review/tests/unit/test_x.py", patterns)
    assert is_dockerignored("tests/deploy/test_compose.py", patterns)
    assert not is_dockerignored("services/intake/tests/keep.txt", patterns)
    assert not is_dockerignored("services/intake/intake/service.py", patterns)
    assert not is_dockerignored("plumbing/tests.py", patterns)
