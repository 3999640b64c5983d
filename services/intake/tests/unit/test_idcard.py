"""ID numbers (居民身份证号码, GB 11643): check character and birth date (R-3.1)."""
from datetime import date

from hypothesis import given, strategies as st

from intake.rules.idcard import birth_date, check_character, id_number_error

regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2019, 12, 31))
serials = st.from_regex(r"[0-9]{3}", fullmatch=True)


def make_id(region: str, born: date, serial: str) -> str:
    first17 = f"{region}{born:%Y%m%d}{serial}"
    return first17 + check_character(first17)


@given(regions, births, serials)
def test_generated_valid_id_numbers_pass(region, born, serial):
    number = make_id(region, born, serial)
    assert id_number_error(number) is None
    assert birth_date(number) == born


@given(regions, births, serials, st.sampled_from("0123456789X"))
def test_any_other_check_character_fails(region, born, serial, wrong):
    number = make_id(region, born, serial)
    if wrong != number[-1]:
        assert id_number_error(number[:-1] + wrong) == "身份证号校验码不符，请核对每一位"


def test_known_number_with_x_check_character_and_lower_case_x():
    assert check_character("11010519491231002") == "X"
    assert id_number_error("11010519491231002X") is None
    assert id_number_error("11010519491231002x") is None


def test_impossible_birth_date_is_refused_even_with_a_matching_check_character():
    first17 = "65010219990230123"  # 30 February
    assert id_number_error(first17 + check_character(first17)) == "身份证号第7至14位不是有效的出生日期"


def test_wrong_shape_is_refused():
    for value in ("65010219850615002", "6501021985061500299", "65010219850615002A",
                  "650102850615002"):  # the last is an old 15-digit number
        assert id_number_error(value).startswith("身份证号应为18位")


def test_digits_of_other_scripts_are_not_an_id_number():
    """int() reads "٠" (Arabic-Indic zero) as 0: a number written so would be another person
    for the one-application rule while saying the same digits."""
    valid = make_id("650102", date(1985, 6, 15), "002")
    arabic = valid[:15] + "٠٠" + valid[17:]
    assert id_number_error(valid) is None
    assert id_number_error(arabic) == "身份证号应为18位：17位数字加1位校验码（数字或X）"
