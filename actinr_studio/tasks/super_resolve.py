"""``sr-S``: space-time super-resolution (S x in space, 2x in time).

The model sees the frames with index % 2 == 0 (up to the last such index), each downsampled by
S with an exact box filter (area interpolation) to floor(H/S) x floor(W/S). It is built and
rendered at the full size H x W and trained by average-pooling its full-res S x S blocks before
the loss (``Supervision.pool``; see :class:`actinr_studio.train.data.PixelSampler`). Scored:
every frame below the last training index at full resolution (the training frames test the
spatial upscaling, the frames between them space and time together). When H or W is not a
multiple of S, the right / bottom remainder (fewer than S pixels) is never supervised but is
still scored.
"""

from __future__ import annotations

import numpy as np

from actinr_studio.errors import UserError
from actinr_studio.tasks.base import Task
from actinr_studio.train.data import Supervision
from actinr_studio.video.resize import box_downscale

TIME_FACTOR = 2
"""Training frames are every 2nd frame (the protocol's 2x in time)."""


def downsample_frames(frames: np.ndarray, factor: int) -> np.ndarray:
    """(N, H, W, 3) uint8 -> (N, H // factor, W // factor, 3): each block's mean (area)."""
    return np.stack([box_downscale(np.ascontiguousarray(f), factor) for f in frames])


class SuperResolve(Task):
    def __init__(self, factor: int):
        if factor < 2:
            raise UserError(f"super-resolution factor must be >= 2, got {factor}")
        self.factor = factor
        self.name = f"sr-{factor}"

    def prepare(self, frames: np.ndarray) -> Supervision:
        n, h, w = frames.shape[:3]
        s = self.factor
        if n < TIME_FACTOR + 1:
            raise UserError(
                f"{self.name} needs at least {TIME_FACTOR + 1} frames, the clip has {n}"
            )
        if h < s or w < s:
            raise UserError(f"{self.name}: frames of {w}x{h} are smaller than the factor {s}")
        index = np.arange(n)
        last = (n - 1) // TIME_FACTOR * TIME_FACTOR
        train = (index % TIME_FACTOR == 0) & (index <= last)
        scored = index < last
        low = downsample_frames(frames, s)
        notes = {
            "last_train": int(last),
            "low_res_size": [int(w // s), int(h // s)],
            "unsupervised_strip_px": [int(w - w // s * s), int(h - h // s * s)],
        }
        return Supervision(low, train, reference=frames, scored_frames=scored, notes=notes,
                           pool=s)

    def describe(self) -> str:
        return (f"{self.name}: train on every 2nd frame downsampled {self.factor}x; score all "
                "frames at full resolution")
