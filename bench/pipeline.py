"""2. The pipeline: submit → documents and review → task_opened → notify → the reviewer's email in
the SMTP sink, at a fixed arrival rate, beside bare kombu publish-with-confirms + consume of the
same number of messages at the same rate (and as fast as it goes)."""
from __future__ import annotations

import threading
import time
import uuid

from kombu import Connection, Exchange, Queue

from .load import Submitter, percentiles, prepare
from .stack import MailIndex, Stack, ref_of, wait_until


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


def _flow(stack: Stack, ready, rate: float, workers: int = 32) -> dict:
    """Submit `ready` at `rate`/s; wait for each reviewer's mail; the figures of that phase."""
    mail = MailIndex(stack.cluster.mailbox)
    mail.scan()  # what earlier phases sent is not this phase's
    sub = Submitter(stack.cluster.api.base, ready, rate, workers).run()
    accepted = sub.accepted()
    refs = {ref_of(a): a for a in accepted}
    wait_until(lambda: all(r in mail.scan() for r in refs), timeout=max(120, len(ready) / 2))
    time.sleep(1.0)  # a duplicate would arrive about now
    by_ref = mail.scan()
    mailed = {refs[r]: min(ts) for r, ts in by_ref.items() if r in refs}
    lat = [mailed[a] - sub.scheduled[a] for a in mailed]
    first = min(sub.scheduled.values())
    end = max(mailed.values()) if mailed else time.time()
    http = [sub.answered[a] - sub.scheduled[a] for a in sub.answered]
    return {"n": len(ready), "rate_offered": rate, "submitted": len(accepted),
            "refused": {a: s for a, s in sub.status.items() if s != 202},
            "notified": len(mailed),
            "duplicated": sum(1 for r, ts in by_ref.items() if r in refs and len(ts) > 1),
            "per_s": len(mailed) / (end - first), "latency_s": percentiles(lat),
            "submit_http_s": percentiles(http)}


def run(stack: Stack, quick: bool, rate: float, n: int, spy=None) -> dict:
    """Phase 1, fixed arrival rate `rate`: latency. Phase 2, all n submitted at once by 32
    clients: the sustained throughput (first submit → last mail)."""
    base = stack.cluster.api.base
    t = time.time()
    ready = prepare(base, 2 * n, "pipe")
    result = {"n": n, "rate_offered": rate, "prepare_s": time.time() - t}
    result["fixed_rate"] = _flow(stack, ready[:n], rate)
    if spy:
        spy("pipeline_saturated", max(5.0, n / 10))
    result["saturated"] = _flow(stack, ready[n:], rate=10_000.0)
    result["dead_lettered"] = stack.dead_letters(a for a, _ in ready)
    result["bare_same_rate"] = bare_kombu(stack.broker_uri, n, rate)
    result["bare_max"] = bare_kombu(stack.broker_uri, max(n, 500), None)
    result["ratio_throughput_vs_bare_max"] = (result["saturated"]["per_s"]
                                              / result["bare_max"]["per_s"])
    p99 = result["fixed_rate"]["latency_s"]["p99"]
    bp99 = result["bare_same_rate"]["latency_s"]["p99"]
    result["ratio_p99_vs_bare"] = (p99 / bp99) if p99 and bp99 else None
    return result
