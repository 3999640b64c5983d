"""Drawing a layout to PDF bytes, and what every page carries.

Every document is A4, has an even number of pages (a blank back page is added for double-sided
printing, D-1), and carries on **every** page a light diagonal watermark (document number,
verification code, season), a QR code of ``meta.verify_url`` (with the fingerprint's prefix,
`identity.qr_url`) and "第 n 页 / 共 N 页". A printout is genuine when its verification code,
looked up at the verify URL, names the same document (R-5.1: "有水印为有效"). Rendering is
deterministic (reportlab ``invariant=1``, the date passed in as ``meta.generated_at``): the same
input gives byte-identical PDFs.
"""
from __future__ import annotations

import io
from dataclasses import asdict

import qrcode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from documents.fonts import register_cjk_font
from documents.pdf.blocks import Context, Styles, fill, story
from documents.pdf.identity import (FINGERPRINT_PREFIX, DocumentMeta, RenderedDocument,
                                    content_fingerprint, load_layout, qr_url)

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 18 * mm, 30 * mm
QR_SIZE = 20 * mm


def _chinese_date(iso: str) -> str:
    y, m, d = iso[:10].split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


class FurnishedCanvas(Canvas):
    """Defers every page to `save`, when the page count is known, then draws on each page the
    watermark, QR code and "第 n 页 / 共 N 页" (the reportlab "numbered canvas" pattern), and
    adds a blank back page when the count is odd (D-1: A4 double-sided)."""

    def __init__(self, *args, meta: DocumentMeta, font: str, fingerprint: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._meta, self._font, self._deferred = meta, font, []
        self._fingerprint = fingerprint[:FINGERPRINT_PREFIX]
        qr = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
        qr.add_data(qr_url(meta, fingerprint))
        qr.make(fit=True)
        self._qr = qr.get_matrix()

    def showPage(self):
        self._deferred.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        pages = len(self._deferred)
        total = pages + pages % 2
        for number, state in enumerate(self._deferred, 1):
            self.__dict__.update(state)
            self._furnish(number, total)
            Canvas.showPage(self)
        if total > pages:
            self.setFont(self._font, 11)
            self.drawCentredString(PAGE_W / 2, PAGE_H / 2, "（此页无正文）")
            self._furnish(total, total)
            Canvas.showPage(self)
        self.pages_rendered = total
        Canvas.save(self)

    def _furnish(self, number: int, total: int):
        m = self._meta
        self.saveState()
        # Watermark: tiled over the whole page, over the content, so no part of a page can be
        # cut out without it.
        self.setFillColor(colors.Color(0.75, 0.1, 0.1))
        self.setFillAlpha(0.11)
        self.setFont(self._font, 15)
        mark = f"{m.application_no}  {m.verification_code}  {m.season}年度"
        self.translate(PAGE_W / 2, PAGE_H / 2)
        self.rotate(35)
        for y in range(-5, 6):
            for x in (-1, 0, 1):
                self.drawCentredString(x * 120 * mm + (y % 2) * 60 * mm, y * 32 * mm, mark)
        self.restoreState()

        self.saveState()
        self.setFont(self._font, 8)
        self.drawString(MARGIN_X, 17 * mm, f"编号 {m.application_no}　验证码 {m.verification_code}"
                                           f"　{m.season}年度　指纹 {self._fingerprint}")
        self.drawString(MARGIN_X, 12.5 * mm, f"扫描二维码或访问 {m.verify_url} 核验真伪")
        self.setFont(self._font, 9)
        self.drawCentredString(PAGE_W / 2, 7 * mm, f"第 {number} 页 / 共 {total} 页")
        self._draw_qr(PAGE_W - MARGIN_X - QR_SIZE, 5 * mm)
        self.restoreState()

    def _draw_qr(self, x: float, y: float):
        n = len(self._qr)
        cell = QR_SIZE / n
        self.setFillColor(colors.white)
        self.rect(x - 4 * cell, y - 4 * cell, QR_SIZE + 8 * cell, QR_SIZE + 8 * cell,
                  stroke=0, fill=1)  # the quiet zone, kept clear of the watermark
        self.setFillColor(colors.black)
        path = self.beginPath()
        for r, line in enumerate(self._qr):
            for c, dark in enumerate(line):
                if dark:
                    path.rect(x + c * cell, y + QR_SIZE - (r + 1) * cell, cell, cell)
        self.drawPath(path, stroke=0, fill=1)


def render_layout(layout_name: str, data: dict, meta: DocumentMeta,
                  photo: bytes | None = None) -> RenderedDocument:
    """Layout `layout_name` drawn for `data`, every page furnished; its fingerprint computed
    before drawing so that the pages can carry it."""
    font = register_cjk_font()
    layout = load_layout(layout_name)
    fingerprint = content_fingerprint(layout_name, data, meta, photo)
    meta_view = dict(asdict(meta), date=_chinese_date(meta.generated_at))
    ctx = Context({**data, "meta": meta_view}, Styles(font), PAGE_W - 2 * MARGIN_X, photo)
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=A4, invariant=1, initialFontName=font,
                          leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                          bottomMargin=MARGIN_BOTTOM, title=fill(layout["title"], ctx.data),
                          author="专业技术人员管理平台", creator="titles documents",
                          subject=f"{meta.application_no} {meta.verification_code}")
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, ctx.width, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM,
                  id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    canvases = []

    def canvasmaker(*args, **kwargs):
        canvases.append(FurnishedCanvas(*args, meta=meta, font=font, fingerprint=fingerprint,
                                        **kwargs))
        return canvases[-1]

    doc.build(story(layout, ctx), canvasmaker=canvasmaker)
    pdf = buf.getvalue()
    return RenderedDocument(pdf, canvases[-1].pages_rendered, fingerprint)
