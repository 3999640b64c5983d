"""The four services against a RabbitMQ cluster of three nodes of our own (tests/support/
rabbit_cluster.py): the system tests' fixtures, with `broker_uri` every node of the cluster.

This directory is a package (`__init__.py`): without one, pytest keeps "package"-scoped fixtures
until the end of the session, and the cluster with its four services would run on beside every
later test."""
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
def make_database(make_database):
    """The session's, under names of this package's own (the system tests make theirs)."""
    return lambda name: make_database(f"cluster_{name}")


@pytest.fixture(scope="package")
def broker_uri(rabbits):
    """Every node, `;`-separated: what the services and the `titles` command are given."""
    return rabbits.uri
