"""The documents the system prints (D-1…D-4, R-5.1): pure functions from dicts to PDF bytes.

Every document is A4, has an even number of pages (a blank back page is added for double-sided
printing, D-1), and carries on **every** page a light diagonal watermark (document number,
verification code, season), a QR code of ``meta.verify_url`` and "第 n 页 / 共 N 页". A printout
is genuine when its verification code, looked up at the verify URL, names the same document
(R-5.1: "有水印为有效"). Rendering is deterministic (reportlab ``invariant=1``, the date passed in
as ``meta.generated_at``): the same input gives byte-identical PDFs.

The ``fingerprint`` identifies what a document says: sha256 over the canonical JSON of the layout
(its YAML text), the data, the meta and the photo's sha256 (`content_fingerprint`). It is known
*before* drawing, so it can be printed on the page and carried by the QR code — a hash of the PDF
bytes cannot, since the bytes contain the QR code. The QR code is ``meta.verify_url`` plus
``?fp=`` and the first `FINGERPRINT_PREFIX` hex digits; the verify endpoint refuses a code whose
fingerprint differs, so a QR code regenerated for edited content, or taken from another version,
fails verification.

What is printed where lives in ``layouts/<document>.yaml`` (titles, labels, section order, table
columns, opinion boxes); this module only knows how to draw the block types listed in
``_BLOCKS``. ``TITLES_LAYOUTS_DIR`` points at a directory of replacement layouts.

The ``form`` dict of the 评审表 follows the application's sections (DOMAIN.md §3, R-3.3)::

    application           series, specialty, level, exceptional (破格, bool)
    basic            (1)  name, former_name, sex, ethnicity, birth_date, birth_place,
                          id_number_masked, unit, work_start, health, administrative_post, party,
                          democratic_party, societies, foreign_language
    education        (2)  [{from, to, school, major, diploma, degree, years, witness}], highest last
    qualification    (3)  current_title, obtained, approved_by, obtained_in_xinjiang (bool),
                          years_in_profession, current_post, post_since, current_work
    training              [{from, to, school, subject, witness}]  (学习培训经历 beyond degrees)
    work_history     (4)  [{from, to, unit, post, witness}]
    achievements     (5)  [{stage: "before"|"after" (任现职前/后), period, title, content,
                            role: 主持|参与|独立完成, outcome}]
    publications     (6)  [{date, title, venue, rank}]
    continuing_education (7)  {status: completed|exempt, summary}
    assessments      (8)  [{year, result, remark}];  exam: 考试成绩及答辩情况 (text)
    summary          (9)  个人业务工作总结, ≤ 3000 characters (R-3.3), paragraphs split on "\\n"
    other           (10)  [{name, note}]
    opinions              [{level: unit|department|panel|committee|approval, org, reviewer, date,
                            text}] — opinions recorded online so far; the paper boxes stay free
                            for the handwritten opinion, signature and stamp (R-4.2, R-5.1)

Dates are strings as they should be printed ("2019-10"). Missing or empty values print as 无
(R-3.1). ``SAMPLE_FORM`` below is a complete example.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import io
import json
import os
import re
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import qrcode
import yaml
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, Image, KeepTogether,
                                PageBreak, PageTemplate, Paragraph, Spacer, Table, TableStyle)
from reportlab.lib.utils import ImageReader

from .fonts import register_cjk_font

__all__ = ["DocumentMeta", "RenderedDocument", "SAMPLE_FORM", "content_fingerprint", "load_layout",
           "qr_url", "render_delivery_list",
           "render_evaluation_form", "render_exemption_form", "render_guarantee",
           "render_publicity_notice", "render_results_list", "verification_code"]

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 18 * mm, 30 * mm
QR_SIZE = 20 * mm
LAYOUTS_ENV = "TITLES_LAYOUTS_DIR"
FINGERPRINT_PREFIX = 16  # hex digits of the fingerprint printed and carried by the QR code
EMPTY = "无"  # a field with nothing to report says 无


@dataclass(frozen=True)
class DocumentMeta:
    """What identifies one rendered document on its every page.

    `application_no` is the printed number of the application (or, for a unit's lists, of the
    list); `generated_at` is an ISO date or datetime string, printed as the date of the form.
    """

    application_no: str
    verification_code: str
    season: str
    verify_url: str
    generated_at: str


@dataclass(frozen=True)
class RenderedDocument:
    pdf: bytes
    pages: int
    fingerprint: str  # content_fingerprint: sha256 hex of what the document says


_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols, no 0/O or 1/I


def verification_code(secret: str, application_id: str, version: int, kind: str,
                      revision: int = 0) -> str:
    """R-5.1 "有水印为有效": a short code printed on every page and looked up to prove a printout
    genuine. HMAC-SHA256 of (kind, application, version[, revision]) under a server secret, so it
    cannot be forged or guessed from the application number; 50 bits as 10 symbols,
    "XXXXX-XXXXX". Revision 0 (the submission's document) keeps the code it always had; each
    re-rendering with a recorded opinion (revision 1, 2, …) gets its own."""
    message = f"{kind}\x1f{application_id}\x1f{version}"
    if revision:
        message += f"\x1f{revision}"
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    n = int.from_bytes(digest[:8], "big")
    symbols = "".join(_CODE_ALPHABET[(n >> (5 * i)) & 31] for i in range(10))
    return f"{symbols[:5]}-{symbols[5:]}"


# --- layouts and values ----------------------------------------------------------------------


def layout_text(name: str) -> str:
    """The YAML text of layout `name`, from $TITLES_LAYOUTS_DIR if it has one, else packaged."""
    override = os.environ.get(LAYOUTS_ENV)
    if override and (Path(override) / f"{name}.yaml").is_file():
        return (Path(override) / f"{name}.yaml").read_text(encoding="utf-8")
    return resources.files(__package__).joinpath("layouts", f"{name}.yaml").read_text(
        encoding="utf-8")


def load_layout(name: str) -> dict:
    """The layout `name`, parsed (see `layout_text`): each text parsed once, a fresh copy each
    call (parsing on every render was 15 % of it, bench/)."""
    return copy.deepcopy(_parsed_layout(layout_text(name)))


@functools.lru_cache(maxsize=32)
def _parsed_layout(text: str) -> dict:
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def content_fingerprint(layout: str, data: dict, meta: DocumentMeta,
                        photo: bytes | None = None) -> str:
    """sha256 hex of what a document says: its layout's text, its data, its meta and its photo.
    The same version rendered twice has the same fingerprint; any change of content, another
    version, another code or another photo gives another one."""
    canonical = json.dumps({"layout": layout, "layout_text": layout_text(layout), "data": data,
                            "meta": asdict(meta),
                            "photo": hashlib.sha256(photo).hexdigest() if photo else None},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def qr_url(meta: DocumentMeta, fingerprint: str) -> str:
    """What the QR code on every page carries: the verify URL and the fingerprint's prefix."""
    return f"{meta.verify_url}?fp={fingerprint[:FINGERPRINT_PREFIX]}"


def lookup(data: Any, path: str) -> Any:
    """Follow a dotted path through dicts and lists ("education.-1.school"); None if absent."""
    for part in str(path).split("."):
        if isinstance(data, dict):
            data = data.get(part, data.get(int(part)) if part.lstrip("-").isdigit() else None)
        elif isinstance(data, list) and part.lstrip("-").isdigit():
            index = int(part)
            data = data[index] if -len(data) <= index < len(data) else None
        else:
            return None
        if data is None:
            return None
    return data


def show(value: Any, empty: str = EMPTY) -> str:
    """How a value is printed: empty → 无, booleans → √ / ×, lists joined with 、."""
    if value is None or value == "" or value == [] or value == {}:
        return empty
    if value is True:
        return "√"
    if value is False:
        return "×"
    if isinstance(value, list):
        return "、".join(show(v, empty) for v in value)
    return str(value)


_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.\-]+)\}")


