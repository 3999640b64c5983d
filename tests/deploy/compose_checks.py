"""Checks of docker-compose.yml, .env.example and the services' config.yml, as pure functions.

No Docker engine runs on the development machines, so `docker compose up` cannot prove the
deployment: these functions read the parsed files instead. Each check returns the problems it
found (empty when all is well); tests/deploy/test_compose.py runs them on the real files and
tests/deploy/test_checks_can_fail.py feeds each one a broken example.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Callable

import yaml

RESTART_POLICIES = {"no", "always", "unless-stopped", "on-failure"}
CONDITIONS = {"service_healthy", "service_completed_successfully"}

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
    """A setting is set by its variable or, for a secret, by NAME_FILE (plumbing/settings.py)."""
    return [f"{name} (default {default!r}) is not set in compose"
            for name, default in settings.items()
            if needs_value(name, default) and name not in environment
            and f"{name}_FILE" not in environment]


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
        problems.append(f"titles {args[:1]}: no such subcommand of titles (plumbing/cli)")
    if program == "nameko":
        if args[:1] != ["run"] or "--config" not in args:
            return [f"nameko {' '.join(args)}: expected `nameko run --config <file> <module>`"]
        if not known.module_exists(args[-1]):
            problems.append(f"{args[-1]}: no such module")
    problems += [f"{a}: no such file in the repository" for a in args
                 if "/" in a and not a.startswith("/") and "://" not in a
                 and not known.path_exists(a)]
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
        if arg.startswith("/") and arg.endswith(".sh") and arg not in targets:
            problems.append(f"{arg}: not mounted from the repository")
    return problems


def image_problems(compose: dict) -> Problems:
    """Every process of ours (nameko or titles) runs the one image, built from ./Dockerfile by
    exactly one service (compose would build and export it once per service that has `build`);
    the others never pull it (it is in no registry)."""
    ours = {name: svc for name, svc in compose["services"].items()
            if argv_of(svc.get("command"))[:1] in (["nameko"], ["titles"])}
    builders = {name: svc for name, svc in compose["services"].items() if "build" in svc}
    problems = []
    if len(builders) != 1:
        problems.append(f"{len(builders)} services build an image; one builds ours: "
                        + ", ".join(sorted(builders)))
    for name, svc in builders.items():
        build = svc["build"]
        build = {"context": build} if isinstance(build, str) else build
        if build.get("context") not in (".", "./") or build.get("dockerfile",
                                                                "Dockerfile") != "Dockerfile":
            problems.append(f"{name}: not built from ./Dockerfile")
    for name, svc in ours.items():
        if name not in builders and svc.get("pull_policy") != "never":
            problems.append(f"{name}: would pull our image from a registry (pull_policy: never)")
    images = {str(s.get("image")) for s in [*ours.values(), *builders.values()]}
    if len(images) > 1:
        problems.append("services of ours name different images: " + ", ".join(sorted(images)))
    return problems


def our_image(compose: dict) -> str | None:
    """The image the one `build` of the file makes."""
    built = [svc.get("image") for svc in compose["services"].values() if "build" in svc]
    return built[0] if built else None


DATABASE_URL = re.compile(r"postgresql\+psycopg2://([^:@]+)(?::[^@]+)?@postgres:5432/(\w+)")


def database_problems(compose: dict, init_script: str) -> Problems:
    """Each DATABASE_URL (and <SERVICE>_DATABASE_URL, the backup's) names a role and database
    postgres-init.sh creates; its password is the secret file postgres-init.sh gives that role."""
    loop = re.search(r"for svc in ([^;]+);", init_script)
    created = set(loop[1].split()) if loop else set()
    postgres_env = environment_of(compose["services"].get("postgres", {}))
    problems = []
    for name, svc in compose["services"].items():
        env = environment_of(svc)
        for key, url in env.items():
            if key != "DATABASE_URL" and not key.endswith("_DATABASE_URL"):
                continue
            m = DATABASE_URL.fullmatch(url)
            if not m or m[1] != m[2]:
                problems.append(f"{name}: {key} is not <svc>@postgres:5432/<svc>")
                continue
            db = m[2]
            secret = f"/run/secrets/{db}_db_password"
            if db not in created:
                problems.append(f"{name}: database {db} is not created by postgres-init.sh")
            elif postgres_env.get(f"{db.upper()}_DB_PASSWORD_FILE") != secret:
                problems.append(f"{name}: postgres is not given {db.upper()}_DB_PASSWORD_FILE")
            elif env.get(key[:-len("URL")] + "PASSWORD_FILE") != secret:
                problems.append(f"{name}: {key}'s password is not the file {secret}")
    return problems


def nameko_services(compose: dict) -> dict[str, dict]:
    """The services that run `nameko run` (the four services of this system)."""
    return {name: svc for name, svc in compose["services"].items()
            if argv_of(svc.get("command"))[:2] == ["nameko", "run"]}
