"""Where a service's time goes: py-spy (a sampling profiler, in the bench extra) attached to the
running service processes for a few seconds, its collapsed stacks summed per function."""
from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

_FRAME = re.compile(r"^(?P<fn>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def _py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


def _short(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    file = m["file"]
    for marker in ("site-packages/", "/services/", "/plumbing/", "/lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{m['fn']} ({file})"


def summarize(raw: Path, top: int = 15) -> dict:
    """Self and inclusive share of samples per function, from py-spy's raw (collapsed) output."""
    own, incl, total = collections.Counter(), collections.Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_short(f) for f in stack.split(";") if f.strip()]
        total += n
        if frames:
            own[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
    share = lambda c: [(f, round(100 * k / total, 1)) for f, k in c.most_common(top)]  # noqa: E731
    return {"samples": total, "self_pct": share(own), "inclusive_pct": share(incl)}


class Spy:
    """spy(label, seconds, pids) starts py-spy on each pid in the background; .join() waits and
    returns {label: {service: summary}}."""

    def __init__(self, out: Path):
        self.out, self.threads, self.results = out, [], {}
        self.tool = _py_spy()

    def __call__(self, label: str, seconds: float, pids: dict[str, int]):
        if not self.tool:
            self.results[label] = {"error": "py-spy is not installed (pip install '.[bench]')"}
            return
        for name, pid in pids.items():
            raw = self.out / f"spy-{label}-{name}.txt"
            cmd = [self.tool, "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "50",
                   "-f", "raw", "-o", str(raw), "--nonblocking"]

            def work(name=name, raw=raw, cmd=cmd):
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
                if raw.exists():
                    self.results.setdefault(label, {})[name] = summarize(raw)
                else:
                    self.results.setdefault(label, {})[name] = {"error": done.stderr[-300:]}

            t = threading.Thread(target=work, daemon=True)
            t.start()
            self.threads.append(t)

    def join(self) -> dict:
        for t in self.threads:
            t.join()
        return self.results
