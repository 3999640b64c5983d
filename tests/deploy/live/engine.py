"""The Docker engine and `docker compose` as the live test drives them: the repository's
docker-compose.yml, plus compose.live.yml (the test's two additions), with a .env and a secrets
directory of the test's own."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LIVE = Path(__file__).resolve().parent
PROJECT = "titles-live"
# What took how long, printed at the end of the run (conftest.py's pytest_terminal_summary).
TIMINGS: list[tuple[str, float]] = []


def timed(step: str, seconds: float) -> None:
    TIMINGS.append((step, seconds))


def engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    done = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"],
                          capture_output=True, text=True, timeout=30)
    return done.returncode == 0


def compose_available() -> bool:
    done = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True,
                          timeout=30)
    return done.returncode == 0


class Compose:
    """`docker compose -p titles-live --env-file <work>/.env -f docker-compose.yml -f
    compose.live.yml …`, run from the repository (relative paths in the compose file resolve
    there)."""

    def __init__(self, env_file: Path, extra_env: dict | None = None):
        self.env_file = env_file
        self.extra_env = extra_env or {}
        self.base = ["docker", "compose", "-p", PROJECT, "--env-file", str(env_file),
                     "-f", str(ROOT / "docker-compose.yml"), "-f", str(LIVE / "compose.live.yml")]

    def run(self, *args: str, check: bool = True, timeout: float = 600,
            env: dict | None = None) -> subprocess.CompletedProcess:
        import os

        done = subprocess.run([*self.base, *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, **self.extra_env, **(env or {})})
        if check and done.returncode != 0:
            raise AssertionError(f"docker compose {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done

    def containers(self, service: str | None = None) -> list[dict]:
        """`docker compose ps -a` as dicts (Service, Name, State, Health, ExitCode, …)."""
        out = self.run("ps", "-a", "--format", "json", *([service] if service else [])).stdout
        out = out.strip()
        if not out:
            return []
        if out.startswith("["):
            return json.loads(out)
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def health(self, container: str) -> str:
        done = subprocess.run(["docker", "inspect", "--format", "{{.State.Health.Status}}",
                               container], capture_output=True, text=True, timeout=30)
        return done.stdout.strip()

    def wait_health(self, container: str, wanted: str, timeout: float) -> float:
        """Seconds until `container`'s health is `wanted`."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.health(container) == wanted:
                return time.monotonic() - start
            time.sleep(1)
        raise AssertionError(f"{container} not {wanted} after {timeout:.0f} s "
                             f"(now {self.health(container)!r})")

    def host_pid(self, container: str, command: str) -> int:
        """The host's PID of the process in `container` whose command line contains `command`
        (`docker top`: the test runs as root in the host's PID namespace)."""
        done = subprocess.run(["docker", "top", container, "-o", "pid,args"],
                              capture_output=True, text=True, timeout=30, check=True)
        for line in done.stdout.splitlines()[1:]:
            pid, _, args = line.strip().partition(" ")
            if command in args:
                return int(pid)
        raise AssertionError(f"no `{command}` process in {container}:\n{done.stdout}")

    def logs(self, service: str, tail: int = 200) -> str:
        return self.run("logs", "--no-color", "--tail", str(tail), service, check=False).stdout
