"""R-3.2: the legibility judgements hold their targets on the labelled corpus (docs/checks.md):
on sharp pages flags ≤ 1 %, on illegible pages BLURRED ≥ 95 %, blank (and washed-out) pages
BLANK_PAGE 100 %, no one-inch portrait judged blank. One corpus, made once per module on the
fixed seed the docs quote (`python -m bench.corpus` prints the same confusion matrices)."""
import io
import random

import pytest
from PIL import Image

from documents.checks import ACCEPTED, check_attachment
from documents.hashes import fine_hash, hamming, perceptual_hash
from tests.support.corpus import confusion, corpus, judge, table, targets

SEED = 14


@pytest.fixture(scope="module")
def pages():
    return corpus(SEED)


@pytest.fixture(scope="module")
def outcomes(pages):
    return judge(pages)


def test_corpus_is_large_and_covers_every_kind_and_degradation(pages):
    assert len(pages) >= 300
    kinds = {p.kind for p in pages}
    assert {"text_small", "text_large", "text_bold_dense", "headings", "table", "certificate",
            "form_handwritten", "sparse_stamp", "portrait", "blank"} <= kinds
    names = " ".join(p.name for p in pages)
    for made in ("photographed", "gauss", "motion", "q12", "contrast40", "overexposed",
                 "faint", "washed-out", "page_number", "show_through", "scanner_edge"):
        assert made in names, made
    modes = {Image.open(io.BytesIO(p.jpeg)).mode for p in pages}
    assert modes == {"L", "RGB"}  # greyscale and colour


def test_sharp_pages_are_almost_never_flagged(outcomes):
    figure = targets(outcomes)["sharp_flagged"]
    assert figure["share"] <= 0.01, figure["names"]


def test_degraded_but_legible_pages_are_not_flagged(outcomes):
    figure = targets(outcomes)["legible_flagged"]
    assert figure["share"] <= 0.01, figure["names"]


def test_illegible_pages_are_flagged_blurred(outcomes):
    figure = targets(outcomes)["illegible_flagged"]
    assert figure["share"] >= 0.95, figure["names"]


def test_every_blank_or_washed_out_page_is_flagged_blank(outcomes):
    pool = [o for o in outcomes if o.page.expected == "BLANK_PAGE"]
    assert pool and all(o.got == "BLANK_PAGE" for o in pool), \
        [o.page.name for o in pool if o.got != "BLANK_PAGE"]


def test_no_portrait_is_judged_blank_or_flagged(outcomes):
    portraits = [o for o in outcomes if o.page.kind == "portrait"]
    assert len(portraits) >= 30
    assert all(o.verdict == ACCEPTED for o in portraits), \
        [(o.page.name, o.codes) for o in portraits if o.verdict != ACCEPTED]


def test_confusion_matrices_count_every_page_once(outcomes):
    for by in ("kind", "expected"):
        assert sum(sum(cells.values()) for cells in confusion(outcomes, by).values()) \
            == len(outcomes)


def _reference_dct_bits(img, side, keep, skip_dc):
    """The pure-Python DCT hashes.py used before numpy, kept here as the reference."""
    import math

    small = img.convert("L").resize((side, side), Image.Resampling.BOX)
    px = list(small.tobytes())
    cos = [[math.cos(math.pi * (2 * x + 1) * u / (2 * side)) for x in range(side)]
           for u in range(keep)]
    rows = [px[i * side:(i + 1) * side] for i in range(side)]
    row_dct = [[sum(c * v for c, v in zip(cos[u], row)) for u in range(keep)] for row in rows]
    columns = list(zip(*row_dct))
    coeffs = [sum(c * v for c, v in zip(cos[v], columns[u])) for v in range(keep)
              for u in range(keep)]
    coeffs = coeffs[1:] if skip_dc else coeffs
    median = sorted(coeffs)[len(coeffs) // 2]
    return "".join("1" if c > median else "0" for c in coeffs)


def test_numpy_hashes_match_the_stored_pure_python_ones(pages):
    """Hashes stored before the numpy DCT stay comparable: the same bits but for a rare float
    rounding at the median (≤ 1 bit, far inside DUPLICATE_THRESHOLD). Pages with nothing on
    them are left out: their frequencies are all rounding noise (a washed-out page's hash
    differs in 21 bits between the two), and BLANK_PAGE images are never indexed for
    duplicates."""
    worst = 0
    for p in [p for p in pages if p.expected != "BLANK_PAGE"][::6]:
        img = Image.open(io.BytesIO(p.jpeg))
        img.draft("L", (img.width // 4, img.height // 4))
        ref = _reference_dct_bits(img, 32, 8, False)
        worst = max(worst, hamming(perceptual_hash(img), f"{int(ref, 2):016x}"))
        ref_fine = _reference_dct_bits(img, 64, 16, True)
        worst = max(worst, hamming(fine_hash(img), f"{int(ref_fine, 2):064x}"))
    assert worst <= 1


def test_a_sharp_page_stays_accepted_at_300_dpi():
    """The judgement is made on a copy of the same size whatever the scan's dpi."""
    big = table(random.Random(SEED)).resize((2480, 3508), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    big.save(out, "JPEG", quality=85)
    assert check_attachment(out.getvalue(), "scan").verdict == ACCEPTED
