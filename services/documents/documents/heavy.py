"""CPU-heavy work (decoding an image, rendering a PDF) in OS threads (`plumbing.offload`), off
the eventlet hub, at most `HEAVY_WORK_SLOTS` at a time per process: a 50-megapixel decode holds
~150 MB, and ten of them at once would not fit a small machine."""
from __future__ import annotations

from eventlet.semaphore import Semaphore

from plumbing.offload import offload

HEAVY_WORK_SLOTS = 2
_slots = Semaphore(HEAVY_WORK_SLOTS)


def heavy(fn, *args, **kwargs):
    """Run CPU-heavy `fn` in an OS thread, a bounded number at a time."""
    with _slots:
        return offload(fn, *args, **kwargs)
