"""The task registry, and scoring of a trained model as ``protocols.md`` defines it."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

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


class Represent(Task):
    """Plain fit: every frame is trained on and scored."""

    name = "represent"

    def prepare(self, frames: np.ndarray) -> Supervision:
        n = frames.shape[0]
        return Supervision(frames, np.ones(n, bool), scored_frames=np.ones(n, bool))

    def describe(self) -> str:
        return "represent: fit every frame"


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
        return f"{self.name}: train on every {self.factor}th frame, score the frames between"


_PATTERNS = {r"represent": lambda m: Represent(), r"interp-(\d+)": lambda m: Interpolate(int(m[1]))}
TASK_NAMES = ("represent", "interp-F")


def parse_task(name: str) -> Task:
    """'represent' or 'interp-F' (F >= 2)."""
    for pattern, make in _PATTERNS.items():
        match = re.fullmatch(pattern, name.strip().lower())
        if match:
            return make(match)
    raise UserError(f"unknown task {name!r}; choose one of: {', '.join(TASK_NAMES)}")


@dataclass(frozen=True)
class TaskScore:
    frames: tuple[int, ...]
    frame_psnr: tuple[float, ...]
    psnr: float
    similarity_name: str
    similarity: float
    render_seconds: float


def score_model(render_frame, supervision: Supervision, frames=None) -> TaskScore:
    """Render the scored frames with ``render_frame(index) -> (H, W, 3) uint8`` and score them
    against the clean reference."""
    if frames is None:
        mask = supervision.scored_frames
        frames = np.nonzero(mask if mask is not None else supervision.train_frames)[0]
    frames = [int(f) for f in frames]
    if not frames:
        raise UserError("the task scores no frames on this clip")
    started = time.perf_counter()
    rendered = np.stack([render_frame(f) for f in frames])
    seconds = time.perf_counter() - started
    reference = supervision.clean[frames]
    per_frame = psnr_per_frame(rendered, reference)
    name, value = structural_similarity(rendered, reference)
    return TaskScore(tuple(frames), tuple(float(p) for p in per_frame), float(per_frame.mean()),
                     name, value, seconds)
