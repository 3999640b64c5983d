"""The contract test's own cluster, on a vhost and databases of its own, stopped when the module
ends (a package-scoped fixture in a directory without __init__.py lives to the end of the
session, so the clusters of tests/system, tests/browser and this one would run at once on one
vhost): the system tests' cluster with the public verification's rate limit raised, which the
fuzzing would otherwise spend."""
import pytest

from tests.contract.tally import TALLY
from tests.system.conftest import loaded, running_cluster, sms_standin  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def system(isolated_broker_uri, make_database, s3_config, mailbox, tmp_path_factory,
           sms_standin):  # noqa: F811
    with running_cluster(isolated_broker_uri, make_database, s3_config, mailbox,
                         tmp_path_factory.mktemp("contract"), sms_standin, name="contract_",
                         VERIFY_BURST=1_000_000, VERIFY_RATE_PER_MINUTE=1_000_000) as cluster:
        yield cluster


def pytest_terminal_summary(terminalreporter):
    if TALLY.cases:
        terminalreporter.section("contract: cases per operation (tests/contract)")
        for line in TALLY.lines():
            terminalreporter.write_line(line)
