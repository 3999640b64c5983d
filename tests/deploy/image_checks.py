"""Checks of the Dockerfile and .dockerignore, as pure functions (see compose_checks.py).

tests/deploy/test_image.py runs them on the real files, tests/deploy/test_checks_can_fail.py on
broken examples.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from tests.deploy.compose_checks import Problems

# Debian packages documents needs: to render Chinese PDFs, and libturbojpeg (PyTurboJPEG's
# library) for the lossless turn of EXIF-rotated photos.
RUNTIME_PACKAGES = ("fonts-wqy-microhei", "poppler-utils", "libturbojpeg0")


# --- reading the files ---------------------------------------------------------------------------

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
