"""Baselines for the benchmarks: what a user has today, on the same frames as ActINR.

Slow motion: nearest frame, linear blend, FFmpeg minterpolate, and OpenCV DIS optical flow.
Denoising: OpenCV non-local means (per frame and over 5 frames). Inpainting: OpenCV Telea and
Navier-Stokes. Super-resolution: OpenCV bicubic / Lanczos upscaling.

Each baseline sees only the training frames (the frames at ``train_indices``) and predicts the
frames at ``target_indices`` (indices on the original clip's frame grid). ``frames`` may be
either the whole clip, indexed by ``train_indices``, or just the training frames (one per
training index); only the training frames are ever read. Frames are ``(N, H, W, 3)``, uint8
(0..255) or float (0..1). Every baseline returns float32 ``(K, H, W, 3)`` in [0, 1].

Targets before the first or after the last training index hold the edge training frame.

Qt-free: numpy and PyAV; OpenCV (``pip install actinr-studio[bench]``) for the OpenCV
baselines, which raise :class:`BaselineUnavailable` when it is missing.
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


# ---------------------------------------------------------------- OpenCV baselines


class BaselineUnavailable(ImportError):
    """A baseline cannot run here (OpenCV is not installed); the message says why."""


def _cv2():
    try:
        import cv2
    except ImportError as exc:
        raise BaselineUnavailable(
            f"OpenCV is not installed ({exc}); pip install 'actinr-studio[bench]'"
        ) from None
    return cv2


def dis_flow_interpolate(
    frames: np.ndarray, train_indices: IndexList, target_indices: Sequence[float] | np.ndarray
) -> np.ndarray:
    """Optical-flow interpolation with OpenCV's DIS flow (medium preset).

    For a target at fraction a between training frames I0 and I1: flows F01 and F10 (both
    directions), then I0 is backward-warped with -a * F01 and I1 with -(1 - a) * F10 (the flow
    at the target pixel approximated by the flow at the same pixel of the nearer end), and the
    two are blended (1 - a) * I0' + a * I1'. Targets on a training frame return it.
    """
    cv2 = _cv2()
    train, train_frames = _training_frames(frames, train_indices)
    targets = _targets(target_indices)
    images = _to_uint8(train_frames)
    if len(train) == 1:
        return _to_float(images[np.zeros(len(targets), dtype=int)])
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    gray = [cv2.cvtColor(np.ascontiguousarray(im), cv2.COLOR_RGB2GRAY) for im in images]
    h, w = images.shape[1:3]
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    flows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    hi_all = np.clip(np.searchsorted(train, targets, side="right"), 1, len(train) - 1)
    out = np.empty((len(targets), h, w, 3), np.float32)
    for i, (target, hi) in enumerate(zip(targets, hi_all, strict=True)):
        lo = hi - 1
        a = float(np.clip((target - train[lo]) / (train[hi] - train[lo]), 0.0, 1.0))
        if a in (0.0, 1.0):
            out[i] = _to_float(images[lo if a == 0.0 else hi])
            continue
        if lo not in flows:
            flows[lo] = (dis.calc(gray[lo], gray[hi], None), dis.calc(gray[hi], gray[lo], None))
        f01, f10 = flows[lo]

        def warp(image, flow, amount):
            map_x = grid_x - amount * flow[..., 0]
            map_y = grid_y - amount * flow[..., 1]
            return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_REPLICATE).astype(np.float32)

        blended = (1 - a) * warp(images[lo], f01, a) + a * warp(images[hi], f10, 1 - a)
        out[i] = np.clip(blended / 255.0, 0.0, 1.0)
    return out


def upscale(
    frames: np.ndarray, factor: int, size: tuple[int, int], method: str = "bicubic"
) -> np.ndarray:
    """Upscale (N, h, w, 3) frames by ``factor`` with OpenCV (``'bicubic'`` or ``'lanczos'``),
    then edge-pad to ``size`` = (H, W) (the remainder strip when H or W is not a multiple of
    the factor). Returns uint8."""
    cv2 = _cv2()
    flag = {"bicubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4}[method]
    images = _to_uint8(frames)
    h, w = images.shape[1:3]
    out = np.stack([cv2.resize(np.ascontiguousarray(im), (w * factor, h * factor),
                               interpolation=flag) for im in images])
    pad_h, pad_w = size[0] - out.shape[1], size[1] - out.shape[2]
    if pad_h or pad_w:
        out = np.pad(out, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    return out


def estimate_noise_sigma(frames: np.ndarray) -> float:
    """Noise standard deviation in 0..255 levels from the median absolute difference of
    horizontally neighbouring pixels (robust to edges): sigma = MAD / 0.6745 / sqrt(2)."""
    images = _to_uint8(frames).astype(np.float32)
    diff = np.diff(images, axis=2)
    mad = np.median(np.abs(diff - np.median(diff)))
    return float(mad / 0.6745 / np.sqrt(2.0))


def nl_means(frames: np.ndarray, h: float | None = None, window: int = 1) -> np.ndarray:
    """OpenCV non-local means on every frame: per frame (``window`` = 1,
    fastNlMeansDenoisingColored) or over ``window`` neighbouring frames (odd,
    fastNlMeansDenoisingColoredMulti; OpenCV denoises the window's centre frame, so near the
    ends of the clip the window shrinks to the largest centred one that fits: the first and
    last frames are denoised alone). ``h`` (luma and colour strength): default the
    estimated noise sigma. Returns uint8 (N, H, W, 3)."""
    cv2 = _cv2()
    images = _to_uint8(frames)
    strength = float(h if h is not None else max(estimate_noise_sigma(images), 1.0))
    bgr = [np.ascontiguousarray(im[..., ::-1]) for im in images]
    n = len(bgr)
    out = np.empty_like(images)
    for i in range(n):
        # OpenCV needs the frame at the window's centre: near the ends the window shrinks.
        half = min(window // 2, i, n - 1 - i)
        if half == 0:
            result = cv2.fastNlMeansDenoisingColored(bgr[i], None, strength, strength, 7, 21)
        else:
            result = cv2.fastNlMeansDenoisingColoredMulti(
                bgr[i - half : i + half + 1], half, 2 * half + 1, None, strength, strength, 7, 21
            )
        out[i] = result[..., ::-1]
    return out


def inpaint_frames(frames: np.ndarray, holes: np.ndarray, method: str = "telea",
                   radius: int = 3) -> np.ndarray:
    """OpenCV diffusion inpainting of every frame (``'telea'`` or ``'ns'``, Navier-Stokes);
    ``holes``: (H, W) or (N, H, W) bool, True = hole. Returns uint8 (N, H, W, 3)."""
    cv2 = _cv2()
    flag = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}[method]
    images = _to_uint8(frames)
    masks = np.broadcast_to(holes, images.shape[:3])
    return np.stack([
        cv2.inpaint(np.ascontiguousarray(im), m.astype(np.uint8) * 255, radius, flag)
        for im, m in zip(images, masks, strict=True)
    ])
