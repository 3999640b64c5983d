"""How the corpus's pages are drawn (tests/support/corpus.py labels them): A4 pages at 150 dpi
with WenQuanYi Micro Hei — text at several sizes and weights, tables, headings, certificates with
a red seal and a photo, forms with handwriting, a stamp alone, blank pages — and the ways they are
degraded: photographed, blurred, compressed, faded, over-exposed."""
from __future__ import annotations

import io
import math
import random
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from tests.support.images import portrait

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
A4 = (1240, 1754)  # 150 dpi
DPI = 150
PT = DPI / 72  # pixels per point

# Common characters of the documents applicants upload (certificates, diplomas, forms).
HANZI = ("中华人民共和国专业技术资格证书职称评审委员会工程师高级初级中级新疆维吾尔自治区人力资源社会保障厅"
         "单位姓名性别民族出生年月日学历学位毕业院校机械电子土木建筑经济会计教师卫生农业系列"
         "批准发证机关编号有效期取得时间工作经历业绩成果论文著作获奖情况继续教育学时考核合格优秀"
         "本人承诺所提交材料真实准确完整如有虚假愿承担一切责任签字盖章审核意见推荐同意公示期满无异议"
         "项目负责主持参与设计施工监理技术攻关标准规范专利发明实用新型软件著作权鉴定验收报告")
DIGITS = "0123456789"

@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size)


def _words(rnd: random.Random, n: int) -> str:
    return "".join(rnd.choice(HANZI) if rnd.random() > 0.08 else rnd.choice(DIGITS)
                   for _ in range(n))


def _paper(rnd: random.Random, size=A4, colour=True) -> Image.Image:
    tone = rnd.randrange(236, 252)
    if colour:
        return Image.new("RGB", size,
                         (tone, tone - rnd.randrange(0, 4), tone - rnd.randrange(2, 9)))
    return Image.new("RGB", size, (tone, tone, tone))


def _ink(rnd: random.Random) -> tuple[int, int, int]:
    return rnd.choice([(15, 15, 20), (30, 30, 35), (10, 10, 10), (20, 25, 60)])


