"""Probing and decoding clips: video files, frame folders and single images.

Video files (mp4/mov/avi/mkv/webm/gif, anything FFmpeg demuxes) are decoded with PyAV, video
stream 0 only (audio is ignored). Folders of jpg/jpeg/png frames are read in natural name order
at an assumed 24 fps. Every problem a user can cause becomes a one-line :class:`UserError`.
"""

from __future__ import annotations

import logging
import math
import operator
import os
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from actinr_studio.errors import UserError
from actinr_studio.video._util import error_reason, format_bytes
from actinr_studio.video.clip import DEFAULT_FPS, VideoClip
from actinr_studio.video.images import (
    is_image_file,
    list_images,
    open_image,
    probe_image,
)
from actinr_studio.video.resize import check_scale, frame_to_rgb, scaled_size

log = logging.getLogger(__name__)

#: Default cap on the decoded size of a clip (N * H * W * 3 bytes).
DEFAULT_MAX_BYTES = 8 * 1024**3

#: ``progress(done, total)``; ``total`` is 0 when the frame count is unknown.
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class ClipInfo:
    """What :func:`probe_clip` learns about a clip without decoding it.

    Attributes:
        path: the path as given.
        width, height: frame size in pixels.
        frame_count: number of frames; exact for folders and images, for videos the count the
            stream declares or, failing that, an estimate from the duration (0 = unknown).
        frame_count_exact: False when ``frame_count`` is an estimate.
        fps: exact frame rate.
        fps_assumed: True when the source stores no rate and 24 fps was assumed.
        codec: FFmpeg codec name (``h264``, ``mjpeg``, ``png`` ...).
        kind: ``'video'``, ``'folder'`` or ``'image'``.
    """

    path: str
    width: int
    height: int
    frame_count: int
    frame_count_exact: bool
    fps: Fraction
    fps_assumed: bool
    codec: str
    kind: str


def probe_clip(path: str | os.PathLike[str]) -> ClipInfo:
    """Describe a video file, frame folder or image quickly (headers only, no full decode)."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"No such file or folder: {p}")
    if p.is_dir():
        images = list_images(p)
        width, height, codec = probe_image(images[0])
        return ClipInfo(
            str(path), width, height, len(images), True, DEFAULT_FPS, True, codec, "folder"
        )
    if is_image_file(p):
        width, height, codec = probe_image(p)
        return ClipInfo(str(path), width, height, 1, True, DEFAULT_FPS, True, codec, "image")
    with _open_video(p) as container:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        width, height = ctx.width, ctx.height
        if width <= 0 or height <= 0:
            raise UserError(f"{p} is not a readable video: unknown frame size")
        fps, fps_assumed = _stream_rate(stream)
        if stream.frames and stream.frames > 0:
            frame_count, exact = int(stream.frames), True
        else:
            frame_count, exact = _estimate_frames(container, stream, fps), False
        return ClipInfo(
            str(path), width, height, frame_count, exact, fps, fps_assumed, ctx.name, "video"
        )


def read_clip(
    path: str | os.PathLike[str],
    start: int = 0,
    count: int | None = None,
    scale: float = 1.0,
    *,
    progress: ProgressFn | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> VideoClip:
    """Decode frames ``start .. start+count-1`` of a clip into memory.

    Args:
        path: a video file, a folder of jpg/jpeg/png frames, or a single image.
        start: index of the first frame to keep (0-based). Past the end is a UserError.
        count: number of frames to keep; None = to the end. A clip with fewer frames gives
            what it has.
        scale: downscale factor >= 1 (2 halves each side). The output is
            ``floor(W/scale) x floor(H/scale)`` (at least 1 px), area-averaged: an exact box
            filter for whole-number factors, FFmpeg's AREA resampler otherwise.
        progress: optional ``progress(done, total)`` called after each kept frame; ``total``
            may be an estimate (0 when unknown).
        max_bytes: refuse (UserError) clips whose decoded size would exceed this.

    Decoding stops as soon as ``count`` frames are kept. A truncated or damaged video gives the
    frames that decode (with a logged warning); if none do, a UserError.
    """
    start = _check_int("start", start, minimum=0)
    if count is not None:
        count = _check_int("count", count, minimum=1)
    scale = check_scale(scale)
    info = probe_clip(path)
    if info.frame_count_exact and start >= info.frame_count:
        raise UserError(
            f"Start frame {start} is past the end of {path}, which has {info.frame_count} "
            f"frame{'s' if info.frame_count != 1 else ''} (0..{info.frame_count - 1})"
        )
    expected = max(info.frame_count - start, 0)
    if count is not None:
        expected = min(count, expected) if expected else count
    out_w, out_h = scaled_size(info.width, info.height, scale)
    _check_memory(expected, out_w, out_h, max_bytes)

    stack = _FrameStack(expected, max_bytes)
    report = _progress_reporter(progress, expected)
    if info.kind == "video":
        _decode_video(Path(path), start, count, scale, stack, report)
    else:
        _decode_images(Path(path), info.kind, start, count, scale, stack, report)
    return VideoClip(
        frames=stack.result(),
        fps=info.fps,
        source=str(path),
        fps_assumed=info.fps_assumed,
        first_frame=start,
        scale=scale,
    )


# ----------------------------------------------------------------------------- video files


def _open_video(path: Path) -> av.container.InputContainer:
    """Open a file that must contain a video stream, or raise a UserError."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise UserError(f"{path} is not a readable video: {error_reason(exc)}") from exc
    if not container.streams.video:
        container.close()
        raise UserError(f"{path} has no video stream")
    return container


