"""2. The pipeline: submit → documents and review → task_opened → notify → the reviewer's email in
the SMTP sink, at a fixed arrival rate, beside bare kombu publish-with-confirms + consume of the
same number of messages at the same rate (and as fast as it goes).

Every phase's applications are prepared the faster way (bench/fastprep.py: one prepared for
real, its checked attachments copied to the others). The saturated phase (all submitted at once
by 32 clients) runs once per instance count
(`instances`: 1, then 2 — documents, review and notify each get a second process on the same
broker and databases; intake stays one process, it owns the HTTP port), each with its own
`saturated_n` applications, and reports the
completions per second as a time series and each service's CPU seconds per submission (utime +
stime from /proc from the first submit until every process is idle again — documents' work is
not on the path to the mail and may finish after it — replicas summed, timers and heartbeats at
rest included: the capacity model's input)."""
from __future__ import annotations

import threading
import time
import uuid

from kombu import Connection, Exchange, Queue

from .cluster import cpu_of, database_work, infrastructure_cpu
from .fastprep import prepare_fast
from .load import Submitter, percentiles
from .stack import MailIndex, Stack, ref_of, wait_until

REPLICATED = ("documents", "review", "notify")  # intake: one process, it owns the HTTP port


def bare_kombu(broker_uri: str, n: int, rate: float | None) -> dict:
    """Publish n persistent messages with publisher confirms (each publish waits for its confirm)
    at `rate` per second (None: as fast as it goes) while another connection consumes them;
    latency is publish-scheduled → consumed."""
    name = f"bench-bare-{uuid.uuid4().hex[:8]}"
    exchange = Exchange(name, type="direct", durable=True)
    queue = Queue(name, exchange, routing_key=name, durable=True)
    received: dict[int, float] = {}
    ready = threading.Event()
    done = threading.Event()

    def consume():
        with Connection(broker_uri) as conn:
            def on_message(body, message):
                received[body["i"]] = time.time()
                message.ack()
                if len(received) >= n:
                    done.set()

            with conn.Consumer(queue, callbacks=[on_message], prefetch_count=100):
                ready.set()
                while not done.is_set():
                    try:
                        conn.drain_events(timeout=1)
                    except TimeoutError:
                        pass
                    except OSError:
                        if done.is_set():
                            break
                        raise

    with Connection(broker_uri, transport_options={"confirm_publish": True}) as conn:
        queue(conn.channel()).declare()
        consumer = threading.Thread(target=consume, daemon=True)
        consumer.start()
        ready.wait(10)
        producer = conn.Producer()
        scheduled = {}
        start = time.time() + 0.2
        for i in range(n):
            at = start + i / rate if rate else time.time()
            time.sleep(max(0.0, at - time.time()))
            scheduled[i] = at
            producer.publish({"i": i, "application_id": str(uuid.uuid4())}, exchange=exchange,
                             routing_key=name, delivery_mode=2)
        published = time.time()
        done.wait(60)
        consumer.join(5)
        queue(conn.channel()).delete()
    lat = [received[i] - scheduled[i] for i in received]
    end = max(received.values()) if received else published
    return {"n": n, "consumed": len(received), "per_s": len(received) / (end - start),
            "publish_per_s": n / (published - start),
            "latency_s": percentiles(lat)}


def completions_per_second(first: float, moments) -> list[int]:
    """How many completed in each second after `first` (the time series of a phase)."""
    moments = list(moments)
    if not moments:
        return []
    series = [0] * (int(max(moments) - first) + 1)
    for at in moments:
        series[max(0, int(at - first))] += 1
    return series


def cpu_by_service(before: dict[str, float], after: dict[str, float], count: int) -> dict:
    """CPU seconds per completed submission of each service, its replicas ("review-2") summed."""
    total: dict[str, float] = {}
    for name, seconds in after.items():
        service = name.split("-")[0]
        total[service] = total.get(service, 0.0) + seconds - before.get(name, 0.0)
    return {s: (v / count if count else None) for s, v in sorted(total.items())}


def _cpu(stack: Stack) -> dict[str, float]:
    return {name: cpu_of(pid) for name, pid in stack.pids().items()}


def _settled_cpu(stack: Stack, idle_s: float = 0.05, timeout: float = 180) -> dict[str, float]:
    """Each process's CPU seconds once the work of the phase is over: documents' share of a
    submission is not on the path to the reviewer's mail, so it may still run after the last
    mail. Waits until no process used more than `idle_s` in the last second."""
    deadline = time.time() + timeout
    last = _cpu(stack)
    while time.time() < deadline:
        time.sleep(1.0)
        now = _cpu(stack)
        if all(now[k] - last.get(k, 0.0) <= idle_s for k in now):
            return now
        last = now
    return last


