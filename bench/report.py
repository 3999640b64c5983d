"""The table, the rows of results.json it is made of, and the chart."""
from __future__ import annotations

from pathlib import Path


def _row(section, metric, value, bare=None, unit="", ratio=None, target="", met=None):
    return {"section": section, "metric": metric, "value": value, "bare": bare, "unit": unit,
            "ratio": ratio, "target": target, "met": met}


def rows(results: dict) -> list[dict]:
    s, out = results["sections"], []
    for name, sec in s.items():
        if "error" in sec:
            out.append(_row(name, "FAILED", sec["error"][:70]))
    for name, sec in s.items():
        if sec.get("prepare_stuck") or sec.get("prepare_dead_lettered"):
            dead = sum(v for v in (sec.get("prepare_dead_lettered") or {}).values() if v > 0)
            out.append(_row(name, "preparing: dead-lettered / left out", f"{dead}/"
                            f"{sec.get('prepare_stuck', 0)}", target="0/0", met=False))
    c = s.get("checks", {})
    for kind in ("a4_scan", "a4_corpus_kinds", "phone_upright", "phone_rotated"):
        if kind in c:
            r = c[kind]
            want = r.get("target", 4.0)
            out.append(_row("1 checks", f"{kind} checks/s", r["check"]["per_s"],
                            r["bare"]["per_s"], "/s", r["ratio"], f">= {want:g}x bare decode",
                            r["ratio"] >= want))
            if "cpu_ratio" in r:  # the same, by CPU time: what a shared machine's load leaves
                out.append(_row("1 checks", f"{kind} checks per CPU-s",
                                r["check"]["cpu_per_s"], r["bare"]["cpu_per_s"], "/s",
                                r["cpu_ratio"], f">= {want:g}x bare decode",
                                r["cpu_ratio"] >= want))
            for part in ("draft_decode", "entropy_decode", "turn", "recode"):
                if part in r:  # a check doing only this part: the ceiling of the ratio
                    out.append(_row("1 checks", f"{kind}: {part} alone per CPU-s",
                                    r[part]["cpu_per_s"], r["bare"]["cpu_per_s"], "/s",
                                    r[part]["cpu_ratio_if_only_this"], "(ceiling)"))
    if "corrupt" in c:
        rejected = sum(1 for v in c["corrupt"].values() if v["verdict"] == "rejected")
        bare = sum(1 for v in c["corrupt"].values() if v["bare_refuses"])
        out.append(_row("1 checks", "corrupt files rejected", rejected, bare, "files", None,
                        "all bare refuses rejected", c["corrupt_all_rejected"]))
        draft = sum(1 for v in c["corrupt"].values() if v.get("draft_refuses"))
        out.append(_row("1 checks", "refused by the 1/8 draft decode alone", draft, bare,
                        "files", None, "every truncation", c.get("draft_finds_every_truncation")))
    k = s.get("corpus", {})
    if "targets" in k:
        t, met = k["targets"], k["met"]
        for name, label in (("sharp_flagged", "sharp pages flagged"),
                            ("illegible_flagged", "illegible pages flagged BLURRED"),
                            ("blank_flagged", "blank pages flagged BLANK_PAGE"),
                            ("portrait_blank", "portraits judged blank")):
            out.append(_row("1 checks", f"corpus: {label}", f"{t[name]['count']}/"
                            f"{t[name]['pages']}", None, "", None,
                            {"sharp_flagged": "<= 1%", "illegible_flagged": ">= 95%",
                             "blank_flagged": "100%", "portrait_blank": "0"}[name], met[name]))
    p = s.get("pipeline", {})
    if "saturated" in p:
        fx, sat = p["fixed_rate"], p["saturated"]
        out.append(_row("2 pipeline", f"submit->mailed/s, saturated (n={sat['n']})",
                        sat["per_s"], p["bare_max"]["per_s"], "/s",
                        p["ratio_throughput_vs_bare_max"], ">= 100/s sustained",
                        sat["per_s"] >= 100))
        for q in ("p50", "p95", "p99"):
            v, b = fx["latency_s"][q], p["bare_same_rate"]["latency_s"][q]
            out.append(_row("2 pipeline", f"latency {q} at {fx['rate_offered']:g}/s (n={fx['n']})",
                            v and v * 1e3, b and b * 1e3, "ms", (v / b) if v and b else None,
                            "<= 500 ms" if q == "p99" else "",
                            (v is not None and v <= 0.5) if q == "p99" else None))
        v = sat["latency_s"]["p99"]
        out.append(_row("2 pipeline", "latency p99, saturated", v and v * 1e3, unit="ms"))
        for count, phase in (p.get("saturated_by_instances") or {}).items():
            out.append(_row("2 pipeline", f"submit->mailed/s, saturated, {count} instance(s) "
                            f"(n={phase['n']})", phase["per_s"], unit="/s",
                            target=">= 100/s sustained", met=phase["per_s"] >= 100))
            cpu = phase.get("cpu_s_per_submission") or {}
            out.append(_row("2 pipeline", f"CPU ms/submission, {count} instance(s): " + " / ".join(
                cpu), " / ".join(f"{v * 1e3:.0f}" if v is not None else "-"
                                 for v in cpu.values()), unit="ms"))
            infra = phase.get("infrastructure_cpu_s_per_submission") or {}
            if infra:
                out.append(_row("2 pipeline", f"CPU ms/submission below the services, {count} "
                                "instance(s): " + " / ".join(infra), " / ".join(
                                    f"{v * 1e3:.0f}" if v is not None else "-"
                                    for v in infra.values()), unit="ms"))
            work = phase.get("database_work_per_submission") or {}
            if work:
                out.append(_row("2 pipeline", f"transactions / rows written per submission, "
                                f"{count} instance(s): " + " / ".join(work), " / ".join(
                                    f"{w['transactions']:.1f}/{w['rows_written']:.1f}"
                                    if w["transactions"] is not None else "-"
                                    for w in work.values())))
            series = phase.get("completions_per_s") or []
            out.append(_row("2 pipeline", f"completions per second, {count} instance(s)",
                            " ".join(str(c) for c in series[:40])
                            + (" …" if len(series) > 40 else "")))
        dead = sum(v for v in p.get("dead_lettered", {}).values() if v > 0)
        out.append(_row("2 pipeline", "events dead-lettered", dead, target="0", met=dead == 0))
        for phase in (fx, *((p.get("saturated_by_instances") or {}).values() or (sat,))):
            out.append(_row("2 pipeline", f"submitted/notified/duplicated @{phase['rate_offered']:g}",
                            f"{phase['submitted']}/{phase['notified']}/{phase['duplicated']}",
                            met=phase["submitted"] == phase["notified"] == phase["n"]
                            and not phase["duplicated"], target="all notified once"))
    a = s.get("api", {})
    if "status_read" in a:
        bare = (a["bare"]["per_s"] + a["bare_after"]["per_s"]) / 2
        bp99 = a["bare"]["latency_ms"]["p99"]
        for key, label, target, ok in (
                ("status_read", "GET /applications/{id}", ">= 1/3 bare",
                 a["ratio_status_read"] >= 1 / 3),
                ("submit", "POST .../submit", "", None)):
            r = a[key]
            out.append(_row("3 api", f"{label} req/s @{a['clients']}", r["per_s"], bare, "/s",
                            r["per_s"] / bare, target, ok))
            p99 = r["latency_ms"]["p99"]
            out.append(_row("3 api", f"{label} p99", p99, bp99, "ms",
                            p99 / bp99 if p99 and bp99 else None))
    for key, label in (("one", "floor: 1 SQLAlchemy statement"),
                       ("raw", "floor: 1 psycopg2 statement"),
                       ("four", "floor: 4 SQLAlchemy statements")):
        f = (a.get("floors") or {}).get(key)
        if f and "status_read" in a:
            bare = (a["bare"]["per_s"] + a["bare_after"]["per_s"]) / 2
            out.append(_row("3 api", f"{label} req/s @{a['clients']}", f["per_s"], bare, "/s",
                            f["per_s"] / bare))
    r = s.get("render", {})
    if "form" in r:
        out.append(_row("4 render", f"评审表 median ({r['pages']} pages)", r["form"]["median_ms"],
                        r["bare"]["median_ms"], "ms", r["ratio"], "<= 4x bare", r["ratio"] <= 4))
        out.append(_row("4 render", "评审表 p99", r["form"]["p99_ms"], r["bare"]["p99_ms"], "ms",
                        r["form"]["p99_ms"] / r["bare"]["p99_ms"]))
        out.append(_row("4 render", "bytes per document", r["form"]["bytes"] / 1024,
                        r["bare"]["bytes"] / 1024, "KB", r["form"]["bytes"] / r["bare"]["bytes"],
                        "<= 300 KB", r["bytes_ok"]))
    m = s.get("memory", {})
    for name, v in (m.get("peak_rss") or {}).items():
        peak = max(x for x in (v["sampled_peak"], v["vm_hwm"]) if x)
        out.append(_row("5 memory", f"{name} peak RSS", peak / 2**20, unit="MB"))
    u = m.get("upload_20mb")
    if u:
        out.append(_row("5 memory", "intake RSS rise, 20 MB upload", u["rise"] / 2**20,
                        u["bytes"] / 2**20, "MB", u["rise"] / u["bytes"], "< 20 MB", u["ok"]))
    f = s.get("faults", {})
    if "submitted" in f:
        same = f.get("duplicated_same_message_id", 0)
        out.append(_row("6 faults", "submitted/completed/lost/duplicated (same Message-ID)",
                        f"{f['submitted']}/{f['completed']}/{f['lost']}/{f['duplicated']}"
                        f" ({same})",
                        target="lost 0, duplicated 0",
                        met=f["lost"] == 0 and f["duplicated"] == 0
                        and f["consistent"] == f["submitted"]))
        dead = sum(v for v in f.get("dead_lettered", {}).values() if v > 0)
        out.append(_row("6 faults", "events dead-lettered", dead, target="0", met=dead == 0))
        out.append(_row("6 faults", "consistent (in_review + 评审表)", f["consistent"],
                        f["submitted"], "apps"))
        out.append(_row("6 faults", "faults injected", len(f["faults"]),
                        target="; ".join(f["faults"])))
        if f["skipped"]:
            out.append(_row("6 faults", "not injected (--full, after 11:15 UTC)",
                            len(f["skipped"]), target=", ".join(f["skipped"])))
    return out


