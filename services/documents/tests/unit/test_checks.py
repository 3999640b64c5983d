"""R-3.2: every attachment is judged by its content at upload. Images are made here with Pillow."""
import io

import pytest
from PIL import Image, ImageDraw, ImageFilter

from documents.checks import (ACCEPTED, FLAGGED, REJECTED, check_attachment, hamming,
                              is_duplicate, strip_metadata)
from tests.support.images import A4_150DPI, text_page


def jpeg(img: Image.Image, **save) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=save.pop("quality", 90), **save)
    return out.getvalue()


def portrait(size=(413, 579), background=(60, 120, 200)) -> Image.Image:
    """A one-inch photo stand-in: a face and shoulders on a plain background."""
    w, h = size
    img = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(img)
    draw.ellipse((w * 0.28, h * 0.18, w * 0.72, h * 0.62), fill=(236, 200, 170))
    draw.rectangle((w * 0.15, h * 0.7, w * 0.85, h), fill=(30, 30, 40))
    draw.ellipse((w * 0.38, h * 0.35, w * 0.44, h * 0.40), fill=(20, 20, 20))
    draw.ellipse((w * 0.56, h * 0.35, w * 0.62, h * 0.40), fill=(20, 20, 20))
    return img


def codes(result) -> list[str]:
    return [p.code for p in result.reasons]


def test_sharp_text_scan_is_accepted_with_clean_copy_thumbnail_and_hash():
    result = check_attachment(jpeg(text_page()), "scan")
    assert (result.verdict, result.reasons) == (ACCEPTED, [])
    assert (result.width, result.height) == A4_150DPI
    assert Image.open(io.BytesIO(result.clean_jpeg)).size == A4_150DPI
    assert max(Image.open(io.BytesIO(result.thumbnail)).size) <= 240
    assert len(result.phash) == 16


@pytest.mark.parametrize("payload, what", [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
    (b"<!DOCTYPE html><html><body>not an image</body></html>", "网页"),
    (b"", "空文件"),
])
def test_r3_2_non_jpeg_named_jpg_is_rejected_by_content(payload, what):
    result = check_attachment(payload, "scan")
    assert result.verdict == REJECTED and codes(result) == ["NOT_JPEG"]
    assert what in result.reasons[0].message


def test_r3_2_real_png_is_rejected_whatever_its_name():
    out = io.BytesIO()
    text_page().save(out, "PNG")
    assert codes(check_attachment(out.getvalue(), "scan")) == ["NOT_JPEG"]