def fill(template: str, data: Any) -> str:
    """Replace {dotted.path} placeholders; an absent value becomes "" (the template decides)."""
    return _PLACEHOLDER.sub(lambda m: "" if lookup(data, m[1]) is None
                            else show(lookup(data, m[1]), ""), template)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chinese_date(iso: str) -> str:
    y, m, d = iso[:10].split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


# --- drawing ---------------------------------------------------------------------------------


class _Styles:
    def __init__(self, font: str):
        base = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
        self.body = base
        self.indented = ParagraphStyle("indented", base, firstLineIndent=20)
        self.cell = ParagraphStyle("cell", base, fontSize=9, leading=12)
        self.label = ParagraphStyle("label", self.cell, alignment=TA_CENTER)
        self.small = ParagraphStyle("small", base, fontSize=8, leading=11)
        self.heading = ParagraphStyle("heading", base, fontSize=12.5, leading=18, spaceBefore=8,
                                      spaceAfter=4)
        self.title = ParagraphStyle("title", base, fontSize=18, leading=26, alignment=TA_CENTER,
                                    spaceAfter=8)
        self.cover_title = ParagraphStyle("cover", base, fontSize=26, leading=36,
                                          alignment=TA_CENTER)
        self.cover_field = ParagraphStyle("cover_field", base, fontSize=13, leading=18)
        self.aligned = {"left": base, "right": ParagraphStyle("right", base, alignment=TA_RIGHT),
                        "center": ParagraphStyle("center", base, alignment=TA_CENTER)}


