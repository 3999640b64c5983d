"""The same image from two applicants: a fraud signal for the committee (R-3.2, R-1.5).

A certificate, diploma or photo belongs to one person. When an attachment shows the same picture
as one that *another* applicant already uploaded, it is not refused (the applicant may be the
victim, and a person must judge) but **flagged** with a reason naming the other application,
``duplicate_of``, so the committee sees it. The same applicant uploading the same image again
(a re-upload, or one scan used in two sections) is not a signal.

"The same picture" is decided by two perceptual hashes (`documents.hashes`): the 64-bit
``phash`` within `DUPLICATE_THRESHOLD` bits, confirmed by the 255-bit ``fine_hash`` within
`FINE_DUPLICATE_THRESHOLD`.

Finding candidates without reading every hash ever stored: the 64-bit hash is cut into
`BANDS` bands of 8 bits. Two hashes at most `BANDS - 1` bits apart agree on at least one whole
band (pigeonhole), so the candidates are the rows sharing any band with the new hash, found by
an index (`band_keys`). The same keys serialise concurrent checks of near-identical images
(`store.lock_bands` takes a transaction-scoped lock per key): two uploads of one picture at once
cannot both miss each other.
"""
from __future__ import annotations

from dataclasses import dataclass

from contracts.errors import Problem
from contracts.people import application_number
from documents.hashes import DUPLICATE_THRESHOLD, FINE_DUPLICATE_THRESHOLD, is_duplicate

BANDS = 8
assert DUPLICATE_THRESHOLD < BANDS, "the band index only finds hashes fewer than BANDS bits apart"

CODE = "DUPLICATE_ACROSS_APPLICANTS"


@dataclass(frozen=True)
class Seen:
    """An image already accepted (or flagged) for some applicant."""

    attachment_id: str
    application_id: str
    applicant_id: str
    phash: str
    fine_hash: str | None


def band_keys(phash: str) -> list[int]:
    """One integer per 8-bit band of the 64-bit hash, distinct across bands (band · 256 + value),
    sorted: the index keys and the lock keys of this hash."""
    value = int(phash, 16)
    return sorted(band * 256 + ((value >> (8 * band)) & 0xFF) for band in range(BANDS))


def first_duplicate(phash: str, fine: str | None, applicant_id: str,
                    seen: list[Seen]) -> Seen | None:
    """R-3.2 fraud signal: the earliest-listed image of *another* applicant showing the same
    picture, or None. `seen` is ordered oldest first."""
    for other in seen:
        if other.applicant_id == applicant_id:
            continue
        if is_duplicate(phash, other.phash, DUPLICATE_THRESHOLD, fine, other.fine_hash,
                        FINE_DUPLICATE_THRESHOLD):
            return other
    return None


def duplicate_reason(other: Seen, field: str | None = None) -> dict:
    """The reason attached to a flagged attachment: readable by the applicant and the committee,
    and machine-readable (`duplicate_of`) for the application view."""
    number = application_number(other.application_id)
    problem = Problem(
        CODE, f"该图片与另一份申报（编号{number}）中的附件相同，已提示评审委员会核实；"
              "如确属本人材料，请保留原件备查", field)
    return {**problem.to_dict(), "duplicate_of": {"application_id": other.application_id,
                                                  "application_no": number,
                                                  "attachment_id": other.attachment_id}}
