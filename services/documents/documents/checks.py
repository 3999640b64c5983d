"""Attachment checks at upload time (R-3.2, docs/services.md): pure functions over bytes.

R-3.2 says attachments are JPG images, uploaded upright, and that an unreadable, unclear or wrong
attachment is the applicant's problem — so the platform tells the applicant at upload, not the
committee weeks later. `check_attachment` answers one of three verdicts:

* ``rejected`` — the file cannot be used: not a JPEG by content (a PNG/PDF/HTML renamed ``.jpg``),
  truncated or corrupt, too many pixels (decompression bomb), too small to read, or a one-inch
  photo (一寸免冠照片, 25×35 mm) of the wrong proportions;
* ``flagged`` — usable but suspicious: a blank page or a badly blurred scan. These are heuristics,
  so a person decides; the applicant is told and may re-upload;
* ``accepted``.

How it stays cheap (a scan is decoded once, at 1/4–1/8 scale; docs/checks.md has the figures):

1. The pixel cap is checked from the JPEG header (``Image.open`` parses it, decodes nothing);
   Pillow's own DecompressionBombWarning/Error are turned into the same refusal.
2. Every image is decoded in JPEG *draft* mode: libjpeg scales the DCT, so a 2480×3508 A4 scan
   comes out ~310×438 in greyscale without the full inverse DCT and colour conversion. The whole
   entropy-coded stream is still read, so a truncated file still fails ``load()``
   (``LOAD_TRUNCATED_IMAGES`` is forced off). Legibility (`documents.legibility`) and the hashes
   are measured on that copy.
3. Upright images (no EXIF orientation, or orientation 1 — every scanner's output): the clean
   copy is made **losslessly**: the JPEG's segments are rewritten without APP1 (EXIF/XMP, where
   GPS lives), APP13 (IPTC), comments and anything after the end-of-image marker (a polyglot's
   tail); JFIF, ICC profile and Adobe segments stay because they define colours. Pixels are
   bit-for-bit the upload's.
4. Rotated images (EXIF orientation 2–8, mostly phone photos) are turned **losslessly** too, by
   libjpeg-turbo's transform in process (`documents.turns`, PyTurboJPEG), wherever the sides are
   whole MCUs; only the rest is decoded in full, turned and re-encoded.

Two perceptual hashes are kept of every decoded image (`documents.hashes`): the cross-applicant
"same certificate uploaded twice" signal, `documents.duplicates`.
"""
from __future__ import annotations

import io
import math
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from contracts.errors import Problem
from documents import legibility
from documents.hashes import fine_hash, perceptual_hash
from documents.turns import TURNER

ACCEPTED, REJECTED, FLAGGED = "accepted", "rejected", "flagged"

# A 600-dpi A4 scan is 35 MP and a 48-MP phone photo 48 MP; anything above is refused before any
# pixel is decoded (a decoded RGB pixel costs 3 bytes, so 50 MP is 150 MB of memory).
DEFAULT_MAX_PIXELS = 50_000_000

PHOTO_RATIO = 25 / 35  # width / height of a one-inch photo (一寸, 25×35 mm)
PHOTO_RATIO_TOLERANCE = 0.04  # relative; admits 小一寸/大一寸 (≈0.688) but not an uncropped 3:4
ANALYSIS_MIN_LONG = 400  # the reduced copy keeps at least this many pixels on its long side
THUMBNAIL_LONG = 240


@dataclass(frozen=True)
class KindRule:
    """What one kind of attachment must satisfy (R-3.3 lists which section needs which kind)."""

    label: str  # Chinese name used in messages
    min_short: int  # pixels on the short side
    min_long: int  # pixels on the long side
    photo: bool = False  # one-inch photo: portrait 25×35 mm proportions, colour thumbnail


