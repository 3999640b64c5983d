"""CPU-heavy work off the eventlet hub (README, Reliability: Under eventlet).

Decoding a 20-megapixel scan or rendering a PDF holds the GIL in C for tens of milliseconds;
on the hub that would stall every other greenthread of the service (heartbeats included).
`eventlet.tpool` runs it in a real OS thread; Pillow and zlib release the GIL while they work.
"""
from __future__ import annotations

from eventlet import tpool


def offload(fn, *args, **kwargs):
    return tpool.execute(fn, *args, **kwargs)