def _flow(stack: Stack, ready, rate: float, workers: int = 32) -> dict:
    """Submit `ready` at `rate`/s; wait for each reviewer's mail; the figures of that phase."""
    mail = MailIndex(stack.cluster.mailbox)
    mail.scan()  # what earlier phases sent is not this phase's
    cpu_before, infra_before, db_before = _cpu(stack), infrastructure_cpu(), database_work(stack)
    sub = Submitter(stack.cluster.api.base, ready, rate, workers).run()
    accepted = sub.accepted()
    refs = {ref_of(a): a for a in accepted}
    wait_until(lambda: all(r in mail.scan() for r in refs), timeout=max(120, len(ready) / 2))
    cpu_after = _settled_cpu(stack)  # (and a duplicate would have arrived by now)
    infra_after = infrastructure_cpu()
    time.sleep(1.5)  # the backends' statistics reach pg_stat_database within a second of idling
    db_after = database_work(stack)
    by_ref = mail.scan()
    duplicated, same_message = mail.copies(refs)
    mailed = {refs[r]: min(ts) for r, ts in by_ref.items() if r in refs}
    lat = [mailed[a] - sub.scheduled[a] for a in mailed]
    first = min(sub.scheduled.values())
    end = max(mailed.values()) if mailed else time.time()
    http = [sub.answered[a] - sub.scheduled[a] for a in sub.answered]
    return {"n": len(ready), "rate_offered": rate, "submitted": len(accepted),
            "refused": {a: s for a, s in sub.status.items() if s != 202},
            "notified": len(mailed),
            "duplicated": duplicated, "duplicated_same_message_id": same_message,
            "per_s": len(mailed) / (end - first), "latency_s": percentiles(lat),
            "submit_http_s": percentiles(http),
            "completions_per_s": completions_per_second(first, mailed.values()),
            "cpu_s_per_submission": cpu_by_service(cpu_before, cpu_after, len(mailed)),
            # what a submission costs below the services: no service code can save this share
            "infrastructure_cpu_s_per_submission": cpu_by_service(infra_before, infra_after,
                                                                  len(mailed)),
            "database_work_per_submission": {
                s: {k: (v - db_before[s][k]) / len(mailed) if mailed else None
                    for k, v in w.items()} for s, w in db_after.items()}}


def _replicas(stack: Stack, count: int) -> None:
    """Run `count` processes of each replicated service (a second one started, never stopped
    here: the instance counts only go up within a run)."""
    for extra in range(2, count + 1):
        for service in REPLICATED:
            name = f"{service}-{extra}"
            if name not in stack.cluster.procs:
                stack.cluster.start(service, instance=name)
    time.sleep(8 if count > 1 else 0)  # nameko up and consuming


def run(stack: Stack, quick: bool, rate: float, n: int, spy=None,
        saturated_n: int | None = None, instances=(1,)) -> dict:
    """Phase 1, fixed arrival rate `rate`: latency. Phase 2, for each instance count,
    `saturated_n` submitted at once by 32 clients: the sustained throughput (first submit →
    last mail), its time series and the CPU seconds per submission of each service."""
    t = time.time()
    saturated_n = saturated_n or n
    result = {"n": n, "rate_offered": rate, "saturated_n": saturated_n,
              "instances": list(instances)}
    ready = prepare_fast(stack, n, "pipe", stats=result)
    result["prepare_s"] = time.time() - t
    result["fixed_rate"] = _flow(stack, ready, rate)
    result["saturated_by_instances"] = {}
    for count in instances:
        _replicas(stack, count)
        t = time.time()
        sat_ready = prepare_fast(stack, saturated_n, f"sat{count}", stats=result)
        result[f"prepare_fast_s_{count}"] = time.time() - t
        if spy and count == instances[0]:
            spy("pipeline_saturated", max(5.0, saturated_n / 10))
        result["saturated_by_instances"][str(count)] = _flow(stack, sat_ready, rate=10_000.0)
        ready = ready + sat_ready
    result["saturated"] = result["saturated_by_instances"][str(instances[0])]
    result["dead_lettered"] = stack.dead_letters(a for a, _ in ready)
    result["bare_same_rate"] = bare_kombu(stack.broker_uri, n, rate)
    result["bare_max"] = bare_kombu(stack.broker_uri, max(saturated_n, 500), None)
    result["ratio_throughput_vs_bare_max"] = (result["saturated"]["per_s"]
                                              / result["bare_max"]["per_s"])
    p99 = result["fixed_rate"]["latency_s"]["p99"]
    bp99 = result["bare_same_rate"]["latency_s"]["p99"]
    result["ratio_p99_vs_bare"] = (p99 / bp99) if p99 and bp99 else None
    return result
