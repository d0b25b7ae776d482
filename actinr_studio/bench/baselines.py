"""Slow-motion baselines for the benchmark: nearest frame, linear blend and FFmpeg minterpolate.

Each baseline sees only the training frames (the frames at ``train_indices``) and predicts the
frames at ``target_indices`` (indices on the original clip's frame grid). ``frames`` may be
either the whole clip, indexed by ``train_indices``, or just the training frames (one per
training index); only the training frames are ever read. Frames are ``(N, H, W, 3)``, uint8
(0..255) or float (0..1). Every baseline returns float32 ``(K, H, W, 3)`` in [0, 1].

Targets before the first or after the last training index hold the edge training frame.

Qt-free: numpy and PyAV only.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import av
import numpy as np

from actinr_studio.video.clip import as_rate

#: minterpolate settings (motion-compensated interpolation, overlapped blocks, bidirectional
#: motion estimation, variable-size block motion compensation).
MINTERPOLATE_OPTIONS = "mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1"

#: minterpolate refuses frames smaller than this on either side; smaller frames are padded.
_MIN_SIDE = 32

IndexList = Sequence[int] | np.ndarray


def nearest_frame(
    frames: np.ndarray, train_indices: IndexList, target_indices: Sequence[float] | np.ndarray
) -> np.ndarray:
    """Repeat the training frame closest in time to each target (ties pick the earlier one)."""
    train, train_frames = _training_frames(frames, train_indices)
    targets = _targets(target_indices)
    nearest = np.abs(targets[:, None] - train[None, :]).argmin(axis=1)
    return _to_float(train_frames[nearest])


def linear_blend(
    frames: np.ndarray, train_indices: IndexList, target_indices: Sequence[float] | np.ndarray
) -> np.ndarray:
    """Cross-fade the two training frames around each target, weighted by time distance."""
    train, train_frames = _training_frames(frames, train_indices)
    targets = _targets(target_indices)
    if len(train) == 1:
        return _to_float(train_frames[np.zeros(len(targets), dtype=int)])
    hi = np.clip(np.searchsorted(train, targets, side="right"), 1, len(train) - 1)
    lo = hi - 1
    weight = np.clip((targets - train[lo]) / (train[hi] - train[lo]), 0.0, 1.0)
    weight = weight[:, None, None, None]
    source = _to_float(train_frames).astype(np.float64)
    out = (1.0 - weight) * source[lo] + weight * source[hi]
    return out.astype(np.float32)


def minterpolate(
    frames: np.ndarray,
    train_indices: IndexList,
    target_indices: Sequence[int] | np.ndarray,
    fps: Fraction | int | float,
) -> np.ndarray:
    """Motion-compensated interpolation with FFmpeg's ``minterpolate`` filter.

    The training frames must be evenly spaced (step F) and targets must be whole frame
    indices. The training frames are fed at ``fps / F`` and the filter outputs ``fps``, so its
    k-th output lands on original frame ``train_indices[0] + k``; outputs at training indices
    are the training frames themselves (up to a YUV 4:4:4 round trip, ±2 levels).
    """
    train, train_frames = _training_frames(frames, train_indices)
    targets = _targets(target_indices)
    if not np.array_equal(targets, np.round(targets)):
        raise ValueError("minterpolate targets must be whole frame indices")
    offsets = np.clip(targets.astype(np.int64) - train[0], 0, train[-1] - train[0])
    if len(train) == 1:
        return _to_float(train_frames[np.zeros(len(targets), dtype=int)])
    steps = np.diff(train)
    if not np.all(steps == steps[0]):
        raise ValueError(f"minterpolate needs evenly spaced training frames, got steps {steps}")
    step = int(steps[0])
    images = _to_uint8(train_frames)
    if step == 1:
        return _to_float(images[offsets])
    timeline = _run_minterpolate(images, step, as_rate(fps), set(offsets.tolist()))
    return _to_float(np.stack([timeline[int(k)] for k in offsets]))


def _run_minterpolate(
    images: np.ndarray, step: int, fps: Fraction, wanted: set[int]
) -> dict[int, np.ndarray]:
    """Run the filter over the training frames; return the wanted outputs by offset k."""
    count, height, width = images.shape[:3]
    pad_h = max(_MIN_SIDE, height + height % 2) - height
    pad_w = max(_MIN_SIDE, width + width % 2) - width
    if pad_h or pad_w:
        images = np.pad(images, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    in_rate = fps / step
    graph = av.filter.Graph()
    source = graph.add(
        "buffer",
        video_size=f"{width + pad_w}x{height + pad_h}",
        pix_fmt="yuv444p",
        time_base=str(1 / in_rate),
        frame_rate=str(in_rate),
        pixel_aspect="1/1",
    )
    interp = graph.add("minterpolate", f"fps={fps}:{MINTERPOLATE_OPTIONS}")
    sink = graph.add("buffersink")
    source.link_to(interp)
    interp.link_to(sink)
    graph.configure()

    last = (count - 1) * step
    outputs: dict[int, np.ndarray] = {}
    produced = 0

    def drain() -> None:
        nonlocal produced
        while True:
            try:
                frame = graph.vpull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            k = int(round(frame.pts * frame.time_base * fps))
            if 0 <= k <= last:
                produced += 1
                if k in wanted:
                    outputs[k] = frame.to_ndarray(format="rgb24")[:height, :width]

    # The filter only emits the interval between two frames once it has seen the next one, so
    # one extra copy of the last frame is pushed to get the output at the last training index.
    for i, image in enumerate([*images, images[-1]]):
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame = frame.reformat(format="yuv444p")
        frame.pts = i
        frame.time_base = 1 / in_rate
        graph.vpush(frame)
        drain()
    graph.vpush(None)
    drain()
    if produced != last + 1 or not wanted <= outputs.keys():
        raise RuntimeError(f"minterpolate produced {produced} frames, expected {last + 1}")
    return outputs


def _training_frames(frames: np.ndarray, train_indices: IndexList) -> tuple[np.ndarray, np.ndarray]:
    """``(train indices as int64, the training frames)``, validated."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must have shape (N, H, W, 3), got {frames.shape}")
    train = np.asarray(train_indices)
    if train.ndim != 1 or len(train) == 0 or not np.array_equal(train, np.round(train)):
        raise ValueError("train_indices must be a non-empty list of whole frame indices")
    train = train.astype(np.int64)
    if np.any(np.diff(train) <= 0):
        raise ValueError("train_indices must be strictly increasing")
    if len(frames) == len(train):
        return train, frames
    if train[0] < 0 or train[-1] >= len(frames):
        raise ValueError(f"train_indices out of range for {len(frames)} frames")
    return train, frames[train]


def _targets(target_indices: Sequence[float] | np.ndarray) -> np.ndarray:
    targets = np.asarray(target_indices, dtype=np.float64)
    if targets.ndim != 1:
        raise ValueError("target_indices must be a 1-D list of frame indices")
    return targets


def _to_float(images: np.ndarray) -> np.ndarray:
    """uint8 0..255 or float 0..1 → float32 in [0, 1]."""
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return np.clip(images, 0.0, 1.0).astype(np.float32)


def _to_uint8(images: np.ndarray) -> np.ndarray:
    if images.dtype == np.uint8:
        return images
    return np.clip(np.rint(np.asarray(images, dtype=np.float64) * 255.0), 0, 255).astype(np.uint8)
