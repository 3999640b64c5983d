"""The images the deployment runs: the official ones when they can be pulled, else stand-ins
built from Debian packages (tests/deploy/live/standins/) and named through the deployment's own
image variables — as an operator would point them at a mirror.

No registry is reachable on the CI machine: `docker pull` fails at once and the stand-ins are
built, once per machine (the debootstrap tarballs are cached under TITLES_CI_CACHE, the images
stay in the engine's store, so a second run builds nothing).
"""
from __future__ import annotations

import os
import re
import subprocess
import time

from tests.deploy.live.engine import LIVE, ROOT

STANDINS = LIVE / "standins"

# variable -> (the stand-in's image, its service in standins/compose.yml); the defaults are the
# ones docker-compose.yml names.
STANDIN_FOR = {
    "PYTHON_IMAGE": ("titles-standin/python:3.11-bookworm", "python"),
    "POSTGRES_IMAGE": ("titles-standin/postgres:15-bookworm", "postgres"),
    "RABBITMQ_IMAGE": ("titles-standin/rabbitmq:4.0-trixie", "rabbitmq"),
    "NGINX_IMAGE": ("titles-standin/nginx:1.26-trixie", "nginx"),
    "MINIO_IMAGE": ("titles-standin/s3:moto-{moto}", "s3"),
}
BASES = {"bookworm": "titles-standin/debian:bookworm", "trixie": "titles-standin/debian:trixie"}


def compose_default(variable: str) -> str:
    """The default docker-compose.yml gives an image variable (`${VAR:-default}`)."""
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    return re.search(rf"\$\{{{variable}:-([^}}]+)\}}", text)[1]


def moto_version() -> str:
    pins = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    return re.search(r"^moto==(\S+)$", pins, re.MULTILINE)[1]


def _present(image: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0


def _pulled(image: str) -> bool:
    return _present(image) or subprocess.run(["docker", "pull", "-q", image], capture_output=True,
                                             timeout=300).returncode == 0


def ca_bundle() -> str | None:
    """The CA bundle a TLS-intercepting proxy needs (this machine's, when it has one)."""
    path = os.environ.get("BUILD_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE")
    return path if path and os.path.isfile(path) else None


def ensure(log) -> dict[str, str]:
    """Every upstream image present: returns the variables to set for the ones replaced by
    stand-ins. `log(step, seconds)` records what took time."""
    moto = moto_version()
    wanted = {var: standin.format(moto=moto) for var, (standin, _) in STANDIN_FOR.items()
              if not _pulled(compose_default(var))}
    missing = [var for var, image in wanted.items() if not _present(image)]
    if missing:
        start = time.monotonic()
        for release, tag in BASES.items():
            subprocess.run([str(STANDINS / "base.sh"), release, tag], check=True, timeout=900)
        log("stand-in base images (debootstrap, cached tarball)", time.monotonic() - start)
        start = time.monotonic()
        services = [STANDIN_FOR[var][1] for var in missing]
        if "s3" in services and "python" not in services and not _present(
                STANDIN_FOR["PYTHON_IMAGE"][0]):
            services.insert(0, "python")
        env = {**os.environ, "MOTO_VERSION": moto}
        if ca_bundle():
            env["BUILD_CA_BUNDLE"] = ca_bundle()
        # The S3 stand-in is built FROM the python one: build that first.
        for group in ([s for s in services if s == "python"], [s for s in services if s != "python"]):
            if group:
                done = subprocess.run(["docker", "compose", "-f", str(STANDINS / "compose.yml"),
                                       "build", *group], env=env, capture_output=True, text=True,
                                      timeout=1800)
                assert done.returncode == 0, done.stderr[-3000:]
        log(f"stand-in images ({', '.join(services)})", time.monotonic() - start)
    return wanted
