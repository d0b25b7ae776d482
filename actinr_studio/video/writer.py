"""Exporting frames as video files, GIFs or PNG sequences, streamed and written atomically.

Codecs:

* ``'h264'``: libx264, yuv420p, CRF ``quality`` (default 18), in .mp4/.mov/.m4v/.mkv. Odd
  sizes are padded to even by repeating the last row/column (never cropped). MP4/MOV files
  are written with ``+faststart`` so players (and a truncated copy) can start without the end.
* ``'lossless'``: FFV1 in .mkv, stored as bgr0 (8-bit RGB). It round-trips bit-exactly through
  :func:`~actinr_studio.video.reader.read_clip`. FFV1 was chosen over libx264rgb (crf 0) because
  it is a true lossless, intra-only archival codec: no encoder tuning or colour conversion is
  involved, and with ``gop_size=1`` every frame is a keyframe (exact seeking).
* ``'png'``: a folder of ``frame_00000.png``, ``frame_00001.png`` ... (exact).
* ``'gif'``: FFmpeg's GIF encoder fed per-frame palettes (``palettegen``/``paletteuse``), so
  colours are close but not exact. GIF stores delays in 1/100 s, so e.g. 24 fps plays back at
  25 fps.

The output is written under a temporary name in the destination folder
(``.name.partial-<pid>.ext``) and moved into place with :func:`os.replace` only once complete;
on any error or cancellation the temporary output is removed and an existing file at the
destination is left untouched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from actinr_studio.errors import UserError
from actinr_studio.video._util import error_reason
from actinr_studio.video.clip import as_rate

#: The codecs :func:`write_clip` knows.
CODECS = ("h264", "lossless", "png", "gif")

#: Default x264 constant rate factor (visually near-lossless).
DEFAULT_CRF = 18

_EXTENSIONS = {
    "h264": (".mp4", ".mov", ".m4v", ".mkv"),
    "lossless": (".mkv",),
    "gif": (".gif",),
}
_INFER = {".mp4": "h264", ".mov": "h264", ".m4v": "h264", ".mkv": "lossless", ".gif": "gif"}
_PNG_NAME = re.compile(r"frame_\d+\.png")


class ExportCancelled(Exception):
    """Raised by :func:`write_clip` when ``cancel()`` returned True; nothing was written."""


def write_clip(
    path: str | os.PathLike[str],
    frames: Iterable[np.ndarray],
    fps: Fraction | int | float,
    *,
    codec: str | None = "h264",
    quality: int | None = None,
    total: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path:
    """Encode ``frames`` to ``path`` and return the final path.

    Args:
        path: output file (or folder for ``'png'``).
        frames: iterable of (H, W, 3) uint8 RGB arrays, all the same size. Consumed one at a
            time (a generator is never materialised).
        fps: frame rate; a Fraction or int is kept exactly, a float is converted with
            ``Fraction(fps).limit_denominator(1001 * 1000)``.
        codec: ``'h264'``, ``'lossless'``, ``'png'``, ``'gif'``, or None to infer from the
            extension (.mp4/.mov/.m4v: h264, .mkv: lossless, .gif: gif, no extension or an
            existing folder: png).
        quality: x264 CRF 0..51 for ``'h264'`` (default 18, lower is better); ignored otherwise.
        total: number of frames, passed to ``progress`` (defaults to ``len(frames)`` when
            available, else 0 = unknown).
        progress: ``progress(done, total)`` called after each frame.
        cancel: polled before each frame; returning True aborts with :class:`ExportCancelled`.

    Raises:
        UserError: unknown codec or extension, unwritable destination, bad frames, bad fps or
            quality, an encoder/disk error.
        ExportCancelled: ``cancel()`` returned True.
    """
    final = Path(path)
    codec = resolve_codec(final, codec)
    rate = as_rate(fps)
    crf = _check_quality(quality) if codec == "h264" else None
    _check_destination(final, codec)
    if total is None:
        total = len(frames) if hasattr(frames, "__len__") else 0  # type: ignore[arg-type]
    suffix = "" if codec == "png" else final.suffix
    temp = final.with_name(f".{final.stem}.partial-{os.getpid()}{suffix}")

    sink: _Sink | None = None
    done = 0
    try:
        for frame in frames:
            _poll(cancel)
            image = _check_frame(frame, None if sink is None else sink.shape, done)
            if sink is None:
                sink = _open_sink(codec, temp, final, image.shape, rate, crf)
            sink.write(image)
            done += 1
            if progress is not None:
                progress(done, max(total, done) if total else 0)
        if sink is None:
            raise UserError(f"No frames to write to {final}")
        _poll(cancel)
        sink.finish()
        _commit(temp, final, codec)
    except BaseException:
        if sink is not None:
            sink.abort()
        _remove(temp)
        raise
    return final


# ------------------------------------------------------------------------------- checks


def resolve_codec(path: Path, codec: str | None) -> str:
    """Pick the codec (inferring it from the extension when None) and check the extension."""
    suffix = path.suffix.lower()
    if codec is None:
        if suffix in _INFER:
            return _INFER[suffix]
        if suffix == "" or path.is_dir():
            return "png"
        raise UserError(
            f"Cannot tell the export format from '{path.suffix}'; use .mp4, .mov, .mkv, .gif "
            f"or a folder name (PNG frames)"
        )
    if not isinstance(codec, str) or codec.lower() not in CODECS:
        raise UserError(f"Unknown codec {codec!r}; choose one of {', '.join(CODECS)}")
    codec = codec.lower()
    allowed = _EXTENSIONS.get(codec)
    if allowed is not None and suffix not in allowed:
        raise UserError(
            f"Codec '{codec}' cannot be saved as '{path.name}'; use a name ending in "
            f"{' or '.join(allowed)}"
        )
    return codec


def _check_quality(quality: int | None) -> int:
    """Validate an x264 CRF (0..51)."""
    if quality is None:
        return DEFAULT_CRF
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)):
        raise UserError(f"Quality (CRF) must be a whole number 0..51, got {quality!r}")
    if not 0 <= quality <= 51:
        raise UserError(f"Quality (CRF) must be 0..51 (lower is better), got {quality}")
    return int(quality)


def _check_destination(final: Path, codec: str) -> None:
    """Fail early when the destination cannot be written."""
    parent = final.parent
    if not parent.is_dir():
        raise UserError(f"Cannot write {final}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"Cannot write {final}: folder {parent} is not writable")
    if codec != "png":
        if final.is_dir():
            raise UserError(f"Cannot write {final}: it is a folder")
        return
    if final.exists() and not final.is_dir():
        raise UserError(f"Cannot write PNG frames to {final}: it is a file, not a folder")
    if final.is_dir() and any(not _PNG_NAME.fullmatch(p.name) for p in final.iterdir()):
        raise UserError(
            f"Folder {final} already holds other files; choose a new or empty folder for PNG frames"
        )


def _check_frame(frame: np.ndarray, shape: tuple[int, ...] | None, index: int) -> np.ndarray:
    """Validate one frame: (H, W, 3) uint8, the same size as the first."""
    image = np.asarray(frame)
    if image.dtype != np.uint8:
        raise UserError(f"Frames must be uint8 RGB; frame {index} is {image.dtype}")
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] == 0 or image.shape[1] == 0:
        raise UserError(f"Frames must have shape (H, W, 3); frame {index} has {image.shape}")
    if shape is not None and image.shape != shape:
        raise UserError(
            f"All frames must have the same size: frame 0 is {shape[1]}x{shape[0]} but frame "
            f"{index} is {image.shape[1]}x{image.shape[0]}"
        )
    return np.ascontiguousarray(image)


def _poll(cancel: Callable[[], bool] | None) -> None:
    if cancel is not None and cancel():
        raise ExportCancelled("Export cancelled")


@contextlib.contextmanager
def _io_errors(final: Path) -> Iterator[None]:
    """Turn FFmpeg and OS errors into a one-line UserError about ``final``."""
    try:
        yield
    except (av.error.FFmpegError, OSError) as exc:
        raise UserError(f"Cannot write {final}: {error_reason(exc)}") from exc


# -------------------------------------------------------------------------------- sinks


class _Sink:
    """Receives validated frames; ``finish`` completes the temporary output."""

    shape: tuple[int, ...]

    def write(self, image: np.ndarray) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """Release resources after a failure (the caller deletes the temporary output)."""


def _open_sink(
    codec: str, temp: Path, final: Path, shape: tuple[int, ...], rate: Fraction, crf: int | None
) -> _Sink:
    if codec == "png":
        return _PngSink(temp, final, shape)
    return _ContainerSink(codec, temp, final, shape, rate, crf)


class _ContainerSink(_Sink):
    """h264 / lossless / gif through a PyAV output container."""

    def __init__(
        self,
        codec: str,
        temp: Path,
        final: Path,
        shape: tuple[int, ...],
        rate: Fraction,
        crf: int | None,
    ) -> None:
        self.shape = shape
        self._final = final
        self._rate = rate
        self._index = 0
        self._pad = (0, 0)
        self._graph: _GifPalette | None = None
        height, width = shape[:2]
        options = (
            {"movflags": "+faststart"} if temp.suffix.lower() in (".mp4", ".mov", ".m4v") else {}
        )
        with _io_errors(final):
            self._container = av.open(str(temp), mode="w", options=options)
            try:
                if codec == "h264":
                    self._pad = (height % 2, width % 2)
                    stream = self._container.add_stream(
                        "libx264", rate=rate, options={"crf": str(crf), "preset": "medium"}
                    )
                    stream.pix_fmt = "yuv420p"
                    height, width = height + self._pad[0], width + self._pad[1]
                elif codec == "lossless":
                    stream = self._container.add_stream("ffv1", rate=rate)
                    stream.pix_fmt = "bgr0"
                    stream.codec_context.gop_size = 1
                else:
                    stream = self._container.add_stream("gif", rate=rate)
                    stream.pix_fmt = "pal8"
                    self._graph = _GifPalette(width, height, rate)
                stream.width, stream.height = width, height
            except BaseException:
                self.abort()
                raise
        self._stream = stream

    def write(self, image: np.ndarray) -> None:
        if self._pad != (0, 0):
            image = np.pad(image, ((0, self._pad[0]), (0, self._pad[1]), (0, 0)), mode="edge")
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = self._index
        frame.time_base = 1 / self._rate
        self._index += 1
        with _io_errors(self._final):
            if self._graph is None:
                self._encode(frame)
            else:
                for out in self._graph.process(frame):
                    self._encode(out)

    def finish(self) -> None:
        with _io_errors(self._final):
            if self._graph is not None:
                for out in self._graph.process(None):
                    self._encode(out)
            self._encode(None)
            self._container.close()

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._container.close()

    def _encode(self, frame: av.VideoFrame | None) -> None:
        for packet in self._stream.encode(frame):
            self._container.mux(packet)


class _GifPalette:
    """A filter graph giving each frame its own 256-colour palette (palettegen+paletteuse)."""

    def __init__(self, width: int, height: int, rate: Fraction) -> None:
        graph = av.filter.Graph()
        source = graph.add(
            "buffer",
            video_size=f"{width}x{height}",
            pix_fmt="rgb24",
            time_base=str(1 / rate),
            pixel_aspect="1/1",
        )
        split = graph.add("split")
        palettegen = graph.add("palettegen", "stats_mode=single:max_colors=256")
        paletteuse = graph.add("paletteuse", "new=1:dither=sierra2_4a")
        sink = graph.add("buffersink")
        source.link_to(split)
        split.link_to(paletteuse, 0, 0)
        split.link_to(palettegen, 1, 0)
        palettegen.link_to(paletteuse, 0, 1)
        paletteuse.link_to(sink)
        graph.configure()
        self._graph = graph

    def process(self, frame: av.VideoFrame | None) -> list[av.VideoFrame]:
        """Push a frame (None = end of stream) and return the frames that came out."""
        self._graph.vpush(frame)
        out = []
        while True:
            try:
                out.append(self._graph.vpull())
            except (av.error.BlockingIOError, av.error.EOFError):
                return out


class _PngSink(_Sink):
    """A folder of numbered PNG files encoded with FFmpeg's PNG encoder."""

    def __init__(self, temp: Path, final: Path, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self._temp = temp
        self._final = final
        self._index = 0
        with _io_errors(final):
            temp.mkdir()
            self._codec = av.CodecContext.create("png", "w")
            self._codec.width, self._codec.height = shape[1], shape[0]
            self._codec.pix_fmt = "rgb24"

    def write(self, image: np.ndarray) -> None:
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        with _io_errors(self._final):
            data = b"".join(bytes(packet) for packet in self._codec.encode(frame))
            (self._temp / f"frame_{self._index:05d}.png").write_bytes(data)
        self._index += 1

    def finish(self) -> None:
        """Nothing to flush: the PNG encoder emits one packet per frame."""


# ------------------------------------------------------------------------------ commit


def _commit(temp: Path, final: Path, codec: str) -> None:
    """Move the finished temporary output into place."""
    with _io_errors(final):
        if codec == "png" and final.is_dir():
            # os.replace cannot replace a (non-empty) folder: swap it out, then delete it.
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            os.replace(final, old)
            try:
                os.replace(temp, final)
            except BaseException:
                os.replace(old, final)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temp, final)


def _remove(temp: Path) -> None:
    """Delete a temporary file or folder, ignoring errors."""
    if temp.is_dir():
        shutil.rmtree(temp, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            temp.unlink()
