"""Generated images for system tests and benchmarks: scans that look like scans."""
from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFont

A4_150DPI = (1240, 1754)


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


def scan_jpeg(seed: int = 1, size=A4_150DPI) -> bytes:
    return jpeg(text_page(size, seed))
