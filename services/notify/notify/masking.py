"""Masking (脱敏) of personal data before it reaches a log line or an attempt record.

Phone numbers, email addresses and names of applicants and reviewers are personal information
(《个人信息保护法》): notify needs them to deliver, nobody needs them to debug. The masks keep
enough to tell two recipients apart in a log ("138****5678") and nothing more.
"""
from __future__ import annotations

import logging
import re

# Mainland mobile numbers, optionally +86/0086-prefixed, not part of a longer digit run (an
# application id or a timestamp must not be mangled).
_PHONE = re.compile(r"(?<!\d)(?:(?:\+|00)86[- ]?)?(1[3-9]\d{9})(?!\d)")
# Deliberately loose: a log line is not an address validator, and missing one leaks it.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_phone(phone: str) -> str:
    """"13812345678" -> "138****5678": keep the carrier prefix and the last four digits."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(email: str) -> str:
    """"zhangsan@example.com" -> "z***@example.com": the domain stays (it explains bounces)."""
    local, at, domain = (email or "").rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"




def mask_text(text: str) -> str:
    """Mask every phone number and email address found in free text (log lines, server replies)."""
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(1)), text)


class MaskingFilter(logging.Filter):
    """A logging filter that masks phone numbers and emails in every record it passes.

    It formats the record's message once (`msg % args`) and stores the masked result, so a
    phone number passed as an argument is masked as well as one written into the format string.
    A traceback is formatted here too (an SMTP reply quoting the address ends up in it); the
    formatter then reuses `exc_text` instead of formatting it again. Attach the filter to
    handlers (not loggers) so that records from every logger go through it.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True
