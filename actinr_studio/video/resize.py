"""Downscaling frames at load time with area averaging."""

from __future__ import annotations

import math
import numbers

import av
import numpy as np

from actinr_studio.errors import UserError


def check_scale(scale: float) -> float:
    """Validate a downscale factor (a finite number >= 1) and return it as a float."""
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise UserError(f"Scale must be a number >= 1, got {scale!r}")
    value = float(scale)
    if not math.isfinite(value) or value < 1.0:
        raise UserError(f"Scale must be a number >= 1 (2 halves each side), got {scale!r}")
    return value


def scaled_size(width: int, height: int, scale: float) -> tuple[int, int]:
    """Output ``(width, height)`` for a downscale factor: floor(W/scale), floor(H/scale), >= 1."""
    return max(1, math.floor(width / scale)), max(1, math.floor(height / scale))


def _integer_factor(width: int, height: int, scale: float) -> int | None:
    """The integer box size when ``scale`` is a whole number that fits the frame, else None."""
    if not scale.is_integer():
        return None
    factor = int(scale)
    if factor > width or factor > height:
        return None
    return factor


def box_downscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Exact box filter: average each ``factor x factor`` block of an (H, W, 3) uint8 image.

    The right/bottom remainder that does not fill a whole block is dropped, so the output is
    ``(H // factor, W // factor, 3)``. Rounds half up; exact in integer arithmetic.
    """
    if factor == 1:
        return image
    h, w = image.shape[0] // factor, image.shape[1] // factor
    blocks = image[: h * factor, : w * factor].reshape(h, factor, w, factor, image.shape[2])
    area = factor * factor
    sums = blocks.sum(axis=(1, 3), dtype=np.uint32)
    return ((sums + area // 2) // area).astype(np.uint8)


def frame_to_rgb(frame: av.VideoFrame, scale: float) -> np.ndarray:
    """Convert a decoded frame to an (h, w, 3) uint8 RGB array downscaled by ``scale``.

    Whole-number factors use :func:`box_downscale` (an exact box filter); other factors use
    FFmpeg's area resampler (``interpolation='AREA'``).
    """
    if scale == 1.0:
        return frame.to_ndarray(format="rgb24")
    factor = _integer_factor(frame.width, frame.height, scale)
    if factor is not None:
        return box_downscale(frame.to_ndarray(format="rgb24"), factor)
    width, height = scaled_size(frame.width, frame.height, scale)
    return frame.reformat(
        width=width, height=height, format="rgb24", interpolation="AREA"
    ).to_ndarray()