def _fmt(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v[:40]
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) >= 10 else f"{v:.2f}"
    return str(v)


def table(rows: list[dict], results: dict) -> str:
    env = results["environment"]
    head = (f"titles benchmarks — {env['date_utc']} — {env['cpus']} CPU ({env['cpu_model']}), "
            f"load at start {env['loadavg_at_start']}\n")
    cols = ("section", "metric", "titles", "bare", "unit", "ratio", "target", "met")
    data = [(r["section"], r["metric"], _fmt(r["value"]), _fmt(r["bare"]), r["unit"],
             _fmt(r["ratio"]) + ("x" if r["ratio"] is not None else ""), r["target"],
             {True: "yes", False: "NO", None: ""}[r["met"]]) for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(cols, *data)]
    line = lambda xs: "  ".join(str(x).ljust(w) for x, w in zip(xs, widths))  # noqa: E731
    return "\n".join([head, line(cols), line("-" * w for w in widths), *map(line, data)])


def chart(rows: list[dict], path: Path, results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    try:  # the CJK font the documents use, as a fallback for the Chinese labels
        from documents.fonts import cjk_font_path

        font_manager.fontManager.addfont(str(cjk_font_path()))
        cjk = font_manager.FontProperties(fname=str(cjk_font_path())).get_name()
        plt.rcParams["font.family"] = ["DejaVu Sans", cjk]
    except Exception:  # noqa: BLE001 - labels with boxes are still a chart
        pass

    ratios = [r for r in rows if isinstance(r["ratio"], (int, float))]
    mem = [r for r in rows if r["section"] == "5 memory" and r["unit"] == "MB"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, max(4, 0.42 * len(ratios) + 1.5)),
                                   gridspec_kw={"width_ratios": [3, 1.4]})
    labels = [f"{r['section'][:2]}{r['metric'][:38]}" for r in ratios]
    colours = ["#2a7" if r["met"] else "#c33" if r["met"] is False else "#888" for r in ratios]
    ax1.barh(labels, [r["ratio"] for r in ratios], color=colours)
    ax1.axvline(1, color="k", lw=0.8)
    ax1.set_xscale("log")
    ax1.invert_yaxis()
    ax1.set_xlabel("titles / bare baseline (same run)  — green: target met, red: missed")
    for i, r in enumerate(ratios):
        ax1.text(r["ratio"], i, f" {r['ratio']:.2f}x", va="center", fontsize=8)
    ax2.barh([r["metric"][:28] for r in mem], [r["value"] for r in mem], color="#47a")
    ax2.invert_yaxis()
    ax2.set_xlabel("MB")
    ax2.set_title("memory", fontsize=9)
    env = results["environment"]
    fig.suptitle(f"titles vs bare baselines — {env['date_utc']}, {env['cpus']} CPU, shared "
                 f"machine (load {env['loadavg_at_start'][0]})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
