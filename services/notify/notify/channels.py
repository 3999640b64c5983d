"""Delivery channels (发送渠道): email over SMTP, SMS through an Aliyun-style gateway, and a log.

Every sender has `send_message(to, message) -> provider id | None`. It returns when the provider
accepted the message, or raises one of two failures so that the policy can decide what happens next:

- `TransientFailure`: the same message may go through later (a 4xx reply, a timeout, a refused
  connection, throttling) -> retry with backoff (`policy.next_attempt_at`);
- `PermanentFailure`: it never will on this channel to this address (a 5xx reply, an invalid
  number, a rejected template, a broken account) -> fall back to the other channel
  (`policy.channel_order`).

A failure's `detail` has addresses masked: it goes into logs and the attempts table.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import smtplib
import ssl as ssl_lib
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from urllib.parse import quote

import requests

from plumbing.masking import mask_email, mask_phone, mask_text
from .templates import Message

log = logging.getLogger(__name__)


class DeliveryFailure(Exception):
    """A send that did not go through. `code` is short and stable, `detail` masked."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class TransientFailure(DeliveryFailure):
    """Try again later: the provider or the network may accept the same message then."""


class PermanentFailure(DeliveryFailure):
    """Do not retry on this channel: the address, the template or the account is wrong."""


# --- email --------------------------------------------------------------------------------------

def compose_email(mail_from: str, to: str, subject: str, body: str, *,
                  message_id: str | None = None, date: datetime | None = None) -> EmailMessage:
    """A UTF-8 text mail. The SMTP policy encodes a Chinese subject as RFC 2047
    (=?utf-8?b?...?=) and ends lines with CRLF; base64 keeps Chinese text 7-bit safe for relays
    without 8BITMIME. Raises ValueError for a header value with a line break (injection)."""
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain=mail_from.rpartition("@")[2] or None)
    if date is not None:
        msg["Date"] = format_datetime(date)
    msg.set_content(body, charset="utf-8", cte="base64")
    return msg


def classify_smtp_error(exc: Exception) -> DeliveryFailure:
    """Sort an smtplib/socket error: a 4xx reply or a broken connection is worth another try,
    a 5xx reply is not (RFC 5321 §4.2.1). smtplib's errors are OSErrors, so they go first."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
        detail = mask_text("; ".join(f"{c} {m.decode(errors='replace')}" for c, m in replies))
        transient = all(400 <= c < 500 for c, _ in replies)
        code = f"SMTP_{replies[0][0]}" if replies else "SMTP_RECIPIENTS_REFUSED"
        return (TransientFailure if transient else PermanentFailure)(code, detail)
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        cls = PermanentFailure if 500 <= exc.smtp_code < 600 else TransientFailure
        return cls(f"SMTP_{exc.smtp_code}", mask_text(text))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        # STARTTLS/AUTH/SMTPUTF8 not offered: configuration, not weather.
        return PermanentFailure("SMTP_NOT_SUPPORTED", mask_text(str(exc)))
    if isinstance(exc, ssl_lib.SSLCertVerificationError):
        return PermanentFailure("SMTP_TLS_CERTIFICATE", str(exc))
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        # smtplib turns a read timeout into SMTPServerDisconnected; the timeout is its context.
        return TransientFailure("SMTP_TIMEOUT", str(exc))
    # Disconnected, refused, unreachable, DNS, TLS handshake reset, any other smtplib error.
    return TransientFailure("SMTP_CONNECTION", mask_text(f"{type(exc).__name__}: {exc}"))


class SmtpSender:
    """Email through one SMTP server (implicit TLS with `ssl`, or plain + `starttls`)."""

    channel = "email"

    def __init__(self, host: str, port: int, starttls: bool = False, ssl: bool = False,
                 user: str | None = None, password: str | None = None,
                 mail_from: str = "zhicheng@localhost", timeout: float = 10.0,
                 ssl_context: ssl_lib.SSLContext | None = None):
        if ssl and starttls:
            raise ValueError("SMTP_SSL and SMTP_STARTTLS exclude each other")
        self.host, self.port, self.timeout = host, int(port), timeout
        self.starttls, self.ssl = starttls, ssl
        self.user, self.password, self.mail_from = user, password, mail_from
        self.ssl_context = ssl_context or ssl_lib.create_default_context()

    def send(self, to: str, subject: str, body: str, message_id: str | None = None) -> None:
        try:
            msg = compose_email(self.mail_from, to, subject, body, message_id=message_id,
                                date=datetime.now(timezone.utc))
        except ValueError as exc:
            raise PermanentFailure("EMAIL_INVALID", mask_text(str(exc))) from exc
        try:
            smtp = self._connect()
        except (smtplib.SMTPException, OSError) as exc:
            raise classify_smtp_error(exc) from exc
        try:
            if self.starttls:
                smtp.starttls(context=self.ssl_context)
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            raise classify_smtp_error(exc) from exc
        finally:
            _quit(smtp)

    def send_message(self, to: str, message: Message, key: str | None = None) -> str:
        """`key` is the send's provider key: the Message-ID, the same on every attempt of one
        send, so that a copy sent again after a crash is recognisable as the same mail."""
        domain = self.mail_from.rpartition("@")[2] or "localhost"
        message_id = f"<{key}@{domain}>" if key else None
        self.send(to, message.subject or "", message.body, message_id=message_id)
        return message_id or ""

    def _connect(self) -> smtplib.SMTP:
        if self.ssl:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=self.ssl_context)
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


def _quit(smtp: smtplib.SMTP) -> None:
    """Say goodbye without letting a failed QUIT turn a delivered mail into a retry."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


