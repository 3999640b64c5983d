"""The public verification's rate limit: each client address gets `VERIFY_BURST` requests at once
and `VERIFY_RATE_PER_MINUTE` after that (429 `RATE_LIMITED` with Retry-After, `http.public`).

Behind the reverse proxy every request comes from the proxy's address: a request from an address
in `TRUSTED_PROXIES` (comma-separated networks; compose sets the private ones, intake publishing
no port of its own) is counted for the client the proxy names in `X-Real-IP`."""
from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict

from nameko.extensions import DependencyProvider


class TokenBuckets:
    """Per-client request budget: `burst` at once, refilled at `per_second`. Bounded memory:
    at most `max_clients` buckets, the least recently used forgotten first. Pure but for the
    injected `now`."""

    def __init__(self, per_second: float, burst: int, max_clients: int = 10_000,
                 now=time.monotonic):
        self.per_second, self.burst, self.max_clients, self.now = per_second, burst, max_clients, now
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str) -> float:
        """Spend one request for `client`: 0 when allowed, else the seconds until it would be."""
        now = self.now()
        tokens, since = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - since) * self.per_second)
        if tokens >= 1:
            tokens -= 1
            wait = 0.0
        else:
            wait = (1 - tokens) / self.per_second
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait


def networks(text: str | None) -> list:
    return [ipaddress.ip_network(n.strip(), strict=False) for n in (text or "").split(",")
            if n.strip()]


def client_address(remote: str | None, real_ip: str | None, trusted: list) -> str:
    """The client a request counts for: the proxy's `X-Real-IP` when the request came from a
    trusted proxy, else the address it came from."""
    try:
        via_proxy = remote is not None and any(ipaddress.ip_address(remote) in net
                                               for net in trusted)
    except ValueError:
        via_proxy = False
    return (real_ip.strip() if via_proxy and real_ip else remote) or "unknown"


class Budget:
    """What the endpoint spends: one request of the client a request counts for."""

    def __init__(self, buckets: TokenBuckets, trusted: list):
        self.buckets, self.trusted = buckets, trusted

    def take(self, request) -> float:
        return self.buckets.take(client_address(request.remote_addr,
                                                request.headers.get("X-Real-IP"), self.trusted))


class VerifyRateLimit(DependencyProvider):
    """One `TokenBuckets` per intake process (nameko makes a service instance per request)."""

    def setup(self):
        config = self.container.config
        self.budget = Budget(TokenBuckets(float(config.get("VERIFY_RATE_PER_MINUTE", 30)) / 60,
                                          int(config.get("VERIFY_BURST", 10))),
                             networks(config.get("TRUSTED_PROXIES")))

    def get_dependency(self, worker_ctx):
        return self.budget
