"""RPC between services: every call has a timeout, and refusals cross as data.

nameko 2.14's `RpcProxy` waits for a reply forever and serialises exceptions by type name and
`str()` only. `Rpc` bounds the wait (`RPC_TIMEOUT_SECONDS`); the server side decorates its
methods with `@refusals_as_data`, so a `contracts.errors.Refusal` arrives whole (code, field,
every problem) and is raised again in the caller.
"""
from __future__ import annotations

import functools

import eventlet
from nameko.rpc import RpcProxy

from contracts.errors import Refusal

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
        reply = self._method.call_async(*args, **kwargs)
        try:
            with eventlet.Timeout(self._timeout):
                return unwrap(reply.result())
        except eventlet.Timeout:
            raise RpcTimeout("UPSTREAM_TIMEOUT",
                             f"{self._service} 服务在 {self._timeout:g} 秒内未响应，请稍后重试",
                             status=504) from None


class _TimedProxy:
    def __init__(self, service: str, proxy, timeout: float):
        self._service, self._proxy, self._timeout = service, proxy, timeout

    def __getattr__(self, name):
        return _TimedMethod(self._service, name, getattr(self._proxy, name), self._timeout)


class Rpc(RpcProxy):
    """`self.review.method(...)`: an RPC call that gives up after `RPC_TIMEOUT_SECONDS`."""

    def get_dependency(self, worker_ctx):
        timeout = float(self.container.config.get("RPC_TIMEOUT_SECONDS", 10))
        return _TimedProxy(self.target_service, super().get_dependency(worker_ctx), timeout)
