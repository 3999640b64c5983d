"""A labelled corpus of attachment pages, made by code (nothing downloaded): what applicants
really upload, sharp and degraded, each page labelled with the verdict the checker owes it
(docs/checks.md, R-3.2).

Pages are A4 at 150 dpi (1240×1754, what most applicants' scanners deliver; documents.checks
judges every scan on a copy of about the same size, whatever the dpi) and one-inch photos at
300 dpi. The Chinese text is drawn with WenQuanYi Micro Hei (fonts-wqy-microhei).

Groups (`Page.group`) and what the checker owes each:

* ``sharp``   — the kinds as uploaded: printed text at several sizes and weights, dense tables,
  bold headings and block letters, certificates with a red seal and a photo, forms with
  handwriting, a sparse page with one stamp, photographed pages (perspective, uneven light,
  sensor noise), colour and greyscale. Expected: no flag.
* ``legible`` — degraded but still readable: a slight defocus (σ 0.6 px), JPEG quality 12,
  moderately low contrast, moderate over-exposure. Expected: no flag.
* ``illegible`` — Gaussian blur σ ≥ 2.5 px (0.42 mm) or motion blur ≥ 9 px (1.5 mm): the
  strokes of 五号 (10.5 pt) and smaller print run together. Expected: BLURRED.
* ``faint``   — ink within ~25 grey levels of the paper (a scan far too light, a photo
  over-exposed): the text is barely there. Expected: BLANK_PAGE (nothing a reviewer can read).
* ``blank``   — blank and nearly blank pages (paper tone and scanner noise, a page number only,
  dust specks, show-through of the back at a few grey levels, a dark scanner edge).
  Expected: BLANK_PAGE.
* ``portrait`` — one-inch photos on plain backgrounds (a quarter of them soft, in pale tones
  close to the background), kind ``photo``. Expected: no flag (in particular never
  BLANK_PAGE).

`corpus(seed)` is deterministic for a seed: the tests hold the targets on a fixed one.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter

from tests.support.corpus_pages import (A4, BUILDERS, _encode, blank_page, faded, gaussian_blur,
                                        motion_blur, overexposed, photographed, table)
from tests.support.images import portrait

__all__ = ["A4", "BUILDERS", "Outcome", "Page", "confusion", "corpus", "judge", "table",
           "targets"]

EXPECTED = {"sharp": None, "legible": None, "portrait": None, "illegible": "BLURRED",
            "faint": "BLANK_PAGE", "blank": "BLANK_PAGE"}


@dataclass(frozen=True)
class Page:
    name: str
    group: str  # see the module docstring
    kind: str  # what the content is: text_small, table, certificate, … (the confusion rows)
    check_kind: str  # documents.checks.KINDS key: "scan" or "photo"
    expected: str | None  # the problem code the checker should report, or None (no flag)
    jpeg: bytes


def corpus(seed: int = 14, per_kind: int = 12) -> list[Page]:
    """The labelled pages (module docstring). `per_kind` sharp pages of each kind; the rest
    derive from them. With the default, 8 kinds × 12 = 96 sharp pages and 320 pages in all."""
    rnd = random.Random(seed)
    pages: list[Page] = []

    def add(name, group, kind, img, check_kind="scan", quality=None):
        pages.append(Page(name, group, kind, check_kind, EXPECTED[group],
                          _encode(img, rnd, quality)))

    for kind, build in BUILDERS.items():
        for i in range(per_kind):
            page = build(rnd)
            name = f"{kind}-{i}"
            if i % 4 == 3:  # every fourth page of a kind is photographed, not scanned
                page = photographed(page, rnd)
                name += "-photographed"
            if i % 2:  # half the scans (and their degraded copies) in greyscale
                page = page.convert("L")
            add(name, "sharp", kind, page)
            if kind == "sparse_stamp":
                continue  # a stamp alone is neither small print nor a faint text
            step = i % 6
            if step in (0, 3):
                sigma = rnd.choice([2.5, 3.5, 5.0])
                add(f"{name}-gauss{sigma}", "illegible", kind,
                    gaussian_blur(page, sigma))
            if step in (1, 4):
                length, direction = rnd.choice([9, 12, 16]), rnd.choice("xyd")
                add(f"{name}-motion{length}{direction}", "illegible", kind,
                    motion_blur(page, length, direction))
            if step == 2:
                add(f"{name}-soft", "legible", kind, page.filter(ImageFilter.GaussianBlur(0.6)))
                add(f"{name}-q12", "legible", kind, page, quality=12)
            if step == 5:
                add(f"{name}-contrast40", "legible", kind, faded(page, 0.4))
                add(f"{name}-overexposed", "legible", kind, overexposed(page, 1.25))
            if step in (2, 5) and "photographed" not in name:  # a scanner's settings: a
                # washed-out photo still shows the table around the page, which is not blank
                add(f"{name}-faint", "faint", kind, faded(page, 0.07))
                add(f"{name}-washed-out", "faint", kind, overexposed(page, 1.8))
            if step in (0, 1, 4):  # a second degraded copy: the more blur the better covered
                add(f"{name}-gauss{3.0}", "illegible", kind,
                    gaussian_blur(page, 3.0))
    for i, variant in enumerate(["paper", "page_number", "specks", "show_through",
                                 "scanner_edge"] * 6):
        page = blank_page(rnd, variant)
        add(f"blank-{variant}-{i}", "blank", "blank", page.convert("L") if i % 3 == 1 else page)
    for i in range(40):
        size = rnd.choice([(295, 413), (413, 579), (354, 496)])
        background = rnd.choice([(255, 255, 255), (245, 245, 245), (67, 142, 219),
                                 (200, 30, 40), (150, 200, 240), (230, 230, 225)])
        img = portrait(size, rnd.randrange(10**6))
        flat = Image.new("RGB", size, background)
        mask = ImageChops.difference(img, Image.new("RGB", size, img.getpixel((0, 0)))) \
            .convert("L").point(lambda v: 255 if v > 6 else 0)
        flat.paste(img, (0, 0), mask)
        name = f"portrait-{i}"
        if i % 4 == 3:  # a plain, soft one: pale tones close to a light background
            flat = Image.blend(Image.new("RGB", size, background), flat, rnd.uniform(0.3, 0.45))
            name += "-plain"
        add(name, "portrait", "portrait", flat, check_kind="photo",
            quality=rnd.choice([85, 92, 95]))
    return pages


# ---- judging the checker on the corpus ------------------------------------------------------

FLAGGING = ("BLURRED", "BLANK_PAGE")  # the heuristics' codes (documents.checks); others reject


@dataclass(frozen=True)
class Outcome:
    page: Page
    verdict: str
    codes: tuple[str, ...]

    @property
    def got(self) -> str | None:
        """The code the checker reported (its first), or None when it accepted the page."""
        return self.codes[0] if self.codes else None


def judge(pages: list[Page]) -> list[Outcome]:
    from documents.checks import check_attachment

    out = []
    for p in pages:
        r = check_attachment(p.jpeg, p.check_kind)
        out.append(Outcome(p, r.verdict, tuple(x.code for x in r.reasons)))
    return out


def targets(outcomes: list[Outcome]) -> dict:
    """The figures docs/checks.md promises, each with the pages it was counted on."""
    def share(group, pred):
        pool = [o for o in outcomes if o.page.group in group]
        hits = [o for o in pool if pred(o)]
        return {"pages": len(pool), "count": len(hits), "share": len(hits) / max(1, len(pool)),
                "names": [o.page.name for o in hits]}

    return {
        "sharp_flagged": share(("sharp",), lambda o: o.got is not None),
        "legible_flagged": share(("legible",), lambda o: o.got is not None),
        "illegible_flagged": share(("illegible",), lambda o: o.got == "BLURRED"),
        "blank_flagged": share(("blank", "faint"), lambda o: o.got == "BLANK_PAGE"),
        "portrait_blank": share(("portrait",), lambda o: "BLANK_PAGE" in o.codes),
        "portrait_flagged": share(("portrait",), lambda o: o.got is not None),
    }


def confusion(outcomes: list[Outcome], by: str) -> dict[str, dict[str, int]]:
    """rows: the page's kind (`by="kind"`) or its expected code (`by="expected"`); columns: the
    code the checker reported ("—" for none)."""
    table: dict[str, dict[str, int]] = {}
    for o in outcomes:
        row = o.page.kind if by == "kind" else (o.page.expected or "—")
        if by == "kind":
            row = f"{row}/{o.page.group}"
        cells = table.setdefault(row, {})
        cells[o.got or "—"] = cells.get(o.got or "—", 0) + 1
    return dict(sorted(table.items()))
