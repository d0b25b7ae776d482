"""Rendering a trained model to a clip: the one code path of ``actinr-studio export`` and of the
studio's export dialog.

Time is in source frame units. Slow motion by a factor s renders s frames per source frame and
plays them at the source rate; a target fps renders frames spaced source_fps / target_fps
apart and plays them at the target rate (same duration, smoother).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from actinr_studio.errors import UserError
from actinr_studio.model import ActINR
from actinr_studio.video import write_clip
from actinr_studio.video.writer import resolve_codec

BYTES_PER_PIXEL_ESTIMATE = {"h264": 0.08, "lossless": 1.6, "png": 1.5, "gif": 0.35}
"""Rough compressed bytes per output pixel, for the size estimate shown before exporting."""


@dataclass(frozen=True)
class ExportPlan:
    """What an export will render: frame positions, output size and rate."""

    positions: tuple[float, ...]
    width: int
    height: int
    fps: Fraction
    codec: str

    @property
    def frame_count(self) -> int:
        return len(self.positions)

    @property
    def duration_seconds(self) -> float:
        return self.frame_count / float(self.fps)

    @property
    def estimated_bytes(self) -> int:
        per_pixel = BYTES_PER_PIXEL_ESTIMATE.get(self.codec, 1.0)
        return int(self.frame_count * self.width * self.height * per_pixel)


def parse_range(text: str | None, num_frames: int) -> tuple[float, float]:
    """'a:b' in source frame units (either side may be empty) -> (a, b)."""
    last = float(num_frames - 1)
    if not text:
        return 0.0, last
    try:
        a_text, b_text = text.split(":")
        a = float(a_text) if a_text.strip() else 0.0
        b = float(b_text) if b_text.strip() else last
    except ValueError:
        raise UserError(f"range must look like a:b (frames), got {text!r}") from None
    if not (0 <= a < b <= last):
        raise UserError(f"range {text!r} must satisfy 0 <= a < b <= {last:g}")
    return a, b


def plan_export(
    num_frames: int,
    width: int,
    height: int,
    source_fps: Fraction,
    *,
    slowmo: float | None = None,
    fps: float | Fraction | None = None,
    scale: float = 1.0,
    frame_range: tuple[float, float] | None = None,
    codec: str = "h264",
) -> ExportPlan:
    """Plan an export. ``codec`` names the codec (see ``write_clip``)."""
    if slowmo is not None and fps is not None:
        raise UserError("choose either a slow-motion factor or a target fps, not both")
    if not (scale > 0 and math.isfinite(scale)) or scale > 16:
        raise UserError(f"scale must be in (0, 16], got {scale}")
    a, b = frame_range if frame_range is not None else (0.0, float(num_frames - 1))
    source_fps = Fraction(source_fps)
    if fps is not None:
        if not (float(fps) > 0 and math.isfinite(float(fps))):
            raise UserError(f"fps must be a positive number, got {fps}")
        out_fps = Fraction(fps).limit_denominator(1001000)
        step = float(source_fps / out_fps)
    else:
        factor = 1.0 if slowmo is None else float(slowmo)
        if not (factor > 0 and math.isfinite(factor)) or factor > 1000:
            raise UserError(f"slow-motion factor must be in (0, 1000], got {slowmo}")
        out_fps = source_fps
        step = 1.0 / factor
    count = int(math.floor((b - a) / step + 1e-9)) + 1
    positions = tuple(min(a + i * step, b) for i in range(count))
    out_w = max(1, round(width * scale))
    out_h = max(1, round(height * scale))
    return ExportPlan(positions, out_w, out_h, out_fps, codec)


def render_frames(
    model: ActINR, plan: ExportPlan, progress: Callable[[int, int], None] | None = None
) -> Iterator[np.ndarray]:
    """Yield the planned frames as (h, w, 3) uint8 arrays, rendered at the output size."""
    model.eval()
    size = (plan.width, plan.height)
    for i, position in enumerate(plan.positions):
        yield model.render_uint8(position, None, size)
        if progress is not None:
            progress(i + 1, plan.frame_count)


def export_model(
    model: ActINR,
    path: str | Path,
    plan: ExportPlan,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    quality: int | None = None,
) -> Path:
    """Render and write the planned clip atomically (a cancelled export leaves no file)."""
    frames = render_frames(model, plan)
    return write_clip(path, frames, plan.fps, codec=plan.codec, quality=quality,
                      total=plan.frame_count, progress=progress, cancel=cancel)


def codec_for_path(path: str | Path, codec: str | None) -> str:
    """The codec an export to ``path`` uses (explicit, or inferred from the extension)."""
    return resolve_codec(Path(path), codec)
