"""Personal data at rest (intake.pii) and the draft merge (intake.records)."""
from hypothesis import given
from hypothesis import strategies as st

from intake.pii import Pii, mask
from intake.records import merge, reviewing_unit, sealed_sections

KEY = "ZGV2LW9ubHktcGlpLWtleS1jaGFuZ2UtbWUtMzJieXRlcyE="
ID = "650102198506150029"


def test_sealed_id_number_opens_only_with_its_key_and_never_shows_in_clear():
    pii = Pii(KEY)
    sealed = pii.seal(ID)
    assert ID not in sealed and pii.open_(sealed) == ID
    assert pii.seal(ID) != sealed  # a fresh nonce every time
    other = Pii("b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzJi")
    try:
        other.open_(sealed)
    except Exception as exc:  # cryptography's InvalidTag
        assert type(exc).__name__ == "InvalidTag"
    else:
        raise AssertionError("opened with the wrong key")


def test_lookup_hash_is_keyed_stable_and_ignores_the_case_of_x():
    pii = Pii(KEY)
    assert pii.lookup_hash("65010219850615002x") == pii.lookup_hash("65010219850615002X")
    assert pii.lookup_hash(ID) != Pii("b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzJi").lookup_hash(ID)
    assert ID not in pii.lookup_hash(ID)


def test_mask_hides_the_birth_date():
    assert mask(ID) == "650102********0029"
    assert sealed_sections({"basic": {"id_number": ID}})["basic"]["id_number"] == mask(ID)


@given(st.from_regex(r"\d{17}[\dX]", fullmatch=True))
def test_mask_never_reveals_the_birth_date(value):
    masked = mask(value)
    assert masked[6:14] == "*" * 8 and masked[:6] + masked[14:] == value[:6] + value[14:]


def test_merge_replaces_header_merges_sections_field_by_field_and_null_removes():
    current = {"series": "engineering", "level": "engineer", "aid": None,
               "sections": {"basic": {"name": "甲", "phone": "13912345678"},
                            "summary": {"text": "旧"}}}
    merged = merge(current, {"level": "senior_engineer",
                             "sections": {"basic": {"name": "乙", "phone": None},
                                          "other": {"remarks": "无"}}})
    assert merged == {"series": "engineering", "level": "senior_engineer", "aid": None,
                      "sections": {"basic": {"name": "乙"}, "summary": {"text": "旧"},
                                   "other": {"remarks": "无"}}}
    assert current["sections"]["basic"]["name"] == "甲"  # the input is untouched


def test_the_unit_that_reviews_first():
    """R-3.5: the dispatching unit for aid staff; the entrusting department for entrusted."""
    assert reviewing_unit({"category": "in_service"}, "u-1") == "u-1"
    assert reviewing_unit({"category": "aid_staff", "aid": {"dispatching_unit_id": "js"}},
                          "u-1") == "js"
    assert reviewing_unit({"category": "entrusted",
                           "entrusted": {"entrusting_org_id": "hr"}}, "u-1") == "hr"
