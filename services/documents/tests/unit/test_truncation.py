"""R-3.2 (an unreadable attachment is refused at upload): the check decodes only at reduced scale
(JPEG draft mode, 1/8 of an A4 scan's sides), and still refuses every cut or damaged file a bare
full `Image.open().load()` refuses — over the labelled corpus's kinds of page
(tests/support/corpus_pages.py), baseline and progressive, colour and greyscale, upright and
EXIF-rotated (docs/checks.md, "Truncation under the reduced decode").

Which part refuses: every file with image data missing is refused by the reduced decode alone
(libjpeg runs out of entropy-coded data). A file missing only its two-byte end-of-image marker
holds every pixel; whether Pillow calls it truncated depends on how it feeds libjpeg (in 64 KiB
reads it does, in the one 1 MiB read of the check's decode it may not), and the check refuses it
by its structure (`strip_metadata` finds no end-of-image marker)."""
import io
import random

import pytest
from PIL import Image, ImageFile

from documents.checks import REJECTED, _decode_reduced, check_attachment
from tests.support.corpus_pages import BUILDERS

KINDS = ["text_small", "table", "certificate", "form_handwritten", "headings", "sparse_stamp"]


def _page(kind: str) -> Image.Image:
    return BUILDERS[kind](random.Random(f"truncation-{kind}"))


def _variants(kind: str) -> dict[str, bytes]:
    page = _page(kind)
    exif = Image.Exif()
    exif[0x0112] = 6
    made = {}
    for name, img, save in (
            ("baseline", page, {}),
            ("progressive", page, {"progressive": True}),
            ("grey", page.convert("L"), {}),
            ("rotated", page.rotate(90, expand=True), {"exif": exif.tobytes()})):
        out = io.BytesIO()
        img.save(out, "JPEG", quality=85, **save)
        made[name] = out.getvalue()
    return made


def _damaged(data: bytes) -> dict[str, bytes]:
    n = len(data)
    sos = data.index(b"\xff\xda")
    return {"cut_10pc": data[: n // 10], "cut_half": data[: n // 2],
            "cut_90pc": data[: n * 9 // 10], "cut_last_64": data[:-64],
            "no_end_marker": data[:-2], "cut_in_scan_header": data[: sos + 6],
            "header_then_garbage": data[:sos + 20] + bytes(range(256)) * 40}


def _refused(fn, data: bytes) -> bool:
    try:
        fn(data)
    except Exception:  # noqa: BLE001 - any refusal counts
        return True
    return False


def _bare(data: bytes) -> None:
    Image.open(io.BytesIO(data)).load()


def _reduced_only(data: bytes) -> None:
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    _decode_reduced(Image.open(io.BytesIO(data), formats=["JPEG"]), colour=False)


@pytest.mark.parametrize("kind", KINDS)
def test_r3_2_reduced_decode_refuses_every_file_the_full_decode_refuses(kind):
    for variant, whole in _variants(kind).items():
        assert check_attachment(whole, "scan").verdict != REJECTED, (kind, variant)
        for how, data in _damaged(whole).items():
            bare = _refused(_bare, data)
            reduced = _refused(_reduced_only, data)
            result = check_attachment(data, "scan")
            assert bare, (kind, variant, how)  # every damage made here is one a decode sees
            if how != "no_end_marker":
                assert reduced, f"{kind}/{variant}/{how}: the 1/8 decode alone accepted it"
            assert result.verdict == REJECTED, (kind, variant, how)
            assert [p.code for p in result.reasons] in (["TRUNCATED"], ["CORRUPT"]), how
