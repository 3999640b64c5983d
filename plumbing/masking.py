"""Masking (脱敏) of personal data before it reaches a log line or an attempt record.

ID numbers (居民身份证号码), phone numbers, email addresses and names of applicants and reviewers
are personal information (《个人信息保护法》): the services need them to work, nobody needs them to
debug. Every service's log output goes through `mask_text` (`plumbing.logs`); notify also masks
the addresses it records with each attempt. The masks keep enough to tell two people apart in a
log ("138****5678", "6501**********0029") and nothing more.

Names cannot be recognised in free text; they are masked where they appear as the value of a
name field (`'name': '张三'`, `"applicant_name": "…"`), which is how a payload or a contact
reaches a log line. Log messages name people by id, never by name.
"""
from __future__ import annotations

import logging
import re

from contracts.people import mask_name

# Mainland mobile numbers, optionally +86/0086-prefixed, not part of a longer digit run (an
# application id or a timestamp must not be mangled).
_PHONE = re.compile(r"(?<!\d)(?:(?:\+|00)86[- ]?)?(1[3-9]\d{9})(?!\d)")
# The ids the system issues (UUIDs) are not personal data, yet their hex can hold eleven digits
# in a row that read as a mobile number ("…-a62b-17781167387b", seen in a log): left whole.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Deliberately loose: a log line is not an address validator, and missing one leaks it.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 18-character ID numbers (GB 11643: region, birth date, sequence, check character) and the old
# 15-digit form, not inside a longer run of letters or digits.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
                        r"(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                        r"|\d{6}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})"
                        r"(?![0-9A-Za-z])")
# The value of a name field in a dict's repr or in JSON.
_NAME_FIELD = re.compile(r"""(['"](?:name|full_name|applicant_name|reviewer_name|contact_name"""
                         r"""|former_name|witness|姓名)['"]\s*:\s*)(['"])(.*?)\2""")
# Credentials in a URL (a failover AMQP_URI lists every node's password; nameko's own log
# lines mask only the first).
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s;]+:)([^@\s;/]+)(@)")


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


def mask_id_number(number: str) -> str:
    """"650102198506150029" -> "6501**********0029": the province and city, the last four."""
    number = number or ""
    return number[:4] + "*" * max(len(number) - 8, 0) + number[-4:] if len(number) > 8 \
        else "*" * len(number)


def mask_text(text: str) -> str:
    """Mask every ID number, phone number, email address, name field and URL password in free
    text (log lines, tracebacks, server replies); the ids in it (UUIDs) stay whole, but never a
    password (one may look like an id)."""
    text = _URL_PASSWORD.sub(r"\1****\3", text)
    ids = _UUID.findall(text)
    parts = _UUID.split(text)  # one more part than ids
    return "".join(_mask_personal(part) + (ids[i] if i < len(ids) else "")
                   for i, part in enumerate(parts))


def _mask_personal(text: str) -> str:
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1)), text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(1)), text)
    return _NAME_FIELD.sub(lambda m: m.group(1) + m.group(2) + mask_name(m.group(3))
                           + m.group(2), text)


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal data in every record it passes (for a handler that
    does not use `plumbing.logs`' formatter, which masks by itself).

    It formats the record's message once (`msg % args`) and stores the masked result, so a
    phone number passed as an argument is masked as well as one written into the format string.
    A traceback is formatted here too (an SMTP reply quoting the address ends up in it); the
    formatter then reuses `exc_text` instead of formatting it again.
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
