"""python -m bench [--quick] [--full] [--only checks,corpus,render,pipeline,api,memory,faults]
                  [--rate R] [-n N] [--saturated-n N] [--instances 1,2]

Prints a table of every figure beside its bare baseline (the ratio is the result), writes
bench/out/results.json and bench/out/chart.png. --full adds the shared-infrastructure faults
(RabbitMQ app restart, PostgreSQL restart), and only after faults.FULL_FAULTS_AFTER_UTC.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

from . import checks, corpus, render, report
from .stack import environment

OUT = Path(__file__).resolve().parent / "out"
SECTIONS = ("checks", "corpus", "render", "pipeline", "api", "memory", "faults")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--quick", action="store_true", help="small N: minutes, not tens of minutes")
    p.add_argument("--full", action="store_true",
                   help="also restart RabbitMQ's app and PostgreSQL in the faults section")
    p.add_argument("--only", default=",".join(SECTIONS))
    p.add_argument("--rate", type=float, help="pipeline arrival rate, submissions/s")
    p.add_argument("-n", type=int, help="pipeline submissions at the fixed rate (and faults)")
    p.add_argument("--saturated-n", type=int,
                   help="submissions of each saturated phase (default 1000; --quick 30)")
    p.add_argument("--instances", default=None,
                   help="saturated phases with these process counts of documents, review and "
                        "notify, e.g. 1,2 (default 1,2; --quick 1)")
    p.add_argument("--api-submits", type=int, help="applications submitted in the API section")
    p.add_argument("--profile", action="store_true", help="write cProfile text of hot paths")
    p.add_argument("--out", type=Path, default=OUT)
    a = p.parse_args(argv)
    only = [s for s in a.only.split(",") if s]
    a.out.mkdir(parents=True, exist_ok=True)
    rate = a.rate or (5.0 if a.quick else 50.0)
    n = a.n or (30 if a.quick else 300)
    a.saturated_n = a.saturated_n or (30 if a.quick else 1000)
    a.instances = tuple(int(x) for x in (a.instances or ("1" if a.quick else "1,2")).split(","))
    results = {"environment": environment(), "command": "python -m bench " + " ".join(
        argv if argv is not None else sys.argv[1:]), "sections": {}}
    sections = results["sections"]

    def log(msg):
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    def attempt(name, fn):
        if name not in only:
            return
        log(f"{name} …")
        t = time.time()
        try:
            sections[name] = fn()
        except BaseException as exc:  # noqa: BLE001 - a failed section is reported, not fatal
            if isinstance(exc, KeyboardInterrupt):
                raise
            sections[name] = {"error": f"{type(exc).__name__}: {exc}",
                              "traceback": traceback.format_exc()}
            log(f"{name} FAILED: {exc}")
        log(f"{name} done in {time.time() - t:.0f}s")

    attempt("checks", lambda: checks.run(a.quick))
    attempt("corpus", lambda: corpus.run(a.quick))
    attempt("render", lambda: render.run(a.quick))
    if a.profile:
        results["profiles"] = {"checks": checks.profile(), "render": render.profile()}

    if set(only) & {"pipeline", "api", "memory", "faults"}:
        log("starting RabbitMQ vhost, databases, S3, SMTP sink and the four services …")
        try:
            _with_stack(a, only, rate, n, results, attempt, log)
        except Exception as exc:  # noqa: BLE001 - starting or stopping: reported with the rest
            results["stack_error"] = f"{type(exc).__name__}: {exc}"
            log(f"stack FAILED: {exc}")
    results["finished_utc"] = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
    (a.out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False,
                                                   default=str))
    rows = report.rows(results)
    print(report.table(rows, results))
    report.chart(rows, a.out / "chart.png", results)
    log(f"wrote {a.out / 'results.json'} and {a.out / 'chart.png'}")
    return 0


def _with_stack(a, only, rate, n, results, attempt, log):
    from . import api, faults, memory, pipeline
    from .stack import RssSampler, Stack

    with Stack() as stack:
        log(f"up; work dir {stack.work}")
        sampler = RssSampler(stack.pids, interval=0.2)
        sampler.start()
        spy = None
        if a.profile:
            from .spy import Spy

            profiler = Spy(a.out)
            spy = lambda label, seconds, only=None: profiler(label, seconds, {  # noqa: E731
                s: p for s, p in stack.pids().items() if only is None or s in only})
        attempt("pipeline", lambda: pipeline.run(stack, a.quick, rate, n, spy, a.saturated_n,
                                                 a.instances))
        attempt("api", lambda: api.run(stack, a.quick, spy, a.api_submits))
        if "memory" in only:
            attempt("memory", lambda: {"upload_20mb": memory.upload_20mb(stack),
                                       "peak_rss": memory.peaks(stack, sampler)})
        sampler.stop()
        attempt("faults", lambda: faults.run(stack, a.quick, a.full, rate,
                                              max(12, n // 2) if a.quick else n, log))
        results["logs"] = str(stack.cluster.log_dir)
        if spy:
            results["service_profiles"] = profiler.join()


if __name__ == "__main__":
    sys.exit(main())
