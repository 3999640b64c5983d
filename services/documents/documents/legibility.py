"""Legibility measures of a reduced page (R-3.2 "内容不清晰"): how much ink, how steep its edges.

Measured on the greyscale copy `documents.checks` decodes in draft mode (about 310×438 for an A4
page, whatever the scan's dpi). The thresholds were set on the labelled corpus of
tests/support/corpus.py; docs/checks.md has the figures and `python -m bench.corpus` reproduces
them.
"""
from __future__ import annotations

import numpy as np

INK_CONTRAST = 40  # grey levels darker than the paper around it (±4 px) that count as ink
BLANK_INK_FRACTION = 0.001  # less ink than this share of the page (inside MARGIN) → blank page
MARGIN = 0.04  # of each side, left out of the blank and blur judgements (scanner edges, shadows)
EDGE_SHARPNESS_MIN = 0.75  # median steepness of the page's edges below which it is blurred
EDGE_CONTRAST_SHARE = 0.5  # an "edge" spans at least this share of the page's ink contrast
EDGE_DENSITY_MIN = 0.02  # runs found per ink pixel (on the rows sampled) below which the ink
# has no edges at all: blurred (sharp pages measured ≥ 0.07, pages blurred beyond σ 5 px ≤ 0.005)
MIN_EDGES = 30  # fewer runs than this on a page with so little ink: nothing to judge by


def inner(grey: np.ndarray) -> np.ndarray:
    """The page without MARGIN on each side: a scanner lid's dark edge, the table around a
    photographed page are not the page."""
    m = round(MARGIN * min(grey.shape))
    return grey[m:grey.shape[0] - m, m:grey.shape[1] - m] if m else grey


def _local_max(a: np.ndarray, radius: int) -> np.ndarray:
    """The maximum over the (2r+1)² window around each pixel (separable; edges repeated)."""
    h, w = a.shape
    p = np.pad(a, radius, mode="edge")
    rows = p[:, :w].copy()
    for s in range(1, 2 * radius + 1):
        np.maximum(rows, p[:, s:s + w], out=rows)
    out = rows[:h].copy()
    for s in range(1, 2 * radius + 1):
        np.maximum(out, rows[s:s + h], out=out)
    return out


def ink_contrast(grey: np.ndarray) -> np.ndarray:
    """How much darker each pixel is than the brightest around it (±4 px, ~3 mm on an A4 copy):
    the paper's own tone, an off-white sheet, uneven light or a grey table top count as nothing;
    print, stamps, lines and the edges of a photo count as what they are."""
    return _local_max(grey, 4) - grey


def ink_fraction(contrast: np.ndarray) -> float:
    """Share of pixels at least INK_CONTRAST darker than the paper around them."""
    return float(np.count_nonzero(contrast >= INK_CONTRAST)) / contrast.size


def edge_sharpness(grey: np.ndarray, contrast: np.ndarray) -> float | None:
    """How steep the page's edges are, the steeper of two directions excluded: the median, over
    every three-pixel run across which the tone changes by at least EDGE_CONTRAST_SHARE of the
    page's ink contrast, of (largest one-pixel step) / (change over the run). A sharp edge makes
    most of its change in one step (0.75–1 on the reduced copy, however large or bold the print
    or dense the table: the measure is a ratio, not an amount of detail); a blurred one spreads it
    (toward 0.5). Along x and along y separately, the lower kept: motion blur smears one way only.
    0 when the ink has hardly any such run (fewer than EDGE_DENSITY_MIN per ink pixel: blurred
    past any steepness); None when the page has fewer than MIN_EDGES (nothing to judge by)."""
    ink_pixels = np.count_nonzero(contrast >= INK_CONTRAST)
    ink = np.bincount(contrast.ravel().clip(0, 255), minlength=256)
    top = int(np.searchsorted(np.cumsum(ink), 0.995 * contrast.size))  # the page's ink contrast
    needed = max(16, EDGE_CONTRAST_SHARE * top)
    found = []
    h, w = grey.shape
    # Runs along x (columns i, i+1, i+2) on every other row, and along y on every other column:
    # slices of one array (no transposed copy), half the work, thousands of edges still.
    rows, cols = grey[::2], grey[:, ::2]
    for a0, a1, a2 in ((rows[:, :w - 2], rows[:, 1:w - 1], rows[:, 2:]),
                       (cols[:h - 2], cols[1:h - 1], cols[2:])):
        span = np.maximum(np.maximum(a0, a1), a2)
        span -= np.minimum(np.minimum(a0, a1), a2)
        step = np.maximum(np.abs(a1 - a0), np.abs(a2 - a1))
        edges = span >= needed
        count = np.count_nonzero(edges)
        if count < EDGE_DENSITY_MIN * ink_pixels / 2:  # half the rows (columns) were sampled
            return 0.0
        if count < MIN_EDGES:
            return None
        found.append(float(np.median(step[edges] / span[edges])))
    return min(found)
