"""Deterministic synthetic clips for tests and quick demos (24 fps)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from actinr_studio.video.clip import VideoClip

_FPS = Fraction(24)


def moving_disc(
    num_frames: int = 16,
    height: int = 64,
    width: int = 64,
    radius: float = 8,
    speed: float = 2.0,
    background: str = "gradient",
    seed: int = 0,
) -> VideoClip:
    """A coloured anti-aliased disc moving right over a smooth static background.

    Args:
        num_frames, height, width: clip size.
        radius: disc radius in pixels.
        speed: horizontal motion in pixels per frame (positive = right).
        background: ``'gradient'`` (a smooth colour ramp) or ``'flat'`` (mid grey).
        seed: picks the disc colour and a small vertical offset.

    The disc centre starts at ``x = radius + 1`` and moves by ``speed`` each frame; its edge
    is anti-aliased with one pixel of linear coverage.
    """
    _check_size(num_frames, height, width)
    if radius <= 0:
        raise ValueError(f"radius must be > 0, got {radius}")
    rng = np.random.default_rng(seed)
    hue = rng.uniform()
    colour = (0.5 + 0.45 * np.cos(2 * np.pi * (hue + np.array([0.0, 1 / 3, 2 / 3])))).astype(
        np.float32
    )
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    if background == "gradient":
        bg = np.stack(
            [
                0.15 + 0.7 * x / max(width - 1, 1),
                0.15 + 0.7 * y / max(height - 1, 1),
                np.full_like(x, 0.45),
            ],
            axis=-1,
        )
    elif background == "flat":
        bg = np.full((height, width, 3), 0.5, dtype=np.float32)
    else:
        raise ValueError(f"background must be 'gradient' or 'flat', got {background!r}")
    cy = (height - 1) / 2 + rng.uniform(-0.1, 0.1) * height
    frames = np.empty((num_frames, height, width, 3), dtype=np.uint8)
    for i in range(num_frames):
        cx = radius + 1.0 + speed * i
        dist = np.sqrt((x - cx) ** 2 + (y - cy) ** 2)
        alpha = np.clip(radius + 0.5 - dist, 0.0, 1.0)[..., None]
        frames[i] = _to_uint8(bg * (1 - alpha) + colour * alpha)
    return VideoClip(frames=frames, fps=_FPS, source="synthetic:moving_disc")


def gradient_clip(num_frames: int = 16, height: int = 64, width: int = 64) -> VideoClip:
    """Smooth colour waves drifting slowly over time: low-frequency, easy to fit with an INR."""
    _check_size(num_frames, height, width)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = x / width, y / height
    frames = np.empty((num_frames, height, width, 3), dtype=np.uint8)
    for i in range(num_frames):
        t = i / 24.0
        red = 0.5 + 0.35 * np.sin(2 * np.pi * (u + 0.6 * t))
        green = 0.5 + 0.35 * np.sin(2 * np.pi * (0.8 * v - 0.5 * t) + 1.0)
        blue = 0.5 + 0.3 * np.sin(2 * np.pi * (0.5 * (u + v) + 0.4 * t) + 2.0)
        frames[i] = _to_uint8(np.stack([red, green, blue], axis=-1))
    return VideoClip(frames=frames, fps=_FPS, source="synthetic:gradient")


def _check_size(num_frames: int, height: int, width: int) -> None:
    if num_frames < 1 or height < 1 or width < 1:
        raise ValueError(f"clip size must be positive, got {num_frames}x{height}x{width}")


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
