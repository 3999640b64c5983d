"""File names across HTTP, in both directions, whatever their script (证书 扫描件.jpg).

HTTP header values are bytes a WSGI server reads as ISO-8859-1, and browsers refuse to send
anything else; so a Chinese name travels encoded:

- **uploads** (`upload_filename`): `X-Filename` holds the name percent-encoded as UTF-8
  (`encodeURIComponent` in a browser; RFC 3986), optionally in RFC 5987's form
  `UTF-8''%E8%AF%81…`; or a `Content-Disposition: attachment; filename*=UTF-8''…` request header
  (RFC 6266). A name sent as raw UTF-8 bytes (curl) is recovered too. The name is kept exactly,
  only control characters removed, at most 255 characters;
- **downloads** (`content_disposition`): RFC 6266 with RFC 5987's `filename*=UTF-8''…` for the
  real name and an ASCII `filename="…"` fallback for old clients; the value never carries a
  character that could end or split the header (a `%0A` in an organisation id included).
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote

MAX_NAME = 255
_ATTR_CHARS = "!#$&+-.^_`|~"  # RFC 5987 attr-char besides ALPHA / DIGIT
_EXT_VALUE = re.compile(r"(?i)^\s*utf-8'[^']*'(?P<value>.*)$")
_FILENAME_STAR = re.compile(r"(?i)filename\*\s*=\s*(?P<value>[^;]+)")


def clean_name(name: str | None) -> str | None:
    """A file name for display: control characters (and lone surrogates) removed, nothing else
    touched, at most 255 characters; None when nothing is left."""
    if not isinstance(name, str):
        return None
    kept = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cs"))
    return kept[:MAX_NAME] if kept.strip() else None


def _percent_decoded(value: str) -> str | None:
    try:
        return unquote(value, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return None


def decode_header_name(raw: str | None) -> str | None:
    """The name a header value carries (see the module docstring)."""
    if raw is None:
        return None
    text = raw
    if any(ord(ch) > 0x7F for ch in text):  # raw UTF-8 bytes, read by WSGI as ISO-8859-1
        try:
            text = text.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    ext = _EXT_VALUE.match(text)
    if ext:
        text = ext.group("value").strip()
    if "%" in text:
        text = _percent_decoded(text) or text
    return clean_name(text)


def upload_filename(headers) -> str | None:
    """The original name of an uploaded file, from `Content-Disposition` or `X-Filename`."""
    disposition = headers.get("Content-Disposition")
    if disposition:
        star = _FILENAME_STAR.search(disposition)
        if star:
            return decode_header_name(star.group("value").strip().strip('"'))
    return decode_header_name(headers.get("X-Filename"))


def _ascii_fallback(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    safe = lambda text: re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")  # noqa: E731
    fallback = safe(stem) or "download"
    return f"{fallback}.{safe(ext)}" if safe(ext) else fallback


def content_disposition(name: str, inline: bool = False) -> str:
    """`attachment` (or `inline`) with the name as RFC 6266 / RFC 5987 say it."""
    name = clean_name(name) or "download"
    disposition = "inline" if inline else "attachment"
    fallback = _ascii_fallback(name)
    value = f'{disposition}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS, encoding='utf-8')}"
    return value
