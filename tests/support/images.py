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
    background. `seed` varies what differs between two people's photos — where the head sits,
    its shape, hair, collar and a patterned shirt — so two seeds are two different pictures to
    documents' duplicate check."""
    rnd = random.Random(seed)
    w, h = size
    img = Image.new("RGB", size, (rnd.randrange(40, 90), rnd.randrange(100, 150), 200))
    draw = ImageDraw.Draw(img)
    cx, cy = w * rnd.uniform(0.42, 0.58), h * rnd.uniform(0.36, 0.44)
    fw, fh = w * rnd.uniform(0.17, 0.25), h * rnd.uniform(0.19, 0.25)
    skin = (rnd.randrange(210, 245), rnd.randrange(180, 210), rnd.randrange(150, 180))
    hair = tuple(rnd.randrange(10, 70) for _ in range(3))
    shirt = tuple(rnd.randrange(20, 200) for _ in range(3))
    top = cy + fh * rnd.uniform(1.05, 1.3)
    draw.rectangle((w * rnd.uniform(0.05, 0.2), top, w * rnd.uniform(0.8, 0.95), h), fill=shirt)
    for _ in range(rnd.randrange(6, 14)):  # the shirt's pattern
        x, y = rnd.uniform(0, w), rnd.uniform(top, h)
        r = rnd.uniform(4, 18)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rnd.randrange(0, 255) for _ in range(3)))
    draw.polygon([(cx - fw * 0.35, top), (cx, top + h * rnd.uniform(0.05, 0.12)),
                  (cx + fw * 0.35, top)], fill=(240, 240, 240))  # collar
    draw.rectangle((cx - fw * 0.35, cy + fh * 0.7, cx + fw * 0.35, top), fill=skin)  # neck
    draw.ellipse((cx - fw * 1.08, cy - fh * 1.12, cx + fw * 1.08, cy + fh * rnd.uniform(0.1, 0.5)),
                 fill=hair)
    draw.ellipse((cx - fw, cy - fh, cx + fw, cy + fh), fill=skin)
    eye_y, eye_dx = cy - fh * rnd.uniform(0.05, 0.25), fw * rnd.uniform(0.3, 0.5)
    for ex in (cx - eye_dx, cx + eye_dx):
        draw.ellipse((ex - 6, eye_y - 4, ex + 6, eye_y + 4), fill=(20, 20, 20))
    mouth = cy + fh * rnd.uniform(0.4, 0.6)
    draw.arc((cx - fw * 0.35, mouth - 10, cx + fw * 0.35, mouth + 10), 20, 160,
             fill=(150, 60, 60), width=3)
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