def _text_block(draw, rnd, top: int, bottom: int, pt: float, bold: int = 0, left=110,
                right=None, ink=None) -> int:
    """Lines of Chinese text at `pt` points from `top` until `bottom`; returns the y reached."""
    size = max(8, round(pt * PT))
    f = font(size)
    right = right or A4[0] - 110
    per_line = max(1, (right - left) // size)
    ink = ink or _ink(rnd)
    y = top
    while y + size < bottom:
        indent = size * 2 if rnd.random() < 0.2 else 0
        short = rnd.randrange(0, per_line // 2) if rnd.random() < 0.2 else 0  # a paragraph's end
        n = per_line - indent // size - short
        draw.text((left + indent, y), _words(rnd, max(1, n)), font=f, fill=ink,
                  stroke_width=bold, stroke_fill=ink)
        y += round(size * rnd.uniform(1.4, 1.8))
    return y


def text_small(rnd):
    img = _paper(rnd)
    d = ImageDraw.Draw(img)
    d.text((A4[0] // 2, 120), _words(rnd, 8), font=font(round(16 * PT)), fill=_ink(rnd),
           anchor="mt")
    _text_block(d, rnd, 220, A4[1] - 140, rnd.choice([7.5, 9, 10.5, 12]))
    return img


def text_large(rnd):
    img = _paper(rnd)
    d = ImageDraw.Draw(img)
    _text_block(d, rnd, 150, A4[1] - 200, rnd.choice([20, 26, 32, 42]), bold=rnd.choice([0, 1]))
    return img


def text_bold_dense(rnd):
    img = _paper(rnd)
    d = ImageDraw.Draw(img)
    pt = rnd.choice([10.5, 12, 14, 16])
    _text_block(d, rnd, 100, A4[1] - 100, pt, bold=max(1, round(pt * PT / 18)), left=70,
                right=A4[0] - 70)
    return img


def headings(rnd):
    """Bold headings and block letters: few, large, heavy shapes."""
    img = _paper(rnd)
    d = ImageDraw.Draw(img)
    ink = _ink(rnd)
    y = 140
    for _ in range(rnd.randrange(2, 4)):
        size = rnd.randrange(110, 260)
        d.text((A4[0] // 2, y), _words(rnd, max(1, 1000 // size)), font=font(size), fill=ink,
               stroke_width=size // 25, stroke_fill=ink, anchor="mt")
        y += round(size * 1.6)
    if rnd.random() < 0.5:
        d.rectangle((110, y, A4[0] - 110, y + rnd.randrange(60, 160)), fill=ink)  # a black bar
        y += 200
    _text_block(d, rnd, y + 40, min(A4[1] - 120, y + 400), 12)
    return img


def table(rnd):
    img = _paper(rnd)
    d = ImageDraw.Draw(img)
    ink = _ink(rnd)
    d.text((A4[0] // 2, 90), _words(rnd, 10), font=font(round(18 * PT)), fill=ink, anchor="mt")
    cols = rnd.randrange(4, 9)
    row_h = rnd.randrange(30, 48)
    left, right, top = 80, A4[0] - 80, 180
    xs = sorted({left, right, *(rnd.randrange(left + 60, right - 60) for _ in range(cols - 1))})
    bottom = A4[1] - 120
    f = font(round(row_h * 0.55))
    for y in range(top, bottom, row_h):
        d.line((left, y, right, y), fill=ink, width=rnd.choice([1, 2]))
        for x0, x1 in zip(xs, xs[1:]):
            n = max(1, (x1 - x0 - 10) // f.size)
            d.text((x0 + 5, y + row_h * 0.2), _words(rnd, rnd.randrange(1, n + 1)), font=f,
                   fill=ink)
    for x in xs:
        d.line((x, top, x, top + (bottom - top) // row_h * row_h), fill=ink, width=2)
    return img


def _seal(img: Image.Image, rnd, cx: int, cy: int, r: int) -> None:
    """A red round seal (公章): a ring, a star, characters along the arc; ink multiplied in."""
    layer = Image.new("RGB", img.size, (255, 255, 255))
    d = ImageDraw.Draw(layer)
    red = (rnd.randrange(190, 230), rnd.randrange(20, 60), rnd.randrange(30, 70))
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(4, r // 14))
    star = [(cx + r * 0.28 * math.cos(math.pi / 2 + k * 4 * math.pi / 5),
             cy - r * 0.28 * math.sin(math.pi / 2 + k * 4 * math.pi / 5)) for k in range(5)]
    d.polygon(star, fill=red)
    f = font(max(10, r // 4))
    text = _words(rnd, 12)
    for i, ch in enumerate(text):
        a = math.radians(210 - i * 240 / (len(text) - 1))
        glyph = Image.new("L", (f.size + 4, f.size + 4), 0)
        ImageDraw.Draw(glyph).text((2, 0), ch, font=f, fill=255)
        glyph = glyph.rotate(math.degrees(a) - 90, expand=True)
        x = cx + r * 0.72 * math.cos(a) - glyph.width / 2
        y = cy - r * 0.72 * math.sin(a) - glyph.height / 2
        layer.paste(red, (round(x), round(y)), glyph)
    img.paste(ImageChops.multiply(img, layer))


def certificate(rnd):
    img = _paper(rnd)
    d = ImageDraw.Draw(img)
    frame = rnd.choice([(150, 30, 30), (140, 110, 40), (30, 60, 120)])
    d.rectangle((50, 50, A4[0] - 50, A4[1] - 50), outline=frame, width=14)
    d.rectangle((80, 80, A4[0] - 80, A4[1] - 80), outline=frame, width=3)
    d.text((A4[0] // 2, 190), _words(rnd, 6), font=font(round(30 * PT)), fill=frame, anchor="mt",
           stroke_width=2, stroke_fill=frame)
    photo = portrait((177, 248), rnd.randrange(10**6))
    img.paste(photo, (150, 420))
    _text_block(d, rnd, 420, 700, 14, left=380, right=A4[0] - 140)
    _text_block(d, rnd, 760, 1350, rnd.choice([10.5, 12, 14]), left=150, right=A4[0] - 150)
    _seal(img, rnd, rnd.randrange(750, 1000), rnd.randrange(1330, 1500), rnd.randrange(100, 140))
    return img


def _stroke(d, rnd, x, y, length, ink, width):
    """A handwriting-like stroke: a smooth wandering polyline."""
    pts = []
    phase, amp = rnd.uniform(0, 6), rnd.uniform(4, 14)
    for i in range(24):
        t = i / 23
        pts.append((x + t * length, y + amp * math.sin(phase + t * rnd.uniform(8, 16))
                    + rnd.uniform(-2, 2)))
    d.line(pts, fill=ink, width=width, joint="curve")


def form_handwritten(rnd):
    img = _paper(rnd)
    d = ImageDraw.Draw(img)
    ink = _ink(rnd)
    pen = rnd.choice([(20, 40, 140), (20, 20, 25), (30, 30, 110)])
    d.text((A4[0] // 2, 100), _words(rnd, 8), font=font(round(18 * PT)), fill=ink, anchor="mt")
    f = font(round(11 * PT))
    y = 220
    while y < A4[1] - 200:
        d.text((100, y), _words(rnd, 5) + "：", font=f, fill=ink)
        d.line((360, y + 34, A4[0] - 100, y + 34), fill=ink, width=1)
        x = 380
        for _ in range(rnd.randrange(2, 9)):  # written words
            w = rnd.randrange(30, 90)
            if x + w > A4[0] - 120:
                break
            _stroke(d, rnd, x, y + 15, w, pen, rnd.choice([2, 3, 4]))
            x += w + rnd.randrange(8, 30)
        y += rnd.randrange(70, 110)
    _stroke(d, rnd, A4[0] - 420, A4[1] - 150, 260, pen, 4)  # a signature
    return img


def sparse_stamp(rnd):
    img = _paper(rnd)
    if rnd.random() < 0.5:
        _seal(img, rnd, rnd.randrange(300, 940), rnd.randrange(300, 1450), rnd.randrange(90, 140))
    else:  # a rectangular stamp with a few characters
        d = ImageDraw.Draw(img)
        red = (200, 40, 50)
        x, y = rnd.randrange(200, 700), rnd.randrange(300, 1300)
        d.rectangle((x, y, x + 320, y + 110), outline=red, width=6)
        d.text((x + 160, y + 55), _words(rnd, 5), font=font(48), fill=red, anchor="mm")
    return img


BUILDERS = {"text_small": text_small, "text_large": text_large,
            "text_bold_dense": text_bold_dense, "headings": headings, "table": table,
            "certificate": certificate, "form_handwritten": form_handwritten,
            "sparse_stamp": sparse_stamp}


@lru_cache(maxsize=4)
def _noise_field(size: tuple[int, int], sigma: int) -> Image.Image:
    """Gaussian noise (mean 128) twice the page's size, made once from a fixed seed (Pillow's
    effect_noise is not seeded): pages take shifted crops of it."""
    rng = np.random.default_rng(sigma)
    field = rng.normal(128, sigma, (size[1] * 2, size[0] * 2)).clip(0, 255).astype(np.uint8)
    return Image.fromarray(field).convert("RGB")


def noise(size: tuple[int, int], rnd, sigma: int) -> Image.Image:
    x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
    return _noise_field(size, sigma).crop((x, y, x + size[0], y + size[1]))


def photographed(img: Image.Image, rnd) -> Image.Image:
    """The page photographed by a phone: on a table, in perspective, lit from one side, noisy."""
    w, h = img.size
    table = tuple(rnd.randrange(60, 140) for _ in range(3))
    j = lambda s: rnd.uniform(0.02, 0.07) * s  # noqa: E731 - corner displacement
    # Image.transform(QUAD) maps the quad of the output onto the page: the page shrinks and tilts.
    src = img.transform(img.size, Image.Transform.QUAD,
                        (-j(w), -j(h), -j(w), h + j(h), w + j(w), h + j(h), w + j(w), -j(h)),
                        Image.Resampling.BICUBIC, fillcolor=table)
    light = Image.linear_gradient("L").resize(img.size)
    light = light.rotate(rnd.uniform(0, 360)).point(lambda v: 150 + v * 105 // 255)
    lit = ImageChops.multiply(src, Image.merge("RGB", [light] * 3))
    return ImageChops.add(lit, noise(img.size, rnd, rnd.choice([6, 10, 14])), scale=1.0,
                          offset=-128).filter(
        ImageFilter.GaussianBlur(0.5))


def motion_blur(img: Image.Image, length: int, direction: str) -> Image.Image:
    """A shake while scanning or taking the photo: a box blur of `length` pixels along x, y or a
    diagonal (the diagonal by turning the page 45°)."""
    half = length / 2
    if direction == "x":
        return img.filter(ImageFilter.BoxBlur((half, 0)))
    if direction == "y":
        return img.filter(ImageFilter.BoxBlur((0, half)))
    turned = img.rotate(45, expand=True, fillcolor=img.getpixel((0, 0)))
    blurred = turned.filter(ImageFilter.BoxBlur((half, 0))).rotate(-45)
    left, top = (blurred.width - img.width) // 2, (blurred.height - img.height) // 2
    return blurred.crop((left, top, left + img.width, top + img.height))


def gaussian_blur(img: Image.Image, sigma: float) -> Image.Image:
    """Defocus of `sigma` pixels. Strong blurs (σ ≥ 2) are made at half the size and scaled
    back: the same picture within a grey level or two, at a quarter of the cost (the corpus is
    made in every test run)."""
    if sigma < 2:
        return img.filter(ImageFilter.GaussianBlur(sigma))
    small = img.reduce(2).filter(ImageFilter.GaussianBlur(sigma / 2))
    return small.resize(img.size, Image.Resampling.BILINEAR)


def faded(img: Image.Image, contrast: float) -> Image.Image:
    """Ink moved toward the paper: `contrast` of the original distance is left."""
    paper = img.getpixel((5, 5))
    flat = Image.new(img.mode, img.size, paper)
    return Image.blend(flat, img, contrast)


def overexposed(img: Image.Image, gain: float) -> Image.Image:
    """Too much light: every level pushed up by `gain` and clipped at white."""
    return img.point(lambda v: min(255, round(v * gain + 255 * (gain - 1))))


def _encode(img: Image.Image, rnd, quality: int | None = None) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality or rnd.choice([75, 85, 92]))
    return out.getvalue()


def blank_page(rnd, variant: str) -> Image.Image:
    img = _paper(rnd)
    img = ImageChops.add(img, noise(A4, rnd, rnd.choice([6, 10, 16])), scale=1.0, offset=-128)
    d = ImageDraw.Draw(img)
    if variant == "page_number":
        d.text((A4[0] // 2, A4[1] - 90), str(rnd.randrange(1, 40)), font=font(26),
               fill=(40, 40, 40), anchor="mm")
    elif variant == "specks":
        for _ in range(rnd.randrange(3, 12)):
            x, y, r = rnd.randrange(A4[0]), rnd.randrange(A4[1]), rnd.uniform(1, 3)
            d.ellipse((x - r, y - r, x + r, y + r), fill=(70, 70, 70))
    elif variant == "show_through":  # the back page's text, mirrored, a few levels darker
        back = text_small(rnd).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        img = Image.blend(img, ImageChops.multiply(img, back), 0.02)
    elif variant == "scanner_edge":  # the lid left open: a dark strip along one edge
        side = rnd.choice(["left", "top", "right"])
        box = {"left": (0, 0, 18, A4[1]), "top": (0, 0, A4[0], 18),
               "right": (A4[0] - 18, 0, A4[0], A4[1])}[side]
        d.rectangle(box, fill=(35, 35, 35))
    return img
