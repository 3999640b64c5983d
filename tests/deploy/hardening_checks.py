"""Checks of what makes the compose deployment safe to run, as pure functions over the parsed
files (like compose_checks.py): rotated logs and limits on every container, pinned images behind
variables, secrets only as files, health checks that ask the container's own process, the proxy's
limits following intake's, a supported RabbitMQ, pg_dump matching the server.

The live test (tests/deploy/live/) proves the deployment runs; these keep what it cannot see —
every container, every variable, the official images it replaces with stand-ins — from drifting.
Each is shown failing on a broken example in test_checks_can_fail.py.
"""
from __future__ import annotations

import re

from tests.deploy.compose_checks import (Problems, argv_of, environment_of, is_job,
                                         nameko_services, our_image)

IMAGE_VARIABLE = re.compile(r"\$\{(?P<var>[A-Z][A-Z0-9_]*):-(?P<default>[^}]+)\}")
# A pinned tag names a release: 1.2.3 (PostgreSQL's are major.minor: 15.14), a MinIO RELEASE
# date; a digest pins anything. `16-alpine`, `3.13-management`, `latest` move.
PINNED_TAG = re.compile(r"v?\d+\.\d+\.\d+[^:]*|RELEASE\.\d{4}-\d\d-\d\dT[\d-]+Z")
PINNED_POSTGRES_TAG = re.compile(r"\d+\.\d+(-[a-z0-9.]+)?")


def logging_problems(compose: dict) -> Problems:
    problems = []
    for name, svc in compose["services"].items():
        logging = svc.get("logging") or {}
        options = logging.get("options") or {}
        if logging.get("driver", "json-file") in ("json-file", "local") \
                and not {"max-size", "max-file"} <= set(options):
            problems.append(f"{name}: logs are not rotated (logging.options max-size, max-file)")
    return problems


def limit_problems(compose: dict) -> Problems:
    problems = []
    for name, svc in compose["services"].items():
        limits = ((svc.get("deploy") or {}).get("resources") or {}).get("limits") or {}
        missing = [k for k in ("cpus", "memory") if not limits.get(k)]
        if missing:
            problems.append(f"{name}: no {' or '.join(missing)} limit (deploy.resources.limits)")
    return problems


def image_pin_problems(compose: dict, version: str) -> Problems:
    """Every image a variable whose default is pinned; ours tagged with the project's version
    (and the base image of its build a variable too)."""
    problems = []
    ours = our_image(compose)
    for name, svc in compose["services"].items():
        image = str(svc.get("image", ""))
        if image == ours and "build" not in svc:
            continue  # runs the image the builder below is checked for
        if "build" in svc:
            if not image.endswith(f":${{TITLES_VERSION:-{version}}}"):
                problems.append(f"{name}: our image is not tagged ${{TITLES_VERSION:-{version}}}")
            args = (svc["build"].get("args") or {}) if isinstance(svc["build"], dict) else {}
            base = IMAGE_VARIABLE.fullmatch(str(args.get("PYTHON_IMAGE", "")))
            if not base or not _pinned(base["default"]):
                problems.append(f"{name}: build arg PYTHON_IMAGE is not a pinned variable")
            continue
        m = IMAGE_VARIABLE.fullmatch(image)
        if not m:
            problems.append(f"{name}: image {image!r} is not a ${{VARIABLE:-default}}")
        elif not _pinned(m["default"]):
            problems.append(f"{name}: image {m['default']!r} is not pinned to a version")
    return problems


def _pinned(reference: str) -> bool:
    if "@sha256:" in reference:
        return True
    name, _, tag = reference.rsplit("/", 1)[-1].partition(":")
    return bool((PINNED_POSTGRES_TAG if name == "postgres" else PINNED_TAG).fullmatch(tag))


def secret_problems(compose: dict) -> Problems:
    """No secret as an environment value; every *_FILE is a secret the service mounts."""
    declared = set(compose.get("secrets") or {})
    problems = []
    for name, svc in compose["services"].items():
        mounted = {s if isinstance(s, str) else s.get("source") for s in svc.get("secrets") or []}
        problems += [f"{name}: secret {s} is not declared at the top level"
                     for s in sorted(mounted - declared)]
        for key, value in environment_of(svc).items():
            value = re.sub(r"\$\{[^}]*\}", "x", str(value))  # ${USER:-titles} is a name
            if re.search(r"(PASSWORD|SECRET|_KEY)$", key) and key not in (
                    "S3_ACCESS_KEY",) and value and not key.endswith("_FILE"):
                problems.append(f"{name}: {key} is an environment value; use {key}_FILE")
            if re.search(r"://[^/@:]+:[^@]+@", value):
                problems.append(f"{name}: {key} carries a password in its URL")
            if key.endswith("_FILE") and value.startswith("/run/secrets/") \
                    and value.removeprefix("/run/secrets/") not in mounted:
                problems.append(f"{name}: {key} names {value}, which it does not mount")
    return problems


