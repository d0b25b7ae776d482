"""The in-memory clip type shared by the reader, the writer, training and the GUI."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from actinr_studio.errors import UserError

#: Frame rate used when the source stores none (frame folders, single images).
DEFAULT_FPS = Fraction(24)

#: Largest denominator kept when a float frame rate is turned into a Fraction
#: (enough for NTSC rates such as 30000/1001 and for millisecond-precise rates).
_MAX_RATE_DENOMINATOR = 1001 * 1000


def as_rate(fps: Fraction | int | float) -> Fraction:
    """Return ``fps`` as a positive exact :class:`Fraction`.

    Ints and Fractions are kept exactly; floats are converted with
    ``Fraction(fps).limit_denominator(1001 * 1000)`` so that ``29.97002997`` becomes
    ``30000/1001``. Raises :class:`UserError` for anything that is not a finite number > 0.
    """
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real):
        raise UserError(f"Frame rate must be a number, got {fps!r}")
    if isinstance(fps, numbers.Rational):
        rate = Fraction(int(fps.numerator), int(fps.denominator))
    else:
        value = float(fps)
        if not math.isfinite(value):
            raise UserError(f"Frame rate must be a finite number, got {fps!r}")
        rate = Fraction(value).limit_denominator(_MAX_RATE_DENOMINATOR)
    if rate <= 0:
        raise UserError(f"Frame rate must be greater than 0, got {fps!r}")
    return rate


@dataclass(frozen=True)
class VideoClip:
    """A decoded clip held in memory.

    Attributes:
        frames: ``(N, H, W, 3)`` uint8 RGB, C-contiguous.
        fps: exact frame rate.
        source: the path it was read from, or a description (``"synthetic:moving_disc"``).
        fps_assumed: True when the source stores no frame rate (frame folders, images) and
            :data:`DEFAULT_FPS` was used.
        first_frame: index in the source of ``frames[0]``.
        scale: downscale factor applied at load (1.0 = full size).
    """

    frames: np.ndarray
    fps: Fraction
    source: str
    fps_assumed: bool = False
    first_frame: int = 0
    scale: float = 1.0

    def __post_init__(self) -> None:
        frames = self.frames
        if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8:
            raise ValueError("VideoClip.frames must be a uint8 numpy array")
        if frames.ndim != 4 or frames.shape[-1] != 3 or 0 in frames.shape:
            raise ValueError(f"VideoClip.frames must have shape (N, H, W, 3), got {frames.shape}")
        if not frames.flags.c_contiguous:
            object.__setattr__(self, "frames", np.ascontiguousarray(frames))
        object.__setattr__(self, "fps", as_rate(self.fps))

    @property
    def num_frames(self) -> int:
        """Number of frames N."""
        return int(self.frames.shape[0])

    @property
    def height(self) -> int:
        """Frame height H in pixels."""
        return int(self.frames.shape[1])

    @property
    def width(self) -> int:
        """Frame width W in pixels."""
        return int(self.frames.shape[2])

    @property
    def duration_seconds(self) -> float:
        """Length in seconds: ``num_frames / fps``."""
        return float(self.num_frames / self.fps)

    def as_float(self) -> np.ndarray:
        """Return the frames as a new float32 array in [0, 1], shape ``(N, H, W, 3)``."""
        return self.frames.astype(np.float32) / np.float32(255.0)

    def __repr__(self) -> str:
        return (
            f"VideoClip({self.num_frames} frames, {self.width}x{self.height} @ {self.fps} fps"
            f"{' (assumed)' if self.fps_assumed else ''}, source={self.source!r}, "
            f"first_frame={self.first_frame}, scale={self.scale})"
        )
