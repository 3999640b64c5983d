"""The public verification's rate limit: each client address gets `VERIFY_BURST` requests at once
and `VERIFY_RATE_PER_MINUTE` after that (429 `RATE_LIMITED` with Retry-After, `http.public`)."""
from __future__ import annotations

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


class VerifyRateLimit(DependencyProvider):
    """One `TokenBuckets` per intake process (nameko makes a service instance per request)."""

    def setup(self):
        config = self.container.config
        self.buckets = TokenBuckets(float(config.get("VERIFY_RATE_PER_MINUTE", 30)) / 60,
                                    int(config.get("VERIFY_BURST", 10)))

    def get_dependency(self, worker_ctx):
        return self.buckets
