"""The walkthrough's applicant (演示申报人): a complete application and attachment images that
pass documents' checks, every one of them marked 演示.

Each call draws a new person (a valid ID number of their own: intake allows one active
application per person and season) and new pictures (documents flags the same image uploaded by
two applicants). The sections follow intake's schema (intake/application_schema.py); which
attachments are needed is intake's answer (`required_attachments` of the application's view).
"""
from __future__ import annotations

import io
import random
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

NONE = "无"  # no field left blank; "none" is written 无
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
_random = random.SystemRandom()


def id_number(born: date, region: str = "650102") -> str:
    """A valid 居民身份证号码 (GB 11643 check character) for someone born on `born`."""
    from intake.rules.idcard import check_character

    first17 = f"{region}{born:%Y%m%d}{_random.randrange(0, 1000):03d}"
    return first17 + check_character(first17)


def application(season: dict, unit_id: str, contact: dict, specialty: str = "mechanical_electronic",
                level: str = "senior_engineer") -> dict:
    """POST /applications: an in-service senior engineer of `unit_id` in the demo season
    (`season` is the parsed season file); `contact` gives name, email, phone and the channel."""
    born = date(1970, 1, 1) + timedelta(days=_random.randrange(0, 365 * 20))
    years = season["assessment_years"]
    return {
        "season": season["id"], "series": "engineering", "specialty": specialty,
        "level": level, "category": "in_service", "unit_id": unit_id,
        "sections": {
            "basic": {
                "name": contact["name"], "former_name": NONE, "sex": "男", "ethnicity": "汉族",
                "birth_date": born.isoformat(), "birth_place": "新疆乌鲁木齐",
                "id_number": id_number(born), "phone": contact.get("phone") or NONE,
                "email": contact.get("email") or NONE,
                "contact_channel": contact.get("channel", "sms"), "unit_id": unit_id,
                "work_start_date": "2008-07-01", "health": "健康", "political_status": "群众",
                "administrative_post": NONE, "professional_work": "机电设备设计（演示）",
                "foreign_language": "英语四级", "societies": NONE},
            "education": {"degrees": [{
                "education": "大学本科", "degree": "工学学士", "school": "新疆大学",
                "major": "机械设计制造及其自动化", "graduated_on": "2008-06-30",
                "full_time": True}]},
            "qualification": {
                "current_title": "工程师", "obtained_on": "2013-12-20",
                "approving_body": "新疆维吾尔自治区人力资源和社会保障厅",
                "obtained_in_xinjiang": True, "years_in_profession": 11},
            "work_history": {"entries": [{
                "start": "2008-07-01", "end": NONE, "unit": "乌鲁木齐示例机械制造有限公司",
                "post": "技术员、工程师", "witness": "石磊"}]},
            "achievements": {"entries": [{
                "start": "2016-03-01", "end": "2017-12-31", "title": "数控机床主轴改造（演示）",
                "content": "主持改造方案设计与实施", "role": "主持", "outcome": "故障率下降30%"}]},
            "publications": {"entries": [{
                "kind": "论文", "published_on": "2018-05-01", "title": "数控机床主轴热变形补偿（演示）",
                "venue": "机械工程师", "own_rank": "第一作者"}]},
            "continuing_education": {"exempt": False, "exemption_category": NONE},
            "assessments": {"years": [{"year": y, "result": "合格"}
                                      for y in range(years["first"], years["last"] + 1)]},
            "summary": {"text": "演示数据：任现职以来，本人主要从事机电设备设计与改造工作。"},
            "other": {"remarks": "演示数据，非正式申报"},
        },
    }


def image(kind: str) -> bytes:
    """A JPG documents accepts for `kind`: a scanned page of text, or for the one-inch photo a
    portrait in 25×35 proportions; a picture of its own on every call."""
    if kind == "photo":
        return _jpeg(_portrait())
    size = (1240, 1754)
    page = Image.new("RGB", size, (248, 247, 243))
    draw = ImageDraw.Draw(page)
    font = _font(26)
    words = ["演示材料", "证书", "工程师", "机械电子", "新疆", "单位", "编号", "年度", kind]
    for y in range(140, size[1] - 140, 48):
        draw.text((120, y), " ".join(_random.choice(words) for _ in range(8)), fill=(20, 20, 25),
                  font=font)
    for _ in range(6):  # frames of stamps and tables, at places of their own
        x, y = _random.randrange(size[0] * 3 // 4), _random.randrange(size[1] * 3 // 4)
        draw.rectangle((x, y, x + _random.randrange(120, 310), y + _random.randrange(90, 290)),
                       outline=tuple(_random.randrange(160) for _ in range(3)), width=4)
    return _jpeg(page)


def _portrait() -> Image.Image:
    w, h = 590, 826
    img = Image.new("RGB", (w, h), (_random.randrange(40, 90), _random.randrange(100, 150), 200))
    draw = ImageDraw.Draw(img)
    cx, cy = w * _random.uniform(0.42, 0.58), h * _random.uniform(0.36, 0.44)
    fw, fh = w * 0.2, h * 0.22
    draw.rectangle((w * 0.12, cy + fh * 1.15, w * 0.88, h),
                   fill=tuple(_random.randrange(20, 200) for _ in range(3)))
    for _ in range(12):  # a patterned shirt: two people's photos differ
        x, y, r = _random.uniform(0, w), _random.uniform(cy + fh * 1.2, h), _random.uniform(6, 24)
        draw.ellipse((x - r, y - r, x + r, y + r),
                     fill=tuple(_random.randrange(255) for _ in range(3)))
    draw.ellipse((cx - fw * 1.08, cy - fh * 1.12, cx + fw * 1.08, cy + fh * 0.3), fill=(30, 25, 20))
    draw.ellipse((cx - fw, cy - fh, cx + fw, cy + fh), fill=(230, 195, 165))
    for ex in (cx - fw * 0.4, cx + fw * 0.4):
        draw.ellipse((ex - 9, cy - fh * 0.15 - 6, ex + 9, cy - fh * 0.15 + 6), fill=(20, 20, 20))
    draw.text((12, 12), "演示", fill=(255, 255, 255), font=_font(28))
    return img


def _font(size: int):
    try:
        return ImageFont.truetype(str(FONT), size)
    except OSError:
        return ImageFont.load_default(size=size)


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()
