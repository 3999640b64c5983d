"""Unit tests of the harness's own arithmetic and parsing (run: pytest bench/test_harness.py).

Not in `make test`'s testpaths: these test the measuring instrument, not titles."""
from __future__ import annotations

import json
from email.message import EmailMessage
from types import SimpleNamespace

from bench import report
from bench.load import percentiles
from bench.spy import summarize
from bench.stack import MailIndex, ref_of


def test_percentiles_pick_order_statistics():
    values = [i / 100 for i in range(1, 101)]  # 0.01 … 1.00
    p = percentiles(values)
    assert p["p50"] == 0.51  # nearest rank: index round(0.5 × 99) = 50
    assert p["p99"] == 0.99 and p["max"] == 1.0
    assert percentiles([])["p99"] is None


def _mail(folder, n, to, subject, message_id=None):
    msg = EmailMessage()
    msg["To"], msg["From"], msg["Subject"] = to, "titles@example.org", subject
    msg["Message-ID"] = message_id or f"<{n}@x>"
    msg.set_content("x")
    (folder / f"{n:05d}.eml").write_bytes(bytes(msg))


def test_mail_index_counts_each_reference_per_reviewer_incrementally(tmp_path):
    box = SimpleNamespace(folder=tmp_path)
    a, b = "3f2a9b1c-0000-4000-8000-000000000000", "deadbeef-0000-4000-8000-000000000000"
    _mail(tmp_path, 1, "hr.machinery@example.org", f"【职称评审】申报 {ref_of(a)} 请您审核")
    _mail(tmp_path, 2, "someone@example.org", f"申报 {ref_of(b)}")
    index = MailIndex(box)
    assert {k: len(v) for k, v in index.scan().items()} == {"3F2A9B1C": 1}
    _mail(tmp_path, 3, "hr.machinery@example.org", f"申报 {ref_of(a)} 请您审核")
    assert len(index.scan()["3F2A9B1C"]) == 2  # a duplicate is seen, once more, not re-read
    assert index.copies(["3F2A9B1C"]) == (1, 0)  # two messages, each its own Message-ID


def test_mail_index_tells_the_same_message_resent_from_a_second_message(tmp_path):
    box = SimpleNamespace(folder=tmp_path)
    ref = ref_of("3f2a9b1c-0000-4000-8000-000000000000")
    for n in (1, 2):  # notify killed after the SMTP server took it: the same message again
        _mail(tmp_path, n, "hr.machinery@example.org", f"申报 {ref} 请您审核", "<send-1@x>")
    index = MailIndex(box)
    index.scan()
    assert index.copies([ref, "DEADBEEF"]) == (1, 1)


