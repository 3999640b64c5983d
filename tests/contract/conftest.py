"""The contract test's own cluster (the system tests' fixtures, in this package's scope), with
the public verification's rate limit raised: fuzzing /verify would otherwise spend it."""
import pytest

from tests.contract.tally import TALLY
from tests.system.conftest import loaded, sms_standin, system  # noqa: F401 (fixtures)


@pytest.fixture(scope="package")
def cluster_overrides() -> dict:
    return {"VERIFY_BURST": 1_000_000, "VERIFY_RATE_PER_MINUTE": 1_000_000}


def pytest_terminal_summary(terminalreporter):
    if TALLY.cases:
        terminalreporter.section("contract: cases per operation (tests/contract)")
        for line in TALLY.lines():
            terminalreporter.write_line(line)
