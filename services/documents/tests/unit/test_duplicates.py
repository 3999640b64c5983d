"""R-3.2 / R-1.5: the same image from another applicant is a fraud signal (documents.duplicates)."""
import random

from hypothesis import given, strategies as st

from documents.hashes import hamming
from documents.duplicates import (BANDS, CODE, Seen, band_keys, duplicate_reason,
                                  first_duplicate)

HASH = "bf9bc04dc0b6c164"
FINE = "0" * 64


def flip(hex_hash: str, bits: list[int]) -> str:
    value = int(hex_hash, 16)
    for b in bits:
        value ^= 1 << b
    return f"{value:0{len(hex_hash)}x}"


def seen(applicant="someone-else", phash=HASH, fine=FINE, app="a1b2c3d4-0000", att="att-1"):
    return Seen(att, app, applicant, phash, fine)


def test_same_image_from_another_applicant_is_found():
    other = seen()
    assert first_duplicate(HASH, FINE, "me", [other]) == other


def test_same_applicant_uploading_again_is_not_a_duplicate():
    assert first_duplicate(HASH, FINE, "me", [seen(applicant="me")]) is None


def test_the_earliest_other_applicant_is_named():
    first, second = seen(att="first"), seen(att="second", applicant="third")
    assert first_duplicate(HASH, FINE, "me", [seen(applicant="me"), first, second]) == first


def test_a_close_coarse_hash_with_a_far_fine_hash_is_not_a_duplicate():
    far_fine = flip(FINE, list(range(0, 120, 2)))
    assert first_duplicate(HASH, FINE, "me", [seen(fine=far_fine)]) is None


def test_an_image_checked_before_fine_hashes_existed_is_judged_by_its_phash():
    assert first_duplicate(HASH, FINE, "me", [seen(fine=None)]) is not None


def test_reason_names_the_other_application_for_applicant_and_committee():
    reason = duplicate_reason(seen(app="a1b2c3d4-9999", att="att-9"))
    assert reason["code"] == CODE
    assert "A1B2C3D4" in reason["message"] and "请" in reason["message"]
    assert reason["duplicate_of"] == {"application_id": "a1b2c3d4-9999",
                                      "application_no": "A1B2C3D4", "attachment_id": "att-9"}


def test_band_keys_are_distinct_per_band_and_sorted():
    keys = band_keys(HASH)
    assert len(keys) == BANDS and keys == sorted(keys)
    assert {k // 256 for k in keys} == set(range(BANDS))


@given(st.integers(0, 2**64 - 1), st.lists(st.integers(0, 63), max_size=BANDS - 1, unique=True))
def test_hashes_fewer_than_bands_bits_apart_share_a_band_key(value, bits):
    """The pigeonhole the candidate index (and the race lock) relies on."""
    a = f"{value:016x}"
    b = flip(a, bits)
    assert hamming(a, b) == len(bits)
    assert set(band_keys(a)) & set(band_keys(b))


def test_unrelated_hashes_rarely_share_a_band():
    rnd = random.Random(5)
    shared = sum(bool(set(band_keys(f"{rnd.getrandbits(64):016x}"))
                      & set(band_keys(f"{rnd.getrandbits(64):016x}"))) for _ in range(2000))
    assert shared / 2000 < 0.06  # ~8/256: the index reads a few percent of the rows
