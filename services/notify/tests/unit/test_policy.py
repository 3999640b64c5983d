"""Sending policy: once (idempotency), retries with backoff, provider rate limits, channel order,
and R-4.5 reminders."""
import random
from datetime import datetime, timedelta, timezone

import pytest

from notify.channels import PermanentFailure, TransientFailure
from notify.policy import (
    ALIYUN_SMS_LIMITS, RateLimit, after_failure, channel_order, idempotency_key, next_attempt_at,
    parse_limit_text, parse_limits, rate_limit_wait, reminder_due, should_retry)

NOW = datetime(2019, 10, 20, 12, 0, tzinfo=timezone.utc)
MIN, HOUR = timedelta(minutes=1), timedelta(hours=1)


def test_idempotency_key_is_stable_and_distinguishes_each_part():
    key = idempotency_key("ev-1", "person-7", "supplement_reminder:2h")
    assert key == idempotency_key("ev-1", "person-7", "supplement_reminder:2h")
    assert len(key) == 64 and "person-7" not in key
    others = {idempotency_key("ev-2", "person-7", "supplement_reminder:2h"),
              idempotency_key("ev-1", "person-8", "supplement_reminder:2h"),
              idempotency_key("ev-1", "person-7", "supplement_reminder:24h")}
    assert key not in others and len(others) == 3


class FixedRng:
    def __init__(self, value):
        self.value = value

    def random(self):
        return self.value


@pytest.mark.parametrize("attempt_no, ceiling", [
    (1, timedelta(seconds=30)), (2, MIN), (3, 2 * MIN), (7, 32 * MIN), (8, HOUR), (500, HOUR)])
def test_backoff_ceiling_doubles_up_to_the_cap(attempt_no, ceiling):
    base, cap = timedelta(seconds=30), HOUR
    assert next_attempt_at(attempt_no, NOW, base, cap, FixedRng(0.0)) == NOW
    assert next_attempt_at(attempt_no, NOW, base, cap, FixedRng(0.5)) == NOW + ceiling / 2


def test_backoff_with_full_jitter_stays_within_bounds():
    rng = random.Random(7)
    delays = [next_attempt_at(4, NOW, timedelta(seconds=30), HOUR, rng) - NOW for _ in range(500)]
    assert all(timedelta(0) <= d < 4 * MIN for d in delays)
    assert max(delays) - min(delays) > 2 * MIN  # jittered, not a fixed delay


@pytest.mark.parametrize("failure, attempt_no, expected", [
    (TransientFailure("SMTP_451"), 1, True),
    (TransientFailure("SMTP_451"), 4, True),
    (TransientFailure("SMTP_451"), 5, False),
    (PermanentFailure("SMTP_550"), 1, False),
])
def test_only_transient_failures_are_retried_while_attempts_remain(failure, attempt_no, expected):
    assert should_retry(failure, attempt_no, max_attempts=5) is expected


def test_no_recent_sends_means_send_now():
    assert rate_limit_wait(NOW, [], ALIYUN_SMS_LIMITS) is None


def test_one_per_minute_waits_for_the_minute_to_pass():
    assert rate_limit_wait(NOW, [NOW - timedelta(seconds=20)], ALIYUN_SMS_LIMITS) == timedelta(seconds=40)


def test_a_send_exactly_one_window_ago_no_longer_counts():
    assert rate_limit_wait(NOW, [NOW - MIN], ALIYUN_SMS_LIMITS) is None


def test_five_per_hour_waits_for_the_oldest_of_the_five_to_expire():
    sends = [NOW - 50 * MIN, NOW - 40 * MIN, NOW - 30 * MIN, NOW - 20 * MIN, NOW - 10 * MIN]
    assert rate_limit_wait(NOW, sends, ALIYUN_SMS_LIMITS) == 10 * MIN


def test_ten_per_day_waits_for_the_oldest_of_the_last_ten():
    sends = [NOW - timedelta(hours=h) for h in (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22)]
    # The 10th most recent (20 h ago) frees its slot 4 h from now; the 22 h one does not matter.
    assert rate_limit_wait(NOW, sends, ALIYUN_SMS_LIMITS) == 4 * HOUR


def test_longest_wait_of_all_limits_wins():
    limits = parse_limits([{"count": 1, "window_seconds": 60}, {"count": 2, "window_seconds": 3600}])
    assert limits == (RateLimit(1, MIN), RateLimit(2, HOUR))
    assert rate_limit_wait(NOW, [NOW - 10 * MIN, NOW - 5 * MIN], limits) == 50 * MIN