# --- SMS (Aliyun SendSms, RPC style, signature version 1.0) -------------------------------------

ALIYUN_SMS_ENDPOINT = "https://dysmsapi.aliyuncs.com/"

# Worth another try later; every other error code is permanent. `isp.` codes are the provider's
# own trouble, `isv.` codes the caller's, except the flow controls, which lift with time.
TRANSIENT_SMS_CODES = frozenset({
    "isv.BUSINESS_LIMIT_CONTROL",  # per-number flow control (see policy.ALIYUN_SMS_LIMITS)
    "isv.DAY_LIMIT_CONTROL",       # the account's daily quota
    "SignatureNonceUsed",          # a retry gets a fresh nonce
    "ServiceUnavailable",
    "InternalError",
})
TRANSIENT_SMS_PREFIXES = ("Throttling", "isp.")


def percent_encode(value: str) -> str:
    """Aliyun's POP encoding: RFC 3986, UTF-8, only A-Z a-z 0-9 - _ . ~ left as they are (so a
    space is %20, `*` is %2A and `~` stays), which is what `quote(safe="~")` does."""
    return quote(str(value).encode("utf-8"), safe="~")


def canonical_query(params: Mapping[str, str]) -> str:
    """The parameters sorted by name, each name and value percent-encoded, joined with `&`."""
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def aliyun_signature(access_key_secret: str, method: str, params: Mapping[str, str]) -> str:
    """Base64 of HMAC-SHA1 over the string to sign, keyed with the secret followed by `&`."""
    digest = hmac.new(f"{access_key_secret}&".encode("utf-8"),
                      string_to_sign(method, params).encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def classify_sms_response(status: int, payload: object) -> str:
    """The BizId of an accepted SendSms, or the failure its answer means."""
    code = payload.get("Code") if isinstance(payload, dict) else None
    detail = mask_text(str(payload.get("Message", ""))) if isinstance(payload, dict) else ""
    if status == 200 and code == "OK":
        return str(payload.get("BizId", ""))
    if status >= 500 or status == 429:
        raise TransientFailure(f"HTTP_{status}", detail)
    if code is None:
        # A 4xx without an answer from the API is our request; anything else is a garbled reply.
        raise (PermanentFailure if 400 <= status < 500 else TransientFailure)(
            f"HTTP_{status}", "no Code in the response")
    if code in TRANSIENT_SMS_CODES or code.startswith(TRANSIENT_SMS_PREFIXES):
        raise TransientFailure(code, detail)
    raise PermanentFailure(code, detail)


class AliyunSms:
    """SMS through Aliyun's SendSms API (dysmsapi, version 2017-05-25).

    Signed POST (the phone number stays out of URLs and proxy logs). `post` is the HTTP call
    (`requests.post` by default), `clock` and `nonce` are injectable so a request can be
    reproduced in a test.
    """

    channel = "sms"
    VERSION = "2017-05-25"

    def __init__(self, endpoint: str, access_key_id: str, access_key_secret: str,
                 sign_name: str, timeout: float = 5.0, *, region_id: str = "cn-hangzhou",
                 post: Callable[..., requests.Response] | None = None,
                 clock: Callable[[], datetime] | None = None,
                 nonce: Callable[[], str] | None = None):
        self.endpoint = endpoint or ALIYUN_SMS_ENDPOINT
        self.access_key_id, self.access_key_secret = access_key_id, access_key_secret
        self.sign_name, self.timeout, self.region_id = sign_name, timeout, region_id
        self._post = post or requests.post
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._nonce = nonce or (lambda: str(uuid.uuid4()))

    def signed_params(self, phone: str, template_code: str, params: Mapping[str, str],
                      out_id: str | None = None, method: str = "POST") -> dict[str, str]:
        request = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": self.region_id,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self._nonce(),
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "TemplateParam": json.dumps(dict(params), ensure_ascii=False, separators=(",", ":")),
            "Timestamp": self._clock().astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": self.VERSION,
        }
        if out_id:
            request["OutId"] = out_id
        request["Signature"] = aliyun_signature(self.access_key_secret, method, request)
        return request

    def send(self, phone: str, template_code: str, params: Mapping[str, str],
             out_id: str | None = None) -> str:
        """Send one SMS; returns the provider's BizId."""
        body = canonical_query(self.signed_params(phone, template_code, params, out_id))
        try:
            response = self._post(
                self.endpoint, data=body.encode("ascii"), timeout=self.timeout,
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        except requests.Timeout as exc:
            raise TransientFailure("SMS_TIMEOUT", type(exc).__name__) from exc
        except requests.RequestException as exc:
            raise TransientFailure("SMS_CONNECTION", type(exc).__name__) from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        return classify_sms_response(response.status_code, payload)

    def send_message(self, to: str, message: Message, key: str | None = None) -> str:
        """`key` goes out as OutId, the same on every attempt of one send (receipts and the
        provider's records tie a repeat after a crash to the same send)."""
        return self.send(to, message.template_code or "", message.params, out_id=key)


# --- development --------------------------------------------------------------------------------

class LogSender:
    """Writes the message to the log instead of sending it (development, MAIL_BACKEND=log).

    The address is masked, and so are phone numbers and emails inside the text; names written
    into the body stay readable, which is why this is a development backend only.
    """

    def __init__(self, channel: str, logger: logging.Logger | None = None):
        self.channel = channel
        self.log = logger or log

    def send(self, to: str, subject: str | None, body: str) -> None:
        """Same call as `SmtpSender.send`, so either can stand behind MAIL_BACKEND."""
        masked = mask_phone(to) if self.channel == "sms" else mask_email(to)
        self.log.info("%s to %s: %s%s", self.channel, masked,
                      f"[{subject}] " if subject else "", mask_text(body))

    def send_message(self, to: str, message: Message, key: str | None = None) -> str:
        self.send(to, message.subject, message.body)
        return f"log:{key}" if key else "log"


# --- configuration ------------------------------------------------------------------------------

def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


def make_senders(config: Mapping) -> dict[str, object]:
    """{"email": sender, "sms": sender} from the service config (services/notify/config.yml)."""
    mail, sms = config.get("MAIL_BACKEND", "log"), config.get("SMS_BACKEND", "log")
    senders: dict[str, object] = {}
    if mail == "smtp":
        senders["email"] = SmtpSender(
            config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25),
            starttls=_flag(config.get("SMTP_STARTTLS")), ssl=_flag(config.get("SMTP_SSL")),
            user=config.get("SMTP_USER") or None, password=config.get("SMTP_PASSWORD") or None,
            mail_from=config["MAIL_FROM"], timeout=float(config.get("SMTP_TIMEOUT") or 10))
    elif mail == "log":
        senders["email"] = LogSender("email")
    else:
        raise ValueError(f"MAIL_BACKEND must be smtp or log, not {mail!r}")
    if sms == "aliyun":
        missing = [k for k in ("SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME")
                   if not config.get(k)]
        if missing:
            raise ValueError(f"SMS_BACKEND=aliyun needs {', '.join(missing)}")
        senders["sms"] = AliyunSms(
            config.get("SMS_ENDPOINT") or ALIYUN_SMS_ENDPOINT, config["SMS_ACCESS_KEY_ID"],
            config["SMS_ACCESS_KEY_SECRET"], config["SMS_SIGN_NAME"],
            timeout=float(config.get("SMS_TIMEOUT") or 5))
    elif sms == "log":
        senders["sms"] = LogSender("sms")
    else:
        raise ValueError(f"SMS_BACKEND must be aliyun or log, not {sms!r}")
    return senders
