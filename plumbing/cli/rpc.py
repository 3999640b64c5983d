"""Calling a running service from the command line."""
from __future__ import annotations

from plumbing import config as cfg


def call(service: str, method: str, *args, timeout: float = 30):
    """`service.method(*args)` over RPC; a refusal is raised as `Refusal`."""
    from nameko.standalone.rpc import ClusterRpcProxy

    from plumbing.rpc import unwrap

    conf = cfg.load(service)
    with ClusterRpcProxy({"AMQP_URI": conf["AMQP_URI"]}, timeout=timeout) as proxy:
        return unwrap(getattr(getattr(proxy, service), method)(*args))
