"""``inpaint``: holes excluded from the loss; scored on the whole frame and inside the holes.

Default holes (the protocol): five squares of side 50 px at 854x480, centred at (H/2, W/2),
(H/4, W/4), (H/4, 3W/4), (3H/4, W/4), (3H/4, 3W/4). On other frame sizes the side scales with
the frame's diagonal: side = round(50 * hypot(H, W) / hypot(480, 854)), at least 1 px. A centre
(cy, cx) is in continuous pixel coordinates (pixel i covers [i, i + 1)); a square covers rows
round(cy - side / 2) ... + side - 1 (and likewise columns), clipped to the frame.

``inpaint:mask=PATH``: the user's holes, a PNG (white / nonzero = hole) for every frame or a
folder of PNGs, one per loaded frame (mask i goes with the clip's i-th loaded frame). A mask of
another size is resized to the frame with nearest neighbours. Hole pixels are also blanked
(black) in the training frames, so neither the model nor a baseline can see them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from actinr_studio.errors import UserError
from actinr_studio.tasks.base import Task
from actinr_studio.train.data import Supervision
from actinr_studio.train.metrics import psnr_per_frame

REFERENCE_SIZE = (480, 854)
REFERENCE_SIDE = 50
CENTRES = ((0.5, 0.5), (0.25, 0.25), (0.25, 0.75), (0.75, 0.25), (0.75, 0.75))
"""Hole centres as fractions (row of H, column of W)."""


def hole_side(height: int, width: int) -> int:
    scale = math.hypot(height, width) / math.hypot(*REFERENCE_SIZE)
    return max(1, round(REFERENCE_SIDE * scale))


def hole_boxes(height: int, width: int) -> list[tuple[int, int, int, int]]:
    """The five default holes as (top, bottom, left, right), bottom / right exclusive."""
    side = hole_side(height, width)
    boxes = []
    for fy, fx in CENTRES:
        top, left = round(fy * height - side / 2), round(fx * width - side / 2)
        boxes.append((max(top, 0), min(top + side, height), max(left, 0), min(left + side, width)))
    return boxes


def default_holes(height: int, width: int) -> np.ndarray:
    """(H, W) bool, True inside a hole."""
    holes = np.zeros((height, width), bool)
    for top, bottom, left, right in hole_boxes(height, width):
        holes[top:bottom, left:right] = True
    return holes


def read_mask(path: str, num_frames: int, height: int, width: int) -> np.ndarray:
    """Holes from a PNG or a folder of PNGs: (H, W) or (N, H, W) bool, True = hole."""
    from actinr_studio.video import read_clip

    if not Path(path).exists():
        raise UserError(f"mask not found: {path}")
    images = read_clip(path).frames
    holes = images.max(axis=-1) > 0
    if holes.shape[0] > 1:
        if holes.shape[0] < num_frames:
            raise UserError(f"mask folder {path} has {holes.shape[0]} masks for {num_frames} "
                            "frames (give one per frame, or a single PNG)")
        holes = holes[:num_frames]
    if holes.shape[1:] != (height, width):
        rows = (np.arange(height) + 0.5) * holes.shape[1] / height
        cols = (np.arange(width) + 0.5) * holes.shape[2] / width
        holes = holes[:, rows.astype(int)][:, :, cols.astype(int)]
    return holes[0] if holes.shape[0] == 1 else holes


class Inpaint(Task):
    def __init__(self, mask_path: str | None = None):
        self.mask_path = mask_path
        self.name = f"inpaint:mask={mask_path}" if mask_path else "inpaint"

    def holes(self, num_frames: int, height: int, width: int) -> np.ndarray:
        if self.mask_path:
            return read_mask(self.mask_path, num_frames, height, width)
        return default_holes(height, width)

    def prepare(self, frames: np.ndarray) -> Supervision:
        n, h, w = frames.shape[:3]
        holes = self.holes(n, h, w)
        if not holes.any():
            raise UserError("inpaint: the mask has no holes (white / nonzero pixels)")
        if holes.all():
            raise UserError("inpaint: the mask covers every pixel; nothing is left to train on")
        seen = frames.copy()
        seen[np.broadcast_to(holes, frames.shape[:3])] = 0
        every = np.ones(n, bool)
        notes = {"hole_fraction": float(holes.mean()),
                 "holes": "user mask" if self.mask_path else
                          f"5 squares of {hole_side(h, w)} px (50 px at 854x480, scaled by "
                          "the frame diagonal)"}
        return Supervision(seen, every, pixel_mask=~holes, reference=frames, scored_frames=every,
                           notes=notes)

    def extra_metrics(self, predicted, supervision, frames, model=None) -> dict[str, float]:
        """PSNR inside the holes alone (per frame, averaged over frames with holes)."""
        holes = ~supervision.pixel_mask
        holes = np.broadcast_to(holes, supervision.frames.shape[:3])[frames]
        values = []
        for pred, ref, hole in zip(predicted, supervision.clean[frames], holes, strict=True):
            if hole.any():
                values.append(float(psnr_per_frame(pred[hole][None], ref[hole][None])[0]))
        return {"hole_psnr": float(np.mean(values))} if values else {}

    def describe(self) -> str:
        what = f"the holes of {self.mask_path}" if self.mask_path else "five square holes"
        return f"{self.name}: train on every frame without {what}; score the whole frame"
