"""Generated images for system tests and benchmarks: scans that look like scans, one-inch photos,
and a phone photo as phones store it (turned by EXIF, with a GPS position)."""
from __future__ import annotations

import io
import itertools
import random

from PIL import Image, ImageDraw, ImageFont

A4_150DPI = (1240, 1754)
ONE_INCH_300DPI = (295, 413)  # 一寸 25×35 mm at 300 dpi, what photo studios deliver

# Each call of scan_jpeg() without a seed draws a different page: documents flags the same image
# uploaded by two applicants (a fraud signal), so tests that stand for different people must
# not all upload one picture. Pass `seed` for a reproducible page.
_fresh = itertools.count(1000 + random.SystemRandom().randrange(10**6))


def text_page(size=A4_150DPI, seed=1) -> Image.Image:
    """A scanned page of printed text: off-white paper, dark lines of words."""
    img = Image.new("RGB", size, (248, 247, 243))
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=size[0] // 60)
    rnd = random.Random(seed)
    words = ["certificate", "engineering", "Xinjiang", "2019", "qualification", "unit", "No."]
    for y in range(size[1] // 12, size[1] * 11 // 12, size[0] // 35):
        draw.text((size[0] // 10, y), " ".join(rnd.choice(words) for _ in range(8)),
                  fill=(20, 20, 25), font=font)
    return img


def jpeg(img: Image.Image, quality: int = 88, **save) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, **save)
    return out.getvalue()


def scan_jpeg(seed: int | None = None, size=A4_150DPI) -> bytes:
    """A text page as JPEG; without `seed`, a page no other call returns."""
    return jpeg(text_page(size, next(_fresh) if seed is None else seed))


def portrait(size=ONE_INCH_300DPI, seed=1) -> Image.Image:
    """A one-inch bareheaded photo stand-in (一寸免冠照片): a face and shoulders on a plain
    background, colours varied by `seed`."""
    rnd = random.Random(seed)
    w, h = size
    img = Image.new("RGB", size, (rnd.randrange(40, 90), rnd.randrange(100, 150), 200))
    draw = ImageDraw.Draw(img)
    skin = (rnd.randrange(210, 245), rnd.randrange(180, 210), rnd.randrange(150, 180))
    draw.ellipse((w * 0.28, h * 0.18, w * 0.72, h * 0.62), fill=skin)
    draw.rectangle((w * 0.15, h * 0.7, w * 0.85, h), fill=(30, 30, 40))
    draw.ellipse((w * 0.38, h * 0.35, w * 0.44, h * 0.40), fill=(20, 20, 20))
    draw.ellipse((w * 0.56, h * 0.35, w * 0.62, h * 0.40), fill=(20, 20, 20))
    draw.arc((w * 0.42, h * 0.45, w * 0.58, h * 0.54), 20, 160, fill=(150, 60, 60), width=3)
    return img


def photo_jpeg(seed: int = 1, size=ONE_INCH_300DPI) -> bytes:
    """A one-inch photo as a studio delivers it: 25×35 mm proportions at 300 dpi, for kind
    `photo`."""
    return jpeg(portrait(size, seed), quality=92)


def phone_photo_jpeg(img: Image.Image | None = None) -> bytes:
    """How a phone stores a portrait shot: the pixels turned left, EXIF Orientation=6 (turn
    right to view), the maker's name and a GPS position (Urumqi)."""
    img = img if img is not None else portrait((413, 579))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (43.0, 49.0, 30.0), 3: "E", 4: (87.0, 36.0, 0.0)}  # GPS IFD
    return jpeg(img.rotate(90, expand=True), exif=exif.tobytes())
