"""Lossless turns of EXIF-rotated JPEGs (R-3.2: attachments are stored upright), in process, by
libjpeg-turbo's transform (`tjTransform`, the library under `jpegtran`) through PyTurboJPEG.

The DCT blocks are rearranged and entropy-coded again; nothing is decoded to pixels or quantised
again, so the upright copy has exactly the upload's pixels. `TJXOPT_PERFECT`: libjpeg-turbo
refuses (rather than dropping or smearing the edge blocks) when a side the turn moves to the
top or left is not a whole number of MCUs; the caller then re-encodes (documents.checks).

Why PyTurboJPEG and not `jpegtran` in a subprocess (docs/checks.md): the same library code,
without a process start, a temporary file and two copies through pipes per photo, and a
maintained binding that finds and loads Debian's `libturbojpeg0`. PyTurboJPEG is pinned to
1.8.x, the line that speaks libjpeg-turbo 2.x's API (2.x of the binding needs libjpeg-turbo
3.0, which Debian bookworm does not ship). Its public methods cover lossless crops, not turns;
`LosslessTurner.turn` builds the transform with the binding's own structures and calls its
transform helper (name-mangled, so a new version that moved it fails
`test_r3_2_rotated_phone_photo_is_turned_losslessly`, not production silently: the pin holds).
"""
from __future__ import annotations

import warnings
from ctypes import byref

import numpy as np

try:
    import turbojpeg as _tj
except ImportError:  # pragma: no cover - the dependency is in pyproject.toml
    _tj = None

# EXIF orientation → libjpeg-turbo's operation that makes the stored image upright.
TURN_OPS = {2: 1, 3: 6, 4: 2, 5: 3, 6: 5, 7: 4, 8: 7}
# (TJXOP_HFLIP=1, VFLIP=2, TRANSPOSE=3, TRANSVERSE=4, ROT90=5, ROT180=6, ROT270=7: turbojpeg.h)


class LosslessTurner:
    """One loaded libturbojpeg; `turn` is safe to call from several threads (a handle each)."""

    def __init__(self) -> None:
        self._lib = _tj.TurboJPEG()

    def turn(self, data: bytes, orientation: int) -> bytes | None:
        """The JPEG turned upright for EXIF `orientation` (2–8), every marker kept (the caller
        strips metadata); None where the turn cannot be perfect or libjpeg-turbo warns (a
        damaged stream: let the caller's full decode judge it)."""
        try:
            return self.transform(data, TURN_OPS[orientation], _tj.TJXOPT_PERFECT) or None
        except (OSError, UserWarning):
            return None

    def transform(self, data: bytes, op: int, options: int) -> bytes:
        """libjpeg-turbo's `tjTransform` of `data` (op and options as in turbojpeg.h); a
        libjpeg warning raises UserWarning, an error OSError. With TJXOPT_NOOUTPUT it only
        entropy-decodes the stream into DCT coefficients (bench/checks.py times that)."""
        lib = self._lib
        handle = lib._TurboJPEG__init_transform()
        if not handle:
            raise OSError("tjInitTransform failed")
        try:
            src = np.frombuffer(data, dtype=np.uint8)
            spec = _tj.TransformStruct(_tj.CroppingRegion(0, 0, 0, 0), op, options)
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a libjpeg warning (corrupt data) is a refusal
                out = lib._TurboJPEG__do_transform(handle, lib._TurboJPEG__getaddr(src), src.size,
                                                   1, byref(spec))
        finally:
            lib._TurboJPEG__destroy(handle)
        return out[0]


def _load() -> LosslessTurner | None:
    if _tj is None:
        return None
    try:
        return LosslessTurner()
    except (OSError, RuntimeError):  # libturbojpeg0 missing: the re-encoding fallback
        return None


TURNER = _load()