@pytest.mark.parametrize("progressive", [False, True])
def test_r3_2_truncated_jpeg_is_rejected(progressive):
    data = jpeg(text_page(), progressive=progressive)
    result = check_attachment(data[: len(data) * 2 // 3], "scan")
    assert result.verdict == REJECTED and codes(result) == ["TRUNCATED"]


def _with_sof_size(data: bytes, width: int, height: int) -> bytes:
    """Patch the frame header's dimensions: a small file claiming a huge image."""
    sof = data.index(b"\xff\xc0")  # baseline SOF0: FFC0, length(2), precision(1), height, width
    return (data[:sof + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big")
            + data[sof + 9:])


@pytest.mark.parametrize("width, height", [
    (10_000, 8_000),  # 80 MP: over our cap, under Pillow's warning threshold
    (12_000, 10_000),  # 120 MP: Pillow warns (DecompressionBombWarning)
    (60_000, 60_000),  # 3.6 GP: Pillow refuses (DecompressionBombError)
])
def test_r3_2_decompression_bomb_is_rejected_from_its_header(width, height):
    bomb = _with_sof_size(jpeg(Image.new("RGB", (64, 64), "white")), width, height)
    result = check_attachment(bomb, "scan")
    # TOO_MANY_PIXELS and not TRUNCATED: judged before any decoding was attempted.
    assert result.verdict == REJECTED and codes(result) == ["TOO_MANY_PIXELS"]


def test_pixel_cap_is_a_parameter():
    data = jpeg(text_page())
    assert codes(check_attachment(data, "scan", max_pixels=1_000_000)) == ["TOO_MANY_PIXELS"]


def test_r3_2_tiny_scan_is_rejected_as_too_small():
    result = check_attachment(jpeg(text_page((600, 850))), "scan", field="sections.2.diploma")
    assert result.verdict == REJECTED and codes(result) == ["TOO_SMALL"]
    assert result.reasons[0].field == "sections.2.diploma"


def test_r3_3_one_inch_photo_of_studio_size_is_accepted():
    assert check_attachment(jpeg(portrait((295, 413))), "photo").verdict == ACCEPTED


def test_r3_3_landscape_photo_has_wrong_proportions():
    result = check_attachment(jpeg(portrait((600, 413))), "photo")
    assert result.verdict == REJECTED and codes(result) == ["PHOTO_PROPORTIONS"]


def test_r3_3_uncropped_three_by_four_photo_has_wrong_proportions():
    assert codes(check_attachment(jpeg(portrait((450, 600))), "photo")) == ["PHOTO_PROPORTIONS"]


def test_r3_2_blank_page_with_scanner_noise_is_flagged():
    paper = Image.new("L", A4_150DPI, 245)
    noisy = Image.blend(paper, Image.effect_noise(A4_150DPI, 12), 0.1).convert("RGB")
    result = check_attachment(jpeg(noisy), "scan")
    assert result.verdict == FLAGGED and codes(result) == ["BLANK_PAGE"]


def test_r3_2_badly_blurred_scan_is_flagged():
    blurred = text_page().filter(ImageFilter.GaussianBlur(4))  # ≈ radius 8 at 300 dpi
    result = check_attachment(jpeg(blurred), "scan")
    assert result.verdict == FLAGGED and codes(result) == ["BLURRED"]


def test_slightly_soft_scan_is_not_flagged():
    assert check_attachment(jpeg(text_page().filter(ImageFilter.GaussianBlur(1))),
                            "scan").verdict == ACCEPTED


def _exif_rotated_with_gps(img: Image.Image) -> bytes:
    """How a phone stores a portrait: landscape pixels plus Orientation=6 and a GPS position."""
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (43.0, 49.0, 30.0), 3: "E", 4: (87.0, 36.0, 0.0)}  # GPS IFD
    return jpeg(img.rotate(90, expand=True), exif=exif.tobytes())  # stored turned left


def test_r3_2_exif_rotated_photo_is_stored_upright_without_exif_or_gps():
    upright = portrait((413, 579))
    upright.paste((255, 0, 0), (0, 0, 60, 60))  # a marker in the top-left corner
    data = _exif_rotated_with_gps(upright)
    assert b"PhoneMaker" in data and Image.open(io.BytesIO(data)).size == (579, 413)

    result = check_attachment(data, "photo")
    assert result.verdict == ACCEPTED and (result.width, result.height) == (413, 579)
    clean = Image.open(io.BytesIO(result.clean_jpeg))
    assert clean.size == (413, 579)
    red, green, blue = clean.convert("RGB").getpixel((20, 20))
    assert red > 200 and green < 60 and blue < 60  # the marker is back in the top-left
    assert not clean.getexif() and b"Exif" not in result.clean_jpeg
    assert b"PhoneMaker" not in result.clean_jpeg


def test_upright_jpeg_loses_metadata_losslessly():
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x8825] = {1: "N", 2: (43.0, 49.0, 30.0)}
    original = jpeg(text_page(), exif=exif.tobytes(), comment=b"scanned at home")
    polyglot = original + b"<script>alert(1)</script>"  # bytes after the end-of-image marker

    result = check_attachment(polyglot, "scan")
    assert result.verdict == ACCEPTED
    assert b"Exif" not in result.clean_jpeg and b"scanned at home" not in result.clean_jpeg
    assert result.clean_jpeg.endswith(b"\xff\xd9") and b"<script>" not in result.clean_jpeg
    assert (Image.open(io.BytesIO(result.clean_jpeg)).tobytes()
            == Image.open(io.BytesIO(original)).tobytes())  # same pixels: nothing re-encoded


def test_strip_metadata_keeps_progressive_scans_intact():
    original = jpeg(text_page(), progressive=True, comment=b"x")
    stripped = strip_metadata(original)
    assert b"\xff\xfe" not in stripped[:200]
    assert Image.open(io.BytesIO(stripped)).tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_same_image_recompressed_is_a_duplicate():
    page = text_page(seed=7)
    a = check_attachment(jpeg(page, quality=95), "scan").phash
    b = check_attachment(jpeg(page.resize((1100, 1556)), quality=60), "scan").phash
    assert is_duplicate(a, b)


def test_different_images_are_not_duplicates():
    a = check_attachment(jpeg(portrait((413, 579))), "photo").phash
    b = check_attachment(jpeg(text_page(size=(413, 579), seed=3)), "photo").phash
    assert not is_duplicate(a, b)


def test_hamming_counts_differing_bits():
    assert hamming("0000000000000000", "000000000000000f") == 4
    assert hamming("ffffffffffffffff", "ffffffffffffffff") == 0


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        check_attachment(jpeg(text_page()), "selfie")
