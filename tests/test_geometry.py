"""Patch tiling (with and without overlapping tent windows) and GOP layout."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actinr_studio.model import AxisTiling, GopLayout, PatchGrid
from actinr_studio.model.geometry import gop_on_training_frames

LENGTHS = (1, 7, 8, 16, 33, 100)
PATCHES = (4, 8, 16)


# ----------------------------------------------------------------------------- AxisTiling
@pytest.mark.parametrize(
    ("length", "patch", "count", "pad_after"),
    [(16, 8, 2, 0), (17, 8, 3, 7), (7, 8, 1, 1), (1, 4, 1, 3), (100, 16, 7, 12), (96, 16, 6, 0)],
)
def test_axis_tiling_without_overlap(length, patch, count, pad_after) -> None:
    tiling = AxisTiling(length, patch, overlap=False)
    assert tiling.stride == patch
    assert tiling.count == count == math.ceil(length / patch)
    assert tiling.origin == 0 and tiling.pad_before == 0
    assert tiling.pad_after == pad_after
    # The tiles cover the frame exactly once, padding only at the end.
    assert tiling.tile_start(count - 1) + patch == length + pad_after
    assert 0 <= tiling.pad_after < patch


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize("patch", PATCHES)
def test_axis_tiling_with_overlap_covers_the_frame(length, patch) -> None:
    tiling = AxisTiling(length, patch, overlap=True)
    stride = patch // 2
    assert tiling.stride == stride
    assert tiling.pad_before == stride and tiling.origin == -stride
    # The last tent centre is at or past the last pixel centre, and no tile is superfluous.
    last_centre = (tiling.count - 1) * stride
    assert last_centre >= length - 0.5
    assert (tiling.count - 2) * stride < length - 0.5
    # The canvas is what the tiles cover.
    canvas = tiling.pad_before + length + tiling.pad_after
    assert canvas == (tiling.count - 1) * stride + patch
    assert tiling.pad_after >= 0


@pytest.mark.parametrize("overlap", [False, True])
@pytest.mark.parametrize("patch", PATCHES)
def test_local_coordinates_put_tile_pixel_centres_at_minus_one_and_one(overlap, patch) -> None:
    tiling = AxisTiling(33, patch, overlap)
    for k in range(tiling.count):
        start = tiling.tile_start(k)
        centres = start + np.arange(patch) + 0.5
        local = tiling.local(centres, k)
        assert local.dtype == np.float32
        np.testing.assert_allclose(local, np.linspace(-1, 1, patch), atol=1e-6)


@pytest.mark.parametrize("length", (1, 7, 16, 33, 100))
@pytest.mark.parametrize("patch", PATCHES)
@pytest.mark.parametrize("overlap", [False, True])
def test_weights_are_a_partition_of_unity_at_every_pixel_centre(length, patch, overlap) -> None:
    tiling = AxisTiling(length, patch, overlap)
    positions = np.arange(length) + 0.5
    total = np.zeros(length, np.float64)
    hits = np.zeros(length, np.int64)
    for k, idx in tiling.assign(positions):
        assert 0 <= k < tiling.count
        w = tiling.weight(positions[idx], k)
        assert np.all(w >= 0)
        # Every assigned sample lies inside the tile (local coordinate within one pixel of the
        # tile's first and last centres).
        local = tiling.local(positions[idx], k)
        assert np.all(np.abs(local) <= 1 + 2 / (patch - 1) + 1e-6)
        np.add.at(total, idx, w)
        np.add.at(hits, idx, 1)
    np.testing.assert_allclose(total, 1.0, atol=1e-6)
    assert hits.min() >= 1
    assert hits.max() <= (2 if overlap else 1)


@pytest.mark.parametrize("patch", PATCHES)
def test_partition_of_unity_on_a_fine_grid_with_overlap(patch) -> None:
    """Zoomed sampling (sub-pixel positions) is blended by weights that still sum to one."""
    length = 37
    tiling = AxisTiling(length, patch, overlap=True)
    positions = (np.arange(length * 8) + 0.5) / 8
    total = np.zeros(positions.size)
    for k, idx in tiling.assign(positions):
        np.add.at(total, idx, tiling.weight(positions[idx], k))
    np.testing.assert_allclose(total, 1.0, atol=1e-6)


def test_assign_without_overlap_gives_each_position_its_tile() -> None:
    tiling = AxisTiling(20, 8, overlap=False)
    positions = np.arange(20) + 0.5
    parts = dict(tiling.assign(positions))
    assert sorted(parts) == [0, 1, 2]
    np.testing.assert_array_equal(parts[0], np.arange(8))
    np.testing.assert_array_equal(parts[1], np.arange(8, 16))
    np.testing.assert_array_equal(parts[2], np.arange(16, 20))
    assert np.all(tiling.weight(positions, 1) == 1)


# ------------------------------------------------------------------------------ PatchGrid
@pytest.mark.parametrize(
    ("height", "width", "patch", "overlap"),
    [
        (24, 40, 8, False),
        (25, 41, 8, False),
        (24, 40, 8, True),
        (9, 3, 4, True),
        (180, 320, 48, False),
    ],
)
def test_patch_grid_counts_and_padding(height, width, patch, overlap) -> None:
    grid = PatchGrid(height, width, patch, overlap)
    rows, cols = AxisTiling(height, patch, overlap), AxisTiling(width, patch, overlap)
    assert grid.rows == rows and grid.cols == cols
    assert grid.shape == (rows.count, cols.count)
    assert grid.count == rows.count * cols.count
    top, bottom, left, right = grid.padding
    assert (top, bottom, left, right) == (
        rows.pad_before, rows.pad_after, cols.pad_before, cols.pad_after
    )
    canvas_h, canvas_w = grid.canvas_shape
    assert canvas_h == height + top + bottom and canvas_w == width + left + right
    if not overlap:
        assert canvas_h % patch == 0 and canvas_w % patch == 0
        assert (top, left) == (0, 0)
        if height % patch == 0:
            assert bottom == 0


def test_patch_grid_multiples_of_p_need_no_padding() -> None:
    grid = PatchGrid(32, 48, 16)
    assert grid.padding == (0, 0, 0, 0)
    assert grid.shape == (2, 3) and grid.count == 6


# ------------------------------------------------------------------------------ GopLayout
@pytest.mark.parametrize(
    ("frames", "gop", "count"),
    [(1, 10, 1), (2, 10, 1), (10, 10, 1), (11, 10, 1), (12, 10, 2), (21, 10, 2), (22, 10, 3),
     (20, 4, 5), (5, 1, 4)],
)
def test_gop_count(frames, gop, count) -> None:
    layout = GopLayout(frames, gop)
    assert layout.count == count


@pytest.mark.parametrize(("frames", "gop"), [(21, 10), (20, 4), (23, 5), (7, 3), (5, 1), (8, 10)])
def test_gops_share_their_boundary_frames_and_cover_the_clip(frames, gop) -> None:
    layout = GopLayout(frames, gop)
    covered = set()
    for g in range(layout.count):
        held = list(layout.frames_of(g))
        assert held[0] == g * gop
        assert held == list(range(g * gop, min(g * gop + gop, frames - 1) + 1))
        assert len(held) <= gop + 1
        covered.update(held)
        if g + 1 < layout.count:
            # The boundary frame belongs to both neighbours.
            assert held[-1] == (g + 1) * gop == layout.frames_of(g + 1)[0]
    assert covered == set(range(frames))


def test_gop_of_fractional_positions() -> None:
    layout = GopLayout(21, 10)
    assert layout.gop_of(0) == 0
    assert layout.gop_of(9.99) == 0
    assert layout.gop_of(10) == 1  # a boundary frame renders with the later GOP
    assert layout.gop_of(12.35) == 1
    assert layout.gop_of(20) == 1  # the last frame belongs to the last GOP
    # Every position renders with a GOP that holds it.
    for f in np.linspace(0, 20, 201):
        g = layout.gop_of(float(f))
        held = layout.frames_of(g)
        assert held[0] <= f <= held[-1]


def test_time_of_maps_frames_to_unit_interval() -> None:
    layout = GopLayout(21, 10)
    t = layout.time_of(np.arange(21))
    np.testing.assert_allclose(t, np.linspace(0, 1, 21))
    assert layout.time_of(0) == 0.0 and layout.time_of(20) == 1.0
    assert layout.time_of(12.35) == pytest.approx(12.35 / 20)


def test_one_frame_clip() -> None:
    layout = GopLayout(1, 10)
    assert layout.count == 1
    assert list(layout.frames_of(0)) == [0]
    assert layout.gop_of(0.0) == 0
    assert layout.time_of(0.0) == 0.0


@pytest.mark.parametrize(
    ("factor", "expected"), [(1, 10), (2, 10), (3, 12), (4, 12), (5, 10), (8, 16), (16, 16)]
)
def test_gop_is_fitted_so_every_gop_starts_and_ends_on_a_training_frame(factor, expected) -> None:
    train = np.arange(33) % factor == 0
    gop = gop_on_training_frames(10, train)
    assert gop == expected
    layout = GopLayout(33, gop)
    for g in range(layout.count):
        frames = layout.frames_of(g)
        assert train[frames[0]]
        if frames[-1] < 32:
            assert train[frames[-1]]


def test_gop_is_kept_for_irregular_training_frames() -> None:
    assert gop_on_training_frames(10, np.array([1, 0, 1, 1, 0, 1], bool)) == 10
    assert gop_on_training_frames(10, np.array([0, 1, 0, 1, 0, 1], bool)) == 10
    assert gop_on_training_frames(10, np.array([1, 0, 0, 0], bool)) == 10