def test_rate_limit_needs_a_positive_count():
    with pytest.raises(ValueError):
        RateLimit(0, MIN)


@pytest.mark.parametrize("preferred, available, order", [
    ("sms", {"sms", "email"}, ["sms", "email"]),
    ("email", {"sms", "email"}, ["email", "sms"]),
    ("sms", {"email"}, ["email"]),        # no phone number: straight to email
    (None, {"sms", "email"}, ["email", "sms"]),
    ("email", set(), []),
])
def test_preferred_channel_first_then_the_other(preferred, available, order):
    assert channel_order(preferred, available) == order


DEADLINE = NOW + 48 * HOUR


@pytest.mark.parametrize("now, due", [
    (NOW, None),                                    # just requested: nothing yet
    (DEADLINE - 24 * HOUR, 24 * HOUR),
    (DEADLINE - 3 * HOUR, 24 * HOUR),
    (DEADLINE - 2 * HOUR, 2 * HOUR),
    (DEADLINE - MIN, 2 * HOUR),                     # after downtime: only the most urgent one
    (DEADLINE, None),                               # deadline passed: abandonment instead
])
def test_r_4_5_supplement_reminders_24h_and_2h_before_the_deadline(now, due):
    assert reminder_due(DEADLINE, now) == due


# ---- after a failed attempt: retry, fall back, or give up ------------------------------------

AT = datetime(2019, 10, 15, 2, tzinfo=timezone.utc)
BASE, CAP = timedelta(seconds=30), timedelta(minutes=30)


class Half:
    def random(self):
        return 0.5


def test_a_transient_failure_is_retried_later_on_the_same_channel():
    step = after_failure(TransientFailure("SMS_TIMEOUT"), "sms", 1, ["sms", "email"], 3, AT,
                         BASE, CAP, Half())
    assert (step.status, step.channel, step.channel_attempts) == ("pending", "sms", 1)
    assert step.at == AT + timedelta(seconds=15)


def test_retries_run_out_then_the_other_channel_is_tried_at_once():
    step = after_failure(TransientFailure("SMS_TIMEOUT"), "sms", 3, ["sms", "email"], 3, AT,
                         BASE, CAP, Half())
    assert (step.status, step.channel, step.channel_attempts, step.at) == (
        "pending", "email", 0, AT)


def test_a_permanent_failure_falls_back_without_retrying():
    step = after_failure(PermanentFailure("isv.MOBILE_NUMBER_ILLEGAL"), "sms", 1,
                         ["sms", "email"], 3, AT, BASE, CAP, Half())
    assert (step.status, step.channel) == ("pending", "email")


def test_with_no_channel_left_a_send_is_failed_or_dead():
    assert after_failure(PermanentFailure("X"), "email", 1, ["sms", "email"], 3, AT, BASE, CAP,
                         Half()).status == "failed"
    assert after_failure(TransientFailure("X"), "sms", 3, ["sms"], 3, AT, BASE, CAP,
                         Half()).status == "dead"


def test_limits_as_an_environment_variable_writes_them():
    assert parse_limit_text("1/60, 5/3600") == (RateLimit(1, timedelta(minutes=1)),
                                               RateLimit(5, timedelta(hours=1)))
    assert parse_limit_text("") == parse_limit_text("none") == ()


from hypothesis import given, strategies as st  # noqa: E402


@given(outcomes=st.lists(st.sampled_from(["transient", "permanent"]), min_size=1, max_size=40),
       order=st.sampled_from([["email"], ["sms"], ["sms", "email"], ["email", "sms"]]),
       max_attempts=st.integers(1, 6))
def test_a_send_always_ends_within_its_budget_and_never_retries_a_permanent_failure(
        outcomes, order, max_attempts):
    """Whatever the providers answer, a send is tried at most `max_attempts` times per channel,
    each channel once in order, and a permanent failure is never tried again on its channel."""
    channel, tries, used = order[0], 0, []
    status = "pending"
    for outcome in outcomes:
        used.append(channel)
        tries += 1
        failure = (TransientFailure if outcome == "transient" else PermanentFailure)("X")
        step = after_failure(failure, channel, tries, order, max_attempts, AT, BASE, CAP, Half())
        status = step.status
        if status != "pending":
            break
        if step.channel != channel:
            channel, tries = step.channel, 0
            assert step.at == AT  # the fallback goes at once
        else:
            assert outcome == "transient" and step.at >= AT
    for c in order:
        assert used.count(c) <= max_attempts
    assert used == sorted(used, key=order.index)  # each channel once, in order
    if status in ("failed", "dead"):
        assert used[-1] == order[-1]
