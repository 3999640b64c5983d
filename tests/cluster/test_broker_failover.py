"""A RabbitMQ node stops with applications in flight, comes back, then another (issue 17; the
long form is `python -m bench.cluster`, its figures in BENCHMARKS.md).

Three nodes of the distribution's rabbitmq-server, clustered by the test; every queue a quorum
queue (plumbing/topology.py); the services and their outbox relays given all three addresses.
Applications are submitted at a steady rate while the node everyone connects to first is
stopped and started again, then the node they failed over to. Afterwards every submission intake
accepted must be complete (in review at its unit, its 评审表 rendered, the reviewer mailed), none
twice, and no event of them dead-lettered: what a confirm promised survived the node.
"""
from __future__ import annotations

import pytest

from tests.support import failover

pytestmark = [pytest.mark.system, pytest.mark.cluster]

N, RATE, DOWN = 8, 0.18, 3.0  # eight submissions over ~45 s: both stops fall inside it


def test_a_node_stops_and_returns_then_another_nothing_lost_nothing_twice(loaded, rabbits,
                                                                          capsys):
    result = failover.run(loaded, rabbits, n=N, rate=RATE, down=DOWN)
    with capsys.disabled():
        print(f"\ncluster failover ({result['seconds']} s): {failover.counts_line(result)}; "
              f"timeline {result['timeline']}")
    assert result["refused"] == {}, "intake needs no broker to accept a submission"
    assert result["submitted"] == N
    assert result["lost"] == 0, result["lost_ids"]
    assert result["duplicated"] == 0, result["duplicated_ids"]
    assert result["dead_lettered"] == 0, result["dead_lettered_by_service"]
    assert result["completed"] == N
    for service, seen in result["connections"].items():  # each failed over, none waited
        assert seen["connected"] >= 2, f"{service} never reconnected: {seen}"
        assert seen["queue_on_a_down_node"] == 0, f"{service} waited for a node: {seen}"
