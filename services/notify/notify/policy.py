"""When and how often to send (发送策略): once, on time, within the provider's limits.

Pure functions over values; the clock and the random source are passed in.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .channels import DeliveryFailure, TransientFailure
from .lifecycle import Status

CHANNELS = ("email", "sms")


def idempotency_key(event_id: str, recipient_id: str, template: str) -> str:
    """The one key of "this notification to this person": an event redelivered by the broker,
    or a handler retried, finds the key already recorded and sends nothing.

    `template` names the notification, not the channel (a fallback from email to SMS is the same
    notification) and includes any variant ("supplement_reminder:2h"). Hashed so that the key
    is fixed-length and carries no personal data.
    """
    raw = "\x1f".join((str(event_id), str(recipient_id), template))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def next_attempt_at(attempt_no: int, now: datetime, base: timedelta, cap: timedelta,
                    rng) -> datetime:
    """When to try again after failed attempt number `attempt_no` (1 for the first).

    Exponential backoff with full jitter: uniformly in [0, min(cap, base * 2^(attempt_no-1))),
    so that a provider outage does not end with every waiting message retried in the same
    second. `rng` is anything with `random() -> [0, 1)` (`random.Random`).
    """
    exponent = min(max(attempt_no - 1, 0), 64)  # in float seconds: no timedelta overflow
    ceiling = min(cap.total_seconds(), base.total_seconds() * 2.0 ** exponent)
    return now + timedelta(seconds=ceiling * rng.random())


def should_retry(failure: DeliveryFailure, attempt_no: int, max_attempts: int) -> bool:
    """Retry a transient failure while attempts remain; a permanent one goes to the next channel."""
    return isinstance(failure, TransientFailure) and attempt_no < max_attempts


@dataclass(frozen=True)
class RateLimit:
    """At most `count` messages to one recipient within any `window`."""

    count: int
    window: timedelta

    def __post_init__(self):
        if self.count < 1 or self.window <= timedelta(0):
            raise ValueError(f"a rate limit needs count >= 1 and a positive window: {self}")


# Aliyun's default flow control of notification SMS to one number (isv.BUSINESS_LIMIT_CONTROL).
ALIYUN_SMS_LIMITS = (
    RateLimit(1, timedelta(minutes=1)),
    RateLimit(5, timedelta(hours=1)),
    RateLimit(10, timedelta(days=1)),
)


def parse_limits(rows: Iterable[Mapping]) -> tuple[RateLimit, ...]:
    """Limits from configuration: [{"count": 1, "window_seconds": 60}, ...]."""
    return tuple(RateLimit(int(r["count"]), timedelta(seconds=float(r["window_seconds"])))
                 for r in rows)


def rate_limit_wait(now: datetime, recent_sends: Iterable[datetime],
                    limits: Sequence[RateLimit]) -> timedelta | None:
    """How long to wait before the next message to this recipient, or None to send now.

    A send at t occupies a limit's window until t + window (a send exactly one window ago no
    longer counts). Each limit alone says when its oldest blocking send expires; waiting for the
    longest of them satisfies all, since waiting never adds sends.
    """
    sends = sorted(recent_sends, reverse=True)
    wait = timedelta(0)
    for limit in limits:
        in_window = [t for t in sends if t > now - limit.window]
        if len(in_window) >= limit.count:
            # The send that must leave the window for one slot to free up.
            blocking = in_window[limit.count - 1]
            wait = max(wait, blocking + limit.window - now)
    return wait or None


def channel_order(preferred: str | None, available: Iterable[str]) -> list[str]:
    """The channels to try, in order: the recipient's preference first, then the others.

    `available` are the channels this recipient has an address for (and that are configured).
    The service moves to the next one when a channel fails permanently. Without a preference,
    email comes first: it carries the whole text (N-8.5's full list of problems), an SMS only a
    summary.
    """
    have = [c for c in CHANNELS if c in set(available)]
    if preferred in have:
        have.remove(preferred)
        have.insert(0, preferred)
    return have


# reminders before the supplement deadline, as data.
SUPPLEMENT_REMINDERS = (timedelta(hours=24), timedelta(hours=2))


def reminder_due(deadline: datetime, now: datetime,
                 offsets: Sequence[timedelta] = SUPPLEMENT_REMINDERS) -> timedelta | None:
    """R-4.5: the reminder to send now (its offset before `deadline`), or None.

    Only the most urgent due reminder: after downtime, the 2 h reminder alone is sent, not the
    24 h one as well; past the deadline nothing is sent (the abandonment notice takes over). With
    `idempotency_key(..., f"supplement_reminder:{offset}")` each one goes out once.
    """
    if now >= deadline:
        return None
    due = [o for o in offsets if deadline - o <= now]
    return min(due) if due else None


@dataclass(frozen=True)
class NextStep:
    """What becomes of a send after a failed attempt."""

    status: Status  # pending (try again at `at`, on `channel`) | failed | dead
    channel: str
    channel_attempts: int
    at: datetime | None


def after_failure(failure: DeliveryFailure, channel: str, channel_attempts: int,
                  order: Sequence[str], max_attempts: int, now: datetime, base: timedelta,
                  cap: timedelta, rng) -> NextStep:
    """The send's next step after attempt number `channel_attempts` on `channel` failed.

    A transient failure is retried on the same channel with backoff while attempts remain; a
    permanent one, or retries run out, moves to the next channel in `order` (the fallback, at
    once); with no channel left the send is `failed` (permanent: never retried by itself) or
    `dead` (transient to the end). Both go to the dead letters for an operator.
    """
    if should_retry(failure, channel_attempts, max_attempts):
        return NextStep(Status.PENDING, channel, channel_attempts,
                        next_attempt_at(channel_attempts, now, base, cap, rng))
    rest = list(order[order.index(channel) + 1:]) if channel in order else []
    if rest:
        return NextStep(Status.PENDING, rest[0], 0, now)
    final = Status.DEAD if isinstance(failure, TransientFailure) else Status.FAILED
    return NextStep(final, channel, channel_attempts, None)


def parse_limit_text(text: str) -> tuple[RateLimit, ...]:
    """Limits written as `count/window_seconds`, comma-separated: "1/60,5/3600,10/86400"
    (what an environment variable can carry); empty or `none` means no limit."""
    rows = []
    text = (text or "").replace(" ", "")
    for part in ("" if text.lower() == "none" else text).split(","):
        if part:
            count, _, seconds = part.partition("/")
            rows.append({"count": count, "window_seconds": seconds})
    return parse_limits(rows)