KINDS: dict[str, KindRule] = {
    # 295×413 is the one-inch photo at 300 dpi, the size photo studios deliver.
    "photo": KindRule("一寸免冠照片", 295, 413, photo=True),
    # An ID card (85.6×54 mm) at ~200 dpi.
    "id_card": KindRule("身份证图片", 400, 630),
    # A4 at ~100 dpi: the least at which small print on certificates stays legible.
    "scan": KindRule("扫描件", 800, 1100),
}


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one uploaded attachment, with the copies made from it."""

    verdict: str  # ACCEPTED | REJECTED | FLAGGED
    reasons: list[Problem] = field(default_factory=list)
    width: int | None = None  # upright size, after EXIF orientation
    height: int | None = None
    phash: str | None = None  # 16 hex digits, see hashes.perceptual_hash
    fine_hash: str | None = None  # 64 hex digits (255 bits), see hashes.fine_hash
    clean_jpeg: bytes | None = None  # upright, without EXIF/GPS/XMP/IPTC/comments
    thumbnail: bytes | None = None  # small JPEG for reviewers' lists


# Content sniffing, only to tell the applicant what they actually uploaded.
_MAGIC = (
    (b"\x89PNG", "PNG图片"),
    (b"%PDF", "PDF文档"),
    (b"GIF8", "GIF图片"),
    (b"BM", "BMP图片"),
    (b"II*\x00", "TIFF图片"),
    (b"MM\x00*", "TIFF图片"),
    (b"PK\x03\x04", "压缩包或Office文档"),
    (b"\xd0\xcf\x11\xe0", "Office文档"),
)


def _looks_like(data: bytes) -> str:
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[8:12] == b"WEBP":
        return "WEBP图片"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "HEIC图片"
    if data.lstrip()[:1] == b"<":
        return "网页或XML文件"
    return "未知格式的文件"


def check_attachment(data: bytes, kind: str, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                     field: str | None = None) -> CheckResult:
    """R-3.2: judge an uploaded attachment by its content and make its clean copies.

    `kind` is a key of KINDS (ValueError otherwise: a programming error, not the applicant's).
    `field` is the JSON path of the attachment, copied into every Problem.
    """
    rule = KINDS.get(kind)
    if rule is None:
        raise ValueError(f"unknown attachment kind {kind!r}; known: {sorted(KINDS)}")

    def rejected(code: str, message: str, size=(None, None)) -> CheckResult:
        return CheckResult(REJECTED, [Problem(code, message, field)], *size)

    if not data.startswith(b"\xff\xd8\xff"):
        what = "空文件" if not data else _looks_like(data)
        return rejected("NOT_JPEG", f"附件不是JPG图片（实际为{what}），请转换为JPG格式后重新上传")

    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a process-wide switch: make sure nobody turned it on
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=["JPEG"])  # header only
        if img.format not in ("JPEG", "MPO"):
            return rejected("NOT_JPEG", "附件不是JPG图片，请转换为JPG格式后重新上传")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return rejected("TOO_MANY_PIXELS", _too_many_pixels_message(max_pixels))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return rejected("CORRUPT", "图片文件已损坏，无法打开，请重新导出为JPG后上传")

    w, h = img.size
    if w * h > max_pixels:
        return rejected("TOO_MANY_PIXELS", _too_many_pixels_message(max_pixels), (w, h))

    orientation = img.getexif().get(0x0112, 1)
    try:
        if orientation not in range(2, 9):  # already upright
            reduced = _decode_reduced(img, colour=rule.photo)
            clean = strip_metadata(data)
        else:
            reduced, clean = _decode_turned(img, data, orientation, colour=rule.photo)
    except OSError as exc:
        if "truncated" in str(exc):
            return rejected("TRUNCATED", "图片文件不完整（上传或保存时被截断），请重新上传完整的图片",
                            (w, h))
        return rejected("CORRUPT", "图片文件已损坏，无法打开，请重新导出为JPG后上传", (w, h))
    except (SyntaxError, ValueError):
        return rejected("CORRUPT", "图片文件已损坏，无法打开，请重新导出为JPG后上传", (w, h))

    if orientation in (5, 6, 7, 8):  # these orientations swap width and height
        w, h = h, w
    problems = legibility_problems(reduced, w, h, rule, field)
    verdict = (REJECTED if any(p.code in _REJECTING for p in problems)
               else FLAGGED if problems else ACCEPTED)
    return CheckResult(verdict, problems, w, h, perceptual_hash(reduced), fine_hash(reduced),
                       clean, _thumbnail(reduced))


_REJECTING = {"TOO_SMALL", "PHOTO_PROPORTIONS"}


def _too_many_pixels_message(max_pixels: int) -> str:
    return f"图片像素过多，无法安全处理，请缩小到{max_pixels // 1_000_000}百万像素以内后重新上传"


def _draft_request(w: int, h: int) -> tuple[int, int]:
    """The size to ask libjpeg for: the smallest of 1/8, 1/4, 1/2, 1 keeping ANALYSIS_MIN_LONG.

    Floor division, because Pillow picks the scale from `size // requested`."""
    scale = 8
    while scale > 1 and max(w, h) // scale < ANALYSIS_MIN_LONG:
        scale //= 2
    return max(1, w // scale), max(1, h // scale)


def _decode_reduced(img: Image.Image, *, colour: bool) -> Image.Image:
    """Decode the whole stream (so truncation is caught) at reduced scale; upright images only."""
    img.draft("RGB" if colour else "L", _draft_request(*img.size))
    img.decodermaxblock = max(img.decodermaxblock, 1 << 20)  # fewer trips through Python
    img.load()
    return img if img.mode in ("L", "RGB") else img.convert("RGB" if colour else "L")


# EXIF orientation → Pillow's transpose of the decoded reduced copy.
_TRANSPOSES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _decode_turned(img: Image.Image, data: bytes, orientation: int, *,
                   colour: bool) -> tuple[Image.Image, bytes]:
    """EXIF orientation 2–8 (phone photos): the reduced copy is decoded like an upright one (so a
    truncated file is refused the same way) and turned; the clean copy is the upload turned
    **losslessly**, in process, by libjpeg-turbo's transform (`documents.turns`: the DCT blocks
    are rearranged, nothing is decoded to pixels or quantised again), then stripped of every
    marker but JFIF, ICC and Adobe. Fallback, where the transform cannot be perfect (a side
    turned to the top or left that is not a whole number of the JPEG's MCUs), libjpeg-turbo
    warns, or libturbojpeg is absent: the upload is decoded in full, turned and re-encoded at
    quality 92 (lossy, but upright and stripped all the same)."""
    fits = _blocks_fit(img)  # from the header: the draft decode below changes img.size
    reduced = _decode_reduced(img, colour=colour).transpose(_TRANSPOSES[orientation])
    if TURNER is not None and fits:
        turned = TURNER.turn(data, orientation)
        if turned is not None:
            return reduced, strip_metadata(turned)
    return reduced, _reencoded_upright(data)


def _blocks_fit(img: Image.Image) -> bool:
    """Both sides a whole number of the JPEG's MCUs (8 × the largest sampling factor): the
    condition for a perfect lossless turn. Read from the header before decoding."""
    layers = getattr(img, "layer", None) or [("", 1, 1, 0)]
    mcu_w = 8 * max(h for _, h, _, _ in layers)
    mcu_h = 8 * max(v for _, _, v, _ in layers)
    return img.size[0] % mcu_w == 0 and img.size[1] % mcu_h == 0


def _reencoded_upright(data: bytes) -> bytes:
    full = Image.open(io.BytesIO(data), formats=["JPEG"])
    full.load()
    upright = ImageOps.exif_transpose(full)
    if upright.mode not in ("L", "RGB"):
        upright = upright.convert("RGB")
    out = io.BytesIO()
    # Pillow writes back the upload's comment (`info["comment"]`) unless told otherwise: the
    # copy goes through strip_metadata like every other. The ICC profile is colour: keep it.
    upright.save(out, "JPEG", quality=92, icc_profile=full.info.get("icc_profile"), comment=b"")
    return strip_metadata(out.getvalue())


# --- lossless metadata removal -------------------------------------------------------------------

_KEPT_APP = {0xE0: b"JFIF\x00", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
# Inside entropy-coded data 0xFF is followed by 0x00 (stuffing), RST0-7 (D0-D7) or fill 0xFF;
# anything else is the next marker.
_NEXT_MARKER = re.compile(rb"\xff[\x01-\xcf\xd8-\xfe]")


def strip_metadata(jpeg: bytes) -> bytes:
    """Rewrite a JPEG without EXIF, XMP, IPTC, comments or trailing data; pixels untouched.

    Raises ValueError on a malformed segment structure.
    """
    out = [b"\xff\xd8"]
    pos = 2
    n = len(jpeg)
    while pos + 2 <= n:
        if jpeg[pos] != 0xFF:
            raise ValueError(f"expected a marker at byte {pos}")
        marker = jpeg[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0xD9:  # EOI: whatever follows is not part of the image
            out.append(b"\xff\xd9")
            return b"".join(out)
        length = int.from_bytes(jpeg[pos + 2:pos + 4], "big")
        end = pos + 2 + length
        if pos + 4 > n or length < 2 or end > n:
            raise ValueError(f"segment {marker:#x} at byte {pos} overruns the file")
        if _keep_segment(marker, jpeg[pos + 4:pos + 4 + 12]):
            out.append(jpeg[pos:end])
        pos = end
        if marker == 0xDA:  # SOS: entropy-coded data runs to the next real marker
            found = _NEXT_MARKER.search(jpeg, pos)
            if found is None:
                raise ValueError("no end-of-image marker")
            out.append(jpeg[pos:found.start()])
            pos = found.start()
    raise ValueError("no end-of-image marker")


def _keep_segment(marker: int, head: bytes) -> bool:
    if marker == 0xFE:  # COM
        return False
    if 0xE0 <= marker <= 0xEF:
        signature = _KEPT_APP.get(marker)
        return signature is not None and head.startswith(signature)
    return True


# --- legibility --------------------------------------------------------------------------------


def legibility_problems(reduced: Image.Image, width: int, height: int, rule: KindRule,
                        field: str | None = None) -> list[Problem]:
    """R-3.2 "内容不清晰": size and proportions (rejecting), blank or blurred (flagging).

    `width`/`height` are the upright full-resolution size; `reduced` is the upright reduced copy
    (about 310×438 for an A4 page whatever its dpi: `_draft_request`).
    """
    problems = []
    short, long_ = sorted((width, height))
    if short < rule.min_short or long_ < rule.min_long:
        problems.append(Problem(
            "TOO_SMALL",
            f"图片分辨率过低（{width}×{height}像素），{rule.label}至少需要"
            f"{rule.min_short}×{rule.min_long}像素，请重新扫描或拍摄", field))
    if rule.photo and abs((width / height) / PHOTO_RATIO - 1) > PHOTO_RATIO_TOLERANCE:
        problems.append(Problem(
            "PHOTO_PROPORTIONS",
            f"照片比例不符合一寸照片要求（竖版，宽25毫米×高35毫米），当前为{width}×{height}像素，"
            "请裁剪后重新上传", field))
    grey = np.asarray(reduced.convert("L") if reduced.mode != "L" else reduced, dtype=np.int16)
    page = legibility.inner(grey)
    contrast = legibility.ink_contrast(page)
    if legibility.ink_fraction(contrast) < legibility.BLANK_INK_FRACTION:
        problems.append(Problem(
            "BLANK_PAGE", "图片几乎是空白页（或曝光过度、字迹过淡），请确认上传了正确的页面，"
                          "并在光线适当时重新扫描或拍摄", field))
    elif not rule.photo:  # a portrait is smooth by nature: not judged by the edges of print
        steepness = legibility.edge_sharpness(page, contrast)
        if steepness is not None and steepness < legibility.EDGE_SHARPNESS_MIN:
            problems.append(Problem(
                "BLURRED", "图片模糊，小字无法辨认，请对准焦距、保持稳定后重新扫描或拍摄清晰的图片",
                field))
    return problems


def _thumbnail(reduced: Image.Image) -> bytes:
    """A reviewer's list thumbnail: a box-filter reduction of the already reduced copy (cheap)."""
    factor = math.ceil(max(reduced.size) / THUMBNAIL_LONG)
    thumb = reduced.reduce(factor) if factor > 1 else reduced
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()