@dataclass
class _Context:
    data: dict  # the document's data, with "meta"
    styles: _Styles
    width: float  # of the frame
    photo: bytes | None = None

    def para(self, text: str, style=None) -> Paragraph:
        # Runs of ideographic spaces (the blanks of "年　　月　　日") must survive: the paragraph
        # parser would collapse them as whitespace, non-breaking spaces it keeps.
        markup = _escape(text).replace("\n", "<br/>").replace("\u3000", "&nbsp;&nbsp;&nbsp;")
        return Paragraph(markup, style or self.styles.cell)


_GRID = [("GRID", (0, 0), (-1, -1), 0.6, colors.black),
         ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
         ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
         ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]


def _grid(ctx: "_Context") -> list:
    # Empty spanned cells are plain strings, which Table would set in Helvetica: a font that is
    # not embedded. Every cell uses the CJK font instead.
    return _GRID + [("FONT", (0, 0), (-1, -1), ctx.styles.body.fontName)]
_LABEL_FILL = colors.Color(0.93, 0.93, 0.93)


def _cover(block: dict, ctx: _Context) -> list[Flowable]:
    s = ctx.styles
    rows = [[ctx.para(f["label"], s.cover_field),
             ctx.para(fill(f["format"], ctx.data) if "format" in f
                      else show(lookup(ctx.data, f["key"])), s.cover_field)]
            for f in block["fields"]]
    table = Table(rows, colWidths=[45 * mm, 95 * mm], rowHeights=[13 * mm] * len(rows))
    table.setStyle(TableStyle([("LINEBELOW", (1, 0), (1, -1), 0.8, colors.black),
                               ("FONT", (0, 0), (-1, -1), s.body.fontName),
                               ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    out = [Spacer(1, 45 * mm), ctx.para(block["name"], s.cover_title)]
    if block.get("subtitle"):
        out += [Spacer(1, 4 * mm), ctx.para(fill(block["subtitle"], ctx.data), s.aligned["center"])]
    out += [Spacer(1, 38 * mm), table, Spacer(1, 40 * mm)]
    out += [ctx.para(line, ParagraphStyle("note", s.small, alignment=TA_CENTER))
            for line in block.get("footer", [])]
    return out + [PageBreak()]


def _fields(block: dict, ctx: _Context) -> list[Flowable]:
    """A grid of label | value pairs, `pairs_per_row` across; a field may `span` several pairs;
    the last field of a row takes what is left. An optional photo box spans the first rows."""
    pairs = block.get("pairs_per_row", 2)
    label_w = block.get("label_mm", 24) * mm
    photo = block.get("photo")
    photo_w = (photo["width_mm"] + 4) * mm if photo else 0
    value_w = (ctx.width - photo_w - pairs * label_w) / pairs
    widths = [label_w, value_w] * pairs + ([photo_w] if photo else [])
    photo_rows = photo["rows"] if photo else 0
    rows, style = [], _grid(ctx)
    for r, fields in enumerate(block["rows"]):
        row_end = len(widths) - 1 - (1 if r < photo_rows else 0)
        cells, col = [], 0
        for i, f in enumerate(fields):
            end = row_end if i == len(fields) - 1 else col + 2 * f.get("span", 1) - 1
            value = show(lookup(ctx.data, f["key"]))
            cells += [ctx.para(f["label"], ctx.styles.label), ctx.para(value)]
            cells += [""] * (end - col - 1)
            style.append(("BACKGROUND", (col, r), (col, r), _LABEL_FILL))
            if end > col + 1:
                style.append(("SPAN", (col + 1, r), (end, r)))
            col = end + 1
        if r < photo_rows:
            cells.append(_photo_box(photo, ctx) if r == 0 else "")
        rows.append(cells)
    heights = None
    if photo:
        style += [("SPAN", (len(widths) - 1, 0), (len(widths) - 1, photo_rows - 1)),
                  ("ALIGN", (len(widths) - 1, 0), (-1, 0), "CENTER")]
        heights = [(photo["height_mm"] + 4) * mm / photo_rows] * photo_rows
        heights += [None] * (len(rows) - photo_rows)
    table = Table(rows, colWidths=widths, rowHeights=heights)
    table.setStyle(TableStyle(style))
    return [table]


def _photo_box(photo: dict, ctx: _Context) -> Flowable:
    w, h = photo["width_mm"] * mm, photo["height_mm"] * mm
    if ctx.photo:
        iw, ih = ImageReader(io.BytesIO(ctx.photo)).getSize()
        scale = min(w / iw, h / ih)
        return Image(io.BytesIO(ctx.photo), width=iw * scale, height=ih * scale)
    return ctx.para(photo["label"], ctx.styles.label)


def _table(block: dict, ctx: _Context) -> list[Flowable]:
    """Rows from the data (`source`, one path or several concatenated, filtered by `where`) or
    from the layout itself (`rows`), one column per `columns` entry."""
    if "rows" in block:
        items = block["rows"]
    else:
        sources = block["source"] if isinstance(block["source"], list) else [block["source"]]
        items = [row for src in sources for row in (lookup(ctx.data, src) or [])]
    where = block.get("where", {})
    items = [row for row in items if all(row.get(k) == v for k, v in where.items())]
    columns = block["columns"]
    total = sum(c.get("width", 1) for c in columns)
    widths = [ctx.width * c.get("width", 1) / total for c in columns]

    def cell(n: int, row: dict, col: dict) -> str:
        if col.get("key") == "#":
            return str(n)
        if "format" in col:
            return fill(col["format"], row) or EMPTY
        return show(lookup(row, col["key"]), col.get("empty", EMPTY))

    body = [[ctx.para(cell(n, row, col)) for col in columns] for n, row in enumerate(items, 1)]
    style = _grid(ctx) + [("BACKGROUND", (0, 0), (-1, 0), _LABEL_FILL)]
    if not body:  # nothing to report is reported as 无
        body = [[ctx.para(EMPTY, ctx.styles.label)] + [""] * (len(columns) - 1)]
        style.append(("SPAN", (0, 1), (-1, 1)))
    header = [ctx.para(c["label"], ctx.styles.label) for c in columns]
    table = Table([header] + body, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return [table]


def _text(block: dict, ctx: _Context) -> list[Flowable]:
    """Long text (the 3000-character summary) as paragraphs that flow over pages."""
    text = show(lookup(ctx.data, block["key"]))
    return [ctx.para(p.strip(), ctx.styles.indented) for p in text.split("\n") if p.strip()]


def _opinions(block: dict, ctx: _Context) -> list[Flowable]:
    """Boxes left for handwritten opinions, signature, stamp and date, showing any opinion of the
    same level recorded online so far (R-4.1: who, when, what)."""
    s = ctx.styles
    recorded = lookup(ctx.data, "opinions") or []
    rows = []
    for box in block["boxes"]:
        content = [ctx.para("已在系统记录（" + " ".join(
                               str(o[k]) for k in ("org", "reviewer", "date") if o.get(k))
                            + f"）：{o.get('text', '')}", s.body)
                   for o in recorded if o.get("level") == box.get("level")]
        content += [ctx.para(line, s.body) for line in box.get("prompt", [])]
        content += [Spacer(1, box.get("space_mm", 30) * mm), ctx.para(box["sign"], s.aligned["right"])]
        rows.append([ctx.para(box["label"], s.label), content])
    table = Table(rows, colWidths=[30 * mm, ctx.width - 30 * mm])
    table.setStyle(TableStyle(_grid(ctx) + [("BACKGROUND", (0, 0), (0, -1), _LABEL_FILL),
                                       ("VALIGN", (1, 0), (1, -1), "TOP")]))
    out = [ctx.para(block["note"], s.small), Spacer(1, 2 * mm)] if block.get("note") else []
    return out + [table]


def _paragraph(block: dict, ctx: _Context) -> list[Flowable]:
    style = {"title": ctx.styles.title, "small": ctx.styles.small,
             "indented": ctx.styles.indented}.get(block.get("style"))
    return [ctx.para(fill(block["text"], ctx.data),
                     style or ctx.styles.aligned[block.get("align", "left")])]


_BLOCKS = {"cover": _cover, "fields": _fields, "table": _table, "text": _text,
           "opinions": _opinions, "paragraph": _paragraph,
           "page_break": lambda block, ctx: [PageBreak()],
           "spacer": lambda block, ctx: [Spacer(1, block.get("mm", 6) * mm)]}


def _story(layout: dict, ctx: _Context) -> list[Flowable]:
    story = []
    for block in layout["blocks"]:
        if "when" in block and not lookup(ctx.data, block["when"]):
            continue
        if "unless" in block and lookup(ctx.data, block["unless"]):
            continue
        flowables = _BLOCKS[block["type"]](block, ctx)
        if block.get("title"):  # a heading never ends a page alone
            flowables = [KeepTogether([ctx.para(block["title"], ctx.styles.heading),
                                       flowables[0]])] + flowables[1:]
        story += flowables
    return story


class _FurnishedCanvas(Canvas):
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


def _render(layout_name: str, data: dict, meta: DocumentMeta,
            photo: bytes | None = None) -> RenderedDocument:
    font = register_cjk_font()
    layout = load_layout(layout_name)
    fingerprint = content_fingerprint(layout_name, data, meta, photo)
    meta_view = dict(asdict(meta), date=_chinese_date(meta.generated_at))
    ctx = _Context({**data, "meta": meta_view}, _Styles(font), PAGE_W - 2 * MARGIN_X, photo)
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
        canvases.append(_FurnishedCanvas(*args, meta=meta, font=font, fingerprint=fingerprint,
                                         **kwargs))
        return canvases[-1]

    doc.build(_story(layout, ctx), canvasmaker=canvasmaker)
    pdf = buf.getvalue()
    return RenderedDocument(pdf, canvases[-1].pages_rendered, fingerprint)


# --- the documents ---------------------------------------------------------------------------


def render_evaluation_form(form: dict, *, photo_jpeg: bytes | None,
                           meta: DocumentMeta) -> RenderedDocument:
    """D-1, R-5.1: the 专业技术职务任职资格评审表, printed double-sided and valid with its
    watermark. `photo_jpeg` is the checked clean copy of the one-inch photo (documents.checks)."""
    return _render("evaluation_form", form, meta, photo_jpeg)


def render_guarantee(data: dict, *, meta: DocumentMeta) -> RenderedDocument:
    """D-2, R-3.3 §10, R-5.1 (3): 附件1 专业技术资格评审材料真实性保证书, pre-filled.
    `data`: {basic: {...}, application: {...}} as in the form."""
    return _render("guarantee", data, meta)


def render_exemption_form(data: dict, *, meta: DocumentMeta) -> RenderedDocument:
    """D-3, R-3.4: 附件2 继续教育免试审批表, pre-filled. `data`: the form's basic, application and
    qualification, plus exemption {category (one of R-3.4's duties), period, post, proof}."""
    return _render("exemption_form", data, meta)


def render_publicity_notice(data: dict, *, meta: DocumentMeta) -> RenderedDocument:
    """D-4, R-4.2, R-2.3: a unit's publicity notice (公示) — and, when `data["result"]` is given,
    its result (公示结果, R-5.1 (2)). `data`: {unit, period: {start, end, working_days},
    applicants: [{name, current_title, applied_title, specialty}], contact: {person, phone,
    address}, issued_on, result: {objections, text, date} | absent}."""
    return _render("publicity_notice", data, meta)


def render_delivery_list(data: dict, *, meta: DocumentMeta) -> RenderedDocument:
    """D-4, R-5.1, R-2.2, R-5.3: a unit's list of paper materials delivered, items (1)–(11) per
    applicant. `data`: {unit, window: {start, end}, address, contact: {person, phone},
    applicants: [{name, applied_title, items: {"1": copies, …, "11": copies}}]}."""
    return _render("delivery_list", data, meta)


def render_results_list(data: dict, *, meta: DocumentMeta) -> RenderedDocument:
    """D-4, R-6.1, N-8.6: the published list of those who passed. `data`: {committee, publisher,
    period: {start, end}, contact: {phone}, passed: [{name, unit, specialty, title}], issued_on}."""
    return _render("results_list", data, meta)


SAMPLE_FORM: dict = {
    "application": {"series": "工程系列", "specialty": "机械电子", "level": "高级工程师",
                    "exceptional": False},
    "basic": {
        "name": "阿依古丽·买买提", "former_name": "无", "sex": "女", "ethnicity": "维吾尔族",
        "birth_date": "1982-05", "birth_place": "新疆喀什", "id_number_masked": "6531**********1228",
        "unit": "新疆天山机械制造有限公司", "work_start": "2005-07", "health": "健康",
        "administrative_post": "技术部副部长", "party": "中共党员", "democratic_party": "无",
        "societies": "新疆机械工程学会会员", "foreign_language": "英语（CET-4）",
    },
    "education": [
        {"from": "2001-09", "to": "2005-07", "school": "新疆大学", "major": "机械设计制造及其自动化",
         "diploma": "大学本科", "degree": "工学学士", "years": 4, "witness": "王建国"},
    ],
    "training": [
        {"from": "2016-06", "to": "2016-08", "school": "西安交通大学", "subject": "数控技术高级研修班",
         "witness": "李明"},
    ],
    "qualification": {"current_title": "工程师", "obtained": "2012-12",
                      "approved_by": "新疆维吾尔自治区人力资源和社会保障厅",
                      "obtained_in_xinjiang": True, "years_in_profession": 14,
                      "current_post": "工程师", "post_since": "2013-01", "current_work": "机械设计与工艺"},
    "work_history": [
        {"from": "2005-07", "to": "2012-12", "unit": "新疆天山机械制造有限公司", "post": "助理工程师",
         "witness": "张伟"},
        {"from": "2013-01", "to": "至今", "unit": "新疆天山机械制造有限公司", "post": "工程师",
         "witness": "张伟"},
    ],
    "achievements": [
        {"stage": "before", "period": "2009-2011", "title": "棉花打包机液压系统改造",
         "content": "负责液压回路设计与调试", "role": "参与", "outcome": "年节约能耗12%"},
        {"stage": "after", "period": "2015-2017", "title": "风电齿轮箱箱体铸造工艺优化",
         "content": "提出工艺方案，组织试制与验证", "role": "主持",
         "outcome": "废品率由9%降至3%，获自治区科技进步三等奖"},
        {"stage": "after", "period": "2018", "title": "一种轴承座快速定位夹具",
         "content": "设计并完成样机", "role": "独立完成", "outcome": "实用新型专利 ZL2018 2 0000000.0"},
    ],
    "publications": [
        {"date": "2017-06", "title": "风电齿轮箱箱体铸造缺陷分析与对策", "venue": "《铸造技术》",
         "rank": "第一作者"},
    ],
    "continuing_education": {"status": "completed",
                             "summary": "2019年专业科目、2014—2019年公需科目均已合格"},
    "exam": "无",
    "assessments": [
        {"year": 2016, "result": "合格", "remark": "无"},
        {"year": 2017, "result": "优秀", "remark": "无"},
        {"year": 2018, "result": "合格", "remark": "无"},
    ],
    "summary": ("任现职以来，本人一直从事机械设计与铸造工艺工作，坚持理论联系实际。\n"
                "主持完成风电齿轮箱箱体铸造工艺优化项目，显著降低废品率；"
                "参与多项设备改造，取得实用新型专利一项，发表论文一篇。"),
    "other": [{"name": "公示结果", "note": "单位公示无异议"},
              {"name": "专业技术资格评审材料真实性保证书", "note": "附件1"}],
    "opinions": [],
}