def test_spy_summary_shares_self_and_inclusive_samples(tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_text("main (app.py:1);handler (svc/service.py:10);execute (sqlalchemy/engine/base.py:5) 3\n"
                   "main (app.py:1);handler (svc/service.py:10) 1\n")
    s = summarize(raw)
    assert s["samples"] == 4
    assert dict(s["self_pct"])["execute (sqlalchemy/engine/base.py)"] == 75.0
    assert dict(s["inclusive_pct"])["handler (svc/service.py)"] == 100.0


def test_report_rows_judge_targets_from_the_numbers():
    results = {"environment": {"date_utc": "d", "cpus": 2, "cpu_model": "x",
                               "loadavg_at_start": [1, 1, 1]},
               "sections": {
                   "checks": {"a4_scan": {"check": {"per_s": 100.0}, "bare": {"per_s": 20.0},
                                          "ratio": 5.0},
                              "corrupt": {"t": {"bare_refuses": True, "verdict": "rejected"}},
                              "corrupt_all_rejected": True},
                   "render": {"pages": 6, "form": {"median_ms": 50.0, "p99_ms": 60.0,
                                                   "bytes": 400 * 1024},
                              "bare": {"median_ms": 10.0, "p99_ms": 12.0, "bytes": 1000},
                              "ratio": 5.0, "bytes_ok": False},
                   "faults": {"submitted": 3, "completed": 2, "lost": 1, "duplicated": 0,
                              "consistent": 3, "faults": ["kill -9 x"], "skipped": [],
                              "dead_lettered": {"notify": 1}}}}
    rows = {(r["section"], r["metric"]): r for r in report.rows(results)}
    assert rows[("1 checks", "a4_scan checks/s")]["met"] is True
    assert rows[("4 render", "评审表 median (6 pages)")]["met"] is False
    assert rows[("4 render", "bytes per document")]["met"] is False
    assert rows[("6 faults", "submitted/completed/lost/duplicated (same Message-ID)")][
        "value"] == "3/2/1/0 (0)"
    assert rows[("6 faults", "submitted/completed/lost/duplicated (same Message-ID)")][
        "met"] is False
    table = report.table(report.rows(results), results)
    assert "NO" in table and "yes" in table
    json.dumps(report.rows(results), ensure_ascii=False)


def test_completions_are_counted_per_second_from_the_first_submission():
    from bench.pipeline import completions_per_second
    assert completions_per_second(100.0, [100.2, 100.9, 101.5, 103.0]) == [2, 1, 0, 1]
    assert completions_per_second(100.0, []) == []


def test_cpu_per_submission_sums_a_services_replicas():
    from bench.pipeline import cpu_by_service
    before = {"intake": 1.0, "review": 2.0}
    after = {"intake": 3.0, "review": 4.0, "review-2": 2.0}  # the replica started during it
    assert cpu_by_service(before, after, 4) == {"intake": 0.5, "review": 1.0}
    assert cpu_by_service(before, after, 0) == {"intake": None, "review": None}


def test_the_report_shows_each_instance_counts_throughput_and_cpu():
    phase = {"n": 1000, "rate_offered": 10_000.0, "submitted": 1000, "notified": 1000,
             "duplicated": 0, "per_s": 40.0, "latency_s": {"p50": 1, "p95": 2, "p99": 3},
             "completions_per_s": [10, 40, 40], "cpu_s_per_submission": {"documents": 0.01}}
    fixed = {**phase, "n": 300, "rate_offered": 50.0}
    results = {"sections": {"pipeline": {
        "fixed_rate": fixed, "saturated": phase, "saturated_by_instances": {"1": phase,
                                                                            "2": phase},
        "bare_max": {"per_s": 1000.0}, "bare_same_rate": {"latency_s": fixed["latency_s"]},
        "ratio_throughput_vs_bare_max": 0.04, "dead_lettered": {}}}}
    metrics = [r["metric"] for r in report.rows(results)]
    assert "submit->mailed/s, saturated, 2 instance(s) (n=1000)" in metrics
    assert "CPU ms/submission, 1 instance(s): documents" in metrics
    assert "latency p99 at 50/s (n=300)" in metrics


def test_infrastructure_cpu_counts_a_named_process_and_its_exited_children():
    """The broker's and the database's share (bench/cluster.py): a process found by its command
    name, with what its reaped children used (PostgreSQL's backends exit with their connection)."""
    import os
    import subprocess
    import time

    from bench.cluster import cpu_of_commands

    # a shell (comm "sh") that burns CPU in a child it reaps, then sleeps
    proc = subprocess.Popen(["sh", "-c", "python3 -c 'sum(range(30_000_000))'; sleep 30"])
    try:
        deadline, reaped = time.time() + 30, 0
        while time.time() < deadline and not reaped:  # until the child exited and was reaped
            fields = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()
            reaped = int(fields[13]) + int(fields[14])  # its CPU, now in cutime and cstime
            time.sleep(0.1)
        assert reaped > 0
        assert cpu_of_commands(("sh",)) >= reaped / os.sysconf("SC_CLK_TCK")
        assert cpu_of_commands(("no-such-command",)) == 0.0
    finally:
        proc.kill()
        proc.wait()


def test_the_report_shows_the_floors_and_what_lies_below_the_services():
    phase = {"n": 1000, "rate_offered": 10_000.0, "submitted": 1000, "notified": 1000,
             "duplicated": 0, "per_s": 40.0, "latency_s": {"p50": 1, "p95": 2, "p99": 3},
             "completions_per_s": [40], "cpu_s_per_submission": {"intake": 0.01},
             "infrastructure_cpu_s_per_submission": {"postgresql": 0.024, "rabbitmq": 0.008},
             "database_work_per_submission": {"intake": {"transactions": 4.25,
                                                         "rows_written": 19.0}}}
    hammered = {"per_s": 400.0, "latency_ms": {"p99": 150.0}}
    results = {"sections": {
        "pipeline": {"fixed_rate": {**phase, "rate_offered": 50.0}, "saturated": phase,
                     "saturated_by_instances": {"1": phase}, "bare_max": {"per_s": 1000.0},
                     "bare_same_rate": {"latency_s": phase["latency_s"]},
                     "ratio_throughput_vs_bare_max": 0.04, "dead_lettered": {}},
        "api": {"clients": 32, "bare": {"per_s": 3000.0, "latency_ms": {"p99": 10.0}},
                "bare_after": {"per_s": 3000.0}, "status_read": hammered,
                "submit": hammered, "ratio_status_read": 400 / 3000,
                "floors": {"one": {"per_s": 900.0}, "raw": {"per_s": 1800.0},
                           "four": {"per_s": 600.0}}}}}
    rows = {r["metric"]: r for r in report.rows(results)}
    below = rows["CPU ms/submission below the services, 1 instance(s): postgresql / rabbitmq"]
    assert below["value"] == "24 / 8"
    work = rows["transactions / rows written per submission, 1 instance(s): intake"]
    assert work["value"] == "4.2/19.0"
    assert rows["floor: 1 psycopg2 statement req/s @32"]["ratio"] == 0.6
    assert rows["floor: 4 SQLAlchemy statements req/s @32"]["ratio"] == 0.2
