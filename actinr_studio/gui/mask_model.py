"""The painted supervision mask of a clip: one numpy bool array (frames, H, W), True where a
pixel is supervised, False in a hole. Painting stamps discs along the segment between two
mouse positions in one vectorised numpy operation (a capsule: the union of every disc on the
segment, so fast strokes leave no gaps) on the frames in scope; every operation records the
blocks it changed so it can be undone and redone. No Qt in here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

Box = tuple[int, int, int, int]  # y0, y1, x0, x1 (half open)
UNDO_LIMIT = 100


@dataclass
class _Edit:
    """Blocks of the mask one operation changed: (frames slice, box, before, after)."""

    blocks: list[tuple[slice, Box, np.ndarray, np.ndarray | None]] = field(default_factory=list)


def capsule(shape: tuple[int, int], p0, p1, radius: float) -> tuple[Box, np.ndarray] | None:
    """Pixels whose centre lies within ``radius`` of the segment p0 -> p1 (x, y in frame pixels).

    Returns (box, footprint) with footprint a bool array of the box's size, or None when the
    capsule misses the frame."""
    h, w = shape
    (x0, y0), (x1, y1) = (float(p0[0]), float(p0[1])), (float(p1[0]), float(p1[1]))
    r = max(float(radius), 0.5)
    bx0, bx1 = int(np.floor(min(x0, x1) - r)), int(np.ceil(max(x0, x1) + r)) + 1
    by0, by1 = int(np.floor(min(y0, y1) - r)), int(np.ceil(max(y0, y1) + r)) + 1
    bx0, by0, bx1, by1 = max(bx0, 0), max(by0, 0), min(bx1, w), min(by1, h)
    if bx0 >= bx1 or by0 >= by1:
        return None
    px = np.arange(bx0, bx1, dtype=np.float32)[None, :] + 0.5 - x0
    py = np.arange(by0, by1, dtype=np.float32)[:, None] + 0.5 - y0
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 > 1e-12:
        s = np.clip((px * dx + py * dy) / length2, 0.0, 1.0)
        px = px - s * dx
        py = py - s * dy
    footprint = px * px + py * py <= r * r
    return (by0, by1, bx0, bx1), footprint


class MaskStack:
    """Supervision masks of ``num_frames`` frames of ``height`` x ``width`` with undo / redo."""

    def __init__(self, num_frames: int, height: int, width: int):
        self.shape = (int(num_frames), int(height), int(width))
        self.data = np.ones(self.shape, bool)
        self._undo: list[_Edit] = []
        self._redo: list[_Edit] = []
        self._open: _Edit | None = None
        self.version = 0
        """Increases with every change (views compare it to know when to redraw)."""

    # ------------------------------------------------------------------ queries
    @property
    def num_frames(self) -> int:
        return self.shape[0]

    def frame(self, index: int) -> np.ndarray:
        return self.data[int(np.clip(index, 0, self.shape[0] - 1))]

    def has_holes(self) -> bool:
        return not bool(self.data.all())

    def hole_count(self, index: int | None = None) -> int:
        part = self.data if index is None else self.frame(index)
        return int(part.size - np.count_nonzero(part))

    def pixel_mask(self) -> np.ndarray | None:
        """What training needs: None without holes, (H, W) when every frame is the same,
        else (N, H, W); always a copy (it crosses to the training thread)."""
        if not self.has_holes():
            return None
        if (self.data == self.data[:1]).all():
            return self.data[0].copy()
        return self.data.copy()

    def frames_slice(self, scope: str, current: int, first: int = 0, last: int = 0) -> slice:
        """scope: 'frame' (current), 'range' (first..last inclusive) or 'all'."""
        n = self.shape[0]
        if scope == "all":
            return slice(0, n)
        if scope == "range":
            a, b = sorted((int(np.clip(first, 0, n - 1)), int(np.clip(last, 0, n - 1))))
            return slice(a, b + 1)
        i = int(np.clip(current, 0, n - 1))
        return slice(i, i + 1)

    # ------------------------------------------------------------------ editing
    def begin(self) -> None:
        """Start an operation (a stroke): everything until ``end`` undoes as one step."""
        self.end()
        self._open = _Edit()

    def end(self) -> bool:
        """Close the open operation; returns whether it changed anything."""
        edit, self._open = self._open, None
        if edit is None or not edit.blocks:
            return False
        edit.blocks = [(f, box, before, self.data[f, box[0]:box[1], box[2]:box[3]].copy())
                       for f, box, before, _ in edit.blocks]
        self._undo.append(edit)
        del self._undo[:-UNDO_LIMIT]
        self._redo.clear()
        return True

    def _write(self, frames: slice, box: Box, footprint: np.ndarray | None, value: bool) -> Box:
        y0, y1, x0, x1 = box
        block = self.data[frames, y0:y1, x0:x1]
        single = self._open is None
        if single:
            self.begin()
        self._open.blocks.append((frames, box, block.copy(), None))
        if footprint is None:
            block[...] = value
        else:
            block[:, footprint] = value
        self.version += 1
        if single:
            self.end()
        return box

    def stamp(self, frames: slice, p0, p1, radius: float, value: bool) -> Box | None:
        """Paint (value False: a hole; True: erase the hole) a capsule from p0 to p1 on
        ``frames``; returns the dirty box (y0, y1, x0, x1) or None."""
        found = capsule(self.shape[1:], p0, p1, radius)
        if found is None:
            return None
        box, footprint = found
        return self._write(frames, box, footprint, value)

    def fill_rect(self, frames: slice, x0: float, y0: float, x1: float, y1: float,
                  value: bool) -> Box | None:
        """Set every pixel whose centre lies in the rectangle (frame pixels, any corner order)."""
        h, w = self.shape[1:]
        xa, xb = sorted((x0, x1))
        ya, yb = sorted((y0, y1))
        box = (max(int(np.ceil(ya - 0.5)), 0), min(int(np.floor(yb - 0.5)) + 1, h),
               max(int(np.ceil(xa - 0.5)), 0), min(int(np.floor(xb - 0.5)) + 1, w))
        if box[0] >= box[1] or box[2] >= box[3]:
            return None
        return self._write(frames, box, None, value)

    def fill(self, frames: slice, value: bool) -> Box:
        """Make the whole frames holes (value False) or supervised again (True)."""
        return self._write(frames, (0, self.shape[1], 0, self.shape[2]), None, value)

    def set_all(self, masks: np.ndarray) -> None:
        """Replace the masks (an import): (H, W) for every frame or (N, H, W); undoable."""
        masks = np.asarray(masks, bool)
        if masks.shape not in (self.shape[1:], self.shape):
            raise ValueError(f"mask of size {masks.shape} does not match the clip {self.shape}")
        self.begin()
        self._open.blocks.append((slice(0, self.shape[0]), (0, self.shape[1], 0, self.shape[2]),
                                  self.data.copy(), None))
        self.data[...] = masks
        self.version += 1
        self.end()

    # ------------------------------------------------------------------ history
    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> bool:
        self.end()
        if not self._undo:
            return False
        edit = self._undo.pop()
        for frames, (y0, y1, x0, x1), before, _after in reversed(edit.blocks):
            self.data[frames, y0:y1, x0:x1] = before
        self._redo.append(edit)
        self.version += 1
        return True

    def redo(self) -> bool:
        self.end()
        if not self._redo:
            return False
        edit = self._redo.pop()
        for frames, (y0, y1, x0, x1), _before, after in edit.blocks:
            self.data[frames, y0:y1, x0:x1] = after
        self._undo.append(edit)
        self.version += 1
        return True

    # ------------------------------------------------------------------ files
    def export_png(self, path: str | Path, per_frame: bool, current: int = 0) -> list[Path]:
        """White = supervised, black = hole. per_frame: ``path`` is a folder that receives
        mask_00000.png ...; otherwise ``path`` is one PNG with the current frame's mask."""
        from actinr_studio.video import write_image

        path = Path(path)
        if not per_frame:
            return [write_image(path, _to_rgb(self.frame(current)))]
        path.mkdir(parents=True, exist_ok=True)
        return [write_image(path / f"mask_{i:05d}.png", _to_rgb(self.data[i]))
                for i in range(self.shape[0])]

    def import_png(self, path: str | Path) -> None:
        """A single PNG (for every frame) or a folder of one PNG per frame; bright = supervised.
        Undoable."""
        from actinr_studio.video import read_clip

        frames = read_clip(path).frames
        masks = frames.astype(np.uint16).sum(-1) >= 3 * 128
        if masks.shape[0] == 1:
            masks = masks[0]
        if masks.shape[-2:] != self.shape[1:]:
            raise ValueError(f"the mask PNG is {masks.shape[-1]}x{masks.shape[-2]}, the clip is "
                             f"{self.shape[2]}x{self.shape[1]}")
        if masks.ndim == 3 and masks.shape[0] != self.shape[0]:
            raise ValueError(f"{masks.shape[0]} mask images for a clip of {self.shape[0]} frames")
        self.set_all(masks)

    # ------------------------------------------------------------------ checkpoints
    def to_extra(self) -> dict:
        """Entries for ``Checkpoint.extra``: the bit-packed mask as a torch.uint8 tensor."""
        import torch

        return {"pixel_mask_bits": torch.from_numpy(np.packbits(self.data.reshape(-1))),
                "pixel_mask_shape": torch.tensor(self.shape, dtype=torch.int64)}

    @classmethod
    def from_extra(cls, extra: dict, shape: tuple[int, int, int]) -> MaskStack:
        """The masks saved with a model (all supervised when there are none or they misfit)."""
        stack = cls(*shape)
        bits, saved = extra.get("pixel_mask_bits"), extra.get("pixel_mask_shape")
        if bits is not None and saved is not None and tuple(int(v) for v in saved) == stack.shape:
            flat = np.unpackbits(np.asarray(bits, np.uint8))[: int(np.prod(stack.shape))]
            stack.data[...] = flat.reshape(stack.shape).astype(bool)
        return stack


def _to_rgb(mask: np.ndarray) -> np.ndarray:
    grey = np.where(mask, np.uint8(255), np.uint8(0))
    return np.repeat(grey[..., None], 3, axis=-1)
