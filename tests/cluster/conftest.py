"""The four services against a RabbitMQ cluster of three nodes of our own (tests/support/
rabbit_cluster.py): the system tests' fixtures, with `broker_uri` every node of the cluster."""
from __future__ import annotations

import pytest

from tests.support import rabbit_cluster
from tests.support.infra import missing
from tests.system.conftest import loaded, sms_standin, system  # noqa: F401 - the same fixtures


@pytest.fixture(scope="package")
def rabbits(tmp_path_factory):
    if not rabbit_cluster.available():
        missing("rabbitmq-server (the distribution's package)")
    with rabbit_cluster.RabbitCluster(tmp_path_factory.mktemp("cluster")) as cluster:
        yield cluster


@pytest.fixture(scope="package")
def broker_uri(rabbits):
    """Every node, `;`-separated: what the services and the `titles` command are given."""
    return rabbits.uri
