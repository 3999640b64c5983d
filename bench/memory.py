"""5. Memory: peak RSS of each service process over the run (sampled VmRSS and the kernel's VmHWM),
and intake's RSS while a 20 MB attachment is streamed in (it must not rise by 20 MB)."""
from __future__ import annotations

import io
import time

from tests.support import applications
from tests.support.images import scan_jpeg

from .load import applicant_token
from .stack import RssSampler, Stack, proc_status

UPLOAD_BYTES = 20 * 1000 * 1000  # under intake's MAX_UPLOAD_BYTES (20 MiB)


def big_jpeg() -> bytes:
    """A real scan padded after its end-of-image marker to 20 MB (documents strips the tail)."""
    data = scan_jpeg(seed=11)
    return data + b"\0" * (UPLOAD_BYTES - len(data))


def upload_20mb(stack: Stack) -> dict:
    api = stack.cluster.api
    pid = stack.cluster.procs["intake"].pid
    token = applicant_token(api, 0, "mem")
    app = applications.create(api, token, applications.for_token(token, applications.body()))
    data = big_jpeg()
    time.sleep(1)
    before = proc_status(pid, "VmRSS")
    hwm_before = proc_status(pid, "VmHWM")
    sampler = RssSampler(lambda: {"intake": pid}, interval=0.01)
    sampler.start()
    t = time.time()

    # a file object: requests sends Content-Length and writes it in blocks
    r = api.call("PUT", f"/applications/{app['id']}/attachments/basic/id_card", token,
                 data=io.BytesIO(data), headers={"Content-Type": "image/jpeg"})
    took = time.time() - t
    time.sleep(0.3)
    sampler.stop()
    peak = sampler.peak.get("intake", 0)
    hwm_after = proc_status(pid, "VmHWM") or 0
    if hwm_after > (hwm_before or 0):  # the kernel saw a higher peak than the samples did
        peak = max(peak, hwm_after)
    return {"status": r.status_code, "answer": r.text[:300], "bytes": len(data), "seconds": took,
            "rss_before": before, "rss_peak_during": peak, "rise": peak - before,
            "ok": r.status_code == 201 and peak - before < UPLOAD_BYTES}


def peaks(stack: Stack, sampler: RssSampler) -> dict:
    out = {}
    for name, pid in stack.pids().items():
        out[name] = {"sampled_peak": sampler.peak.get(name), "vm_hwm": proc_status(pid, "VmHWM"),
                     "rss_now": proc_status(pid, "VmRSS")}
    return out
