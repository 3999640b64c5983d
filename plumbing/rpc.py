"""RPC between services: every call has a timeout, refusals cross as data, queues replicate.

nameko 2.14's `RpcProxy` waits for a reply forever and serialises exceptions by type name and
`str()` only. `Rpc` bounds the wait (`RPC_TIMEOUT_SECONDS`) and counts each call's latency and
timeouts (`plumbing.metrics`); the server side decorates its methods with `@refusals_as_data`,
so a `contracts.errors.Refusal` arrives whole (code, field, every problem) and is raised again
in the caller.

`@rpc` (this module's, not nameko's) is nameko's RPC entrypoint with the service's `rpc-<service>`
queue declared as a quorum queue (`plumbing.topology.rpc_queue`): on a cluster, a node that
stops takes no service's RPC queue with it. Every RPC method of a service must use it (one
queue, one declaration: nameko's plain `@rpc` would declare it classic and be refused).
"""
from __future__ import annotations

import functools
import time

import eventlet
from kombu import Queue
from nameko.rpc import Rpc as NamekoRpc
from nameko.rpc import ReplyListener, RpcConsumer, RpcProxy

from contracts.errors import Refusal
from plumbing import metrics, topology

REFUSAL_KEY = "__refusal__"


class RpcTimeout(Refusal):
    pass


def refusals_as_data(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except Refusal as refusal:
            return {REFUSAL_KEY: refusal.to_dict()}
    return wrapper


def unwrap(result):
    if isinstance(result, dict) and REFUSAL_KEY in result:
        raise Refusal.from_dict(result[REFUSAL_KEY])
    return result


class _TimedMethod:
    def __init__(self, service: str, name: str, method, timeout: float):
        self._service, self._name, self._method, self._timeout = service, name, method, timeout

    def __call__(self, *args, **kwargs):
        began = time.perf_counter()
        try:
            reply = self._method.call_async(*args, **kwargs)
            with eventlet.Timeout(self._timeout):
                return unwrap(reply.result())
        except eventlet.Timeout:
            metrics.RPC_TIMEOUTS.labels(self._service, self._name).inc()
            raise RpcTimeout("UPSTREAM_TIMEOUT",
                             f"{self._service} 服务在 {self._timeout:g} 秒内未响应，请稍后重试",
                             status=504) from None
        finally:
            metrics.RPC_LATENCY.labels(self._service, self._name).observe(
                time.perf_counter() - began)


class _TimedProxy:
    def __init__(self, service: str, proxy, timeout: float):
        self._service, self._proxy, self._timeout = service, proxy, timeout

    def __getattr__(self, name):
        return _TimedMethod(self._service, name, getattr(self._proxy, name), self._timeout)


class ConnectionReplyListener(ReplyListener):
    """nameko's reply listener with its reply queue exclusive to the connection. nameko declares
    it durable (with a TTL): on a cluster its home node may stop, and until that node is back no
    other node will declare it, so the service's consumer (which also consumes its events)
    cannot reconnect. Exclusive, it goes with its connection and is declared afresh on the next;
    a reply in flight at that moment is lost and its call answers UPSTREAM_TIMEOUT."""

    def setup(self):
        super().setup()
        self.queue = Queue(self.queue.name, exchange=self.queue.exchange,
                           routing_key=self.routing_key, exclusive=True, auto_delete=True,
                           durable=False)


class Rpc(RpcProxy):
    """`self.review.method(...)`: an RPC call that gives up after `RPC_TIMEOUT_SECONDS`."""

    rpc_reply_listener = ConnectionReplyListener()

    def get_dependency(self, worker_ctx):
        timeout = float(self.container.config.get("RPC_TIMEOUT_SECONDS", 10))
        return _TimedProxy(self.target_service, super().get_dependency(worker_ctx), timeout)


class QuorumRpcConsumer(RpcConsumer):
    """nameko's RpcConsumer, its queue the topology's (quorum) instead of a classic one."""

    def setup(self):
        if self.queue is None:
            self.queue = topology.rpc_queue(self.container.service_name)
            self.queue_consumer.register_provider(self)
            self._registered = True


class QuorumRpc(NamekoRpc):
    rpc_consumer = QuorumRpcConsumer()


rpc = QuorumRpc.decorator
