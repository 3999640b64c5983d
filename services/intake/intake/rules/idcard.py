"""居民身份证号码 (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character.

Digits 7–14 are the birth date (YYYYMMDD). Old 15-digit numbers expired long ago and are refused.
"""
from __future__ import annotations

import re
from datetime import date

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK = "10X98765432"  # index: weighted sum mod 11
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # ASCII digits: int() would read other scripts' too


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def birth_date(id_number: str) -> date | None:
    """The birth date in digits 7–14, or None if they are not a real date."""
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
    return born if born.year >= 1900 else None


def id_number_error(value: str) -> str | None:
    """Why `value` is not a valid ID number (Chinese, for the applicant), or None if it is."""
    value = value.strip().upper()  # a lower-case x is a common typing of the check character X
    if not _SHAPE.fullmatch(value):
        return "身份证号应为18位：17位数字加1位校验码（数字或X）"
    if birth_date(value) is None:
        return "身份证号第7至14位不是有效的出生日期"
    if value[17] != check_character(value[:17]):
        return "身份证号校验码不符，请核对每一位"
    return None
