"""R-3.2: every attachment is judged by its content at upload. Images are made here with Pillow."""
import io

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from documents.checks import ACCEPTED, FLAGGED, REJECTED, check_attachment, strip_metadata
from documents.hashes import hamming, is_duplicate
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
    return jpeg(img.rotate(90, expand=True), exif=exif.tobytes(),  # stored turned left
                comment=b"shot on a phone")


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


def _corrupt_jpeg() -> bytes:
    """A JPEG whose header is sound and whose compressed data is noise."""
    data = bytearray(jpeg(text_page()))
    sos = data.index(b"\xff\xda")
    for i in range(sos + 40, len(data) - 2, 7):
        data[i] = 0xFF if data[i + 1] not in range(0xD0, 0xD8) else data[i]
    return bytes(data)


def _every_rejected_kind():
    png = io.BytesIO()
    text_page().save(png, "PNG")
    whole = jpeg(text_page())
    paper = Image.new("L", A4_150DPI, 245)
    blank = Image.blend(paper, Image.effect_noise(A4_150DPI, 12), 0.1).convert("RGB")
    return {
        "truncated": (whole[: len(whole) // 2], "scan", REJECTED, "TRUNCATED", "重新上传"),
        "corrupt": (_corrupt_jpeg(), "scan", REJECTED, "CORRUPT", "重新导出"),
        "png_named_jpg": (png.getvalue(), "scan", REJECTED, "NOT_JPEG", "PNG图片"),
        "pdf_named_jpg": (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "scan", REJECTED, "NOT_JPEG", "PDF文档"),
        "html_named_jpg": (b"<html><body>x</body></html>", "scan", REJECTED, "NOT_JPEG", "网页"),
        "bomb": (_with_sof_size(jpeg(Image.new("RGB", (64, 64), "white")), 30_000, 30_000),
                 "scan", REJECTED, "TOO_MANY_PIXELS", "缩小"),
        "too_small": (jpeg(text_page((500, 700))), "scan", REJECTED, "TOO_SMALL", "重新扫描"),
        "photo_not_one_inch": (jpeg(portrait((600, 413))), "photo", REJECTED,
                               "PHOTO_PROPORTIONS", "裁剪"),
        "photo_too_small": (jpeg(portrait((150, 210))), "photo", REJECTED, "TOO_SMALL", "295×413"),
        "blank_page": (jpeg(blank), "scan", FLAGGED, "BLANK_PAGE", "请确认"),
        "blurred": (jpeg(text_page().filter(ImageFilter.GaussianBlur(4))), "scan", FLAGGED,
                    "BLURRED", "重新扫描"),
    }


@pytest.mark.parametrize("name", list(_every_rejected_kind()))
def test_r3_2_every_refused_kind_of_file_has_a_reason_the_applicant_can_act_on(name):
    """Each kind of bad file gets its own stable code and a Chinese message that says what to
    do (请…), with the field path carried through."""
    data, kind, verdict, code, hint = _every_rejected_kind()[name]
    result = check_attachment(data, kind, field="attachments.0")
    assert result.verdict == verdict and codes(result) == [code]
    reason = result.reasons[0]
    assert hint in reason.message and "请" in reason.message
    assert reason.field == "attachments.0"
    assert all("\u4e00" <= ch <= "\u9fff" for ch in reason.message[:2])  # Chinese, first to last


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096), st.sampled_from(["scan", "photo", "id_card"]))
def test_arbitrary_bytes_get_a_verdict_never_an_exception(junk, kind):
    """Malformed input cannot crash the check: whatever the bytes, a verdict comes back."""
    result = check_attachment(junk, kind)
    assert result.verdict in (ACCEPTED, REJECTED, FLAGGED)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=4000), st.binary(min_size=1, max_size=64))
def test_damaged_jpeg_gets_a_verdict_never_an_exception(position, garbage):
    data = bytearray(jpeg(text_page((900, 1200))))
    position %= len(data)
    data[position:position + len(garbage)] = garbage
    result = check_attachment(bytes(data), "scan")
    assert result.verdict in (ACCEPTED, REJECTED, FLAGGED)


