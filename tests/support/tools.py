"""The command-line tools some tests read documents or data with (poppler's pdftotext and
pdftoppm, zbarimg, pg_dump): found, or the test fails under CI (`.ci/run` installs them; a
missing tool there is a failure, never a skip) and is skipped on a developer's machine."""
from __future__ import annotations

import shutil

import pytest

from tests.support.infra import IN_CI


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian: {package})"
        if IN_CI:
            pytest.fail(f"{message}; CI=true: a missing tool is a failure, never a skip")
        pytest.skip(message)
    return path
