"""The Chinese font every rendered document uses (D-1…D-4).

reportlab embeds TrueType outlines as a subset, so the PDF shows the same glyphs on any printer
and text stays extractable. WenQuanYi Micro Hei (Debian package ``fonts-wqy-microhei``) is a
TrueType collection and works; Noto CJK is CFF-flavoured OpenType, which reportlab cannot embed.
``TITLES_CJK_FONT`` names another .ttf/.ttc; when it is set it must exist (no silent fallback).
"""
from __future__ import annotations

import os
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

ENV_VAR = "TITLES_CJK_FONT"
DEBIAN_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
FONT_NAME = "TitlesCJK"


class CjkFontUnavailable(RuntimeError):
    """No usable Chinese TrueType font: documents cannot be rendered."""


def cjk_font_path(environ=os.environ) -> Path:
    """The font file to use: $TITLES_CJK_FONT if set, else the first Debian path present."""
    override = environ.get(ENV_VAR)
    if override:
        path = Path(override)
        if not path.is_file():
            raise CjkFontUnavailable(f"{ENV_VAR}={override} does not name a font file")
        return path
    for path in DEBIAN_PATHS:
        if path.is_file():
            return path
    raise CjkFontUnavailable(
        "no Chinese TrueType font found: install the Debian package fonts-wqy-microhei "
        f"(apt-get install -y fonts-wqy-microhei) or set {ENV_VAR} to a .ttf/.ttc file")


def register_cjk_font(environ=os.environ) -> str:
    """Register the font with reportlab once and return the name to draw with."""
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    path = cjk_font_path(environ)
    try:
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    except TTFError as exc:  # e.g. CFF outlines (Noto CJK .otf/.ttc)
        raise CjkFontUnavailable(f"{path} cannot be embedded by reportlab: {exc}") from exc
    return FONT_NAME
