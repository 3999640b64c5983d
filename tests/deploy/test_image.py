"""Static checks of the one image: the Dockerfile's stages and user, the packages the runtime
needs, and what .dockerignore sends to the build (README, "With Docker").

Like test_compose.py, these read the files through pure checks (image_checks.py) that
test_checks_can_fail.py shows failing on broken examples.
"""
from __future__ import annotations

import subprocess

import pytest

from tests.deploy.image_checks import (dockerignore_patterns, dockerignore_problems,
                                       is_dockerignored, multi_stage_problems, non_root_problems,
                                       runtime_package_problems)
from tests.deploy.repository import DOCKERIGNORE, ROOT, needed_in_image


def test_dockerfile_is_multi_stage(stages):
    assert multi_stage_problems(stages) == []


def test_dockerfile_final_stage_runs_as_non_root_user(stages):
    assert non_root_problems(stages) == []


def test_dockerfile_runtime_installs_the_chinese_font_and_poppler(stages):
    assert runtime_package_problems(stages) == []


def test_dockerignore_keeps_what_the_image_needs_and_drops_secrets():
    patterns = dockerignore_patterns(DOCKERIGNORE.read_text(encoding="utf-8"))
    secret = [".env", ".git/config", ".venv/bin/python", "var/intake.db",
              "services/intake/intake/__pycache__/x.pyc"]
    assert dockerignore_problems(patterns, needed_in_image(), secret) == []


@pytest.mark.parametrize("path", needed_in_image())
def test_files_the_image_copies_exist(path):
    assert (ROOT / path).exists(), f"the Dockerfile copies {path}, which is not in the repository"


@pytest.mark.parametrize("path", needed_in_image())
def test_files_the_image_copies_are_committed_not_ignored(path):
    # A file that exists here but that .gitignore hides is missing from every clean clone: CI
    # once failed on deploy/build/with-ca.sh, ignored by a bare `build/` pattern.
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT)
    assert ignored.returncode == 1, f"{path} is needed by the image but .gitignore ignores it"


def test_dockerignore_pattern_matching_follows_docker():
    patterns = ["**/__pycache__", "tests", "services/*/tests", "!services/intake/tests/keep.txt"]
    assert is_dockerignored("services/intake/intake/__pycache__/a.pyc", patterns)
    assert is_dockerignored("services/review/tests/unit/test_x.py", patterns)
    assert is_dockerignored("tests/deploy/test_compose.py", patterns)
    assert not is_dockerignored("services/intake/tests/keep.txt", patterns)
    assert not is_dockerignored("services/intake/intake/service.py", patterns)
    assert not is_dockerignored("plumbing/tests.py", patterns)
