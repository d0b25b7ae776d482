"""Tests for the slow-motion baselines in actinr_studio.bench.baselines."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from actinr_studio.bench.baselines import linear_blend, minterpolate, nearest_frame
from actinr_studio.video import moving_disc


def ramp_clip(num_frames: int = 17, height: int = 6, width: int = 5) -> np.ndarray:
    """uint8 frames whose every pixel grows by 8 levels per frame (plus a spatial pattern)."""
    base = (np.arange(height * width * 3).reshape(height, width, 3) % 7).astype(np.int64)
    return np.stack([base + 8 * i for i in range(num_frames)]).astype(np.uint8)


def test_linear_blend_is_exact_on_a_linear_ramp() -> None:
    frames = ramp_clip()
    train = np.arange(0, 17, 4)
    targets = np.arange(17)
    out = linear_blend(frames, train, targets)
    assert out.shape == (17, 6, 5, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, frames / 255.0, atol=1e-6)
    # Only the training frames are given: same answer.
    np.testing.assert_allclose(linear_blend(frames[train], train, targets), out, atol=0)
    # Float input, fractional targets, and holding outside the training range.
    ramp = np.linspace(0, 1, 9, dtype=np.float32)[:, None, None, None] * np.ones((9, 2, 2, 3))
    out = linear_blend(ramp, [0, 4, 8], [-2, 1.5, 6, 10])
    np.testing.assert_allclose(out[:, 0, 0, 0], [0.0, 1.5 / 8, 6 / 8, 1.0], atol=1e-6)


def test_nearest_frame() -> None:
    frames = ramp_clip()
    out = nearest_frame(frames, [0, 4, 8], [0, 1, 2, 3, 7, 12])
    expected = frames[[0, 0, 0, 4, 8, 8]] / 255.0  # ties (2) take the earlier frame
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert out.dtype == np.float32


def test_minterpolate_count_shape_and_training_frames() -> None:
    clip = moving_disc(num_frames=13, height=27, width=21, radius=5, speed=1.0)
    train = list(range(0, 13, 4))
    targets = list(range(13))
    out = minterpolate(clip.frames, train, targets, Fraction(30000, 1001))
    assert out.shape == (13, 27, 21, 3) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
    truth = clip.as_float()
    for t in train:  # a training index gives back the training frame (YUV round trip only)
        assert np.abs(out[t] - truth[t]).max() <= 3 / 255
    for t in (1, 2, 5, 10):  # in-between frames are sensible
        assert np.mean((out[t] - truth[t]) ** 2) < 10 ** (-22 / 10)
    # Targets outside the training range hold the edge frames; float frames are accepted.
    edge = minterpolate(clip.as_float()[train], train, [-1, 0, 12, 14], 24)
    assert edge.shape == (4, 27, 21, 3)
    assert np.abs(edge[0] - truth[0]).max() <= 3 / 255
    assert np.abs(edge[3] - truth[12]).max() <= 3 / 255


def test_minterpolate_edge_cases() -> None:
    frames = moving_disc(num_frames=5, height=40, width=40).frames
    with pytest.raises(ValueError):
        minterpolate(frames, [0, 1, 3], [2], 24)
    with pytest.raises(ValueError):
        minterpolate(frames, [0, 2, 4], [1.5], 24)
    np.testing.assert_allclose(minterpolate(frames, [0, 1, 2], [1], 24)[0], frames[1] / 255.0)
    assert minterpolate(frames, [2], [0, 1, 4], 24).shape == (3, 40, 40, 3)
