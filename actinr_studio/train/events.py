"""What crosses from the training generator to its consumer (plain data only: numbers and numpy
arrays), and the commands the consumer sends back through ``send()``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StepReport:
    step: int
    total_steps: int
    epoch: float
    """Epochs-equivalent: pixels drawn so far over the supervised pixels of the clip."""
    loss: float
    batch_psnr: float
    train_psnr: float | None
    """PSNR over rendered training frames at the last evaluation."""
    heldout_psnr: float | None
    """PSNR over rendered held-out frames at the last evaluation (None without held-out frames)."""
    lr: float
    seconds: float
    """Training wall time so far, pauses excluded."""
    pixels_per_second: float
    device: str


@dataclass(frozen=True)
class Evaluation:
    step: int
    seconds: float
    train_psnr: float
    heldout_psnr: float | None
    frames: tuple[int, ...]
    frame_psnr: tuple[float, ...]


@dataclass(frozen=True)
class Preview:
    step: int
    frame: float
    image: np.ndarray
    """(h, w, 3) uint8."""


@dataclass(frozen=True)
class Rendered:
    request_id: int
    step: int
    frame: float
    region: tuple[float, float, float, float] | None
    image: np.ndarray


@dataclass(frozen=True)
class Notice:
    step: int
    message: str


@dataclass(frozen=True)
class Paused:
    step: int


@dataclass(frozen=True)
class Finished:
    step: int
    reason: str
    """'done', 'budget' or 'stopped'."""
    seconds: float


# ---------------------------------------------------------------- commands (sent in)
@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class Stop:
    pass


@dataclass(frozen=True)
class ExtendSteps:
    steps: int


@dataclass(frozen=True)
class RenderRequest:
    frame: float
    region: tuple[float, float, float, float] | None = None
    size: tuple[int, int] | None = None
    request_id: int = 0


@dataclass(frozen=True)
class SetPreview:
    frame: float
    max_side: int | None = None


@dataclass(frozen=True)
class SetMask:
    pixel_mask: np.ndarray | None


Event = StepReport | Evaluation | Preview | Rendered | Notice | Paused | Finished
Command = Pause | Resume | Stop | ExtendSteps | RenderRequest | SetPreview | SetMask
