"""Single images and folders of numbered frames (jpg/jpeg/png), decoded with PyAV."""

from __future__ import annotations

import re
from pathlib import Path

import av

from actinr_studio.errors import UserError
from actinr_studio.video._util import error_reason

#: File extensions read as still images (lower case).
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png"})

_DIGITS = re.compile(r"(\d+)")


def is_image_file(path: Path) -> bool:
    """True when ``path`` has a still-image extension."""
    return path.suffix.lower() in IMAGE_EXTENSIONS


def natural_key(name: str) -> tuple:
    """Sort key that orders ``frame2.png`` before ``frame10.png``."""
    parts = _DIGITS.split(name)
    return tuple((0, int(p), p) if p.isdigit() else (1, p.lower(), p) for p in parts)


def list_images(folder: Path) -> list[Path]:
    """The image files of ``folder`` in natural order (hidden files skipped).

    Raises :class:`UserError` when the folder cannot be listed or holds no images.
    """
    try:
        entries = list(folder.iterdir())
    except OSError as exc:
        raise UserError(f"Cannot list folder {folder}: {exc.strerror or exc}") from exc
    images = [p for p in entries if is_image_file(p) and not p.name.startswith(".") and p.is_file()]
    if not images:
        raise UserError(f"Folder {folder} has no .jpg, .jpeg or .png frames")
    return sorted(images, key=lambda p: natural_key(p.name))


def open_image(path: Path) -> av.VideoFrame:
    """Decode the (first) picture of an image file.

    Raises :class:`UserError` when the file is missing, unreadable or not an image.
    """
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UserError(f"{path} is not an image")
            for frame in container.decode(video=0):
                return frame
    except (av.error.FFmpegError, OSError) as exc:
        raise UserError(f"Cannot read image {path}: {error_reason(exc)}") from exc
    raise UserError(f"Cannot read image {path}: it holds no picture")


def probe_image(path: Path) -> tuple[int, int, str]:
    """``(width, height, codec_name)`` of an image file without decoding it."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UserError(f"{path} is not an image")
            ctx = container.streams.video[0].codec_context
            width, height, codec = ctx.width, ctx.height, ctx.name
    except (av.error.FFmpegError, OSError) as exc:
        raise UserError(f"Cannot read image {path}: {error_reason(exc)}") from exc
    if width <= 0 or height <= 0:
        raise UserError(f"Cannot read image {path}: unknown picture size")
    return width, height, codec


def write_image(path: str | Path, image) -> Path:
    """Write one (H, W, 3) uint8 RGB image as a PNG, atomically (temporary name, then rename)."""
    import os

    import numpy as np

    path = Path(path)
    image = np.ascontiguousarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise UserError("an image must be (H, W, 3) uint8")
    if path.suffix.lower() != ".png":
        raise UserError(f"images are written as PNG; use a name ending in .png, not {path.name}")
    if not path.parent.is_dir():
        raise UserError(f"cannot write {path}: folder {path.parent} does not exist")
    temp = path.with_name(f".{path.stem}.partial-{os.getpid()}.png")
    try:
        with av.open(str(temp), "w", format="image2") as container:
            stream = container.add_stream("png", rate=1)
            stream.width, stream.height = image.shape[1], image.shape[0]
            stream.pix_fmt = "rgb24"
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        os.replace(temp, path)
    except (OSError, av.error.FFmpegError) as exc:
        temp.unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {error_reason(exc)}") from None
    return path
