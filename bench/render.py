"""4. Rendering the 评审表 (documents.render.render_evaluation_form, D-1) beside a bare canvas.

The form is SAMPLE_FORM with a full 个人业务工作总结 (R-3.3 allows 3,000 characters) and a one-inch
photo (295×413, as documents' checks keep it). The bare baseline draws the same text — extracted
page by page from the rendered PDF — on a plain reportlab Canvas with the same registered CJK font
(embedded as a subset the same way), on the same number of A4 pages; no tables, watermark, QR.
"""
from __future__ import annotations

import copy
import io
import statistics
import time

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from documents import render
from documents.fonts import register_cjk_font
from tests.support.forms import SAMPLE_FORM
from tests.support.images import jpeg, text_page

SUMMARY_LINE = ("任现职以来，本人主持完成风电齿轮箱箱体铸造工艺优化，组织试制与验证，"
                "废品率由9%降至3%，并参与多项设备改造与技术攻关。")


def form() -> dict:
    f = copy.deepcopy(SAMPLE_FORM)
    f["summary"] = "\n".join([SUMMARY_LINE] * (2900 // len(SUMMARY_LINE)))
    return f


def photo() -> bytes:
    return jpeg(text_page((295, 413), seed=3), quality=90)


META = render.DocumentMeta(application_no="3F2A9B1C", verification_code="ABCDE-FGHJK",
                           season="2019", verify_url="http://127.0.0.1:8000/verify/ABCDE-FGHJK",
                           generated_at="2019-10-15")


def page_texts(pdf: bytes) -> list[list[str]]:
    from pypdf import PdfReader

    return [[line for line in (page.extract_text() or "").splitlines() if line.strip()]
            for page in PdfReader(io.BytesIO(pdf)).pages]


def bare_render(pages: list[list[str]], font: str) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    for lines in pages:
        c.setFont(font, 9)
        y = A4[1] - 50
        for line in lines:
            c.drawString(50, y, line[:90])
            y -= 11
            if y < 40:
                break
        c.showPage()
    c.save()
    return buf.getvalue()


def _times(fn, n):
    out, size = [], 0
    for _ in range(n):
        t = time.perf_counter()
        size = len(fn())
        out.append(time.perf_counter() - t)
    out.sort()
    return {"median_ms": statistics.median(out) * 1e3,
            "p99_ms": out[min(len(out) - 1, int(len(out) * 0.99))] * 1e3, "bytes": size, "n": n}


def run(quick: bool) -> dict:
    n = 8 if quick else 40
    f, p = form(), photo()
    font = register_cjk_font()
    doc = render.render_evaluation_form(f, photo_jpeg=p, meta=META)  # warm: font, layout
    texts = page_texts(doc.pdf)
    bare_render(texts, font)
    full = _times(lambda: render.render_evaluation_form(f, photo_jpeg=p, meta=META).pdf, n)
    bare = _times(lambda: bare_render(texts, font), n)
    return {"pages": doc.pages, "characters": sum(len(x) for page in texts for x in page),
            "form": full, "bare": bare, "ratio": full["median_ms"] / bare["median_ms"],
            "bytes_ok": full["bytes"] <= 300 * 1024}


def profile() -> str:
    import cProfile
    import pstats

    f, p = form(), photo()
    render.render_evaluation_form(f, photo_jpeg=p, meta=META)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(3):
        render.render_evaluation_form(f, photo_jpeg=p, meta=META)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(14)
    return out.getvalue()
