"""python -m bench.corpus [--seed N] [--per-kind N]: the attachment checker (documents.checks,
R-3.2) over the labelled corpus of tests/support/corpus.py; prints the confusion matrices per
kind of page and per problem code and the targets of docs/checks.md.

Also a section of `python -m bench` (`--only corpus`), whose results.json keeps the figures.
"""
from __future__ import annotations

import argparse
import sys
import time

from tests.support.corpus import confusion, corpus, judge, targets

TARGETS = {"sharp_flagged": ("≤", 0.01), "illegible_flagged": ("≥", 0.95),
           "blank_flagged": ("≥", 1.0), "portrait_blank": ("≤", 0.0)}


def run(quick: bool = False, seed: int = 14, per_kind: int = 12) -> dict:
    t = time.perf_counter()
    pages = corpus(seed, per_kind)
    made = time.perf_counter() - t
    t = time.perf_counter()
    outcomes = judge(pages)
    checked = time.perf_counter() - t
    figures = targets(outcomes)
    met = {k: (figures[k]["share"] <= v if op == "≤" else figures[k]["share"] >= v)
           for k, (op, v) in TARGETS.items()}
    return {"seed": seed, "pages": len(pages), "generate_s": round(made, 1),
            "check_s": round(checked, 1), "targets": figures, "met": met,
            "by_kind": confusion(outcomes, "kind"), "by_code": confusion(outcomes, "expected")}


def format_matrix(title: str, table: dict[str, dict[str, int]]) -> str:
    columns = sorted({c for cells in table.values() for c in cells}, key=lambda c: (c != "—", c))
    width = max(len(r) for r in table) + 2
    lines = [title, " " * width + "".join(f"{c:>12}" for c in columns)]
    for row, cells in table.items():
        lines.append(f"{row:<{width}}" + "".join(f"{cells.get(c, 0):>12}" for c in columns))
    return "\n".join(lines)


def report(r: dict) -> str:
    out = [f"corpus seed {r['seed']}: {r['pages']} pages (made in {r['generate_s']} s, checked "
           f"in {r['check_s']} s)", "",
           format_matrix("by kind/group (rows) × code reported (columns):", r["by_kind"]), "",
           format_matrix("by expected code (rows) × code reported (columns):", r["by_code"]), "",
           "targets:"]
    for name, f in r["targets"].items():
        op, want = TARGETS.get(name, ("", None))
        verdict = "" if want is None else f"  target {op} {want:.0%}: " + (
            "met" if r["met"][name] else "MISSED")
        out.append(f"  {name:<18} {f['count']:>4} of {f['pages']:<4} = {f['share']:6.1%}{verdict}"
                   + (f"  {f['names'][:6]}" if f["names"] and name != "illegible_flagged"
                      and name != "blank_flagged" else ""))
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.corpus")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--per-kind", type=int, default=12)
    a = p.parse_args(argv)
    r = run(seed=a.seed, per_kind=a.per_kind)
    print(report(r))
    return 0 if all(r["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