def test_two_different_pages_of_the_same_layout_are_not_duplicates():
    """The 64-bit hash sees the layout (seeds 4 and 5 are 8 bits apart); the fine hash the
    lines themselves."""
    a = check_attachment(jpeg(text_page(seed=4)), "scan")
    b = check_attachment(jpeg(text_page(seed=5)), "scan")
    assert not is_duplicate(a.phash, b.phash, a_fine=a.fine_hash, b_fine=b.fine_hash)


@pytest.mark.parametrize("variant", ["recompressed", "rescaled", "rotated_1_degree"])
def test_same_page_altered_a_little_is_still_a_duplicate(variant):
    page = text_page(seed=9)
    altered = {"recompressed": lambda: jpeg(page, quality=50),
               "rescaled": lambda: jpeg(page.resize((868, 1228)), quality=75),
               "rotated_1_degree": lambda: jpeg(page.rotate(1, fillcolor=(248, 247, 243)))}
    a = check_attachment(jpeg(page), "scan")
    b = check_attachment(altered[variant](), "scan")
    assert is_duplicate(a.phash, b.phash, a_fine=a.fine_hash, b_fine=b.fine_hash)


_FIX = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
_UNFIX = {**_FIX, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


@pytest.mark.parametrize("orientation", [2, 3, 4, 5, 6, 7, 8])
def test_r3_2_rotated_phone_photo_is_turned_losslessly(orientation):
    """R-3.2 (uploaded upright): where the JPEG's blocks allow it (sides a multiple of 16) the
    clean copy is the upload's DCT blocks rearranged (libjpeg-turbo's transform in process,
    documents.turns), not a re-encode: the same luminance, a file of about the same size at the
    upload's quality, no EXIF or GPS."""
    from documents.turns import TURNER

    if TURNER is None:
        pytest.fail("libturbojpeg (Debian libturbojpeg0) or PyTurboJPEG is missing: "
                    ".ci/run and pyproject.toml install them")
    upright = text_page((1248, 1760), seed=11)
    upright.paste((255, 0, 0), (0, 0, 96, 96))
    stored = upright.transpose(_UNFIX[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (43.0, 49.0, 30.0)}
    data = jpeg(stored, quality=70, exif=exif.tobytes(), comment=b"shot on a phone")

    result = check_attachment(data, "scan")
    assert result.verdict == ACCEPTED and (result.width, result.height) == (1248, 1760)
    clean = Image.open(io.BytesIO(result.clean_jpeg))
    assert clean.size == (1248, 1760) and not clean.getexif()
    assert b"Exif" not in result.clean_jpeg and b"shot on a phone" not in result.clean_jpeg
    assert abs(len(result.clean_jpeg) - len(data)) < 0.03 * len(data)  # no quality-92 re-encode
    seen = Image.open(io.BytesIO(data)).convert("L").transpose(_FIX[orientation])
    diff = ImageChops.difference(seen, clean.convert("L")).getextrema()[1]
    assert diff <= 2  # the same pixels (IDCT rounding aside)
    assert clean.convert("RGB").getpixel((40, 40))[0] > 200  # the red mark is top left


def test_lossless_turn_refuses_what_it_cannot_do_perfectly():
    """The fallback is chosen by libjpeg-turbo itself, not only by our pre-check: a 579×413
    4:2:0 JPEG cannot be turned a quarter without moving a partial block to the edge."""
    from documents.turns import TURNER

    data = jpeg(portrait((579, 413)))
    assert TURNER.turn(data, 6) is None
    assert TURNER.turn(jpeg(portrait((576, 416))), 6) is not None


def test_rotated_photo_whose_blocks_do_not_fit_is_re_encoded_upright():
    """579×413 is not a multiple of the 16-pixel blocks: the lossless turn is refused, and the
    upload is decoded, turned and re-encoded at quality 92 instead (upright and stripped all the
    same)."""
    data = _exif_rotated_with_gps(portrait((413, 579)))
    assert b"shot on a phone" in data
    result = check_attachment(data, "photo")
    assert result.verdict == ACCEPTED
    assert Image.open(io.BytesIO(result.clean_jpeg)).size == (413, 579)
    assert b"Exif" not in result.clean_jpeg
    assert b"shot on a phone" not in result.clean_jpeg  # Pillow would write the comment back
