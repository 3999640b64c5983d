"""The browser test's own cluster, on a vhost and databases of its own, stopped when the module
ends (see tests/contract/conftest.py)."""
import pytest

from tests.system.conftest import (loaded, running_cluster, season_clock,  # noqa: F401
                                   sms_standin)


@pytest.fixture(scope="module")
def system(isolated_broker_uri, make_database, s3_config, mailbox, tmp_path_factory,
           sms_standin):  # noqa: F811
    with running_cluster(isolated_broker_uri, make_database, s3_config, mailbox,
                         tmp_path_factory.mktemp("browser"), sms_standin,
                         name="browser_") as cluster:
        yield cluster
