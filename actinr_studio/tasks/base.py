"""The task registry, and scoring of a trained model as ``protocols.md`` defines it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from actinr_studio.errors import UserError
from actinr_studio.train.data import Supervision
from actinr_studio.train.metrics import psnr_per_frame, structural_similarity


class Task:
    """Prepares the supervision of a clip and names the frames it scores."""

    name = "task"

    def prepare(self, frames: np.ndarray) -> Supervision:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name

    def extra_metrics(
        self, predicted: np.ndarray, supervision: Supervision, frames: list[int], model=None
    ) -> dict[str, float]:
        """Task-specific scores of ``predicted`` (K, H, W, 3) at ``frames`` (besides PSNR and
        SSIM); ``model``: the trained ActINR when scoring it (None for a baseline)."""
        return {}


class Represent(Task):
    """Plain fit: every frame is trained on and scored."""

    name = "represent"

    def prepare(self, frames: np.ndarray) -> Supervision:
        n = frames.shape[0]
        return Supervision(frames, np.ones(n, bool), scored_frames=np.ones(n, bool))

    def describe(self) -> str:
        return "represent: fit every frame"

    def extra_metrics(self, predicted, supervision, frames, model=None) -> dict[str, float]:
        """Bits per pixel of the model stored in float16: parameters * 16 / (N * H * W)."""
        if model is None:
            return {}
        n, (h, w) = supervision.num_frames, supervision.full_size
        return {"bpp_fp16": model.parameter_count() * 16.0 / (n * h * w)}


class Interpolate(Task):
    """Slow motion: train on frames with index % F == 0 up to the last such index; score the
    others below it, rendered at their times."""

    def __init__(self, factor: int):
        if factor < 2:
            raise UserError(f"interpolation factor must be >= 2, got {factor}")
        self.factor = factor
        self.name = f"interp-{factor}"

    def prepare(self, frames: np.ndarray) -> Supervision:
        n = frames.shape[0]
        if n < self.factor + 1:
            raise UserError(
                f"{self.name} needs at least {self.factor + 1} frames, the clip has {n}"
            )
        index = np.arange(n)
        last = (n - 1) // self.factor * self.factor
        train = (index % self.factor == 0) & (index <= last)
        scored = ~train & (index < last)
        return Supervision(frames, train, scored_frames=scored, notes={"last_train": int(last)})

    def describe(self) -> str:
        every = _ordinal(self.factor)
        return f"{self.name}: train on every {every} frame, score the frames between"


def _ordinal(n: int) -> str:
    """2nd, 3rd, 4th, 11th, 21st ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def parse_task(name: str) -> Task:
    """A task from its string; the grammar is in :mod:`actinr_studio.tasks.registry`."""
    from actinr_studio.tasks.registry import parse_task as parse

    return parse(name)


@dataclass(frozen=True)
class TaskScore:
    frames: tuple[int, ...]
    frame_psnr: tuple[float, ...]
    psnr: float
    similarity_name: str
    similarity: float
    render_seconds: float
    extra: dict = field(default_factory=dict)
    """Task-specific scores, e.g. ``hole_psnr`` (inpaint) or ``bpp_fp16`` (represent)."""


def scored_indices(supervision: Supervision) -> list[int]:
    """The frames a task scores (its scored frames, else its training frames)."""
    mask = supervision.scored_frames
    return [int(f) for f in np.nonzero(mask if mask is not None else supervision.train_frames)[0]]


def score_frames(
    predicted: np.ndarray,
    supervision: Supervision,
    frames,
    task: Task | None = None,
    model=None,
    seconds: float = 0.0,
) -> TaskScore:
    """Score predicted frames (K, H, W, 3) (uint8, or float in [0, 1]) at ``frames`` against
    the clean reference, the same way for ActINR and for every baseline."""
    frames = [int(f) for f in frames]
    if not frames:
        raise UserError("the task scores no frames on this clip")
    reference = supervision.clean[frames]
    per_frame = psnr_per_frame(predicted, reference)
    name, value = structural_similarity(predicted, reference)
    extra = task.extra_metrics(predicted, supervision, frames, model) if task else {}
    return TaskScore(tuple(frames), tuple(float(p) for p in per_frame), float(per_frame.mean()),
                     name, value, seconds, dict(extra))


def score_model(
    render_frame, supervision: Supervision, frames=None, task: Task | None = None, model=None
) -> TaskScore:
    """Render the scored frames with ``render_frame(index) -> (H, W, 3) uint8`` and score them
    against the clean reference (plus ``task``'s extra metrics; ``model`` for those that need
    it, e.g. bits per pixel)."""
    frames = scored_indices(supervision) if frames is None else [int(f) for f in frames]
    if not frames:
        raise UserError("the task scores no frames on this clip")
    started = time.perf_counter()
    predicted = np.stack([render_frame(f) for f in frames])  # uint8; metrics go frame by frame
    seconds = time.perf_counter() - started
    return score_frames(predicted, supervision, frames, task, model, seconds)