def own_process_problems(compose: dict) -> Problems:
    """A service's health check asks its own process: its heartbeat file (fresher than it is
    rewritten) or a local port — never the service over the broker, where a sibling answers."""
    problems = []
    for name, svc in nameko_services(compose).items():
        argv = argv_of((svc.get("healthcheck") or {}).get("test"))
        env = environment_of(svc)
        if "--url" in argv:
            url = argv[argv.index("--url") + 1]
            if not re.match(r"http://(127\.0\.0\.1|localhost)[:/]", url):
                problems.append(f"{name}: health check asks {url}, not its own port")
        elif "--heartbeat" in argv:
            path = argv[argv.index("--heartbeat") + 1]
            max_age = float(argv[argv.index("--max-age") + 1]) if "--max-age" in argv else 30
            if env.get("HEARTBEAT_FILE") != path:
                problems.append(f"{name}: checks heartbeat {path}, the process writes "
                                f"{env.get('HEARTBEAT_FILE')!r}")
            elif max_age < 2 * float(env.get("HEARTBEAT_SECONDS", 10)):
                problems.append(f"{name}: --max-age {max_age} leaves no room for a late beat")
        else:
            problems.append(f"{name}: health check asks the service over the broker "
                            "(any replica answers): use --heartbeat or --url")
    return problems


def production_problems(compose: dict) -> Problems:
    """Every process of ours runs with the settings check on (TITLES_ENV=production)."""
    ours = our_image(compose)
    return [f"{name}: TITLES_ENV is not production"
            for name, svc in compose["services"].items()
            if svc.get("image") == ours and environment_of(svc).get("TITLES_ENV") != "production"]


def proxy_problems(compose: dict, template: str) -> Problems:
    """intake is reached only through the proxy (no port of its own, so it scales), and the
    proxy's body limit follows intake's MAX_UPLOAD_BYTES."""
    services = compose["services"]
    intake, proxy = services.get("intake", {}), services.get("proxy", {})
    problems = []
    if intake.get("ports"):
        problems.append("intake publishes a port: --scale intake=N collides; go through the proxy")
    limit = environment_of(intake).get("MAX_UPLOAD_BYTES")
    if environment_of(proxy).get("MAX_UPLOAD_BYTES") != limit:
        problems.append(f"proxy's MAX_UPLOAD_BYTES is not intake's ({limit})")
    if not re.search(r"client_max_body_size\s+@BODY_LIMIT@;", template):
        problems.append("the proxy's client_max_body_size does not follow MAX_UPLOAD_BYTES")
    if "proxy_pass $intake" not in template or "resolver 127.0.0.11" not in template:
        problems.append("the proxy resolves intake once: new replicas would get no traffic")
    return problems


def rabbitmq_problems(compose: dict, supported: tuple[int, int]) -> Problems:
    m = IMAGE_VARIABLE.fullmatch(str(compose["services"].get("rabbitmq", {}).get("image", "")))
    found = re.search(r":(\d+)\.(\d+)", m["default"]) if m else None
    if not found or (int(found[1]), int(found[2])) < supported:
        return [f"rabbitmq {m['default'] if m else '?'} is older than the supported "
                f"{supported[0]}.{supported[1]}"]
    return []


def pg_client_problems(compose: dict, runtime_runs: str) -> Problems:
    """pg_dump refuses a server newer than itself: the image's client major is the server's."""
    m = IMAGE_VARIABLE.fullmatch(str(compose["services"].get("postgres", {}).get("image", "")))
    server = re.search(r":(\d+)", m["default"]) if m else None
    client = re.search(r"postgresql-client-(\d+)", runtime_runs)
    if not server or not client or server[1] != client[1]:
        return [f"postgres {server[1] if server else '?'} but the image installs "
                f"postgresql-client-{client[1] if client else '?'}"]
    return []


def backup_problems(compose: dict) -> Problems:
    """Backups land on a host directory: a named volume would go with `down -v`."""
    svc = compose["services"].get("backup")
    if svc is None:
        return ["no backup service"]
    volumes = [str(v) for v in svc.get("volumes") or []]
    if not any(v.split(":")[0].startswith(("${", ".", "/")) for v in volumes):
        return ["backup writes to a named volume, which `docker compose down -v` removes"]
    return [] if is_job(svc) else ["backup is not a one-shot job"]
