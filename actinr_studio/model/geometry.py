"""Where the units sit: patches in space (with optional overlapping tent windows) and GOPs in time.

Pixel ``i`` of a frame covers [i, i + 1); its centre is ``i + 0.5``. Patch tiles live on a
padded canvas; a tile's local coordinates put its first and last pixel centres at -1 and +1,
so every unit shares one coordinate grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AxisTiling:
    """Tiles along one axis of a frame of ``length`` pixels.

    Without overlap tile k covers pixels [k*P, (k+1)*P). With overlap the stride is S = P/2, tile
    k covers [(k-1)*S, (k+1)*S) and weighs pixels with a tent of half-width S centred at k*S;
    the tents sum to exactly one over the whole frame.
    """

    length: int
    patch: int
    overlap: bool

    @property
    def stride(self) -> int:
        return self.patch // 2 if self.overlap else self.patch

    @property
    def count(self) -> int:
        if self.overlap:
            return math.ceil((self.length - 0.5) / self.stride) + 1
        return math.ceil(self.length / self.patch)

    @property
    def origin(self) -> int:
        """Frame position of the first tile's first pixel (negative with overlap)."""
        return -self.stride if self.overlap else 0

    @property
    def pad_before(self) -> int:
        return -self.origin

    @property
    def pad_after(self) -> int:
        end = self.origin + (self.count - 1) * self.stride + self.patch
        return end - self.length

    def tile_start(self, k: int | np.ndarray) -> int | np.ndarray:
        return self.origin + k * self.stride

    def local(self, position: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Local coordinate in [-1, 1] of continuous frame positions inside tile k."""
        inside = position - self.tile_start(k)  # pixel centres at 0.5 ... P - 0.5
        return (2.0 * (inside - 0.5) / (self.patch - 1) - 1.0).astype(np.float32)

    def weight(self, position: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Blend weight of tile k at continuous positions (1 inside its cell without overlap)."""
        if not self.overlap:
            return np.ones_like(position, dtype=np.float32)
        centre = k * self.stride
        return np.clip(1.0 - np.abs(position - centre) / self.stride, 0.0, 1.0).astype(np.float32)

    def assign(self, positions: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """For continuous sample positions, the tiles that contribute and the samples they see.

        Returns ``[(k, sample_indices), ...]`` for every tile with at least one sample of
        non-zero weight.
        """
        result = []
        if self.overlap:
            centre = positions / self.stride
            lo = np.floor(centre).astype(np.int64)
            for k in range(max(lo.min(), 0), min(lo.max() + 1, self.count - 1) + 1):
                idx = np.nonzero((lo == k) | (lo + 1 == k))[0]
                if idx.size:
                    result.append((k, idx))
        else:
            tile = np.clip(np.floor(positions / self.patch).astype(np.int64), 0, self.count - 1)
            for k in np.unique(tile):
                result.append((int(k), np.nonzero(tile == k)[0]))
        return result


@dataclass(frozen=True)
class PatchGrid:
    """The spatial tiling of an H x W frame into P x P units."""

    height: int
    width: int
    patch: int
    overlap: bool = False

    @property
    def rows(self) -> AxisTiling:
        return AxisTiling(self.height, self.patch, self.overlap)

    @property
    def cols(self) -> AxisTiling:
        return AxisTiling(self.width, self.patch, self.overlap)

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows.count, self.cols.count

    @property
    def count(self) -> int:
        return self.rows.count * self.cols.count

    @property
    def padding(self) -> tuple[int, int, int, int]:
        """(top, bottom, left, right) reflect padding of the canvas the tiles cover."""
        r, c = self.rows, self.cols
        return r.pad_before, r.pad_after, c.pad_before, c.pad_after

    @property
    def canvas_shape(self) -> tuple[int, int]:
        top, bottom, left, right = self.padding
        return self.height + top + bottom, self.width + left + right


@dataclass(frozen=True)
class GopLayout:
    """Groups of pictures over ``num_frames`` frames; GOP g holds frames [g*gop, g*gop + gop]."""

    num_frames: int
    gop: int

    @property
    def count(self) -> int:
        return max(1, math.ceil((self.num_frames - 1) / self.gop))

    def frames_of(self, g: int) -> range:
        start = g * self.gop
        return range(start, min(start + self.gop, self.num_frames - 1) + 1)

    def gop_of(self, frame: float) -> int:
        """The GOP that renders a (fractional) frame position."""
        return int(min(max(math.floor(frame / self.gop), 0), self.count - 1))

    def time_of(self, frame: float | np.ndarray) -> float | np.ndarray:
        """Global time t in [0, 1] of a (fractional) frame position."""
        if self.num_frames <= 1:
            return frame * 0.0
        return frame / (self.num_frames - 1)


def gop_on_training_frames(gop: int, train_frames: np.ndarray) -> int:
    """The GOP length to use when only every F-th frame is trained (slow motion, F > 1): the
    smallest multiple of F that is at least ``gop``, so that every GOP starts and ends on a
    training frame. A GOP boundary on a held-out frame would leave both GOPs extrapolating there.
    Any other pattern of training frames keeps ``gop``."""
    trained = np.flatnonzero(np.asarray(train_frames, bool))
    if len(trained) < 2 or trained[0] != 0:
        return gop
    stride = int(trained[1] - trained[0])
    if stride < 2 or np.any(np.diff(trained) != stride):
        return gop
    return -(-gop // stride) * stride

