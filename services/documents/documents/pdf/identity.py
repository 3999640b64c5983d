"""What identifies a printed document (D-1…D-4, R-5.1): its meta, its verification code, its
layout and its content fingerprint.

The ``fingerprint`` identifies what a document says: sha256 over the canonical JSON of the layout
(its YAML text), the data, the meta and the photo's sha256 (`content_fingerprint`). It is known
*before* drawing, so it can be printed on the page and carried by the QR code — a hash of the PDF
bytes cannot, since the bytes contain the QR code. The QR code is ``meta.verify_url`` plus
``?fp=`` and the first `FINGERPRINT_PREFIX` hex digits; the verify endpoint refuses a code whose
fingerprint differs, so a QR code regenerated for edited content, or taken from another version,
fails verification.

What is printed where lives in ``layouts/<document>.yaml``; ``TITLES_LAYOUTS_DIR`` points at a
directory of replacement layouts.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import yaml

LAYOUTS_ENV = "TITLES_LAYOUTS_DIR"
FINGERPRINT_PREFIX = 16  # hex digits of the fingerprint printed and carried by the QR code


@dataclass(frozen=True)
class DocumentMeta:
    """What identifies one rendered document on its every page.

    `application_no` is the printed number of the application (or, for a unit's lists, of the
    list); `generated_at` is an ISO date or datetime string, printed as the date of the form.
    """

    application_no: str
    verification_code: str
    season: str
    verify_url: str
    generated_at: str


@dataclass(frozen=True)
class RenderedDocument:
    pdf: bytes
    pages: int
    fingerprint: str  # content_fingerprint: sha256 hex of what the document says


_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols, no 0/O or 1/I


def verification_code(secret: str, application_id: str, version: int, kind: str,
                      revision: int = 0) -> str:
    """R-5.1 "有水印为有效": a short code printed on every page and looked up to prove a printout
    genuine. HMAC-SHA256 of (kind, application, version[, revision]) under a server secret, so it
    cannot be forged or guessed from the application number; 50 bits as 10 symbols,
    "XXXXX-XXXXX". Revision 0 (the submission's document) keeps the code it always had; each
    re-rendering with a recorded opinion (revision 1, 2, …) gets its own."""
    message = f"{kind}\x1f{application_id}\x1f{version}"
    if revision:
        message += f"\x1f{revision}"
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    n = int.from_bytes(digest[:8], "big")
    symbols = "".join(_CODE_ALPHABET[(n >> (5 * i)) & 31] for i in range(10))
    return f"{symbols[:5]}-{symbols[5:]}"


def layout_text(name: str) -> str:
    """The YAML text of layout `name`, from $TITLES_LAYOUTS_DIR if it has one, else packaged."""
    override = os.environ.get(LAYOUTS_ENV)
    if override and (Path(override) / f"{name}.yaml").is_file():
        return (Path(override) / f"{name}.yaml").read_text(encoding="utf-8")
    return resources.files("documents").joinpath("layouts", f"{name}.yaml").read_text(
        encoding="utf-8")


def load_layout(name: str) -> dict:
    """The layout `name`, parsed (see `layout_text`): each text parsed once, a fresh copy each
    call (parsing on every render was 15 % of it, bench/)."""
    return copy.deepcopy(_parsed_layout(layout_text(name)))


@functools.lru_cache(maxsize=32)
def _parsed_layout(text: str) -> dict:
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def content_fingerprint(layout: str, data: dict, meta: DocumentMeta,
                        photo: bytes | None = None) -> str:
    """sha256 hex of what a document says: its layout's text, its data, its meta and its photo.
    The same version rendered twice has the same fingerprint; any change of content, another
    version, another code or another photo gives another one."""
    canonical = json.dumps({"layout": layout, "layout_text": layout_text(layout), "data": data,
                            "meta": asdict(meta),
                            "photo": hashlib.sha256(photo).hexdigest() if photo else None},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def qr_url(meta: DocumentMeta, fingerprint: str) -> str:
    """What the QR code on every page carries: the verify URL and the fingerprint's prefix."""
    return f"{meta.verify_url}?fp={fingerprint[:FINGERPRINT_PREFIX]}"

