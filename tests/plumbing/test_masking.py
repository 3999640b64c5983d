"""Masking of personal data in logs and attempt records (plumbing.masking)."""
import logging

import pytest

from contracts.people import mask_name
from plumbing.masking import MaskingFilter, mask_email, mask_phone, mask_text


@pytest.mark.parametrize("raw, masked", [
    ("13812345678", "138****5678"),
    ("+86 138 1234 5678", "138****5678"),
    ("12345", "*****"),
])
def test_phone_keeps_prefix_and_last_four_digits(raw, masked):
    assert mask_phone(raw) == masked


def test_email_keeps_first_letter_and_domain():
    assert mask_email("zhangsan@example.com") == "z***@example.com"
    assert mask_email("not-an-address") == "***"


@pytest.mark.parametrize("raw, masked", [("张三", "张*"), ("欧阳娜娜", "欧***"), ("王", "*")])
def test_name_keeps_the_surname_character_only(raw, masked):
    assert mask_name(raw) == masked


def test_text_masks_phones_and_emails_but_not_longer_digit_runs():
    text = "发送给 13812345678 和 lisi@example.org.cn，申报编号 2019100113812345678"
    assert mask_text(text) == ("发送给 138****5678 和 l***@example.org.cn，"
                               "申报编号 2019100113812345678")


def test_text_leaves_ids_whole_though_their_hex_may_read_as_a_phone_number():
    """A UUID's last group can hold eleven digits that look like a mobile number (seen in a log:
    an event id ending "-17781167387b"); masking it would mangle the id and hide nothing."""
    event_id = "38aae24b-ed6a-4323-a62b-17781167387b"
    assert mask_text(f"skipping event {event_id}: already handled") == \
        f"skipping event {event_id}: already handled"
    assert mask_text(f"told 13987654321 about {event_id}, 13912345678 too") == \
        f"told 139****4321 about {event_id}, 139****5678 too"


def test_a_password_is_masked_even_when_it_looks_like_an_id():
    uri = "amqp://titles:38aae24b-ed6a-4323-a62b-17781167387b@rabbit:5672/"
    assert mask_text(f"connecting to {uri}") == "connecting to amqp://titles:****@rabbit:5672/"


def _logged(emit) -> str:
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(logging.Formatter().format(record))
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("test_masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return "\n".join(records)


def test_filter_masks_arguments_and_format_string():
    out = _logged(lambda log: log.warning("sms to %s failed, mail zhangsan@example.com",
                                          "13812345678"))
    assert out == "sms to 138****5678 failed, mail z***@example.com"


def test_filter_masks_the_traceback_too():
    def emit(log):
        try:
            raise RuntimeError("550 <zhangsan@example.com> unknown")
        except RuntimeError:
            log.exception("send failed")
    out = _logged(emit)
    assert "z***@example.com" in out and "zhangsan@" not in out
