"""Perceptual hashes of a decoded image: the cross-applicant "same certificate uploaded twice"
signal (R-3.2, `documents.duplicates`).

Two hashes are kept of every image `documents.checks` decodes: ``phash``, the classic 64-bit DCT
hash, cheap to index and robust to recompression, rescaling and small crops; and ``fine_hash``,
255 bits of a 64×64 DCT, which tells apart two *different* pages of the same layout that the
64-bit hash finds close (measured on generated text pages: different pages 74–110 bits apart,
the same page recompressed, rescaled to 70 %, rotated 1° or cropped 2 % 4–36 bits apart).
"""
from __future__ import annotations

import numpy as np
from PIL import Image

DUPLICATE_THRESHOLD = 7  # Hamming distance (of 64 bits) at or below which two images are "the same"
FINE_DUPLICATE_THRESHOLD = 40  # of fine_hash's 255 bits: the confirmation (see module docstring)


def _cosines(side: int, keep: int) -> np.ndarray:
    """The keep×side DCT-II basis: row u is cos(π(2x+1)u / 2·side)."""
    x = np.arange(side)
    return np.cos(np.pi * (2 * x[None, :] + 1) * np.arange(keep)[:, None] / (2 * side))


_COARSE = (32, 8, _cosines(32, 8))
_FINE = (64, 16, _cosines(64, 16))


def _dct_bits(img: Image.Image, side: int, keep: int, cos, skip_dc: bool) -> int:
    """The keep×keep lowest DCT-II frequencies of a side×side greyscale copy, each bit "above
    the median" of them."""
    small = img.convert("L").resize((side, side), Image.Resampling.BOX)
    px = np.asarray(small, dtype=np.float64)  # px[y][x]
    # Separable DCT-II of only the kept coefficients, coeffs[v][u] = Σy Σx cos[v][y]·px[y][x]·
    # cos[u][x], read row by row (v, then u): the same numbers, in the same order, as the
    # pure-Python loops this replaced, so the hashes stored before stay comparable.
    coeffs = (cos @ px @ cos.T).ravel()
    if skip_dc:  # the mean brightness says nothing about the picture
        coeffs = coeffs[1:]
    median = np.sort(coeffs)[len(coeffs) // 2]
    bits = 0
    for above in (coeffs > median).tolist():
        bits = (bits << 1) | above
    return bits


def perceptual_hash(img: Image.Image) -> str:
    """64-bit DCT hash (pHash): the 8×8 lowest frequencies of a 32×32 greyscale copy, each bit
    "above the median". Robust to recompression and rescaling, less to cropping."""
    return f"{_dct_bits(img, *_COARSE, skip_dc=False):016x}"


def fine_hash(img: Image.Image) -> str:
    """255-bit DCT hash: the 16×16 lowest frequencies (but the mean) of a 64×64 copy. Where two
    pages share a layout (lines of text in the same places) the 64-bit hash sees the layout;
    this one sees enough of the lines themselves to tell two pages apart."""
    return f"{_dct_bits(img, *_FINE, skip_dc=True):064x}"


def hamming(a_hex: str, b_hex: str) -> int:
    """Number of differing bits between two hashes of the same length."""
    return bin(int(a_hex, 16) ^ int(b_hex, 16)).count("1")


def is_duplicate(a: str, b: str, threshold: int = DUPLICATE_THRESHOLD,
                 a_fine: str | None = None, b_fine: str | None = None,
                 fine_threshold: int = FINE_DUPLICATE_THRESHOLD) -> bool:
    """The cross-applicant duplicate signal: two attachments whose hashes are this close show the
    same picture (a certificate or photo reused by another applicant). A signal for a reviewer,
    not a refusal. With both fine hashes given, they must agree too."""
    if hamming(a, b) > threshold:
        return False
    return a_fine is None or b_fine is None or hamming(a_fine, b_fine) <= fine_threshold