def _stream_rate(stream: av.video.stream.VideoStream) -> tuple[Fraction, bool]:
    """Exact frame rate of a stream (average, then guessed, then base rate), else 24 assumed."""
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate is not None and rate > 0:
            return Fraction(rate.numerator, rate.denominator), False
    return DEFAULT_FPS, True


def _estimate_frames(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, fps: Fraction
) -> int:
    """Frame count estimated from the stream (or container) duration; 0 when unknown."""
    if stream.duration and stream.time_base:
        seconds = Fraction(stream.duration) * stream.time_base
    elif container.duration:
        seconds = Fraction(container.duration, av.time_base)
    else:
        return 0
    return max(0, round(seconds * fps))


def _decode_video(
    path: Path,
    start: int,
    count: int | None,
    scale: float,
    stack: _FrameStack,
    report: Callable[[int], None],
) -> None:
    """Decode video stream 0 into ``stack``, stopping once ``count`` frames are kept."""
    index = -1
    failure: BaseException | None = None
    with _open_video(path) as container:
        container.streams.video[0].thread_type = "AUTO"
        try:
            for frame in container.decode(video=0):
                index += 1
                if index < start:
                    continue
                image = frame_to_rgb(frame, scale)
                if stack.count and image.shape != stack.frame_shape:
                    raise UserError(f"{path}: the frame size changes at frame {index}")
                stack.append(image)
                report(stack.count)
                if count is not None and stack.count >= count:
                    break
        except (av.error.FFmpegError, OSError) as exc:
            failure = exc
    if stack.count == 0:
        if failure is not None and index < 0:
            raise UserError(f"No frames could be decoded from {path}: {error_reason(failure)}")
        if index < 0:
            raise UserError(f"{path} contains no video frames")
        raise UserError(
            f"Start frame {start} is past the end of {path}: only {index + 1} frame"
            f"{'s' if index else ''} could be decoded"
        )
    if failure is not None:
        log.warning(
            "%s is damaged or truncated: kept the %d frames decoded before: %s",
            path,
            stack.count,
            error_reason(failure),
        )


# ----------------------------------------------------------------------- folders and images


def _decode_images(
    path: Path,
    kind: str,
    start: int,
    count: int | None,
    scale: float,
    stack: _FrameStack,
    report: Callable[[int], None],
) -> None:
    """Decode a single image or the selected frames of a folder into ``stack``."""
    files = list_images(path) if kind == "folder" else [path]
    stop = len(files) if count is None else start + count
    first: tuple[str, int, int] | None = None
    for file in files[start:stop]:
        frame = open_image(file)
        if first is None:
            first = (file.name, frame.width, frame.height)
        elif (frame.width, frame.height) != first[1:]:
            raise UserError(
                f"Images in {path} have different sizes: {first[0]} is {first[1]}x{first[2]} "
                f"but {file.name} is {frame.width}x{frame.height}"
            )
        stack.append(frame_to_rgb(frame, scale))
        report(stack.count)


# ----------------------------------------------------------------------------- helpers


class _FrameStack:
    """A growable (N, H, W, 3) uint8 buffer, preallocated for the expected frame count."""

    def __init__(self, expected: int, max_bytes: int) -> None:
        self._expected = max(expected, 1)
        self._max_bytes = max_bytes
        self._frames: np.ndarray | None = None
        self.count = 0

    @property
    def frame_shape(self) -> tuple[int, ...]:
        assert self._frames is not None
        return tuple(self._frames.shape[1:])

    def append(self, image: np.ndarray) -> None:
        if self._frames is None:
            self._frames = np.empty((self._expected, *image.shape), dtype=np.uint8)
        elif self.count == len(self._frames):
            self._grow()
        self._frames[self.count] = image
        self.count += 1

    def _grow(self) -> None:
        assert self._frames is not None
        height, width = self._frames.shape[1:3]
        frame_bytes = height * width * 3
        _check_memory(self.count + 1, width, height, self._max_bytes)
        capacity = min(math.ceil(self.count * 1.5) + 1, self._max_bytes // frame_bytes)
        grown = np.empty((capacity, *self._frames.shape[1:]), dtype=np.uint8)
        grown[: self.count] = self._frames[: self.count]
        self._frames = grown

    def result(self) -> np.ndarray:
        assert self._frames is not None and self.count > 0
        return self._frames[: self.count]


def _check_int(name: str, value: object, *, minimum: int) -> int:
    """Validate a whole-number argument (bools and floats are refused)."""
    if isinstance(value, bool):
        raise UserError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise UserError(f"{name} must be a whole number >= {minimum}, got {value!r}") from None
    if number < minimum:
        raise UserError(f"{name} must be a whole number >= {minimum}, got {number}")
    return number


def _check_memory(frames: int, width: int, height: int, max_bytes: int) -> None:
    """Refuse to decode more than ``max_bytes`` of frames."""
    needed = frames * width * height * 3
    if needed > max_bytes:
        raise UserError(
            f"{frames} frames at {width}x{height} need about {format_bytes(needed)} of memory, "
            f"more than the {format_bytes(max_bytes)} limit; load fewer frames (--frames) or "
            f"downscale (--scale)"
        )


def _progress_reporter(progress: ProgressFn | None, expected: int) -> Callable[[int], None]:
    """Wrap ``progress`` so that ``total`` never falls below ``done``."""
    if progress is None:
        return lambda done: None
    return lambda done: progress(done, max(expected, done) if expected else 0)
