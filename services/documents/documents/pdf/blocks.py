"""How a layout's blocks are drawn: values (`lookup`, `show`, `fill`), styles, and one function
per block type (`BLOCKS`: cover, fields, table, text, opinions, paragraph, page_break, spacer).

A layout (``layouts/<document>.yaml``) lists blocks; `story` turns them into reportlab
flowables for the data at hand. Missing or empty values print as 无 (R-3.1).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (Flowable, Image, KeepTogether, PageBreak, Paragraph, Spacer,
                                Table, TableStyle)

EMPTY = "无"  # a field with nothing to report says 无


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


class Styles:
    """The paragraph styles of every document, in the registered CJK font."""

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
class Context:
    """What a block is drawn with: the data, the styles, the frame's width, the photo."""

    data: dict  # the document's data, with "meta"
    styles: Styles
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


def _grid(ctx: Context) -> list:
    # Empty spanned cells are plain strings, which Table would set in Helvetica: a font that is
    # not embedded. Every cell uses the CJK font instead.
    return _GRID + [("FONT", (0, 0), (-1, -1), ctx.styles.body.fontName)]


_LABEL_FILL = colors.Color(0.93, 0.93, 0.93)


def _cover(block: dict, ctx: Context) -> list[Flowable]:
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


def _fields(block: dict, ctx: Context) -> list[Flowable]:
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


def _photo_box(photo: dict, ctx: Context) -> Flowable:
    w, h = photo["width_mm"] * mm, photo["height_mm"] * mm
    if ctx.photo:
        iw, ih = ImageReader(io.BytesIO(ctx.photo)).getSize()
        scale = min(w / iw, h / ih)
        return Image(io.BytesIO(ctx.photo), width=iw * scale, height=ih * scale)
    return ctx.para(photo["label"], ctx.styles.label)


def _table(block: dict, ctx: Context) -> list[Flowable]:
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


def _text(block: dict, ctx: Context) -> list[Flowable]:
    """Long text (the 3000-character summary) as paragraphs that flow over pages."""
    text = show(lookup(ctx.data, block["key"]))
    return [ctx.para(p.strip(), ctx.styles.indented) for p in text.split("\n") if p.strip()]


def _opinions(block: dict, ctx: Context) -> list[Flowable]:
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


def _paragraph(block: dict, ctx: Context) -> list[Flowable]:
    style = {"title": ctx.styles.title, "small": ctx.styles.small,
             "indented": ctx.styles.indented}.get(block.get("style"))
    return [ctx.para(fill(block["text"], ctx.data),
                     style or ctx.styles.aligned[block.get("align", "left")])]


BLOCKS = {"cover": _cover, "fields": _fields, "table": _table, "text": _text,
           "opinions": _opinions, "paragraph": _paragraph,
           "page_break": lambda block, ctx: [PageBreak()],
           "spacer": lambda block, ctx: [Spacer(1, block.get("mm", 6) * mm)]}


def story(layout: dict, ctx: Context) -> list[Flowable]:
    """The layout's blocks, in order, as flowables (a block's `when`/`unless` path decides
    whether it is drawn)."""
    flow = []
    for block in layout["blocks"]:
        if "when" in block and not lookup(ctx.data, block["when"]):
            continue
        if "unless" in block and lookup(ctx.data, block["unless"]):
            continue
        flowables = BLOCKS[block["type"]](block, ctx)
        if block.get("title"):  # a heading never ends a page alone
            flowables = [KeepTogether([ctx.para(block["title"], ctx.styles.heading),
                                       flowables[0]])] + flowables[1:]
        flow += flowables
    return flow

